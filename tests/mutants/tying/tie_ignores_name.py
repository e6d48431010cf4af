"""Does a tie that always ties the weight, whatever `name` says, lose points on tie only?"""

TARGET = "tying.tie"
CAUGHT_BY = [
    "test_tie_makes_dst_hold_the_very_parameter",
    "test_tie_shares_in_parameters_state_dict_and_gradient",
]
PUBLIC = True


def tie(dst, src, name="weight"):
    if dst.weight.shape != src.weight.shape or getattr(dst, name).shape != getattr(src, name).shape:
        raise ValueError("shapes differ")
    dst.weight = src.weight
