"""The PrairieLearn package: an external-grader image and one question per section.

``python -m grader.prairielearn build [--out build/prairielearn]`` (``make prairielearn``) writes:

- ``image/``: the Docker build context of the grader image: ``Dockerfile`` (Python, the CPU build
  of PyTorch, the kit; the installed checks closed to every uid but root and proven so, the
  source removed) and ``run_prairielearn``, the entry point;
- ``questions/BuildersGuide/<section>/``: ``info.json`` (external grading with that image and
  entry point), ``question.html`` (the section's text, a file editor holding the stub, the grader's
  results panel), ``initial_code/<section>.py`` (the stub) and ``tests/grader.json`` (what to grade);
- ``README.md``: what to copy where.

``python -m grader.prairielearn run [--root /grade]`` (what ``run_prairielearn`` starts) grades the
files in ``/grade/student`` (a ``.py`` from the file editor or uploaded notebooks; a single folder
inside is looked into) on the CPU in the sandbox, for the sections ``/grade/tests/grader.json`` names
(else ``/grade/data/data.json``'s ``params.grader_only``, else every section found), and writes
``/grade/results/results.json`` (``grader.exporters.prairielearn_results``). Docker usually blocks
``unshare``: the sandbox then drops to a separate uid, and inside a real ``/grade`` container every
process left under a sandbox uid is killed before the results are written.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
import uuid

from grader import __version__

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_DIR = os.path.dirname(HERE)
SOURCE_ROOT = os.path.dirname(PACKAGE_DIR)
DEFAULT_IMAGE = f"builders-guide-grader:{__version__}"
ENTRYPOINT = "/grader/run_prairielearn"
TOPIC = "Builders' Guide"
SKIP_DIRS = {"__pycache__", ".pytest_cache", ".ruff_cache"}
UUID_NAMESPACE = uuid.UUID("6f1f3b1e-6a57-4a43-9f3c-2b5d7c9e1a10")


# -- build ---------------------------------------------------------------------------------------


def _copy_kit(target: str) -> None:
    os.makedirs(target, exist_ok=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copyfile(os.path.join(SOURCE_ROOT, name), os.path.join(target, name))
    shutil.copytree(
        PACKAGE_DIR,
        os.path.join(target, "grader"),
        ignore=shutil.ignore_patterns(*SKIP_DIRS, "*.pyc", ".*"),
    )


def _section_text(stub: str, section: str) -> str:
    """The section's module docstring, for the question panel (Markdown)."""
    import ast

    doc = ast.get_docstring(ast.parse(stub)) or section
    lines = [line for line in doc.splitlines() if "make check" not in line]
    return "\n".join(lines).strip()


def info_json(section: str, *, image: str, timeout: int) -> dict:
    return {
        "uuid": str(uuid.uuid5(UUID_NAMESPACE, f"builders-guide/{section}")),
        "title": f"Builders' Guide: {section}",
        "topic": TOPIC,
        "tags": ["builders-guide", "pytorch", section],
        "type": "v3",
        "singleVariant": True,
        "gradingMethod": "External",
        "externalGradingOptions": {
            "enabled": True,
            "image": image,
            "entrypoint": ENTRYPOINT,
            "timeout": timeout,
        },
    }


def question_html(section: str, text: str) -> str:
    from html import escape

    return (
        "<pl-question-panel>\n"
        f"  <markdown>\n{escape(text, quote=False)}\n\n"
        f"Write your code in `{section}.py` below and save-and-grade: the grader runs the public "
        "and hidden checks against PyTorch itself; each failing public check says what it tried, "
        "what PyTorch gives and what your code gave.\n"
        "  </markdown>\n"
        "</pl-question-panel>\n\n"
        f'<pl-file-editor file-name="{section}.py" ace-mode="ace/mode/python" '
        f'source-file-name="initial_code/{section}.py"></pl-file-editor>\n\n'
        "<pl-submission-panel>\n"
        "  <pl-external-grader-results></pl-external-grader-results>\n"
        "  <pl-file-preview></pl-file-preview>\n"
        "</pl-submission-panel>\n"
    )


README = """\
# Builders' Guide on PrairieLearn

1. Build the grader image and push it where your PrairieLearn can pull it:

       docker build -t {image} image
       docker push {image}          # under your registry's name; then update info.json

2. Copy `questions/BuildersGuide/` into your course's `questions/` folder and add the questions
   to an assessment (each section is one question, worth the points you choose; the grader's
   score is the fraction of the section's checks passed).
3. Students edit `<section>.py` in the file editor and save-and-grade. The grader runs in the
   image, in its sandbox (a separate uid where Docker blocks namespaces; the installed checks
   are readable by root only), and writes PrairieLearn's results: per check points and, for
   public checks, the counterexample; hidden checks show their name and points only.
"""


