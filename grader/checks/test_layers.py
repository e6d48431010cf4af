"""Checks for the ``layers`` section: each custom layer against a PyTorch reference.

Read each check as draw -> probe (in the submission's process) -> PyTorch reference (here) ->
compare. One probe call carries a list of cases; the first case that differs is reported. Every
case also carries an upstream gradient ``G``: the probe backpropagates ``Σ output · G`` and reports
the gradients, which the checks compare with autograd's on the same formula. References are
computed in float64 from the very values the submission used, then rounded to the input's dtype.
Docstring line 1 is the property; "Catches:" names the mistake it exists for, kept as a mutant in
tests/mutants/layers/.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.nn import functional as F

from grader import strategies as gs
from grader.compare import Expect, scaled_tolerance
from grader.errors import describe
from grader.marker import check
from grader.submission import Submission

GRADIENT_WORDS = "loss = (output · G).sum() for a random G of the output's shape"


@dataclass(frozen=True)
class Case:
    """One input of a layer: constructor arguments, the input X and the upstream gradient G."""

    args: dict[str, int]
    X: torch.Tensor
    G: torch.Tensor

    def describe(self, name: str) -> str:
        return f"{self.call(name)} on an input of shape {tuple(self.X.shape)} ({self.dtype})"

    def call(self, name: str) -> str:
        return f"{name}({', '.join(str(v) for v in self.args.values())})"

    @property
    def dtype(self) -> str:
        return str(self.X.dtype).removeprefix("torch.")

    def wire(self) -> dict[str, Any]:
        return {**self.args, "X": self.X, "G": self.G}


def _describe_all(name: str, cases: list[Case]) -> str:
    """All cases of one probe call (a crash cannot be pinned to one of them)."""
    calls = [f"{case.call(name)} on {tuple(case.X.shape)} {case.dtype}" for case in cases]
    return f"{len(cases)} inputs: " + "; ".join(calls)


def _call(submission: Submission, probe: str, name: str, cases: list[Case]) -> list[dict]:
    return submission.call(probe, what=name, cases=[c.wire() for c in cases])


LINEAR_ROUNDING = 1e-4
"""``scaled_tolerance`` factor for the layers' float32 products and sums (a few hundred terms)."""


def _gradients_missing(expect: Expect, got: dict[str, Any], G: torch.Tensor, *, hint: str) -> bool:
    """Record why no gradients came back: an output of the wrong shape, or without autograd history."""
    if got["grads"] is not None:
        return False
    shape = tuple(got["output"].shape)
    if shape != tuple(G.shape):
        expect.add(
            "output",
            "shape",
            str(tuple(G.shape)),
            str(shape),
            hint="the output has the wrong shape (see the output check), so no gradient can be compared",
        )
    else:
        expect.add(
            "output",
            "autograd history",
            "connected by autograd to the input and the parameters",
            "none (requires_grad is False)",
            hint=hint,
        )
    return True


def _expect_gradient(
    expect: Expect,
    path: str,
    reference: torch.Tensor,
    got: torch.Tensor | None,
    *,
    rtol: float,
    atol: float,
    cut_hint: str,
) -> None:
    """One gradient: absent (autograd cut off) or equal to autograd's on the reference formula."""
    if got is None:
        expect.add(path, "gradient", "a tensor", "None: no gradient reached it", hint=cut_hint)
        return
    expect.close(
        path,
        reference,
        got,
        rtol=rtol,
        atol=atol,
        hint="the gradients follow from forward: when the output is right and every use of the "
        "tensors is seen by autograd, they are right too",
    )


# -- CenteredLayer -------------------------------------------------------------------------------


@st.composite
def centered_cases(draw: Any, *, min_cases: int = 2, max_cases: int = 5) -> list[Case]:
    """Inputs of 1 to 4 dimensions, float32 and float64 (the first two cases one of each), some
    far from zero mean (offset 1000)."""
    cases = []
    for index in range(draw(st.integers(min_cases, max_cases))):
        shape = gs.draw_shape(draw, min_dims=1, max_dims=4, max_side=5)
        dtype = (
            (torch.float32, torch.float64)[index]
            if index < 2
            else draw(st.sampled_from([torch.float32, torch.float32, torch.float64]))
        )
        offset = draw(st.sampled_from([0.0, 3.0, 1000.0]))
        seed = draw(gs.seeds())
        X = (gs.make_tensor(shape, seed, dtype=torch.float64) * 2 + offset).to(dtype)
        G = gs.make_tensor(shape, seed + 1, dtype=dtype)
        cases.append(Case({}, X, G))
    return cases


