//! Writes validated import records: everything in one transaction, upserting by external id
//! and leaving unchanged rows untouched (so re-importing a file changes nothing).

use crate::accounts::{account_values, ACCOUNT_DATA_COLUMNS};
use crate::contacts::{contact_values, DATA_COLUMNS as CONTACT_DATA_COLUMNS};
use crate::db::{Conn, Dialect, Value};
use crate::StoreError;
use crate::{now, Result, Store};
use peerstage_core::import::{read_csv_with, ImportKind, ImportOptions, Lookups, Record};
use serde::Serialize;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportCounts {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

/// What an import did, for the CLI, the web page and the API.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportOutcome {
    pub kind: String,
    pub rows: u64,
    #[serde(flatten)]
    pub counts: ImportCounts,
    pub rejected: u64,
    pub errors: Vec<peerstage_core::import::RowError>,
    pub ignored_columns: Vec<String>,
    /// False when bad rows stopped the whole import.
    pub committed: bool,
    /// A problem with the file as a whole (nothing imported).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_error: Option<String>,
    #[serde(skip)]
    pub header: Vec<String>,
    #[serde(skip)]
    pub rejected_rows: Vec<(u64, Vec<String>)>,
}

impl ImportOutcome {
    /// Rejected rows with their reasons, as CSV: `line`, `reasons`, then the original columns.
    pub fn write_rejects<W: std::io::Write>(&self, out: W) -> std::io::Result<()> {
        // Rejected rows keep their original cells, even when their count is what was wrong.
        let mut w = csv::WriterBuilder::new().flexible(true).from_writer(out);
        let mut head = vec!["line".to_string(), "reasons".to_string()];
        head.extend(self.header.iter().cloned());
        w.write_record(&head)?;
        for (line, cells) in &self.rejected_rows {
            let reasons: Vec<String> = self
                .errors
                .iter()
                .filter(|e| e.line == *line)
                .map(|e| {
                    if e.column.is_empty() {
                        e.reason.clone()
                    } else {
                        format!("{}: {}", e.column, e.reason)
                    }
                })
                .collect();
            let mut row = vec![line.to_string(), reasons.join("; ")];
            row.extend(cells.iter().cloned());
            w.write_record(&row)?;
        }
        w.flush()
    }
}

struct Target {
    table: &'static str,
    columns: &'static [&'static str],
    /// Columns compared to decide whether an existing row changed.
    has_updated_at: bool,
}

const TOUCHPOINT_COLUMNS: &[&str] = &[
    "external_id",
    "account_id",
    "kind",
    "occurred_on",
    "staff",
    "notes",
];
const COMMITMENT_COLUMNS: &[&str] = &[
    "external_id",
    "account_id",
    "description",
    "owner",
    "due_on",
    "status",
    "closed_on",
];
const REVIEW_COLUMNS: &[&str] = &[
    "external_id",
    "contact_id",
    "third_party_id",
    "reviewed_on",
    "rating",
    "title",
    "link",
];
const SOURCE_COLUMNS: &[&str] = &[
    "external_id",
    "account_id",
    "third_party_id",
    "other_source",
    "responded_on",
];
const EVIDENCE_COLUMNS: &[&str] = &[
    "external_id",
    "body",
    "source",
    "account_id",
    "contact_id",
    "occurred_on",
    "kind",
    "level",
    "suggested",
    "sentiment",
];
const NPS_COLUMNS: &[&str] = &[
    "external_id",
    "account_id",
    "contact_id",
    "score",
    "comment",
    "responded_on",
];

fn target(kind: ImportKind) -> Target {
    match kind {
        ImportKind::Accounts => Target {
            table: "accounts",
            columns: ACCOUNT_DATA_COLUMNS,
            has_updated_at: true,
        },
        ImportKind::Contacts => Target {
            table: "contacts",
            columns: CONTACT_DATA_COLUMNS,
            has_updated_at: true,
        },
        ImportKind::Touchpoints => Target {
            table: "touchpoints",
            columns: TOUCHPOINT_COLUMNS,
            has_updated_at: false,
        },
        ImportKind::Commitments => Target {
            table: "commitments",
            columns: COMMITMENT_COLUMNS,
            has_updated_at: true,
        },
        ImportKind::Nps => Target {
            table: "nps_responses",
            columns: NPS_COLUMNS,
            has_updated_at: false,
        },
        ImportKind::Reviews => Target {
            table: "reviews",
            columns: REVIEW_COLUMNS,
            has_updated_at: true,
        },
        ImportKind::Sources => Target {
            table: "source_responses",
            columns: SOURCE_COLUMNS,
            has_updated_at: false,
        },
        ImportKind::Evidence => Target {
            table: "evidence",
            columns: EVIDENCE_COLUMNS,
            has_updated_at: true,
        },
    }
}

