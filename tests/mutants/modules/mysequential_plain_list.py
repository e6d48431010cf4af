"""Does a MySequential that keeps its modules in a plain Python list lose points on MySequential only?"""

TARGET = "modules.MySequential"
CAUGHT_BY = [
    "test_mysequential_registers_children_like_nn_sequential",
    "test_mysequential_trains_like_nn_sequential",
]
PUBLIC = True


class MySequential(nn.Module):
    def __init__(self, *modules):
        super().__init__()
        self.layers = list(modules)

    def forward(self, X):
        for module in self.layers:
            X = module(X)
        return X
