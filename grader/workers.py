"""Grading a class folder: worker processes dealt one submission at a time, a journal, resuming.

Each worker is a fresh ``spawn``ed process (never a fork of a process that has imported torch) with
its own warm zygote and one pytest collection for many submissions. Submissions are dealt
dynamically: a worker asks for the next one when it starts on a new slot, so a slow submission
holds up one worker only, and every result comes back the moment that submission is done.

Workers exchange only plain data with this process (submission sources out, result JSON back),
never anything from a child. A worker that dies (it should not: student code runs in sandboxed
children) has its submissions dealt again once to a new worker; a second death makes that
submission's result say so instead of taking the class run down.

The journal (JSON lines, one finished result per line, next to the ``--json`` file) is appended
and flushed as each result arrives, so an interrupted run loses nothing already graded. Each line
carries a fingerprint of the grader (version, check and probe sources, grading options) and of the
submission's files; ``--resume`` reuses exactly the lines whose fingerprints still match.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import queue
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

from grader import __version__, errors
from grader.results import SubmissionResult, build_submission_result, grader_failed
from grader.runner import GradeOptions, grade, grade_feed
from grader.sources import SubmissionSource

GRADER_DIR = os.path.dirname(os.path.abspath(__file__))

# How often the dealer looks at its workers when no message arrives (seconds).
POLL = 0.5
# A worker's submissions are dealt again this many times after the worker died on them.
MAX_ATTEMPTS = 2
MSG_WORKER_DIED = (
    "grading stopped: the grader's worker process died twice while grading this submission "
    "(its sandboxed code should not be able to cause that); your instructor has the details"
)


# -- fingerprints and the journal ----------------------------------------------------------------


def grader_fingerprint(options: GradeOptions) -> str:
    """Digest of what decides a result: the version, the checks and probes of the sections graded,
    and the options. (Engine changes are covered by the version only.)"""
    from grader import curriculum

    digest = hashlib.sha256(__version__.encode())
    sections = sorted({item.section for item in curriculum.select(options.only)})
    files = ["checks/__init__.py", "checks/pytest.ini", "probes/__init__.py"]
    for section in sections:
        files += [f"checks/test_{section}.py", f"probes/{section}.py"]
    for name in files:
        digest.update(name.encode())
        try:
            with open(os.path.join(GRADER_DIR, name), "rb") as f:
                digest.update(hashlib.sha256(f.read()).digest())
        except FileNotFoundError:
            digest.update(b"\0missing")
    settings = asdict(options)
    # The device as grading resolves it: "auto" is "cuda" on one machine and "cpu" on another,
    # and a result graded on one must not be reused for the other.
    from grader.runner import resolve_device

    settings["device"] = resolve_device(options.device)
    settings["policy"]["disabled"] = sorted(options.policy.disabled)
    del settings["replay"]  # changes the speed, never a result
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:32]


def submission_fingerprint(source: SubmissionSource) -> str:
    """Digest of what was read from a submission (texts and problems, per section)."""
    digest = hashlib.sha256(source.name.encode())
    for section in sorted(source.sections):
        file = source.sections[section]
        digest.update(f"\0{section}\0{file.filename}\0{file.problem or ''}\0".encode())
        digest.update((file.text or "").encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


def journal_path_for(json_path: str) -> str:
    """``results.json`` -> ``results.journal.jsonl`` (same folder)."""
    base = json_path[:-5] if json_path.endswith(".json") else json_path
    return base + ".journal.jsonl"


class Journal:
    """Append-only JSON lines of finished results; each line survives a crash of the grader."""

    def __init__(self, path: str, grader: str, *, resume: bool) -> None:
        self.path = path
        self.grader = grader
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.previous: dict[tuple[str, str], dict[str, Any]] = {}
        if resume:
            self.previous = self._read()
        self._file = open(path, "a" if resume else "w", encoding="utf-8")

    def _read(self) -> dict[tuple[str, str], dict[str, Any]]:
        found: dict[tuple[str, str], dict[str, Any]] = {}
        try:
            with open(self.path, encoding="utf-8") as f:
                for line in f:
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        continue  # a line cut short by the interruption
                    if isinstance(entry, dict) and entry.get("grader") == self.grader:
                        found[(entry.get("submission", ""), entry.get("source", ""))] = entry
        except FileNotFoundError:
            pass
        return found

    def reusable(self, source: SubmissionSource) -> SubmissionResult | None:
        """The journalled result of this very submission under this very grader, if any."""
        entry = self.previous.get((source.name, submission_fingerprint(source)))
        if entry is None:
            return None
        try:
            result = SubmissionResult.from_json(entry["result"])
        except (KeyError, TypeError, ValueError):
            return None
        # A result the grader itself failed on is graded again, never reused.
        return None if grader_failed(result) else result

    def append(self, source: SubmissionSource, result: SubmissionResult) -> None:
        entry = {
            "grader": self.grader,
            "submission": source.name,
            "source": submission_fingerprint(source),
            "result": result.to_json(),
        }
        self._file.write(json.dumps(entry, sort_keys=True) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()


# -- the class run -------------------------------------------------------------------------------


def grade_class(
    submissions: Sequence[SubmissionSource],
    options: GradeOptions,
    *,
    workers: int = 1,
    journal: str | None = None,
    resume: bool = False,
    on_result: Callable[[SubmissionResult, bool], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> list[SubmissionResult]:
    """Grade a class; results in the order of ``submissions``.

    ``on_result(result, reused)`` is called as each result is known (``reused``: taken from the
    journal by ``resume``). Once ``cancelled()`` is true (Ctrl-C), results still arriving may have
    been cut short: they are neither journalled nor reported. Raises GraderError if grading could
    not run.
    """
    book = Journal(journal, grader_fingerprint(options), resume=resume) if journal else None
    results: dict[str, SubmissionResult] = {}
    todo: list[SubmissionSource] = []
    try:
        for source in submissions:
            reused = book.reusable(source) if book is not None else None
            if reused is not None:
                results[source.name] = reused  # its journal line stays where it is
                if on_result is not None:
                    on_result(reused, True)
            else:
                todo.append(source)
        by_name = {s.name: s for s in todo}

        def finished(result: SubmissionResult) -> None:
            if cancelled is not None and cancelled():
                return
            results[result.submission] = result
            if book is not None:
                book.append(by_name[result.submission], result)
            if on_result is not None:
                on_result(result, False)

        if todo:
            grade_in_parallel(todo, options, workers, on_result=finished)
    finally:
        if book is not None:
            book.close()
    return [results[s.name] for s in submissions]


def grade_in_parallel(
    submissions: Sequence[SubmissionSource],
    options: GradeOptions,
    workers: int,
    *,
    on_result: Callable[[SubmissionResult], None] | None = None,
) -> list[SubmissionResult]:
    """Grade with ``workers`` processes; results in the order of ``submissions``, each also passed
    to ``on_result`` the moment it is done."""
    workers = max(1, min(workers, len(submissions)))
    if workers == 1:
        return grade(list(submissions), options, on_result=on_result)
    dealer = _Dealer(list(submissions), options, workers, on_result)
    return dealer.run()


class _Dealer:
    """The parent's side: deals submissions to workers on request, collects results as they come."""

    def __init__(
        self,
        submissions: list[SubmissionSource],
        options: GradeOptions,
        workers: int,
        on_result: Callable[[SubmissionResult], None] | None,
    ) -> None:
        self.submissions = submissions
        self.options = options
        self.workers = workers
        self.on_result = on_result
        self.context = multiprocessing.get_context("spawn")
        self.inbox: Any = self.context.Queue()
        self.pending = list(range(len(submissions)))
        self.pending.reverse()
        self.attempts = [0] * len(submissions)
        self.results: dict[int, SubmissionResult] = {}
        self.procs: dict[int, Any] = {}
        self.outboxes: dict[int, Any] = {}
        self.in_flight: dict[int, set[int]] = {}
        self.waiting: set[int] = set()
        self.serial = 0

    def run(self) -> list[SubmissionResult]:
        finished = False
        try:
            for _ in range(self.workers):
                self._start_worker()
            while len(self.results) < len(self.submissions):
                try:
                    message = self.inbox.get(timeout=POLL)
                except queue.Empty:
                    self._check_workers()
                    continue
                self._handle(message)
            finished = True
        finally:
            self._shutdown(graceful=finished)
        return [self.results[i] for i in range(len(self.submissions))]

    def _start_worker(self) -> None:
        self.serial += 1
        wid = self.serial
        outbox = self.context.Queue()
        proc = self.context.Process(
            target=_worker_main,
            args=(wid, self.options, outbox, self.inbox, len(self.submissions)),
            name=f"grader-worker-{wid}",
            daemon=True,
        )
        proc.start()
        self.procs[wid] = proc
        self.outboxes[wid] = outbox
        self.in_flight[wid] = set()

    def _handle(self, message: tuple[Any, ...]) -> None:
        kind, wid = message[0], message[1]
        if wid not in self.procs:
            return  # from a worker already given up on
        if kind == "want":
            self._deal(wid)
        elif kind == "result":
            index, data = message[2], message[3]
            self.in_flight[wid].discard(index)
            if index not in self.results:
                self._record(index, SubmissionResult.from_json(data))
        elif kind == "error":
            raise errors.GraderError(message[2])

    def _deal(self, wid: int) -> None:
        if self.pending:
            index = self.pending.pop()
            self.attempts[index] += 1
            self.in_flight[wid].add(index)
            self.outboxes[wid].put((index, self.submissions[index]))
        else:
            self.outboxes[wid].put(None)

    def _record(self, index: int, result: SubmissionResult) -> None:
        self.results[index] = result
        if self.on_result is not None:
            self.on_result(result)

    def _check_workers(self) -> None:
        """Deal a dead worker's submissions again (or give up on them) and replace the worker."""
        for wid, proc in list(self.procs.items()):
            if proc.is_alive():
                continue
            proc.join()
            lost = self.in_flight.pop(wid, set())
            del self.procs[wid]
            self.outboxes.pop(wid).close()
            for index in sorted(lost, reverse=True):
                if index in self.results:
                    continue
                if self.attempts[index] < MAX_ATTEMPTS:
                    self.pending.append(index)
                else:
                    self._record(index, _worker_died_result(self.submissions[index]))
        if self.pending and len(self.procs) < self.workers:
            if self.serial >= self.workers + 2 * len(self.submissions):
                raise errors.GraderError("grading workers keep dying; see the messages above")
            self._start_worker()

    def _shutdown(self, *, graceful: bool) -> None:
        if graceful:
            for wid, proc in self.procs.items():
                if proc.is_alive():
                    try:
                        self.outboxes[wid].put(None)
                    except (OSError, ValueError):
                        pass
        deadline = time.monotonic() + (10 if graceful else 0)
        for proc in self.procs.values():
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                proc.kill()  # its zygote and children die with it (parent-death signals)
                proc.join()
        for outbox in self.outboxes.values():
            outbox.close()
            outbox.cancel_join_thread()
        self.inbox.close()
        self.inbox.cancel_join_thread()


