"""Does a MySequential that subclasses nn.Sequential but never calls nn.Sequential.__init__
(nn.Module's instead, then registers the modules itself) lose points on MySequential only?"""

TARGET = "modules.MySequential"
CAUGHT_BY = ["test_mysequential_registers_children_like_nn_sequential"]
PUBLIC = True


class MySequential(nn.Sequential):
    def __init__(self, *modules):
        nn.Module.__init__(self)
        for index, module in enumerate(modules):
            self.add_module(str(index), module)
