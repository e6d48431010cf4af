"""Does a load_checkpoint that never loads the model's state_dict into net lose points on save_checkpoint only?"""

TARGET = "serialization.save_checkpoint"
CAUGHT_BY = ["test_checkpoint_resumes_training_exactly"]
PUBLIC = True


def load_checkpoint(path, net, optimizer):
    checkpoint = torch.load(path, weights_only=True)
    optimizer.load_state_dict(checkpoint["optimizer"])
    torch.set_rng_state(checkpoint["rng"])
    return checkpoint["step"]
