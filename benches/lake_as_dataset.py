"""Reads a DARS lake as datasets with other engines (issue #16 item 5): the daily table with
pyarrow's dataset API and with Apache DataFusion SQL, and the fills table with DataFusion SQL
(fills and fees per account and day). Prints one JSON object; `backend/tests/lake_engines.rs`
compares it with `dars export daily`.

Usage: python benches/lake_as_dataset.py DATA_DIR    (needs `pip install pyarrow datafusion`;
an encrypted lake needs the key: see read_encrypted_lake.py)
"""

import json
import sys

import pyarrow as pa
import pyarrow.dataset as ds
from datafusion import SessionContext


def main(data):
    # Hive partitioning: lake/<table>/month=YYYY-MM/part.parquet.
    ctx = SessionContext()
    for table in ("daily", "fills"):
        ctx.register_parquet(table, f"{data}/lake/{table}/",
                             table_partition_cols=[("month", pa.string())])
    daily_sql = ctx.sql(
        "SELECT CAST(date AS VARCHAR) AS date, account_id, fills_cnt, net_pnl, total_delta "
        "FROM daily ORDER BY date, account_id").to_arrow_table().to_pylist()
    fills_sql = ctx.sql(
        "SELECT CAST(CAST(time AS DATE) AS VARCHAR) AS date, account AS account_id, "
        "COUNT(*) AS fills, SUM(fee) AS fees FROM fills GROUP BY 1, 2 ORDER BY 1, 2"
    ).to_arrow_table().to_pylist()
    table = ds.dataset(f"{data}/lake/daily", format="parquet", partitioning="hive").to_table()
    daily_arrow = sorted(
        ({"date": r["date"].isoformat(), "account_id": r["account_id"],
          "fills_cnt": r["fills_cnt"], "net_pnl": r["net_pnl"],
          "total_delta": r["total_delta"], "month": r["month"]}
         for r in table.to_pylist()),
        key=lambda r: (r["date"], r["account_id"]))
    json.dump({"datafusion_daily": daily_sql, "datafusion_fills": fills_sql,
               "pyarrow_daily": daily_arrow}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
