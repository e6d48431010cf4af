"""Is a daemon started at import (double fork, new session) refused (the seccomp filter allows no
new process, so the section cannot load), and could it never write to the results file?"""

import ctypes
import os
import time

AFFECTS = "ALL"
KIND = "section unavailable"
FEEDBACK = "Operation not permitted"


def _daemon():
    os.setsid()
    if os.fork() != 0:
        os._exit(0)
    ctypes.CDLL(None).prctl(15, b"advdaemon", 0, 0, 0)  # PR_SET_NAME
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with open("@RESULTS@", "w") as f:
                f.write("overwritten by a daemon")
        except OSError:
            pass
        time.sleep(0.05)
    os._exit(0)


if os.fork() == 0:
    try:
        _daemon()
    finally:
        os._exit(0)
