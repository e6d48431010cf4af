"""Does an xavier_uniform_ that only calls nn.init.xavier_uniform_ (the exercise says by hand, without
nn.init's initialisers) lose points on xavier_uniform_ only?"""

TARGET = "initialization.xavier_uniform_"
CAUGHT_BY = ["test_xavier_uniform_is_written_by_hand"]
PUBLIC = True


def xavier_uniform_(t, gain=1.0):
    return nn.init.xavier_uniform_(t, gain=gain)
