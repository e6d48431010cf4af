"""Does mixture_uniform_ that picks every component with equal probability lose points on mixture_uniform_ only?"""

TARGET = "initialization.mixture_uniform_"
CAUGHT_BY = ["test_mixture_uniform_matches_the_mixture"]
PUBLIC = True

_checked = mixture_uniform_


def mixture_uniform_(t, components):
    equal = [(1 / len(components), low, high) for _, low, high in components]
    _checked(t, components)  # validation as in the solution
    return _checked(t, equal)
