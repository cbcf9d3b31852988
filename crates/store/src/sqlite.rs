use crate::db::{iso_date, Arg, Conn, DbError, Dialect, Row, RowSink, Value};
use rusqlite::functions::FunctionFlags;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags, ToSql};
use std::time::Duration;

/// A connection, and how long its statements wait for another connection's write lock.
pub struct SqliteConn(pub Connection, Duration);

impl SqliteConn {
    /// `lock_wait`: how long a statement waits for another connection's write lock
    /// before failing with `DbError::Busy`.
    pub fn open(path: &str, lock_wait: Duration) -> Result<Self, String> {
        // SQLite's allocation statistics take a global mutex on every malloc; we never read them.
        static CONFIGURE: std::sync::Once = std::sync::Once::new();
        CONFIGURE.call_once(|| unsafe {
            rusqlite::ffi::sqlite3_config(
                rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS,
                0 as std::os::raw::c_int,
            );
        });
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)
            .map_err(|e| format!("cannot open SQLite database {path}: {e}"))?;
        conn.busy_timeout(lock_wait).map_err(|e| e.to_string())?;
        // `threads`: building an index (a first import defers them) sorts on both cores.
        // `page_size` applies to a new file only (an existing one keeps its own): 8 KiB pages
        // made a 1,000,000-touchpoint import 18 % faster than 4 KiB (docs/PERFORMANCE.md).
        conn.execute_batch(
            "PRAGMA page_size = 8192; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536; PRAGMA threads = 2;",
        )
        .map_err(|e| format!("cannot configure SQLite database {path}: {e}"))?;
        conn.set_prepared_statement_cache_capacity(128);
        // Searches fold case for every letter (`Dialect::lower`); SQLite's `lower` folds ASCII
        // only, so "Ölwerk" would not find "ölwerk". Used in queries only, never in the schema,
        // so the file stays readable by tools that do not have it.
        conn.create_scalar_function(
            "unicode_lower",
            1,
            FunctionFlags::SQLITE_UTF8
                | FunctionFlags::SQLITE_DETERMINISTIC
                | FunctionFlags::SQLITE_INNOCUOUS,
            |ctx| Ok(ctx.get::<Option<String>>(0)?.map(|s| s.to_lowercase())),
        )
        .map_err(|e| format!("cannot configure SQLite database {path}: {e}"))?;
        Ok(SqliteConn(conn, lock_wait))
    }
}

impl ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(v) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            Value::Float(v) => ToSqlOutput::Borrowed(ValueRef::Real(*v)),
            Value::Bool(b) => ToSqlOutput::Borrowed(ValueRef::Integer(*b as i64)),
            Value::Text(t) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
            Value::Date(d) => {
                use chrono::Datelike;
                ToSqlOutput::Owned(rusqlite::types::Value::Text(format!(
                    "{:04}-{:02}-{:02}",
                    d.year(),
                    d.month(),
                    d.day()
                )))
            }
            Value::Time(t) => ToSqlOutput::Owned(rusqlite::types::Value::Text(
                t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            )),
        })
    }
}

impl ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match *self {
            Arg::Null => ValueRef::Null,
            Arg::Int(v) => ValueRef::Integer(v),
            Arg::Float(v) => ValueRef::Real(v),
            Arg::Bool(b) => ValueRef::Integer(b as i64),
            Arg::Text(t) => ValueRef::Text(t.as_bytes()),
            Arg::Date(d) => {
                return Ok(ToSqlOutput::Owned(rusqlite::types::Value::Text(
                    String::from_utf8_lossy(&iso_date(d)).into_owned(),
                )))
            }
            Arg::Time(t) => {
                return Ok(ToSqlOutput::Owned(rusqlite::types::Value::Text(
                    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                )))
            }
        }))
    }
}

/// Binds each row's values to one prepared INSERT (SQLite copies them) and runs it.
struct Appender<'c> {
    stmt: rusqlite::CachedStatement<'c>,
    rows: u64,
}

