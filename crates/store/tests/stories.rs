//! Stories (B5) and the buyer journey (B6) on SQLite and (when `PEERSTAGE_TEST_POSTGRES_URL`
//! is set) PostgreSQL: stories with their contacts and media, spin in lists, third parties,
//! reviews, the survey report with hand-computed shares and revenue, imports and exports of
//! reviews and sources, audit entries, and the demo.

use chrono::NaiveDate;
use peerstage_core::account::AccountData;
use peerstage_core::contact::ContactData;
use peerstage_core::import::{ImportKind, ImportOptions};
use peerstage_core::journey::{
    OtherSource, ReviewData, SourceResponseData, ThirdPartyData, ThirdPartyLookup,
};
use peerstage_core::story::{spin_flags, Approval, JourneyStage, StoryData, StoryQuery};
use peerstage_core::Fields;
use peerstage_store::testing::TestDb;
use peerstage_store::{export_csv, AuditFilter, ReviewFilter, Store, StoreError};

fn each(test: impl Fn(&Store)) {
    for db in TestDb::all() {
        test(&db.store);
    }
}

fn account(s: &Store, name: &str, revenue: i64) -> i64 {
    let f = Fields::from_pairs([
        ("name", name.to_string()),
        ("external_id", name.to_lowercase()),
        ("annual_revenue", revenue.to_string()),
    ]);
    s.create_account(&AccountData::from_fields(&f).unwrap())
        .unwrap()
        .id
}

fn contact(s: &Store, account_id: i64, name: &str) -> i64 {
    let f = Fields::from_pairs([
        ("name", name.to_string()),
        ("external_id", name.to_lowercase().replace(' ', "-")),
        ("reference_consent", "yes".to_string()),
    ]);
    s.create_contact(&ContactData::from_fields(account_id, &f).unwrap())
        .unwrap()
        .id
}

fn story(pairs: &[(&str, &str)]) -> StoryData {
    StoryData::from_fields(&Fields::from_pairs(pairs.iter().copied())).unwrap()
}

fn third_party(s: &Store, name: &str, kind: &str) -> i64 {
    s.create_third_party(
        &ThirdPartyData::from_fields(&Fields::from_pairs([("name", name), ("kind", kind)]))
            .unwrap(),
    )
    .unwrap()
    .id
}

fn review(contact_id: i64, third_party_id: i64, on: &str, rating: i64) -> ReviewData {
    ReviewData::from_fields(&Fields::from_pairs([
        ("contact_id", contact_id.to_string()),
        ("third_party_id", third_party_id.to_string()),
        ("reviewed_on", on.to_string()),
        ("rating", rating.to_string()),
        ("title", "Solid".to_string()),
    ]))
    .unwrap()
}

fn answer(
    account_id: i64,
    source: &str,
    on: &str,
    lookup: &ThirdPartyLookup,
) -> SourceResponseData {
    SourceResponseData::from_fields(
        account_id,
        &Fields::from_pairs([("source", source), ("responded_on", on)]),
        lookup,
    )
    .unwrap()
}

