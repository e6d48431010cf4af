"""Containment cost per child: a sandboxed child against a plain fork from the same zygote.

Starts two zygotes in this process (``grader.sandbox.client.Zygote``), waits until both have
imported torch, then times ``zygote.spawn("cpu", [submission folder])`` followed by
``child.stop()``, alternating between:

- the full ``SandboxPolicy()``: namespaces, pids cgroup, rlimits, no_new_privs, Landlock,
  capabilities, each proven by its canary before ``spawn`` returns;
- the baseline, ``SandboxPolicy(disabled=<every layer>, uid_drop="never")``: still forked from a
  warm zygote and still talking the same protocol, but with no containment;
- the full sandbox for a submission's later child (``spawn(..., proven=True)``): every layer and
  negative canary, without the positive canaries its first child already ran.

``spawn`` returns once the child has reported its layers; ``stop`` kills it without waiting, and
the zygote reaps it (and removes its cgroup) before it serves the next spawn, so that cost lands in
the next measured spawn. Prints the median milliseconds per child for each and the difference
(target ≤ 50 ms). A few unmeasured spawns of each come first.

``--per-layer`` adds, as a diagnostic, one later child per layer switch with only that layer
disabled (its own zygote, interleaved with the others round by round), and a full sandbox's
later child measured the same way: the difference of the medians is what the layer costs per
child (``guard`` is the grader's own: the grader modules hidden, the audit hook and tamper check
with their canaries). Differences of a few ms are within the noise of one run; compare runs.

    python bench/bench_spawn.py [--repeat N] [--per-layer]
"""

from __future__ import annotations

import os
import tempfile
import time

import common

TARGET_SECONDS = 0.050
WARMUP = 3


def main() -> int:
    options = common.parser(__doc__ or "", default_repeat=30)
    options.add_argument(
        "--per-layer",
        action="store_true",
        help="also time a later child with each layer disabled in turn (a diagnostic)",
    )
    args = options.parse_args()
    common.check_repeat(args.repeat)
    if not args.no_header:
        common.print_header()
    from grader.sandbox.client import LAYER_SWITCHES, SandboxPolicy, Zygote
    from grader.sandbox.guard import REPORTED_AS

    policies = {
        "plain fork": SandboxPolicy(disabled=frozenset(LAYER_SWITCHES), uid_drop="never"),
        "full sandbox": SandboxPolicy(),
    }
    without = list(LAYER_SWITCHES) if args.per_layer else []
    if without:
        # The later child above is spawned right after the full sandbox's first child was stopped
        # on the same zygote, so it pays for reaping that one: the layers are compared with a
        # full sandbox measured as they are, one child per zygote and round.
        policies["reference"] = SandboxPolicy()
    for layer in without:
        policies[f"without {layer}"] = SandboxPolicy(disabled=frozenset([layer]))
    zygotes = {name: Zygote(policy) for name, policy in policies.items()}
    # (row, zygote, proven): the later child comes from the full sandbox's zygote.
    kinds = [("plain fork", "plain fork", False), ("full sandbox", "full sandbox", False)]
    kinds.append(("later child", "full sandbox", True))
    if without:
        kinds.append(("reference", "reference", True))
    kinds.extend((f"without {layer}", f"without {layer}", True) for layer in without)
    times: dict[str, list[float]] = {row: [] for row, _, _ in kinds}
    layers: dict[str, dict[str, str]] = {}
    try:
        for zygote in zygotes.values():
            zygote.start()  # both import torch at once
        for zygote in zygotes.values():
            zygote.ready()
        with tempfile.TemporaryDirectory(prefix="bench-spawn-student-") as student:
            with open(os.path.join(student, "modules.py"), "w") as f:
                f.write("# a submission folder to hide, as SandboxTransport does\n")
            hide = [student]
            for round_ in range(WARMUP + args.repeat):
                for row, name, proven in kinds:
                    zygote = zygotes[name]
                    started = time.perf_counter()
                    child = zygote.spawn("cpu", hide, proven=proven)
                    child.stop()
                    elapsed = time.perf_counter() - started
                    layers[row] = child.layers
                    if round_ >= WARMUP:
                        times[row].append(elapsed)
    except Exception as exc:
        common.print_row("child spawn+stop", "failed", 0, f"{type(exc).__name__}: {exc}")
        return 1
    finally:
        for zygote in zygotes.values():
            zygote.close()
    plain = common.median(times["plain fork"])
    full = common.median(times["full sandbox"])
    later = common.median(times["later child"])
    reported = layers["full sandbox"]
    active = sum(1 for value in reported.values() if value == "active")
    # The guard switch is reported as three layers (one canary each): it is active if all are.
    inactive = sorted(
        name
        for name in LAYER_SWITCHES
        if any(
            reported.get(key, "missing") != "active"
            for key in (REPORTED_AS if name == "guard" else (name,))
        )
    )
    common.print_row(
        "child spawn+stop, plain fork (no layers)", common.millis(plain), args.repeat, "baseline"
    )
    common.print_row(
        "child spawn+stop, full sandbox",
        common.millis(full),
        args.repeat,
        f"+{common.millis(full - plain)} per child; "
        + common.verdict(full - plain, TARGET_SECONDS, "50 ms")
        + f"; {active} layers active"
        + (f" (not: {', '.join(inactive)})" if inactive else ""),
    )
    common.print_row(
        "child spawn+stop, full sandbox, later child",
        common.millis(later),
        args.repeat,
        f"+{common.millis(later - plain)} per child; positive canaries skipped (proven)",
    )
    if without:
        reference = common.median(times["reference"])
        common.print_row(
            "later child, one per zygote and round",
            common.millis(reference),
            args.repeat,
            f"reference for the rows below; {common.millis(later - reference)} less than the "
            "later child above (reaping the child before it)",
        )
        for layer in without:
            alone = common.median(times[f"without {layer}"])
            common.print_row(
                f"later child without {layer}",
                common.millis(alone),
                args.repeat,
                f"the layer costs {common.millis(reference - alone)} per child",
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
