"""Checks for the ``modules`` section: each compares the submission with PyTorch's own modules.

Read each check as draw -> probe (in the submission's process) -> PyTorch reference (here) ->
compare. Docstring line 1 is the property; "Catches:" names the mistake it exists for, kept as a
mutant in tests/mutants/modules/.
"""

from __future__ import annotations

from typing import Any

import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.nn import functional as F

from grader import specs
from grader import strategies as gs
from grader.compare import Expect
from grader.errors import describe
from grader.marker import check
from grader.submission import Submission

LINEAR_NAMES = ["hidden.weight", "hidden.bias", "out.weight", "out.bias"]
MLP_NAMES_HINT = "store the two layers as self.hidden and self.out (nn.LazyLinear each)"


def _values(report: list[dict[str, Any]]) -> list[torch.Tensor]:
    return [entry["value"] for entry in report]


# -- MLP -----------------------------------------------------------------------------------------


@check("modules.MLP", points=1, visibility="public")
@settings(max_examples=8)
@given(hidden=gs.widths(max_width=32), out=gs.widths(max_width=12), x=gs.inputs(max_width=16))
def test_mlp_is_lazy_until_first_call(
    submission: Submission, hidden: int, out: int, x: gs.Input
) -> None:
    """MLP's layers are LazyLinear: no shapes before the first call, the right shapes after it.
    Catches: nn.Linear with a fixed input size instead of nn.LazyLinear."""
    width = x.X.shape[1]
    with describe(f"MLP({hidden}, {out}) on an {x.describe()}"):
        got = submission.call("modules.mlp", what="MLP", X=x.X, hidden=hidden, out=out)
        expect = Expect("MLP")
        hint = "use nn.LazyLinear(units): it learns the input width on the first call"
        for layer in ("hidden", "out"):
            info = got["before"][layer]
            if not info["present"]:
                expect.missing(f"self.{layer}", owner="MLP", hint=MLP_NAMES_HINT)
                continue
            expect.equal(
                f"self.{layer} before the first call",
                "LazyLinear",
                info["type"],
                attribute="type",
                hint=hint,
            )
            expect.true(
                f"self.{layer} before the first call",
                bool(info["lazy"]),
                attribute="initialisation",
                expected="uninitialised parameters",
                got="initialised parameters",
                hint=hint,
            )
        if not expect.ok:
            expect.verify()
        expected_shapes = [(hidden, width), (hidden,), (out, hidden), (out,)]
        expect.equal(
            "parameter shapes after the first call",
            expected_shapes,
            specs.report_shapes(got["after"]),
            attribute="shapes",
        )
        expect.verify()


@check("modules.MLP", points=2, visibility="public")
@settings(max_examples=12)
@given(
    hidden=gs.widths(max_width=32),
    out=gs.widths(max_width=12),
    x=gs.inputs(max_width=16, scale=2.0),
)
def test_mlp_output_matches_linear_chain(
    submission: Submission, hidden: int, out: int, x: gs.Input
) -> None:
    """MLP's output equals F.linear(relu(F.linear(X, W1, b1)), W2, b2) on its own weights.
    Catches: a missing ReLU between the layers."""
    with describe(f"MLP({hidden}, {out}) on an {x.describe()}"):
        got = submission.call("modules.mlp", what="MLP", X=x.X, hidden=hidden, out=out)
        expect = Expect("MLP output")
        layers = got["layers"]
        for name, layer in zip(("hidden", "out"), layers):
            if not got["before"][name]["present"]:
                expect.missing(f"self.{name}", owner="MLP", hint=MLP_NAMES_HINT)
            elif layer is None:
                expect.add(
                    f"self.{name}",
                    "type",
                    "an nn.Linear (a LazyLinear after the first call)",
                    got["before"][name]["type"],
                    hint=MLP_NAMES_HINT,
                )
        expect.verify()
        (w1, b1), (w2, b2) = layers
        for name, value in (("hidden.weight", w1), ("hidden.bias", b1)):
            expect.usable(name, value)
        for name, value in (("out.weight", w2), ("out.bias", b2)):
            expect.usable(name, value)
        expect.verify()
        with expect.computing("self.hidden / self.out weights"):
            reference = F.linear(F.relu(F.linear(x.X, w1, b1)), w2, b2)
        expect.close(
            "output", reference, got["output"], hint="forward should be out(relu(hidden(X)))"
        )
        expect.verify()