def build(out_dir: str, *, image: str = DEFAULT_IMAGE, timeout: int = 600) -> str:
    """Write the PrairieLearn package into ``out_dir``; returns it."""
    from grader.curriculum import SECTIONS

    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)
    image_dir = os.path.join(out_dir, "image")
    os.makedirs(image_dir)
    for name in ("Dockerfile", "run_prairielearn"):
        shutil.copy(os.path.join(HERE, name), os.path.join(image_dir, name))
    os.chmod(os.path.join(image_dir, "run_prairielearn"), 0o755)
    _copy_kit(os.path.join(image_dir, "kit"))
    for section in SECTIONS:
        folder = os.path.join(out_dir, "questions", "BuildersGuide", section)
        os.makedirs(os.path.join(folder, "initial_code"))
        os.makedirs(os.path.join(folder, "tests"))
        with open(os.path.join(SOURCE_ROOT, "exercises", f"{section}.py"), encoding="utf-8") as f:
            stub = f.read()
        with open(
            os.path.join(folder, "initial_code", f"{section}.py"), "w", encoding="utf-8"
        ) as f:
            f.write(stub)
        with open(os.path.join(folder, "info.json"), "w", encoding="utf-8") as f:
            json.dump(info_json(section, image=image, timeout=timeout), f, indent=2)
            f.write("\n")
        with open(os.path.join(folder, "question.html"), "w", encoding="utf-8") as f:
            f.write(question_html(section, _section_text(stub, section)))
        with open(os.path.join(folder, "tests", "grader.json"), "w", encoding="utf-8") as f:
            json.dump({"only": [section]}, f)
            f.write("\n")
    with open(os.path.join(out_dir, "README.md"), "w", encoding="utf-8") as f:
        f.write(README.format(image=image))
    return out_dir


# -- run -----------------------------------------------------------------------------------------


def _read_json(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def selected_sections(root: str) -> list[str] | None:
    """What to grade: tests/grader.json's "only", else data.json's params.grader_only, else None."""
    only = _read_json(os.path.join(root, "tests", "grader.json")).get("only")
    if not only:
        params = _read_json(os.path.join(root, "data", "data.json")).get("params") or {}
        only = params.get("grader_only") if isinstance(params, dict) else None
    if isinstance(only, str):
        only = only.split()
    return [str(x) for x in only] if only else None


def run(root: str) -> int:
    """Grade ``root/student``, write ``root/results/results.json``. Exit status 0 when a results
    file with a grade was written."""
    from grader import curriculum, errors, runner
    from grader.exporters import prairielearn_results as prairielearn
    from grader.exporters import write_text
    from grader.gradescope import find_submission, kill_sandbox_processes
    from grader.sandbox.client import SandboxPolicy

    target = os.path.join(root, "results", "results.json")
    started = time.monotonic()
    only = selected_sections(root)
    failure = ""
    result = None
    try:
        if only:
            curriculum.select(only)
        source = find_submission(os.path.join(root, "student"))
        disabled = frozenset(x for x in os.environ.get("GRADER_DISABLE_LAYERS", "").split(",") if x)
        options = runner.GradeOptions(
            device="cpu", only=only, policy=SandboxPolicy(disabled=disabled)
        )
        [result] = runner.grade([source], options)  # returns after the zygote is closed
    except (errors.GraderError, ValueError) as exc:
        failure = str(exc)
    sweep = os.path.realpath(root) == "/grade" or os.environ.get("GRADER_SWEEP_SANDBOX_UIDS")
    leftovers: int | str = kill_sandbox_processes() if sweep else "not swept (not /grade)"
    if result is None:
        data = {
            "gradable": False,
            "score": 0.0,
            "message": "The autograder itself failed (not your fault); your instructor has the "
            "details. This attempt is not counted.",
            "format_errors": ["grader error"],
            "grader_error": failure,
            "tests": [],
        }
        status = 1
    else:
        data = prairielearn.convert(result)
        data["protections"]["leftover_processes_killed"] = leftovers
        data["execution_time"] = round(time.monotonic() - started, 1)
        status = 0
    write_text(target, json.dumps(data, indent=2) + "\n")
    print(f"wrote {target}" + (f" (grader error: {failure})" if failure else ""))
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.prairielearn", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write the image definition and the questions")
    b.add_argument("--out", default=os.path.join(SOURCE_ROOT, "build", "prairielearn"))
    b.add_argument("--image", default=DEFAULT_IMAGE, help="the image name info.json gives")
    b.add_argument("--timeout", type=int, default=600, help="external grading timeout (s)")
    r = sub.add_parser("run", help="grade /grade/student (what run_prairielearn does)")
    r.add_argument("--root", default=os.environ.get("PL_GRADE_ROOT", "/grade"))
    args = parser.parse_args(argv)
    if args.command == "build":
        out = build(args.out, image=args.image, timeout=args.timeout)
        print(f"wrote {out}: see {os.path.join(out, 'README.md')}")
        return 0
    return run(args.root)


if __name__ == "__main__":
    sys.exit(main())
