"""Issue 12, row 9 (variation): right on the first call, which leaves a file in /tmp; wrong on
every call after (state kept on disk, not in memory): does it lose points?"""

AFFECTS = ["modules.MLP"]
KIND = None
FEEDBACK = "MLP output differs from PyTorch"


def _wrong_now():
    import os

    path = "/tmp/called-before"
    if os.path.exists(path):
        return True
    open(path, "w").close()
    return False


class MLP(nn.Module):
    def __init__(self, hidden=256, out=10):
        super().__init__()
        self.hidden = nn.LazyLinear(hidden)
        self.out = nn.LazyLinear(out)

    def forward(self, X):
        Y = self.out(F.relu(self.hidden(X)))
        return Y + 1.0 if _wrong_now() else Y
