"""grader/strategies.py and grader/specs.py: drawn inputs and layer stacks, built on both sides."""

from __future__ import annotations

import copy

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from grader import specs
from grader import strategies as gs

FAST = settings(max_examples=30, deadline=None, database=None)


def walk(node: specs.Node):
    """Every node in pre-order (refs included)."""
    yield node
    if node["kind"] == "seq":
        for child in node["items"]:
            yield from walk(child)


def kinds(stack: gs.LayerStack) -> list[str]:
    return [node["kind"] for node in walk(stack.spec)]


def built(stack: gs.LayerStack) -> tuple[nn.Module, list[nn.Module | None]]:
    registry: list[nn.Module | None] = []
    return specs.build(stack.spec, nn.Sequential, registry), registry


def run_forward(stack: gs.LayerStack) -> torch.Tensor:
    model, _ = built(stack)
    with torch.no_grad():
        return model(torch.randn(2, stack.in_features))


def draw_once(strategy) -> None:
    """Draw one value inside a @given test (where strategies are meant to be drawn)."""

    @settings(max_examples=1, deadline=None, database=None)
    @given(strategy)
    def probe(value):
        pass

    probe()


def linear_spec(n_in, n_out, *, bias=True):
    return {
        "kind": "linear",
        "in": n_in,
        "out": n_out,
        "weight": torch.randn(n_out, n_in),
        "bias": torch.randn(n_out) if bias else None,
    }


# ---------------------------------------------------------------------------------------------
# Bounds are checked up front and named


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: gs.widths(min_width=3, max_width=2), ["min_width=3", "max_width=2"]),
        (lambda: gs.widths(min_width=0), ["min_width=0"]),
        (lambda: gs.batch_sizes(min_size=0), ["min_size"]),
        (lambda: gs.batch_sizes(min_size=5, max_size=4), ["min_size=5", "max_size=4"]),
        (lambda: gs.inputs(min_batch=0), ["min_batch=0"]),
        (lambda: gs.inputs(min_batch=3, max_batch=1), ["min_batch=3", "max_batch=1"]),
    ],
    ids=["widths-order", "widths-zero", "batch-zero", "batch-order", "inputs-zero", "inputs-order"],
)
def test_bad_bounds_are_refused_naming_the_argument(make, words):
    """Is a bound out of range refused when the strategy is made, naming the argument?"""
    with pytest.raises(ValueError) as info:
        make()
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"min_layers": 3, "max_layers": 2}, ["min_layers=3", "max_layers=2"]),
        ({"min_layers": -1}, ["min_layers=-1"]),
        ({"min_width": 4, "max_width": 3}, ["min_width=4", "max_width=3"]),
        ({"max_depth": -1}, ["max_depth=-1"]),
    ],
)
def test_bad_layer_stack_bounds_are_refused_naming_the_argument(kwargs, words):
    """Does drawing from layer_stacks with a bad bound raise ValueError naming the argument?"""
    with pytest.raises(ValueError) as info:
        draw_once(gs.layer_stacks(**kwargs))
    for word in words:
        assert word in str(info.value)


def test_bad_layer_stack_bounds_are_refused_when_the_strategy_is_made():
    """Is layer_stacks(min_layers=3, max_layers=2) refused at once, like widths(...) is?"""
    with pytest.raises(ValueError, match="min_layers=3"):
        gs.layer_stacks(min_layers=3, max_layers=2)


# ---------------------------------------------------------------------------------------------
# Layer stacks


@FAST
@given(gs.layer_stacks(max_depth=2, max_layers=4))
def test_every_drawn_stack_builds_and_runs(stack):
    """Does every drawn stack build around nn.Sequential and map (2, in) to (2, out)?"""
    out = run_forward(stack)
    assert out.shape == (2, stack.out_features)
    assert torch.isfinite(out).all()
    model, registry = stack.build_reference()
    assert isinstance(model, nn.Sequential)
    assert registry[0] is model
    assert all(module is not None for module in registry)


