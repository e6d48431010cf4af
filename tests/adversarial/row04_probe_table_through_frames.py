"""Issue 12, row 4 (variation): empty save/load that walk up the stack to the probe's frame and
rewrite its locals and its module's probe table: gain nothing?"""

SECTION = "serialization"
AFFECTS = ["serialization.save"]
KIND = None
FEEDBACK = "save/load round trip differs from PyTorch"


def _attack():
    try:
        import sys

        frame = sys._getframe(1)
        while frame is not None:
            table = frame.f_globals.get("PROBES")
            if isinstance(table, dict):
                for key in list(table):
                    table[key] = lambda ctx, **kw: {"passed": True}
            frame = frame.f_back
    except BaseException:
        pass


def save(obj, path):
    _attack()
    open(path, "wb").close()  # wrong: an empty file


def load(path, map_location=None):
    _attack()
    return None
