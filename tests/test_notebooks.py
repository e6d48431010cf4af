"""grader/notebooks.py and notebook submissions: read as JSON text in the parent, run cell by cell in
the child; IPython-only lines are not run (and the notes say so); a failing cell costs only its items."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support import SOLUTIONS, by_submission, grade, items, section_items

from grader import notebooks, sources
from grader.nbgrader.release import build_notebook


def notebook(*cells: str | tuple[str, dict]) -> dict[str, Any]:
    """A notebook of code cells (a tuple gives the cell's metadata too)."""
    out = []
    for cell in cells:
        source, meta = cell if isinstance(cell, tuple) else (cell, {})
        out.append(
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": meta,
                "outputs": [],
                "source": source,
            }
        )
    return {"cells": out, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def solution_cells(section: str = "modules") -> list[str]:
    """The reference solution as notebook code cells, one per definition (markers kept: comments)."""
    built = build_notebook(section, (SOLUTIONS / f"{section}.py").read_text(), [])
    return ["".join(c["source"]) for c in built["cells"] if c["cell_type"] == "code"]


def write_notebook(folder: Path, section: str, data: dict | str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{section}.ipynb"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


# -- parsing (parent side, nothing runs) ---------------------------------------------------------


def test_magics_and_shell_escapes_become_pass_with_a_note():
    """Are %line magics, !shell escapes and `x = !cmd` replaced by `pass` and named in the notes?"""
    parsed = notebooks.parse(
        json.dumps(
            notebook(
                "import torch\n%matplotlib inline\nx = 1\n",
                "!pip install torch\nfor i in range(2):\n    !echo hi\nfiles = !ls\n",
            )
        ),
        "modules.ipynb",
    )
    first, second = parsed.cells
    assert "%matplotlib" not in first.source.replace("# not run", "")
    compile(first.source, "cell", "exec")
    compile(second.source, "cell", "exec")  # the indented escape became an indented pass
    assert second.skipped == ("!pip install torch", "!echo hi", "files = !ls")
    notes = " ".join(parsed.notes)
    assert "cell 1: `%matplotlib inline` is an IPython magic and was not run" in notes
    assert "cell 2: `!pip install torch` is a shell command and was not run" in notes


def test_a_cell_magic_skips_the_whole_cell():
    """Is a %%timeit / %%bash cell not run at all (and noted)?"""
    parsed = notebooks.parse(json.dumps(notebook("%%bash\nrm -rf /\n", "y = 2\n")), "modules.ipynb")
    assert parsed.cells[0].source == "pass\n"
    assert "rm -rf" not in parsed.script()
    assert parsed.notes[0].startswith("cell 1: `%%bash`")


def test_valid_python_is_left_alone():
    """Is a line starting with % inside brackets or a docstring kept (valid Python is never changed)?"""
    code = 'y = (7\n     % 3)\ns = """\n%not a magic\n!nor this\n"""\n'
    parsed = notebooks.parse(json.dumps(notebook(code)), "modules.ipynb")
    assert parsed.cells[0].source == code
    assert parsed.notes == ()


def test_nbgrader_test_cells_and_markdown_are_left_out():
    """Are autograder-test cells (grade, not solution) and markdown cells not run, cells numbered
    as in the notebook?"""
    data = notebook(
        "a = 1\n",
        ("grade_check('x')\n", {"nbgrader": {"grade": True, "solution": False}}),
        ("b = 2\n", {"nbgrader": {"grade": False, "solution": True}}),
    )
    data["cells"].insert(0, {"cell_type": "markdown", "metadata": {}, "source": "# Title"})
    parsed = notebooks.parse(json.dumps(data), "modules.ipynb")
    assert [(c.number, c.source) for c in parsed.cells] == [(2, "a = 1\n"), (4, "b = 2\n")]
    assert any("1 autograder test cell" in note for note in parsed.notes)
    assert notebooks.split_script(parsed.script()) == [(2, "a = 1\n"), (4, "b = 2\n")]


def test_a_line_that_looks_like_a_cell_marker_cannot_split_a_cell():
    """Can a student line `# %% [cell 9]` make the child run half a cell as another cell?"""
    parsed = notebooks.parse(json.dumps(notebook("a = 1\n# %% [cell 9]\nb = 2\n")), "m.ipynb")
    assert notebooks.split_script(parsed.script()) == [(1, "a = 1\n## %% [cell 9]\nb = 2\n")]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"cells": [', ["not a valid notebook", "line 1", "save it again"]),
        ('{"nbformat": 4}', ["not a notebook", "no list of cells"]),
        ('{"cells": [{"cell_type": "code", "source": 5}]}', ["cell 1", "source"]),
        ("[1, 2]", ["not a notebook"]),
    ],
)
def test_a_broken_notebook_gets_a_clear_problem(tmp_path, text, words):
    """Does a malformed notebook give the section a problem that says what is wrong (never raise)?"""
    write_notebook(tmp_path, "modules", text)
    section = sources.read_section(str(tmp_path), "modules")
    assert section.text is None and section.filename == "modules.ipynb"
    for word in words:
        assert word in section.problem


def test_sources_prefer_the_module_and_read_notebooks(tmp_path):
    """With modules.py and parameters.ipynb, is each read in its own way, with notes for the notebook?"""
    (tmp_path / "modules.py").write_text("x = 1\n")
    write_notebook(tmp_path, "modules", notebook("y = 2\n"))
    write_notebook(tmp_path, "parameters", notebook("%time z = 3\n"))
    mode, (submission,) = sources.discover(str(tmp_path))
    assert mode == "single"
    assert submission.sections["modules"].filename == "modules.py"
    params = submission.sections["parameters"]
    assert params.filename == "parameters.ipynb" and "cell 1" in params.notes[0]
    assert params.text.startswith("# %% [cell 1]\n")


def test_a_class_of_notebook_folders_is_found(tmp_path):
    """Is a folder of student folders holding notebooks graded as a class?"""
    write_notebook(tmp_path / "alice", "modules", notebook("x = 1\n"))
    write_notebook(tmp_path / "bob", "lazy", notebook("x = 1\n"))
    mode, found = sources.discover(str(tmp_path))
    assert mode == "class"
    assert [s.found for s in found] == [["modules"], ["lazy"]]


def test_one_note_line_per_submission_however_many_notebooks(tmp_path, capsys):
    """Issue 14: does a student with three notebooks (test cells left out, a magic not run) get
    one note line in the output, not one per notebook?"""
    test_cell = ("x = 1\n", {"nbgrader": {"grade": True, "solution": False, "points": 1}})
    for section in ("modules", "parameters", "lazy"):
        write_notebook(tmp_path / "alice", section, notebook("y = 2\n", test_cell, test_cell))
    write_notebook(tmp_path / "alice", "layers", notebook("%matplotlib inline\nz = 3\n"))
    write_notebook(tmp_path / "bob", "modules", notebook("y = 2\n"))
    _, found = sources.discover(str(tmp_path))
    notebooks.print_notes(found)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("note: alice: 1 IPython-only line(s) not run (layers.ipynb cell 1:")
    assert "6 autograder test cell(s) left out" in lines[0]


# -- grading (one class run through the command line and the sandbox) ----------------------------


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, dict[str, Any]]:
    root = tmp_path_factory.mktemp("notebook-class")
    cells = solution_cells()
    write_notebook(root / "solutions", "modules", notebook(*cells))
    magics = ["%matplotlib inline\n!nvidia-smi\n" + cells[0], "%%timeit\nx = 1\n", *cells[1:]]
    write_notebook(root / "magics", "modules", notebook(*magics))
    # The Parallel cell raises after a typo, so Parallel is never defined; a later cell still runs.
    broken = []
    for cell in cells:
        if cell.startswith("class Parallel"):
            cell = "net = undefined_helper()\n" + cell
        broken.append(cell)
    write_notebook(root / "failing_cell", "modules", notebook(*broken))
    write_notebook(root / "malformed", "modules", '{"cells": [{"cell_type": "code",')
    (root / "malformed" / "parameters.py").write_text((SOLUTIONS / "parameters.py").read_text())
    return by_submission(grade(root, "--only", "modules", "parameters"))


