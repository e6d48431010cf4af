"""Issue 12, row 10 (variation): a message that starts a spreadsheet formula, closes a Markdown
fence, opens XML and rich markup: are the exports still valid and inert?"""

AFFECTS = ["modules.MLP"]
KIND = None
FEEDBACK = "=HYPERLINK"

MESSAGE = '=HYPERLINK("http://x")\n```\n# owned\n<![CDATA[ ]]> </testcase> [bold red]x[/]'


class MLP(nn.Module):
    def __init__(self, hidden=256, out=10):
        super().__init__()
        self.hidden = nn.LazyLinear(hidden)
        self.out = nn.LazyLinear(out)

    def forward(self, X):
        raise ValueError(MESSAGE)
