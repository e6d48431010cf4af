"""Does a segfault in the middle of a probe cost only the item whose code crashed?"""

import ctypes

AFFECTS = ["modules.MySequential"]
KIND = "crash"
FEEDBACK = "SIGSEGV"


class MySequential(nn.Module):
    def __init__(self, *modules):
        super().__init__()
        for index, module in enumerate(modules):
            self.add_module(str(index), module)

    def forward(self, X):
        ctypes.string_at(0)
        return X
