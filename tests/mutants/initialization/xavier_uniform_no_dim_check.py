"""Does xavier_uniform_ without the dimension check (an IndexError for 1-D) lose points on xavier_uniform_ only?"""

TARGET = "initialization.xavier_uniform_"
CAUGHT_BY = ["test_xavier_uniform_rejects_fewer_than_two_dimensions"]
PUBLIC = True


def xavier_uniform_(t, gain=1.0):
    receptive = math.prod(t.shape[2:])
    bound = gain * math.sqrt(6.0 / ((t.shape[0] + t.shape[1]) * receptive))
    with torch.no_grad():
        t.uniform_(-bound, bound)
    return t