@check("modules.MLP", points=1, visibility="public")
@settings(max_examples=3)
@given(x=gs.inputs(max_width=16))
def test_mlp_defaults_and_parameter_names(submission: Submission, x: gs.Input) -> None:
    """MLP() has 256 hidden and 10 output units, with parameters hidden.weight, hidden.bias, out.weight, out.bias.
    Catches: layers stored under other attribute names."""
    with describe(f"MLP() on an {x.describe()}"):
        got = submission.call("modules.mlp", what="MLP", X=x.X)
        expect = Expect("MLP()")
        names = [entry["name"] for entry in got["after"]]
        expect.equal(
            "named_parameters()",
            LINEAR_NAMES,
            names,
            attribute="names",
            hint="store the layers as self.hidden and self.out",
        )
        width = x.X.shape[1]
        expect.equal(
            "parameter shapes",
            [(256, width), (256,), (10, 256), (10,)],
            specs.report_shapes(got["after"]),
            attribute="shapes",
        )
        expect.verify()


# -- MySequential --------------------------------------------------------------------------------


def _run_sequential(
    submission: Submission, stack: gs.LayerStack, x: gs.Input, lr: float = 0.0
) -> tuple[dict[str, Any], nn.Module, list[Any]]:
    got = submission.call("modules.sequential", what="MySequential", stack=stack.spec, X=x.X, lr=lr)
    reference, registry = stack.build_reference()
    reference.eval()
    return got, reference, registry


def _expect_parameter_owners(
    expect: Expect,
    expected: list[tuple[Any, ...]],
    got: list[tuple[Any, ...]],
    *,
    hint: str,
    identity_hint: str,
) -> None:
    """named_parameters() names, then (if they agree) which module owns each parameter: entries are
    (name, owner's index in the spec registry, attribute)."""
    expect.equal(
        "named_parameters() names",
        [e[0] for e in expected],
        [g[0] for g in got],
        attribute="names",
        hint=hint,
    )
    if expect.ok:
        expect.equal(
            "named_parameters() objects",
            [tuple(e[1:]) for e in expected],
            [tuple(g[1:]) for g in got],
            attribute="identity",
            hint=identity_hint,
        )


def _expect_same_output(
    submission: Submission, stack: gs.LayerStack, seed: int, batch: int, *, hint: str
) -> None:
    """MySequential's output on the stack equals nn.Sequential's (eval mode)."""
    x = gs.Input(gs.make_tensor((batch, stack.in_features), seed))
    with describe(f"{stack.describe()} on an {x.describe()}"):
        got, reference, _ = _run_sequential(submission, stack, x)
        expect = Expect("MySequential output")
        expect.close("output", reference(x.X).detach(), got["output"], hint=hint)
        expect.verify()


@st.composite
def flat_shared_stacks(draw: Any) -> gs.LayerStack:
    """A flat stack of Linear/ReLU/Tanh in which one square Linear is passed twice (appended,
    with a Tanh between, when the draw has no module used twice)."""
    stack = draw(gs.layer_stacks(max_depth=0, shared=True, dropout=False))
    items = stack.spec["items"]
    if any(node["kind"] == "ref" for node in items):
        return stack
    width = stack.out_features
    seed = draw(gs.seeds())
    square = {
        "kind": "linear",
        "in": width,
        "out": width,
        "weight": gs.make_tensor((width, width), seed, scale=0.8),
        "bias": gs.make_tensor((width,), seed + 1, scale=0.3),
    }
    target = 1 + len(items)  # registry: the container first, then each item in turn
    spec = {
        **stack.spec,
        "items": [*items, square, {"kind": "tanh"}, {"kind": "ref", "target": target}],
    }
    return gs.LayerStack(spec, stack.in_features, width)


