"""Does a load_checkpoint that restores everything but returns nothing lose points on save_checkpoint only?"""

TARGET = "serialization.save_checkpoint"
CAUGHT_BY = ["test_load_checkpoint_returns_the_saved_step"]
PUBLIC = True

_load_checkpoint = load_checkpoint


def load_checkpoint(path, net, optimizer):
    _load_checkpoint(path, net, optimizer)
