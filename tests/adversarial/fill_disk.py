"""Does writing files until the disk is full fill only the child's own small /tmp, and cost only its item?
(The save/load items of the same submission write their files to that same full disk, so they may lose
points too: the submission filled its own disk. Other submissions and the grader are untouched.)"""

AFFECTS = ["modules.chimera"]
ALSO_AFFECTS = ["serialization"]
KIND = "exception"
FEEDBACK = "disk full after"


def chimera():
    written = 0
    chunk = b"\0" * 2**20
    try:
        while written < 10_000:
            with open(f"filler-{written}.bin", "wb") as f:
                f.write(chunk)
            written += 1
    except OSError as exc:
        raise RuntimeError(f"disk full after {written} MB ({exc.strerror})") from None
    raise RuntimeError(f"wrote {written} MB without filling the disk")