fn record_values(r: &Record) -> Vec<Value> {
    match r {
        Record::Account(d) => account_values(d),
        Record::Contact(d) => contact_values(d),
        Record::Touchpoint(d) => vec![
            Value::from(&d.external_id),
            Value::Int(d.account_id),
            Value::from(d.kind.as_str()),
            Value::Date(d.occurred_on),
            Value::from(&d.staff),
            Value::from(&d.notes),
        ],
        Record::Commitment(d) => vec![
            Value::from(&d.external_id),
            Value::Int(d.account_id),
            Value::from(&d.description),
            Value::from(&d.owner),
            Value::from(d.due_on),
            Value::from(d.status.as_str()),
            Value::from(d.closed_on),
        ],
        Record::Nps(d) => vec![
            Value::from(&d.external_id),
            Value::Int(d.account_id),
            Value::from(d.contact_id),
            Value::Int(d.score),
            Value::from(&d.comment),
            Value::Date(d.responded_on),
        ],
        Record::Review(d) => vec![
            Value::from(&d.external_id),
            Value::Int(d.contact_id),
            Value::Int(d.third_party_id),
            Value::Date(d.reviewed_on),
            Value::Int(d.rating),
            Value::from(&d.title),
            Value::from(&d.link),
        ],
        Record::SourceResponse(d) => vec![
            Value::from(&d.external_id),
            Value::Int(d.account_id),
            Value::from(d.third_party_id),
            Value::from(d.other_source.map(|o| o.as_str())),
            Value::Date(d.responded_on),
        ],
        Record::Evidence(d) => vec![
            Value::from(&d.external_id),
            Value::from(d.body.as_str()),
            Value::from(d.source.as_str()),
            Value::from(d.account_id),
            Value::from(d.contact_id),
            Value::Date(d.occurred_on),
            Value::from(d.kind.as_str()),
            Value::Int(d.level as i64),
            Value::Bool(d.suggested),
            Value::Float(d.sentiment()),
        ],
    }
}

impl Store {
    /// External ids of stored accounts and contacts, for resolving references in a file.
    pub fn lookups(&self, kind: ImportKind) -> Result<Lookups> {
        self.with_conn(|c| lookups_in(c, kind))
    }

