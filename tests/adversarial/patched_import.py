"""Does breaking `import` itself in the child (after the definitions) cost only this submission, with
the grader finishing? (torch imports lazily inside its own functions, so nothing can keep working: the
failure shows in the student's code or in the probe, wherever torch first imports. Every section of
the submission runs in that same child, so the other sections may lose points too; other submissions
and the grader are untouched.)"""

import builtins

# Which items lose depends on where torch first imports lazily, so none is required to; every
# section may (the assertions that other submissions and the grader are untouched still apply).
AFFECTS = []
ALSO_AFFECTS = [
    "modules",
    "parameters",
    "initialization",
    "lazy",
    "layers",
    "tying",
    "serialization",
    "gpus",
]
KIND = None  # wherever torch first imports: the probe, the student code, or inspecting a result
FEEDBACK = "imports are switched off"


def _no_imports(*args, **kwargs):
    raise ImportError("imports are switched off")


builtins.__import__ = _no_imports
