"""Does a try_gpu written as device_count() >= i + 1 with torch.device("cuda", i) keep full marks?"""

ITEM = "gpus.try_gpu"


def try_gpu(i=0):
    if torch.cuda.device_count() >= i + 1:
        return torch.device("cuda", i)
    return torch.device("cpu")
