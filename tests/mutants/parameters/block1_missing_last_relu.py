"""Does a block1 without its last ReLU lose points on block1 only (block2 and rgnet are checked
against the submission's own block1)?"""

TARGET = "parameters.block1"
CAUGHT_BY = ["test_block1_structure", "test_block1_forward"]
PUBLIC = True


def block1():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 4))
