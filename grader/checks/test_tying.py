"""Checks for the ``tying`` section: shared parameters are the very same objects, appear once in
``parameters()`` and under every name in ``state_dict()``, and get the sum of their uses' gradients.

Read each check as draw -> probe (in the submission's process) -> PyTorch reference (here) ->
compare. Identity (``is``) is decided in the probe, next to the objects; gradients are compared
with autograd on a reference built here from the submission's own weights. Docstring line 1 is the
property; "Catches:" names the mistake it exists for, kept as a mutant in tests/mutants/tying/.
"""

from __future__ import annotations

from typing import Any

import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.nn import functional as F

from grader import strategies as gs
from grader.compare import Expect
from grader.errors import describe
from grader.marker import check
from grader.submission import Submission

# -- tied_mlp ------------------------------------------------------------------------------------

TIED_TYPES = ["LazyLinear", "ReLU", "Linear", "ReLU", "Linear", "ReLU", "LazyLinear"]
TIED_HINT = "put the very same module at positions 2 and 4: no copy.deepcopy, no second Linear"


@st.composite
def shared_layers(draw: Any, *, optional: bool = True) -> tuple[torch.Tensor, torch.Tensor] | None:
    """None (tied_mlp() makes its own; only if ``optional``) or the weight and bias of a
    Linear(8, 8) to pass in."""
    if optional and draw(st.booleans()):
        return None
    seed = draw(gs.seeds())
    return gs.make_tensor((8, 8), seed, scale=0.4), gs.make_tensor((8,), seed + 1, scale=0.2)


def _tied_call(
    submission: Submission, x: gs.Input, shared: tuple[torch.Tensor, torch.Tensor] | None
) -> dict[str, Any]:
    return submission.call("tying.tied_mlp", what="tied_mlp", X=x.X, shared=shared)


def _tied_name(shared: Any) -> str:
    return "tied_mlp()" if shared is None else "tied_mlp(shared)"


def _tied_case(shared: Any) -> str:
    return "tied_mlp()" if shared is None else "tied_mlp(shared) with shared = Linear(8, 8)"


def _write_reaches_both(write: dict[str, torch.Tensor] | None) -> bool:
    """After net[2].weight.add_(1): does net[4].weight hold the new values (and not the old)?"""
    if write is None:
        return False
    other, middle, before = write["other"], write["middle"], write["before"]
    return (
        other.shape == middle.shape == before.shape
        and torch.equal(other, middle)
        and not torch.equal(other, before)
    )


@check("tying.tied_mlp", points=1, visibility="public")
@settings(max_examples=2)
@given(x=gs.inputs(max_width=10, max_batch=3), shared=shared_layers())
def test_tied_mlp_layers_2_and_4_are_one_module(
    submission: Submission, x: gs.Input, shared: Any
) -> None:
    """tied_mlp() is LazyLinear(8), ReLU, L, ReLU, L, ReLU, LazyLinear(1) with L one Linear(8, 8) object.
    Catches: the second use a copy of the first (copy.deepcopy or a new Linear)."""
    name = _tied_name(shared)
    with describe(_tied_case(shared)):
        got = _tied_call(submission, x, shared)
        expect = Expect(name)
        expect.equal("layers (before the first call)", TIED_TYPES, got["types"], attribute="types")
        expect.equal("layer 2 weight", (8, 8), got["shared_shape"], attribute="shape")
        if len(got["same_as"]) == 7:
            expect.true(
                "layer 4",
                got["same_as"][4] == 2,
                attribute="identity",
                expected="the very module at layer 2",
                got="a different module",
                hint=TIED_HINT,
            )
        expect.verify()


@check("tying.tied_mlp", points=1, visibility="public")
@settings(max_examples=2)
@given(x=gs.inputs(max_width=10, max_batch=3), shared=shared_layers(optional=False))
def test_tied_mlp_uses_the_given_layer(submission: Submission, x: gs.Input, shared: Any) -> None:
    """tied_mlp(shared) puts the very module it is given at layers 2 and 4.
    Catches: the shared argument ignored (a new Linear(8, 8) made every time)."""
    name = _tied_name(shared)
    with describe(_tied_case(shared)):
        got = _tied_call(submission, x, shared)
        expect = Expect(name)
        expect.equal(
            "positions of `shared`",
            [2, 4],
            got["given_at"],
            attribute="identity",
            hint="use `shared` when it is given; make a new nn.Linear(8, 8) only when it is None",
        )
        expect.verify()


