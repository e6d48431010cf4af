"""Does printing without end hit the output cap and cost only its item?"""

AFFECTS = ["modules.MLP"]
KIND = "exception"
FEEDBACK = "File too large"


class MLP(nn.Module):
    def __init__(self, hidden=256, out=10):
        super().__init__()
        self.hidden = nn.LazyLinear(hidden)
        self.out = nn.LazyLinear(out)

    def forward(self, X):
        while True:
            print("flood " * 20000)
