"""grader/exporters/check_report.py and grader/exporters/terminal.py: what a learner and an instructor
read in a terminal."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from support import run_grader, with_appended, write_submission

from grader import checklist, curriculum
from grader.exporters.check_report import print_check_report
from grader.exporters.terminal import submission_table
from grader.results import CheckResult, ItemResult, SubmissionResult

LONG_LINE = (
    "MySequential output differs from PyTorch in output: 4 of 15 values differ, and this line "
    "is long enough to be wrapped twice at eighty columns of a plain terminal"
)


def _result(checks: dict[str, list[CheckResult]]):
    """Every item with checks graded; the others not selected."""
    items = []
    for item in curriculum.ITEMS:
        mine = tuple(checks.get(item.id, ()))
        score = sum(c.points for c in mine)
        top = sum(c.max_points for c in mine)
        status = "graded" if mine else "not selected"
        items.append(ItemResult(item.id, score, top, status, "", mine))
    return SubmissionResult("alice", 0.0, 0.0, "cpu", True, "", tuple(items))


def _failed(item: str, name: str, feedback: str, visibility: str = "public") -> CheckResult:
    return CheckResult(name, item, False, 0.0, 2.0, visibility, "mismatch", feedback)


def _skipped(item: str, name: str) -> CheckResult:
    reason = "needs a CUDA device; grading ran on the CPU"
    return CheckResult(name, item, False, 0.0, 0.0, "hidden", "skipped", reason)


def _render(renderable_or_fn, width: int = 80) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None)
    renderable_or_fn(console)
    return out.getvalue()


def test_the_table_fits_80_columns_without_cutting_item_ids():
    """At 80 columns, is every item id whole on one line, and no line longer than 80?"""
    checks = {
        item.id: [_failed(item.id, "test_" + "x" * 40, LONG_LINE + "\n  tried: …")]
        for item in curriculum.ITEMS
    }
    text = _render(lambda c: c.print(submission_table(_result(checks), show_checks=True)))
    assert max(len(line) for line in text.splitlines()) <= 80
    lines = text.splitlines()
    for item in curriculum.ITEMS:
        assert any(item.id in line for line in lines), item.id


def test_the_table_shows_the_first_difference_not_only_a_lead_in():
    """Does the problem column carry the failing check's headline (what differs), not the input?"""
    feedback = (
        "MLP output differs from PyTorch in output: 3 of 20 values differ\n  tried: MLP(3, 2)"
    )
    checks = {"modules.MLP": [_failed("modules.MLP", "test_mlp_output", feedback)]}
    text = _render(lambda c: c.print(submission_table(_result(checks))), width=120)
    assert "3 of 20 values differ" in text
    assert "tried" not in text


def test_skipped_checks_show_as_skipped_with_their_reason():
    """Is a check skipped for want of a GPU shown as skipped, with why, in the table and in the
    learner's report?"""
    checks = {"gpus.to_device": [_skipped("gpus.to_device", "test_to_device_on_the_gpu")]}
    result = _result(checks)
    table = _render(lambda c: c.print(submission_table(result)), width=160)
    report = _render(lambda c: print_check_report(result, seed=1, console=c), width=160)
    for text in (table, report):
        assert "skipped test_to_device_on_the_gpu: needs a CUDA device" in text


def test_wrapped_feedback_keeps_its_indentation():
    """When a difference is longer than the terminal, do its wrapped lines stay indented under
    the text of the difference (not at the left margin)?"""
    feedback = "headline\n  tried: input\n  - " + "word " * 40 + "\nHint: " + "more " * 30
    checks = {"modules.MLP": [_failed("modules.MLP", "test_mlp_output", feedback)]}
    text = _render(lambda c: print_check_report(_result(checks), seed=1, console=c))
    body = text.splitlines()[1:-2]
    assert all(line.startswith("    ") for line in body if line.strip()), body
    bullet = next(i for i, line in enumerate(body) if line.lstrip().startswith("- word"))
    assert body[bullet + 1].startswith(" " * 8) and body[bullet + 1].strip().startswith("word")


def test_the_report_counts_the_hidden_checks_of_each_item():
    """Does the learner's report say, per item, how many hidden checks also grade it?"""
    checks = {
        item: [CheckResult("t", item, True, 1.0, 1.0, "public", "passed")]
        for item in ("modules.MLP", "modules.Parallel")
    }
    text = _render(
        lambda c: print_check_report(
            _result(checks), seed=1, console=c, hidden={"modules.MLP": 1, "modules.Parallel": 2}
        ),
        width=120,
    )
    assert "modules.MLP  1/1  (1 hidden check also grades this)" in text
    assert "2 hidden checks also grade this" in text


def test_hidden_counts_are_read_from_the_checks():
    """Does the count of hidden checks per item agree with the @check markers?"""
    listed = checklist.listed_checks()
    assert listed and all(c.item in curriculum.ITEMS_BY_ID for c in listed)
    counts = checklist.hidden_counts()
    for item_id, count in counts.items():
        assert count == sum(c.item == item_id and c.visibility == "hidden" for c in listed)


PRINTING_MLP = """
class MLP(nn.Module):
    def __init__(self, hidden=256, out=10):
        super().__init__()
        self.hidden = nn.LazyLinear(hidden)
        self.out = nn.LazyLinear(out)

    def forward(self, X):
        print("LOOK shape", tuple(X.shape))
        return self.out(F.relu(self.hidden(X)))
"""


def test_check_show_output_shows_what_the_learners_code_printed(tmp_path: Path) -> None:
    """Does `check --show-output` show what the learner's print() wrote, under the check that
    ran it, and does plain `check` leave it out?"""
    folder = write_submission(tmp_path / "learner", {"modules": with_appended(PRINTING_MLP)})
    args = ("check", str(folder), "--only", "modules.MLP", "--device", "cpu", "--seed", "1")
    shown = run_grader(*args, "--show-output")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "your code printed during test_mlp" in shown.stdout
    assert "LOOK shape" in shown.stdout
    plain = run_grader(*args)
    assert "LOOK" not in plain.stdout
