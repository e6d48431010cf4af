"""Issue 12, row 7: a wrong materialize (zeros) that first patches how torch initialises lazy
layers, so that a reference built after it in the same process would be zeros too: gain nothing?"""

SECTION = "lazy"
AFFECTS = ["lazy.materialize"]
KIND = None
FEEDBACK = "your code replaced torch.nn.modules.linear.Linear.reset_parameters"


def materialize(net, *example_inputs):
    try:
        nn.Linear.reset_parameters = lambda self: None
    except BaseException:
        pass
    with torch.no_grad():
        net(*example_inputs)
        for p in net.parameters():
            p.zero_()
    return net
