"""Does a tie that shares only the storage (dst.weight.data = src.weight.data) lose points on tie
only?"""

TARGET = "tying.tie"
CAUGHT_BY = [
    "test_tie_makes_dst_hold_the_very_parameter",
    "test_tie_shares_in_parameters_state_dict_and_gradient",
]
PUBLIC = True


def tie(dst, src, name="weight"):
    if getattr(dst, name).shape != getattr(src, name).shape:
        raise ValueError("shapes differ")
    getattr(dst, name).data = getattr(src, name).data
