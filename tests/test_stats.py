"""grader.stats: thresholds, exact KS statistics (atoms included), and the decisions the checks make."""

from __future__ import annotations

import math

import pytest
import torch

from grader import stats


def test_dkw_epsilon_solves_the_bound() -> None:
    """Is ε(n, α) the value where the DKW bound 2·exp(−2nε²) equals α?"""
    for n in (10, 1000, 100_000):
        for alpha in (1e-3, 1e-6, 1e-9):
            eps = stats.dkw_epsilon(n, alpha)
            assert 2 * math.exp(-2 * n * eps * eps) == pytest.approx(alpha, rel=1e-9)


def test_thresholds_are_monotone() -> None:
    """Does the threshold shrink with more samples and grow with a smaller false-fail bound?"""
    sizes = [10, 100, 1000, 10_000, 100_000]
    by_n = [stats.dkw_epsilon(n, 1e-6) for n in sizes]
    assert by_n == sorted(by_n, reverse=True)
    alphas = [1e-2, 1e-4, 1e-6, 1e-8]
    by_alpha = [stats.dkw_epsilon(1000, a) for a in alphas]
    assert by_alpha == sorted(by_alpha)
    assert stats.detectable_distance(1000, 1e-6) > stats.dkw_epsilon(1000, 1e-6)


def test_bad_threshold_arguments_raise() -> None:
    """Do a non-positive n and an alpha outside (0, 1) raise ValueError?"""
    with pytest.raises(ValueError):
        stats.dkw_epsilon(0, 0.1)
    with pytest.raises(ValueError):
        stats.dkw_epsilon(10, 1.0)


def test_ks_statistic_known_values() -> None:
    """Is D exact on small hand-computed cases, including left limits?"""
    uniform = stats.Mixture.uniform(0.0, 1.0)
    assert stats.ks_statistic(torch.tensor([0.5]), uniform)[0] == pytest.approx(0.5)
    assert stats.ks_statistic(torch.tensor([0.25, 0.75]), uniform)[0] == pytest.approx(0.25)
    # All mass below the support: F_n = 1 where F = 0.
    assert stats.ks_statistic(torch.tensor([-1.0, -2.0]), uniform)[0] == pytest.approx(1.0)
    d, where = stats.ks_statistic(torch.tensor([0.9, 0.95, 0.99]), uniform)
    assert d == pytest.approx(0.9) and where == pytest.approx(0.9, abs=1e-6)


def test_ks_statistic_with_atoms() -> None:
    """Does D use the mixture's jumps: zero for a sample at the atoms' exact proportions?"""
    atoms = stats.Mixture(((0.5, 0.0, 0.0), (0.5, 1.0, 1.0)))
    assert stats.ks_statistic(torch.tensor([0.0, 1.0, 0.0, 1.0]), atoms)[0] == pytest.approx(0.0)
    assert stats.ks_statistic(torch.tensor([0.0, 0.0, 0.0, 1.0]), atoms)[0] == pytest.approx(0.25)
    mixed = stats.Mixture(((0.5, 0.0, 0.0), (0.5, 1.0, 2.0)))
    # Every value just above 0: the jump of ½ at 0 is missing.
    d, _ = stats.ks_statistic(torch.full((10,), 1e-8), mixed)
    assert d == pytest.approx(0.5)


def test_mixture_cdf_and_moments() -> None:
    """Are the mixture's CDF (right and left) and moments right for the chapter's my_init?"""
    mix = stats.Mixture(((0.25, 5.0, 10.0), (0.5, 0.0, 0.0), (0.25, -10.0, -5.0)))
    x = torch.tensor([-10.0, -7.5, 0.0, 7.5, 10.0], dtype=torch.float64)
    assert mix.cdf(x).tolist() == pytest.approx([0.0, 0.125, 0.75, 0.875, 1.0])
    assert mix.cdf_left(x).tolist() == pytest.approx([0.0, 0.125, 0.25, 0.875, 1.0])
    assert mix.expected_mean == pytest.approx(0.0)
    second = 0.5 * (25 + 50 + 100) / 3
    assert mix.expected_std == pytest.approx(math.sqrt(second))
    assert mix.atoms == [(0.0, 0.5)]


@pytest.mark.parametrize(
    "components",
    [(), ((-0.5, 0, 1), (1.5, 0, 1)), ((1.0, 2, 1),), ((1.0, 0, math.inf),), ((0.5, 0, 1),)],
)
def test_invalid_mixtures_raise(components: tuple) -> None:
    """Does Mixture refuse what mixture_uniform_ must refuse?"""
    with pytest.raises(ValueError):
        stats.Mixture(components)


