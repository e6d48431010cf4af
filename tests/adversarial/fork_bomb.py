"""Does a fork bomb hit the process limit, cost only its item, and leave nothing running? (Each failed
fork still copies a large process, so with a short time limit it may time out before EAGAIN.)"""

import os

AFFECTS = ["modules.replicate"]
KIND = ["exception", "timeout"]
FEEDBACK = ""


def replicate(factory, n):
    while True:
        os.fork()
