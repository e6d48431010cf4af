"""Does sys.exit() at import cost the section, with a clear message, without stopping the grader?"""

import sys

AFFECTS = "ALL"
KIND = "section unavailable"
FEEDBACK = "called exit()"

sys.exit(3)
