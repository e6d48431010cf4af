"""Probes for the ``serialization`` section (saving and loading). Run where the submission runs.

What a file holds is never decided in the submission's process (grader/boundary.py, kind (b)):

- Files the submission's code writes go in the exchange folder (``ctx.files``); the grader reads
  their bytes from outside the process (``Submission.fetch``) and has them described by
  ``describe_files`` in a *verifier*: a process forked from the zygote that runs no student code.
- Files the submission's code reads are PyTorch's own, written by the grader (``torch.save`` of
  objects it built) and sent here as bytes.
- A checkpoint is saved in one process and loaded in another, which imports the code but only
  ever loads checkpoints (``Submission.call(..., apart=True)``), so nothing kept in memory can
  stand in for the file.
- A file carrying a pickled call ends the process (``os._exit``) if that call runs, which the
  grader sees from outside; nothing in here records it.
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from collections.abc import Iterator
from typing import Any

import torch
from torch import nn

from grader import objects, specs, training
from grader.probes import ProbeContext, StudentRaised, probe
from grader.schema import ANY, TENSOR, ListOf, Optional, TupleOf, TupleOfAny

SECTION = "serialization"

LEAF = {"type": str, "dtype": str, "shape": TupleOfAny(int), "device": str, "bytes": TENSOR}
ERROR = Optional({"type": str, "message": str})
ENTRIES = ListOf(TupleOf(str, TENSOR))
DESCRIBED = {"tree": ANY, "leaves": ListOf(LEAF), "error": ERROR}


def student_error(
    ctx: ProbeContext, what: str, fn: Any, *args: Any
) -> tuple[Any, dict[str, str] | None]:
    """Call student code that may legitimately raise: (result, None) or (None, {type, message})."""
    try:
        return ctx.run(what, fn, *args), None
    except StudentRaised as raised:
        return None, {"type": raised.exc_type, "message": raised.message}


def _write(ctx: ProbeContext, name: str, data: bytes) -> str:
    """A file the grader sent (PyTorch's bytes) in the exchange folder; its path."""
    path = os.path.join(ctx.files, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


@contextlib.contextmanager
def quietly() -> Iterator[None]:
    """complex32 tensors warn "ComplexHalf support is experimental", and torch.load warns about a
    plain pickle's protocol, on stderr (which a notebook's test cell must not write to)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


# -- objects of nested tensors ----------------------------------------------------------------


@probe("serialization.save_objects", returns=int)
def save_objects(ctx: ProbeContext, trees: list[Any], leaves: list[dict[str, Any]]) -> int:
    """save(obj, <files>/object<i>.pt) for each object; the grader then reads the files."""
    save = ctx.definition(SECTION, "save")
    with quietly():
        for index, tree in enumerate(trees):
            obj = objects.build_object(tree, leaves, ctx.device)
            ctx.run("save(obj, path)", save, obj, os.path.join(ctx.files, f"object{index}.pt"))
    return len(trees)


@probe("serialization.load_files", returns=ListOf(DESCRIBED))
def load_files(
    ctx: ProbeContext, files: list[bytes], map_to: str | None = None
) -> list[dict[str, Any]]:
    """load(path) (or load(path, map_location=map_to)) of each file PyTorch wrote; what came back."""
    load = ctx.definition(SECTION, "load")
    reports = []
    with quietly():
        for index, data in enumerate(files):
            path = _write(ctx, f"saved{index}.pt", data)
            if map_to is None:
                loaded, error = student_error(ctx, "load(path)", load, path)
            else:
                loaded, error = student_error(
                    ctx, f'load(path, map_location="{map_to}")', load, path, map_to
                )
            tree, leaves = objects.describe_object(loaded) if error is None else (None, [])
            reports.append({"tree": tree, "leaves": leaves, "error": error})
    return reports


@probe("serialization.describe_files", returns=ListOf(DESCRIBED), verifier=True)
def describe_files(ctx: ProbeContext, files: list[bytes]) -> list[dict[str, Any]]:
    """In the verifier (no student code here): each file as torch.load(weights_only=True) reads it."""
    reports = []
    with quietly():
        for data in files:
            try:
                loaded = torch.load(io.BytesIO(data), weights_only=True, map_location="cpu")
            except Exception as exc:  # what the file holds is the submission's doing
                error = {"type": type(exc).__name__, "message": ""}
                reports.append({"tree": None, "leaves": [], "error": error})
                continue
            tree, leaves = objects.describe_object(loaded)
            reports.append({"tree": tree, "leaves": leaves, "error": None})
    return reports


# -- files that would run code ----------------------------------------------------------------


@probe(
    "serialization.load_payload",
    returns={"raised": bool, "error": ERROR, "returned": str},
)
def load_payload(ctx: ProbeContext, data: bytes) -> dict[str, Any]:
    """load(path) on a file whose unpickling calls os._exit: if that call runs, this process ends
    with the payload's status before it can answer (the grader watches for that); otherwise,
    whether load raised."""
    load = ctx.definition(SECTION, "load")
    with quietly():
        result, error = student_error(ctx, "load(path)", load, _write(ctx, "payload.pt", data))
    return {
        "raised": error is not None,
        "error": error,
        "returned": "" if error is not None else type(result).__name__,
    }


# -- state dicts -------------------------------------------------------------------------------


def entries(state: Any) -> list[tuple[str, torch.Tensor]]:
    return [(str(k), v.detach().clone()) for k, v in state.items() if isinstance(v, torch.Tensor)]


def _net(ctx: ProbeContext, spec: specs.Node) -> nn.Module:
    net = specs.build(spec, nn.Sequential, [])
    return net.to(ctx.device).eval()


@probe("serialization.save_params", returns=int)
def save_params(ctx: ProbeContext, spec: specs.Node) -> int:
    """save_params(net, <files>/params.pt); the grader reads the file."""
    fn = ctx.definition(SECTION, "save_params")
    net = _net(ctx, spec)
    ctx.run("save_params(net, path)", fn, net, os.path.join(ctx.files, "params.pt"))
    return 1


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
    ctx: ProbeContext, saved: bytes, target: specs.Node, X: torch.Tensor | None = None
) -> dict[str, Any]:
    """load_params(net, path) on PyTorch's file of a state_dict, into a net built from ``target``."""
    fn = ctx.definition(SECTION, "load_params")
    net = _net(ctx, target)
    path = _write(ctx, "params.pt", saved)
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


@probe("serialization.checkpoint_save", returns=int)
def checkpoint_save(ctx: ProbeContext, cases: list[dict[str, Any]]) -> int:
    """For each case: train k steps, save_checkpoint to <files>/checkpoint<i>.pt. The grader takes
    the files and hands them to a new process (``checkpoint_resume``)."""
    save_fn = ctx.definition(SECTION, "save_checkpoint")
    for index, case in enumerate(cases):
        device = ctx.device
        data = (case["X"].to(device), case["Y"].to(device))
        net = training.build_net(case["net"], device)
        optimizer = training.make_optimizer(case["optimizer"], net)
        training.seed_rng(case["seed"], device)
        training.train(net, optimizer, case["k"], data, case["batch"], case["random_batches"])
        ctx.run(
            "save_checkpoint(path, net, optimizer, step)",
            save_fn,
            os.path.join(ctx.files, f"checkpoint{index}.pt"),
            net,
            optimizer,
            case["step"],
        )
    return len(cases)


@probe(
    "serialization.checkpoint_resume",
    returns=ListOf({"step": ANY, "state": ENTRIES}),
)
def checkpoint_resume(
    ctx: ProbeContext, cases: list[dict[str, Any]], files: list[bytes]
) -> list[dict[str, Any]]:
    """In a process that did not save them: for each case and its checkpoint file, a fresh net and
    optimizer (other weights), load_checkpoint into them, k more steps. The final state."""
    load_fn = ctx.definition(SECTION, "load_checkpoint")
    reports = []
    for index, (case, data) in enumerate(zip(cases, files)):
        device = ctx.device
        path = _write(ctx, f"checkpoint{index}.pt", data)
        training.disturb_rng(device)
        fresh = training.build_net(case["net"], device)
        for module in fresh.modules():
            if isinstance(module, nn.Linear):
                module.reset_parameters()  # other weights than the saved ones
        fresh_optimizer = training.make_optimizer(case["optimizer"], fresh)
        step = ctx.run(
            "load_checkpoint(path, net, optimizer)", load_fn, path, fresh, fresh_optimizer
        )
        data_ = (case["X"].to(device), case["Y"].to(device))
        training.train(
            fresh,
            fresh_optimizer,
            case["k"],
            data_,
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
