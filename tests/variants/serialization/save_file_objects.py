"""Does a save/load pair that goes through open file objects keep full marks?"""

ITEM = "serialization.save"


def save(obj, path):
    with open(path, "wb") as f:
        torch.save(obj, f)


def load(path, map_location=None):
    with open(path, "rb") as f:
        return torch.load(f, map_location, weights_only=True)
