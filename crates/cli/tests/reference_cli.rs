//! `peerstage reference …` run as a user would, on a demo company in a fresh database
//! (SQLite always, PostgreSQL too when `PEERSTAGE_TEST_POSTGRES_URL` is set).

mod common;

use common::Db;
use peerstage_core::account::Lifecycle;
use peerstage_core::ReferenceConsent;
use peerstage_store::Store;
use serde_json::Value;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

fn demo(db: &Db) -> Store {
    db.run(&["demo", "--scale", "0.02"]).ok();
    Store::open(&db.url).expect("open the demo database")
}

/// Checks every ranked candidate against the database: a consenting, contactable contact of
/// a customer account in `industry` that is not at risk, with the fields a script needs.
fn check_candidates(store: &Store, result: &Value, industry: &str, what: &str) -> usize {
    let candidates = result["candidates"]
        .as_array()
        .unwrap_or_else(|| panic!("{what}: no candidates array in {result}"));
    assert!(
        !candidates.is_empty(),
        "{what}: the demo has {industry} advocates"
    );
    let mut last = f64::INFINITY;
    for c in candidates {
        let id = c["contact_id"]
            .as_i64()
            .unwrap_or_else(|| panic!("{what}: contact_id in {c}"));
        let account = c["account"]
            .as_str()
            .unwrap_or_else(|| panic!("{what}: account in {c}"));
        let score = c["score"]
            .as_f64()
            .unwrap_or_else(|| panic!("{what}: score in {c}"));
        let reasons = c["reasons"]
            .as_array()
            .unwrap_or_else(|| panic!("{what}: reasons in {c}"));
        assert!(
            reasons.iter().all(Value::is_string) && !reasons.is_empty(),
            "{what}: {c}"
        );
        assert!(score <= last, "{what}: best first");
        last = score;
        let contact = store.get_contact(id).unwrap();
        assert_ne!(
            contact.data.reference_consent,
            ReferenceConsent::No,
            "{what}: {c}"
        );
        assert!(
            !contact.data.do_not_contact && contact.erased_at.is_none(),
            "{what}: {c}"
        );
        assert_eq!(contact.account_name, account, "{what}: {c}");
        let a = store.get_account(contact.data.account_id).unwrap();
        assert_eq!(a.data.industry.as_deref(), Some(industry), "{what}: {c}");
        assert_eq!(a.data.lifecycle, Lifecycle::Customer, "{what}: {c}");
        assert!(!a.data.at_risk, "{what}: {c}");
        assert!(
            reasons
                .iter()
                .any(|r| r.as_str() == Some(&format!("industry matches ({industry})"))),
            "{what}: {c}"
        );
    }
    candidates.len()
}

