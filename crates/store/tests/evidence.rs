//! Voice-of-customer evidence (C1) on SQLite and (when `PEERSTAGE_TEST_POSTGRES_URL` is set)
//! PostgreSQL: items with suggested and chosen kinds, links checked, filters, tags; the sync
//! that turns touchpoint notes, NPS comments and reviews into evidence and follows them; CSV
//! import and export with tags; privacy export and erasure.

use peerstage_core::account::AccountData;
use peerstage_core::commitment::CommitmentData;
use peerstage_core::contact::ContactData;
use peerstage_core::evidence::{EvidenceData, EvidenceKind, EvidenceQuery, EvidenceSource};
use peerstage_core::import::{ImportKind, ImportOptions};
use peerstage_core::nps::NpsData;
use peerstage_core::search::SearchQuery;
use peerstage_core::touchpoint::TouchpointData;
use peerstage_core::Fields;
use peerstage_store::testing::TestDb;
use peerstage_store::{export_csv, IndexCheck, Store, StoreError};

fn each(test: impl Fn(&Store)) {
    for db in TestDb::all() {
        test(&db.store);
    }
}

fn account(s: &Store, name: &str) -> i64 {
    let f = Fields::from_pairs([("name", name), ("external_id", &name.to_lowercase())]);
    s.create_account(&AccountData::from_fields(&f).unwrap())
        .unwrap()
        .id
}

fn contact(s: &Store, account_id: i64, name: &str) -> i64 {
    let ext = name.to_lowercase().replace(' ', "-");
    let f = Fields::from_pairs([("name", name), ("external_id", &ext)]);
    s.create_contact(&ContactData::from_fields(account_id, &f).unwrap())
        .unwrap()
        .id
}

fn evidence(pairs: &[(&str, &str)]) -> EvidenceData {
    EvidenceData::from_fields(&Fields::from_pairs(pairs.iter().copied())).unwrap()
}

fn query(pairs: &[(&str, &str)]) -> EvidenceQuery {
    EvidenceQuery::from_fields(&Fields::from_pairs(pairs.iter().copied())).unwrap()
}

#[test]
fn items_links_filters_and_tags() {
    each(|s| {
        let acme = account(s, "Acme");
        let other = account(s, "Other");
        let ada = contact(s, acme, "Ada Lovelace");
        // A contact supplies its account; kind and level are suggested.
        let e = s
            .create_evidence(&evidence(&[
                ("text", "Month-end close is hard to finish in time"),
                ("date", "2026-03-02"),
                ("contact_id", &ada.to_string()),
                ("tags", "close, finance"),
            ]))
            .unwrap();
        assert_eq!(e.data.account_id, Some(acme));
        assert_eq!(e.data.kind, EvidenceKind::Problem);
        assert!(e.data.suggested);
        assert_eq!(e.data.tags, vec!["close", "finance"]);
        assert_eq!(e.account_name.as_deref(), Some("Acme"));
        assert!(e.sentiment < 0.0);
        assert!(e.data.external_id.as_deref().unwrap().starts_with("ps-ev-"));
        // A contact of another account is refused beside the field; unknown ids too.
        let err = s
            .create_evidence(&evidence(&[
                ("text", "x"),
                ("date", "2026-03-02"),
                ("account_id", &other.to_string()),
                ("contact_id", &ada.to_string()),
            ]))
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Invalid(f) if f.get("contact_id").is_some()),
            "{err:?}"
        );
        let err = s
            .create_evidence(&evidence(&[
                ("text", "x"),
                ("date", "2026-03-02"),
                ("account_id", "999999"),
            ]))
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Invalid(f) if f.get("account_id").is_some()),
            "{err:?}"
        );
        s.create_evidence(&evidence(&[
            ("text", "We chose you for the audit trail"),
            ("date", "2026-01-15"),
            ("account_id", &other.to_string()),
            ("kind", "why_bought"),
            ("level", "3"),
            ("tags", "audit"),
        ]))
        .unwrap();
        let all = s.list_evidence(&query(&[])).unwrap();
        assert_eq!(all.total, 2);
        assert_eq!(all.items[0].id, e.id, "newest first");
        assert_eq!(
            s.list_evidence(&query(&[("kind", "why_bought")]))
                .unwrap()
                .total,
            1
        );
        assert_eq!(
            s.list_evidence(&query(&[("tag", "finance")]))
                .unwrap()
                .total,
            1
        );
        assert_eq!(
            s.list_evidence(&query(&[("account_id", &acme.to_string())]))
                .unwrap()
                .total,
            1
        );
        assert_eq!(
            s.list_evidence(&query(&[("from", "2026-02-01")]))
                .unwrap()
                .total,
            1
        );
        assert_eq!(
            s.list_evidence(&query(&[("to", "2026-02-01"), ("level", "3")]))
                .unwrap()
                .total,
            1
        );
        let tags = s.evidence_tags().unwrap();
        assert_eq!(tags.len(), 3);
        // A person's choice of kind ends the suggestion.
        let mut d = e.data.clone();
        d.kind = EvidenceKind::Wish;
        d.suggested = false;
        d.tags = vec!["close".into()];
        let u = s.update_evidence(e.id, &d).unwrap();
        assert_eq!((u.data.kind, u.data.suggested), (EvidenceKind::Wish, false));
        assert_eq!(u.data.tags, vec!["close"]);
        s.delete_evidence(e.id).unwrap();
        assert!(matches!(
            s.get_evidence(e.id),
            Err(StoreError::NotFound { .. })
        ));
        assert_eq!(s.list_evidence(&query(&[])).unwrap().total, 1);
    });
}

