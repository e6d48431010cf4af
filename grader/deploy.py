"""Installing the kit on a grading platform (Gradescope's setup.sh, the PrairieLearn image): keep the
checks away from the uids student code runs under.

Where the container blocks namespaces and Landlock (Gradescope's and Docker's usually do), student
code runs under a separate unprivileged uid, and that uid can read every world-readable file:
the installed ``grader/checks`` (hidden checks included) and any source copy of the kit. So
``protect`` takes every such place away from group and others (``chmod -R go-rwx``), then *proves*
it: a process forked here drops to a sandbox uid, exactly as the sandbox child does, and tries to
open every file; any file it can read fails the installation, loudly, before a student submits.

    python -I -m grader.deploy protect [EXTRA_PATH ...]

Run it from ``/`` with ``-I`` (as setup.sh does): a bare ``python -c 'import grader'`` run from a
folder holding a source copy imports that copy, and would protect the copy while the installed
checks stay world-readable (issue 14, problem 1).
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterable


def installed_checks_dir() -> str:
    """The folder of the ``grader.checks`` this Python imports."""
    import grader.checks

    return os.path.dirname(os.path.abspath(grader.checks.__file__))


def _files(paths: Iterable[str]) -> list[str]:
    found = []
    for path in paths:
        if os.path.isfile(path):
            found.append(path)
        for folder, _dirs, files in os.walk(path):
            found.extend(os.path.join(folder, name) for name in files)
    return found


def close(paths: Iterable[str]) -> None:
    """chmod -R go-rwx (symbolic links are left alone: chmod would follow them)."""
    for path in paths:
        for folder, dirs, files in os.walk(path):
            for name in [*dirs, *files]:
                full = os.path.join(folder, name)
                if not os.path.islink(full):
                    os.chmod(full, stat.S_IMODE(os.lstat(full).st_mode) & 0o700)
        if not os.path.islink(path):
            os.chmod(path, stat.S_IMODE(os.lstat(path).st_mode) & 0o700)


def readable_as(uid: int, paths: Iterable[str]) -> list[str]:
    """The files among ``paths`` (walked) that a process running as ``uid`` (no groups) can open;
    decided by really trying, in a forked child that dropped to that uid. Needs root."""
    files = _files(paths)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop, try, report, exit without cleanup
        try:
            os.close(read_fd)
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            opened = []
            for path in files:
                try:
                    with open(path, "rb") as f:
                        f.read(1)
                    opened.append(path)
                except OSError:
                    pass
            os.write(write_fd, "\0".join(opened).encode("utf-8", "surrogateescape"))
            os._exit(0)
        except BaseException:
            os._exit(2)
    os.close(write_fd)
    chunks = []
    while chunk := os.read(read_fd, 1 << 16):
        chunks.append(chunk)
    os.close(read_fd)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"could not test reads as uid {uid}")
    text = b"".join(chunks).decode("utf-8", "surrogateescape")
    return [p for p in text.split("\0") if p]


def protect(extra: Iterable[str] = ()) -> int:
    """Close the installed checks and ``extra`` paths to everyone but root, prove it as a sandbox
    uid, print a summary. Returns an exit status (0: protected)."""
    from grader.sandbox.containment import FALLBACK_UID_BASE

    checks = installed_checks_dir()
    paths = [checks, *(os.path.abspath(p) for p in extra if os.path.exists(p))]
    close(paths)
    if os.geteuid() != 0:
        print(
            f"protect: closed {', '.join(paths)} (not root: the sandbox uid cannot be tested)",
            file=sys.stderr,
        )
        return 0
    leaked = readable_as(FALLBACK_UID_BASE, paths)
    files = len(_files(paths))
    if leaked:
        print(
            f"protect: FAILED: the sandbox uid {FALLBACK_UID_BASE} can still read "
            f"{len(leaked)} file(s): {', '.join(leaked[:5])}",
            file=sys.stderr,
        )
        return 1
    print(
        f"protect: {files} file(s) under {', '.join(paths)} are readable by root only; "
        f"checked as the sandbox uid {FALLBACK_UID_BASE}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] != "protect":
        print("usage: python -I -m grader.deploy protect [EXTRA_PATH ...]", file=sys.stderr)
        return 2
    return protect(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
