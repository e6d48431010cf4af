"""Parameter initialisation, built-in and by hand.

A network's starting weights decide whether it trains at all. The first five functions are meant to
be used as ``net.apply(fn)``: ``apply`` calls ``fn`` on every module of the network, so each function
must change the weights of plain ``nn.Linear`` layers (test ``type(m) == nn.Linear``) and leave every
other module alone. The last three fill a tensor in place, by hand, from a distribution.

All randomness comes from torch's global generator (``torch.manual_seed`` makes it reproducible).
Run ``make check`` to try your code against the public checks.
"""

import math

import torch
from torch import nn


def init_normal(m: nn.Module) -> None:
    """Draw the weight of an ``nn.Linear`` from N(0, 0.01²) and set its bias to 0.

    Any module that is not exactly an ``nn.Linear`` (a convolution, a subclass of ``nn.Linear``, a
    ``LazyLinear`` that has not seen an input yet) is left as it is.

    Hint: ``nn.init.normal_(tensor, mean, std)`` takes the standard deviation, not the variance.
    """
    ### BEGIN SOLUTION
    if type(m) is nn.Linear:
        nn.init.normal_(m.weight, mean=0.0, std=0.01)
        nn.init.zeros_(m.bias)
    ### END SOLUTION


def init_constant(m: nn.Module, value: float = 1.0) -> None:
    """Set every weight of an ``nn.Linear`` to ``value`` and its bias to 0; other modules untouched.

    Hint: ``nn.init.constant_`` and ``nn.init.zeros_`` work in place.
    """
    ### BEGIN SOLUTION
    if type(m) is nn.Linear:
        nn.init.constant_(m.weight, value)
        nn.init.zeros_(m.bias)
    ### END SOLUTION


def init_xavier(m: nn.Module) -> None:
    """Give an ``nn.Linear`` a Xavier-uniform weight; leave its bias (and other modules) untouched.

    Hint: PyTorch has this initialiser in ``nn.init``.
    """
    ### BEGIN SOLUTION
    if type(m) is nn.Linear:
        nn.init.xavier_uniform_(m.weight)
    ### END SOLUTION


def init_42(m: nn.Module) -> None:
    """Set every weight of an ``nn.Linear`` to 42; leave its bias (and other modules) untouched."""
    ### BEGIN SOLUTION
    if type(m) is nn.Linear:
        nn.init.constant_(m.weight, 42)
    ### END SOLUTION


def my_init(m: nn.Module) -> None:
    """The chapter's odd custom distribution for the weight of an ``nn.Linear``; bias untouched.

    Each weight is, independently: uniform on (5, 10) with probability ¼, exactly 0 with probability
    ½, uniform on (−10, −5) with probability ¼. Other modules are left alone.

    Hint: draw from U(−10, 10), then set to zero every value whose absolute value is below 5 (with a
    mask, so the zeros are exact). Work on the weight under ``torch.no_grad()`` (or on ``.data``).
    """
    ### BEGIN SOLUTION
    if type(m) is nn.Linear:
        with torch.no_grad():
            m.weight.uniform_(-10, 10)
            m.weight *= m.weight.abs() >= 5
    ### END SOLUTION


def xavier_uniform_(t: torch.Tensor, gain: float = 1.0) -> torch.Tensor:
    """Fill ``t`` in place from U(−b, b) with ``b = gain·√(6 / (fan_in + fan_out))``; return ``t``.

    ``t`` has at least two dimensions: ``(fan_out, fan_in)`` for a linear layer, or
    ``(out_channels, in_channels, k1, k2, …)`` for a convolution, where both fans are multiplied by
    the receptive field ``k1·k2·…``. Raise ``ValueError`` for a tensor with fewer than two
    dimensions. Write it yourself: compute the bound and fill ``t`` without ``nn.init``'s
    ``xavier_*`` and ``kaiming_*`` initialisers. Work under ``torch.no_grad()`` so nothing is recorded
    by autograd, and keep ``t``'s dtype, device and ``requires_grad``.

    Hint: ``t.uniform_(low, high)`` fills a tensor in place.
    """
    ### BEGIN SOLUTION
    if t.dim() < 2:
        raise ValueError(
            f"xavier_uniform_ needs a tensor with at least 2 dimensions, not {t.dim()}"
        )
    receptive = math.prod(t.shape[2:])
    fan_in, fan_out = t.shape[1] * receptive, t.shape[0] * receptive
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    with torch.no_grad():
        t.uniform_(-bound, bound)
    return t
    ### END SOLUTION