#[test]
fn notes_comments_and_reviews_become_evidence_and_follow_their_source() {
    each(|s| {
        let acme = account(s, "Acme");
        let ada = contact(s, acme, "Ada Lovelace");
        let tp = s
            .create_touchpoint(
                &TouchpointData::from_fields(
                    acme,
                    &Fields::from_pairs([
                        ("kind", "call"),
                        ("occurred_on", "2026-02-03"),
                        ("contact_ids", &ada.to_string()),
                        ("notes", "They wish the export ran overnight"),
                    ]),
                )
                .unwrap(),
            )
            .unwrap();
        let q = query(&[("source", "touchpoint")]);
        let items = s.list_evidence(&q).unwrap().items;
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].touchpoint_id, Some(tp.id));
        assert_eq!(items[0].data.contact_id, Some(ada));
        assert_eq!(items[0].data.kind, EvidenceKind::Wish);
        // The note changes: the text (and, while suggested, the kind) follows.
        let mut d = tp.data.clone();
        d.notes = Some("The export is broken again".into());
        s.update_touchpoint(tp.id, &d).unwrap();
        let items = s.list_evidence(&q).unwrap().items;
        assert_eq!(items[0].data.body, "The export is broken again");
        assert_eq!(items[0].data.kind, EvidenceKind::Problem);
        // Such items cannot be deleted on their own…
        assert!(matches!(
            s.delete_evidence(items[0].id),
            Err(StoreError::Conflict { .. })
        ));
        // …they go when the note is emptied or the touchpoint deleted.
        d.notes = None;
        s.update_touchpoint(tp.id, &d).unwrap();
        assert_eq!(s.list_evidence(&q).unwrap().total, 0);
        d.notes = Some("Great support this quarter".into());
        s.update_touchpoint(tp.id, &d).unwrap();
        assert_eq!(s.list_evidence(&q).unwrap().total, 1);
        s.delete_touchpoint(tp.id).unwrap();
        assert_eq!(s.list_evidence(&q).unwrap().total, 0);

        s.create_nps(
            &NpsData::from_fields(
                acme,
                &Fields::from_pairs([
                    ("score", "3"),
                    ("responded_on", "2026-02-10"),
                    ("comment", "We are looking at alternatives"),
                ]),
            )
            .unwrap(),
        )
        .unwrap();
        let nps = s.list_evidence(&query(&[("source", "nps")])).unwrap().items;
        assert_eq!(nps.len(), 1);
        assert_eq!(nps[0].data.kind, EvidenceKind::ExistentialThreat);

        // Rows written around the store (imports) are brought in by a sync, once.
        let csv = "account_external_id,kind,occurred_on,notes\nacme,meeting,2026-03-01,Onboarding was painless\nacme,call,2026-03-02,\n";
        let opts = ImportOptions {
            kind: ImportKind::Touchpoints,
            preset: None,
            overrides: vec![],
        };
        s.import_csv(csv.as_bytes(), &opts, false, |_| {}).unwrap();
        let first = s.sync_evidence().unwrap();
        assert_eq!((first.added, first.updated, first.removed), (1, 0, 0));
        assert_eq!(
            s.sync_evidence().unwrap().added,
            0,
            "a second sync finds nothing to do"
        );
        assert_eq!(
            s.list_evidence(&query(&[("source", "touchpoint")]))
                .unwrap()
                .total,
            1
        );
    });
}

