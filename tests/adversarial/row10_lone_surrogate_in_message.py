"""Issue 12, row 10: an exception message holding a lone surrogate: does the grader finish and
every export of the class (Markdown, CSV, JUnit, Gradescope, PrairieLearn) come out valid?"""

AFFECTS = ["modules.MLP"]
KIND = None
FEEDBACK = "broken \ufffd text"

MESSAGE = "broken \ud800 text"


class MLP(nn.Module):
    def __init__(self, hidden=256, out=10):
        super().__init__()
        self.hidden = nn.LazyLinear(hidden)
        self.out = nn.LazyLinear(out)

    def forward(self, X):
        raise ValueError(MESSAGE)
