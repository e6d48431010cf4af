"""Checks for the ``initialization`` section: PyTorch's ``nn.init`` is the oracle.

Random initialisers are checked for the *same distribution* as PyTorch's, with the tests of
``grader.stats``: each statistical check makes one probe call that returns every sample, builds the
exact distribution ``nn.init`` specifies (fans from ``nn.init._calculate_fan_in_and_fan_out``, gains
from ``nn.init.calculate_gain``) and calls ``stats.decide``. The designed cases (``DESIGNS``) fix
the sample sizes the power analysis in ``grader/stats.py`` relies on; hypothesis adds smaller drawn
cases (other shapes, gains, dtypes, mixtures) to the same union bound. Each statistical check runs
one hypothesis example, so its false-fail probability is at most ``stats.ALPHA`` = 1e-6.
``bench/bench_statistics.py`` reruns the same decisions over 1000 seeds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from grader import specs, stats
from grader import strategies as gs
from grader.compare import Expect
from grader.errors import describe
from grader.marker import check
from grader.submission import Submission

EXAMPLES = 1
"""Hypothesis examples per statistical check; each gets ``stats.ALPHA / EXAMPLES``."""
ALPHA = stats.ALPHA / EXAMPLES

NORMAL_STD = 0.01
ZOO_SEED = 20241204
"""The seed the parent builds the zoo of modules under (its starting values go to the child)."""
MY_INIT = stats.Mixture(((0.25, 5.0, 10.0), (0.5, 0.0, 0.0), (0.25, -10.0, -5.0)))
NONLINEARITIES = ("linear", "conv2d", "sigmoid", "tanh", "relu", "leaky_relu", "selu")


@dataclass(frozen=True)
class Designs:
    """The fixed, large cases of each statistical check (what the power analysis is about)."""

    normal_layer: tuple[int, int] = (400, 250)
    """Linear(in=400, out=250): 100 000 weights, for init_normal and my_init."""
    xavier_layer: tuple[int, int] = (100, 1000)
    """Linear(in=100, out=1000): fans 100 and 1000, so "fan-in only" bounds are far off."""
    xavier_shapes: tuple[tuple[int, ...], ...] = ((1000, 100), (128, 32, 5, 5))
    """Default gain on a (fan_out=1000, fan_in=100) matrix; a drawn gain ≠ 1 on a conv weight with
    fans 800 and 3200 (ignoring the 5×5 receptive field gives a bound 5× too large)."""
    xavier_gains: tuple[float, ...] = (0.5, 5 / 3, 2.0, 3.0)
    kaiming_shapes: tuple[tuple[int, ...], ...] = ((100, 1000), (1000, 100), (128, 32, 5, 5))
    """Defaults (fan_in 1000 vs fan_out 100: swapped fans give a std √10 off); mode="fan_out" with
    leaky_relu and a ≥ 1 (ignoring a gives a std ≥ √2 off); a drawn nonlinearity on a conv weight."""
    kaiming_slopes: tuple[float, ...] = (1.0, 2.0, 3.0, 5.0)
    mixtures: tuple[tuple[tuple[float, float, float], ...], ...] = (
        ((0.5, 0.0, 0.0), (0.3, 1.0, 3.0), (0.2, -4.0, -2.0)),
        ((1.0, -2.0, 3.0),),
    )
    """An atom of mass ½ beside two disjoint uniforms of unequal weight (equal weights give the atom
    ⅓); a single uniform (a bound 5% off moves its CDF by 0.024)."""
    mixture_shape: tuple[int, int] = (250, 400)
    drawn_mixture_shape: tuple[int, int] = (100, 200)


DESIGNS = Designs()

# Small fixed cases every grade sees (hypothesis's single derandomized example is close to minimal):
# every nonlinearity and mode, gains, 3-D and 5-D shapes, float64. They share the union bound and
# catch gross errors: with 2 048 to 4 608 values each, δ_min ≤ 0.11, and a std or bound off by a
# factor 2 moves the CDF by 0.16 (normal) or 0.25 (uniform).
XAVIER_COVERAGE: tuple[tuple[tuple[int, ...], float, str], ...] = (
    ((64, 32), 0.5, "float32"),
    ((32, 16, 8), 5 / 3, "float64"),
    ((8, 6, 4, 4, 4), 2.0, "float32"),
    ((48, 48), 1.0, "float64"),
)
KAIMING_COVERAGE: tuple[tuple[tuple[int, ...], dict[str, Any], str], ...] = tuple(
    (
        (64, 32) if i % 2 == 0 else (32, 16, 3, 3),
        {
            "a": 0.5 if nl == "leaky_relu" else 0,
            "mode": "fan_out" if i % 2 else "fan_in",
            "nonlinearity": nl,
        },
        "float64" if i % 3 == 0 else "float32",
    )
    for i, nl in enumerate(NONLINEARITIES)
)
MIXTURE_COVERAGE: tuple[tuple[tuple[tuple[float, float, float], ...], str], ...] = (
    (((0.25, 0.1, 0.1), (0.25, -1.0, 1.0), (0.5, 0.5, 0.75)), "float32"),
    (((0.2, 0.0, 0.0), (0.3, 0.0, 0.0), (0.5, -3.0, 3.0)), "float64"),
    (((0.0, 5.0, 5.0), (1.0, 0.0, 1.0)), "float32"),
)
"""An atom at 0.1 (not a float32) inside another component's range; two components on one atom;
an atom of weight 0 (never drawn)."""
INVALID_MIXTURES: tuple[tuple[str, list[tuple[float, float, float]]], ...] = (
    ("empty", []),
    ("negative weight", [(-0.5, 0.0, 1.0), (1.5, 2.0, 3.0)]),
    ("nan weight", [(math.nan, 0.0, 1.0)]),
    ("infinite weight", [(math.inf, 0.0, 1.0), (1.0, 0.0, 1.0)]),
    ("low > high", [(1.0, 2.0, 1.0)]),
    ("infinite bound", [(0.5, 0.0, math.inf), (0.5, 0.0, 1.0)]),
    ("nan bound", [(1.0, math.nan, 1.0)]),
    ("weights summing to 0.9", [(0.5, 0.0, 1.0), (0.4, 2.0, 2.0)]),
    ("weights summing to 1 + 1e-5", [(0.5 + 1e-5, 0.0, 1.0), (0.5, 2.0, 2.0)]),
)


# -- helpers -------------------------------------------------------------------------------------


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) as PyTorch computes them."""
    return nn.init._calculate_fan_in_and_fan_out(torch.empty(shape, device="meta"))


