"""Issue 12, row 6 (variation): save_checkpoint keeps everything in memory and writes garbage;
load_checkpoint restores from memory: does save_checkpoint gain nothing?"""

SECTION = "serialization"
AFFECTS = ["serialization.save_checkpoint"]
KIND = None
FEEDBACK = "raised KeyError"

_KEPT = {}


def save_checkpoint(path, net, optimizer, step):
    import copy

    _KEPT[path] = (
        copy.deepcopy(net.state_dict()),
        copy.deepcopy(optimizer.state_dict()),
        step,
        torch.get_rng_state(),
    )
    with open(path, "wb") as f:
        f.write(b"not a checkpoint")


def load_checkpoint(path, net, optimizer):
    model, opt, step, rng = _KEPT[path]
    net.load_state_dict(model)
    optimizer.load_state_dict(opt)
    torch.set_rng_state(rng)
    return step
