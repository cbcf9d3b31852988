//! Versioned migrations, one folder per engine, applied in order at start.

use crate::db::{Conn, Dialect, Value};
use crate::Result;

const SQLITE: &[(i64, &str)] = &[
    (1, include_str!("../migrations/sqlite/0001_customers.sql")),
    (2, include_str!("../migrations/sqlite/0002_access.sql")),
    (3, include_str!("../migrations/sqlite/0003_advocacy.sql")),
    (4, include_str!("../migrations/sqlite/0004_stories.sql")),
    (5, include_str!("../migrations/sqlite/0005_insights.sql")),
    (6, include_str!("../migrations/sqlite/0006_evidence.sql")),
    (
        7,
        include_str!("../migrations/sqlite/0007_reference_ops.sql"),
    ),
    (8, include_str!("../migrations/sqlite/0008_events.sql")),
    (9, include_str!("../migrations/sqlite/0009_themes.sql")),
    (10, include_str!("../migrations/sqlite/0010_strategy.sql")),
    (11, include_str!("../migrations/sqlite/0011_lookups.sql")),
];
const POSTGRES: &[(i64, &str)] = &[
    (1, include_str!("../migrations/postgres/0001_customers.sql")),
    (2, include_str!("../migrations/postgres/0002_access.sql")),
    (3, include_str!("../migrations/postgres/0003_advocacy.sql")),
    (4, include_str!("../migrations/postgres/0004_stories.sql")),
    (5, include_str!("../migrations/postgres/0005_insights.sql")),
    (6, include_str!("../migrations/postgres/0006_evidence.sql")),
    (
        7,
        include_str!("../migrations/postgres/0007_reference_ops.sql"),
    ),
    (8, include_str!("../migrations/postgres/0008_events.sql")),
    (9, include_str!("../migrations/postgres/0009_themes.sql")),
    (10, include_str!("../migrations/postgres/0010_strategy.sql")),
    (11, include_str!("../migrations/postgres/0011_lookups.sql")),
    (
        12,
        include_str!("../migrations/postgres/0012_external_id_collation.sql"),
    ),
];

pub fn run(c: &mut dyn Conn) -> Result<()> {
    let (migrations, lock) = match c.dialect() {
        Dialect::Sqlite => (SQLITE, "BEGIN IMMEDIATE"),
        // One migrator at a time per database; it waits for another however long it takes
        // (and for the locks its steps need), not for the connection's lock_timeout.
        Dialect::Postgres => (
            POSTGRES,
            "BEGIN; SET LOCAL lock_timeout = 0; SELECT pg_advisory_xact_lock(727274)",
        ),
    };
    c.batch("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)")?;
    // Read without a lock first: opening an up-to-date database (every command does) must
    // not wait for an import another process is running. A pending step is checked again
    // under the lock.
    let applied: Vec<i64> = c
        .query("SELECT version FROM schema_migrations", &[])?
        .iter()
        .map(|r| r.int(0))
        .collect();
    for (version, sql) in migrations {
        if applied.contains(version) {
            continue;
        }
        c.batch(lock)?;
        let done = c.query_int(
            "SELECT count(*) FROM schema_migrations WHERE version = ?",
            &[Value::Int(*version)],
        );
        let step = done.and_then(|n| {
            if n == 0 {
                c.batch(sql)?;
                c.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                    &[Value::Int(*version), Value::Text(crate::now().to_rfc3339())],
                )?;
            }
            Ok(())
        });
        match step {
            Ok(()) => c.batch("COMMIT")?,
            Err(e) => {
                let _ = c.batch("ROLLBACK");
                return Err(crate::StoreError::Database(format!(
                    "migration {version} failed: {e}"
                )));
            }
        }
    }
    Ok(())
}
