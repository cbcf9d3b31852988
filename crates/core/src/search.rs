//! Full-text search over evidence (C3): the query and its filters, how the words become an
//! index query, and the highlighted fragments a hit is shown with.
//!
//! - **Words.** The query is split into words like every other text ([`crate::text::tokens`]);
//!   an item matches when it contains every word (in any form the index's stemmer folds
//!   together: "reports" finds "reporting"). At most [`MAX_WORDS`] words are used.
//! - **Ranking.** Items are ranked by relevance, ties newest first. SQLite: BM25 ([`bm25`],
//!   k1 = 1.2, b = 0.75) over the matching items' words, with each word's IDF from how many
//!   items contain it (counted up to 20,000; FTS5's own `bm25()` would scan every query
//!   term's and filter's full posting list on each query). PostgreSQL: `ts_rank`. When more
//!   than [`RANK_WINDOW`] items match, the ranking covers the newest [`RANK_WINDOW`] of them
//!   and the total is reported as "more than" — this keeps every query fast on a million
//!   items, and recent feedback is what a reader of the results acts on.
//! - **Highlighting.** The engine marks each matched word with [`MARK_START`]/[`MARK_END`];
//!   [`fragments`] turns the marked text into plain pieces, so pages escape every piece and
//!   wrap only the matched ones in `<mark>`.

use crate::account::{optional_enum, Segment};
use crate::evidence::{EvidenceKind, EvidenceSource, MAX_TAG};
use crate::fields::Fields;
use crate::parse;
use crate::FieldErrors;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

pub const MAX_WORDS: usize = 8;
/// How many of the newest matches are ranked when more match (see the module documentation).
pub const RANK_WINDOW: usize = 500;
/// Marks around matched words in text coming back from the engine (Unicode private use).
pub const MARK_START: char = '\u{E000}';
pub const MARK_END: char = '\u{E001}';

/// The fields a search accepts (query string or JSON).
pub const SEARCH_FIELDS: &[&str] = &[
    "q",
    "account_id",
    "segment",
    "industry",
    "kind",
    "level",
    "theme_id",
    "tag",
    "from",
    "to",
    "page",
    "per_page",
];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchQuery {
    pub text: String,
    pub account_id: Option<i64>,
    pub segment: Option<Segment>,
    pub industry: Option<String>,
    pub kind: Option<EvidenceKind>,
    pub level: Option<u8>,
    pub theme_id: Option<i64>,
    pub tag: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub page: u32,
    pub per_page: u32,
}

impl SearchQuery {
    pub fn new(text: &str) -> Self {
        SearchQuery {
            text: text.to_string(),
            page: 1,
            per_page: 20,
            ..Default::default()
        }
    }

