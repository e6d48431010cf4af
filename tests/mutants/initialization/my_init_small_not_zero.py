"""Does my_init that shrinks the middle values to tiny numbers instead of exact zeros lose points on my_init only?"""

TARGET = "initialization.my_init"
CAUGHT_BY = ["test_my_init_has_exact_zeros_and_both_uniform_parts"]
PUBLIC = True


def my_init(m):
    if type(m) is nn.Linear:
        with torch.no_grad():
            m.weight.uniform_(-10, 10)
            m.weight.copy_(torch.where(m.weight.abs() >= 5, m.weight, m.weight * 1e-8))
