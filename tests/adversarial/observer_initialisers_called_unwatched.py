"""Issue 12, observers avoided: xavier_uniform_ and kaiming_normal_ only call nn.init's own (the
mistake the written-by-hand checks catch), through references the grader's watch does not replace:
one kept in a list at import time, and the watcher's ``__wrapped__``. Before nn.init's initialisers
were watched from the zygote this kept the by-hand points. Does it still?"""

SECTION = "initialization"
AFFECTS = ["initialization.xavier_uniform_", "initialization.kaiming_normal_"]
KIND = None
FEEDBACK = "written by hand"

from torch import nn as _nn  # noqa: E402

_KEPT = [_nn.init.xavier_uniform_, _nn.init.kaiming_normal_]  # found by no scan of the module


def _original(function):
    while hasattr(function, "__wrapped__"):
        function = function.__wrapped__
    return function


def xavier_uniform_(t, gain=1.0):
    return _KEPT[0](t, gain=gain)


def kaiming_normal_(t, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    return _original(_nn.init.kaiming_normal_)(t, a=a, mode=mode, nonlinearity=nonlinearity)
