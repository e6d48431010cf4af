"""Does a gradients that also lists frozen parameters (with zero gradients) lose points on
gradients only?"""

TARGET = "parameters.gradients"
CAUGHT_BY = ["test_gradients_names"]
PUBLIC = True


def gradients(net, X, y, loss_fn):
    named = list(net.named_parameters())
    trainable = [p for _, p in named if p.requires_grad]
    grads = iter(torch.autograd.grad(loss_fn(net(X), y), trainable))
    return {n: next(grads).clone() if p.requires_grad else torch.zeros_like(p) for n, p in named}