def centered_atol(X: torch.Tensor) -> float:
    """Rounding allowed for X - X.mean(): (n + 4) · eps · max|X| — a float sum of n terms may lose
    n · eps · max|X|, and the subtraction and the reference's own rounding a few eps more."""
    eps = torch.finfo(X.dtype).eps
    return (X.numel() + 4) * eps * max(float(X.abs().max()), 1e-30)


@check("layers.CenteredLayer", points=2, visibility="public")
@settings(max_examples=3)
@given(cases=centered_cases())
def test_centered_layer_subtracts_the_mean_of_all_elements(
    submission: Submission, cases: list[Case]
) -> None:
    """CenteredLayer()(X) equals X - X.mean() (the mean of all elements), in X's dtype, and has mean ≈ 0, for 1- to 4-D float32 and float64 inputs.
    Catches: the mean taken along one dimension (X.mean(0)) instead of over all elements; a
    float64 input turned into float32."""
    with describe(_describe_all("CenteredLayer", cases)):
        replies = _call(submission, "layers.centered", "CenteredLayer", cases)
    hint = "subtract X.mean() — the mean of every element — not a mean along one dimension"
    for case, got in zip(cases, replies):
        with describe(case.describe("CenteredLayer")):
            X64 = case.X.double()
            reference = (X64 - X64.mean()).to(case.X.dtype)
            atol = centered_atol(case.X)
            expect = Expect("CenteredLayer output")
            if expect.close("output", reference, got["output"], rtol=0.0, atol=atol, hint=hint):
                mean = float(got["output"].double().mean())
                expect.true(
                    "output mean",
                    abs(mean) <= atol,
                    attribute="value",
                    expected=f"0 (within {atol:.2g})",
                    got=f"{mean:.4g}",
                    hint=hint,
                )
            expect.verify()


@check("layers.CenteredLayer", points=1, visibility="public")
@settings(max_examples=3)
@given(cases=centered_cases())
def test_centered_layer_gradient(submission: Submission, cases: list[Case]) -> None:
    """The input's gradient through CenteredLayer is G - G.mean(), as autograd gives for X - X.mean().
    Catches: the mean detached from autograd (X - X.mean().detach()), which gives G instead."""
    with describe(_describe_all("CenteredLayer", cases) + f", then {GRADIENT_WORDS}"):
        replies = _call(submission, "layers.centered", "CenteredLayer", cases)
    hint = "let autograd see the mean: no .detach(), .item() or .data on it"
    for case, got in zip(cases, replies):
        with describe(f"{case.describe('CenteredLayer')}, then {GRADIENT_WORDS}"):
            expect = Expect("backward through CenteredLayer")
            if not _gradients_missing(expect, got, case.G, hint=hint):
                G64 = case.G.double()
                reference = (G64 - G64.mean()).to(case.X.dtype)
                _expect_gradient(
                    expect,
                    "input gradient",
                    reference,
                    got["grads"]["input"],
                    rtol=0.0,
                    atol=centered_atol(case.G),
                    cut_hint=hint,
                )
            expect.verify()


@check("layers.CenteredLayer", points=1, visibility="public")
@settings(max_examples=1)
@given(cases=centered_cases(min_cases=1, max_cases=1))
def test_centered_layer_has_no_parameters(submission: Submission, cases: list[Case]) -> None:
    """CenteredLayer has no parameters and an empty state_dict.
    Catches: a learnable shift registered as a parameter."""
    with describe("CenteredLayer()"):
        got = _call(submission, "layers.centered", "CenteredLayer", cases)[0]
        expect = Expect("CenteredLayer()")
        hint = "the layer only computes X - X.mean(): no nn.Parameter, no buffer"
        expect.equal(
            "named_parameters()",
            [],
            [p["name"] for p in got["parameters"]],
            attribute="names",
            hint=hint,
        )
        expect.equal("state_dict()", [], got["state_dict"], attribute="keys", hint=hint)
        expect.verify()


# -- MyLinear ------------------------------------------------------------------------------------


@st.composite
def my_linear_cases(draw: Any, *, min_cases: int = 2, max_cases: int = 5) -> list[Case]:
    cases = []
    for _ in range(draw(st.integers(min_cases, max_cases))):
        in_units = draw(gs.widths(max_width=8))
        units = draw(st.one_of(st.just(in_units), gs.widths(max_width=8)))
        batch = draw(gs.batch_sizes(max_size=6))
        seed = draw(gs.seeds())
        X = gs.make_tensor((batch, in_units), seed)
        G = gs.make_tensor((batch, units), seed + 1)
        cases.append(Case({"in_units": in_units, "units": units}, X, G))
    return cases


