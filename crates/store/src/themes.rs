//! Themes (C4) and the glossary of customer language (C5): running the clustering of
//! `core::themes` over the evidence, keeping theme identities across runs, the figures per
//! theme (volume, months, sentiment, accounts, revenue), and rename, merge, split and pins.

use crate::db::{Conn, Dialect, Row, Value};
use crate::{now, Result, Store, StoreError};
use chrono::{Datelike, NaiveDate};
use peerstage_core::account::Page;
use peerstage_core::language::{self, LanguageReport};
use peerstage_core::themes::{
    self, match_known, mentions_any, merge_signatures, signature_from_text, signature_of,
    signature_to_text, Known,
};
use peerstage_core::FieldErrors;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// A theme's key phrases with their weights.
type Signature = Vec<(String, f32)>;

/// A theme in one line, for briefing packs (events) and dashboards.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThemeBrief {
    pub id: i64,
    pub label: String,
    pub volume: u64,
    pub quote: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quote {
    pub evidence_id: i64,
    pub text: String,
    pub account_name: Option<String>,
    pub date: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthCount {
    pub month: String,
    pub items: u64,
}

/// A theme with its figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Theme {
    pub id: i64,
    pub label: String,
    /// A person named it (rename, merge or split); re-runs keep the name.
    pub named: bool,
    pub phrases: Vec<String>,
    pub volume: u64,
    pub pinned: u64,
    /// Average sentiment of its items, −1…1.
    pub sentiment: f64,
    pub accounts: u64,
    /// Annual revenue of the accounts affected.
    pub revenue: i64,
    /// Items per month, the last twelve months, oldest first.
    pub months: Vec<MonthCount>,
    /// Items in the last three months minus the three before.
    pub trend: i64,
    pub tags: Vec<String>,
    pub quotes: Vec<Quote>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// One item of a theme.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThemeMember {
    pub evidence_id: i64,
    pub text: String,
    pub date: NaiveDate,
    pub kind: String,
    pub sentiment: f64,
    pub account_id: Option<i64>,
    pub account_name: Option<String>,
    pub pinned: bool,
    pub score: f64,
}

/// An account affected by a theme.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThemeAccount {
    pub account_id: i64,
    pub name: String,
    pub items: u64,
    pub annual_revenue: i64,
}

/// What a re-run did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThemeRun {
    pub items: u64,
    pub themes: u64,
    /// Themes that continued one of the previous run (same id; named ones keep their name).
    pub kept: u64,
    pub created: u64,
    pub removed: u64,
    pub silhouette: Option<f64>,
    pub millis: u64,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GlossaryEntry {
    pub id: i64,
    pub term: String,
    pub category: String,
    pub note: Option<String>,
}

pub const GLOSSARY_CATEGORIES: &[&str] = &["product", "marketing", "feature", "other"];

fn split_ids(s: &str) -> Vec<i64> {
    s.split(';').filter_map(|x| x.parse().ok()).collect()
}

fn not_found(id: i64) -> StoreError {
    StoreError::NotFound { what: "theme", id }
}

/// The first day of the month eleven months before `today`'s.
fn twelve_months_from(today: NaiveDate) -> NaiveDate {
    let (mut y, mut m) = (today.year(), today.month() as i32 - 11);
    if m < 1 {
        m += 12;
        y -= 1;
    }
    NaiveDate::from_ymd_opt(y, m as u32, 1).unwrap_or(today)
}

fn month_keys(today: NaiveDate) -> Vec<String> {
    let start = twelve_months_from(today);
    (0..12)
        .map(|i| {
            let m0 = start.month0() as i32 + i;
            format!("{:04}-{:02}", start.year() + m0 / 12, m0 % 12 + 1)
        })
        .collect()
}

fn quotes_for(c: &mut dyn Conn, ids: &[i64]) -> Result<Vec<Quote>> {
    let mut out = Vec::new();
    for id in ids {
        if let Some(r) = c.query_one(
            "SELECT e.id, e.body, a.name, e.occurred_on FROM evidence e LEFT JOIN accounts a ON a.id = e.account_id WHERE e.id = ?",
            &[Value::Int(*id)],
        )? {
            out.push(Quote {
                evidence_id: r.int(0),
                text: r.text(1),
                account_name: r.opt_text(2),
                date: r.date(3),
            });
        }
    }
    Ok(out)
}

