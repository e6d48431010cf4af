"""The pytest plugin that turns ``grader/checks`` into a grader: its hooks and options only.

What the hooks use lives beside it: the ``@check`` marker (grader/marker.py), the run's state
(grader/session.py), the shrink budget and starting over (grader/shrinking.py), and turning a
check's outcome into its result (grader/verdicts.py).

A check is a test tagged ``@check("modules.MySequential", points=2, visibility="hidden")``. It takes
the ``submission`` fixture, which is parametrized over every submission being graded and scoped to
the session, so pytest runs all checks of one submission before moving to the next (one child
process per submission, closed when its last check is done). Results leave through
``pytest_runtest_makereport`` as data, never scraped from output.

Used by ``python -m grader`` (which passes a configured ``GradingSession``), or directly::

    python -m pytest -p grader.plugin grader/checks --grader-submission solutions
"""

from __future__ import annotations

import functools
import json
import os
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, Verbosity, settings

from grader import curriculum, errors, frameworks, replay
from grader.marker import MARKER, check, check_spec
from grader.results import Check
from grader.session import PROFILES, SESSION_KEY, GradingSession
from grader.shrinking import (
    RUNNING,
    SHRINK_BUDGET,
    Budget,
    StartOver,
    StopShrinking,
    budget_body,
    budgeted_body,
)
from grader.submission import Submission
from grader.verdicts import MSG_GRADER_ERROR, check_result

__all__ = ["MSG_GRADER_ERROR", "SHRINK_BUDGET", "check"]  # what checks and tests import from here

# Help strings: shared by the command line and ini options.
HELP_SUBMISSION = "folder to grade: one submission, or a class folder of student folders"
HELP_DEVICE = "device the checks run on: cpu, cuda or auto (cuda when available)"
HELP_PROFILE = (
    "hypothesis profile: 'grade' (derandomized, reproducible) or 'check' (fresh random examples)"
)
HELP_SEED = "base seed for the 'check' profile (each check adds crc32 of its name)"
HELP_VISIBILITY = "which checks run: all, or public (self-study)"
HELP_TRANSPORT = (
    "sandbox (default: the submission runs in a contained child) or in-process (unprotected)"
)
HELP_JSON = "write the results to this file as JSON (standalone use)"

# Messages (tests match these constants, never their wording).
MSG_UNMARKED = "has no @check(...) marker: every check must say what it grades"
MSG_NO_SUBMISSION = "give the folder to grade with --grader-submission PATH"
MSG_NEEDS_CUDA = "needs a CUDA device; grading ran on the CPU"

# Settings for every check. Under 'grade' examples are drawn from the seed recorded for each check
# (grade_seed), so every student sees the same inputs and regrading gives the same result.
_COMMON = {
    # No "explain" phase: it reruns a failing check many times to annotate the example, which the
    # feedback does not use. No "reuse"/"target": there is no database, and checks set no targets.
    "phases": (Phase.explicit, Phase.generate, Phase.shrink),
    "database": None,
    "deadline": None,
    "print_blob": False,
    "report_multiple_bugs": False,
    "suppress_health_check": list(HealthCheck),
    "verbosity": Verbosity.quiet,
}
settings.register_profile("grade", derandomize=True, **_COMMON)
settings.register_profile("check", derandomize=False, **_COMMON)


# -- options -------------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("grader", "Builders' Guide grader")
    group.addoption("--grader-submission", default=None, help=HELP_SUBMISSION)
    group.addoption(
        "--grader-device", default=None, choices=["cpu", "cuda", "auto"], help=HELP_DEVICE
    )
    group.addoption("--grader-profile", default=None, choices=list(PROFILES), help=HELP_PROFILE)
    group.addoption("--grader-seed", default=None, type=int, help=HELP_SEED)
    group.addoption(
        "--grader-visibility", default=None, choices=["all", "public"], help=HELP_VISIBILITY
    )
    group.addoption(
        "--grader-transport", default=None, choices=["sandbox", "in-process"], help=HELP_TRANSPORT
    )
    group.addoption("--grader-json", default=None, help=HELP_JSON)
    parser.addini("grader_device", HELP_DEVICE, default="cpu")
    parser.addini("grader_profile", HELP_PROFILE, default="grade")


