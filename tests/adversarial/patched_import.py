"""Does breaking `import` itself in the child (after the definitions) cost only this section, with the
grader finishing? (torch imports lazily inside its own functions, so nothing can keep working.)"""

import builtins

AFFECTS = "ALL"
KIND = "probe failed"
FEEDBACK = "imports are switched off"


def _no_imports(*args, **kwargs):
    raise ImportError("imports are switched off")


builtins.__import__ = _no_imports
