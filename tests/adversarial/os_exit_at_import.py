"""Does os._exit() at import (the process really ends) cost the section and say how it ended?"""

import os

AFFECTS = "ALL"
KIND = "section unavailable"
FEEDBACK = "exited with status 3"

os._exit(3)
