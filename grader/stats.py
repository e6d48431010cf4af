"""Statistical tests for random initialisers: pure functions, shared by the checks and the bench.

A check hands :func:`decide` a list of :class:`Case` (a sample drawn by the submission, the exact
distribution PyTorch's ``nn.init`` specifies for it, and a label) and gets back one
:class:`Verdict` per test: the statistic, the threshold, and what was measured against what was
expected, so a failure can be explained to a student. Nothing here knows about probes or pytest.

The tests
---------
*Kolmogorov–Smirnov against the exact CDF* (:func:`ks_test`). ``D = sup_x |F_n(x) − F(x)|`` is
computed exactly, including at atoms (both the right value and the left limit at every distinct
sample value; between them ``F_n`` is constant and ``F`` monotone, so nothing is missed). The
threshold comes from the Dvoretzky–Kiefer–Wolfowitz inequality with Massart's constant,
``P(D > ε) ≤ 2·exp(−2nε²)``, so ``ε = sqrt(ln(2/α) / 2n)`` gives a false-fail probability of at most
``α``. The bound is distribution-free, and it also holds when ``F`` has atoms: with ``X = F⁻¹(U)``,
``F_n(x) = G_n(F(x))`` for the uniform empirical CDF ``G_n``, so ``D`` is a supremum over a subset of
what it is for a continuous ``F``.

*Exact-value counts for atoms* (:func:`atom_test`). The number ``k`` of values exactly equal to an
atom ``a`` of mass ``p`` is Binomial(n, p); Hoeffding's inequality ``P(|k/n − p| ≥ t) ≤ 2·exp(−2nt²)``
gives the same ``ε`` as above. (The KS test already sees a wrong atom mass; this test says it
plainly, "fraction of exact zeros 0.000, expected 0.500", and catches values merely *near* the atom.)

*Support* (:func:`support_test`). Every value must lie in the union of the components' closed
ranges, with a slack of a few units in the last place for rounding. Deterministic: it never fails
a correct sampler (false-fail probability 0).

Power
-----
If the submission's distribution ``G`` satisfies ``sup|G − F| ≥ δ``, then ``D ≥ δ − sup|F_n − G|``,
and DKW applied to ``G`` gives ``P(D ≤ ε) ≤ 2·exp(−2n(δ − ε)²)``. So every ``G`` with
``δ ≥ ε(n, α) + ε(n, 10⁻³)`` is caught with probability at least 0.999
(:func:`detectable_distance`). The same argument with Hoeffding holds for an atom's mass.

Sizes and thresholds per check. ``α`` per check is 10⁻⁶, split evenly over its random tests (``m``:
one KS test per case plus one count per atom; the largest ``m`` the check can draw is used here) by a
union bound. ``ε`` is the KS/atom threshold and ``δ_min = ε(n, α/m) + ε(n, 10⁻³)`` the smallest
sup-distance (or atom-mass error) caught with probability ≥ 0.999 on the designed case of ``n``
values. ``δ`` of each listed error is computed by :func:`sup_distance`; ``bench/bench_statistics.py``
reruns each decision over 1000 seeds (0 false fails, every listed error caught every time).

================ ======= ==== ======= ======= ================================================
check            n       m    ε       δ_min   listed errors and their δ (all ≥ δ_min)
================ ======= ==== ======= ======= ================================================
init_normal      100 000 ≤ 3  0.00883 0.0150  std ×1.1: 0.0230; std ×0.9: 0.0255;
                                              variance as std: 0.487
init_xavier      100 000 ≤ 3  0.00883 0.0150  bound ×1.05: 0.0238; ×0.95: 0.0250;
                                              fan-in only √(3/fan_in), fans 100/1000: 0.287
my_init          100 000 ≤ 6  0.00903 0.0152  atom at 0 → U(±1e-3): 0.25, → 1e-8: 0.5 (and the
                                              exact-zero count: 0 vs ½); atom mass ±0.05: 0.05
                                              (count), 0.025 (KS)
xavier_uniform_  100 000 ≤ 8  0.00911 0.0153  bound ×1.05: 0.0238; ×0.95: 0.0250; gain 3
                 102 400                      ignored: 0.333; receptive field ignored: 0.40
kaiming_normal_  100 000 ≤ 12 0.00922 0.0154  std ×1.1: 0.0230; ×0.9: 0.0255; fans swapped
                                              (×√10): 0.252; leaky-ReLU a = 1 ignored: 0.083
mixture_uniform_ 100 000 ≤ 19 0.00934 0.0155  atom mass ±0.05: 0.05; weights ignored: 0.133;
                                              bounds ×1.05 of a single uniform: 0.0286
================ ======= ==== ======= ======= ================================================

Smaller cases (fixed coverage cases and hypothesis-drawn ones: other shapes, gains, slopes,
nonlinearities, dtypes, mixtures) ride along in the same union bound with their own, larger
thresholds: they catch gross errors only (e.g. a std or bound off by a factor 2 with ≥ 2 048 values).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

try:  # optional: only for speed (see _sorted)
    import numpy as np
except ImportError:  # pragma: no cover
    np = None  # type: ignore[assignment]

ALPHA = 1e-6
"""False-fail probability allowed per check (union over all its random tests)."""
MISS = 1e-3
"""Allowed probability of missing a listed error: listed errors are caught with probability ≥ 0.999."""
ULP_SLACK = 8
"""Support slack in units of the sample dtype's machine epsilon (relative to the bound)."""


