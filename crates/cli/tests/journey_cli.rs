//! Reviews and buyer-journey sources (B6) through `peerstage import`/`export`, the
//! `third-party`, `sources` and `story` commands, run as a user would on a fresh database
//! (SQLite always, PostgreSQL too when `PEERSTAGE_TEST_POSTGRES_URL` is set).

mod common;

use common::{by_id, records, Db};
use serde_json::Value;

const ACCOUNTS: &str = "\
external_id,name,annual_revenue
A1,Acme Robotics,300000
A2,Globex,100000
A3,Initech,600000
";

const CONTACTS: &str = "\
external_id,account_external_id,name,reference_consent
C1,A1,Ada Lovelace,yes
C2,A2,Cy Globe,ask_first
";

const REVIEWS: &str = "\
external_id,contact_external_id,third_party,reviewed_on,rating,title,link
R1,C1,PeerGrid,2025-03-01,5,Our team finally has one view,https://peergrid.example/r/1
R2,C1,halvorsen research,2025-04-02,4,,
,C2,PeerGrid,2025-05-03,3,Fine for the basics,
";

const SOURCES: &str = "\
external_id,account_external_id,source,responded_on
S1,A1,PeerGrid,2025-02-01
S2,A1,event,2025-02-01
S3,A2,PeerGrid,2025-02-10
,A3,Web search,2025-03-01
";

/// Accounts, contacts, and two third parties added with the CLI.
fn seed(db: &Db) {
    db.import_ok("accounts", "accounts.csv", ACCOUNTS);
    db.import_ok("contacts", "contacts.csv", CONTACTS);
    db.run(&[
        "third-party",
        "add",
        "--name",
        "PeerGrid",
        "--kind",
        "review_site",
        "--url",
        "https://peergrid.example",
    ])
    .ok()
    .says(&["added PeerGrid (review site)"]);
    db.run(&[
        "third-party",
        "add",
        "--name",
        "Halvorsen Research",
        "--kind",
        "analyst firm",
    ])
    .ok();
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

#[test]
fn reviews_import_export_and_reimport_unchanged() {
    for db in Db::all() {
        seed(&db);
        db.import_ok("reviews", "reviews.csv", REVIEWS)
            .says(&["imported reviews: 3 rows, 3 new, 0 updated, 0 unchanged, 0 rejected"]);
        let rows = db.rows("reviews");
        assert_eq!(rows.len(), 3);
        let r1 = by_id(&rows, "R1");
        assert_eq!(r1["contact_external_id"], "C1");
        assert_eq!(r1["third_party"], "PeerGrid");
        assert_eq!(r1["rating"], "5");
        assert_eq!(r1["link"], "https://peergrid.example/r/1");
        // The name is matched ignoring case, and written back as stored.
        assert_eq!(by_id(&rows, "R2")["third_party"], "Halvorsen Research");
        // A row without an external id gets a stable one.
        let auto = rows
            .iter()
            .find(|r| r["contact_external_id"] == "C2")
            .unwrap();
        assert!(auto["external_id"].starts_with("row:"), "{auto:?}");

        // The same file again, and the export of it, change nothing.
        db.import_ok("reviews", "reviews-again.csv", REVIEWS)
            .says(&["3 rows, 0 new, 0 updated, 3 unchanged"]);
        let exported = db.export("reviews");
        db.import_ok("reviews", "reviews-export.csv", &exported)
            .says(&["3 rows, 0 new, 0 updated, 3 unchanged"]);
        assert_eq!(db.export("reviews"), exported);

        let list = db.run(&["third-party", "list", "--json"]).ok().stdout;
        let list = json(&list);
        let peergrid = list
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "PeerGrid")
            .unwrap();
        assert_eq!(peergrid["review_count"], 2);
        assert_eq!(peergrid["average_rating"], 4.0);
    }
}

#[test]
fn a_bad_review_row_rejects_the_file_with_line_and_column_and_imports_nothing() {
    for db in Db::all() {
        seed(&db);
        let bad = "\
external_id,contact_external_id,third_party,reviewed_on,rating,title,link
R1,C1,PeerGrid,2025-03-01,5,Good,
R2,C1,Capterrible,2025-03-02,4,,
R3,C9,PeerGrid,2025-03-03,6,,ftp://peergrid.example
";
        let file = db.file("bad-reviews.csv", bad);
        db.import("reviews", &file, &[]).fails().says(&[
            "2 of 3 rows are invalid",
            "line 3, column third_party: no review site or analyst firm is named 'Capterrible'",
            "line 4, column contact_external_id: no contact has external id 'C9'",
            "line 4, column rating: '6' is not a rating from 1 to 5",
            "line 4, column link:",
            "nothing was imported",
        ]);
        assert_eq!(db.count("reviews"), 0, "{}: all or nothing", db.name());

        // With --skip-invalid the good row goes in and the bad ones go to the rejects file.
        db.import("reviews", &file, &["--skip-invalid"])
            .ok()
            .says(&["1 new", "2 rejected"]);
        assert_eq!(db.count("reviews"), 1);
        let rejects = std::fs::read_to_string(db.dir.join("bad-reviews.csv.rejects.csv")).unwrap();
        assert!(rejects.contains("Capterrible"), "{rejects}");
    }
}

