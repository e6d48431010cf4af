"""Does a block2 that always builds four blocks lose points on block2 only?"""

TARGET = "parameters.block2"
CAUGHT_BY = ["test_block2_children_names"]
PUBLIC = True


def block2(n=4):
    net = nn.Sequential()
    for i in range(4):
        net.add_module(f"block {i}", block1())
    return net
