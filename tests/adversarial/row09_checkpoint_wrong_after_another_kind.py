"""Issue 12, row 9 (variation): load_checkpoint right in a process that has not yet resumed a
checkpoint of a net with dropout, and wrong (the optimizer's state is not restored) on a net
without dropout once it has. The public checks resume both kinds in the process that resumes
checkpoints, which then goes on into the hidden phase, whose first resume is of a net without
dropout. A failure there was not decided where nothing ran before the check, so the check starts
over in new processes, where the code is right: does it keep every mark, alone (where that is the
hidden phase's first check) as in the class?"""

SECTION = "serialization"
AFFECTS = []
KIND = None
FEEDBACK = ""
ITEM = "serialization.save_checkpoint"

_SEEN_DROPOUT = [False]


def load_checkpoint(path, net, optimizer):
    checkpoint = torch.load(path, weights_only=True)
    dropout = "4.weight" in checkpoint["model"]  # the last Linear comes after the Dropout
    net.load_state_dict(checkpoint["model"])
    if dropout or not _SEEN_DROPOUT[0]:
        optimizer.load_state_dict(checkpoint["optimizer"])
    _SEEN_DROPOUT[0] = _SEEN_DROPOUT[0] or dropout
    torch.set_rng_state(checkpoint["rng"])
    return checkpoint["step"]
