"""Generate ``exercises/`` (student stubs) from ``solutions/``, the single source.

Between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (nbgrader's markers) is what a student
writes; it becomes ``raise NotImplementedError("<name>: write your code here")`` at the marker's
indentation. Everything else — signatures, type hints, the docstrings that are the exercise text,
helpers students do not write — is kept as it is. A nested or unclosed marker stops generation with
file:line. ``python -m grader exercises --check`` reports a stale ``exercises/``.
"""

from __future__ import annotations

import ast
import os
import sys
from dataclasses import dataclass

from grader.curriculum import SECTIONS

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADER = (
    "# Exercise file: replace each `raise NotImplementedError(...)` with your code, then run `make check`.\n"
    "# (Generated from solutions/{name} by `make exercises`.)\n"
)


class MarkerError(ValueError):
    """A solution marker is misplaced; the message starts with file:line."""


@dataclass(frozen=True)
class Block:
    """One solution block: where it starts and ends, and the function it belongs to."""

    begin: int
    end: int
    owner: str


def _owners(tree: ast.AST) -> list[tuple[int, int, str]]:
    """(first line, last line, qualified name) of every function, innermost last when nested."""
    spans: list[tuple[int, int, str]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    spans.append((child.lineno, child.end_lineno or child.lineno, name))
                visit(child, f"{name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return spans


def find_blocks(source: str, filename: str) -> list[Block]:
    """Every solution block of a file; raises MarkerError for a nested, stray or unclosed marker."""
    try:
        tree = ast.parse(source, filename)
    except SyntaxError as exc:
        raise MarkerError(f"{filename}:{exc.lineno}: not valid Python ({exc.msg})") from None
    owners = _owners(tree)
    blocks: list[Block] = []
    opened: int | None = None
    for lineno, line in enumerate(source.splitlines(), start=1):
        marker = line.strip()
        if marker.startswith(BEGIN):
            if opened is not None:
                raise MarkerError(
                    f"{filename}:{lineno}: {BEGIN} inside the block opened at line {opened}"
                )
            opened = lineno
        elif marker.startswith(END):
            if opened is None:
                raise MarkerError(f"{filename}:{lineno}: {END} without a {BEGIN} before it")
            enclosing = [name for first, last, name in owners if first <= opened <= last]
            blocks.append(
                Block(
                    opened,
                    lineno,
                    enclosing[-1] if enclosing else os.path.splitext(os.path.basename(filename))[0],
                )
            )
            opened = None
    if opened is not None:
        raise MarkerError(f"{filename}:{opened}: {BEGIN} is never closed")
    return blocks


def make_stub(source: str, filename: str) -> str:
    """The student's version of a solution file."""
    blocks = find_blocks(source, filename)
    lines = source.splitlines(keepends=True)
    out: list[str] = [HEADER.format(name=os.path.basename(filename))]
    skip_until = 0
    starts = {block.begin: block for block in blocks}
    for lineno, line in enumerate(lines, start=1):
        if lineno <= skip_until:
            continue
        block = starts.get(lineno)
        if block is None:
            out.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        out.append(f'{indent}raise NotImplementedError("{block.owner}: write your code here")\n')
        skip_until = block.end
    stub = "".join(out)
    try:
        compile(stub, filename, "exec")
    except SyntaxError as exc:  # e.g. a block that was not a whole statement list
        raise MarkerError(
            f"{filename}:{exc.lineno}: the generated stub is not valid Python ({exc.msg})"
        ) from None
    return stub


def generate(solutions_dir: str, exercises_dir: str) -> dict[str, str]:
    """{file name: stub text} for every section file in solutions_dir."""
    stubs = {}
    for section in SECTIONS:
        path = os.path.join(solutions_dir, f"{section}.py")
        with open(path, encoding="utf-8") as f:
            stubs[f"{section}.py"] = make_stub(f.read(), os.path.relpath(path, SOURCE_ROOT))
    return stubs


def stale_files(solutions_dir: str, exercises_dir: str) -> list[str]:
    """Exercise files that differ from what generate() would write."""
    stale = []
    for name, text in generate(solutions_dir, exercises_dir).items():
        path = os.path.join(exercises_dir, name)
        try:
            with open(path, encoding="utf-8") as f:
                current = f.read()
        except FileNotFoundError:
            current = None
        if current != text:
            stale.append(name)
    return stale


def main(*, check_only: bool = False, root: str = SOURCE_ROOT) -> int:
    solutions_dir = os.path.join(root, "solutions")
    exercises_dir = os.path.join(root, "exercises")
    if not os.path.isdir(solutions_dir):
        print(f"error: {solutions_dir} not found: run this in the kit's checkout", file=sys.stderr)
        return 2
    try:
        if check_only:
            stale = stale_files(solutions_dir, exercises_dir)
            if stale:
                print(
                    f"exercises/ is stale ({', '.join(stale)}): run `make exercises`",
                    file=sys.stderr,
                )
                return 1
            print("exercises/ is up to date")
            return 0
        stubs = generate(solutions_dir, exercises_dir)
    except MarkerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    os.makedirs(exercises_dir, exist_ok=True)
    for name, text in stubs.items():
        with open(os.path.join(exercises_dir, name), "w", encoding="utf-8") as f:
            f.write(text)
    print(f"wrote {len(stubs)} files to {os.path.relpath(exercises_dir)}")
    return 0
