//! Every store operation, on SQLite and (when configured) PostgreSQL.

use chrono::NaiveDate;
use peerstage_core::account::{AccountData, AccountQuery, AccountSort};
use peerstage_core::commitment::CommitmentData;
use peerstage_core::contact::ContactData;
use peerstage_core::import::{read_csv, ImportKind, ImportOptions};
use peerstage_core::nps::NpsData;
use peerstage_core::touchpoint::TouchpointData;
use peerstage_core::{Fields, Segment};
use peerstage_store::testing::{hold_database, TestDb};
use peerstage_store::{export_csv, OpenOptions, Store, StoreError};

fn account(name: &str, extra: &[(&str, &str)]) -> AccountData {
    let mut f = Fields::from_pairs([("name", name)]);
    for (k, v) in extra {
        f.push(*k, *v);
    }
    AccountData::from_fields(&f).unwrap()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn each(test: impl Fn(&Store)) {
    for db in TestDb::all() {
        test(&db.store);
    }
}

#[test]
fn account_crud_round_trips_every_field() {
    each(|s| {
        let d = account(
            "Northwind",
            &[
                ("external_id", "A-1"),
                ("industry", "Logistics"),
                ("region", "emea"),
                ("employees", "1200"),
                ("segment", "mid_market"),
                ("products", "Beacon; Workflow"),
                ("annual_revenue", "100000"),
                ("cost_to_serve", "30000"),
                ("discount", "5000"),
                ("customer_since", "2021-05-01"),
                ("renewal_date", "2026-05-01"),
                ("at_risk", "yes"),
                ("at_risk_reason", "champion left"),
            ],
        );
        let a = s.create_account(&d).unwrap();
        assert_eq!(a.data, d);
        assert_eq!(a.margin, 65_000);
        let got = s.get_account(a.id).unwrap();
        assert_eq!(got.data, d);
        let mut d2 = d.clone();
        d2.name = "Northwind Logistics".into();
        d2.at_risk = false;
        d2.at_risk_reason = None;
        let upd = s.update_account(a.id, &d2).unwrap();
        assert_eq!(upd.data.name, "Northwind Logistics");
        assert!(upd.updated_at >= a.updated_at);
        s.delete_account(a.id).unwrap();
        assert!(matches!(
            s.get_account(a.id),
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            s.delete_account(a.id),
            Err(StoreError::NotFound { .. })
        ));
    });
}

#[test]
fn duplicate_external_id_is_a_conflict_on_that_field() {
    each(|s| {
        s.create_account(&account("A", &[("external_id", "X")]))
            .unwrap();
        match s.create_account(&account("B", &[("external_id", "X")])) {
            Err(StoreError::Conflict { field, .. }) => assert_eq!(field, "external_id"),
            other => panic!("expected conflict, got {other:?}"),
        }
    });
}

#[test]
fn accounts_filter_sort_search_and_page() {
    each(|s| {
        for (i, (name, ind, seg, rev, cost)) in [
            ("Alpha Health", "Healthcare", "enterprise", "500", "100"),
            ("beta retail", "Retail", "smb", "100", "300"),
            ("Gamma Health", "Healthcare", "smb", "300", "0"),
            ("Delta 100%_Co", "Energy", "mid_market", "50", "0"),
        ]
        .iter()
        .enumerate()
        {
            s.create_account(&account(
                name,
                &[
                    ("industry", ind),
                    ("segment", seg),
                    ("annual_revenue", rev),
                    ("cost_to_serve", cost),
                    ("external_id", &format!("e{i}")),
                ],
            ))
            .unwrap();
        }
        let q = |f: &[(&str, &str)]| {
            AccountQuery::from_fields(&Fields::from_pairs(f.iter().copied())).unwrap()
        };
        let names = |p: peerstage_core::Page<peerstage_core::Account>| {
            p.items.into_iter().map(|a| a.data.name).collect::<Vec<_>>()
        };
        assert_eq!(
            names(s.list_accounts(&q(&[("q", "HEALTH")])).unwrap()),
            vec!["Alpha Health", "Gamma Health"]
        );
        assert_eq!(
            names(s.list_accounts(&q(&[("q", "100%_")])).unwrap()),
            vec!["Delta 100%_Co"]
        );
        assert_eq!(
            names(s.list_accounts(&q(&[("q", "%")])).unwrap()),
            vec!["Delta 100%_Co"]
        );
        assert_eq!(
            names(
                s.list_accounts(&q(&[("industry", "Healthcare"), ("segment", "smb")]))
                    .unwrap()
            ),
            vec!["Gamma Health"]
        );
        assert_eq!(
            names(s.list_accounts(&q(&[("unprofitable", "yes")])).unwrap()),
            vec!["beta retail"]
        );
        assert_eq!(
            names(
                s.list_accounts(&q(&[("sort", "revenue"), ("dir", "desc")]))
                    .unwrap()
            ),
            vec![
                "Alpha Health",
                "Gamma Health",
                "beta retail",
                "Delta 100%_Co"
            ]
        );
        let page2 = s
            .list_accounts(&q(&[("sort", "name"), ("per_page", "3"), ("page", "2")]))
            .unwrap();
        assert_eq!(page2.total, 4);
        assert_eq!(page2.pages(), 2);
        assert_eq!(names(page2), vec!["Gamma Health"]);
        let mut by_margin = AccountQuery {
            sort: AccountSort::Margin,
            ..Default::default()
        };
        by_margin.per_page = 1;
        assert_eq!(
            names(s.list_accounts(&by_margin).unwrap()),
            vec!["beta retail"]
        );
        assert_eq!(
            s.industries().unwrap(),
            vec!["Energy", "Healthcare", "Retail"]
        );
        let v = s.value_summary().unwrap();
        assert_eq!(
            (
                v.accounts,
                v.revenue,
                v.margin,
                v.unprofitable_accounts,
                v.unprofitable_loss
            ),
            (4, 950, 550, 1, -200)
        );
        assert_eq!(v.unprofitable_customers, 1);
        // A former customer losing money counts among the unprofitable accounts, not among
        // the customers the dashboard shows.
        s.create_account(&account(
            "Epsilon Former",
            &[
                ("lifecycle", "former"),
                ("annual_revenue", "10"),
                ("cost_to_serve", "60"),
            ],
        ))
        .unwrap();
        let v = s.value_summary().unwrap();
        assert_eq!((v.unprofitable_accounts, v.unprofitable_customers), (2, 1));
    });
}

#[test]
fn searches_fold_every_letter_and_ignore_control_characters() {
    each(|s| {
        let mut ids = Vec::new();
        for name in ["Ölwerk AG", "Émile SA", "ÄLPHA GmbH", "Zeta"] {
            ids.push(s.create_account(&account(name, &[])).unwrap().id);
        }
        let q = |text: &str| AccountQuery::from_fields(&Fields::from_pairs([("q", text)])).unwrap();
        for (typed, found) in [
            ("Ölwerk", "Ölwerk AG"),
            ("ölWERK", "Ölwerk AG"),
            ("émile", "Émile SA"),
            ("ÉMILE", "Émile SA"),
            ("älpha", "ÄLPHA GmbH"),
        ] {
            let names: Vec<String> = s
                .list_accounts(&q(typed))
                .unwrap()
                .items
                .into_iter()
                .map(|a| a.data.name)
                .collect();
            assert_eq!(names, vec![found], "searching for {typed}");
        }
        let mut ada = peerstage_core::contact::ContactData::from_fields(
            ids[0],
            &Fields::from_pairs([("name", "Ümit Özdemir"), ("email", "UMIT@example.com")]),
        )
        .unwrap();
        s.create_contact(&ada).unwrap();
        ada.name = "Zoë".into();
        ada.email = None;
        s.create_contact(&ada).unwrap();
        for typed in ["Ümit", "ümit", "ÖZDEMIR", "umit@"] {
            let found = s.search_contacts(Some(typed), 1, 50).unwrap();
            assert_eq!(found.total, 1, "searching contacts for {typed}");
            assert_eq!(found.items[0].data.name, "Ümit Özdemir");
        }
        // A NUL or another control character typed (or pasted) into a search is dropped:
        // PostgreSQL refuses NUL in text, which once made the contacts search fail.
        for typed in ["\u{0}", "Zo\u{0}ë", "\u{1b}zoë\t"] {
            let found = s.search_contacts(Some(typed), 1, 50).unwrap();
            let want = if typed == "\u{0}" { 2 } else { 1 };
            assert_eq!(found.total, want, "searching contacts for {typed:?}");
        }
        assert_eq!(s.list_accounts(&q("Zeta\u{0}")).unwrap().total, 1);
    });
}

#[test]
fn contacts_touchpoints_commitments_and_nps_belong_to_their_account() {
    each(|s| {
        let a = s
            .create_account(&account("Acme", &[("segment", "enterprise")]))
            .unwrap();
        let other = s.create_account(&account("Other", &[])).unwrap();
        let c = s
            .create_contact(
                &ContactData::from_fields(
                    a.id,
                    &Fields::from_pairs([
                        ("name", "Ada"),
                        ("reference_consent", "yes"),
                        ("topics", "sso; analytics"),
                    ]),
                )
                .unwrap(),
            )
            .unwrap();
        assert_eq!(c.account_name, "Acme");
        assert_eq!(c.data.topics, vec!["sso", "analytics"]);
        let stranger = s
            .create_contact(
                &ContactData::from_fields(other.id, &Fields::from_pairs([("name", "Bob")]))
                    .unwrap(),
            )
            .unwrap();
        let missing =
            ContactData::from_fields(999_999, &Fields::from_pairs([("name", "X")])).unwrap();
        assert!(matches!(
            s.create_contact(&missing),
            Err(StoreError::NotFound {
                what: "account",
                ..
            })
        ));

        let tp = TouchpointData::from_fields(
            a.id,
            &Fields::from_pairs([
                ("kind", "call"),
                ("occurred_on", "2025-01-10"),
                ("contact_ids", &*c.id.to_string()),
                ("notes", "Asked about SSO"),
            ]),
        )
        .unwrap();
        let t = s.create_touchpoint(&tp).unwrap();
        assert_eq!(t.contact_names, vec!["Ada"]);
        let bad = TouchpointData::from_fields(
            a.id,
            &Fields::from_pairs([
                ("kind", "call"),
                ("occurred_on", "2025-01-10"),
                ("contact_ids", &*stranger.id.to_string()),
            ]),
        )
        .unwrap();
        assert!(matches!(
            s.create_touchpoint(&bad),
            Err(StoreError::Invalid(_))
        ));
        let mut tp2 = tp.clone();
        tp2.contact_ids.clear();
        tp2.notes = Some("changed".into());
        let t2 = s.update_touchpoint(t.id, &tp2).unwrap();
        assert!(t2.contact_ids_empty());
        assert_eq!(s.list_touchpoints(a.id, 1, 10).unwrap().total, 1);

        let cm = CommitmentData::from_fields(
            a.id,
            &Fields::from_pairs([("description", "SSO"), ("due_on", "2025-02-01")]),
        )
        .unwrap();
        let m = s.create_commitment(&cm).unwrap();
        let mut kept = cm.clone();
        kept.status = peerstage_core::CommitmentStatus::Kept;
        kept.closed_on = Some(date("2025-01-30"));
        assert!(s
            .update_commitment(m.id, &kept)
            .unwrap()
            .data
            .kept_on_time());
        assert_eq!(s.list_commitments(a.id).unwrap().len(), 1);

        for (score, day) in [
            (10, "2025-01-05"),
            (9, "2025-01-06"),
            (3, "2025-02-01"),
            (8, "2025-02-02"),
        ] {
            s.create_nps(
                &NpsData::from_fields(
                    a.id,
                    &Fields::from_pairs([("score", &*score.to_string()), ("responded_on", day)]),
                )
                .unwrap(),
            )
            .unwrap();
        }
        let foreign = NpsData::from_fields(
            a.id,
            &Fields::from_pairs([
                ("score", "5"),
                ("responded_on", "2025-01-01"),
                ("contact_id", &*stranger.id.to_string()),
            ]),
        )
        .unwrap();
        assert!(matches!(
            s.create_nps(&foreign),
            Err(StoreError::Invalid(_))
        ));
        s.create_nps(
            &NpsData::from_fields(
                other.id,
                &Fields::from_pairs([("score", "0"), ("responded_on", "2025-02-10")]),
            )
            .unwrap(),
        )
        .unwrap();
        let all = s.nps_summary(None, None).unwrap();
        assert_eq!((all.promoters, all.passives, all.detractors), (2, 1, 2));
        assert_eq!(all.nps, Some(0.0));
        let ent = s
            .nps_summary(Some(Segment::Enterprise.as_str()), None)
            .unwrap();
        assert_eq!(ent.nps, Some(25.0));
        let segs = s.nps_by_segment().unwrap();
        assert_eq!(
            segs.iter().map(|g| g.key.as_str()).collect::<Vec<_>>(),
            vec!["enterprise", "unknown"]
        );
        let months = s.nps_by_month(date("2025-03-15"), 3, None).unwrap();
        assert_eq!(
            months.iter().map(|g| g.key.as_str()).collect::<Vec<_>>(),
            vec!["2025-01", "2025-02", "2025-03"]
        );
        assert_eq!(months[0].summary.nps, Some(100.0));
        assert_eq!(months[1].summary.responses, 3);
        assert_eq!(months[2].summary.nps, None);

        s.delete_account(a.id).unwrap();
        assert!(matches!(
            s.get_contact(c.id),
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            s.get_touchpoint(t.id),
            Err(StoreError::NotFound { .. })
        ));
        assert_eq!(s.counts().unwrap().nps_responses, 1);
    });
}

trait TouchpointExt {
    fn contact_ids_empty(&self) -> bool;
}
impl TouchpointExt for peerstage_core::Touchpoint {
    fn contact_ids_empty(&self) -> bool {
        self.data.contact_ids.is_empty() && self.contact_names.is_empty()
    }
}

/// Reads `csv` as `kind` against what `s` holds, without writing.
fn parse(s: &Store, kind: ImportKind, csv: &str) -> peerstage_core::import::ParsedFile {
    let options = ImportOptions {
        kind,
        preset: None,
        overrides: vec![],
    };
    read_csv(csv.as_bytes(), &options, &s.lookups(kind).unwrap(), |_| {}).unwrap()
}

fn import(s: &Store, kind: ImportKind, csv: &str) -> peerstage_store::ImportCounts {
    let parsed = parse(s, kind, csv);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let records: Vec<_> = parsed.records.into_iter().map(|(_, r)| r).collect();
    s.import_records(kind, &records).unwrap()
}

const ACCOUNTS_CSV: &str = "external_id,name,industry,annual_revenue,at_risk,at_risk_reason\nA1,Acme,Retail,1000,no,\nA2,Bolt,Energy,2000,yes,late invoices\n";
const CONTACTS_CSV: &str = "external_id,account_external_id,name,email\nC1,A1,Ada,ada@acme.example\nC2,A2,Bo,bo@bolt.example\n";
const TOUCHPOINTS_CSV: &str = "external_id,account_external_id,kind,occurred_on,contact_external_ids,notes\nT1,A1,call,2025-01-01,C1,\"Said \"\"great\"\", wants SSO\"\nT2,A2,meeting,2025-01-02,,\n";

#[test]
fn identical_rows_without_external_ids_are_separate_records_and_reimport_unchanged() {
    each(|s| {
        import(s, ImportKind::Accounts, ACCOUNTS_CSV);
        // Two anonymous answers alike, and two calls logged alike: real, separate records.
        let nps = "account_external_id,score,comment,responded_on\n\
                   A1,10,,2024-04-01\nA1,10,,2024-04-01\nA1,10,,2024-04-01\nA2,3,Slow,2024-04-02\n";
        let first = import(s, ImportKind::Nps, nps);
        assert_eq!((first.inserted, first.updated, first.unchanged), (4, 0, 0));
        let again = import(s, ImportKind::Nps, nps);
        assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 4));
        assert_eq!(s.counts().unwrap().nps_responses, 4);
        let tps = "account_external_id,kind,occurred_on\nA1,call,2025-01-01\nA1,call,2025-01-01\n";
        assert_eq!(import(s, ImportKind::Touchpoints, tps).inserted, 2);
        assert_eq!(import(s, ImportKind::Touchpoints, tps).unchanged, 2);
    });
}