@check("tying.tied_mlp", points=1, visibility="hidden")
@settings(max_examples=2)
@given(x=gs.inputs(max_width=10, max_batch=3), shared=shared_layers())
def test_tied_mlp_shares_one_parameter(submission: Submission, x: gs.Input, shared: Any) -> None:
    """An in-place change of layer 2's weight shows in layer 4's; parameters() lists the shared
    weight once (2.weight) while state_dict() has it under 2.weight and 4.weight.
    Catches: two separate layers that only start with equal values (copy.deepcopy)."""
    name = _tied_name(shared)
    with describe(_tied_case(shared)):
        got = _tied_call(submission, x, shared)
        expect = Expect(name)
        expect.true(
            "net[2].weight.add_(1)",
            _write_reaches_both(got["write"]),
            attribute="effect on net[4].weight",
            expected="the same change",
            got="net[4].weight unchanged",
            hint=TIED_HINT,
        )
        names = [f"{i}.{p}" for i in (0, 2, 6) for p in ("weight", "bias")]
        expect.equal("named_parameters()", names, got["parameter_names"], attribute="names")
        keys = [f"{i}.{p}" for i in (0, 2, 4, 6) for p in ("weight", "bias")]
        expect.equal("state_dict()", keys, got["state_dict"], attribute="keys")
        expect.verify()


@check("tying.tied_mlp", points=2, visibility="hidden")
@settings(max_examples=3)
@given(x=gs.inputs(max_width=10, max_batch=4, scale=2.0), shared=shared_layers())
def test_tied_mlp_gradient_is_sum_of_both_uses(
    submission: Submission, x: gs.Input, shared: Any
) -> None:
    """After output.sum().backward() the shared layer's gradient is autograd's: the sum over its two uses.
    Catches: the second use cut off from the first's parameters (a copy, or .detach())."""
    name = _tied_name(shared)
    with describe(f"{_tied_case(shared)} on an {x.describe()}, then output.sum().backward()"):
        got = _tied_call(submission, x, shared)
        expect = Expect(f"{name} gradients")
        layers = got["layers"]
        if len(layers) != 7 or any(layers[i] is None for i in (0, 2, 6)):
            expect.add(name, "layers", "Linear layers at 0, 2, 4 and 6", str(got["types"]))
            expect.verify()
        for i in (0, 2, 6):
            for attr, value in zip(("weight", "bias"), layers[i]):
                if value is not None:
                    expect.usable(f"net[{i}].{attr}", value)
        expect.verify()
        params = {
            i: tuple(t.clone().requires_grad_(True) for t in layers[i] if t is not None)
            for i in (0, 2, 6)
        }

        def layer(i: int, h: torch.Tensor) -> torch.Tensor:
            return F.linear(h, *params[i])

        with expect.computing("the layers' weights"):
            hidden = F.relu(layer(0, x.X))
            hidden = F.relu(layer(2, F.relu(layer(2, hidden))))
            output = layer(6, hidden)
            output.sum().backward()
        expect.close("output", output.detach(), got["output"], hint="the layers in the given order")
        for attr, tensor, mine in zip(("weight", "bias"), params[2], got["grads"][2]):
            expect.close(f"net[2].{attr}.grad", tensor.grad, mine, hint=TIED_HINT)
        expect.verify()


# -- TiedAutoencoder -----------------------------------------------------------------------------


@st.composite
def autoencoder_cases(draw: Any) -> tuple[int, int, gs.Input]:
    n_in = draw(gs.widths(min_width=2, max_width=8))
    n_hidden = draw(gs.widths(min_width=1, max_width=8))
    x = draw(gs.inputs(features=n_in, max_batch=4))
    return n_in, n_hidden, x


STEPS, LR = 3, 0.05


def _autoencoder_call(
    submission: Submission, n_in: int, n_hidden: int, x: gs.Input
) -> dict[str, Any]:
    return submission.call(
        "tying.autoencoder",
        what="TiedAutoencoder",
        n_in=n_in,
        n_hidden=n_hidden,
        X=x.X,
        steps=STEPS,
        lr=LR,
    )


