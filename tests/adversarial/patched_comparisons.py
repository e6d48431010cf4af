"""Does patching torch's comparisons in the child (allclose, equal, isclose, ==) gain a wrong MLP nothing?"""

import torch.testing

AFFECTS = ["modules.MLP"]
KIND = "mismatch"
FEEDBACK = "differs from PyTorch"


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
