//! `peerstage analyze-review` (E2) and `peerstage scorecard` (E1), through the real binary,
//! on SQLite and (when configured) PostgreSQL.

mod common;

use common::{run, s, Db, TempDir};
use serde_json::Value;

const AGENDA: &str = "item,minutes,notes\n\
    Welcome and agenda,5,\n\
    Sales pipeline and Q4 forecast,50,top 20 deals\n\
    Product roadmap and release schedule,40,\n\
    Headcount and budget,25,\n\
    Customer satisfaction and churn,10,NPS trend\n";

#[test]
fn analyze_review_prints_classes_shares_verdict_and_cursory_time() {
    for db in Db::all() {
        let f = db.file("q3.csv", AGENDA);
        let out = db.run(&["analyze-review", s(&f)]).ok().stdout;
        for part in [
            "Verdict: sales-driven",
            "Sales-driven: sales got 38% of the time.",
            "Product            40 min   31%",
            "Customer value     10 min    8%",
            "(cursory)",
            "Customer value: 10 minutes, 8% of the time",
            "item under 10 minutes: Welcome and agenda (5 min)",
            "sales, pipeline, forecast, deals",
            "headcount, budget",
            "no known word",
            "none saved yet",
        ] {
            assert!(out.contains(part), "{}: {part:?} in\n{out}", db.name());
        }

        // As JSON, with the line of each item.
        let json: Value =
            serde_json::from_str(&db.run(&["analyze-review", s(&f), "--json"]).ok().stdout)
                .unwrap();
        assert_eq!(json["verdict"], "sales");
        assert_eq!(json["verdict_label"], "sales-driven");
        assert_eq!(json["total_minutes"], 130);
        assert_eq!(json["items"][3]["line"], 5);
        assert_eq!(json["items"][3]["class"], "operations");
        assert_eq!(json["cursory"], serde_json::json!(["customer_value"]));

        // Saved, it is compared with the next one.
        db.run(&[
            "analyze-review",
            s(&f),
            "--save",
            "--title",
            "Q3 review",
            "--held-on",
            "2026-07-20",
        ])
        .ok();
        let md = db.file(
            "q4.md",
            "# Q4 review\n\n- Customer retention and churn (45 min)\n  - top accounts at risk\n- Whole product gaps (30 min)\n- Pipeline review (30 min)\n",
        );
        let out = db.run(&["analyze-review", s(&md)]).ok().stdout;
        assert!(out.contains("Verdict: value-driven"), "{out}");
        assert!(out.contains("2026-07-20 Q3 review"), "{out}");
        assert!(out.contains("customer value +64 pts"), "{out}");
    }
}

#[test]
fn malformed_agendas_fail_with_the_line() {
    let db = Db::sqlite();
    let cases = [
        (
            "bad.csv",
            "item,minutes\nRoadmap,30\nPipeline,half an hour\n",
            "line 3: minutes: 'half an hour' is not a number of minutes",
        ),
        ("empty.csv", "", "the agenda is empty"),
        (
            "cols.csv",
            "topic,length\nRoadmap,30\n",
            "line 1: the header needs the column minutes",
        ),
        (
            "list.md",
            "- Roadmap (30 min)\n- Pipeline review\n",
            "line 2: no duration in 'Pipeline review'",
        ),
        (
            "table.md",
            "| Item | Minutes |\n|---|---|\n| Roadmap | soon |\n",
            "line 3: minutes: 'soon' is not a number of minutes",
        ),
    ];
    for (name, text, message) in cases {
        let f = db.file(name, text);
        db.run(&["analyze-review", s(&f)]).fails().says(&[message]);
    }
    let bin = db.file("binary.csv", [0xffu8, 0xfe, 0x00]);
    db.run(&["analyze-review", s(&bin)])
        .fails()
        .says(&["not UTF-8"]);
    db.run(&["analyze-review", "/nonexistent/agenda.csv"])
        .fails()
        .says(&["cannot read"]);
}

#[test]
fn analyzing_without_a_database_leaves_none_behind() {
    let dir = TempDir::new();
    let f = dir.file("q3.csv", AGENDA);
    let default_db = std::env::temp_dir().join("peerstage.db");
    let existed = default_db.exists();
    run(&["analyze-review", s(&f)]).ok();
    if !existed {
        assert!(
            !default_db.exists(),
            "analyze-review created {}",
            default_db.display()
        );
    }
}

#[test]
fn the_scorecard_prints_the_figures_of_a_quarter_and_its_trend() {
    for db in Db::all() {
        db.import_ok(
            "accounts",
            "accounts.csv",
            "external_id,name,segment,lifecycle,customer_since,renewal_date,annual_revenue,cost_to_serve\n\
             A,Alpha,enterprise,customer,2023-02-01,,100000,60000\n\
             B,Bravo,smb,customer,2024-06-01,,50000,55000\n\
             C,Charlie,enterprise,former,2023-09-01,2026-05-01,50000,40000\n",
        );
        db.import_ok(
            "touchpoints",
            "touchpoints.csv",
            "account_external_id,kind,occurred_on\nA,call,2026-07-10\nA,meeting,2026-09-20\nC,call,2026-04-10\n",
        );
        db.import_ok(
            "commitments",
            "commitments.csv",
            "account_external_id,description,due_on,status,closed_on\nA,SSO,2026-08-15,kept,2026-08-10\nB,Export,2026-07-20,missed,\n",
        );
        db.import_ok(
            "nps",
            "nps.csv",
            "account_external_id,score,responded_on\nA,10,2026-08-01\nB,3,2026-07-15\n",
        );
        let out = db.run(&["scorecard", "--period", "2026Q3"]).ok().stdout;
        for part in [
            "Scorecard Q3 2026 · All segments · to 2026-09-30",
            "Accounts touched in the last 90 days",
            "1 of 2 accounts",
            "1 of 2 due",
            "1 promoters, 1 detractors of 2",
            "2 of 3 accounts",
            "at risk: 0 accounts",
            "unprofitable: 1 accounts, 50,000 revenue, -5,000 margin",
            "Q3 2025",
        ] {
            assert!(out.contains(part), "{}: {part:?} in\n{out}", db.name());
        }
        let json: Value = serde_json::from_str(
            &db.run(&[
                "scorecard",
                "--period",
                "2026Q3",
                "--segment",
                "enterprise",
                "--json",
            ])
            .ok()
            .stdout,
        )
        .unwrap();
        assert_eq!(json["segment"], "enterprise");
        let p = &json["periods"][4];
        assert_eq!(p["touchpoints"], 2);
        assert_eq!(p["coverage"], 1.0);
        assert_eq!(json["figures"][0]["key"], "touchpoints");
        db.run(&["scorecard", "--period", "2026Q5"])
            .fails()
            .says(&["--period", "not a quarter"]);
        db.run(&["scorecard", "--segment", "giant"])
            .fails()
            .says(&["--segment"]);
        db.run(&["scorecard", "--period", "2099Q1"])
            .fails()
            .says(&["has not started yet"]);
    }
}
