"""The Gradescope autograder bundle: build ``autograder.zip`` and run inside Gradescope's container.

``python -m grader.gradescope build [--out DIR]`` (``make gradescope``) writes ``DIR/autograder.zip``
holding ``setup.sh`` and ``run_autograder`` at its root, the kit (``grader/``, ``pyproject.toml``,
``README.md``) and ``config.sh`` with the settings chosen at build time (which torch to install,
which sections to grade). Never the reference solutions or the kit's tests.

``setup.sh`` installs the kit into ``/autograder/venv`` and then runs ``python -I -m grader.deploy
protect``, which closes the installed checks and the source copy to every uid but root and proves
it by trying to read them as a sandbox uid. Hidden checks' tests get the visibility chosen at build
time (``--hidden-visibility``, default ``after_published``).

``python -m grader.gradescope run`` (what ``run_autograder`` starts) grades
``$GRADESCOPE_ROOT/submission`` (default ``/autograder``) on the CPU and writes
``$GRADESCOPE_ROOT/results/results.json``. Gradescope's container runs as root and usually blocks
``unshare``: the sandbox then proves what it can and falls back to a separate uid, rlimits and a
process group per child; ``extra_data.protections`` records which layers were active. The results
file is written by this process only, after the zygote is closed and every process still running
under a sandbox uid has been killed.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import sys
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_DIR = os.path.dirname(HERE)
SOURCE_ROOT = os.path.dirname(PACKAGE_DIR)

DEFAULT_TORCH_SPEC = "torch==2.13.0"
DEFAULT_TORCH_INDEX_URL = "https://download.pytorch.org/whl/cpu"
TOP_FILES = ("pyproject.toml", "README.md")
SKIP_DIRS = {"__pycache__", ".pytest_cache", ".ruff_cache"}


# -- build ---------------------------------------------------------------------------------------


def config_text(
    *,
    torch_spec: str,
    torch_index_url: str,
    only: str,
    submission_timeout: str,
    hidden_visibility: str = "after_published",
) -> str:
    """config.sh: build-time settings; values already in the environment win (for tests)."""

    def line(name: str, value: str) -> str:
        return f'[ -n "${{{name}+set}}" ] || {name}={shlex.quote(value)}\n'

    return (
        "# Written by `make gradescope` (python -m grader.gradescope build).\n"
        + line("TORCH_SPEC", torch_spec)
        + line("TORCH_INDEX_URL", torch_index_url)
        + line("GRADER_ONLY", only)
        + line("GRADER_SUBMISSION_TIMEOUT", submission_timeout)
        + line("GRADER_GRADESCOPE_HIDDEN", hidden_visibility)
    )


def _add(bundle: zipfile.ZipFile, path: str, arcname: str, mode: int) -> None:
    info = zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    with open(path, "rb") as f:
        bundle.writestr(info, f.read())


def build(
    out_dir: str,
    *,
    torch_spec: str = DEFAULT_TORCH_SPEC,
    torch_index_url: str = DEFAULT_TORCH_INDEX_URL,
    only: str = "",
    submission_timeout: str = "",
    hidden_visibility: str = "after_published",
) -> str:
    """Write ``out_dir/autograder.zip``; returns its path."""
    os.makedirs(out_dir, exist_ok=True)
    target = os.path.join(out_dir, "autograder.zip")
    tmp = target + ".tmp"
    with zipfile.ZipFile(tmp, "w") as bundle:
        for name in ("setup.sh", "run_autograder"):
            _add(bundle, os.path.join(HERE, name), name, 0o755)
        info = zipfile.ZipInfo("config.sh", date_time=(2020, 1, 1, 0, 0, 0))
        info.external_attr = (0o100000 | 0o644) << 16
        bundle.writestr(
            info,
            config_text(
                torch_spec=torch_spec,
                torch_index_url=torch_index_url,
                only=only,
                submission_timeout=submission_timeout,
                hidden_visibility=hidden_visibility,
            ),
        )
        for name in TOP_FILES:
            _add(bundle, os.path.join(SOURCE_ROOT, name), name, 0o644)
        for folder, dirs, files in os.walk(PACKAGE_DIR):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
            for name in sorted(files):
                if name.endswith((".pyc", ".pyo")):
                    continue
                path = os.path.join(folder, name)
                arcname = os.path.relpath(path, SOURCE_ROOT)
                mode = 0o755 if os.access(path, os.X_OK) else 0o644
                _add(bundle, path, arcname, mode)
    os.replace(tmp, target)
    return target


# -- run -----------------------------------------------------------------------------------------


def find_submission(folder: str):
    """The submitted folder, or the one folder inside it that holds the section files (students
    often upload a zipped folder)."""
    from grader import sources

    if os.path.isdir(folder) and not sources.is_single_submission(folder):
        nested = [
            os.path.join(folder, entry)
            for entry in sorted(os.listdir(folder))
            if not entry.startswith((".", "__"))
            and os.path.isdir(os.path.join(folder, entry))
            and not os.path.islink(os.path.join(folder, entry))
            and sources.is_single_submission(os.path.join(folder, entry))
        ]
        if len(nested) == 1:
            folder = nested[0]
    return sources.read_submission(folder, name="submission")


def kill_sandbox_processes(grace: float = 2.0) -> int:
    """SIGKILL every process running under a sandbox uid (what a child may have left behind when
    no PID namespace or cgroup held it); returns how many there were."""
    from grader.sandbox.containment import FALLBACK_UID_BASE, FALLBACK_UID_SPAN

    killed: set[int] = set()
    deadline = time.monotonic() + grace
    while True:
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                uid = os.stat(f"/proc/{entry}").st_uid
            except OSError:
                continue
            if FALLBACK_UID_BASE <= uid < FALLBACK_UID_BASE + FALLBACK_UID_SPAN:
                found.append(int(entry))
        if not found or time.monotonic() > deadline:
            return len(killed)
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            except OSError:
                pass
        time.sleep(0.05)


def run(root: str) -> int:
    """Grade ``root/submission``, write ``root/results/results.json``. Exit status 0 when a
    results file with a grade was written."""
    from grader import errors, runner
    from grader.exporters import gradescope_results as gradescope
    from grader.exporters import terminal as report
    from grader.exporters import terminal_safe
    from grader.sandbox.client import SandboxPolicy

    results_dir = os.path.join(root, "results")
    os.makedirs(results_dir, exist_ok=True)
    target = os.path.join(results_dir, "results.json")
    only = os.environ.get("GRADER_ONLY", "").split() or None
    disabled = frozenset(x for x in os.environ.get("GRADER_DISABLE_LAYERS", "").split(",") if x)
    timeout = float(os.environ.get("GRADER_SUBMISSION_TIMEOUT") or 300.0)
    started = time.monotonic()
    source = find_submission(os.path.join(root, "submission"))
    options = runner.GradeOptions(
        device="cpu",
        only=only,
        policy=SandboxPolicy(disabled=disabled, submission_timeout=timeout),
    )
    failure = ""
    try:
        [result] = runner.grade([source], options)  # returns after the zygote is closed
    except errors.GraderError as exc:
        failure = str(exc)
    # Only inside Gradescope's one-submission container: elsewhere (tests, a shared machine) the
    # sandbox uids may belong to another grader's children.
    sweep = os.path.realpath(root) == "/autograder" or os.environ.get("GRADER_SWEEP_SANDBOX_UIDS")
    leftovers: int | str = kill_sandbox_processes() if sweep else "not swept (not /autograder)"
    if failure:
        data = {
            "score": 0.0,
            "output": "The autograder itself failed (not your fault); your instructor has the "
            "details. Please tell them.",
            "extra_data": {"grader_error": failure, "gradable": False},
            "tests": [],
        }
        status = 1
    else:
        hidden = os.environ.get("GRADER_GRADESCOPE_HIDDEN") or gradescope.DEFAULT_HIDDEN_VISIBILITY
        data = gradescope.convert(result, hidden_visibility=hidden)
        data["extra_data"]["protections"]["leftover_processes_killed"] = leftovers
        # Not a proven layer (nothing to prove): every child always starts its own session.
        data["extra_data"]["protections"]["process_group"] = "own session and process group"
        data["execution_time"] = round(time.monotonic() - started)
        report.print_results(terminal_safe([result]), class_mode=False)
        status = 0
    tmp = target + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
    os.replace(tmp, target)
    print(f"wrote {target}" + (f" (grader error: {failure})" if failure else ""))
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.gradescope", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write autograder.zip for Gradescope")
    b.add_argument("--out", default=os.path.join(SOURCE_ROOT, "build", "gradescope"))
    b.add_argument("--torch-spec", default=os.environ.get("TORCH_SPEC") or DEFAULT_TORCH_SPEC)
    b.add_argument(
        "--torch-index-url",
        default=os.environ.get("GRADESCOPE_TORCH_INDEX_URL", DEFAULT_TORCH_INDEX_URL),
    )
    b.add_argument("--only", default="", help="sections or items to grade (space-separated)")
    b.add_argument("--submission-timeout", default="", help="seconds per submission (default 300)")
    b.add_argument(
        "--hidden-visibility",
        default="after_published",
        choices=["hidden", "after_due_date", "after_published", "visible"],
        help="when students see the hidden checks' tests (default after_published)",
    )
    r = sub.add_parser("run", help="grade the submission (what run_autograder does)")
    r.add_argument("--root", default=os.environ.get("GRADESCOPE_ROOT", "/autograder"))
    args = parser.parse_args(argv)
    if args.command == "build":
        if args.only:
            from grader import curriculum

            curriculum.select(args.only.split())  # fail at build time, not on Gradescope
        path = build(
            args.out,
            torch_spec=args.torch_spec,
            torch_index_url=args.torch_index_url,
            only=args.only,
            submission_timeout=args.submission_timeout,
            hidden_visibility=args.hidden_visibility,
        )
        print(
            f"wrote {path}: upload it as the assignment's autograder (Gradescope: Configure Autograder)"
        )
        return 0
    return run(args.root)


if __name__ == "__main__":
    sys.exit(main())
