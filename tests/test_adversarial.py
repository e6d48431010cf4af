"""The adversarial suite: submissions that crash, hang, hog, flood, lie, forge replies, patch torch or the
grader inside their process, read secrets, reach the network, signal the grader or leave daemons behind.

All of them are graded in one class run (tests/conftest.py: ``adversarial``). Each must get a clear
message and lose points only on what it attacks; the grader must finish with a valid result and
leave nothing running.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest
from conftest import ADVERSARIAL
from support import (
    PYTHON,
    REPO,
    grade,
    items,
    metadata,
    question,
    registered_checks,
    run_grader,
)

from grader.curriculum import users_of
from grader.policy import SandboxPolicy

GRADED_ITEMS = sorted(set(registered_checks().values()))


def _first_failure(item: dict) -> dict:
    return next(c for c in item["checks"] if not c["passed"])


@pytest.mark.parametrize("path", ADVERSARIAL, ids=[p.stem for p in ADVERSARIAL])
def test_case_costs_only_what_it_attacks(adversarial, path: Path) -> None:
    """(Each case file asks its own question; see its docstring.)"""
    meta = metadata(path)
    result = adversarial.results[path.stem]
    section = meta.get("SECTION", "modules")  # the section file the case is appended to
    affected = (
        [i for i in GRADED_ITEMS if i.startswith(f"{section}.")]
        if meta["AFFECTS"] == "ALL"
        else meta["AFFECTS"]
    )
    by_id = items(result)
    kinds = meta["KIND"] if isinstance(meta["KIND"], list) else [meta["KIND"]]
    said = []
    for item_id in affected:
        item = by_id[item_id]
        assert item["score"] < item["max_score"], f"{question(path)}\n{item_id} kept full marks"
        if meta["AFFECTS"] == "ALL" and meta["KIND"] == "section unavailable":
            assert item["status"] == "could not load", item
            assert meta["FEEDBACK"] in item["message"], item["message"]
            continue
        failures = [c for c in item["checks"] if not c["passed"]]
        if meta["KIND"] is not None:
            assert any(c["kind"] in kinds for c in failures), (
                f"{item_id}: no {kinds} failure: {failures}"
            )
        said += [c for c in failures if meta["FEEDBACK"] in c["feedback"]]
    if affected and not (meta["AFFECTS"] == "ALL" and meta["KIND"] == "section unavailable"):
        # Hidden checks never repeat what the child said, so the message shows in public ones.
        assert said, f"no failing check says {meta['FEEDBACK']!r}"
    # An item that calls an attacked item (chimera calls NestMLP) may crash or hang with it.
    may_suffer = set(affected) | {user for item_id in affected for user in users_of(item_id)}
    # ALSO_AFFECTS: sections or items that need what the case breaks in its own child (its disk,
    # its interpreter), so they may lose points too; each case says why in its docstring.
    also = meta.get("ALSO_AFFECTS", [])
    may_suffer |= {i for i in by_id if i in also or i.split(".")[0] in also}
    untouched = [
        f"{item_id}: {item['score']}/{item['max_score']} ({item['status']})"
        for item_id, item in by_id.items()
        if item_id not in may_suffer and item["score"] != item["max_score"]
    ]
    assert untouched == [], f"{question(path)}\nlost points outside what it attacks"
    assert all(c["kind"] != "grader error" for item in by_id.values() for c in item["checks"])


def test_grader_finished_with_a_valid_result_for_everyone(adversarial) -> None:
    """Did the grader exit 0 with one valid result per submission, including the control?"""
    assert adversarial.proc.returncode == 0
    assert set(adversarial.results) == {p.stem for p in ADVERSARIAL} | {"control"}
    for result in adversarial.results.values():
        assert next(i["id"] for i in result["exercises"]) == "modules.MLP"
        assert result["sandbox"].get("protected") is True


def test_control_submission_is_untouched(adversarial) -> None:
    """Does a correct submission graded among attackers still get full marks?"""
    control = adversarial.results["control"]
    assert control["score"] == control["max_score"] > 0


def test_no_daemon_survives_and_results_are_intact(adversarial) -> None:
    """After grading, is no process of the submission left, and is the results file unmodified?"""
    survivors = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        # Other graders may be running (a zygote with a live parent); a leftover of ours is orphaned.
        orphan = _parent(pid) == 1
        if comm == "advdaemon" or ("grader.sandbox.zygote" in cmdline and orphan):
            survivors.append((pid, comm, cmdline))
    assert survivors == []
    assert adversarial.results_path.read_text() == adversarial.results_text
    json.loads(adversarial.results_text)


def _parent(pid: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("PPid:"):
                return int(line.split()[1])
    except OSError:
        pass
    return -1


def test_no_cgroup_is_left_behind(adversarial) -> None:
    """Are the per-child pids cgroups removed once grading ends?"""
    root = Path("/sys/fs/cgroup/pids")
    if not root.is_dir():
        pytest.skip("no cgroup v1 pids hierarchy on this machine")
    leftovers = [p.name for p in root.iterdir() if p.name.startswith("builders-grader-")]
    # Other test sessions may be grading right now; only this run's zygotes are gone for sure.
    alive = {
        p.name.split("-")[-1]
        for p in root.iterdir()
        if p.name.startswith("builders-grader-") and Path(f"/proc/{p.name.split('-')[-1]}").exists()
    }
    assert [name for name in leftovers if name.split("-")[-1] not in alive] == []


def test_network_was_unreachable(adversarial) -> None:
    """Did the child reach neither the test's loopback listener, nor a remote host, nor DNS?"""
    with pytest.raises(BlockingIOError):
        adversarial.listener.accept()
    feedback = _first_failure(items(adversarial.results["network"])["modules.MLP"])["feedback"]
    assert "report:" in feedback
    assert "=OK" not in feedback, feedback


