"""Does a count_parameters that removes duplicates by id() itself keep full marks?"""

ITEM = "parameters.count_parameters"


def count_parameters(net, trainable_only=False):
    unique = {id(p): p for _, p in net.named_parameters(remove_duplicate=False)}
    total = 0
    for p in unique.values():
        if trainable_only and not p.requires_grad:
            continue
        total += p.numel()
    return total
