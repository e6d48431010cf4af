"""Does a load that calls torch.load(..., weights_only=False) lose points on save only?"""

TARGET = "serialization.save"
CAUGHT_BY = ["test_load_refuses_files_that_would_run_code"]
PUBLIC = True


def load(path, map_location=None):
    return torch.load(path, map_location=map_location, weights_only=False)
