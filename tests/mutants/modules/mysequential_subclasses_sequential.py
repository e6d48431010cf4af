"""Does a MySequential that subclasses nn.Sequential (the exercise says: without nn.Sequential or
nn.ModuleList) lose points on MySequential only?"""

TARGET = "modules.MySequential"
CAUGHT_BY = ["test_mysequential_registers_children_like_nn_sequential"]
PUBLIC = True


class MySequential(nn.Sequential):
    pass
