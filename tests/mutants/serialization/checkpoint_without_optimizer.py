"""Does a checkpoint without the optimizer's state lose points on save_checkpoint only?"""

TARGET = "serialization.save_checkpoint"
CAUGHT_BY = [
    "test_checkpoint_restores_the_optimizer_state",
    "test_checkpoint_resumes_training_exactly",
]
PUBLIC = True


def save_checkpoint(path, net, optimizer, step):
    torch.save({"model": net.state_dict(), "step": step, "rng": torch.get_rng_state()}, path)


def load_checkpoint(path, net, optimizer):
    checkpoint = torch.load(path, weights_only=True)
    net.load_state_dict(checkpoint["model"])
    torch.set_rng_state(checkpoint["rng"])
    return checkpoint["step"]
