"""Does a tie that gives src the parameter of dst (the wrong direction) lose points on tie only?"""

TARGET = "tying.tie"
CAUGHT_BY = ["test_tie_makes_dst_hold_the_very_parameter"]
PUBLIC = True


def tie(dst, src, name="weight"):
    if getattr(dst, name).shape != getattr(src, name).shape:
        raise ValueError("shapes differ")
    setattr(src, name, getattr(dst, name))
