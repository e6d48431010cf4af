"""Does a tie without a shape check lose points on tie only?"""

TARGET = "tying.tie"
CAUGHT_BY = ["test_tie_shape_mismatch_raises_value_error"]
PUBLIC = True


def tie(dst, src, name="weight"):
    setattr(dst, name, getattr(src, name))
