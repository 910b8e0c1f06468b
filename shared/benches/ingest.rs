//! Full ingest pipeline throughput: PropReports 26-column CSV bytes → validated fills → FIFO P&L
//! → daily table, single thread. The requirement is ≥ 2 million fills/s in a native release
//! build; criterion prints it as `thrpt: … Melem/s`.
//!
//! Run: `cargo bench -p dars-shared --bench ingest`
//!
//! The data (500k fills, ~80 MB) is generated in memory by `support/propreports.rs`.

#[cfg(not(target_arch = "wasm32"))]
#[path = "support/propreports.rs"]
mod propreports;

#[cfg(not(target_arch = "wasm32"))]
mod bench {
    use criterion::{Criterion, Throughput};
    use dars_shared::daily;
    use dars_shared::ingest::{IngestOptions, read_fills};

    use super::propreports::propreports_csv;

    pub fn ingest(c: &mut Criterion) {
        const N: usize = 500_000;
        let csv = propreports_csv(N);
        let opts = IngestOptions::default();
        // Sanity: every generated row must be kept, or the figure would flatter us.
        let batch = read_fills("bench.csv", &csv, &opts).expect("generated CSV parses");
        assert_eq!(
            batch.report.rows_kept as usize,
            N,
            "{}",
            batch.report.summary()
        );

        let mut g = c.benchmark_group("ingest");
        g.throughput(Throughput::Elements(N as u64));
        g.sample_size(10);
        g.bench_function("parse_fifo_daily_500k_propreports", |b| {
            b.iter(|| {
                let batch = read_fills("bench.csv", &csv, &opts).expect("parses");
                let (pnl, rows) = daily::from_fills(&batch.fills, None);
                (pnl.round_trips.len(), rows.len())
            })
        });
        g.bench_function("parse_only_500k_propreports", |b| {
            b.iter(|| {
                read_fills("bench.csv", &csv, &opts)
                    .expect("parses")
                    .fills
                    .fills
                    .len()
            })
        });
        let set = batch.fills;
        g.bench_function("fifo_daily_only_500k", |b| {
            b.iter(|| daily::from_fills(&set, None).1.len())
        });
        g.finish();
    }
}

#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_group!(benches, bench::ingest);
#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_main!(benches);

#[cfg(target_arch = "wasm32")]
fn main() {}
