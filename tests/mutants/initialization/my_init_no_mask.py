"""Does my_init that draws U(−10, 10) and forgets the mask lose points on my_init only?"""

TARGET = "initialization.my_init"
CAUGHT_BY = ["test_my_init_has_exact_zeros_and_both_uniform_parts"]
PUBLIC = True


def my_init(m):
    if type(m) is nn.Linear:
        nn.init.uniform_(m.weight, -10, 10)
