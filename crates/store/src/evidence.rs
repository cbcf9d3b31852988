//! Voice-of-customer evidence (C1): items with their tags, and the sync that turns touchpoint
//! notes, NPS comments and reviews into evidence that follows its source.

use crate::db::{Arg, Conn, Dialect, Row, Value};
use crate::{now, Result, Store, StoreError};
use peerstage_core::account::Page;
use peerstage_core::evidence::{
    suggest, Evidence, EvidenceData, EvidenceKind, EvidenceQuery, EvidenceSort, EvidenceSource,
};
use peerstage_core::{FieldErrors, ImportKind};
use serde::Serialize;

/// PostgreSQL advisory lock key held by an evidence sync (the migrator's is 727274).
const SYNC_LOCK: i64 = 727_275;

const COLUMNS: &str = "e.id, e.external_id, e.body, e.source, e.account_id, e.contact_id, e.occurred_on, e.kind, e.level, e.suggested, e.sentiment, e.media_id, e.media_start_ms, e.media_end_ms, e.touchpoint_id, e.nps_response_id, e.review_id, e.created_by, a.name, c.name, m.title";
const FROM: &str = "evidence e LEFT JOIN accounts a ON a.id = e.account_id LEFT JOIN contacts c ON c.id = e.contact_id LEFT JOIN media m ON m.id = e.media_id";

fn from_row(r: &Row) -> Evidence {
    Evidence {
        id: r.int(0),
        data: EvidenceData {
            external_id: r.opt_text(1),
            body: r.text(2),
            source: EvidenceSource::parse(&r.text(3)).unwrap_or(EvidenceSource::Pasted),
            account_id: r.opt_int(4),
            contact_id: r.opt_int(5),
            occurred_on: r.date(6),
            kind: EvidenceKind::parse(&r.text(7)).unwrap_or(EvidenceKind::Language),
            level: r.int(8).clamp(1, 5) as u8,
            suggested: r.bool(9),
            tags: Vec::new(),
            media_id: r.opt_int(11),
            media_start_ms: r.opt_int(12),
            media_end_ms: r.opt_int(13),
        },
        sentiment: r.float(10),
        touchpoint_id: r.opt_int(14),
        nps_response_id: r.opt_int(15),
        review_id: r.opt_int(16),
        created_by: r.text(17),
        account_name: r.opt_text(18),
        contact_name: r.opt_text(19),
        media_title: r.opt_text(20),
    }
}

/// Fills in each item's tags with one query.
fn attach_tags(c: &mut dyn Conn, items: &mut [Evidence]) -> Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = items.iter().map(|e| e.id.to_string()).collect();
    let rows = c.query(
        &format!(
            "SELECT evidence_id, tag FROM evidence_tags WHERE evidence_id IN ({}) ORDER BY tag",
            ids.join(",")
        ),
        &[],
    )?;
    for r in rows {
        if let Some(e) = items.iter_mut().find(|e| e.id == r.int(0)) {
            e.data.tags.push(r.text(1));
        }
    }
    Ok(())
}

pub(crate) fn get(c: &mut dyn Conn, id: i64) -> Result<Evidence> {
    let mut items = vec![c
        .query_one(
            &format!("SELECT {COLUMNS} FROM {FROM} WHERE e.id = ?"),
            &[Value::Int(id)],
        )?
        .map(|r| from_row(&r))
        .ok_or(StoreError::NotFound {
            what: "evidence",
            id,
        })?];
    attach_tags(c, &mut items)?;
    Ok(items.remove(0))
}

