"""Does replacing a grader probe in the child with one that returns made-up data gain nothing? (The
grader's modules are gone from sys.modules before the first student line: the section cannot load.)"""

import sys

AFFECTS = "ALL"
KIND = "section unavailable"
FEEDBACK = "grader.probes"

sys.modules["grader.probes"].PROBES["modules.mlp"] = lambda ctx, **kwargs: {
    "output": 0,
    "passed": True,
}
