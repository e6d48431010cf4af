"""Does kaiming_normal_ with fan_in and fan_out swapped lose points on kaiming_normal_ only?"""

TARGET = "initialization.kaiming_normal_"
CAUGHT_BY = ["test_kaiming_normal_matches_pytorch_distribution"]
PUBLIC = True


def kaiming_normal_(t, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    if t.dim() < 2:
        raise ValueError("need at least 2 dimensions")
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"bad mode {mode!r}")
    receptive = math.prod(t.shape[2:])
    fan = (t.shape[0] if mode == "fan_in" else t.shape[1]) * receptive
    std = nn.init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    with torch.no_grad():
        t.normal_(0, std)
    return t