#[test]
fn a_contact_named_in_its_accounts_history_cannot_move_to_another_account_by_import() {
    each(|s| {
        import(s, ImportKind::Accounts, ACCOUNTS_CSV);
        import(s, ImportKind::Contacts, CONTACTS_CSV);
        import(s, ImportKind::Touchpoints, TOUCHPOINTS_CSV); // T1 names C1 at A1
        let moved = "external_id,account_external_id,name,email\nC1,A2,Ada,ada@acme.example\nC2,A1,Bo,bo@bolt.example\n";
        let kind = ImportKind::Contacts;
        let parsed = parse(s, kind, moved);
        let errors: Vec<_> = parsed
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_str(), e.reason.as_str()))
            .collect();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!((errors[0].0, errors[0].1), (2, "account_external_id"));
        assert!(errors[0]
            .2
            .contains("'C1' already belongs to another account"));
        // Bo is named nowhere yet: moving them is fine.
        assert_eq!(parsed.records.len(), 1);
        let records: Vec<_> = parsed.records.into_iter().map(|(_, r)| r).collect();
        assert_eq!(s.import_records(kind, &records).unwrap().updated, 1);

        // A recording names Bo at A1 now: Bo stays there too.
        let bo = s.search_contacts(Some("Bo"), 1, 5).unwrap().items[0].clone();
        let recording = peerstage_core::media::MediaData::from_fields(
            &Fields::from_pairs([
                ("title", "Bo on the rollout"),
                ("kind", "video"),
                ("link", "https://videos.example/bo.mp4"),
                ("contact_id", &bo.id.to_string()),
            ]),
            None,
        )
        .unwrap();
        s.create_media(&recording, None).unwrap();
        let back = "external_id,account_external_id,name,email\nC2,A2,Bo,bo@bolt.example\n";
        let parsed = parse(s, kind, back);
        assert_eq!(parsed.errors.len(), 1, "{:?}", parsed.errors);
        assert!(parsed.errors[0]
            .reason
            .contains("stories or recordings name them"));
        // What is stored still exports and imports back.
        let mut out = Vec::new();
        export_csv(s, ImportKind::Touchpoints, &mut out).unwrap();
        import(
            s,
            ImportKind::Touchpoints,
            std::str::from_utf8(&out).unwrap(),
        );
    });
}