/// The account must exist; a contact must exist and belong to the account (which it supplies
/// when none is given); media must exist.
fn resolve_links(c: &mut dyn Conn, d: &mut EvidenceData) -> Result<()> {
    if let Some(cid) = d.contact_id {
        let account = c
            .query_one(
                "SELECT account_id FROM contacts WHERE id = ?",
                &[Value::Int(cid)],
            )?
            .map(|r| r.int(0))
            .ok_or_else(|| {
                StoreError::Invalid(FieldErrors::single(
                    "contact_id",
                    format!("there is no contact {cid}"),
                ))
            })?;
        match d.account_id {
            None => d.account_id = Some(account),
            Some(a) if a != account => {
                return Err(FieldErrors::single(
                    "contact_id",
                    format!("contact {cid} is not a contact of account {a}"),
                )
                .into())
            }
            Some(_) => {}
        }
    }
    if let Some(a) = d.account_id {
        if c.query_int(
            "SELECT count(*) FROM accounts WHERE id = ?",
            &[Value::Int(a)],
        )? == 0
        {
            return Err(
                FieldErrors::single("account_id", format!("there is no account {a}")).into(),
            );
        }
    }
    if let Some(m) = d.media_id {
        if c.query_int("SELECT count(*) FROM media WHERE id = ?", &[Value::Int(m)])? == 0 {
            return Err(FieldErrors::single("media_id", format!("there is no media {m}")).into());
        }
    }
    Ok(())
}

fn set_tags(c: &mut dyn Conn, id: i64, tags: &[String]) -> Result<()> {
    c.execute(
        "DELETE FROM evidence_tags WHERE evidence_id = ?",
        &[Value::Int(id)],
    )?;
    for t in tags {
        c.execute(
            "INSERT INTO evidence_tags (evidence_id, tag) VALUES (?, ?)",
            &[Value::Int(id), Value::from(t.as_str())],
        )?;
    }
    Ok(())
}

/// Inserts one item inside the caller's transaction (links are checked) and returns its id.
pub(crate) fn insert_evidence(c: &mut dyn Conn, d: &EvidenceData, by: &str) -> Result<i64> {
    let mut d = d.clone();
    resolve_links(c, &mut d)?;
    insert_row(c, &d, by, [None, None, None])
}

/// `sources` are the touchpoint, NPS response and review the item follows, if any.
fn insert_row(
    c: &mut dyn Conn,
    d: &EvidenceData,
    by: &str,
    sources: [Option<i64>; 3],
) -> Result<i64> {
    let (external_id, values) = row_values(d, sources, by, now(), d.sentiment());
    let id = c.query_int(
        &format!(
            "INSERT INTO evidence ({INSERT_COLUMNS}) VALUES ({}) RETURNING id",
            vec!["?"; values.len()].join(", ")
        ),
        &values,
    )?;
    if external_id.is_none() {
        crate::ensure_external_id(c, "evidence", "ev", id)?;
    }
    if !d.tags.is_empty() {
        set_tags(c, id, &d.tags)?;
    }
    Ok(id)
}

/// An item's own values, in the order of the first ten of [`INSERT_COLUMNS`] (also the
/// columns an evidence import writes and an edit updates).
pub(crate) fn data_args<'a>(
    d: &'a EvidenceData,
    external_id: Option<&'a str>,
    sentiment: f64,
) -> [Arg<'a>; 10] {
    [
        Arg::from(external_id),
        Arg::Text(&d.body),
        Arg::Text(d.source.as_str()),
        Arg::from(d.account_id),
        Arg::from(d.contact_id),
        Arg::Date(d.occurred_on),
        Arg::Text(d.kind.as_str()),
        Arg::Int(d.level as i64),
        Arg::Bool(d.suggested),
        Arg::Float(sentiment),
    ]
}

/// The columns a new item is written with, in the order of [`row_values`].
const INSERT_COLUMNS: &str = "external_id, body, source, account_id, contact_id, occurred_on, kind, level, suggested, sentiment, touchpoint_id, nps_response_id, review_id, media_id, media_start_ms, media_end_ms, created_by, created_at, updated_at";

/// The external id a new item gets (items that follow a source are named after it, so no
/// second write is needed; `None` means one is assigned after the insert) and its values.
fn row_values(
    d: &EvidenceData,
    sources: [Option<i64>; 3],
    by: &str,
    stamp: chrono::DateTime<chrono::Utc>,
    sentiment: f64,
) -> (Option<String>, Vec<Value>) {
    let external_id = d.external_id.clone().or_else(|| source_name(sources));
    let mut values: Vec<Value> = data_args(d, external_id.as_deref(), sentiment)
        .map(Value::from)
        .to_vec();
    values.extend([
        Value::from(sources[0]),
        Value::from(sources[1]),
        Value::from(sources[2]),
        Value::from(d.media_id),
        Value::from(d.media_start_ms),
        Value::from(d.media_end_ms),
        Value::from(by),
        Value::Time(stamp),
        Value::Time(stamp),
    ]);
    (external_id, values)
}

