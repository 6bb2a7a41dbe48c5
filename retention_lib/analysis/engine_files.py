"""Which files hold the transactions: a file, a list, a glob or a folder resolved to one kind.

The file and folder handling of :func:`retention_lib.analysis.engine.read_transactions`:
data-contract folders (``transactions.parquet|csv|csv.gz``, a Parquet table possibly a folder
of Spark part files), folders of transaction files (hive partitions included), globs and
lists.  Only paths: nothing is read here.
"""

from __future__ import annotations

import glob
from collections.abc import Iterable
from pathlib import Path

__all__ = ["FILE_KINDS", "data_files", "file_kind", "folder_files", "transaction_files"]

#: File suffixes the engine reads, and the kind of file each one is.
FILE_KINDS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".gz": "csv",
              ".txt": "csv", ".tsv": "csv"}


def transaction_files(paths_or_folder: str | Path | Iterable[str | Path]) -> tuple[str, list[str]]:
    """Resolve the input to (kind, files): one kind, ``"parquet"`` or ``"csv"``."""
    if isinstance(paths_or_folder, (str, Path)):
        path = Path(paths_or_folder)
        if any(ch in str(paths_or_folder) for ch in "*?["):
            files = sorted(glob.glob(str(paths_or_folder), recursive=True))
        elif path.is_dir():
            files = folder_files(path)
        elif path.is_file():
            files = [str(path)]
        else:
            raise FileNotFoundError(f"transactions not found: {path} is neither a file nor a "
                                    "folder")
    else:
        files = [str(Path(p)) for p in paths_or_folder]
    if not files:
        raise FileNotFoundError(f"no Parquet or CSV files found in {paths_or_folder}")
    kinds = {file_kind(f) for f in files}
    if len(kinds) != 1:
        raise ValueError(f"mix of file kinds {sorted(kinds)} in {files[:5]}...; give only "
                         "Parquet or only CSV files")
    return kinds.pop(), files


def file_kind(file: str) -> str:
    """``"parquet"`` or ``"csv"``: the kind of ``file``, by its suffix (or its folder's)."""
    kind = FILE_KINDS.get(Path(file).suffix.lower())
    if kind is None and Path(file).parent.name.lower().endswith(".parquet"):
        kind = "parquet"  # a part file of a table folder, whatever its name (Hive: 000000_0)
    if kind is None:
        raise ValueError(f"{file}: unknown file type; allowed suffixes: {sorted(FILE_KINDS)}")
    return kind


def folder_files(folder: Path) -> list[str]:
    """The transaction files of a folder (empty when it holds none)."""
    # 1. a data-contract folder: transactions.parquet / .csv / .csv.gz, the Parquet table
    #    possibly a folder of part files as Spark writes it (transactions.parquet/part-*)
    for suffix in (".parquet", ".csv", ".csv.gz"):
        path = folder / f"transactions{suffix}"
        if path.is_file():
            return [str(path)]
        if suffix == ".parquet" and path.is_dir():
            if (path / "_delta_log").is_dir():  # as the loader: old versions' files too
                raise ValueError(
                    f"{path} is a Delta table (it has a _delta_log): its folder also holds "
                    "the files of earlier versions; export the current version as plain "
                    "Parquet, or pass spark_table(spark.read.format('delta').load(...))")
            return data_files(path, "*")
    # 2. a folder of transaction files, e.g. data/transactions/ (possibly hive-partitioned)
    if (folder / "transactions").is_dir():
        folder = folder / "transactions"
    for pattern in ("*.parquet", "*.csv", "*.csv.gz"):
        files = data_files(folder, pattern)
        if files:
            return files
    return []


def data_files(folder: Path, pattern: str) -> list[str]:
    """Files under ``folder`` matching ``pattern``, in path order; a name starting with
    ``_`` or ``.`` anywhere below ``folder`` (Spark's ``_SUCCESS``, ``.crc`` files) is not
    data, as for Spark and pyarrow."""
    return sorted(
        str(p) for p in folder.rglob(pattern)
        if p.is_file() and not any(n.startswith(("_", ".")) for n in p.relative_to(folder).parts)
    )
