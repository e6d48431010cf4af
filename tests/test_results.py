"""grader/results.py: the one scoring rule, the results schema and its JSON form."""

from __future__ import annotations

import json

import pytest

from grader.curriculum import ITEMS, ITEMS_BY_ID, items_in
from grader.results import (
    BUDGET,
    GRADED,
    MISSING,
    NOT_ATTEMPTED,
    NOT_GRADED_YET,
    NOT_SELECTED,
    PASSED,
    SKIPPED,
    UNAVAILABLE,
    Check,
    CheckResult,
    build_submission_result,
    score_item,
    strip_timing,
    write_json,
)

MLP = ITEMS_BY_ID["modules.MLP"]


def result(name="test_a", *, passed=False, points=None, max_points=2.0, kind=None, feedback=""):
    if kind is None:
        kind = PASSED if passed else "mismatch"
    if points is None:
        points = max_points if passed else 0.0
    return CheckResult(
        name, "modules.MLP", passed, points, max_points, "public", kind, feedback or kind
    )


def score(checks, *, selected=True, has_checks=True, section_problem=None, absent=False):
    return score_item(
        MLP,
        checks,
        selected=selected,
        has_checks=has_checks,
        section_problem=section_problem,
        section_absent=absent,
    )


# ---------------------------------------------------------------------------------------------
# score_item


def test_an_item_not_selected_scores_nothing_out_of_nothing():
    """Is an item left out by --only "not selected" with max 0, whatever its checks say?"""
    item = score([result(passed=True)], selected=False)
    assert (item.id, item.score, item.max_score, item.status) == ("modules.MLP", 0, 0, NOT_SELECTED)
    assert item.checks == ()


def test_an_item_without_checks_is_not_graded_yet():
    """Is an item with no registered checks "not graded yet" with max 0?"""
    item = score([], has_checks=False)
    assert (item.score, item.max_score, item.status) == (0, 0, NOT_GRADED_YET)
    assert item.message


@pytest.mark.parametrize(
    ("problem", "absent", "status"),
    [
        ("modules.py not found in the submission", True, MISSING),
        ("modules.py is a symbolic link", False, UNAVAILABLE),
        ("importing modules.py raised SyntaxError", False, UNAVAILABLE),
        # The status comes from the fact, never from the words: a file that is there but whose
        # import says "not found" is unavailable, not missing.
        (
            "importing modules.py raised ModuleNotFoundError: 'helpers' not found",
            False,
            UNAVAILABLE,
        ),
    ],
)
def test_a_section_problem_scores_zero_out_of_the_full_points(problem, absent, status):
    """Does a missing (or unloadable) section give 0 out of the item's full points, with the reason?"""
    checks = [
        result("test_a", max_points=2.0, kind="section unavailable"),
        result("test_b", max_points=3.0, kind="section unavailable"),
    ]
    item = score(checks, section_problem=problem, absent=absent)
    assert item.status == status
    assert (item.score, item.max_score) == (0.0, 5.0)
    assert item.message == problem
    assert item.checks == tuple(checks)


def test_a_section_problem_outranks_passing_checks():
    """Does a section problem zero the item even if some check claims it passed?"""
    item = score(
        [result(passed=True)], section_problem="modules.py not found in the submission", absent=True
    )
    assert (item.score, item.max_score, item.status) == (0.0, 2.0, MISSING)


def test_only_not_attempted_failures_make_the_item_not_attempted():
    """Are checks that all failed as "not attempted" an item "not attempted" worth 0 of its max?"""
    checks = [
        result("test_a", kind="not attempted"),
        result("test_b", max_points=1.0, kind="not attempted"),
        result("test_c", kind=SKIPPED, max_points=0.0),
    ]
    item = score(checks)
    assert item.status == NOT_ATTEMPTED
    assert (item.score, item.max_score) == (0.0, 3.0)
    assert "NotImplementedError" in item.message


