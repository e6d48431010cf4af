"""Does a block2 that names its blocks "block 1" … "block n" lose points on block2 only?"""

TARGET = "parameters.block2"
CAUGHT_BY = ["test_block2_children_names"]
PUBLIC = True


def block2(n=4):
    net = nn.Sequential()
    for i in range(1, n + 1):
        net.add_module(f"block {i}", block1())
    return net
