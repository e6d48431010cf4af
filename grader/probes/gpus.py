"""Probes for the ``gpus`` section (devices). Run where the submission runs.

Machines that grade usually have no GPU, or one: ``simulated`` makes ``torch.cuda`` report any number
of devices for the duration of one student call (``torch.device("cuda:3")`` can be built without
CUDA), and restores it afterwards. ``norms`` watches every torch call the student makes with a
``TorchFunctionMode`` to count reads back to the host, sealed (``grader.observers``) so the
student's code can neither reach it nor switch it off.
"""

from __future__ import annotations

import os
import types
from collections.abc import Iterator
from typing import Any

import torch
from torch import nn

from grader import observers, specs
from grader.gpu_terms import COPYING_CONSTRUCTORS, HOST_READS, render
from grader.probes import ProbeContext, probe
from grader.schema import TENSOR, ListOf, Optional, TupleOf

SECTION = "gpus"


def simulated(count: int, module: types.ModuleType | None = None) -> list[tuple[Any, str, Any]]:
    """What makes ``torch.cuda`` report ``count`` devices (and is_available() say so), for
    ``ctx.replacing``. Names the student's module imported directly (``from torch.cuda import
    device_count``) are replaced too, so they see the same machine."""
    cuda = torch.cuda
    originals = {"device_count": cuda.device_count, "is_available": cuda.is_available}
    fakes = {"device_count": lambda: count, "is_available": lambda: count > 0}
    replacements: list[tuple[Any, str, Any]] = [(cuda, key, fake) for key, fake in fakes.items()]
    if module is not None:
        for name, value in list(vars(module).items()):
            for key, original in originals.items():
                if value is original:
                    replacements.append((module, name, fakes[key]))
    return replacements


@probe("gpus.simulated", returns=ListOf(TupleOf(int, Optional(int), str)))
def simulated_calls(
    ctx: ProbeContext, function: str, cases: list[tuple[int, int | None]]
) -> list[tuple[int, int | None, str]]:
    """Call ``function`` (num_gpus, try_gpu or try_all_gpus) on machines with ``count`` devices.

    ``cases`` are (count, i): i is try_gpu's argument (None: called without one). Replies
    (count, i, rendered result)."""
    fn = ctx.definition(SECTION, function)
    module = ctx.sections.get(SECTION)
    results = []
    for count, i in cases:
        args = () if i is None else (i,)
        call = f"{function}({'' if i is None else i}) with {count} GPU(s)"
        with ctx.replacing(simulated(count, module)):
            value = ctx.run(call, fn, *args)
            text = render(value)
        results.append((count, i, text))
    return results


# -- to_device ---------------------------------------------------------------------------------


TENSOR_INFO = TupleOf(str, str, str, bool)


@probe(
    "gpus.to_device",
    returns={
        "returned_net": bool,
        "returned": str,
        "tensors": ListOf(TENSOR_INFO),
        "output": Optional(TENSOR),
    },
)
def to_device(
    ctx: ProbeContext, spec: specs.Node, width: int, device: str, X: torch.Tensor | None = None
) -> dict[str, Any]:
    """Build the net on the CPU, to_device(net, device); where each tensor is, and the output."""
    fn = ctx.definition(SECTION, "to_device")
    net = specs.scaled_net(spec, width)
    target = torch.device(device)
    result = ctx.run(f'to_device(net, torch.device("{device}"))', fn, net, target)
    tensors = [
        (name, "parameter", str(p.device), type(p) is nn.Parameter)
        for name, p in net.named_parameters()
    ]
    tensors += [(name, "buffer", str(b.device), True) for name, b in net.named_buffers()]
    output = None
    if X is not None and isinstance(result, nn.Module) and not target.type == "meta":
        with torch.no_grad():
            y = ctx.run("net(X) after to_device", net, X.to(target))
        if isinstance(y, torch.Tensor):
            output = y.detach()
    return {
        "returned_net": result is net,
        "returned": type(result).__name__,
        "tensors": tensors,
        "output": output,
    }


# -- norms_on_device ---------------------------------------------------------------------------

# Reading a value back to the host: each of these waits for the device to finish.
PRODUCTS = {"matmul", "__matmul__", "__rmatmul__", "mm", "bmm", "einsum", "tensordot", "mv"}


