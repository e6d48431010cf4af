"""Does a gradients that uses backward() and then puts every old .grad back keep full marks?"""

ITEM = "parameters.gradients"


def gradients(net, X, y, loss_fn):
    params = list(net.parameters())
    saved = [p.grad for p in params]
    for p in params:
        p.grad = None
    loss_fn(net(X), y).backward()
    grads = {n: p.grad.clone() for n, p in net.named_parameters() if p.requires_grad}
    for p, g in zip(params, saved):
        p.grad = g
    return grads
