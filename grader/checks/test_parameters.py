"""Checks for the ``parameters`` section: each compares the submission with what PyTorch's own
``named_parameters``, ``state_dict``, ``parameters`` and autograd give on the same network.

Read each check as draw -> probe (in the submission's process) -> PyTorch reference (here) ->
compare. Docstring line 1 is the property; "Catches:" names the mistake it exists for, kept as a
mutant in tests/mutants/parameters/. Networks are random nested stacks with BatchNorm layers
(buffers), a layer used twice (shared parameters) and frozen layers, drawn by ``nets`` below; one
probe call answers several networks at once. ``block2`` is checked against the submission's own
``block1()`` and ``rgnet`` against its own ``block2(n)``, so a mistake costs points in one place.
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
from grader.specs import LOSSES, build_net, describe_net
from grader.submission import Submission


def _numbered(stacks: list[gs.LayerStack]) -> str:
    return "; ".join(f"net {i + 1} = {describe_net(s.spec)}" for i, s in enumerate(stacks))


# -- layer_state ---------------------------------------------------------------------------------


@st.composite
def layer_state_cases(draw: Any) -> list[tuple[gs.LayerStack, int]]:
    """Every layer of two or three nested nets, and of one flat net of 12 or more layers (where
    "1" is a prefix of "10.weight" and "11.bias")."""
    stacks = draw(st.lists(gs.mixed_stacks(max_depth=1), min_size=2, max_size=3))
    stacks.append(draw(gs.mixed_stacks(max_depth=0, min_layers=12, max_layers=13)))
    return [(s, i) for s in stacks for i in range(len(s.spec["items"]))]


def _distinct_stacks(cases: list[tuple[gs.LayerStack, int]]) -> list[gs.LayerStack]:
    """The nets of ``cases``, each once, in order of first appearance."""
    return list({id(stack): stack for stack, _ in cases}.values())


def _layer_state_call(
    submission: Submission, cases: list[tuple[gs.LayerStack, int]]
) -> list[list[Any]]:
    """Each net is sent (and built) once, then asked for each of its layers."""
    stacks = _distinct_stacks(cases)
    number = {id(stack): index for index, stack in enumerate(stacks)}
    return submission.call(
        "parameters.layer_state",
        what="layer_state",
        nets=[stack.spec for stack in stacks],
        cases=[{"net": number[id(stack)], "i": i} for stack, i in cases],
    )


@check("parameters.layer_state", points=2, visibility="public")
@settings(max_examples=3)
@given(cases=layer_state_cases())
def test_layer_state_matches_state_dict(
    submission: Submission, cases: list[tuple[gs.LayerStack, int]]
) -> None:
    """layer_state(net, i) has the keys (buffers included, no prefix) and values of net[i].state_dict(), for nets of up to 16 layers.
    Catches: the layer's named_parameters() (no buffers), layer i counted over children(), which
    skips a layer used twice, or keys picked by the string prefix str(i) ("1" also picks "10.weight")."""
    got = _layer_state_call(submission, cases)
    nets = {id(stack): build_net(stack.spec)[0] for stack in _distinct_stacks(cases)}
    for (stack, i), entries in zip(cases, got):
        net = nets[id(stack)]
        with describe(f"layer_state(net, {i}) with net = {describe_net(stack.spec)}"):
            reference = net[i].state_dict()
            expect = Expect(f"layer_state(net, {i})")
            expect.equal(
                "keys",
                list(reference.keys()),
                [key for key, _, _ in entries],
                attribute="keys",
                hint="return net[i].state_dict(): it holds parameters and buffers, named "
                "within the layer",
            )
            if expect.ok:
                for (key, value), (_, mine, _) in zip(reference.items(), entries):
                    expect.close(f"layer_state(net, {i})[{key!r}]", value, mine)
            expect.verify()


@check("parameters.layer_state", points=1, visibility="public")
@settings(max_examples=2)
@given(cases=layer_state_cases())
def test_layer_state_values_are_detached(
    submission: Submission, cases: list[tuple[gs.LayerStack, int]]
) -> None:
    """Every value layer_state returns is detached from autograd (requires_grad False), as in state_dict().
    Catches: the parameters themselves (state_dict(keep_vars=True) or named_parameters())."""
    got = _layer_state_call(submission, cases)
    for (stack, i), entries in zip(cases, got):
        with describe(f"layer_state(net, {i}) with net = {describe_net(stack.spec)}"):
            expect = Expect(f"layer_state(net, {i})")
            attached = [key for key, _, requires_grad in entries if requires_grad]
            expect.true(
                "values",
                not attached,
                attribute="requires_grad",
                expected="all False (detached tensors)",
                got=f"True for {attached}",
                hint="state_dict() detaches for you; do not pass keep_vars=True",
            )
            expect.verify()


# -- parameter_shapes ----------------------------------------------------------------------------

shape_cases = st.lists(gs.mixed_stacks(), min_size=3, max_size=4)


@check("parameters.parameter_shapes", points=2, visibility="public")
@settings(max_examples=3)
@given(stacks=shape_cases)
def test_parameter_shapes_names_in_order(
    submission: Submission, stacks: list[gs.LayerStack]
) -> None:
    """parameter_shapes(net) names exactly what named_parameters() yields, in its order: frozen ones
    included, buffers and the second use of a shared layer left out.
    Catches: names taken from state_dict() (buffers, shared layers twice) or only trainable ones."""
    with describe(f"parameter_shapes(net) for the networks {_numbered(stacks)}"):
        got = submission.call(
            "parameters.parameter_shapes", what="parameter_shapes", nets=[s.spec for s in stacks]
        )
    for stack, entries in zip(stacks, got):
        net, _ = build_net(stack.spec)
        with describe(f"parameter_shapes(net) with net = {describe_net(stack.spec)}"):
            expect = Expect("parameter_shapes(net)")
            expect.equal(
                "names",
                [name for name, _ in net.named_parameters()],
                [name for name, _, _ in entries],
                attribute="names",
                hint="iterate over net.named_parameters(): no buffers, a shared parameter once, "
                "frozen parameters included",
            )
            expect.verify()


@check("parameters.parameter_shapes", points=1, visibility="public")
@settings(max_examples=2)
@given(stacks=shape_cases)
def test_parameter_shapes_are_tuples(submission: Submission, stacks: list[gs.LayerStack]) -> None:
    """Each shape is the parameter's shape as a tuple of ints.
    Catches: shapes given as lists (list(param.shape)) or transposed."""
    with describe(f"parameter_shapes(net) for the networks {_numbered(stacks)}"):
        got = submission.call(
            "parameters.parameter_shapes", what="parameter_shapes", nets=[s.spec for s in stacks]
        )
    for stack, entries in zip(stacks, got):
        net, _ = build_net(stack.spec)
        with describe(f"parameter_shapes(net) with net = {describe_net(stack.spec)}"):
            expect = Expect("parameter_shapes(net)")
            reference = dict(net.named_parameters())
            for name, shape, is_tuple in entries:
                if name in reference:
                    expect.equal(f"shape of {name!r}", tuple(reference[name].shape), shape)
                    expect.true(
                        f"shape of {name!r}",
                        is_tuple,
                        attribute="type",
                        expected="a tuple",
                        got="a list",
                        hint="tuple(param.shape)",
                    )
            expect.verify()


# -- count_parameters ----------------------------------------------------------------------------


def _count_reference(net: nn.Module, trainable_only: bool) -> int:
    return sum(p.numel() for p in net.parameters() if p.requires_grad or not trainable_only)


def _check_counts(
    submission: Submission, cases: list[tuple[gs.LayerStack, bool | None]], hint: str
) -> None:
    with describe("count_parameters on the networks " + _numbered([stack for stack, _ in cases])):
        got = submission.call(
            "parameters.count_parameters",
            what="count_parameters",
            cases=[{"net": s.spec, "trainable_only": flag} for s, flag in cases],
        )
    for (stack, flag), (count, kind) in zip(cases, got):
        net, _ = build_net(stack.spec)
        call = "count_parameters(net)" if flag is None else f"count_parameters(net, {flag})"
        with describe(f"{call} with net = {describe_net(stack.spec)}"):
            expect = Expect(call)
            if count is None:
                expect.add("result", "type", "an int", f"a {kind}", hint="return a Python int")
            else:
                expect.equal("count", _count_reference(net, bool(flag)), count, hint=hint)
            expect.verify()


@check("parameters.count_parameters", points=2, visibility="public")
@settings(max_examples=3)
@given(stacks=st.lists(gs.mixed_stacks(frozen=False), min_size=3, max_size=4))
def test_count_parameters_counts_each_scalar_once(
    submission: Submission, stacks: list[gs.LayerStack]
) -> None:
    """count_parameters(net) is the number of scalars in net.parameters(): a shared parameter once, buffers not at all.
    Catches: counting over state_dict() or named_parameters(remove_duplicate=False) (a tied layer twice)."""
    _check_counts(
        submission,
        [(s, None) for s in stacks],
        hint="sum p.numel() over net.parameters(), which yields a shared parameter once",
    )


@check("parameters.count_parameters", points=1, visibility="public")
@settings(max_examples=2)
@given(stacks=st.lists(gs.mixed_stacks(), min_size=2, max_size=3))
def test_count_parameters_trainable_only(
    submission: Submission, stacks: list[gs.LayerStack]
) -> None:
    """With trainable_only=True only parameters with requires_grad count; with False all of them.
    Catches: the trainable_only argument ignored."""
    _check_counts(
        submission,
        [(s, flag) for s in stacks for flag in (True, False)],
        hint="with trainable_only, skip parameters whose requires_grad is False",
    )


# -- block1 --------------------------------------------------------------------------------------

BLOCK1_CHILDREN = [("0", "Linear"), ("1", "ReLU"), ("2", "Linear"), ("3", "ReLU")]
BLOCK1_PARAMETERS = [("0.weight", (8, 4)), ("0.bias", (8,)), ("2.weight", (4, 8)), ("2.bias", (4,))]


@check("parameters.block1", points=1, visibility="public")
@settings(max_examples=1)
@given(x=gs.inputs(features=4, max_batch=3))
def test_block1_structure(submission: Submission, x: gs.Input) -> None:
    """block1() is Sequential(Linear(4, 8), ReLU(), Linear(8, 4), ReLU()), new parameters on every call.
    Catches: a missing last ReLU, or one block built once and returned by every call."""
    with describe("block1()"):
        got = submission.call("parameters.block1", what="block1", X=x.X)
        s = got["structure"]
        expect = Expect("block1()")
        hint = "nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 4), nn.ReLU())"
        expect.equal("type", "Sequential", s["type"], attribute="type", hint=hint)
        expect.equal("children", BLOCK1_CHILDREN, s["children"], attribute="layers", hint=hint)
        expect.equal("named_parameters()", BLOCK1_PARAMETERS, s["parameters"], attribute="shapes")
        expect.true(
            "two calls",
            got["fresh"],
            attribute="independence",
            expected="two blocks with their own parameters",
            got="blocks sharing parameters",
            hint="build the layers inside the function, on every call",
        )
        expect.verify()


@check("parameters.block1", points=1, visibility="hidden")
@settings(max_examples=3)
@given(x=gs.inputs(features=4, max_batch=5, scale=2.0))
def test_block1_forward(submission: Submission, x: gs.Input) -> None:
    """block1()(X) equals relu(F.linear(relu(F.linear(X, W0, b0)), W2, b2)) on its own weights.
    Catches: a missing last ReLU."""
    with describe(f"block1() on an {x.describe()}"):
        got = submission.call("parameters.block1", what="block1", X=x.X)
        expect = Expect("block1() output")
        layers = got["layers"]
        if len(layers) != 4 or layers[0] is None or layers[2] is None:
            expect.add("block1()", "layers", "Linear, ReLU, Linear, ReLU", str(got["structure"]))
            expect.verify()
        (w0, b0), (w2, b2) = layers[0], layers[2]
        reference = F.relu(F.linear(F.relu(F.linear(x.X, w0, b0)), w2, b2))
        expect.close("output", reference, got["output"], hint="a ReLU after each Linear")
        expect.verify()


# -- block2 --------------------------------------------------------------------------------------

block_counts = st.one_of(st.none(), st.integers(1, 6))


def _block2_call(submission: Submission, n: int | None, x: gs.Input) -> dict[str, Any]:
    return submission.call("parameters.block2", what="block2", n=n, X=x.X)


def _block2_name(n: int | None) -> str:
    return "block2()" if n is None else f"block2({n})"


@check("parameters.block2", points=1, visibility="public")
@settings(max_examples=3)
@given(n=block_counts, x=gs.inputs(features=4, max_batch=3))
def test_block2_children_names(submission: Submission, n: int | None, x: gs.Input) -> None:
    """block2(n) is an nn.Sequential whose children are named "block 0" … "block n-1" (n = 4 by default).
    Catches: names counted from 1, or n ignored."""
    count = 4 if n is None else n
    with describe(_block2_name(n)):
        got = _block2_call(submission, n, x)
        expect = Expect(_block2_name(n))
        expect.equal("type", True, got["is_sequential"], attribute="is an nn.Sequential")
        expect.equal(
            "children names",
            [f"block {i}" for i in range(count)],
            got["names"],
            attribute="names",
            hint='net.add_module(f"block {i}", block1()) for i in range(n)',
        )
        expect.verify()


@check("parameters.block2", points=1, visibility="public")
@settings(max_examples=3)
@given(n=st.integers(2, 6), x=gs.inputs(features=4, max_batch=3))
def test_block2_children_are_independent_block1s(
    submission: Submission, n: int, x: gs.Input
) -> None:
    """Each child of block2(n) is built like your block1() (same layers and shapes), and no two
    children share a module or a parameter.
    Catches: [block1()] * n, one block repeated n times."""
    with describe(_block2_name(n)):
        got = _block2_call(submission, n, x)
        expect = Expect(_block2_name(n))
        for name, child in zip(got["names"], got["children"]):
            expect.equal(
                f"child {name!r}",
                got["block1"],
                child,
                attribute="structure (as your block1())",
                hint="each child is a block1()",
            )
        if got["block1_fresh"]:  # else block1 itself shares (block1's checks say so)
            independent = got["distinct_children"] and not got["shared_parameters"]
            expect.true(
                "children",
                independent,
                attribute="independence",
                expected=f"{n} different blocks with their own parameters",
                got="the same block (or parameters) more than once",
                hint="call block1() once per child",
            )
        expect.verify()


@check("parameters.block2", points=1, visibility="public")
@settings(max_examples=3)
@given(n=block_counts, x=gs.inputs(features=4, max_batch=4, scale=2.0))
def test_block2_forward_chains_the_blocks(
    submission: Submission, n: int | None, x: gs.Input
) -> None:
    """block2(n)(X) equals X passed through its children in order.
    Catches: a forward that applies only one block."""
    with describe(f"{_block2_name(n)} on an {x.describe()}"):
        got = _block2_call(submission, n, x)
        expect = Expect(f"{_block2_name(n)} output")
        expect.close(
            "output",
            got["chained"],
            got["output"],
            hint="the input goes through every block, in order",
        )
        expect.verify()


# -- rgnet ---------------------------------------------------------------------------------------


@check("parameters.rgnet", points=1, visibility="public")
@settings(max_examples=3)
@given(n=block_counts, x=gs.inputs(features=4, max_batch=3))
def test_rgnet_state_dict_keys(submission: Submission, n: int | None, x: gs.Input) -> None:
    """rgnet(n).state_dict() keys are "0." + those of your block2(n), then "1.weight", "1.bias"
    (e.g. "0.block 1.0.bias").
    Catches: n not passed on to block2, or the blocks flattened into rgnet."""
    name = "rgnet()" if n is None else f"rgnet({n})"
    with describe(name):
        got = submission.call("parameters.rgnet", what="rgnet", n=n, X=x.X)
        expect = Expect(name)
        expect.equal("type", True, got["is_sequential"], attribute="is an nn.Sequential")
        expected = [f"0.{k}" for k in got["block2_state_dict"]] + ["1.weight", "1.bias"]
        expect.equal(
            "state_dict() keys",
            expected,
            got["state_dict"],
            attribute="keys",
            hint=f"nn.Sequential(block2({'' if n is None else 'n'}), nn.Linear(4, 1)): "
            "block2 is one child",
        )
        expect.verify()


@check("parameters.rgnet", points=1, visibility="public")
@settings(max_examples=3)
@given(n=block_counts, x=gs.inputs(features=4, max_batch=4, scale=2.0))
def test_rgnet_forward(submission: Submission, n: int | None, x: gs.Input) -> None:
    """rgnet(n)(X) is F.linear(rgnet[0](X), W, b) with rgnet[1] a Linear(4, 1): shape (batch, 1).
    Catches: an activation after the final Linear."""
    name = "rgnet()" if n is None else f"rgnet({n})"
    with describe(f"{name} on an {x.describe()}"):
        got = submission.call("parameters.rgnet", what="rgnet", n=n, X=x.X)
        expect = Expect(f"{name} output")
        head = got["head"]
        if head is None or got["part0_output"] is None:
            expect.add(name, "parts", "[block2, Linear]", str(got["parts"]))
            expect.verify()
        weight, bias = head
        expect.equal("rgnet[1] weight shape", (1, 4), tuple(weight.shape), attribute="shape")
        if expect.ok:
            reference = F.linear(got["part0_output"], weight, bias)
            expect.close("output", reference, got["output"], hint="the Linear(4, 1) comes last")
        expect.verify()


# -- get_parameter -------------------------------------------------------------------------------


@st.composite
def chapter_nets(draw: Any) -> gs.LayerStack:
    """The chapter's rgnet as a spec: Sequential(blocks named "block i", Linear(4, 1)); one block
    may be the very same module as an earlier one."""
    n = draw(st.integers(1, 4))
    generator = torch.Generator().manual_seed(draw(gs.seeds()))
    blocks: list[specs.Node] = []
    slots: list[int] = []
    slot = 2  # the outer seq is 0, the block container 1
    for i in range(n):
        if i and draw(st.integers(0, 2)) == 0:
            blocks.append({"kind": "ref", "target": draw(st.sampled_from(slots))})
            continue
        block = {
            "kind": "seq",
            "items": [
                gs.linear_node(4, 8, generator),
                {"kind": "relu"},
                gs.linear_node(8, 4, generator),
                {"kind": "relu"},
            ],
        }
        slots.append(slot)
        slot += 5
        blocks.append(block)
    container = {"kind": "seq", "items": blocks, "names": [f"block {i}" for i in range(n)]}
    spec = {"kind": "seq", "items": [container, gs.linear_node(4, 1, generator)]}
    return gs.LayerStack(spec, 4, 1)


def _module_at(net: nn.Module, path: list[str]) -> nn.Module:
    for part in path:
        net = net._modules[part]
    return net


@st.composite
def bad_names(draw: Any, stack: gs.LayerStack) -> tuple[str, str]:
    """A dotted name with one missing part (a child or parameter that does not exist) and that part."""
    net, _ = build_net(stack.spec)
    names = [n for n, _ in net.named_parameters(remove_duplicate=False)]
    parts = draw(st.sampled_from(names)).split(".")
    at = draw(st.integers(0, len(parts) - 1))
    if at == len(parts) - 1:
        missing = draw(st.sampled_from(["weights", "bais", "kernel"]))
    else:
        children = _module_at(net, parts[:at])._modules
        numbered = [k for k in children if k.isdigit()]
        offset = draw(st.integers(0, 3))
        if numbered:
            missing = str(len(children) + offset)
        else:
            missing = f"block {len(children) + offset}"
    return ".".join([*parts[:at], missing, *parts[at + 1 :]]), missing


@st.composite
def get_parameter_cases(draw: Any) -> list[tuple[gs.LayerStack, list[str], list[tuple[str, str]]]]:
    stacks = [draw(chapter_nets()), *draw(st.lists(gs.mixed_stacks(), min_size=1, max_size=2))]
    cases = []
    for stack in stacks:
        net, _ = build_net(stack.spec)
        names = [n for n, _ in net.named_parameters(remove_duplicate=False)]
        bad = draw(st.lists(bad_names(stack), min_size=2, max_size=3, unique_by=lambda b: b[0]))
        cases.append((stack, names, bad))
    return cases


def _get_parameter_call(submission: Submission, cases: list[Any]) -> list[dict[str, Any]]:
    with describe("get_parameter on the networks " + _numbered([s for s, _, _ in cases])):
        return submission.call(
            "parameters.get_parameter",
            what="get_parameter",
            cases=[{"net": s.spec, "names": names, "bad": bad} for s, names, bad in cases],
        )


@check("parameters.get_parameter", points=2, visibility="public")
@settings(max_examples=3)
@given(cases=get_parameter_cases())
def test_get_parameter_returns_the_very_parameter(submission: Submission, cases: list[Any]) -> None:
    """get_parameter(net, name) is (`is`) the parameter net holds under that name, for every name
    named_parameters(remove_duplicate=False) yields, the second path to a shared layer included.
    Catches: a copy (.data, .clone()), or a lookup in dict(named_parameters()), which lacks the
    second path to a shared layer."""
    got = _get_parameter_call(submission, cases)
    for (stack, _, _), report in zip(cases, got):
        with describe(f"get_parameter(net, name) with net = {describe_net(stack.spec)}"):
            expect = Expect("get_parameter(net, name)")
            for name, same, kind in report["found"]:
                expect.true(
                    f"get_parameter(net, {name!r})",
                    same,
                    attribute="identity",
                    expected="the very nn.Parameter the network holds",
                    got=f"another object (a {kind})",
                    hint="walk the modules and return the Parameter itself, not .data or a copy",
                )
            expect.verify()


@check("parameters.get_parameter", points=1, visibility="public")
@settings(max_examples=3)
@given(cases=get_parameter_cases())
def test_get_parameter_bad_name_raises_key_error(submission: Submission, cases: list[Any]) -> None:
    """A name with a part that does not exist raises KeyError, and the message names that part.
    Catches: nn.Module.get_parameter's AttributeError let through, or None returned."""
    got = _get_parameter_call(submission, cases)
    for (stack, _, bad), report in zip(cases, got):
        with describe(f"get_parameter(net, name) with net = {describe_net(stack.spec)}"):
            expect = Expect("get_parameter(net, name)")
            for (name, part), (_, raised) in zip(bad, report["bad"]):
                expected = f"KeyError naming {part!r}"
                if raised["type"] is None:
                    got_text = "no exception"
                elif not raised["is_key_error"]:
                    got_text = raised["type"]
                else:
                    got_text = f"a KeyError whose message does not contain {part!r}"
                hint = "raise KeyError(part) for the first part of the name that is missing"
                if raised["type"] == "AttributeError":
                    hint = (
                        "nn.Module.get_parameter raises AttributeError: walk _modules and "
                        "_parameters yourself and raise KeyError(part)"
                    )
                expect.raised(
                    f"get_parameter(net, {name!r})",
                    raised["is_key_error"] and raised["names_part"],
                    expected=expected,
                    got=got_text,
                    message=raised["message"],
                    trace=raised["trace"],
                    hint=hint,
                )
            expect.verify()


