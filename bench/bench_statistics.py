"""The statistical checks of the ``initialization`` section, rerun over many seeds.

For every statistical check, the very decision the check makes (``stats.decide`` with the check's
``ALPHA``, its designed sizes ``DESIGNS`` and its expected distributions ``xavier_bound``,
``kaiming_std``, ``MY_INIT``, …, all imported from ``grader/checks/test_initialization.py``) is run
on samples drawn in this process:

* with correct samplers (PyTorch's ``nn.init`` and the solution's way), under ``--seeds`` distinct
  seeds: the failures must be 0 (the design bound is 1e-6 per check);
* with each listed error (std 10% off, bound 5% off, atom mass 0.05 off, fans swapped, gain
  ignored, exact zeros replaced by small values, …): the detections must be every seed.

The hypothesis-drawn extra cases of a check are stood in for by the largest number of small extra
cases the check can draw, filled by the same sampler (this is the worst case for power: the most
tests in the union bound). Each row also gives the error's sup-distance δ to the right CDF and
the δ_min the design guarantees to catch with probability ≥ 0.999. Nothing is asserted.

    python bench/bench_statistics.py [--seeds N] [--only init_normal ...]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from grader import stats
from grader.checks import test_initialization as checks

Sampler = Callable[[torch.Tensor, dict], None]
"""Fills a tensor in place, given the call's keyword arguments."""

D = checks.DESIGNS


@dataclass(frozen=True)
class Scenario:
    """One row: a check's decision on samples from one sampler."""

    check: str
    sampler: str
    correct: bool
    cases: Callable[[], list[stats.Case]]
    """Draws fresh samples (from the global generator) and returns the check's cases."""
    error: stats.Distribution | None = None
    """For an error row: the distribution the erroneous sampler has on the main case (for δ)."""
    expected: stats.Distribution | None = None


# -- samplers ------------------------------------------------------------------------------------


def _xavier_by_hand(t: torch.Tensor, gain: float = 1.0, scale: float = 1.0, mode: str = "") -> None:
    fan_in, fan_out = checks.fans(tuple(t.shape))
    if mode == "fan_in_only":
        fan_out = fan_in
    if mode == "no_receptive_field":
        fan_in, fan_out = t.shape[1], t.shape[0]
    bound = scale * gain * math.sqrt(6.0 / (fan_in + fan_out))
    with torch.no_grad():
        t.uniform_(-bound, bound)


def _kaiming_by_hand(
    t: torch.Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    *,
    scale: float = 1.0,
    swap: bool = False,
    ignore_a: bool = False,
) -> None:
    fan_in, fan_out = checks.fans(tuple(t.shape))
    if swap:
        fan_in, fan_out = fan_out, fan_in
    fan = fan_in if mode == "fan_in" else fan_out
    gain = nn.init.calculate_gain(nonlinearity, None if ignore_a else a)
    with torch.no_grad():
        t.normal_(0, scale * gain / math.sqrt(fan))


def _mixture_solution(t: torch.Tensor, components: list, *, equal: bool = False) -> None:
    weights = torch.tensor(
        [1.0 if equal else float(w) for w, _, _ in components], dtype=torch.float64
    )
    lows = torch.tensor([float(lo) for _, lo, _ in components], dtype=torch.float64)
    highs = torch.tensor([float(hi) for _, _, hi in components], dtype=torch.float64)
    index = torch.multinomial(weights, t.numel(), replacement=True)
    u = torch.rand(t.numel(), dtype=torch.float64)
    with torch.no_grad():
        t.copy_((lows[index] + (highs[index] - lows[index]) * u).reshape(t.shape))


def _mixture_inverse_cdf(t: torch.Tensor, components: list) -> None:
    choice = torch.rand(t.shape, dtype=torch.float64)
    u = torch.rand(t.shape, dtype=torch.float64)
    values = torch.zeros(t.shape, dtype=torch.float64)
    cumulative = 0.0
    assigned = torch.zeros(t.shape, dtype=torch.bool)
    for index, (w, low, high) in enumerate(components):
        cumulative += w
        here = ~assigned if index == len(components) - 1 else (choice < cumulative) & ~assigned
        values = torch.where(here, low + (high - low) * u, values)
        assigned |= here
    with torch.no_grad():
        t.copy_(values)


def _my_init_solution(t: torch.Tensor) -> None:
    with torch.no_grad():
        t.uniform_(-10, 10)
        t *= t.abs() >= 5