def _worker_died_result(source: SubmissionSource) -> SubmissionResult:
    return build_submission_result(
        source.name,
        [],
        registered={},
        selected=set(),
        section_problems={},
        device="",
        sandbox={},
        timing={"seconds": 0.0},
        problem=MSG_WORKER_DIED,
    )


def _worker_main(wid: int, options: GradeOptions, outbox: Any, inbox: Any, expected: int) -> None:
    """A worker: ask for a submission whenever a slot opens, send each result back when done."""
    from grader.sandbox import linux

    try:
        linux.set_parent_death_signal(signal.SIGKILL)  # never outlive the dealer
    except OSError:
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the dealer's to handle
    index_of: dict[str, int] = {}

    def next_submission() -> SubmissionSource | None:
        inbox.put(("want", wid))
        task = outbox.get()
        if task is None:
            return None
        index, source = task
        index_of[source.name] = index
        return source

    def send(result: SubmissionResult) -> None:
        inbox.put(("result", wid, index_of[result.submission], result.to_json()))

    code = 0
    try:
        grade_feed(next_submission, options, expected=expected, on_result=send)
    except errors.GraderError as exc:
        inbox.put(("error", wid, str(exc)))
        code = 1
    except Exception as exc:  # the dealer must hear about it rather than wait for a result
        inbox.put(("error", wid, f"a grading worker failed: {type(exc).__name__}: {exc}"))
        code = 1
    # Everything is sent (the queue's feeder thread is flushed) and the zygote is closed: skip
    # interpreter finalisation with torch loaded (about half a second per worker).
    inbox.close()
    inbox.join_thread()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
