//! `peerstage bench search|themes` (C3, C4): the measurements behind docs/PERFORMANCE.md.
//! Figures come from runs, never from tests.

use anyhow::{bail, Result};
use peerstage_core::evidence::EvidenceKind;
use peerstage_core::rng::Rng;
use peerstage_core::search::SearchQuery;
use peerstage_core::voc_demo::{statement, TOPICS};
use peerstage_core::Segment;
use peerstage_store::Store;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

/// Typical queries: what someone reading feedback types (one to three words).
const QUERIES: &[&str] = &[
    "offline",
    "sync",
    "offline sync",
    "sync fails",
    "slow",
    "slow reports",
    "reports",
    "dashboard",
    "report loading",
    "onboarding",
    "setup",
    "training",
    "salesforce",
    "salesforce integration",
    "connector",
    "renewal price",
    "price",
    "pricing per seat",
    "competitor",
    "support ticket",
    "response time",
    "approval",
    "approval workflow",
    "parallel approval steps",
    "audit trail",
    "compliance",
    "export excel",
    "excel",
    "csv export",
    "saves hours",
    "easy to use",
    "spreadsheets",
    "permissions",
    "role based access",
    "notifications",
    "email notifications",
    "recommend",
    "reference",
    "field technicians",
    "finance",
    "manual data entry",
    "timeout",
    "region",
    "monday morning",
    "tablet",
    "regulator",
    "digest",
    "outage",
];

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn summary(name: &str, times: &mut [f64]) -> serde_json::Value {
    times.sort_by(|a, b| a.total_cmp(b));
    let mean = times.iter().sum::<f64>() / times.len().max(1) as f64;
    serde_json::json!({
        "name": name,
        "queries": times.len(),
        "p50_ms": percentile(times, 0.5),
        "p90_ms": percentile(times, 0.9),
        "p99_ms": percentile(times, 0.99),
        "max_ms": times.last().copied().unwrap_or(0.0),
        "mean_ms": mean,
    })
}