def _expect_parameter_shapes_and_types(
    expect: Expect, got: dict[str, Any], expected: list[tuple[str, tuple[int, ...]]], hint: str
) -> None:
    """named_parameters() names, shapes and types (nn.Parameter that requires grad)."""
    names = [p["name"] for p in got["parameters"]]
    expect.equal(
        "named_parameters()", [n for n, _ in expected], names, attribute="names", hint=hint
    )
    if expect.ok:
        expect.equal(
            "parameter shapes",
            [s for _, s in expected],
            [tuple(p["shape"]) for p in got["parameters"]],
            attribute="shapes",
            hint=hint,
        )
    for p in got["parameters"]:
        expect.equal(p["name"], "Parameter", p["type"], attribute="type", hint=hint)
        expect.equal(p["name"], True, p["requires_grad"], attribute="requires_grad", hint=hint)


def _own_linear(
    expect: Expect, case: Case, got: dict[str, Any]
) -> tuple[torch.Tensor, torch.Tensor] | None:
    """The submission's weight (in_units, units) and bias (units,), or None (recorded) if unusable."""
    shapes = ((case.args["in_units"], case.args["units"]), (case.args["units"],))
    for name, shape in zip(("weight", "bias"), shapes):
        value = got[name]
        if value is None or tuple(value.shape) != shape:
            expect.add(
                f"self.{name}",
                "shape",
                f"a tensor of shape {shape}",
                "missing" if value is None else f"shape {tuple(value.shape)}",
                hint="weight is (in_units, units): the layer computes X @ weight + bias",
            )
            return None
    if not (expect.usable("self.weight", got["weight"]) & expect.usable("self.bias", got["bias"])):
        return None
    return got["weight"], got["bias"]


@check("layers.MyLinear", points=1, visibility="public")
@settings(max_examples=3)
@given(cases=my_linear_cases(max_cases=4))
def test_my_linear_registers_weight_and_bias(submission: Submission, cases: list[Case]) -> None:
    """MyLinear(in_units, units) has parameters weight (in_units, units) and bias (units,), real nn.Parameters.
    Catches: weight and bias kept as plain tensors (invisible to named_parameters and optimizers)."""
    with describe(_describe_all("MyLinear", cases)):
        replies = _call(submission, "layers.my_linear", "MyLinear", cases)
    hint = "self.weight = nn.Parameter(torch.randn(in_units, units)); the same for the bias"
    for case, got in zip(cases, replies):
        with describe(case.describe("MyLinear")):
            expect = Expect("MyLinear")
            in_units, units = case.args["in_units"], case.args["units"]
            _expect_parameter_shapes_and_types(
                expect, got, [("weight", (in_units, units)), ("bias", (units,))], hint
            )
            expect.verify()


def _my_linear_reference(
    X: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor
) -> tuple[torch.Tensor, ...]:
    """relu(F.linear(X, Wᵀ, b)) in float64, with its pre-activation, as leaves for autograd."""
    X64 = X.double().requires_grad_(True)
    W64 = weight.double().requires_grad_(True)
    b64 = bias.double().requires_grad_(True)
    pre = F.linear(X64, W64.T, b64)
    return F.relu(pre), pre, X64, W64, b64


@check("layers.MyLinear", points=1, visibility="public")
@settings(max_examples=3)
@given(cases=my_linear_cases())
def test_my_linear_output(submission: Submission, cases: list[Case]) -> None:
    """MyLinear's output equals relu(F.linear(X, weight.T, bias)) on its own weight and bias.
    Catches: the ReLU left out."""
    with describe(_describe_all("MyLinear", cases)):
        replies = _call(submission, "layers.my_linear", "MyLinear", cases)
    for case, got in zip(cases, replies):
        with describe(case.describe("MyLinear")):
            expect = Expect("MyLinear output")
            own = _own_linear(expect, case, got)
            if own is not None:
                y, *_ = _my_linear_reference(case.X, *own)
                reference = y.detach().float()
                expect.close(
                    "output",
                    reference,
                    got["output"],
                    **scaled_tolerance(reference, factor=LINEAR_ROUNDING),
                    hint="forward is relu(X @ self.weight + self.bias)",
                )
            expect.verify()


