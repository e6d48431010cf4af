"""Does kaiming_normal_ that treats every mode other than "fan_in" as "fan_out" (no ValueError) lose points on kaiming_normal_ only?"""

TARGET = "initialization.kaiming_normal_"
CAUGHT_BY = ["test_kaiming_normal_rejects_bad_arguments"]
PUBLIC = True


def kaiming_normal_(t, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    if t.dim() < 2:
        raise ValueError("need at least 2 dimensions")
    receptive = math.prod(t.shape[2:])
    fan = (t.shape[1] if mode == "fan_in" else t.shape[0]) * receptive
    std = nn.init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    with torch.no_grad():
        t.normal_(0, std)
    return t