def _my_init_where(t: torch.Tensor) -> None:
    magnitude = torch.empty(t.shape).uniform_(5, 10)
    sign = torch.where(torch.rand(t.shape) < 0.5, -1.0, 1.0)
    keep = torch.rand(t.shape) < 0.5
    with torch.no_grad():
        t.copy_(torch.where(keep, sign * magnitude, torch.zeros(t.shape)))


# -- scenarios per check ---------------------------------------------------------------------------

EXTRA_LAYERS = [(7, 3), (40, 33)]
"""Stand-ins for the (at most two) small layers hypothesis adds to the net.apply checks."""
EXTRA_SHAPES = [((6, 5, 3, 3), 1.7, "float64"), ((24, 24), 0.6, "float32")]
"""Stand-ins for the (at most two) small tensors the by-hand checks add."""
EXTRA_MIXTURES = [
    ((0.25, 1.0, 1.0), (0.25, 2.0, 2.0), (0.25, 3.0, 3.0), (0.25, 4.0, 4.0)),
    ((0.125, -1.0, -1.0), (0.375, 0.0, 5.0), (0.25, 7.0, 7.0), (0.25, 9.25, 9.25)),
]
"""Stand-ins for the (at most two) drawn mixtures: four atoms each, the most tests possible."""


def _weights(fill: Callable[[torch.Tensor], None], layers: list[tuple[int, int]]) -> list:
    out = []
    for n_in, n_out in layers:
        w = torch.empty(n_out, n_in)
        fill(w)
        out.append(w)
    return out


