//! Full-text search over evidence (C3). SQLite: the FTS5 table `evidence_fts` (migration 0009)
//! with the filters as tokens of its `facets` column, kept in step by triggers and checked at
//! start. PostgreSQL: the GIN index on `to_tsvector('english', body)`. Both rank the newest
//! `RANK_WINDOW` matches by relevance (see `core::search`).

use crate::db::{Conn, Dialect, Row, Value};
use crate::{Result, Store};
use peerstage_core::evidence::{EvidenceKind, EvidenceSource};
use peerstage_core::search::{
    fragments, SearchHit, SearchQuery, SearchResults, MARK_END, MARK_START, RANK_WINDOW,
};

/// What the start-up check of the search index found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexCheck {
    /// PostgreSQL keeps its index itself.
    NotNeeded,
    Consistent,
    /// The index disagreed with the evidence and was rebuilt.
    Rebuilt,
}

/// Rebuilds the SQLite index from the evidence (inside the caller's transaction).
pub(crate) fn rebuild(c: &mut dyn Conn) -> Result<()> {
    c.batch(
        "DELETE FROM evidence_search; \
         INSERT INTO evidence_search (evidence_id, facets) SELECT id, facets FROM evidence_facets; \
         INSERT INTO evidence_fts (evidence_fts) VALUES ('rebuild');",
    )?;
    Ok(())
}

/// SQLite, inside a transaction that fills the empty evidence table: drops the triggers that
/// keep the search index in step row by row (each computes the row's facets through a view
/// and makes one FTS insert) and returns what puts them back. [`rebuild`] then indexes every
/// row at once before they are added back.
pub(crate) fn defer_search_triggers(c: &mut dyn Conn) -> Result<Vec<String>> {
    let mut back = Vec::new();
    if c.dialect() == Dialect::Sqlite {
        for r in c.query(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'evidence' AND name LIKE 'evidence\\_search\\_%' ESCAPE '\\'",
            &[],
        )? {
            c.batch(&format!("DROP TRIGGER \"{}\"", r.text(0)))?;
            back.push(r.text(1));
        }
    }
    Ok(back)
}

/// Compares counts and highest ids of the evidence, the indexed facets and the FTS rows, and
/// rebuilds the index when any disagree. With `full`, also runs FTS5's integrity check, which
/// compares every indexed token with the text (slow on large databases).
pub(crate) fn verify_index(c: &mut dyn Conn, full: bool) -> Result<IndexCheck> {
    if c.dialect() == Dialect::Postgres {
        return Ok(IndexCheck::NotNeeded);
    }
    let counts = c
        .query_one(
            "SELECT (SELECT count(*) FROM evidence), (SELECT coalesce(max(id), 0) FROM evidence), \
             (SELECT count(*) FROM evidence_search), (SELECT coalesce(max(evidence_id), 0) FROM evidence_search), \
             (SELECT count(*) FROM evidence_fts_docsize), (SELECT coalesce(max(id), 0) FROM evidence_fts_docsize)",
            &[],
        )?
        .map(|r| (0..6).map(|i| r.int(i)).collect::<Vec<_>>())
        .unwrap_or_default();
    let mut ok = counts.len() == 6
        && counts[0] == counts[2]
        && counts[0] == counts[4]
        && counts[1] == counts[3]
        && counts[1] == counts[5];
    if ok && full {
        ok = c
            .batch("INSERT INTO evidence_fts (evidence_fts, rank) VALUES ('integrity-check', 1)")
            .is_ok();
        if ok {
            ok = c.query_int(
                "SELECT count(*) FROM evidence_search s JOIN evidence_facets f ON f.id = s.evidence_id WHERE f.facets <> s.facets",
                &[],
            )? == 0;
        }
    }
    if ok {
        return Ok(IndexCheck::Consistent);
    }
    tracing::warn!(
        ?counts,
        "the search index disagrees with the evidence; rebuilding it"
    );
    c.batch("BEGIN IMMEDIATE")?;
    match rebuild(c) {
        Ok(()) => c.batch("COMMIT")?,
        Err(e) => {
            let _ = c.batch("ROLLBACK");
            return Err(e);
        }
    }
    Ok(IndexCheck::Rebuilt)
}

/// Exact checks of the filters on the candidate rows (`e` is evidence, `a` its account).
fn exact_filters(q: &SearchQuery, conds: &mut Vec<String>, params: &mut Vec<Value>) {
    if let Some(a) = q.account_id {
        conds.push("e.account_id = ?".into());
        params.push(Value::Int(a));
    }
    if let Some(k) = q.kind {
        conds.push("e.kind = ?".into());
        params.push(Value::from(k.as_str()));
    }
    if let Some(l) = q.level {
        conds.push("e.level = ?".into());
        params.push(Value::Int(l as i64));
    }
    if let Some(s) = q.segment {
        conds.push("a.segment = ?".into());
        params.push(Value::from(s.as_str()));
    }
    if let Some(i) = &q.industry {
        conds.push("a.industry = ?".into());
        params.push(Value::from(i));
    }
    if let Some(t) = &q.tag {
        conds.push(
            "EXISTS (SELECT 1 FROM evidence_tags t WHERE t.evidence_id = e.id AND t.tag = ?)"
                .into(),
        );
        params.push(Value::from(t));
    }
    if let Some(t) = q.theme_id {
        conds.push("EXISTS (SELECT 1 FROM theme_members tm WHERE tm.evidence_id = e.id AND tm.theme_id = ?)".into());
        params.push(Value::Int(t));
    }
    date_filters(q, conds, params);
}

