"""Does a try_gpu that returns device names as strings ("cuda:1") instead of torch.device lose points on try_gpu only?"""

TARGET = "gpus.try_gpu"
CAUGHT_BY = [
    "test_try_gpu_gives_existing_gpus_and_the_cpu_otherwise",
    "test_try_gpu_uses_its_argument",
]
PUBLIC = True


def try_gpu(i=0):
    return f"cuda:{i}" if i < torch.cuda.device_count() else "cpu"
