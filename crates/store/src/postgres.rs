use crate::db::{iso_date, Arg, Conn, DbError, Dialect, Row, RowSink, Value};
use postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use postgres::{Client, NoTls, Statement};
use std::collections::HashMap;
use std::io::Write;

pub struct PgConn {
    client: Client,
    statements: HashMap<String, Statement>,
}

impl PgConn {
    /// `lock_wait`: how long a statement waits for a lock another transaction holds
    /// (`lock_timeout`) before failing with `DbError::Busy`, as SQLite's busy timeout does.
    pub fn connect(url: &str, lock_wait: std::time::Duration) -> Result<Self, String> {
        let mut client = Client::connect(url, NoTls)
            .map_err(|e| format!("cannot connect to PostgreSQL: {}", server_says(&e)))?;
        client
            .batch_execute(&format!(
                "SET lock_timeout = {}",
                lock_wait.as_millis().max(1)
            ))
            .map_err(|e| {
                format!(
                    "cannot configure the PostgreSQL session: {}",
                    server_says(&e)
                )
            })?;
        Ok(PgConn {
            client,
            statements: HashMap::new(),
        })
    }

    fn statement(&mut self, sql: &str) -> Result<Statement, DbError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let translated = placeholders(sql);
        let stmt = self.client.prepare(&translated).map_err(map_err)?;
        if self.statements.len() > 256 {
            self.statements.clear();
        }
        self.statements.insert(sql.to_string(), stmt.clone());
        Ok(stmt)
    }
}

/// What went wrong, in the server's words when it answered (`database "x" does not exist`),
/// else with the cause (`Connection refused`): the error's own text is only "db error" or
/// "error connecting to server".
fn server_says(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return db.message().to_string();
    }
    match std::error::Error::source(e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    }
}

/// `?` → `$1, $2, …` outside quoted strings.
fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    let mut in_string = false;
    for c in sql.chars() {
        match c {
            '\'' => {
                in_string = !in_string;
                out.push(c);
            }
            '?' if !in_string => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(c),
        }
    }
    out
}

#[derive(Debug)]
struct Param<'a>(&'a Value);

impl ToSql for Param<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self.0 {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) => match *ty {
                Type::INT2 => (*v as i16).to_sql(ty, out),
                Type::INT4 => (*v as i32).to_sql(ty, out),
                Type::FLOAT8 => (*v as f64).to_sql(ty, out),
                Type::BOOL => (*v != 0).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => v.to_string().to_sql(ty, out),
                _ => v.to_sql(ty, out),
            },
            Value::Float(v) => match *ty {
                Type::FLOAT4 => (*v as f32).to_sql(ty, out),
                _ => v.to_sql(ty, out),
            },
            Value::Bool(b) => b.to_sql(ty, out),
            Value::Text(t) => t.to_sql(ty, out),
            Value::Date(d) => d.to_sql(ty, out),
            Value::Time(t) => t.to_sql(ty, out),
        }
    }
    fn accepts(_: &Type) -> bool {
        true
    }
    to_sql_checked!();
}

fn map_err(e: postgres::Error) -> DbError {
    if let Some(db) = e.as_db_error() {
        use postgres::error::SqlState;
        if *db.code() == SqlState::UNIQUE_VIOLATION {
            // Constraint names follow PostgreSQL's default `<table>_<column>_key`.
            let detail = db.detail().unwrap_or("");
            let column = detail
                .strip_prefix("Key (")
                .and_then(|d| d.split(')').next())
                .map(|c| c.split(',').next().unwrap_or(c).trim().to_string())
                .unwrap_or_else(|| db.constraint().unwrap_or("").to_string());
            return DbError::Unique { column };
        }
        if *db.code() == SqlState::FOREIGN_KEY_VIOLATION {
            return DbError::ForeignKey;
        }
        if [
            SqlState::LOCK_NOT_AVAILABLE,
            SqlState::T_R_DEADLOCK_DETECTED,
            SqlState::T_R_SERIALIZATION_FAILURE,
        ]
        .contains(db.code())
        {
            return DbError::Busy(format!("{}: {}", db.code().code(), db.message()));
        }
        return DbError::Other(format!("{}: {}", db.code().code(), db.message()));
    }
    DbError::Other(e.to_string())
}

