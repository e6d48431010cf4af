"""Issue 12, observers switched off (variation): xavier_uniform_ and kaiming_normal_ call nn.init's
own (the mistake the written-by-hand checks catch), then empty every list the watching function
holds in its closure (the grader's record of calls). Does that keep the by-hand points?"""

SECTION = "initialization"
AFFECTS = ["initialization.xavier_uniform_", "initialization.kaiming_normal_"]
KIND = None
FEEDBACK = "written by hand"


def _forget(function):
    for cell in getattr(function, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        if isinstance(value, list):
            value.clear()


def xavier_uniform_(t, gain=1.0):
    from torch import nn

    result = nn.init.xavier_uniform_(t, gain=gain)
    _forget(nn.init.xavier_uniform_)
    return result


def kaiming_normal_(t, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    from torch import nn

    result = nn.init.kaiming_normal_(t, a=a, mode=mode, nonlinearity=nonlinearity)
    _forget(nn.init.kaiming_normal_)
    return result