#[test]
fn reimporting_the_same_files_changes_nothing() {
    each(|s| {
        let first = import(s, ImportKind::Accounts, ACCOUNTS_CSV);
        assert_eq!((first.inserted, first.updated, first.unchanged), (2, 0, 0));
        import(s, ImportKind::Contacts, CONTACTS_CSV);
        let tp = import(s, ImportKind::Touchpoints, TOUCHPOINTS_CSV);
        assert_eq!(tp.inserted, 2);
        let before: Vec<_> = s.list_accounts(&AccountQuery::default()).unwrap().items;
        let mut export_before = Vec::new();
        export_csv(s, ImportKind::Touchpoints, &mut export_before).unwrap();

        let again = import(s, ImportKind::Accounts, ACCOUNTS_CSV);
        assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 2));
        let tp_again = import(s, ImportKind::Touchpoints, TOUCHPOINTS_CSV);
        assert_eq!(
            (tp_again.inserted, tp_again.updated, tp_again.unchanged),
            (0, 0, 2)
        );
        let after: Vec<_> = s.list_accounts(&AccountQuery::default()).unwrap().items;
        assert_eq!(before, after, "updated_at and every field unchanged");
        let mut export_after = Vec::new();
        export_csv(s, ImportKind::Touchpoints, &mut export_after).unwrap();
        assert_eq!(export_before, export_after);

        let changed = import(
            s,
            ImportKind::Accounts,
            "external_id,name,industry,annual_revenue\nA1,Acme,Retail,1500\n",
        );
        assert_eq!((changed.inserted, changed.updated), (0, 1));
        assert_eq!(s.counts().unwrap().accounts, 2);
    });
}

