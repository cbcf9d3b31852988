//! peerstage storage. One `Store` over SQLite (default) or PostgreSQL, chosen by URL.
//! Operations are written once against `db::Conn`; each engine has its own migrations.

mod accounts;
mod advocates;
mod agendas;
mod audit;
mod commitments;
mod contacts;
pub mod db;
mod demo;
mod event_demo;
mod events;
pub mod evidence;
mod export;
mod import;
mod journey;
mod media;
mod migrate;
mod nps;
mod pool;
mod postgres;
mod privacy;
mod references;
mod refops;
pub mod scorecard;
mod search;
mod secrets;
mod sqlite;
mod stories;
mod story_demo;
mod strategy;
mod strategy_demo;
pub mod testing;
pub mod themes;
mod touchpoints;
mod users;
mod voc_demo;

pub use accounts::{Counts, ValueSummary};
pub use advocates::{
    ActivityRecord, AdvocateProfile, AdvocateRow, Incentive, ProgramSettings, Snapshot,
};
pub use agendas::{AgendaCorrection, QuarterlyReview};
pub use audit::{AuditEntry, AuditFilter};
pub use event_demo::EventDemoCounts;
pub use events::{
    Agenda, BriefItem, BriefQuestion, BriefTheme, Briefing, EventNote, EventOutcomes,
    EventSpeakerRow, StageBalanceRow,
};
pub use export::export_csv;
pub use import::{ImportCounts, ImportOutcome};
pub use journey::{ReviewFilter, SourceReport, SourceRow};
pub use media::{MediaConfig, MediaQuery, StoredFile, DEFAULT_MEDIA_LIMIT};
pub use references::{
    ActivityCount, Gap, ProgramReport, ReferenceRequest, RequestFilter, RequestStep,
};
pub use refops::{
    ActivityConsent, DataQuality, ExpiringConsent, Feedback, LinkState, NewLink, Nomination,
    NominationPage, OpsAccount, OpsAdvocate, OpsQueue, OpsRequest, StaleContact, LIST_CAP,
    OVERVIEW_ROWS,
};
pub use scorecard::{
    CommitmentRow, CoverageRow, DashboardData, MonthCoverage, MonthRequests, NpsRow,
    SegmentRevenue, TouchRow,
};
pub use search::IndexCheck;
pub use secrets::{hash_password, random_token, sha256_hex, verify_password};
pub use story_demo::StoryDemoCounts;
pub use strategy::{
    ActionDetail, ActionFilter, SessionDetail, SessionItem, StrategySession, ThemeLink,
};
pub use strategy_demo::StrategyDemoCounts;
pub use themes::{
    GlossaryEntry, MonthCount, Quote, Theme, ThemeAccount, ThemeBrief, ThemeMember, ThemeRun,
};
pub use users::{ApiToken, Session, User, UserChange, SESSION_IDLE};
pub use voc_demo::VocDemoCounts;

use db::{Conn, DbError, Dialect};
use peerstage_core::FieldErrors;
use pool::Pool;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{what} {id} was not found")]
    NotFound { what: &'static str, id: i64 },
    #[error("{field}: {reason}")]
    Conflict { field: String, reason: String },
    #[error("{0}")]
    Invalid(FieldErrors),
    /// Another change held the database (or the tables this one needs) for longer than
    /// `OpenOptions::lock_wait` — a large import, usually. Nothing of this change was written.
    #[error("the database is busy with another change (a large import, perhaps); this request changed nothing: try again in a moment")]
    Busy,
    #[error("database error: {0}")]
    Database(String),
}

impl From<DbError> for StoreError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Unique { column } => StoreError::Conflict {
                reason: format!(
                    "another record already has this {}",
                    column.replace('_', " ")
                ),
                field: column,
            },
            DbError::ForeignKey => StoreError::Conflict {
                field: "id".into(),
                reason: "refers to a record that does not exist".into(),
            },
            DbError::Busy(_) => StoreError::Busy,
            DbError::Other(m) => StoreError::Database(m),
        }
    }
}

