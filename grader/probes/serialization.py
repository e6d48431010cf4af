"""Probes for the ``serialization`` section (saving and loading). Run where the submission runs.

Files go in a private ``tempfile.mkdtemp()`` directory (the sandbox child has its own ``/tmp``; the
in-process transport uses the grader's, so every probe removes its directory again).

The helpers that build and describe objects (``build_object``, ``describe_object``) and the
training loop of the checkpoint probe (``build_net``, ``make_optimizer``, ``train``) are shared with
the checks, which run them in the parent: on the object given to ``save``, and for the uninterrupted
run a resumed training must match bit for bit.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from typing import Any

import torch
from torch import nn

from grader import specs
from grader.probes import ProbeContext, StudentRaised, probe
from grader.schema import ANY, TENSOR, ListOf, Optional, TupleOf, TupleOfAny

SECTION = "serialization"

# Every dtype torch.save/torch.load(weights_only=True) round-trips (quantized dtypes excluded: they
# need a quantizer and are deprecated), as far as this torch has them. Tensors travel back as raw
# bytes (uint8), so the wire needs no dtype of its own for them.
_SAVABLE = (
    "float32",
    "float64",
    "float16",
    "bfloat16",
    "complex64",
    "complex128",
    "complex32",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "bool",
    "float8_e4m3fn",
    "float8_e4m3fnuz",
    "float8_e5m2",
    "float8_e5m2fnuz",
    "float8_e8m0fnu",
    "float4_e2m1fn_x2",
    "bits8",
    "bits16",
    "bits1x8",
    "bits2x4",
    "bits4x2",
)
SAVABLE_DTYPES = tuple(
    name for name in _SAVABLE if isinstance(getattr(torch, name, None), torch.dtype)
)
VIEWS = ("none", "transpose", "step", "offset", "expand")

LEAF = {"type": str, "dtype": str, "shape": TupleOfAny(int), "device": str, "bytes": TENSOR}
ERROR = Optional({"type": str, "message": str})
ENTRIES = ListOf(TupleOf(str, TENSOR))


@contextlib.contextmanager
def scratch_dir() -> Iterator[str]:
    """A private directory for the probe's files, removed afterwards."""
    path = tempfile.mkdtemp(prefix="grader-serialization-")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def student_error(
    ctx: ProbeContext, what: str, fn: Any, *args: Any
) -> tuple[Any, dict[str, str] | None]:
    """Call student code that may legitimately raise: (result, None) or (None, {type, message})."""
    try:
        return ctx.run(what, fn, *args), None
    except StudentRaised as raised:
        return None, {"type": raised.exc_type, "message": raised.message}


# -- objects of nested tensors ----------------------------------------------------------------


def make_leaf(spec: dict[str, Any], device: str = "cpu") -> torch.Tensor:
    """A tensor of any dtype from raw bytes, then (maybe) a non-contiguous view of it."""
    dtype = getattr(torch, spec["dtype"])
    base = spec["raw"].to(device).view(dtype).reshape(tuple(spec["shape"]))
    view = spec["view"]
    if view == "transpose" and base.dim() >= 2:
        return base.transpose(0, -1)
    if view == "step" and base.dim() >= 1:
        return base[::2]
    if view == "offset" and base.dim() >= 1:
        return base[1:]
    if view == "expand":
        return base.unsqueeze(0).expand(2, *base.shape)
    return base


def build_object(tree: Any, leaves: list[dict[str, Any]], device: str = "cpu") -> Any:
    """Replace each int leaf of a nested list/tuple/dict by the tensor it indexes."""
    if type(tree) is int:
        return make_leaf(leaves[tree], device)
    if type(tree) is list:
        return [build_object(t, leaves, device) for t in tree]
    if type(tree) is tuple:
        return tuple(build_object(t, leaves, device) for t in tree)
    return {key: build_object(value, leaves, device) for key, value in tree.items()}


_SAME_SIZE_INT = {1: torch.uint8, 2: torch.int16, 4: torch.int32, 8: torch.int64}


def tensor_bytes(t: torch.Tensor) -> torch.Tensor:
    """The values of a tensor of any dtype as a flat uint8 tensor (row-major)."""
    t = t.detach()
    if t.is_complex():
        t = t.resolve_conj()
    if t.element_size() == 16:  # complex128: no integer type that wide
        t = torch.view_as_real(t)
    if t.numel() == 0:
        return torch.empty(0, dtype=torch.uint8)
    if t.dtype not in _SAME_SIZE_INT.values():
        t = t.view(_SAME_SIZE_INT[t.element_size()])  # same item size: fine for any strides
    # A fresh 1-D tensor, not t.contiguous().reshape(-1): a one-element view (or a size-1 last
    # dimension) counts as contiguous whatever its stride, keeps stride 2, and view(uint8) refuses it.
    flat = torch.empty(t.numel(), dtype=t.dtype, device=t.device)
    flat.copy_(t.reshape(-1))
    return flat.view(torch.uint8).cpu()


