//! E1–E3 on hand-built data with known answers, on SQLite and (when configured)
//! PostgreSQL: the scorecard's figures and the rows behind them, the dashboard's monthly
//! figures, and saved quarterly-review agendas with remembered corrections.

use chrono::NaiveDate;
use peerstage_core::account::AccountData;
use peerstage_core::agenda::{AgendaInput, Correction, ReviewClass};
use peerstage_core::commitment::CommitmentData;
use peerstage_core::nps::NpsData;
use peerstage_core::reference::NewRequest;
use peerstage_core::scorecard::Quarter;
use peerstage_core::touchpoint::{TouchpointData, TouchpointKind};
use peerstage_core::{Fields, Segment};
use peerstage_store::testing::TestDb;
use peerstage_store::{Store, StoreError};

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

const TODAY: &str = "2026-11-26";

fn account(s: &Store, name: &str, fields: &[(&str, &str)]) -> i64 {
    let mut f = Fields::from_pairs([("name", name)]);
    for (k, v) in fields {
        f.push(*k, *v);
    }
    s.create_account(&AccountData::from_fields(&f).unwrap())
        .unwrap()
        .id
}

fn touch(s: &Store, account_id: i64, on: &str) {
    s.create_touchpoint(&TouchpointData {
        external_id: None,
        account_id,
        kind: TouchpointKind::Call,
        occurred_on: date(on),
        staff: None,
        contact_ids: Vec::new(),
        notes: None,
    })
    .unwrap();
}

fn commitment(s: &Store, account_id: i64, due: &str, status: &str, closed: &str) {
    let f = Fields::from_pairs([
        ("description", "promise"),
        ("due_on", due),
        ("status", status),
        ("closed_on", closed),
    ]);
    s.create_commitment(&CommitmentData::from_fields(account_id, &f).unwrap())
        .unwrap();
}

fn nps(s: &Store, account_id: i64, score: i64, on: &str) {
    s.create_nps(&NpsData {
        external_id: None,
        account_id,
        contact_id: None,
        score,
        comment: Some(format!("scored {score}")),
        responded_on: date(on),
    })
    .unwrap();
}

struct Company {
    a: i64,
    b: i64,
    c: i64,
    d: i64,
}

/// A (enterprise, since 2023, margin 30,000, at risk); B (SMB, since mid-2024, margin
/// −10,000); C (enterprise, since 2023-09, left 2026-05-01); D (SMB, since 2025-12);
/// E (enterprise, left 2025-01-15); P (a prospect).
fn company(s: &Store) -> Company {
    let a = account(
        s,
        "Alpha",
        &[
            ("segment", "enterprise"),
            ("customer_since", "2023-02-01"),
            ("renewal_date", "2027-02-01"),
            ("annual_revenue", "100000"),
            ("cost_to_serve", "60000"),
            ("discount", "10000"),
            ("at_risk", "yes"),
            ("at_risk_reason", "champion left"),
        ],
    );
    let b = account(
        s,
        "Bravo",
        &[
            ("segment", "smb"),
            ("customer_since", "2024-06-01"),
            ("annual_revenue", "50000"),
            ("cost_to_serve", "55000"),
            ("discount", "5000"),
        ],
    );
    let c = account(
        s,
        "Charlie",
        &[
            ("segment", "enterprise"),
            ("lifecycle", "former"),
            ("customer_since", "2023-09-01"),
            ("renewal_date", "2026-05-01"),
            ("annual_revenue", "50000"),
            ("cost_to_serve", "40000"),
        ],
    );
    let d = account(
        s,
        "Delta",
        &[
            ("segment", "smb"),
            ("customer_since", "2025-12-01"),
            ("annual_revenue", "20000"),
            ("cost_to_serve", "12000"),
        ],
    );
    account(
        s,
        "Echo",
        &[
            ("segment", "enterprise"),
            ("lifecycle", "former"),
            ("customer_since", "2022-01-01"),
            ("renewal_date", "2025-01-15"),
            ("annual_revenue", "70000"),
        ],
    );
    let p = account(s, "Papa", &[("segment", "smb"), ("lifecycle", "prospect")]);
    for (id, on) in [
        (a, "2026-07-10"),
        (a, "2026-09-20"),
        (a, "2026-06-15"),
        (b, "2026-05-01"),
        // After Charlie left: not a customer touchpoint.
        (c, "2026-07-05"),
        (c, "2026-04-10"),
        // Delta's first touch was before it became a customer.
        (d, "2026-08-01"),
        (d, "2025-11-20"),
        (p, "2026-08-01"),
    ] {
        touch(s, id, on);
    }
    commitment(s, a, "2026-08-15", "kept", "2026-08-10");
    commitment(s, a, "2026-09-01", "kept", "2026-09-05");
    commitment(s, b, "2026-07-20", "missed", "");
    commitment(s, d, "2026-09-30", "open", "");
    commitment(s, d, "2026-10-15", "open", "");
    nps(s, a, 10, "2026-08-01");
    nps(s, a, 9, "2026-09-01");
    nps(s, b, 3, "2026-07-15");
    nps(s, d, 7, "2026-09-10");
    nps(s, c, 2, "2026-04-01");
    Company { a, b, c, d }
}

