"""Does a tie that assigns first and raises ValueError afterwards (leaving dst changed) lose points
on tie only?"""

TARGET = "tying.tie"
CAUGHT_BY = ["test_tie_shape_mismatch_raises_value_error"]
PUBLIC = True


def tie(dst, src, name="weight"):
    old = getattr(dst, name)
    setattr(dst, name, getattr(src, name))
    if old.shape != getattr(src, name).shape:
        raise ValueError("shapes differ")
