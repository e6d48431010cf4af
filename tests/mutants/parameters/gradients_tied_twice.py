"""Does a gradients that lists a shared parameter under both of its names lose points on gradients
only?"""

TARGET = "parameters.gradients"
CAUGHT_BY = ["test_gradients_names"]
PUBLIC = True


def gradients(net, X, y, loss_fn):
    named = [(n, p) for n, p in net.named_parameters(remove_duplicate=False) if p.requires_grad]
    grads = torch.autograd.grad(loss_fn(net(X), y), [p for _, p in named])
    return {n: g.clone() for (n, _), g in zip(named, grads)}