    /// Reads the query and filters; bad values are errors by field.
    pub fn from_fields(f: &Fields) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let text = f.get("q").trim().to_string();
        if text.chars().count() > 500 {
            e.add("q", "at most 500 characters");
        }
        let account_id = e.check(
            "account_id",
            parse::optional_int(f.get("account_id"), 1, i64::MAX),
        );
        let segment = e.check("segment", optional_enum(f.get("segment"), Segment::parse));
        let industry = e.check("industry", parse::optional_text(f.get("industry"), 200));
        let kind = e.check("kind", optional_enum(f.get("kind"), EvidenceKind::parse));
        let level = e.check("level", parse::optional_int(f.get("level"), 1, 5));
        let theme_id = e.check(
            "theme_id",
            parse::optional_int(f.get("theme_id"), 1, i64::MAX),
        );
        let tag = e.check("tag", parse::optional_text(f.get("tag"), MAX_TAG));
        let from = e.check("from", parse::optional_date(f.get("from")));
        let to = e.check("to", parse::optional_date(f.get("to")));
        let page = e.check("page", parse::optional_int(f.get("page"), 1, 10_000));
        let per_page = e.check("per_page", parse::optional_int(f.get("per_page"), 1, 100));
        if let (Some(Some(a)), Some(Some(b))) = (&from, &to) {
            if a > b {
                e.add("to", format!("must not be before the start date {a}"));
            }
        }
        e.into_result(|| SearchQuery {
            text,
            account_id: account_id.unwrap(),
            segment: segment.unwrap(),
            industry: industry.unwrap(),
            kind: kind.unwrap(),
            level: level.unwrap().map(|l| l as u8),
            theme_id: theme_id.unwrap(),
            tag: tag.unwrap().map(|t| t.to_lowercase()),
            from: from.unwrap(),
            to: to.unwrap(),
            page: page.unwrap().unwrap_or(1) as u32,
            per_page: per_page.unwrap().unwrap_or(20) as u32,
        })
    }

    /// The words searched for: lower case, letters and digits only, at most [`MAX_WORDS`],
    /// each once.
    pub fn words(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for t in crate::text::tokens(&self.text) {
            if !out.contains(&t.word) {
                out.push(t.word);
            }
            if out.len() == MAX_WORDS {
                break;
            }
        }
        out
    }

    /// How many filters are set.
    pub fn filter_count(&self) -> usize {
        [
            self.account_id.is_some(),
            self.segment.is_some(),
            self.industry.is_some(),
            self.kind.is_some(),
            self.level.is_some(),
            self.theme_id.is_some(),
            self.tag.is_some(),
            self.from.is_some() || self.to.is_some(),
        ]
        .iter()
        .filter(|x| **x)
        .count()
    }

    /// The FTS5 expression for the words alone (for highlighting), `None` without words.
    pub fn fts5_words(&self) -> Option<String> {
        let w = self.words();
        if w.is_empty() {
            return None;
        }
        let quoted: Vec<String> = w.iter().map(|w| format!("\"{w}\"")).collect();
        Some(format!("body : ({})", quoted.join(" AND ")))
    }

    /// The FTS5 expression for the words and the filters kept in the index's `facets`
    /// column (see store migration 0009): account, kind, level, segment, industry, tag, theme
    /// and the months and days of a date range of at most three years.
    pub fn fts5_match(&self) -> Option<String> {
        let mut parts = vec![self.fts5_words()?];
        let mut facet = |token: String| parts.push(format!("facets : \"{token}\""));
        if let Some(a) = self.account_id {
            facet(format!("a{a}"));
        }
        if let Some(k) = self.kind {
            facet(format!("k{}", k.as_str().replace('_', "")));
        }
        if let Some(l) = self.level {
            facet(format!("l{l}"));
        }
        if let Some(s) = self.segment {
            facet(format!("s{}", hex(s.as_str())));
        }
        if let Some(i) = &self.industry {
            facet(format!("i{}", hex(i)));
        }
        if let Some(t) = &self.tag {
            facet(format!("t{}", hex(t)));
        }
        if let Some(h) = self.theme_id {
            facet(format!("h{h}"));
        }
        if let Some(tokens) = self.date_tokens() {
            let m: Vec<String> = tokens.iter().map(|m| format!("\"{m}\"")).collect();
            parts.push(format!("facets : ({})", m.join(" OR ")));
        }
        Some(parts.join(" AND "))
    }

    /// The index tokens that cover the date range exactly, when both ends are given and it
    /// spans at most 36 months: `mYYYYMM` for each whole month inside it and `dYYYYMMDD` for
    /// each day of a month it covers only partly. A wider or open range is left to the exact
    /// date check on the rows.
    pub fn date_tokens(&self) -> Option<Vec<String>> {
        let (from, to) = (self.from?, self.to?);
        let mut out = Vec::new();
        let (mut y, mut m) = (from.year(), from.month());
        let mut months = 0;
        while (y, m) <= (to.year(), to.month()) {
            months += 1;
            if months > 36 {
                return None;
            }
            let first = NaiveDate::from_ymd_opt(y, m, 1)?;
            let next = if m == 12 {
                NaiveDate::from_ymd_opt(y + 1, 1, 1)?
            } else {
                NaiveDate::from_ymd_opt(y, m + 1, 1)?
            };
            let last = next.pred_opt()?;
            if from <= first && last <= to {
                out.push(format!("m{y:04}{m:02}"));
            } else {
                let mut d = first.max(from);
                while d <= last.min(to) {
                    out.push(format!("d{}", d.format("%Y%m%d")));
                    d = d.succ_opt()?;
                }
            }
            (y, m) = (next.year(), next.month());
        }
        Some(out)
    }
}

/// BM25 parameters.
const K1: f64 = 1.2;
const B: f64 = 0.75;

