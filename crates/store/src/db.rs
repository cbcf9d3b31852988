//! The small SQL surface both engines share. Store code is written once against `Conn`;
//! each engine translates values, placeholders and errors. Engine differences that SQL
//! cannot hide are named on `Dialect`.

use chrono::{DateTime, NaiveDate, Utc};

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
    Bool(bool),
    Date(NaiveDate),
    Time(DateTime<Utc>),
}

impl Value {
    /// The value as JSON (dates as `YYYY-MM-DD`). SQLite has no booleans: select them as
    /// text when the JSON must be the same on both engines.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Int(v) => J::from(*v),
            Value::Float(v) => J::from(*v),
            Value::Text(t) => J::from(t.clone()),
            Value::Bool(b) => J::from(*b),
            Value::Date(d) => J::from(d.format("%Y-%m-%d").to_string()),
            Value::Time(t) => J::from(t.to_rfc3339()),
        }
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Float(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}
impl From<NaiveDate> for Value {
    fn from(v: NaiveDate) -> Self {
        Value::Date(v)
    }
}
impl From<DateTime<Utc>> for Value {
    fn from(v: DateTime<Utc>) -> Self {
        Value::Time(v)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map(Into::into).unwrap_or(Value::Null)
    }
}
impl<T: Into<Value> + Clone> From<&Option<T>> for Value {
    fn from(v: &Option<T>) -> Self {
        v.clone().map(Into::into).unwrap_or(Value::Null)
    }
}

/// A value borrowed from the caller, for bulk writes: strings are bound or copied straight
/// from the records instead of being cloned into a `Value` per row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arg<'a> {
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(&'a str),
    Date(NaiveDate),
    Time(DateTime<Utc>),
}

impl<'a> From<&'a Value> for Arg<'a> {
    fn from(v: &'a Value) -> Self {
        match v {
            Value::Null => Arg::Null,
            Value::Int(i) => Arg::Int(*i),
            Value::Float(f) => Arg::Float(*f),
            Value::Bool(b) => Arg::Bool(*b),
            Value::Text(t) => Arg::Text(t),
            Value::Date(d) => Arg::Date(*d),
            Value::Time(t) => Arg::Time(*t),
        }
    }
}

impl<'a> From<&'a Option<String>> for Arg<'a> {
    fn from(v: &'a Option<String>) -> Self {
        v.as_deref().map_or(Arg::Null, Arg::Text)
    }
}

impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(v: Option<&'a str>) -> Self {
        v.map_or(Arg::Null, Arg::Text)
    }
}

impl From<Option<i64>> for Arg<'_> {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Arg::Null, Arg::Int)
    }
}

impl From<Option<NaiveDate>> for Arg<'_> {
    fn from(v: Option<NaiveDate>) -> Self {
        v.map_or(Arg::Null, Arg::Date)
    }
}

impl From<Arg<'_>> for Value {
    fn from(a: Arg<'_>) -> Self {
        match a {
            Arg::Null => Value::Null,
            Arg::Int(i) => Value::Int(i),
            Arg::Float(f) => Value::Float(f),
            Arg::Bool(b) => Value::Bool(b),
            Arg::Text(t) => Value::Text(t.to_string()),
            Arg::Date(d) => Value::Date(d),
            Arg::Time(t) => Value::Time(t),
        }
    }
}

/// A date as `YYYY-MM-DD` without allocating (the bulk paths write millions of them).
pub fn iso_date(d: NaiveDate) -> [u8; 10] {
    use chrono::Datelike;
    let (y, m, day) = (d.year().clamp(0, 9999) as u32, d.month(), d.day());
    let digit = |n: u32| b'0' + n as u8;
    [
        digit(y / 1000),
        digit(y / 100 % 10),
        digit(y / 10 % 10),
        digit(y % 10),
        b'-',
        digit(m / 10),
        digit(m % 10),
        b'-',
        digit(day / 10),
        digit(day % 10),
    ]
}

