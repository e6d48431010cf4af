"""Exports of the one results schema (``grader.results``) to the formats course platforms read.

One small module per format; each reads only ``SubmissionResult`` objects:

- ``gradebook``: class gradebook CSV (one row per student, one column per item, total);
- ``markdown``: per-student feedback in Markdown;
- ``gradescope``: Gradescope's ``results.json``;
- ``prairielearn``: PrairieLearn's external-grader ``results.json``;
- ``junit``: JUnit XML for CI tools.

Rules every exporter follows: hidden checks show only their name, pass/fail and points (never their
feedback or the property they test); a submission where nothing could be graded is marked ungradable
wherever the format has that notion, besides scoring zero. Every exporter writes whatever text it is
given without failing: ``clean_result`` first replaces what no format should carry (lone surrogates,
U+FFFE/U+FFFF, control characters but tab and newline, ANSI escape sequences, NUL) with U+FFFD or
nothing, and files are written as UTF-8 with a replacing error handler besides; each format then
escapes its own way (CSV formula prefixes, Markdown fences, XML 1.0's forbidden characters).
"""

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

FORMATS = ("csv", "feedback", "gradescope", "prairielearn", "junit")
"""The export options, as the command line names them (``--csv FILE``, ``--feedback DIR``, ...)."""

HIDDEN_NOTE = "hidden check: its inputs and feedback are not shown"

# ANSI escape sequences (CSI with parameters, OSC up to BEL or ST, two-character escapes).
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?")
# Lone surrogates, the noncharacters U+FFFE/U+FFFF, C0 controls but tab and newline, DEL, C1.
_UNSAFE = re.compile("[\ud800-\udfff\ufffe\uffff\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: Any) -> str:
    """Text any format can carry: ANSI escapes removed, a carriage return before a newline
    dropped, every other unsafe character (see above) replaced by U+FFFD."""
    text = text if isinstance(text, str) else str(text)
    text = _ANSI.sub("", text).replace("\r\n", "\n")
    return _UNSAFE.sub("\ufffd", text)


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


def export(
    results: Sequence[SubmissionResult],
    *,
    class_mode: bool,
    csv: str | None = None,
    feedback: str | None = None,
    gradescope: str | None = None,
    prairielearn: str | None = None,
    junit: str | None = None,
    csv_layout: str = "default",
    roster: str | None = None,
    assignment: str | None = None,
    gradescope_hidden: str | None = None,
) -> list[str]:
    """Write every requested export; returns the paths written.

    Gradescope and PrairieLearn grade one submission per container: with one submission FILE is
    that results.json; for a class FILE is a folder that gets one ``<student>.json`` each.
    ``csv_layout`` is "default" or "canvas"; ``roster`` a CSV of identities (see ``gradebook``);
    ``gradescope_hidden`` the visibility of hidden checks' tests (default after_published).
    """
    from grader.exporters import (
        gradebook,
        markdown,
    )
    from grader.exporters import (
        gradescope as gs,
    )
    from grader.exporters import (
        junit as ju,
    )
    from grader.exporters import (
        prairielearn as pl,
    )

    written: list[str] = []
    if csv:
        identities = gradebook.read_roster(roster) if roster else {}
        gradebook.write(
            csv, results, layout=csv_layout, roster=identities, assignment=assignment or None
        )
        written.append(csv)
    if feedback:
        written.extend(markdown.write_dir(feedback, results))
    options: dict[Any, dict[str, Any]] = {
        gs: {"hidden_visibility": gradescope_hidden or gs.DEFAULT_HIDDEN_VISIBILITY},
        pl: {},
    }
    for path, module in ((gradescope, gs), (prairielearn, pl)):
        if not path:
            continue
        if class_mode:
            for result, target in zip(results, per_student_paths(path, results, ".json")):
                module.write(target, result, **options[module])
                written.append(target)
        else:
            module.write(path, results[0], **options[module])
            written.append(path)
    if junit:
        ju.write(junit, results)
        written.append(junit)
    return written


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