@check("modules.MySequential", points=1, visibility="public")
@settings(max_examples=12)
@given(stack=flat_shared_stacks(), seed=gs.seeds(), batch=gs.batch_sizes())
def test_mysequential_output_matches_nn_sequential(
    submission: Submission, stack: gs.LayerStack, seed: int, batch: int
) -> None:
    """MySequential chains a flat stack of Linear/ReLU/Tanh exactly as nn.Sequential does, a
    module passed twice running twice.
    Catches: forward that skips modules, applies them in the wrong order, or iterates children()
    (which runs a module passed twice only once)."""
    _expect_same_output(
        submission,
        stack,
        seed,
        batch,
        hint="pass X through every module, in order, a module passed twice twice: iterate over "
        "self._modules.values(), not children()",
    )


@check("modules.MySequential", points=2, visibility="hidden")
@settings(max_examples=20)
@given(
    stack=gs.layer_stacks(max_depth=2, shared=True, dropout=True),
    seed=gs.seeds(),
    batch=gs.batch_sizes(),
)
def test_mysequential_matches_on_nested_and_shared_stacks(
    submission: Submission, stack: gs.LayerStack, seed: int, batch: int
) -> None:
    """MySequential equals nn.Sequential on nested stacks, Dropout in eval mode, and a module passed twice.
    Catches: forward iterating children(), which runs a module passed twice only once."""
    _expect_same_output(
        submission,
        stack,
        seed,
        batch,
        hint="register every module (so .eval() reaches Dropout), and run a module passed twice "
        "twice: iterate over self._modules.values(), not children()",
    )


@check("modules.MySequential", points=1, visibility="public")
@settings(max_examples=12)
@given(
    stack=gs.layer_stacks(max_depth=1, shared=True, dropout=True, require_linear=True),
    seed=gs.seeds(),
)
def test_mysequential_registers_children_like_nn_sequential(
    submission: Submission, stack: gs.LayerStack, seed: int
) -> None:
    """MySequential has nn.Sequential's named_parameters (names and objects), state_dict keys and children order, and is written without nn.Sequential or nn.ModuleList.
    Catches: modules kept in a plain Python list, invisible to named_parameters and state_dict;
    a MySequential that subclasses (or wraps) nn.Sequential."""
    x = gs.Input(gs.make_tensor((2, stack.in_features), seed))
    with describe(f"{stack.describe()}"):
        got, reference, registry = _run_sequential(submission, stack, x)
        owners = specs.parameter_owners(registry)
        expected_params = [(name, *owners[id(p)]) for name, p in reference.named_parameters()]
        expected_children = [specs.index_of(child, registry) for child in reference.children()]
        hint = "register each module with self.add_module(str(index), module)"
        expect = Expect("MySequential")
        _expect_parameter_owners(
            expect,
            expected_params,
            got["parameters"],
            hint=hint,
            identity_hint="keep the very modules you were given (no copies)",
        )
        expect.equal(
            "state_dict() keys",
            list(reference.state_dict().keys()),
            got["state_dict"],
            attribute="keys",
            hint=hint,
        )
        expect.equal(
            "children() order (by identity)",
            expected_children,
            got["children"],
            attribute="order",
            hint=hint,
        )
        expect.true(
            "MySequential",
            not got["containers"],
            attribute="built without nn.Sequential or nn.ModuleList",
            expected="no nn.Sequential or nn.ModuleList built (or inherited)",
            got=f"{' and '.join(got['containers'])} built",
            hint="write the container yourself: subclass nn.Module and register each module "
            "with self.add_module(str(index), module)",
        )
        expect.verify()


@check("modules.MySequential", points=1, visibility="public")
@settings(max_examples=10)
@given(
    stack=gs.layer_stacks(max_depth=1, shared=True, dropout=False, require_linear=True),
    seed=gs.seeds(),
    batch=gs.batch_sizes(),
)
def test_mysequential_trains_like_nn_sequential(
    submission: Submission, stack: gs.LayerStack, seed: int, batch: int
) -> None:
    """One SGD step through MySequential updates every weight exactly as through nn.Sequential (shared ones by the summed gradient).
    Catches: gradients cut between modules (detach, .data or no_grad in forward)."""
    lr = 0.1
    x = gs.Input(gs.make_tensor((batch, stack.in_features), seed))
    with describe(
        f"one SGD step (lr={lr}) through {stack.describe()} on an {x.describe()}, loss = output.sum()"
    ):
        got, reference, registry = _run_sequential(submission, stack, x, lr=lr)
        reference(x.X).sum().backward()
        with torch.no_grad():
            for param in reference.parameters():  # one plain SGD step, as torch.optim.SGD takes it
                param -= lr * param.grad
        paths = stack.paths()
        linears = [(paths[i], m) for i, m in enumerate(registry) if isinstance(m, nn.Linear)]
        expect = Expect("MySequential training step")
        hint = "let gradients flow: no .detach(), .data or torch.no_grad() in forward"
        for (path, module), (weight, bias) in zip(linears, got["updated"]):
            expect.close(f"{path}.weight after the step", module.weight.detach(), weight, hint=hint)
            expect.close(f"{path}.bias after the step", module.bias.detach(), bias, hint=hint)
        expect.verify()