def describe_object(obj: Any) -> tuple[Any, list[dict[str, Any]]]:
    """A loaded object as plain data: a tree of ["list", [...]], ["tuple", [...]],
    ["dict", [[key, ...], ...]], ["tensor", index] and ["other", type name], with one report per
    tensor (type, dtype, shape, device and its bytes)."""
    leaves: list[dict[str, Any]] = []

    def walk(value: Any) -> Any:
        kind = type(value)
        if kind is list or kind is tuple:
            return [kind.__name__, [walk(v) for v in value]]
        if kind is dict:
            return ["dict", [[_key(k), walk(v)] for k, v in value.items()]]
        if isinstance(value, torch.Tensor) and kind in (torch.Tensor, nn.Parameter):
            leaves.append(
                {
                    "type": kind.__name__,
                    "dtype": str(value.dtype).removeprefix("torch."),
                    "shape": tuple(int(s) for s in value.shape),
                    "device": value.device.type,
                    "bytes": torch.empty(0, dtype=torch.uint8)
                    if value.is_meta
                    else tensor_bytes(value),
                }
            )
            return ["tensor", len(leaves) - 1]
        return ["other", kind.__name__]

    return walk(obj), leaves


def _key(key: Any) -> str:
    return key if type(key) is str else f"<{type(key).__name__} key>"


@probe(
    "serialization.round_trip",
    returns=ListOf(
        {"tree": ANY, "leaves": ListOf(LEAF), "mapped": Optional({"tree": ANY, "leaves": ANY})}
    ),
)
def round_trip(
    ctx: ProbeContext, objects: list[Any], leaves: list[dict[str, Any]], map_to: str | None = None
) -> list[dict[str, Any]]:
    """save(obj) then load(path) for each object (and load(path, map_location=map_to) if given)."""
    save = ctx.definition(SECTION, "save")
    load = ctx.definition(SECTION, "load")
    reports = []
    # complex32 tensors warn "ComplexHalf support is experimental" (on stderr, which a notebook's
    # test cell must not write to).
    with scratch_dir() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for index, tree in enumerate(objects):
            obj = build_object(tree, leaves, ctx.device)
            path = os.path.join(folder, f"object{index}.pt")
            ctx.run("save(obj, path)", save, obj, path)
            loaded = ctx.run("load(path)", load, path)
            tree_got, leaves_got = describe_object(loaded)
            report: dict[str, Any] = {"tree": tree_got, "leaves": leaves_got, "mapped": None}
            if map_to is not None:
                mapped = ctx.run(f'load(path, map_location="{map_to}")', load, path, map_to)
                mapped_tree, mapped_leaves = describe_object(mapped)
                report["mapped"] = {
                    "tree": mapped_tree,
                    "leaves": [leaf["device"] for leaf in mapped_leaves],
                }
            reports.append(report)
    return reports


# -- files that would run code ----------------------------------------------------------------

# Set by _pwned: the visible side effect a refused file must never have.
PWNED: list[str] = []


def _pwned(marker: str) -> str:
    """What the crafted files call when unpickled without ``weights_only``."""
    PWNED.append(marker)
    with open(marker, "w") as f:
        f.write("code ran while loading\n")
    return marker


class _Payload:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (_pwned, (self.marker,))


FILE_KINDS = {
    "zip": "a torch.save file",
    "legacy": "a torch.save file in the old (non-zip) format",
    "pickle": "a plain pickle file",
}


def write_payload(kind: str, path: str, marker: str) -> None:
    obj = {"weight": torch.zeros(2), "extra": _Payload(marker)}
    if kind == "zip":
        torch.save(obj, path)
    elif kind == "legacy":
        torch.save(obj, path, _use_new_zipfile_serialization=False)
    else:
        with open(path, "wb") as f:
            pickle.dump(obj, f)


