"""Does mixture_uniform_ that never checks that the weights sum to 1 lose points on mixture_uniform_ only?"""

TARGET = "initialization.mixture_uniform_"
CAUGHT_BY = ["test_mixture_uniform_rejects_invalid_mixtures"]
PUBLIC = True

_checked = mixture_uniform_


def mixture_uniform_(t, components):
    total = sum(w for w, _, _ in components) if components else 1.0
    if math.isfinite(total) and total > 0:
        components = [(w / total, low, high) for w, low, high in components]
    return _checked(t, components)
