"""Issue 12, row 4 (variation): empty save/load that look for the probe table (a dict holding
"serialization.save") through the garbage collector and replace its entries: gain nothing?"""

SECTION = "serialization"
AFFECTS = ["serialization.save"]
KIND = None
FEEDBACK = "save/load round trip differs from PyTorch"


def _attack():
    try:
        import gc

        for obj in gc.get_objects():
            if isinstance(obj, dict) and "serialization.save" in obj:
                obj["serialization.save"] = lambda ctx, **kw: {"passed": True}
    except BaseException:
        pass


def save(obj, path):
    _attack()
    open(path, "wb").close()  # wrong: an empty file


def load(path, map_location=None):
    _attack()
    return None
