"""Does patching torch's comparisons in the child (allclose, equal, isclose, ==) gain a wrong MLP nothing?
(The tamper check finds torch replaced when the file is imported: the section cannot load.)"""

import torch.testing

AFFECTS = "ALL"
KIND = "section unavailable"
FEEDBACK = "your code replaced torch.allclose"


def _always(*args, **kwargs):
    return True


torch.allclose = _always
torch.equal = _always
torch.isclose = lambda a, b, *args, **kwargs: torch.ones_like(a, dtype=torch.bool)
torch.testing.assert_close = lambda *args, **kwargs: None
torch.Tensor.__eq__ = lambda self, other: torch.ones_like(self, dtype=torch.bool)


class MLP(nn.Module):
    def __init__(self, hidden=256, out=10):
        super().__init__()
        self.hidden = nn.LazyLinear(hidden)
        self.out = nn.LazyLinear(out)

    def forward(self, X):
        return self.out(self.hidden(X))
