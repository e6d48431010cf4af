"""grader/nbgrader/release.py's nbgrader_config.py: secure by default, merged, never overwritten.

Issue 14, problem 5: `make release` used to overwrite an edited nbgrader_config.py. Now a new course
gets the grader's block; a file holding the block gets only the block replaced; the file an earlier
`make release` wrote is replaced; any other file gets the block appended, unless it sets
Autograde's steps itself, when it is left alone and the message (and the protection summary) say
that plain `nbgrader autograde` is not sandboxed by it."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

pytest.importorskip(
    "nbgrader", reason="nbgrader is an optional extra: pip install -e '.[nbgrader]'"
)

from grader.nbgrader import release


def config(course: Path) -> str:
    return (course / "nbgrader_config.py").read_text()


def test_a_new_course_gets_the_secure_block(tmp_path: Path) -> None:
    status, message = release.write_config(str(tmp_path))
    assert status == "written" and "sandbox" in message
    text = config(tmp_path)
    assert text.count(release.BLOCK_BEGIN) == 1 and release.BLOCK_END in text
    assert 'c.CourseDirectory.course_id = "builders-guide"' in text
    namespace: dict = {}
    exec(compile(text, "nbgrader_config.py", "exec"), {"get_config": lambda: Config()}, namespace)
    for step in re.findall(r'"((?:grader|nbgrader|nbconvert)\.[\w.]+)"', text):
        module, _, name = step.rpartition(".")
        assert hasattr(importlib.import_module(module), name), step
    assert '"grader.nbgrader.preprocessors.SandboxGrades"' in text
    assert '"nbgrader.preprocessors.Execute"' not in text
    assert '"nbgrader.preprocessors.ClearOutput"' not in text


class Config:
    """Enough of traitlets' config object to run the file: attribute chains that accept values."""

    def __getattr__(self, name: str) -> Config:
        value = Config()
        object.__setattr__(self, name, value)
        return value


def test_an_edited_config_keeps_the_instructors_lines(tmp_path: Path) -> None:
    """Does a second release keep lines the instructor added (before and after the block) and
    replace only the block, once?"""
    release.write_config(str(tmp_path))
    edited = (
        '# my course\nc = get_config()  # noqa: F821\nc.Exchange.root = "/srv/exchange"\n'
        + config(tmp_path)
        + "c.SandboxGrades.timeout = 9.0\n"
    )
    (tmp_path / "nbgrader_config.py").write_text(edited)
    status, message = release.write_config(str(tmp_path))
    assert status == "merged" and "kept" in message
    text = config(tmp_path)
    assert 'c.Exchange.root = "/srv/exchange"' in text and text.endswith("timeout = 9.0\n")
    assert text.count(release.BLOCK_BEGIN) == 1
    assert text == edited  # nothing changed: the block was already current


def test_a_hand_written_config_gets_the_block_appended(tmp_path: Path) -> None:
    mine = 'c = get_config()  # noqa: F821\nc.CourseDirectory.course_id = "dl-2026"\n'
    (tmp_path / "nbgrader_config.py").write_text(mine)
    status, _ = release.write_config(str(tmp_path))
    text = config(tmp_path)
    assert status == "merged" and text.startswith(mine)
    assert release.BLOCK_BEGIN in text and 'course_id = "builders-guide"' not in text


def test_the_old_generated_config_is_replaced(tmp_path: Path) -> None:
    legacy = release.LEGACY_CONFIG.format(course_id=release.COURSE_ID)
    (tmp_path / "nbgrader_config.py").write_text(legacy)
    status, _ = release.write_config(str(tmp_path))
    assert status == "replaced" and release.BLOCK_BEGIN in config(tmp_path)


def test_a_config_with_its_own_steps_is_left_alone_and_said_so(tmp_path: Path) -> None:
    mine = (
        "c = get_config()  # noqa: F821\n"
        'c.Autograde.autograde_preprocessors = ["nbgrader.preprocessors.Execute"]\n'
    )
    (tmp_path / "nbgrader_config.py").write_text(mine)
    status, message = release.write_config(str(tmp_path))
    assert status == "left alone" and "NOT sandboxed" in message
    assert config(tmp_path) == mine
    release.CONFIG_OUTCOME[:] = [status, message]
    assert "NOT sandboxed" in release.protection_summary(str(tmp_path), "ps1", [])
