"""Does a transplant that compares the shapes of every entry, also those it does not copy, lose points on transplant only?"""

TARGET = "serialization.transplant"
CAUGHT_BY = ["test_transplant_ignores_shapes_beyond_n"]
PUBLIC = True


def transplant(src_state, dst, n):
    own = dst.state_dict()
    for key, value in src_state.items():
        if key in own and own[key].shape != value.shape:
            raise ValueError(f"{key}: shapes differ")
    chosen = {k: v for k, v in src_state.items() if int(k.split(".")[0]) < n}
    dst.load_state_dict(chosen, strict=False)
    return dst
