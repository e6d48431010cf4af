"""Does an rgnet with a ReLU after its final Linear lose points on rgnet only?"""

TARGET = "parameters.rgnet"
CAUGHT_BY = ["test_rgnet_forward"]
PUBLIC = True


def rgnet(n=4):
    return nn.Sequential(block2(n), nn.Linear(4, 1), nn.ReLU())
