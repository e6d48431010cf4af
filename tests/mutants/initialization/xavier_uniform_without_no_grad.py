"""Does xavier_uniform_ that fills t outside torch.no_grad() lose points on xavier_uniform_ only?"""

TARGET = "initialization.xavier_uniform_"
CAUGHT_BY = ["test_xavier_uniform_works_in_place"]
PUBLIC = True


def xavier_uniform_(t, gain=1.0):
    if t.dim() < 2:
        raise ValueError("need at least 2 dimensions")
    receptive = math.prod(t.shape[2:])
    bound = gain * math.sqrt(6.0 / ((t.shape[0] + t.shape[1]) * receptive))
    return t.uniform_(-bound, bound)
