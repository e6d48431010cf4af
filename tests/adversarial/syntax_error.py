"""Does a syntax error cost the whole modules section, with the line number, and nothing more?"""

AFFECTS = "ALL"
KIND = "section unavailable"
FEEDBACK = "syntax error at line"


def broken(:
    pass