/// The themes with their figures; `only` limits to one theme.
fn load_themes(c: &mut dyn Conn, only: Option<i64>, today: NaiveDate) -> Result<Vec<Theme>> {
    let (filter, params) = match only {
        Some(id) => (" WHERE t.id = ?", vec![Value::Int(id)]),
        None => ("", Vec::new()),
    };
    let mut themes: Vec<(Theme, Vec<i64>)> = c
        .query(
            &format!("SELECT t.id, t.label, t.named, t.phrases, t.quotes, t.updated_at FROM themes t{filter} ORDER BY t.id"),
            &params,
        )?
        .iter()
        .map(|r| {
            (
                Theme {
                    id: r.int(0),
                    label: r.text(1),
                    named: r.bool(2),
                    phrases: crate::split_list(&r.text(3)),
                    volume: 0,
                    pinned: 0,
                    sentiment: 0.0,
                    accounts: 0,
                    revenue: 0,
                    months: Vec::new(),
                    trend: 0,
                    tags: Vec::new(),
                    quotes: Vec::new(),
                    updated_at: r.time(5),
                },
                split_ids(&r.text(4)),
            )
        })
        .collect();
    let mfilter = match only {
        Some(_) => " WHERE m.theme_id = ?",
        None => "",
    };
    let mut stats: HashMap<i64, Row> = HashMap::new();
    for r in c.query(
        &format!(
            "SELECT m.theme_id, count(*), CAST(avg(e.sentiment) AS DOUBLE PRECISION), count(DISTINCT e.account_id), \
             sum(CASE WHEN m.pinned THEN 1 ELSE 0 END) \
             FROM theme_members m JOIN evidence e ON e.id = m.evidence_id{mfilter} GROUP BY m.theme_id"
        ),
        &params,
    )? {
        stats.insert(r.int(0), r);
    }
    let mut revenue: HashMap<i64, i64> = HashMap::new();
    for r in c.query(
        &format!(
            "SELECT x.theme_id, CAST(sum(a.annual_revenue) AS BIGINT) FROM \
             (SELECT DISTINCT m.theme_id, e.account_id FROM theme_members m JOIN evidence e ON e.id = m.evidence_id{mfilter}) x \
             JOIN accounts a ON a.id = x.account_id GROUP BY x.theme_id"
        ),
        &params,
    )? {
        revenue.insert(r.int(0), r.int(1));
    }
    let keys = month_keys(today);
    let from = twelve_months_from(today);
    let month = c.dialect().month("e.occurred_on");
    let mut mparams = params.clone();
    mparams.push(Value::Date(from));
    let mcond = match only {
        Some(_) => " WHERE m.theme_id = ? AND e.occurred_on >= ?",
        None => " WHERE e.occurred_on >= ?",
    };
    let mut months: HashMap<(i64, String), u64> = HashMap::new();
    for r in c.query(
        &format!(
            "SELECT m.theme_id, {month}, count(*) FROM theme_members m JOIN evidence e ON e.id = m.evidence_id{mcond} GROUP BY m.theme_id, {month}"
        ),
        &mparams,
    )? {
        months.insert((r.int(0), r.text(1)), r.int(2) as u64);
    }
    let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
    for r in c.query("SELECT theme_id, tag FROM theme_tags ORDER BY tag", &[])? {
        tags.entry(r.int(0)).or_default().push(r.text(1));
    }
    let mut out = Vec::with_capacity(themes.len());
    for (mut t, quote_ids) in themes.drain(..) {
        if let Some(r) = stats.get(&t.id) {
            t.volume = r.int(1) as u64;
            t.sentiment = r.float(2);
            t.accounts = r.int(3) as u64;
            t.pinned = r.int(4) as u64;
        }
        t.revenue = revenue.get(&t.id).copied().unwrap_or(0);
        t.months = keys
            .iter()
            .map(|k| MonthCount {
                month: k.clone(),
                items: months.get(&(t.id, k.clone())).copied().unwrap_or(0),
            })
            .collect();
        let last3: u64 = t.months[9..].iter().map(|m| m.items).sum();
        let prev3: u64 = t.months[6..9].iter().map(|m| m.items).sum();
        t.trend = last3 as i64 - prev3 as i64;
        t.tags = tags.remove(&t.id).unwrap_or_default();
        t.quotes = quotes_for(c, &quote_ids)?;
        out.push(t);
    }
    out.sort_by(|a, b| b.volume.cmp(&a.volume).then(a.id.cmp(&b.id)));
    Ok(out)
}

fn check_label(label: &str) -> Result<String> {
    let l = label.trim();
    if l.is_empty() {
        return Err(FieldErrors::single("label", "give the theme a name").into());
    }
    if l.chars().count() > 120 {
        return Err(FieldErrors::single("label", "at most 120 characters").into());
    }
    Ok(l.to_string())
}

fn exists(c: &mut dyn Conn, id: i64) -> Result<()> {
    if c.query_int(
        "SELECT count(*) FROM themes WHERE id = ?",
        &[Value::Int(id)],
    )? == 0
    {
        return Err(not_found(id));
    }
    Ok(())
}

/// Inserts memberships in batches (both engines take multi-row VALUES).
fn insert_members(c: &mut dyn Conn, rows: &[(i64, i64, bool, f64)]) -> Result<()> {
    for chunk in rows.chunks(400) {
        let values = vec!["(?, ?, ?, ?)"; chunk.len()].join(", ");
        let mut params = Vec::with_capacity(chunk.len() * 4);
        for (e, t, p, s) in chunk {
            params.extend([
                Value::Int(*e),
                Value::Int(*t),
                Value::Bool(*p),
                Value::Float(*s),
            ]);
        }
        c.execute(
            &format!(
                "INSERT INTO theme_members (evidence_id, theme_id, pinned, score) VALUES {values}"
            ),
            &params,
        )?;
    }
    Ok(())
}

