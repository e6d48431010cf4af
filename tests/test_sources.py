"""grader/sources.py: finding (and safely reading) the section files of a submission."""

from __future__ import annotations

import json
import os
import threading

import pytest

from grader.curriculum import SECTIONS
from grader.sources import MAX_SOURCE_BYTES, SectionFile, discover

MODULES = "import torch\n\nclass MLP: ...\n"
SECRET = "TOP-SECRET-CONTENT-42"


def write(path, text: str | bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def only(path) -> tuple[str, object]:
    mode, submissions = discover(str(path))
    assert len(submissions) == 1
    return mode, submissions[0]


def assert_unreadable(section: SectionFile, *words: str) -> None:
    assert section.text is None
    assert section.problem is not None
    for word in words:
        assert word in section.problem


def test_a_folder_with_a_section_file_is_one_submission(tmp_path):
    """Is a folder holding modules.py graded as one submission with all 8 sections listed?"""
    folder = tmp_path / "alice"
    write(folder / "modules.py", MODULES)
    mode, submission = only(folder)
    assert mode == "single"
    assert submission.name == "alice"
    assert list(submission.sections) == list(SECTIONS)
    assert submission.found == ["modules"]
    assert submission.sections["modules"] == SectionFile("modules", "modules.py", MODULES)
    assert submission.sections["modules"].absent is False
    for section in SECTIONS[1:]:
        assert_unreadable(submission.sections[section], f"{section}.py not found")
        assert submission.sections[section].absent is True  # the fact results read, not the text
    assert submission.problem is None


def test_every_readable_section_is_found(tmp_path):
    """Are all section files present read, in curriculum order?"""
    for section in SECTIONS:
        write(tmp_path / f"{section}.py", f"# {section}\n")
    _, submission = only(tmp_path)
    assert submission.found == list(SECTIONS)
    assert submission.sections["gpus"].text == "# gpus\n"


def test_a_folder_of_student_folders_is_a_class(tmp_path):
    """Is a folder of folders a class, sorted by name, with hidden and dunder folders ignored?"""
    for name in ["zoe", "alice", "Bob", ".git", "__pycache__", ".hidden_student"]:
        write(tmp_path / name / "modules.py", f"# {name}\n")
    write(tmp_path / "notes.txt", "not a student")
    mode, submissions = discover(str(tmp_path))
    assert mode == "class"
    assert [s.name for s in submissions] == ["Bob", "alice", "zoe"]
    assert [s.sections["modules"].text for s in submissions] == ["# Bob\n", "# alice\n", "# zoe\n"]
    assert submissions[1].root == str(tmp_path / "alice")


def test_a_student_without_section_files_is_still_listed(tmp_path):
    """Does a student folder with nothing gradable stay in the class, with a problem?"""
    write(tmp_path / "alice" / "modules.py", MODULES)
    (tmp_path / "bob").mkdir()
    mode, submissions = discover(str(tmp_path))
    assert mode == "class"
    assert [s.name for s in submissions] == ["alice", "bob"]
    assert submissions[1].found == []
    assert "no section file" in submissions[1].problem


def test_a_single_file_grades_just_that_section(tmp_path):
    """Does a path to parameters.py grade only that section, even with modules.py beside it?"""
    folder = tmp_path / "carol"
    write(folder / "modules.py", MODULES)
    path = write(folder / "parameters.py", "# parameters\n")
    mode, submission = only(path)
    assert mode == "single"
    assert submission.name == "carol"
    assert submission.root == str(path)
    assert submission.found == ["parameters"]
    assert_unreadable(submission.sections["modules"], "not found")


def test_a_relative_single_file_is_read_from_the_current_folder(tmp_path, monkeypatch):
    """Does a bare 'modules.py' (no folder part) read the file in the working directory?"""
    write(tmp_path / "modules.py", MODULES)
    monkeypatch.chdir(tmp_path)
    mode, submission = only("modules.py")
    assert mode == "single"
    assert submission.found == ["modules"]
    assert submission.sections["modules"].text == MODULES


def test_a_single_file_that_is_not_a_section_grades_nothing(tmp_path):
    """Does a path to an unrelated .py file give a submission with nothing found?"""
    path = write(tmp_path / "helpers.py", "x = 1\n")
    _, submission = only(path)
    assert submission.found == []
    assert "no section file" in submission.problem


def test_a_missing_path_raises_file_not_found(tmp_path):
    """Does a path that does not exist raise FileNotFoundError naming it?"""
    missing = tmp_path / "nobody"
    with pytest.raises(FileNotFoundError, match="nobody"):
        discover(str(missing))


def test_a_symlinked_section_file_is_refused_without_reading_its_target(tmp_path):
    """Is a modules.py that is a symbolic link refused, with none of the target's text kept?"""
    target = write(tmp_path / "outside" / "secret.txt", SECRET)
    folder = tmp_path / "mallory"
    folder.mkdir()
    (folder / "modules.py").symlink_to(target)
    write(folder / "parameters.py", "# ok\n")
    _, submission = only(folder)
    section = submission.sections["modules"]
    assert_unreadable(section, "symbolic link", "modules.py")
    assert SECRET not in repr(section)
    assert submission.found == ["parameters"]


def test_a_symlinked_section_file_given_directly_is_refused(tmp_path):
    """Is a symbolic link refused when it is the single file named on the command line?"""
    target = write(tmp_path / "secret.py", SECRET)
    folder = tmp_path / "mallory"
    folder.mkdir()
    (folder / "modules.py").symlink_to(target)
    _, submission = only(folder / "modules.py")
    assert_unreadable(submission.sections["modules"], "symbolic link")
    assert SECRET not in repr(submission)


def test_a_dangling_symlink_is_refused(tmp_path):
    """Is a symlinked modules.py pointing nowhere refused as a link (not reported missing)?"""
    (tmp_path / "modules.py").symlink_to(tmp_path / "does-not-exist.py")
    _, submission = only(tmp_path)
    assert_unreadable(submission.sections["modules"], "symbolic link")


def test_a_symlinked_student_folder_is_refused_in_class_mode(tmp_path):
    """Is a student 'folder' that is a symbolic link refused for every section, unread?"""
    outside = tmp_path / "outside"
    write(outside / "modules.py", SECRET)
    klass = tmp_path / "class"
    write(klass / "alice" / "modules.py", MODULES)
    (klass / "bob").symlink_to(outside, target_is_directory=True)
    mode, submissions = discover(str(klass))
    assert mode == "class"
    alice, bob = submissions
    assert alice.found == ["modules"]
    assert bob.name == "bob"
    assert bob.found == []
    for section in SECTIONS:
        assert_unreadable(bob.sections[section], "symbolic link")
    assert SECRET not in repr(bob)
    assert "symbolic link" in bob.problem


def test_a_file_over_the_size_limit_is_refused_with_its_size(tmp_path):
    """Is a modules.py over MAX_SOURCE_BYTES refused, saying how big it is?"""
    size = MAX_SOURCE_BYTES + 1
    write(tmp_path / "modules.py", b"#" * size)
    _, submission = only(tmp_path)
    assert_unreadable(submission.sections["modules"], str(size), str(MAX_SOURCE_BYTES))
    assert "modules.py is" in submission.problem


def test_a_file_exactly_at_the_size_limit_is_read(tmp_path):
    """Is a file of exactly MAX_SOURCE_BYTES read in full?"""
    write(tmp_path / "modules.py", b"#" * MAX_SOURCE_BYTES)
    _, submission = only(tmp_path)
    assert len(submission.sections["modules"].text) == MAX_SOURCE_BYTES


def test_non_utf8_bytes_are_refused(tmp_path):
    """Is a modules.py with bytes that are not UTF-8 refused, naming the offending byte?"""
    write(tmp_path / "modules.py", b"x = 1\n# caf\xe9\n")
    _, submission = only(tmp_path)
    assert_unreadable(submission.sections["modules"], "not UTF-8", "byte 11")


def test_a_utf8_bom_is_accepted_and_dropped(tmp_path):
    """Is a UTF-8 file with a byte-order mark read, without the mark in the text?"""
    write(tmp_path / "modules.py", "\ufeff" + "x = 'é'\n")
    _, submission = only(tmp_path)
    assert submission.sections["modules"].text == "x = 'é'\n"


def test_a_notebook_without_a_script_is_read_as_a_notebook(tmp_path):
    """Is a modules.ipynb without modules.py read (as JSON text) into a script of its code cells?"""
    cell = {"cell_type": "code", "metadata": {}, "source": "x = 1\n"}
    write(tmp_path / "modules.ipynb", json.dumps({"cells": [cell]}))
    mode, submission = only(tmp_path)
    assert mode == "single"
    section = submission.sections["modules"]
    assert section.filename == "modules.ipynb"
    assert section.text == "# %% [cell 1]\nx = 1\n"
    assert submission.problem is None


def test_a_broken_notebook_is_explained(tmp_path):
    """Does a modules.ipynb that is not JSON give a problem naming the notebook, and mention
    notebooks when nothing can be graded?"""
    write(tmp_path / "modules.ipynb", '{"cells": [')
    _, submission = only(tmp_path)
    assert_unreadable(submission.sections["modules"], "modules.ipynb", "not a valid notebook")
    assert "notebook" in submission.problem


def test_a_symlinked_notebook_is_refused_without_reading_its_target(tmp_path):
    """Is a modules.ipynb that is a symbolic link refused, its target never echoed?"""
    target = write(tmp_path / "secret.json", json.dumps({"cells": [], "x": SECRET}))
    folder = tmp_path / "alice"
    folder.mkdir()
    (folder / "modules.ipynb").symlink_to(target)
    _, submission = only(folder)
    assert_unreadable(submission.sections["modules"], "modules.ipynb", "symbolic link")
    assert SECRET not in repr(submission)


def test_a_notebook_given_directly_is_read_even_beside_a_script(tmp_path):
    """Does `grade folder/modules.ipynb` read the notebook, though modules.py is there too?"""
    write(tmp_path / "modules.py", MODULES)
    cell = {"cell_type": "code", "metadata": {}, "source": "y = 2\n"}
    write(tmp_path / "modules.ipynb", json.dumps({"cells": [cell]}))
    _, (submission,) = discover(str(tmp_path / "modules.ipynb"))
    assert submission.sections["modules"].filename == "modules.ipynb"
    assert submission.sections["modules"].text.endswith("y = 2\n")


def test_a_script_wins_over_a_notebook(tmp_path):
    """With both modules.py and modules.ipynb, is modules.py read?"""
    write(tmp_path / "modules.ipynb", '{"cells": []}')
    write(tmp_path / "modules.py", MODULES)
    _, submission = only(tmp_path)
    assert submission.sections["modules"].text == MODULES


def test_a_fifo_is_refused_without_blocking(tmp_path):
    """Is a FIFO named modules.py refused as not a regular file, without waiting for a writer?"""
    os.mkfifo(tmp_path / "modules.py")
    outcome = {}

    def run():
        outcome["submission"] = only(tmp_path)[1]

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(5)
    if thread.is_alive():  # unblock the reader so the test process can end
        fd = os.open(tmp_path / "modules.py", os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        thread.join(5)
        pytest.fail("reading a FIFO blocked")
    assert_unreadable(outcome["submission"].sections["modules"], "not a regular file")


def test_a_directory_named_like_a_section_is_refused(tmp_path):
    """Is a folder called modules.py refused as not a regular file?"""
    (tmp_path / "modules.py").mkdir()
    _, submission = only(tmp_path)
    assert_unreadable(submission.sections["modules"], "not a regular file")


def test_an_empty_folder_says_no_section_file_was_found(tmp_path):
    """Does an empty folder give one submission whose problem lists the expected file names?"""
    folder = tmp_path / "empty"
    folder.mkdir()
    mode, submission = only(folder)
    assert mode == "single"
    assert submission.found == []
    assert submission.problem.startswith("no section file (modules.py, parameters.py")
    assert str(folder) in submission.problem
    assert "not found" not in submission.problem  # plain absences are not repeated


# -- issue 13 (gaps 5 and 6) and issue 14 (problems 5 and 6) -----------------------------------


def test_a_hard_linked_section_file_is_refused_without_reading_it(tmp_path):
    """Is a modules.py that is a hard link to a file only root may read refused as a link, none
    of that file's text kept (the grader runs as root and echoes a syntax error's first line)?"""
    secret = write(tmp_path / "root-only" / "secret.py", SECRET + "\n")
    secret.chmod(0o600)
    folder = tmp_path / "mallory"
    folder.mkdir()
    os.link(secret, folder / "modules.py")
    _, submission = only(folder)
    assert_unreadable(submission.sections["modules"], "modules.py", "hard link")
    assert SECRET not in repr(submission)


def test_a_hard_linked_notebook_given_directly_is_refused(tmp_path):
    """Is a hard-linked notebook refused too when it is the path given on the command line?"""
    original = write(tmp_path / "elsewhere.ipynb", json.dumps({"cells": [], "note": SECRET}))
    os.link(original, tmp_path / "modules.ipynb")
    _, submission = only(tmp_path / "modules.ipynb")
    assert_unreadable(submission.sections["modules"], "hard link")
    assert SECRET not in repr(submission)


def test_section_files_beside_student_folders_are_an_error_naming_them(tmp_path):
    """Does a class folder with a stray modules.py at its top (beside student folders) stop with
    an error naming the stray file, instead of being graded as one submission?"""
    from grader.sources import SourceError

    write(tmp_path / "alice" / "modules.py", MODULES)
    write(tmp_path / "bob" / "modules.py", MODULES)
    write(tmp_path / "modules.py", MODULES)
    with pytest.raises(SourceError, match=r"modules\.py") as caught:
        discover(str(tmp_path))
    assert "alice" in str(caught.value) and "student folders" in str(caught.value)


def test_a_single_submission_may_keep_other_folders(tmp_path):
    """Is a submission folder with an unrelated subfolder (data/, checkpoints) still one
    submission (only subfolders holding section files make it ambiguous)?"""
    write(tmp_path / "modules.py", MODULES)
    write(tmp_path / "data" / "notes.txt", "x")
    write(tmp_path / ".ipynb_checkpoints" / "modules-checkpoint.ipynb", "{}")
    mode, submission = only(tmp_path)
    assert mode == "single" and submission.found == ["modules"]


def test_section_names_match_without_regard_to_case(tmp_path):
    """Is Layers.ipynb the layers section and MODULES.PY the modules section (issue 14, 6)?"""
    write(tmp_path / "Layers.ipynb", json.dumps({"cells": [], "metadata": {}}))
    write(tmp_path / "MODULES.PY", MODULES)
    mode, submission = only(tmp_path)
    assert mode == "single"
    assert submission.found == ["modules", "layers"]
    assert submission.sections["layers"].filename == "Layers.ipynb"
    assert submission.sections["modules"].text == MODULES


def test_two_names_differing_only_in_case_are_refused(tmp_path):
    """Are Modules.py and MODULES.py (no exact modules.py) refused, naming both?"""
    write(tmp_path / "Modules.py", MODULES)
    write(tmp_path / "MODULES.py", MODULES)
    _, submission = only(tmp_path)
    assert_unreadable(submission.sections["modules"], "Modules.py", "MODULES.py", "differ only")


def test_a_renamed_upload_is_named_with_what_to_rename_it_to(tmp_path):
    """Does an upload of only 'modules (1).ipynb' and notes say what was found and how to fix it
    (issue 14, 6: it used to be "ungradable" without saying what was there)?"""
    write(tmp_path / "modules (1).ipynb", json.dumps({"cells": []}))
    write(tmp_path / "notes.txt", "hello")
    _, submission = only(tmp_path)
    assert submission.found == []
    assert "modules (1).ipynb (rename it to modules.ipynb)" in submission.problem
    assert "notes.txt" in submission.problem
    assert_unreadable(submission.sections["modules"], "not found", "rename it to modules.ipynb")


def test_nbgrader_submitted_tree_is_recognised(tmp_path):
    """Is nbgrader's submitted/<student>/<assignment>/ tree (given as the course folder) graded
    one submission per student, by student id (issue 14, 5)?"""
    course = tmp_path / "course"
    for student in ("alice", "bob"):
        write(course / "submitted" / student / "ps1" / "modules.ipynb", json.dumps({"cells": []}))
        write(course / "submitted" / student / "ps1" / "timestamp.txt", "2026-01-01")
    (course / "submitted" / "carol").mkdir()
    mode, submissions = discover(str(course))
    assert mode == "class"
    assert [s.name for s in submissions] == ["alice", "bob", "carol"]
    assert submissions[0].found == ["modules"]
    assert submissions[0].root == str(course / "submitted" / "alice" / "ps1")
    assert submissions[2].found == []
    mode, again = discover(str(course / "submitted"), nbgrader_assignment="ps1")
    assert [s.name for s in again] == ["alice", "bob", "carol"]
    assert "carol handed in nothing for ps1" in again[2].problem


def test_an_nbgrader_tree_with_two_assignments_asks_which(tmp_path):
    """Does a submitted/ tree holding two assignments ask for --nbgrader-submitted?"""
    from grader.sources import SourceError

    notebook = json.dumps({"cells": []})
    write(tmp_path / "alice" / "ps1" / "modules.ipynb", notebook)
    write(tmp_path / "bob" / "ps2" / "modules.ipynb", notebook)
    with pytest.raises(SourceError, match="--nbgrader-submitted"):
        discover(str(tmp_path))
    _, submissions = discover(str(tmp_path), nbgrader_assignment="ps2")
    assert [s.found for s in submissions] == [[], ["modules"]]