impl From<FieldErrors> for StoreError {
    fn from(e: FieldErrors) -> Self {
        StoreError::Invalid(e)
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

enum Engine {
    Sqlite {
        pool: Pool<sqlite::SqliteConn>,
        path: String,
    },
    Postgres {
        pool: Pool<postgres::PgConn>,
    },
}

/// Cheap to clone; share one per process.
/// State shared by every handle on one database in this process.
#[derive(Default)]
pub(crate) struct Shared {
    pub(crate) snapshot: std::sync::Mutex<Option<Arc<advocates::Snapshot>>>,
    /// Scorecard and dashboard figures (E1, E3).
    pub(crate) insights: scorecard::Cache,
    /// NPS reports by segment, months and day, for one database revision.
    pub(crate) nps: std::sync::Mutex<std::collections::HashMap<String, (u64, Arc<nps::NpsReport>)>>,
    /// Where uploaded recordings are kept and how large they may be (C2).
    pub(crate) media: std::sync::Mutex<media::MediaConfig>,
    /// API tokens checked in the last few seconds, by hash (see `users::TOKEN_TRUST`).
    pub(crate) tokens:
        std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, users::User)>>,
}

#[derive(Clone)]
pub struct Store {
    engine: Arc<Engine>,
    pub(crate) shared: Arc<Shared>,
    /// Who the changes made through this handle are recorded as (the audit log).
    actor: peerstage_core::Actor,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({})", self.describe())
    }
}

/// The file of an SQLite URL (`sqlite://PATH`, `sqlite:PATH` or a bare path); `None` for
/// PostgreSQL.
pub fn sqlite_path(url: &str) -> Option<&str> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return None;
    }
    Some(
        url.strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url),
    )
}

/// Every connection stayed in use (each waiting for the database, usually) for the pool's
/// whole wait: busy, as a lock wait is; anything else (cannot connect) is a database error.
fn pool_error(e: String) -> StoreError {
    if e == pool::TIMED_OUT {
        StoreError::Busy
    } else {
        StoreError::Database(e)
    }
}

/// How a store is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenOptions {
    /// How long a change waits for another one holding the database (SQLite's single
    /// writer) or the rows and tables it needs (PostgreSQL's locks) before it fails with
    /// `StoreError::Busy`.
    pub lock_wait: std::time::Duration,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            lock_wait: std::time::Duration::from_secs(15),
        }
    }
}

impl Store {
    /// Opens `sqlite://PATH` (or a bare path) or `postgres://…`, creating the SQLite file
    /// if missing, and applies pending migrations.
    pub fn open(url: &str) -> Result<Store> {
        Store::open_with(url, OpenOptions::default())
    }

