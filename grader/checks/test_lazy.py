"""Checks for the ``lazy`` section: lazy layers against PyTorch's own lazy modules and F.linear.

Read each check as draw -> probe (in the submission's process) -> PyTorch reference (here, or built
by the probe from PyTorch modules alone) -> compare. One probe call carries a list of cases; the
first case that differs is reported. Docstring line 1 is the property; "Catches:" names the mistake
it exists for, kept as a mutant in tests/mutants/lazy/.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.nn import functional as F

from grader import specs
from grader import strategies as gs
from grader.compare import Expect, scaled_tolerance
from grader.errors import describe
from grader.marker import check
from grader.submission import Submission

SUM_ROUNDING = 1e-5
"""``scaled_tolerance`` factor for float32 rounding of a short sum."""


def _lazy_before(expect: Expect, report: list[dict[str, Any]], names: list[str], hint: str) -> None:
    """Before the first call: these parameters exist and none has a shape yet."""
    expect.equal(
        "named_parameters() before the first call",
        names,
        [p["name"] for p in report],
        attribute="names",
        hint=hint,
    )
    shaped = [p["name"] for p in report if p["shape"] is not None]
    expect.true(
        "parameters before the first call",
        not shaped,
        attribute="initialisation",
        expected="UninitializedParameter placeholders without a shape",
        got=f"already shaped: {shaped}",
        hint=hint,
    )


# -- lazy_mlp ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MlpCase:
    """lazy_mlp(hidden, out) (defaults when None) called on X."""

    hidden: int | None
    out: int | None
    X: torch.Tensor

    def describe(self) -> str:
        call = "lazy_mlp()" if self.hidden is None else f"lazy_mlp({self.hidden}, {self.out})"
        return f"{call} on an input of shape {tuple(self.X.shape)}"

    def wire(self) -> dict[str, Any]:
        return {"hidden": self.hidden, "out": self.out, "X": self.X}


@st.composite
def mlp_cases(draw: Any, *, defaults: bool = False, max_cases: int = 4) -> list[MlpCase]:
    cases = []
    for _ in range(draw(st.integers(2, max_cases))):
        hidden = None if defaults else draw(gs.widths(max_width=24))
        out = None if defaults else draw(gs.widths(max_width=10))
        x = draw(gs.inputs(max_width=16, max_batch=5, scale=2.0))
        cases.append(MlpCase(hidden, out, x.X))
    return cases


def _call_mlp(submission: Submission, cases: list[MlpCase]) -> list[dict[str, Any]]:
    with describe("; ".join(case.describe() for case in cases)):
        return submission.call("lazy.lazy_mlp", what="lazy_mlp", cases=[c.wire() for c in cases])


MLP_NAMES = ["0.weight", "0.bias", "2.weight", "2.bias"]


@check("lazy.lazy_mlp", points=2, visibility="public")
@settings(max_examples=4)
@given(cases=mlp_cases())
def test_lazy_mlp_is_lazy_until_first_call(submission: Submission, cases: list[MlpCase]) -> None:
    """lazy_mlp's parameters are UninitializedParameters before the first call and get (hidden, w), (hidden,), (out, hidden), (out,) from an input of any width w.
    Catches: nn.Linear with a fixed input width instead of nn.LazyLinear."""
    replies = _call_mlp(submission, cases)
    hint = "use nn.LazyLinear(units): it reads the input width from the first call"
    for case, got in zip(cases, replies):
        with describe(case.describe()):
            expect = Expect("lazy_mlp")
            _lazy_before(expect, got["before"], MLP_NAMES, hint)
            width = case.X.shape[1]
            expect.equal(
                "parameter shapes after the first call",
                [(case.hidden, width), (case.hidden,), (case.out, case.hidden), (case.out,)],
                specs.report_shapes(got["after"]),
                attribute="shapes",
                hint=hint,
            )
            expect.verify()


@check("lazy.lazy_mlp", points=1, visibility="hidden")
@settings(max_examples=4)
@given(cases=mlp_cases())
def test_lazy_mlp_output(submission: Submission, cases: list[MlpCase]) -> None:
    """lazy_mlp's output equals F.linear(relu(F.linear(X, W1, b1)), W2, b2) on its own weights.
    Catches: the ReLU between the two layers left out."""
    replies = _call_mlp(submission, cases)
    for case, got in zip(cases, replies):
        with describe(case.describe()):
            expect = Expect("lazy_mlp output")
            width = case.X.shape[1]
            shapes = [(case.hidden, width), (case.hidden,), (case.out, case.hidden), (case.out,)]
            if specs.report_shapes(got["after"]) != shapes:
                expect.add(
                    "parameters after the first call",
                    "shapes",
                    str(shapes),
                    str(specs.report_shapes(got["after"])),
                    hint="Sequential(LazyLinear(hidden), ReLU(), LazyLinear(out))",
                )
                expect.verify()
            for entry in got["after"]:
                expect.usable(entry["name"], entry["value"])
            expect.verify()
            w1, b1, w2, b2 = (entry["value"] for entry in got["after"])
            reference = F.linear(F.relu(F.linear(case.X, w1, b1)), w2, b2)
            expect.close(
                "output",
                reference,
                got["output"],
                **scaled_tolerance(reference, factor=SUM_ROUNDING),
                hint="a ReLU() sits between the two LazyLinear layers",
            )
            expect.verify()


@check("lazy.lazy_mlp", points=1, visibility="public")
@settings(max_examples=1)
@given(cases=mlp_cases(defaults=True, max_cases=2))
def test_lazy_mlp_defaults_and_layers(submission: Submission, cases: list[MlpCase]) -> None:
    """lazy_mlp() is Sequential(LazyLinear(256), ReLU(), LazyLinear(10)).
    Catches: other default widths than hidden=256, out=10."""
    replies = _call_mlp(submission, cases)
    for case, got in zip(cases, replies):
        with describe(case.describe()):
            expect = Expect("lazy_mlp()")
            hint = "def lazy_mlp(hidden=256, out=10): Sequential(LazyLinear(hidden), ReLU(), LazyLinear(out))"
            expect.equal("type", "Sequential", got["type"], attribute="type", hint=hint)
            expect.equal(
                "layers",
                ["LazyLinear", "ReLU", "LazyLinear"],
                got["children"],
                attribute="types",
                hint=hint,
            )
            width = case.X.shape[1]
            expect.equal(
                "parameter shapes after the first call",
                [(256, width), (256,), (10, 256), (10,)],
                specs.report_shapes(got["after"]),
                attribute="shapes",
                hint=hint,
            )
            expect.verify()


# -- materialize ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NetCase:
    """A network (a grader.probes.lazy net spec), its example inputs and the seed it is built under."""

    net: dict[str, Any]
    inputs: tuple[torch.Tensor, ...]
    seed: int

    def describe(self) -> str:
        words = {"relu": "ReLU()", "tanh": "Tanh()", "lazy_batchnorm": "LazyBatchNorm1d()"}
        layers = []
        for layer in self.net["layers"]:
            if layer["kind"] == "lazy_linear":
                layers.append(f"LazyLinear({layer['units']})")
            elif layer["kind"] == "linear":
                layers.append(f"Linear({layer['in']}, {layer['out']})")
            else:
                layers.append(words[layer["kind"]])
        net = f"Sequential({', '.join(layers)})"
        if self.net["pair"] is not None:
            units = self.net["pair"]
            net = (
                f"a two-input net: relu(LazyLinear({units})(X) + LazyLinear({units})(Y)), "
                f"then {net}"
            )
        shapes = " and ".join(str(tuple(X.shape)) for X in self.inputs)
        return f"materialize on {net} with example input(s) of shape {shapes}, seed {self.seed}"

    def wire(self) -> dict[str, Any]:
        return {"net": self.net, "inputs": list(self.inputs), "seed": self.seed}


@st.composite
def net_cases(draw: Any, *, pair: bool) -> NetCase:
    """A lazy network: optionally a two-input front, then 1 to 4 layers among LazyLinear, Linear
    (eager, of the current width), ReLU, Tanh and LazyBatchNorm1d; at least one lazy layer."""
    batch = draw(gs.batch_sizes(min_size=2, max_size=5))
    widths = [draw(gs.widths(max_width=8)) for _ in range(2 if pair else 1)]
    front = draw(gs.widths(max_width=6)) if pair else None
    width = front if pair else widths[0]
    layers: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["lazy_linear", "lazy_linear", "linear", "relu", "tanh"]))
        if kind == "lazy_linear":
            width_out = draw(gs.widths(max_width=8))
            layers.append({"kind": kind, "units": width_out})
            width = width_out
        elif kind == "linear":
            width_out = draw(gs.widths(max_width=8))
            layers.append({"kind": kind, "in": width, "out": width_out})
            width = width_out
        else:
            layers.append({"kind": kind})
    if draw(st.booleans()):
        layers.insert(draw(st.integers(0, len(layers))), {"kind": "lazy_batchnorm"})
    if not pair and not any(layer["kind"].startswith("lazy") for layer in layers):
        layers.append({"kind": "lazy_linear", "units": draw(gs.widths(max_width=8))})
    seed = draw(gs.seeds())
    inputs = tuple(gs.make_tensor((batch, w), seed + i) for i, w in enumerate(widths))
    return NetCase({"layers": layers, "pair": front}, inputs, seed)


@st.composite
def net_case_lists(draw: Any) -> list[NetCase]:
    """One or two one-input nets and one two-input net, in a drawn order."""
    cases = [draw(net_cases(pair=False)) for _ in range(draw(st.integers(1, 2)))]
    cases.insert(draw(st.integers(0, len(cases))), draw(net_cases(pair=True)))
    return cases


def first_call_parameters(case: NetCase, device: str) -> list[tuple[str, torch.Tensor]]:
    """PyTorch's answer, computed here: the net built under the case's seed and given an ordinary
    first call, its parameters (on the CPU). The child draws from the same generators under the
    same seed (the CPU one; the CUDA ones too when the net is on a GPU)."""
    devices = [torch.device(device).index or 0] if device.startswith("cuda") else []
    with torch.random.fork_rng(devices=devices):
        torch.default_generator.manual_seed(case.seed)
        if devices:
            torch.cuda.manual_seed_all(case.seed)
        net = specs.lazy_net(case.net, device)
        net(*(X.to(device) for X in case.inputs))
    return [(name, p.detach().to("cpu")) for name, p in net.named_parameters()]


def _call_materialize(submission: Submission, cases: list[NetCase]) -> list[dict[str, Any]]:
    with describe("; ".join(case.describe() for case in cases)):
        return submission.call(
            "lazy.materialize", what="materialize", cases=[c.wire() for c in cases]
        )


@check("lazy.materialize", points=1, visibility="public")
@settings(max_examples=3)
@given(cases=net_case_lists())
def test_materialize_initialises_every_parameter(
    submission: Submission, cases: list[NetCase]
) -> None:
    """materialize(net, *inputs) returns net itself, with every parameter initialised and trainable (no inference tensor).
    Catches: a materialize that forgets to return net."""
    replies = _call_materialize(submission, cases)
    for case, got in zip(cases, replies):
        with describe(case.describe()):
            expect = Expect("materialize(net, *inputs)")
            expect.true(
                "return value",
                got["returned_net"],
                attribute="identity",
                expected="net itself",
                got="None"
                if got["returned"] == "NoneType"
                else f"another object (a {got['returned']})",
                hint="end with `return net`",
            )
            expect.equal(
                "uninitialised parameters afterwards",
                [],
                got["uninitialised"],
                attribute="names",
                hint="call net(*example_inputs) once: every lazy layer then takes its shape",
            )
            expect.equal(
                "inference tensors among the parameters",
                [],
                got["inference"],
                attribute="names",
                hint="use torch.no_grad(), not torch.inference_mode(): parameters created in "
                "inference mode can never be trained",
            )
            expect.verify()


@check("lazy.materialize", points=1, visibility="public")
@settings(max_examples=3)
@given(cases=net_case_lists())
def test_materialize_runs_without_autograd(submission: Submission, cases: list[NetCase]) -> None:
    """Every module call inside materialize runs with autograd off, and no parameter has a .grad afterwards.
    Catches: a training-style pass (autograd on, then backward) that leaves .grad behind."""
    replies = _call_materialize(submission, cases)
    hint = "run the pass inside `with torch.no_grad():` and call no backward()"
    for case, got in zip(cases, replies):
        with describe(case.describe()):
            expect = Expect("materialize(net, *inputs)")
            modes = got["grad_modes"]
            expect.true(
                "the forward pass",
                bool(modes),
                attribute="calls",
                expected="net called on the example inputs",
                got="net never called",
                hint="call net(*example_inputs)",
            )
            with_grad = sum(modes)
            expect.true(
                "the forward pass",
                with_grad == 0,
                attribute="autograd",
                expected="every module called with autograd off",
                got=f"{with_grad} of {len(modes)} module calls recorded by autograd",
                hint=hint,
            )
            expect.equal(
                "parameters with a .grad afterwards",
                [],
                got["with_grad"],
                attribute="names",
                hint=hint,
            )
            expect.verify()


@check("lazy.materialize", points=2, visibility="public")
@settings(max_examples=3)
@given(cases=net_case_lists())
def test_materialize_matches_an_ordinary_first_call(
    submission: Submission, cases: list[NetCase]
) -> None:
    """Under the same seed, materialize gives exactly the parameters an ordinary first call net(*inputs) gives.
    Catches: parameters initialised again after the pass (another draw from the random generator)."""
    replies = _call_materialize(submission, cases)
    hint = "one plain pass net(*example_inputs) under torch.no_grad(); no other random draws"
    for case, got in zip(cases, replies):
        with describe(case.describe()):
            expect = Expect(
                "materialize's parameters (PyTorch's: an ordinary first call under the same seed)"
            )
            first_call = first_call_parameters(case, submission.device)
            names = [name for name, _ in first_call]
            if expect.equal(
                "named_parameters()",
                names,
                [name for name, _ in got["values"]],
                attribute="names",
                hint=hint,
            ):
                for (name, value), (_, reference) in zip(got["values"], first_call):
                    if value is None:
                        expect.add(name, "initialisation", "initialised", "uninitialised")
                    else:
                        expect.close(name, reference, value, rtol=0.0, atol=0.0, hint=hint)
            expect.verify()


# -- LazyMyLinear --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinearCase:
    """A fresh LazyMyLinear(units), optionally given a state dict, then called on X."""

    units: int
    X: torch.Tensor
    state: dict[str, torch.Tensor] | None = None

    def describe(self) -> str:
        words = f"LazyMyLinear({self.units})"
        if self.state is not None:
            words += f".load_state_dict(weight {tuple(self.state['weight'].shape)}, bias)"
        return f"{words}, then called on an input of shape {tuple(self.X.shape)}"

    def wire(self) -> dict[str, Any]:
        return {"units": self.units, "X": self.X, "state": self.state}


@st.composite
def linear_cases(draw: Any, *, load: bool, max_cases: int = 4) -> list[LinearCase]:
    cases = []
    for _ in range(draw(st.integers(2, max_cases))):
        units = draw(gs.widths(max_width=8))
        x = draw(gs.inputs(max_width=8, max_batch=5))
        state = None
        if load:
            seed = draw(gs.seeds())
            width = x.X.shape[1]
            state = {
                "weight": gs.make_tensor((width, units), seed),
                "bias": gs.make_tensor((units,), seed + 1),
            }
        cases.append(LinearCase(units, x.X, state))
    return cases


def _call_linear(submission: Submission, cases: list[LinearCase]) -> list[dict[str, Any]]:
    with describe("; ".join(case.describe() for case in cases)):
        return submission.call(
            "lazy.lazy_my_linear", what="LazyMyLinear", cases=[c.wire() for c in cases]
        )


def _relu_linear(X: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """relu(X @ weight + bias) for weight (in, units), as PyTorch's F.linear computes it."""
    return F.relu(F.linear(X, weight.T, bias))