def _setting(config: pytest.Config, name: str, choices: tuple[str, ...]) -> str:
    """CLI > ini > default, with a message that says where a bad value came from."""
    value = config.getoption(f"--grader-{name}")
    where = f"--grader-{name}"
    if value is None:
        value = config.getini(f"grader_{name}")
        where = f"ini option grader_{name}"
    if value not in choices:
        raise pytest.UsageError(f"{where}={value!r}: choose one of {', '.join(choices)}")
    return value


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}(item, points, visibility, gpu_only): a graded check"
    )
    session = config.stash.get(SESSION_KEY, None)
    if session is None:
        session = _standalone_session(config)
        config.stash[SESSION_KEY] = session
        config._grader_standalone = True  # type: ignore[attr-defined]
    settings.load_profile(session.profile)


def _standalone_session(config: pytest.Config) -> GradingSession:
    from grader import sources
    from grader.opener import TransportOpener, resolve_device
    from grader.policy import SandboxPolicy

    path = config.getoption("--grader-submission")
    if not path:
        raise pytest.UsageError(MSG_NO_SUBMISSION)
    try:
        _, submissions = sources.discover(path)
    except FileNotFoundError:
        raise pytest.UsageError(f"--grader-submission: {path} does not exist") from None
    device = resolve_device(_setting(config, "device", ("cpu", "cuda", "auto")))
    transport = config.getoption("--grader-transport") or "sandbox"
    opener = TransportOpener(transport, device)
    config._grader_cleanup = opener  # type: ignore[attr-defined]
    return GradingSession(
        submissions,
        opener,
        device=device,
        profile=_setting(config, "profile", PROFILES),
        visibility=config.getoption("--grader-visibility") or "all",
        seed=config.getoption("--grader-seed") or 0,
        submission_budget=SandboxPolicy().submission_timeout,
    )


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    path = config.getoption("--grader-json", None)
    if not path or not is_standalone(config):
        return
    from grader.results import write_json

    grading = config.stash[SESSION_KEY]
    finished = [grading.results[name] for name in grading.order if name in grading.results]
    if finished:
        write_json(path, finished, class_mode=len(grading.order) > 1)


def pytest_unconfigure(config: pytest.Config) -> None:
    opener = getattr(config, "_grader_cleanup", None)
    if opener is not None and hasattr(opener, "close"):
        opener.close()


def pytest_report_header(config: pytest.Config) -> list[str]:
    session = config.stash[SESSION_KEY]
    seed = "recorded per check" if session.profile == "grade" else str(session.seed)
    transport = getattr(session.open_transport, "kind", "custom")
    return [
        f"grader: profile={session.profile} seed={seed} device={session.device} "
        f"transport={transport} submissions={len(session.order)} visibility={session.visibility}",
        "grader: containment layers are proven per child and recorded in each result's 'sandbox'",
    ]


# -- collection ----------------------------------------------------------------------------------


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "submission" in metafunc.fixturenames:
        session = metafunc.config.stash[SESSION_KEY]
        metafunc.parametrize(
            "submission", session.order, indirect=True, ids=session.order, scope="session"
        )


@pytest.fixture(scope="session")
def submission(request: pytest.FixtureRequest) -> Iterator[Submission]:
    session = request.config.stash[SESSION_KEY]
    name = request.param
    handle = session.open(name)
    try:
        yield handle
    finally:
        session.finish(name)


