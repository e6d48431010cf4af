"""Can code in the child read the reference solutions, the hidden checks, the kit's tests, or other
files of the machine? (It reports what it saw through MLP's error message.)"""

AFFECTS = ["modules.MLP"]
KIND = "exception"
FEEDBACK = "report:"

_TARGETS = [
    "@REPO@/solutions/modules.py",
    "@REPO@/grader/checks/test_modules.py",
    "@REPO@/tests/conftest.py",
    "@REPO@/.git/HEAD",
    "@CLASS@/read_secrets/modules.py",
    "@CLASS@/syntax_error/modules.py",
    "/etc/hostname",
    "/etc/shadow",
    "/root/.bashrc",
]


def _probe(path):
    try:
        with open(path, "rb") as f:
            f.read(1)
        return "READ"
    except OSError as exc:
        return type(exc).__name__


_REPORT = "; ".join(f"{path}={_probe(path)}" for path in _TARGETS)


class MLP(nn.Module):
    def __init__(self, hidden=256, out=10):
        super().__init__()
        self.hidden = nn.LazyLinear(hidden)
        self.out = nn.LazyLinear(out)

    def forward(self, X):
        raise RuntimeError("report: " + _REPORT)