fn q(s: &str) -> Quarter {
    Quarter::parse(s).unwrap()
}

#[test]
fn the_scorecard_figures_have_known_answers() {
    for db in TestDb::all() {
        let s = &db.store;
        company(s);
        let today = date(TODAY);
        let card = s.scorecard(q("2026Q3"), None, today).unwrap();
        let p = card.chosen();
        let engine = s.describe();
        assert_eq!(card.periods.len(), 5, "{engine}");
        assert_eq!(card.periods[0].period.to_string(), "2025Q3");
        // Customers during Q3: Alpha, Bravo, Delta; touchpoints with them: 3.
        assert_eq!((p.customers, p.touchpoints), (3, 3), "{engine}");
        assert_eq!(p.touchpoints_per_account, Some(1.0), "{engine}");
        // At 30 September: Alpha, Bravo, Delta; touched since 3 July: Alpha, Delta.
        assert_eq!((p.customers_at_end, p.touched_recently), (3, 2), "{engine}");
        // Four commitments due in Q3; one kept on time.
        assert_eq!(
            (p.commitments_due, p.commitments_kept_on_time),
            (4, 1),
            "{engine}"
        );
        assert_eq!(p.kept_on_time, Some(0.25));
        assert_eq!(
            (p.nps.promoters, p.nps.passives, p.nps.detractors, p.nps.nps),
            (2, 1, 1, Some(25.0)),
            "{engine}"
        );
        // Customers on 2025-09-30: Alpha, Bravo, Charlie; Charlie left.
        assert_eq!((p.retention.base, p.retention.retained), (3, 2), "{engine}");
        assert_eq!(p.retention.revenue, Some(0.75));
        assert_eq!(p.margin, 28_000);
        assert!(
            (p.lifetime_value.unwrap() - 28_000.0).abs() < 1e-6,
            "{engine}"
        );
        // Q2: Alpha, Bravo, Charlie (until 1 May), Delta; touchpoints 6/15, 5/1, 4/10.
        let q2 = &card.periods[3];
        assert_eq!(
            (q2.customers, q2.touchpoints, q2.touched_recently),
            (4, 3, 2),
            "{engine}"
        );
        assert_eq!(q2.nps.nps, Some(-100.0));
        assert_eq!(q2.commitments_due, 0);
        assert_eq!(q2.kept_on_time, None);
        // Today: Alpha at risk, Bravo unprofitable.
        assert_eq!((card.now.at_risk, card.now.at_risk_revenue), (1, 100_000));
        assert_eq!(
            (
                card.now.unprofitable,
                card.now.unprofitable_revenue,
                card.now.unprofitable_margin
            ),
            (1, 50_000, -10_000)
        );
        let cohorts: Vec<(Option<i32>, u64, u64)> = card
            .cohorts
            .iter()
            .map(|c| (c.cohort, c.accounts, c.still_customers))
            .collect();
        assert_eq!(
            cohorts,
            [
                (Some(2022), 1, 0),
                (Some(2023), 2, 1),
                (Some(2024), 1, 1),
                (Some(2025), 1, 1)
            ],
            "{engine}"
        );

        // One segment: Alpha (and the former Charlie and Echo) are enterprise.
        let ent = s
            .scorecard(q("2026Q3"), Some(Segment::Enterprise), today)
            .unwrap();
        let e = ent.chosen();
        assert_eq!(
            (e.customers, e.touchpoints, e.touched_recently),
            (1, 2, 1),
            "{engine}"
        );
        assert_eq!(
            (e.commitments_due, e.commitments_kept_on_time),
            (2, 1),
            "{engine}"
        );
        assert_eq!(e.nps.nps, Some(100.0), "{engine}");
        assert_eq!(ent.now.unprofitable, 0);

        // A quarter that has not started is refused.
        assert!(matches!(
            s.scorecard(q("2027Q1"), None, today),
            Err(StoreError::Invalid(_))
        ));
    }
}