def _autoencode(
    X: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, decoder_bias: torch.Tensor
) -> torch.Tensor:
    """The tied autoencoder, in PyTorch."""
    return F.linear(F.relu(F.linear(X, weight, bias)), weight.T, decoder_bias)


def _reference_grads(
    X: torch.Tensor, values: tuple[torch.Tensor, ...]
) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
    leaves = [v.clone().requires_grad_(True) for v in values]
    out = _autoencode(X, *leaves)
    ((out - X) ** 2).sum().backward()
    return out.detach(), tuple(leaf.grad for leaf in leaves)


def _own_weights(
    expect: Expect, got: dict[str, Any], n_in: int, n_hidden: int, key: str = "initial"
) -> tuple:
    """Its encoder weight, encoder bias and decoder bias (``got[key]``), from which the reference is
    computed: the shapes the constructor was asked for, finite and of initialisation scale (else
    stop)."""
    shapes = ((n_hidden, n_in), (n_hidden,), (n_in,))
    for path, shape, value in zip(INITIAL_NAMES, shapes, got[key]):
        if expect.usable(path, value):
            expect.equal(f"{path} shape", shape, tuple(value.shape), attribute="shape")
    expect.verify()
    return tuple(got[key])


INITIAL_NAMES = ("encoder.weight", "encoder.bias", "decoder_bias")
GRAD_NAMES = ("encoder.weight.grad", "encoder.bias.grad", "decoder_bias.grad")
TIE_HINT = "use self.encoder.weight itself (transposed) in forward: no copy, no .detach(), no .data"


@check("tying.TiedAutoencoder", points=1, visibility="public")
@settings(max_examples=2)
@given(case=autoencoder_cases())
def test_autoencoder_has_three_parameters(
    submission: Submission, case: tuple[int, int, gs.Input]
) -> None:
    """TiedAutoencoder's parameters are decoder_bias (zeros, (n_in,)), encoder.weight and
    encoder.bias: the shared weight once, no decoder weight of its own.
    Catches: a separate decoder Linear whose weight starts as a copy of the encoder's."""
    n_in, n_hidden, x = case
    name = f"TiedAutoencoder({n_in}, {n_hidden})"
    with describe(name):
        got = _autoencoder_call(submission, n_in, n_hidden, x)
        expect = Expect(name)
        expected = [
            ("decoder_bias", (n_in,)),
            ("encoder.weight", (n_hidden, n_in)),
            ("encoder.bias", (n_hidden,)),
        ]
        expect.equal(
            "named_parameters()",
            expected,
            got["parameters"],
            attribute="names and shapes",
            hint="self.encoder = nn.Linear(n_in, n_hidden); "
            "self.decoder_bias = nn.Parameter(torch.zeros(n_in)); nothing else",
        )
        expect.close("decoder_bias (initial)", torch.zeros(n_in), got["initial"][2])
        expect.verify()


@check("tying.TiedAutoencoder", points=1, visibility="public")
@settings(max_examples=3)
@given(case=autoencoder_cases())
def test_autoencoder_output(submission: Submission, case: tuple[int, int, gs.Input]) -> None:
    """TiedAutoencoder(X) equals F.linear(relu(F.linear(X, W, b)), W.T, decoder_bias) on its own weights.
    Catches: the ReLU left out."""
    n_in, n_hidden, x = case
    name = f"TiedAutoencoder({n_in}, {n_hidden})"
    with describe(f"{name} on an {x.describe()}"):
        got = _autoencoder_call(submission, n_in, n_hidden, x)
        expect = Expect(f"{name} output")
        expect.close(
            "output",
            _autoencode(x.X, *_own_weights(expect, got, n_in, n_hidden)),
            got["output"],
            hint="F.linear(F.relu(self.encoder(X)), self.encoder.weight.T, self.decoder_bias)",
        )
        expect.verify()


