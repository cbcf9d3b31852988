//! `search`, `themes` and `language` commands (C3–C5).

use crate::open;
use anyhow::{anyhow, bail, Result};
use clap::Args;
use peerstage_core::search::SearchQuery;
use peerstage_core::Fields;
use std::io::IsTerminal;

#[derive(Args)]
pub struct SearchArgs {
    /// Words to find (every word must occur; "reports" also finds "reporting")
    #[arg(required = true)]
    pub query: Vec<String>,
    /// Only this account (id)
    #[arg(long)]
    pub account: Option<String>,
    /// enterprise, mid_market or smb
    #[arg(long)]
    pub segment: Option<String>,
    #[arg(long)]
    pub industry: Option<String>,
    /// problem, wish, praise, why_bought, existential_threat, recommendation, language
    #[arg(long)]
    pub kind: Option<String>,
    /// Research level 1–5
    #[arg(long)]
    pub level: Option<String>,
    /// Only this theme (id, see `peerstage themes`)
    #[arg(long)]
    pub theme: Option<String>,
    #[arg(long)]
    pub tag: Option<String>,
    /// From this date (YYYY-MM-DD)
    #[arg(long)]
    pub from: Option<String>,
    /// Up to this date (YYYY-MM-DD)
    #[arg(long)]
    pub to: Option<String>,
    #[arg(long, default_value_t = 1)]
    pub page: u32,
    #[arg(long, default_value_t = 20)]
    pub per_page: u32,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

pub fn search(url: &str, a: SearchArgs) -> Result<()> {
    let mut f = Fields::new();
    f.push("q", a.query.join(" "));
    let opt = [
        ("account_id", a.account),
        ("segment", a.segment),
        ("industry", a.industry),
        ("kind", a.kind),
        ("level", a.level),
        ("theme_id", a.theme),
        ("tag", a.tag),
        ("from", a.from),
        ("to", a.to),
    ];
    for (k, v) in opt {
        if let Some(v) = v {
            f.push(k, v);
        }
    }
    f.push("page", a.page.to_string());
    f.push("per_page", a.per_page.to_string());
    let q = SearchQuery::from_fields(&f).map_err(|e| anyhow!("{e}"))?;
    if q.words().is_empty() {
        bail!("give at least one word to search for");
    }
    let store = open(url)?;
    let started = std::time::Instant::now();
    let r = store.search(&q)?;
    let took = started.elapsed();
    if a.json {
        println!("{}", serde_json::to_string_pretty(&r)?);
        return Ok(());
    }
    let bold = std::io::stdout().is_terminal();
    if r.total == 0 {
        println!("No evidence mentions {}.", r.words.join(" and "));
        return Ok(());
    }
    println!(
        "{}{} result{} for {} ({:.1} ms){}",
        if r.more { "more than " } else { "" },
        r.total,
        if r.total == 1 { "" } else { "s" },
        r.words.join(" "),
        took.as_secs_f64() * 1000.0,
        if r.more {
            format!(
                "; the newest {} are ranked",
                peerstage_core::search::RANK_WINDOW
            )
        } else {
            String::new()
        }
    );
    for h in &r.hits {
        let mut meta = vec![h.date.to_string(), h.kind.label().to_string()];
        if let Some(n) = &h.account_name {
            meta.push(n.clone());
        }
        if let Some(t) = &h.theme_label {
            meta.push(format!("theme: {t}"));
        }
        if !h.tags.is_empty() {
            meta.push(format!("tags: {}", h.tags.join(", ")));
        }
        println!("\n#{}  {}", h.evidence_id, meta.join(" · "));
        let mut line = String::new();
        for frag in peerstage_core::search::excerpt(&h.fragments, 240) {
            match (frag.hit, bold) {
                (true, true) => line.push_str(&format!("\x1b[1m{}\x1b[0m", frag.text)),
                (true, false) => line.push_str(&format!("[{}]", frag.text)),
                (false, _) => line.push_str(&frag.text),
            }
        }
        println!("  {line}");
    }
    if r.pages() > r.page {
        println!("\npage {} of {} (--page N for more)", r.page, r.pages());
    }
    Ok(())
}

pub fn themes(url: &str, refresh: bool, k: Option<usize>, json: bool) -> Result<()> {
    let store = open(url)?;
    if refresh {
        if let Some(k) = k {
            if !(1..=200).contains(&k) {
                bail!("--k must be between 1 and 200");
            }
        }
        let opts = peerstage_core::themes::Options {
            k,
            ..Default::default()
        };
        let started = std::time::Instant::now();
        let run = store.refresh_themes(&opts, &mut |stage| {
            eprintln!("themes: {stage} ({:.1} s)", started.elapsed().as_secs_f64())
        })?;
        eprintln!(
            "themes: {} items in {} themes ({} kept, {} new, {} removed) in {:.1} s",
            run.items,
            run.themes,
            run.kept,
            run.created,
            run.removed,
            started.elapsed().as_secs_f64()
        );
    }
    let today = chrono::Utc::now().date_naive();
    let list = store.list_themes(today)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    if list.is_empty() {
        println!("No themes yet: run `peerstage themes --refresh` once there is evidence.");
        return Ok(());
    }
    println!(
        "{:<5} {:<40} {:>6} {:>6} {:>9} {:>8} {:>14}",
        "id", "theme", "items", "trend", "sentiment", "accounts", "revenue"
    );
    for t in &list {
        let label: String = if t.label.chars().count() > 40 {
            t.label.chars().take(39).collect::<String>() + "…"
        } else {
            t.label.clone()
        };
        println!(
            "{:<5} {:<40} {:>6} {:>+6} {:>+9.2} {:>8} {:>14}",
            t.id,
            label,
            t.volume,
            t.trend,
            t.sentiment,
            t.accounts,
            peerstage_core::money::format_amount(t.revenue)
        );
        if let Some(q) = t.quotes.first() {
            let text: String = q.text.chars().take(100).collect();
            println!("      “{text}”");
        }
    }
    Ok(())
}

pub fn language(url: &str, json: bool) -> Result<()> {
    let store = open(url)?;
    let r = store.customer_language(20_000, 30)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&r)?);
        return Ok(());
    }
    println!(
        "Customer phrases ({} problem and goal statements):",
        r.texts
    );
    for p in &r.customer_phrases {
        println!(
            "  {:>5}  {}{}",
            p.texts,
            p.phrase,
            if p.ours { "" } else { "   (not our words)" }
        );
    }
    println!("\nOur terms customers never use:");
    for t in &r.ours_not_theirs {
        println!("  {} ({})", t.term, t.category);
    }
    Ok(())
}
