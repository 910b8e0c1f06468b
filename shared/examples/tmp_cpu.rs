#[path = "../benches/support/propreports.rs"]
mod propreports;
use dars_shared::{
    daily,
    ingest::{IngestOptions, read_fills},
};
fn main() {
    let n = 500_000;
    let csv = propreports::propreports_csv(n);
    let which = std::env::args().nth(1).unwrap_or_default();
    let k = 10;
    let cpu = || {
        std::fs::read_to_string("/proc/self/schedstat")
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    let t = std::time::Instant::now();
    let c0 = cpu();
    let batch0 = read_fills("b", &csv, &IngestOptions::default()).unwrap();
    let t = std::time::Instant::now();
    let c0 = cpu();
    for _ in 0..k {
        match which.as_str() {
            "parse" => {
                std::hint::black_box(read_fills("b", &csv, &IngestOptions::default()).unwrap());
            }
            "pnl" => {
                std::hint::black_box(daily::from_fills(&batch0.fills, None));
            }
            _ => {
                let b = read_fills("b", &csv, &IngestOptions::default()).unwrap();
                std::hint::black_box(daily::from_fills(&b.fills, None));
            }
        }
    }
    let c = (cpu() - c0) as f64 / 1e9 / k as f64;
    eprintln!(
        "{which}: wall per iter {:?}, cpu per iter {:.1} ms, {:.2} M fills/s (cpu)",
        t.elapsed() / k,
        c * 1e3,
        n as f64 / c / 1e6
    );
}