# -- thresholds and power --------------------------------------------------------------------------


def dkw_epsilon(n: int, alpha: float) -> float:
    """The ε with ``2·exp(−2nε²) = α``: ``P(sup|F_n − F| > ε) ≤ α`` (DKW–Massart), and likewise
    ``P(|k/n − p| ≥ ε) ≤ α`` for a binomial proportion (Hoeffding)."""
    if n <= 0:
        raise ValueError(f"n must be positive, not {n}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), not {alpha}")
    return math.sqrt(math.log(2 / alpha) / (2 * n))


def detectable_distance(n: int, alpha: float, miss: float = MISS) -> float:
    """Smallest sup-distance ``sup|G − F|`` (or atom-mass error) caught with probability ≥ 1 − miss
    by a test of level ``alpha`` on ``n`` values: ``ε(n, α) + ε(n, miss)``."""
    return dkw_epsilon(n, alpha) + dkw_epsilon(n, miss)


# -- distributions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Normal:
    """N(mean, std²)."""

    mean: float
    std: float

    def cdf(self, x: torch.Tensor) -> torch.Tensor:
        return 0.5 * (1 + torch.erf((x - self.mean) / (self.std * math.sqrt(2))))

    def cdf_left(self, x: torch.Tensor) -> torch.Tensor:
        return self.cdf(x)

    @property
    def atoms(self) -> list[tuple[float, float]]:
        return []

    @property
    def expected_std(self) -> float:
        return self.std

    @property
    def expected_mean(self) -> float:
        return self.mean

    def describe(self) -> str:
        return f"N({_g(self.mean)}, {_g(self.std)}²)"