fn audit_count(s: &Store, entity: &str, action: &str) -> u64 {
    s.list_audit(&AuditFilter {
        entity: Some(entity.into()),
        action: Some(action.into()),
        ..Default::default()
    })
    .unwrap()
    .total
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn a_story_keeps_its_text_contacts_and_media_through_create_update_and_delete() {
    each(|s| {
        let acme = account(s, "Acme", 100_000);
        let ada = contact(s, acme, "Ada Lovelace");
        let bob = contact(s, acme, "Bob Byte");
        let id_a = ada.to_string();
        let created = s
            .create_story(&story(&[
                ("title", "Acme halves its backlog"),
                ("account_id", &acme.to_string()),
                ("contact_ids", &id_a),
                ("stage", "consideration"),
                ("challenge", "A growing backlog"),
                ("bad", "Reports were slow at first"),
                ("not_a_fit", "Teams under ten people"),
                (
                    "media_links",
                    "https://videos.example/acme\nhttps://blog.example/acme",
                ),
            ]))
            .unwrap();
        assert_eq!(created.account_name, "Acme");
        assert_eq!(created.data.contact_ids, vec![ada]);
        assert_eq!(created.contacts[0].name, "Ada Lovelace");
        assert_eq!(created.data.approval, Approval::Draft);
        assert_eq!(
            created.data.media_links,
            vec!["https://videos.example/acme", "https://blog.example/acme"]
        );
        assert!(spin_flags(&created).is_empty());
        assert_eq!(s.get_story(created.id).unwrap(), created);

        let mut changed = created.data.clone();
        changed.contact_ids = vec![bob, ada];
        changed.approval = Approval::Approved;
        changed.bad = None;
        changed.media_links = vec!["https://videos.example/acme-2".into()];
        let updated = s.update_story(created.id, &changed).unwrap();
        assert_eq!(updated.data.approval, Approval::Approved);
        let mut linked = updated.data.contact_ids.clone();
        linked.sort();
        assert_eq!(linked, {
            let mut v = vec![ada, bob];
            v.sort();
            v
        });
        assert_eq!(
            updated.data.media_links,
            vec!["https://videos.example/acme-2"]
        );
        assert_eq!(spin_flags(&updated).len(), 1, "no downside any more");
        assert_eq!(s.contact_stories(bob).unwrap().len(), 1);

        assert_eq!(audit_count(s, "story", "create"), 1);
        assert_eq!(audit_count(s, "story", "update"), 1);
        s.delete_story(created.id).unwrap();
        assert!(matches!(
            s.get_story(created.id),
            Err(StoreError::NotFound { .. })
        ));
        assert_eq!(audit_count(s, "story", "delete"), 1);
        assert!(s.contact_stories(bob).unwrap().is_empty());
    });
}

#[test]
fn a_story_refuses_contacts_of_another_account_and_unknown_accounts() {
    each(|s| {
        let acme = account(s, "Acme", 0);
        let other = account(s, "Other", 0);
        let stranger = contact(s, other, "Stranger");
        let err = s
            .create_story(&story(&[
                ("title", "T"),
                ("account_id", &acme.to_string()),
                ("contact_ids", &stranger.to_string()),
                ("stage", "decision"),
            ]))
            .unwrap_err();
        match err {
            StoreError::Invalid(e) => {
                assert!(
                    e.get("contact_ids")
                        .unwrap()
                        .contains("does not work at Acme"),
                    "{e}"
                )
            }
            other => panic!("{other:?}"),
        }
        let err = s
            .create_story(&story(&[
                ("title", "T"),
                ("account_id", "999999"),
                ("stage", "decision"),
            ]))
            .unwrap_err();
        assert!(matches!(err, StoreError::Invalid(e) if e.get("account_id").is_some()));
        assert_eq!(s.story_totals().unwrap(), (0, 0));
    });
}

#[test]
fn the_story_list_filters_spin_stage_and_approval_and_deleting_the_account_removes_its_stories() {
    each(|s| {
        let acme = account(s, "Acme", 0);
        let beta = account(s, "Beta", 0);
        let a = acme.to_string();
        let b = beta.to_string();
        let authentic = s
            .create_story(&story(&[
                ("title", "Authentic"),
                ("account_id", &a),
                ("stage", "awareness"),
                ("ugly", "Lost a week of data"),
                ("not_a_fit", "On-premise shops"),
                ("approval", "approved"),
            ]))
            .unwrap();
        let spin = s
            .create_story(&story(&[
                ("title", "Perfect in every way"),
                ("account_id", &b),
                ("stage", "decision"),
            ]))
            .unwrap();
        let ids = |q: StoryQuery| {
            s.list_stories(&q)
                .unwrap()
                .items
                .iter()
                .map(|x| x.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ids(StoryQuery {
                spin_only: true,
                ..Default::default()
            }),
            vec![spin.id]
        );
        assert_eq!(
            ids(StoryQuery {
                stage: Some(JourneyStage::Awareness),
                ..Default::default()
            }),
            vec![authentic.id]
        );
        assert_eq!(
            ids(StoryQuery {
                approval: Some(Approval::Approved),
                ..Default::default()
            }),
            vec![authentic.id]
        );
        assert_eq!(s.story_totals().unwrap(), (2, 1));
        s.delete_account(beta).unwrap();
        assert_eq!(s.story_totals().unwrap(), (1, 0));
    });
}

#[test]
fn third_party_names_are_unique_ignoring_case_and_deleting_one_removes_its_reviews() {
    each(|s| {
        let acme = account(s, "Acme", 0);
        let ada = contact(s, acme, "Ada Lovelace");
        let site = third_party(s, "PeerGrid", "review_site");
        let dup = ThirdPartyData::from_fields(&Fields::from_pairs([
            ("name", " peergrid "),
            ("kind", "analyst_firm"),
        ]))
        .unwrap();
        match s.create_third_party(&dup) {
            Err(StoreError::Conflict { field, reason }) => {
                assert_eq!(field, "name");
                assert!(reason.contains("PeerGrid"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        let firm = third_party(s, "Halvorsen Research", "analyst_firm");
        let lookup = s.third_party_lookup().unwrap();
        s.create_review(&review(ada, site, "2025-03-01", 5))
            .unwrap();
        s.create_review(&review(ada, site, "2025-04-01", 4))
            .unwrap();
        let r = s
            .create_review(&review(ada, firm, "2025-05-01", 3))
            .unwrap();
        assert_eq!(r.third_party_name, "Halvorsen Research");
        assert_eq!(r.contact_name, "Ada Lovelace");
        assert_eq!(r.account_name, "Acme");
        assert_eq!(
            r.data.external_id.as_deref(),
            Some(&*format!("ps-rev-{}", r.id))
        );
        s.create_source_response(&answer(acme, "PeerGrid", "2025-03-01", &lookup))
            .unwrap();

        let listed = s.list_third_parties().unwrap();
        let pg = listed.iter().find(|t| t.id == site).unwrap();
        assert_eq!(pg.review_count, 2);
        assert_eq!(pg.average_rating, Some(4.5));
        let mine = s
            .list_reviews(&ReviewFilter {
                contact_id: Some(ada),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            mine.iter().map(|r| r.data.reviewed_on).collect::<Vec<_>>(),
            vec![day("2025-05-01"), day("2025-04-01"), day("2025-03-01")],
            "newest first"
        );

        let renamed = ThirdPartyData::from_fields(&Fields::from_pairs([
            ("name", "PeerGrid Reviews"),
            ("kind", "review_site"),
            ("url", "https://peergrid.example"),
        ]))
        .unwrap();
        assert_eq!(
            s.update_third_party(site, &renamed).unwrap().data.name,
            "PeerGrid Reviews"
        );
        s.delete_third_party(site).unwrap();
        assert_eq!(s.list_reviews(&ReviewFilter::default()).unwrap().len(), 1);
        assert!(s.list_source_responses(None, 100).unwrap().is_empty());
        assert_eq!(audit_count(s, "third_party", "delete"), 1);
        assert_eq!(audit_count(s, "review", "create"), 3);
    });
}

#[test]
fn the_sources_report_shares_customers_and_splits_revenue_among_the_sources_named() {
    each(|s| {
        // Acme (300,000) named PeerGrid and an event; Beta (100,000) PeerGrid; Gamma
        // (600,000) a web search; Delta (90,000) PeerGrid, Halvorsen and an event.
        let acme = account(s, "Acme", 300_000);
        let beta = account(s, "Beta", 100_000);
        let gamma = account(s, "Gamma", 600_000);
        let delta = account(s, "Delta", 90_000);
        let site = third_party(s, "PeerGrid", "review_site");
        let firm = third_party(s, "Halvorsen Research", "analyst_firm");
        let lookup = s.third_party_lookup().unwrap();
        for (acc, source, on) in [
            (acme, "PeerGrid", "2025-01-10"),
            (acme, "event", "2025-01-10"),
            (beta, "peergrid", "2025-02-10"),
            (gamma, "Web search", "2025-03-10"),
            (delta, "PeerGrid", "2025-04-10"),
            (delta, "Halvorsen Research", "2025-04-10"),
            (delta, "Event", "2025-04-10"),
        ] {
            s.create_source_response(&answer(acc, source, on, &lookup))
                .unwrap();
        }
        let r = s.source_report(None, None).unwrap();
        assert_eq!(
            (r.responses, r.respondents, r.total_revenue),
            (7, 4, 1_090_000)
        );
        let rows: Vec<(&str, &str, u64, f64, f64)> = r
            .sources
            .iter()
            .map(|x| {
                (
                    x.name.as_str(),
                    x.kind.as_str(),
                    x.customers,
                    x.share,
                    x.revenue,
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                ("PeerGrid", "review_site", 3, 0.75, 280_000.0),
                ("Event", "other", 2, 0.5, 180_000.0),
                ("Web search", "other", 1, 0.25, 600_000.0),
                ("Halvorsen Research", "analyst_firm", 1, 0.25, 30_000.0),
            ]
        );
        assert_eq!(r.via_third_parties, 3);
        assert_eq!(r.third_party_revenue, 310_000.0);
        assert_eq!(r.third_party(site).unwrap().customers, 3);
        assert_eq!(r.third_party(firm).unwrap().revenue, 30_000.0);

        // Only February and March: Beta and Gamma.
        let r = s
            .source_report(Some(day("2025-02-01")), Some(day("2025-03-31")))
            .unwrap();
        assert_eq!((r.respondents, r.total_revenue), (2, 700_000));
        // One customer each: more revenue first.
        let rows: Vec<(&str, f64, f64)> = r
            .sources
            .iter()
            .map(|x| (x.name.as_str(), x.share, x.revenue))
            .collect();
        assert_eq!(
            rows,
            vec![("Web search", 0.5, 600_000.0), ("PeerGrid", 0.5, 100_000.0)]
        );

        // Answers change like any record, and each change is audited.
        let first = s.list_source_responses(None, 1).unwrap().remove(0);
        let mut d = first.data.clone();
        d.third_party_id = None;
        d.other_source = Some(OtherSource::SalesOutreach);
        let changed = s.update_source_response(first.id, &d).unwrap();
        assert_eq!(changed.source, "Sales outreach");
        s.delete_source_response(first.id).unwrap();
        assert_eq!(audit_count(s, "source_response", "create"), 7);
        assert_eq!(audit_count(s, "source_response", "update"), 1);
        assert_eq!(audit_count(s, "source_response", "delete"), 1);
    });
}

fn import(s: &Store, kind: ImportKind, csv: &str) -> peerstage_store::ImportOutcome {
    let options = ImportOptions {
        kind,
        preset: None,
        overrides: vec![],
    };
    s.import_csv(csv.as_bytes(), &options, false, |_| {})
        .unwrap()
}

fn export(s: &Store, kind: ImportKind) -> String {
    let mut out = Vec::new();
    export_csv(s, kind, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn reviews_and_sources_import_export_and_reimport_unchanged() {
    each(|s| {
        let acme = account(s, "Acme", 200_000);
        account(s, "Beta", 100_000);
        contact(s, acme, "Ada Lovelace");
        third_party(s, "PeerGrid", "review_site");
        third_party(s, "Halvorsen Research", "analyst_firm");

        let reviews = "external_id,contact_external_id,third_party,reviewed_on,rating,title,link\n\
            R1,ada-lovelace,peergrid,2025-03-01,5,Great,https://peergrid.example/r/1\n\
            ,ada-lovelace,Halvorsen Research,2025-04-01,4,,\n";
        let out = import(s, ImportKind::Reviews, reviews);
        assert!(out.committed, "{:?}", out.errors);
        assert_eq!(out.counts.inserted, 2);
        let again = import(s, ImportKind::Reviews, reviews);
        assert_eq!((again.counts.inserted, again.counts.unchanged), (0, 2));
        let exported = export(s, ImportKind::Reviews);
        assert!(exported.starts_with(
            "external_id,contact_external_id,third_party,reviewed_on,rating,title,link\n"
        ));
        assert!(
            exported.contains(
                "R1,ada-lovelace,PeerGrid,2025-03-01,5,Great,https://peergrid.example/r/1"
            ),
            "{exported}"
        );
        let back = import(s, ImportKind::Reviews, &exported);
        assert_eq!(
            (
                back.counts.inserted,
                back.counts.updated,
                back.counts.unchanged
            ),
            (0, 0, 2)
        );
        let changed = import(
            s,
            ImportKind::Reviews,
            "external_id,contact_external_id,third_party,reviewed_on,rating\nR1,ada-lovelace,PeerGrid,2025-03-01,3\n",
        );
        assert_eq!((changed.counts.updated, changed.counts.unchanged), (1, 0));

        let sources = "external_id,account_external_id,source,responded_on\n\
            S1,acme,PeerGrid,2025-02-01\n\
            S2,acme,Peer recommendation,2025-02-01\n\
            S3,beta,event,2025-02-03\n";
        let out = import(s, ImportKind::Sources, sources);
        assert!(out.committed, "{:?}", out.errors);
        assert_eq!(out.counts.inserted, 3);
        let exported = export(s, ImportKind::Sources);
        assert!(
            exported.contains("S1,acme,PeerGrid,2025-02-01"),
            "{exported}"
        );
        assert!(
            exported.contains("S2,acme,peer_recommendation,2025-02-01"),
            "{exported}"
        );
        let back = import(s, ImportKind::Sources, &exported);
        assert_eq!(
            (
                back.counts.inserted,
                back.counts.updated,
                back.counts.unchanged
            ),
            (0, 0, 3)
        );
        let r = s.source_report(None, None).unwrap();
        assert_eq!((r.respondents, r.total_revenue), (2, 300_000));
        let peergrid = r.sources.iter().find(|x| x.name == "PeerGrid").unwrap();
        assert_eq!((peergrid.customers, peergrid.revenue), (1, 100_000.0));
        assert_eq!(audit_count(s, "sources", "import"), 2);
    });
}

#[test]
fn a_bad_review_or_source_row_rejects_the_whole_file_naming_line_and_column() {
    each(|s| {
        let acme = account(s, "Acme", 0);
        contact(s, acme, "Ada Lovelace");
        third_party(s, "PeerGrid", "review_site");
        let out = import(
            s,
            ImportKind::Reviews,
            "external_id,contact_external_id,third_party,reviewed_on,rating\n\
             R1,ada-lovelace,PeerGrid,2025-03-01,5\n\
             R2,ada-lovelace,Unknown Site,2025-03-01,9\n\
             R3,nobody,PeerGrid,2025-03-01,4\n",
        );
        assert!(!out.committed);
        let errs: Vec<(u64, &str)> = out
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_str()))
            .collect();
        assert_eq!(
            errs,
            vec![
                (3, "third_party"),
                (3, "rating"),
                (4, "contact_external_id")
            ]
        );
        assert!(out.errors[0]
            .reason
            .contains("no review site or analyst firm is named 'Unknown Site'"));
        assert!(s.list_reviews(&ReviewFilter::default()).unwrap().is_empty());

        let out = import(
            s,
            ImportKind::Sources,
            "account_external_id,source,responded_on\nacme,Podcast,2025-02-01\nnope,event,2025-02-01\n",
        );
        assert!(!out.committed);
        assert_eq!(out.errors[0].line, 2);
        assert_eq!(out.errors[0].column, "source");
        assert!(out.errors[0].reason.contains("'Podcast'"));
        assert_eq!(out.errors[1].column, "account_external_id");
        assert!(s.list_source_responses(None, 10).unwrap().is_empty());
    });
}

#[test]
fn the_demo_seeds_third_parties_stories_reviews_and_answers_once_and_deterministically() {
    let mut runs = Vec::new();
    for db in TestDb::all() {
        let s = &db.store;
        let today = day("2025-06-15");
        let mut demo = peerstage_core::demo::Demo::new(peerstage_core::demo::DemoOptions {
            seed: 7,
            scale: 0.05,
            today,
        });
        s.load_demo(&mut demo, |_, _| {}).unwrap();
        let counts = s.seed_stories(7, today).unwrap();
        assert_eq!(counts.third_parties, 5);
        assert_eq!(counts.stories, 8);
        assert!(
            counts.spin >= 1 && counts.spin < counts.stories,
            "{counts:?}"
        );
        assert!(
            counts.reviews > 0 && counts.source_responses > 0,
            "{counts:?}"
        );
        // A second run leaves what is there alone.
        assert_eq!(s.seed_stories(7, today).unwrap().stories, 0);
        runs.push((
            counts,
            export(s, ImportKind::Reviews),
            export(s, ImportKind::Sources),
            s.list_stories(&StoryQuery {
                per_page: 500,
                ..Default::default()
            })
            .unwrap()
            .items
            .iter()
            .map(|x| (x.data.title.clone(), x.data.approval, spin_flags(x)))
            .collect::<Vec<_>>(),
        ));
    }
    for other in &runs[1..] {
        assert_eq!(
            other, &runs[0],
            "the same seed gives the same data on every engine"
        );
    }
}

#[test]
fn a_privacy_export_holds_the_persons_stories_and_reviews_and_erasure_takes_them_out() {
    each(|s| {
        let acme = account(s, "Acme", 0);
        let ada = contact(s, acme, "Ada Lovelace");
        let site = third_party(s, "PeerGrid", "review_site");
        let told = s
            .create_story(&story(&[
                ("title", "Ada Lovelace on faster onboarding"),
                ("account_id", &acme.to_string()),
                ("contact_ids", &ada.to_string()),
                ("stage", "onboarding"),
                ("result", "Lovelace says onboarding takes days, not weeks"),
            ]))
            .unwrap();
        let mut r = review(ada, site, "2025-03-01", 5);
        r.title = Some("Ada's team loves it".into());
        r.link = Some("https://peergrid.example/users/ada-lovelace/review".into());
        let posted = s.create_review(&r).unwrap();

        let export = s.privacy_export(ada).unwrap();
        assert_eq!(export["advocacy"]["stories"][0]["id"], told.id);
        assert_eq!(export["advocacy"]["reviews"][0]["id"], posted.id);
        assert_eq!(
            export["advocacy"]["reviews"][0]["third_party_name"],
            "PeerGrid"
        );

        s.erase_contact(ada).unwrap();
        let after = s.get_story(told.id).unwrap();
        assert_eq!(after.data.title, "[erased] on faster onboarding");
        assert_eq!(
            after.data.result.as_deref(),
            Some("[erased] says onboarding takes days, not weeks")
        );
        let kept = s.get_review(posted.id).unwrap();
        assert_eq!(kept.data.rating, 5, "the review still counts");
        assert_eq!(kept.data.link, None);
        // Earlier audit entries about the story and the review no longer name her.
        for entity in ["story", "review"] {
            let entries = s
                .list_audit(&AuditFilter {
                    entity: Some(entity.into()),
                    ..Default::default()
                })
                .unwrap();
            let text = serde_json::to_string(&entries.items).unwrap();
            assert!(!text.contains("Lovelace"), "{entity}: {text}");
        }
    });
}