@check("layers.MyLinear", points=2, visibility="public")
@settings(max_examples=3)
@given(cases=my_linear_cases())
def test_my_linear_gradients(submission: Submission, cases: list[Case]) -> None:
    """weight, bias and the input receive the gradients autograd gives for relu(X @ weight + bias).
    Catches: forward written with self.weight.data / self.bias.data, which cuts the parameters off."""
    with describe(_describe_all("MyLinear", cases) + f", then {GRADIENT_WORDS}"):
        replies = _call(submission, "layers.my_linear", "MyLinear", cases)
    hint = "use self.weight and self.bias themselves in forward (not .data, not .detach())"
    for case, got in zip(cases, replies):
        with describe(f"{case.describe('MyLinear')}, then {GRADIENT_WORDS}"):
            expect = Expect("backward through MyLinear")
            own = _own_linear(expect, case, got)
            if own is not None and not _gradients_missing(expect, got, case.G, hint=hint):
                y, pre, X64, W64, b64 = _my_linear_reference(case.X, *own)
                (y * case.G.double()).sum().backward()
                # A pre-activation within rounding of 0 makes the ReLU's gradient ambiguous: then
                # only the presence of each gradient is checked.
                clear = bool((pre.detach().abs() > 1e-4 * (1 + pre.detach().abs().max())).all())
                for name, leaf in (("input", X64), ("weight", W64), ("bias", b64)):
                    reference = leaf.grad.float()
                    if clear or got["grads"][name] is None:
                        _expect_gradient(
                            expect,
                            f"{name} gradient" if name == "input" else f"self.{name}.grad",
                            reference,
                            got["grads"][name],
                            **scaled_tolerance(reference, factor=LINEAR_ROUNDING),
                            cut_hint=hint,
                        )
            expect.verify()


# -- TensorReduction -----------------------------------------------------------------------------


@st.composite
def tensor_reduction_cases(
    draw: Any, *, min_batch_dims: int = 1, max_batch_dims: int = 1, max_cases: int = 5
) -> list[Case]:
    """Half the cases have i == k, where a weight indexed in the wrong order still runs."""
    cases = []
    for _ in range(draw(st.integers(2, max_cases))):
        i = draw(st.integers(1, 5))
        k = draw(st.one_of(st.just(i), st.integers(1, 5)))
        shape = gs.draw_shape(
            draw, min_dims=min_batch_dims + 1, max_dims=max_batch_dims + 1, max_side=4, last=i
        )
        seed = draw(gs.seeds())
        X = gs.make_tensor(shape, seed)
        G = gs.make_tensor((*shape[:-1], k), seed + 1)
        cases.append(Case({"i": i, "k": k}, X, G))
    return cases


def _own_reduction_weight(expect: Expect, case: Case, got: dict[str, Any]) -> torch.Tensor | None:
    i, k = case.args["i"], case.args["k"]
    weight = got["weight"]
    if weight is None or tuple(weight.shape) != (i, i, k):
        expect.add(
            "self.weight",
            "shape",
            f"a tensor of shape {(i, i, k)}",
            "missing" if weight is None else f"shape {tuple(weight.shape)}",
            hint="weight is (i, i, k): y[..., k] = Σ_ij weight[i, j, k] · x[i] · x[j]",
        )
        return None
    if not expect.usable("self.weight", weight):
        return None
    return weight


def _reduction_reference(X: torch.Tensor, weight: torch.Tensor) -> tuple[torch.Tensor, ...]:
    X64 = X.double().requires_grad_(True)
    W64 = weight.double().requires_grad_(True)
    return torch.einsum("...i,...j,ijk->...k", X64, X64, W64), X64, W64


def _expect_reduction_outputs(submission: Submission, cases: list[Case], hint: str) -> None:
    with describe(_describe_all("TensorReduction", cases)):
        replies = _call(submission, "layers.tensor_reduction", "TensorReduction", cases)
    for case, got in zip(cases, replies):
        with describe(case.describe("TensorReduction")):
            expect = Expect("TensorReduction output")
            weight = _own_reduction_weight(expect, case, got)
            if weight is not None:
                y, _, _ = _reduction_reference(case.X, weight)
                reference = y.detach().float()
                expect.close(
                    "output",
                    reference,
                    got["output"],
                    **scaled_tolerance(reference, factor=LINEAR_ROUNDING),
                    hint=hint,
                )
            expect.verify()