fn read_row(row: &postgres::Row) -> Result<Row, DbError> {
    let mut values = Vec::with_capacity(row.len());
    for (i, col) in row.columns().iter().enumerate() {
        let ty = col.type_();
        let v = match *ty {
            Type::INT8 => row.try_get::<_, Option<i64>>(i).map(|v| v.map(Value::Int)),
            Type::INT4 => row
                .try_get::<_, Option<i32>>(i)
                .map(|v| v.map(|v| Value::Int(v as i64))),
            Type::INT2 => row
                .try_get::<_, Option<i16>>(i)
                .map(|v| v.map(|v| Value::Int(v as i64))),
            Type::FLOAT8 => row
                .try_get::<_, Option<f64>>(i)
                .map(|v| v.map(Value::Float)),
            Type::FLOAT4 => row
                .try_get::<_, Option<f32>>(i)
                .map(|v| v.map(|v| Value::Float(v as f64))),
            Type::BOOL => row
                .try_get::<_, Option<bool>>(i)
                .map(|v| v.map(Value::Bool)),
            Type::DATE => row
                .try_get::<_, Option<chrono::NaiveDate>>(i)
                .map(|v| v.map(Value::Date)),
            Type::TIMESTAMPTZ => row
                .try_get::<_, Option<chrono::DateTime<chrono::Utc>>>(i)
                .map(|v| v.map(Value::Time)),
            _ => row
                .try_get::<_, Option<String>>(i)
                .map(|v| v.map(Value::Text)),
        }
        .map_err(|e| DbError::Other(format!("column {} ({}): {e}", col.name(), ty)))?;
        values.push(v.unwrap_or(Value::Null));
    }
    Ok(Row(values))
}

impl Conn for PgConn {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        let stmt = self.statement(sql)?;
        let params: Vec<Param> = params.iter().map(Param).collect();
        let refs: Vec<&(dyn ToSql + Sync)> =
            params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        let rows = self.client.query(&stmt, &refs).map_err(map_err)?;
        rows.iter().map(read_row).collect()
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        let stmt = self.statement(sql)?;
        let params: Vec<Param> = params.iter().map(Param).collect();
        let refs: Vec<&(dyn ToSql + Sync)> =
            params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        self.client.execute(&stmt, &refs).map_err(map_err)
    }

    fn insert_id(&mut self, sql: &str, params: &[Value]) -> Result<Option<i64>, DbError> {
        Ok(self
            .query_one(&format!("{sql} RETURNING id"), params)?
            .map(|r| r.int(0)))
    }

    fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        self.client.batch_execute(sql).map_err(map_err)
    }

    fn append(
        &mut self,
        table: &str,
        columns: &[&str],
        fill: &mut dyn FnMut(&mut dyn RowSink) -> Result<(), DbError>,
    ) -> Result<u64, DbError> {
        let binary = self.binary_columns(table, columns)?;
        let format = if binary.is_some() {
            " WITH (FORMAT binary)"
        } else {
            ""
        };
        let sql = format!("COPY {table} ({}) FROM STDIN{format}", columns.join(", "));
        let mut sink = Copier {
            writer: self.client.copy_in(&sql).map_err(map_err)?,
            buf: Vec::with_capacity(COPY_BUFFER + 4096),
            rows: 0,
            binary,
        };
        if sink.binary.is_some() {
            sink.buf.extend_from_slice(BINARY_HEADER);
        }
        // An error leaves the COPY unfinished; dropping the writer aborts it.
        fill(&mut sink)?;
        if sink.binary.is_some() {
            sink.buf.extend_from_slice(&(-1i16).to_be_bytes());
        }
        sink.flush()?;
        sink.writer.finish().map_err(map_err)?;
        Ok(sink.rows)
    }
}

impl PgConn {
    /// The columns' types when every one of them can be sent in COPY's binary format, which
    /// spares the server parsing numbers, dates and timestamps from text (a third of the
    /// server's time loading a million touchpoints); `None` sends text instead.
    fn binary_columns(
        &mut self,
        table: &str,
        columns: &[&str],
    ) -> Result<Option<Vec<BinColumn>>, DbError> {
        let types = self.query(
            "SELECT attname::text, atttypid::int8 FROM pg_attribute \
             WHERE attrelid = to_regclass(?) AND attnum > 0 AND NOT attisdropped",
            &[Value::from(table)],
        )?;
        let mut out = Vec::with_capacity(columns.len());
        for name in columns {
            let Some(row) = types.iter().find(|r| r.text(0) == *name) else {
                return Ok(None);
            };
            let Some(kind) = BinType::of(row.int(1)) else {
                return Ok(None);
            };
            out.push(BinColumn {
                name: name.to_string(),
                kind,
                last_text: None,
            });
        }
        Ok(Some(out))
    }
}

