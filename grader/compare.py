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
from grader.outcomes import Kind

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


def tolerance(dtype: torch.dtype, *others: torch.dtype) -> tuple[float, float]:
    """(rtol, atol) for a dtype, (0, 0) for exact types; given several, the largest of each, as
    torch.testing.assert_close takes them from both the actual and the expected dtype."""
    chosen = [TOLERANCES.get(d, (0.0, 0.0)) for d in (dtype, *others)]
    return max(r for r, _ in chosen), max(a for _, a in chosen)


def scaled_tolerance(reference: torch.Tensor, *, factor: float) -> dict[str, float]:
    """``rtol`` and ``atol`` (keyword arguments for ``Expect.close``) for a result built by a short
    float sum: the reference dtype's rtol, and an atol of ``factor`` times the reference's largest
    magnitude (at least 1) for the rounding of values that cancel. Both are given: a check never
    sets one and inherits the other."""
    largest = float(reference.abs().max()) if reference.numel() else 0.0
    return {"rtol": tolerance(reference.dtype)[0], "atol": factor * max(1.0, largest)}


def _both_or_neither(rtol: float | None, atol: float | None) -> None:
    if (rtol is None) != (atol is None):
        # A programming error in a check (the grader's, never the student's).
        raise ValueError(
            "give both rtol and atol or neither (as torch.testing.assert_close): "
            f"rtol={rtol!r}, atol={atol!r}"
        )


# Words for a difference in an attribute, when the comparison itself names no better hint: a
# dtype, device or shape mismatch has its own cause, whatever the check was about.
ATTRIBUTE_HINTS: dict[str, str] = {
    "type": "return what PyTorch returns (a tensor, a module, a list, …): see the type above",
    "shape": "the shape is off before any value can be compared: check which dimensions you keep, "
    "reduce, slice or join",
    "dtype": "keep the input's dtype: no .float() or .to(torch.float32), and make new tensors with "
    "dtype=X.dtype (a float64 input gives a float64 result)",
    "device": "keep every tensor on the input's device: create new ones with device=X.device and "
    "move nothing back to the CPU",
    "identity": "PyTorch keeps the very object: no copy (copy.deepcopy, .clone(), .data, a new "
    "module) in between",
    "not filled in place": "change t itself with in-place operations (t.uniform_(…), t.normal_(…), "
    "t.copy_(…)): building a new tensor leaves t as it was",
    "returned a copy": "return the very object you were given and changed (return t, return net), "
    "not a new one",
    "missing attribute": "store it under exactly that name (self.<name> = …), as the exercise says",
    "exception": "raise the exception the exercise asks for, before changing anything",
}


WORDED = ("missing attribute", "returned a copy", "not filled in place")
"""Attributes whose difference is said in one phrase (``got``), not as "PyTorch gives …"."""


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
    hint: str = ""
    """What to change when this is the difference (empty: the attribute's own words, if any)."""
    brief: str = ""
    """A few words for the headline ("4 of 15 values differ"); empty: the rendered difference."""
    child: str = ""
    """Text that came from the submission's process (an exception message and the student's own
    lines): shown in public feedback only, never for hidden checks."""

    def render(self, *, public: bool = True) -> str:
        if self.attribute == "values" and self.detail:
            text = f"{self.path}: {self.detail}"
        elif self.attribute in WORDED:
            text = f"{self.path}: {self.got}"
        else:
            where = self.path if self.attribute in self.path else f"{self.path} ({self.attribute})"
            text = f"{where}: PyTorch gives {self.expected}, yours gives {self.got}"
        if public and self.child:
            text += "\n" + self.child
        return text

    def headline(self) -> str:
        """Where and what, in a few words, for the first line of the feedback."""
        if self.brief:
            return f"{self.path}: {self.brief}"
        return self.path if self.attribute in self.path else f"{self.path} ({self.attribute})"

    def advice(self) -> str:
        """The hint to show with this difference."""
        return self.hint or ATTRIBUTE_HINTS.get(self.attribute, "")


HEADLINE_LIMIT = 160


