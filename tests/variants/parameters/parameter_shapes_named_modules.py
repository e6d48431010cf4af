"""Does a parameter_shapes that walks named_modules() and each module's own parameters keep full
marks?"""

ITEM = "parameters.parameter_shapes"


def parameter_shapes(net):
    seen = set()
    shapes = []
    for prefix, module in net.named_modules():
        for name, p in module.named_parameters(recurse=False):
            if id(p) not in seen:
                seen.add(id(p))
                shapes.append((f"{prefix}.{name}" if prefix else name, tuple(p.size())))
    return shapes
