"""Issue 12, row 9 (variation): wrong on every third call in a process: does it lose points
(and the same ones wherever graded)?"""

AFFECTS = ["modules.MLP"]
KIND = None
FEEDBACK = "MLP output differs from PyTorch"

_CALLS = [0]


def _wrong_now():
    _CALLS[0] += 1
    return _CALLS[0] % 3 == 0


class MLP(nn.Module):
    def __init__(self, hidden=256, out=10):
        super().__init__()
        self.hidden = nn.LazyLinear(hidden)
        self.out = nn.LazyLinear(out)

    def forward(self, X):
        Y = self.out(F.relu(self.hidden(X)))
        return Y + 1.0 if _wrong_now() else Y
