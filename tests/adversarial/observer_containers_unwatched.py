"""Issue 12, observers avoided and switched off: MySequential is nn.Sequential (the mistake the
built-by-hand check catches), built through nn.Sequential's ``__init__`` kept at import time, and
the watching ``__init__``'s closure lists emptied afterwards. Before nn.Sequential's ``__init__``
was watched from the zygote this kept the point. Does it still?"""

SECTION = "modules"
AFFECTS = ["modules.MySequential"]
KIND = None
FEEDBACK = "built without nn.Sequential"

from torch import nn as _nn  # noqa: E402

_KEPT = [_nn.Sequential.__init__]  # found by no scan of a module


def _forget(function):
    for cell in getattr(function, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        if isinstance(value, list):
            value.clear()


class MySequential(_nn.Sequential):
    def __init__(self, *modules):
        _KEPT[0](self, *modules)
        _forget(_nn.Sequential.__init__)