/// Where `Conn::append` sends rows, one call per row, values in the order of its columns.
pub trait RowSink {
    fn row(&mut self, values: &[Arg<'_>]) -> Result<(), DbError>;
}

/// One result row. Accessors accept both engines' representations (SQLite keeps dates as
/// text and booleans as integers) and panic only on a schema bug, never on user data.
#[derive(Debug, Clone)]
pub struct Row(pub Vec<Value>);

impl Row {
    fn at(&self, i: usize) -> &Value {
        &self.0[i]
    }
    pub fn int(&self, i: usize) -> i64 {
        self.opt_int(i).unwrap_or(0)
    }
    pub fn opt_int(&self, i: usize) -> Option<i64> {
        match self.at(i) {
            Value::Int(v) => Some(*v),
            Value::Float(v) => Some(*v as i64),
            Value::Bool(b) => Some(*b as i64),
            Value::Null => None,
            Value::Text(t) => t.parse().ok(),
            other => panic!("column {i}: expected an integer, found {other:?}"),
        }
    }
    pub fn float(&self, i: usize) -> f64 {
        match self.at(i) {
            Value::Float(v) => *v,
            Value::Int(v) => *v as f64,
            Value::Null => 0.0,
            other => panic!("column {i}: expected a number, found {other:?}"),
        }
    }
    pub fn text(&self, i: usize) -> String {
        self.opt_text(i).unwrap_or_default()
    }
    pub fn opt_text(&self, i: usize) -> Option<String> {
        match self.at(i) {
            Value::Text(t) => Some(t.clone()),
            Value::Null => None,
            Value::Int(v) => Some(v.to_string()),
            Value::Date(d) => Some(d.format("%Y-%m-%d").to_string()),
            other => panic!("column {i}: expected text, found {other:?}"),
        }
    }
    pub fn bool(&self, i: usize) -> bool {
        match self.at(i) {
            Value::Bool(b) => *b,
            Value::Int(v) => *v != 0,
            Value::Null => false,
            other => panic!("column {i}: expected a boolean, found {other:?}"),
        }
    }
    pub fn opt_date(&self, i: usize) -> Option<NaiveDate> {
        match self.at(i) {
            Value::Date(d) => Some(*d),
            Value::Text(t) => NaiveDate::parse_from_str(t.get(..10).unwrap_or(t), "%Y-%m-%d").ok(),
            Value::Null => None,
            other => panic!("column {i}: expected a date, found {other:?}"),
        }
    }
    pub fn date(&self, i: usize) -> NaiveDate {
        self.opt_date(i).unwrap_or_default()
    }
    pub fn opt_time(&self, i: usize) -> Option<DateTime<Utc>> {
        match self.at(i) {
            Value::Null => None,
            _ => Some(self.time(i)),
        }
    }
    pub fn time(&self, i: usize) -> DateTime<Utc> {
        match self.at(i) {
            Value::Time(t) => *t,
            Value::Text(t) => DateTime::parse_from_rfc3339(t)
                .map(|d| d.with_timezone(&Utc))
                .unwrap_or_default(),
            Value::Null => DateTime::default(),
            other => panic!("column {i}: expected a timestamp, found {other:?}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DbError {
    #[error("unique constraint on {column}")]
    Unique { column: String },
    #[error("foreign key constraint")]
    ForeignKey,
    /// Another transaction held a lock this statement needed for longer than the
    /// connection waits (SQLite's busy timeout, PostgreSQL's `lock_timeout`), or PostgreSQL
    /// broke a deadlock by failing this one. The statement changed nothing; trying again
    /// later may succeed.
    #[error("database busy: {0}")]
    Busy(String),
    #[error("{0}")]
    Other(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// Null-safe "differs from".
    pub fn differs(self, a: &str, b: &str) -> String {
        match self {
            Dialect::Sqlite => format!("{a} IS NOT {b}"),
            Dialect::Postgres => format!("{a} IS DISTINCT FROM {b}"),
        }
    }
    /// `YYYY-MM` of a date column.
    pub fn month(self, col: &str) -> String {
        match self {
            Dialect::Sqlite => format!("substr({col}, 1, 7)"),
            Dialect::Postgres => format!("to_char({col}, 'YYYY-MM')"),
        }
    }
    /// `INSERT` that skips rows whose external id already exists.
    pub fn insert_ignoring_conflicts(self, table: &str, columns: &str, values: &str) -> String {
        match self {
            // OR IGNORE lets SQLite skip the per-statement rollback journal.
            Dialect::Sqlite => format!("INSERT OR IGNORE INTO {table} ({columns}) VALUES ({values})"),
            Dialect::Postgres => format!("INSERT INTO {table} ({columns}) VALUES ({values}) ON CONFLICT (external_id) DO NOTHING"),
        }
    }
    /// `expr` as compared with a [`contains_pattern`] of `search` by `LIKE`: folded to lower
    /// case. SQLite's `lower` folds ASCII only, so its connections carry `unicode_lower` (Rust's
    /// `to_lowercase`) for a search with other letters; an ASCII search needs no folding there
    /// at all, since SQLite's `LIKE` ignores ASCII case itself (a function call per row made
    /// the 100,000-contact search four times slower).
    pub fn lower_for_search(self, expr: &str, search: &str) -> String {
        match self {
            Dialect::Sqlite if search.is_ascii() => expr.to_string(),
            Dialect::Sqlite => format!("unicode_lower({expr})"),
            Dialect::Postgres => format!("lower({expr})"),
        }
    }
    pub fn group_concat(self, expr: &str, sep: &str) -> String {
        match self {
            Dialect::Sqlite => format!("group_concat({expr}, '{sep}')"),
            Dialect::Postgres => format!("string_agg({expr}, '{sep}')"),
        }
    }
}

/// A `LIKE … ESCAPE '\\'` pattern matching text that contains `search`, folded to lower case
/// (compare it with [`Dialect::lower`] of the column). Control characters are dropped: no name
/// holds them, and PostgreSQL refuses a NUL in any text.
pub fn contains_pattern(search: &str) -> String {
    let mut out = String::with_capacity(search.len() + 2);
    out.push('%');
    for c in search.to_lowercase().chars().filter(|c| !c.is_control()) {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// A connection of either engine. SQL uses `?` placeholders.
pub trait Conn {
    fn dialect(&self) -> Dialect;
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError>;
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError>;
    /// `execute` for bookkeeping a read may skip (a session's renewal, a token's last use):
    /// `None`, at once, where the statement would have to wait for another connection's
    /// write (SQLite, while an import holds the database); on PostgreSQL, where such
    /// a write takes row locks nobody else holds for long, `None` after the usual wait.
    fn execute_unless_busy(&mut self, sql: &str, params: &[Value]) -> Result<Option<u64>, DbError> {
        match self.execute(sql, params) {
            Ok(n) => Ok(Some(n)),
            Err(DbError::Busy(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }
    /// Runs several statements without parameters.
    fn batch(&mut self, sql: &str) -> Result<(), DbError>;
    /// Appends rows to a table as fast as the engine allows — one prepared INSERT bound
    /// value by value on SQLite, COPY on PostgreSQL: `fill` hands each row to the sink.
    /// Returns the number of rows. Values should have their column's kind (an `Arg::Date`
    /// for a date): PostgreSQL's binary COPY converts text into a date, timestamp, number or
    /// flag only in the plain forms peerstage writes (ISO dates, RFC 3339 times).
    fn append(
        &mut self,
        table: &str,
        columns: &[&str],
        fill: &mut dyn FnMut(&mut dyn RowSink) -> Result<(), DbError>,
    ) -> Result<u64, DbError>;

    /// `append` for rows already held as values.
    fn load(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: &mut dyn Iterator<Item = Vec<Value>>,
    ) -> Result<u64, DbError> {
        self.append(table, columns, &mut |sink| {
            for row in &mut *rows {
                let args: Vec<Arg> = row.iter().map(Arg::from).collect();
                sink.row(&args)?;
            }
            Ok(())
        })
    }

    /// Runs an INSERT that may insert nothing (a conflict it ignores); returns the new
    /// row's id when it inserted one.
    fn insert_id(&mut self, sql: &str, params: &[Value]) -> Result<Option<i64>, DbError>;

    fn query_one(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>, DbError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
    fn query_int(&mut self, sql: &str, params: &[Value]) -> Result<i64, DbError> {
        Ok(self.query_one(sql, params)?.map(|r| r.int(0)).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_date_matches_chrono_formatting() {
        for (y, m, d) in [(2026, 12, 31), (987, 1, 2), (2000, 2, 29), (9999, 9, 9)] {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(
                std::str::from_utf8(&iso_date(date)).unwrap(),
                date.format("%Y-%m-%d").to_string()
            );
        }
    }

    #[test]
    fn args_borrow_values_and_convert_back() {
        let values = vec![
            Value::Null,
            Value::Int(7),
            Value::Float(0.5),
            Value::Bool(true),
            Value::Text("x".into()),
            Value::Date(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()),
        ];
        let back: Vec<Value> = values.iter().map(|v| Value::from(Arg::from(v))).collect();
        assert_eq!(back, values);
    }
}
