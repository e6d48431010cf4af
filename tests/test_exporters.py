"""Every export against the specification it follows: the class gradebook CSV, per-student
Markdown feedback, Gradescope's results.json, PrairieLearn's external-grader results, JUnit XML.

Results come from one real class run (solutions, stubs, a known mistake, an empty upload) with
``--only modules``, written through ``grade``'s own export flags; ``export`` then converts the
same results JSON again and must give the same files."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from support import EXERCISES, SOLUTIONS, TESTS, grade, run_grader, with_appended, write_submission

from grader.exporters import gradebook, junit, markdown
from grader.exporters import gradescope_results as gradescope
from grader.exporters import prairielearn_results as prairielearn
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
    assert header[:6] == ["student_id", "name", "email", "score", "max_score", "gradable"]
    assert header[-1] == "message"
    items = header[6:-1]
    assert [h.split(" ")[0] for h in items] == [
        i.id for i in results["a-solution"].exercises if i.id.startswith("modules.")
    ]
    assert [r["student_id"] for r in rows] == STUDENTS
    for row in rows:
        result = results[row["student_id"]]
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
        assert len(test["output"]) <= gradescope.MAX_TEST_OUTPUT
    assert data["stdout_visibility"] in {"hidden", "after_due_date", "after_published", "visible"}
    assert len(json.dumps(data).encode()) < 1 << 20


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


# -- issue 14: Gradescope visibility, the gradebook's identities and layouts ----------------------


def test_gradescope_hides_hidden_checks_until_published_by_default(graded: dict[str, Any]) -> None:
    """Issue 14, problem 2: are hidden checks' tests after_published by default (public ones
    visible), named readably, and left out of the summary students see at once? Does each
    visibility option reach the tests?"""
    data = json.loads((graded["out"]["gradescope"] / "c-mutant.json").read_text())
    result = results_of(graded)["c-mutant"]
    hidden = [c for i in result.exercises for c in i.checks if c.visibility == "hidden"]
    by_name = {t["name"]: t for t in data["tests"]}
    for check in (c for i in result.exercises for c in i.checks):
        name = gradescope.test_name(check.item, check.name, check.visibility)
        assert name.startswith(check.item + " · ") and "test_" not in name
        expected = "visible" if check.visibility == "public" else "after_published"
        assert by_name[name]["visibility"] == expected, name
    assert f"{len(hidden)} hidden check(s)" in data["output"]
    assert "shown when grades are published" in data["output"]
    public_points = sum(
        c.points for i in result.exercises for c in i.checks if c.visibility == "public"
    )
    assert data["output"].splitlines()[0].startswith(f"{public_points:g} / ")
    for visibility in ("hidden", "after_due_date", "visible"):
        converted = gradescope.convert(result, hidden_visibility=visibility)
        tests = [t for t in converted["tests"] if t["name"].endswith("(hidden)")]
        assert tests and {t["visibility"] for t in tests} == {visibility}
    with pytest.raises(ValueError):
        gradescope.convert(result, hidden_visibility="sometimes")


def test_gradescope_cuts_long_outputs_within_its_limits() -> None:
    """Is a public check's enormous feedback cut to a few kB per test, the file under 1 MB?"""
    big = "x" * 200_000
    result = synthetic(feedback=big, checks=300)
    data = gradescope.convert(result)
    assert all(len(t["output"]) <= gradescope.MAX_TEST_OUTPUT for t in data["tests"])
    assert len(json.dumps(data).encode()) <= gradescope.MAX_FILE_BYTES
    assert "more characters not shown" in data["tests"][0]["output"]


def test_gradebook_canvas_layout_and_roster(tmp_path: Path) -> None:
    """Issue 14, problem 7: does the Canvas layout have Canvas's identity columns, a Points
    Possible row and one assignment column, filled from a roster (the folder name standing in
    as SIS Login ID without one)? Does the default layout take name and email from the roster?"""
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "Student_ID,Name,Email,canvas_id,sis_user_id,sis_login_id,section\n"
        "zoe,Zoe Z,zoe@example.edu,101,S-1,zz1,A\n"
    )
    identities = gradebook.read_roster(str(roster))
    other = synthetic(name="yann")
    rows = list(
        csv.reader(
            gradebook.render(
                [ungradable(), other], layout="canvas", roster=identities, assignment="HW 3"
            ).splitlines()
        )
    )
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "HW 3"]
    assert rows[1][0] == "Points Possible" and float(rows[1][5]) == other.max_score
    assert rows[2] == ["Zoe Z", "101", "S-1", "zz1", "A", "0"]
    assert rows[3][:5] == ["", "", "", "yann", ""]
    default = list(csv.DictReader(gradebook.render([ungradable()], roster=identities).splitlines()))
    assert (default[0]["name"], default[0]["email"]) == ("Zoe Z", "zoe@example.edu")
    bad = tmp_path / "bad.csv"
    bad.write_text("who,score\nzoe,1\n")
    with pytest.raises(ValueError, match="student_id"):
        gradebook.read_roster(str(bad))


def test_canvas_layout_from_the_command_line(graded: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "canvas.csv"
    proc = run_grader("export", str(graded["json"]), "--csv", str(target), "--csv-layout", "canvas")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader(target.read_text().splitlines()))
    assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert [r[3] for r in rows[2:]] == STUDENTS


# -- issue 12: every exporter writes whatever text it is given ------------------------------------

