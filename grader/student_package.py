"""``make student``: what students install to run the public checks, with no hidden check in it.

The notebooks' public test cells (``grade_check``) and ``python -m grader check`` need the grader
in the student's own Python. The instructor's kit holds the hidden checks (``grader/checks``), and
anything installed on a student's machine can be read there (``inspect.getsource``). So students
get a package built from the kit with:

- every check module pruned to its public checks: each ``@check(..., visibility="hidden")`` test
  (a check without ``visibility`` is hidden too, as ``grader.plugin.check`` says) is cut out with
  its decorators (its ``@example`` inputs included) and the comments right above it, and then every
  top-level helper, strategy or constant that nothing left uses (a hidden check's own inputs);
- none of the instructor's tools: the Gradescope and PrairieLearn bundles, the nbgrader release and
  autograding steps, the deployment script;
- no solutions and no tests (they were never part of the ``grader`` package).

``python -m grader.student_package [--out build/student]`` writes ``OUT/builders_guide_student/``
(the package folder, usable with ``PYTHONPATH``) and ``OUT/builders_guide_student-<version>-py3-
none-any.whl`` (``pip install`` it, or ``%pip install`` it in a notebook). It replaces the full kit
where both would be installed: they are the same import name, ``grader``.
"""

from __future__ import annotations

import argparse
import ast
import base64
import hashlib
import os
import shutil
import sys
import zipfile

from grader import __version__

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(PACKAGE_DIR)
DIST_NAME = "builders-guide-student"
WHEEL_NAME = "builders_guide_student"
# Instructor-only parts of the kit (paths relative to grader/).
LEFT_OUT = (
    "gradescope",
    "prairielearn",
    "deploy.py",
    "student_package.py",
    "nbgrader/release.py",
    "nbgrader/autograde.py",
    "nbgrader/preprocessors.py",
    "nbgrader/handin.py",
    "nbgrader/cli.py",
    "checks/seeds.json",  # names every hidden check; students' 'check' draws its own seeds
)
SKIP_DIRS = {"__pycache__", ".pytest_cache", ".ruff_cache"}
REQUIRES = (
    "torch>=2.6",
    "numpy>=1.24",
    "pytest>=8.0,<10",  # the ranges grader/frameworks.py is tested with (pyproject.toml)
    "hypothesis>=6.100,<7",
    "rich>=13.0",
)


def _visibility(node: ast.AST) -> str | None:
    """ "public"/"hidden" for a ``@check``-decorated function, None for anything else."""
    for decorator in getattr(node, "decorator_list", []):
        if not isinstance(decorator, ast.Call):
            continue
        func = decorator.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name != "check":
            continue
        for keyword in decorator.keywords:
            if keyword.arg == "visibility" and isinstance(keyword.value, ast.Constant):
                return str(keyword.value.value)
        return "hidden"  # grader.plugin.check's default
    return None


def _defined(node: ast.AST) -> set[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    targets: list[ast.AST] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        targets = [node.target]
    names = set()
    for target in targets:
        for sub in ast.walk(target):
            if isinstance(sub, ast.Name):
                names.add(sub.id)
    return names


def _used(node: ast.AST) -> set[str]:
    return {
        sub.id
        for sub in ast.walk(node)
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load)
    } | {
        sub.value
        for sub in ast.walk(node)
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and sub.value.isidentifier()
    }