def _tensors(value: Any) -> Iterator[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _tensors(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _tensors(v)


def _targets_cpu(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    for value in (*args[1:], kwargs.get("device")):
        if isinstance(value, (str, torch.device)):
            try:
                if torch.device(value).type == "cpu":
                    return True
            except (RuntimeError, TypeError):
                continue
        if isinstance(value, torch.Tensor) and value.device.type == "cpu":
            return True
    return False


_TORCH_FILES = os.path.join(os.path.dirname(os.path.abspath(torch.__file__)), "")
_C_LEVEL = observers.c_level_types()


def _torch_own(func: Any) -> bool:
    """A function of torch's (C, or Python under torch's folder): its name is torch's to give."""
    if type(func) in _C_LEVEL:
        return True
    code = getattr(func, "__code__", None) if type(func) is types.FunctionType else None
    return code is not None and code.co_filename.startswith(_TORCH_FILES)


def count_transfers(
    record: dict[str, Any], func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[bool, bool]:
    """The transfer counter's rule for one torch call (run by the sealed observer, which owns
    ``record``): counts reads back to the host of tensors that derive from a product of A[i] and
    B[i], and the matrix products themselves.

    A tensor derives from a product if a matrix product made it, or a call with such a tensor among
    its inputs. Moving the inputs A and B themselves is not counted. Returns (track the result,
    this call read back to the host)."""
    derived_ids, reads = record["derived"], record["reads"]
    own = _torch_own(func)
    name = func.__name__ if own else ""
    inputs = list(_tensors(args)) + list(_tensors(kwargs))
    derived = [t for t in inputs if id(t) in derived_ids]
    read = name in HOST_READS or (name == "to" and _targets_cpu(args, kwargs))
    if derived and read:
        reads.append(f"{name[2:-2]}(...)" if name.startswith("__") else f".{name}()")
    elif derived and name in COPYING_CONSTRUCTORS:
        reads.extend([f"torch.{name}([...])"] * len(derived))
        read = True
    if name in PRODUCTS:
        record["products"] += 1
    if derived and not read:
        # Written into another tensor (out[i] = norm, buf.copy_(norm), out=buf): that tensor
        # now holds values from a product too, and reading it back counts.
        targets = [kwargs.get("out")]
        if name == "__setitem__" or (name.endswith("_") and not name.startswith("_")):
            targets.append(args[0] if args else None)
        for target in _tensors(targets):
            derived_ids[id(target)] = target
    return bool(name in PRODUCTS or derived), read


def start_transfers() -> dict[str, Any]:
    """The transfer counter's record before the first call."""
    return {
        "derived": {},  # id -> tensor (kept alive: ids stay unique)
        "reads": [],
        "computed_on": set(),
        "products": 0,
    }


def track_transfers(record: dict[str, Any], result: Any, read: bool) -> None:
    """After a call ``count_transfers`` tracked: its tensors derive from a product; where they
    were computed (reads back to the host aside)."""
    for t in _tensors(result):
        record["derived"][id(t)] = t
        if not read:
            record["computed_on"].add(t.device.type)


@probe(
    "gpus.norms",
    returns={
        "result": Optional(TENSOR),
        "returned": str,
        "device": str,
        "reads": ListOf(str),
        "computed_on": ListOf(str),
        "products": int,
    },
)
def norms(ctx: ProbeContext, A: torch.Tensor, B: torch.Tensor) -> dict[str, Any]:
    """norms_on_device(A, B, device) with A, B on the CPU and the session's device."""
    fn = ctx.definition(SECTION, "norms_on_device")
    device = torch.device(ctx.device)
    counter = observers.mode_class()()
    with observers.sealed(counter, count_transfers, track_transfers, start_transfers) as record:
        result = ctx.run(f'norms_on_device(A, B, torch.device("{ctx.device}"))', fn, A, B, device)
    tensor = type(result) is torch.Tensor
    reads = record.get("reads", [])
    # The observer itself was disturbed: nothing it saw can be trusted, and the check fails.
    reads += [f"unwatched ({what})" for what in record["disturbed"]]
    return {
        "result": result.detach() if tensor else None,
        "returned": type(result).__name__,
        "device": str(result.device) if tensor else "",
        "reads": reads,
        "computed_on": sorted(record.get("computed_on", ())),
        "products": record.get("products", 0),
    }


@probe("gpus.cuda_state", returns={"initialized": bool, "bad_fork": bool})
def cuda_state(ctx: ProbeContext) -> dict[str, bool]:
    """Whether CUDA is initialised here, and whether this process was forked from one that had
    initialised it (the zygote must not)."""
    return {
        "initialized": bool(torch.cuda.is_initialized()),
        "bad_fork": bool(torch.cuda._is_in_bad_fork()),
    }
