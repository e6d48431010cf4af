"""Does a transplant that copies every entry, whatever n, lose points on transplant only?"""

TARGET = "serialization.transplant"
CAUGHT_BY = ["test_transplant_copies_exactly_the_first_n_modules"]
PUBLIC = True


def transplant(src_state, dst, n):
    dst.load_state_dict(src_state, strict=False)
    return dst