fn where_clause(q: &EvidenceQuery) -> (String, Vec<Value>) {
    let mut conds = Vec::new();
    let mut params = Vec::new();
    if let Some(a) = q.account_id {
        conds.push("e.account_id = ?");
        params.push(Value::Int(a));
    }
    if let Some(cid) = q.contact_id {
        conds.push("e.contact_id = ?");
        params.push(Value::Int(cid));
    }
    if let Some(k) = q.kind {
        conds.push("e.kind = ?");
        params.push(Value::from(k.as_str()));
    }
    if let Some(s) = q.source {
        conds.push("e.source = ?");
        params.push(Value::from(s.as_str()));
    }
    if let Some(l) = q.level {
        conds.push("e.level = ?");
        params.push(Value::Int(l as i64));
    }
    if let Some(t) = &q.tag {
        conds.push(
            "EXISTS (SELECT 1 FROM evidence_tags t WHERE t.evidence_id = e.id AND t.tag = ?)",
        );
        params.push(Value::from(t.as_str()));
    }
    if let Some(d) = q.from {
        conds.push("e.occurred_on >= ?");
        params.push(Value::Date(d));
    }
    if let Some(d) = q.to {
        conds.push("e.occurred_on <= ?");
        params.push(Value::Date(d));
    }
    let sql = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };
    (sql, params)
}

/// What one sync changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct EvidenceSync {
    pub added: u64,
    pub updated: u64,
    pub removed: u64,
}

/// One source of synced evidence: its rows lacking evidence or with changed text.
struct SyncSource {
    source: EvidenceSource,
    link: &'static str,
    pending: &'static str,
    orphans: &'static str,
}

/// Pending rows select: id, account_id, contact_id, date, text, evidence id, evidence text,
/// evidence suggested. Orphans: evidence whose source no longer has text. `{filter}` and
/// `{join_filter}` take the page's bound on both sides of the join: PostgreSQL does not carry
/// `t.id > ?` over to the evidence side by itself, and a merge join would then read the
/// evidence index from its start on every page (quadratic over a large first sync).
const SOURCES: &[SyncSource] = &[
    SyncSource {
        source: EvidenceSource::Touchpoint,
        link: "touchpoint_id",
        pending: "SELECT t.id, t.account_id, (SELECT min(tc.contact_id) FROM touchpoint_contacts tc WHERE tc.touchpoint_id = t.id), t.occurred_on, t.notes, e.id, e.body, e.suggested \
                  FROM touchpoints t LEFT JOIN evidence e ON e.touchpoint_id = t.id {join_filter} \
                  WHERE t.notes IS NOT NULL AND t.notes <> '' AND (e.id IS NULL OR e.body <> t.notes) {filter} ORDER BY t.id LIMIT 2000",
        orphans: "DELETE FROM evidence WHERE touchpoint_id IN (SELECT id FROM touchpoints WHERE (notes IS NULL OR notes = '') {filter})",
    },
    SyncSource {
        source: EvidenceSource::Nps,
        link: "nps_response_id",
        pending: "SELECT t.id, t.account_id, t.contact_id, t.responded_on, t.comment, e.id, e.body, e.suggested \
                  FROM nps_responses t LEFT JOIN evidence e ON e.nps_response_id = t.id {join_filter} \
                  WHERE t.comment IS NOT NULL AND t.comment <> '' AND (e.id IS NULL OR e.body <> t.comment) {filter} ORDER BY t.id LIMIT 2000",
        orphans: "DELETE FROM evidence WHERE nps_response_id IN (SELECT id FROM nps_responses WHERE (comment IS NULL OR comment = '') {filter})",
    },
    SyncSource {
        source: EvidenceSource::Review,
        link: "review_id",
        pending: "SELECT t.id, c.account_id, t.contact_id, t.reviewed_on, t.title, e.id, e.body, e.suggested \
                  FROM reviews t JOIN contacts c ON c.id = t.contact_id LEFT JOIN evidence e ON e.review_id = t.id {join_filter} \
                  WHERE t.title IS NOT NULL AND t.title <> '' AND (e.id IS NULL OR e.body <> t.title) {filter} ORDER BY t.id LIMIT 2000",
        orphans: "DELETE FROM evidence WHERE review_id IN (SELECT id FROM reviews WHERE (title IS NULL OR title = '') {filter})",
    },
];

