"""JUnit XML, as CI tools read it: ``<testsuites>`` with one ``<testsuite>`` per submission and one
``<testcase>`` per check (``classname`` = submission.item); a failing check has ``<failure>``, a
skipped one ``<skipped>``; a submission where nothing could be graded has one ``<testcase>`` with
``<error type="ungradable">``. Hidden checks' failures carry no feedback."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from grader.exporters import considered, student_feedback, write_text
from grader.results import SKIPPED, SubmissionResult

# Characters XML 1.0 cannot hold (student output may contain them).
_INVALID = {c: None for c in range(0x20) if c not in (0x9, 0xA, 0xD)}


def _clean(text: str) -> str:
    return text.translate(_INVALID)


def _suite(result: SubmissionResult) -> ET.Element:
    suite = ET.Element("testsuite", name=_clean(result.submission))
    tests = failures = errors = skipped = 0
    if not result.gradable:
        case = ET.SubElement(
            suite, "testcase", classname=_clean(result.submission), name="submission", time="0"
        )
        error = ET.SubElement(case, "error", type="ungradable", message=_clean(result.message))
        error.text = _clean(result.message)
        tests, errors = 1, 1
    else:
        for item in considered(result):
            for check in item.checks:
                tests += 1
                case = ET.SubElement(
                    suite,
                    "testcase",
                    classname=_clean(f"{result.submission}.{item.id}"),
                    name=_clean(check.name),
                    time="0",
                )
                if check.kind == SKIPPED:
                    skipped += 1
                    ET.SubElement(case, "skipped", message=_clean(check.feedback))
                elif not check.passed:
                    failures += 1
                    text = student_feedback(check, item) or f"hidden check {check.name} failed"
                    failure = ET.SubElement(
                        case,
                        "failure",
                        type=check.kind,
                        message=_clean(text.splitlines()[0] if text else check.kind),
                    )
                    failure.text = _clean(text)
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("skipped", str(skipped))
    suite.set("time", f"{result.timing.get('seconds', 0.0):.3f}")
    properties = ET.Element("properties")
    for name, value in (
        ("score", f"{result.score:g}"),
        ("max_score", f"{result.max_score:g}"),
        ("gradable", "true" if result.gradable else "false"),
    ):
        ET.SubElement(properties, "property", name=name, value=value)
    suite.insert(0, properties)
    return suite


def render(results: Sequence[SubmissionResult]) -> str:
    root = ET.Element("testsuites", name="builders-guide-grader")
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for result in results:
        suite = _suite(result)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
        root.append(suite)
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write(path: str, results: Sequence[SubmissionResult]) -> None:
    write_text(path, render(results))
