"""Does a num_gpus that calls a device_count imported with `from torch.cuda import device_count` keep full marks?"""

from torch.cuda import device_count

ITEM = "gpus.num_gpus"


def num_gpus():
    return device_count()
