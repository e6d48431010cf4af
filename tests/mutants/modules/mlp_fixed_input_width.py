"""Does an MLP built from nn.Linear(20, …) (not lazy) lose points on MLP only?"""

TARGET = "modules.MLP"
CAUGHT_BY = ["test_mlp_is_lazy_until_first_call"]
PUBLIC = True


class MLP(nn.Module):
    def __init__(self, hidden=256, out=10):
        super().__init__()
        self.hidden = nn.Linear(20, hidden)
        self.out = nn.Linear(hidden, out)

    def forward(self, X):
        return self.out(F.relu(self.hidden(X)))