def test_correct_samples_pass_and_wrong_ones_fail() -> None:
    """Does decide pass samples of the right distribution and reject a std 2× off or a bound 2× off?"""
    gen = torch.Generator().manual_seed(1)
    n = 20_000
    right = torch.randn(n, generator=gen) * 0.01
    assert not stats.failures(stats.decide([stats.Case(right, stats.Normal(0, 0.01), "w")]))
    wrong = right * 2
    failed = stats.failures(stats.decide([stats.Case(wrong, stats.Normal(0, 0.01), "w")]))
    assert [v.test for v in failed] == ["ks"]
    assert failed[0].measured["std"] == pytest.approx(0.02, rel=0.05)
    assert failed[0].wanted["std"] == 0.01
    assert "expected 0.01" in failed[0].describe()
    u = torch.rand(n, generator=gen) * 2 - 1
    ok = stats.decide([stats.Case(u, stats.Mixture.uniform(-1, 1), "u")])
    assert not stats.failures(ok)
    bad = stats.failures(stats.decide([stats.Case(u * 2, stats.Mixture.uniform(-1, 1), "u")]))
    assert {v.test for v in bad} == {"support", "ks"}


def test_exact_zeros_are_counted() -> None:
    """Does the atom test reject values merely near the atom, and accept exact ones?"""
    mix = stats.Mixture(((0.5, 0.0, 0.0), (0.5, 1.0, 2.0)))
    gen = torch.Generator().manual_seed(2)
    n = 20_000
    keep = torch.rand(n, generator=gen) < 0.5
    values = torch.where(keep, 1 + torch.rand(n, generator=gen), torch.zeros(n))
    assert not stats.failures(stats.decide([stats.Case(values, mix, "m")]))
    nudged = torch.where(values == 0, torch.full((n,), 1e-8), values)
    failed = stats.failures(stats.decide([stats.Case(nudged, mix, "m")]))
    assert "atom" in {v.test for v in failed}
    atom = next(v for v in failed if v.test == "atom")
    assert atom.measured["fraction"] == 0.0 and atom.wanted["fraction"] == 0.5


def test_atoms_are_compared_in_the_sample_dtype() -> None:
    """Is an atom at 0.1 found in a float32 sample (where 0.1 is 0.100000001…)?"""
    mix = stats.Mixture(((1.0, 0.1, 0.1),))
    sample = torch.full((1000,), 0.1, dtype=torch.float32)
    assert not stats.failures(stats.decide([stats.Case(sample, mix, "a")]))


def test_non_finite_values_fail_alone() -> None:
    """Does a NaN in the sample give one 'finite' failure rather than a meaningless KS?"""
    sample = torch.tensor([0.0, float("nan"), 0.5])
    verdicts = stats.decide([stats.Case(sample, stats.Mixture.uniform(0, 1), "x")])
    assert [(v.test, v.passed) for v in verdicts] == [("finite", False)]


def test_alpha_is_split_over_random_tests() -> None:
    """Does decide give each random test alpha / (number of KS and atom tests)?"""
    mix = stats.Mixture(((0.5, 0.0, 0.0), (0.5, 1.0, 1.0)))
    cases = [
        stats.Case(torch.zeros(10), stats.Normal(0, 1), "a"),
        stats.Case(torch.tensor([0.0, 1.0]), mix, "b"),
    ]
    verdicts = stats.decide(cases, 1e-6)
    random = [v for v in verdicts if v.test in ("ks", "atom")]
    assert len(random) == 4
    assert all(v.alpha == pytest.approx(1e-6 / 4) for v in random)
    assert stats.per_test_alpha([c.dist for c in cases]) == pytest.approx(1e-6 / 4)


def test_sup_distance_of_listed_errors() -> None:
    """Are the design's δ for a std 10% off and a bound 5% off what grader/stats.py states?"""
    assert stats.sup_distance(stats.Normal(0, 1), stats.Normal(0, 1.1)) == pytest.approx(
        0.0230, abs=2e-4
    )
    assert stats.sup_distance(
        stats.Mixture.uniform(-1, 1), stats.Mixture.uniform(-1.05, 1.05)
    ) == pytest.approx(0.0238, abs=2e-4)
    # The designed n catches them: δ ≥ δ_min at the per-test level of the biggest union bound.
    assert stats.detectable_distance(100_000, 1e-6 / 16) < 0.0230