const COPY_BUFFER: usize = 1 << 16;

/// The start of a binary COPY stream: signature, flags, header extension length.
const BINARY_HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// PostgreSQL's epoch for dates and timestamps in binary form: 2000-01-01.
const PG_EPOCH_DAYS_FROM_CE: i32 = 730_120;
const PG_EPOCH_UNIX_MICROS: i64 = 946_684_800_000_000;

/// The column types `append` sends in binary.
#[derive(Debug, Clone, Copy, PartialEq)]
enum BinType {
    Int2,
    Int4,
    Int8,
    Float8,
    Bool,
    Text,
    Date,
    TimestampTz,
}

impl BinType {
    fn of(oid: i64) -> Option<BinType> {
        Some(match oid {
            21 => BinType::Int2,
            23 => BinType::Int4,
            20 => BinType::Int8,
            701 => BinType::Float8,
            16 => BinType::Bool,
            25 | 1043 => BinType::Text,
            1082 => BinType::Date,
            1184 => BinType::TimestampTz,
            _ => return None,
        })
    }
}

struct BinColumn {
    name: String,
    kind: BinType,
    /// The last text converted for this column and its encoding: a column filled with one
    /// text (an import's timestamp) is parsed once, not per row.
    last_text: Option<(String, [u8; 8])>,
}

impl BinColumn {
    /// Appends one value: its length, then its bytes in the column's binary form. Values of
    /// another kind than the column's are converted as PostgreSQL would convert their text.
    fn encode(&mut self, buf: &mut Vec<u8>, v: &Arg<'_>) -> Result<(), DbError> {
        fn put(buf: &mut Vec<u8>, bytes: &[u8]) {
            buf.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
            buf.extend_from_slice(bytes);
        }
        let bad = |col: &BinColumn, why: &str| {
            DbError::Other(format!("column {}: {why} (as {:?})", col.name, col.kind))
        };
        match (self.kind, *v) {
            (_, Arg::Null) => buf.extend_from_slice(&(-1i32).to_be_bytes()),
            (BinType::Int8, Arg::Int(i)) => put(buf, &i.to_be_bytes()),
            (BinType::Int4, Arg::Int(i)) => put(
                buf,
                &i32::try_from(i)
                    .map_err(|_| bad(self, &format!("{i} is out of range")))?
                    .to_be_bytes(),
            ),
            (BinType::Int2, Arg::Int(i)) => put(
                buf,
                &i16::try_from(i)
                    .map_err(|_| bad(self, &format!("{i} is out of range")))?
                    .to_be_bytes(),
            ),
            (BinType::Float8, Arg::Float(f)) => put(buf, &f.to_bits().to_be_bytes()),
            (BinType::Float8, Arg::Int(i)) => put(buf, &(i as f64).to_bits().to_be_bytes()),
            (BinType::Bool, Arg::Bool(b)) => put(buf, &[b as u8]),
            (BinType::Bool, Arg::Int(i)) => put(buf, &[(i != 0) as u8]),
            (BinType::Text, Arg::Text(t)) => put(buf, t.as_bytes()),
            (BinType::Date, Arg::Date(d)) => put(buf, &pg_days(d).to_be_bytes()),
            (BinType::TimestampTz, Arg::Time(t)) => put(buf, &pg_micros(t).to_be_bytes()),
            (BinType::Text, other) => {
                // Numbers, flags, dates and times have no characters COPY's text escapes.
                let mut text = Vec::new();
                copy_text(&mut text, &other);
                put(buf, &text);
            }
            (kind, Arg::Text(t)) => {
                if let Some((last, bytes)) = &self.last_text {
                    if last == t {
                        let n = if kind == BinType::Date { 4 } else { 8 };
                        put(buf, &bytes[..n]);
                        return Ok(());
                    }
                }
                let original = t;
                let t = t.trim();
                let why = || format!("{t:?} is not a {}", kind.describe());
                let mut bytes = [0u8; 8];
                let n = match kind {
                    BinType::Date => {
                        let d = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
                            .map_err(|_| bad(self, &why()))?;
                        bytes[..4].copy_from_slice(&pg_days(d).to_be_bytes());
                        4
                    }
                    BinType::TimestampTz => {
                        let at = chrono::DateTime::parse_from_rfc3339(t)
                            .map_err(|_| bad(self, &why()))?
                            .with_timezone(&chrono::Utc);
                        bytes.copy_from_slice(&pg_micros(at).to_be_bytes());
                        8
                    }
                    BinType::Int2
                    | BinType::Int4
                    | BinType::Int8
                    | BinType::Float8
                    | BinType::Bool => {
                        // Rare (a number or flag kept as text): parsed and sent as such.
                        let parsed = match kind {
                            BinType::Float8 => t.parse::<f64>().map(Arg::Float).ok(),
                            BinType::Bool => match t {
                                "t" | "true" | "1" => Some(Arg::Bool(true)),
                                "f" | "false" | "0" => Some(Arg::Bool(false)),
                                _ => None,
                            },
                            _ => t.parse::<i64>().map(Arg::Int).ok(),
                        };
                        let parsed = parsed.ok_or_else(|| bad(self, &why()))?;
                        return self.encode(buf, &parsed);
                    }
                    BinType::Text => unreachable!("text columns take any value above"),
                };
                put(buf, &bytes[..n]);
                self.last_text = Some((original.to_string(), bytes));
            }
            (_, other) => return Err(bad(self, &format!("cannot store {other:?}"))),
        }
        Ok(())
    }
}