class Mismatch(GradingFailure):
    """The submission's result differs from PyTorch's.

    The first line is a headline: the subject and its first difference (what the table shows);
    then each difference (at most four), then one hint line made of the hints of the differences
    shown, in order, each once."""

    kind = Kind.MISMATCH

    def __init__(self, subject: str, differences: Sequence[Difference], hint: str = "") -> None:
        self.subject = subject
        self.differences = tuple(differences)
        self.hint = hint
        super().__init__(self.render(public=False))

    def headline(self) -> str:
        if not self.differences:
            return f"{self.subject} differs from PyTorch"
        named = [d.headline() for d in self.differences[:2]]
        more = len(self.differences) - len(named)
        where = " and ".join(named) if not more else f"{', '.join(named)} and {more} more"
        text = f"{self.subject} differs from PyTorch in {where}"
        if len(text) > HEADLINE_LIMIT:
            text = text[: HEADLINE_LIMIT - 1] + "…"
        return text

    def hints(self) -> list[str]:
        shown = [d.advice() for d in self.differences[:4]]
        found = [h for h in [*shown, self.hint] if h]
        return list(dict.fromkeys(found))

    def render(self, *, public: bool = True) -> str:
        shown = self.differences[:4]
        lines = [self.headline()]
        for d in shown:
            first, *rest = d.render(public=public).splitlines()
            lines.append(f"  - {first}")
            lines += [f"    {line}" for line in rest]
        if len(self.differences) > len(shown):
            lines.append(f"  - … and {len(self.differences) - len(shown)} more differences")
        hints = self.hints()
        if hints:
            lines.append("Hint: " + " ".join(hints))
        return "\n".join(lines)

    def problem(self, *, public: bool) -> str:
        return self.render(public=public)


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
        self,
        path: str,
        attribute: str,
        expected: Any,
        got: Any,
        detail: str = "",
        hint: str = "",
        *,
        brief: str = "",
        child: str = "",
    ) -> None:
        """Record a difference; ``hint`` is what to change when it is this difference (empty: the
        attribute's own words, ``ATTRIBUTE_HINTS``); ``child`` is text from the submission's
        process, shown to the student in public feedback only."""
        self.differences.append(
            Difference(
                path,
                attribute,
                expected if isinstance(expected, str) else _short(expected),
                got if isinstance(got, str) else _short(got),
                detail,
                hint,
                brief,
                child,
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
        hints: dict[str, str] | None = None,
    ) -> bool:
        """Tensor equality up to the dtype's tolerance: type, shape, dtype, device, then values.

        ``hint`` goes with a difference in the values; a difference in type, shape, dtype or device
        gets ``hints[attribute]`` if given, else that attribute's own words (``ATTRIBUTE_HINTS``):
        a float32 result for a float64 input is about the dtype, whatever the check is about.

        NaN matches NaN only with ``equal_nan`` (as in torch.testing.assert_close), which a check
        passes only where its reference comes from the parent's own inputs and holds NaN by design.
        Infinities match only the same infinity."""
        _both_or_neither(rtol, atol)
        own = hints or {}
        if not isinstance(got, torch.Tensor):
            self.add(path, "type", "a tensor", f"a {type(got).__name__}", hint=own.get("type", ""))
            return False
        if tuple(got.shape) != tuple(expected.shape):
            self.add(
                path,
                "shape",
                str(tuple(expected.shape)),
                str(tuple(got.shape)),
                hint=own.get("shape", ""),
            )
            return False
        if check_dtype and got.dtype != expected.dtype:
            self.add(path, "dtype", str(expected.dtype), str(got.dtype), hint=own.get("dtype", ""))
            return False
        if got.device.type != expected.device.type:
            self.add(
                path, "device", str(expected.device), str(got.device), hint=own.get("device", "")
            )
            return False
        if rtol is None or atol is None:
            rtol, atol = tolerance(expected.dtype, got.dtype)
        # Compare in a dtype that holds both (never truncate the submission's values to ours).
        common = torch.promote_types(expected.dtype, got.dtype)
        exp = expected.detach().to(common)
        act = got.detach().to(common)
        if exp.numel() == 0:
            return True
        exact = exp.dtype == torch.bool or not (exp.is_floating_point() or exp.is_complex())
        if exact:
            ok = act == exp
        else:
            ok = torch.isclose(act, exp, rtol=rtol, atol=atol, equal_nan=equal_nan)
        if bool(ok.all()):
            return True
        # The differences only for the message (most comparisons pass: not worth computing then).
        if exact:
            diff = (act.to(torch.float64) - exp.to(torch.float64)).abs()
        else:
            diff = (act - exp).abs().to(torch.float64)
            diff = torch.where(torch.isnan(diff), torch.where(ok, 0.0, float("inf")), diff)
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
        self.add(
            path,
            "values",
            describe_tensor(exp),
            describe_tensor(act),
            detail,
            hint=hint or own.get("values", ""),
            brief=f"{bad} of {exp.numel()} values differ",
        )
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

    # -- differences with their own words --------------------------------------------------------

    def missing(self, path: str, *, owner: str = "", hint: str = "") -> None:
        """An attribute the exercise names does not exist (``path`` as the student writes it,
        e.g. "self.hidden")."""
        name = path.removeprefix("self.")
        self.add(
            path,
            "missing attribute",
            "present",
            f"missing: {owner} has no attribute {name!r}" if owner else "missing",
            hint=hint,
        )

    def same_object(
        self, path: str, same: bool, *, expected: str, got: str, hint: str = ""
    ) -> bool:
        """Identity (``is``): the very object PyTorch would hold or return."""
        if not same:
            self.add(path, "identity", expected, got, hint=hint)
        return same

    def returned(self, path: str, same: bool, *, what: str, hint: str = "") -> bool:
        """The function returned the very object it was given (``what``: "t", "net")."""
        if not same:
            self.add(
                path,
                "returned a copy",
                f"{what} itself",
                f"returned another object, not the {what} it was given (a copy?)",
                hint=hint,
            )
        return same

    def in_place(self, path: str, changed: bool, *, what: str = "t", hint: str = "") -> bool:
        """The object given was changed in place (``changed``), not left as it was."""
        if not changed:
            self.add(
                path,
                "not filled in place",
                f"{what} itself filled",
                f"{what} was not filled in place: it holds what it held before the call",
                hint=hint,
            )
        return changed

    def raised(
        self,
        path: str,
        ok: bool,
        *,
        expected: str,
        got: str,
        message: str = "",
        trace: str = "",
        hint: str = "",
    ) -> bool:
        """An exception (or its absence): ``got`` names what happened in the parent's words (an
        exception type name, "no exception"); ``message`` and ``trace`` came from the submission's
        process and are shown in public feedback only."""
        if not ok:
            child = "\n".join(
                part
                for part in (
                    f"its message: {message}" if message else "",
                    trace,
                )
                if part
            )
            self.add(path, "exception", expected, got, hint=hint, child=child)
        return ok

    # -- outcome -------------------------------------------------------------------------------

    @property
    def ok(self) -> bool:
        return not self.differences

    def verify(self) -> None:
        """Raise Mismatch if anything differed."""
        if self.differences:
            raise Mismatch(self.subject, self.differences)