def kaiming_normal_(
    t: torch.Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
) -> torch.Tensor:
    """Fill ``t`` in place from N(0, std²) with ``std = gain / √fan``; return ``t``.

    ``fan`` is ``fan_in`` when ``mode == "fan_in"`` and ``fan_out`` when ``mode == "fan_out"`` (fans
    as in ``xavier_uniform_``); ``gain`` is ``nn.init.calculate_gain(nonlinearity, a)`` (for
    ``"leaky_relu"``, ``√(2 / (1 + a²))``). Raise ``ValueError`` for any other ``mode``, an unknown
    ``nonlinearity`` or a tensor with fewer than two dimensions. Write it yourself, without
    ``nn.init``'s ``kaiming_*`` and ``xavier_*`` initialisers; in place, under ``torch.no_grad()``,
    keeping ``t``'s dtype, device and ``requires_grad``.

    Hint: ``nn.init.calculate_gain`` already raises ``ValueError`` for unknown nonlinearities.
    """
    ### BEGIN SOLUTION
    if t.dim() < 2:
        raise ValueError(
            f"kaiming_normal_ needs a tensor with at least 2 dimensions, not {t.dim()}"
        )
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', not {mode!r}")
    receptive = math.prod(t.shape[2:])
    fan = (t.shape[1] if mode == "fan_in" else t.shape[0]) * receptive
    std = nn.init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    with torch.no_grad():
        t.normal_(0.0, std)
    return t
    ### END SOLUTION


def mixture_uniform_(t: torch.Tensor, components: list[tuple[float, float, float]]) -> torch.Tensor:
    """Fill ``t`` in place, each value independently, from a mixture of uniforms; return ``t``.

    ``components`` is a list ``[(weight, low, high), …]``: a value comes from U(low, high) with
    probability ``weight``; a component with ``low == high`` puts all its weight on that one value.
    Raise ``ValueError`` for an empty list, a negative or non-finite weight, non-finite bounds,
    ``low > high``, or weights that do not sum to 1 (within 1e-6). Work under ``torch.no_grad()``
    and keep ``t``'s dtype, device and ``requires_grad``, like the two functions above.

    Hint: draw a component index for every value with ``torch.multinomial``, then one uniform
    number per value and map it into its component's range.
    """
    ### BEGIN SOLUTION
    components = list(components)
    if not components:
        raise ValueError("components must not be empty")
    for weight, low, high in components:
        if not (math.isfinite(weight) and weight >= 0):
            raise ValueError(f"weight {weight!r} must be finite and non-negative")
        if not (math.isfinite(low) and math.isfinite(high)):
            raise ValueError(f"bounds ({low!r}, {high!r}) must be finite")
        if low > high:
            raise ValueError(f"low {low!r} is larger than high {high!r}")
    if abs(sum(w for w, _, _ in components) - 1.0) > 1e-6:
        raise ValueError("the weights must sum to 1")
    weights = torch.tensor([float(w) for w, _, _ in components], dtype=torch.float64)
    lows = torch.tensor([float(lo) for _, lo, _ in components], dtype=torch.float64)
    highs = torch.tensor([float(hi) for _, _, hi in components], dtype=torch.float64)
    with torch.no_grad():
        index = torch.multinomial(weights, t.numel(), replacement=True)
        u = torch.rand(t.numel(), dtype=torch.float64)
        values = lows[index] + (highs[index] - lows[index]) * u
        t.copy_(values.reshape(t.shape))
    return t
    ### END SOLUTION
