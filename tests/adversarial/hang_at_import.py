"""Does an infinite loop at import cost the section after the import time limit, and nothing more?"""

AFFECTS = "ALL"
KIND = "section unavailable"
FEEDBACK = "did not finish within"

while True:
    pass