@check("tying.TiedAutoencoder", points=2, visibility="public")
@settings(max_examples=3)
@given(case=autoencoder_cases())
def test_autoencoder_gradient_sums_both_uses(
    submission: Submission, case: tuple[int, int, gs.Input]
) -> None:
    """For the loss ((out - X)**2).sum(), encoder.weight.grad is autograd's: the encoder's and the
    decoder's contributions summed.
    Catches: the decoder using encoder.weight.detach() (or .data), so only the encoder trains it."""
    n_in, n_hidden, x = case
    name = f"TiedAutoencoder({n_in}, {n_hidden})"
    with describe(f"{name} on an {x.describe()}, loss ((out - X) ** 2).sum()"):
        got = _autoencoder_call(submission, n_in, n_hidden, x)
        expect = Expect(f"{name} gradients")
        _, grads = _reference_grads(x.X, _own_weights(expect, got, n_in, n_hidden))
        for path, expected, mine in zip(GRAD_NAMES, grads, got["grads"]):
            expect.close(path, expected, mine, hint=TIE_HINT)
        expect.verify()


def _train_reference(X: torch.Tensor, values: tuple[torch.Tensor, ...]) -> list[torch.Tensor]:
    params = [v.clone() for v in values]
    for _ in range(STEPS):
        _, grads = _reference_grads(X, tuple(params))
        params = [p - LR * g for p, g in zip(params, grads)]
    return params


@check("tying.TiedAutoencoder", points=1, visibility="hidden")
@settings(max_examples=2)
@given(case=autoencoder_cases())
def test_autoencoder_stays_tied_while_training(
    submission: Submission, case: tuple[int, int, gs.Input]
) -> None:
    """After three SGD steps over parameters() (lr 0.05) the weights and output equal PyTorch's tied
    model trained the same way.
    Catches: a decoder weight of its own (a copy) that drifts away from the encoder's."""
    n_in, n_hidden, x = case
    name = f"TiedAutoencoder({n_in}, {n_hidden})"
    with describe(
        f"{name} trained {STEPS} SGD steps (lr {LR}) on an {x.describe()}, loss ((out - X) ** 2).sum()"
    ):
        got = _autoencoder_call(submission, n_in, n_hidden, x)
        expect = Expect(f"{name} after training")
        trained = _train_reference(x.X, _own_weights(expect, got, n_in, n_hidden))
        hint = "every parameter must be in parameters(), the weight once, used by both halves"
        for path, expected, mine in zip(
            ("encoder.weight", "encoder.bias", "decoder_bias"), trained, got["trained"]
        ):
            expect.close(path, expected, mine, rtol=1e-4, atol=1e-5, hint=hint)
        expect.close(
            "output",
            _autoencode(x.X, *trained).detach(),
            got["trained_output"],
            rtol=1e-4,
            atol=1e-5,
            hint=hint,
        )
        expect.verify()


@check("tying.TiedAutoencoder", points=1, visibility="hidden")
@settings(max_examples=2)
@given(case=autoencoder_cases())
def test_autoencoder_stays_tied_after_save_and_load(
    submission: Submission, case: tuple[int, int, gs.Input]
) -> None:
    """A fresh TiedAutoencoder loaded from the trained one's state_dict (torch.save/torch.load) gives
    its output, holds the weight once and gets the summed gradient.
    Catches: a decoder weight of its own, which a state_dict round trip saves and loads separately."""
    n_in, n_hidden, x = case
    name = f"TiedAutoencoder({n_in}, {n_hidden})"
    with describe(f"{name}: state_dict saved after training, loaded into a fresh one"):
        got = _autoencoder_call(submission, n_in, n_hidden, x)
        expect = Expect(f"the loaded {name}")
        expect.close("output", got["trained_output"], got["loaded_output"])
        expect.equal("parameters()", 3, got["loaded_distinct"], attribute="count", hint=TIE_HINT)
        _, grads = _reference_grads(x.X, _own_weights(expect, got, n_in, n_hidden, "trained"))
        for path, expected, mine in zip(GRAD_NAMES, grads, got["loaded_grads"]):
            expect.close(path, expected, mine, rtol=1e-4, atol=1e-5, hint=TIE_HINT)
        expect.verify()


