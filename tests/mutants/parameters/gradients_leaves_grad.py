"""Does a gradients that leaves the new gradients in .grad lose points on gradients only?"""

TARGET = "parameters.gradients"
CAUGHT_BY = ["test_gradients_leave_grad_as_found"]
PUBLIC = True


def gradients(net, X, y, loss_fn):
    net.zero_grad()
    loss_fn(net(X), y).backward()
    return {n: p.grad.clone() for n, p in net.named_parameters() if p.requires_grad}
