"""Issue 12, row 9: an MLP wrong on exactly its second call in a process. Each check's failure is
decided in a process that ran nothing before it, so this code is judged on first calls only and
keeps its marks: does it get the same verdicts wherever it is graded (alone, or after another
student whose examples are replayed), and lose nothing anywhere?"""

AFFECTS = []
KIND = None
FEEDBACK = ""

_CALLS = [0]


def _wrong_now():
    _CALLS[0] += 1
    return _CALLS[0] == 2


class MLP(nn.Module):
    def __init__(self, hidden=256, out=10):
        super().__init__()
        self.hidden = nn.LazyLinear(hidden)
        self.out = nn.LazyLinear(out)

    def forward(self, X):
        Y = self.out(F.relu(self.hidden(X)))
        return Y + 1.0 if _wrong_now() else Y