# -- FixedHiddenMLP ------------------------------------------------------------------------------


# Halvings of a finite float64 sum above 1 before it is at most 1 (its exponent is below 1024).
MAX_HALVINGS = 1100


def fixed_hidden_reference(
    X: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, rand_weight: torch.Tensor
) -> torch.Tensor:
    """FixedHiddenMLP's forward, in PyTorch, on given weights. The halving loop is bounded: on
    weights that make the sum infinite it would never end (the check refuses such weights first)."""
    X = F.linear(X, weight, bias)
    X = F.relu(X @ rand_weight + 1)
    X = F.linear(X, weight, bias)
    for _ in range(MAX_HALVINGS):
        if not X.abs().sum() > 1:
            break
        X = X / 2
    return X.sum()


def _fixed_hidden_weights_usable(expect: Expect, got: dict[str, Any]) -> None:
    """Its own weights, from which the reference is computed: finite and of PyTorch's scale
    (rand_weight is U[0, 1); the reference on them must be finite too), else stop the check."""
    expect.usable("linear.weight", got["weight"])
    if got["bias"] is not None:
        expect.usable("linear.bias", got["bias"])
    expect.usable("rand_weight", got["rand_weight"], limit=1.0)
    if tuple(got["rand_weight"].shape) != (20, 20):
        expect.add("rand_weight", "shape", "(20, 20)", str(tuple(got["rand_weight"].shape)))
    expect.verify()


fixed_inputs = gs.inputs(features=20, max_batch=4, scale=3.0)


@check("modules.FixedHiddenMLP", points=2, visibility="public")
@settings(max_examples=10)
@given(x=fixed_inputs)
def test_fixed_hidden_value(submission: Submission, x: gs.Input) -> None:
    """FixedHiddenMLP's output equals the reference forward on its own weights and rand_weight.
    Catches: halving once (`if`) instead of while the sum is above 1."""
    with describe(f"FixedHiddenMLP() on an {x.describe()}"):
        got = submission.call("modules.fixed_hidden", what="FixedHiddenMLP", X=x.X)
        expect = Expect("FixedHiddenMLP output")
        _fixed_hidden_weights_usable(expect, got)
        with expect.computing("linear weights and rand_weight"):
            reference = fixed_hidden_reference(x.X, got["weight"], got["bias"], got["rand_weight"])
        expect.close(
            "output",
            reference,
            got["output"],
            hint="linear, relu(X @ rand_weight + 1), the same linear, halve while X.abs().sum() > 1, then X.sum()",
        )
        expect.verify()


@check("modules.FixedHiddenMLP", points=1, visibility="public")
@settings(max_examples=8)
@given(x=fixed_inputs)
def test_fixed_hidden_gradient(submission: Submission, x: gs.Input) -> None:
    """The reused linear layer's gradient is the sum over both of its uses, as autograd computes it.
    Catches: the second use of the layer cut off from autograd."""
    with describe(f"FixedHiddenMLP() on an {x.describe()}, then output.backward()"):
        got = submission.call("modules.fixed_hidden", what="FixedHiddenMLP", X=x.X)
        expect = Expect("FixedHiddenMLP gradients")
        _fixed_hidden_weights_usable(expect, got)
        weight = got["weight"].clone().requires_grad_(True)
        bias = None if got["bias"] is None else got["bias"].clone().requires_grad_(True)
        with expect.computing("linear weights and rand_weight"):
            fixed_hidden_reference(x.X, weight, bias, got["rand_weight"]).backward()
        hint = "use the same self.linear twice and let gradients flow through both uses"
        if not got["output_requires_grad"]:
            expect.add("output", "requires_grad", "True", "False", hint=hint)
        else:
            expect.close("linear.weight.grad", weight.grad, got["weight_grad"], hint=hint)
            expect.close("linear.bias.grad", bias.grad, got["bias_grad"], hint=hint)
        expect.verify()