def public_only(source: str) -> tuple[str, list[str]]:
    """(the module with its hidden checks and what only they used cut out, names cut)."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    body = list(tree.body)
    removed: set[int] = {
        i for i, node in enumerate(body) if _visibility(node) not in (None, "public")
    }
    while True:  # helpers nothing left uses: a hidden check's strategies, tables, examples
        used: set[str] = set()
        for i, node in enumerate(body):
            if i not in removed:
                used |= _used(node) - (_defined(node) if _is_prunable(node) else set())
        newly = {
            i
            for i, node in enumerate(body)
            if i not in removed and _is_prunable(node) and not (_defined(node) & used)
        }
        if not newly:
            break
        removed |= newly
    cut: set[int] = set()  # 0-based line numbers
    for i in removed:
        node = body[i]
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
        while first > 0 and lines[first - 1].lstrip().startswith("#"):
            first -= 1  # the comment right above it is about it
        cut.update(range(first, node.end_lineno or node.lineno))
    kept = "".join(line for n, line in enumerate(lines) if n not in cut)
    ast.parse(kept)  # still a module
    names = sorted(name for i in removed for name in _defined(body[i]))
    return kept, names


def _is_prunable(node: ast.AST) -> bool:
    """Top-level definitions a check module may drop when unused (never imports, never __all__,
    never a public check)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return _visibility(node) is None and not node.name.startswith("test_")
    if isinstance(node, ast.ClassDef):
        return True
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        return "__all__" not in _defined(node) and bool(_defined(node))
    return False


def _left_out(relative: str) -> bool:
    return any(relative == item or relative.startswith(item + "/") for item in LEFT_OUT)


def build_folder(out_dir: str) -> str:
    """``out_dir/builders_guide_student/grader``: the kit with public checks only."""
    root = os.path.join(out_dir, WHEEL_NAME)
    if os.path.isdir(root):
        shutil.rmtree(root)
    target = os.path.join(root, "grader")
    for folder, dirs, files in os.walk(PACKAGE_DIR):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, PACKAGE_DIR).replace(os.sep, "/")
            if _left_out(relative):
                continue
            destination = os.path.join(target, relative)
            os.makedirs(os.path.dirname(destination), exist_ok=True)
            if relative.startswith("checks/test_") and relative.endswith(".py"):
                with open(path, encoding="utf-8") as f:
                    kept, _ = public_only(f.read())
                with open(destination, "w", encoding="utf-8") as f:
                    f.write(kept)
            else:
                shutil.copyfile(path, destination)
    return root


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(folder: str, out_dir: str) -> str:
    """A pure-Python wheel of the folder (written directly: no build backend, no download)."""
    wheel = os.path.join(out_dir, f"{WHEEL_NAME}-{__version__}-py3-none-any.whl")
    info = f"{WHEEL_NAME}-{__version__}.dist-info"
    metadata = (
        "Metadata-Version: 2.1\n"
        f"Name: {DIST_NAME}\n"
        f"Version: {__version__}\n"
        "Summary: Builders' Guide exercises: the grader with public checks only, for students\n"
        "Requires-Python: >=3.10\n" + "".join(f"Requires-Dist: {r}\n" for r in REQUIRES)
    )
    extra = {
        f"{info}/METADATA": metadata.encode(),
        f"{info}/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: grader.student_package\nRoot-Is-Purelib: true\n"
            b"Tag: py3-none-any\n"
        ),
        f"{info}/top_level.txt": b"grader\n",
    }
    records = []
    tmp = wheel + ".tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for base, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(base, name)
                arcname = os.path.relpath(path, folder).replace(os.sep, "/")
                with open(path, "rb") as f:
                    data = f.read()
                z.writestr(zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0)), data)
                records.append(_record_line(arcname, data))
        for arcname, data in extra.items():
            z.writestr(zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0)), data)
            records.append(_record_line(arcname, data))
        records.append(f"{info}/RECORD,,")
        z.writestr(
            zipfile.ZipInfo(f"{info}/RECORD", date_time=(2020, 1, 1, 0, 0, 0)),
            "\n".join(records) + "\n",
        )
    os.replace(tmp, wheel)
    return wheel


def build(out_dir: str) -> tuple[str, str]:
    """(package folder, wheel)."""
    os.makedirs(out_dir, exist_ok=True)
    folder = build_folder(out_dir)
    return folder, build_wheel(folder, out_dir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.student_package", description=__doc__)
    parser.add_argument("--out", default=os.path.join(SOURCE_ROOT, "build", "student"))
    args = parser.parse_args(argv)
    folder, wheel = build(args.out)
    print(
        f"wrote {wheel} (and the folder {folder}): the public checks only; give it to students "
        "(pip install it, or `%pip install` it in a notebook)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