LINEAR_HINT = (
    "subclass nn.modules.lazy.LazyModuleMixin, create UninitializedParameter placeholders in "
    "__init__, and materialize them in initialize_parameters"
)


@check("lazy.LazyMyLinear", points=1, visibility="public")
@settings(max_examples=3)
@given(cases=linear_cases(load=False))
def test_lazy_my_linear_is_lazy_until_first_call(
    submission: Submission, cases: list[LinearCase]
) -> None:
    """LazyMyLinear is a LazyModuleMixin whose weight and bias have no shape before the first call and are (in, units), (units,) after it.
    Catches: a plain nn.Module that creates its parameters inside forward."""
    replies = _call_linear(submission, cases)
    for case, got in zip(cases, replies):
        with describe(case.describe()):
            expect = Expect("LazyMyLinear")
            expect.true(
                "class",
                got["is_lazy_module"],
                attribute="base classes",
                expected="a subclass of nn.modules.lazy.LazyModuleMixin",
                got="a class that does not inherit from it",
                hint=LINEAR_HINT,
            )
            _lazy_before(expect, got["before"], ["weight", "bias"], LINEAR_HINT)
            expect.equal(
                "parameter shapes after the first call",
                [(case.X.shape[1], case.units), (case.units,)],
                specs.report_shapes(got["after"]),
                attribute="shapes",
                hint="weight is (in, units) with in = X.shape[-1]; bias is (units,)",
            )
            expect.verify()