#[test]
fn the_rows_behind_each_figure_add_up_to_it() {
    for db in TestDb::all() {
        let s = &db.store;
        let co = company(s);
        let today = date(TODAY);
        let engine = s.describe();
        let period = q("2026Q3");
        let card = s.scorecard(period, None, today).unwrap();

        let touch = s.scorecard_touch_rows(period, None, today, 1, 50).unwrap();
        assert_eq!(touch.total, card.chosen().customers, "{engine}");
        let got: Vec<(i64, u64)> = touch
            .items
            .iter()
            .map(|r| (r.account_id, r.touchpoints))
            .collect();
        assert_eq!(
            got,
            [(co.b, 0), (co.d, 1), (co.a, 2)],
            "{engine}: fewest first"
        );
        assert_eq!(
            touch.items.iter().map(|r| r.touchpoints).sum::<u64>(),
            card.chosen().touchpoints
        );

        let cover = s
            .scorecard_coverage_rows(period, None, today, 1, 50)
            .unwrap();
        let got: Vec<(i64, Option<NaiveDate>, bool)> = cover
            .items
            .iter()
            .map(|r| (r.account_id, r.last_touch, r.touched_recently))
            .collect();
        assert_eq!(
            got,
            [
                (co.b, Some(date("2026-05-01")), false),
                (co.d, Some(date("2026-08-01")), true),
                (co.a, Some(date("2026-09-20")), true),
            ],
            "{engine}"
        );
        assert_eq!(
            cover.items.iter().filter(|r| r.touched_recently).count() as u64,
            card.chosen().touched_recently
        );
        // Paging.
        let second = s
            .scorecard_coverage_rows(period, None, today, 2, 2)
            .unwrap();
        assert_eq!((second.total, second.items.len()), (3, 1));
        assert_eq!(second.items[0].account_id, co.a);

        let commits = s
            .scorecard_commitment_rows(period, None, today, 1, 50)
            .unwrap();
        assert_eq!(commits.total, 4, "{engine}");
        let got: Vec<(String, bool)> = commits
            .items
            .iter()
            .map(|r| (r.due_on.to_string(), r.kept_on_time))
            .collect();
        assert_eq!(
            got,
            [
                ("2026-07-20".to_string(), false),
                ("2026-09-01".to_string(), false),
                ("2026-09-30".to_string(), false),
                ("2026-08-15".to_string(), true),
            ],
            "{engine}"
        );

        let responses = s.scorecard_nps_rows(period, None, today, 1, 50).unwrap();
        let scores: Vec<i64> = responses.items.iter().map(|r| r.score).collect();
        assert_eq!(scores, [3, 7, 9, 10], "{engine}");
        assert_eq!(responses.items[0].account_name, "Bravo");
        let smb = s
            .scorecard_nps_rows(period, Some(Segment::Smb), today, 1, 50)
            .unwrap();
        assert_eq!(smb.total, 2);

        // "A customer on a day" means the same in SQL as in core.
        let facts = s.account_facts(today).unwrap();
        for day in [
            "2023-01-01",
            "2024-06-01",
            "2025-01-14",
            "2025-01-15",
            "2026-04-30",
            "2026-05-01",
            TODAY,
        ] {
            let mut core: Vec<i64> = facts
                .iter()
                .filter(|a| a.customer_on(date(day)))
                .map(|a| a.id)
                .collect();
            core.sort();
            let sql = peerstage_store::scorecard::customers_on_sql(s, date(day)).unwrap();
            assert_eq!(sql, core, "{engine} on {day}");
        }
        assert!(facts
            .iter()
            .any(|a| a.id == co.c && a.left_on == Some(date("2026-05-01"))));
    }
}

