"""Does a checkpoint saved as a tuple, with the RNG state from torch.random, keep full marks?"""

ITEM = "serialization.save_checkpoint"


def save_checkpoint(path, net, optimizer, step):
    cuda = torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else None
    torch.save(
        (net.state_dict(), optimizer.state_dict(), step, torch.random.get_rng_state(), cuda), path
    )


def load_checkpoint(path, net, optimizer):
    model, opt, step, rng, cuda = torch.load(path, weights_only=True)
    net.load_state_dict(model)
    optimizer.load_state_dict(opt)
    torch.random.set_rng_state(rng)
    if cuda is not None:
        torch.cuda.set_rng_state_all(cuda)
    return step
