"""Does a block2 written as its own module whose forward runs only the first block lose points on
block2 only?"""

TARGET = "parameters.block2"
CAUGHT_BY = ["test_block2_forward_chains_the_blocks"]
PUBLIC = True


class _Blocks(nn.Sequential):
    def forward(self, X):
        return self._modules["block 0"](X)


def block2(n=4):
    net = _Blocks()
    for i in range(n):
        net.add_module(f"block {i}", block1())
    return net