#[test]
fn csv_import_with_tags_reimport_and_export() {
    each(|s| {
        let acme = account(s, "Acme");
        contact(s, acme, "Ada Lovelace");
        let csv = "id,Said,When,Company,Person,Labels\n\
                   q1,Reports take forever to load,2026-01-05,acme,ada-lovelace,speed;reports\n\
                   q2,We heard about you at a meetup,2026-01-06,,,\n";
        let opts = ImportOptions {
            kind: ImportKind::Evidence,
            preset: None,
            overrides: [
                ("external_id", "id"),
                ("text", "Said"),
                ("date", "When"),
                ("account_external_id", "Company"),
                ("contact_external_id", "Person"),
                ("tags", "Labels"),
            ]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        };
        let out = s.import_csv(csv.as_bytes(), &opts, false, |_| {}).unwrap();
        assert!(out.committed, "{out:?}");
        assert_eq!(out.counts.inserted, 2);
        let items = s.list_evidence(&query(&[])).unwrap().items;
        let q1 = items
            .iter()
            .find(|e| e.data.external_id.as_deref() == Some("q1"))
            .unwrap();
        assert_eq!(q1.data.source, EvidenceSource::Import);
        assert_eq!(q1.data.account_id, Some(acme));
        assert_eq!(q1.data.kind, EvidenceKind::Problem);
        assert_eq!(q1.data.tags, vec!["reports", "speed"]);
        let q2 = items
            .iter()
            .find(|e| e.data.external_id.as_deref() == Some("q2"))
            .unwrap();
        assert_eq!(
            (q2.data.account_id, q2.data.kind),
            (None, EvidenceKind::Recommendation)
        );
        // The same file again changes nothing; other tags make the row updated.
        let again = s.import_csv(csv.as_bytes(), &opts, false, |_| {}).unwrap();
        assert_eq!(
            (
                again.counts.inserted,
                again.counts.updated,
                again.counts.unchanged
            ),
            (0, 0, 2)
        );
        let retagged = csv.replace("speed;reports", "speed");
        let third = s
            .import_csv(retagged.as_bytes(), &opts, false, |_| {})
            .unwrap();
        assert_eq!((third.counts.updated, third.counts.unchanged), (1, 1));
        let q1 = s.list_evidence(&query(&[("tag", "speed")])).unwrap().items;
        assert_eq!(q1[0].data.tags, vec!["speed"]);
        // A bad row names its line and column; nothing is written.
        let bad = "text,date,account_external_id\nfine,2026-01-01,acme\n,2026-01-02,acme\nx,someday,nobody\n";
        let opts = ImportOptions {
            kind: ImportKind::Evidence,
            preset: None,
            overrides: vec![],
        };
        let out = s.import_csv(bad.as_bytes(), &opts, false, |_| {}).unwrap();
        assert!(!out.committed);
        let msgs: Vec<String> = out
            .errors
            .iter()
            .map(|e| format!("{}:{}:{}", e.line, e.column, e.reason))
            .collect();
        assert!(msgs.iter().any(|m| m.starts_with("3:text:")), "{msgs:?}");
        assert!(msgs.iter().any(|m| m.starts_with("4:date:")), "{msgs:?}");
        assert!(
            msgs.iter().any(|m| m.starts_with("4:account_external_id:")),
            "{msgs:?}"
        );
        assert_eq!(s.list_evidence(&query(&[])).unwrap().total, 2);
        // Export writes the canonical layout, which imports back unchanged.
        let mut out = Vec::new();
        assert_eq!(export_csv(s, ImportKind::Evidence, &mut out).unwrap(), 2);
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("external_id,text,date,account_external_id,contact_external_id,kind,level,source,tags\n"), "{text}");
        assert!(text.contains("q1,Reports take forever to load,2026-01-05,acme,ada-lovelace,problem,3,import,speed"), "{text}");
        let back = s.import_csv(text.as_bytes(), &opts, false, |_| {}).unwrap();
        assert_eq!(back.counts.unchanged, 2, "{back:?}");
    });
}

