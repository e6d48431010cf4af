"""Issue 12, row 7 (variation): materialize replaces LazyModuleMixin's parameter inference with
its own (constant parameters): gain nothing?"""

SECTION = "lazy"
AFFECTS = ["lazy.materialize"]
KIND = None
FEEDBACK = "your code replaced torch.nn.modules.lazy.LazyModuleMixin._infer_parameters"


def materialize(net, *example_inputs):
    original = nn.modules.lazy.LazyModuleMixin._infer_parameters

    def constant(self, module, args, kwargs=None):
        original(self, module, args, kwargs) if kwargs is not None else original(self, module, args)
        with torch.no_grad():
            for p in module.parameters(recurse=False):
                p.fill_(0.5)

    try:
        nn.modules.lazy.LazyModuleMixin._infer_parameters = constant
    except BaseException:
        pass
    with torch.no_grad():
        net(*example_inputs)
        for p in net.parameters():
            p.fill_(0.5)
    return net
