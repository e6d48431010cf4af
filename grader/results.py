"""The one results schema: what each check found, how it scores, and its JSON form.

Exporters (terminal table, JSON, ...) read only these types. A submission's result never depends on
timing except through the ``timing`` fields, so grading twice gives identical JSON once those are
removed (``strip_timing``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from grader import errors
from grader.curriculum import ITEMS, ITEMS_BY_ID, SECTIONS, Item
from grader.outcomes import Kind, Status

# Short names for the members used most (grader/outcomes.py has them all).
GRADED = Status.GRADED
NOT_ATTEMPTED = Status.NOT_ATTEMPTED
MISSING = Status.MISSING
UNAVAILABLE = Status.UNAVAILABLE
NOT_GRADED_YET = Status.NOT_GRADED_YET
NOT_SELECTED = Status.NOT_SELECTED
BUDGET = Status.STOPPED
UNGRADABLE = Status.UNGRADABLE
PASSED = Kind.PASSED
SKIPPED = Kind.SKIPPED
GRADER_ERROR = Kind.GRADER_ERROR


@dataclass(frozen=True)
class Check:
    """A check as registered (its spec), independent of any submission."""

    name: str
    """Test function name, e.g. "test_mysequential_matches_nn_sequential"."""
    item: str
    """Curriculum item id it grades, e.g. "modules.MySequential"."""
    points: float
    """Points it is worth."""
    visibility: str
    """"public" (students see feedback and may run it) or "hidden"."""
    description: str = ""
    """The property it establishes (docstring line 1)."""
    catches: str = ""
    """The mistake it exists to catch (docstring line 2, "Catches: ...")."""
    gpu_only: bool = False
    """Runs only when grading on a CUDA device."""


@dataclass(frozen=True)
class CheckResult:
    """What one check found for one submission."""

    name: str
    """The check's name."""
    item: str
    """The item it grades."""
    passed: bool
    """Whether the submission passed it."""
    points: float
    """Points earned (its full points if passed, else 0)."""
    max_points: float
    """Points it is worth (0 when skipped)."""
    visibility: str
    """"public" or "hidden"."""
    kind: str
    """"passed", "skipped", "grader error", or the failure class (mismatch, timeout, crash, ...)."""
    feedback: str = ""
    """What the student reads; for hidden checks written only from what the grader itself holds."""


@dataclass(frozen=True)
class ItemResult:
    """One curriculum item for one submission."""

    id: str
    """Item id, e.g. "modules.MySequential"."""
    score: float
    """Points earned."""
    max_score: float
    """Points possible."""
    status: str
    """graded, not attempted, missing, could not load, not graded yet, not selected, stopped."""
    message: str = ""
    """One line about the whole item (why it is missing, not attempted, …)."""
    checks: tuple[CheckResult, ...] = ()
    """Each check's result."""


@dataclass(frozen=True)
class SubmissionResult:
    """Everything graded for one submission."""

    submission: str
    """Name (student folder name in class mode)."""
    score: float
    """Total points earned."""
    max_score: float
    """Total points possible."""
    device: str
    """Device the checks ran on."""
    gradable: bool
    """False when nothing at all could be graded (no section found or none loads)."""
    message: str
    """Why it is not gradable, or empty."""
    exercises: tuple[ItemResult, ...]
    """Every curriculum item, in curriculum order."""
    sandbox: dict[str, Any] = field(default_factory=dict)
    """Transport, whether protected, and the containment layers that were active."""
    timing: dict[str, float] = field(default_factory=dict)
    """Seconds spent, and checks decided by replaying recorded examples (grader/replay.py): the
    only fields that differ between two gradings of the same submission."""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["exercises"] = [
            {
                **{k: v for k, v in asdict(item).items() if k != "checks"},
                "checks": [asdict(c) for c in item.checks],
            }
            for item in self.exercises
        ]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SubmissionResult:
        """The inverse of ``to_json`` (unknown keys are ignored, so newer files still load)."""
        exercises = []
        for item in data["exercises"]:
            checks = tuple(
                CheckResult(**{k: v for k, v in c.items() if k in _CHECK_FIELDS})
                for c in item.get("checks", [])
            )
            known = {k: v for k, v in item.items() if k in _ITEM_FIELDS and k != "checks"}
            exercises.append(ItemResult(**known, checks=checks))
        known = {k: v for k, v in data.items() if k in _SUBMISSION_FIELDS and k != "exercises"}
        return cls(**known, exercises=tuple(exercises))


_CHECK_FIELDS = {f.name for f in fields(CheckResult)}
_ITEM_FIELDS = {f.name for f in fields(ItemResult)}
_SUBMISSION_FIELDS = {f.name for f in fields(SubmissionResult)}


def _round(value: float) -> float:
    return round(value + 0.0, 6)


