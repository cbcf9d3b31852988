//! Fresh databases for tests: a temporary SQLite file, and a throwaway PostgreSQL database
//! when `PEERSTAGE_TEST_POSTGRES_URL` is set. Each is removed when dropped.

use crate::Store;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;

pub const POSTGRES_ENV: &str = "PEERSTAGE_TEST_POSTGRES_URL";

static COUNTER: AtomicU64 = AtomicU64::new(0);
static SKIP_NOTICE: Once = Once::new();

pub struct TestDb {
    pub store: Store,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = std::env::temp_dir().join("peerstage-tests");
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(format!("{}.db", unique("t")));
        let url = format!("sqlite://{}", path.display());
        let store = Store::open(&url).expect("open SQLite test database");
        TestDb {
            store,
            url,
            cleanup: Cleanup::File(path),
        }
    }

    /// A new, empty PostgreSQL database, or `None` (with a notice on the terminal) when
    /// `PEERSTAGE_TEST_POSTGRES_URL` is not set. When it is set, failing to connect panics:
    /// CI must not pass by skipping.
    pub fn postgres() -> Option<TestDb> {
        let Ok(admin_url) = std::env::var(POSTGRES_ENV) else {
            SKIP_NOTICE.call_once(|| {
                // Written to the real stderr, past the test harness's capture, so it is seen.
                let _ = writeln!(
                    std::io::stderr(),
                    "\nnote: PostgreSQL tests skipped: set {POSTGRES_ENV}=postgres://user@host/db to run them\n"
                );
            });
            return None;
        };
        let name = unique("peerstage_t");
        let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("{POSTGRES_ENV} is set but PostgreSQL is unreachable: {e}"));
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create test database");
        let url = with_database(&admin_url, &name);
        let store = Store::open(&url).expect("open PostgreSQL test database");
        Some(TestDb {
            store,
            url,
            cleanup: Cleanup::Postgres { admin_url, name },
        })
    }

    /// SQLite always, plus PostgreSQL when configured: run a test body against each.
    pub fn all() -> Vec<TestDb> {
        let mut v = vec![TestDb::sqlite()];
        v.extend(TestDb::postgres());
        v
    }
}

/// Holds the database at `url` as a long import would — SQLite's write lock, or on
/// PostgreSQL the accounts and touchpoints tables against writers — until the returned value
/// is dropped. Blocking (PostgreSQL's client): call and drop it outside an async runtime.
pub fn hold_database(url: &str) -> Box<dyn std::any::Any + Send> {
    match crate::sqlite_path(url) {
        Some(path) => {
            let conn = rusqlite::Connection::open(path).expect("open the SQLite file");
            conn.execute_batch("BEGIN IMMEDIATE")
                .expect("take SQLite's write lock");
            Box::new(conn)
        }
        None => {
            let mut client =
                postgres::Client::connect(url, postgres::NoTls).expect("connect to PostgreSQL");
            client
                .batch_execute("BEGIN; LOCK TABLE accounts, touchpoints IN EXCLUSIVE MODE")
                .expect("lock the tables");
            Box::new(client)
        }
    }
}

/// Replaces the database name in a PostgreSQL URL.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    format!("{base}/{name}{query}")
}

impl Drop for TestDb {
    fn drop(&mut self) {
        self.store.close_idle();
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                if let Ok(mut admin) = postgres::Client::connect(admin_url, postgres::NoTls) {
                    let _ = admin
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            super::with_database("postgres://u@h:5432/test", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            super::with_database("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(
            super::with_database("postgres://u@h", "x"),
            "postgres://u@h/x"
        );
    }
}
