"""Does a gradients that calls backward() on top of the existing .grad (and then restores it)
lose points on gradients only?"""

TARGET = "parameters.gradients"
CAUGHT_BY = ["test_gradients_values_match_autograd"]
PUBLIC = True


def gradients(net, X, y, loss_fn):
    named = [(n, p) for n, p in net.named_parameters() if p.requires_grad]
    saved = {n: None if p.grad is None else p.grad.clone() for n, p in named}
    loss_fn(net(X), y).backward()
    grads = {n: p.grad.clone() for n, p in named}
    for n, p in named:
        p.grad = saved[n]
    return grads
