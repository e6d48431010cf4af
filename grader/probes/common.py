"""What several sections' probes share (child side only): calling student code that may raise on
purpose, requiring a tensor, and reporting a module's parameters as plain data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from grader.errors import SAFE_EXCEPTION_NAMES
from grader.probes import ProbeContext
from grader.schema import TENSOR, Optional, TupleOfAny

PARAMETER = {"name": str, "shape": Optional(TupleOfAny(int)), "value": Optional(TENSOR)}
"""One entry of ``parameter_report``."""


def safe_type(exc: BaseException) -> str:
    name = type(exc).__name__
    return name if name in SAFE_EXCEPTION_NAMES else "another exception"


def attempt(ctx: ProbeContext, what: str, fn: Callable[..., Any], *args: Any) -> tuple[Any, Any]:
    """Call student code that may raise on purpose: (result, None) or (None, the exception).
    A stub's NotImplementedError and exits still end the probe as usual."""

    def attempt() -> tuple[Any, Any]:
        try:
            return fn(*args), None
        except NotImplementedError:
            raise
        except Exception as exc:
            return None, exc

    return ctx.run(what, attempt)


def require_tensor(ctx: ProbeContext, what: str, value: Any) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise ctx.invalid(what, f"returned a {type(value).__name__} where a tensor was due")
    return value


def parameter_report(ctx: ProbeContext, what: str, module: nn.Module) -> list[dict[str, Any]]:
    """``named_parameters()`` as plain data: name, shape and value (both None while lazy)."""
    entries = ctx.run(f"{what}.named_parameters()", lambda: list(module.named_parameters()))
    report = []
    for name, param in entries:
        if not isinstance(param, torch.Tensor):
            raise ctx.invalid(
                what, f"named_parameters() yielded a {type(param).__name__} for {name!r}"
            )
        lazy = isinstance(param, nn.parameter.UninitializedParameter)
        report.append(
            {
                "name": str(name),
                "shape": None if lazy else tuple(param.shape),
                "value": None if lazy else param.detach().clone(),
            }
        )
    return report