def xavier_bound(shape: tuple[int, ...], gain: float = 1.0) -> float:
    fan_in, fan_out = fans(shape)
    return gain * math.sqrt(6.0 / (fan_in + fan_out))


def kaiming_std(shape: tuple[int, ...], a: float, mode: str, nonlinearity: str) -> float:
    fan_in, fan_out = fans(shape)
    fan = fan_in if mode == "fan_in" else fan_out
    return nn.init.calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_args(kwargs: dict[str, Any]) -> tuple[float, str, str]:
    return (
        kwargs.get("a", 0),
        kwargs.get("mode", "fan_in"),
        kwargs.get("nonlinearity", "leaky_relu"),
    )


def expect_verdicts(expect: Expect, verdicts: list[stats.Verdict], hint: str) -> None:
    """A failed verdict becomes a difference that says what was measured against what."""
    for verdict in stats.failures(verdicts):
        expect.add(
            verdict.label, "values", verdict.expected, "", detail=verdict.problem(), hint=hint
        )


def expect_biases_untouched(
    expect: Expect, got: dict[str, Any], layers: list[tuple[int, int]]
) -> None:
    """Each layer's bias exactly as it was before the initialiser ran."""
    for b, before, layer in zip(got["biases"], got["biases_before"], layers):
        expect.close(
            f"bias of {linear_name(*layer)}",
            before,
            b,
            rtol=0,
            atol=0,
            hint="leave the bias untouched",
        )


def linear_name(n_in: int, n_out: int) -> str:
    return f"Linear({n_in}, {n_out})"


def shape_text(shape: tuple[int, ...] | list[int]) -> str:
    return f"tensor of shape {tuple(shape)}"


# -- strategies (this section only) ---------------------------------------------------------------


def small_layers() -> st.SearchStrategy[list[tuple[int, int]]]:
    """One or two small Linear layers (in, out), 1 to 40 wide."""
    return st.lists(st.tuples(st.integers(1, 40), st.integers(1, 40)), min_size=1, max_size=2)


@st.composite
def small_shapes(draw: Any, max_numel: int = 4096) -> tuple[int, ...]:
    """Shapes of 2 to 5 dimensions (linear and conv weights), at most ``max_numel`` elements."""
    ndim = draw(st.integers(2, 5))
    shape: list[int] = []
    room = max_numel
    for _ in range(ndim):
        size = draw(st.integers(1, max(1, min(24, room))))
        shape.append(size)
        room //= size
    return tuple(shape)


def dtype_names() -> st.SearchStrategy[str]:
    return st.sampled_from(["float32", "float64"])


@st.composite
def invalid_mixtures(draw: Any) -> tuple[str, list[tuple[float, float, float]]]:
    """(what is wrong, a mixture that must raise ValueError), from a valid one broken one way."""
    components = [list(c) for c in draw(gs.mixtures())]
    i = draw(st.integers(0, len(components) - 1))
    kind = draw(
        st.sampled_from(
            [
                "empty",
                "negative",
                "nan weight",
                "inf weight",
                "low > high",
                "inf bound",
                "nan bound",
                "sum too small",
                "sum too large",
            ]
        )
    )
    if kind == "empty":
        return kind, []
    if kind == "negative":
        components[i][0] = -components[i][0]
        components.append([2 * abs(components[i][0]), 0.0, 1.0])
    elif kind == "nan weight":
        components[i][0] = math.nan
    elif kind == "inf weight":
        components[i][0] = math.inf
    elif kind == "low > high":
        components[i][1], components[i][2] = components[i][2] + 1, components[i][1]
    elif kind == "inf bound":
        components[i][2] = math.inf
    elif kind == "nan bound":
        components[i][1] = math.nan
    elif kind == "sum too small":
        components[i][0] -= draw(st.sampled_from([1e-5, 0.01, 0.03]))  # every weight is ≥ 1/32
    else:
        components[i][0] += draw(st.sampled_from([1e-5, 0.01, 0.5]))
    return kind, [tuple(c) for c in components]  # type: ignore[misc]


# -- init_* through net.apply -------------------------------------------------------------------


def _apply_linears(
    submission: Submission, what: str, layers: list[tuple[int, int]], seed: int, value: Any = None
) -> dict[str, Any]:
    """``net.apply(what)`` on Linear layers whose biases start from values drawn here
    (``biases_before``: the parent's own, never a snapshot the child took). The weights and biases
    that come back must be the tensors asked for, of the layers' shapes and dtype: a sample a
    statistical test counts is never smaller than the tensor it was drawn for."""
    biases = [
        gs.make_tensor((n_out,), seed + index, scale=1 / math.sqrt(n_in))
        for index, (n_in, n_out) in enumerate(layers)
    ]
    got = submission.call(
        "initialization.apply_linears",
        what=what,
        item=what,
        seed=seed,
        layers=[list(layer) for layer in layers],
        biases=biases,
        value=value,
    )
    expect = Expect(f"net.apply({what})")
    for kind, tensors, shape_of in (
        ("weight", got["weights"], lambda n_in, n_out: (n_out, n_in)),
        ("bias", got["biases"], lambda n_in, n_out: (n_out,)),
    ):
        expect.equal(f"{kind}s", len(layers), len(tensors), attribute="count")
        for tensor, layer in zip(tensors, layers):
            _expect_the_tensor_asked_for(
                expect, f"{kind} of {linear_name(*layer)}", tensor, shape_of(*layer), "float32"
            )
    expect.verify()
    return {**got, "biases_before": biases}