def check_refs(stack: gs.LayerStack) -> int:
    """Walk the spec as build does; every ref must name an earlier square Linear of the width
    flowing at that point. Returns the number of refs seen."""
    _, registry = built(stack)
    counter = 0
    refs = 0

    def visit(node, width):
        nonlocal counter, refs
        kind = node["kind"]
        if kind == "ref":
            refs += 1
            target = node["target"]
            assert 0 <= target < counter
            module = registry[target]
            assert isinstance(module, nn.Linear)
            assert module.in_features == module.out_features == width
            return width
        module = registry[counter]
        counter += 1
        if kind == "linear":
            assert isinstance(module, nn.Linear)
            assert node["in"] == width == module.in_features
            return node["out"]
        if kind == "seq":
            assert isinstance(module, nn.Sequential)
            for child in node["items"]:
                width = visit(child, width)
        return width

    assert visit(stack.spec, stack.in_features) == stack.out_features
    assert counter == len(registry)
    return refs


@FAST
@given(gs.layer_stacks(max_depth=2, max_layers=5, max_width=3))
def test_refs_point_back_to_an_earlier_square_linear_of_the_current_width(stack):
    """Does every "ref" name a square Linear, built earlier in pre-order, of the width at that point?"""
    check_refs(stack)


def test_refs_are_valid_in_stacks_dense_with_refs():
    """In narrow stacks of Linears only (where refs are frequent), is every ref still valid?"""
    refs = []

    @settings(max_examples=50, deadline=None, database=None)
    @given(
        gs.layer_stacks(
            max_depth=2, min_layers=4, max_layers=8, max_width=2, activations=False, dropout=False
        )
    )
    def probe(stack):
        refs.append(check_refs(stack))

    probe()
    assert sum(refs) > 0  # the property was exercised


@FAST
@given(gs.layer_stacks(max_layers=6))
def test_a_ref_reuses_the_very_same_module(stack):
    """Is a referenced Linear the same object in both places of the built model?"""
    model, registry = built(stack)
    targets = {node["target"] for node in walk(stack.spec) if node["kind"] == "ref"}
    modules = list(model.modules())  # unique modules only
    for target in targets:
        assert sum(m is registry[target] for m in modules) == 1
    appearances = sum(
        1 for node in walk(stack.spec) if node["kind"] in ("linear", "relu", "tanh", "dropout")
    )
    assert len([m for m in modules if not isinstance(m, nn.Sequential)]) == appearances


def test_shared_stacks_do_draw_refs():
    """With shared=True, do refs actually occur (so the ref properties above are exercised)?"""
    found = []

    @settings(max_examples=200, deadline=None, database=None)
    @given(gs.layer_stacks(max_layers=6, min_layers=4, max_width=2))
    def probe(stack):
        found.append("ref" in kinds(stack))

    probe()
    assert any(found)


@FAST
@given(gs.layer_stacks(shared=False, max_depth=2, max_width=2))
def test_unshared_stacks_have_no_refs(stack):
    """With shared=False, is no module ever used twice?"""
    assert "ref" not in kinds(stack)
    model, registry = built(stack)
    assert len(list(model.modules())) == len(registry)


@FAST
@given(gs.layer_stacks(dropout=False, max_depth=2))
def test_stacks_without_dropout_have_none(stack):
    """With dropout=False, is there no Dropout node (so outputs are deterministic)?"""
    assert "dropout" not in kinds(stack)
    model, _ = built(stack)
    model.train()
    X = torch.randn(3, stack.in_features)
    assert torch.equal(model(X), model(X))


@FAST
@given(gs.layer_stacks(activations=False, dropout=False))
def test_stacks_without_activations_have_only_linears(stack):
    """With activations=False and dropout=False, are all leaves Linears (or refs to them)?"""
    leaves = {k for k in kinds(stack) if k != "seq"}
    assert leaves <= {"linear", "ref"}


@FAST
@given(gs.layer_stacks(require_linear=True, min_layers=0, max_layers=2, shared=False))
def test_require_linear_guarantees_a_linear(stack):
    """With require_linear=True, does every stack (even one drawn empty) hold a Linear?"""
    model, _ = built(stack)
    assert any(isinstance(m, nn.Linear) for m in model.modules())


@FAST
@given(gs.layer_stacks(min_layers=0, max_layers=0))
def test_an_empty_stack_is_the_identity(stack):
    """Is a stack with no layers an empty Sequential that returns its input?"""
    assert stack.spec["items"] == []
    assert stack.in_features == stack.out_features
    X = torch.randn(2, stack.in_features)
    assert torch.equal(built(stack)[0](X), X)


