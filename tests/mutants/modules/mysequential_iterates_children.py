"""Does a MySequential whose forward iterates children() (so a module passed twice runs once) lose
points on MySequential only?"""

TARGET = "modules.MySequential"
CAUGHT_BY = [
    "test_mysequential_output_matches_nn_sequential",
    "test_mysequential_matches_on_nested_and_shared_stacks",
]
PUBLIC = True


class MySequential(nn.Module):
    def __init__(self, *modules):
        super().__init__()
        for index, module in enumerate(modules):
            self.add_module(str(index), module)

    def forward(self, X):
        for module in self.children():
            X = module(X)
        return X
