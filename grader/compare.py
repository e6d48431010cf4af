"""Structured comparison of what the submission produced with what PyTorch produces.

After ``torch.testing.assert_close``: differences are collected as data (where, which attribute,
expected, got, how far off) and rendered to text only at the end; attributes (type, shape, dtype,
device) are compared before values. Nothing downstream parses these messages.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from grader.errors import GradingFailure, clip

# (rtol, atol) per dtype, as torch.testing.assert_close; dtypes not listed compare exactly.
TOLERANCES: dict[torch.dtype, tuple[float, float]] = {
    torch.float16: (1e-3, 1e-5),
    torch.bfloat16: (1.6e-2, 1e-5),
    torch.float32: (1.3e-6, 1e-5),
    torch.float64: (1e-7, 1e-7),
    torch.complex64: (1.3e-6, 1e-5),
    torch.complex128: (1e-7, 1e-7),
}


# Parameters a child reports, from which a check builds its reference, must look as PyTorch's
# initialisers leave them: finite and of this magnitude at most (default inits stay below 10). A
# reference built on NaN weights is NaN and would "match" a NaN output; one built on huge weights
# would widen every tolerance that scales with the reference.
PARAMETER_LIMIT = 1e3


def tolerance(dtype: torch.dtype) -> tuple[float, float]:
    """(rtol, atol) for a dtype; (0, 0) for exact types."""
    return TOLERANCES.get(dtype, (0.0, 0.0))


@dataclass(frozen=True)
class Difference:
    """One way the submission's result differs from PyTorch's."""

    path: str
    """Where: "output", "state_dict['0.weight']", "named_parameters"."""
    attribute: str
    """What: type, shape, dtype, device, values, names, order, identity, ..."""
    expected: str
    """What PyTorch gives, rendered."""
    got: str
    """What the submission gives, rendered."""
    detail: str = ""
    """For values: how many differ, the largest difference, where, and the tolerance."""

    def render(self) -> str:
        if self.attribute == "values" and self.detail:
            return f"{self.path}: {self.detail}"
        where = self.path if self.attribute in self.path else f"{self.path} ({self.attribute})"
        return f"{where}: PyTorch gives {self.expected}, yours gives {self.got}"


class Mismatch(GradingFailure):
    """The submission's result differs from PyTorch's."""

    kind = "mismatch"

    def __init__(self, subject: str, differences: Sequence[Difference], hint: str = "") -> None:
        self.subject = subject
        self.differences = tuple(differences)
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        shown = self.differences[:4]
        lines = [f"{self.subject} differs from PyTorch:"]
        lines += [f"  - {d.render()}" for d in shown]
        if len(self.differences) > len(shown):
            lines.append(f"  - … and {len(self.differences) - len(shown)} more differences")
        if self.hint:
            lines.append(f"Hint: {self.hint}")
        return "\n".join(lines)


def describe_tensor(t: torch.Tensor) -> str:
    """A short description: 'tensor (3, 5) float32'."""
    return f"tensor {tuple(t.shape)} {str(t.dtype).removeprefix('torch.')}"


def _short(value: Any, limit: int = 120) -> str:
    if isinstance(value, torch.Tensor):
        if value.numel() <= 6:
            return f"{value.tolist()}"
        return describe_tensor(value)
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _scalar(value: torch.Tensor) -> str:
    item = value.item()
    return f"{item:.6g}" if isinstance(item, float) else str(item)


def _index(flat_index: int, shape: Sequence[int]) -> list[int]:
    idx = []
    for size in reversed(shape):
        idx.append(flat_index % size if size else 0)
        flat_index = flat_index // size if size else 0
    return list(reversed(idx))


class Expect:
    """Collects differences for one subject ("MySequential output", …); ``verify()`` raises."""

    def __init__(self, subject: str) -> None:
        self.subject = subject
        self.differences: list[Difference] = []
        self.hints: list[str] = []

    # -- recording -----------------------------------------------------------------------------

    def add(
        self, path: str, attribute: str, expected: Any, got: Any, detail: str = "", hint: str = ""
    ) -> None:
        self.differences.append(
            Difference(
                path,
                attribute,
                expected if isinstance(expected, str) else _short(expected),
                got if isinstance(got, str) else _short(got),
                detail,
            )
        )
        if hint and hint not in self.hints:
            self.hints.append(hint)

    def equal(
        self, path: str, expected: Any, got: Any, *, attribute: str = "value", hint: str = ""
    ) -> bool:
        """Exact equality of plain values (names, shapes, orders, booleans)."""
        if expected == got and type(expected) is type(got):
            return True
        self.add(path, attribute, _short(expected), _short(got), hint=hint)
        return False

    def true(
        self, path: str, condition: bool, *, attribute: str, expected: str, got: str, hint: str = ""
    ) -> bool:
        """A property that must hold; expected/got describe it in words."""
        if not condition:
            self.add(path, attribute, expected, got, hint=hint)
        return condition

    def usable(
        self, path: str, value: Any, *, limit: float = PARAMETER_LIMIT, hint: str = ""
    ) -> bool:
        """A tensor the submission reported that a reference will be computed from (its own
        weights): finite, and no larger in magnitude than ``limit``."""
        if not isinstance(value, torch.Tensor):
            self.add(path, "type", "a tensor", f"a {type(value).__name__}", hint=hint)
            return False
        if not value.is_floating_point():
            self.add(path, "dtype", "a floating-point dtype", str(value.dtype), hint=hint)
            return False
        if value.numel() == 0:
            return True
        magnitude = value.detach().abs().to(torch.float64)
        finite = torch.isfinite(magnitude)
        if bool(finite.all()) and float(magnitude.max()) <= limit:
            return True
        bad = int((~finite).sum())
        largest = float(magnitude[finite].max()) if bool(finite.any()) else float("nan")
        got = (
            f"{bad} of {value.numel()} values NaN or infinite"
            if bad
            else f"values up to {largest:.3g} in magnitude"
        )
        self.add(
            path,
            "values",
            f"finite values of initialisation scale (at most {limit:g} in magnitude)",
            got,
            hint=hint
            or "keep the parameters PyTorch initialised (a NaN or a huge weight makes every "
            "result meaningless)",
        )
        return False

    def close(
        self,
        path: str,
        expected: torch.Tensor,
        got: Any,
        *,
        rtol: float | None = None,
        atol: float | None = None,
        check_dtype: bool = True,
        equal_nan: bool = False,
        hint: str = "",
    ) -> bool:
        """Tensor equality up to the dtype's tolerance: type, shape, dtype, device, then values.

        NaN matches NaN only with ``equal_nan`` (as in torch.testing.assert_close), which a check
        passes only where its reference comes from the parent's own inputs and holds NaN by design.
        Infinities match only the same infinity."""
        if not isinstance(got, torch.Tensor):
            self.add(path, "type", "a tensor", f"a {type(got).__name__}", hint=hint)
            return False
        if tuple(got.shape) != tuple(expected.shape):
            self.add(path, "shape", str(tuple(expected.shape)), str(tuple(got.shape)), hint=hint)
            return False
        if check_dtype and got.dtype != expected.dtype:
            self.add(path, "dtype", str(expected.dtype), str(got.dtype), hint=hint)
            return False
        if got.device.type != expected.device.type:
            self.add(path, "device", str(expected.device), str(got.device), hint=hint)
            return False
        default_rtol, default_atol = tolerance(expected.dtype)
        rtol = default_rtol if rtol is None else rtol
        atol = default_atol if atol is None else atol
        # Compare in a dtype that holds both (never truncate the submission's values to ours).
        common = torch.promote_types(expected.dtype, got.dtype)
        exp = expected.detach().to(common)
        act = got.detach().to(common)
        if exp.numel() == 0:
            return True
        if exp.dtype == torch.bool or not (exp.is_floating_point() or exp.is_complex()):
            ok = act == exp
            diff = (act.to(torch.float64) - exp.to(torch.float64)).abs()
        else:
            ok = torch.isclose(act, exp, rtol=rtol, atol=atol, equal_nan=equal_nan)
            diff = (act - exp).abs().to(torch.float64)
            diff = torch.where(torch.isnan(diff), torch.where(ok, 0.0, float("inf")), diff)
        if bool(ok.all()):
            return True
        bad = int((~ok).sum())
        worst = int(diff.reshape(-1).argmax())
        where = _index(worst, exp.shape)
        allowed = (
            f"allowed: {atol:g} + {rtol:g}·|PyTorch|" if (rtol or atol) else "exact match required"
        )
        detail = (
            f"{bad} of {exp.numel()} values differ; the largest difference is {float(diff.reshape(-1)[worst]):.4g} "
            f"at {where} (PyTorch {_scalar(exp.reshape(-1)[worst])}, yours {_scalar(act.reshape(-1)[worst])}; "
            f"{allowed})"
        )
        self.add(path, "values", describe_tensor(exp), describe_tensor(act), detail, hint=hint)
        return False

    @contextlib.contextmanager
    def computing(self, what: str) -> Iterator[None]:
        """Around a reference the parent computes from data the submission reported (its weights,
        their shapes): if PyTorch refuses that data, the submission fails this check with a
        message, instead of the check ending in a grader error. Keep the block to the computation."""
        try:
            yield
        except (RuntimeError, ValueError, IndexError, TypeError) as exc:
            self.add(
                what,
                "usable",
                "tensors PyTorch can compute the reference with",
                f"tensors PyTorch refused ({type(exc).__name__}: {clip(str(exc), 200)})",
            )
            self.verify()

    # -- outcome -------------------------------------------------------------------------------

    @property
    def ok(self) -> bool:
        return not self.differences

    def verify(self) -> None:
        """Raise Mismatch if anything differed."""
        if self.differences:
            raise Mismatch(self.subject, self.differences, hint=" ".join(self.hints))
