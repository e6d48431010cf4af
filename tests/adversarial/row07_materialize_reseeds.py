"""Issue 12, row 7 (variation): materialize reseeds the global generator before the pass (a
reference drawn after it in the same process would follow): do parameters that are not what an
ordinary first call makes gain nothing?"""

SECTION = "lazy"
AFFECTS = ["lazy.materialize"]
KIND = None
FEEDBACK = "materialize"


def materialize(net, *example_inputs):
    torch.manual_seed(12345)
    with torch.no_grad():
        net(*example_inputs)
    return net