/// The inverse document frequency of a word found in `df` of `n` items.
pub fn idf(df: u64, n: u64) -> f64 {
    let (df, n) = (df as f64, n.max(df) as f64);
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

/// BM25 relevance of each text for `words` (k1 = 1.2, b = 0.75), with `idf` per word and
/// the texts' own mean length. Words are compared by light stem ([`crate::text::key`]).
pub fn bm25(texts: &[&str], words: &[String], idf: &[f64]) -> Vec<f64> {
    let keys: Vec<String> = words.iter().map(|w| crate::text::key(w)).collect();
    let counted: Vec<(Vec<u32>, usize)> = texts
        .iter()
        .map(|t| {
            let toks = crate::text::tokens(t);
            let mut tf = vec![0u32; keys.len()];
            for tok in &toks {
                let k = crate::text::key(&tok.word);
                for (i, want) in keys.iter().enumerate() {
                    if *want == k {
                        tf[i] += 1;
                    }
                }
            }
            (tf, toks.len())
        })
        .collect();
    let avg = counted.iter().map(|c| c.1).sum::<usize>() as f64 / counted.len().max(1) as f64;
    counted
        .iter()
        .map(|(tf, len)| {
            let norm = K1 * (1.0 - B + B * *len as f64 / avg.max(1.0));
            tf.iter()
                .zip(idf)
                .map(|(f, w)| {
                    let f = *f as f64;
                    w * f * (K1 + 1.0) / (f + norm)
                })
                .sum()
        })
        .collect()
}

/// Upper-case hex of the UTF-8 bytes, as SQLite's `hex()` writes it.
pub fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02X}")).collect()
}

/// A piece of a hit's text; `hit` pieces are matched words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fragment {
    pub text: String,
    pub hit: bool,
}

/// Splits text marked by the engine into fragments; stray marks are dropped.
pub fn fragments(marked: &str) -> Vec<Fragment> {
    let mut out: Vec<Fragment> = Vec::new();
    let mut cur = String::new();
    let mut hit = false;
    let push = |cur: &mut String, hit: bool, out: &mut Vec<Fragment>| {
        if !cur.is_empty() {
            out.push(Fragment {
                text: std::mem::take(cur),
                hit,
            });
        }
    };
    for c in marked.chars() {
        match c {
            MARK_START => {
                push(&mut cur, hit, &mut out);
                hit = true;
            }
            MARK_END => {
                push(&mut cur, hit, &mut out);
                hit = false;
            }
            c => cur.push(c),
        }
    }
    push(&mut cur, hit, &mut out);
    out
}

/// Shortens fragments to about `max` characters around the first hit, with "…" where text
/// was cut.
pub fn excerpt(frags: &[Fragment], max: usize) -> Vec<Fragment> {
    let total: usize = frags.iter().map(|f| f.text.chars().count()).sum();
    if total <= max {
        return frags.to_vec();
    }
    let first_hit: usize = frags
        .iter()
        .take_while(|f| !f.hit)
        .map(|f| f.text.chars().count())
        .sum();
    let start = first_hit.saturating_sub(max / 3);
    let end = start + max;
    let mut out = Vec::new();
    let mut pos = 0usize;
    if start > 0 {
        out.push(Fragment {
            text: "…".into(),
            hit: false,
        });
    }
    for f in frags {
        let len = f.text.chars().count();
        let (a, b) = (pos, pos + len);
        pos = b;
        if b <= start || a >= end {
            continue;
        }
        let from = start.saturating_sub(a);
        let to = (end.min(b)) - a;
        let text: String = f.text.chars().skip(from).take(to - from).collect();
        out.push(Fragment { text, hit: f.hit });
    }
    if end < total {
        out.push(Fragment {
            text: "…".into(),
            hit: false,
        });
    }
    out
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    pub evidence_id: i64,
    /// The text with matched words marked.
    pub fragments: Vec<Fragment>,
    pub text: String,
    pub source: EvidenceSource,
    pub kind: EvidenceKind,
    pub level: u8,
    pub date: NaiveDate,
    pub sentiment: f64,
    pub account_id: Option<i64>,
    pub account_name: Option<String>,
    pub theme_id: Option<i64>,
    pub theme_label: Option<String>,
    pub tags: Vec<String>,
    /// Relevance, higher is better (engine-specific scale).
    pub score: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    /// How many items match, or — when `more` — how many were ranked.
    pub total: u64,
    /// More items match than were ranked (see [`RANK_WINDOW`]).
    pub more: bool,
    pub page: u32,
    pub per_page: u32,
    pub words: Vec<String>,
}

