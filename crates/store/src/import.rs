//! Writes validated import records: everything in one transaction, upserting by external id
//! and leaving unchanged rows untouched (so re-importing a file changes nothing).

use crate::accounts::{account_values, ACCOUNT_DATA_COLUMNS};
use crate::contacts::{contact_values, DATA_COLUMNS as CONTACT_DATA_COLUMNS};
use crate::db::{Arg, Conn, Dialect, Value};
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
    /// The rows are committed but turning their text into evidence afterwards failed (it is
    /// tried again at the next start or import).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence_error: Option<String>,
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
        // Each line's errors found once (a scan of all errors per row was quadratic: a million
        // rejected rows would take hours).
        let mut by_line: std::collections::HashMap<u64, Vec<&peerstage_core::import::RowError>> =
            std::collections::HashMap::new();
        for e in &self.errors {
            by_line.entry(e.line).or_default().push(e);
        }
        for (line, cells) in &self.rejected_rows {
            let reasons: Vec<String> = by_line
                .get(line)
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
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

/// A record's values in the order of its kind's `Target::columns`, borrowed from the record
/// where it holds them (accounts and contacts join their lists into text first).
fn with_args<T, F: FnOnce(&[Arg<'_>]) -> T>(r: &Record, f: F) -> T {
    let call = f;
    let owned =
        |values: Vec<Value>, call: F| call(&values.iter().map(Arg::from).collect::<Vec<_>>());
    match r {
        Record::Account(d) => owned(account_values(d), call),
        Record::Contact(d) => owned(contact_values(d), call),
        Record::Touchpoint(d) => call(&[
            Arg::from(&d.external_id),
            Arg::Int(d.account_id),
            Arg::Text(d.kind.as_str()),
            Arg::Date(d.occurred_on),
            Arg::from(&d.staff),
            Arg::from(&d.notes),
        ]),
        Record::Commitment(d) => call(&[
            Arg::from(&d.external_id),
            Arg::Int(d.account_id),
            Arg::Text(&d.description),
            Arg::from(&d.owner),
            Arg::from(d.due_on),
            Arg::Text(d.status.as_str()),
            Arg::from(d.closed_on),
        ]),
        Record::Nps(d) => call(&[
            Arg::from(&d.external_id),
            Arg::Int(d.account_id),
            Arg::from(d.contact_id),
            Arg::Int(d.score),
            Arg::from(&d.comment),
            Arg::Date(d.responded_on),
        ]),
        Record::Review(d) => call(&[
            Arg::from(&d.external_id),
            Arg::Int(d.contact_id),
            Arg::Int(d.third_party_id),
            Arg::Date(d.reviewed_on),
            Arg::Int(d.rating),
            Arg::from(&d.title),
            Arg::from(&d.link),
        ]),
        Record::SourceResponse(d) => call(&[
            Arg::from(&d.external_id),
            Arg::Int(d.account_id),
            Arg::from(d.third_party_id),
            Arg::from(d.other_source.map(|o| o.as_str())),
            Arg::Date(d.responded_on),
        ]),
        Record::Evidence(d) => call(&crate::evidence::data_args(
            d,
            d.external_id.as_deref(),
            d.sentiment(),
        )),
    }
}

fn record_values(r: &Record) -> Vec<Value> {
    with_args(r, |a| a.iter().map(|&v| Value::from(v)).collect())
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
                // The pragma has no effect inside a transaction, so it is set before BEGIN
                // and set back after the transaction has ended, whichever way it ends.
                c.batch("PRAGMA foreign_keys = OFF")?;
                if let Err(e) = c.batch("BEGIN IMMEDIATE") {
                    c.batch("PRAGMA foreign_keys = ON")?;
                    return Err(e.into());
                }
            } else {
                c.batch("BEGIN")?;
            }
            let end = |c: &mut dyn Conn, commit: bool| -> Result<()> {
                let done = c.batch(if commit { "COMMIT" } else { "ROLLBACK" });
                if done.is_err() {
                    let _ = c.batch("ROLLBACK");
                }
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
                let mut writer = Writer::begin(c, kind, true);
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
            let mut w = Writer::begin(c, kind, false)?;
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
    if kind == ImportKind::Contacts {
        for r in c.query(
            "SELECT contact_id FROM touchpoint_contacts \
             UNION SELECT contact_id FROM nps_responses WHERE contact_id IS NOT NULL \
             UNION SELECT contact_id FROM evidence WHERE contact_id IS NOT NULL \
             UNION SELECT contact_id FROM story_contacts \
             UNION SELECT contact_id FROM media WHERE contact_id IS NOT NULL",
            &[],
        )? {
            l.contacts_with_history.insert(r.int(0));
        }
    }
    if matches!(
        kind,
        ImportKind::Contacts
            | ImportKind::Touchpoints
            | ImportKind::Nps
            | ImportKind::Reviews
            | ImportKind::Evidence
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
    /// Set for a load into an empty table (from a file, whose external ids the reader has
    /// made unique): every record is new, so rows are appended with ids assigned here —
    /// no upsert probe, no staging table. The id the next row gets.
    next_id: Option<i64>,
    /// `stamp` as stored: formatted once, not per row.
    stamp_text: String,
}

/// The tables a kind's import writes rows into.
fn written_tables(kind: ImportKind, table: &'static str) -> Vec<&'static str> {
    match kind {
        ImportKind::Touchpoints => vec![table, "touchpoint_contacts"],
        ImportKind::Evidence => vec![table, "evidence_tags"],
        _ => vec![table],
    }
}

/// Whether `table` is empty. On PostgreSQL the tables the import writes are first locked
/// against other writers until the import commits (SQLite's write lock is already taken), so
/// it stays empty for everything but this import.
pub(crate) fn empty_and_locked(
    c: &mut dyn Conn,
    kind: ImportKind,
    table: &'static str,
) -> Result<bool> {
    let empty = |c: &mut dyn Conn| -> Result<bool> {
        Ok(c.query_int(
            &format!("SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT 1) t"),
            &[],
        )? == 0)
    };
    if !empty(c)? {
        return Ok(false);
    }
    if c.dialect() == Dialect::Postgres {
        for t in written_tables(kind, table) {
            c.batch(&format!("LOCK TABLE {t} IN EXCLUSIVE MODE"))?;
        }
        return empty(c);
    }
    Ok(true)
}

/// The first id a load into the empty `table` may use. PostgreSQL takes it from the
/// table's identity sequence (set past the last row in `finish`).
fn first_free_id(c: &mut dyn Conn, table: &str) -> Result<i64> {
    Ok(match c.dialect() {
        Dialect::Sqlite => c.query_int(
            &format!("SELECT COALESCE(max(id), 0) + 1 FROM {table}"),
            &[],
        )?,
        Dialect::Postgres => c.query_int(
            &format!("SELECT nextval(pg_get_serial_sequence('{table}', 'id'))"),
            &[],
        )?,
    })
}

/// Inside the import's transaction, for a load into an empty table: drops the secondary indexes of the
/// tables the import writes (unique ones stay: they find existing rows), and on PostgreSQL
/// their foreign keys, and returns the statements that build them again. A rolled-back
/// import brings them back. `keys_too` (PostgreSQL, for a load that appends without looking
/// rows up): unique constraints and primary keys that no foreign key depends on go as well,
/// each built once by a sort when added back, which also checks them.
pub(crate) fn defer_indexes(
    c: &mut dyn Conn,
    kind: ImportKind,
    table: &'static str,
    keys_too: bool,
) -> Result<Vec<String>> {
    let mut rebuild = Vec::new();
    if c.dialect() == Dialect::Postgres {
        // Foreign keys too: checked once for the whole table when added back, instead of a
        // trigger and an index probe per row. The empty table is locked until the commit.
        // Drops each constraint of `t` that `sql` lists, remembering how to add it back.
        fn defer(c: &mut dyn Conn, rebuild: &mut Vec<String>, t: &str, sql: &str) -> Result<()> {
            for r in c.query(sql, &[Value::from(t)])? {
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
            Ok(())
        }
        for t in written_tables(kind, table) {
            if keys_too {
                defer(
                    c,
                    &mut rebuild,
                    t,
                    "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c \
                     WHERE c.conrelid = to_regclass(?) AND c.contype IN ('u', 'p') \
                     AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)",
                )?;
            }
            let indexes = c.query(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
                 WHERE x.indrelid = to_regclass(?) AND NOT x.indisunique AND NOT x.indisprimary",
                &[Value::from(t)],
            )?;
            for r in &indexes {
                c.batch(&format!("DROP INDEX \"{}\"", r.text(0)))?;
                rebuild.push(r.text(1));
            }
            defer(
                c,
                &mut rebuild,
                t,
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = to_regclass(?) AND contype = 'f'",
            )?;
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
    /// `from_file`: the records come from `read_csv_with`, which rejects a repeated external id.
    fn begin(c: &mut dyn Conn, kind: ImportKind, from_file: bool) -> Result<Writer> {
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
        let empty = empty_and_locked(c, kind, t.table)?;
        let deferred_indexes = if empty {
            defer_indexes(c, kind, t.table, from_file)?
        } else {
            Vec::new()
        };
        let next_id = if empty && from_file {
            Some(first_free_id(c, t.table)?)
        } else {
            None
        };
        let staging = match d {
            Dialect::Postgres if next_id.is_none() => {
                let staging = format!("import_{}", t.table);
                c.batch(&format!("DROP TABLE IF EXISTS {staging}"))?;
                c.batch(&format!(
                    "CREATE TEMP TABLE {staging} AS SELECT {cols} FROM {} WHERE 1 = 0",
                    t.table
                ))?;
                if kind == ImportKind::Evidence {
                    c.batch("DROP TABLE IF EXISTS import_tags")?;
                    c.batch("CREATE TEMP TABLE import_tags (external_id TEXT COLLATE \"C\" NOT NULL, tag TEXT NOT NULL)")?;
                }
                if kind == ImportKind::Touchpoints {
                    c.batch("DROP TABLE IF EXISTS import_links")?;
                    c.batch("CREATE TEMP TABLE import_links AS SELECT external_id, account_id AS contact_id FROM touchpoints WHERE 1 = 0")?;
                }
                Some(staging)
            }
            _ => None,
        };
        let stamp = now();
        Ok(Writer {
            kind,
            target: t,
            stamp,
            counts: ImportCounts::default(),
            staging,
            insert_sql,
            update_sql,
            deferred_indexes,
            next_id,
            stamp_text: stamp.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        })
    }

    fn write<'r>(
        &mut self,
        c: &mut dyn Conn,
        records: impl Iterator<Item = &'r Record> + Clone,
    ) -> Result<()> {
        if let Some(first) = self.next_id {
            let next = self.append_new(c, records, first)?;
            self.counts.inserted += (next - first) as u64;
            self.next_id = Some(next);
            return Ok(());
        }
        if let Some(staging) = &self.staging {
            c.append(staging, self.target.columns, &mut |sink| {
                for r in records.clone() {
                    with_args(r, |a| sink.row(a))?;
                }
                Ok(())
            })?;
            self.append_children(c, records, None)?;
            return Ok(());
        }
        let stamp = Value::Text(self.stamp_text.clone());
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

    /// Appends records to the empty table with ids from `first` on, then their contact links
    /// or tags; returns the next free id.
    fn append_new<'r>(
        &mut self,
        c: &mut dyn Conn,
        records: impl Iterator<Item = &'r Record> + Clone,
        first: i64,
    ) -> Result<i64> {
        let t = &self.target;
        let mut columns = vec!["id"];
        columns.extend_from_slice(t.columns);
        columns.push("created_at");
        if t.has_updated_at {
            columns.push("updated_at");
        }
        // PostgreSQL's binary COPY takes the timestamp as such; SQLite stores the text, formatted once.
        let stamp = match c.dialect() {
            Dialect::Postgres => Arg::Time(self.stamp),
            Dialect::Sqlite => Arg::Text(&self.stamp_text),
        };
        let mut id = first;
        c.append(t.table, &columns, &mut |sink| {
            for r in records.clone() {
                with_args(r, |a| {
                    // On the stack: no allocation per row.
                    let mut row = [Arg::Null; 32];
                    row[0] = Arg::Int(id);
                    row[1..=a.len()].copy_from_slice(a);
                    row[a.len() + 1] = stamp;
                    row[a.len() + 2] = stamp;
                    sink.row(&row[..columns.len()])
                })?;
                id += 1;
            }
            Ok(())
        })?;
        self.append_children(c, records, Some(first))?;
        Ok(id)
    }

    /// A touchpoint's contact links or an evidence item's tags: into the table itself when
    /// the parents' ids are known (`first`, ids in order), else into the staging tables.
    fn append_children<'r>(
        &self,
        c: &mut dyn Conn,
        records: impl Iterator<Item = &'r Record> + Clone,
        first: Option<i64>,
    ) -> Result<()> {
        let (table, columns) = match (self.kind, first) {
            (ImportKind::Touchpoints, Some(_)) => {
                ("touchpoint_contacts", ["touchpoint_id", "contact_id"])
            }
            (ImportKind::Touchpoints, None) => ("import_links", ["external_id", "contact_id"]),
            (ImportKind::Evidence, Some(_)) => ("evidence_tags", ["evidence_id", "tag"]),
            (ImportKind::Evidence, None) => ("import_tags", ["external_id", "tag"]),
            _ => return Ok(()),
        };
        c.append(table, &columns, &mut |sink| {
            for (id, r) in (first.unwrap_or(0)..).zip(records.clone()) {
                let parent = match first {
                    Some(_) => Arg::Int(id),
                    None => match r.external_id() {
                        "" => Arg::Null,
                        ext => Arg::Text(ext),
                    },
                };
                match r {
                    Record::Touchpoint(tp) => {
                        for cid in &tp.contact_ids {
                            sink.row(&[parent, Arg::Int(*cid)])?;
                        }
                    }
                    Record::Evidence(ev) => {
                        for tag in &ev.tags {
                            sink.row(&[parent, Arg::Text(tag)])?;
                        }
                    }
                    _ => {}
                }
            }
            Ok(())
        })?;
        Ok(())
    }

    fn finish(self, c: &mut dyn Conn) -> Result<ImportCounts> {
        let counts = match &self.staging {
            None => self.counts,
            Some(staging) => merge_staging(c, self.kind, &self.target, staging, self.stamp)?,
        };
        if let (Some(next), Dialect::Postgres) = (self.next_id, c.dialect()) {
            if self.counts.inserted > 0 {
                c.query_int(
                    &format!(
                        "SELECT setval(pg_get_serial_sequence('{}', 'id'), ?)",
                        self.target.table
                    ),
                    &[Value::Int(next - 1)],
                )?;
            }
        }
        for create in &self.deferred_indexes {
            c.batch(create)?;
        }
        Ok(counts)
    }
}

/// PostgreSQL: one INSERT … SELECT … ON CONFLICT merge that records which rows it inserted
/// and which it changed, then the contact links or tags that differ; the counts come from
/// what was written (a row counts as updated when its columns or its links or tags changed).
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
    let (extra_cols, extra_vals, mut params) = if t.has_updated_at {
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
    // Rows this import inserted carry its own timestamp as `created_at`; rows it updated
    // keep theirs. Unchanged rows are not written, so not returned.
    c.batch(
        "DROP TABLE IF EXISTS import_written; CREATE TEMP TABLE import_written (id BIGINT NOT NULL, inserted BOOLEAN NOT NULL); \
         DROP TABLE IF EXISTS import_relinked; CREATE TEMP TABLE import_relinked (id BIGINT NOT NULL)",
    )?;
    params.push(Value::Time(stamp));
    c.execute(
        &format!(
            "WITH w AS (INSERT INTO {table} ({cols}{extra_cols}) SELECT {cols}{extra_vals} FROM {staging} WHERE 1 = 1 \
             ON CONFLICT (external_id) DO UPDATE SET {sets}{upd} WHERE {cond} RETURNING id, created_at = ? AS inserted) \
             INSERT INTO import_written SELECT id, inserted FROM w",
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
            "WITH gone AS (DELETE FROM touchpoint_contacts tc WHERE tc.touchpoint_id IN \
             (SELECT t.id FROM touchpoints t JOIN {staging} s ON s.external_id = t.external_id) \
             AND NOT EXISTS (SELECT 1 FROM new_links n WHERE n.touchpoint_id = tc.touchpoint_id AND n.contact_id = tc.contact_id) \
             RETURNING tc.touchpoint_id) INSERT INTO import_relinked SELECT touchpoint_id FROM gone"
        ))?;
        c.batch(
            "WITH added AS (INSERT INTO touchpoint_contacts (touchpoint_id, contact_id) SELECT n.touchpoint_id, n.contact_id FROM new_links n \
             WHERE NOT EXISTS (SELECT 1 FROM touchpoint_contacts tc WHERE tc.touchpoint_id = n.touchpoint_id AND tc.contact_id = n.contact_id) \
             RETURNING touchpoint_id) INSERT INTO import_relinked SELECT touchpoint_id FROM added",
        )?;
        c.batch("DROP TABLE IF EXISTS new_links; DROP TABLE IF EXISTS import_links")?;
    }
    if kind == ImportKind::Evidence {
        c.batch(&format!(
            "WITH gone AS (DELETE FROM evidence_tags g WHERE g.evidence_id IN \
             (SELECT t.id FROM evidence t JOIN {staging} s ON s.external_id = t.external_id) \
             AND NOT EXISTS (SELECT 1 FROM import_tags n JOIN evidence t ON t.external_id = n.external_id \
             WHERE t.id = g.evidence_id AND n.tag = g.tag) \
             RETURNING g.evidence_id) INSERT INTO import_relinked SELECT evidence_id FROM gone"
        ))?;
        c.batch(
            "WITH added AS (INSERT INTO evidence_tags (evidence_id, tag) SELECT DISTINCT t.id, n.tag FROM import_tags n \
             JOIN evidence t ON t.external_id = n.external_id \
             WHERE NOT EXISTS (SELECT 1 FROM evidence_tags g WHERE g.evidence_id = t.id AND g.tag = n.tag) \
             RETURNING evidence_id) INSERT INTO import_relinked SELECT evidence_id FROM added",
        )?;
        c.batch("DROP TABLE IF EXISTS import_tags")?;
    }
    c.batch("ANALYZE import_written; ANALYZE import_relinked")?;
    let inserted = c.query_int("SELECT count(*) FROM import_written WHERE inserted", &[])? as u64;
    let updated = c.query_int(
        "SELECT count(*) FROM (SELECT id FROM import_written WHERE NOT inserted UNION SELECT id FROM import_relinked) u \
         WHERE NOT EXISTS (SELECT 1 FROM import_written w WHERE w.id = u.id AND w.inserted)",
        &[],
    )? as u64;
    c.batch(&format!(
        "DROP TABLE IF EXISTS {staging}; DROP TABLE IF EXISTS import_written; DROP TABLE IF EXISTS import_relinked"
    ))?;
    Ok(ImportCounts {
        inserted,
        updated,
        unchanged: total - inserted - updated,
    })
}
