"""Does a transplant that checks every chosen shape first, then copies in place with copy_, keep full marks?"""

ITEM = "serialization.transplant"


def transplant(src_state, dst, n):
    own = dst.state_dict()
    chosen = [(k, v) for k, v in src_state.items() if int(k.split(".", 1)[0]) < n]
    for key, value in chosen:
        if own[key].shape != value.shape:
            raise ValueError(f"shape mismatch for {key}")
    with torch.no_grad():
        for key, value in chosen:
            own[key].copy_(value)
    return dst
