"""Does replacing the child's wire encoder (Python's module machinery) cost only this section, with
the grader still finishing?"""

import sys

AFFECTS = "ALL"
KIND = "section unavailable"
FEEDBACK = "importing modules.py"

sys.modules["grader.wire"].encode = lambda *args, **kwargs: b"garbage"
