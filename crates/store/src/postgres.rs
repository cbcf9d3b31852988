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
    pub fn connect(url: &str) -> Result<Self, String> {
        let client = Client::connect(url, NoTls)
            .map_err(|e| format!("cannot connect to PostgreSQL: {e}"))?;
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
        let sql = format!("COPY {table} ({}) FROM STDIN", columns.join(", "));
        let mut sink = Copier {
            writer: self.client.copy_in(&sql).map_err(map_err)?,
            buf: Vec::with_capacity(COPY_BUFFER + 4096),
            rows: 0,
        };
        // An error leaves the COPY unfinished; dropping the writer aborts it.
        fill(&mut sink)?;
        sink.flush()?;
        sink.writer.finish().map_err(map_err)?;
        Ok(sink.rows)
    }
}

const COPY_BUFFER: usize = 1 << 16;

/// Encodes rows in COPY's text format and sends them in 64 KiB pieces.
struct Copier<'c> {
    writer: postgres::CopyInWriter<'c>,
    buf: Vec<u8>,
    rows: u64,
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
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.buf.push(b'\t');
            }
            copy_text(&mut self.buf, v);
        }
        self.buf.push(b'\n');
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
}
