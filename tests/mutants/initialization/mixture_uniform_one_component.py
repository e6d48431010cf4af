"""Does mixture_uniform_ that draws one component for the whole tensor lose points on mixture_uniform_ only?"""

TARGET = "initialization.mixture_uniform_"
CAUGHT_BY = ["test_mixture_uniform_matches_the_mixture"]
PUBLIC = True

_checked = mixture_uniform_


def mixture_uniform_(t, components):
    _checked(t, components)  # validation as in the solution
    weights = torch.tensor([float(w) for w, _, _ in components], dtype=torch.float64)
    _, low, high = components[int(torch.multinomial(weights, 1))]
    with torch.no_grad():
        t.uniform_(low, high)
    return t
