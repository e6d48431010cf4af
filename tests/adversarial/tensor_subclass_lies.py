"""Does a tensor subclass that claims to equal everything gain nothing (and cost only its item)?"""

AFFECTS = ["modules.MLP"]
KIND = "invalid result"
FEEDBACK = "return a plain torch.Tensor"


class AlwaysEqual(torch.Tensor):
    def __eq__(self, other):
        return True

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        result = super().__torch_function__(func, types, args, kwargs or {})
        return result


class MLP(nn.Module):
    def __init__(self, hidden=256, out=10):
        super().__init__()
        self.hidden = nn.LazyLinear(hidden)
        self.out = nn.LazyLinear(out)

    def forward(self, X):
        return torch.zeros(X.shape[0], self.out.out_features).as_subclass(AlwaysEqual)