#[test]
fn sources_import_report_and_reimport_unchanged() {
    for db in Db::all() {
        seed(&db);
        db.import_ok("sources", "sources.csv", SOURCES)
            .says(&["imported sources: 4 rows, 4 new, 0 updated, 0 unchanged, 0 rejected"]);
        let rows = records(&db.export("sources"));
        assert_eq!(by_id(&rows, "S2")["source"], "event");
        assert_eq!(by_id(&rows, "S3")["source"], "PeerGrid");
        assert!(rows.iter().any(|r| r["source"] == "search"));
        db.import_ok("sources", "sources-again.csv", SOURCES)
            .says(&["4 rows, 0 new, 0 updated, 4 unchanged"]);
        let exported = db.export("sources");
        db.import_ok("sources", "sources-export.csv", &exported)
            .says(&["4 rows, 0 new, 0 updated, 4 unchanged"]);
        // A changed source counts as updated.
        db.import_ok(
            "sources",
            "sources-changed.csv",
            "external_id,account_external_id,source,responded_on\nS2,A1,sales_outreach,2025-02-01\n",
        )
        .says(&["1 row, 0 new, 1 updated, 0 unchanged"]);

        // Acme (300,000) named PeerGrid and sales outreach, Globex (100,000) PeerGrid,
        // Initech (600,000) a web search.
        let report = json(&db.run(&["sources", "--json"]).ok().stdout);
        assert_eq!(report["respondents"], 3);
        assert_eq!(report["total_revenue"], 1_000_000);
        let sources = report["sources"].as_array().unwrap();
        let row = |name: &str| {
            sources
                .iter()
                .find(|s| s["name"] == name)
                .unwrap_or_else(|| panic!("{name} in {report}"))
        };
        assert_eq!(row("PeerGrid")["customers"], 2);
        assert_eq!(row("PeerGrid")["revenue"], 250_000.0);
        assert_eq!(row("Web search")["revenue"], 600_000.0);
        assert_eq!(row("Sales outreach")["revenue"], 150_000.0);
        assert!((row("PeerGrid")["share"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9);
        let table = db.run(&["sources", "--since", "2025-02-05"]).ok().stdout;
        assert!(
            table.contains("2 new customers answered, naming 2 sources"),
            "{table}"
        );
        assert!(
            table.contains("PeerGrid") && table.contains("100,000"),
            "{table}"
        );
        db.run(&["sources", "--since", "last week"])
            .fails()
            .says(&["--since:"]);
    }
}

#[test]
fn a_bad_source_row_rejects_the_file_with_line_and_column_and_imports_nothing() {
    for db in Db::all() {
        seed(&db);
        let file = db.file(
            "bad-sources.csv",
            "account_external_id,source,responded_on\nA1,PeerGrid,2025-02-01\nA2,Podcast,2025-02-01\nA9,event,2025-02-30\n",
        );
        db.import("sources", &file, &[]).fails().says(&[
            "2 of 3 rows are invalid",
            "line 3, column source: 'Podcast' is neither a third party's name nor one of: peer_recommendation",
            "line 4, column account_external_id: no account has external id 'A9'",
            "line 4, column responded_on:",
        ]);
        assert_eq!(db.count("sources"), 0, "{}: all or nothing", db.name());
        let missing = db.file(
            "no-source.csv",
            "account_external_id,responded_on\nA1,2025-02-01\n",
        );
        db.import("sources", &missing, &[])
            .fails()
            .says(&["no column for required field 'source'"]);
    }
}

#[test]
fn the_demo_has_stories_some_flagged_as_spin_and_a_buyer_journey() {
    for db in Db::all() {
        db.run(&["demo", "--scale", "0.02"])
            .ok()
            .says(&["stories and buyer journey: 8 stories"]);
        let all = json(&db.run(&["story", "list", "--json"]).ok().stdout);
        let spin = json(&db.run(&["story", "list", "--spin", "--json"]).ok().stdout);
        let (all, spin) = (
            all.as_array().unwrap().len(),
            spin.as_array().unwrap().len(),
        );
        assert_eq!(all, 8);
        assert!(spin > 0 && spin < all, "{spin} of {all} flagged");
        assert!(db.count("reviews") > 0);
        assert!(db.count("sources") > 0);
        let list = db.run(&["third-party", "list"]).ok().stdout;
        for name in ["PeerGrid", "StackVerdict", "Halvorsen Research"] {
            assert!(list.contains(name), "{list}");
        }
        db.run(&["story", "list", "--stage", "later"])
            .fails()
            .says(&["stage: unknown value 'later'"]);
    }
}
