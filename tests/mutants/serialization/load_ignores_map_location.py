"""Does a load that ignores its map_location argument lose points on save only?"""

TARGET = "serialization.save"
CAUGHT_BY = ["test_load_honours_map_location"]
PUBLIC = True


def load(path, map_location=None):
    return torch.load(path, weights_only=True)