@check("tying.TiedAutoencoder", points=1, visibility="public")
@settings(max_examples=2)
@given(case=autoencoder_cases(), seed=gs.seeds())
def test_autoencoder_stays_tied_after_double_and_assign_load(
    submission: Submission, case: tuple[int, int, gs.Input], seed: int
) -> None:
    """After .double() the model computes in float64 with its own (converted) weight; after
    load_state_dict(state, assign=True), which puts new Parameter objects in place, it computes
    with the loaded weight, held once.
    Catches: the decoder's weight cached in __init__ (self.decoder_weight = self.encoder.weight.T),
    which keeps pointing at the old tensor."""
    n_in, n_hidden, x = case
    name = f"TiedAutoencoder({n_in}, {n_hidden})"
    state = {
        "encoder.weight": gs.make_tensor((n_hidden, n_in), seed, scale=0.5),
        "encoder.bias": gs.make_tensor((n_hidden,), seed + 1, scale=0.5),
        "decoder_bias": gs.make_tensor((n_in,), seed + 2, scale=0.5),
    }
    with describe(
        f"{name}.double() on the {x.describe()} in float64; a fresh {name} after "
        "load_state_dict(state, assign=True) on it"
    ):
        got = submission.call(
            "tying.autoencoder_converted",
            what="TiedAutoencoder",
            n_in=n_in,
            n_hidden=n_hidden,
            X=x.X,
            state=state,
        )
        expect = Expect(name)
        hint = (
            "look the weight up in forward (self.encoder.weight.T): a tensor kept from __init__ "
            "still points at the weight as it was before .double() or an assign=True load"
        )
        X64 = x.X.double()
        expect.close(
            "output after .double()",
            _autoencode(X64, *got["double"]).detach(),
            got["double_output"],
            hint=hint,
            hints={"dtype": hint},
        )
        expect.close(
            "output after load_state_dict(state, assign=True)",
            _autoencode(x.X, *state.values()).detach(),
            got["assigned_output"],
            hint=hint,
        )
        expect.equal(
            "parameters() after the assign=True load",
            3,
            got["assigned_distinct"],
            attribute="count",
            hint=TIE_HINT,
        )
        expect.verify()


# -- tie -----------------------------------------------------------------------------------------


