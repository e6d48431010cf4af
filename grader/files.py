"""Reading a file the submission's code wrote, from outside its process (grader/boundary.py, (b)).

The code may have put a link where its file should be (to a file only the grader could read), a
hard link, a pipe that never ends, or a file too large to hold: each is refused with a reason.
"""

from __future__ import annotations

import errno
import os
import stat

EXCHANGE_NAME = "files"
"""The exchange folder's name, inside a child's private /tmp or work folder: where probes write the
files the grader then reads from outside the child (both transports)."""

MAX_FETCH_BYTES = 16 << 20
"""Largest file the grader reads from a child's exchange folder (the checks' files are kB)."""


class FileUnreadable(Exception):
    """A file a child should have written cannot be read (absent, a link, too large, ...)."""


def read_without_links(steps: list[str], limit: int) -> bytes:
    """Open ``steps[0]``, then each further name inside the previous one, never following a
    link, and read the last as a regular file of one link and at most ``limit`` bytes."""
    if not hasattr(os, "O_PATH"):  # macOS, Windows: the portable transport's files
        return _read_checked_steps(steps, limit)
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
    fds: list[int] = []
    try:
        fds.append(os.open(steps[0], os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC))
        for part in steps[1:-1]:
            fds.append(os.open(part, os.O_PATH | os.O_DIRECTORY | flags, dir_fd=fds[-1]))
        fd = os.open(steps[-1], flags | os.O_NONBLOCK, dir_fd=fds[-1])
        fds.append(fd)
        _refuse_unless_plain(os.fstat(fd), limit)
        chunks, size = [], 0
        while chunk := os.read(fd, min(1 << 20, limit + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:  # it grew since fstat
                raise FileUnreadable(f"it is more than the {limit} bytes the grader reads")
        return b"".join(chunks)
    except FileNotFoundError:
        raise FileUnreadable("there is no such file") from None
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise FileUnreadable("a link stands where the file or its folder should be") from None
        raise FileUnreadable(f"it could not be read ({exc.strerror})") from None
    finally:
        for fd in fds:
            os.close(fd)


def _refuse_unless_plain(info: os.stat_result, limit: int) -> None:
    """A regular file of one link and at most ``limit`` bytes, or FileUnreadable saying why."""
    if not stat.S_ISREG(info.st_mode):
        raise FileUnreadable("it is not a regular file")
    if info.st_nlink != 1:
        raise FileUnreadable("it is a hard link to another file")
    if info.st_size > limit:
        raise FileUnreadable(f"it is {info.st_size} bytes, more than the {limit} the grader reads")


def _read_checked_steps(steps: list[str], limit: int) -> bytes:
    """Where the system cannot open a folder without following it (no ``O_PATH``): the same
    refusals, each name after ``steps[0]`` checked with ``lstat`` first. Only the portable
    transport reads this way, a learner's own code on their own machine (grader/portable.py):
    a check-then-open race is no concern there. (``steps[0]`` itself may sit behind a system
    link, as macOS's /var does.)"""
    path = steps[0]
    try:
        for part in steps[1:]:
            path = os.path.join(path, part)
            if stat.S_ISLNK(os.lstat(path).st_mode):
                raise FileUnreadable("a link stands where the file or its folder should be")
        _refuse_unless_plain(os.lstat(path), limit)
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except FileNotFoundError:
        raise FileUnreadable("there is no such file") from None
    except OSError as exc:
        raise FileUnreadable(f"it could not be read ({exc.strerror})") from None
    if len(data) > limit:
        raise FileUnreadable(f"it is more than the {limit} bytes the grader reads")
    return data