/// Whether importing `kind` can change the evidence that follows notes, comments and reviews
/// (accounts and contacts: the names and links it carries).
pub fn feeds_evidence(kind: ImportKind) -> bool {
    use ImportKind::*;
    matches!(kind, Touchpoints | Nps | Reviews | Contacts | Accounts)
}

/// What one pending source row means for its evidence, worked out off the database.
enum Pending {
    New(Box<EvidenceData>, [Option<i64>; 3], f64),
    /// Text follows the source; kind and level follow it only while nobody set them.
    Changed {
        id: i64,
        text: String,
        sentiment: f64,
        suggested: Option<(EvidenceKind, u8)>,
    },
}

/// The CPU side of the sync (suggestion rules and sentiment over the text).
fn work_out(r: &Row, s: &SyncSource, slot: usize) -> Pending {
    let text = r.text(4);
    match r.opt_int(5) {
        None => {
            let mut d = EvidenceData::new(text, s.source, r.date(3));
            d.account_id = r.opt_int(1);
            d.contact_id = r.opt_int(2);
            let mut links = [None, None, None];
            links[slot] = Some(r.int(0));
            let sentiment = d.sentiment();
            Pending::New(Box::new(d), links, sentiment)
        }
        Some(id) => {
            let suggested = r.bool(7).then(|| {
                let sug = suggest(&text, s.source);
                (sug.kind, sug.level)
            });
            Pending::Changed {
                id,
                sentiment: peerstage_core::sentiment::score(&text),
                text,
                suggested,
            }
        }
    }
}

/// Writes one page's worked-out rows.
fn apply(c: &mut dyn Conn, page: Vec<Pending>, out: &mut EvidenceSync) -> Result<()> {
    let stamp = now();
    let mut fresh = Vec::new();
    for p in page {
        match p {
            Pending::New(d, links, sentiment) => fresh.push((*d, links, sentiment)),
            Pending::Changed {
                id,
                text,
                sentiment,
                suggested: Some((kind, level)),
            } => {
                c.execute(
                    "UPDATE evidence SET body = ?, sentiment = ?, kind = ?, level = ?, updated_at = ? WHERE id = ?",
                    &[
                        Value::from(text.as_str()),
                        Value::Float(sentiment),
                        Value::from(kind.as_str()),
                        Value::Int(level as i64),
                        Value::Time(stamp),
                        Value::Int(id),
                    ],
                )?;
                out.updated += 1;
            }
            Pending::Changed {
                id,
                text,
                sentiment,
                suggested: None,
            } => {
                c.execute(
                    "UPDATE evidence SET body = ?, sentiment = ?, updated_at = ? WHERE id = ?",
                    &[
                        Value::from(text.as_str()),
                        Value::Float(sentiment),
                        Value::Time(stamp),
                        Value::Int(id),
                    ],
                )?;
                out.updated += 1;
            }
        }
    }
    out.added += insert_many(c, &fresh, "sync")?;
    Ok(())
}