# -- gradients -----------------------------------------------------------------------------------


@st.composite
def gradient_cases(draw: Any) -> list[dict[str, Any]]:
    """Networks (every trainable parameter reaches the loss), inputs, targets, a loss, and the .grad
    each parameter holds before the call: None or a drawn tensor."""
    cases = []
    for _ in range(draw(st.integers(2, 3))):
        stack = draw(gs.mixed_stacks(out_features=draw(st.integers(1, 3))))
        net, _ = build_net(stack.spec)
        batch = draw(gs.batch_sizes(max_size=5))
        generator = torch.Generator().manual_seed(draw(gs.seeds()))
        before = [
            torch.randn(param.shape, generator=generator)
            if torch.rand((), generator=generator) < 0.5
            else None
            for _, param in net.named_parameters()
        ]
        cases.append(
            {
                "stack": stack,
                "X": gs.make_tensor((batch, stack.in_features), draw(gs.seeds())),
                "y": gs.make_tensor((batch, stack.out_features), draw(gs.seeds())),
                "loss": draw(st.sampled_from(sorted(LOSSES))),
                "before": before,
            }
        )
    return cases


def _gradients_call(submission: Submission, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    with describe(
        "gradients(net, X, y, loss_fn) on the networks " + _numbered([c["stack"] for c in cases])
    ):
        return submission.call(
            "parameters.gradients",
            what="gradients",
            cases=[
                {"net": c["stack"].spec, **{k: c[k] for k in ("X", "y", "loss", "before")}}
                for c in cases
            ],
        )


def _gradients_case(case: dict[str, Any]) -> str:
    held = sum(grad is not None for grad in case["before"])
    return (
        f"gradients(net, X, y, loss_fn) with net = {describe_net(case['stack'].spec)} in eval "
        f"mode, X of shape {tuple(case['X'].shape)}, {case['loss']} loss; before the call "
        f"{held} of {len(case['before'])} parameters hold a .grad"
    )


def _gradients_reference(case: dict[str, Any]) -> dict[str, torch.Tensor]:
    net, _ = build_net(case["stack"].spec)
    net.eval()
    named = [(n, p) for n, p in net.named_parameters() if p.requires_grad]
    loss = LOSSES[case["loss"]](net(case["X"]), case["y"])
    grads = torch.autograd.grad(loss, [p for _, p in named])
    return {name: grad for (name, _), grad in zip(named, grads)}


@check("parameters.gradients", points=1, visibility="public")
@settings(max_examples=2)
@given(cases=gradient_cases())
def test_gradients_names(submission: Submission, cases: list[dict[str, Any]]) -> None:
    """gradients returns one entry per trainable parameter, in named_parameters() order: frozen ones
    absent, a shared parameter once.
    Catches: frozen parameters included, or a shared parameter listed under both of its names."""
    got = _gradients_call(submission, cases)
    for case, report in zip(cases, got):
        with describe(_gradients_case(case)):
            expect = Expect("gradients(...)")
            expect.equal(
                "keys",
                list(_gradients_reference(case)),
                [name for name, _ in report["returned"]],
                attribute="names",
                hint="go through net.named_parameters() and keep those with requires_grad",
            )
            expect.verify()


@check("parameters.gradients", points=2, visibility="public")
@settings(max_examples=3)
@given(cases=gradient_cases())
def test_gradients_values_match_autograd(
    submission: Submission, cases: list[dict[str, Any]]
) -> None:
    """Each returned gradient equals torch.autograd.grad of the loss, whatever .grad held before.
    Catches: loss.backward() on top of an existing .grad (the old gradient added in)."""
    got = _gradients_call(submission, cases)
    for case, report in zip(cases, got):
        with describe(_gradients_case(case)):
            expect = Expect("gradients(...)")
            returned = dict(report["returned"])
            for name, grad in _gradients_reference(case).items():
                if name in returned:
                    expect.close(
                        f"gradients(...)[{name!r}]",
                        grad,
                        returned[name],
                        hint="start from no gradient: torch.autograd.grad(loss, params), or "
                        "set .grad to None before backward()",
                    )
            expect.verify()


@check("parameters.gradients", points=2, visibility="public")
@settings(max_examples=2)
@given(cases=gradient_cases())
def test_gradients_leave_grad_as_found(submission: Submission, cases: list[dict[str, Any]]) -> None:
    """After gradients(...) every parameter's .grad is what it was before: None stays None, an
    existing gradient keeps its values.
    Catches: .grad left holding the new gradient, or zeroed by net.zero_grad()."""
    got = _gradients_call(submission, cases)
    for case, report in zip(cases, got):
        net, _ = build_net(case["stack"].spec)
        names = [name for name, _ in net.named_parameters()]
        with describe(_gradients_case(case)):
            expect = Expect("net after gradients(...)")
            hint = "restore every .grad (or use torch.autograd.grad, which leaves .grad alone)"
            for name, before, after in zip(names, case["before"], report["after"]):
                path = f"{name}.grad"
                if before is None or after is None:
                    expect.true(
                        path,
                        before is None and after is None,
                        attribute="after the call",
                        expected="None, as before" if before is None else "the gradient it held",
                        got="None" if after is None else "a tensor",
                        hint=hint,
                    )
                else:
                    expect.close(path, before, after, hint=hint)
            expect.verify()