@check("modules.FixedHiddenMLP", points=1, visibility="public")
@settings(max_examples=3)
@given(x=fixed_inputs)
def test_fixed_hidden_rand_weight_is_a_persistent_buffer(
    submission: Submission, x: gs.Input
) -> None:
    """rand_weight is a (20, 20) U[0, 1) tensor in state_dict() but not in parameters(), without gradient.
    Catches: rand_weight stored as a plain attribute, a non-persistent buffer, or a Parameter."""
    with describe("FixedHiddenMLP()"):
        got = submission.call("modules.fixed_hidden", what="FixedHiddenMLP", X=x.X)
        expect = Expect("FixedHiddenMLP.rand_weight")
        hint = "self.register_buffer('rand_weight', torch.rand(20, 20))"
        rand_weight = got["rand_weight"]
        expect.true(
            "state_dict()",
            "rand_weight" in got["state_dict"],
            attribute="keys",
            expected="contains 'rand_weight'",
            got=str(got["state_dict"]),
            hint=hint,
        )
        expect.true(
            "named_parameters()",
            "rand_weight" not in got["parameter_names"],
            attribute="names",
            expected="no 'rand_weight' (it is not trained)",
            got=str(got["parameter_names"]),
            hint=hint,
        )
        expect.equal("requires_grad", False, got["rand_weight_requires_grad"], hint=hint)
        expect.equal("shape", (20, 20), tuple(rand_weight.shape), attribute="shape")
        if tuple(rand_weight.shape) == (20, 20):
            inside = bool(((rand_weight >= 0) & (rand_weight < 1)).all())
            expect.true(
                "values",
                inside,
                attribute="range",
                expected="all in [0, 1)",
                got=f"min {rand_weight.min().item():.3g}, max {rand_weight.max().item():.3g}",
                hint="torch.rand draws from U[0, 1)",
            )
        expect.verify()


@check("modules.FixedHiddenMLP", points=1, visibility="hidden")
@settings(max_examples=2)
@given(x=fixed_inputs)
def test_fixed_hidden_buffer_moves_with_to(submission: Submission, x: gs.Input) -> None:
    """After .to(torch.float64) rand_weight is float64 too: buffers move with their module.
    Catches: rand_weight stored as a plain tensor attribute."""
    with describe("FixedHiddenMLP().to(torch.float64)"):
        got = submission.call("modules.fixed_hidden", what="FixedHiddenMLP", X=x.X)
        expect = Expect("FixedHiddenMLP.rand_weight after .to(torch.float64)")
        expect.equal(
            "dtype",
            "torch.float64",
            got["dtype_after_to"],
            attribute="dtype",
            hint="register rand_weight as a buffer so .to() moves it",
        )
        expect.verify()


# -- NestMLP -------------------------------------------------------------------------------------

NEST_NAMES = [
    "net.0.weight",
    "net.0.bias",
    "net.2.weight",
    "net.2.bias",
    "linear.weight",
    "linear.bias",
]


@check("modules.NestMLP", points=1, visibility="public")
@settings(max_examples=5)
@given(x=gs.inputs(max_width=16))
def test_nest_mlp_parameter_names_and_shapes(submission: Submission, x: gs.Input) -> None:
    """NestMLP's parameters are net.0/net.2/linear weights and biases, of shapes (64, w), (32, 64), (16, 32).
    Catches: the inner layers stored under another attribute than self.net, or wrong widths."""
    width = x.X.shape[1]
    with describe(f"NestMLP() on an {x.describe()}"):
        got = submission.call("modules.nest_mlp", what="NestMLP", X=x.X)
        expect = Expect("NestMLP")
        expect.equal(
            "named_parameters()",
            NEST_NAMES,
            [e["name"] for e in got["after"]],
            attribute="names",
            hint="self.net = nn.Sequential(...), self.linear = nn.LazyLinear(16)",
        )
        expect.equal(
            "parameter shapes",
            [(64, width), (64,), (32, 64), (32,), (16, 32), (16,)],
            specs.report_shapes(got["after"]),
            attribute="shapes",
        )
        expect.verify()


