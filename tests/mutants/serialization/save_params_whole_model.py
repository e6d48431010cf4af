"""Does a save_params that pickles the whole module (torch.save(net, path)) lose points on save_params only?"""

TARGET = "serialization.save_params"
CAUGHT_BY = ["test_save_params_file_holds_exactly_the_state_dict"]
PUBLIC = True


def save_params(net, path):
    torch.save(net, path)
