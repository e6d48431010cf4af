"""Every export against the specification it follows: the class gradebook CSV, per-student
Markdown feedback, Gradescope's results.json, PrairieLearn's external-grader results, JUnit XML.

Results come from one real class run (solutions, stubs, a known mistake, an empty upload) with
``--only modules``, written through ``grade``'s own export flags; ``export`` then converts the
same results JSON again and must give the same files."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from support import EXERCISES, SOLUTIONS, TESTS, grade, run_grader, with_appended, write_submission

from grader.exporters import gradebook, gradescope, junit, markdown, prairielearn
from grader.results import SubmissionResult, build_submission_result

MUTANT = (
    TESTS / "mutants" / "modules" / "chimera_wrong_order.py"
)  # fails a public and a hidden check
STUDENTS = ["a-solution", "b-stub", "c-mutant", "d-empty"]
EXPORT_FLAGS = ("csv", "feedback", "gradescope", "prairielearn", "junit")


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One class run with every export flag; the paths and the parsed results JSON."""
    root = tmp_path_factory.mktemp("exports")
    cls = root / "class"
    write_submission(cls / "a-solution", {"modules": (SOLUTIONS / "modules.py").read_text()})
    write_submission(cls / "b-stub", {"modules": (EXERCISES / "modules.py").read_text()})
    write_submission(cls / "c-mutant", {"modules": with_appended(MUTANT.read_text())})
    (cls / "d-empty").mkdir()
    (cls / "d-empty" / "README.txt").write_text("I forgot to upload my work")
    out = {
        "csv": root / "gradebook.csv",
        "feedback": root / "feedback",
        "gradescope": root / "gradescope",
        "prairielearn": root / "prairielearn",
        "junit": root / "junit.xml",
    }
    flags = [arg for name, path in out.items() for arg in (f"--{name}", str(path))]
    data = grade(cls, "--only", "modules", *flags, json_path=root / "results.json")
    return {"root": root, "out": out, "data": data, "json": root / "results.json"}


def results_of(graded: dict[str, Any]) -> dict[str, SubmissionResult]:
    return {s["submission"]: SubmissionResult.from_json(s) for s in graded["data"]["submissions"]}


def ungradable() -> SubmissionResult:
    return build_submission_result(
        "zoe",
        [],
        registered={},
        selected=set(),
        section_problems={},
        device="cpu",
        sandbox={},
        timing={"seconds": 0.0},
        problem="no section file found in zoe",
    )


def hidden_feedback(result: SubmissionResult) -> list[str]:
    """Feedback of failed hidden checks: never to appear in anything a student reads (unless a
    public check said the very same, e.g. "still raises NotImplementedError")."""
    checks = [c for i in result.exercises for c in i.checks]
    public = {c.feedback for c in checks if c.visibility == "public"}
    return [
        c.feedback
        for c in checks
        if c.visibility == "hidden"
        and not c.passed
        and len(c.feedback) > 20
        and c.feedback not in public
    ]


def test_the_class_run_has_the_cases_the_exports_need(graded: dict[str, Any]) -> None:
    results = results_of(graded)
    assert list(results) == STUDENTS
    assert results["a-solution"].score == results["a-solution"].max_score > 0
    assert results["b-stub"].score == 0 and results["b-stub"].gradable
    assert 0 < results["c-mutant"].score < results["c-mutant"].max_score
    assert hidden_feedback(results["c-mutant"]), "the mutant should fail a hidden check"
    assert not results["d-empty"].gradable


# -- CSV -----------------------------------------------------------------------------------------


def test_gradebook_has_one_row_per_student_and_one_column_per_item(
    graded: dict[str, Any],
) -> None:
    with open(graded["out"]["csv"], newline="") as f:
        rows = list(csv.DictReader(f))
    results = results_of(graded)
    header = list(rows[0])
    assert header[:4] == ["submission", "score", "max_score", "gradable"]
    assert header[-1] == "message"
    items = header[4:-1]
    assert [h.split(" ")[0] for h in items] == [
        i.id for i in results["a-solution"].exercises if i.id.startswith("modules.")
    ]
    assert [r["submission"] for r in rows] == STUDENTS
    for row in rows:
        result = results[row["submission"]]
        assert float(row["score"]) == result.score
        assert float(row["max_score"]) == result.max_score
        assert sum(float(row[h]) for h in items) == pytest.approx(result.score)
        assert row["gradable"] == ("yes" if result.gradable else "no")
    assert rows[3]["message"] and not rows[0]["message"]


