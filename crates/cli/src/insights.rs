//! `analyze-review` (E2) and `scorecard` (E1).

use crate::open;
use anyhow::{anyhow, bail, Context, Result};
use peerstage_core::agenda::{
    analyze_text, share_changes, AgendaFormat, AgendaInput, Analysis, ReviewClass, Vocabulary,
    CURSORY_MINUTES,
};
use peerstage_core::money::format_amount;
use peerstage_core::scorecard::{format_change, format_value, Figure, Quarter, Scorecard, Unit};
use peerstage_core::{Fields, Segment};
use peerstage_store::{QuarterlyReview, Store};
use serde_json::{json, Value};
use std::path::Path;

/// The database, unless it is the default SQLite file and that does not exist: analyzing a
/// file should not leave a database behind.
fn optional_store(url: &str) -> Result<Option<Store>> {
    if url == crate::DEFAULT_DATABASE && !Path::new("peerstage.db").exists() {
        return Ok(None);
    }
    open(url).map(Some)
}

pub struct AnalyzeArgs {
    pub file: std::path::PathBuf,
    pub format: Option<String>,
    pub json: bool,
    pub save: bool,
    pub title: Option<String>,
    pub held_on: Option<String>,
}

fn bar(share: f64) -> String {
    "█".repeat((share * 40.0).round() as usize)
}

fn pct(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

pub fn analyze_review(url: &str, a: AnalyzeArgs) -> Result<()> {
    let shown = a.file.display().to_string();
    let bytes = std::fs::read(&a.file).with_context(|| format!("cannot read {shown}"))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        anyhow!("{shown}: the file is not UTF-8 text; save it as UTF-8 CSV or Markdown")
    })?;
    let lower = shown.to_lowercase();
    let format = match a.format.as_deref() {
        Some(f) => Some(AgendaFormat::parse(f).map_err(|e| anyhow!("--format: {e}"))?),
        None if lower.ends_with(".csv") => Some(AgendaFormat::Csv),
        None if lower.ends_with(".md") || lower.ends_with(".markdown") => {
            Some(AgendaFormat::Markdown)
        }
        None => None,
    };
    let store = if a.save {
        Some(open(url)?)
    } else {
        optional_store(url)?
    };
    let (vocab, earlier) = match &store {
        Some(s) => {
            let vocab = s.agenda_vocabulary()?;
            let earlier: Vec<(QuarterlyReview, Analysis)> = s
                .list_quarterly_reviews(12)?
                .into_iter()
                .filter_map(|r| r.analyze(&vocab).map(|an| (r, an)))
                .collect();
            (vocab, earlier)
        }
        None => (Vocabulary::builtin(), Vec::new()),
    };
    let analysis = match analyze_text(&text, format, &vocab) {
        Ok(an) => an,
        Err(errors) => {
            let lines: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
            bail!("{shown} could not be read:\n{}", lines.join("\n"));
        }
    };
    let mut saved = None;
    if a.save {
        let mut f = Fields::from_pairs([
            ("agenda", text.as_str()),
            ("format", analysis.format.as_str()),
        ]);
        if let Some(t) = &a.title {
            f.push("title", t.as_str());
        }
        if let Some(d) = &a.held_on {
            f.push("held_on", d.as_str());
        }
        let (input, _) = AgendaInput::from_fields(&f).map_err(|e| anyhow!("{e}"))?;
        let store = store.as_ref().expect("opened to save");
        saved = Some(store.save_quarterly_review(&input)?);
    }
    if a.json {
        let mut v = serde_json::to_value(&analysis)?;
        v["file"] = json!(shown);
        v["summary"] = json!(analysis.summary());
        v["verdict_label"] = json!(analysis.verdict.map(|c| c.driven()));
        v["share_by_class"] = Value::Object(
            ReviewClass::ALL
                .iter()
                .map(|c| (c.as_str().to_string(), json!(analysis.minutes.share(*c))))
                .collect(),
        );
        v["earlier"] = Value::Array(
            earlier
                .iter()
                .map(|(r, e)| {
                    json!({
                        "id": r.id, "title": r.title, "held_on": r.held_on,
                        "verdict": e.verdict, "total_minutes": e.total_minutes,
                        "share_by_class": ReviewClass::ALL.iter().map(|c| (c.as_str().to_string(), json!(e.minutes.share(*c)))).collect::<serde_json::Map<_, _>>(),
                    })
                })
                .collect(),
        );
        if let Some(r) = &saved {
            v["saved_id"] = json!(r.id);
        }
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    print!("{}", render_analysis(&shown, &analysis, &earlier));
    if let Some(r) = saved {
        println!("\nSaved as quarterly review {} ({}).", r.id, r.title);
    }
    Ok(())
}

