"""Run one parameterised notebook with papermill, in the runner's own Python environment.

* :func:`check_parameters` compares the parameters a run will pass with those the notebook
  declares in its ``parameters`` cell (papermill itself only *warns* on unknown names).
* :func:`execute_notebook` executes with a per-cell timeout; the kernel is always started with
  ``sys.executable`` (so the notebook sees exactly the library version the runner imported,
  whatever kernelspecs the user has installed), under the kernel name ``python3``.
* On failure it raises :class:`NotebookFailure`, which names the notebook, the failing cell
  (0-based index in the *source* notebook, i.e. not counting papermill's injected parameters
  cell, and its first source line) and the exception line.
* ``env`` adds environment variables to the kernel only (the runner passes the dataset cache
  folder this way); the runner's own ``os.environ`` is not changed.  :func:`execute_notebook`
  may run in several threads at once (one kernel each); :func:`run_each` runs notebooks
  ``jobs`` at a time and starts no new one after a failure.

Import cost: jsonschema (imported by nbformat) is imported through
:func:`retention_lib.runner._quick_import.import_jsonschema_quickly`, which saves ~1.6 s.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any, TypeVar

from ._quick_import import import_jsonschema_quickly

import_jsonschema_quickly()

import nbformat  # noqa: E402
import papermill  # noqa: E402
import zmq  # noqa: E402
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager  # noqa: E402
from jupyter_client.manager import AsyncKernelManager  # noqa: E402
from traitlets import default  # noqa: E402

__all__ = [
    "KERNEL_NAME",
    "NotebookFailure",
    "SameInterpreterKernelManager",
    "check_parameters",
    "execute_notebook",
    "run_each",
]

KERNEL_NAME = "python3"
T = TypeVar("T")


class _SameInterpreterSpecManager(KernelSpecManager):
    """Kernelspec manager whose every spec launches ipykernel with ``sys.executable``."""

    kernel_env: Mapping[str, str] = {}

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:  # noqa: D102
        from ipykernel.kernelspec import RESOURCES

        return KernelSpec(
            argv=[
                sys.executable,
                "-Xfrozen_modules=off",
                "-m",
                "ipykernel_launcher",
                "-f",
                "{connection_file}",
            ],
            display_name="Python 3 (retention_lib)",
            language="python",
            resource_dir=RESOURCES,
            metadata={"debugger": False, "supported_encryption": ["curve"]},
            env=dict(self.kernel_env),
        )


class SameInterpreterKernelManager(AsyncKernelManager):
    """Kernel manager that starts the kernel with the runner's own interpreter.

    ``kernel_env`` (class attribute; see :func:`execute_notebook`'s ``env``) is added to the
    kernel's environment.
    """

    kernel_env: Mapping[str, str] = {}

    @default("kernel_spec_manager")
    def _default_ksm(self) -> KernelSpecManager:
        manager = _SameInterpreterSpecManager(data_dir=self.data_dir)
        manager.kernel_env = dict(self.kernel_env)
        return manager

    @default("transport_encryption")
    def _default_encryption(self) -> str:
        # CurveZMQ keys for the local kernel when pyzmq supports them (also silences the
        # kernel's "running over TCP without encryption" warning on stderr)
        return "auto" if zmq.has("curve") else "disabled"


class NotebookFailure(RuntimeError):
    """A notebook failed while executing.

    Attributes
    ----------
    notebook : str
        File name of the source notebook.
    cell_index : int or None
        0-based index of the failing cell in the source notebook (``None`` when unknown).
    first_line : str
        First non-empty line of the failing cell's source.
    error : str
        The exception line, e.g. ``"ValueError: bad period"``.
    executed : pathlib.Path
        Where papermill saved the executed (failed) notebook.
    """

    def __init__(
        self,
        *,
        notebook: str,
        cell_index: int | None,
        first_line: str,
        error: str,
        executed: Path,
    ) -> None:
        self.notebook = notebook
        self.cell_index = cell_index
        self.first_line = first_line
        self.error = error
        self.executed = executed
        where = "an unknown cell" if cell_index is None else f"cell {cell_index}"
        super().__init__(
            f"notebook {notebook} failed in {where} (0-based, source starts: {first_line!r}): "
            f"{error}"
        )


def check_parameters(notebook: Path, parameters: Mapping[str, Any]) -> None:
    """Raise ``ValueError`` naming any of ``parameters`` that ``notebook`` does not declare.

    Parameters
    ----------
    notebook
        Path to the source ``.ipynb``.
    parameters
        Names and values the runner will inject.
    """
    declared = papermill.inspect_notebook(str(notebook))
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        if declared:
            listed = ", ".join(sorted(declared))
            hint = f"it declares: {listed}"
        else:
            hint = "it has no cell tagged 'parameters'"
        raise ValueError(
            f"notebook {notebook.name} does not declare the parameter(s) "
            f"{', '.join(unknown)} ({hint})"
        )


def _first_line(source: str) -> str:
    for line in source.splitlines():
        if line.strip():
            return line.strip()
    return ""


def _source_index(source_nb: nbformat.NotebookNode, executed_cell: Any, executed_index: int) -> int:
    """Map a cell of the executed notebook back to its index in the source notebook."""
    cell_id = executed_cell.get("id")
    if cell_id:
        for i, cell in enumerate(source_nb.cells):
            if cell.get("id") == cell_id:
                return i
    return executed_index  # cells are already filtered: same position as in the source


def _failed_cell(executed: nbformat.NotebookNode) -> tuple[int, Any, str] | None:
    """First cell with an error output, or marked failed/running by papermill."""
    for i, cell in enumerate(executed.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return i, cell, f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"
    for i, cell in enumerate(executed.cells):
        status = cell.get("metadata", {}).get("papermill", {}).get("status")
        if status in ("failed", "running"):
            return i, cell, ""
    return None


def _describe_failure(
    source: Path, executed_path: Path, exc: BaseException
) -> NotebookFailure:
    source_nb = nbformat.read(str(source), as_version=4)
    error = f"{type(exc).__name__}: {exc}".strip()
    cell_index: int | None = None
    first = ""
    executed: nbformat.NotebookNode | None = None
    if executed_path.exists():
        try:
            executed = nbformat.read(str(executed_path), as_version=4)
        except Exception:  # noqa: BLE001 - a half-written file: fall back to the exception
            executed = None
    if executed is not None:
        # papermill puts an error banner (markdown) at the top of a failed notebook; skip it
        skip = {"injected-parameters", "papermill-error-cell-tag"}
        cells = [c for c in executed.cells if not skip & set(c.get("metadata", {}).get("tags", []))]
        found = _failed_cell(nbformat.from_dict({**executed, "cells": cells}))
        if found is not None:
            idx, cell, line = found
            cell_index = _source_index(source_nb, cell, idx)
            first = _first_line(cell.get("source", ""))
            if line:
                error = line
    if type(exc).__name__ == "PapermillExecutionError":
        error = f"{exc.ename}: {exc.evalue}"  # type: ignore[attr-defined]
        if not first:
            first = _first_line(exc.source)  # type: ignore[attr-defined]
    else:
        error = error.splitlines()[0] if error else type(exc).__name__
    return NotebookFailure(
        notebook=source.name,
        cell_index=cell_index,
        first_line=first,
        error=error,
        executed=executed_path,
    )


def execute_notebook(
    source: Path,
    executed: Path,
    *,
    parameters: Mapping[str, Any],
    cwd: Path,
    cell_timeout: int,
    progress_bar: bool = False,
    env: Mapping[str, str] | None = None,
) -> float:
    """Execute ``source`` into ``executed`` with papermill; return the wall time in seconds.

    Parameters
    ----------
    source, executed
        Source notebook and the path of the executed copy papermill writes (also on failure).
    parameters
        Injected after the ``parameters`` cell (check them first with :func:`check_parameters`).
    cwd
        Working directory of the kernel.
    cell_timeout
        Seconds allowed per cell.
    progress_bar
        Show papermill's tqdm bar (only sensible on a terminal).
    env
        Extra environment variables for the kernel (added to the runner's environment).

    Raises
    ------
    NotebookFailure
        A cell raised, timed out, or the kernel died.
    """
    manager: type[SameInterpreterKernelManager] = SameInterpreterKernelManager
    if env:
        manager = type(
            "SameInterpreterKernelManagerWithEnv",
            (SameInterpreterKernelManager,),
            {"kernel_env": dict(env)},
        )
    start = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(source),
            str(executed),
            parameters=dict(parameters),
            kernel_name=KERNEL_NAME,
            kernel_manager_class=manager,
            execution_timeout=cell_timeout,
            progress_bar=progress_bar,
            log_output=False,
            cwd=str(cwd),
            # every output has arrived when the last cell is done: kill the kernel instead
            # of papermill's graceful shutdown (interrupt, request, wait up to 1 s per poll
            # loop), which took 0.7 s per notebook idle and 1.7-2.8 s with 2 jobs under load
            shutdown_kernel="immediate",
        )
    except Exception as exc:  # noqa: BLE001 - every failure is reported the same way
        raise _describe_failure(source, executed, exc) from exc
    return time.perf_counter() - start


def run_each(
    sources: list[Path], *, jobs: int, run: Callable[[Path], T]
) -> tuple[list[T], list[tuple[Path, BaseException]]]:
    """Run ``run`` over ``sources``, ``jobs`` at a time; stop starting new ones on a failure.

    Returns the successful runs and the failures ``(source, exception)``, both in ``sources``
    order.  Notebooks not started because of an earlier failure are in neither list.
    """
    if jobs == 1 or len(sources) == 1:
        done: list[T] = []
        for source in sources:
            try:
                done.append(run(source))
            except Exception as exc:  # noqa: BLE001 - reported by the caller
                return done, [(source, exc)]
        return done, []
    stop = threading.Event()

    def guarded(source: Path) -> T | None:
        if stop.is_set():
            return None  # an earlier notebook failed: do not start another kernel
        try:
            return run(source)
        except BaseException:
            stop.set()
            raise

    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="notebook") as pool:
        futures: dict[Path, Future] = {s: pool.submit(guarded, s) for s in sources}
        wait(futures.values(), return_when=FIRST_EXCEPTION)
        if stop.is_set():
            for future in futures.values():
                future.cancel()
        # leaving the block waits for the notebooks already running
    runs = []
    failures: list[tuple[Path, BaseException]] = []
    for source, future in futures.items():
        if future.cancelled():
            continue
        exc = future.exception()
        if exc is not None:
            failures.append((source, exc))
        elif future.result() is not None:
            runs.append(future.result())
    return runs, failures