/// Puts every item carrying a pinned tag into that tag's theme (pinned).
fn apply_tag_pins(c: &mut dyn Conn, only_tag: Option<&str>) -> Result<()> {
    let (cond, params) = match only_tag {
        Some(t) => (" AND tt.tag = ?", vec![Value::from(t)]),
        None => ("", Vec::new()),
    };
    c.execute(
        &format!(
            "DELETE FROM theme_members WHERE evidence_id IN \
             (SELECT et.evidence_id FROM evidence_tags et JOIN theme_tags tt ON tt.tag = et.tag WHERE 1 = 1{cond})"
        ),
        &params,
    )?;
    c.execute(
        &format!(
            "INSERT INTO theme_members (evidence_id, theme_id, pinned, score) \
             SELECT et.evidence_id, min(tt.theme_id), TRUE, 1 FROM evidence_tags et JOIN theme_tags tt ON tt.tag = et.tag \
             WHERE 1 = 1{cond} GROUP BY et.evidence_id"
        ),
        &params,
    )?;
    Ok(())
}

impl Store {
    /// Groups all evidence into themes again (see `core::themes`), keeping the identity of
    /// themes that continue, the names people gave, and pinned items and tags. `progress`
    /// hears each stage.
    pub fn refresh_themes(
        &self,
        options: &themes::Options,
        progress: &mut dyn FnMut(&str),
    ) -> Result<ThemeRun> {
        let started = std::time::Instant::now();
        progress("loading evidence");
        let rows =
            self.with_conn(|c| Ok(c.query("SELECT id, body FROM evidence ORDER BY id", &[])?))?;
        let ids: Vec<i64> = rows.iter().map(|r| r.int(0)).collect();
        let bodies: Vec<String> = rows.iter().map(|r| r.text(1)).collect();
        drop(rows);
        let texts: Vec<&str> = bodies.iter().map(String::as_str).collect();
        let clustering = themes::cluster(&texts, options, progress);
        progress("matching with the themes of the last run");
        let (known, named) = self.with_conn(|c| {
            let mut members: HashMap<i64, Vec<i64>> = HashMap::new();
            for r in c.query("SELECT theme_id, evidence_id FROM theme_members", &[])? {
                members.entry(r.int(0)).or_default().push(r.int(1));
            }
            let mut named = HashSet::new();
            let known: Vec<Known> = c
                .query("SELECT id, signature, named FROM themes ORDER BY id", &[])?
                .iter()
                .map(|r| {
                    if r.bool(2) {
                        named.insert(r.int(0));
                    }
                    Known {
                        id: r.int(0),
                        signature: signature_from_text(&r.text(1)),
                        members: members.remove(&r.int(0)).unwrap_or_default(),
                    }
                })
                .collect();
            Ok((known, named))
        })?;
        let new: Vec<(Signature, Vec<i64>)> = clustering
            .clusters
            .iter()
            .map(|cl| {
                (
                    cl.signature.clone(),
                    cl.members.iter().map(|(i, _)| ids[*i]).collect(),
                )
            })
            .collect();
        let matched = match_known(&new, &known);
        progress("saving themes");
        let actor = self.actor().label.clone();
        let at = now();
        let run = self.transaction(|c| {
            let mut theme_ids = Vec::with_capacity(clustering.clusters.len());
            let (mut kept, mut created) = (0u64, 0u64);
            for (cl, m) in clustering.clusters.iter().zip(&matched) {
                let quotes: Vec<String> = cl.quotes.iter().map(|q| ids[*q].to_string()).collect();
                let phrases = crate::join_list(&cl.phrases);
                let sig = signature_to_text(&cl.signature);
                let id = match m {
                    Some(id) => {
                        kept += 1;
                        c.execute(
                            "UPDATE themes SET label = CASE WHEN named THEN label ELSE ? END, phrases = ?, signature = ?, quotes = ?, updated_at = ? WHERE id = ?",
                            &[
                                Value::from(&cl.label),
                                Value::from(phrases),
                                Value::from(sig),
                                Value::from(quotes.join(";")),
                                Value::Time(at),
                                Value::Int(*id),
                            ],
                        )?;
                        *id
                    }
                    None => {
                        created += 1;
                        insert_theme(
                            c,
                            &cl.label,
                            false,
                            Value::from(phrases),
                            Value::from(sig),
                            &quotes.join(";"),
                            at,
                        )?
                    }
                };
                theme_ids.push(id);
            }
            // Themes that did not continue go, unless a person named them or pinned to them.
            let continued: HashSet<i64> = matched.iter().flatten().copied().collect();
            let mut removed = 0u64;
            for k in &known {
                if continued.contains(&k.id) || named.contains(&k.id) {
                    continue;
                }
                let pins = c.query_int(
                    "SELECT (SELECT count(*) FROM theme_members WHERE theme_id = ? AND pinned = TRUE) + (SELECT count(*) FROM theme_tags WHERE theme_id = ?)",
                    &[Value::Int(k.id), Value::Int(k.id)],
                )?;
                if pins == 0 {
                    c.execute("DELETE FROM themes WHERE id = ?", &[Value::Int(k.id)])?;
                    removed += 1;
                } else {
                    c.execute(
                        "DELETE FROM theme_members WHERE theme_id = ? AND pinned = FALSE",
                        &[Value::Int(k.id)],
                    )?;
                }
            }
            apply_tag_pins(c, None)?;
            // Write only what changed: on SQLite each membership change re-indexes the item
            // for search (its theme is a filter), and a re-run mostly keeps items in place.
            let mut current: HashMap<i64, (i64, bool)> = HashMap::new();
            for r in c.query("SELECT evidence_id, theme_id, pinned FROM theme_members", &[])? {
                current.insert(r.int(0), (r.int(1), r.bool(2)));
            }
            let mut score_of: HashMap<usize, f32> = HashMap::new();
            for cl in &clustering.clusters {
                for (r, s) in &cl.members {
                    score_of.insert(*r, *s);
                }
            }
            let mut inserts = Vec::new();
            let mut moves = Vec::new();
            let mut assigned: HashSet<i64> = HashSet::with_capacity(ids.len());
            for (i, a) in clustering.assignment.iter().enumerate() {
                let Some(cl) = a else { continue };
                let (e, t) = (ids[i], theme_ids[*cl]);
                let score = score_of.get(&i).copied().unwrap_or(0.0) as f64;
                assigned.insert(e);
                match current.get(&e) {
                    None => inserts.push((e, t, false, score)),
                    Some((_, true)) => {}
                    Some((old, false)) => moves.push((e, t, *old != t, score)),
                }
            }
            let gone: Vec<String> = current
                .iter()
                .filter(|(e, (_, pinned))| !pinned && !assigned.contains(e))
                .map(|(e, _)| e.to_string())
                .collect();
            for chunk in gone.chunks(500) {
                c.execute(
                    &format!("DELETE FROM theme_members WHERE evidence_id IN ({})", chunk.join(",")),
                    &[],
                )?;
            }
            for (e, t, changed, score) in &moves {
                if *changed {
                    c.execute(
                        "UPDATE theme_members SET theme_id = ?, score = ? WHERE evidence_id = ?",
                        &[Value::Int(*t), Value::Float(*score), Value::Int(*e)],
                    )?;
                } else {
                    c.execute(
                        "UPDATE theme_members SET score = ? WHERE evidence_id = ?",
                        &[Value::Float(*score), Value::Int(*e)],
                    )?;
                }
            }
            insert_members(c, &inserts)?;
            let run = ThemeRun {
                items: ids.len() as u64,
                themes: theme_ids.len() as u64,
                kept,
                created,
                removed,
                silhouette: clustering.sample_silhouette,
                millis: started.elapsed().as_millis() as u64,
                created_at: at,
            };
            c.execute(
                "INSERT INTO theme_runs (items, themes, kept, created, removed, silhouette, millis, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                &[
                    Value::Int(run.items as i64),
                    Value::Int(run.themes as i64),
                    Value::Int(run.kept as i64),
                    Value::Int(run.created as i64),
                    Value::Int(run.removed as i64),
                    Value::from(run.silhouette),
                    Value::Int(run.millis as i64),
                    Value::from(actor.as_str()),
                    Value::Time(at),
                ],
            )?;
            self.audit(
                c,
                "refresh",
                "themes",
                None,
                &format!(
                    "themes re-run over {} items: {} themes ({} kept, {} new, {} removed)",
                    run.items, run.themes, run.kept, run.created, run.removed
                ),
                None,
                None,
            )?;
            Ok(run)
        })?;
        Ok(ThemeRun {
            millis: started.elapsed().as_millis() as u64,
            ..run
        })
    }

    /// The latest re-run, if any.
    pub fn last_theme_run(&self) -> Result<Option<ThemeRun>> {
        self.with_conn(|c| {
            Ok(c
                .query_one(
                    "SELECT items, themes, kept, created, removed, silhouette, millis, created_at FROM theme_runs ORDER BY id DESC LIMIT 1",
                    &[],
                )?
                .map(|r| ThemeRun {
                    items: r.int(0) as u64,
                    themes: r.int(1) as u64,
                    kept: r.int(2) as u64,
                    created: r.int(3) as u64,
                    removed: r.int(4) as u64,
                    silhouette: match r.0[5] {
                        Value::Null => None,
                        _ => Some(r.float(5)),
                    },
                    millis: r.int(6) as u64,
                    created_at: r.time(7),
                }))
        })
    }

    /// All themes with their figures, largest first.
    pub fn list_themes(&self, today: NaiveDate) -> Result<Vec<Theme>> {
        self.with_conn(|c| load_themes(c, None, today))
    }

    pub fn get_theme(&self, id: i64, today: NaiveDate) -> Result<Theme> {
        self.with_conn(|c| load_themes(c, Some(id), today)?.pop().ok_or(not_found(id)))
    }

    /// A theme's items, most typical first (pinned ones first of all).
    pub fn theme_members(&self, id: i64, page: u32, per_page: u32) -> Result<Page<ThemeMember>> {
        self.with_conn(|c| {
            exists(c, id)?;
            let total = c.query_int(
                "SELECT count(*) FROM theme_members WHERE theme_id = ?",
                &[Value::Int(id)],
            )? as u64;
            let per_page = per_page.clamp(1, 200);
            let page = page.max(1);
            let items = c
                .query(
                    &format!(
                        "SELECT e.id, e.body, e.occurred_on, e.kind, e.sentiment, e.account_id, a.name, m.pinned, m.score \
                         FROM theme_members m JOIN evidence e ON e.id = m.evidence_id LEFT JOIN accounts a ON a.id = e.account_id \
                         WHERE m.theme_id = ? ORDER BY m.pinned DESC, m.score DESC, e.id DESC LIMIT {per_page} OFFSET {}",
                        (page - 1) as u64 * per_page as u64
                    ),
                    &[Value::Int(id)],
                )?
                .iter()
                .map(|r| ThemeMember {
                    evidence_id: r.int(0),
                    text: r.text(1),
                    date: r.date(2),
                    kind: r.text(3),
                    sentiment: r.float(4),
                    account_id: r.opt_int(5),
                    account_name: r.opt_text(6),
                    pinned: r.bool(7),
                    score: r.float(8),
                })
                .collect();
            Ok(Page {
                items,
                total,
                page,
                per_page,
            })
        })
    }

    /// The accounts a theme affects, by how many of its items they gave.
    pub fn theme_accounts(&self, id: i64) -> Result<Vec<ThemeAccount>> {
        self.with_conn(|c| {
            exists(c, id)?;
            Ok(c
                .query(
                    "SELECT a.id, a.name, count(*), a.annual_revenue FROM theme_members m JOIN evidence e ON e.id = m.evidence_id \
                     JOIN accounts a ON a.id = e.account_id WHERE m.theme_id = ? GROUP BY a.id, a.name, a.annual_revenue \
                     ORDER BY count(*) DESC, a.name LIMIT 200",
                    &[Value::Int(id)],
                )?
                .iter()
                .map(|r| ThemeAccount {
                    account_id: r.int(0),
                    name: r.text(1),
                    items: r.int(2) as u64,
                    annual_revenue: r.int(3),
                })
                .collect())
        })
    }

    /// The recurring themes of the accounts in one industry, by how many of their items each
    /// holds, with a quote from that industry.
    pub fn industry_themes(&self, industry: &str, limit: usize) -> Result<Vec<ThemeBrief>> {
        self.with_conn(|c| {
            let rows = c.query(
                &format!(
                    "SELECT t.id, t.label, count(*) FROM theme_members m JOIN themes t ON t.id = m.theme_id \
                     JOIN evidence e ON e.id = m.evidence_id JOIN accounts a ON a.id = e.account_id \
                     WHERE lower(a.industry) = lower(?) GROUP BY t.id, t.label ORDER BY count(*) DESC, t.id LIMIT {}",
                    limit.min(1000)
                ),
                &[Value::from(industry)],
            )?;
            let mut out = Vec::new();
            for r in rows {
                let quote = c
                    .query_one(
                        "SELECT e.body FROM theme_members m JOIN evidence e ON e.id = m.evidence_id JOIN accounts a ON a.id = e.account_id \
                         WHERE m.theme_id = ? AND lower(a.industry) = lower(?) ORDER BY m.score DESC, e.id DESC LIMIT 1",
                        &[Value::Int(r.int(0)), Value::from(industry)],
                    )?
                    .map(|q| q.text(0));
                out.push(ThemeBrief {
                    id: r.int(0),
                    label: r.text(1),
                    volume: r.int(2) as u64,
                    quote,
                });
            }
            Ok(out)
        })
    }

    /// The largest themes in one line each (dashboards).
    pub fn top_themes(&self, limit: usize) -> Result<Vec<ThemeBrief>> {
        self.with_conn(|c| {
            let rows = c.query(
                &format!(
                    "SELECT t.id, t.label, count(m.evidence_id), t.quotes FROM themes t LEFT JOIN theme_members m ON m.theme_id = t.id \
                     GROUP BY t.id, t.label, t.quotes ORDER BY count(m.evidence_id) DESC, t.id LIMIT {}",
                    limit.min(1000)
                ),
                &[],
            )?;
            let mut out = Vec::new();
            for r in rows {
                let quote = quotes_for(c, &split_ids(&r.text(3)).into_iter().take(1).collect::<Vec<_>>())?
                    .pop()
                    .map(|q| q.text);
                out.push(ThemeBrief {
                    id: r.int(0),
                    label: r.text(1),
                    volume: r.int(2) as u64,
                    quote,
                });
            }
            Ok(out)
        })
    }

    /// Creates a theme by hand (named, empty): pin tags or items to it, or split into it.
    pub fn create_theme(&self, label: &str) -> Result<i64> {
        let label = check_label(label)?;
        self.transaction(|c| {
            let at = now();
            let id = insert_theme(c, &label, true, Value::from(""), Value::from(""), "", at)?;
            self.audit(
                c,
                "create",
                "theme",
                Some(id),
                &format!("theme '{label}' created by hand"),
                None,
                None,
            )?;
            Ok(id)
        })
    }

    /// `top_themes`, remembered per database revision (the dashboard asks on every visit).
    pub fn top_themes_cached(&self, limit: usize) -> Result<Vec<ThemeBrief>> {
        use std::sync::{Mutex, OnceLock};
        type Cache = Mutex<HashMap<(String, usize), (i64, Vec<ThemeBrief>)>>;
        static CACHE: OnceLock<Cache> = OnceLock::new();
        let revision = self.with_conn(|c| {
            Ok(c.query_int("SELECT value FROM meta WHERE key = 'revision'", &[])?)
        })?;
        let key = (self.describe(), limit);
        let cache = CACHE.get_or_init(Default::default);
        if let Some((rev, list)) = cache.lock().ok().and_then(|m| m.get(&key).cloned()) {
            if rev == revision {
                return Ok(list);
            }
        }
        let list = self.top_themes(limit)?;
        if let Ok(mut m) = cache.lock() {
            m.insert(key, (revision, list.clone()));
        }
        Ok(list)
    }

    /// Gives a theme a name; re-runs keep it.
    pub fn rename_theme(&self, id: i64, label: &str) -> Result<()> {
        let label = check_label(label)?;
        self.transaction(|c| {
            let before = c
                .query_one("SELECT label FROM themes WHERE id = ?", &[Value::Int(id)])?
                .ok_or(not_found(id))?
                .text(0);
            c.execute(
                "UPDATE themes SET label = ?, named = TRUE, updated_at = ? WHERE id = ?",
                &[Value::from(&label), Value::Time(now()), Value::Int(id)],
            )?;
            self.audit(
                c,
                "update",
                "theme",
                Some(id),
                &format!("theme '{before}' renamed '{label}'"),
                Some(serde_json::json!({"label": before})),
                Some(serde_json::json!({"label": label})),
            )
        })
    }

    /// Moves every item, pin and tag of `from` into `into` and deletes `from`. The merged
    /// theme keeps its name and, from now on, matches what either theme matched.
    pub fn merge_themes(&self, into: i64, from: i64) -> Result<()> {
        if into == from {
            return Err(
                FieldErrors::single("from", "choose another theme to merge into this one").into(),
            );
        }
        self.transaction(|c| {
            let sig = |c: &mut dyn Conn, id: i64| -> Result<(String, String)> {
                let r = c
                    .query_one(
                        "SELECT label, signature FROM themes WHERE id = ?",
                        &[Value::Int(id)],
                    )?
                    .ok_or_else(|| -> StoreError {
                        if id == from {
                            FieldErrors::single("from", format!("no theme has id {id}")).into()
                        } else {
                            not_found(id)
                        }
                    })?;
                Ok((r.text(0), r.text(1)))
            };
            let (into_label, a) = sig(c, into)?;
            let (from_label, b) = sig(c, from)?;
            let merged = merge_signatures(&signature_from_text(&a), &signature_from_text(&b));
            c.execute(
                "UPDATE theme_members SET theme_id = ? WHERE theme_id = ?",
                &[Value::Int(into), Value::Int(from)],
            )?;
            c.execute(
                "UPDATE theme_tags SET theme_id = ? WHERE theme_id = ?",
                &[Value::Int(into), Value::Int(from)],
            )?;
            c.execute("DELETE FROM themes WHERE id = ?", &[Value::Int(from)])?;
            c.execute(
                "UPDATE themes SET signature = ?, named = TRUE, updated_at = ? WHERE id = ?",
                &[
                    Value::from(signature_to_text(&merged)),
                    Value::Time(now()),
                    Value::Int(into),
                ],
            )?;
            self.audit(
                c,
                "merge",
                "theme",
                Some(into),
                &format!("theme '{from_label}' merged into '{into_label}'"),
                None,
                None,
            )
        })
    }

    /// Moves the items of theme `id` that mention any of `words` into a new theme called
    /// `label` (pinned there, so re-runs keep the split). Returns the new theme's id.
    pub fn split_theme(&self, id: i64, words: &str, label: &str) -> Result<i64> {
        let mut errors = FieldErrors::new();
        let label = match check_label(label) {
            Ok(l) => Some(l),
            Err(StoreError::Invalid(e)) => {
                errors.0.extend(e.0);
                None
            }
            Err(e) => return Err(e),
        };
        if peerstage_core::text::content_keys(words).is_empty() {
            errors.add(
                "words",
                "name at least one word the items to split off mention",
            );
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let label = label.unwrap_or_default();
        self.transaction(|c| {
            let source = c
                .query_one("SELECT label FROM themes WHERE id = ?", &[Value::Int(id)])?
                .ok_or(not_found(id))?
                .text(0);
            let members = c.query(
                "SELECT e.id, e.body FROM theme_members m JOIN evidence e ON e.id = m.evidence_id WHERE m.theme_id = ?",
                &[Value::Int(id)],
            )?;
            let moving: Vec<(i64, String)> = members
                .iter()
                .filter(|r| mentions_any(&r.text(1), words))
                .map(|r| (r.int(0), r.text(1)))
                .collect();
            if moving.is_empty() {
                return Err(FieldErrors::single(
                    "words",
                    format!("no item of '{source}' mentions {words}"),
                )
                .into());
            }
            if moving.len() == members.len() {
                return Err(FieldErrors::single(
                    "words",
                    format!("every item of '{source}' mentions {words}; rename the theme instead"),
                )
                .into());
            }
            let texts: Vec<&str> = moving.iter().map(|(_, t)| t.as_str()).collect();
            let sig = signature_of(&texts);
            let at = now();
            let quotes: Vec<String> = moving.iter().take(3).map(|(i, _)| i.to_string()).collect();
            let new_id = insert_theme(
                c,
                &label,
                true,
                Value::from(words.trim()),
                Value::from(signature_to_text(&sig)),
                &quotes.join(";"),
                at,
            )?;
            let ids: Vec<String> = moving.iter().map(|(i, _)| i.to_string()).collect();
            for chunk in ids.chunks(500) {
                c.execute(
                    &format!(
                        "UPDATE theme_members SET theme_id = ?, pinned = TRUE WHERE evidence_id IN ({})",
                        chunk.join(",")
                    ),
                    &[Value::Int(new_id)],
                )?;
            }
            // The source keeps its quotes only where they stayed.
            c.execute(
                "UPDATE themes SET quotes = '', updated_at = ? WHERE id = ?",
                &[Value::Time(at), Value::Int(id)],
            )?;
            let stay: Vec<String> = c
                .query(
                    "SELECT evidence_id FROM theme_members WHERE theme_id = ? ORDER BY score DESC LIMIT 3",
                    &[Value::Int(id)],
                )?
                .iter()
                .map(|r| r.int(0).to_string())
                .collect();
            c.execute(
                "UPDATE themes SET quotes = ? WHERE id = ?",
                &[Value::from(stay.join(";")), Value::Int(id)],
            )?;
            self.audit(
                c,
                "split",
                "theme",
                Some(new_id),
                &format!("{} items mentioning '{}' split from '{source}' into '{label}'", moving.len(), words.trim()),
                None,
                None,
            )?;
            Ok(new_id)
        })
    }

    /// Pins a manual tag to a theme: every item with the tag belongs to it, now and after
    /// re-runs. A tag is pinned to at most one theme.
    pub fn pin_theme_tag(&self, id: i64, tag: &str) -> Result<u64> {
        let tag = tag.trim().to_lowercase();
        if tag.is_empty() {
            return Err(FieldErrors::single("tag", "choose a tag").into());
        }
        self.transaction(|c| {
            exists(c, id)?;
            if let Some(r) = c.query_one(
                "SELECT t.id, t.label FROM theme_tags tt JOIN themes t ON t.id = tt.theme_id WHERE tt.tag = ?",
                &[Value::from(&tag)],
            )? {
                return Err(StoreError::Conflict {
                    field: "tag".into(),
                    reason: format!("'{tag}' is already pinned to theme '{}'", r.text(1)),
                });
            }
            let n = c.query_int(
                "SELECT count(*) FROM evidence_tags WHERE tag = ?",
                &[Value::from(&tag)],
            )?;
            if n == 0 {
                return Err(FieldErrors::single("tag", format!("no evidence is tagged '{tag}'")).into());
            }
            c.execute(
                "INSERT INTO theme_tags (theme_id, tag) VALUES (?, ?)",
                &[Value::Int(id), Value::from(&tag)],
            )?;
            apply_tag_pins(c, Some(&tag))?;
            self.audit(c, "pin", "theme", Some(id), &format!("tag '{tag}' pinned to theme {id}"), None, None)?;
            Ok(n as u64)
        })
    }

    /// Unpins a tag; its items stay until the next re-run places them.
    pub fn unpin_theme_tag(&self, id: i64, tag: &str) -> Result<()> {
        let tag = tag.trim().to_lowercase();
        self.transaction(|c| {
            exists(c, id)?;
            let n = c.execute(
                "DELETE FROM theme_tags WHERE theme_id = ? AND tag = ?",
                &[Value::Int(id), Value::from(&tag)],
            )?;
            if n == 0 {
                return Err(FieldErrors::single("tag", format!("'{tag}' is not pinned to this theme")).into());
            }
            c.execute(
                "UPDATE theme_members SET pinned = FALSE WHERE theme_id = ? AND evidence_id IN (SELECT evidence_id FROM evidence_tags WHERE tag = ?)",
                &[Value::Int(id), Value::from(&tag)],
            )?;
            self.audit(c, "unpin", "theme", Some(id), &format!("tag '{tag}' unpinned from theme {id}"), None, None)
        })
    }

    /// Pins one item to a theme (moving it from any other).
    pub fn pin_theme_item(&self, id: i64, evidence_id: i64) -> Result<()> {
        self.transaction(|c| {
            exists(c, id)?;
            if c.query_int(
                "SELECT count(*) FROM evidence WHERE id = ?",
                &[Value::Int(evidence_id)],
            )? == 0
            {
                return Err(FieldErrors::single(
                    "evidence_id",
                    format!("no evidence has id {evidence_id}"),
                )
                .into());
            }
            c.execute(
                "DELETE FROM theme_members WHERE evidence_id = ?",
                &[Value::Int(evidence_id)],
            )?;
            insert_members(c, &[(evidence_id, id, true, 1.0)])?;
            self.audit(
                c,
                "pin",
                "theme",
                Some(id),
                &format!("evidence {evidence_id} pinned to theme {id}"),
                None,
                None,
            )
        })
    }

    // ---- C5 glossary and customer language ----

    pub fn list_glossary(&self) -> Result<Vec<GlossaryEntry>> {
        self.with_conn(|c| {
            Ok(c.query(
                "SELECT id, term, category, note FROM glossary ORDER BY lower(term)",
                &[],
            )?
            .iter()
            .map(|r| GlossaryEntry {
                id: r.int(0),
                term: r.text(1),
                category: r.text(2),
                note: r.opt_text(3).filter(|n| !n.is_empty()),
            })
            .collect())
        })
    }

    pub fn add_glossary_term(
        &self,
        term: &str,
        category: &str,
        note: &str,
    ) -> Result<GlossaryEntry> {
        let mut e = FieldErrors::new();
        // One space between words: "quokkamatic   hub" is "Quokkamatic Hub" again.
        let term = term.split_whitespace().collect::<Vec<_>>().join(" ");
        let term = term.as_str();
        if term.is_empty() {
            e.add("term", "write the term as we use it");
        } else if term.chars().count() > 120 {
            e.add("term", "at most 120 characters");
        } else if peerstage_core::text::tokens(term).is_empty() {
            e.add("term", "needs at least one word");
        }
        let category = if category.trim().is_empty() {
            "other"
        } else {
            category.trim()
        };
        if !GLOSSARY_CATEGORIES.contains(&category) {
            e.add(
                "category",
                format!(
                    "unknown value '{category}' (expected one of: {})",
                    GLOSSARY_CATEGORIES.join(", ")
                ),
            );
        }
        if note.chars().count() > 500 {
            e.add("note", "at most 500 characters");
        }
        if !e.is_empty() {
            return Err(e.into());
        }
        let by = self.actor().label.clone();
        self.transaction(|c| {
            if let Some(r) = c.query_one("SELECT term FROM glossary WHERE lower(term) = lower(?)", &[Value::from(term)])? {
                return Err(StoreError::Conflict {
                    field: "term".into(),
                    reason: format!("'{}' is already in the glossary", r.text(0)),
                });
            }
            let id = c
                .insert_id(
                    "INSERT INTO glossary (term, category, note, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
                    &[
                        Value::from(term),
                        Value::from(category),
                        Value::from(note.trim()),
                        Value::from(by.as_str()),
                        Value::Time(now()),
                    ],
                )?
                .unwrap_or_default();
            let entry = GlossaryEntry {
                id,
                term: term.to_string(),
                category: category.to_string(),
                note: Some(note.trim().to_string()).filter(|n| !n.is_empty()),
            };
            self.audit_change(c, "create", "glossary", id, &format!("glossary term '{term}' added"), None, Some(&entry))?;
            Ok(entry)
        })
    }

    pub fn delete_glossary_term(&self, id: i64) -> Result<()> {
        self.transaction(|c| {
            let term = c
                .query_one("SELECT term FROM glossary WHERE id = ?", &[Value::Int(id)])?
                .ok_or(StoreError::NotFound {
                    what: "glossary term",
                    id,
                })?
                .text(0);
            c.execute("DELETE FROM glossary WHERE id = ?", &[Value::Int(id)])?;
            self.audit(
                c,
                "delete",
                "glossary",
                Some(id),
                &format!("glossary term '{term}' removed"),
                None,
                None,
            )
        })
    }

    /// Customer language against the glossary (see `core::language`), over the newest
    /// `limit` items of the kinds that describe problems and goals.
    pub fn customer_language(&self, limit: usize, top: usize) -> Result<LanguageReport> {
        let (texts, glossary) = self.with_conn(|c| {
            let texts: Vec<String> = c
                .query(
                    &format!(
                        "SELECT body FROM evidence WHERE kind IN ('problem', 'wish', 'existential_threat', 'why_bought') ORDER BY id DESC LIMIT {}",
                        limit.max(1)
                    ),
                    &[],
                )?
                .iter()
                .map(|r| r.text(0))
                .collect();
            let glossary: Vec<(String, String)> = c
                .query("SELECT term, category FROM glossary ORDER BY id", &[])?
                .iter()
                .map(|r| (r.text(0), r.text(1)))
                .collect();
            Ok((texts, glossary))
        })?;
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        Ok(language::compare(&refs, &glossary, top))
    }
}

