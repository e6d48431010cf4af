"""``python -m grader.prairielearn build|run``."""

import os
import sys

from grader.prairielearn import main

code = main()
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)  # skip interpreter finalisation with torch loaded