/// Brings the evidence of one source in step; `only` limits it to one source row.
/// `progress` hears how many source rows were handled so far.
fn sync_source(
    c: &mut dyn Conn,
    s: &SyncSource,
    only: Option<i64>,
    progress: &mut dyn FnMut(u64),
) -> Result<EvidenceSync> {
    let mut out = EvidenceSync::default();
    let slot = SOURCES.iter().position(|x| x.link == s.link).unwrap_or(0);
    // Pages of 2,000 source rows by id.
    let page = |c: &mut dyn Conn, op: &str, bound: i64| -> Result<Vec<Row>> {
        let sql = s
            .pending
            .replace("{filter}", &format!("AND t.id {op} ?"))
            .replace("{join_filter}", &format!("AND e.{} {op} ?", s.link));
        // The join's placeholder comes first in the text.
        Ok(c.query(&sql, &[Value::Int(bound), Value::Int(bound)])?)
    };
    match only {
        Some(id) => {
            let rows = page(c, "=", id)?;
            let worked = rows.iter().map(|r| work_out(r, s, slot)).collect();
            apply(c, worked, &mut out)?;
        }
        None => {
            // The rules and sentiment of one page run on a second thread while the
            // database reads the next page and writes the one before.
            std::thread::scope(|scope| -> Result<()> {
                let (to_worker, rows_in) = std::sync::mpsc::sync_channel::<Vec<Row>>(1);
                let (worked_out, from_worker) = std::sync::mpsc::sync_channel::<Vec<Pending>>(1);
                scope.spawn(move || {
                    for rows in rows_in {
                        let worked = rows.iter().map(|r| work_out(r, s, slot)).collect();
                        if worked_out.send(worked).is_err() {
                            break;
                        }
                    }
                });
                let mut after = 0i64;
                let mut in_flight = 0;
                let mut done = 0u64;
                loop {
                    let rows = page(c, ">", after)?;
                    let Some(last) = rows.last().map(|r| r.int(0)) else {
                        break;
                    };
                    after = last;
                    done += rows.len() as u64;
                    if to_worker.send(rows).is_err() {
                        break;
                    }
                    in_flight += 1;
                    if in_flight == 2 {
                        apply(c, recv(&from_worker)?, &mut out)?;
                        in_flight -= 1;
                        progress(done);
                    }
                }
                drop(to_worker);
                for _ in 0..in_flight {
                    apply(c, recv(&from_worker)?, &mut out)?;
                }
                progress(done);
                Ok(())
            })?;
        }
    }
    let (orphan_filter, params) = match only {
        Some(id) => ("AND id = ?", vec![Value::Int(id)]),
        None => ("", Vec::new()),
    };
    out.removed += c.execute(&s.orphans.replace("{filter}", orphan_filter), &params)?;
    Ok(out)
}

fn recv(rx: &std::sync::mpsc::Receiver<Vec<Pending>>) -> Result<Vec<Pending>> {
    rx.recv()
        .map_err(|_| StoreError::Database("the evidence rules thread stopped".into()))
}

/// Inserts items without tags that follow a source: COPY on PostgreSQL; on SQLite 400 to a
/// statement (each statement makes the search index flush what it gathered).
fn insert_many(
    c: &mut dyn Conn,
    items: &[(EvidenceData, [Option<i64>; 3], f64)],
    by: &str,
) -> Result<u64> {
    let stamp = now();
    if c.dialect() == Dialect::Postgres {
        let columns: Vec<&str> = INSERT_COLUMNS.split(", ").collect();
        c.append("evidence", &columns, &mut |sink| {
            for (d, sources, sentiment) in items {
                let (_, values) = row_values(d, *sources, by, stamp, *sentiment);
                let args: Vec<Arg> = values.iter().map(Arg::from).collect();
                sink.row(&args)?;
            }
            Ok(())
        })?;
        return Ok(items.len() as u64);
    }
    for chunk in items.chunks(400) {
        let mut params = Vec::with_capacity(chunk.len() * 19);
        for (d, sources, sentiment) in chunk {
            params.extend(row_values(d, *sources, by, stamp, *sentiment).1);
        }
        let row = format!("({})", vec!["?"; 19].join(", "));
        c.execute(
            &format!(
                "INSERT INTO evidence ({INSERT_COLUMNS}) VALUES {}",
                vec![row; chunk.len()].join(", ")
            ),
            &params,
        )?;
    }
    Ok(items.len() as u64)
}

/// Items that follow a source are named after it.
fn source_name(sources: [Option<i64>; 3]) -> Option<String> {
    match sources {
        [Some(t), _, _] => Some(format!("ps-ev-tp-{t}")),
        [_, Some(n), _] => Some(format!("ps-ev-nps-{n}")),
        [_, _, Some(r)] => Some(format!("ps-ev-rev-{r}")),
        _ => None,
    }
}

/// Inside a transaction that wrote touchpoint `id`: its note's evidence follows it.
pub(crate) fn sync_touchpoint(c: &mut dyn Conn, id: i64) -> Result<()> {
    sync_source(c, &SOURCES[0], Some(id), &mut |_| {}).map(|_| ())
}