def _expect_the_tensor_asked_for(
    expect: Expect, path: str, tensor: torch.Tensor, shape: tuple[int, ...], dtype: str
) -> None:
    """The sample is the tensor the grader asked for: same shape (so the same element count) and
    dtype. Shrinking or replacing it would let a statistical test count fewer values."""
    hint = f"fill the {shape_text(shape)} in place: keep its shape and dtype"
    expect.equal(path, shape, tuple(tensor.shape), attribute="shape", hint=hint)
    expect.equal(
        path, dtype, str(tensor.dtype).removeprefix("torch."), attribute="dtype", hint=hint
    )


def _check_zoo(
    submission: Submission,
    what: str,
    *,
    bias: str,
    value: float | None = None,
    constant: float | None = None,
) -> None:
    """net.apply(fn) on a zoo of modules: every module that is not exactly nn.Linear keeps its
    parameters; exact Linears (a materialised LazyLinear is one) get a new weight (= value for the
    constant initialisers) and a bias that is zero (``bias="zero"``) or untouched; an
    uninitialised LazyLinear stays uninitialised. ``value`` is passed to the initialiser;
    ``constant`` (default: ``value``) is the weight expected."""
    constant = value if constant is None else constant
    # The zoo and every value it starts from are the parent's own: built here under a fixed seed.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(ZOO_SEED)
        net, lazy = specs.init_zoo()
    entries = specs.zoo_entries(net, lazy)
    starts = [[getattr(m, n).detach().clone() for n in names] for _, m, names in entries]
    got = submission.call(
        "initialization.apply_zoo", what=what, item=what, values=starts, value=value
    )
    call = what if value is None else f"{what}(m, value={value!r})"
    expect = Expect(f"net.apply({call})")
    only_linear = (
        "test type(m) == nn.Linear (exact type: subclasses, convolutions, LazyLinear before its "
        "first call are not Linear layers)"
    )
    expect.equal("modules with parameters", len(entries), len(got["after"]), attribute="count")
    expect.verify()
    for (where, module, names), befores, afters in zip(entries, starts, got["after"]):
        exact_linear = type(module) is nn.Linear
        expect.equal(f"{where} parameters", len(names), len(afters), attribute="count")
        for name, before, after in zip(names, befores, afters):
            path = f"{where} ({type(module).__name__}).{name}"
            if after is not None and tuple(after.shape) != tuple(before.shape):
                expect.add(path, "shape", str(tuple(before.shape)), str(tuple(after.shape)))
                continue
            if not exact_linear:
                expect.close(path, before, after, rtol=0, atol=0, hint=only_linear)
            elif name == "bias":
                if bias == "zero":
                    expect.close(
                        path,
                        torch.zeros_like(before),
                        after,
                        rtol=0,
                        atol=0,
                        hint="set the bias to zero: nn.init.zeros_(m.bias)",
                    )
                else:
                    expect.close(
                        path,
                        before,
                        after,
                        rtol=0,
                        atol=0,
                        hint="leave the bias as it is: initialise the weight only",
                    )
            elif constant is not None:
                expect.close(
                    path,
                    torch.full_like(before, constant),
                    after,
                    rtol=0,
                    atol=0,
                    hint=f"set m.weight to {constant:g} (nn.init.constant_)",
                )
            elif isinstance(after, torch.Tensor) and torch.equal(before, after):
                expect.add(
                    path,
                    "values",
                    "a new random weight",
                    "the weight unchanged",
                    hint="initialise m.weight of every exact nn.Linear, including a "
                    "LazyLinear that has already seen an input (it is then an nn.Linear)",
                )
    expect.true(
        "a LazyLinear that has not seen an input",
        bool(got["lazy_still_uninitialised"]),
        attribute="initialisation",
        expected="left uninitialised",
        got="changed",
        hint=only_linear,
    )
    expect.verify()


@check("initialization.init_normal", points=2, visibility="public")
@settings(max_examples=EXAMPLES)
@given(extra=small_layers(), seed=gs.seeds())
def test_init_normal_draws_from_normal_with_std_001(
    submission: Submission, extra: list[tuple[int, int]], seed: int
) -> None:
    """init_normal gives every Linear weight N(0, 0.01²) (KS test, n = 100 000) and a zero bias.
    Catches: the variance 0.01² (or 0.01 as variance) passed as the std; nn.init.normal_ with its default std 1.
    False-fail ≤ 1e-6; catches a std 10% off w.p. ≥ 0.999 (see grader/stats.py)."""
    layers = [DESIGNS.normal_layer, *extra]
    with describe(
        f"net.apply(init_normal) on {', '.join(linear_name(*layer) for layer in layers)}"
    ):
        got = _apply_linears(submission, "init_normal", layers, seed)
        dist = stats.Normal(0.0, NORMAL_STD)
        cases = [
            stats.Case(w, dist, f"weights of {linear_name(*layer)}")
            for w, layer in zip(got["weights"], layers)
        ]
        expect = Expect("init_normal")
        expect_verdicts(
            expect,
            stats.decide(cases, ALPHA),
            "nn.init.normal_(m.weight, mean=0, std=0.01): std is the standard "
            "deviation, not the variance",
        )
        for b, layer in zip(got["biases"], layers):
            expect.close(
                f"bias of {linear_name(*layer)}",
                torch.zeros_like(b),
                b,
                rtol=0,
                atol=0,
                hint="set the bias to zero: nn.init.zeros_(m.bias)",
            )
        expect.verify()


