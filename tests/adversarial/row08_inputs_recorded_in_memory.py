"""Issue 12, row 8 (variation): the inputs recorded on the class itself (process memory):
does public feedback show only the check's own input?"""

AFFECTS = ["modules.MySequential"]
KIND = None
FEEDBACK = "seen: "

_SEEN = []


def _remember(shape):
    _SEEN.append(shape)
    return list(_SEEN)


class MySequential(nn.Module):
    def __init__(self, *modules):
        super().__init__()
        for index, module in enumerate(modules):
            self.add_module(str(index), module)

    def forward(self, X):
        seen = _remember(str(tuple(X.shape)).replace(" ", ""))
        raise ValueError(f"seen: {len(seen)} call(s): {' '.join(seen)}")
