"""The ``retention`` command: a thin layer over the Python API.

Exit codes: 0 success; 1 bad input data or a failed report; 2 wrong usage or configuration.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

# The commands import what they run inside their bodies, not here: ``retention --help`` and
# every command's start-up would otherwise pay for pandas, the data layer and the report
# runner (about 0.1 s against 0.5 s for ``data.io``, over 2 s for ``runner.report``).

__all__ = ["app", "main"]

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Customer-retention analytics: sample data, validation and monthly reports.",
)

EXIT_DATA = 1
EXIT_USAGE = 2


_DATA_END_HELP = (
    "Last day the data cover, YYYY-MM-DD (default: config data_end, else the latest date in "
    "transactions, contacts, surveys, signals and usage). Nothing is measured past it."
)


def _fail(message: str, code: int) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)


@app.command()
def sample(
    out: Annotated[Path, typer.Option(help="Folder to write the sample tables into.")] = Path(
        "data/sample"
    ),
    customers: Annotated[int, typer.Option(min=10, help="Number of customers.")] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same bytes).")] = 20261031,
    end: Annotated[str, typer.Option(help="Last day of the data, YYYY-MM-DD.")] = "2026-10-31",
    months: Annotated[
        int | None,
        typer.Option(help="Keep only the last N months (1-36) of history (default: 36)."),
    ] = None,
    cdnow: Annotated[
        bool,
        typer.Option(
            "--cdnow",
            help="Write the CDNOW transactions shipped with lifetimes instead of the sample.",
        ),
    ] = False,
) -> None:
    """Write the deterministic sample business (or CDNOW) as CSV tables."""
    if cdnow:
        from .data.cdnow import write_cdnow  # lazy: start-up time (pandas)

        counts = write_cdnow(out)
    else:
        from .data.sample import write_sample  # lazy: start-up time (pandas)

        counts = write_sample(out, customers=customers, seed=seed, end=end, months=months)
    for table, n in counts.items():
        typer.echo(f"{table:<13} {n:>10,} rows")
    typer.echo(f"written to {out}")


@app.command()
def validate(
    data: Annotated[Path, typer.Option(help="Folder of CSV/Parquet tables.")] = Path(
        "data/sample"
    ),
    config: Annotated[Path | None, typer.Option(help="YAML settings file.")] = None,
    as_of: Annotated[
        str | None,
        typer.Option(help="Report date YYYY-MM-DD; later dates are errors (default: today)."),
    ] = None,
    data_end: Annotated[str | None, typer.Option(help=_DATA_END_HELP)] = None,
) -> None:
    """Check a data folder against the data contract; exit 0 when clean, 1 otherwise."""
    # lazy: start-up time (see the top of this module)
    from .config import ConfigError, load_settings
    from .data.io import DataValidationError, load_dataset

    try:
        settings = load_settings(config)
        if data_end is not None:
            settings = settings.replace(data_end=data_end)
    except ConfigError as exc:
        _fail(f"configuration error: {exc}", EXIT_USAGE)
    try:
        dataset = load_dataset(data, config=settings, as_of=as_of)
    except DataValidationError as exc:
        _fail(str(exc), EXIT_DATA)
    typer.echo(dataset.describe())


@app.command()
def report(
    period: Annotated[
        str | None,
        typer.Option(help=(
            "Month YYYY-MM (default: the last month the data cover; a month counts as covered "
            "when the data end within its last 3 days, e.g. on a Friday before a weekend "
            "month end; otherwise the month before). A month the data end in is reported "
            "up to the data end and marked partial on every page."
        )),
    ] = None,
    data: Annotated[Path, typer.Option(help="Folder of CSV/Parquet tables.")] = Path(
        "data/sample"
    ),
    config: Annotated[Path | None, typer.Option(help="YAML settings file.")] = None,
    out: Annotated[Path, typer.Option(help="Reports folder.")] = Path("reports"),
    notebooks: Annotated[
        list[str] | None,
        typer.Option("--notebooks", help="Run only these notebooks (names without .ipynb)."),
    ] = None,
    cell_timeout: Annotated[int, typer.Option(help="Seconds allowed per notebook cell.")] = 600,
    lang: Annotated[
        str | None, typer.Option(help="Report language: en, ru or uk (default: config, else en).")
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(help="Pages built and notebooks executed at a time "
                            "(default: min(2, number of cores))."),
    ] = None,
    data_end: Annotated[str | None, typer.Option(help=_DATA_END_HELP)] = None,
) -> None:
    """Build the monthly report into OUT/PERIOD/ (atomically: all or nothing)."""
    # lazy: start-up time (see the top of this module)
    from .config import ConfigError
    from .data.io import DataValidationError
    from .runner.report import ReportError, run_report

    try:
        result = run_report(
            data=data,
            config=config,
            period=period,
            out=out,
            notebooks=notebooks,
            cell_timeout=cell_timeout,
            lang=lang,
            jobs=jobs,
            data_end=data_end,
        )
    except ConfigError as exc:
        _fail(f"configuration error: {exc}", EXIT_USAGE)
    except DataValidationError as exc:
        _fail(f"{exc}\nNo report was written.", EXIT_DATA)
    except ReportError as exc:
        _fail(str(exc), getattr(exc, "exit_code", EXIT_DATA))
    typer.echo(str(result.index_html))


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
