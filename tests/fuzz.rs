//! The fuzz targets of `fuzz/` as plain tests, so `cargo test` on stable runs
//! them: every seed (`fuzz/seeds/<target>/`), every input that once crashed
//! (`fuzz/regressions/<target>/`), and deterministic random variations of the
//! seeds (a fixed-seed generator: the same inputs on every run). Set
//! `FUZZ_ITERATIONS` for more variations; `fuzz/run.sh` runs the real fuzzer.

#[path = "../fuzz/checks.rs"]
mod checks;

use std::path::Path;

/// Files of `fuzz/<kind>/<target>/`, sorted.
fn inputs(kind: &str, target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind)
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| e.path().is_file())
                .map(|e| {
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        std::fs::read(e.path()).unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// xorshift64*: small, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Tokens that matter to the parsers: fences, braces, quotes, escapes, line
/// ends, marks, numbers at the edges, table headers.
const TOKENS: &[&str] = &[
    "+++",
    "+++\n",
    "---\n",
    "\n",
    "\r\n",
    "\r",
    "\u{feff}",
    "{{",
    "}}",
    "{{ chart(",
    ")",
    "(",
    "=",
    ",",
    "\"",
    "'",
    "\\",
    "\\\"",
    "#",
    "@/",
    "@/tin-tuc/a.md#",
    "```\n",
    "~~~",
    "<!-- more -->",
    "[[values]]\n",
    "[[entity]]\n",
    "[[targets]]\n",
    "value = ",
    "year = ",
    "entity = ",
    "rank = ",
    "of = ",
    "1e308",
    "-1e308",
    "1e-320",
    "NaN",
    "inf",
    "-0",
    "2147483648",
    "-2147483649",
    "9223372036854775808",
    "4294967296",
    "0",
    "\u{0}",
    "ă\u{301}",
    "Đ",
    "\u{200b}",
    "%%",
    "\n%%\n",
    "## ",
    "[^1]",
    "[^1]: x\n",
    "|---|\n",
    "{#id}",
    "valid_to = 2025-02-30\n",
    "date = 08:30:00\n",
    "title = \"\"\n",
    "parent = \"vn\"\n",
    "kind = \"province\"\n",
    "scale = [1.0, 1.0]\n",
];

fn mutate(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut data = seeds[rng.below(seeds.len())].clone();
    for _ in 0..1 + rng.below(8) {
        let at = rng.below(data.len() + 1);
        match rng.below(7) {
            0 => {
                let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
                data.splice(at..at, t.iter().copied());
            }
            1 if !data.is_empty() => {
                let end = (at + 1 + rng.below(16)).min(data.len());
                data.drain(at.min(end)..end);
            }
            2 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] ^= 1 << rng.below(8);
            }
            3 => data.truncate(at),
            4 => {
                // Splice in a piece of another seed.
                let other = &seeds[rng.below(seeds.len())];
                let from = rng.below(other.len() + 1);
                let to = (from + rng.below(64)).min(other.len());
                data.splice(at..at, other[from..to].iter().copied());
            }
            5 if !data.is_empty() => {
                // Repeat a piece: long lines, many values, deep nesting.
                let end = (at + 1 + rng.below(32)).min(data.len());
                let piece = data[at.min(end)..end].to_vec();
                for _ in 0..rng.below(20) {
                    data.splice(at..at, piece.iter().copied());
                }
            }
            _ => {
                let b = rng.below(256) as u8;
                data.insert(at, b);
            }
        }
    }
    data
}

fn run(target: &str, check: fn(&[u8]), seed: u64) {
    let seeds: Vec<Vec<u8>> = inputs("seeds", target).into_iter().map(|s| s.1).collect();
    assert!(!seeds.is_empty(), "no seeds for {target}");
    for (name, bytes) in inputs("seeds", target)
        .into_iter()
        .chain(inputs("regressions", target))
    {
        let r = std::panic::catch_unwind(|| check(&bytes));
        assert!(r.is_ok(), "{target}: {name} fails");
    }
    let n: usize = std::env::var("FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500);
    let mut rng = Rng(seed);
    for i in 0..n {
        let input = mutate(&mut rng, &seeds);
        if std::panic::catch_unwind(|| check(&input)).is_err() {
            panic!(
                "{target}: variation {i} fails; add it to fuzz/regressions/{target}/:\n{:?}",
                String::from_utf8_lossy(&input)
            );
        }
    }
}

#[test]
fn front_matter_splitting() {
    run("front_matter", checks::front_matter, 0x0f0f_1234_5678_9abc);
}

#[test]
fn shortcode_parsing_and_markdown() {
    run("shortcode", checks::shortcode, 0x5c0d_e5c0_de5c_0de5);
}

#[test]
fn data_loading_and_charts() {
    run("data_files", checks::data_files, 0xda7a_da7a_da7a_da7a);
}
