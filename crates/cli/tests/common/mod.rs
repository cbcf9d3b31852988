//! Helpers for the CLI tests: a fresh database per test (SQLite always, PostgreSQL when
//! `PEERSTAGE_TEST_POSTGRES_URL` is set), a temporary folder for input files, and a way to
//! run the real `peerstage` binary against them.

#![allow(dead_code)]

use peerstage_store::testing::TestDb;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

pub const BIN: &str = env!("CARGO_BIN_EXE_peerstage");
pub const KINDS: &[&str] = &[
    "accounts",
    "contacts",
    "touchpoints",
    "commitments",
    "nps",
    "reviews",
    "sources",
];

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A folder under the system temp dir, removed with everything in it when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir()
            .join("peerstage-cli-tests")
            .join(format!("{}_{n}_{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create a temp dir");
        TempDir(dir)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
    /// Writes a file (any bytes) and returns its path.
    pub fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.join(name);
        std::fs::write(&p, contents).expect("write a test file");
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// One fresh database and a folder for the test's files. Dropping it removes both.
pub struct Db {
    pub engine: Engine,
    pub url: String,
    /// For SQLite, the database file (inside `dir`).
    pub sqlite_path: Option<PathBuf>,
    pub dir: TempDir,
    // Kept alive for the test; dropping it drops the PostgreSQL database.
    _pg: Option<TestDb>,
}

impl Db {
    /// A new SQLite file that the binary itself creates on first use.
    pub fn sqlite() -> Db {
        let dir = TempDir::new();
        let path = dir.join("peerstage.db");
        Db {
            engine: Engine::Sqlite,
            url: format!("sqlite://{}", path.display()),
            sqlite_path: Some(path),
            dir,
            _pg: None,
        }
    }

    /// A throwaway PostgreSQL database, or `None` when `PEERSTAGE_TEST_POSTGRES_URL` is unset.
    pub fn postgres() -> Option<Db> {
        let pg = TestDb::postgres()?;
        Some(Db {
            engine: Engine::Postgres,
            url: pg.url.clone(),
            sqlite_path: None,
            dir: TempDir::new(),
            _pg: Some(pg),
        })
    }

    /// SQLite, plus PostgreSQL when configured.
    pub fn all() -> Vec<Db> {
        let mut v = vec![Db::sqlite()];
        v.extend(Db::postgres());
        v
    }

    pub fn name(&self) -> &'static str {
        match self.engine {
            Engine::Sqlite => "SQLite",
            Engine::Postgres => "PostgreSQL",
        }
    }

    /// The binary with `--database-url` set to this database.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = command(args);
        cmd.arg("--database-url").arg(&self.url);
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let what = format!("peerstage {} (on {})", args.join(" "), self.name());
        Run::of(self.command(args), what)
    }

    pub fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        self.dir.file(name, contents)
    }

    /// `import KIND FILE EXTRA…`
    pub fn import(&self, kind: &str, file: &Path, extra: &[&str]) -> Run {
        let mut args = vec!["import", kind, s(file)];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    /// Writes `csv` to a file and imports it; the import must succeed.
    pub fn import_ok(&self, kind: &str, name: &str, csv: &str) -> Run {
        let f = self.file(name, csv);
        self.import(kind, &f, &[]).ok()
    }

    /// `export KIND` to standard output; must succeed.
    pub fn export(&self, kind: &str) -> String {
        self.run(&["export", kind]).ok().stdout
    }

    /// Every kind's export, to compare the whole database before and after.
    pub fn snapshot(&self) -> Vec<String> {
        KINDS.iter().map(|k| self.export(k)).collect()
    }

    /// The exported rows of a kind, each by column name.
    pub fn rows(&self, kind: &str) -> Vec<HashMap<String, String>> {
        records(&self.export(kind))
    }

    pub fn count(&self, kind: &str) -> usize {
        self.rows(kind).len()
    }
}

/// The binary, without any database: for `--help` and argument errors.
pub fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        // Never fall back to a database named by the environment or ./peerstage.db.
        .env_remove("DATABASE_URL")
        .env_remove("PEERSTAGE_DEBUG")
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::null());
    cmd
}

pub fn run(args: &[&str]) -> Run {
    Run::of(command(args), format!("peerstage {}", args.join(" ")))
}

pub fn s(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

/// A finished run of the binary.
#[derive(Debug)]
pub struct Run {
    pub what: String,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn of(mut cmd: Command, what: String) -> Run {
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
        Run {
            what,
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Asserts exit status 0.
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code,
            Some(0),
            "{} should succeed\n--- stdout\n{}\n--- stderr\n{}",
            self.what,
            self.stdout,
            self.stderr
        );
        self
    }

    /// Asserts a non-zero exit with an error message (and no panic).
    pub fn fails(self) -> Run {
        assert!(
            matches!(self.code, Some(c) if c != 0),
            "{} should fail, but exited with {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.what,
            self.code,
            self.stdout,
            self.stderr
        );
        assert!(
            self.stderr.contains("error:") && !self.stderr.contains("panicked"),
            "{} should fail with an error message, not a crash:\n{}",
            self.what,
            self.stderr
        );
        self
    }

    /// Asserts that stderr contains every fragment.
    pub fn says(self, fragments: &[&str]) -> Run {
        for f in fragments {
            assert!(
                self.stderr.contains(f),
                "{}: expected stderr to contain {f:?}, got:\n{}",
                self.what,
                self.stderr
            );
        }
        self
    }
}

/// CSV text as rows keyed by header (the export layout).
pub fn records(csv_text: &str) -> Vec<HashMap<String, String>> {
    let mut r = csv::ReaderBuilder::new().from_reader(csv_text.as_bytes());
    let header: Vec<String> = r
        .headers()
        .expect("a CSV header")
        .iter()
        .map(str::to_string)
        .collect();
    r.records()
        .map(|rec| {
            let rec = rec.expect("a CSV record");
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

/// Raw CSV rows, header included, allowing rows of different lengths.
pub fn raw_rows(csv_text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv_text.as_bytes())
        .records()
        .map(|r| {
            r.expect("a CSV record")
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect()
}

/// The row whose `external_id` is `id`.
pub fn by_id<'a>(rows: &'a [HashMap<String, String>], id: &str) -> &'a HashMap<String, String> {
    rows.iter()
        .find(|r| r["external_id"] == id)
        .unwrap_or_else(|| panic!("no row with external_id {id} in {rows:?}"))
}

/// A `;`-separated list, sorted, so tests do not depend on aggregation order.
pub fn sorted_list(s: &str) -> Vec<String> {
    let mut v: Vec<String> = s
        .split(';')
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect();
    v.sort();
    v
}
