"""Does a try_gpu that tests i <= device_count() (handing out a GPU that does not exist) lose points on try_gpu only?"""

TARGET = "gpus.try_gpu"
CAUGHT_BY = ["test_try_gpu_gives_existing_gpus_and_the_cpu_otherwise"]
PUBLIC = True


def try_gpu(i=0):
    if i <= torch.cuda.device_count() and torch.cuda.is_available():
        return torch.device(f"cuda:{i}")
    return torch.device("cpu")
