"""nbgrader support: the release (``make release``), the in-kernel test cells, the secure path.

- ``release``: the course folder generated from ``solutions/`` and ``grader/checks/``.
- ``kernel``: what an autograder-test cell calls inside the student's kernel (in-process, unprotected).
- ``autograde``: ``python -m grader nbgrader autograde``, grading ``submitted/`` out of process in the
  sandbox and writing the scores into nbgrader's gradebook through nbgrader itself.
"""
