"""Does init_constant acting on every module with a weight (Conv2d, BatchNorm, …) lose points on init_constant only?"""

TARGET = "initialization.init_constant"
CAUGHT_BY = ["test_init_constant_touches_only_linear_layers"]
PUBLIC = True


def init_constant(m, value=1.0):
    weight = getattr(m, "weight", None)
    if isinstance(weight, torch.Tensor) and not isinstance(
        weight, nn.parameter.UninitializedParameter
    ):
        nn.init.constant_(m.weight, value)
        if getattr(m, "bias", None) is not None:
            nn.init.zeros_(m.bias)
