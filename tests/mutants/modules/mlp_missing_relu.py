"""Does an MLP without the ReLU between its layers lose points on MLP only?"""

TARGET = "modules.MLP"
CAUGHT_BY = ["test_mlp_output_matches_linear_chain"]
PUBLIC = True


class MLP(nn.Module):
    def __init__(self, hidden=256, out=10):
        super().__init__()
        self.hidden = nn.LazyLinear(hidden)
        self.out = nn.LazyLinear(out)

    def forward(self, X):
        return self.out(self.hidden(X))