@dataclass(frozen=True)
class Mixture:
    """A mixture of uniforms ``[(weight, low, high), …]``; ``low == high`` is a point mass (atom)."""

    components: tuple[tuple[float, float, float], ...]

    def __post_init__(self) -> None:
        if not self.components:
            raise ValueError("a mixture needs at least one component")
        for w, low, high in self.components:
            if not (w >= 0 and math.isfinite(low) and math.isfinite(high) and low <= high):
                raise ValueError(f"invalid component {(w, low, high)}")
        if abs(sum(w for w, _, _ in self.components) - 1) > 1e-6:
            raise ValueError("weights must sum to 1")

    @staticmethod
    def uniform(low: float, high: float) -> Mixture:
        return Mixture(((1.0, low, high),))

    def cdf(self, x: torch.Tensor) -> torch.Tensor:
        return self._cdf(x, left=False)

    def cdf_left(self, x: torch.Tensor) -> torch.Tensor:
        return self._cdf(x, left=True)

    def _cdf(self, x: torch.Tensor, *, left: bool) -> torch.Tensor:
        total = torch.zeros_like(x, dtype=torch.float64)
        for w, low, high in self.components:
            if high > low:
                total += w * ((x - low) / (high - low)).clamp(0, 1)
            else:
                total += w * ((x > low) if left else (x >= low)).to(torch.float64)
        return total

    @property
    def atoms(self) -> list[tuple[float, float]]:
        """(value, total mass) of each distinct atom."""
        masses: dict[float, float] = {}
        for w, low, high in self.components:
            if low == high:
                masses[low] = masses.get(low, 0.0) + w
        return sorted(masses.items())

    def rounded(self, dtype: torch.dtype) -> Mixture:
        """The same mixture with atoms at their value in ``dtype`` (0.1 is not a float32)."""
        return Mixture(
            tuple(
                (w, _round(low, dtype), _round(high, dtype)) if low == high else (w, low, high)
                for w, low, high in self.components
            )
        )

    @property
    def expected_mean(self) -> float:
        return sum(w * (low + high) / 2 for w, low, high in self.components)

    @property
    def expected_std(self) -> float:
        second = sum(
            w * (low * low + low * high + high * high) / 3 for w, low, high in self.components
        )
        return math.sqrt(max(second - self.expected_mean**2, 0.0))

    def describe(self) -> str:
        parts = []
        for w, low, high in self.components:
            what = f"U({_g(low)}, {_g(high)})" if high > low else f"exactly {_g(low)}"
            parts.append(what if len(self.components) == 1 else f"{what} w.p. {_g(w)}")
        return ", ".join(parts)


Distribution = Normal | Mixture


def _round(value: float, dtype: torch.dtype) -> float:
    return float(torch.tensor(value, dtype=torch.float64).to(dtype).to(torch.float64))


def _g(value: float) -> str:
    return f"{value:.4g}"


def sup_distance(a: Distribution, b: Distribution, *, points: int = 200_001) -> float:
    """``sup_x |F_a(x) − F_b(x)|`` on a fine grid plus every atom (for power tables, not decisions)."""
    lows, highs = [], []
    for dist in (a, b):
        if isinstance(dist, Normal):
            lows.append(dist.mean - 10 * dist.std)
            highs.append(dist.mean + 10 * dist.std)
        else:
            lows.append(min(low for _, low, _ in dist.components))
            highs.append(max(high for _, _, high in dist.components))
    lo, hi = min(lows), max(highs)
    pad = (hi - lo) * 1e-3 + 1e-12
    grid = torch.linspace(lo - pad, hi + pad, points, dtype=torch.float64)
    extra = [v for dist in (a, b) for v, _ in dist.atoms]
    grid = torch.cat([grid, torch.tensor(extra, dtype=torch.float64)])
    right = (a.cdf(grid) - b.cdf(grid)).abs().max()
    left = (a.cdf_left(grid) - b.cdf_left(grid)).abs().max()
    return float(torch.maximum(right, left))


# -- samples and verdicts -----------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One sample to test: what the submission produced, what PyTorch specifies, and in words."""

    sample: torch.Tensor
    dist: Distribution
    label: str
    """Where the sample comes from: "weights of Linear(400, 250)"."""