def _layer_values(shape: tuple[int, int], seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    return gs.make_tensor(shape, seed, scale=0.5), gs.make_tensor((shape[0],), seed + 1, scale=0.5)


@st.composite
def tie_cases(draw: Any) -> list[dict[str, Any]]:
    """Square layers of one width tied by "weight" (default or given) or "bias", with an input."""
    cases = []
    for name in (None, "weight", "bias"):
        width = draw(gs.widths(max_width=6))
        shape = (width, width)
        x = gs.make_tensor((draw(gs.batch_sizes(max_size=4)), width), draw(gs.seeds()))
        cases.append(
            {
                "dst": (shape, _layer_values(shape, draw(gs.seeds()))),
                "src": (shape, _layer_values(shape, draw(gs.seeds()))),
                "name": name,
                "X": x,
            }
        )
    return cases


def _tie_call(submission: Submission, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return submission.call("tying.tie", what="tie", cases=cases)


def _tie_text(case: dict[str, Any]) -> str:
    (out_d, in_d), (out_s, in_s) = case["dst"][0], case["src"][0]
    call = "tie(dst, src)" if case["name"] is None else f"tie(dst, src, {case['name']!r})"
    return f"{call} with dst = Linear({in_d}, {out_d}), src = Linear({in_s}, {out_s})"


@check("tying.tie", points=2, visibility="public")
@settings(max_examples=2)
@given(cases=tie_cases())
def test_tie_makes_dst_hold_the_very_parameter(
    submission: Submission, cases: list[dict[str, Any]]
) -> None:
    """After tie(dst, src, name), getattr(dst, name) is src's parameter object, and src still holds it.
    Catches: copying values (.data or copy_) instead of sharing the object, or ignoring `name`."""
    got = _tie_call(submission, cases)
    for case, report in zip(cases, got):
        with describe(_tie_text(case)):
            name = case["name"] or "weight"
            expect = Expect(f"dst.{name}")
            expect.true(
                f"dst.{name}",
                report["dst_holds_src"],
                attribute="identity",
                expected=f"the very Parameter src.{name} is",
                got="another object",
                hint=f"setattr(dst, name, getattr(src, name)) (here name = {name!r})",
            )
            expect.true(
                f"src.{name}",
                report["src_unchanged"],
                attribute="identity",
                expected="unchanged",
                got="replaced",
                hint="tie changes dst, never src",
            )
            expect.verify()


@check("tying.tie", points=2, visibility="hidden")
@settings(max_examples=2)
@given(cases=tie_cases())
def test_tie_shares_in_parameters_state_dict_and_gradient(
    submission: Submission, cases: list[dict[str, Any]]
) -> None:
    """In Sequential(src, Tanh(), dst) after tie, the tied parameter appears once in parameters(),
    under both names in state_dict(), and its gradient is the sum of both uses.
    Catches: dst given its own Parameter that merely shares src's storage (dst.weight.data = ...)."""
    got = _tie_call(submission, cases)
    for case, report in zip(cases, got):
        name = case["name"] or "weight"
        with describe(f"{_tie_text(case)}, then Sequential(src, Tanh(), dst)(X).sum().backward()"):
            (shape, (dst_w, dst_b)), (_, (src_w, src_b)) = case["dst"], case["src"]
            src = nn.Linear(shape[1], shape[0])
            dst = nn.Linear(shape[1], shape[0])
            with torch.no_grad():
                for layer, w, b in ((src, src_w, src_b), (dst, dst_w, dst_b)):
                    layer.weight.copy_(w)
                    layer.bias.copy_(b)
            setattr(dst, name, getattr(src, name))  # PyTorch's own tying, as the reference
            net = nn.Sequential(src, nn.Tanh(), dst)
            y = net(case["X"])
            y.sum().backward()
            expect = Expect("Sequential(src, Tanh(), dst)")
            hint = f"dst.{name} must be the very Parameter src.{name} is, not a new one"
            expect.equal(
                "named_parameters()",
                [n for n, _ in net.named_parameters()],
                report["parameter_names"],
                attribute="names",
                hint=hint,
            )
            expect.equal(
                "state_dict()", list(net.state_dict()), report["state_dict"], attribute="keys"
            )
            if expect.ok:
                expect.close("output", y.detach(), report["output"])
                for (n, p), (_, mine) in zip(net.named_parameters(), report["grads"]):
                    expect.close(f"{n}.grad", p.grad, mine, hint=hint)
            expect.verify()


@st.composite
def mismatched_ties(draw: Any) -> list[dict[str, Any]]:
    """Layers whose weights (or biases) differ in shape."""
    cases = []
    for name in (None, "weight", "bias"):
        n_in = draw(gs.widths(max_width=6))
        out_dst = draw(gs.widths(max_width=6))
        out_src = draw(gs.widths(max_width=5))
        out_src += out_src >= out_dst  # any width but out_dst
        dst_shape, src_shape = (out_dst, n_in), (out_src, n_in)
        cases.append(
            {
                "dst": (dst_shape, _layer_values(dst_shape, draw(gs.seeds()))),
                "src": (src_shape, _layer_values(src_shape, draw(gs.seeds()))),
                "name": name,
                "X": None,
            }
        )
    return cases


@check("tying.tie", points=1, visibility="public")
@settings(max_examples=2)
@given(cases=mismatched_ties())
def test_tie_shape_mismatch_raises_value_error(
    submission: Submission, cases: list[dict[str, Any]]
) -> None:
    """tie(dst, src, name) raises ValueError when the two parameters differ in shape, and leaves dst as it was.
    Catches: no shape check (the mismatch shows only later, at the first forward)."""
    got = _tie_call(submission, cases)
    for case, report in zip(cases, got):
        with describe(_tie_text(case)):
            name = case["name"] or "weight"
            expect = Expect(_tie_text(case).split(" with ")[0])
            raised = report["raised"]
            expect.raised(
                "exception",
                report["is_value_error"],
                expected="ValueError",
                got="no exception" if raised is None else raised,
                message=report["message"],
                trace=report["trace"],
                hint="compare the two shapes first and raise ValueError before assigning anything",
            )
            expect.true(
                f"dst.{name}",
                report["dst_unchanged"],
                attribute="identity",
                expected="its own parameter still",
                got="replaced",
                hint="compare the two shapes first and raise ValueError before assigning anything",
            )
            expect.verify()
