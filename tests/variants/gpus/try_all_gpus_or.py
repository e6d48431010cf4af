"""Does a try_all_gpus written with `or` and torch.device("cuda", i) keep full marks?"""

ITEM = "gpus.try_all_gpus"


def try_all_gpus():
    return [torch.device("cuda", i) for i in range(torch.cuda.device_count())] or [
        torch.device("cpu")
    ]
