"""Does a segfault in the middle of a probe cost only the item whose code crashed?"""

import faulthandler

AFFECTS = ["modules.MySequential"]
KIND = "crash"
FEEDBACK = "SIGSEGV"


class MySequential(nn.Module):
    def __init__(self, *modules):
        super().__init__()
        for index, module in enumerate(modules):
            self.add_module(str(index), module)

    def forward(self, X):
        faulthandler._read_null()  # a real SIGSEGV (ctypes itself is refused to student code)
        return X
