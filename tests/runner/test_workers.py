"""Tests of retention_lib.runner.workers: tasks side by side in forked worker processes."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from retention_lib.runner import workers
from retention_lib.runner.workers import WorkerError, run_tasks

pytestmark = pytest.mark.skipif(not workers.can_fork(), reason="no fork on this platform")


def _wait_for(path: Path, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path.name} never appeared")
        time.sleep(0.01)


class TestRunTasks:
    def test_tasks_run_at_once_in_their_own_processes(self, tmp_path):
        # each task waits for the file the other one writes: one after the other, the
        # first would time out
        def task(mine: str, theirs: str):
            def run(say):
                (tmp_path / mine).write_text("x")
                _wait_for(tmp_path / theirs)
                say(f"{mine} saw {theirs}")
                return os.getpid()

            return run

        lines: list[str] = []
        pids = run_tasks([("a", task("a", "b")), ("b", task("b", "a"))], say=lines.append)
        assert len(set(pids)) == 2 and os.getpid() not in pids
        assert sorted(lines) == ["a saw b", "b saw a"]

    def test_workers_see_the_callers_memory_and_return_results_in_order(self):
        big = np.arange(5_000_000, dtype=np.int64)  # in the caller's memory, never pickled

        def total(say):
            return int(big.sum())

        def tail(say):
            return int(big[-1])

        # by hand: 0 + 1 + ... + 4_999_999 = 4_999_999 * 5_000_000 / 2
        assert run_tasks([("sum", total), ("tail", tail)], say=print) == [
            12_499_997_500_000, 4_999_999,
        ]

    def test_a_failing_task_raises_with_its_error_and_stops_the_others(self, tmp_path):
        def slow(say):
            (tmp_path / "slow.pid").write_text(str(os.getpid()))
            time.sleep(60)

        def broken(say):
            _wait_for(tmp_path / "slow.pid")
            say("about to fail")
            raise KeyError("amount")

        lines: list[str] = []
        started = time.monotonic()
        with pytest.raises(WorkerError) as caught:
            run_tasks([("slow", slow), ("broken", broken)], say=lines.append)
        assert time.monotonic() - started < 30  # the slow worker was not waited for
        error = caught.value
        assert (error.task, error.kind, error.message) == ("broken", "KeyError", "'amount'")
        assert str(error) == "KeyError: 'amount'"
        assert "Traceback" in error.details and 'raise KeyError("amount")' in error.details
        assert lines == ["about to fail"]
        slow_pid = int((tmp_path / "slow.pid").read_text())
        with pytest.raises(ProcessLookupError):  # terminated and reaped
            os.kill(slow_pid, 0)

    def test_a_worker_killed_without_a_word_is_a_failure(self):
        def killed(say):
            os.kill(os.getpid(), signal.SIGKILL)

        def fine(say):
            return 1

        with pytest.raises(WorkerError) as caught:
            run_tasks([("fine", fine), ("killed", killed)], say=print)
        assert caught.value.task == "killed" and caught.value.kind == "killed"
        assert caught.value.message == (
            "the worker process was killed by SIGKILL (out of memory?)"
        )

    @pytest.mark.parametrize(
        "tasks_and_flag", [("two", False), ("one", True)], ids=["parallel-off", "single-task"]
    )
    def test_in_process_runs_keep_the_tasks_own_exception(self, tasks_and_flag):
        count, parallel = tasks_and_flag
        seen: list[int] = []

        def record(say):
            say("in process")
            seen.append(os.getpid())  # only visible here when run in this process
            return len(seen)

        def broken(say):
            raise ValueError("bad period")

        tasks = [("a", record), ("b", record)] if count == "two" else [("a", record)]
        lines: list[str] = []
        assert run_tasks(tasks, say=lines.append, parallel=parallel) == list(
            range(1, len(tasks) + 1)
        )
        assert seen == [os.getpid()] * len(tasks) and lines == ["in process"] * len(tasks)
        with pytest.raises(ValueError, match="bad period"):
            run_tasks([("a", record), ("b", broken)], say=print, parallel=False)

    def test_without_fork_the_tasks_run_here(self, monkeypatch):
        monkeypatch.setattr(workers, "can_fork", lambda: False)  # e.g. macOS, Windows

        def pid(say):
            return os.getpid()

        assert run_tasks([("a", pid), ("b", pid)], say=print) == [os.getpid()] * 2
