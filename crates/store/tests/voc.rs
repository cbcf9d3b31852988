//! Search (C3), themes (C4) and customer language (C5) on SQLite and (when
//! `PEERSTAGE_TEST_POSTGRES_URL` is set) PostgreSQL: matching by stem, every filter, highlights,
//! the index following edits and deletes, the SQLite index rebuilt after it was damaged, themes
//! with their figures, stable identities across re-runs, rename/merge/split/pins, the glossary
//! and the demo.

use chrono::NaiveDate;
use peerstage_core::account::AccountData;
use peerstage_core::evidence::{EvidenceData, EvidenceKind, EvidenceSource};
use peerstage_core::search::SearchQuery;
use peerstage_core::themes::Options;
use peerstage_core::Fields;
use peerstage_store::db::Dialect;
use peerstage_store::testing::TestDb;
use peerstage_store::{IndexCheck, Store, StoreError};

fn each(test: impl Fn(&Store, &TestDb)) {
    for db in TestDb::all() {
        test(&db.store, &db);
    }
}

fn account(s: &Store, name: &str, industry: &str, segment: &str, revenue: i64) -> i64 {
    let f = Fields::from_pairs([
        ("name", name.to_string()),
        ("industry", industry.to_string()),
        ("segment", segment.to_string()),
        ("annual_revenue", revenue.to_string()),
    ]);
    s.create_account(&AccountData::from_fields(&f).unwrap())
        .unwrap()
        .id
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn item(s: &Store, account: i64, text: &str, date: &str, kind: EvidenceKind, tags: &[&str]) -> i64 {
    let mut d = EvidenceData::new(text, EvidenceSource::Pasted, day(date));
    d.account_id = Some(account);
    d.kind = kind;
    d.level = 3;
    d.suggested = false;
    d.tags = tags.iter().map(|t| t.to_string()).collect();
    s.create_evidence(&d).unwrap().id
}

fn ids(s: &Store, q: &SearchQuery) -> Vec<i64> {
    let mut v: Vec<i64> = s
        .search(q)
        .unwrap()
        .hits
        .iter()
        .map(|h| h.evidence_id)
        .collect();
    v.sort();
    v
}

fn query(text: &str, f: impl FnOnce(&mut SearchQuery)) -> SearchQuery {
    let mut q = SearchQuery::new(text);
    f(&mut q);
    q
}

#[test]
fn search_matches_words_with_filters_and_highlights() {
    each(|s, _| {
        let hc = account(s, "Alder Health", "Healthcare", "enterprise", 500_000);
        let rt = account(s, "Birch Retail", "Retail", "smb", 80_000);
        let a = item(
            s,
            hc,
            "The offline sync keeps failing for our nurses",
            "2025-01-10",
            EvidenceKind::Problem,
            &["mobile"],
        );
        let b = item(
            s,
            rt,
            "Syncing <b>offline</b> changes is slow",
            "2025-03-02",
            EvidenceKind::Problem,
            &["mobile", "performance"],
        );
        let c = item(
            s,
            rt,
            "Reports are slow on Monday mornings",
            "2025-03-05",
            EvidenceKind::Problem,
            &[],
        );
        let d = item(
            s,
            hc,
            "We love the approval workflow",
            "2024-06-01",
            EvidenceKind::Praise,
            &[],
        );

        // Stems: "sync" finds "syncing"; every word must occur.
        assert_eq!(ids(s, &query("sync", |_| {})), vec![a, b]);
        assert_eq!(ids(s, &query("offline slow", |_| {})), vec![b]);
        assert_eq!(ids(s, &query("slow", |_| {})), vec![b, c]);
        assert!(ids(s, &query("zeppelin", |_| {})).is_empty());
        // Query syntax of the engines is inert.
        assert!(ids(s, &query("\"sync* OR NEAR(", |_| {})).len() <= 2);
        assert!(s.search(&query("  ", |_| {})).unwrap().hits.is_empty());

        // Each filter.
        assert_eq!(ids(s, &query("sync", |q| q.account_id = Some(hc))), vec![a]);
        assert_eq!(
            ids(s, &query("slow", |q| q.industry = Some("Retail".into()))),
            vec![b, c]
        );
        assert_eq!(
            ids(
                s,
                &query("sync", |q| q.segment = Some(peerstage_core::Segment::Smb))
            ),
            vec![b]
        );
        assert_eq!(
            ids(s, &query("slow", |q| q.tag = Some("performance".into()))),
            vec![b]
        );
        assert_eq!(
            ids(s, &query("slow", |q| q.kind = Some(EvidenceKind::Problem))),
            vec![b, c]
        );
        assert!(ids(s, &query("slow", |q| q.kind = Some(EvidenceKind::Praise))).is_empty());
        assert_eq!(ids(s, &query("approval", |q| q.level = Some(3))), vec![d]);
        assert!(ids(s, &query("approval", |q| q.level = Some(4))).is_empty());
        assert_eq!(
            ids(
                s,
                &query("slow", |q| {
                    q.from = Some(day("2025-03-03"));
                    q.to = Some(day("2025-03-31"));
                })
            ),
            vec![c]
        );
        assert_eq!(
            ids(s, &query("slow", |q| q.from = Some(day("2025-03-03")))),
            vec![c]
        );

        // Highlights mark the matched words and keep the rest as plain text.
        let r = s
            .search(&query("offline", |q| q.account_id = Some(rt)))
            .unwrap();
        assert_eq!(r.total, 1);
        assert!(!r.more);
        let hit = &r.hits[0];
        let marked: Vec<&str> = hit
            .fragments
            .iter()
            .filter(|f| f.hit)
            .map(|f| f.text.as_str())
            .collect();
        assert_eq!(marked, vec!["offline"]);
        let joined: String = hit.fragments.iter().map(|f| f.text.as_str()).collect();
        assert_eq!(joined, "Syncing <b>offline</b> changes is slow");
        assert_eq!(hit.account_name.as_deref(), Some("Birch Retail"));
        assert_eq!(hit.tags, vec!["mobile", "performance"]);

        // Relevance: the item that says it twice ranks first.
        let e = item(
            s,
            rt,
            "Sync, sync, sync: the sync never finishes",
            "2024-01-01",
            EvidenceKind::Problem,
            &[],
        );
        assert_eq!(
            s.search(&query("sync", |_| {})).unwrap().hits[0].evidence_id,
            e
        );
    });
}

#[test]
fn the_index_follows_edits_deletes_and_account_changes() {
    each(|s, db| {
        let hc = account(s, "Cedar Clinics", "Healthcare", "enterprise", 1);
        let a = item(
            s,
            hc,
            "Invoices export to Excel badly",
            "2025-02-02",
            EvidenceKind::Wish,
            &["export"],
        );
        let b = item(
            s,
            hc,
            "Dashboards load slowly",
            "2025-02-03",
            EvidenceKind::Problem,
            &[],
        );
        // Edit the text: old words go, new words come.
        let mut d = s.get_evidence(a).unwrap().data;
        d.body = "Invoices print badly".into();
        d.tags = vec!["printing".into()];
        s.update_evidence(a, &d).unwrap();
        assert!(ids(s, &query("excel", |_| {})).is_empty());
        assert_eq!(ids(s, &query("print", |_| {})), vec![a]);
        assert_eq!(
            ids(s, &query("invoices", |q| q.tag = Some("printing".into()))),
            vec![a]
        );
        assert!(ids(s, &query("invoices", |q| q.tag = Some("export".into()))).is_empty());
        // The account's industry changes: the filter follows.
        let mut acc = s.get_account(hc).unwrap().data;
        acc.industry = Some("Manufacturing".into());
        s.update_account(hc, &acc).unwrap();
        assert_eq!(
            ids(
                s,
                &query("dashboards", |q| q.industry = Some("Manufacturing".into()))
            ),
            vec![b]
        );
        assert!(ids(
            s,
            &query("dashboards", |q| q.industry = Some("Healthcare".into()))
        )
        .is_empty());
        // Delete: gone from the results.
        s.delete_evidence(b).unwrap();
        assert!(ids(s, &query("dashboards", |_| {})).is_empty());
        if s.dialect() == Dialect::Sqlite {
            assert_eq!(s.verify_search_index(true).unwrap(), IndexCheck::Consistent);
            // Damage the index behind the store's back (as a crash between writes of a
            // hand-made tool could): the next start notices and rebuilds it.
            let path = db.url.trim_start_matches("sqlite://").to_string();
            let raw = rusqlite::Connection::open(&path).unwrap();
            raw.execute_batch("DELETE FROM evidence_search; DELETE FROM evidence_fts_docsize;")
                .unwrap();
            drop(raw);
            let reopened = Store::open(&db.url).unwrap();
            assert_eq!(
                reopened.verify_search_index(true).unwrap(),
                IndexCheck::Consistent
            );
            assert_eq!(ids(&reopened, &query("print", |_| {})), vec![a]);
        } else {
            assert_eq!(s.verify_search_index(true).unwrap(), IndexCheck::NotNeeded);
        }
        // Deleting the account takes its evidence out of the index too.
        s.delete_account(hc).unwrap();
        assert!(ids(s, &query("invoices", |_| {})).is_empty());
        if s.dialect() == Dialect::Sqlite {
            assert_eq!(s.verify_search_index(true).unwrap(), IndexCheck::Consistent);
        }
    });
}

/// Feedback on three clear topics from several accounts.
fn topics(s: &Store) -> (i64, i64) {
    let hc = account(s, "Dogwood Health", "Healthcare", "enterprise", 300_000);
    let rt = account(s, "Elm Stores", "Retail", "smb", 50_000);
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
    for i in 0..45 {
        let acc = if i % 2 == 0 { hc } else { rt };
        let kind = if i % 9 >= 6 {
            EvidenceKind::ExistentialThreat
        } else {
            EvidenceKind::Problem
        };
        let tags: &[&str] = if i % 9 < 3 { &["mobile"] } else { &[] };
        let date = format!("2025-{:02}-{:02}", 1 + i % 6, 1 + i % 27);
        item(s, acc, lines[i % 9], &date, kind, tags);
    }
    (hc, rt)
}

fn opts(k: usize) -> Options {
    Options {
        k: Some(k),
        threads: 2,
        ..Options::default()
    }
}

#[test]
fn themes_are_found_described_and_stay_stable() {
    each(|s, _| {
        let (hc, _) = topics(s);
        let today = day("2025-06-30");
        let mut stages = Vec::new();
        let run = s
            .refresh_themes(&opts(3), &mut |m| stages.push(m.to_string()))
            .unwrap();
        assert_eq!(
            (run.items, run.themes, run.created, run.kept),
            (45, 3, 3, 0)
        );
        assert!(stages.iter().any(|m| m.contains("grouping")), "{stages:?}");
        let themes = s.list_themes(today).unwrap();
        assert_eq!(themes.len(), 3);
        for t in &themes {
            assert_eq!(t.volume, 15, "{}", t.label);
            assert_eq!(t.accounts, 2);
            assert_eq!(t.revenue, 350_000);
            assert_eq!(t.months.len(), 12);
            assert_eq!(t.months.iter().map(|m| m.items).sum::<u64>(), 15);
            assert_eq!(t.quotes.len(), 3);
            assert!(!t.phrases.is_empty());
        }
        let offline = themes
            .iter()
            .find(|t| t.label.to_lowercase().contains("offline"))
            .expect("an offline theme");
        let price = themes
            .iter()
            .find(|t| {
                t.label.to_lowercase().contains("price")
                    || t.label.to_lowercase().contains("renewal")
            })
            .expect("a price theme");
        assert!(price.sentiment < 0.0);
        // The search filter by theme.
        assert_eq!(
            s.search(&query("mode", |q| q.theme_id = Some(offline.id)))
                .unwrap()
                .total,
            15
        );
        // Industry themes for briefing packs.
        let brief = s.industry_themes("healthcare", 5).unwrap();
        assert_eq!(brief.len(), 3);
        assert!(brief.iter().all(|b| b.volume > 0 && b.quote.is_some()));
        assert!(s.industry_themes("Aerospace", 5).unwrap().is_empty());

        // A named theme keeps its id and name when re-run on more evidence.
        s.rename_theme(offline.id, "Field app offline").unwrap();
        for i in 0..6 {
            item(
                s,
                hc,
                "Offline mode loses work in the basement",
                &format!("2025-06-{:02}", 10 + i),
                EvidenceKind::Problem,
                &[],
            );
        }
        let run = s.refresh_themes(&opts(3), &mut |_| {}).unwrap();
        assert_eq!(
            (run.themes, run.kept, run.created, run.removed),
            (3, 3, 0, 0)
        );
        let t = s.get_theme(offline.id, today).unwrap();
        assert_eq!(t.label, "Field app offline");
        assert!(t.named);
        assert_eq!(t.volume, 21);
        assert_eq!(s.get_theme(price.id, today).unwrap().id, price.id);

        // Split: items mentioning "sync" move to a new, pinned theme that survives re-runs.
        let split = s
            .split_theme(offline.id, "sync", "Sync after offline")
            .unwrap();
        let st = s.get_theme(split, today).unwrap();
        assert_eq!((st.volume, st.pinned), (10, 10));
        assert_eq!(s.get_theme(offline.id, today).unwrap().volume, 11);
        s.refresh_themes(&opts(3), &mut |_| {}).unwrap();
        assert_eq!(s.get_theme(split, today).unwrap().volume, 10);
        assert_eq!(
            s.get_theme(offline.id, today).unwrap().label,
            "Field app offline"
        );
        // Bad splits say why.
        match s.split_theme(offline.id, "zeppelin", "X") {
            Err(StoreError::Invalid(e)) => assert_eq!(e.0[0].field, "words"),
            other => panic!("{other:?}"),
        }
        match s.split_theme(offline.id, "sync", " ") {
            Err(StoreError::Invalid(e)) => assert_eq!(e.0[0].field, "label"),
            other => panic!("{other:?}"),
        }

        // Pin a tag: every "mobile" item belongs to the price theme, even after a re-run.
        let n = s.pin_theme_tag(price.id, "Mobile").unwrap();
        assert_eq!(n, 15);
        s.refresh_themes(&opts(3), &mut |_| {}).unwrap();
        let p = s.get_theme(price.id, today).unwrap();
        assert_eq!(p.tags, vec!["mobile"]);
        assert!(p.volume >= 15 + 15 - 5, "{}", p.volume);
        assert!(matches!(
            s.pin_theme_tag(offline.id, "mobile"),
            Err(StoreError::Conflict { .. })
        ));
        s.unpin_theme_tag(price.id, "mobile").unwrap();

        // Merge: one theme left with both volumes, under the kept name.
        let before = s.list_themes(today).unwrap().len();
        let total: u64 = s.list_themes(today).unwrap().iter().map(|t| t.volume).sum();
        s.merge_themes(offline.id, split).unwrap();
        let after = s.list_themes(today).unwrap();
        assert_eq!(after.len(), before - 1);
        assert_eq!(after.iter().map(|t| t.volume).sum::<u64>(), total);
        assert!(matches!(
            s.get_theme(split, today),
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            s.merge_themes(offline.id, offline.id),
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            s.rename_theme(99_999, "x"),
            Err(StoreError::NotFound { .. })
        ));

        // Members, accounts, audit.
        let m = s.theme_members(offline.id, 1, 4).unwrap();
        assert_eq!(m.items.len(), 4);
        assert!(m.total >= 6, "{}", m.total);
        assert!(m
            .items
            .iter()
            .all(|i| i.text.to_lowercase().contains("offline")));
        let acc = s.theme_accounts(offline.id).unwrap();
        assert_eq!(acc[0].name, "Dogwood Health");
        // Every membership change above kept the search index (theme is a filter) exact.
        assert_eq!(
            s.search(&query("offline", |q| q.theme_id = Some(offline.id)))
                .unwrap()
                .total,
            s.theme_members(offline.id, 1, 200)
                .unwrap()
                .items
                .iter()
                .filter(|m| m.text.to_lowercase().contains("offline"))
                .count() as u64
        );
        if s.dialect() == Dialect::Sqlite {
            assert_eq!(s.verify_search_index(true).unwrap(), IndexCheck::Consistent);
        }
    });
}

#[test]
fn glossary_and_customer_language() {
    each(|s, _| {
        topics(s);
        let g = s
            .add_glossary_term("Offline-first", "marketing", "Beacon Mobile tagline")
            .unwrap();
        s.add_glossary_term("actionable insights", "marketing", "")
            .unwrap();
        match s.add_glossary_term("offline-FIRST", "marketing", "") {
            Err(StoreError::Conflict { field, .. }) => assert_eq!(field, "term"),
            other => panic!("{other:?}"),
        }
        // Its creation is audited with what was added.
        let added = s
            .list_audit(&peerstage_store::AuditFilter {
                entity: Some("glossary".into()),
                page: 1,
                per_page: 10,
                ..Default::default()
            })
            .unwrap();
        assert!(added.items.iter().any(|e| e
            .after
            .as_ref()
            .is_some_and(|a| a["term"] == "actionable insights")));
        // Spaces do not make another term.
        match s.add_glossary_term("  Actionable \t  insights ", "marketing", "") {
            Err(StoreError::Conflict { field, .. }) => assert_eq!(field, "term"),
            other => panic!("{other:?}"),
        }
        match s.add_glossary_term(" ", "slogan", "") {
            Err(StoreError::Invalid(e)) => {
                let f: Vec<&str> = e.0.iter().map(|x| x.field.as_str()).collect();
                assert_eq!(f, vec!["term", "category"]);
            }
            other => panic!("{other:?}"),
        }
        let r = s.customer_language(10_000, 20).unwrap();
        assert_eq!(r.texts, 45);
        assert!(r
            .customer_phrases
            .iter()
            .any(|p| p.phrase == "offline mode" && p.ours));
        assert!(r.theirs_not_ours.iter().any(|p| p.phrase.contains("price")));
        let never: Vec<&str> = r.ours_not_theirs.iter().map(|t| t.term.as_str()).collect();
        assert_eq!(never, vec!["actionable insights", "Offline-first"]);
        s.delete_glossary_term(g.id).unwrap();
        assert_eq!(s.list_glossary().unwrap().len(), 1);
        assert!(matches!(
            s.delete_glossary_term(g.id),
            Err(StoreError::NotFound { .. })
        ));
    });
}

#[test]
fn demo_feedback_makes_meaningful_themes() {
    each(|s, _| {
        for i in 0..12 {
            account(
                s,
                &format!("Demo {i}"),
                if i % 2 == 0 { "Healthcare" } else { "Retail" },
                "enterprise",
                10_000,
            );
        }
        let today = day("2025-06-30");
        let c = s.seed_voc(7, today, 900).unwrap();
        assert_eq!(c.evidence, 900);
        assert!(c.glossary >= 10);
        assert!(c.themes >= 6, "{}", c.themes);
        let themes = s.list_themes(today).unwrap();
        let labels: Vec<String> = themes.iter().map(|t| t.label.to_lowercase()).collect();
        assert!(
            labels
                .iter()
                .any(|l| l.contains("offline") || l.contains("sync")),
            "{labels:?}"
        );
        assert!(labels.iter().any(|l| l.contains("report")), "{labels:?}");
        // Seeding again adds nothing.
        assert_eq!(s.seed_voc(7, today, 900).unwrap().evidence, 0);
        let lang = s.customer_language(10_000, 30).unwrap();
        assert!(lang
            .ours_not_theirs
            .iter()
            .any(|t| t.term == "single pane of glass"));
        assert!(!lang.theirs_not_ours.is_empty());
    });
}

#[test]
fn a_theme_merged_away_never_lends_its_id_to_a_new_one() {
    each(|s, _| {
        let keep = s.create_theme("Billing").unwrap();
        let gone = s.create_theme("Invoices").unwrap();
        s.merge_themes(keep, gone).unwrap();
        // SQLite would pick max(id) + 1 = `gone` again; a merge sent twice would then merge
        // the new theme, and links kept to `gone` would name it.
        let fresh = s.create_theme("Onboarding").unwrap();
        assert!(fresh > gone, "{fresh} after {gone}");
        assert!(
            s.merge_themes(keep, gone).is_err(),
            "the second merge finds nothing"
        );
        assert!(s.create_theme("Renewals").unwrap() > fresh);
    });
}
