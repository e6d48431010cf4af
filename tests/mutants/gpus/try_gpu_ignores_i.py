"""Does a try_gpu that always returns the first GPU, whatever i, lose points on try_gpu only?"""

TARGET = "gpus.try_gpu"
CAUGHT_BY = [
    "test_try_gpu_gives_existing_gpus_and_the_cpu_otherwise",
    "test_try_gpu_uses_its_argument",
]
PUBLIC = True


def try_gpu(i=0):
    return torch.device("cuda:0") if torch.cuda.is_available() else torch.device("cpu")