    /// `open`, with `options`.
    pub fn open_with(url: &str, options: OpenOptions) -> Result<Store> {
        let wait = options.lock_wait;
        let engine = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let owned = url.to_string();
            let pool = Pool::new(8, move || postgres::PgConn::connect(&owned, wait));
            Engine::Postgres { pool }
        } else {
            let path = sqlite_path(url).unwrap_or(url).to_string();
            if path.is_empty() {
                return Err(StoreError::Database("empty SQLite path".into()));
            }
            let p = path.clone();
            let pool = Pool::new(6, move || sqlite::SqliteConn::open(&p, wait));
            Engine::Sqlite { pool, path }
        };
        let store = Store {
            engine: Arc::new(engine),
            shared: Default::default(),
            actor: peerstage_core::Actor::cli(),
        };
        store.with_conn(migrate::run)?;
        // C3: the search index must never disagree with the evidence (see search.rs).
        store.with_conn(|c| search::verify_index(c, false))?;
        Ok(store)
    }

    /// The same store, recording changes as made by `actor`.
    pub fn acting_as(&self, actor: peerstage_core::Actor) -> Store {
        Store {
            engine: self.engine.clone(),
            shared: self.shared.clone(),
            actor,
        }
    }

    pub fn actor(&self) -> &peerstage_core::Actor {
        &self.actor
    }

    pub fn dialect(&self) -> Dialect {
        match &*self.engine {
            Engine::Sqlite { .. } => Dialect::Sqlite,
            Engine::Postgres { .. } => Dialect::Postgres,
        }
    }

    /// A description without credentials, for logs and `--help` output.
    pub fn describe(&self) -> String {
        match &*self.engine {
            Engine::Sqlite { path, .. } => format!("SQLite {path}"),
            Engine::Postgres { .. } => "PostgreSQL".to_string(),
        }
    }

    pub(crate) fn with_conn<T>(&self, f: impl FnOnce(&mut dyn Conn) -> Result<T>) -> Result<T> {
        match &*self.engine {
            Engine::Sqlite { pool, .. } => {
                let mut c = pool.get().map_err(pool_error)?;
                let out = f(&mut *c);
                if !c.0.is_autocommit() {
                    // A failed COMMIT (or a path that returned early) left a transaction
                    // open: end it, so the next user of this connection starts clean.
                    tracing::warn!("rolling back a transaction left open");
                    if c.batch("ROLLBACK").is_err() {
                        c.mark_broken();
                    }
                }
                out
            }
            Engine::Postgres { pool } => {
                let mut c = pool.get().map_err(pool_error)?;
                let out = f(&mut *c);
                if let Err(StoreError::Database(_) | StoreError::Busy) = &out {
                    // The session may be mid-transaction or closed; do not reuse a broken one.
                    if c.batch("ROLLBACK").is_err() {
                        c.mark_broken();
                    }
                }
                out
            }
        }
    }

    /// Runs `f` in one transaction: all of it is committed, or none of it.
    pub(crate) fn transaction<T>(&self, f: impl FnOnce(&mut dyn Conn) -> Result<T>) -> Result<T> {
        self.transaction_waiting(true, f)
    }

    /// `transaction` for a change a read makes on the side and may leave to a later one
    /// (proposing automatic nominations): `None` when another change holds the database —
    /// at once on SQLite, instead of making the reader wait for it.
    pub(crate) fn transaction_unless_busy<T>(
        &self,
        f: impl FnOnce(&mut dyn Conn) -> Result<T>,
    ) -> Result<Option<T>> {
        match self.transaction_waiting(false, f) {
            Err(StoreError::Busy) => Ok(None),
            other => other.map(Some),
        }
    }

    fn transaction_waiting<T>(
        &self,
        wait: bool,
        f: impl FnOnce(&mut dyn Conn) -> Result<T>,
    ) -> Result<T> {
        self.with_conn(|c| {
            let begin = match c.dialect() {
                Dialect::Sqlite => "BEGIN IMMEDIATE",
                Dialect::Postgres => "BEGIN",
            };
            if wait {
                c.batch(begin)?;
            } else if c.execute_unless_busy(begin, &[])?.is_none() {
                return Err(StoreError::Busy);
            }
            match f(c).and_then(|v| bump_revision(c).map(|_| v)) {
                Ok(v) => {
                    if let Err(e) = c.batch("COMMIT") {
                        let _ = c.batch("ROLLBACK");
                        return Err(e.into());
                    }
                    Ok(v)
                }
                Err(e) => {
                    let _ = c.batch("ROLLBACK");
                    Err(e)
                }
            }
        })
    }

    /// A consistent copy of an SQLite database while it is in use (`VACUUM INTO`).
    pub fn backup(&self, target: &std::path::Path) -> Result<()> {
        match &*self.engine {
            Engine::Sqlite { .. } => {
                if target.exists() {
                    return Err(StoreError::Conflict {
                        field: "file".into(),
                        reason: format!("{} already exists", target.display()),
                    });
                }
                let t = target.to_string_lossy().to_string();
                self.with_conn(|c| Ok(c.execute("VACUUM INTO ?", &[db::Value::Text(t)])?))
                    .map(|_| ())
            }
            Engine::Postgres { .. } => Err(StoreError::Conflict {
                field: "database".into(),
                reason: "backup of PostgreSQL uses pg_dump (see docs/OPERATIONS.md)".into(),
            }),
        }
    }

    /// Checks the database answers (for /healthz).
    pub fn ping(&self) -> Result<()> {
        self.with_conn(|c| c.query_int("SELECT 1", &[]).map(|_| ()).map_err(Into::into))
    }

    pub(crate) fn close_idle(&self) {
        match &*self.engine {
            Engine::Sqlite { pool, .. } => pool.close_idle(),
            Engine::Postgres { pool } => pool.close_idle(),
        }
    }
}

impl Store {
    /// Audits a change to one record, with its values before and after.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn audit_change<T: serde::Serialize>(
        &self,
        c: &mut dyn Conn,
        action: &str,
        entity: &str,
        id: i64,
        summary: &str,
        before: Option<&T>,
        after: Option<&T>,
    ) -> Result<()> {
        let json = |v: Option<&T>| v.and_then(|v| serde_json::to_value(v).ok());
        self.audit(
            c,
            action,
            entity,
            Some(id),
            summary,
            json(before),
            json(after),
        )
    }
}

/// Records that the data changed (see `meta.revision`), inside the changing transaction.
pub(crate) fn bump_revision(c: &mut dyn Conn) -> Result<()> {
    c.execute(
        "UPDATE meta SET value = value + 1 WHERE key = 'revision'",
        &[],
    )?;
    Ok(())
}

/// Every record has an external id, so an export always imports back onto the same rows.
/// Records created without one get `ps-<kind>-<id>`.
pub(crate) fn ensure_external_id(
    c: &mut dyn Conn,
    table: &str,
    prefix: &str,
    id: i64,
) -> Result<()> {
    c.execute(
        &format!("UPDATE {table} SET external_id = ? WHERE id = ? AND external_id IS NULL"),
        &[
            db::Value::Text(format!("ps-{prefix}-{id}")),
            db::Value::Int(id),
        ],
    )?;
    Ok(())
}

pub(crate) fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

/// Joins a list for a text column; items never contain `;` after parsing.
pub(crate) fn join_list(items: &[String]) -> String {
    items.join(";")
}

pub(crate) fn split_list(s: &str) -> Vec<String> {
    s.split(';')
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}
