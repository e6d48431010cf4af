"""Issue 12, row 5 (variation): save with pickle and load with pickle (any pickled call runs),
the file itself never checked: does save gain nothing?"""

SECTION = "serialization"
AFFECTS = ["serialization.save"]
KIND = None
FEEDBACK = "save/load round trip differs from PyTorch"

import pickle


def save(obj, path):
    with open(path, "wb") as f:
        pickle.dump(obj, f)


def load(path, map_location=None):
    with open(path, "rb") as f:
        value = pickle.load(f)
    if map_location is not None:
        value = _move(value, map_location)
    return value


def _move(value, where):
    if isinstance(value, torch.Tensor):
        return value.to(where)
    if isinstance(value, dict):
        return {k: _move(v, where) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_move(v, where) for v in value)
    return value
