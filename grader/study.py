"""Self-study in a notebook (Colab, a JupyterHub, a laptop's Jupyter): one cell checks the
notebook's own definitions with the public checks.

    %pip install builders_guide_student-0.1.0-py3-none-any.whl    # once (or the kit itself)
    import grader.study; grader.study.check(globals())              # after your solution cells

Every item whose names the notebook defines is checked, each through the same checks, probes and
feedback as ``python -m grader check`` (grader/nbgrader/kernel.py, in the notebook's own kernel:
no sandbox and no subprocess, so it works wherever the notebook runs). Items the notebook does not
define are listed as such, not failed. ``only`` narrows it to items or sections.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from grader import curriculum
from grader.results import SKIPPED


def check(namespace: Mapping[str, Any], only: Iterable[str] | None = None) -> bool:
    """Run the public checks of every item ``namespace`` defines (all of ``only``'s, when given);
    print one line per item and the first failing check's feedback; True when every one passed."""
    from grader.nbgrader import kernel

    chosen = [i.id for i in curriculum.select(list(only) if only else None)]
    earned = possible = 0.0
    all_passed = True
    undefined = []
    for item_id in chosen:
        item = curriculum.ITEMS_BY_ID[item_id]
        if not all(name in namespace for name in item.names):
            undefined.append(item_id)
            continue
        public = [
            r
            for r in kernel.grade_item(item_id, namespace).values()
            if r.visibility == "public" and r.kind != SKIPPED
        ]
        got = sum(r.points for r in public)
        worth = sum(r.max_points for r in public)
        earned, possible = earned + got, possible + worth
        failed = [r for r in public if not r.passed]
        all_passed = all_passed and not failed
        print(f"{'✗' if failed else '✓'} {item_id}  {got:g}/{worth:g}")
        if failed:
            print("    " + (failed[0].feedback or failed[0].name).replace("\n", "\n    "))
    if undefined:
        print(f"not defined in this notebook: {', '.join(undefined)}")
    print(f"{earned:g} / {possible:g} points on the public checks")
    return all_passed and possible > 0