@probe(
    "serialization.refuses_code",
    returns=ListOf({"kind": str, "raised": bool, "error": ERROR, "ran": bool, "returned": str}),
)
def refuses_code(ctx: ProbeContext, kinds: list[str]) -> list[dict[str, Any]]:
    """load() on files carrying a pickled call: does it raise, and did the call run?"""
    load = ctx.definition(SECTION, "load")
    reports = []
    # torch.load warns about the plain pickle's protocol: keep stderr quiet (notebook test cells).
    with scratch_dir() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for kind in kinds:
            path = os.path.join(folder, f"payload-{kind}.pt")
            marker = os.path.join(folder, f"ran-{kind}")
            write_payload(kind, path, marker)
            PWNED.clear()
            result, error = student_error(ctx, "load(path)", load, path)
            ran = bool(PWNED) or os.path.exists(marker)
            PWNED.clear()
            reports.append(
                {
                    "kind": kind,
                    "raised": error is not None,
                    "error": error,
                    "ran": ran,
                    "returned": "" if error is not None else type(result).__name__,
                }
            )
    return reports


# -- state dicts -------------------------------------------------------------------------------


def entries(state: Any) -> list[tuple[str, torch.Tensor]]:
    return [(str(k), v.detach().clone()) for k, v in state.items() if isinstance(v, torch.Tensor)]


def _net(ctx: ProbeContext, spec: specs.Node) -> nn.Module:
    net = specs.build(spec, nn.Sequential, [])
    return net.to(ctx.device).eval()


@probe(
    "serialization.save_params",
    returns={"error": ERROR, "type": str, "keys": ListOf(str), "values": ListOf(Optional(TENSOR))},
)
def save_params(ctx: ProbeContext, spec: specs.Node) -> dict[str, Any]:
    """save_params(net, path), then what the file holds when read with weights_only=True."""
    fn = ctx.definition(SECTION, "save_params")
    net = _net(ctx, spec)
    with scratch_dir() as folder:
        path = os.path.join(folder, "params.pt")
        ctx.run("save_params(net, path)", fn, net, path)
        file: dict[str, Any] = {"error": None, "type": "", "keys": [], "values": []}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                content = torch.load(path, weights_only=True, map_location="cpu")
        except Exception as exc:  # what the file holds is the submission's doing
            file["error"] = {"type": type(exc).__name__, "message": ""}
        else:
            file["type"] = type(content).__name__
            if isinstance(content, dict):
                file["keys"] = [_key(k) for k in content]
                file["values"] = [
                    v.detach() if type(v) in (torch.Tensor, nn.Parameter) else None
                    for v in content.values()
                ]
    return file


@probe(
    "serialization.load_params",
    returns={
        "returned_net": bool,
        "returned": str,
        "error": ERROR,
        "state": ENTRIES,
        "output": Optional(TENSOR),
    },
)
def load_params(
    ctx: ProbeContext, saved: specs.Node, target: specs.Node, X: torch.Tensor | None = None
) -> dict[str, Any]:
    """Save ``saved``'s state_dict with torch.save, load_params it into a net built from ``target``."""
    fn = ctx.definition(SECTION, "load_params")
    source = _net(ctx, saved)
    net = _net(ctx, target)
    with scratch_dir() as folder:
        path = os.path.join(folder, "params.pt")
        torch.save(source.state_dict(), path)
        result, error = student_error(ctx, "load_params(net, path)", fn, net, path)
    report: dict[str, Any] = {
        "returned_net": result is net,
        "returned": type(result).__name__,
        "error": error,
        "state": entries(net.state_dict()),
        "output": None,
    }
    if X is not None and error is None:
        with torch.no_grad():
            report["output"] = ctx.run("net(X)", net, X.to(ctx.device))
    return report


@probe(
    "serialization.transplant",
    returns={"returned_dst": bool, "returned": str, "error": ERROR, "after": ENTRIES},
)
def transplant(ctx: ProbeContext, src: specs.Node, dst: specs.Node, n: int) -> dict[str, Any]:
    fn = ctx.definition(SECTION, "transplant")
    source = _net(ctx, src)
    net = _net(ctx, dst)
    src_state = source.state_dict()
    result, error = student_error(ctx, "transplant(src_state, dst, n)", fn, src_state, net, n)
    return {
        "returned_dst": result is net,
        "returned": type(result).__name__,
        "error": error,
        "after": entries(net.state_dict()),
    }


# -- checkpoints -------------------------------------------------------------------------------


def build_net(spec: specs.Node, device: str) -> nn.Module:
    return specs.build(spec, nn.Sequential, []).to(device).train()


def _undecorated(function: Any) -> Any:
    return getattr(function, "__wrapped__", function)


