"""Does a save that turns every tuple into a list before saving lose points on save only?"""

TARGET = "serialization.save"
CAUGHT_BY = ["test_save_load_round_trips_nested_structures"]
PUBLIC = True


def _plain(obj):
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    return obj


def save(obj, path):
    torch.save(_plain(obj), path)
