"""Does a transplant that copies with copy_ and never compares shapes (so (1, k) broadcasts into (3, k)) lose points on transplant only?"""

TARGET = "serialization.transplant"
CAUGHT_BY = ["test_transplant_rejects_shape_mismatch"]
PUBLIC = True


def transplant(src_state, dst, n):
    own = dst.state_dict()
    with torch.no_grad():
        for key, value in src_state.items():
            if int(key.split(".")[0]) < n:
                own[key].copy_(value)
    return dst
