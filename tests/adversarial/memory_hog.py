"""Does code that asks for memory without end hit the memory limit, fail with MemoryError and cost
only its item? It asks for 1 GiB at a time, so the limit refuses the first request at once. (It
used to fill 100 MB at a time: paging in the 512 MB the limit allows took 0.6-0.9 s on a loaded
2-core machine, against the class run's 1 s probe timeout, and a class run once timed out on
every attempt, each in a fresh child, so the limit was shown or not by chance.)"""

AFFECTS = ["modules.FixedHiddenMLP"]
KIND = "exception"
FEEDBACK = "MemoryError"


class FixedHiddenMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("rand_weight", torch.rand(20, 20))
        self.linear = nn.LazyLinear(20)

    def forward(self, X):
        hoard = []
        while True:
            hoard.append(bytearray(1 << 30))