HOSTILE = [
    "lone \ud800 surrogate and \udfff",
    "non-characters \ufffe\uffff",
    "NUL \x00 bell \x07 backspace \x08 vertical tab \x0b DEL \x7f C1 \x85\x9b",
    "ANSI \x1b[31mred\x1b[0m and \x1b]0;title\x07 and a bare \x1b",
    '=HYPERLINK("http://evil.example","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\tTAB first",
    "\rCR first",
    "fence ```` breaker\n```\n# Heading inside\n<script>alert(1)</script>",
    "[/bold] rich [red]markup[/red] ] [",
    "pipes | and \\ backslashes",
]


def synthetic(
    *, name: str = "alice", feedback: str = "feedback", checks: int = 2, message: str = ""
) -> SubmissionResult:
    """A gradable result of one modules item whose public checks fail with ``feedback``."""
    from grader.results import CheckResult, ItemResult

    results = tuple(
        CheckResult(
            f"test_check_{n}",
            "modules.MLP",
            False,
            0.0,
            1.0,
            "public" if n % 2 == 0 else "hidden",
            "mismatch",
            feedback,
        )
        for n in range(checks)
    )
    item = ItemResult("modules.MLP", 0.0, float(checks), "graded", message, results)
    return SubmissionResult(
        name,
        0.0,
        float(checks),
        "cpu",
        True,
        "",
        (item,),
        {"transport": "sandbox"},
        {"seconds": 1.5},
    )


@pytest.mark.parametrize("text", HOSTILE)
def test_every_exporter_writes_hostile_text(text: str, tmp_path: Path) -> None:
    """Issue 12: does every exporter write a result whose name, messages and feedback hold lone
    surrogates, noncharacters, control characters, ANSI escapes, NUL, formula starters, fence
    breakers and rich markup, giving files that parse, as UTF-8, without those characters?"""
    from rich.console import Console

    from grader import exporters
    from grader.exporters import terminal as report

    results = [
        synthetic(name=text, feedback=text, message=text),
        SubmissionResult(**{**ungradable().__dict__, "submission": "b" + text, "message": text}),
    ]
    written = exporters.export(
        results,
        class_mode=True,
        csv=str(tmp_path / "g.csv"),
        feedback=str(tmp_path / "fb"),
        gradescope=str(tmp_path / "gs"),
        prairielearn=str(tmp_path / "pl"),
        junit=str(tmp_path / "j.xml"),
    )
    forbidden = re.compile("[\ud800-\udfff\ufffe\uffff\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x1b]")
    for path in written:
        raw = Path(path).read_bytes()
        decoded = raw.decode("utf-8")  # strict: every file is valid UTF-8
        assert not forbidden.search(decoded), (path, text)
    for path in (tmp_path / "gs").iterdir():
        json.loads(path.read_text())
    for path in (tmp_path / "pl").iterdir():
        json.loads(path.read_text())
    ET.parse(tmp_path / "j.xml")
    with open(tmp_path / "g.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
        assert row[3] == "0" and row[4] in ("2", "0")  # numbers stay numbers
    for path in (tmp_path / "fb").iterdir():
        body = path.read_text()
        fences = re.findall(r"^(`{3,})text$", body, flags=re.MULTILINE)
        for fence in fences:  # the fenced block closes only on its own fence
            block = body.split(fence + "text\n", 1)[1]
            assert "\n" + fence + "\n" in block + "\n"
            assert fence not in block.split("\n" + fence, 1)[0]
        outside = re.sub(r"^(`{3,})text\n.*?\n\1$", "", body, flags=re.MULTILINE | re.DOTALL)
        assert "<script>" not in outside  # HTML outside a fence is escaped
    console = Console(file=io.StringIO(), width=120, force_terminal=True)
    report.print_results(exporters.terminal_safe(results), class_mode=True, console=console)
    report.print_results(exporters.terminal_safe(results[:1]), class_mode=False, console=console)


def test_csv_formula_cells_get_an_apostrophe_and_numbers_stay_numbers() -> None:
    assert gradebook.text_cell("=1+1") == "'=1+1"
    assert gradebook.text_cell("-x") == "'-x"
    assert gradebook.text_cell("\tx") == "'\tx"
    assert gradebook.text_cell("alice") == "alice"
    assert gradebook.number_cell(-0.5) == "-0.5"


def test_markdown_fence_outlasts_any_backtick_run() -> None:
    text = "a ````` b"
    body = markdown.render(synthetic(feedback=text))
    assert "``````text\n" + text in body


def test_junit_times_add_up(tmp_path: Path) -> None:
    """Issue 14: do the testcases of a suite carry its time (split over the checks that ran),
    the suites their submission's seconds and the root the total?"""
    root = ET.fromstring(junit.render([synthetic(checks=3), ungradable()]).split("\n", 1)[1])
    suite = root.findall("testsuite")[0]
    assert float(suite.get("time")) == 1.5
    assert sum(float(c.get("time")) for c in suite.findall("testcase")) == pytest.approx(1.5)
    assert float(root.get("time")) == pytest.approx(1.5)


def test_feedback_tells_notebook_students_what_works_in_a_notebook() -> None:
    """Issue 14, problem 8: does the Markdown feedback stop telling everyone to run `make check`
    (a notebook student cannot) and say what to do in a notebook and with .py files?"""
    body = markdown.render(synthetic())
    assert "make check" not in body
    assert "in a notebook, run its public test cells again" in body
    assert "python -m grader check" in body
