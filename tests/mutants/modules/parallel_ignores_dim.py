"""Does a Parallel that always concatenates along the last dimension lose points on Parallel only?"""

TARGET = "modules.Parallel"
CAUGHT_BY = ["test_parallel_output_concatenates"]
PUBLIC = True


class Parallel(nn.Module):
    def __init__(self, net1, net2, dim=-1):
        super().__init__()
        self.net1 = net1
        self.net2 = net2

    def forward(self, X):
        return torch.cat((self.net1(X), self.net2(X)), dim=-1)