#[test]
fn privacy_covers_evidence() {
    each(|s| {
        let acme = account(s, "Acme");
        let ada = contact(s, acme, "Ada Lovelace");
        let grace = contact(s, acme, "Grace Hopper");
        let id = |c: i64| c.to_string();
        s.create_evidence(&evidence(&[
            ("text", "Ada here: the sync keeps failing"),
            ("date", "2026-01-01"),
            ("contact_id", &id(ada)),
        ]))
        .unwrap();
        s.create_evidence(&evidence(&[
            ("text", "Grace: love the new reports"),
            ("date", "2026-01-01"),
            ("contact_id", &id(grace)),
        ]))
        .unwrap();
        s.create_nps(
            &NpsData::from_fields(
                acme,
                &Fields::from_pairs([
                    ("score", "9"),
                    ("responded_on", "2026-01-03"),
                    ("contact_id", &id(ada)),
                    ("comment", "Ada Lovelace says it is easy"),
                ]),
            )
            .unwrap(),
        )
        .unwrap();
        // Colleagues' notes name her without linking her; a commitment too.
        let note = s
            .create_touchpoint(
                &TouchpointData::from_fields(
                    acme,
                    &Fields::from_pairs([
                        ("kind", "call"),
                        ("occurred_on", "2026-01-04"),
                        ("notes", "Ada would love higher API limits, like Adams Corp"),
                    ]),
                )
                .unwrap(),
            )
            .unwrap()
            .id;
        let promise = s
            .create_commitment(
                &CommitmentData::from_fields(
                    acme,
                    &Fields::from_pairs([("description", "Introduce Ada to a reference customer")]),
                )
                .unwrap(),
            )
            .unwrap()
            .id;
        let untouched = s
            .create_commitment(
                &CommitmentData::from_fields(
                    acme,
                    &Fields::from_pairs([("description", "Send Grace the roadmap")]),
                )
                .unwrap(),
            )
            .unwrap();
        let export = s.privacy_export(ada).unwrap();
        assert_eq!(export["evidence"].as_array().unwrap().len(), 2, "{export}");
        s.erase_contact(ada).unwrap();
        assert_eq!(
            s.get_touchpoint(note).unwrap().data.notes.as_deref(),
            Some("[erased] would love higher API limits, like Adams Corp"),
            "whole words only"
        );
        // The note's audit entries (made when it was written) lose her name too.
        let entries = s
            .list_audit(&peerstage_store::AuditFilter {
                entity: Some("touchpoint".into()),
                entity_id: Some(note),
                page: 1,
                per_page: 10,
                ..Default::default()
            })
            .unwrap();
        assert!(!entries.items.is_empty());
        for e in &entries.items {
            let text = format!("{} {:?} {:?}", e.summary, e.before, e.after);
            assert!(!text.contains("Ada would"), "{text}");
        }
        assert_eq!(
            s.get_commitment(promise).unwrap().data.description,
            "Introduce [erased] to a reference customer"
        );
        assert_eq!(
            s.get_commitment(untouched.id).unwrap(),
            untouched,
            "not rewritten"
        );
        let left = s.list_evidence(&query(&[])).unwrap().items;
        assert_eq!(
            left.len(),
            3,
            "Ada's own quote is gone; the NPS comment and the colleague's note stay, scrubbed"
        );
        assert!(
            left.iter().all(|e| !e
                .data
                .body
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| w == "Ada" || w == "Lovelace")),
            "{left:?}"
        );
        assert!(left.iter().any(|e| e.data.contact_id == Some(grace)));
    });
}

/// The names of the indexes on `evidence` (and, on SQLite, its triggers that keep the search
/// index in step), read straight from the engine's catalogue.
fn evidence_indexes(db: &TestDb) -> Vec<String> {
    let mut names: Vec<String> = if db.url.starts_with("postgres") {
        let mut client = postgres::Client::connect(&db.url, postgres::NoTls).unwrap();
        client
            .query(
                "SELECT indexname::text FROM pg_indexes WHERE tablename = 'evidence' \
                 UNION ALL SELECT conname::text FROM pg_constraint WHERE conrelid = 'evidence'::regclass",
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect()
    } else {
        let conn = rusqlite::Connection::open(db.url.trim_start_matches("sqlite://")).unwrap();
        let mut st = conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = 'evidence'",
            )
            .unwrap();
        st.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
    };
    names.sort();
    names
}

