"""Does a try_all_gpus that leaves out the last GPU (range(count - 1)) lose points on try_all_gpus only?"""

TARGET = "gpus.try_all_gpus"
CAUGHT_BY = ["test_try_all_gpus_lists_every_gpu"]
PUBLIC = True


def try_all_gpus():
    devices = [torch.device(f"cuda:{i}") for i in range(torch.cuda.device_count() - 1)]
    return devices if devices else [torch.device("cpu")]
