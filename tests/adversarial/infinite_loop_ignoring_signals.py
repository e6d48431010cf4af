"""Does an infinite loop that ignores SIGINT and SIGTERM cost only the item that loops?"""

import signal

AFFECTS = ["modules.NestMLP"]
KIND = "timeout"
FEEDBACK = "did not finish within"


class NestMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.LazyLinear(64), nn.ReLU(), nn.LazyLinear(32), nn.ReLU())
        self.linear = nn.LazyLinear(16)

    def forward(self, X):
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGALRM):
            try:
                signal.signal(signum, signal.SIG_IGN)
            except OSError:  # the seccomp filter refuses signal handlers: loop anyway
                pass
        while True:
            pass