@check("initialization.init_normal", points=1, visibility="public")
@settings(max_examples=1)
@given(seed=gs.seeds())
def test_init_normal_touches_only_linear_layers(submission: Submission, seed: int) -> None:
    """net.apply(init_normal) changes exact nn.Linear modules only (a materialised LazyLinear too).
    Catches: isinstance(m, nn.Linear), which also hits subclasses and uninitialised LazyLinear."""
    with describe(
        "net.apply(init_normal) on Linear, Conv2d, Bilinear, a Linear subclass, "
        "BatchNorm1d and LazyLinears"
    ):
        _check_zoo(submission, "init_normal", bias="zero")


@check("initialization.init_constant", points=1, visibility="public")
@settings(max_examples=6)
@given(
    value=st.one_of(st.none(), st.floats(-100, 100, allow_nan=False, width=32)),
    layers=small_layers(),
)
def test_init_constant_sets_value_and_zero_bias(
    submission: Submission, value: float | None, layers: list[tuple[int, int]]
) -> None:
    """init_constant(m, value) sets every Linear weight to value (1.0 by default) and the bias to 0.
    Catches: a value that is ignored or a wrong default; the bias set to value too."""
    call = "init_constant" if value is None else f"init_constant(m, value={value!r})"
    with describe(f"net.apply({call}) on {', '.join(linear_name(*layer) for layer in layers)}"):
        got = _apply_linears(submission, "init_constant", layers, 0, value=value)
        expected_value = 1.0 if value is None else value
        expect = Expect(call)
        for w, b, layer in zip(got["weights"], got["biases"], layers):
            expect.close(
                f"weight of {linear_name(*layer)}",
                torch.full_like(w, expected_value),
                w,
                rtol=0,
                atol=0,
                hint="nn.init.constant_(m.weight, value); the default value is 1.0",
            )
            expect.close(
                f"bias of {linear_name(*layer)}",
                torch.zeros_like(b),
                b,
                rtol=0,
                atol=0,
                hint="set the bias to zero, not to value",
            )
        expect.verify()


@check("initialization.init_constant", points=1, visibility="public")
@settings(max_examples=1)
@given(value=st.sampled_from([-3.5, 2.0]))
def test_init_constant_touches_only_linear_layers(submission: Submission, value: float) -> None:
    """net.apply(init_constant) changes exact nn.Linear modules only.
    Catches: isinstance(m, nn.Linear), or a test for any module with a weight."""
    with describe(f"net.apply(init_constant(m, value={value})) on a zoo of modules"):
        _check_zoo(submission, "init_constant", bias="zero", value=value)


@check("initialization.init_xavier", points=2, visibility="public")
@settings(max_examples=EXAMPLES)
@given(extra=small_layers(), seed=gs.seeds())
def test_init_xavier_matches_xavier_uniform(
    submission: Submission, extra: list[tuple[int, int]], seed: int
) -> None:
    """init_xavier gives Linear weights nn.init.xavier_uniform_'s U(−b, b) (support and KS, n = 100 000); bias untouched.
    Catches: a bound from fan_in only; xavier_normal_ (right std, wrong shape); the bias initialised too.
    False-fail ≤ 1e-6; catches a bound 5% off w.p. ≥ 0.999 (see grader/stats.py)."""
    layers = [DESIGNS.xavier_layer, *extra]
    with describe(
        f"net.apply(init_xavier) on {', '.join(linear_name(*layer) for layer in layers)}"
    ):
        got = _apply_linears(submission, "init_xavier", layers, seed)
        cases = []
        for w, (n_in, n_out) in zip(got["weights"], layers):
            bound = xavier_bound((n_out, n_in))
            cases.append(
                stats.Case(
                    w,
                    stats.Mixture.uniform(-bound, bound),
                    f"weights of {linear_name(n_in, n_out)}",
                )
            )
        expect = Expect("init_xavier")
        expect_verdicts(
            expect,
            stats.decide(cases, ALPHA),
            "nn.init.xavier_uniform_(m.weight): U(−b, b), b = √(6/(fan_in+fan_out))",
        )
        expect_biases_untouched(expect, got, layers)
        expect.verify()


@check("initialization.init_xavier", points=1, visibility="hidden")
@settings(max_examples=1)
@given(seed=gs.seeds())
def test_init_xavier_touches_only_linear_weights(submission: Submission, seed: int) -> None:
    """net.apply(init_xavier) changes the weight of exact nn.Linear modules only, never a bias.
    Catches: isinstance(m, nn.Linear); initialising every parameter with xavier_uniform_."""
    with describe("net.apply(init_xavier) on a zoo of modules"):
        _check_zoo(submission, "init_xavier", bias="untouched")


@check("initialization.init_42", points=1, visibility="public")
@settings(max_examples=3)
@given(layers=small_layers())
def test_init_42_sets_weight_to_42(submission: Submission, layers: list[tuple[int, int]]) -> None:
    """init_42 sets every Linear weight to exactly 42 and leaves the bias untouched.
    Catches: the bias set to 42 (or zeroed) too."""
    with describe(f"net.apply(init_42) on {', '.join(linear_name(*layer) for layer in layers)}"):
        got = _apply_linears(submission, "init_42", layers, 0)
        expect = Expect("init_42")
        for w, b, before, layer in zip(got["weights"], got["biases"], got["biases_before"], layers):
            expect.close(
                f"weight of {linear_name(*layer)}",
                torch.full_like(w, 42.0),
                w,
                rtol=0,
                atol=0,
                hint="nn.init.constant_(m.weight, 42)",
            )
            expect.close(
                f"bias of {linear_name(*layer)}",
                before,
                b,
                rtol=0,
                atol=0,
                hint="leave the bias untouched",
            )
        expect.verify()


@check("initialization.init_42", points=1, visibility="public")
@settings(max_examples=1)
@given(seed=gs.seeds())
def test_init_42_touches_only_linear_weights(submission: Submission, seed: int) -> None:
    """net.apply(init_42) changes the weight of exact nn.Linear modules only.
    Catches: every module with a weight set to 42 (convolutions, BatchNorm, subclasses)."""
    with describe("net.apply(init_42) on a zoo of modules"):
        _check_zoo(submission, "init_42", bias="untouched", constant=42.0)