# -- Markdown ------------------------------------------------------------------------------------


def test_feedback_shows_public_counterexamples_and_only_names_hidden_checks(
    graded: dict[str, Any],
) -> None:
    folder = graded["out"]["feedback"]
    assert sorted(p.name for p in folder.iterdir()) == [f"{s}.md" for s in STUDENTS]
    results = results_of(graded)
    mutant = results["c-mutant"]
    text = (folder / "c-mutant.md").read_text()
    assert text.startswith("# Feedback for c-mutant")
    assert f"{mutant.score:g} / {mutant.max_score:g}" in text
    public_failures = [
        c for i in mutant.exercises for c in i.checks if c.visibility == "public" and not c.passed
    ]
    assert public_failures
    for check in public_failures:
        assert check.feedback.splitlines()[0] in text  # the counterexample, as the check wrote it
    for check in (c for i in mutant.exercises for c in i.checks if c.visibility == "hidden"):
        assert f"`{check.name}` (hidden check)" in text
    for secret in hidden_feedback(mutant):
        assert secret not in text
    empty = (folder / "d-empty.md").read_text()
    assert "could not be graded" in empty


# -- Gradescope ----------------------------------------------------------------------------------


def validate_gradescope(data: dict[str, Any]) -> None:
    """Gradescope's autograder specification: top-level score, tests[] with name, score,
    max_score, status passed/failed, output, visibility."""
    assert isinstance(data["score"], float)
    assert isinstance(data["execution_time"], int)
    assert isinstance(data["output"], str)
    assert data["visibility"] in {"hidden", "after_due_date", "after_published", "visible"}
    assert isinstance(data["extra_data"], dict)
    assert isinstance(data["tests"], list)
    for test in data["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility"}
        assert isinstance(test["score"], float) and isinstance(test["max_score"], float)
        assert test["status"] in ("passed", "failed")
        assert (test["status"] == "passed") == (test["score"] == test["max_score"] > 0)
        assert test["visibility"] in {"hidden", "after_due_date", "after_published", "visible"}


def test_gradescope_results_follow_the_specification(graded: dict[str, Any]) -> None:
    folder = graded["out"]["gradescope"]
    results = results_of(graded)
    for name in STUDENTS:
        data = json.loads((folder / f"{name}.json").read_text())
        validate_gradescope(data)
        result = results[name]
        assert data["score"] == result.score
        assert data["extra_data"]["gradable"] is result.gradable
        assert data["extra_data"]["protections"]["protected"] is True
        if result.gradable:
            assert sum(t["max_score"] for t in data["tests"]) == result.max_score
            assert sum(t["score"] for t in data["tests"]) == result.score
        for secret in hidden_feedback(result):
            assert secret not in json.dumps(data["tests"])
    empty = json.loads((folder / "d-empty.json").read_text())
    assert "could not be graded" in empty["output"]


def test_gradescope_marks_an_ungradable_submission() -> None:
    data = gradescope.convert(ungradable())
    validate_gradescope(data)
    assert data["score"] == 0.0 and data["extra_data"]["gradable"] is False
    assert data["tests"][0]["name"] == gradescope.UNGRADABLE_TEST


# -- PrairieLearn --------------------------------------------------------------------------------


def validate_prairielearn(data: dict[str, Any]) -> None:
    """PrairieLearn's external-grader results: gradable, score in [0, 1], tests[] with name,
    points, max_points, message, output; format_errors when not gradable."""
    assert isinstance(data["gradable"], bool)
    if not data["gradable"]:
        assert isinstance(data["format_errors"], list) and data["format_errors"]
        assert all(isinstance(e, str) for e in data["format_errors"])
        return
    assert isinstance(data["score"], float) and 0.0 <= data["score"] <= 1.0
    for test in data["tests"]:
        assert isinstance(test["name"], str)
        assert isinstance(test["points"], float) and isinstance(test["max_points"], float)
        assert 0 <= test["points"] <= test["max_points"]
        assert isinstance(test["message"], str) and isinstance(test["output"], str)
    total = sum(t["max_points"] for t in data["tests"])
    assert data["score"] == pytest.approx(sum(t["points"] for t in data["tests"]) / total)


