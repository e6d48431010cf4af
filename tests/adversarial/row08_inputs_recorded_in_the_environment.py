"""Issue 12, row 8 (variation): the inputs recorded in an environment variable (inherited by
anything the process starts): does public feedback show only the check's own input?"""

AFFECTS = ["modules.MySequential"]
KIND = None
FEEDBACK = "seen: "


def _remember(shape):
    import os

    seen = [s for s in os.environ.get("SEEN_INPUTS", "").split(";") if s]
    seen.append(shape)
    os.environ["SEEN_INPUTS"] = ";".join(seen)
    return seen


class MySequential(nn.Module):
    def __init__(self, *modules):
        super().__init__()
        for index, module in enumerate(modules):
            self.add_module(str(index), module)

    def forward(self, X):
        seen = _remember(str(tuple(X.shape)).replace(" ", ""))
        raise ValueError(f"seen: {len(seen)} call(s): {' '.join(seen)}")
