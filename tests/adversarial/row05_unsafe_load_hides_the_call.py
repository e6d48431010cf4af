"""Issue 12, row 5 (variation): a load with weights_only=False that first swaps os.system and
the builtins a pickled call might use for harmless stand-ins: does save gain nothing?"""

SECTION = "serialization"
AFFECTS = ["serialization.save"]
KIND = None
FEEDBACK = "your code replaced builtins.eval"


def load(path, map_location=None):
    import builtins
    import os

    try:
        os.system = lambda *a, **k: 0
        builtins.exec = lambda *a, **k: None
        builtins.eval = lambda *a, **k: None
    except BaseException:
        pass
    return torch.load(path, map_location=map_location, weights_only=False)
