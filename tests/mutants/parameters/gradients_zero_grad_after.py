"""Does a gradients that cleans up with net.zero_grad() (losing the gradients .grad held before)
lose points on gradients only?"""

TARGET = "parameters.gradients"
CAUGHT_BY = ["test_gradients_leave_grad_as_found"]
PUBLIC = True


def gradients(net, X, y, loss_fn):
    net.zero_grad()
    loss_fn(net(X), y).backward()
    grads = {n: p.grad.clone() for n, p in net.named_parameters() if p.requires_grad}
    net.zero_grad()
    return grads
