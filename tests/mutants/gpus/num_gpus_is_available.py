"""Does a num_gpus that returns int(torch.cuda.is_available()) lose points on num_gpus only?"""

TARGET = "gpus.num_gpus"
CAUGHT_BY = ["test_num_gpus_counts_devices"]
PUBLIC = True


def num_gpus():
    return int(torch.cuda.is_available())