/// A first sync of many pages (the rules run on a second thread, page by page, while the
/// database reads and writes): every note becomes exactly one item that follows its source,
/// progress reaches the total, and the evidence indexes it deferred are all back.
#[test]
fn a_first_sync_over_many_pages_follows_every_note_and_restores_the_indexes() {
    for db in TestDb::all() {
        let s = &db.store;
        let before = evidence_indexes(&db);
        assert!(before.len() >= 5, "{before:?}");
        let acme = account(s, "Acme");
        let n = 4_500;
        let mut csv = String::from("external_id,account_external_id,kind,occurred_on,notes\n");
        for i in 1..=n {
            // Every tenth touchpoint has no note and gets no evidence.
            let note = if i % 10 == 0 {
                String::new()
            } else {
                format!("Note {i}: they love the new dashboard")
            };
            csv.push_str(&format!(
                "T{i},acme,call,2025-01-{:02},{note}\n",
                i % 28 + 1
            ));
        }
        let options = ImportOptions {
            kind: ImportKind::Touchpoints,
            preset: None,
            overrides: vec![],
        };
        assert!(
            s.import_csv(csv.as_bytes(), &options, false, |_| {})
                .unwrap()
                .committed
        );
        let mut seen = Vec::new();
        let sync = s
            .sync_evidence_with(|done, total| seen.push((done, total)))
            .unwrap();
        let with_notes = n - n / 10;
        assert_eq!(sync.added, with_notes as u64);
        assert_eq!(seen.last(), Some(&(with_notes as u64, with_notes as u64)));
        assert!(
            seen.len() >= 2,
            "progress is reported page by page: {seen:?}"
        );
        assert_eq!(
            evidence_indexes(&db),
            before,
            "deferred indexes are rebuilt"
        );
        // The search index holds every item (SQLite builds it once at the end of a first
        // sync), and follows items written after it.
        assert_eq!(
            s.verify_search_index(true).unwrap(),
            if db.url.starts_with("postgres") {
                IndexCheck::NotNeeded
            } else {
                IndexCheck::Consistent
            }
        );
        for i in [1, 2_345, 4_499] {
            let found = s.search(&SearchQuery::new(&i.to_string())).unwrap();
            assert_eq!(found.total, 1, "note {i}");
        }
        let page = s
            .list_evidence(&query(&[
                ("account_id", &acme.to_string()),
                ("per_page", "500"),
            ]))
            .unwrap();
        assert_eq!(page.total, with_notes as u64);
        let tp = s.list_touchpoints(acme, 1, 1).unwrap().total;
        assert_eq!(tp, n as u64);
        for e in &page.items {
            let i: u64 = e.data.body["Note ".len()..]
                .split(':')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            assert_eq!(
                e.data.external_id.as_deref(),
                Some(format!("ps-ev-tp-{i}").as_str()),
                "each item follows its own touchpoint (ids follow the file)"
            );
        }
        assert_eq!(
            s.sync_evidence().unwrap().added,
            0,
            "a second sync finds nothing"
        );
        let mut later = SearchQuery::new("spreadsheet");
        later.account_id = Some(acme);
        assert_eq!(s.search(&later).unwrap().total, 0);
        s.create_evidence(&evidence(&[
            ("text", "They still keep the forecast in a spreadsheet"),
            ("date", "2026-03-02"),
            ("account_id", &acme.to_string()),
        ]))
        .unwrap();
        assert_eq!(s.search(&later).unwrap().total, 1);
    }
}

/// Two syncs at once (an import's, and the server's at start or another import's) each
/// finish without error, and every note becomes evidence exactly once: on PostgreSQL they
/// used to read the same pending notes and the second failed on evidence's unique key.
#[test]
fn two_syncs_at_once_both_succeed_and_add_each_note_once() {
    for db in TestDb::all() {
        let s = &db.store;
        account(s, "Acme");
        let csv = |from: usize, to: usize| {
            let mut csv = String::from("external_id,account_external_id,kind,occurred_on,notes\n");
            for i in from..=to {
                csv.push_str(&format!(
                    "T{i},acme,call,2025-02-{:02},Note {i}: the export is slow\n",
                    i % 28 + 1
                ));
            }
            csv
        };
        let options = ImportOptions {
            kind: ImportKind::Touchpoints,
            preset: None,
            overrides: vec![],
        };
        // A first sync, so the next ones are ordinary (no table lock of a first load).
        s.import_csv(csv(1, 10).as_bytes(), &options, false, |_| {})
            .unwrap();
        s.sync_evidence().unwrap();
        let more = 3_000;
        s.import_csv(csv(11, 10 + more).as_bytes(), &options, false, |_| {})
            .unwrap();
        let start = std::sync::Barrier::new(2);
        let results: Vec<_> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..2)
                .map(|_| {
                    scope.spawn(|| {
                        start.wait();
                        s.sync_evidence()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let mut added = 0;
        for r in &results {
            match r {
                Ok(sync) => added += sync.added,
                Err(e) => panic!("{}: a sync failed: {e}", s.describe()),
            }
        }
        assert_eq!(added, more as u64, "{}: {results:?}", s.describe());
        let total = s.list_evidence(&query(&[])).unwrap().total;
        assert_eq!(total, 10 + more as u64, "{}", s.describe());
    }
}