def _expect_linear_output(
    expect: Expect, case: LinearCase, got: dict[str, Any], params: list[dict[str, Any]]
) -> None:
    """The output equals relu(X @ W + b) for the given (weight, bias) report."""
    shapes = [(case.X.shape[1], case.units), (case.units,)]
    if specs.report_shapes(params) != shapes:
        expect.add(
            "parameters",
            "shapes",
            str(shapes),
            str(specs.report_shapes(params)),
            hint="weight is (in, units), bias (units,)",
        )
        return
    if not all([expect.usable(p["name"], p["value"]) for p in params]):
        return
    reference = _relu_linear(case.X, params[0]["value"], params[1]["value"])
    expect.close(
        "output",
        reference,
        got["output"],
        **scaled_tolerance(reference, factor=SUM_ROUNDING),
        hint="forward is relu(X @ self.weight + self.bias)",
    )


@check("lazy.LazyMyLinear", points=1, visibility="public")
@settings(max_examples=3)
@given(cases=linear_cases(load=False))
def test_lazy_my_linear_output(submission: Submission, cases: list[LinearCase]) -> None:
    """LazyMyLinear's output equals relu(X @ weight + bias) on its own parameters.
    Catches: the ReLU left out."""
    replies = _call_linear(submission, cases)
    for case, got in zip(cases, replies):
        with describe(case.describe()):
            expect = Expect("LazyMyLinear output")
            _expect_linear_output(expect, case, got, got["after"])
            expect.verify()