@check("initialization.my_init", points=2, visibility="public")
@settings(max_examples=EXAMPLES)
@given(extra=small_layers(), seed=gs.seeds())
def test_my_init_has_exact_zeros_and_both_uniform_parts(
    submission: Submission, extra: list[tuple[int, int]], seed: int
) -> None:
    """my_init's weights: exactly 0 w.p. ½ (count), U(5, 10) and U(−10, −5) w.p. ¼ each (support, KS); bias untouched.
    Catches: small values instead of exact zeros; U(−10, 10) without the mask; a mask at another threshold.
    False-fail ≤ 1e-6; catches an atom mass 0.05 off w.p. ≥ 0.999 (see grader/stats.py)."""
    layers = [DESIGNS.normal_layer, *extra]
    with describe(f"net.apply(my_init) on {', '.join(linear_name(*layer) for layer in layers)}"):
        got = _apply_linears(submission, "my_init", layers, seed)
        cases = [
            stats.Case(w, MY_INIT, f"weights of {linear_name(*layer)}")
            for w, layer in zip(got["weights"], layers)
        ]
        expect = Expect("my_init")
        expect_verdicts(
            expect,
            stats.decide(cases, ALPHA),
            "draw U(−10, 10), then multiply by the mask (|w| >= 5) so that the "
            "other half become exact zeros",
        )
        expect_biases_untouched(expect, got, layers)
        expect.verify()


@check("initialization.my_init", points=1, visibility="hidden")
@settings(max_examples=1)
@given(seed=gs.seeds())
def test_my_init_touches_only_linear_weights(submission: Submission, seed: int) -> None:
    """net.apply(my_init) changes the weight of exact nn.Linear modules only.
    Catches: isinstance(m, nn.Linear); the bias drawn from the same distribution."""
    with describe("net.apply(my_init) on a zoo of modules"):
        _check_zoo(submission, "my_init", bias="untouched")


# -- by-hand initialisers -----------------------------------------------------------------------


def _fill(
    submission: Submission,
    what: str,
    cases: list[dict[str, Any]],
    seed: int,
    *,
    samples: bool = True,
) -> list[dict]:
    """One call of the by-hand initialiser per case. With ``samples`` (the statistical checks),
    every reply must be the tensor asked for, filled in place: the same object and memory, its
    shape and dtype, so a test never counts fewer values than it drew for."""
    replies = submission.call("initialization.fill", what=what, item=what, seed=seed, cases=cases)
    if samples:
        expect = Expect(what)
        expect.equal("replies", len(cases), len(replies), attribute="count")
        for case, got in zip(cases, replies):
            path = _call_text(what, case)
            _expect_the_tensor_asked_for(
                expect, path, got["values"], tuple(case["shape"]), case["dtype"]
            )
            _expect_same_tensor(expect, path, got)
        expect.verify()
    return replies


def _expect_same_tensor(expect: Expect, path: str, got: dict[str, Any]) -> None:
    """The call filled ``t`` itself (the contract: in place), in its own memory, and returned it."""
    if not _filled(expect, path, got["values"]):
        return
    expect.returned(path, bool(got["returned_same_object"]), what="t", hint=RETURN_T)
    expect.true(
        path,
        bool(got["same_storage"]),
        attribute="storage",
        expected="t's own memory",
        got="new memory (t.data replaced)",
        hint="work in place on t: t.uniform_(…), t.normal_(…) or t.copy_(…), not t.data = …",
    )


def _case(
    shape: tuple[int, ...],
    kwargs: dict[str, Any],
    dtype: str = "float32",
    requires_grad: bool = False,
) -> dict[str, Any]:
    return {"shape": list(shape), "dtype": dtype, "kwargs": kwargs, "requires_grad": requires_grad}


def _call_text(what: str, case: dict[str, Any]) -> str:
    args = "".join(f", {k}={v!r}" for k, v in case["kwargs"].items())
    extra = f" {case['dtype']}" + (", requires_grad=True" if case["requires_grad"] else "")
    return f"{what}({shape_text(case['shape'])}{extra}{args})"


def _expect_in_place(
    expect: Expect, what: str, case: dict[str, Any], got: dict[str, Any], device: str
) -> None:
    """The call filled ``t`` itself, returned it, kept shape/dtype/device and recorded no history."""
    path = _call_text(what, case)
    expect.equal(
        path,
        tuple(case["shape"]),
        tuple(got["values"].shape),
        attribute="shape",
        hint="fill t itself: keep its shape",
    )
    values = got["values"]
    if not _filled(expect, path, values):
        return
    expect.returned(path, bool(got["returned_same_object"]), what="t", hint=RETURN_T)
    expect.true(
        path,
        bool(got["same_storage"]),
        attribute="storage",
        expected="t's own memory",
        got="new memory (t.data replaced)",
        hint="work in place on t: t.uniform_(…), t.normal_(…) or t.copy_(…), not t.data = …",
    )
    expect.equal(path, case["dtype"], got["dtype"], attribute="dtype")
    expect.equal(path, torch.device(device).type, got["device"], attribute="device")
    expect.true(
        path,
        not got["has_grad_fn"],
        attribute="autograd history",
        expected="none (grad_fn is None)",
        got="a grad_fn",
        hint="fill t under torch.no_grad()",
    )
    expect.equal(
        path,
        case["requires_grad"],
        got["requires_grad"],
        attribute="requires_grad",
        hint="leave requires_grad as it was",
    )
    expect.true(
        path,
        bool(torch.isfinite(values).all()),
        attribute="values",
        expected="every element filled",
        got="elements left unfilled (NaN)",
        hint="fill every element of t in place",
    )


RETURN_T = "return t itself after filling it (return t)"
IN_PLACE = (
    "fill t itself: t.uniform_(…), t.normal_(…) or t.copy_(…) under torch.no_grad(); a new "
    "tensor (torch.rand(…), t * 2, …) leaves t as it was"
)