#[test]
fn export_imports_back_identically() {
    each(|s| {
        import(s, ImportKind::Accounts, ACCOUNTS_CSV);
        import(s, ImportKind::Contacts, CONTACTS_CSV);
        import(s, ImportKind::Touchpoints, TOUCHPOINTS_CSV);
        import(s, ImportKind::Commitments, "account_external_id,description,due_on,status,closed_on\nA1,Ship SSO,2025-03-01,kept,2025-02-20\n");
        import(s, ImportKind::Nps, "account_external_id,contact_external_id,score,comment,responded_on\nA1,C1,9,Love it,2025-01-03\n");
        s.create_third_party(&peerstage_core::journey::ThirdPartyData {
            name: "PeerGrid".into(),
            kind: peerstage_core::journey::ThirdPartyKind::ReviewSite,
            url: None,
        })
        .unwrap();
        import(s, ImportKind::Reviews, "contact_external_id,third_party,reviewed_on,rating,title\nC1,PeerGrid,2025-01-04,5,\"Fast, friendly\"\n");
        import(s, ImportKind::Sources, "account_external_id,source,responded_on\nA1,PeerGrid,2025-01-05\nA1,event,2025-01-05\n");
        // The note, the comment and the review title become evidence (C1).
        assert_eq!(s.sync_evidence().unwrap().added, 3);
        for kind in ImportKind::ALL {
            let mut out = Vec::new();
            export_csv(s, *kind, &mut out).unwrap();
            let text = String::from_utf8(out).unwrap();
            let counts = import(s, *kind, &text);
            assert_eq!((counts.inserted, counts.updated), (0, 0), "{kind}: {text}");
            assert!(counts.unchanged >= 1, "{kind}");
        }
        let mut out = Vec::new();
        export_csv(s, ImportKind::Touchpoints, &mut out).unwrap();
        assert!(String::from_utf8(out)
            .unwrap()
            .contains("T1,A1,call,2025-01-01,,C1,\"Said \"\"great\"\", wants SSO\""));
    });
}