@FAST
@given(st.data())
def test_fixed_in_and_out_features_are_honoured(data):
    """Do in_features=i and out_features=k give a stack from width i to width k?"""
    i = data.draw(st.integers(1, 6), label="in_features")
    k = data.draw(st.integers(1, 6), label="out_features")
    stack = data.draw(gs.layer_stacks(in_features=i, out_features=k, max_depth=2))
    assert (stack.in_features, stack.out_features) == (i, k)
    last = stack.spec["items"][-1]
    assert last["kind"] == "linear" and last["out"] == k
    assert run_forward(stack).shape == (2, k)


@FAST
@given(gs.layer_stacks(min_width=3, max_width=4, min_layers=1, max_layers=3))
def test_widths_stay_within_bounds(stack):
    """Are all drawn widths (input and every Linear) within min_width..max_width?"""
    assert 3 <= stack.in_features <= 4
    for node in walk(stack.spec):
        if node["kind"] == "linear":
            assert 3 <= node["in"] <= 4 and 3 <= node["out"] <= 4


@FAST
@given(gs.layer_stacks(max_depth=0, max_layers=5))
def test_max_depth_zero_means_no_nesting(stack):
    """With max_depth=0, is the top-level stack the only seq?"""
    assert kinds(stack).count("seq") == 1


def test_the_same_draw_gives_the_same_weights():
    """Does the same hypothesis draw give the same weights (they come from a drawn seed)?"""
    first = gs.layer_stacks(min_layers=2, out_features=3)
    seen = []

    @settings(max_examples=5, deadline=None, database=None, derandomize=True)
    @given(first)
    def probe(stack):
        seen.append([n["weight"].clone() for n in walk(stack.spec) if n["kind"] == "linear"])

    probe()
    again = list(seen)
    seen.clear()
    probe()
    assert len(again) == len(seen) > 0
    for a, b in zip(again, seen):
        assert len(a) == len(b) and all(torch.equal(x, y) for x, y in zip(a, b))


# ---------------------------------------------------------------------------------------------
# Tensors and inputs


def test_make_tensor_is_reproducible_from_its_seed():
    """Does the same seed give the identical tensor, and a different seed a different one?"""
    a = gs.make_tensor((3, 4), 7)
    b = gs.make_tensor((3, 4), 7)
    c = gs.make_tensor((3, 4), 8)
    assert a.shape == (3, 4) and a.dtype == torch.float32
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_make_tensor_honours_dtype_and_scale():
    """Does make_tensor give the requested dtype, scaled values of the same draw?"""
    base = gs.make_tensor((5,), 3, dtype=torch.float64)
    scaled = gs.make_tensor((5,), 3, dtype=torch.float64, scale=10.0)
    assert scaled.dtype == torch.float64
    assert torch.allclose(scaled, base * 10)
    assert torch.equal(gs.make_tensor((5,), 3), base.to(torch.float32))


def test_make_tensor_does_not_touch_the_global_rng():
    """Is torch's global RNG left as it was (a private generator is used)?"""
    state = torch.get_rng_state()
    gs.make_tensor((100,), 1)
    assert torch.equal(torch.get_rng_state(), state)


@FAST
@given(gs.inputs(features=5, min_batch=2, max_batch=3))
def test_inputs_have_the_requested_shape(drawn):
    """Do inputs() give float32 (batch, features) tensors within the batch bounds?"""
    assert drawn.X.dtype == torch.float32
    assert drawn.X.shape[1] == 5 and 2 <= drawn.X.shape[0] <= 3
    assert drawn.describe() == f"input of shape ({drawn.X.shape[0]}, 5) (float32)"


@FAST
@given(gs.seeds(), gs.batch_sizes(), gs.widths())
def test_scalar_strategies_stay_within_defaults(seed, batch, width):
    """Are seeds, batch sizes and widths within their stated defaults?"""
    assert 0 <= seed <= gs.MAX_SEED
    assert 1 <= batch <= 8
    assert 1 <= width <= 12


# ---------------------------------------------------------------------------------------------
# specs


