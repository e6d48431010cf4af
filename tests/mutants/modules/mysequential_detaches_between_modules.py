"""Does a MySequential that detaches the activations between modules (gradients never reach the
weights) lose points on MySequential only?"""

TARGET = "modules.MySequential"
CAUGHT_BY = ["test_mysequential_trains_like_nn_sequential"]
PUBLIC = True


class MySequential(nn.Module):
    def __init__(self, *modules):
        super().__init__()
        for index, module in enumerate(modules):
            self.add_module(str(index), module)

    def forward(self, X):
        for module in self._modules.values():
            X = module(X).detach()
        return X