@pytest.mark.parametrize(
    "other",
    [
        result("test_b", passed=True, max_points=1.0),
        result("test_b", max_points=1.0, kind="mismatch"),
    ],
    ids=["with-a-pass", "with-a-mismatch"],
)
def test_not_attempted_mixed_with_other_outcomes_is_graded(other):
    """Is an item with one "not attempted" check and another outcome graded normally?"""
    item = score([result("test_a", kind="not attempted"), other])
    assert item.status == GRADED
    assert item.score == other.points
    assert item.max_score == 3.0


def test_skipped_checks_count_neither_in_score_nor_in_max():
    """Is a skipped check (e.g. GPU-only on CPU) left out of both score and max?"""
    checks = [
        result("test_a", passed=True, max_points=2.0),
        CheckResult("test_gpu", "modules.MLP", False, 5.0, 7.0, "public", SKIPPED, "no GPU"),
    ]
    item = score(checks)
    assert item.status == GRADED
    assert (item.score, item.max_score) == (2.0, 2.0)
    assert len(item.checks) == 2


def test_only_skipped_checks_give_zero_out_of_zero():
    """Is an item whose checks were all skipped graded 0 out of 0?"""
    item = score([CheckResult("t", "modules.MLP", False, 0.0, 0.0, "public", SKIPPED, "")])
    assert (item.score, item.max_score, item.status) == (0.0, 0.0, GRADED)


def test_the_score_is_the_sum_of_passing_points():
    """Is a graded item's score the sum of its passing checks' points, out of all their points?"""
    checks = [
        result("test_a", passed=True, max_points=0.1),
        result("test_b", passed=True, max_points=0.2),
        result("test_c", max_points=1.5, kind="timeout"),
        result("test_d", max_points=0.7, kind="exception"),
    ]
    item = score(checks)
    assert item.status == GRADED
    assert item.score == 0.3  # rounded: 0.1 + 0.2 is 0.30000000000000004
    assert item.max_score == 2.5
    assert item.message == ""
    assert item.checks == tuple(checks)


def test_a_budget_stop_is_its_own_status():
    """Are checks that all stopped (budget exhausted) an item "stopped" with the first reason?"""
    checks = [
        result("test_a", kind="stopped", feedback="grading stopped: time used up\ndetail"),
        result("test_b", kind="stopped", feedback="grading stopped: other"),
    ]
    item = score(checks)
    assert item.status == BUDGET
    assert item.message == "grading stopped: time used up"
    assert (item.score, item.max_score) == (0.0, 4.0)


# ---------------------------------------------------------------------------------------------
# build_submission_result


def registered_modules() -> dict[str, list[Check]]:
    return {
        item.id: [
            Check(f"test_{item.names[0].lower()}_{n}", item.id, 1.0, "public") for n in (1, 2)
        ]
        for item in items_in("modules")
    }


def build(results, *, registered=None, selected=None, section_problems=None, problem=None):
    registered = registered_modules() if registered is None else registered
    problems = section_problems or {}
    return build_submission_result(
        "alice",
        results,
        registered=registered,
        selected={item.id for item in ITEMS} if selected is None else selected,
        section_problems=problems,
        # As sources.py marks them: a section whose file was not found at all.
        absent_sections={s for s, text in problems.items() if text.startswith(f"{s}.py not found")},
        device="cpu",
        sandbox={"transport": "in-process", "protected": False},
        timing={"total": 1.25},
        problem=problem,
    )


def outcomes(registered, kind, *, passed=False):
    return [
        CheckResult(
            c.name, c.item, passed, c.points if passed else 0.0, c.points, c.visibility, kind, kind
        )
        for checks in registered.values()
        for c in checks
    ]


def test_every_item_is_listed_in_curriculum_order():
    """Does the result list every curriculum item, in curriculum order, graded or not?"""
    registered = registered_modules()
    submission = build(outcomes(registered, PASSED, passed=True))
    assert [i.id for i in submission.exercises] == [item.id for item in ITEMS]
    statuses = {i.id: i.status for i in submission.exercises}
    assert {statuses[item.id] for item in items_in("modules")} == {GRADED}
    assert {statuses[item.id] for item in ITEMS if item.section != "modules"} == {NOT_GRADED_YET}