    /// Reads, validates and imports a CSV file in one transaction. Parsing runs on its own
    /// thread while records are written, so a large file costs about the slower of the two.
    /// With bad rows nothing is committed unless `skip_invalid`, in which case the good rows
    /// are. Database failures are errors; everything about the file is in the outcome.
    pub fn import_csv(
        &self,
        input: impl std::io::Read + Send,
        options: &ImportOptions,
        skip_invalid: bool,
        progress: impl FnMut(u64) + Send,
    ) -> Result<ImportOutcome> {
        let mut outcome = ImportOutcome {
            kind: options.kind.as_str().to_string(),
            ..Default::default()
        };
        let kind = options.kind;
        self.with_conn(|c| {
            let sqlite = c.dialect() == Dialect::Sqlite;
            if sqlite {
                // Every reference is resolved against lookups read under the write lock taken
                // below, so SQLite's per-row foreign-key probes would only repeat that work.
                c.batch("PRAGMA foreign_keys = OFF; BEGIN IMMEDIATE")?;
            } else {
                c.batch("BEGIN")?;
            }
            let end = |c: &mut dyn Conn, commit: bool| -> Result<()> {
                let done = c.batch(if commit { "COMMIT" } else { "ROLLBACK" });
                if sqlite {
                    c.batch("PRAGMA foreign_keys = ON")?;
                }
                Ok(done?)
            };
            let lookups = match lookups_in(c, kind) {
                Ok(l) => l,
                Err(e) => {
                    let _ = end(c, false);
                    return Err(e);
                }
            };
            let written = std::thread::scope(|scope| {
                let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<(u64, Record)>>(4);
                // Written chunks go back to the reader to be freed there: memory freed by the
                // thread that allocated it is much cheaper than a cross-thread free.
                let (done_tx, done_rx) = std::sync::mpsc::channel::<Vec<(u64, Record)>>();
                let parser = std::thread::Builder::new()
                    .name("csv-reader".into())
                    .spawn_scoped(scope, || {
                        read_csv_with(
                            input,
                            options,
                            &lookups,
                            progress,
                            move |chunk, rejected| {
                                while let Ok(old) = done_rx.try_recv() {
                                    drop(old);
                                }
                                (skip_invalid || rejected == 0) && tx.send(chunk).is_ok()
                            },
                        )
                    })
                    .map_err(|e| {
                        StoreError::Database(format!("cannot start the CSV reader: {e}"))
                    })?;
                let mut writer = Writer::begin(c, kind);
                for chunk in rx.iter() {
                    if let Ok(w) = writer.as_mut() {
                        if let Err(e) = w.write(c, chunk.iter().map(|(_, r)| r)) {
                            writer = Err(e);
                        }
                    }
                    let _ = done_tx.send(chunk);
                }
                let parsed = parser
                    .join()
                    .map_err(|_| StoreError::Database("the CSV reader failed".into()))?;
                Ok::<_, StoreError>((parsed, writer))
            });
            let (parsed, writer) = match written {
                Ok(v) => v,
                Err(e) => {
                    let _ = end(c, false);
                    return Err(e);
                }
            };
            let parsed = match parsed {
                Ok(p) => p,
                Err(e) => {
                    end(c, false)?;
                    outcome.file_error = Some(e.to_string());
                    return Ok(());
                }
            };
            outcome.rows = parsed.rows;
            outcome.rejected = parsed.rejected_rows.len() as u64;
            outcome.errors = parsed.errors;
            outcome.ignored_columns = parsed.ignored_columns;
            outcome.header = parsed.header;
            outcome.rejected_rows = parsed.rejected_rows;
            if outcome.rejected > 0 && !skip_invalid {
                return end(c, false);
            }
            let summary = |n: &ImportCounts| {
                format!(
                    "{} rows: {} new, {} updated, {} unchanged, {} rejected",
                    outcome.rows, n.inserted, n.updated, n.unchanged, outcome.rejected
                )
            };
            match writer
                .and_then(|w| w.finish(c))
                .and_then(|n| {
                    self.audit(c, "import", kind.as_str(), None, &summary(&n), None, None)
                        .map(|_| n)
                })
                .and_then(|n| crate::bump_revision(c).map(|_| n))
            {
                Ok(counts) => {
                    end(c, true)?;
                    outcome.counts = counts;
                    outcome.committed = true;
                    Ok(())
                }
                Err(e) => {
                    let _ = end(c, false);
                    Err(e)
                }
            }
        })?;
        Ok(outcome)
    }

    /// Upserts records of one kind in a single transaction.
    pub fn import_records(&self, kind: ImportKind, records: &[Record]) -> Result<ImportCounts> {
        self.transaction(|c| {
            let mut w = Writer::begin(c, kind)?;
            w.write(c, records.iter())?;
            let n = w.finish(c)?;
            let summary = format!(
                "{} records: {} new, {} updated, {} unchanged",
                records.len(),
                n.inserted,
                n.updated,
                n.unchanged
            );
            self.audit(c, "import", kind.as_str(), None, &summary, None, None)?;
            Ok(n)
        })
    }
}

fn lookups_in(c: &mut dyn Conn, kind: ImportKind) -> Result<Lookups> {
    let mut l = Lookups::default();
    if kind
        .fields()
        .iter()
        .any(|f| f.name == "account_external_id")
    {
        for r in c.query(
            "SELECT external_id, id FROM accounts WHERE external_id IS NOT NULL",
            &[],
        )? {
            l.accounts.insert(r.text(0), r.int(1));
        }
    }
    if matches!(kind, ImportKind::Reviews | ImportKind::Sources) {
        l.third_parties = crate::journey::third_party_lookup_in(c)?;
    }
    if matches!(
        kind,
        ImportKind::Touchpoints | ImportKind::Nps | ImportKind::Reviews | ImportKind::Evidence
    ) {
        for r in c.query(
            "SELECT external_id, id, account_id FROM contacts WHERE external_id IS NOT NULL",
            &[],
        )? {
            l.contacts.insert(r.text(0), (r.int(1), r.int(2)));
        }
    }
    Ok(l)
}

