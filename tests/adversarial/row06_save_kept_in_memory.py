"""Issue 12, row 6: save keeps the object in memory and writes an empty file; load returns it
from memory: does save gain nothing (round trips are read from the file's bytes)?"""

SECTION = "serialization"
AFFECTS = ["serialization.save"]
KIND = None
FEEDBACK = "torch.load(the file save wrote, weights_only=True) (exception)"

_KEPT = {}


def save(obj, path):
    _KEPT[path] = obj
    open(path, "wb").close()


def load(path, map_location=None):
    import copy

    return copy.deepcopy(_KEPT[path])
