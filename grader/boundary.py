"""Where each fact that decides a grade is decided: the boundary the grader holds.

The student's code runs in a child process, and so does every probe's own code. Anything computed
in that process after the student's code ran can be forged (its code can read the probe's state,
replace what the probe calls, write a reply of its own). So every fact is decided in one of
three places, and nowhere else:

(a) In the grading process, from raw data. The default. The child reports raw observations
    (tensors, names, shapes) and the parent computes every reference and verdict itself:
    outputs, gradients, statistics (on samples whose shape, dtype and element count the parent
    checks against what it asked for, taken in place as the contract says), "before" states the
    parent sent itself (initial biases, a zoo of modules built from a seed), the parameters an
    ordinary first call gives (materialize). What the parent computes from child data is bounded:
    weights must be finite and of initialisation scale before a reference is built on them
    (``compare.Expect.usable``), loops are capped, a reference PyTorch refuses is the student's
    failure (``compare.Expect.computing``), and a watchdog (``Submission.watchdog``) puts the
    grader's own time on the submission's budget. NaN never matches NaN unless a check says why.
(b) About files the student's code wrote: from the file's bytes, outside the student's process.
    The parent reads the file through /proc/<pid>/root into the child's private /tmp, never
    following a link (``grader.files``). The parent then reads files in torch.save's default
    format itself (``grader.torchfile``: the archive parsed as torch's writer lays it out,
    data.pkl interpreted by its own small unpickler, which accepts a strict part of what
    ``weights_only=True`` accepts, builds nothing but containers and tensors, and is bounded in
    opcodes, objects, depth and bytes); any other file goes to a *verifier*, a process forked
    from the zygote that never imports the submission, which reads it with
    ``torch.load(weights_only=True)`` (``probes.VERIFIERS``). Both give the same description of a file the parent reads (tested
    on drawn objects of every dtype and view). Files the student's code reads are written by the
    parent itself with ``torch.save``. A checkpoint is saved in one process and loaded in
    another. A file whose unpickling would run code makes the process exit with a status the
    parent sees. The parent never ``torch.load``s or unpickles anything a child sent.
(c) Facts only the student's process can see — object identity (``is``), the autograd mode,
    reads back to the host — are observed there, by code the student cannot reach
    (``grader.sandbox.guard``): grader modules gone from ``sys.modules`` and unimportable before
    the first student line; the probe table a private copy bound into the dispatcher; an audit
    hook that refuses frames, the object graph, ``ctypes``, building code or functions, tracing and
    further hooks while student code is on the stack; a tamper check that fails the check when the
    student's code replaced part of torch, Python or the grader; and a seccomp filter refusing
    signal handlers, threads and new processes (code running beside the probe). Reads back to the
    host are counted by a sealed torch function mode (``grader.observers``): its record
    lives in a generator's frame, torch's mode stack does not show it to Python, and switching
    torch's function handling off is refused while it watches. Code torch's function handling
    would not see is not compiled in the sandbox (torch.jit.script/trace and torch.compile hand
    back what they were given; compiling or loading TorchScript and torch's frame evaluation
    callback are refused). nn.init's initialisers and the containers' ``__init__`` are watched
    the same way, replaced in the zygote before any student code could keep a reference. Where a (c) fact
    could still be forged by code that knows the probe's internals (the grader-owned hooks and
    counters it would have to find), forging costs more than writing the correct code, and the
    check notices when the observer saw nothing at all (no module call recorded, no product seen).
    That is the limit of (c): Python code in the child can still read and write its own process's
    memory without any audit event (numpy builds an array on any address an object's
    ``__array_interface__`` names), so a student who walks the interpreter's own structures to the
    probe's state can change it; nothing decided in (a) or (b) is reachable that way.

Public and hidden checks run in separate children (public first), so nothing a hidden check showed
the student's code can come back in public feedback. One child goes on from the public phase into
the hidden one, never the other way: the one that only resumes checkpoints from files
(``call_apart``), which cannot take hidden inputs back to a phase that has ended. A check's failure
is decided in children that ran nothing before it (that carried child counts as having run
something: a check that fails after using it starts over in new children; one that starts over
without having used it keeps it), so a grade depends neither on earlier checks nor on who was
graded before.
Text from a child is normalised once, when it is decoded (``grader.text``).

Under the in-process transport (a notebook kernel, debugging) none of this holds, and results say
``"protected": false``. Under the portable transport (self-study where the Linux sandbox does not
exist, grader/portable.py) (a) and (b) still hold (the code runs in another process, files are read
by the parent or by a child that ran none of it) but (c) does not: there is no guard in the child; results say
``"protected": false`` too.
"""

from __future__ import annotations

KINDS = {
    "a": "decided in the grading process from raw data",
    "b": "files decided from their bytes outside the student's process (the grading process's "
    "own reader of torch.save's format, or a verifier that runs no student code)",
    "c": "the child's own observations, out of the student code's reach (guard, audit hook, "
    "tamper check, seccomp)",
}
"""The three places, as the results' sandbox report names them."""


def report(transport_protected: bool, transport: str = "in-process") -> dict[str, str]:
    """What a result says about the boundary it was graded under."""
    if not transport_protected and transport == "portable":
        return {
            "holds": "no: the portable transport's child has no guard (kind c can be forged)",
            "a": KINDS["a"],
            "b": KINDS["b"],
        }
    if not transport_protected:
        return {"holds": "no: in-process grading shares the student's process"}
    return {"holds": "yes", **KINDS}