@dataclass(frozen=True)
class Verdict:
    """The outcome of one test on one case, with what a student needs to act on it."""

    label: str
    test: str
    """"ks", "atom" or "support"."""
    n: int
    statistic: float
    """KS distance, |measured − expected| proportion, or number of values outside the support."""
    threshold: float
    """The test fails when statistic > threshold."""
    alpha: float
    """False-fail probability of this test for a correct sampler (0 for deterministic tests)."""
    passed: bool
    expected: str
    """The distribution (or property) expected, in words."""
    measured: dict[str, float] = field(default_factory=dict)
    """Summary of the sample (mean, std, min, max, fraction at an atom, …)."""
    wanted: dict[str, float] = field(default_factory=dict)
    """The same summaries for the expected distribution."""
    where: float | None = None
    """For KS: the x where the two CDFs are farthest apart; for atoms: the atom."""

    def describe(self) -> str:
        """One line for the student: the label, then :meth:`problem`."""
        return f"{self.label}: {self.problem()}"

    def problem(self) -> str:
        """What is wrong (or right), without the label."""
        measured = ", ".join(
            f"{k} {_g(v)}" + (f" (expected {_g(self.wanted[k])})" if k in self.wanted else "")
            for k, v in self.measured.items()
        )
        if self.test == "ks":
            return (
                f"not distributed as {self.expected}: its empirical CDF is "
                f"{self.statistic:.4f} away from the expected one at x = {_g(self.where or 0.0)} "
                f"(at most {self.threshold:.4f} allowed for n = {self.n}); measured {measured}"
            )
        if self.test == "atom":
            return (
                f"the fraction of values exactly equal to {_g(self.where or 0.0)} is "
                f"{_g(self.measured['fraction'])}, expected {_g(self.wanted['fraction'])} "
                f"(± {self.threshold:.4f} allowed for n = {self.n})"
            )
        if self.test == "finite":
            return f"{int(self.statistic)} of {self.n} values are NaN or infinite"
        return (
            f"{int(self.statistic)} of {self.n} values lie outside {self.expected}; "
            f"measured {measured}"
        )


def _flat(sample: torch.Tensor) -> torch.Tensor:
    return sample.detach().reshape(-1).to("cpu", torch.float64)


def summary(sample: torch.Tensor) -> dict[str, float]:
    """Mean, std, min and max of a sample (float64)."""
    x = _flat(sample)
    if x.numel() == 0:
        return {}
    return {
        "mean": float(x.mean()),
        "std": float(x.std(unbiased=False)),
        "min": float(x.min()),
        "max": float(x.max()),
    }


def _wanted(dist: Distribution) -> dict[str, float]:
    return {"mean": dist.expected_mean, "std": dist.expected_std}


def _sorted(x: torch.Tensor) -> torch.Tensor:
    """``x`` sorted; numpy's sort is about 3× faster than torch's on one CPU thread."""
    if np is not None and x.dtype in (torch.float32, torch.float64):
        return torch.from_numpy(np.sort(x.numpy()))
    return torch.sort(x).values


def ks_statistic(sample: torch.Tensor, dist: Distribution) -> tuple[float, float]:
    """``(sup_x |F_n(x) − F(x)|, x where it is reached)``, exact also where ``F`` has atoms."""
    x = sample.detach().reshape(-1).cpu()
    n = x.numel()
    values, counts = torch.unique_consecutive(_sorted(x), return_counts=True)
    values = values.to(torch.float64)
    above = counts.cumsum(0).to(torch.float64) / n
    below = above - counts.to(torch.float64) / n
    at = dist.cdf(values)
    right = (above - at).abs()
    left = (below - (dist.cdf_left(values) if dist.atoms else at)).abs()
    both = torch.maximum(right, left)
    index = int(both.argmax())
    return float(both[index]), float(values[index])


def ks_test(case: Case, alpha: float) -> Verdict:
    """One-sample Kolmogorov–Smirnov test with the DKW threshold ``ε(n, α)``."""
    dist = case.dist.rounded(case.sample.dtype) if isinstance(case.dist, Mixture) else case.dist
    n = case.sample.numel()
    statistic, where = ks_statistic(case.sample, dist)
    threshold = dkw_epsilon(n, alpha)
    return Verdict(
        case.label,
        "ks",
        n,
        statistic,
        threshold,
        alpha,
        statistic <= threshold,
        dist.describe(),
        summary(case.sample),
        _wanted(dist),
        where,
    )