#[test]
fn sqlite_backup_is_a_consistent_copy() {
    let db = TestDb::sqlite();
    db.store.create_account(&account("Copied", &[])).unwrap();
    let target = std::env::temp_dir().join(format!("peerstage-backup-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&target);
    db.store.backup(&target).unwrap();
    assert!(
        matches!(db.store.backup(&target), Err(StoreError::Conflict { .. })),
        "never overwrites"
    );
    let copy = Store::open(&format!("sqlite://{}", target.display())).unwrap();
    assert_eq!(copy.counts().unwrap().accounts, 1);
    drop(copy);
    let _ = std::fs::remove_file(&target);
}

#[test]
fn migrations_are_idempotent() {
    each(|s| {
        s.create_account(&account("Kept", &[])).unwrap();
        let _ = s;
    });
    let db = TestDb::sqlite();
    db.store.create_account(&account("Kept", &[])).unwrap();
    let reopened = Store::open(&db.url).unwrap();
    assert_eq!(reopened.counts().unwrap().accounts, 1);
    if let Some(pg) = TestDb::postgres() {
        pg.store.create_account(&account("Kept", &[])).unwrap();
        let reopened = Store::open(&pg.url).unwrap();
        assert_eq!(reopened.counts().unwrap().accounts, 1);
    }
}

/// External ids compare byte by byte on both engines (SQLite's BINARY; "C" on PostgreSQL),
/// which also keeps their unique indexes cheap to build and probe. A table added later with
/// an `external_id` column in the database's default collation fails this.
#[test]
fn external_ids_compare_bytewise_on_postgresql() {
    let Some(pg) = TestDb::postgres() else {
        return;
    };
    let mut client = postgres::Client::connect(&pg.url, postgres::NoTls).unwrap();
    let columns: Vec<(String, Option<String>)> = client
        .query(
            "SELECT table_name::text, collation_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND column_name = 'external_id' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert!(columns.len() >= 8, "{columns:?}");
    for (table, collation) in &columns {
        assert_eq!(collation.as_deref(), Some("C"), "{table}.external_id");
    }
    // Upserts still find their unique index, and ids differing only in case stay apart.
    for id in ["acc-a", "ACC-A", "acc-a"] {
        import(
            &pg.store,
            ImportKind::Accounts,
            &format!("external_id,name\n{id},Named {id}\n"),
        );
    }
    assert_eq!(pg.store.counts().unwrap().accounts, 2);
}

#[test]
fn nps_report_is_cached_until_the_data_changes() {
    each(|s| {
        let a = s
            .create_account(&account("Cached", &[("segment", "smb")]))
            .unwrap();
        let add = |score: &str| {
            s.create_nps(
                &NpsData::from_fields(
                    a.id,
                    &Fields::from_pairs([("score", score), ("responded_on", "2025-03-01")]),
                )
                .unwrap(),
            )
            .unwrap();
        };
        add("10");
        let first = s.nps_report(None, 3, date("2025-03-15")).unwrap();
        assert_eq!(first.overall.nps, Some(100.0));
        let again = s.nps_report(None, 3, date("2025-03-15")).unwrap();
        assert!(
            std::sync::Arc::ptr_eq(&first, &again),
            "served from the cache"
        );
        add("0");
        let changed = s.nps_report(None, 3, date("2025-03-15")).unwrap();
        assert_eq!(
            changed.overall.nps,
            Some(0.0),
            "a new response invalidates the cache"
        );
        assert_eq!(changed.by_month.last().unwrap().summary.responses, 2);
        assert_eq!(
            s.nps_report(Some("enterprise"), 3, date("2025-03-15"))
                .unwrap()
                .overall
                .responses,
            0
        );
    });
}

/// A new SQLite file gets 8 KiB pages (faster bulk imports); WAL as before.
#[test]
fn a_new_sqlite_database_uses_8_kib_pages_and_wal() {
    let db = TestDb::sqlite();
    let conn = rusqlite::Connection::open(db.url.trim_start_matches("sqlite://")).unwrap();
    let page: i64 = conn
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .unwrap();
    let journal: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!((page, journal.as_str()), (8192, "wal"));
}

/// A load into an empty table drops its secondary indexes and builds them again before
/// committing; an import that is rolled back leaves them as they were.
#[test]
fn sqlite_indexes_deferred_for_a_first_load_are_rebuilt() {
    let db = TestDb::sqlite();
    let s = &db.store;
    let indexes = || {
        let path = db.url.trim_start_matches("sqlite://");
        let conn = rusqlite::Connection::open(path).unwrap();
        let mut st = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('touchpoints', 'touchpoint_contacts') AND sql IS NOT NULL ORDER BY name")
            .unwrap();
        st.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
    };
    let before = indexes();
    assert_eq!(before.len(), 3, "{before:?}");
    import(s, ImportKind::Accounts, ACCOUNTS_CSV);
    import(s, ImportKind::Contacts, CONTACTS_CSV);
    let options = ImportOptions {
        kind: ImportKind::Touchpoints,
        preset: None,
        overrides: vec![],
    };
    let bad = "account_external_id,kind,occurred_on\nA1,call,2025-01-01\nA1,call,someday\n";
    let out = s
        .import_csv(bad.as_bytes(), &options, false, |_| {})
        .unwrap();
    assert!(!out.committed);
    assert_eq!(indexes(), before, "a rolled-back import keeps the indexes");
    let out = s
        .import_csv(TOUCHPOINTS_CSV.as_bytes(), &options, false, |_| {})
        .unwrap();
    assert!(out.committed);
    assert_eq!(indexes(), before, "rebuilt after the first load");
    assert_eq!(s.list_touchpoints(1, 1, 10).unwrap().total, 1);
}

/// PostgreSQL: a first load drops the indexes and foreign keys of the tables it fills and
/// adds them back (checked once) before committing; a rolled-back import keeps them.
#[test]
fn postgres_indexes_and_keys_deferred_for_a_first_load_are_restored() {
    let Some(db) = TestDb::postgres() else { return };
    let s = &db.store;
    let shape = || {
        let mut client = postgres::Client::connect(&db.url, postgres::NoTls).unwrap();
        let mut names: Vec<String> = client
            .query(
                "SELECT conname::text FROM pg_constraint WHERE conrelid IN ('touchpoints'::regclass, 'touchpoint_contacts'::regclass) \
                 UNION ALL SELECT indexname::text FROM pg_indexes WHERE tablename IN ('touchpoints', 'touchpoint_contacts')",
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect();
        names.sort();
        names
    };
    let before = shape();
    assert!(
        before.contains(&"touchpoints_account_id_fkey".to_string()),
        "{before:?}"
    );
    import(s, ImportKind::Accounts, ACCOUNTS_CSV);
    import(s, ImportKind::Contacts, CONTACTS_CSV);
    let options = ImportOptions {
        kind: ImportKind::Touchpoints,
        preset: None,
        overrides: vec![],
    };
    let bad = "account_external_id,kind,occurred_on\nA1,call,2025-01-01\nA1,call,someday\n";
    assert!(
        !s.import_csv(bad.as_bytes(), &options, false, |_| {})
            .unwrap()
            .committed
    );
    assert_eq!(shape(), before, "a rolled-back import keeps them");
    let out = s
        .import_csv(TOUCHPOINTS_CSV.as_bytes(), &options, false, |_| {})
        .unwrap();
    assert!(out.committed);
    assert_eq!(shape(), before, "restored after the first load");
    assert_eq!(s.list_touchpoints(1, 1, 10).unwrap().total, 1);
}

/// A change that cannot get the database within the wait fails as `Busy` (a 503 on the web)
/// instead of a database error, writes nothing, and leaves its connection as it found it: on
/// SQLite an import switches foreign keys off for its transaction, and one refused at BEGIN
/// must switch them back on, or the next delete on that connection would not cascade.
#[test]
fn a_change_that_cannot_get_the_database_in_time_fails_as_busy_and_writes_nothing() {
    for db in TestDb::all() {
        let s = &db.store;
        import(s, ImportKind::Accounts, ACCOUNTS_CSV);
        import(s, ImportKind::Contacts, CONTACTS_CSV);
        import(s, ImportKind::Touchpoints, TOUCHPOINTS_CSV);
        // A promoter: the next nomination list proposes them.
        import(
            s,
            ImportKind::Nps,
            "account_external_id,contact_external_id,score,responded_on\nA2,C2,10,2025-01-03\n",
        );
        let today = date("2025-02-01");
        let impatient = Store::open_with(
            &db.url,
            OpenOptions {
                lock_wait: std::time::Duration::from_millis(300),
            },
        )
        .unwrap();
        let holder = hold_database(&db.url);
        // Opening the database (every command does) does not wait for the holder.
        Store::open_with(
            &db.url,
            OpenOptions {
                lock_wait: std::time::Duration::from_millis(300),
            },
        )
        .unwrap();
        let err = impatient
            .create_account(&account("Waiting", &[]))
            .unwrap_err();
        assert!(matches!(err, StoreError::Busy), "{}: {err:?}", s.describe());
        assert!(err.to_string().contains("try again"), "{err}");
        let options = ImportOptions {
            kind: ImportKind::Touchpoints,
            preset: None,
            overrides: vec![],
        };
        let changed = TOUCHPOINTS_CSV.replace("wants SSO", "wants SAML");
        let err = impatient
            .import_csv(changed.as_bytes(), &options, false, |_| {})
            .unwrap_err();
        assert!(matches!(err, StoreError::Busy), "{}: {err:?}", s.describe());
        // A read that would propose nominations on the side still answers; on SQLite (the
        // whole database held) without them, left to the next read.
        let listed = impatient.list_nominations(None, today).unwrap();
        if s.dialect() == peerstage_store::db::Dialect::Sqlite {
            assert!(listed.is_empty(), "{listed:?}");
        }
        drop(holder);
        let listed = impatient.list_nominations(None, today).unwrap();
        assert_eq!(listed.len(), 1, "{}: {listed:?}", s.describe());
        assert_eq!(listed[0].contact_name, "Bo");
        let names: Vec<String> = impatient
            .list_accounts(&AccountQuery::default())
            .unwrap()
            .items
            .into_iter()
            .map(|a| a.data.name)
            .collect();
        assert_eq!(names, ["Acme", "Bolt"], "{}", s.describe());
        let acme = impatient.list_touchpoints(1, 1, 10).unwrap();
        assert_eq!(acme.total, 1);
        assert!(
            acme.items[0]
                .data
                .notes
                .as_deref()
                .unwrap_or("")
                .contains("SSO"),
            "nothing imported"
        );
        impatient.delete_account(1).unwrap();
        assert_eq!(
            impatient.list_touchpoints(1, 1, 10).unwrap().total,
            0,
            "{}: deleting the account deletes its touchpoints (foreign keys are on)",
            s.describe()
        );
    }
}

/// A file loaded into an empty table takes the append path (ids assigned by the import, no
/// upsert probes): its rows and contact links are all there, later rows get fresh ids
/// (PostgreSQL's identity sequence is moved past the loaded ones), and loading the same file
/// again takes the upsert path and changes nothing.
#[test]
fn a_first_load_appends_and_later_writes_continue_after_it() {
    each(|s| {
        import(s, ImportKind::Accounts, ACCOUNTS_CSV);
        import(s, ImportKind::Contacts, CONTACTS_CSV);
        let options = ImportOptions {
            kind: ImportKind::Touchpoints,
            preset: None,
            overrides: vec![],
        };
        let csv = "external_id,account_external_id,kind,occurred_on,contact_external_ids,notes\n\
                   T1,A1,call,2025-01-01,C1,\"tab\there, back\\slash\nand a new line\"\n\
                   T2,A2,meeting,2025-01-02,C2,\n\
                   T3,A1,email,2025-01-03,,plain\n";
        let out = s
            .import_csv(csv.as_bytes(), &options, false, |_| {})
            .unwrap();
        assert!(out.committed);
        assert_eq!(
            (
                out.counts.inserted,
                out.counts.updated,
                out.counts.unchanged
            ),
            (3, 0, 0)
        );
        let all = s.list_touchpoints(1, 1, 10).unwrap();
        assert_eq!(all.total, 2);
        let t1 = all
            .items
            .iter()
            .find(|t| t.data.external_id.as_deref() == Some("T1"))
            .unwrap();
        assert_eq!(
            t1.data.notes.as_deref(),
            Some("tab\there, back\\slash\nand a new line"),
            "text survives the bulk path byte for byte"
        );
        assert_eq!(t1.data.contact_ids.len(), 1);
        assert_eq!(t1.data.occurred_on, date("2025-01-01"));
        let t2 = s.list_touchpoints(2, 1, 10).unwrap();
        assert_eq!(t2.items[0].data.contact_ids.len(), 1);
        let made = s
            .create_touchpoint(&TouchpointData {
                external_id: None,
                account_id: 1,
                kind: peerstage_core::touchpoint::TouchpointKind::Call,
                occurred_on: date("2025-02-01"),
                staff: None,
                contact_ids: vec![],
                notes: Some("after the load".into()),
            })
            .unwrap();
        assert!(
            made.id > 3,
            "a later touchpoint gets a new id, not {}",
            made.id
        );
        let again = s
            .import_csv(csv.as_bytes(), &options, false, |_| {})
            .unwrap();
        assert_eq!(
            (
                again.counts.inserted,
                again.counts.updated,
                again.counts.unchanged
            ),
            (0, 0, 3)
        );
        assert_eq!(s.list_touchpoints(1, 1, 10).unwrap().total, 3);
    });
}
