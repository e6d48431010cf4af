"""Does an rgnet that calls block2() without n lose points on rgnet only?"""

TARGET = "parameters.rgnet"
CAUGHT_BY = ["test_rgnet_state_dict_keys"]
PUBLIC = True


def rgnet(n=4):
    return nn.Sequential(block2(), nn.Linear(4, 1))