def test_a_solution_notebook_gets_full_marks(graded):
    """Does the reference solution, handed in as a notebook, score full on every modules item?"""
    for item in section_items(graded["solutions"]).values():
        assert item["status"] == "graded" and item["score"] == item["max_score"] > 0, item


def test_magics_are_not_run_and_cost_nothing(graded):
    """Do a notebook's magics, shell escapes and cell magics neither run nor cost points?"""
    for item in section_items(graded["magics"]).values():
        assert item["score"] == item["max_score"] > 0, item


def test_a_failing_cell_costs_only_what_it_defines(graded):
    """Does a cell that raises cost only Parallel (named with the cell and its error), every other
    modules item keeping full marks?"""
    result = section_items(graded["failing_cell"])
    parallel = result.pop("modules.Parallel")
    assert parallel["score"] == 0 and parallel["max_score"] > 0
    public = [c for c in parallel["checks"] if c["visibility"] == "public"]
    assert any("raised NameError" in c["feedback"] and "cell" in c["feedback"] for c in public)
    for item in result.values():
        assert item["score"] == item["max_score"] > 0, item


def test_a_malformed_notebook_scores_zero_and_grading_goes_on(graded):
    """Does a broken modules.ipynb give zero with a clear message while parameters.py is graded?"""
    result = graded["malformed"]
    for item in section_items(result).values():
        assert item["score"] == 0 and item["status"] == "could not load"
        assert "not a valid notebook" in item["message"]
    assert result["gradable"] is True
    params = section_items(result, "parameters")
    if any(i["max_score"] for i in params.values()):  # once parameters has checks
        assert sum(i["score"] for i in params.values()) > 0
    assert items(result)["modules.MLP"]["message"].startswith("modules.ipynb")


# -- the release notebooks (generated, not run) --------------------------------------------------


@pytest.mark.parametrize("section", ["modules"])
def test_a_release_notebook_has_one_locked_test_cell_per_check(section):
    """Does the source notebook of a section hold, after each item's solution cell, one locked
    test cell per check with the check's points, hidden calls inside hidden-test markers, and
    grade ids of hidden cells that do not name the check?"""
    from grader.nbgrader.release import build_notebook, registered_checks

    checks = registered_checks(section)
    built = build_notebook(section, (SOLUTIONS / f"{section}.py").read_text(), checks)
    tests = [c for c in built["cells"] if c["metadata"].get("nbgrader", {}).get("grade")]
    assert len(tests) == len(checks) > 0
    for cell, check in zip(tests, checks):
        meta, source = cell["metadata"]["nbgrader"], "".join(cell["source"])
        assert meta["locked"] and meta["points"] == check.points and not meta["solution"]
        assert f'grade_check("{check.item}", "{check.name}", globals())' in source
        if check.visibility == "hidden":
            assert source.index("### BEGIN HIDDEN TESTS") < source.index("grade_check(")
            assert check.name not in meta["grade_id"]
    solutions = [c for c in built["cells"] if c["metadata"].get("nbgrader", {}).get("solution")]
    assert all("### BEGIN SOLUTION" in "".join(c["source"]) for c in solutions)
    assert len({c["id"] for c in built["cells"]}) == len(built["cells"])