/// Seeds the glossary with the demo vendor's products and marketing terms, unless it has any
/// entry already. Returns how many were added.
pub(crate) fn seed_glossary(c: &mut dyn Conn, by: &str) -> Result<u64> {
    if c.query_int("SELECT count(*) FROM glossary", &[])? > 0 {
        return Ok(0);
    }
    let at = now();
    let mut n = 0;
    for (term, category, note) in peerstage_core::voc_demo::GLOSSARY {
        c.execute(
            "INSERT INTO glossary (term, category, note, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
            &[
                Value::from(*term),
                Value::from(*category),
                Value::from(*note),
                Value::from(by),
                Value::Time(at),
            ],
        )?;
        n += 1;
    }
    Ok(n)
}

/// Adds a theme and returns its id. Ids are never used twice: links kept to a theme merged
/// away (action items, a merge sent again) must not come to name a new one. PostgreSQL's
/// identity never hands an id out again; SQLite picks max(id) + 1, which gives the id of a
/// theme just merged away to the next new one, so there ids come from a high-water mark kept
/// in `settings`.
#[allow(clippy::too_many_arguments)]
fn insert_theme(
    c: &mut dyn Conn,
    label: &str,
    named: bool,
    phrases: Value,
    signature: Value,
    quotes: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<i64> {
    let mut params = vec![
        Value::from(label),
        Value::Bool(named),
        phrases,
        signature,
        Value::from(quotes),
        Value::Time(at),
        Value::Time(at),
    ];
    if c.dialect() != Dialect::Sqlite {
        return Ok(c
            .insert_id(
                "INSERT INTO themes (label, named, phrases, signature, quotes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                &params,
            )?
            .unwrap_or_default());
    }
    let id = c.query_int(
        "SELECT max(coalesce((SELECT max(id) FROM themes), 0), \
         coalesce((SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'themes.last_id'), 0)) + 1",
        &[],
    )?;
    c.execute(
        "INSERT INTO settings (key, value) VALUES ('themes.last_id', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[Value::from(id.to_string())],
    )?;
    params.insert(0, Value::Int(id));
    c.execute(
        "INSERT INTO themes (id, label, named, phrases, signature, quotes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        &params,
    )?;
    Ok(id)
}
