"""Does a save that stores tensors as Python lists (tolist), losing their dtype, lose points on save only?"""

TARGET = "serialization.save"
CAUGHT_BY = [
    "test_save_load_round_trips_every_dtype",
    "test_save_load_round_trips_nested_structures",
]
PUBLIC = True


def _lists(obj):
    if isinstance(obj, torch.Tensor):
        return {"__tensor__": obj.tolist()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_lists(v) for v in obj)
    return {k: _lists(v) for k, v in obj.items()}


def _tensors(obj):
    if isinstance(obj, dict) and set(obj) == {"__tensor__"}:
        return torch.tensor(obj["__tensor__"])
    if isinstance(obj, (list, tuple)):
        return type(obj)(_tensors(v) for v in obj)
    return {k: _tensors(v) for k, v in obj.items()}


def save(obj, path):
    torch.save(_lists(obj), path)


def load(path, map_location=None):
    return _tensors(torch.load(path, map_location=map_location, weights_only=True))