def test_secrets_were_unreadable(adversarial) -> None:
    """Could the child read none of the solutions, checks, tests, history, other students' files or host files?"""
    feedback = _first_failure(items(adversarial.results["read_secrets"])["modules.MLP"])["feedback"]
    assert "report:" in feedback
    assert "READ" not in feedback, feedback


def test_no_signal_reached_another_process(adversarial) -> None:
    """Did signalling every pid from the child reach no process outside its sandbox?"""
    feedback = _first_failure(items(adversarial.results["signal_the_grader"])["modules.MLP"])[
        "feedback"
    ]
    assert "signals delivered=0" in feedback, feedback


def test_disk_filling_stayed_in_the_child(adversarial) -> None:
    """Did filling the disk stop at the child's own small /tmp (the case says how many MB it could
    write), not the host's disk? (Read from the case's own count, not from the host's free space,
    which anything else on the machine changes.)"""
    feedback = _first_failure(items(adversarial.results["fill_disk"])["modules.chimera"])[
        "feedback"
    ]
    written = re.search(r"disk full after (\d+) MB", feedback)
    assert written, feedback
    assert int(written.group(1)) <= SandboxPolicy().tmp_bytes >> 20


PUBLIC_ONLY = """
import json, sys
from grader import runner, sources
_, found = sources.discover(sys.argv[1])
options = runner.GradeOptions(device="cpu", only=["modules.MySequential"], visibility="public")
[result] = runner.grade(found, options)
print(json.dumps({c.name: c.feedback for i in result.exercises for c in i.checks}))
"""


def test_public_feedback_never_shows_what_a_hidden_check_gave(adversarial) -> None:
    """Issue 12, row 8: the row08 cases record every input MySequential is given (in a file,
    in memory, in the environment) and show them all in its exception. Is every public check's
    feedback in the class run exactly what the public checks give when no hidden check runs at
    all (so nothing a hidden check gave the code reached it)?"""
    cases = [p.stem for p in ADVERSARIAL if p.stem.startswith("row08_")]
    assert cases
    for case in cases:
        item = items(adversarial.results[case])["modules.MySequential"]
        in_class = {c["name"]: c["feedback"] for c in item["checks"] if c["visibility"] == "public"}
        assert any("seen:" in text for text in in_class.values()), case
        proc = subprocess.run(
            [PYTHON, "-c", PUBLIC_ONLY, str(adversarial.class_dir / case)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        alone = json.loads(proc.stdout.strip().splitlines()[-1])
        assert in_class == alone, case


@pytest.mark.parametrize(
    "case", [p.stem for p in ADVERSARIAL if p.stem.startswith("row09_")] or ["none"]
)
def test_a_grade_does_not_depend_on_who_was_graded_before(adversarial, case: str) -> None:
    """Issue 12, row 9: code wrong on some calls only (a counter, a file, what it resumed
    before) graded alone (its ITEM only): does it get exactly the verdicts it got in the class
    run, after other students whose examples were replayed?"""
    [path] = [p for p in ADVERSARIAL if p.stem == case]
    item = metadata(path).get("ITEM", "modules.MLP")
    alone = grade(adversarial.class_dir / case, "--only", item)
    in_class = items(adversarial.results[case])[item]
    mine = items(alone)[item]
    assert [(c["name"], c["passed"]) for c in mine["checks"]] == [
        (c["name"], c["passed"]) for c in in_class["checks"]
    ]
    assert mine["score"] == in_class["score"]


def test_every_export_of_the_class_is_valid(adversarial, tmp_path: Path) -> None:
    """Issue 12, row 10: with lone surrogates, noncharacters, escapes, formulas and fences in the
    class's messages, does every exporter write a valid file (CSV that parses with no cell
    starting a formula, JUnit that parses as XML, Gradescope and PrairieLearn JSON, UTF-8
    Markdown with nothing a terminal would run)?"""
    out = {
        "csv": tmp_path / "gradebook.csv",
        "feedback": tmp_path / "feedback",
        "junit": tmp_path / "junit.xml",
        "gradescope": tmp_path / "gradescope",
        "prairielearn": tmp_path / "prairielearn",
    }
    args = [a for name, path in out.items() for a in (f"--{name}", str(path))]
    proc = run_grader("export", str(adversarial.results_path), *args)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    with open(out["csv"], newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert len(rows) == len(adversarial.results) + 1
    assert not [cell for row in rows for cell in row if cell[:1] in ("=", "+", "@")]
    ElementTree.parse(out["junit"])
    for folder in (out["gradescope"], out["prairielearn"]):
        files = sorted(folder.glob("*.json"))
        assert len(files) == len(adversarial.results)
        for path in files:
            json.loads(path.read_text(encoding="utf-8"))
    markdown = sorted(out["feedback"].glob("*.md"))
    assert len(markdown) == len(adversarial.results)
    for path in markdown:
        text = path.read_bytes().decode("utf-8")  # strict: no lone surrogate survived
        assert "\x1b" not in text and "\ufffe" not in text and "\ud800" not in text