def atom_test(case: Case, value: float, mass: float, alpha: float) -> Verdict:
    """Fraction of values exactly equal to ``value`` against ``mass`` (Hoeffding threshold)."""
    x = _flat(case.sample)
    n = x.numel()
    atom = _round(value, case.sample.dtype)
    fraction = float((x == atom).sum()) / n
    threshold = dkw_epsilon(n, alpha)
    statistic = abs(fraction - mass)
    return Verdict(
        case.label,
        "atom",
        n,
        statistic,
        threshold,
        alpha,
        statistic < threshold,
        f"mass {_g(mass)} at {_g(value)}",
        {"fraction": fraction},
        {"fraction": mass},
        atom,
    )


def support_test(case: Case) -> Verdict:
    """Every value lies in the union of the components' closed ranges (deterministic)."""
    dist = case.dist
    assert isinstance(dist, Mixture)
    x = _flat(case.sample)
    eps = torch.finfo(case.sample.dtype).eps if case.sample.is_floating_point() else 0.0
    inside = torch.zeros_like(x, dtype=torch.bool)
    for _, low, high in dist.rounded(case.sample.dtype).components:
        slack = ULP_SLACK * eps * max(abs(low), abs(high))
        inside |= (x >= low - slack) & (x <= high + slack)
    outside = int((~inside).sum())
    ranges = " ∪ ".join(
        f"[{_g(low)}, {_g(high)}]"
        for low, high in sorted({(lo, hi) for _, lo, hi in dist.components})
    )
    return Verdict(
        case.label,
        "support",
        x.numel(),
        float(outside),
        0.0,
        0.0,
        outside == 0,
        ranges,
        summary(case.sample),
        {},
    )


def finite_test(case: Case) -> Verdict:
    """Every value is finite (deterministic); the other tests assume it."""
    x = case.sample.detach().reshape(-1).cpu()
    low, high = torch.aminmax(x)  # NaN propagates: both finite iff every value is
    bad = 0 if math.isfinite(low) and math.isfinite(high) else int((~torch.isfinite(x)).sum())
    return Verdict(case.label, "finite", x.numel(), float(bad), 0.0, 0.0, bad == 0, "finite values")


def random_tests(dist: Distribution) -> int:
    """How many random tests :func:`decide` runs on one case of ``dist`` (KS plus one per atom)."""
    return 1 + len(dist.atoms)


def decide(cases: Sequence[Case], alpha: float = ALPHA) -> list[Verdict]:
    """Every test on every case; ``alpha`` split evenly over the random tests (union bound), so the
    probability that any verdict fails for a correct sampler is at most ``alpha``.

    Per case: finiteness (deterministic; if it fails the case stops there), the support for
    mixtures (deterministic), each atom's mass, and KS against the exact CDF.
    """
    if not cases:
        return []
    per_test = alpha / sum(random_tests(c.dist) for c in cases)
    verdicts: list[Verdict] = []
    for case in cases:
        if case.sample.numel() == 0:
            raise ValueError(f"{case.label}: empty sample")
        finite = finite_test(case)
        if not finite.passed:
            verdicts.append(finite)
            continue
        if isinstance(case.dist, Mixture):
            verdicts.append(support_test(case))
            for value, mass in case.dist.atoms:
                verdicts.append(atom_test(case, value, mass, per_test))
        verdicts.append(ks_test(case, per_test))
    return verdicts


def failures(verdicts: Sequence[Verdict]) -> list[Verdict]:
    return [v for v in verdicts if not v.passed]


def per_test_alpha(dists: Sequence[Distribution], alpha: float = ALPHA) -> float:
    """The level :func:`decide` gives each random test for cases of these distributions."""
    return alpha / sum(random_tests(d) for d in dists)
