"""The registered checks, read from ``grader/checks`` without importing them (no torch, no pytest).

For what the learner is told about checks that did not run (``check`` runs the public ones only:
"2 hidden checks also grade this") and for the kit's counts (items, checks, points). The checks
themselves are registered by the pytest plugin when they run; this reads the same ``@check(...)``
markers from the source.
"""

from __future__ import annotations

import ast
import functools
import os
from dataclasses import dataclass

CHECKS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "checks")


@dataclass(frozen=True)
class Listed:
    """One ``@check(...)`` as written in the source."""

    name: str
    """The check's function name."""
    item: str
    """The item it grades."""
    points: float
    """Its points."""
    visibility: str
    """"public" or "hidden"."""
    gpu_only: bool = False
    """Runs only when grading on a CUDA device."""
    summary: str = ""
    """The property it establishes (its docstring's first line)."""
    catches: str = ""
    """The mistake it exists for (its docstring's ``Catches:`` paragraph)."""


@functools.cache
def listed_checks(checks_dir: str = CHECKS_DIR) -> tuple[Listed, ...]:
    """Every ``@check`` in ``test_*.py`` of ``checks_dir``, in file and source order."""
    found: list[Listed] = []
    for filename in sorted(os.listdir(checks_dir)):
        if not (filename.startswith("test_") and filename.endswith(".py")):
            continue
        with open(os.path.join(checks_dir, filename), encoding="utf-8") as f:
            tree = ast.parse(f.read())
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                if not (
                    isinstance(decorator, ast.Call)
                    and getattr(decorator.func, "id", "") == "check"
                    and decorator.args
                ):
                    continue
                keywords = {k.arg: ast.literal_eval(k.value) for k in decorator.keywords}
                found.append(
                    Listed(
                        node.name,
                        ast.literal_eval(decorator.args[0]),
                        float(keywords.get("points", 0)),
                        keywords.get("visibility", "hidden"),
                        bool(keywords.get("gpu_only", False)),
                        *_summary_and_catches(ast.get_docstring(node) or ""),
                    )
                )
    return tuple(found)


def _summary_and_catches(docstring: str) -> tuple[str, str]:
    """(the property: the docstring's first paragraph up to ``Catches:``; the mistake: the
    ``Catches:`` paragraph without its label) of a check's docstring."""
    summary: list[str] = []
    catches: list[str] = []
    current = summary
    for line in docstring.strip().splitlines():
        text = line.strip()
        if text.startswith("Catches:"):
            current = catches
            text = text.removeprefix("Catches:").strip()
        elif not text:  # a blank line ends the paragraph being read
            if current is catches:
                break
            if summary:
                current = []  # text between the property and Catches: is neither
            continue
        current.append(text)
    return " ".join(summary), " ".join(catches)


def hidden_counts() -> dict[str, int]:
    """{item: number of hidden checks that grade it} (items without any left out)."""
    counts: dict[str, int] = {}
    for listed in listed_checks():
        if listed.visibility == "hidden":
            counts[listed.item] = counts.get(listed.item, 0) + 1
    return counts


def hidden_checks_sentence(count: int) -> str:
    """ "1 hidden check also grades this" / "3 hidden checks also grade this"."""
    return f"{count} hidden check{'s' if count != 1 else ''} also grade{'s' if count == 1 else ''} this"