def hand_spec():
    shared = linear_spec(3, 3)
    return {
        "kind": "seq",
        "items": [
            shared,
            {"kind": "relu"},
            {"kind": "seq", "items": [{"kind": "tanh"}, {"kind": "dropout", "p": 0.5}]},
            {"kind": "ref", "target": 1},
            linear_spec(3, 2, bias=False),
        ],
    }


def test_describe_renders_a_stack_as_a_student_would_write_it():
    """Does describe render nodes as constructor calls, and a module used again by its place in
    the net ('net[0] again'), never by an internal number?"""
    simple = {"kind": "seq", "items": [linear_spec(3, 5), {"kind": "relu"}]}
    assert specs.describe(simple) == "MySequential(Linear(3, 5), ReLU())"
    assert specs.describe(hand_spec(), "nn.Sequential") == (
        "nn.Sequential(Linear(3, 3), ReLU(), nn.Sequential(Tanh(), Dropout(0.5)), "
        "net[0] again, Linear(3, 2, bias=False))"
    )
    assert "net1[0] again" in specs.describe(hand_spec(), root="net1")


def test_module_paths_name_each_module_by_its_place():
    """Does module_paths give each created module its place as code ('net[2][1]'), and a named
    child its name ('net.block 1')?"""
    assert specs.module_paths(hand_spec()) == {
        0: "net",
        1: "net[0]",
        2: "net[1]",
        3: "net[2]",
        4: "net[2][0]",
        5: "net[2][1]",
        6: "net[4]",
    }
    named = {
        "kind": "seq",
        "items": [{"kind": "seq", "items": [{"kind": "relu"}]}, {"kind": "tanh"}],
        "names": ["block 0", "block 1"],
    }
    assert specs.module_paths(named) == {
        0: "net",
        1: "net.block 0",
        2: "net.block 0[0]",
        3: "net.block 1",
    }


def test_layer_stack_describe_uses_specs_describe():
    """Does LayerStack.describe give the same text as specs.describe on its spec?"""
    stack = gs.LayerStack(hand_spec(), 3, 2)
    assert stack.describe() == specs.describe(hand_spec())
    assert stack.describe("Seq").startswith("Seq(Linear(3, 3)")


def test_build_numbers_modules_in_pre_order_and_copies_weights():
    """Does build register every created module in pre-order, with the spec's weights?"""
    spec = hand_spec()
    registry: list[nn.Module | None] = []
    model = specs.build(spec, nn.Sequential, registry)
    assert [type(m).__name__ for m in registry] == [
        "Sequential",
        "Linear",
        "ReLU",
        "Sequential",
        "Tanh",
        "Dropout",
        "Linear",
    ]
    assert registry[0] is model
    assert model[3] is model[0] is registry[1]
    assert torch.equal(registry[1].weight, spec["items"][0]["weight"])
    assert torch.equal(registry[1].bias, spec["items"][0]["bias"])
    assert registry[6].bias is None
    assert registry[5].p == 0.5
    assert model(torch.randn(4, 3)).shape == (4, 2)


def test_build_refuses_a_ref_to_the_container_being_built():
    """Does a ref to a module not finished yet (its own container) raise ValueError?"""
    spec = {"kind": "seq", "items": [{"kind": "ref", "target": 0}]}
    with pytest.raises(ValueError, match="built before"):
        specs.build(spec, nn.Sequential, [])


def test_build_refuses_a_ref_to_a_later_module():
    """Does a ref to a module that comes later in pre-order raise ValueError?"""
    spec = {"kind": "seq", "items": [{"kind": "ref", "target": 2}, linear_spec(3, 3)]}
    with pytest.raises(ValueError, match="built before"):
        specs.build(spec, nn.Sequential, [])


def test_build_refuses_an_unknown_kind():
    """Is an unknown node kind a ValueError naming it?"""
    with pytest.raises(ValueError, match="'conv'"):
        specs.build({"kind": "conv"}, nn.Sequential, [])


def test_parameter_owners_identify_each_parameter_once_by_identity():
    """Does parameter_owners map each parameter object to its owning module's index and name?"""
    registry: list[nn.Module | None] = []
    specs.build(hand_spec(), nn.Sequential, registry)
    owners = specs.parameter_owners(registry)
    assert owners == {
        id(registry[1].weight): (1, "weight"),
        id(registry[1].bias): (1, "bias"),
        id(registry[6].weight): (6, "weight"),
    }
    # A copy with equal values is a different parameter.
    assert id(copy.deepcopy(registry[1]).weight) not in owners


