"""Does mixture_uniform_ choosing components by comparing one uniform with the cumulative weights keep full marks?"""

ITEM = "initialization.mixture_uniform_"


def mixture_uniform_(t, components):
    if len(components) == 0:
        raise ValueError("no components")
    for w, low, high in components:
        if not math.isfinite(w) or w < 0 or not math.isfinite(low) or not math.isfinite(high):
            raise ValueError("weights must be finite and >= 0, bounds finite")
        if low > high:
            raise ValueError("low > high")
    if abs(math.fsum(w for w, _, _ in components) - 1) > 1e-6:
        raise ValueError("weights must sum to 1")
    choice = torch.rand(t.shape, dtype=torch.float64)
    u = torch.rand(t.shape, dtype=torch.float64)
    values = torch.full(t.shape, float(components[-1][1]), dtype=torch.float64)
    cumulative = 0.0
    assigned = torch.zeros(t.shape, dtype=torch.bool)
    for w, low, high in components:
        cumulative += w
        here = (choice < cumulative) & ~assigned
        values = torch.where(here, low + (high - low) * u, values)
        assigned |= here
    _, last_low, last_high = components[-1]
    values = torch.where(assigned, values, last_low + (last_high - last_low) * u)
    with torch.no_grad():
        t.copy_(values)
    return t
