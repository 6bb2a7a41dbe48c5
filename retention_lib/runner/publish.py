"""All-or-nothing publication of a report folder, and the per-period run lock.

Layout under the reports folder ``OUT``::

    OUT/.lock-2026-10                  held while a run for 2026-10 is active (pid, host, time)
    OUT/.staging-2026-10-<pid>/        everything the run writes, until it all succeeded
    OUT/2026-10/                       the published report (replaced by a rename)
    OUT/failed/2026-10-<timestamp>/    the executed notebook of a failed run, plus error.txt

Publishing renames the previous ``OUT/<period>`` aside, renames the staging folder into place,
and only then deletes the previous one; if the second rename fails the previous report is put
back.  A reader may therefore find no folder during the few microseconds between the renames,
but never a half-written one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

__all__ = [
    "LockError",
    "failed_folder",
    "period_lock",
    "publish_folder",
    "remove_stale_staging",
    "staging_folder",
]


class LockError(RuntimeError):
    """Another live run holds the lock for this output folder and period."""


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _lock_owner(lock: Path) -> tuple[int, str, str]:
    try:
        lines = lock.read_text(encoding="utf-8").splitlines()
    except OSError:
        return 0, "", ""
    pid = int(lines[0]) if lines and lines[0].strip().isdigit() else 0
    host = lines[1] if len(lines) > 1 else ""
    since = lines[2] if len(lines) > 2 else ""
    return pid, host, since


@contextlib.contextmanager
def period_lock(out: Path, period: str) -> Iterator[Path]:
    """Hold ``OUT/.lock-<period>`` for the duration of the block.

    The lock file is created with ``O_CREAT | O_EXCL`` and holds the pid, host name and start
    time of its owner.  A lock left by a process that no longer exists on this host is stale
    and taken over; a lock of a live process (or of another host) raises :class:`LockError`.
    """
    out.mkdir(parents=True, exist_ok=True)
    lock = out / f".lock-{period}"
    host = socket.gethostname()
    payload = f"{os.getpid()}\n{host}\n{datetime.now().isoformat(timespec='seconds')}\n"
    for _attempt in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            pid, owner_host, since = _lock_owner(lock)
            if owner_host == host and not _pid_alive(pid):
                with contextlib.suppress(FileNotFoundError):
                    lock.unlink()
                continue
            raise LockError(
                f"another report run (pid {pid or '?'} on {owner_host or '?'}, since "
                f"{since or '?'}) is writing {out / period}; wait for it to finish. If no run "
                f"is active, delete the lock file {lock}"
            ) from None
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(payload)
        break
    else:  # pragma: no cover - the stale lock reappeared twice
        raise LockError(f"could not take the lock {lock}")
    try:
        yield lock
    finally:
        pid, _, _ = _lock_owner(lock)
        if pid == os.getpid():
            with contextlib.suppress(FileNotFoundError):
                lock.unlink()


def staging_folder(out: Path, period: str) -> Path:
    """Create and return an empty ``OUT/.staging-<period>-<pid>/``."""
    staging = out / f".staging-{period}-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    return staging


def remove_stale_staging(out: Path, period: str) -> list[Path]:
    """Delete staging folders of ``period`` left by runs whose process is gone (call under lock)."""
    removed = []
    for path in out.glob(f".staging-{period}-*"):
        pid_text = path.name.rsplit("-", 1)[-1]
        pid = int(pid_text) if pid_text.isdigit() else 0
        if pid != os.getpid() and not _pid_alive(pid):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def publish_folder(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging`` (same file system); the old target goes last."""
    previous = None
    if target.exists():
        previous = target.with_name(f".previous-{target.name}-{os.getpid()}")
        if previous.exists():
            shutil.rmtree(previous)
        os.replace(target, previous)
    try:
        os.replace(staging, target)
    except BaseException:
        if previous is not None:
            os.replace(previous, target)
        raise
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)


def failed_folder(out: Path, period: str) -> Path:
    """Create and return a new ``OUT/failed/<period>-<YYYYmmdd-HHMMSS>/``."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    folder = out / "failed" / f"{period}-{stamp}"
    suffix = 1
    while folder.exists():
        suffix += 1
        folder = out / "failed" / f"{period}-{stamp}-{suffix}"
    folder.mkdir(parents=True)
    return folder