def test_totals_are_sums_over_items():
    """Are the submission's score and max the sums over its items?"""
    registered = registered_modules()
    results = outcomes(registered, PASSED, passed=True)
    results[0] = CheckResult(
        results[0].name, results[0].item, False, 0.0, 1.0, "public", "mismatch", "no"
    )
    submission = build(results)
    assert submission.max_score == 14.0
    assert submission.score == 13.0
    assert submission.score == sum(i.score for i in submission.exercises)
    assert submission.gradable and submission.message == ""


def test_checks_are_ordered_as_registered():
    """Are an item's check results listed in registration order, whatever order they arrived in?"""
    registered = registered_modules()
    results = list(reversed(outcomes(registered, PASSED, passed=True)))
    submission = build(results)
    mlp = submission.exercises[0]
    assert [c.name for c in mlp.checks] == [c.name for c in registered["modules.MLP"]]


def test_a_stub_submission_is_gradable():
    """Is a submission whose every check is "not attempted" gradable, scoring 0 of the max?"""
    registered = registered_modules()
    submission = build(outcomes(registered, "not attempted"))
    assert submission.gradable is True
    assert submission.message == ""
    assert (submission.score, submission.max_score) == (0.0, 14.0)
    modules = [i for i in submission.exercises if i.id.startswith("modules.")]
    assert {i.status for i in modules} == {NOT_ATTEMPTED}


def test_a_submission_with_every_section_missing_is_not_gradable():
    """Is a submission whose considered items are all missing not gradable, saying why?"""
    registered = registered_modules()
    reason = "modules.py not found in the submission"
    submission = build(
        outcomes(registered, "section unavailable"), section_problems={"modules": reason}
    )
    assert submission.gradable is False
    assert submission.message == f"nothing could be graded: {reason}"
    assert submission.score == 0.0
    assert submission.max_score == 14.0


def test_a_submission_that_does_not_load_is_not_gradable():
    """Is a submission whose only section fails to load not gradable, with the load error?"""
    registered = registered_modules()
    reason = "importing modules.py raised SyntaxError"
    submission = build(
        outcomes(registered, "section unavailable"), section_problems={"modules": reason}
    )
    assert submission.gradable is False
    assert reason in submission.message
    assert {i.status for i in submission.exercises[:7]} == {UNAVAILABLE}


def test_a_missing_section_outside_the_selection_does_not_matter():
    """With only modules selected and loading, is a missing other section ignored for gradable?"""
    registered = registered_modules()
    submission = build(
        outcomes(registered, PASSED, passed=True),
        selected={item.id for item in items_in("modules")},
        section_problems={"parameters": "parameters.py not found in the submission"},
    )
    assert submission.gradable is True
    statuses = {i.id: i.status for i in submission.exercises}
    assert statuses["parameters.layer_state"] == NOT_SELECTED


def test_a_submission_level_problem_makes_it_ungradable():
    """Does a problem given by the caller make the submission not gradable with that message?"""
    submission = build([], problem="no section file found in /x")
    assert submission.gradable is False
    assert submission.message == "no section file found in /x"


# ---------------------------------------------------------------------------------------------
# JSON


CHECK_KEYS = ["name", "item", "passed", "points", "max_points", "visibility", "kind", "feedback"]


def test_to_json_has_the_documented_keys():
    """Does to_json give the documented keys at every level, as plain JSON data?"""
    registered = registered_modules()
    data = build(outcomes(registered, PASSED, passed=True)).to_json()
    assert list(data) == [
        "submission",
        "score",
        "max_score",
        "device",
        "gradable",
        "message",
        "exercises",
        "sandbox",
        "timing",
    ]
    assert data["submission"] == "alice" and data["device"] == "cpu"
    assert data["timing"] == {"total": 1.25}
    assert isinstance(data["exercises"], list) and len(data["exercises"]) == len(ITEMS)
    for exercise in data["exercises"]:
        assert list(exercise) == ["id", "score", "max_score", "status", "message", "checks"]
        assert isinstance(exercise["checks"], list)
        for check in exercise["checks"]:
            assert list(check) == CHECK_KEYS
    first = data["exercises"][0]["checks"][0]
    assert first == {
        "name": "test_mlp_1",
        "item": "modules.MLP",
        "passed": True,
        "points": 1.0,
        "max_points": 1.0,
        "visibility": "public",
        "kind": "passed",
        "feedback": "passed",
    }
    assert json.loads(json.dumps(data)) == data