def _apply_scenarios() -> list[Scenario]:
    rows: list[Scenario] = []
    normal_layers = [D.normal_layer, *EXTRA_LAYERS]
    expected = stats.Normal(0.0, checks.NORMAL_STD)

    def normal(fill: Callable[[torch.Tensor], None]) -> Callable[[], list[stats.Case]]:
        return lambda: [
            stats.Case(w, expected, f"Linear{layer}")
            for w, layer in zip(_weights(fill, normal_layers), normal_layers)
        ]

    name = "init_normal"
    rows.append(
        Scenario(
            name,
            "nn.init.normal_(w, 0, 0.01)",
            True,
            normal(lambda w: nn.init.normal_(w, 0, 0.01)),
            expected=expected,
        )
    )
    rows.append(
        Scenario(
            name,
            "w.data = randn·0.01",
            True,
            normal(lambda w: w.data.copy_(torch.randn(w.shape) * 0.01)),
            expected=expected,
        )
    )
    for scale in (1.1, 0.9):
        rows.append(
            Scenario(
                name,
                f"std ×{scale}",
                False,
                normal(lambda w, s=scale: nn.init.normal_(w, 0, 0.01 * s)),
                stats.Normal(0, 0.01 * scale),
                expected,
            )
        )
    rows.append(
        Scenario(
            name,
            "variance as std",
            False,
            normal(lambda w: nn.init.normal_(w, 0, 1e-4)),
            stats.Normal(0, 1e-4),
            expected,
        )
    )

    xavier_layers = [D.xavier_layer, *EXTRA_LAYERS]

    def xavier(fill: Callable[[torch.Tensor], None]) -> Callable[[], list[stats.Case]]:
        def cases() -> list[stats.Case]:
            out = []
            for w, (n_in, n_out) in zip(_weights(fill, xavier_layers), xavier_layers):
                b = checks.xavier_bound((n_out, n_in))
                out.append(stats.Case(w, stats.Mixture.uniform(-b, b), f"Linear({n_in}, {n_out})"))
            return out

        return cases

    n_in, n_out = D.xavier_layer
    b = checks.xavier_bound((n_out, n_in))
    expected_u = stats.Mixture.uniform(-b, b)
    name = "init_xavier"
    rows.append(
        Scenario(
            name,
            "nn.init.xavier_uniform_",
            True,
            xavier(nn.init.xavier_uniform_),
            expected=expected_u,
        )
    )
    rows.append(
        Scenario(
            name, "uniform_(−b, b) by hand", True, xavier(_xavier_by_hand), expected=expected_u
        )
    )
    for scale in (1.05, 0.95):
        rows.append(
            Scenario(
                name,
                f"bound ×{scale}",
                False,
                xavier(lambda w, s=scale: _xavier_by_hand(w, scale=s)),
                stats.Mixture.uniform(-b * scale, b * scale),
                expected_u,
            )
        )
    fan_in_only = math.sqrt(3.0 / n_in)
    rows.append(
        Scenario(
            name,
            "bound √(3/fan_in) (fan-in only)",
            False,
            xavier(lambda w: _xavier_by_hand(w, mode="fan_in_only")),
            stats.Mixture.uniform(-fan_in_only, fan_in_only),
            expected_u,
        )
    )

    def my_init(fill: Callable[[torch.Tensor], None]) -> Callable[[], list[stats.Case]]:
        return lambda: [
            stats.Case(w, checks.MY_INIT, f"Linear{layer}")
            for w, layer in zip(_weights(fill, normal_layers), normal_layers)
        ]

    def replace_zeros(noise: Callable[[torch.Tensor], torch.Tensor]) -> Callable:
        def fill(w: torch.Tensor) -> None:
            _my_init_solution(w)
            with torch.no_grad():
                w.copy_(torch.where(w == 0, noise(w), w))

        return fill

    def atom_mass(p: float) -> Callable[[torch.Tensor], None]:
        side = (1 - p) / 2
        return lambda w: _mixture_solution(
            w, [(side, 5.0, 10.0), (p, 0.0, 0.0), (side, -10.0, -5.0)]
        )

    name = "my_init"
    rows.append(
        Scenario(
            name,
            "U(−10, 10) then mask (solution)",
            True,
            my_init(_my_init_solution),
            expected=checks.MY_INIT,
        )
    )
    rows.append(
        Scenario(
            name,
            "sign·U(5, 10)·Bernoulli(½) (variant)",
            True,
            my_init(_my_init_where),
            expected=checks.MY_INIT,
        )
    )
    rows.append(
        Scenario(
            name,
            "zeros → U(−1e-3, 1e-3)",
            False,
            my_init(replace_zeros(lambda w: torch.empty(w.shape).uniform_(-1e-3, 1e-3))),
            stats.Mixture(((0.25, 5.0, 10.0), (0.5, -1e-3, 1e-3), (0.25, -10.0, -5.0))),
            checks.MY_INIT,
        )
    )
    rows.append(
        Scenario(
            name,
            "zeros → 1e-8",
            False,
            my_init(replace_zeros(lambda w: torch.full(w.shape, 1e-8))),
            stats.Mixture(((0.25, 5.0, 10.0), (0.5, 1e-8, 1e-8), (0.25, -10.0, -5.0))),
            checks.MY_INIT,
        )
    )
    for p in (0.45, 0.55):
        side = (1 - p) / 2
        rows.append(
            Scenario(
                name,
                f"atom mass {p}",
                False,
                my_init(atom_mass(p)),
                stats.Mixture(((side, 5.0, 10.0), (p, 0.0, 0.0), (side, -10.0, -5.0))),
                checks.MY_INIT,
            )
        )
    return rows


def _filled(
    shape: tuple[int, ...], dtype: str, fill: Callable[[torch.Tensor], None]
) -> torch.Tensor:
    t = torch.empty(shape, dtype=getattr(torch, dtype))
    fill(t)
    return t