@check("layers.TensorReduction", points=1, visibility="public")
@settings(max_examples=3)
@given(cases=tensor_reduction_cases(max_cases=4))
def test_tensor_reduction_weight_is_a_parameter(submission: Submission, cases: list[Case]) -> None:
    """TensorReduction(i, k) has one parameter, weight, of shape (i, i, k), a real nn.Parameter.
    Catches: the weight laid out as (k, i, i)."""
    with describe(_describe_all("TensorReduction", cases)):
        replies = _call(submission, "layers.tensor_reduction", "TensorReduction", cases)
    hint = "self.weight = nn.Parameter(torch.randn(i, i, k))"
    for case, got in zip(cases, replies):
        with describe(case.describe("TensorReduction")):
            expect = Expect("TensorReduction")
            i, k = case.args["i"], case.args["k"]
            _expect_parameter_shapes_and_types(expect, got, [("weight", (i, i, k))], hint)
            expect.verify()


@check("layers.TensorReduction", points=2, visibility="public")
@settings(max_examples=3)
@given(cases=tensor_reduction_cases())
def test_tensor_reduction_output(submission: Submission, cases: list[Case]) -> None:
    """TensorReduction's output on (batch, i) inputs equals einsum('...i,...j,ijk->...k', X, X, weight).
    Catches: weight indexed as weight[i, k, j] (wrong axis summed against x[j])."""
    _expect_reduction_outputs(
        submission,
        cases,
        "y[..., k] = Σ_i Σ_j weight[i, j, k] · x[..., i] · x[..., j]: the last axis of weight is the "
        "output's",
    )


@check("layers.TensorReduction", points=1, visibility="public")
@settings(max_examples=3)
@given(cases=tensor_reduction_cases(min_batch_dims=2, max_batch_dims=3))
def test_tensor_reduction_batch_dims(submission: Submission, cases: list[Case]) -> None:
    """TensorReduction equals the einsum reference on inputs with two or three leading batch dimensions.
    Catches: an einsum written for (batch, i) only ('bi,bj,ijk->bk')."""
    _expect_reduction_outputs(
        submission,
        cases,
        "X may have any number of leading batch dimensions: write them as '...' in einsum",
    )


@check("layers.TensorReduction", points=1, visibility="public")
@settings(max_examples=3)
@given(cases=tensor_reduction_cases(max_batch_dims=2))
def test_tensor_reduction_gradients(submission: Submission, cases: list[Case]) -> None:
    """weight and the input receive the gradients autograd gives for the einsum reference.
    Catches: forward written with self.weight.data, which cuts the weight off from autograd."""
    with describe(_describe_all("TensorReduction", cases) + f", then {GRADIENT_WORDS}"):
        replies = _call(submission, "layers.tensor_reduction", "TensorReduction", cases)
    hint = "use self.weight itself in forward (not .data, not .detach())"
    for case, got in zip(cases, replies):
        with describe(f"{case.describe('TensorReduction')}, then {GRADIENT_WORDS}"):
            expect = Expect("backward through TensorReduction")
            weight = _own_reduction_weight(expect, case, got)
            if weight is not None and not _gradients_missing(expect, got, case.G, hint=hint):
                y, X64, W64 = _reduction_reference(case.X, weight)
                (y * case.G.double()).sum().backward()
                for name, leaf in (("input gradient", X64), ("self.weight.grad", W64)):
                    reference = leaf.grad.float()
                    key = "input" if leaf is X64 else "weight"
                    _expect_gradient(
                        expect,
                        name,
                        reference,
                        got["grads"][key],
                        **scaled_tolerance(reference, factor=LINEAR_ROUNDING),
                        cut_hint=hint,
                    )
            expect.verify()


# -- FourierHalf ---------------------------------------------------------------------------------


COMPLEX = {torch.float32: torch.complex64, torch.float64: torch.complex128}
"""The dtype torch.fft.fft returns for a real input dtype."""


