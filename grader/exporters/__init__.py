"""Exports of the one results schema (``grader.results``) to the formats course platforms read.

One small module per format; each reads only ``SubmissionResult`` objects:

- ``gradebook``: class gradebook CSV (one row per student, one column per item, total);
- ``markdown``: per-student feedback in Markdown;
- ``gradescope``: Gradescope's ``results.json``;
- ``prairielearn``: PrairieLearn's external-grader ``results.json``;
- ``junit``: JUnit XML for CI tools.

Rules every exporter follows: hidden checks show only their name, pass/fail and points (never their
feedback or the property they test); a submission where nothing could be graded is marked ungradable
wherever the format has that notion, besides scoring zero.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

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
) -> list[str]:
    """Write every requested export; returns the paths written.

    Gradescope and PrairieLearn grade one submission per container: with one submission FILE is
    that results.json; for a class FILE is a folder that gets one ``<student>.json`` each.
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
        gradebook.write(csv, results)
        written.append(csv)
    if feedback:
        written.extend(markdown.write_dir(feedback, results))
    for path, module in ((gradescope, gs), (prairielearn, pl)):
        if not path:
            continue
        if class_mode:
            for result, target in zip(results, per_student_paths(path, results, ".json")):
                module.write(target, result)
                written.append(target)
        else:
            module.write(path, results[0])
            written.append(path)
    if junit:
        ju.write(junit, results)
        written.append(junit)
    return written


def _parent(path: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)


def write_text(path: str, text: str) -> None:
    """Write a file atomically (a reader never sees half of it), creating its folder."""
    _parent(path)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.replace(tmp, path)
