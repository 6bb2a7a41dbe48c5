"""Run independent tasks at once in worker processes forked from the caller.

The report runner loads the dataset once (at 20M transactions: 90 s and 4 GB of tables) and
then builds five pages, each a single-threaded pandas job of 20–90 s.  Forked workers start
with the loaded tables already in their memory — the pages are shared with the runner until
written (copy-on-write), nothing is pickled or loaded again — so on a 2-core machine two
groups of pages build side by side.  Threads would not help: the builders hold the GIL.

Each task runs in its own child process and gets a ``say`` function whose lines the caller
receives, in order, through its own ``say``.  A task's return value travels back pickled, so
keep it small (the runner's tasks write their pages to the run cache and return counts).
The first failing task stops the others and raises :class:`WorkerError`, which carries the
task's exception type, message and traceback; a worker that dies without a word (killed by
the kernel's out-of-memory killer, a signal) is a failure too.

Where workers are not forked (not Linux: see :func:`can_fork`) or only one task is given,
the tasks run one after the other in the calling process instead, with the same results.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["Say", "Task", "WorkerError", "available_memory", "can_fork", "run_tasks"]

Say = Callable[[str], None]
#: A task: called with a ``say`` function, returns a small picklable value.
Task = Callable[[Say], Any]


class WorkerError(RuntimeError):
    """A task failed in its worker process.

    Attributes
    ----------
    task
        The task's name.
    kind
        Name of the exception type raised by the task (``"KeyError"``), or ``"killed"``
        when the worker died without reporting (``message`` then says how).
    message
        ``str()`` of the task's exception.
    details
        The worker's formatted traceback (empty when it was killed).
    """

    def __init__(self, task: str, kind: str, message: str, details: str = "") -> None:
        super().__init__(f"{kind}: {message}")
        self.task, self.kind, self.message, self.details = task, kind, message, details


def can_fork() -> bool:
    """Whether tasks run in forked workers on this platform: Linux only.  macOS has ``fork``
    but its system libraries are not fork-safe (Python's default there is ``spawn``, which
    would load the data again)."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


_MEMINFO = "/proc/meminfo"
#: Where the memory limit of this process's control group is (cgroup v2, then v1): a
#: container's limit, which ``MemAvailable`` (the host's) does not show.  Files: limit,
#: usage, statistics (whose inactive file cache the kernel reclaims before it kills).
_CGROUP_LIMITS = (
    ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current", "/sys/fs/cgroup/memory.stat"),
    ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
     "/sys/fs/cgroup/memory/memory.usage_in_bytes", "/sys/fs/cgroup/memory/memory.stat"),
)


def _inactive_file(stat_file: str) -> int:
    """Bytes of inactive file cache in a cgroup ``memory.stat`` (v2: ``inactive_file``, v1:
    ``total_inactive_file``); 0 when not found."""
    try:
        with open(stat_file, encoding="ascii") as fh:
            fields = dict(line.split()[:2] for line in fh if len(line.split()) >= 2)
    except OSError:
        return 0
    value = fields.get("inactive_file", fields.get("total_inactive_file", "0"))
    return int(value) if value.isdigit() else 0


def available_memory() -> int | None:
    """Bytes this process can still allocate without swapping or meeting its container's
    limit: ``MemAvailable`` of ``/proc/meminfo``, lowered to the room left under the
    control group's limit when one is set (limit − usage + inactive file cache, which the
    kernel reclaims first: the input files just read sit there).  ``None`` where this is
    not known (not Linux)."""
    try:
        with open(_MEMINFO, encoding="ascii") as fh:
            found = [int(line.split()[1]) * 1024 for line in fh
                     if line.startswith("MemAvailable:")]
    except OSError:
        return None
    if not found:
        return None
    available = found[0]
    for limit_file, usage_file, stat_file in _CGROUP_LIMITS:
        try:
            with open(limit_file, encoding="ascii") as fh:
                limit = fh.read().strip()
            with open(usage_file, encoding="ascii") as fh:
                usage = int(fh.read().strip())
        except (OSError, ValueError):
            continue
        if limit.isdigit() and int(limit) < 1 << 60:  # "max" / a huge number: no limit
            room = int(limit) - max(usage - _inactive_file(stat_file), 0)
            available = min(available, max(room, 0))
        break
    return available


def _child(task: Task, conn: multiprocessing.connection.Connection) -> None:
    def say(line: str) -> None:
        conn.send(("say", line))

    try:
        result = task(say)
    except BaseException as exc:  # noqa: BLE001 - every failure is reported to the parent
        conn.send(("error", type(exc).__name__, str(exc), traceback.format_exc()))
    else:
        conn.send(("done", result))
    finally:
        conn.close()


def _describe_exit(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = " (out of memory?)" if -code == signal.SIGKILL else ""
        return f"the worker process was killed by {name}{hint}"
    return f"the worker process exited with code {code} without a result"


def run_tasks(
    tasks: Sequence[tuple[str, Task]], *, say: Say, parallel: bool = True
) -> list[Any]:
    """Run ``tasks`` at once, one forked worker process each, and return their results.

    Parameters
    ----------
    tasks
        ``(name, task)`` pairs; ``task(say)`` does the work and returns a small picklable
        value.  Tasks must not depend on each other's side effects in memory (each worker
        has its own copy of the caller's memory); files they write are shared.
    say
        Receives every line the tasks ``say``, as they come.
    parallel
        ``False`` (or a single task, or no ``fork`` on this platform): run the tasks one
        after the other in this process.

    Returns
    -------
    list
        The tasks' return values, in the order of ``tasks``.

    Raises
    ------
    WorkerError
        The first task that failed (the other workers are then terminated).  In-process
        runs raise the task's own exception instead.
    """
    if not parallel or len(tasks) < 2 or not can_fork():
        return [task(say) for _, task in tasks]
    ctx = multiprocessing.get_context("fork")
    running: dict[multiprocessing.connection.Connection, tuple[int, str, Any]] = {}
    results: list[Any] = [None] * len(tasks)
    try:
        for index, (name, task) in enumerate(tasks):
            reader, writer = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_child, args=(task, writer), name=f"retention-{name}")
            proc.start()
            writer.close()
            running[reader] = (index, name, proc)
        while running:
            for conn in multiprocessing.connection.wait(list(running)):
                index, name, proc = running[conn]
                try:
                    message = conn.recv()
                except EOFError:  # the worker is gone without a result
                    proc.join()
                    del running[conn]
                    raise WorkerError(name, "killed", _describe_exit(proc.exitcode)) from None
                if message[0] == "say":
                    say(message[1])
                elif message[0] == "done":
                    results[index] = message[1]
                    proc.join()
                    del running[conn]
                else:
                    _, kind, text, details = message
                    raise WorkerError(name, kind, text, details)
    finally:
        for conn, (_, _, proc) in running.items():
            if proc.is_alive():
                proc.terminate()
            proc.join()
            conn.close()
    return results