def test_strip_timing_removes_timing_at_every_depth():
    """Does strip_timing drop every "timing" key, nested in dicts and lists, and nothing else?"""
    data = {
        "timing": 1,
        "a": {"timing": {"x": 1}, "b": [{"timing": 2, "c": 3}, 4]},
        "submissions": [{"timing": {}, "score": 1}],
    }
    assert strip_timing(data) == {"a": {"b": [{"c": 3}, 4]}, "submissions": [{"score": 1}]}
    assert data["timing"] == 1  # the input is left alone


def test_two_gradings_differ_only_in_timing():
    """Do two results that differ only in their timing compare equal once timing is stripped?"""
    registered = registered_modules()
    first = build(outcomes(registered, PASSED, passed=True)).to_json()
    second = {**first, "timing": {"total": 99.0}}
    assert first != second
    assert strip_timing(first) == strip_timing(second)


def test_write_json_writes_one_object_for_a_single_submission(tmp_path):
    """Does write_json write the submission's object itself outside class mode?"""
    submission = build([])
    path = tmp_path / "out.json"
    write_json(str(path), [submission], class_mode=False)
    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n")
    assert json.loads(text) == submission.to_json()


def test_write_json_writes_a_submissions_list_in_class_mode(tmp_path):
    """Does write_json write {"submissions": [...]} with every submission in class mode?"""
    one = build([])
    two = build([], problem="nothing")
    path = tmp_path / "class.json"
    write_json(str(path), [one, two], class_mode=True)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert list(data) == ["submissions"]
    assert data["submissions"] == [one.to_json(), two.to_json()]


def test_write_json_in_class_mode_with_one_student_still_wraps(tmp_path):
    """Is a class of one still written as {"submissions": [one]}?"""
    one = build([])
    path = tmp_path / "class.json"
    write_json(str(path), [one], class_mode=True)
    assert json.loads(path.read_text(encoding="utf-8")) == {"submissions": [one.to_json()]}


def test_a_syntax_error_in_the_only_file_is_named_before_the_absent_ones():
    """Issue 14, problem 6: with modules.py the only upload and a syntax error in it, and every
    other section registered and absent, does the message give the syntax error (it used to sort
    the reasons and cut them to four, all "not found")?"""
    registered = {
        item.id: [Check(f"test_{item.names[0].lower()}", item.id, 1.0, "public")] for item in ITEMS
    }
    problems = {s: f"{s}.py not found in the submission" for s in {i.section for i in ITEMS}}
    problems["modules"] = "modules.py has a syntax error at line 3: invalid syntax"
    submission = build(
        outcomes(registered, "section unavailable"),
        registered=registered,
        section_problems=problems,
    )
    assert submission.gradable is False
    assert submission.message.startswith(
        "nothing could be graded: modules.py has a syntax error at line 3"
    )
    assert "no other section file was found (parameters.py" in submission.message


def test_a_grader_error_makes_its_item_ungradable_not_a_zero() -> None:
    """Is an item whose check ended in a grader error 'ungradable' (not graded 0), the submission
    not gradable when that is all there is, and grader_failed true (grade then exits 3)?"""
    from grader.curriculum import ITEMS_BY_ID
    from grader.results import UNGRADABLE, Check, CheckResult, grader_failed, score_item

    item = ITEMS_BY_ID["modules.MLP"]
    failed = CheckResult(
        "test_x", item.id, False, 0.0, 2.0, "public", "grader error", "the grader itself failed"
    )
    scored = score_item(item, [failed], selected=True, has_checks=True, section_problem=None)
    assert scored.status == UNGRADABLE
    assert "grader" in scored.message
    result = build_submission_result(
        "alice",
        [failed],
        registered={item.id: [Check("test_x", item.id, 2.0, "public")]},
        selected={item.id},
        section_problems={},
        device="cpu",
        sandbox={},
        timing={},
    )
    assert result.gradable is False
    assert grader_failed(result)
