"""Does xavier_uniform_ with fans from the first two sizes only (no receptive field) lose points on xavier_uniform_ only?"""

TARGET = "initialization.xavier_uniform_"
CAUGHT_BY = ["test_xavier_uniform_matches_pytorch_distribution"]
PUBLIC = True


def xavier_uniform_(t, gain=1.0):
    if t.dim() < 2:
        raise ValueError("need at least 2 dimensions")
    bound = gain * math.sqrt(6.0 / (t.shape[0] + t.shape[1]))
    with torch.no_grad():
        t.uniform_(-bound, bound)
    return t
