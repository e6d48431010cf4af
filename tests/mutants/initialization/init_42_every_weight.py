"""Does init_42 setting the weight of every initialised module that has one lose points on init_42 only?"""

TARGET = "initialization.init_42"
CAUGHT_BY = ["test_init_42_touches_only_linear_weights"]
PUBLIC = True


def init_42(m):
    weight = getattr(m, "weight", None)
    if isinstance(weight, torch.Tensor) and not isinstance(
        weight, nn.parameter.UninitializedParameter
    ):
        nn.init.constant_(weight, 42)
