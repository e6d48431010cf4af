"""Does a try_all_gpus that returns [] on a machine without GPU lose points on try_all_gpus only?"""

TARGET = "gpus.try_all_gpus"
CAUGHT_BY = ["test_try_all_gpus_falls_back_to_the_cpu"]
PUBLIC = True


def try_all_gpus():
    return [torch.device(f"cuda:{i}") for i in range(torch.cuda.device_count())]