impl RowSink for Appender<'_> {
    fn row(&mut self, values: &[Arg<'_>]) -> Result<(), DbError> {
        for (i, v) in values.iter().enumerate() {
            match *v {
                // Formatted on the stack: SQLite copies the text while binding it.
                Arg::Date(d) => {
                    let text = iso_date(d);
                    let text = std::str::from_utf8(&text).unwrap_or_default();
                    self.stmt.raw_bind_parameter(i + 1, text)
                }
                _ => self.stmt.raw_bind_parameter(i + 1, v),
            }
            .map_err(map_err)?;
        }
        self.stmt.raw_execute().map_err(map_err)?;
        self.rows += 1;
        Ok(())
    }
}

fn map_err(e: rusqlite::Error) -> DbError {
    if let rusqlite::Error::SqliteFailure(f, _) = &e {
        if matches!(
            f.code,
            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
        ) {
            return DbError::Busy(e.to_string());
        }
    }
    if let rusqlite::Error::SqliteFailure(f, Some(msg)) = &e {
        if f.code == rusqlite::ErrorCode::ConstraintViolation {
            if let Some(cols) = msg.strip_prefix("UNIQUE constraint failed: ") {
                let column = cols.split(',').next().unwrap_or("").trim();
                let column = column.rsplit('.').next().unwrap_or(column).to_string();
                return DbError::Unique { column };
            }
            if msg.starts_with("FOREIGN KEY") {
                return DbError::ForeignKey;
            }
        }
    }
    DbError::Other(e.to_string())
}

fn read_row(row: &rusqlite::Row<'_>, n: usize) -> rusqlite::Result<Row> {
    let mut values = Vec::with_capacity(n);
    for i in 0..n {
        values.push(match row.get_ref(i)? {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(v) => Value::Int(v),
            ValueRef::Real(v) => Value::Float(v),
            ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Value::Text(String::from_utf8_lossy(b).into_owned()),
        });
    }
    Ok(Row(values))
}

impl Conn for SqliteConn {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        let mut stmt = self.0.prepare_cached(sql).map_err(map_err)?;
        let n = stmt.column_count();
        let rows = stmt
            .query_map(rusqlite::params_from_iter(params.iter()), |r| {
                read_row(r, n)
            })
            .map_err(map_err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(map_err)
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        let mut stmt = self.0.prepare_cached(sql).map_err(map_err)?;
        stmt.execute(rusqlite::params_from_iter(params.iter()))
            .map(|n| n as u64)
            .map_err(map_err)
    }

    fn insert_id(&mut self, sql: &str, params: &[Value]) -> Result<Option<i64>, DbError> {
        let mut stmt = self.0.prepare_cached(sql).map_err(map_err)?;
        let n = stmt
            .execute(rusqlite::params_from_iter(params.iter()))
            .map_err(map_err)?;
        Ok((n == 1).then(|| self.0.last_insert_rowid()))
    }

    fn execute_unless_busy(&mut self, sql: &str, params: &[Value]) -> Result<Option<u64>, DbError> {
        self.0.busy_timeout(Duration::ZERO).map_err(map_err)?;
        let done = self.execute(sql, params);
        self.0.busy_timeout(self.1).map_err(map_err)?;
        match done {
            Ok(n) => Ok(Some(n)),
            Err(DbError::Busy(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        self.0.execute_batch(sql).map_err(map_err)
    }

    fn append(
        &mut self,
        table: &str,
        columns: &[&str],
        fill: &mut dyn FnMut(&mut dyn RowSink) -> Result<(), DbError>,
    ) -> Result<u64, DbError> {
        let marks = vec!["?"; columns.len()].join(", ");
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES ({marks})",
            columns.join(", ")
        );
        let mut sink = Appender {
            stmt: self.0.prepare_cached(&sql).map_err(map_err)?,
            rows: 0,
        };
        fill(&mut sink)?;
        Ok(sink.rows)
    }
}