def test_prairielearn_results_follow_the_specification(graded: dict[str, Any]) -> None:
    folder = graded["out"]["prairielearn"]
    results = results_of(graded)
    for name in STUDENTS:
        data = json.loads((folder / f"{name}.json").read_text())
        validate_prairielearn(data)
        assert data["gradable"] is results[name].gradable
        for secret in hidden_feedback(results[name]):
            assert secret not in json.dumps(data)
    assert json.loads((folder / "a-solution.json").read_text())["score"] == 1.0
    assert json.loads((folder / "b-stub.json").read_text())["score"] == 0.0


def test_prairielearn_marks_an_ungradable_submission() -> None:
    data = prairielearn.convert(ungradable())
    validate_prairielearn(data)
    assert data["gradable"] is False
    assert "no section file" in data["format_errors"][0]


# -- JUnit ---------------------------------------------------------------------------------------


def test_junit_xml_parses_and_counts_agree(graded: dict[str, Any]) -> None:
    root = ET.parse(graded["out"]["junit"]).getroot()
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == STUDENTS
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for suite in suites:
        cases = suite.findall("testcase")
        counts = {
            "tests": len(cases),
            "failures": sum(c.find("failure") is not None for c in cases),
            "errors": sum(c.find("error") is not None for c in cases),
            "skipped": sum(c.find("skipped") is not None for c in cases),
        }
        for key, value in counts.items():
            assert int(suite.get(key)) == value, (suite.get("name"), key)
            totals[key] += value
        for case in cases:
            assert case.get("name") and case.get("classname")
            float(case.get("time"))
    for key, value in totals.items():
        assert int(root.get(key)) == value
    by_name = {s.get("name"): s for s in suites}
    assert int(by_name["a-solution"].get("failures")) == 0
    assert int(by_name["b-stub"].get("failures")) == int(by_name["b-stub"].get("tests")) > 0
    empty = by_name["d-empty"].findall("testcase")
    assert len(empty) == 1 and empty[0].find("error").get("type") == "ungradable"
    text = Path(graded["out"]["junit"]).read_text()
    for secret in hidden_feedback(results_of(graded)["c-mutant"]):
        assert secret not in text


def test_junit_survives_control_characters_in_feedback() -> None:
    result = ungradable()
    weird = SubmissionResult(**{**result.__dict__, "message": "bad \x00\x07 bytes"})
    ET.fromstring(junit.render([weird]).split("\n", 1)[1])


# -- the export subcommand -----------------------------------------------------------------------


def test_export_subcommand_gives_the_same_files(graded: dict[str, Any], tmp_path: Path) -> None:
    flags = {
        "csv": tmp_path / "g.csv",
        "feedback": tmp_path / "fb",
        "gradescope": tmp_path / "gs",
        "prairielearn": tmp_path / "pl",
        "junit": tmp_path / "j.xml",
    }
    args = [arg for name, path in flags.items() for arg in (f"--{name}", str(path))]
    proc = run_grader("export", str(graded["json"]), *args)
    assert proc.returncode == 0, proc.stderr
    for name, path in flags.items():
        original = graded["out"][name]
        if path.is_dir():
            assert sorted(p.name for p in path.iterdir()) == sorted(
                p.name for p in original.iterdir()
            )
            for p in path.iterdir():
                assert p.read_text() == (original / p.name).read_text(), p
        else:
            assert path.read_text() == original.read_text(), name


def test_export_of_one_submission_writes_single_files(tmp_path: Path) -> None:
    result = ungradable()
    source = tmp_path / "one.json"
    source.write_text(json.dumps(result.to_json()))
    proc = run_grader(
        "export",
        str(source),
        "--gradescope",
        str(tmp_path / "results.json"),
        "--prairielearn",
        str(tmp_path / "pl.json"),
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "results.json").read_text())["extra_data"]["gradable"] is False
    assert json.loads((tmp_path / "pl.json").read_text())["gradable"] is False


def test_export_needs_a_format_and_a_results_file(tmp_path: Path) -> None:
    assert run_grader("export", str(tmp_path / "missing.json"), "--csv", "x.csv").returncode == 2
    (tmp_path / "r.json").write_text("{}")
    assert run_grader("export", str(tmp_path / "r.json")).returncode == 2
    assert run_grader("export", str(tmp_path / "r.json"), "--csv", "x.csv").returncode == 2


def test_exporters_agree_on_one_synthetic_result() -> None:
    """The in-process API: every module renders a result without touching the disk."""
    result = ungradable()
    assert "zoe" in gradebook.render([result])
    assert "could not be graded" in markdown.render(result)
    assert gradescope.convert(result)["extra_data"]["gradable"] is False
    assert prairielearn.convert(result)["gradable"] is False
    assert "ungradable" in junit.render([result])
