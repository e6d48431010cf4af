"""Does replacing a grader probe in the child with one that returns made-up data gain nothing?"""

import sys

AFFECTS = ["modules.MLP"]
KIND = "protocol violation"
FEEDBACK = "unexpected form"

sys.modules["grader.probes"].PROBES["modules.mlp"] = lambda ctx, **kwargs: {
    "output": 0,
    "passed": True,
}
