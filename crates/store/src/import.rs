//! Writes validated import records: everything in one transaction, upserting by external id
//! and leaving unchanged rows untouched (so re-importing a file changes nothing).

use crate::accounts::{account_values, ACCOUNT_DATA_COLUMNS};
use crate::contacts::{contact_values, DATA_COLUMNS as CONTACT_DATA_COLUMNS};
use crate::db::{Conn, Value};
use crate::{now, Result, Store};
use peerstage_core::import::{read_csv, ImportKind, ImportOptions, Lookups, Record};
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
        let mut w = csv::Writer::from_writer(out);
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
    }
}

impl Store {
    /// External ids of stored accounts and contacts, for resolving references in a file.
    pub fn lookups(&self, kind: ImportKind) -> Result<Lookups> {
        self.with_conn(|c| {
            let mut l = Lookups::default();
            if kind != ImportKind::Accounts {
                for r in c.query("SELECT external_id, id FROM accounts WHERE external_id IS NOT NULL", &[])? {
                    l.accounts.insert(r.text(0), r.int(1));
                }
            }
            if matches!(kind, ImportKind::Touchpoints | ImportKind::Nps) {
                for r in c.query("SELECT external_id, id, account_id FROM contacts WHERE external_id IS NOT NULL", &[])? {
                    l.contacts.insert(r.text(0), (r.int(1), r.int(2)));
                }
            }
            Ok(l)
        })
    }

    /// Reads, validates and imports a CSV file. With bad rows, nothing is written unless
    /// `skip_invalid`, in which case the good rows are written and the bad ones reported.
    /// Database failures are errors; everything about the file is in the outcome.
    pub fn import_csv(
        &self,
        input: impl std::io::Read,
        options: &ImportOptions,
        skip_invalid: bool,
        progress: impl FnMut(u64),
    ) -> Result<ImportOutcome> {
        let mut outcome = ImportOutcome {
            kind: options.kind.as_str().to_string(),
            ..Default::default()
        };
        let lookups = self.lookups(options.kind)?;
        let parsed = match read_csv(input, options, &lookups, progress) {
            Ok(p) => p,
            Err(e) => {
                outcome.file_error = Some(e.to_string());
                return Ok(outcome);
            }
        };
        outcome.rows = parsed.rows;
        outcome.rejected = parsed.rejected_rows.len() as u64;
        outcome.errors = parsed.errors;
        outcome.ignored_columns = parsed.ignored_columns;
        outcome.header = parsed.header;
        outcome.rejected_rows = parsed.rejected_rows;
        if outcome.rejected > 0 && !skip_invalid {
            return Ok(outcome);
        }
        let records: Vec<Record> = parsed.records.into_iter().map(|(_, r)| r).collect();
        outcome.counts = self.import_records(options.kind, &records)?;
        outcome.committed = true;
        Ok(outcome)
    }

    /// Upserts records of one kind in a single transaction.
    pub fn import_records(&self, kind: ImportKind, records: &[Record]) -> Result<ImportCounts> {
        self.transaction(|c| import_in(c, kind, records))
    }
}

fn import_in(c: &mut dyn Conn, kind: ImportKind, records: &[Record]) -> Result<ImportCounts> {
    let t = target(kind);
    let d = c.dialect();
    let staging = format!("import_{}", t.table);
    let cols = t.columns.join(", ");
    c.batch(&format!("DROP TABLE IF EXISTS {staging}"))?;
    c.batch(&format!(
        "CREATE TEMP TABLE {staging} AS SELECT {cols} FROM {} WHERE 1 = 0",
        t.table
    ))?;
    c.load(&staging, t.columns, &mut records.iter().map(record_values))?;

    let compared: Vec<&str> = t
        .columns
        .iter()
        .copied()
        .filter(|c| *c != "external_id")
        .collect();
    let changed_cond = compared
        .iter()
        .map(|col| d.differs(&format!("t.{col}"), &format!("s.{col}")))
        .collect::<Vec<_>>()
        .join(" OR ");
    let total = records.len() as u64;
    let existing = c.query_int(
        &format!(
            "SELECT count(*) FROM {staging} s JOIN {} t ON t.external_id = s.external_id",
            t.table
        ),
        &[],
    )? as u64;
    let updated = c.query_int(
        &format!("SELECT count(*) FROM {staging} s JOIN {} t ON t.external_id = s.external_id WHERE {changed_cond}", t.table),
        &[],
    )? as u64;

    let stamp = now();
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
    let merge_cond = compared
        .iter()
        .map(|col| d.differs(&format!("{}.{col}", t.table), &format!("excluded.{col}")))
        .collect::<Vec<_>>()
        .join(" OR ");
    c.execute(
        &format!(
            "INSERT INTO {table} ({cols}{extra_cols}) SELECT {cols}{extra_vals} FROM {staging} WHERE 1 = 1 \
             ON CONFLICT (external_id) DO UPDATE SET {sets}{upd} WHERE {merge_cond}",
            table = t.table,
            sets = sets.join(", ")
        ),
        &params,
    )?;

    if let ImportKind::Touchpoints = kind {
        c.batch("DROP TABLE IF EXISTS import_links")?;
        c.batch("CREATE TEMP TABLE import_links AS SELECT external_id, account_id AS contact_id FROM touchpoints WHERE 1 = 0")?;
        let mut links = records.iter().flat_map(|r| match r {
            Record::Touchpoint(tp) => tp
                .contact_ids
                .iter()
                .map(|cid| vec![Value::from(&tp.external_id), Value::Int(*cid)])
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        });
        c.load("import_links", &["external_id", "contact_id"], &mut links)?;
        c.batch(&format!(
            "DELETE FROM touchpoint_contacts WHERE touchpoint_id IN \
             (SELECT t.id FROM touchpoints t JOIN {staging} s ON s.external_id = t.external_id)"
        ))?;
        c.batch(
            "INSERT INTO touchpoint_contacts (touchpoint_id, contact_id) \
             SELECT DISTINCT t.id, l.contact_id FROM import_links l JOIN touchpoints t ON t.external_id = l.external_id",
        )?;
        c.batch("DROP TABLE IF EXISTS import_links")?;
    }
    c.batch(&format!("DROP TABLE IF EXISTS {staging}"))?;
    Ok(ImportCounts {
        inserted: total - existing,
        updated,
        unchanged: existing - updated,
    })
}