@check("modules.NestMLP", points=2, visibility="public")
@settings(max_examples=10)
@given(x=gs.inputs(max_width=16, scale=2.0))
def test_nest_mlp_output(submission: Submission, x: gs.Input) -> None:
    """NestMLP's output equals linear(relu(l2(relu(l1(X))))) on its own weights.
    Catches: a missing ReLU after the second inner layer."""
    with describe(f"NestMLP() on an {x.describe()}"):
        got = submission.call("modules.nest_mlp", what="NestMLP", X=x.X)
        expect = Expect("NestMLP output")
        values = _values(got["after"])
        width = x.X.shape[1]
        if specs.report_shapes(got["after"]) != [
            (64, width),
            (64,),
            (32, 64),
            (32,),
            (16, 32),
            (16,),
        ]:
            expect.add(
                "parameters",
                "shapes",
                "six tensors: (64, w), (64,), (32, 64), (32,), (16, 32), (16,)",
                str(specs.report_shapes(got["after"])),
            )
            expect.verify()
        for entry in got["after"]:
            expect.usable(entry["name"], entry["value"])
        expect.verify()
        w1, b1, w2, b2, w3, b3 = values
        with expect.computing("parameters"):
            reference = F.linear(F.relu(F.linear(F.relu(F.linear(x.X, w1, b1)), w2, b2)), w3, b3)
        expect.close(
            "output",
            reference,
            got["output"],
            hint="net is LazyLinear(64), ReLU, LazyLinear(32), ReLU; then linear",
        )
        expect.verify()


# -- chimera -------------------------------------------------------------------------------------


@check("modules.chimera", points=1, visibility="public")
@settings(max_examples=1)
@given(x=gs.inputs(max_width=8))
def test_chimera_structure_and_names(submission: Submission, x: gs.Input) -> None:
    """chimera() is Sequential(NestMLP(), LazyLinear(20), FixedHiddenMLP()), its names prefixed by position.
    Catches: the parts in another order, or a non-lazy Linear in the middle."""
    with describe("chimera()"):
        got = submission.call("modules.chimera_structure", what="chimera()")
        s = got["structure"]
        expect = Expect("chimera()")
        hint = "return nn.Sequential(NestMLP(), nn.LazyLinear(20), FixedHiddenMLP())"
        expect.equal("type", True, s["is_sequential"], attribute="is an nn.Sequential", hint=hint)
        expect.equal(
            "parts",
            ["NestMLP", "LazyLinear", "FixedHiddenMLP"],
            s["parts"],
            attribute="types",
            hint=hint,
        )
        if expect.ok:
            expect.equal("part 0", True, s["first_is_nest"], attribute="is your NestMLP", hint=hint)
            expect.equal(
                "part 2", True, s["last_is_fixed"], attribute="is your FixedHiddenMLP", hint=hint
            )
            expect.equal("part 1 out_features", 20, s["middle"]["out_features"], attribute="units")
            expect.equal(
                "part 1", True, s["middle"]["lazy"], attribute="uninitialised before the first call"
            )
            part_names = got["part_names"]
            expected = (
                [f"0.{n}" for n in part_names[0]]
                + ["1.weight", "1.bias"]
                + [f"2.{n}" for n in part_names[2]]
            )
            expect.equal("named_parameters()", expected, got["names"], attribute="names")
        expect.verify()


@check("modules.chimera", points=2, visibility="hidden")
@settings(max_examples=6)
@given(x=gs.inputs(max_width=12, max_batch=4, scale=2.0))
def test_chimera_output_chains_its_parts(submission: Submission, x: gs.Input) -> None:
    """chimera()'s output is a scalar equal to its three parts applied in turn, the middle one F.linear.
    Catches: parts composed in the wrong order."""
    with describe(f"chimera() on an {x.describe()}"):
        got = submission.call("modules.chimera", what="chimera()", X=x.X)
        expect = Expect("chimera() output")
        if got.get("parts_outputs") is None:
            expect.add(
                "chimera()", "structure", "three parts", f"{len(got['structure']['parts'])} parts"
            )
            expect.verify()
        o1, o2, o3 = got["parts_outputs"]
        expect.equal("output shape", (), tuple(got["output"].shape), attribute="shape (a scalar)")
        if got["middle_params"] is not None:
            weight, bias = got["middle_params"]
            if expect.usable("part 1 weight", weight) and (
                bias is None or expect.usable("part 1 bias", bias)
            ):
                with expect.computing("part 1 parameters"):
                    middle = F.linear(o1, weight, bias)
                expect.close("part 1 output", middle, o2)
        expect.close(
            "output",
            o3,
            got["output"].reshape(o3.shape)
            if got["output"].numel() == o3.numel()
            else got["output"],
        )
        expect.verify()