fn date_filters(q: &SearchQuery, conds: &mut Vec<String>, params: &mut Vec<Value>) {
    if let Some(d) = q.from {
        conds.push("e.occurred_on >= ?".into());
        params.push(Value::Date(d));
    }
    if let Some(d) = q.to {
        conds.push("e.occurred_on <= ?".into());
        params.push(Value::Date(d));
    }
}

/// The newest `RANK_WINDOW + 1` matches with their relevance (higher is better).
fn candidates(c: &mut dyn Conn, q: &SearchQuery) -> Result<Vec<(i64, f64)>> {
    let mut conds = Vec::new();
    let mut params = Vec::new();
    let window = RANK_WINDOW + 1;
    let rows = match c.dialect() {
        Dialect::Sqlite => {
            let Some(m) = q.fts5_match() else {
                return Ok(Vec::new());
            };
            params.push(Value::Text(m));
            // Every filter is an exact index token (hex-encoded free text cannot collide); only
            // an open or very wide date range needs the rows themselves.
            if q.date_tokens().is_none() {
                date_filters(q, &mut conds, &mut params);
            }
            let extra: String = conds.iter().map(|c| format!(" AND {c}")).collect();
            let join = if conds.is_empty() {
                ""
            } else {
                " JOIN evidence e ON e.id = evidence_fts.rowid"
            };
            let ids: Vec<i64> = c
                .query(
                    &format!(
                        "SELECT evidence_fts.rowid FROM evidence_fts{join} \
                         WHERE evidence_fts MATCH ?{extra} ORDER BY evidence_fts.rowid DESC LIMIT {window}"
                    ),
                    &params,
                )?
                .iter()
                .map(|r| r.int(0))
                .collect();
            return sqlite_relevance(c, q, ids);
        }
        Dialect::Postgres => {
            let words = q.words();
            if words.is_empty() {
                return Ok(Vec::new());
            }
            params.push(Value::Text(words.join(" ")));
            exact_filters(q, &mut conds, &mut params);
            let extra: String = conds.iter().map(|c| format!(" AND {c}")).collect();
            c.query(
                &format!(
                    "SELECT e.id, CAST(ts_rank(to_tsvector('english', e.body), s.q) AS DOUBLE PRECISION) \
                     FROM evidence e LEFT JOIN accounts a ON a.id = e.account_id, \
                     (SELECT plainto_tsquery('english', ?) AS q) s \
                     WHERE to_tsvector('english', e.body) @@ s.q{extra} ORDER BY e.id DESC LIMIT {window}"
                ),
                &params,
            )?
        }
    };
    Ok(rows.iter().map(|r| (r.int(0), r.float(1))).collect())
}

/// BM25 of the candidates computed here (see `core::search::bm25`): each query word's IDF
/// from how many items contain it, counted up to 20,000, over the highest evidence id.
fn sqlite_relevance(c: &mut dyn Conn, q: &SearchQuery, ids: Vec<i64>) -> Result<Vec<(i64, f64)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let words = q.words();
    let idf: Vec<f64> = if words.len() == 1 {
        // One word: its IDF scales every score alike.
        vec![1.0]
    } else {
        let n = c.query_int("SELECT coalesce(max(id), 0) FROM evidence", &[])? as u64;
        let mut v = Vec::with_capacity(words.len());
        for w in &words {
            let df = c.query_int(
                "SELECT count(*) FROM (SELECT rowid FROM evidence_fts WHERE evidence_fts MATCH ? LIMIT 20000)",
                &[Value::Text(format!("body : \"{w}\""))],
            )? as u64;
            v.push(peerstage_core::search::idf(df, n));
        }
        v
    };
    let list: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    let mut bodies: std::collections::HashMap<i64, String> = c
        .query(
            &format!(
                "SELECT id, body FROM evidence WHERE id IN ({})",
                list.join(",")
            ),
            &[],
        )?
        .iter()
        .map(|r| (r.int(0), r.text(1)))
        .collect();
    let texts: Vec<String> = ids
        .iter()
        .map(|i| bodies.remove(i).unwrap_or_default())
        .collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let scores = peerstage_core::search::bm25(&refs, &words, &idf);
    Ok(ids.into_iter().zip(scores).collect())
}

