"""Does kaiming_normal_ written with randn times std, copied under no_grad, keep full marks?"""

ITEM = "initialization.kaiming_normal_"


def kaiming_normal_(t, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    if t.dim() < 2:
        raise ValueError("kaiming_normal_ needs at least 2 dimensions")
    fans = {"fan_in": t.shape[1], "fan_out": t.shape[0]}
    if mode not in fans:
        raise ValueError(f"unknown mode {mode!r}")
    fan = fans[mode] * t[0][0].numel()
    std = nn.init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    with torch.no_grad():
        t.copy_(torch.randn(t.shape, dtype=t.dtype, device=t.device) * std)
    return t
