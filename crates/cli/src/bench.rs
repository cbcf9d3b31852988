//! `peerstage bench …`: measurements for docs/PERFORMANCE.md. Figures come from runs, never
//! from tests.

use crate::open;
use anyhow::Result;
use clap::Subcommand;
use peerstage_core::reference::{Criteria, Criterion, Seniority, SizeBand};
use peerstage_core::rng::Rng;
use peerstage_core::Region;
use std::time::Instant;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Time matching one request against every customer contact, in-process
    Match {
        /// Matches to time
        #[arg(long, default_value_t = 500)]
        requests: usize,
        /// First add this many synthetic past reference activities (for a 1,000,000-activity run)
        #[arg(long, default_value_t = 0)]
        add_activities: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Time searches over the evidence (C3): 1–3 words, one filter each; adds generated
    /// evidence first until the database holds --items
    Search {
        #[arg(long, default_value_t = 1_000_000)]
        items: usize,
        #[arg(long, default_value_t = 2000)]
        queries: usize,
        /// Unmeasured queries first
        #[arg(long, default_value_t = 200)]
        warmup: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Time theme clustering (C4) on generated statements; --out writes texts.jsonl, ours.txt
    /// and topics.txt for scripts/bench_voc_themes.py. With --end-to-end, re-runs themes
    /// through the store on this database instead (adding evidence up to --items)
    Themes {
        #[arg(long, default_value_t = 100_000)]
        items: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Number of themes (default: chosen by silhouette)
        #[arg(long)]
        k: Option<usize>,
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        #[arg(long)]
        end_to_end: bool,
    },
    /// Time reading a CSV file the way `import` does (parse, validate, resolve references
    /// against this database) without writing anything: the reader's share of an import
    Read {
        /// What the file holds: accounts, contacts, touchpoints, …
        kind: String,
        file: std::path::PathBuf,
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
    /// Time the dashboard and scorecard figures computed from scratch (a fresh cache per run)
    Insights {
        /// Runs per measurement
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
}

fn percentile(sorted_ms: &[f64], p: f64) -> f64 {
    if sorted_ms.is_empty() {
        return 0.0;
    }
    let i = ((sorted_ms.len() as f64 * p).ceil() as usize).clamp(1, sorted_ms.len()) - 1;
    sorted_ms[i]
}

pub fn run(url: &str, cmd: BenchCommand) -> Result<()> {
    let store = open(url)?;
    match cmd {
        BenchCommand::Insights { runs } => crate::insights::bench(url, runs),
        BenchCommand::Read { kind, file, runs } => read(&store, &kind, &file, runs),
        BenchCommand::Search {
            items,
            queries,
            warmup,
            seed,
        } => crate::voc_bench::search(&store, items, queries, warmup, seed),
        BenchCommand::Themes {
            items,
            seed,
            k,
            out,
            end_to_end,
        } => {
            if end_to_end {
                crate::voc_bench::themes_end_to_end(&store, items, seed)
            } else {
                crate::voc_bench::themes(items, seed, k, out)
            }
        }
        BenchCommand::Match {
            requests,
            add_activities,
            seed,
        } => {
            let today = chrono::Utc::now().date_naive();
            let mut rng = Rng::new(seed);
            if add_activities > 0 {
                let started = Instant::now();
                store.bench_add_activities(add_activities, seed, today)?;
                eprintln!(
                    "added {add_activities} activities in {:.1}s",
                    started.elapsed().as_secs_f64()
                );
            }
            let started = Instant::now();
            let snap = store.advocate_snapshot(today)?;
            let activities = store.bench_count("advocate_activities")?;
            eprintln!(
                "snapshot: {} customer contacts, {} past activities, built in {:.2}s",
                snap.rows.len(),
                activities,
                started.elapsed().as_secs_f64()
            );
            let industries: Vec<String> = {
                let mut v: Vec<String> = snap
                    .rows
                    .iter()
                    .filter_map(|r| r.candidate.industry.clone())
                    .collect();
                v.sort();
                v.dedup();
                v
            };
            let mut times = Vec::with_capacity(requests);
            let mut found = 0usize;
            for i in 0..requests {
                let mut c = Criteria {
                    industry: Some(Criterion {
                        value: rng.pick(&industries).clone(),
                        required: true,
                    }),
                    region: Some(Criterion {
                        value: *rng.pick(Region::ALL),
                        required: i % 3 == 0,
                    }),
                    ..Default::default()
                };
                if i % 2 == 0 {
                    c.size = Some(Criterion {
                        value: *rng.pick(SizeBand::ALL),
                        required: false,
                    });
                }
                if i % 4 == 1 {
                    c.seniority = Some(Criterion {
                        value: *rng.pick(Seniority::ALL),
                        required: false,
                    });
                }
                let t = Instant::now();
                let r = store.match_criteria(&c, today, 10)?;
                times.push(t.elapsed().as_secs_f64() * 1000.0);
                found += r.candidates.len();
            }
            times.sort_by(f64::total_cmp);
            println!(
                "match: {requests} requests over {} contacts / {} activities: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({:.1} candidates on average)",
                snap.rows.len(),
                activities,
                percentile(&times, 0.5),
                percentile(&times, 0.99),
                times.last().copied().unwrap_or(0.0),
                found as f64 / requests.max(1) as f64
            );
            Ok(())
        }
    }
}

/// `bench read`: the import's reader alone, `runs` times over the same file.
fn read(
    store: &peerstage_store::Store,
    kind: &str,
    file: &std::path::Path,
    runs: usize,
) -> Result<()> {
    use peerstage_core::import::{read_csv_with, ImportOptions};
    let kind = crate::parse_kind(kind)?;
    let options = ImportOptions {
        kind,
        preset: None,
        overrides: Vec::new(),
    };
    let lookups = store.lookups(kind)?;
    for run in 1..=runs.max(1) {
        let input = std::fs::File::open(file)
            .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", file.display()))?;
        let started = Instant::now();
        let mut records = 0usize;
        let parsed = read_csv_with(
            input,
            &options,
            &lookups,
            |_| {},
            |chunk, _| {
                records += chunk.len();
                true
            },
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        let secs = started.elapsed().as_secs_f64();
        println!(
            "run {run}: {} rows read, {records} valid, {} rejected in {secs:.2}s ({:.0} rows/s)",
            parsed.rows,
            parsed.rejected_rows.len(),
            parsed.rows as f64 / secs
        );
    }
    Ok(())
}