impl SearchResults {
    pub fn pages(&self) -> u32 {
        (self.total.div_ceil(self.per_page.max(1) as u64)).max(1) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Result<SearchQuery, FieldErrors> {
        let mut f = Fields::new();
        for (k, v) in pairs {
            f.push(*k, *v);
        }
        SearchQuery::from_fields(&f)
    }

    #[test]
    fn words_are_sanitised_for_the_index() {
        let s = q(&[("q", "Slow \"reports\" OR sync* NEAR(x) slow")]).unwrap();
        assert_eq!(
            s.words(),
            vec!["slow", "reports", "or", "sync", "near", "x"]
        );
        assert_eq!(
            s.fts5_words().unwrap(),
            "body : (\"slow\" AND \"reports\" AND \"or\" AND \"sync\" AND \"near\" AND \"x\")"
        );
        assert!(q(&[("q", " ,; ")]).unwrap().fts5_match().is_none());
    }

    #[test]
    fn filters_become_facet_tokens() {
        let s = q(&[
            ("q", "sync"),
            ("account_id", "12"),
            ("kind", "why_bought"),
            ("level", "3"),
            ("segment", "Mid-market"),
            ("industry", "Healthcare"),
            ("tag", "Mobile"),
            ("theme_id", "4"),
            ("from", "2024-11-15"),
            ("to", "2025-01-02"),
        ])
        .unwrap();
        assert_eq!(s.filter_count(), 8);
        assert!(m_has_theme(&s));
        let m = s.fts5_match().unwrap();
        assert!(m.contains("facets : \"a12\""));
        assert!(m.contains("facets : \"kwhybought\""));
        assert!(m.contains("facets : \"l3\""));
        assert!(m.contains(&format!("facets : \"s{}\"", hex("mid_market"))));
        assert!(m.contains(&format!("facets : \"t{}\"", hex("mobile"))));
        assert!(m.contains("facets : (\"d20241115\" OR "), "{m}");
        assert!(
            m.contains(" OR \"d20241130\" OR \"m202412\" OR \"d20250101\" OR \"d20250102\")"),
            "{m}"
        );
        assert_eq!(hex("é"), "C3A9");
    }

    fn m_has_theme(s: &SearchQuery) -> bool {
        s.fts5_match().unwrap().contains("facets : \"h4\"")
    }

    #[test]
    fn bad_filters_are_errors_by_field() {
        let e = q(&[
            ("level", "9"),
            ("from", "2025-02-01"),
            ("to", "2025-01-01"),
            ("kind", "x"),
        ])
        .unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert!(fields.contains(&"level") && fields.contains(&"to") && fields.contains(&"kind"));
        let wide = q(&[("q", "a"), ("from", "2020-01-01"), ("to", "2025-01-01")]).unwrap();
        assert!(wide.date_tokens().is_none());
    }

    #[test]
    fn bm25_prefers_frequent_rare_words_in_short_texts() {
        let words = vec!["sync".to_string(), "offline".to_string()];
        let idf = [idf(10, 1000), idf(400, 1000)];
        assert!(idf[0] > idf[1]);
        let s = bm25(
            &[
                "offline sync",
                "sync sync syncing, offline",
                "offline offline offline sync and a great many other words in a long text",
                "nothing",
            ],
            &words,
            &idf,
        );
        assert!(s[1] > s[0], "{s:?}");
        assert!(s[0] > s[2], "{s:?}");
        assert_eq!(s[3], 0.0);
    }

    #[test]
    fn fragments_and_excerpts() {
        let marked = format!("a {MARK_START}slow{MARK_END} <b>report{MARK_END}");
        let f = fragments(&marked);
        assert_eq!(
            f,
            vec![
                Fragment {
                    text: "a ".into(),
                    hit: false
                },
                Fragment {
                    text: "slow".into(),
                    hit: true
                },
                Fragment {
                    text: " <b>report".into(),
                    hit: false
                },
            ]
        );
        let long = vec![
            Fragment {
                text: "x".repeat(300),
                hit: false,
            },
            Fragment {
                text: "sync".into(),
                hit: true,
            },
            Fragment {
                text: "y".repeat(300),
                hit: false,
            },
        ];
        let e = excerpt(&long, 120);
        assert!(e.iter().any(|f| f.hit && f.text == "sync"));
        assert_eq!(e.first().unwrap().text, "…");
        assert_eq!(e.last().unwrap().text, "…");
        let len: usize = e.iter().map(|f| f.text.chars().count()).sum();
        assert!(len <= 122);
    }
}
