"""Issue 12, row 8: a MySequential that records every input it is given in a file and shows them
all in its exception: does public feedback only ever show the input of the check itself (in a
process that ran nothing before it), never one a hidden check gave?"""

AFFECTS = ["modules.MySequential"]
KIND = None
FEEDBACK = "seen: "


def _remember(shape):
    import os

    path = os.path.join("/tmp", "seen-inputs.txt")
    with open(path, "a") as f:
        f.write(shape + "\n")
    with open(path) as f:
        return f.read().split()


class MySequential(nn.Module):
    def __init__(self, *modules):
        super().__init__()
        for index, module in enumerate(modules):
            self.add_module(str(index), module)

    def forward(self, X):
        seen = _remember(str(tuple(X.shape)).replace(" ", ""))
        raise ValueError(f"seen: {len(seen)} call(s): {' '.join(seen)}")
