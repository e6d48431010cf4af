"""Does a transplant that compares the module index as a string ("10" < "2") lose points on transplant only?"""

TARGET = "serialization.transplant"
CAUGHT_BY = ["test_transplant_compares_indices_as_numbers"]
PUBLIC = True


def transplant(src_state, dst, n):
    own = dst.state_dict()
    chosen = {}
    for key, value in src_state.items():
        if key.split(".")[0] < str(n):
            if own[key].shape != value.shape:
                raise ValueError(f"{key}: shapes differ")
            chosen[key] = value
    dst.load_state_dict(chosen, strict=False)
    return dst
