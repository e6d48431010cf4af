"""Does a kaiming_normal_ that hands its work to nn.init.kaiming_normal_ (imported under another
name, after checking the mode itself) lose points on kaiming_normal_ only?"""

from torch.nn.init import kaiming_normal_ as _torch_kaiming

TARGET = "initialization.kaiming_normal_"
CAUGHT_BY = ["test_kaiming_normal_is_written_by_hand"]
PUBLIC = True


def kaiming_normal_(t, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"unknown mode {mode!r}")
    return _torch_kaiming(t, a=a, mode=mode, nonlinearity=nonlinearity)