def score_item(
    item: Item,
    checks: Sequence[CheckResult],
    *,
    selected: bool,
    has_checks: bool,
    section_problem: str | None,
    section_absent: bool = False,
) -> ItemResult:
    """The one scoring rule: an item's score is the sum of the points of its passing checks."""
    if not selected:
        return ItemResult(item.id, 0.0, 0.0, NOT_SELECTED)
    if not has_checks:
        return ItemResult(
            item.id, 0.0, 0.0, NOT_GRADED_YET, "checks for this item are not written yet"
        )
    ran = [c for c in checks if c.kind != SKIPPED]
    score = _round(sum(c.points for c in ran))
    max_score = _round(sum(c.max_points for c in ran))
    if section_problem is not None:
        status = MISSING if section_absent else UNAVAILABLE
        return ItemResult(item.id, 0.0, max_score, status, section_problem, tuple(checks))
    kinds = {c.kind for c in ran}  # a passing check's kind is "passed"
    if GRADER_ERROR in kinds:
        failed = next(c for c in ran if c.kind == GRADER_ERROR)
        message = (failed.feedback.splitlines() or ["the grader failed"])[0]
        return ItemResult(item.id, score, max_score, UNGRADABLE, message, tuple(checks))
    if kinds == {Kind.NOT_ATTEMPTED}:
        message = "still raises NotImplementedError"
        return ItemResult(item.id, 0.0, max_score, NOT_ATTEMPTED, message, tuple(checks))
    if kinds == {Kind.STOPPED}:
        message = (ran[0].feedback.splitlines() or ["grading stopped"])[0]
        return ItemResult(item.id, 0.0, max_score, BUDGET, message, tuple(checks))
    return ItemResult(item.id, score, max_score, GRADED, "", tuple(checks))


def build_submission_result(
    name: str,
    results: Iterable[CheckResult],
    *,
    registered: dict[str, list[Check]],
    selected: set[str],
    section_problems: dict[str, str],
    absent_sections: Iterable[str] = (),
    device: str,
    sandbox: dict[str, Any],
    timing: dict[str, float],
    problem: str | None = None,
) -> SubmissionResult:
    """Assemble every item (in curriculum order) from the check results of one submission."""
    absent = set(absent_sections)
    by_item: dict[str, list[CheckResult]] = {}
    for result in results:
        by_item.setdefault(result.item, []).append(result)
    items = []
    for item in ITEMS:
        checks = by_item.get(item.id, [])
        order = [c.name for c in registered.get(item.id, [])]
        checks.sort(key=lambda c: order.index(c.name) if c.name in order else len(order))
        items.append(
            score_item(
                item,
                checks,
                selected=item.id in selected,
                has_checks=bool(registered.get(item.id)),
                section_problem=section_problems.get(item.section),
                section_absent=item.section in absent,
            )
        )
    considered = [i for i in items if i.status not in (NOT_SELECTED, NOT_GRADED_YET)]
    gradable = problem is None and any(
        i.status not in (MISSING, UNAVAILABLE, UNGRADABLE) for i in considered
    )
    message = problem or ("" if gradable else _ungradable_message(considered))
    return SubmissionResult(
        submission=name,
        score=_round(sum(i.score for i in items)),
        max_score=_round(sum(i.max_score for i in items)),
        device=device,
        gradable=gradable,
        message=message,
        exercises=tuple(items),
        sandbox=sandbox,
        timing=timing,
    )


def grader_failed(result: SubmissionResult) -> bool:
    """Whether any item of the result is ungradable for the grader's own reasons."""
    return any(item.status == UNGRADABLE for item in result.exercises)


def _ungradable_message(items: Sequence[ItemResult]) -> str:
    """Why nothing could be graded: the real problems first (a syntax error, a broken notebook, a
    misnamed upload), in curriculum order; plain absences summed up in one clause after them."""
    reasons = list(dict.fromkeys(i.message for i in items if i.message))
    if not reasons:
        return "nothing could be graded"
    # Plain absences (nothing of the section found, nothing like it either): status and the one
    # wording compared, never a message searched.
    plain = {
        ITEMS_BY_ID[i.id].section
        for i in items
        if i.status == MISSING and i.message == errors.section_not_found(ITEMS_BY_ID[i.id].section)
    }
    absent = [errors.section_not_found(s) for s in SECTIONS if s in plain]
    real = [r for r in reasons if r not in absent]
    parts = real[:4] + ([f"and {len(real) - 4} more"] if len(real) > 4 else [])
    if absent and real:
        files = [f"{s}.py" for s in SECTIONS if s in plain]
        parts.append("no other section file was found (" + ", ".join(files) + ")")
    elif absent:
        parts.extend(absent[:4])
    return "nothing could be graded: " + "; ".join(parts)


def write_json(path: str, results: Sequence[SubmissionResult], *, class_mode: bool) -> None:
    data: Any = (
        {"submissions": [r.to_json() for r in results]} if class_mode else results[0].to_json()
    )
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, sort_keys=False)
        f.write("\n")


def read_json(path: str) -> tuple[bool, list[SubmissionResult]]:
    """(class_mode, results) from a file ``write_json`` wrote (one submission or a class)."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if isinstance(data, dict) and "submissions" in data:
        return True, [SubmissionResult.from_json(d) for d in data["submissions"]]
    return False, [SubmissionResult.from_json(data)]


def strip_timing(data: Any) -> Any:
    """The JSON with every timing field removed (for reproducibility comparisons)."""
    if isinstance(data, dict):
        return {k: strip_timing(v) for k, v in data.items() if k != "timing"}
    if isinstance(data, list):
        return [strip_timing(v) for v in data]
    return data
