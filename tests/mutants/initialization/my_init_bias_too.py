"""Does my_init that applies the distribution to the bias as well lose points on my_init only?"""

TARGET = "initialization.my_init"
CAUGHT_BY = [
    "test_my_init_has_exact_zeros_and_both_uniform_parts",
    "test_my_init_touches_only_linear_weights",
]
PUBLIC = True


def my_init(m):
    if type(m) is nn.Linear:
        with torch.no_grad():
            for p in (m.weight, m.bias):
                p.uniform_(-10, 10)
                p *= p.abs() >= 5
