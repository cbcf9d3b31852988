//! Evidence (C1) through `peerstage import evidence … --map` and `export evidence`, and notes
//! imported as touchpoints becoming evidence, run as a user would on a fresh database (SQLite
//! always, PostgreSQL too when `PEERSTAGE_TEST_POSTGRES_URL` is set).

mod common;

use common::{records, Db};

const ACCOUNTS: &str = "external_id,name\nA1,Acme Robotics\nA2,Globex\n";

/// A survey tool's export: its own column names, a semicolon list of labels, a messy row.
const SURVEY: &str = "\
Response ID,Verbatim,Submitted,Company,Labels
r-1,\"Reports take forever to load, we export to Excel instead\",2026-03-02,A1,speed;reports
r-2,We heard about you on a podcast,2026-03-03,A2,
r-3,,2026-03-04,A1,
r-4,I wish we could schedule reports,not a date,A9,
";

#[test]
fn evidence_imports_with_a_column_map_and_reports_bad_rows() {
    for db in Db::all() {
        db.import_ok("accounts", "accounts.csv", ACCOUNTS);
        let file = db.file("survey.csv", SURVEY);
        let map = [
            "--map",
            "external_id=Response ID",
            "--map",
            "text=Verbatim",
            "--map",
            "date=Submitted",
            "--map",
            "account_external_id=Company",
            "--map",
            "tags=Labels",
        ];
        // All or nothing: the bad rows are named with line and column, nothing is written.
        let run = db.import("evidence", &file, &map).fails();
        assert!(
            run.stderr.contains("line 4, column Verbatim"),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains("line 5, column Submitted"),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains("line 5, column Company"),
            "{}",
            run.stderr
        );
        assert_eq!(db.count("evidence"), 0);
        // With --skip-invalid the good rows go in and the rest are written with reasons.
        let mut args = map.to_vec();
        args.push("--skip-invalid");
        let run = db.import("evidence", &file, &args).ok();
        assert!(run.stderr.contains("2 new"), "{}", run.stderr);
        let rows = db.rows("evidence");
        assert_eq!(rows.len(), 2);
        let r1 = rows.iter().find(|r| r["external_id"] == "r-1").unwrap();
        assert_eq!(r1["kind"], "problem");
        assert_eq!(r1["account_external_id"], "A1");
        assert_eq!(r1["tags"].split(';').count(), 2);
        let r2 = rows.iter().find(|r| r["external_id"] == "r-2").unwrap();
        assert_eq!(r2["kind"], "recommendation");
        let rejects = std::fs::read_to_string(format!("{}.rejects.csv", file.display())).unwrap();
        assert_eq!(records(&rejects).len(), 2, "{rejects}");
        // The same file again changes nothing.
        let run = db.import("evidence", &file, &args).ok();
        assert!(
            run.stderr.contains("0 new, 0 updated, 2 unchanged"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn imported_touchpoint_notes_become_evidence() {
    for db in Db::all() {
        db.import_ok("accounts", "accounts.csv", ACCOUNTS);
        let run = db.import_ok(
            "touchpoints",
            "touchpoints.csv",
            "account_external_id,kind,occurred_on,notes\nA1,call,2026-01-05,They are looking at alternatives\nA2,meeting,2026-01-06,\n",
        );
        assert!(run.stderr.contains("evidence: 1 new"), "{}", run.stderr);
        let rows = db.rows("evidence");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["kind"], "existential_threat");
        assert_eq!(rows[0]["source"], "touchpoint");
    }
}

/// Notes left without evidence (an import stopped before its evidence step) become evidence
/// beside a running server: `serve` answers at once and catches up in the background.
#[test]
fn serve_answers_at_once_and_turns_waiting_notes_into_evidence_beside_it() {
    use peerstage_core::import::{ImportKind, ImportOptions};
    use std::time::{Duration, Instant};
    for db in Db::all() {
        db.import_ok("accounts", "accounts.csv", ACCOUNTS);
        // Written through the store alone, as an import cut short after its commit leaves them.
        let store = peerstage_store::Store::open(&db.url).unwrap();
        let notes: String = (0..300)
            .map(|i| format!("t{i},A1,call,2026-02-01,The nightly sync failed again on run {i}\n"))
            .collect();
        let csv = format!("external_id,account_external_id,kind,occurred_on,notes\n{notes}");
        let options = ImportOptions {
            kind: ImportKind::Touchpoints,
            preset: None,
            overrides: vec![],
        };
        store
            .import_csv(csv.as_bytes(), &options, false, |_| {})
            .unwrap();
        let evidence =
            |s: &peerstage_store::Store| s.list_evidence(&Default::default()).unwrap().total;
        assert_eq!(evidence(&store), 0, "{}: nothing synced yet", db.name());

        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = db.dir.join("serve.log");
        let mut server = db
            .command(&["serve", "--bind", &format!("127.0.0.1:{port}")])
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(std::fs::File::create(db.dir.join("serve.err")).unwrap())
            .spawn()
            .unwrap();
        let started = Instant::now();
        let answered = loop {
            if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
                use std::io::{Read, Write};
                s.write_all(b"GET /healthz HTTP/1.0\r\n\r\n").unwrap();
                let mut reply = String::new();
                let _ = s.read_to_string(&mut reply);
                if reply.starts_with("HTTP/1.0 200") || reply.starts_with("HTTP/1.1 200") {
                    break true;
                }
            }
            if started.elapsed() > Duration::from_secs(30) {
                break false;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let caught_up = loop {
            if evidence(&store) == 300 || started.elapsed() > Duration::from_secs(60) {
                break evidence(&store);
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let _ = server.kill();
        let _ = server.wait();
        let err = std::fs::read_to_string(db.dir.join("serve.err")).unwrap_or_default();
        assert!(answered, "{}: the server did not answer: {err}", db.name());
        assert_eq!(caught_up, 300, "{}: {err}", db.name());
        assert!(
            err.contains("evidence caught up: 300 new"),
            "{}: {err}",
            db.name()
        );
    }
}