# -- Parallel ------------------------------------------------------------------------------------


@st.composite
def parallel_cases(draw: Any) -> tuple[gs.LayerStack, gs.LayerStack, int | None, gs.Input]:
    width = draw(gs.widths(max_width=8))
    first = draw(
        gs.layer_stacks(
            max_depth=0, shared=False, dropout=False, in_features=width, require_linear=True
        )
    )
    dim = draw(st.sampled_from([None, -1, 1, 0, -2]))
    # Concatenating along the batch dimension needs equal feature widths.
    out_features = first.out_features if dim in (0, -2) else None
    second = draw(
        gs.layer_stacks(
            max_depth=0,
            shared=False,
            dropout=False,
            in_features=width,
            out_features=out_features,
            require_linear=True,
        )
    )
    x = draw(gs.inputs(features=width, max_batch=5))
    return first, second, dim, x


@check("modules.Parallel", points=2, visibility="public")
@settings(max_examples=12)
@given(case=parallel_cases())
def test_parallel_output_concatenates(
    submission: Submission, case: tuple[gs.LayerStack, gs.LayerStack, int | None, gs.Input]
) -> None:
    """Parallel(net1, net2, dim)(X) equals torch.cat((net1(X), net2(X)), dim), with dim=-1 by default.
    Catches: stacking instead of concatenating, or ignoring the dim argument."""
    first, second, dim, x = case
    call = "Parallel(net1, net2)" if dim is None else f"Parallel(net1, net2, dim={dim})"
    with describe(
        f"{call} with net1 = {first.describe('Sequential', root='net1')}, "
        f"net2 = {second.describe('Sequential', root='net2')}, on an {x.describe()}"
    ):
        got = submission.call(
            "modules.parallel", what="Parallel", net1=first.spec, net2=second.spec, X=x.X, dim=dim
        )
        net1, _ = first.build_reference()
        net2, _ = second.build_reference()
        reference = torch.cat((net1(x.X), net2(x.X)), dim=-1 if dim is None else dim).detach()
        expect = Expect("Parallel output")
        expect.close(
            "output",
            reference,
            got["output"],
            hint="torch.cat((self.net1(X), self.net2(X)), dim=self.dim)",
        )
        expect.verify()


@check("modules.Parallel", points=1, visibility="public")
@settings(max_examples=6)
@given(case=parallel_cases())
def test_parallel_registers_both_nets(
    submission: Submission, case: tuple[gs.LayerStack, gs.LayerStack, int | None, gs.Input]
) -> None:
    """Both networks' parameters are registered, as net1.… and net2.…, and are the very parameters given.
    Catches: the two networks kept in a tuple or list, invisible to parameters()."""
    first, second, dim, x = case
    with describe(
        f"Parallel(net1, net2) with net1 = {first.describe('Sequential', root='net1')}, "
        f"net2 = {second.describe('Sequential', root='net2')}"
    ):
        got = submission.call(
            "modules.parallel", what="Parallel", net1=first.spec, net2=second.spec, X=x.X, dim=dim
        )
        net1, reg1 = first.build_reference()
        offset = len(reg1)
        expected = [
            (f"net1.{n}", *specs.parameter_owners(reg1)[id(p)]) for n, p in net1.named_parameters()
        ]
        net2, reg2 = second.build_reference()
        owners2 = specs.parameter_owners(reg2)
        expected += [
            (f"net2.{n}", owners2[id(p)][0] + offset, owners2[id(p)][1])
            for n, p in net2.named_parameters()
        ]
        expect = Expect("Parallel")
        _expect_parameter_owners(
            expect,
            expected,
            got["parameters"],
            hint="store them as self.net1 and self.net2",
            identity_hint="keep the very networks you were given",
        )
        expect.verify()