/// The analysis as text, the way the web page shows it.
pub fn render_analysis(
    name: &str,
    a: &Analysis,
    earlier: &[(QuarterlyReview, Analysis)],
) -> String {
    let mut o = String::new();
    o.push_str(&format!(
        "Quarterly review agenda {name} ({}, {} items, {} minutes)\n\n",
        a.format.label(),
        a.items.len(),
        a.total_minutes
    ));
    o.push_str(&format!(
        "Verdict: {}\n  {}\n\n",
        a.verdict.map(|v| v.driven()).unwrap_or("undetermined"),
        a.summary()
    ));
    o.push_str("Share of time\n");
    for s in &a.shares {
        o.push_str(&format!(
            "  {:<16} {:>4} min {:>5}  {}{}\n",
            s.class.label(),
            s.minutes,
            pct(s.share),
            bar(s.share),
            if s.cursory { "  (cursory)" } else { "" }
        ));
    }
    let unclassified = if a.total_minutes == 0 {
        0.0
    } else {
        a.minutes.unclassified as f64 / a.total_minutes as f64
    };
    o.push_str(&format!(
        "  {:<16} {:>4} min {:>5}\n\n",
        "Not classified",
        a.minutes.unclassified,
        pct(unclassified)
    ));
    o.push_str("Cursory time\n");
    if a.cursory.is_empty() && a.short_items.is_empty() {
        o.push_str("  none: every class got at least 10% of the time\n");
    }
    for c in &a.cursory {
        let s = a
            .shares
            .iter()
            .find(|s| s.class == *c)
            .expect("a share per class");
        if s.minutes == 0 {
            o.push_str(&format!("  {}: not on the agenda at all\n", c.label()));
        } else {
            o.push_str(&format!(
                "  {}: {} minutes, {} of the time\n",
                c.label(),
                s.minutes,
                pct(s.share)
            ));
        }
    }
    for i in &a.short_items {
        let it = &a.items[*i];
        o.push_str(&format!(
            "  item under {CURSORY_MINUTES} minutes: {} ({} min)\n",
            it.item.item, it.item.minutes
        ));
    }
    o.push_str("\nItems\n");
    o.push_str(&format!(
        "  {:>4}  {:>4}  {:<15} {:<40} {}\n",
        "line", "min", "class", "item", "decided by"
    ));
    for it in &a.items {
        let c = &it.classification;
        let words = if c.words.is_empty() {
            "no known word".to_string()
        } else if c.learned {
            format!("{} (remembered)", c.words.join(", "))
        } else {
            c.words.join(", ")
        };
        o.push_str(&format!(
            "  {:>4}  {:>4}  {:<15} {:<40} {}\n",
            it.item.line,
            it.item.minutes,
            c.class.map(|c| c.label()).unwrap_or("—"),
            clip(&it.item.item, 40),
            words
        ));
    }
    o.push_str("\nCompared with earlier reviews\n");
    if earlier.is_empty() {
        o.push_str("  none saved yet (save with --save, or on the web page)\n");
    } else {
        o.push_str(&format!(
            "  {:<34} {:<18} {:>8} {:>8} {:>10} {:>14}\n",
            "review", "verdict", "product", "sales", "operations", "customer value"
        ));
        let row = |label: &str, an: &Analysis| {
            format!(
                "  {:<34} {:<18} {:>8} {:>8} {:>10} {:>14}\n",
                clip(label, 34),
                an.verdict.map(|v| v.driven()).unwrap_or("undetermined"),
                pct(an.minutes.share(ReviewClass::Product)),
                pct(an.minutes.share(ReviewClass::Sales)),
                pct(an.minutes.share(ReviewClass::Operations)),
                pct(an.minutes.share(ReviewClass::CustomerValue)),
            )
        };
        o.push_str(&row("this agenda", a));
        for (r, an) in earlier {
            let label = match r.held_on {
                Some(d) => format!("{d} {}", r.title),
                None => r.title.clone(),
            };
            o.push_str(&row(&label, an));
        }
        let ch = share_changes(&earlier[0].1.minutes, &a.minutes);
        let parts: Vec<String> = ReviewClass::ALL
            .iter()
            .zip(ch)
            .map(|(c, d)| format!("{} {d:+.0} pts", c.label().to_lowercase()))
            .collect();
        o.push_str(&format!(
            "  change since the latest: {}\n",
            parts.join(", ")
        ));
    }
    o
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

pub fn scorecard(
    url: &str,
    period: Option<String>,
    segment: Option<String>,
    json_out: bool,
) -> Result<()> {
    let today = chrono::Utc::now().date_naive();
    let period = match period {
        Some(p) => Quarter::parse(&p).map_err(|e| anyhow!("--period: {e}"))?,
        None => Quarter::last_complete(today),
    };
    let segment = match segment.as_deref() {
        None | Some("") | Some("all") => None,
        Some(s) => Some(Segment::parse(s).map_err(|e| anyhow!("--segment: {e}"))?),
    };
    let store = open(url)?;
    let card = store
        .scorecard(period, segment, today)
        .map_err(|e| match e {
            peerstage_store::StoreError::Invalid(f) => {
                anyhow!("--period: {}", f.get("period").unwrap_or("invalid"))
            }
            other => other.into(),
        })?;
    if json_out {
        let mut v = serde_json::to_value(&card)?;
        v["segment"] = json!(card.segment.map(|s| s.as_str()));
        v["figures"] = Value::Array(
            Figure::ALL
                .iter()
                .map(|f| {
                    json!({
                        "key": f.as_str(),
                        "label": f.label(),
                        "definition": f.definition(),
                        "values": card.periods.iter().map(|p| json!({"period": p.period, "value": f.value(p), "shown": format_value(f.unit(), f.value(p)), "basis": f.basis(p)})).collect::<Vec<_>>(),
                    })
                })
                .collect(),
        );
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    print!("{}", render_scorecard(&card));
    Ok(())
}

pub fn render_scorecard(card: &Scorecard) -> String {
    let mut o = String::new();
    let chosen = card.chosen();
    o.push_str(&format!(
        "Scorecard {} · {} · to {} (as of {})\n\n",
        card.period.label(),
        card.segment.map(|s| s.label()).unwrap_or("All segments"),
        chosen.end,
        card.as_of
    ));
    o.push_str(&format!("  {:<38}", "figure"));
    for p in &card.periods {
        o.push_str(&format!("{:>10}", p.period.label()));
    }
    o.push_str(&format!("{:>12}\n", "change"));
    for f in Figure::ALL {
        o.push_str(&format!("  {:<38}", f.label()));
        for p in &card.periods {
            o.push_str(&format!("{:>10}", format_value(f.unit(), f.value(p))));
        }
        let change = format_change(
            f.unit(),
            card.previous().and_then(|p| f.value(p)),
            f.value(chosen),
        );
        o.push_str(&format!("{:>12}\n", change.unwrap_or_else(|| "—".into())));
        o.push_str(&format!("  {:<38}{}\n", "", f.basis(chosen)));
    }
    let n = &card.now;
    o.push_str(&format!(
        "\nToday: {} customer accounts, {} revenue\n  at risk: {} accounts, {} revenue\n  unprofitable: {} accounts, {} revenue, {} margin\n",
        n.customers,
        format_amount(n.revenue),
        n.at_risk,
        format_amount(n.at_risk_revenue),
        n.unprofitable,
        format_amount(n.unprofitable_revenue),
        format_amount(n.unprofitable_margin)
    ));
    o.push_str(&format!("\nRetention by cohort at {}\n", chosen.end));
    o.push_str(&format!(
        "  {:<10}{:>10}{:>10}{:>8}{:>10}{:>10}\n",
        "cohort", "accounts", "still", "lost", "logo", "revenue"
    ));
    for c in &card.cohorts {
        o.push_str(&format!(
            "  {:<10}{:>10}{:>10}{:>8}{:>10}{:>10}\n",
            c.cohort
                .map(|y| y.to_string())
                .unwrap_or_else(|| "unknown".into()),
            c.accounts,
            c.still_customers,
            c.lost,
            format_value(Unit::Share, c.logo),
            format_value(Unit::Share, c.revenue_retention)
        ));
    }
    o.push_str("\nCLV = average annual margin × expected lifetime (1 ÷ annual logo churn, at most 10 years).\nThe rows behind each figure: /scorecard/rows?figure=KEY&period=QUARTER on the web UI.\n");
    o
}

/// `peerstage bench insights`: each figure computed cold, on a fresh store (empty cache),
/// then once more warm. Figures for docs/PERFORMANCE.md.
pub fn bench(url: &str, runs: usize) -> Result<()> {
    use std::time::Instant;
    let today = chrono::Utc::now().date_naive();
    let period = Quarter::last_complete(today);
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1000.0;
    type Step = (
        &'static str,
        fn(&Store, Quarter, chrono::NaiveDate) -> peerstage_store::Result<()>,
    );
    let steps: &[Step] = &[
        ("account facts", |s, _, d| s.account_facts(d).map(|_| ())),
        ("program report (advocates)", |s, _, d| {
            s.program_report(d).map(|_| ())
        }),
        ("dashboard figures", |s, _, d| {
            s.dashboard_data(d).map(|_| ())
        }),
        ("scorecard, all segments", |s, p, d| {
            s.scorecard(p, None, d).map(|_| ())
        }),
        ("scorecard, one segment", |s, p, d| {
            s.scorecard(p, Some(Segment::Smb), d).map(|_| ())
        }),
        ("rows: touchpoints", |s, p, d| {
            s.scorecard_touch_rows(p, None, d, 1, 50).map(|_| ())
        }),
        ("rows: coverage", |s, p, d| {
            s.scorecard_coverage_rows(p, None, d, 1, 50).map(|_| ())
        }),
        ("rows: commitments", |s, p, d| {
            s.scorecard_commitment_rows(p, None, d, 1, 50).map(|_| ())
        }),
        ("rows: NPS", |s, p, d| {
            s.scorecard_nps_rows(p, None, d, 1, 50).map(|_| ())
        }),
    ];
    let mut cold: Vec<Vec<f64>> = vec![Vec::new(); steps.len()];
    let mut warm: Vec<Vec<f64>> = vec![Vec::new(); steps.len()];
    for _ in 0..runs.max(1) {
        let store = open(url)?;
        for (i, (_, f)) in steps.iter().enumerate() {
            let t = Instant::now();
            f(&store, period, today)?;
            cold[i].push(ms(t));
            let t = Instant::now();
            f(&store, period, today)?;
            warm[i].push(ms(t));
        }
    }
    println!(
        "{:<28}{:>12}{:>12}{:>12}",
        "", "cold p50", "cold max", "warm p50"
    );
    for (i, (name, _)) in steps.iter().enumerate() {
        let p50 = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let c50 = p50(&mut cold[i]);
        let cmax = cold[i].last().copied().unwrap_or(0.0);
        let w50 = p50(&mut warm[i]);
        println!("{name:<28}{c50:>9.1} ms{cmax:>9.1} ms{w50:>9.1} ms");
    }
    Ok(())
}