/// Inside a transaction that wrote NPS response `id`: its comment's evidence follows it.
pub(crate) fn sync_nps(c: &mut dyn Conn, id: i64) -> Result<()> {
    sync_source(c, &SOURCES[1], Some(id), &mut |_| {}).map(|_| ())
}

/// Inside a transaction that wrote review `id`.
pub(crate) fn sync_review(c: &mut dyn Conn, id: i64) -> Result<()> {
    sync_source(c, &SOURCES[2], Some(id), &mut |_| {}).map(|_| ())
}

impl Store {
    pub fn create_evidence(&self, d: &EvidenceData) -> Result<Evidence> {
        self.transaction(|c| {
            let id = insert_evidence(c, d, &self.actor.label)?;
            let after = get(c, id)?;
            self.audit_change(
                c,
                "create",
                "evidence",
                id,
                &summary(&after),
                None,
                Some(&after),
            )?;
            Ok(after)
        })
    }

    pub fn get_evidence(&self, id: i64) -> Result<Evidence> {
        self.with_conn(|c| get(c, id))
    }

    /// Edits an item. Items that follow a touchpoint, NPS comment or review keep their text,
    /// date and links from the source; their kind, level and tags can be set.
    pub fn update_evidence(&self, id: i64, d: &EvidenceData) -> Result<Evidence> {
        self.transaction(|c| {
            let before = get(c, id)?;
            let mut d = d.clone();
            let follows = before.touchpoint_id.is_some()
                || before.nps_response_id.is_some()
                || before.review_id.is_some();
            if follows {
                d.body = before.data.body.clone();
                d.occurred_on = before.data.occurred_on;
                d.account_id = before.data.account_id;
                d.contact_id = before.data.contact_id;
                d.source = before.data.source;
            }
            d.media_id = before.data.media_id;
            d.media_start_ms = before.data.media_start_ms;
            d.media_end_ms = before.data.media_end_ms;
            resolve_links(c, &mut d)?;
            c.execute(
                "UPDATE evidence SET external_id = ?, body = ?, source = ?, account_id = ?, contact_id = ?, occurred_on = ?, kind = ?, level = ?, suggested = ?, sentiment = ?, updated_at = ? WHERE id = ?",
                &{
                    let mut v: Vec<Value> = data_args(&d, d.external_id.as_deref(), d.sentiment())
                        .map(Value::from)
                        .to_vec();
                    v.extend([Value::Time(now()), Value::Int(id)]);
                    v
                },
            )?;
            crate::ensure_external_id(c, "evidence", "ev", id)?;
            set_tags(c, id, &d.tags)?;
            let after = get(c, id)?;
            self.audit_change(c, "update", "evidence", id, &summary(&after), Some(&before), Some(&after))?;
            Ok(after)
        })
    }

    /// Deletes an item. An item that follows a touchpoint note, NPS comment or review goes with
    /// its source: delete or empty that instead.
    pub fn delete_evidence(&self, id: i64) -> Result<()> {
        self.transaction(|c| {
            let before = get(c, id)?;
            if before.touchpoint_id.is_some()
                || before.nps_response_id.is_some()
                || before.review_id.is_some()
            {
                return Err(StoreError::Conflict {
                    field: "source".into(),
                    reason: format!(
                        "this item follows a {}; edit or delete that instead",
                        before.data.source.label().to_lowercase()
                    ),
                });
            }
            c.execute("DELETE FROM evidence WHERE id = ?", &[Value::Int(id)])?;
            self.audit_change(
                c,
                "delete",
                "evidence",
                id,
                &summary(&before),
                Some(&before),
                None,
            )?;
            Ok(())
        })
    }

    /// Evidence matching the filters, newest first.
    pub fn list_evidence(&self, q: &EvidenceQuery) -> Result<Page<Evidence>> {
        let per_page = q.per_page.clamp(1, 500);
        let page = q.page.max(1);
        let (cond, params) = where_clause(q);
        let dir = if q.descending { "DESC" } else { "ASC" };
        let key = match q.sort.unwrap_or(EvidenceSort::Date) {
            EvidenceSort::Date => "e.occurred_on",
            EvidenceSort::Kind => "e.kind",
            EvidenceSort::Level => "e.level",
            EvidenceSort::Sentiment => "e.sentiment",
            EvidenceSort::Account => "a.name",
        };
        let order = format!("{key} {dir}, e.id {dir}");
        self.with_conn(|c| {
            let total = c.query_int(&format!("SELECT count(*) FROM evidence e {cond}"), &params)? as u64;
            let mut items: Vec<Evidence> = c
                .query(
                    &format!(
                        "SELECT {COLUMNS} FROM {FROM} {cond} ORDER BY {order} LIMIT {per_page} OFFSET {}",
                        (page as u64 - 1) * per_page as u64
                    ),
                    &params,
                )?
                .iter()
                .map(from_row)
                .collect();
            attach_tags(c, &mut items)?;
            Ok(Page { items, total, page, per_page })
        })
    }

