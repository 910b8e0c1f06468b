import sys, polars as pl
fees = ["Comm","Ecn Fee","SEC","ORF","CAT","TAF","FTT","NSCC","Acc","Clr","Misc"]
df = pl.read_csv(sys.argv[1], schema_overrides={c: pl.Utf8 for c in fees})
money = lambda c: pl.col(c).str.replace_all(",", "").str.replace(r"^\((.*)\)$", "-$1").cast(pl.Float64)
out = (df.with_columns(pl.col("Date/Time").str.strptime(pl.Datetime, "%m/%d/%Y %H:%M:%S").dt.date().alias("date"),
         pl.when(pl.col("B/S").is_in(["B","C"])).then(-1.0).otherwise(1.0).alias("sgn"),
         pl.sum_horizontal([money(c) for c in fees]).alias("fee"))
       .group_by(["Account","date"]).agg(pl.len(), pl.col("Qty").sum(),
         (pl.col("sgn")*pl.col("Qty")*pl.col("Price")).sum(), pl.col("fee").sum()))
print(out.height, file=sys.stderr)