#[test]
fn cached_figures_follow_changes() {
    for db in TestDb::all() {
        let s = &db.store;
        let co = company(s);
        let today = date(TODAY);
        let before = s.scorecard(q("2026Q3"), None, today).unwrap();
        assert_eq!(before.chosen().touchpoints, 3);
        touch(s, co.b, "2026-09-29");
        let after = s.scorecard(q("2026Q3"), None, today).unwrap();
        assert_eq!(after.chosen().touchpoints, 4, "{}", s.describe());
        assert_eq!(after.chosen().touched_recently, 3);
        // The dashboard too.
        let dash = s.dashboard_data(today).unwrap();
        let sept = dash
            .coverage_months
            .iter()
            .find(|m| m.month == "2026-09")
            .unwrap();
        assert_eq!((sept.customers, sept.touched), (3, 2));
    }
}

#[test]
fn the_dashboard_figures_have_known_answers() {
    for db in TestDb::all() {
        let s = &db.store;
        company(s);
        let today = date(TODAY);
        let engine = s.describe();
        let requested = s
            .create_request(&NewRequest {
                prospect_account_id: None,
                prospect_name: "Prospect Inc".into(),
                deal_value: 1000,
                needed_by: None,
                activity: peerstage_core::advocacy::Opportunity::ReferenceCall,
                criteria: Default::default(),
                notes: None,
            })
            .unwrap();
        assert!(requested.id > 0);
        let d = s.dashboard_data(today).unwrap();
        let months: Vec<&str> = d.coverage_months.iter().map(|m| m.month.as_str()).collect();
        assert_eq!(months.len(), 12);
        assert_eq!((months[0], months[11]), ("2025-12", "2026-11"));
        let find = |m: &str| d.coverage_months.iter().find(|x| x.month == m).unwrap();
        // July: Alpha touched (Charlie had left; Papa is a prospect) of Alpha, Bravo, Delta.
        assert_eq!(
            (find("2026-07").customers, find("2026-07").touched),
            (3, 1),
            "{engine}"
        );
        assert_eq!(
            (find("2026-08").customers, find("2026-08").touched),
            (3, 1),
            "{engine}"
        );
        // May: Charlie left on the 1st; Bravo touched.
        assert_eq!(
            (find("2026-05").customers, find("2026-05").touched),
            (3, 1),
            "{engine}"
        );
        // December 2025: Delta became a customer on the 1st; its November touch does not count.
        assert_eq!(
            (find("2025-12").customers, find("2025-12").touched),
            (4, 0),
            "{engine}"
        );
        assert_eq!(find("2026-07").share, Some(1.0 / 3.0));
        // NPS per month over the 12 months.
        let aug = d.nps_months.iter().find(|g| g.key == "2026-08").unwrap();
        assert_eq!(aug.summary.promoters, 1);
        assert_eq!(d.nps.responses, 5);
        let ent = d
            .revenue_by_segment
            .iter()
            .find(|r| r.segment == Some(Segment::Enterprise))
            .unwrap();
        assert_eq!(
            (ent.customers, ent.revenue, ent.at_risk_revenue),
            (1, 100_000, 100_000)
        );
        let smb = d
            .revenue_by_segment
            .iter()
            .find(|r| r.segment == Some(Segment::Smb))
            .unwrap();
        assert_eq!(
            (smb.customers, smb.revenue, smb.at_risk_revenue),
            (2, 70_000, 0)
        );
        // Today's customers touched in the last 90 days (since 29 August): Alpha.
        assert_eq!((d.customers_today, d.touched_recently), (3, 1), "{engine}");
        // The reference request made today is open, in this month — which is not `today`'s
        // month here, so it is counted only when the real month is among the twelve.
        let real = chrono::Utc::now().date_naive().format("%Y-%m").to_string();
        let total: u64 = d.reference_months.iter().map(|m| m.total()).sum();
        let shown = d.reference_months.iter().any(|m| m.month == real);
        assert_eq!(total, u64::from(shown), "{engine}");
        if let Some(m) = d.reference_months.iter().find(|m| m.month == real) {
            assert_eq!(m.open, 1);
        }
    }
}