def test_parameter_owners_skip_unfinished_slots():
    """Are None slots in a registry (modules still being built) skipped?"""
    lin = nn.Linear(2, 2)
    assert specs.parameter_owners([None, lin]) == {
        id(lin.weight): (1, "weight"),
        id(lin.bias): (1, "bias"),
    }


def test_index_of_finds_the_very_object():
    """Does index_of find a module by identity, and give -1 for an equal copy?"""
    registry: list[nn.Module | None] = []
    model = specs.build(hand_spec(), nn.Sequential, registry)
    assert specs.index_of(model, registry) == 0
    assert specs.index_of(model[0], registry) == 1
    assert specs.index_of(model[3], registry) == 1
    assert specs.index_of(model[4], registry) == 6
    assert specs.index_of(copy.deepcopy(model[0]), registry) == -1
    assert specs.index_of(nn.ReLU(), registry) == -1
    assert specs.index_of(None, [None]) == 0


# ---------------------------------------------------------------------------------------------
# Strategies several checks share (moved out of the check files)


@FAST
@given(shape=gs.shapes(min_dims=2, max_dims=3, max_side=4, last=5))
def test_shapes_keep_their_bounds(shape: tuple[int, ...]) -> None:
    assert 2 <= len(shape) <= 3
    assert all(1 <= side <= 4 for side in shape[:-1]) and shape[-1] == 5


@FAST
@given(mixture=gs.mixtures())
def test_mixtures_are_valid(mixture: tuple[tuple[float, float, float], ...]) -> None:
    """Do the weights sum to 1 and every component have low <= high, 1 to 4 of them?"""
    assert 1 <= len(mixture) <= 4
    assert sum(w for w, _, _ in mixture) == pytest.approx(1.0)
    assert all(w > 0 and low <= high for w, low, high in mixture)


@FAST
@given(stack=gs.mixed_stacks(out_features=3))
def test_mixed_stacks_have_every_feature_asked_for(stack: gs.LayerStack) -> None:
    """BatchNorm, a frozen layer and a shared (ref) layer each occur at least once, the stack
    builds and runs, and out_features ends it."""
    nodes = list(walk(stack.spec))
    assert any(n["kind"] == "batchnorm" for n in nodes)
    assert any(n.get("frozen") for n in nodes)
    assert any(n["kind"] == "ref" for n in nodes)
    assert stack.out_features == 3
    model, _ = built(stack)
    model.eval()
    with torch.no_grad():
        assert model(torch.randn(2, stack.in_features)).shape == (2, 3)


@FAST
@given(stack=gs.mixed_stacks(batchnorm=False, shared=False, frozen=False))
def test_mixed_stacks_leave_out_what_is_not_asked_for(stack: gs.LayerStack) -> None:
    nodes = list(walk(stack.spec))
    assert not any(n["kind"] in ("batchnorm", "ref") or n.get("frozen") for n in nodes)


@FAST
@given(case=gs.batchnorm_stacks())
def test_batchnorm_stacks_start_with_batchnorm_and_fit_their_input(
    case: tuple[gs.LayerStack, gs.Input],
) -> None:
    stack, x = case
    assert stack.spec["items"][0]["kind"] == "batchnorm"
    assert x.X.shape[1] == stack.in_features
    model, _ = built(stack)
    model.eval()
    with torch.no_grad():
        assert model(x.X).shape == (x.X.shape[0], stack.out_features)


def test_layer_stacks_name_every_bound_they_are_given() -> None:
    """No **locals(): layer_stacks passes its bounds by name (a new local would break it)."""
    import inspect

    assert "locals()" not in inspect.getsource(gs.layer_stacks)
    with pytest.raises(ValueError, match="min_layers=3 is larger than max_layers=2"):
        gs.layer_stacks(min_layers=3, max_layers=2)


def test_shapes_check_their_bounds_up_front() -> None:
    with pytest.raises(ValueError, match="min_dims=3 is larger than max_dims=2"):
        gs.shapes(min_dims=3, max_dims=2)
    with pytest.raises(ValueError, match="max_side=0"):
        gs.shapes(max_side=0)