    /// Every tag in use with how many items carry it, most used first.
    pub fn evidence_tags(&self) -> Result<Vec<(String, u64)>> {
        self.with_conn(|c| {
            Ok(c.query(
                "SELECT tag, count(*) FROM evidence_tags GROUP BY tag ORDER BY count(*) DESC, tag",
                &[],
            )?
            .iter()
            .map(|r| (r.text(0), r.int(1) as u64))
            .collect())
        })
    }

    /// Counts of evidence by kind, for the evidence page's summary.
    pub fn evidence_by_kind(&self) -> Result<Vec<(EvidenceKind, u64)>> {
        self.with_conn(|c| {
            Ok(
                c.query("SELECT kind, count(*) FROM evidence GROUP BY kind", &[])?
                    .iter()
                    .filter_map(|r| {
                        EvidenceKind::parse(&r.text(0))
                            .ok()
                            .map(|k| (k, r.int(1) as u64))
                    })
                    .collect(),
            )
        })
    }

    /// After an import of `kind`: brings its notes, comments or review titles into evidence
    /// (nothing to do for other kinds).
    pub fn sync_evidence_after(&self, kind: ImportKind) -> Result<Option<EvidenceSync>> {
        if feeds_evidence(kind) {
            self.sync_evidence().map(Some)
        } else {
            Ok(None)
        }
    }

    /// Turns touchpoint notes, NPS comments and review titles that have no evidence yet into
    /// evidence, brings changed text along, and removes evidence whose source lost its text.
    /// Cheap when nothing changed; run after imports and at start.
    pub fn sync_evidence(&self) -> Result<EvidenceSync> {
        self.sync_evidence_with(|_, _| {})
    }

    /// `sync_evidence`, telling `progress` how many source rows of how many are done. A first
    /// sync into an empty evidence table builds its secondary indexes (and, on PostgreSQL,
    /// checks its foreign keys) once at the end instead of row by row.
    pub fn sync_evidence_with(&self, mut progress: impl FnMut(u64, u64)) -> Result<EvidenceSync> {
        let pending = self.with_conn(|c| {
            let mut n = 0;
            for s in SOURCES {
                let count = format!(
                    "SELECT count(*) FROM ({}) p",
                    s.pending
                        .replace("{filter}", "")
                        .replace("{join_filter}", "")
                );
                n += c.query_int(&count, &[])?;
                let orphans = s
                    .orphans
                    .replace(
                        "DELETE FROM evidence WHERE",
                        "SELECT count(*) FROM evidence WHERE",
                    )
                    .replace("{filter}", "");
                n += c.query_int(&orphans, &[])?;
            }
            Ok(n)
        })?;
        if pending == 0 {
            return Ok(EvidenceSync::default());
        }
        self.transaction(|c| {
            if c.dialect() == Dialect::Postgres {
                // One sync at a time: two would read the same pending notes and the second
                // would fail on evidence's unique keys (SQLite's single writer already
                // serialises them). Waiting for the other to finish is right, however long;
                // every other lock it takes waits as long as the connection's setting says.
                let wait = c.query_one("SELECT current_setting('lock_timeout')", &[])?;
                let wait = wait.map(|r| r.text(0)).unwrap_or_else(|| "0".into());
                c.batch(&format!(
                    "SET LOCAL lock_timeout = 0; SELECT pg_advisory_xact_lock({SYNC_LOCK})"
                ))?;
                c.query(
                    "SELECT set_config('lock_timeout', ?, true)",
                    &[Value::Text(wait)],
                )?;
            }
            let mut rows = 0;
            for s in SOURCES {
                let all = s.pending.replace(" ORDER BY t.id LIMIT 2000", "");
                rows += c.query_int(
                    &format!(
                        "SELECT count(*) FROM ({}) p",
                        all.replace("{filter}", "").replace("{join_filter}", "")
                    ),
                    &[],
                )? as u64;
            }
            // Unique keys stay: every page looks evidence up by its source's id. On SQLite
            // the search index is built once at the end too.
            let (rebuild, search_triggers) =
                if crate::import::empty_and_locked(c, ImportKind::Evidence, "evidence")? {
                    (
                        crate::import::defer_indexes(c, ImportKind::Evidence, "evidence", false)?,
                        crate::search::defer_search_triggers(c)?,
                    )
                } else {
                    (Vec::new(), Vec::new())
                };
            let mut total = EvidenceSync::default();
            let mut before = 0;
            for s in SOURCES {
                let mut done = 0;
                let one = sync_source(c, s, None, &mut |n| {
                    done = n;
                    progress(before + n, rows);
                })?;
                before += done;
                total.added += one.added;
                total.updated += one.updated;
                total.removed += one.removed;
            }
            for create in &rebuild {
                c.batch(create)?;
            }
            if !search_triggers.is_empty() {
                crate::search::rebuild(c)?;
                for create in &search_triggers {
                    c.batch(create)?;
                }
            }
            if total != EvidenceSync::default() {
                self.audit(
                    c,
                    "sync",
                    "evidence",
                    None,
                    &format!(
                        "{} added, {} updated, {} removed from notes, comments and reviews",
                        total.added, total.updated, total.removed
                    ),
                    None,
                    None,
                )?;
            }
            Ok(total)
        })
    }
}

