"""The sealed observer (grader.observers) on its own, in a fresh interpreter (its gates
replace torch's mode-stack functions for the whole process): what it still sees, what it refuses
while sealed, and that torch works as before when nothing is sealed.

The sandbox's own layers (the audit hook refusing ``gi_frame``) are not active here; the
adversarial cases ``observer_*`` grade the same attacks end to end."""

from __future__ import annotations

import json
import subprocess
import textwrap
from typing import Any

import pytest
from support import PYTHON, REPO

SCENARIOS = textwrap.dedent(
    """
    import json
    import torch
    from torch import overrides
    from grader import observers

    observers.install()
    C = torch._C
    t = torch.ones(2, 2)


    def classify(record, func, args, kwargs):
        record.setdefault("seen", []).append(func.__name__ if hasattr(func, "__name__") else "?")
        return False, False


    def track(record, result, read):
        pass


    def sealed_run(fn):
        mode = observers.mode_class()()
        outcome = "returned"
        with observers.sealed(mode, classify, track) as record:
            try:
                fn()
            except observers.ObserverRefused:
                outcome = "refused"
            except Exception as error:
                outcome = f"raised {type(error).__name__}: {error}"
        return {
            "outcome": outcome,
            "seen": record.get("seen", []),
            "disturbed": record["disturbed"],
            "stack_after": C._len_torch_function_stack(),
        }


    def popped_temporarily():
        with overrides._pop_mode_temporarily():
            t.sum().item()


    def disabled():
        with C.DisableTorchFunction():
            t.sum().item()


    def in_device_context():
        with torch.device("cpu"):
            torch.zeros(2).sum().item()


    def visible_stack():
        global visible
        visible = [type(m).__name__ for m in overrides._get_current_function_mode_stack()]


    def keeper_called_directly():
        send = observers._SEND
        return send(("enter", None, torch.Tensor.item, (t,), {}))


    results = {
        "plain": sealed_run(lambda: t.sum().item()),
        "visible": (sealed_run(visible_stack), visible)[1],
        "length": sealed_run(lambda: C._len_torch_function_stack()),
        "get_at": sealed_run(lambda: C._get_function_stack_at(0)),
        "pop": sealed_run(lambda: C._pop_torch_function_stack()),
        "pop_mode": sealed_run(lambda: overrides._pop_mode()),
        "pop_temporarily": sealed_run(popped_temporarily),
        "disabled": sealed_run(disabled),
        "state": sealed_run(
            lambda: C._set_torch_function_state(C._TorchFunctionState.ALL_DISABLED)
        ),
        "skip_next": sealed_run(lambda: C._set_skip_next_torch_function(True)),
        "one_hop": sealed_run(
            lambda: C._skip_one_hop_torch_function(torch.Tensor.item, (), (t,), {})
        ),
        "handed_to_torch": sealed_run(
            lambda: overrides.handle_torch_function(lambda x: x.sum().item(), (t,), t)
        ),
        "device_context": sealed_run(in_device_context),
        "format": sealed_run(lambda: format(t.sum(), ".2f")),
        "keeper": sealed_run(lambda: print(keeper_called_directly())),
    }
    ok, refusal = keeper_called_directly()
    results["keeper_direct"] = [ok, type(refusal).__name__]

    # Nothing sealed: torch as before.
    with C.DisableTorchFunction():
        pass
    with torch.device("cpu"):
        results["unsealed_default_device"] = str(torch.get_default_device())
    results["unsealed_stack_after"] = C._len_torch_function_stack()
    print(json.dumps(results))
    """
)


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    proc = subprocess.run(
        [PYTHON, "-c", SCENARIOS], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_a_sealed_mode_sees_every_call(results: dict[str, Any]) -> None:
    assert results["plain"]["seen"] == ["sum", "item"]
    assert results["plain"]["disturbed"] == []


def test_a_sealed_mode_is_not_on_the_stack_python_sees(results: dict[str, Any]) -> None:
    assert results["visible"] == []
    assert results["get_at"]["outcome"].startswith("raised IndexError")


@pytest.mark.parametrize(
    "scenario", ["pop", "pop_mode", "pop_temporarily", "disabled", "state", "skip_next", "one_hop"]
)
def test_taking_it_off_or_switching_it_off_is_refused(
    results: dict[str, Any], scenario: str
) -> None:
    result = results[scenario]
    assert result["outcome"] == "refused", result
    assert "item" not in result["seen"]  # nothing ran unwatched either
    assert result["stack_after"] == 0


def test_code_torch_calls_back_is_watched_too(results: dict[str, Any]) -> None:
    """handle_torch_function hands the mode a function of the student's: its calls are seen."""
    assert results["handed_to_torch"]["outcome"] == "returned"
    assert "item" in results["handed_to_torch"]["seen"]
    assert "item" in results["format"]["seen"]  # __format__ reads with .item() inside


def test_a_device_context_inside_works_and_is_watched(results: dict[str, Any]) -> None:
    result = results["device_context"]
    assert result["outcome"] == "returned", result
    assert result["seen"][-3:] == ["zeros", "sum", "item"]
    assert result["disturbed"] == []
    assert result["stack_after"] == 0


def test_the_keeper_answers_only_the_observers_own_code(results: dict[str, Any]) -> None:
    assert results["keeper_direct"] == [False, "ObserverRefused"]


def test_nothing_changes_while_nothing_is_sealed(results: dict[str, Any]) -> None:
    assert results["unsealed_default_device"] == "cpu"
    assert results["unsealed_stack_after"] == 0