@check("lazy.LazyMyLinear", points=2, visibility="public")
@settings(max_examples=3)
@given(cases=linear_cases(load=True))
def test_lazy_my_linear_load_state_dict_materialises(
    submission: Submission, cases: list[LinearCase]
) -> None:
    """load_state_dict into a fresh LazyMyLinear gives it the loaded parameters, and the first call afterwards keeps and uses them.
    Catches: initialize_parameters that draws new values even when the parameters are already set."""
    replies = _call_linear(submission, cases)
    hint = "in initialize_parameters, initialise only if self.has_uninitialized_params()"
    for case, got in zip(cases, replies):
        with describe(case.describe()):
            expect = Expect("LazyMyLinear after load_state_dict")
            assert case.state is not None
            loaded = got["loaded"] or []
            for stage, params in (
                ("after loading", loaded),
                ("after the first call", got["after"]),
            ):
                expect.equal(
                    f"named_parameters() {stage}",
                    ["weight", "bias"],
                    [p["name"] for p in params],
                    attribute="names",
                    hint=LINEAR_HINT,
                )
                if not expect.ok:
                    break
                for entry in params:
                    expected = case.state[entry["name"]]
                    if entry["value"] is None:
                        expect.add(
                            f"{entry['name']} {stage}",
                            "initialisation",
                            "the loaded values",
                            "still uninitialised",
                            hint=LINEAR_HINT,
                        )
                    else:
                        expect.close(
                            f"{entry['name']} {stage}",
                            expected,
                            entry["value"],
                            rtol=0.0,
                            atol=0.0,
                            hint=hint,
                        )
            if expect.ok:
                _expect_linear_output(expect, case, got, got["after"])
            expect.verify()
