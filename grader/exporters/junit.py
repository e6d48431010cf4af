"""JUnit XML, as CI tools read it: ``<testsuites>`` with one ``<testsuite>`` per submission and one
``<testcase>`` per check (``classname`` = submission.item); a failing check has ``<failure>``, a
skipped one ``<skipped>``; a submission where nothing could be graded has one ``<testcase>`` with
``<error type="ungradable">``. Hidden checks' failures carry no feedback.

Times: each ``<testsuite>`` has the seconds its submission took and ``<testsuites>`` their sum. The
grader does not time checks one by one, so a ``<testcase>`` says ``time="0"`` only for a check
decided without running (skipped, or the submission ungradable) and otherwise carries its share of
the submission's time, split evenly over the checks that ran (the suite's total stays exact). Text
is cleaned and every character XML 1.0 forbids is dropped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from grader.exporters.common import clean, clean_result, considered, student_feedback, write_text
from grader.results import SKIPPED, SubmissionResult

# Characters XML 1.0 cannot hold (student output may contain them).
_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _INVALID.sub("", clean(text))


def _suite(result: SubmissionResult) -> ET.Element:
    result = clean_result(result)
    ran = [c for item in considered(result) for c in item.checks if c.kind != SKIPPED]
    seconds = float(result.timing.get("seconds", 0.0) or 0.0)
    share = f"{seconds / len(ran):.3f}" if ran and result.gradable else "0"
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
                    time="0" if check.kind == SKIPPED else share,
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
    suite.set("time", f"{seconds:.3f}")
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
    seconds = 0.0
    for result in results:
        suite = _suite(result)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
        seconds += float(suite.get("time", "0"))
        root.append(suite)
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{seconds:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write(path: str, results: Sequence[SubmissionResult]) -> None:
    write_text(path, render(results))
