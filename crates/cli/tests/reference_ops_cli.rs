//! `peerstage reference ops|feedback-link|confirm` and `peerstage advocate consent|expiring|
//! nominate|nominations|nomination`, run as a user would on a fresh database (SQLite always,
//! PostgreSQL too when `PEERSTAGE_TEST_POSTGRES_URL` is set).

mod common;

use common::Db;
use peerstage_core::reference::RequestStatus;
use peerstage_store::Store;
use serde_json::Value;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

const ACCOUNTS: &str = "\
external_id,name,industry,region,country,employees,competitor_replaced
A1,Acme Clinic,Healthcare,emea,Germany,800,Oldsoft
A2,Globex Care,Healthcare,emea,Austria,300,
";

const CONTACTS: &str = "\
external_id,account_external_id,name,reference_consent
C1,A1,Ada Lovelace,yes
C2,A2,Cy Globe,yes
C3,A2,Pat Promoter,no
";

fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

fn contact(store: &Store, external: &str) -> i64 {
    store
        .lookups(peerstage_core::ImportKind::Nps)
        .unwrap()
        .contacts
        .get(external)
        .map(|(id, _)| *id)
        .unwrap_or_else(|| panic!("contact {external}"))
}

#[test]
fn consent_nominations_ops_and_feedback_links_from_the_command_line() {
    for db in Db::all() {
        db.import_ok("accounts", "accounts.csv", ACCOUNTS);
        db.import_ok("contacts", "contacts.csv", CONTACTS);
        let nps = format!(
            "account_external_id,contact_external_id,score,responded_on\nA2,C3,10,{}\n",
            today()
        );
        db.import_ok("nps", "nps.csv", &nps);
        let store = Store::open(&db.url).unwrap();
        let ada = contact(&store, "C1");
        let cy = contact(&store, "C2");
        let pat = contact(&store, "C3");
        let ada_s = ada.to_string();

        // Consent per activity: record, show, refuse bad input with the field's name.
        let out = db
            .run(&[
                "advocate",
                "consent",
                &ada_s,
                "--activity",
                "case_study",
                "--consent",
                "no",
            ])
            .ok();
        assert!(out.stdout.contains("case_study"), "{}", out.stdout);
        assert!(
            out.stdout
                .contains("logo             published yes       general consent"),
            "{}",
            out.stdout
        );
        db.run(&[
            "advocate",
            "consent",
            &ada_s,
            "--activity",
            "podcast",
            "--consent",
            "yes",
        ])
        .fails()
        .says(&["activity"]);
        let soon = (chrono::Utc::now().date_naive() + chrono::Duration::days(12)).to_string();
        db.run(&[
            "advocate",
            "consent",
            &cy.to_string(),
            "--activity",
            "logo",
            "--consent",
            "yes",
            "--expires",
            &soon,
        ])
        .ok();
        let exp = json(&db.run(&["advocate", "expiring", "--json"]).ok().stdout);
        assert_eq!(exp[0]["contact_id"], cy);
        assert_eq!(exp[0]["days_left"], 12);
        db.run(&["advocate", "expiring", "--days", "0"])
            .fails()
            .says(&["--days"]);

        // Matching for a case study leaves Ada out; competitor replaced is a criterion.
        let m = json(
            &db.run(&[
                "reference",
                "match",
                "--activity",
                "case_study",
                "--industry",
                "Healthcare",
                "--json",
            ])
            .ok()
            .stdout,
        );
        assert_eq!(m["candidates"][0]["contact_id"], cy);
        assert_eq!(m["candidates"].as_array().unwrap().len(), 1);
        let m = json(
            &db.run(&[
                "reference",
                "match",
                "--competitor-replaced",
                "Oldsoft",
                "--json",
            ])
            .ok()
            .stdout,
        );
        assert_eq!(m["candidates"][0]["contact_id"], ada);
        assert_eq!(m["candidates"].as_array().unwrap().len(), 1);
        // Nobody in France: what blocked it and what loosening finds, in words.
        let text = db
            .run(&[
                "reference",
                "match",
                "--country",
                "France",
                "--industry",
                "Healthcare",
            ])
            .ok()
            .stdout;
        assert!(
            text.contains("blocked by country France: 2 advocates fit everything else"),
            "{text}"
        );
        assert!(
            text.contains("2 advocates match if country is widened to any country"),
            "{text}"
        );

        // Nominations: the promoter is proposed; a colleague nominates Cy; a manager moves it.
        let n = json(
            &db.run(&[
                "advocate",
                "nominate",
                &cy.to_string(),
                "--reason",
                "Runs the user group",
                "--json",
            ])
            .ok()
            .stdout,
        );
        let nid = n["id"].as_i64().unwrap().to_string();
        db.run(&["advocate", "nominate", &cy.to_string(), "--reason", "again"])
            .fails()
            .says(&["already nominated"]);
        let list = json(&db.run(&["advocate", "nominations", "--json"]).ok().stdout);
        let list = list.as_array().unwrap();
        assert!(list
            .iter()
            .any(|x| x["contact_id"] == pat && x["source"] == "nps_promoter"));
        db.run(&["advocate", "nomination", &nid, "contacted"]).ok();
        db.run(&["advocate", "nomination", &nid, "active"])
            .fails()
            .says(&["cannot become active"]);
        let stale = json(
            &db.run(&["advocate", "nominations", "--stale", "--json"])
                .ok()
                .stdout,
        );
        assert_eq!(stale, serde_json::json!([]));

        // A completed request: a one-time link, confirmation, and the ops queue.
        let created = json(
            &db.run(&[
                "reference",
                "request",
                "--prospect",
                "Prospect Co",
                "--activity",
                "reference_call",
                "--needed-by",
                &today(),
                "--json",
            ])
            .ok()
            .stdout,
        );
        let rid = created["id"].as_i64().unwrap();
        let early = db
            .run(&["reference", "feedback-link", &rid.to_string()])
            .fails();
        assert!(early.stderr.contains("completed"), "{}", early.stderr);
        let ops = json(&db.run(&["reference", "ops", "--json"]).ok().stdout);
        assert_eq!(ops["due_soon"][0]["id"], rid);
        for to in [
            RequestStatus::Proposed,
            RequestStatus::Asked,
            RequestStatus::Accepted,
            RequestStatus::Completed,
        ] {
            store
                .advance_request(rid, to, Some(cy), None, chrono::Utc::now().date_naive())
                .unwrap();
        }
        let out = db
            .run(&[
                "reference",
                "feedback-link",
                &rid.to_string(),
                "--base-url",
                "https://peerstage.example/",
            ])
            .ok()
            .stdout;
        assert!(
            out.starts_with("https://peerstage.example/feedback/fb_"),
            "{out}"
        );
        let ops = json(&db.run(&["reference", "ops", "--json"]).ok().stdout);
        assert_eq!(ops["unconfirmed"][0]["id"], rid);
        db.run(&["reference", "confirm", &rid.to_string()]).ok();
        let ops = json(&db.run(&["reference", "ops", "--json"]).ok().stdout);
        assert_eq!(ops["unconfirmed"], serde_json::json!([]));
        let text = db.run(&["reference", "ops"]).ok().stdout;
        assert!(text.contains("Due in the next 72 hours (0)"), "{text}");
        assert!(
            text.contains("Contacts not touched in a year (3)"),
            "{text}"
        );
    }
}