fn summary(e: &Evidence) -> String {
    let mut s: String = e.data.body.chars().take(60).collect();
    if e.data.body.chars().count() > 60 {
        s.push('…');
    }
    format!("{} ({})", s, e.data.kind.label())
}

/// F3: an erased person's own words kept as evidence (pasted, imported, transcribed, captured)
/// are deleted, and the audit entries that quoted them lose the quotes. Evidence that follows
/// a touchpoint note, NPS comment or review is scrubbed with its source by the caller.
pub(crate) fn erase_contact(
    c: &mut dyn Conn,
    contact_id: i64,
    scrub: &dyn Fn(&str) -> String,
) -> Result<()> {
    let own = "SELECT id FROM evidence WHERE contact_id = ? AND touchpoint_id IS NULL AND nps_response_id IS NULL AND review_id IS NULL";
    c.execute(
        &format!(
            "UPDATE audit_log SET before_json = NULL, after_json = NULL, summary = 'evidence of an erased person' WHERE entity = 'evidence' AND entity_id IN ({own})"
        ),
        &[Value::Int(contact_id)],
    )?;
    c.execute(
        &format!("DELETE FROM evidence WHERE id IN ({own})"),
        &[Value::Int(contact_id)],
    )?;
    // Items that stay (they follow a source) may have been edited by hand: their audit
    // entries name the person too.
    let rows = c.query(
        "SELECT a.id, a.summary FROM audit_log a WHERE a.entity = 'evidence' AND a.entity_id IN (SELECT id FROM evidence WHERE contact_id = ?)",
        &[Value::Int(contact_id)],
    )?;
    for r in rows {
        c.execute(
            "UPDATE audit_log SET summary = ?, before_json = NULL, after_json = NULL WHERE id = ?",
            &[Value::Text(scrub(&r.text(1))), Value::Int(r.int(0))],
        )?;
    }
    Ok(())
}

/// F3: the evidence that quotes or concerns a person.
pub(crate) fn privacy_export(c: &mut dyn Conn, contact_id: i64) -> Result<serde_json::Value> {
    let mut items: Vec<Evidence> = c
        .query(
            &format!(
                "SELECT {COLUMNS} FROM {FROM} WHERE e.contact_id = ? ORDER BY e.occurred_on, e.id"
            ),
            &[Value::Int(contact_id)],
        )?
        .iter()
        .map(from_row)
        .collect();
    attach_tags(c, &mut items)?;
    Ok(serde_json::to_value(items).unwrap_or_default())
}
