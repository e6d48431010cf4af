# Exercise file: replace each `raise NotImplementedError(...)` with your code, then run `make check`.
# (Generated from solutions/initialization.py by `make exercises`.)
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
    raise NotImplementedError("init_normal: write your code here")


def init_constant(m: nn.Module, value: float = 1.0) -> None:
    """Set every weight of an ``nn.Linear`` to ``value`` and its bias to 0; other modules untouched.

    Hint: ``nn.init.constant_`` and ``nn.init.zeros_`` work in place.
    """
    raise NotImplementedError("init_constant: write your code here")


def init_xavier(m: nn.Module) -> None:
    """Give an ``nn.Linear`` a Xavier-uniform weight; leave its bias (and other modules) untouched.

    Hint: PyTorch has this initialiser in ``nn.init``.
    """
    raise NotImplementedError("init_xavier: write your code here")


def init_42(m: nn.Module) -> None:
    """Set every weight of an ``nn.Linear`` to 42; leave its bias (and other modules) untouched."""
    raise NotImplementedError("init_42: write your code here")


def my_init(m: nn.Module) -> None:
    """The chapter's odd custom distribution for the weight of an ``nn.Linear``; bias untouched.

    Each weight is, independently: uniform on (5, 10) with probability ¼, exactly 0 with probability
    ½, uniform on (−10, −5) with probability ¼. Other modules are left alone.

    Hint: draw from U(−10, 10), then set to zero every value whose absolute value is below 5 (with a
    mask, so the zeros are exact). Work on the weight under ``torch.no_grad()`` (or on ``.data``).
    """
    raise NotImplementedError("my_init: write your code here")


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
    raise NotImplementedError("xavier_uniform_: write your code here")


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
    raise NotImplementedError("kaiming_normal_: write your code here")


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
    raise NotImplementedError("mixture_uniform_: write your code here")
