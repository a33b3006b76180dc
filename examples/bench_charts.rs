//! Benchmark: how long drawing charts takes. Loads a site's data (default:
//! the demo at the repository root) and draws at least 300 charts (trend and
//! rank charts of every entity, ranking charts of every year), then prints
//! the count and the time. Run with `cargo run --release --example bench_charts [SITE]`.

use std::time::Instant;

use minhbach::{charts, data};

fn main() {
    let root = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let (data, errors) = data::load(std::path::Path::new(&root));
    if !errors.is_empty() {
        eprint!("{errors}");
        std::process::exit(1);
    }
    let loc = minhbach::i18n::builtin("vi");
    let start = Instant::now();
    let (mut drawn, mut bytes) = (0usize, 0usize);
    while drawn < 300 {
        let before = drawn;
        for ind in &data.indicators {
            for e in &data.entities {
                for chart in [
                    charts::trend(&data, ind, &e.id, &loc),
                    charts::rank(&data, ind, &e.id, &loc),
                ]
                .into_iter()
                .flatten()
                {
                    drawn += 1;
                    bytes += chart.svg.len();
                }
            }
            for year in ind.years() {
                if let Some(chart) = charts::ranking(&data, ind, year, None, &loc) {
                    drawn += 1;
                    bytes += chart.svg.len();
                }
            }
        }
        if drawn == before {
            eprintln!("the data at {root} has nothing to draw");
            std::process::exit(1);
        }
    }
    let elapsed = start.elapsed();
    println!(
        "{drawn} charts in {:.0} ms on one thread ({:.2} ms each, {} KB of SVG)",
        elapsed.as_secs_f64() * 1000.0,
        elapsed.as_secs_f64() * 1000.0 / drawn as f64,
        bytes / 1024
    );
}