#[test]
fn reference_match_prints_ranked_consenting_candidates_as_json() {
    for db in Db::all() {
        let store = demo(&db);
        // The demo's requests were asked by its sales reps, in turn, not by "cli".
        let asked: std::collections::BTreeSet<String> = store
            .list_requests(&Default::default())
            .unwrap()
            .into_iter()
            .map(|r| r.requested_by)
            .collect();
        assert_eq!(asked.len(), 4, "{asked:?}");
        assert!(asked.iter().all(|a| a.ends_with("(sales)")), "{asked:?}");
        let run = db
            .run(&[
                "reference",
                "match",
                "--industry",
                "Healthcare",
                "--activity",
                "reference_call",
                "--json",
            ])
            .ok();
        let result = json(&run.stdout);
        let n = check_candidates(&store, &result, "Healthcare", &run.what);
        assert!(n <= 10, "the default limit is 10");
        // Those left out say why; anyone without consent is among them, never ranked.
        let excluded = result["excluded"].as_array().expect("excluded array");
        assert!(
            excluded.iter().any(|e| e["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r == "no consent for reference call")),
            "the demo has Healthcare contacts without consent, and they are left out: {excluded:?}"
        );
        for e in excluded {
            let reasons: Vec<&str> = e["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
                .collect();
            assert!(!reasons.is_empty(), "{e}");
            let contact = store
                .get_contact(e["contact_id"].as_i64().unwrap())
                .unwrap();
            assert_eq!(
                reasons.contains(&"no consent for reference call"),
                contact.data.reference_consent == ReferenceConsent::No,
                "{e}"
            );
        }
        let limited = json(
            &db.run(&[
                "reference",
                "match",
                "--industry",
                "Healthcare",
                "--limit",
                "2",
                "--json",
            ])
            .ok()
            .stdout,
        );
        assert_eq!(limited["candidates"].as_array().unwrap().len(), 2.min(n));
    }
}

#[test]
fn a_request_made_on_the_command_line_is_listed_and_matched_by_id() {
    for db in Db::all() {
        let store = demo(&db);
        let created = db
            .run(&[
                "reference",
                "request",
                "--prospect",
                "Zeta Retail",
                "--activity",
                "reference_call",
                "--industry",
                "Retail",
                "--deal-value",
                "50000",
                "--json",
            ])
            .ok();
        let id = json(&created.stdout)["id"]
            .as_i64()
            .expect("the created request's id");

        let listed = json(&db.run(&["reference", "list", "--json"]).ok().stdout);
        let mine = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"].as_i64() == Some(id))
            .unwrap_or_else(|| panic!("request {id} in {listed}"));
        assert_eq!(mine["prospect_name"], "Zeta Retail");
        assert_eq!(mine["status"], "requested");
        assert_eq!(mine["activity"], "reference_call");
        assert_eq!(mine["deal_value"], 50000);
        assert_eq!(mine["requested_by"], "cli");
        assert_eq!(
            mine["criteria"]["industry"],
            serde_json::json!({"value": "Retail", "required": true})
        );
        let ids = |status: &str| -> Vec<i64> {
            json(
                &db.run(&["reference", "list", "--status", status, "--json"])
                    .ok()
                    .stdout,
            )
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect()
        };
        assert!(ids("requested").contains(&id));
        assert!(!ids("completed").contains(&id));

        let run = db
            .run(&["reference", "match", &id.to_string(), "--json"])
            .ok();
        let n = check_candidates(&store, &json(&run.stdout), "Retail", &run.what);
        assert_eq!(
            store.get_request(id).unwrap().last_match_count,
            Some(n as i64),
            "matching remembers how many it found"
        );
        let text = db.run(&["reference", "match", &id.to_string()]).ok().stdout;
        assert!(
            text.contains(" 1. ") && text.contains("industry matches (Retail)"),
            "{text}"
        );
    }
}

#[test]
fn invalid_activity_or_region_exits_non_zero_with_a_clear_message() {
    for db in Db::all() {
        db.run(&["reference", "match", "--activity", "beta"])
            .fails()
            .says(&["activity", "not a reference activity"]);
        db.run(&["reference", "match", "--activity", "coffee"])
            .fails()
            .says(&["activity", "unknown value 'coffee'", "reference_call"]);
        db.run(&[
            "reference",
            "match",
            "--industry",
            "Retail",
            "--region",
            "Mars",
        ])
        .fails()
        .says(&["region", "unknown value 'Mars'", "emea"]);
        db.run(&[
            "reference",
            "request",
            "--prospect",
            "X",
            "--activity",
            "reference_call",
            "--region",
            "Mars",
        ])
        .fails()
        .says(&["region", "Mars"]);
        db.run(&[
            "reference",
            "request",
            "--prospect",
            "X",
            "--activity",
            "advisory_board",
        ])
        .fails()
        .says(&["activity", "not a reference activity"]);
        db.run(&["reference", "request", "--activity", "reference_call"])
            .fails()
            .says(&["prospect_name"]);
        db.run(&["reference", "list", "--status", "done"])
            .fails()
            .says(&["--status", "unknown value 'done'"]);
        db.run(&["reference", "match", "999"])
            .fails()
            .says(&["reference request 999 was not found"]);
        assert_eq!(
            json(&db.run(&["reference", "list", "--json"]).ok().stdout),
            serde_json::json!([]),
            "refused requests are not created"
        );
    }
}
