"""Does a get_parameter that looks the name up among all paths and walks _modules only to name the
missing part keep full marks?"""

ITEM = "parameters.get_parameter"


def get_parameter(net, name):
    params = dict(net.named_parameters(remove_duplicate=False))
    if name in params:
        return params[name]
    parts = name.split(".")
    module = net
    for part in parts[:-1]:
        if part not in module._modules:
            raise KeyError(part)
        module = module._modules[part]
    raise KeyError(parts[-1])
