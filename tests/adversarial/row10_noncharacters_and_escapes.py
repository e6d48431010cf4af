"""Issue 12, row 10 (variation): U+FFFE, U+FFFF, a terminal escape sequence and a bell in the
message: are they replaced (not passed on) and the exports valid?"""

AFFECTS = ["modules.MLP"]
KIND = None
FEEDBACK = "odd \ufffd\ufffd text"

MESSAGE = "odd \ufffe\uffff text \x1b[2J\x1b]0;owned\x07 end"


class MLP(nn.Module):
    def __init__(self, hidden=256, out=10):
        super().__init__()
        self.hidden = nn.LazyLinear(hidden)
        self.out = nn.LazyLinear(out)

    def forward(self, X):
        raise ValueError(MESSAGE)
