//! `peerstage search`, `themes` and `language` (C3–C5) on evidence imported with
//! `peerstage import evidence`, run as a user would on a fresh database (SQLite always,
//! PostgreSQL too when `PEERSTAGE_TEST_POSTGRES_URL` is set).

mod common;

use common::Db;
use serde_json::Value;

const ACCOUNTS: &str =
    "external_id,name,industry\nA1,Acme Robotics,Manufacturing\nA2,Globex,Retail\n";

fn feedback() -> String {
    let lines = [
        "The offline mode loses changes when the tablet reconnects",
        "Offline mode drops notes and the offline sync fails",
        "Offline sync fails after offline mode on the mobile app",
        "Monthly reports are slow and time out",
        "Slow reports every Monday on the dashboard",
        "Reports are slow when filtering by region",
        "Renewal price went up, the price per seat is too high",
        "The renewal price per seat is too expensive",
        "Per seat price at renewal is hard to justify",
    ];
    let mut csv = String::from("Verbatim,Submitted,Company,Labels\n");
    for i in 0..27 {
        csv.push_str(&format!(
            "\"{}\",2026-0{}-1{},{},{}\n",
            lines[i % 9],
            1 + i % 6,
            i % 10,
            if i % 2 == 0 { "A1" } else { "A2" },
            if i % 9 < 3 { "mobile" } else { "" }
        ));
    }
    csv
}

fn seed(db: &Db) {
    db.import_ok("accounts", "accounts.csv", ACCOUNTS);
    let file = db.file("feedback.csv", feedback());
    db.import(
        "evidence",
        &file,
        &[
            "--map",
            "text=Verbatim",
            "--map",
            "date=Submitted",
            "--map",
            "account_external_id=Company",
            "--map",
            "tags=Labels",
        ],
    )
    .ok();
}

#[test]
fn search_finds_ranks_filters_and_prints_json() {
    for db in Db::all() {
        seed(&db);
        let run = db.run(&["search", "offline", "sync", "--json"]).ok();
        let v: Value = serde_json::from_str(&run.stdout).expect("JSON");
        assert_eq!(v["total"], 6, "{}", run.stdout);
        let hit = &v["hits"][0];
        assert!(hit["text"].as_str().unwrap().contains("sync"));
        assert!(hit["fragments"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["hit"] == true));
        let run = db
            .run(&["search", "slow", "--industry", "Retail", "--json"])
            .ok();
        let v: Value = serde_json::from_str(&run.stdout).unwrap();
        assert!(v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["account_name"] == "Globex"));
        // Text output marks the matched words and says how many.
        let run = db.run(&["search", "renewal", "--tag", "mobile"]).ok();
        assert!(
            run.stdout.contains("No evidence mentions renewal"),
            "{}",
            run.stdout
        );
        let run = db.run(&["search", "renewal"]).ok();
        assert!(
            run.stdout.contains("9 results for renewal"),
            "{}",
            run.stdout
        );
        assert!(run.stdout.contains("[renewal]") || run.stdout.contains("[Renewal]"));
        // Bad filters are errors that name the field.
        db.run(&["search", "renewal", "--level", "9"])
            .fails()
            .says(&["level"]);
        db.run(&["search", "!!"])
            .fails()
            .says(&["at least one word"]);
    }
}

#[test]
fn themes_refresh_keeps_ids_and_prints_json() {
    for db in Db::all() {
        seed(&db);
        let run = db.run(&["themes"]).ok();
        assert!(run.stdout.contains("No themes yet"));
        let run = db.run(&["themes", "--refresh", "--k", "3"]).ok();
        assert!(
            run.stderr
                .contains("themes: grouping 27 texts into 3 themes"),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr
                .contains("27 items in 3 themes (0 kept, 3 new, 0 removed)"),
            "{}",
            run.stderr
        );
        assert!(run.stdout.contains("Offline"), "{}", run.stdout);
        let first: Value =
            serde_json::from_str(&db.run(&["themes", "--json"]).ok().stdout).unwrap();
        assert_eq!(first.as_array().unwrap().len(), 3);
        assert!(first.as_array().unwrap().iter().all(|t| t["volume"] == 9));
        // Re-running on the same evidence keeps every theme's id.
        let run = db.run(&["themes", "--refresh", "--k", "3", "--json"]).ok();
        assert!(
            run.stderr.contains("(3 kept, 0 new, 0 removed)"),
            "{}",
            run.stderr
        );
        let again: Value = serde_json::from_str(&run.stdout).unwrap();
        let ids = |v: &Value| {
            let mut x: Vec<i64> = v
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_i64().unwrap())
                .collect();
            x.sort();
            x
        };
        assert_eq!(ids(&first), ids(&again));
        db.run(&["themes", "--refresh", "--k", "0"])
            .fails()
            .says(&["--k"]);
        let lang: Value =
            serde_json::from_str(&db.run(&["language", "--json"]).ok().stdout).unwrap();
        let texts = lang["texts"].as_u64().unwrap();
        assert!((9..=27).contains(&texts), "{texts}");
    }
}
