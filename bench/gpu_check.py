"""The GPU path, end to end, in minutes, on a machine whose python3 already has a CUDA build of
torch with pytest, hypothesis and rich (nothing is installed; PYTHONPATH is the checkout):

    GPU_CHECK_OUT=out/ make gpu-check        # or: PYTHONPATH=. python3 bench/gpu_check.py

1. the machine: torch, CUDA, the devices;
2. the solutions graded with --device cuda, one student per section (so each section's time is
   its own line) plus one with every section;
3. a short mutant catalogue on CUDA (the GPU section's mutants and variants, one mutant of every
   other section): each mutant must lose points on its own item only, each variant keep full marks;
4. tests/test_devices.py (CUDA untouched by the zygote; the solutions in full on the GPU);
5. the sandbox layers active in the children, and the peak GPU memory of every child
   (nvidia-smi, polled).

Writes gpu_check.json and gpu_check.log to $GPU_CHECK_OUT (default build/gpu-check) and exits 0
only if everything held. Every step has a time limit; a step that fails is reported and the
next one still runs.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SECTIONS = (
    "modules",
    "parameters",
    "initialization",
    "lazy",
    "layers",
    "tying",
    "serialization",
    "gpus",
)
OUT = Path(os.environ.get("GPU_CHECK_OUT") or REPO / "build" / "gpu-check")
LOG: list[str] = []


def say(text: str = "") -> None:
    print(text, flush=True)
    LOG.append(text)


def run(args: list[str], timeout: float, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = time.monotonic()
    try:
        proc = subprocess.run(
            args, cwd=REPO, capture_output=True, text=True, timeout=timeout, env=env, **kwargs
        )
    except subprocess.TimeoutExpired as exc:
        say(f"  !! {' '.join(args[:6])} ... timed out after {timeout:g} s")
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        return subprocess.CompletedProcess(args, 124, out, err)
    say(f"  ({time.monotonic() - started:.1f} s, exit {proc.returncode})")
    return proc


class GpuMemory:
    """Peak GPU memory per process, from nvidia-smi polled in the background."""

    def __init__(self) -> None:
        self.peak: dict[int, int] = {}
        self.stop = threading.Event()
        self.available = shutil.which("nvidia-smi") is not None
        self.thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        query = [
            "nvidia-smi",
            "--query-compute-apps=pid,used_memory",
            "--format=csv,noheader,nounits",
        ]
        while not self.stop.is_set():
            try:
                text = subprocess.run(query, capture_output=True, text=True, timeout=5).stdout
            except (OSError, subprocess.TimeoutExpired):
                return
            for line in text.splitlines():
                parts = [p.strip() for p in line.split(",")]
                if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
                    pid, mib = int(parts[0]), int(parts[1])
                    self.peak[pid] = max(self.peak.get(pid, 0), mib)
            self.stop.wait(0.25)

    def __enter__(self) -> GpuMemory:
        if self.available:
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        if self.available:
            self.thread.join(timeout=10)


def machine() -> dict[str, Any]:
    code = (
        "import json, torch; c = torch.cuda.is_available(); print(json.dumps({'torch': torch.__version__, "
        "'cuda': c, 'cuda_version': torch.version.cuda, 'devices': [torch.cuda.get_device_name(i) "
        "for i in range(torch.cuda.device_count())] if c else []}))"
    )
    proc = run([sys.executable, "-c", code], 120)
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"error": proc.stderr[-2000:]}


def solutions_class(root: Path) -> Path:
    folder = root / "solutions-class"
    for section in SECTIONS:
        student = folder / f"section-{section}"
        student.mkdir(parents=True)
        shutil.copy(REPO / "solutions" / f"{section}.py", student / f"{section}.py")
    everything = folder / "all-sections"
    everything.mkdir()
    for section in SECTIONS:
        shutil.copy(REPO / "solutions" / f"{section}.py", everything / f"{section}.py")
    return folder


def _metadata(path: Path) -> dict[str, Any]:
    values = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id.isupper():
                try:
                    values[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    pass
    return values


def catalogue_class(root: Path) -> tuple[Path, dict[str, dict[str, Any]]]:
    """Students: every solution section, one of them with a mutant's or variant's code appended."""
    folder = root / "catalogue"
    cases: dict[str, dict[str, Any]] = {}
    chosen: list[tuple[str, Path]] = []
    for section in SECTIONS:
        mutants = sorted((REPO / "tests" / "mutants" / section).glob("*.py"))
        chosen += [("mutant", p) for p in (mutants if section == "gpus" else mutants[:1])]
    chosen += [("variant", p) for p in sorted((REPO / "tests" / "variants" / "gpus").glob("*.py"))]
    for kind, path in chosen:
        section = path.parent.name
        name = f"{kind}-{section}-{path.stem}"
        student = folder / name
        student.mkdir(parents=True)
        for other in SECTIONS:
            text = (REPO / "solutions" / f"{other}.py").read_text()
            if other == section:
                text += "\n\n" + path.read_text()
            (student / f"{other}.py").write_text(text)
        cases[name] = {"kind": kind, "section": section, **_metadata(path)}
    return folder, cases


def grade(folder: Path, out: Path, workers: int, timeout: float) -> dict[str, Any] | None:
    proc = run(
        [
            sys.executable,
            "-m",
            "grader",
            "grade",
            str(folder),
            "--device",
            "cuda",
            "--workers",
            str(workers),
            "--json",
            str(out),
        ],
        timeout,
    )
    if proc.returncode not in (0, 3) or not out.exists():
        say(f"  !! grading failed:\n{proc.stderr[-3000:]}")
        return None
    if proc.returncode == 3:
        say(f"  !! the grader reported its own failures:\n{proc.stderr[-3000:]}")
    return {s["submission"]: s for s in json.loads(out.read_text())["submissions"]}


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"problems": []}
    started = time.monotonic()
    say("== machine")
    report["machine"] = machine()
    say(f"  {report['machine']}")
    if not report["machine"].get("cuda"):
        report["problems"].append("no CUDA device visible to torch")
    root = Path(tempfile.mkdtemp(prefix="gpu-check-"))
    with GpuMemory() as memory:
        say("== solutions, one student per section, --device cuda")
        results = grade(solutions_class(root), OUT / "solutions.json", 1, 300)
        if results is None:
            report["problems"].append("grading the solutions failed")
        else:
            sections = {}
            for name, result in results.items():
                sections[name] = {
                    "score": result["score"],
                    "max_score": result["max_score"],
                    "seconds": result["timing"]["seconds"],
                    "children": result["sandbox"].get("children"),
                }
                mark = "ok" if result["score"] == result["max_score"] > 0 else "!!"
                say(
                    f"  {mark} {name:28} {result['score']:g}/{result['max_score']:g} "
                    f"in {result['timing']['seconds']:.2f} s, {result['sandbox'].get('children')} children"
                )
                if mark == "!!":
                    lost = [
                        (e["id"], e["status"], e["message"][:200])
                        for e in result["exercises"]
                        if e["score"] != e["max_score"]
                    ]
                    report["problems"].append(f"{name}: solutions lost points {lost}")
                    for e in result["exercises"]:
                        for c in e["checks"]:
                            if not c["passed"] and c["kind"] != "skipped":
                                say(
                                    f"     {e['id']} {c['name']}: {c['kind']}: {c['feedback'][:400]}"
                                )
            report["sections"] = sections
            layers = next(iter(results.values()))["sandbox"].get("layers", {})
            report["layers"] = layers
            say("  layers: " + ", ".join(f"{k}={v}" for k, v in layers.items()))
            skipped = [
                c["name"]
                for r in results.values()
                for e in r["exercises"]
                for c in e["checks"]
                if c["kind"] == "skipped"
            ]
            if skipped:
                report["problems"].append(f"checks skipped on CUDA: {sorted(set(skipped))}")
        say("== short mutant catalogue, --device cuda")
        folder, cases = catalogue_class(root)
        results = grade(folder, OUT / "catalogue.json", 2, 360)
        verdicts = {}
        if results is None:
            report["problems"].append("grading the catalogue failed")
        else:
            for name, meta in cases.items():
                result = results.get(name)
                items = {e["id"]: e for e in result["exercises"]} if result else {}
                lost = sorted(i for i, e in items.items() if e["score"] != e["max_score"])
                if meta["kind"] == "variant":
                    ok = not lost
                else:
                    target = meta.get("TARGET")
                    ok = lost == [target] or (
                        lost
                        and target in lost
                        and all(i.split(".")[0] == meta["section"] for i in lost)
                    )
                verdicts[name] = {"ok": bool(ok), "lost": lost, "target": meta.get("TARGET")}
                say(f"  {'ok' if ok else '!!'} {name:50} lost {lost}")
                if not ok:
                    report["problems"].append(f"{name}: lost {lost}, target {meta.get('TARGET')}")
        report["catalogue"] = verdicts
        say("== tests/test_devices.py")
        proc = run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:randomly",
                "-p",
                "no:cacheprovider",
                "tests/test_devices.py",
            ],
            240,
        )
        say("  " + "\n  ".join(proc.stdout.strip().splitlines()[-5:]))
        if proc.returncode != 0:
            report["problems"].append("tests/test_devices.py failed")
            say(proc.stdout[-3000:])
    report["gpu_memory_mib_per_process"] = memory.peak
    if memory.peak:
        say(
            f"== peak GPU memory per process (MiB): max {max(memory.peak.values())}, "
            f"{len(memory.peak)} processes: {sorted(memory.peak.values())}"
        )
    else:
        say("== peak GPU memory: nvidia-smi gave nothing")
    report["seconds"] = round(time.monotonic() - started, 1)
    say(f"== {report['seconds']} s; problems: {len(report['problems'])}")
    for problem in report["problems"]:
        say(f"  - {problem}")
    (OUT / "gpu_check.json").write_text(json.dumps(report, indent=2, default=str))
    (OUT / "gpu_check.log").write_text("\n".join(LOG) + "\n")
    shutil.rmtree(root, ignore_errors=True)
    return 0 if not report["problems"] else 1


if __name__ == "__main__":
    sys.exit(main())