def _by_hand_scenarios() -> list[Scenario]:
    rows: list[Scenario] = []
    matrix, conv = D.xavier_shapes
    gain = D.xavier_gains[-1]

    def xavier(fill: Callable[..., None]) -> Callable[[], list[stats.Case]]:
        def cases() -> list[stats.Case]:
            specs = [
                (matrix, 1.0, "float32"),
                (conv, gain, "float32"),
                *checks.XAVIER_COVERAGE,
                *EXTRA_SHAPES,
            ]
            out = []
            for shape, g, dtype in specs:
                t = _filled(shape, dtype, lambda t, g=g: fill(t, g))
                b = checks.xavier_bound(shape, g)
                out.append(stats.Case(t, stats.Mixture.uniform(-b, b), str(shape)))
            return out

        return cases

    b = checks.xavier_bound(matrix)
    expected = stats.Mixture.uniform(-b, b)
    name = "xavier_uniform_"
    rows.append(
        Scenario(
            name,
            "nn.init.xavier_uniform_",
            True,
            xavier(lambda t, g: nn.init.xavier_uniform_(t, g)),
            expected=expected,
        )
    )
    rows.append(
        Scenario(
            name,
            "uniform_(−b, b) by hand (solution)",
            True,
            xavier(lambda t, g: _xavier_by_hand(t, g)),
            expected=expected,
        )
    )
    for scale in (1.05, 0.95):
        rows.append(
            Scenario(
                name,
                f"bound ×{scale}",
                False,
                xavier(lambda t, g, s=scale: _xavier_by_hand(t, g, scale=s)),
                stats.Mixture.uniform(-b * scale, b * scale),
                expected,
            )
        )
    bc = checks.xavier_bound(conv, gain)
    expected_conv = stats.Mixture.uniform(-bc, bc)
    rows.append(
        Scenario(
            name,
            f"gain ignored (gain {gain:g}, conv case)",
            False,
            xavier(lambda t, g: _xavier_by_hand(t, 1.0)),
            stats.Mixture.uniform(-bc / gain, bc / gain),
            expected_conv,
        )
    )
    no_rf = gain * math.sqrt(6.0 / (conv[0] + conv[1]))
    rows.append(
        Scenario(
            name,
            "no receptive field (conv case)",
            False,
            xavier(lambda t, g: _xavier_by_hand(t, g, mode="no_receptive_field")),
            stats.Mixture.uniform(-no_rf, no_rf),
            expected_conv,
        )
    )

    default, fan_out, conv_k = D.kaiming_shapes
    slope = D.kaiming_slopes[0]

    def kaiming(fill: Callable[..., None]) -> Callable[[], list[stats.Case]]:
        def cases() -> list[stats.Case]:
            specs = [
                (default, {}, "float32"),
                (fan_out, {"a": slope, "mode": "fan_out", "nonlinearity": "leaky_relu"}, "float32"),
                (conv_k, {"nonlinearity": "tanh"}, "float32"),
                *checks.KAIMING_COVERAGE,
                (EXTRA_SHAPES[0][0], {"a": 0.3, "mode": "fan_out"}, "float64"),
                (EXTRA_SHAPES[1][0], {"nonlinearity": "selu"}, "float32"),
            ]
            out = []
            for shape, kwargs, dtype in specs:
                t = _filled(shape, dtype, lambda t, k=kwargs: fill(t, **k))
                std = checks.kaiming_std(shape, *checks.kaiming_args(kwargs))
                out.append(stats.Case(t, stats.Normal(0, std), str(shape)))
            return out

        return cases

    std = checks.kaiming_std(default, 0, "fan_in", "leaky_relu")
    expected_k = stats.Normal(0, std)
    name = "kaiming_normal_"
    rows.append(
        Scenario(
            name,
            "nn.init.kaiming_normal_",
            True,
            kaiming(nn.init.kaiming_normal_),
            expected=expected_k,
        )
    )
    rows.append(
        Scenario(
            name,
            "normal_(0, gain/√fan) (solution)",
            True,
            kaiming(_kaiming_by_hand),
            expected=expected_k,
        )
    )
    for scale in (1.1, 0.9):
        rows.append(
            Scenario(
                name,
                f"std ×{scale}",
                False,
                kaiming(lambda t, s=scale, **k: _kaiming_by_hand(t, scale=s, **k)),
                stats.Normal(0, std * scale),
                expected_k,
            )
        )
    rows.append(
        Scenario(
            name,
            "fan_in/fan_out swapped",
            False,
            kaiming(lambda t, **k: _kaiming_by_hand(t, swap=True, **k)),
            stats.Normal(0, checks.kaiming_std(default, 0, "fan_out", "leaky_relu")),
            expected_k,
        )
    )
    std_slope = checks.kaiming_std(fan_out, slope, "fan_out", "leaky_relu")
    rows.append(
        Scenario(
            name,
            f"leaky-ReLU a ignored (a = {slope:g})",
            False,
            kaiming(lambda t, **k: _kaiming_by_hand(t, ignore_a=True, **k)),
            stats.Normal(0, checks.kaiming_std(fan_out, 0.01, "fan_out", "leaky_relu")),
            stats.Normal(0, std_slope),
        )
    )

    atom_mix, single = D.mixtures

    def mixture(
        fill: Callable[[torch.Tensor, list], None],
        main: tuple | None = None,
        second: tuple | None = None,
    ) -> Callable[[], list[stats.Case]]:
        def cases() -> list[stats.Case]:
            specs = [
                (atom_mix, main or atom_mix, D.mixture_shape, "float32"),
                (single, second or single, D.mixture_shape, "float32"),
                *[(m, m, D.drawn_mixture_shape, dt) for m, dt in checks.MIXTURE_COVERAGE],
                *[(m, m, D.drawn_mixture_shape, "float32") for m in EXTRA_MIXTURES],
            ]
            out = []
            for expected_m, used, shape, dtype in specs:
                t = _filled(shape, dtype, lambda t, u=used: fill(t, list(u)))
                out.append(stats.Case(t, stats.Mixture(expected_m), str(expected_m)))
            return out

        return cases

    expected_m = stats.Mixture(atom_mix)
    name = "mixture_uniform_"
    rows.append(
        Scenario(
            name,
            "multinomial + uniform (solution)",
            True,
            mixture(_mixture_solution),
            expected=expected_m,
        )
    )
    rows.append(
        Scenario(
            name,
            "cumulative weights (variant)",
            True,
            mixture(_mixture_inverse_cdf),
            expected=expected_m,
        )
    )
    for delta in (-0.05, 0.05):
        off = ((0.5 + delta, 0.0, 0.0), (0.3 - delta, 1.0, 3.0), (0.2, -4.0, -2.0))
        rows.append(
            Scenario(
                name,
                f"atom mass {0.5 + delta:g}",
                False,
                mixture(_mixture_solution, main=off),
                stats.Mixture(off),
                expected_m,
            )
        )
    equal = tuple((1 / 3, lo, hi) for _, lo, hi in atom_mix)
    rows.append(
        Scenario(
            name,
            "weights ignored (equal)",
            False,
            mixture(lambda t, c: _mixture_solution(t, c, equal=True)),
            stats.Mixture(equal),
            expected_m,
        )
    )
    ((_, low, high),) = single
    wide = ((1.0, low * 1.05, high * 1.05),)
    rows.append(
        Scenario(
            name,
            "single uniform, bounds ×1.05",
            False,
            mixture(_mixture_solution, second=wide),
            stats.Mixture(wide),
            stats.Mixture(single),
        )
    )
    return rows


