"""Does a tie that uses register_parameter keep full marks?"""

ITEM = "tying.tie"


def tie(dst, src, name="weight"):
    param = src._parameters[name]
    if dst._parameters[name].shape != param.shape:
        raise ValueError(f"{name}: {tuple(dst._parameters[name].shape)} != {tuple(param.shape)}")
    dst.register_parameter(name, param)
