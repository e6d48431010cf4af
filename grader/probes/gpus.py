"""Probes for the ``gpus`` section (devices). Run where the submission runs.

Machines that grade usually have no GPU, or one: ``simulated`` makes ``torch.cuda`` report any number
of devices for the duration of one student call (``torch.device("cuda:3")`` can be built without
CUDA), and restores it afterwards. ``norms`` watches every torch call the student makes with a
``TorchFunctionMode`` to count reads back to the host.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from grader import specs
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


class TransferCounter(TorchFunctionMode):
    """Counts reads back to the host of tensors that derive from a product of A[i] and B[i].

    A tensor derives from a product if a matrix product made it, or a call with such a tensor among
    its inputs. Moving the inputs A and B themselves is not counted. Also records the devices on
    which derived tensors were computed (reads back to the host aside).
    """

    def __init__(self) -> None:
        super().__init__()
        self.derived: dict[int, torch.Tensor] = {}  # id -> tensor (kept alive: ids stay unique)
        self.reads: list[str] = []
        self.computed_on: set[str] = set()
        self.products = 0
        """Matrix products seen: the contract's n products; 0 means the computation went past
        the counter (outside torch, or with torch's function hooks switched off)."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        inputs = list(_tensors(args)) + list(_tensors(kwargs))
        derived = [t for t in inputs if id(t) in self.derived]
        read = name in HOST_READS or (name == "to" and _targets_cpu(args, kwargs))
        if derived and read:
            self.reads.append(f"{name[2:-2]}(...)" if name.startswith("__") else f".{name}()")
        elif derived and name in COPYING_CONSTRUCTORS:
            self.reads += [f"torch.{name}([...])"] * len(derived)
            read = True
        if name in PRODUCTS:
            self.products += 1
        result = func(*args, **kwargs)
        if name in PRODUCTS or derived:
            for t in _tensors(result):
                self.derived[id(t)] = t
                if not read:
                    self.computed_on.add(t.device.type)
        return result


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
    counter = TransferCounter()
    with counter:
        result = ctx.run(f'norms_on_device(A, B, torch.device("{ctx.device}"))', fn, A, B, device)
    tensor = type(result) is torch.Tensor
    return {
        "result": result.detach() if tensor else None,
        "returned": type(result).__name__,
        "device": str(result.device) if tensor else "",
        "reads": counter.reads,
        "computed_on": sorted(counter.computed_on),
        "products": counter.products,
    }


@probe("gpus.cuda_state", returns={"initialized": bool, "bad_fork": bool})
def cuda_state(ctx: ProbeContext) -> dict[str, bool]:
    """Whether CUDA is initialised here, and whether this process was forked from one that had
    initialised it (the zygote must not)."""
    return {
        "initialized": bool(torch.cuda.is_initialized()),
        "bad_fork": bool(torch.cuda._is_in_bad_fork()),
    }
