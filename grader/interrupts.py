"""Asynchronous interrupts held off while the grader talks to its zygote.

The submission watchdog (``Submission.watchdog``) interrupts the grading process with a signal
wherever it is. Taken in the middle of a request to the zygote, that interrupt leaves the reply
unread in the control socket, where the next request (usually the next submission's first spawn)
reads it as its own answer: a grader error charged to a student who did nothing wrong. Requests to
the zygote are short (a fork, a reap after a grace of at most a second), so they run ``shielded``
and an interrupt that arrives meanwhile is raised as the shield ends.

State is per thread: signal handlers run in the main thread, and only the main thread's shield may
hold off its interrupt (another thread's request must not swallow it).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

_state = threading.local()


@contextlib.contextmanager
def shielded() -> Iterator[None]:
    """Within the block, ``interrupt`` records instead of raising; the recorded interrupt is raised
    when the outermost shield of this thread ends."""
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        yield
    finally:
        _state.depth -= 1
        pending = getattr(_state, "pending", None)
        if _state.depth == 0 and pending is not None:
            _state.pending = None
            raise pending()


def interrupt(exception: type[BaseException]) -> None:
    """Raise ``exception`` now (from a signal handler), or as the current shield ends."""
    if getattr(_state, "depth", 0) > 0:
        _state.pending = exception
        return
    raise exception()