def _filled(expect: Expect, path: str, values: torch.Tensor) -> bool:
    """Whether the call changed t at all (the probe hands over a tensor of NaN); records "not
    filled in place" if it did not."""
    return expect.in_place(path, not bool(torch.isnan(values).all()), hint=IN_PLACE)


def _filled_cases(
    expect: Expect, what: str, cases: list[dict[str, Any]], replies: list[dict[str, Any]]
) -> list[bool]:
    """For each case, whether t was filled in place (if not, the difference is recorded and the
    case is left out of the statistics: a NaN tensor says nothing about a distribution)."""
    return [_filled(expect, _call_text(what, c), got["values"]) for c, got in zip(cases, replies)]


def _expect_raises(
    expect: Expect,
    labels: list[str],
    got: list[tuple[bool, str, str, str]],
    hint: str,
    must_raise: list[bool] | None = None,
) -> None:
    must_raise = must_raise or [True] * len(labels)
    for label, (is_value_error, name, message, trace), wanted in zip(labels, got, must_raise):
        if wanted:
            expect.raised(
                label,
                is_value_error,
                expected="ValueError",
                got=name or "no exception",
                message=message,
                trace=trace,
                hint=hint,
            )
        elif name:
            expect.raised(
                label,
                False,
                expected="no exception (a valid call)",
                got=name,
                message=message,
                trace=trace,
                hint="accept weights that sum to 1 within 1e-6",
            )


def _by_hand_property_cases(base: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        _case((6, 4), base),
        _case((5, 3, 3, 3), base, "float64"),
        _case((4, 2, 5), base, requires_grad=True),
        _case((3, 7), base, "float64", requires_grad=True),
    ]


def _property_check(submission: Submission, what: str, kwargs: dict[str, Any]) -> None:
    cases = _by_hand_property_cases(kwargs)
    with describe(f"{what} on float32 and float64 tensors, 2-D to 4-D, leaves that require grad"):
        replies = _fill(submission, what, cases, 0, samples=False)
        expect = Expect(what)
        for case, got in zip(cases, replies):
            _expect_in_place(expect, what, case, got, submission.device)
        expect.verify()


def _by_hand_check(submission: Submission, what: str, kwargs: list[dict[str, Any]]) -> None:
    cases = [{"shape": [6, 4], "kwargs": kwargs[0]}, {"shape": [5, 3, 3, 3], "kwargs": kwargs[-1]}]
    with describe(f"{what} on tensors of shape (6, 4) and (5, 3, 3, 3)"):
        used = submission.call("initialization.by_hand", what=what, item=what, cases=cases)
        expect = Expect(what)
        expect.true(
            what,
            not used,
            attribute="written by hand",
            expected="the bound computed and the tensor filled by your own code",
            got=f"{', '.join(used)} called",
            hint="compute fan_in and fan_out from t.shape yourself and fill t with t.{}(…) under "
            "torch.no_grad(); nn.init.calculate_gain is allowed".format(
                "uniform_" if what == "xavier_uniform_" else "normal_"
            ),
        )
        expect.verify()


# -- xavier_uniform_ -------------------------------------------------------------------------------


@check("initialization.xavier_uniform_", points=2, visibility="public")
@settings(max_examples=EXAMPLES)
@given(
    gain=st.sampled_from(DESIGNS.xavier_gains),
    extra=st.lists(st.tuples(small_shapes(), st.floats(0.25, 4.0), dtype_names()), max_size=2),
    seed=gs.seeds(),
)
def test_xavier_uniform_matches_pytorch_distribution(
    submission: Submission, gain: float, extra: list[tuple[tuple[int, ...], float, str]], seed: int
) -> None:
    """xavier_uniform_ draws from nn.init.xavier_uniform_'s U(−b, b), b = gain·√(6/(fan_in+fan_out)), for matrices and conv weights (support and KS).
    Catches: fans without the receptive field; a bound from fan_in only; the gain ignored; normal instead of uniform.
    False-fail ≤ 1e-6; catches a bound 5% off w.p. ≥ 0.999 (n = 100 000 and 102 400)."""
    matrix, conv = DESIGNS.xavier_shapes
    cases = [_case(matrix, {}), _case(conv, {"gain": gain})]
    cases += [_case(shape, {"gain": g}, dtype) for shape, g, dtype in XAVIER_COVERAGE]
    cases += [_case(shape, {"gain": g}, dtype) for shape, g, dtype in extra]
    with describe(
        f"xavier_uniform_ on {len(cases)} tensors, shapes "
        f"{', '.join(str(tuple(c['shape'])) for c in cases)}"
    ):
        replies = _fill(submission, "xavier_uniform_", cases, seed)
        expect = Expect("xavier_uniform_")
        filled = _filled_cases(expect, "xavier_uniform_", cases, replies)
        samples = []
        for case, got, ok in zip(cases, replies, filled):
            if not ok:
                continue
            shape = tuple(case["shape"])
            bound = xavier_bound(shape, case["kwargs"].get("gain", 1.0))
            samples.append(
                stats.Case(
                    got["values"],
                    stats.Mixture.uniform(-bound, bound),
                    _call_text("xavier_uniform_", case),
                )
            )
        expect_verdicts(
            expect,
            stats.decide(samples, ALPHA),
            "fan_in = size(1)·receptive field, fan_out = size(0)·receptive field "
            "(receptive field = product of the sizes after the first two); "
            "bound = gain·√(6/(fan_in+fan_out)); draw U(−bound, bound)",
        )
        expect.verify()


@check("initialization.xavier_uniform_", points=1, visibility="public")
@settings(max_examples=1)
@given(gain=st.just(1.5))
def test_xavier_uniform_works_in_place(submission: Submission, gain: float) -> None:
    """xavier_uniform_ fills t itself and returns it, keeps dtype and device, records no autograd history.
    Catches: returning a new tensor; filling t outside torch.no_grad() (fails on a leaf that requires grad)."""
    _property_check(submission, "xavier_uniform_", {"gain": gain})


