"""What every exporter shares: cleaning text for any format, what a result shows (hidden checks
named only), and writing files. The format modules import this, never the package."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Sequence
from typing import Any

from grader.results import (
    NOT_GRADED_YET,
    NOT_SELECTED,
    SKIPPED,
    CheckResult,
    ItemResult,
    SubmissionResult,
)
from grader.text import clean as unsafe_replaced

FORMATS = ("csv", "feedback", "gradescope", "prairielearn", "junit")
"""The export options, as the command line names them (``--csv FILE``, ``--feedback DIR``, ...)."""

HIDDEN_NOTE = "hidden check: its inputs and feedback are not shown"

# ANSI escape sequences (CSI with parameters, OSC up to BEL or ST, two-character escapes).
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?")


def clean(text: Any) -> str:
    """Text any format can carry: ANSI escapes removed, a carriage return before a newline
    dropped, every other unsafe character replaced by U+FFFD as ``grader.text.clean`` does (the
    one rule for what is unsafe, shared with the wire's decoder)."""
    text = text if isinstance(text, str) else str(text)
    return unsafe_replaced(_ANSI.sub("", text).replace("\r\n", "\n"))


def _clean_value(value: Any) -> Any:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean(k) if isinstance(k, str) else k: _clean_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_clean_value(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(
            value,
            **{f.name: _clean_value(getattr(value, f.name)) for f in dataclasses.fields(value)},
        )
    return value


def clean_result(result: SubmissionResult) -> SubmissionResult:
    """The result with every string in it (names, messages, feedback, sandbox notes) cleaned."""
    return _clean_value(result)


def terminal_safe(results: Sequence[SubmissionResult]) -> list[SubmissionResult]:
    """Results for the terminal table: cleaned, and with rich's markup brackets escaped (a
    submission named ``[/x]`` or feedback quoting ``[red]`` is printed as written)."""
    from rich.markup import escape

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return escape(value)
        if isinstance(value, (list, tuple)):
            return type(value)(walk(v) for v in value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            keep = {"sandbox", "timing", "kind", "status", "visibility", "id", "item"}
            return dataclasses.replace(
                value,
                **{
                    f.name: walk(getattr(value, f.name))
                    for f in dataclasses.fields(value)
                    if f.name not in keep
                },
            )
        return value

    return [walk(clean_result(r)) for r in results]


def humanize(check_name: str) -> str:
    """A check's function name as words: ``test_mlp_is_lazy`` -> ``mlp is lazy``."""
    name = check_name[5:] if check_name.startswith("test_") else check_name
    return name.replace("_", " ").strip() or check_name


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, saying how much was cut."""
    if len(text) <= limit:
        return text
    note = f"\n… ({len(text) - limit} more characters not shown)"
    return text[: max(0, limit - len(note))] + note


def considered(result: SubmissionResult) -> list[ItemResult]:
    """The items that were graded (or tried): not outside ``--only``, not without checks yet."""
    return [i for i in result.exercises if i.status not in (NOT_SELECTED, NOT_GRADED_YET)]


def counted(item: ItemResult) -> list[CheckResult]:
    """An item's checks that count (skipped ones, e.g. GPU-only on a CPU, do not)."""
    return [c for c in item.checks if c.kind != SKIPPED]


def student_feedback(check: CheckResult, item: ItemResult) -> str:
    """What a student may read about one check: public feedback, or for hidden checks nothing but
    the item's own message (e.g. "modules.py not found in the submission")."""
    if check.passed:
        return ""
    if check.visibility == "public":
        return check.feedback or item.message
    return item.message if item.message else ""


def protections(result: SubmissionResult) -> dict[str, object]:
    """Which containment layers were active while the submission ran (for platform extra data)."""
    info = result.sandbox or {}
    layers = info.get("layers", {}) or {}
    return {
        "transport": info.get("transport", ""),
        "protected": bool(info.get("protected", False)),
        "active": sorted(k for k, v in layers.items() if v == "active"),
        "inactive": {k: v for k, v in sorted(layers.items()) if v != "active"},
    }


def safe_filename(name: str) -> str:
    """A file name for a student (folder names come from uploads: no separators, no dot files)."""
    cleaned = re.sub(r"[^A-Za-z0-9._@+-]+", "_", name).lstrip(".")
    return cleaned or "submission"


def per_student_paths(
    directory: str, results: Sequence[SubmissionResult], suffix: str
) -> list[str]:
    """``directory/<student><suffix>`` for each result, distinct even if two names clean alike."""
    os.makedirs(directory, exist_ok=True)
    seen: set[str] = set()
    paths = []
    for result in results:
        base = safe_filename(result.submission)
        name, n = base, 1
        while name in seen:
            n += 1
            name = f"{base}-{n}"
        seen.add(name)
        paths.append(os.path.join(directory, name + suffix))
    return paths


def _parent(path: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)


def write_text(path: str, text: str) -> None:
    """Write a file atomically (a reader never sees half of it), creating its folder. UTF-8, and
    anything UTF-8 cannot encode (a lone surrogate that escaped cleaning) becomes "?"."""
    _parent(path)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8", errors="replace", newline="") as f:
        f.write(text)
    os.replace(tmp, path)