/// Adds generated evidence until the database holds `items`, then times `queries` searches
/// of one to three words with one filter each (after `warmup` unmeasured ones).
pub fn search(store: &Store, items: usize, queries: usize, warmup: usize, seed: u64) -> Result<()> {
    let today = chrono::Utc::now().date_naive();
    let have = store.bench_count("evidence")? as usize;
    if have < items {
        let started = Instant::now();
        let need = items - have;
        store.bench_add_evidence(seed, need, today, &mut |done| {
            eprint!("\radding evidence: {done}/{need}");
            let _ = std::io::stderr().flush();
        })?;
        eprintln!(
            "\nadded {need} evidence items in {:.1}s",
            started.elapsed().as_secs_f64()
        );
    }
    let total = store.bench_count("evidence")?;
    let accounts = store.bench_ids("accounts")?;
    let themes = store.bench_ids("themes")?;
    let (industries, tags) = store.search_facet_values()?;
    if accounts.is_empty() || industries.is_empty() || tags.is_empty() {
        bail!("run `peerstage demo` on this database first: the benchmark filters by its accounts, industries and tags");
    }
    let check = Instant::now();
    let verdict = store.verify_search_index(false)?;
    let check_ms = check.elapsed().as_secs_f64() * 1000.0;
    let mut rng = Rng::new(seed);
    let filters = [
        "account", "segment", "industry", "kind", "level", "tag", "date", "theme",
    ];
    let mut by_filter: Vec<Vec<f64>> = vec![Vec::new(); filters.len()];
    let mut all = Vec::with_capacity(queries);
    let mut more = 0usize;
    let mut hits = 0usize;
    for i in 0..(warmup + queries) {
        let mut q = SearchQuery::new(QUERIES[rng.below(QUERIES.len() as u64) as usize]);
        let mut f = rng.below(filters.len() as u64) as usize;
        if filters[f] == "theme" && themes.is_empty() {
            f = 0;
        }
        match filters[f] {
            "account" => q.account_id = Some(*rng.pick(&accounts)),
            "segment" => q.segment = Some(*rng.pick(Segment::ALL)),
            "industry" => q.industry = Some(rng.pick(&industries).clone()),
            "kind" => q.kind = Some(*rng.pick(EvidenceKind::ALL)),
            "level" => q.level = Some(rng.range(1, 5) as u8),
            "tag" => q.tag = Some(rng.pick(&tags).clone()),
            "date" => {
                let start = today - chrono::Days::new(rng.range(30, 1000) as u64);
                q.from = Some(start);
                q.to = Some(start + chrono::Days::new(90));
            }
            _ => q.theme_id = Some(*rng.pick(&themes)),
        }
        let started = Instant::now();
        let r = store.search(&q)?;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        if i >= warmup {
            all.push(ms);
            by_filter[f].push(ms);
            more += r.more as usize;
            hits += r.hits.len();
        }
    }
    let mut out = serde_json::json!({
        "benchmark": "search",
        "engine": store.describe(),
        "evidence": total,
        "index_check": format!("{verdict:?}"),
        "index_check_ms": check_ms,
        "warmup_queries": warmup,
        "ranked_window_reached": more,
        "hits_per_query": hits as f64 / queries.max(1) as f64,
        "overall": summary("all", &mut all),
    });
    out["by_filter"] = filters
        .iter()
        .zip(by_filter.iter_mut())
        .filter(|(_, t)| !t.is_empty())
        .map(|(n, t)| summary(n, t))
        .collect();
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

/// Generates `items` statements, groups them with `core::themes` (timed), and writes the
/// texts, our labels and the generator's topics for the side-by-side Python pipeline.
pub fn themes(items: usize, seed: u64, k: Option<usize>, out_dir: Option<PathBuf>) -> Result<()> {
    let mut rng = Rng::new(seed);
    let products = [
        "Beacon Workflow",
        "Beacon Analytics",
        "Beacon Connect",
        "Beacon Mobile",
    ];
    let statements: Vec<_> = (0..items)
        .map(|_| {
            let p = *rng.pick(&products);
            statement(&mut rng, p, 540)
        })
        .collect();
    let texts: Vec<&str> = statements.iter().map(|s| s.body.as_str()).collect();
    let opts = peerstage_core::themes::Options {
        k,
        ..Default::default()
    };
    let started = Instant::now();
    let mut stages = Vec::new();
    let c = peerstage_core::themes::cluster(&texts, &opts, &mut |s| {
        stages.push((started.elapsed().as_secs_f64(), s.to_string()));
        eprintln!("{:>6.2}s {s}", started.elapsed().as_secs_f64());
    });
    let seconds = started.elapsed().as_secs_f64();
    if let Some(dir) = &out_dir {
        std::fs::create_dir_all(dir)?;
        let mut t = std::io::BufWriter::new(std::fs::File::create(dir.join("texts.jsonl"))?);
        let mut l = std::io::BufWriter::new(std::fs::File::create(dir.join("ours.txt"))?);
        let mut g = std::io::BufWriter::new(std::fs::File::create(dir.join("topics.txt"))?);
        for (i, s) in statements.iter().enumerate() {
            writeln!(t, "{}", serde_json::to_string(&s.body)?)?;
            writeln!(l, "{}", c.assignment[i].map(|x| x as i64).unwrap_or(-1))?;
            writeln!(g, "{}", s.topic)?;
        }
    }
    let out = serde_json::json!({
        "benchmark": "themes",
        "items": items,
        "threads": opts.threads,
        "seconds": seconds,
        "k": c.clusters.len(),
        "sample_silhouette": c.sample_silhouette,
        "vocabulary": c.vocabulary,
        "unthemed": c.assignment.iter().filter(|a| a.is_none()).count(),
        "generator_topics": TOPICS.len(),
        "stages": stages.iter().map(|(t, s)| serde_json::json!({"at_s": t, "stage": s})).collect::<Vec<_>>(),
        "themes": c.clusters.iter().map(|cl| serde_json::json!({"label": cl.label, "items": cl.members.len()})).collect::<Vec<_>>(),
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

/// Adds generated evidence until the database holds `items`, then times two re-runs of
/// themes through the store (reading, clustering, matching and writing memberships).
pub fn themes_end_to_end(store: &Store, items: usize, seed: u64) -> Result<()> {
    let today = chrono::Utc::now().date_naive();
    let have = store.bench_count("evidence")? as usize;
    if have < items {
        let need = items - have;
        store.bench_add_evidence(seed, need, today, &mut |done| {
            eprint!("\radding evidence: {done}/{need}");
            let _ = std::io::stderr().flush();
        })?;
        eprintln!();
    }
    let total = store.bench_count("evidence")?;
    let mut runs = Vec::new();
    for _ in 0..2 {
        let started = Instant::now();
        let run = store.refresh_themes(&Default::default(), &mut |s| {
            eprintln!("{:>6.2}s {s}", started.elapsed().as_secs_f64())
        })?;
        runs.push(serde_json::json!({
            "seconds": started.elapsed().as_secs_f64(),
            "themes": run.themes, "kept": run.kept, "created": run.created, "removed": run.removed,
            "silhouette": run.silhouette,
        }));
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({
            "benchmark": "themes end to end",
            "engine": store.describe(),
            "evidence": total,
            "runs": runs,
        }))?
    );
    Ok(())
}