@check("initialization.xavier_uniform_", points=1, visibility="public")
@settings(max_examples=1)
@given(gain=st.just(2.0))
def test_xavier_uniform_is_written_by_hand(submission: Submission, gain: float) -> None:
    """xavier_uniform_ computes its bound itself: it calls none of nn.init's xavier_* or kaiming_* initialisers.
    Catches: xavier_uniform_ that only calls nn.init.xavier_uniform_ (the exercise says by hand)."""
    _by_hand_check(submission, "xavier_uniform_", [{}, {"gain": gain}])


@check("initialization.xavier_uniform_", points=1, visibility="public")
@settings(max_examples=1)
@given(size=st.integers(1, 8))
def test_xavier_uniform_rejects_fewer_than_two_dimensions(
    submission: Submission, size: int
) -> None:
    """xavier_uniform_ raises ValueError for 0-D and 1-D tensors, as nn.init.xavier_uniform_ does.
    Catches: no check on t.dim() (an IndexError or a silent fill instead)."""
    shapes = [(), (size,)]
    with describe(f"xavier_uniform_ on tensors of shape {shapes}"):
        got = submission.call(
            "initialization.raises",
            what="xavier_uniform_",
            item="xavier_uniform_",
            valid={"shape": [3, 4], "kwargs": {}},
            cases=[{"shape": list(s), "kwargs": {}} for s in shapes],
        )
        expect = Expect("xavier_uniform_")
        _expect_raises(
            expect, [shape_text(s) for s in shapes], got, "raise ValueError when t.dim() < 2"
        )
        expect.verify()


# -- kaiming_normal_ -------------------------------------------------------------------------------


@check("initialization.kaiming_normal_", points=2, visibility="public")
@settings(max_examples=EXAMPLES)
@given(
    slope=st.sampled_from(DESIGNS.kaiming_slopes),
    nonlinearity=st.sampled_from(NONLINEARITIES),
    extra=st.lists(
        st.tuples(
            small_shapes(),
            st.floats(0, 3),
            st.sampled_from(["fan_in", "fan_out"]),
            st.sampled_from(NONLINEARITIES),
            dtype_names(),
        ),
        max_size=2,
    ),
    seed=gs.seeds(),
)
def test_kaiming_normal_matches_pytorch_distribution(
    submission: Submission, slope: float, nonlinearity: str, extra: list[Any], seed: int
) -> None:
    """kaiming_normal_ draws from nn.init.kaiming_normal_'s N(0, (gain/√fan)²) for every mode and nonlinearity (KS).
    Catches: fan_in and fan_out swapped; the leaky-ReLU slope a ignored; the std passed as a variance.
    False-fail ≤ 1e-6; catches a std 10% off w.p. ≥ 0.999 (n = 100 000 and 102 400)."""
    default, fan_out, conv = DESIGNS.kaiming_shapes
    cases = [
        _case(default, {}),
        _case(fan_out, {"a": slope, "mode": "fan_out", "nonlinearity": "leaky_relu"}),
        _case(conv, {"nonlinearity": nonlinearity}),
    ]
    cases += [_case(shape, kwargs, dtype) for shape, kwargs, dtype in KAIMING_COVERAGE]
    cases += [
        _case(shape, {"a": a, "mode": mode, "nonlinearity": nl}, dtype)
        for shape, a, mode, nl, dtype in extra
    ]
    with describe(f"kaiming_normal_ on {len(cases)} tensors"):
        replies = _fill(submission, "kaiming_normal_", cases, seed)
        expect = Expect("kaiming_normal_")
        filled = _filled_cases(expect, "kaiming_normal_", cases, replies)
        samples = []
        for case, got, ok in zip(cases, replies, filled):
            if not ok:
                continue
            std = kaiming_std(tuple(case["shape"]), *kaiming_args(case["kwargs"]))
            samples.append(
                stats.Case(
                    got["values"], stats.Normal(0.0, std), _call_text("kaiming_normal_", case)
                )
            )
        expect_verdicts(
            expect,
            stats.decide(samples, ALPHA),
            "std = nn.init.calculate_gain(nonlinearity, a) / √fan, with fan = "
            "fan_in (size(1)·receptive field) for mode='fan_in' and fan_out "
            "(size(0)·receptive field) for mode='fan_out'",
        )
        expect.verify()


@check("initialization.kaiming_normal_", points=1, visibility="public")
@settings(max_examples=1)
@given(a=st.just(0.2))
def test_kaiming_normal_works_in_place(submission: Submission, a: float) -> None:
    """kaiming_normal_ fills t itself and returns it, keeps dtype and device, records no autograd history.
    Catches: returning a new tensor; filling t outside torch.no_grad() (fails on a leaf that requires grad)."""
    _property_check(submission, "kaiming_normal_", {"a": a, "mode": "fan_out"})


@check("initialization.kaiming_normal_", points=1, visibility="public")
@settings(max_examples=1)
@given(a=st.just(0.5))
def test_kaiming_normal_is_written_by_hand(submission: Submission, a: float) -> None:
    """kaiming_normal_ computes its std itself: it calls none of nn.init's kaiming_* or xavier_* initialisers (calculate_gain is allowed).
    Catches: kaiming_normal_ that only calls nn.init.kaiming_normal_ (the exercise says by hand)."""
    _by_hand_check(
        submission,
        "kaiming_normal_",
        [{}, {"a": a, "mode": "fan_out", "nonlinearity": "leaky_relu"}],
    )