#[test]
fn quarterly_reviews_are_saved_and_corrections_remembered() {
    for db in TestDb::all() {
        let s = &db.store;
        let engine = s.describe();
        let input = |agenda: &str, held: &str| {
            AgendaInput::from_fields(&Fields::from_pairs([("agenda", agenda), ("held_on", held)]))
                .unwrap()
                .0
        };
        let q2 = s
            .save_quarterly_review(&input(
                "item,minutes\nSales pipeline,60\nPartner summit,30\n",
                "2026-04-10",
            ))
            .unwrap();
        let q3 = s
            .save_quarterly_review(&input(
                "- Customer retention (45 min)\n- Partner summit (45 min)\n",
                "2026-07-10",
            ))
            .unwrap();
        assert_eq!(q3.title, "Quarterly review Q3 2026");
        let listed: Vec<i64> = s
            .list_quarterly_reviews(10)
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(listed, [q3.id, q2.id], "{engine}: latest meeting first");

        let vocab = s.agenda_vocabulary().unwrap();
        let a = q2.analyze(&vocab).unwrap();
        assert_eq!(a.items[1].classification.class, None, "{engine}");
        assert_eq!(a.verdict, Some(ReviewClass::Sales));

        // "Partner summit" is about customers: remembered, it applies to both reviews.
        let c = Correction::from_fields(&Fields::from_pairs([
            ("item", "Partner summit"),
            ("class", "customer_value"),
        ]))
        .unwrap();
        let saved = s.save_agenda_correction(&c).unwrap();
        assert_eq!(saved.phrase, "partner summit");
        let vocab = s.agenda_vocabulary().unwrap();
        let q2a = s
            .get_quarterly_review(q2.id)
            .unwrap()
            .analyze(&vocab)
            .unwrap();
        assert_eq!(
            q2a.items[1].classification.class,
            Some(ReviewClass::CustomerValue)
        );
        let q3a = q3.analyze(&vocab).unwrap();
        assert_eq!(q3a.minutes.of(ReviewClass::CustomerValue), 90, "{engine}");

        // Correcting the same phrase again changes its class; it stays one entry.
        let c = Correction::from_fields(&Fields::from_pairs([
            ("item", "partner SUMMITS"),
            ("class", "sales"),
        ]))
        .unwrap();
        s.save_agenda_correction(&c).unwrap();
        let all = s.agenda_corrections().unwrap();
        assert_eq!(all.len(), 1, "{engine}");
        assert_eq!(all[0].class, ReviewClass::Sales);

        // A bad agenda is refused with its line.
        let bad = peerstage_core::agenda::AgendaInput {
            title: "x".into(),
            held_on: None,
            format: peerstage_core::agenda::AgendaFormat::Csv,
            agenda: "item,minutes\nA,soon\n".into(),
        };
        match s.save_quarterly_review(&bad) {
            Err(StoreError::Invalid(e)) => assert!(e.get("agenda").unwrap().contains("line 2")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            s.get_quarterly_review(999),
            Err(StoreError::NotFound { .. })
        ));
    }
}