impl BinType {
    fn describe(self) -> &'static str {
        match self {
            BinType::Int2 | BinType::Int4 | BinType::Int8 => "whole number",
            BinType::Float8 => "number",
            BinType::Bool => "true/false value",
            BinType::Text => "text",
            BinType::Date => "date (YYYY-MM-DD)",
            BinType::TimestampTz => "timestamp (RFC 3339)",
        }
    }
}

fn pg_days(d: chrono::NaiveDate) -> i32 {
    use chrono::Datelike;
    d.num_days_from_ce() - PG_EPOCH_DAYS_FROM_CE
}

fn pg_micros(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp_micros() - PG_EPOCH_UNIX_MICROS
}

/// Encodes rows for COPY — in binary when `binary` holds the columns' types, else in the
/// text format — and sends them in 64 KiB pieces.
struct Copier<'c> {
    writer: postgres::CopyInWriter<'c>,
    buf: Vec<u8>,
    rows: u64,
    binary: Option<Vec<BinColumn>>,
}

impl Copier<'_> {
    fn flush(&mut self) -> Result<(), DbError> {
        self.writer
            .write_all(&self.buf)
            .map_err(|e| DbError::Other(e.to_string()))?;
        self.buf.clear();
        Ok(())
    }
}

impl RowSink for Copier<'_> {
    fn row(&mut self, values: &[Arg<'_>]) -> Result<(), DbError> {
        match &mut self.binary {
            Some(columns) => {
                if values.len() != columns.len() {
                    return Err(DbError::Other(format!(
                        "a row of {} values for {} columns",
                        values.len(),
                        columns.len()
                    )));
                }
                self.buf
                    .extend_from_slice(&(columns.len() as i16).to_be_bytes());
                for (col, v) in columns.iter_mut().zip(values) {
                    col.encode(&mut self.buf, v)?;
                }
            }
            None => {
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        self.buf.push(b'\t');
                    }
                    copy_text(&mut self.buf, v);
                }
                self.buf.push(b'\n');
            }
        }
        self.rows += 1;
        if self.buf.len() >= COPY_BUFFER {
            self.flush()?;
        }
        Ok(())
    }
}