@check("initialization.kaiming_normal_", points=1, visibility="public")
@settings(max_examples=3)
@given(
    mode=st.sampled_from(["fan_avg", "FAN_IN", "in", ""]),
    nonlinearity=st.sampled_from(["gelu", "swish", "ReLU", "softmax"]),
    size=st.integers(1, 8),
)
def test_kaiming_normal_rejects_bad_arguments(
    submission: Submission, mode: str, nonlinearity: str, size: int
) -> None:
    """kaiming_normal_ raises ValueError for an unknown mode, an unknown nonlinearity, and <2-D tensors.
    Catches: any mode other than "fan_in" silently treated as "fan_out"; no check on t.dim()."""
    cases = [
        ({"shape": [4, 3], "kwargs": {"mode": mode}}, f"mode={mode!r}"),
        (
            {"shape": [4, 3], "kwargs": {"nonlinearity": nonlinearity}},
            f"nonlinearity={nonlinearity!r}",
        ),
        ({"shape": [], "kwargs": {}}, shape_text(())),
        ({"shape": [size], "kwargs": {}}, shape_text((size,))),
    ]
    with describe("kaiming_normal_ with " + "; ".join(label for _, label in cases)):
        got = submission.call(
            "initialization.raises",
            what="kaiming_normal_",
            item="kaiming_normal_",
            valid={"shape": [3, 4], "kwargs": {}},
            cases=[c for c, _ in cases],
        )
        expect = Expect("kaiming_normal_")
        _expect_raises(
            expect,
            [label for _, label in cases],
            got,
            "raise ValueError for a mode other than 'fan_in'/'fan_out', and for "
            "t.dim() < 2; nn.init.calculate_gain raises it for unknown nonlinearities",
        )
        expect.verify()


# -- mixture_uniform_ ------------------------------------------------------------------------------


def _mixture_text(components: Any) -> str:
    return "[" + ", ".join(f"({w:.4g}, {lo:g}, {hi:g})" for w, lo, hi in components) + "]"


@check("initialization.mixture_uniform_", points=2, visibility="public")
@settings(max_examples=EXAMPLES)
@given(
    drawn=st.lists(st.tuples(gs.mixtures(), dtype_names()), min_size=1, max_size=2), seed=gs.seeds()
)
def test_mixture_uniform_matches_the_mixture(
    submission: Submission, drawn: list[tuple[Any, str]], seed: int
) -> None:
    """mixture_uniform_ fills t with the mixture: atom masses (exact-value counts), support, and KS against the mixture's CDF.
    Catches: weights ignored (components equally likely); one component chosen for the whole tensor; atoms not exact.
    False-fail ≤ 1e-6; catches an atom mass 0.05 off w.p. ≥ 0.999 (n = 100 000)."""
    mixtures_ = [(m, "float32", DESIGNS.mixture_shape) for m in DESIGNS.mixtures]
    mixtures_ += [(m, dtype, DESIGNS.drawn_mixture_shape) for m, dtype in MIXTURE_COVERAGE]
    mixtures_ += [(m, dtype, DESIGNS.drawn_mixture_shape) for m, dtype in drawn]
    cases = [
        _case(shape, {"components": [list(c) for c in m]}, dtype) for m, dtype, shape in mixtures_
    ]
    with describe(f"mixture_uniform_ with {len(mixtures_)} mixtures"):
        replies = _fill(submission, "mixture_uniform_", cases, seed)
        expect = Expect("mixture_uniform_")
        filled = _filled_cases(expect, "mixture_uniform_", cases, replies)
        samples = [
            stats.Case(
                got["values"],
                stats.Mixture(tuple(m)),
                f"mixture_uniform_({shape_text(shape)}, {_mixture_text(m)})",
            )
            for (m, _, shape), got, ok in zip(mixtures_, replies, filled)
            if ok
        ]
        expect_verdicts(
            expect,
            stats.decide(samples, ALPHA),
            "for each element pick component j with probability weight_j "
            "(torch.multinomial), then draw U(low_j, high_j); low == high gives "
            "exactly low",
        )
        expect.verify()


@check("initialization.mixture_uniform_", points=1, visibility="public")
@settings(max_examples=1)
@given(seed=gs.seeds())
def test_mixture_uniform_works_in_place(submission: Submission, seed: int) -> None:
    """mixture_uniform_ fills t itself and returns it, keeps dtype and device, records no autograd history.
    Catches: returning a new tensor; filling t outside torch.no_grad() (fails on a leaf that requires grad)."""
    _property_check(
        submission, "mixture_uniform_", {"components": [[0.5, 0.0, 0.0], [0.5, -1.0, 2.0]]}
    )


@check("initialization.mixture_uniform_", points=1, visibility="public")
@settings(max_examples=6)
@given(invalid=st.lists(invalid_mixtures(), min_size=3, max_size=6))
def test_mixture_uniform_rejects_invalid_mixtures(
    submission: Submission, invalid: list[tuple[str, Any]]
) -> None:
    """mixture_uniform_ raises ValueError for every invalid mixture and accepts weights summing to 1 within 1e-6.
    Catches: weights not checked to sum to 1; negative or non-finite weights, low > high or infinite bounds accepted."""
    valid = [
        ("weights 1/3 three times", [(1 / 3, 0.0, 1.0)] * 3),
        ("weights summing to 1 + 5e-7", [(0.5 + 5e-7, 0.0, 1.0), (0.5, 2.0, 2.0)]),
    ]
    cases = [*INVALID_MIXTURES, *invalid, *valid]
    with describe(f"mixture_uniform_ with {len(cases) - len(valid)} invalid mixtures"):
        got = submission.call(
            "initialization.raises",
            what="mixture_uniform_",
            item="mixture_uniform_",
            valid={"shape": [3, 4], "kwargs": {"components": [[1.0, 0.0, 1.0]]}},
            cases=[
                {"shape": [3, 4], "kwargs": {"components": [list(c) for c in m]}} for _, m in cases
            ],
        )
        expect = Expect("mixture_uniform_")
        labels = [f"{kind}: {_mixture_text(m) if m else '[]'}" for kind, m in cases]
        _expect_raises(
            expect,
            labels,
            got,
            "validate before drawing: a non-empty list, finite weights >= 0, finite "
            "bounds with low <= high, weights summing to 1 within 1e-6",
            must_raise=[True] * (len(cases) - len(valid)) + [False] * len(valid),
        )
        expect.verify()
