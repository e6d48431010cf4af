"""Does a MySequential that registers children with setattr and runs them by index keep full marks?"""

ITEM = "modules.MySequential"


class MySequential(nn.Module):
    def __init__(self, *modules):
        super().__init__()
        self.count = len(modules)
        for i, m in enumerate(modules):
            setattr(self, str(i), m)

    def forward(self, X):
        for i in range(self.count):
            X = getattr(self, str(i))(X)
        return X