# -- running -------------------------------------------------------------------------------------


def run(scenario: Scenario, seeds: int) -> tuple[int, int, int, float]:
    """(failing seeds, n of the main case, random tests, seconds)."""
    failing = 0
    n = tests = 0
    started = time.perf_counter()
    for seed in range(seeds):
        torch.manual_seed(1_000_003 * (seed + 1))
        cases = scenario.cases()
        n = cases[0].sample.numel()
        tests = sum(stats.random_tests(c.dist) for c in cases)
        if stats.failures(stats.decide(cases, checks.ALPHA)):
            failing += 1
    return failing, n, tests, time.perf_counter() - started


def header() -> str:
    return (
        f"{'check':<17} | {'sampler / error':<38} | {'n':>7} | {'tests':>5} | {'false-fail':>10} | "
        f"{'δ':>7} | {'δ_min':>7} | result"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--seeds", type=int, default=1000, help="seeds per row (default 1000)")
    parser.add_argument("--only", nargs="+", default=None, help="checks to run (e.g. my_init)")
    parser.add_argument("--no-header", action="store_true", help="print the rows only")
    args = parser.parse_args()
    if args.seeds < 1:
        raise SystemExit(f"error: --seeds must be at least 1, not {args.seeds}")
    torch.set_num_threads(1)
    scenarios = _apply_scenarios() + _by_hand_scenarios()
    if args.only:
        scenarios = [s for s in scenarios if s.check in args.only]
    if not args.no_header:
        line = header()
        print(line)
        print("-" * len(line), flush=True)
    for s in scenarios:
        failing, n, tests, seconds = run(s, args.seeds)
        per_test = checks.ALPHA / tests
        delta_min = stats.detectable_distance(n, per_test)
        delta = (
            stats.sup_distance(s.error, s.expected)
            if s.error is not None and s.expected is not None
            else None
        )
        if s.correct:
            result = f"failed {failing}/{args.seeds} (must be 0)"
        else:
            result = f"detected {failing}/{args.seeds}"
            if failing != args.seeds:
                result += " (MISSED some)"
        print(
            f"{s.check:<17} | {s.sampler:<38} | {n:>7} | {tests:>5} | {checks.ALPHA:>10.0e} | "
            f"{'' if delta is None else f'{delta:.4f}':>7} | {delta_min:>7.4f} | {result}"
            f"  [{seconds:.0f} s]",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
