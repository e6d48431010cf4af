"""Issue 12, row 5: a load with weights_only=False that then tries to reset whatever marker
records that the pickled call ran (found through the object graph): does save gain nothing?"""

SECTION = "serialization"
AFFECTS = ["serialization.save"]
KIND = None
FEEDBACK = "(code execution)"


def load(path, map_location=None):
    value = torch.load(path, map_location=map_location, weights_only=False)
    try:
        import gc

        for obj in gc.get_objects():
            if isinstance(obj, dict):
                for key in [k for k in obj if isinstance(k, str) and "ran" in k.lower()]:
                    obj[key] = False
    except BaseException:
        pass
    return value