const HIT_COLUMNS: &str = "e.id, e.body, e.source, e.kind, e.level, e.occurred_on, e.sentiment, e.account_id, a.name, tm.theme_id, th.label";
const HIT_FROM: &str = "evidence e LEFT JOIN accounts a ON a.id = e.account_id \
    LEFT JOIN theme_members tm ON tm.evidence_id = e.id LEFT JOIN themes th ON th.id = tm.theme_id";

fn hit_from_row(r: &Row, score: f64) -> SearchHit {
    let text = r.text(1);
    SearchHit {
        evidence_id: r.int(0),
        fragments: fragments(&text),
        text,
        source: EvidenceSource::parse(&r.text(2)).unwrap_or(EvidenceSource::Pasted),
        kind: EvidenceKind::parse(&r.text(3)).unwrap_or(EvidenceKind::Language),
        level: r.int(4).clamp(1, 5) as u8,
        date: r.date(5),
        sentiment: r.float(6),
        account_id: r.opt_int(7),
        account_name: r.opt_text(8),
        theme_id: r.opt_int(9),
        theme_label: r.opt_text(10),
        tags: Vec::new(),
        score,
    }
}

/// The text of one item with its matched words marked by the engine.
fn marked(c: &mut dyn Conn, q: &SearchQuery, id: i64) -> Result<Option<String>> {
    let (start, end) = (MARK_START.to_string(), MARK_END.to_string());
    let row = match c.dialect() {
        Dialect::Sqlite => c.query_one(
            "SELECT highlight(evidence_fts, 0, ?, ?) FROM evidence_fts WHERE evidence_fts MATCH ? AND rowid = ?",
            &[
                Value::Text(start),
                Value::Text(end),
                Value::from(q.fts5_words().unwrap_or_default()),
                Value::Int(id),
            ],
        )?,
        Dialect::Postgres => c.query_one(
            "SELECT ts_headline('english', body, plainto_tsquery('english', ?), ?) FROM evidence WHERE id = ?",
            &[
                Value::Text(q.words().join(" ")),
                Value::Text(format!(
                    "StartSel={start}, StopSel={end}, HighlightAll=true"
                )),
                Value::Int(id),
            ],
        )?,
    };
    Ok(row.map(|r| r.text(0)))
}

impl Store {
    /// Searches the evidence (see `core::search` for the rules).
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults> {
        self.with_conn(|c| {
            let mut found = candidates(c, q)?;
            let more = found.len() > RANK_WINDOW;
            found.truncate(RANK_WINDOW);
            // Best first; ties newest first (ids grow with time).
            found.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
            let per_page = q.per_page.max(1) as usize;
            let start = (q.page.max(1) as usize - 1) * per_page;
            let page: Vec<(i64, f64)> = found.iter().skip(start).take(per_page).copied().collect();
            let mut hits = Vec::with_capacity(page.len());
            for (id, score) in &page {
                let Some(r) = c.query_one(
                    &format!("SELECT {HIT_COLUMNS} FROM {HIT_FROM} WHERE e.id = ?"),
                    &[Value::Int(*id)],
                )?
                else {
                    continue;
                };
                let mut hit = hit_from_row(&r, *score);
                if let Some(m) = marked(c, q, *id)? {
                    hit.fragments = fragments(&m);
                }
                hits.push(hit);
            }
            if !hits.is_empty() {
                let ids: Vec<String> = hits.iter().map(|h| h.evidence_id.to_string()).collect();
                for r in c.query(
                    &format!(
                        "SELECT evidence_id, tag FROM evidence_tags WHERE evidence_id IN ({}) ORDER BY tag",
                        ids.join(",")
                    ),
                    &[],
                )? {
                    if let Some(h) = hits.iter_mut().find(|h| h.evidence_id == r.int(0)) {
                        h.tags.push(r.text(1));
                    }
                }
            }
            Ok(SearchResults {
                hits,
                total: found.len() as u64,
                more,
                page: q.page.max(1),
                per_page: q.per_page.max(1),
                words: q.words(),
            })
        })
    }

    /// Checks the search index against the evidence and rebuilds it if they disagree (run at
    /// start; `full` adds FTS5's token-by-token integrity check).
    pub fn verify_search_index(&self, full: bool) -> Result<IndexCheck> {
        self.with_conn(|c| verify_index(c, full))
    }

    /// The industries and segments that have evidence, for the search filters.
    pub fn search_facet_values(&self) -> Result<(Vec<String>, Vec<String>)> {
        self.with_conn(|c| {
            let industries = c
                .query(
                    "SELECT DISTINCT industry FROM accounts WHERE industry IS NOT NULL AND industry <> '' ORDER BY industry",
                    &[],
                )?
                .iter()
                .map(|r| r.text(0))
                .collect();
            let tags = c
                .query("SELECT DISTINCT tag FROM evidence_tags ORDER BY tag", &[])?
                .iter()
                .map(|r| r.text(0))
                .collect();
            Ok((industries, tags))
        })
    }
}