/// Writes records of one kind inside the caller's transaction. SQLite upserts row by row
/// with prepared statements (cheap in-process); PostgreSQL COPYs into a staging table and
/// merges once at the end (one round trip per chunk, not per row).
struct Writer {
    kind: ImportKind,
    target: Target,
    stamp: chrono::DateTime<chrono::Utc>,
    counts: ImportCounts,
    staging: Option<String>,
    insert_sql: String,
    update_sql: String,
    /// Secondary indexes (and, on PostgreSQL, foreign keys) dropped for a load into an empty
    /// table, built again (one sort or one check each, instead of work per row) before the
    /// transaction commits.
    deferred_indexes: Vec<String>,
}

/// The tables a kind's import writes rows into.
fn written_tables(kind: ImportKind, table: &'static str) -> Vec<&'static str> {
    match kind {
        ImportKind::Touchpoints => vec![table, "touchpoint_contacts"],
        ImportKind::Evidence => vec![table, "evidence_tags"],
        _ => vec![table],
    }
}

/// Inside the import's transaction: when `table` is empty, drops the secondary indexes of the
/// tables the import writes (unique ones stay: they find existing rows), and on PostgreSQL
/// their foreign keys, and returns the statements that build them again. A rolled-back
/// import brings them back.
fn defer_indexes(c: &mut dyn Conn, kind: ImportKind, table: &'static str) -> Result<Vec<String>> {
    let empty = c.query_int(
        &format!("SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT 1) t"),
        &[],
    )? == 0;
    if !empty {
        return Ok(Vec::new());
    }
    let mut rebuild = Vec::new();
    if c.dialect() == Dialect::Postgres {
        // Foreign keys too: checked once for the whole table when added back, instead of a
        // trigger and an index probe per row. The empty table is locked until the commit.
        for t in written_tables(kind, table) {
            let keys = c.query(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = to_regclass(?) AND contype = 'f'",
                &[Value::from(t)],
            )?;
            let indexes = c.query(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
                 WHERE x.indrelid = to_regclass(?) AND NOT x.indisunique AND NOT x.indisprimary",
                &[Value::from(t)],
            )?;
            for r in &indexes {
                c.batch(&format!("DROP INDEX \"{}\"", r.text(0)))?;
                rebuild.push(r.text(1));
            }
            for r in &keys {
                c.batch(&format!(
                    "ALTER TABLE {t} DROP CONSTRAINT \"{}\"",
                    r.text(0)
                ))?;
                rebuild.push(format!(
                    "ALTER TABLE {t} ADD CONSTRAINT \"{}\" {}",
                    r.text(0),
                    r.text(1)
                ));
            }
        }
        return Ok(rebuild);
    }
    for t in written_tables(kind, table) {
        let rows = c.query(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'",
            &[Value::from(t)],
        )?;
        for r in rows {
            c.batch(&format!("DROP INDEX \"{}\"", r.text(0)))?;
            rebuild.push(r.text(1));
        }
    }
    Ok(rebuild)
}

impl Writer {
    fn begin(c: &mut dyn Conn, kind: ImportKind) -> Result<Writer> {
        let t = target(kind);
        let d = c.dialect();
        let cols = t.columns.join(", ");
        let compared: Vec<&str> = t
            .columns
            .iter()
            .copied()
            .filter(|c| *c != "external_id")
            .collect();
        let (extra_cols, extra_vals) = if t.has_updated_at {
            (", created_at, updated_at", ", ?, ?")
        } else {
            (", created_at", ", ?")
        };
        let marks = vec!["?"; t.columns.len()].join(", ");
        let insert_sql = d.insert_ignoring_conflicts(
            t.table,
            &format!("{cols}{extra_cols}"),
            &format!("{marks}{extra_vals}"),
        );
        let sets: Vec<String> = compared.iter().map(|col| format!("{col} = ?")).collect();
        let changed = compared
            .iter()
            .map(|col| d.differs(col, "?"))
            .collect::<Vec<_>>()
            .join(" OR ");
        let upd = if t.has_updated_at {
            ", updated_at = ?"
        } else {
            ""
        };
        let update_sql = format!(
            "UPDATE {} SET {}{upd} WHERE external_id = ? AND ({changed})",
            t.table,
            sets.join(", ")
        );
        let deferred_indexes = defer_indexes(c, kind, t.table)?;
        let staging = match d {
            Dialect::Sqlite => None,
            Dialect::Postgres => {
                let staging = format!("import_{}", t.table);
                c.batch(&format!("DROP TABLE IF EXISTS {staging}"))?;
                c.batch(&format!(
                    "CREATE TEMP TABLE {staging} AS SELECT {cols} FROM {} WHERE 1 = 0",
                    t.table
                ))?;
                if kind == ImportKind::Evidence {
                    c.batch("DROP TABLE IF EXISTS import_tags")?;
                    c.batch("CREATE TEMP TABLE import_tags (external_id TEXT NOT NULL, tag TEXT NOT NULL)")?;
                }
                if kind == ImportKind::Touchpoints {
                    c.batch("DROP TABLE IF EXISTS import_links")?;
                    c.batch("CREATE TEMP TABLE import_links AS SELECT external_id, account_id AS contact_id FROM touchpoints WHERE 1 = 0")?;
                }
                Some(staging)
            }
        };
        Ok(Writer {
            kind,
            target: t,
            stamp: now(),
            counts: ImportCounts::default(),
            staging,
            insert_sql,
            update_sql,
            deferred_indexes,
        })
    }

    fn write<'r>(
        &mut self,
        c: &mut dyn Conn,
        records: impl Iterator<Item = &'r Record> + Clone,
    ) -> Result<()> {
        if let Some(staging) = &self.staging {
            c.load(
                staging,
                self.target.columns,
                &mut records.clone().map(record_values),
            )?;
            if self.kind == ImportKind::Touchpoints {
                let mut links = records.clone().flat_map(|r| match r {
                    Record::Touchpoint(tp) => tp
                        .contact_ids
                        .iter()
                        .map(|cid| vec![Value::from(&tp.external_id), Value::Int(*cid)])
                        .collect::<Vec<_>>(),
                    _ => Vec::new(),
                });
                c.load("import_links", &["external_id", "contact_id"], &mut links)?;
            }
            if self.kind == ImportKind::Evidence {
                let mut tags = records.flat_map(|r| match r {
                    Record::Evidence(d) => d
                        .tags
                        .iter()
                        .map(|t| vec![Value::from(&d.external_id), Value::from(t.as_str())])
                        .collect::<Vec<_>>(),
                    _ => Vec::new(),
                });
                c.load("import_tags", &["external_id", "tag"], &mut tags)?;
            }
            return Ok(());
        }
        // Formatted once: a timestamp formatted per row costs more than SQLite's insert.
        let stamp = Value::Text(
            self.stamp
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        );
        let stamps: &[Value] = if self.target.has_updated_at {
            &[stamp.clone(), stamp.clone()]
        } else {
            std::slice::from_ref(&stamp)
        };
        for r in records {
            let mut params = record_values(r);
            params.extend_from_slice(stamps);
            let (id, fresh, changed) = match c.insert_id(&self.insert_sql, &params)? {
                Some(id) => {
                    self.counts.inserted += 1;
                    (Some(id), true, true)
                }
                None => {
                    // params[0] is the external id; the other values appear in SET and again in WHERE.
                    let values = &params[..self.target.columns.len()];
                    let rest = &values[1..];
                    let mut p: Vec<Value> = rest.to_vec();
                    if self.target.has_updated_at {
                        p.push(Value::Time(self.stamp));
                    }
                    p.push(values[0].clone());
                    p.extend_from_slice(rest);
                    let changed = c.execute(&self.update_sql, &p)? == 1;
                    if changed {
                        self.counts.updated += 1;
                    } else {
                        self.counts.unchanged += 1;
                    }
                    (None, false, changed)
                }
            };
            if let Record::Evidence(ev) = r {
                let id = match id {
                    Some(id) => id,
                    None => c.query_int(
                        "SELECT id FROM evidence WHERE external_id = ?",
                        &[params[0].clone()],
                    )?,
                };
                let mut old: Vec<String> = if fresh {
                    Vec::new()
                } else {
                    c.query(
                        "SELECT tag FROM evidence_tags WHERE evidence_id = ?",
                        &[Value::Int(id)],
                    )?
                    .iter()
                    .map(|r| r.text(0))
                    .collect()
                };
                let mut new = ev.tags.clone();
                old.sort_unstable();
                new.sort_unstable();
                if old != new {
                    if !fresh && !changed {
                        self.counts.unchanged -= 1;
                        self.counts.updated += 1;
                    }
                    c.execute(
                        "DELETE FROM evidence_tags WHERE evidence_id = ?",
                        &[Value::Int(id)],
                    )?;
                    for t in &new {
                        c.execute(
                            "INSERT INTO evidence_tags (evidence_id, tag) VALUES (?, ?)",
                            &[Value::Int(id), Value::from(t.as_str())],
                        )?;
                    }
                }
            }
            if let Record::Touchpoint(tp) = r {
                let id = match id {
                    Some(id) => id,
                    None => c.query_int(
                        "SELECT id FROM touchpoints WHERE external_id = ?",
                        &[params[0].clone()],
                    )?,
                };
                if !fresh {
                    // Other contacts than before make the touchpoint updated; the same ones, nothing.
                    let mut old: Vec<i64> = c
                        .query(
                            "SELECT contact_id FROM touchpoint_contacts WHERE touchpoint_id = ?",
                            &[Value::Int(id)],
                        )?
                        .iter()
                        .map(|r| r.int(0))
                        .collect();
                    let mut new = tp.contact_ids.clone();
                    old.sort_unstable();
                    new.sort_unstable();
                    if old == new {
                        continue;
                    }
                    if !changed {
                        self.counts.unchanged -= 1;
                        self.counts.updated += 1;
                    }
                    c.execute(
                        "DELETE FROM touchpoint_contacts WHERE touchpoint_id = ?",
                        &[Value::Int(id)],
                    )?;
                }
                for cid in &tp.contact_ids {
                    c.execute(
                        "INSERT INTO touchpoint_contacts (touchpoint_id, contact_id) VALUES (?, ?)",
                        &[Value::Int(id), Value::Int(*cid)],
                    )?;
                }
            }
        }
        Ok(())
    }

    fn finish(self, c: &mut dyn Conn) -> Result<ImportCounts> {
        let counts = match &self.staging {
            None => self.counts,
            Some(staging) => merge_staging(c, self.kind, &self.target, staging, self.stamp)?,
        };
        for create in &self.deferred_indexes {
            c.batch(create)?;
        }
        Ok(counts)
    }
}