# -- replicate -----------------------------------------------------------------------------------


@st.composite
def replicate_cases(draw: Any) -> tuple[gs.LayerStack, int, gs.Input]:
    width = draw(gs.widths(max_width=8))
    block = draw(
        gs.layer_stacks(
            max_depth=0,
            shared=False,
            dropout=False,
            min_width=width,
            max_width=width,
            in_features=width,
            require_linear=True,
            min_layers=1,
            max_layers=3,
        )
    )
    n = draw(st.integers(1, 5))
    x = draw(gs.inputs(features=width, max_batch=4))
    return block, n, x


@check("modules.replicate", points=1, visibility="public")
@settings(max_examples=8)
@given(case=replicate_cases(), seed=gs.seeds())
def test_replicate_builds_n_independent_instances(
    submission: Submission, case: tuple[gs.LayerStack, int, gs.Input], seed: int
) -> None:
    """replicate(factory, n) is an nn.Sequential of n distinct factory() results sharing no parameter.
    Catches: [factory()] * n, one instance repeated n times."""
    block, n, x = case
    with describe(f"replicate(factory, {n}) with factory() -> {block.describe('Sequential')}"):
        got = submission.call(
            "modules.replicate", what="replicate", block=block.spec, n=n, X=x.X, seed=seed
        )
        expect = Expect(f"replicate(factory, {n})")
        expect.equal(
            "type",
            True,
            got["is_sequential"],
            attribute="is an nn.Sequential",
            hint="return nn.Sequential(...)",
        )
        expect.equal("number of children", n, len(got["children"]), attribute="count")
        children = got["children"]
        hint = "call factory() once per copy: [factory()] * n repeats one module"
        for place, made in enumerate(children):
            first = children.index(made)
            if made < 0:
                expect.same_object(
                    f"net[{place}]",
                    False,
                    expected="a module factory() returned",
                    got="a module factory() did not make (a copy?)",
                    hint=hint,
                )
            elif first != place:
                expect.same_object(
                    f"net[{place}]",
                    False,
                    expected="a factory() result of its own",
                    got=f"the very module net[{first}] is",
                    hint=hint,
                )
        expect.equal(
            "distinct parameters",
            got["parameter_slots"],
            got["distinct_parameters"],
            attribute="count (none shared)",
            hint=hint,
        )
        expect.verify()


@check("modules.replicate", points=2, visibility="hidden")
@settings(max_examples=8)
@given(case=replicate_cases(), seed=gs.seeds())
def test_replicate_output_chains_the_copies(
    submission: Submission, case: tuple[gs.LayerStack, int, gs.Input], seed: int
) -> None:
    """replicate(factory, n)(X) equals X passed through n copies in turn, each with its own weights.
    Catches: n - 1 copies (an off-by-one in the loop)."""
    block, n, x = case
    with describe(
        f"replicate(factory, {n}) with factory() -> {block.describe('Sequential')}, on an {x.describe()}"
    ):
        got = submission.call(
            "modules.replicate", what="replicate", block=block.spec, n=n, X=x.X, seed=seed
        )
        expect = Expect(f"replicate(factory, {n}) output")
        reference = x.X
        if len(got["child_parameters"]) != n:
            expect.add(
                "children",
                "count",
                str(n),
                str(len(got["child_parameters"])),
                hint="exactly n copies",
            )
            expect.verify()
        for index, params in enumerate(got["child_parameters"]):
            for value in params:
                expect.usable(f"copy {index} parameters", value)
        expect.verify()
        for index, params in enumerate(got["child_parameters"]):
            copy, registry = block.build_reference()
            own = [p for m in registry if isinstance(m, nn.Linear) for p in (m.weight, m.bias)]
            expect.equal(
                f"copy {index} parameter shapes",
                [tuple(p.shape) for p in own],
                [tuple(p.shape) for p in params],
                attribute="shapes",
                hint="each copy must be exactly what factory() returned",
            )
            expect.verify()
            with torch.no_grad():
                for mine, theirs in zip(own, params):
                    mine.copy_(theirs)
            reference = copy(reference).detach()
        expect.close("output", reference, got["output"])
        expect.verify()
