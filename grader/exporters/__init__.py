"""Exports of the one results schema (``grader.results``) to the formats course platforms read.

One small module per format; each reads only ``SubmissionResult`` objects:

- ``gradebook``: class gradebook CSV (one row per student, one column per item, total);
- ``markdown``: per-student feedback in Markdown;
- ``gradescope_results``: Gradescope's ``results.json`` (the autograder bundle that writes it is
  ``grader.gradescope``);
- ``prairielearn_results``: PrairieLearn's external-grader ``results.json`` (its bundle:
  ``grader.prairielearn``);
- ``junit``: JUnit XML for CI tools;
- ``terminal``: the table ``grade`` prints (and the class progress line);
- ``check_report``: what ``check`` prints for a learner, item by item, with the first failure's
  feedback.

Rules every exporter follows: hidden checks show only their name, pass/fail and points (never their
feedback or the property they test); a submission where nothing could be graded is marked ungradable
wherever the format has that notion, besides scoring zero. Every exporter writes whatever text it is
given without failing: ``clean_result`` first replaces what no format should carry (lone surrogates,
U+FFFE/U+FFFF, control characters but tab and newline, ANSI escape sequences, NUL) with U+FFFD or
nothing, and files are written as UTF-8 with a replacing error handler besides; each format then
escapes its own way (CSV formula prefixes, Markdown fences, XML 1.0's forbidden characters).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from grader.exporters.common import (  # re-exported: the package's public names
    FORMATS,
    HIDDEN_NOTE,
    clean,
    clean_result,
    clip,
    considered,
    counted,
    humanize,
    per_student_paths,
    protections,
    safe_filename,
    student_feedback,
    terminal_safe,
    write_text,
)
from grader.results import SubmissionResult

__all__ = [
    "FORMATS",
    "HIDDEN_NOTE",
    "clean",
    "clean_result",
    "clip",
    "considered",
    "counted",
    "export",
    "humanize",
    "per_student_paths",
    "protections",
    "safe_filename",
    "student_feedback",
    "terminal_safe",
    "write_text",
]


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
        gradescope_results as gs,
    )
    from grader.exporters import (
        junit as ju,
    )
    from grader.exporters import (
        prairielearn_results as pl,
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