@st.composite
def fourier_cases(
    draw: Any, *, min_dims: int = 1, max_dims: int = 2, dtypes: tuple[torch.dtype, ...] = ()
) -> list[Case]:
    """Lengths 1 to 16, odd and even both present in every list; each of ``dtypes`` present too."""
    dtypes = dtypes or (torch.float32,)
    cases = []
    lengths = [draw(st.integers(0, 7)) * 2 + 1, draw(st.integers(1, 8)) * 2]
    lengths += draw(st.lists(st.integers(1, 16), max_size=2))
    for index, n in enumerate(lengths):
        shape = gs.draw_shape(draw, min_dims=min_dims, max_dims=max_dims, max_side=4, last=n)
        dtype = dtypes[index] if index < len(dtypes) else draw(st.sampled_from(dtypes))
        seed = draw(gs.seeds())
        X = gs.make_tensor(shape, seed, dtype=dtype)
        half = (*shape[:-1], (n + 1) // 2)
        G = torch.complex(
            gs.make_tensor(half, seed + 1, dtype=dtype), gs.make_tensor(half, seed + 2, dtype=dtype)
        ).to(COMPLEX[dtype])
        cases.append(Case({}, X, G))
    return cases


def fourier_atol(X: torch.Tensor) -> float:
    """Rounding allowed in a coefficient: 1e-5, plus 8 eps per element of the largest Σ|x|."""
    eps = torch.finfo(X.dtype).eps
    return 1e-5 + 8 * eps * X.shape[-1] * float(X.abs().sum(-1).max())


def _expect_fourier_outputs(submission: Submission, cases: list[Case], hint: str) -> None:
    with describe(_describe_all("FourierHalf", cases)):
        replies = _call(submission, "layers.fourier_half", "FourierHalf", cases)
    for case, got in zip(cases, replies):
        n = case.X.shape[-1]
        with describe(
            f"{case.describe('FourierHalf')}, n = {n} ({'even' if n % 2 == 0 else 'odd'})"
        ):
            full = torch.fft.fft(case.X.double())
            reference = full[..., : (n + 1) // 2].to(COMPLEX[case.X.dtype])
            expect = Expect("FourierHalf output")
            expect.close(
                "output", reference, got["output"], rtol=0.0, atol=fourier_atol(case.X), hint=hint
            )
            expect.verify()


@check("layers.FourierHalf", points=2, visibility="public")
@settings(max_examples=3)
@given(cases=fourier_cases(dtypes=(torch.float32, torch.float64)))
def test_fourier_half_output(submission: Submission, cases: list[Case]) -> None:
    """FourierHalf()(X) equals torch.fft.fft(X)[..., :⌈n/2⌉] for odd and even lengths n, 1-D and (batch, n), float32 and float64 (complex64 and complex128 out).
    Catches: torch.fft.rfft(X), which gives n/2 + 1 coefficients when n is even, and n // 2 (too
    few for odd n); a float64 input turned into float32."""
    _expect_fourier_outputs(
        submission,
        cases,
        "keep the first ⌈n/2⌉ = (n + 1) // 2 coefficients of torch.fft.fft along the last axis; "
        "rfft gives n // 2 + 1 of them",
    )


@check("layers.FourierHalf", points=1, visibility="hidden")
@settings(max_examples=3)
@given(cases=fourier_cases(min_dims=3, max_dims=4, dtypes=(torch.float32, torch.float64)))
def test_fourier_half_batch_dims(submission: Submission, cases: list[Case]) -> None:
    """FourierHalf equals the fft reference on float32 and float64 inputs with two or three batch dimensions.
    Catches: slicing with [:, :m], which picks the right axis only for 2-D inputs."""
    _expect_fourier_outputs(
        submission,
        cases,
        "transform and slice the last axis whatever the number of batch dimensions: [..., :m]",
    )


@check("layers.FourierHalf", points=1, visibility="public")
@settings(max_examples=3)
@given(cases=fourier_cases(max_dims=3))
def test_fourier_half_gradient(submission: Submission, cases: list[Case]) -> None:
    """The input's gradient through FourierHalf equals autograd's through torch.fft.fft.
    Catches: the transform computed in NumPy (no autograd history)."""
    words = "loss = Re Σ output · conj(G) for a random complex G of the output's shape"
    with describe(_describe_all("FourierHalf", cases) + f", then {words}"):
        replies = _call(submission, "layers.fourier_half", "FourierHalf", cases)
    hint = "stay in PyTorch (torch.fft.fft), so that autograd can follow the transform"
    for case, got in zip(cases, replies):
        n = case.X.shape[-1]
        with describe(f"{case.describe('FourierHalf')}, then {words}"):
            expect = Expect("backward through FourierHalf")
            if not _gradients_missing(expect, got, case.G, hint=hint):
                X64 = case.X.double().requires_grad_(True)
                y = torch.fft.fft(X64)[..., : (n + 1) // 2]
                (y * case.G.to(torch.complex128).conj()).real.sum().backward()
                reference = X64.grad.to(case.X.dtype)
                _expect_gradient(
                    expect,
                    "input gradient",
                    reference,
                    got["grads"]["input"],
                    rtol=0.0,
                    atol=fourier_atol(case.G.abs()),
                    cut_hint=hint,
                )
            expect.verify()
