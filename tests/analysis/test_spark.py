"""The PySpark path of retention_lib.analysis.engine equals the pandas path (local-mode Spark).

Marked ``spark``: skipped when Java or pyspark is missing, unless ``RETENTION_REQUIRE_SPARK=1``
(set by ``.ci/run``), in which case it fails.  One local[1] session for the module; the sample
business read by Spark from a Parquet copy, summarised for freq "D" and "W" and compared with
:func:`retention_lib.analysis.summary.customer_summary` to 1e-9; and a data folder whose
transactions
Spark wrote as part files loads as the CSV sample (the README's way to report on a Spark table).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from retention_lib.analysis.customer_days import customer_days
from retention_lib.analysis.summary import customer_summary, monthly_revenue
from retention_lib.data.io import load_dataset

pytestmark = pytest.mark.spark

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
TOL = {"rtol": 1e-9, "atol": 1e-9}


def _require(condition: bool, message: str) -> None:
    if condition:
        return
    if os.environ.get("RETENTION_REQUIRE_SPARK") == "1":
        pytest.fail(message + " and RETENTION_REQUIRE_SPARK=1")
    pytest.skip(message)


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    java = shutil.which("java") or (
        Path(os.environ["JAVA_HOME"], "bin", "java").is_file() if "JAVA_HOME" in os.environ
        else None
    )
    _require(bool(java), "Java is not installed (Spark needs Java 17)")
    try:
        import ibis  # noqa: F401
        from pyspark.sql import SparkSession
    except ImportError as exc:
        _require(False, f"pyspark/ibis missing ({exc}); pip install pyspark "
                 "'ibis-framework[pyspark]'")
        raise  # pragma: no cover - _require skipped or failed
    session = (
        SparkSession.builder.master("local[1]")
        .appName("retention-lib-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.fixture(scope="module")
def sample_tx() -> pd.DataFrame:
    if not (SAMPLE / "transactions.csv").is_file():
        _require(False, "data/sample is not generated (retention sample)")
    return load_dataset(SAMPLE, as_of="2026-10-31").tables["transactions"]


@pytest.fixture(scope="module")
def spark_tx(spark: object, sample_tx: pd.DataFrame,
             tmp_path_factory: pytest.TempPathFactory) -> object:
    from retention_lib.analysis.engine import spark_table

    path = tmp_path_factory.mktemp("spark") / "transactions.parquet"
    # microseconds: Spark does not read Parquet nanosecond timestamps
    sample_tx.to_parquet(path, index=False, coerce_timestamps="us")
    frame = spark.read.parquet(str(path))  # type: ignore[attr-defined]
    return spark_table(frame)


class TestSparkEqualsPandas:
    @pytest.mark.parametrize(
        ("freq", "as_of"),
        [("D", "2026-10-31"), ("W", "2025-06-18")],
        ids=["days-last-day", "weeks-mid-week"],
    )
    def test_customer_summary(self, spark_tx: object, sample_tx: pd.DataFrame, freq: str,
                              as_of: str) -> None:
        from retention_lib.analysis.engine import summarize_table

        expected = customer_summary(sample_tx, as_of=as_of, freq=freq)
        got = summarize_table(spark_tx, as_of=as_of, freq=freq)
        assert len(got) > 1_000
        pd.testing.assert_frame_equal(got, expected, check_exact=False, **TOL)
        assert got.attrs == expected.attrs

    def test_monthly_revenue(self, spark_tx: object, sample_tx: pd.DataFrame) -> None:
        expected = monthly_revenue(sample_tx, as_of="2026-06-30", start="2024-01-15")
        got = monthly_revenue(spark_tx, as_of="2026-06-30", start="2024-01-15")  # dispatch
        pd.testing.assert_frame_equal(got, expected, check_exact=False, **TOL)

    def test_customer_days(self, spark_tx: object, sample_tx: pd.DataFrame) -> None:
        expected = customer_days(sample_tx, as_of="2025-06-18")
        got = customer_days(spark_tx, as_of="2025-06-18")  # dispatch
        assert len(got) > 10_000
        pd.testing.assert_frame_equal(got, expected, check_exact=False, **TOL)

    def test_table_name(self, spark: object, spark_tx: object, sample_tx: pd.DataFrame,
                        tmp_path_factory: pytest.TempPathFactory) -> None:
        # a Spark table known by name, with the user's own column names mapped by config
        from retention_lib.analysis.engine import spark_table, summarize_table

        path = tmp_path_factory.mktemp("spark_named") / "tx.parquet"
        renamed = sample_tx.rename(columns={"customer_id": "client", "amount": "total"})
        renamed.to_parquet(path, index=False, coerce_timestamps="us")
        spark.read.parquet(str(path)).createOrReplaceTempView("retention_sales")  # type: ignore[attr-defined]
        config = {"columns": {"transactions": {"client": "customer_id", "total": "amount"}}}
        table = spark_table("retention_sales", session=spark, config=config)
        got = summarize_table(table, as_of="2026-10-31")
        expected = customer_summary(sample_tx, as_of="2026-10-31")
        pd.testing.assert_frame_equal(got, expected, check_exact=False, **TOL)


class TestReportFolderWrittenBySpark:
    """What the README tells a Spark user: write the table into the data folder with Spark's
    own writer (a ``transactions.parquet/`` folder of part files), then run the report."""

    def test_loads_as_the_csv(self, spark: object, tmp_path: Path) -> None:
        import pyarrow
        import pyarrow.csv as pcsv

        if not (SAMPLE / "transactions.csv").is_file():
            _require(False, "data/sample is not generated (retention sample)")
        data = tmp_path / "data"
        data.mkdir()
        for path in SAMPLE.glob("*.csv"):
            if path.stem != "transactions":
                shutil.copy(path, data / path.name)
        typed = pcsv.read_csv(SAMPLE / "transactions.csv", convert_options=pcsv.ConvertOptions(
            column_types={"customer_id": pyarrow.string()})).to_pandas()
        typed["customer_id"] = typed["customer_id"].astype(object)
        frame = spark.createDataFrame(typed)  # type: ignore[attr-defined]
        assert dict(frame.dtypes)["date"] == "date"  # a warehouse DATE column
        # one partition split into three files: name order is row order
        frame.coalesce(1).write.option("maxRecordsPerFile", len(typed) // 3 + 1).parquet(
            str(data / "transactions.parquet"))
        written = sorted(p.name for p in (data / "transactions.parquet").iterdir())
        assert len([n for n in written if n.startswith("part-")]) == 3 and "_SUCCESS" in written

        csv = load_dataset(SAMPLE, as_of="2026-10-31")
        got = load_dataset(data, as_of="2026-10-31")
        assert list(got.tables) == list(csv.tables)
        for name, table in csv.tables.items():
            pd.testing.assert_frame_equal(got.tables[name], table, obj=name)
        assert not got.warnings and not csv.warnings
        assert got.notes == csv.notes and "312 rows with a negative amount" in str(got.notes)
        assert got.rows_read == csv.rows_read

    @pytest.mark.parametrize("write_as", ["timestamp", "date"])
    def test_spark_timestamps_written_east_of_greenwich(self, spark: object, tmp_path: Path,
                                                        write_as: str) -> None:
        # a Spark TIMESTAMP is a UTC instant: local midnights in Kyiv are 21:00 UTC the day
        # before, and the loader says so; written as DATE the days are the local ones
        from pyspark.sql import functions as F

        conf = spark.conf  # type: ignore[attr-defined]
        conf.set("spark.sql.session.timeZone", "Europe/Kyiv")
        try:
            frame = spark.createDataFrame(  # type: ignore[attr-defined]
                [("C1", "2026-10-01 00:00:00", 10.0), ("C2", "2026-10-02 00:00:00", 20.0)],
                ["customer_id", "day", "amount"],
            ).withColumn("date", F.to_timestamp("day")).drop("day")
            if write_as == "date":
                frame = frame.withColumn("date", F.to_date("date"))
            frame.write.parquet(str(tmp_path / "transactions.parquet"))
        finally:
            conf.set("spark.sql.session.timeZone", "UTC")
        ds = load_dataset(tmp_path, as_of="2026-10-31")
        days = ds.transactions["date"].dt.strftime("%Y-%m-%d").tolist()
        flagged = [p for p in ds.warnings if p.kind == "utc_timestamp"]
        if write_as == "date":
            assert days == ["2026-10-01", "2026-10-02"] and not flagged
        else:
            assert days == ["2026-09-30", "2026-10-01"]
            (w,) = flagged
            assert w.rows == 2 and "'2026-09-30 21:00:00+00:00'" in w.message
