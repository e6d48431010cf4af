"""Does code that allocates memory without end hit the memory limit and cost only its item? (The
first run may time out while the memory is paged in; later runs fail fast with MemoryError.)"""

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
            hoard.append(bytearray(100 * 2**20))
