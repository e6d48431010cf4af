"""Grading a class folder with several worker processes.

Each worker is a fresh ``spawn``ed process (never a fork of a process that has imported torch)
with its own zygote; submissions are dealt round-robin and the results put back in class order.
Workers exchange only our own result dataclasses with this process, never anything from a child.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from grader.results import SubmissionResult
from grader.runner import GradeOptions, grade
from grader.sources import SubmissionSource


def _grade_shard(shard: list[SubmissionSource], options: GradeOptions) -> list[SubmissionResult]:
    return grade(shard, options)


def grade_in_parallel(
    submissions: list[SubmissionSource], options: GradeOptions, workers: int
) -> list[SubmissionResult]:
    """Grade with ``workers`` processes; results in the order of ``submissions``."""
    workers = max(1, min(workers, len(submissions)))
    if workers == 1:
        return grade(submissions, options)
    shards = [submissions[i::workers] for i in range(workers)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(_grade_shard, shard, options) for shard in shards]
        by_name = {result.submission: result for future in futures for result in future.result()}
    return [by_name[s.name] for s in submissions]
