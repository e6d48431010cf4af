"""Does a MySequential that applies its modules last-to-first lose points on MySequential only?"""

TARGET = "modules.MySequential"
CAUGHT_BY = ["test_mysequential_output_matches_nn_sequential"]
PUBLIC = True


class MySequential(nn.Module):
    def __init__(self, *modules):
        super().__init__()
        for index, module in enumerate(modules):
            self.add_module(str(index), module)

    def forward(self, X):
        for module in reversed(list(self._modules.values())):
            X = module(X)
        return X
