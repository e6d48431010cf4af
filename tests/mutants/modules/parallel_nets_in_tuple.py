"""Does a Parallel that keeps its two networks in a tuple (parameters not registered) lose points on
Parallel only?"""

TARGET = "modules.Parallel"
CAUGHT_BY = ["test_parallel_registers_both_nets"]
PUBLIC = True


class Parallel(nn.Module):
    def __init__(self, net1, net2, dim=-1):
        super().__init__()
        self.nets = (net1, net2)
        self.dim = dim

    def forward(self, X):
        return torch.cat([net(X) for net in self.nets], dim=self.dim)
