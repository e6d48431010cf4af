"""nbgrader support: the release (``make release``), the in-kernel test cells, the secure path.

- ``release``: the course folder generated from ``solutions/`` and ``grader/checks/``.
- ``kernel``: what an autograder-test cell calls inside the student's kernel (in-process, unprotected).
- ``autograde``: ``python -m grader nbgrader autograde``, grading ``submitted/`` out of process in the
  sandbox and writing the scores into nbgrader's gradebook through nbgrader itself.
"""

from __future__ import annotations

import os
import sys


def tool_environment() -> dict[str, str]:
    """The environment with this Python's scripts first on PATH: nbgrader runs ``alembic`` (its
    database migrations) as a command, and the kernel must be this Python's. (Here, not in
    ``release``: ``release`` and ``autograde`` both use it, and ``release`` imports ``autograde``.)"""
    env = dict(os.environ)
    scripts = os.path.dirname(sys.executable)
    env["PATH"] = scripts + os.pathsep + env.get("PATH", "")
    return env
