"""Does a block2 built from an OrderedDict of named blocks keep full marks?"""

from collections import OrderedDict

ITEM = "parameters.block2"


def block2(n=4):
    return nn.Sequential(OrderedDict((f"block {i}", block1()) for i in range(n)))
