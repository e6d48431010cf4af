"""Does a block1 that returns one block built once (the same parameters on every call) lose points
on block1 only?"""

TARGET = "parameters.block1"
CAUGHT_BY = ["test_block1_structure"]
PUBLIC = True

_BLOCK = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 4), nn.ReLU())


def block1():
    return _BLOCK
