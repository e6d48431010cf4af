"""exercises/ is generated from solutions/: the marker parser, the stubs, and staleness."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support import EXERCISES, REPO, SOLUTIONS

from grader import stubs
from grader.stubs import MarkerError, find_blocks, make_stub

SOLUTION = '''"""A section."""

import torch


def helper(x):
    return x + 1


def square(x: torch.Tensor) -> torch.Tensor:
    """Square x. Hint: multiply."""
    ### BEGIN SOLUTION
    y = x * x
    return y
    ### END SOLUTION


class Layer:
    def forward(self, X):
        """Forward."""
        if X is None:
            ### BEGIN SOLUTION
            return 0
            ### END SOLUTION
        return X
'''


def test_committed_exercises_are_up_to_date() -> None:
    """Is the committed exercises/ exactly what `make exercises` generates from solutions/?"""
    stale = stubs.stale_files(str(SOLUTIONS), str(EXERCISES))
    assert stale == [], f"exercises/ is stale ({stale}): run `make exercises`"


def test_a_stub_keeps_everything_but_the_solution() -> None:
    """Does a stub keep signatures, docstrings and helpers, and replace each block by a named raise
    at the block's indentation?"""
    stub = make_stub(SOLUTION, "solutions/demo.py")
    assert '    raise NotImplementedError("square: write your code here")\n' in stub
    assert '            raise NotImplementedError("Layer.forward: write your code here")\n' in stub
    assert '"""Square x. Hint: multiply."""' in stub
    assert "def helper(x):\n    return x + 1" in stub
    assert "y = x * x" not in stub and "return 0" not in stub
    assert "### BEGIN SOLUTION" not in stub
    compile(stub, "demo.py", "exec")


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (
            "def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    pass\n    ### END SOLUTION\n",
            3,
            "inside the block opened at line 2",
        ),
        ("def f():\n    ### BEGIN SOLUTION\n    pass\n", 2, "never closed"),
        ("def f():\n    pass\n    ### END SOLUTION\n", 3, "without a ### BEGIN SOLUTION"),
    ],
)
def test_a_misplaced_marker_stops_generation_with_file_and_line(
    text: str, line: int, words: str
) -> None:
    """Does a nested, unclosed or stray marker raise MarkerError starting with file:line?"""
    with pytest.raises(MarkerError) as info:
        find_blocks(text, "solutions/demo.py")
    assert str(info.value).startswith(f"solutions/demo.py:{line}:")
    assert words in str(info.value)


def test_a_module_level_block_is_named_after_the_file() -> None:
    """Is a block outside any function named after its module?"""
    (block,) = find_blocks("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", "solutions/demo.py")
    assert block.owner == "demo"


def test_stale_exercises_are_reported_with_the_command_to_run(tmp_path: Path, capsys) -> None:
    """On a copy where one solution changed, does `exercises --check` exit 1 naming the file and
    `make exercises`, and does regenerating fix it?"""
    shutil.copytree(SOLUTIONS, tmp_path / "solutions")
    shutil.copytree(EXERCISES, tmp_path / "exercises")
    path = tmp_path / "solutions" / "modules.py"
    path.write_text(path.read_text().replace("Hint: a lazy layer", "Hint: a LAZY layer"))
    assert stubs.main(check_only=True, root=str(tmp_path)) == 1
    err = capsys.readouterr().err
    assert "modules.py" in err and "make exercises" in err
    assert stubs.main(root=str(tmp_path)) == 0
    assert stubs.main(check_only=True, root=str(tmp_path)) == 0


def test_every_solution_block_becomes_a_stub_that_imports() -> None:
    """Do all generated stubs compile, and does each graded section's stub contain no solution code?"""
    for path in SOLUTIONS.glob("*.py"):
        stub = make_stub(path.read_text(), str(path.relative_to(REPO)))
        compile(stub, path.name, "exec")
        assert "### BEGIN SOLUTION" not in stub