@pytest.hookimpl(trylast=True)  # after pytest has grouped the items by submission
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    grading = config.stash[SESSION_KEY]
    keep, drop = [], []
    for item in items:
        marker = item.get_closest_marker(MARKER)
        if marker is None:
            raise pytest.UsageError(f"{item.nodeid} {MSG_UNMARKED}")
        spec = check_spec(item.function, marker)  # type: ignore[attr-defined]
        checks = grading.registered.setdefault(spec.item, [])
        if all(c.name != spec.name for c in checks):
            checks.append(spec)
        item.stash[CHECK_KEY] = spec
        wanted = spec.item in grading.selected and (
            grading.visibility == "all" or spec.visibility == "public"
        )
        (keep if wanted else drop).append(item)
    if grading.visibility == "public":
        for item_id, checks in list(grading.registered.items()):
            grading.registered[item_id] = [c for c in checks if c.visibility == "public"]
    if drop:
        config.hook.pytest_deselected(items=drop)
    items[:] = _public_first(keep)
    for item in keep:
        function = getattr(item, "obj", None)
        if function is None or not hasattr(function, "hypothesis"):
            continue
        if grading.profile == "check":
            spec = item.stash[CHECK_KEY]
            frameworks.fix_seed(function, grading.seed + zlib.crc32(spec.name.encode()))
        elif frameworks.fixed_seed(function) is None:
            # 'grade': one seed per check, fixed once (see grade_seed). Left to hypothesis it
            # would be derived at each call from the test as called then, which includes the
            # parametrized node id (the submission's name or slot) and our shrink-budget wrapper:
            # examples would then depend on who is graded where in the class.
            frameworks.fix_seed(function, grade_seed(item.stash[CHECK_KEY].name))
        frameworks.no_example_database(function)


SEEDS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "checks", "seeds.json")
"""The seed each check's examples are drawn from under ``grade``, recorded per check name."""


@functools.cache
def _recorded_seeds() -> dict[str, int]:
    try:
        with open(SEEDS_FILE, encoding="utf-8") as f:
            return {name: int(value, 16) for name, value in json.load(f).items()}
    except FileNotFoundError:  # the student package: its 'check' profile draws its own seeds
        return {}


def grade_seed(check_name: str) -> int:
    """The seed a check's examples are drawn from under ``grade``: the one recorded for it in
    grader/checks/seeds.json (what hypothesis derived from the check's source when it was
    recorded), else crc32 of its name. Never its source as it is now: editing a check (its
    docstring, a helper's name) must not change the examples every submission is graded on."""
    recorded = _recorded_seeds().get(check_name)
    return recorded if recorded is not None else zlib.crc32(check_name.encode())


CHECK_KEY = pytest.StashKey[Check]()
PHASES = ("public", "hidden")
"""The order of a submission's checks: every public one, then every hidden one, each phase in a
process of its own, so nothing a hidden check showed the code can reach public feedback."""


def _public_first(items: list[pytest.Item]) -> list[pytest.Item]:
    """Each submission's checks in PHASES order; submissions, and checks within a phase, keep
    their order."""
    slots: dict[Any, int] = {}

    def key(pair: tuple[int, pytest.Item]) -> tuple[int, int, int]:
        position, item = pair
        callspec = getattr(item, "callspec", None)
        slot = callspec.params.get("submission") if callspec is not None else None
        spec = item.stash.get(CHECK_KEY, None)
        phase = PHASES.index(spec.visibility) if spec is not None else 0
        return (slots.setdefault(slot, len(slots)), phase, position)

    return [item for _, item in sorted(enumerate(items), key=key)]


# -- running -------------------------------------------------------------------------------------


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """The check runs under its submission's watchdog (Submission.watchdog)."""
    handle = getattr(item, "funcargs", {}).get("submission")
    if item.stash.get(CHECK_KEY, None) is None or not isinstance(handle, Submission):
        yield
        return
    with handle.watchdog():
        yield


@pytest.hookimpl(tryfirst=True, specname="pytest_runtest_call")
def pytest_runtest_call_start(item: pytest.Item) -> None:
    """Before the check's body: skip it, or begin it (poison cleared, shrink budget, replay
    recorder, its section loaded)."""
    spec = item.stash.get(CHECK_KEY, None)
    handle = getattr(item, "funcargs", {}).get("submission")
    if spec is None or handle is None:
        return
    grading = item.config.stash[SESSION_KEY]
    if spec.gpu_only and not grading.device.startswith("cuda"):
        pytest.skip(MSG_NEEDS_CUDA)
    handle.begin_check(
        spec.visibility,
        final=spec.visibility == PHASES[-1] or grading.visibility == "public",
    )
    RUNNING.budget = Budget(SHRINK_BUDGET)
    RUNNING.recorder = None
    budget_body(getattr(item, "obj", None))
    key = _replay_key(grading, item)
    if key is not None and replay.recorded(key) is None:
        RUNNING.recorder = replay.Recorder(key, frameworks.fixture_names(item))
    handle.load(curriculum.ITEMS_BY_ID[spec.item].section)