/// PostgreSQL: counts what will change, then one INSERT … SELECT … ON CONFLICT merge.
fn merge_staging(
    c: &mut dyn Conn,
    kind: ImportKind,
    t: &Target,
    staging: &str,
    stamp: chrono::DateTime<chrono::Utc>,
) -> Result<ImportCounts> {
    let d = c.dialect();
    let cols = t.columns.join(", ");
    let compared: Vec<&str> = t
        .columns
        .iter()
        .copied()
        .filter(|c| *c != "external_id")
        .collect();
    let on = |a: &str, b: &str| {
        compared
            .iter()
            .map(|col| d.differs(&format!("{a}.{col}"), &format!("{b}.{col}")))
            .collect::<Vec<_>>()
            .join(" OR ")
    };
    // Temporary tables get no statistics by themselves; without them the planner assumes
    // a handful of rows and picks nested loops over a million.
    c.batch(&format!("ANALYZE {staging}"))?;
    if kind == ImportKind::Touchpoints {
        c.batch("ANALYZE import_links")?;
    }
    if kind == ImportKind::Evidence {
        c.batch("ANALYZE import_tags")?;
    }
    let total = c.query_int(&format!("SELECT count(*) FROM {staging}"), &[])? as u64;
    let existing = c.query_int(
        &format!(
            "SELECT count(*) FROM {staging} s JOIN {} t ON t.external_id = s.external_id",
            t.table
        ),
        &[],
    )? as u64;
    let changed = format!(
        "SELECT t.id FROM {staging} s JOIN {} t ON t.external_id = s.external_id WHERE {}",
        t.table,
        on("t", "s")
    );
    let updated_sql = if kind == ImportKind::Evidence {
        // Other tags than before make an item updated even when its own columns do not.
        format!(
            "WITH old AS (SELECT t.external_id, g.tag FROM {staging} s JOIN evidence t ON t.external_id = s.external_id \
             JOIN evidence_tags g ON g.evidence_id = t.id), \
             new AS (SELECT external_id, tag FROM import_tags) \
             SELECT count(*) FROM (SELECT t.external_id FROM ({changed}) ch JOIN evidence t ON t.id = ch.id \
             UNION SELECT external_id FROM (SELECT * FROM old EXCEPT SELECT * FROM new) gone \
             UNION SELECT n.external_id FROM (SELECT * FROM new EXCEPT SELECT * FROM old) n JOIN evidence t ON t.external_id = n.external_id) u"
        )
    } else if kind == ImportKind::Touchpoints {
        // A touchpoint whose contacts change is updated even when its own columns do not.
        format!(
            "WITH old AS (SELECT t.id, tc.contact_id FROM {staging} s JOIN touchpoints t ON t.external_id = s.external_id \
             JOIN touchpoint_contacts tc ON tc.touchpoint_id = t.id), \
             new AS (SELECT t.id, l.contact_id FROM import_links l JOIN touchpoints t ON t.external_id = l.external_id) \
             SELECT count(*) FROM ({changed} \
             UNION SELECT id FROM (SELECT * FROM old EXCEPT SELECT * FROM new) gone \
             UNION SELECT id FROM (SELECT * FROM new EXCEPT SELECT * FROM old) added) u"
        )
    } else {
        format!("SELECT count(*) FROM ({changed}) u")
    };
    let updated = c.query_int(&updated_sql, &[])? as u64;
    let (extra_cols, extra_vals, params) = if t.has_updated_at {
        (
            ", created_at, updated_at",
            ", ?, ?",
            vec![Value::Time(stamp), Value::Time(stamp)],
        )
    } else {
        (", created_at", ", ?", vec![Value::Time(stamp)])
    };
    let sets: Vec<String> = compared
        .iter()
        .map(|col| format!("{col} = excluded.{col}"))
        .collect();
    let upd = if t.has_updated_at {
        ", updated_at = excluded.updated_at"
    } else {
        ""
    };
    c.execute(
        &format!(
            "INSERT INTO {table} ({cols}{extra_cols}) SELECT {cols}{extra_vals} FROM {staging} WHERE 1 = 1 \
             ON CONFLICT (external_id) DO UPDATE SET {sets}{upd} WHERE {cond}",
            table = t.table,
            sets = sets.join(", "),
            cond = on(t.table, "excluded"),
        ),
        &params,
    )?;
    if kind == ImportKind::Touchpoints {
        // Only the links that changed are written: every inserted link costs two foreign-key
        // checks, so re-importing a file must not rewrite them all.
        c.batch("DROP TABLE IF EXISTS new_links")?;
        c.batch(
            "CREATE TEMP TABLE new_links AS SELECT DISTINCT t.id AS touchpoint_id, l.contact_id \
             FROM import_links l JOIN touchpoints t ON t.external_id = l.external_id",
        )?;
        c.batch("ANALYZE new_links")?;
        c.batch(&format!(
            "DELETE FROM touchpoint_contacts tc WHERE tc.touchpoint_id IN \
             (SELECT t.id FROM touchpoints t JOIN {staging} s ON s.external_id = t.external_id) \
             AND NOT EXISTS (SELECT 1 FROM new_links n WHERE n.touchpoint_id = tc.touchpoint_id AND n.contact_id = tc.contact_id)"
        ))?;
        c.batch(
            "INSERT INTO touchpoint_contacts (touchpoint_id, contact_id) SELECT n.touchpoint_id, n.contact_id FROM new_links n \
             WHERE NOT EXISTS (SELECT 1 FROM touchpoint_contacts tc WHERE tc.touchpoint_id = n.touchpoint_id AND tc.contact_id = n.contact_id)",
        )?;
        c.batch("DROP TABLE IF EXISTS new_links; DROP TABLE IF EXISTS import_links")?;
    }
    if kind == ImportKind::Evidence {
        c.batch(&format!(
            "DELETE FROM evidence_tags g WHERE g.evidence_id IN \
             (SELECT t.id FROM evidence t JOIN {staging} s ON s.external_id = t.external_id) \
             AND NOT EXISTS (SELECT 1 FROM import_tags n JOIN evidence t ON t.external_id = n.external_id \
             WHERE t.id = g.evidence_id AND n.tag = g.tag)"
        ))?;
        c.batch(
            "INSERT INTO evidence_tags (evidence_id, tag) SELECT DISTINCT t.id, n.tag FROM import_tags n \
             JOIN evidence t ON t.external_id = n.external_id \
             WHERE NOT EXISTS (SELECT 1 FROM evidence_tags g WHERE g.evidence_id = t.id AND g.tag = n.tag)",
        )?;
        c.batch("DROP TABLE IF EXISTS import_tags")?;
    }
    c.batch(&format!("DROP TABLE IF EXISTS {staging}"))?;
    Ok(ImportCounts {
        inserted: total - existing,
        updated,
        unchanged: existing - updated,
    })
}
