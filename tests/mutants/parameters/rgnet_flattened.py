"""Does an rgnet that unpacks the blocks into one flat Sequential lose points on rgnet only?"""

TARGET = "parameters.rgnet"
CAUGHT_BY = ["test_rgnet_state_dict_keys", "test_rgnet_forward"]
PUBLIC = True


def rgnet(n=4):
    return nn.Sequential(*block2(n), nn.Linear(4, 1))