def _replay_key(grading: GradingSession, item: pytest.Item) -> replay.Key | None:
    """Which recording this check's examples belong to; None where replay does not apply."""
    if not grading.replay or grading.profile != "grade":
        return None  # 'check' draws fresh examples on purpose
    if not hasattr(getattr(item, "obj", None), "hypothesis"):
        return None
    module = getattr(getattr(item, "module", None), "__name__", "")
    return (module, getattr(item, "originalname", item.name), grading.device)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run a check: replayed when its examples are recorded (grader/replay.py), else under
    hypothesis; a failure is always decided in a process that ran nothing before this check.

    The process a check starts in has usually served earlier checks, and a submission's code can
    behave differently the second time (state kept in its module). So the first failure met in
    such a process (a replayed example that does not pass, or a failure while hypothesis
    generates) ends that attempt, and the check runs again under hypothesis in a new process with
    only its section imported. A failure met in a new process is final. Grades then never depend
    on what ran before in the process, nor on who was graded before (replay or not)."""
    spec = pyfuncitem.stash.get(CHECK_KEY, None)
    handle = pyfuncitem.funcargs.get("submission")
    if spec is None or not isinstance(handle, Submission):
        return None
    grading = pyfuncitem.config.stash[SESSION_KEY]
    section = curriculum.ITEMS_BY_ID[spec.item].section
    key = _replay_key(grading, pyfuncitem)
    examples = replay.recorded(key) if key is not None else None
    inner = budgeted_body(pyfuncitem.obj)
    if examples is not None and inner is not None:
        fixtures = {
            name: pyfuncitem.funcargs[name] for name in frameworks.fixture_names(pyfuncitem)
        }
        verdict = replay.replay(inner, fixtures, examples)
        if verdict is not False:
            callspec = getattr(pyfuncitem, "callspec", None)
            name = callspec.params.get("submission") if callspec else None
            if name is not None:
                grading.note_replayed(name)
            if (
                verdict is not True
            ):  # terminal: what the hypothesis run would end with (shrinking.budgeted)
                raise StopShrinking(verdict)
            return True
        if not handle.pristine:
            handle.start_over(section)
    testargs = {name: pyfuncitem.funcargs[name] for name in frameworks.fixture_names(pyfuncitem)}
    fresh = handle.pristine
    if RUNNING.budget is not None:
        RUNNING.budget.start_over = not fresh
        RUNNING.budget.inherited = lambda: handle.inherited
    try:
        pyfuncitem.obj(**testargs)
    except StartOver:
        _again(handle, section, pyfuncitem)
        pyfuncitem.obj(**testargs)
    except errors.GradingFailure as failure:  # a check without hypothesis
        if (
            failure.terminal
            or (fresh and not handle.inherited)
            or hasattr(pyfuncitem.obj, "hypothesis")
        ):
            raise
        _again(handle, section, pyfuncitem)
        pyfuncitem.obj(**testargs)
    return True


def _again(handle: Submission, section: str, item: pytest.Function) -> None:
    """Prepare a check's second attempt: a new process, a fresh shrink budget and recorder."""
    handle.start_over(section)
    RUNNING.budget = Budget(SHRINK_BUDGET)
    key = _replay_key(item.config.stash[SESSION_KEY], item)
    RUNNING.recorder = (
        replay.Recorder(key, frameworks.fixture_names(item))
        if key is not None and replay.recorded(key) is None
        else None
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    spec = item.stash.get(CHECK_KEY, None)
    if spec is None:
        return
    if report.when == "call" and RUNNING.recorder is not None:
        if report.passed:
            RUNNING.recorder.keep()
        RUNNING.recorder = None
    if report.when == "call" or (report.when == "setup" and not report.passed):
        callspec = getattr(item, "callspec", None)
        name = callspec.params.get("submission") if callspec else None
        if name is None:
            return
        grading = item.config.stash[SESSION_KEY]
        handle = getattr(item, "funcargs", {}).get("submission")
        grading.record(name, check_result(grading, spec, call, report, handle))


def is_standalone(config: pytest.Config) -> bool:
    return bool(getattr(config, "_grader_standalone", False))