def _without_dynamo(cls: type[torch.optim.Optimizer]) -> type[torch.optim.Optimizer]:
    """PyTorch's own optimizer class with the dynamo wrappers taken off its methods.

    Each public method of ``torch.optim.Optimizer`` is wrapped so that its first call imports
    ``torch._dynamo`` (about a second in every fresh child, and once more in the grader). The
    arithmetic, the ``state_dict`` format and ``isinstance`` stay PyTorch's: only the wrappers go.
    """
    base = torch.optim.Optimizer
    return type(
        cls.__name__,
        (cls,),
        {
            "__module__": __name__,
            "__qualname__": cls.__name__,
            "add_param_group": _undecorated(base.add_param_group),
            "state_dict": _undecorated(base.state_dict),
            "load_state_dict": _undecorated(base.load_state_dict),
            "zero_grad": _undecorated(base.zero_grad),
            "step": torch.no_grad()(_undecorated(cls.step)),
        },
    )


Adam = _without_dynamo(torch.optim.Adam)
SGD = _without_dynamo(torch.optim.SGD)


def make_optimizer(kind: str, net: nn.Module) -> torch.optim.Optimizer:
    """Optimizers with state: Adam's running averages, SGD's momentum buffers."""
    if kind == "adam":
        return Adam(net.parameters(), lr=0.01)
    if kind == "momentum":
        return SGD(net.parameters(), lr=0.05, momentum=0.9)
    return SGD(net.parameters(), lr=0.05)


def seed_rng(seed: int, device: str) -> None:
    torch.default_generator.manual_seed(seed)
    if device.startswith("cuda"):
        torch.cuda.manual_seed_all(seed)


def train(
    net: nn.Module,
    optimizer: torch.optim.Optimizer,
    steps: int,
    data: tuple[torch.Tensor, torch.Tensor],
    batch: int,
    random_batches: bool,
    start: int = 0,
) -> None:
    """Steps ``start`` to ``start + steps - 1`` of MSE training; dropout (if any) and random batches
    draw from the global RNG, fixed batches go through the data in order."""
    X, Y = data
    with one_thread():
        _train(net, optimizer, range(start, start + steps), X, Y, batch, random_batches)


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Reductions (BatchNorm's backward) round differently with more threads: train with one, on
    both sides, so that the grader's uninterrupted run and the child's agree bit for bit."""
    threads = torch.get_num_threads()
    if threads != 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if threads != 1:
            torch.set_num_threads(threads)


def _train(
    net: nn.Module,
    optimizer: torch.optim.Optimizer,
    steps: range,
    X: torch.Tensor,
    Y: torch.Tensor,
    batch: int,
    random_batches: bool,
) -> None:
    for step in steps:
        if random_batches:
            index = torch.randint(0, X.shape[0], (batch,)).to(X.device)
        else:
            index = torch.arange(step * batch, (step + 1) * batch, device=X.device) % X.shape[0]
        optimizer.zero_grad()
        loss = ((net(X[index]) - Y[index]) ** 2).mean()
        loss.backward()
        optimizer.step()


def disturb_rng(device: str) -> None:
    """Draw from every generator in use: a checkpoint that does not restore them now diverges."""
    torch.rand(7)
    if device.startswith("cuda"):
        torch.rand(7, device=device)


@probe(
    "serialization.checkpoint",
    returns=ListOf({"step": ANY, "state": ENTRIES}),
)
def checkpoint(ctx: ProbeContext, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each case: train k steps, save_checkpoint, disturb the RNG, build a fresh net and
    optimizer, load_checkpoint into them and train k more steps. Returns the final state."""
    save_fn = ctx.definition(SECTION, "save_checkpoint")
    load_fn = ctx.definition(SECTION, "load_checkpoint")
    reports = []
    with scratch_dir() as folder:
        for index, case in enumerate(cases):
            device = ctx.device
            data = (case["X"].to(device), case["Y"].to(device))
            net = build_net(case["net"], device)
            optimizer = make_optimizer(case["optimizer"], net)
            seed_rng(case["seed"], device)
            train(net, optimizer, case["k"], data, case["batch"], case["random_batches"])
            path = os.path.join(folder, f"checkpoint{index}.pt")
            ctx.run(
                "save_checkpoint(path, net, optimizer, step)",
                save_fn,
                path,
                net,
                optimizer,
                case["step"],
            )
            disturb_rng(device)
            fresh = build_net(case["net"], device)
            for module in fresh.modules():
                if isinstance(module, nn.Linear):
                    module.reset_parameters()  # other weights than the saved ones
            fresh_optimizer = make_optimizer(case["optimizer"], fresh)
            step = ctx.run(
                "load_checkpoint(path, net, optimizer)", load_fn, path, fresh, fresh_optimizer
            )
            train(
                fresh,
                fresh_optimizer,
                case["k"],
                data,
                case["batch"],
                case["random_batches"],
                start=case["k"],
            )
            reports.append(
                {
                    "step": step if type(step) in (int, bool) else f"<{type(step).__name__}>",
                    "state": entries(fresh.state_dict()),
                }
            )
    return reports
