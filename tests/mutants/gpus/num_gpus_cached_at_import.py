"""Does a num_gpus that reads the count once, at import time, lose points on num_gpus only?"""

TARGET = "gpus.num_gpus"
CAUGHT_BY = ["test_num_gpus_counts_devices", "test_num_gpus_asks_at_call_time"]
PUBLIC = True

_COUNT = torch.cuda.device_count()


def num_gpus():
    return _COUNT
