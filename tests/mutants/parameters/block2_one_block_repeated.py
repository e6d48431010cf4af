"""Does a block2 that adds one block1() n times lose points on block2 only?"""

TARGET = "parameters.block2"
CAUGHT_BY = ["test_block2_children_are_independent_block1s"]
PUBLIC = True


def block2(n=4):
    net = nn.Sequential()
    block = block1()
    for i in range(n):
        net.add_module(f"block {i}", block)
    return net