/// One value in COPY's text format.
fn copy_text(buf: &mut Vec<u8>, v: &Arg<'_>) {
    match *v {
        Arg::Null => buf.extend_from_slice(b"\\N"),
        // Writing into a Vec cannot fail.
        Arg::Int(i) => drop(write!(buf, "{i}")),
        Arg::Float(f) => drop(write!(buf, "{f}")),
        Arg::Bool(b) => buf.push(if b { b't' } else { b'f' }),
        Arg::Date(d) => buf.extend_from_slice(&iso_date(d)),
        Arg::Time(t) => buf.extend_from_slice(
            t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
                .as_bytes(),
        ),
        Arg::Text(t) => {
            let bytes = t.as_bytes();
            let mut from = 0;
            for (i, &b) in bytes.iter().enumerate() {
                let escaped: &[u8] = match b {
                    b'\\' => b"\\\\",
                    b'\n' => b"\\n",
                    b'\r' => b"\\r",
                    b'\t' => b"\\t",
                    _ => continue,
                };
                buf.extend_from_slice(&bytes[from..i]);
                buf.extend_from_slice(escaped);
                from = i + 1;
            }
            buf.extend_from_slice(&bytes[from..]);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_numbered_outside_strings() {
        assert_eq!(
            super::placeholders("a = ? AND b = '?' AND c = ?"),
            "a = $1 AND b = '?' AND c = $2"
        );
    }

    #[test]
    fn copy_text_escapes_what_copy_reads_specially() {
        use crate::db::Arg;
        let mut buf = Vec::new();
        for v in [
            Arg::Text("a\\b\tc\nd\re"),
            Arg::Null,
            Arg::Int(-42),
            Arg::Float(1.5),
            Arg::Bool(true),
            Arg::Date(chrono::NaiveDate::from_ymd_opt(2026, 3, 7).unwrap()),
            Arg::Text("plain, with ünïcode"),
        ] {
            super::copy_text(&mut buf, &v);
            buf.push(b'|');
        }
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "a\\\\b\\tc\\nd\\re|\\N|-42|1.5|t|2026-03-07|plain, with ünïcode|"
        );
    }
    fn column(kind: super::BinType) -> super::BinColumn {
        super::BinColumn {
            name: "c".into(),
            kind,
            last_text: None,
        }
    }

    /// Binary COPY values: a 4-byte length, then the value as PostgreSQL stores it.
    #[test]
    fn binary_copy_encodes_each_type_as_postgresql_reads_it() {
        use super::BinType::*;
        use crate::db::Arg;
        let date = chrono::NaiveDate::from_ymd_opt(2000, 1, 3).unwrap();
        let time = chrono::DateTime::parse_from_rfc3339("2000-01-01T00:00:01.5Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let cases: Vec<(super::BinType, Arg, Vec<u8>)> = vec![
            (
                Int8,
                Arg::Int(-2),
                vec![0, 0, 0, 8, 255, 255, 255, 255, 255, 255, 255, 254],
            ),
            (Int4, Arg::Int(258), vec![0, 0, 0, 4, 0, 0, 1, 2]),
            (Int2, Arg::Int(-1), vec![0, 0, 0, 2, 255, 255]),
            (Bool, Arg::Bool(true), vec![0, 0, 0, 1, 1]),
            (
                Float8,
                Arg::Float(1.0),
                vec![0, 0, 0, 8, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0],
            ),
            (Text, Arg::Text("a\tb"), vec![0, 0, 0, 3, b'a', b'\t', b'b']),
            (Text, Arg::Int(42), vec![0, 0, 0, 2, b'4', b'2']),
            (Date, Arg::Date(date), vec![0, 0, 0, 4, 0, 0, 0, 2]),
            (Date, Arg::Text("2000-01-03"), vec![0, 0, 0, 4, 0, 0, 0, 2]),
            (
                TimestampTz,
                Arg::Time(time),
                vec![0, 0, 0, 8, 0, 0, 0, 0, 0, 0x16, 0xe3, 0x60],
            ),
            (
                TimestampTz,
                Arg::Text("2000-01-01T01:00:01.5+01:00"),
                vec![0, 0, 0, 8, 0, 0, 0, 0, 0, 0x16, 0xe3, 0x60],
            ),
            (
                Int8,
                Arg::Text(" 7 "),
                vec![0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 7],
            ),
            (Text, Arg::Null, vec![255, 255, 255, 255]),
        ];
        for (kind, arg, want) in cases {
            let mut buf = Vec::new();
            column(kind).encode(&mut buf, &arg).unwrap();
            assert_eq!(buf, want, "{kind:?} {arg:?}");
        }
    }

    #[test]
    fn binary_copy_parses_a_repeated_text_once_and_names_the_column_of_a_bad_value() {
        use crate::db::Arg;
        let mut col = column(super::BinType::TimestampTz);
        let mut buf = Vec::new();
        col.encode(&mut buf, &Arg::Text("2026-11-26T10:00:00Z"))
            .unwrap();
        assert_eq!(col.last_text.as_ref().unwrap().0, "2026-11-26T10:00:00Z");
        col.encode(&mut buf, &Arg::Text("2026-11-26T10:00:00Z"))
            .unwrap();
        assert_eq!(buf[..12], buf[12..]);
        let err = col.encode(&mut buf, &Arg::Text("yesterday")).unwrap_err();
        assert!(
            err.to_string()
                .contains("column c: \"yesterday\" is not a timestamp"),
            "{err}"
        );
        let err = column(super::BinType::Int4)
            .encode(&mut buf, &Arg::Int(1 << 40))
            .unwrap_err();
        assert!(err.to_string().contains("out of range"), "{err}");
        let err = column(super::BinType::Date)
            .encode(&mut buf, &Arg::Bool(true))
            .unwrap_err();
        assert!(err.to_string().contains("cannot store"), "{err}");
    }

    /// Every value `append` sends comes back as written, in binary (all column types known)
    /// and in text (a column type binary COPY is not used for).
    #[test]
    fn append_round_trips_values_in_binary_and_in_text_format() {
        use crate::db::{Arg, Value};
        let Some(db) = crate::testing::TestDb::postgres() else {
            return;
        };
        let date = chrono::NaiveDate::from_ymd_opt(1999, 12, 31).unwrap();
        let time = chrono::DateTime::parse_from_rfc3339("2026-11-26T18:00:00.123456Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        db.store
            .with_conn(|c| {
                for (table, extra) in [("bin_t", "note TEXT"), ("text_t", "note NUMERIC")] {
                    c.batch(&format!(
                        "CREATE TABLE {table} (a SMALLINT, b INTEGER, c BIGINT, d DOUBLE PRECISION, \
                         e BOOLEAN, f TEXT, g VARCHAR(40), h DATE, i TIMESTAMPTZ, {extra})"
                    ))?;
                    let cols = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "note"];
                    let n = c.append(table, &cols, &mut |sink| {
                        sink.row(&[
                            Arg::Int(-3),
                            Arg::Int(70_000),
                            Arg::Int(-(1 << 40)),
                            Arg::Float(-0.25),
                            Arg::Bool(true),
                            Arg::Text("tab\there, newline\nthere, back\\slash, ünïcode"),
                            Arg::Int(12),
                            Arg::Date(date),
                            Arg::Time(time),
                            Arg::Int(5),
                        ])?;
                        sink.row(&[
                            Arg::Null,
                            Arg::Null,
                            Arg::Null,
                            Arg::Int(2),
                            Arg::Bool(false),
                            Arg::Text(""),
                            Arg::Null,
                            Arg::Text("1999-12-31"),
                            Arg::Text("2026-11-26T18:00:00.123456Z"),
                            Arg::Null,
                        ])
                    })?;
                    assert_eq!(n, 2);
                    let rows = c.query(
                        &format!("SELECT a, b, c, d, e, f, g, h, i, note::text FROM {table} ORDER BY e DESC"),
                        &[],
                    )?;
                    assert_eq!(
                        rows[0].0,
                        vec![
                            Value::Int(-3),
                            Value::Int(70_000),
                            Value::Int(-(1 << 40)),
                            Value::Float(-0.25),
                            Value::Bool(true),
                            Value::Text("tab\there, newline\nthere, back\\slash, ünïcode".into()),
                            Value::Text("12".into()),
                            Value::Date(date),
                            Value::Time(time),
                            Value::Text("5".into()),
                        ],
                        "{table}"
                    );
                    assert_eq!(
                        rows[1].0,
                        vec![
                            Value::Null,
                            Value::Null,
                            Value::Null,
                            Value::Float(2.0),
                            Value::Bool(false),
                            Value::Text("".into()),
                            Value::Null,
                            Value::Date(date),
                            Value::Time(time),
                            Value::Null,
                        ],
                        "{table}"
                    );
                }
                // A bad value fails the COPY with the column named; nothing of it stays.
                let err = c
                    .append("bin_t", &["h"], &mut |sink| {
                        sink.row(&[Arg::Text("2026-02-01")])?;
                        sink.row(&[Arg::Text("31/02/2026")])
                    })
                    .unwrap_err();
                assert!(err.to_string().contains("column h"), "{err}");
                assert_eq!(c.query_int("SELECT count(*) FROM bin_t", &[])?, 2);
                Ok(())
            })
            .unwrap();
    }
}
