//! Media with transcripts (C2) and strategy sessions with action plans (C7) on SQLite and
//! (when `PEERSTAGE_TEST_POSTGRES_URL` is set) PostgreSQL: transcript items become evidence
//! linked to their moment, a new transcript replaces the old, consent and links are kept,
//! erasing a person removes their recordings and files; sessions gather items with notes,
//! actions link evidence and themes, open actions group by owner, progress per month.

use chrono::NaiveDate;
use peerstage_core::account::AccountData;
use peerstage_core::contact::ContactData;
use peerstage_core::evidence::{EvidenceData, EvidenceSource};
use peerstage_core::media::{MediaConsent, MediaData};
use peerstage_core::strategy::{ActionData, ActionStatus, ItemData, SessionData};
use peerstage_core::transcript::{items, TranscriptFormat};
use peerstage_core::Fields;
use peerstage_store::testing::TestDb;
use peerstage_store::{ActionFilter, MediaConfig, MediaQuery, Store, StoreError, StoredFile};

fn each(test: impl Fn(&Store)) {
    for db in TestDb::all() {
        test(&db.store);
    }
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn account(s: &Store, name: &str) -> i64 {
    let f = Fields::from_pairs([("name", name), ("external_id", name)]);
    s.create_account(&AccountData::from_fields(&f).unwrap())
        .unwrap()
        .id
}

fn contact(s: &Store, account_id: i64, name: &str) -> i64 {
    let f = Fields::from_pairs([("name", name), ("reference_consent", "yes")]);
    s.create_contact(&ContactData::from_fields(account_id, &f).unwrap())
        .unwrap()
        .id
}

fn media(pairs: &[(&str, &str)], file: Option<&str>) -> MediaData {
    MediaData::from_fields(&Fields::from_pairs(pairs.iter().copied()), file).unwrap()
}

const SRT: &str = "1\n00:00:01,000 --> 00:00:04,000\nDana: Month-end close used to take us nine days.\n\n2\n00:00:04,100 --> 00:00:07,000\nNow it takes three, because reconciliation runs every night.\n\n3\n00:00:20,000 --> 00:00:24,000\nSam: What would make you leave us?\n";

#[test]
fn a_transcript_becomes_evidence_linked_to_its_moments() {
    each(|s| {
        let acme = account(s, "Acme");
        let dana = contact(s, acme, "Dana Ruiz");
        let m = s
            .create_media(
                &media(
                    &[
                        ("title", "Acme: why we stayed"),
                        ("kind", "video"),
                        ("link", "https://videos.example/acme.mp4"),
                        ("contact_id", &dana.to_string()),
                        ("recorded_on", "2026-02-10"),
                        ("consent", "internal"),
                        ("duration", "12:30"),
                    ],
                    None,
                ),
                None,
            )
            .unwrap();
        // The contact supplies the account.
        assert_eq!(m.data.account_id, Some(acme));
        assert_eq!(m.data.duration_ms, Some(750_000));
        assert_eq!(
            m.source_url().as_deref(),
            Some("https://videos.example/acme.mp4")
        );

        let parsed = items(SRT, TranscriptFormat::Srt).unwrap();
        assert_eq!(parsed.len(), 2);
        let n = s
            .attach_transcript(m.id, TranscriptFormat::Srt, &parsed, day("2026-03-01"))
            .unwrap();
        assert_eq!(n, 2);
        let ev = s.media_evidence(m.id).unwrap();
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[0].data.source, EvidenceSource::Transcript);
        assert_eq!(ev[0].data.media_start_ms, Some(1000));
        assert_eq!(ev[0].data.media_end_ms, Some(7000));
        assert!(ev[0]
            .data
            .body
            .starts_with("Month-end close used to take us nine days. Now it takes three"));
        assert_eq!(ev[0].data.occurred_on, day("2026-02-10"));
        assert_eq!(ev[0].data.contact_id, Some(dana));
        assert_eq!(ev[0].data.account_id, Some(acme));
        assert_eq!(ev[0].data.tags, vec!["speaker: dana".to_string()]);
        assert_eq!(ev[1].data.media_start_ms, Some(20_000));
        assert_eq!(ev[0].media_title.as_deref(), Some("Acme: why we stayed"));
        let got = s.get_media(m.id).unwrap();
        assert_eq!(got.transcript_format, Some(TranscriptFormat::Srt));
        assert_eq!(got.evidence_count, 2);

        // A corrected transcript replaces the old items; evidence added by hand stays.
        let mut own = EvidenceData::new(
            "Dana's follow-up email",
            EvidenceSource::Pasted,
            day("2026-02-11"),
        );
        own.media_id = Some(m.id);
        s.create_evidence(&own).unwrap();
        let plain = items(
            "[00:00:02] Dana: Nine days became three.\n",
            TranscriptFormat::Text,
        )
        .unwrap();
        s.attach_transcript(m.id, TranscriptFormat::Text, &plain, day("2026-03-01"))
            .unwrap();
        let ev = s.media_evidence(m.id).unwrap();
        assert_eq!(ev.len(), 2, "{ev:?}");
        assert!(ev.iter().any(|e| e.data.body == "Nine days became three."));
        assert!(ev.iter().any(|e| e.data.source == EvidenceSource::Pasted));

        // Consent and the customer change; transcript evidence follows the customer.
        let other = account(s, "Globex");
        let mut d = got.data.clone();
        d.consent = MediaConsent::External;
        d.contact_id = None;
        d.account_id = Some(other);
        let up = s.update_media(m.id, &d).unwrap();
        assert_eq!(up.data.consent, MediaConsent::External);
        let ev = s.media_evidence(m.id).unwrap();
        let t = ev
            .iter()
            .find(|e| e.data.source == EvidenceSource::Transcript)
            .unwrap();
        assert_eq!(t.data.account_id, Some(other));
        assert_eq!(t.data.contact_id, None);

        // A link-only recording cannot lose its link.
        let mut d = up.data.clone();
        d.link = None;
        match s.update_media(m.id, &d) {
            Err(StoreError::Invalid(e)) => assert!(e.get("link").is_some()),
            other => panic!("expected a link error, got {other:?}"),
        }
        // Bad links are refused by field.
        let mut d = up.data.clone();
        d.contact_id = Some(dana);
        match s.update_media(m.id, &d) {
            Err(StoreError::Invalid(e)) => assert!(e
                .get("contact_id")
                .unwrap()
                .contains("is not a contact of account")),
            other => panic!("expected a contact error, got {other:?}"),
        }
        assert!(matches!(
            s.attach_transcript(9999, TranscriptFormat::Text, &plain, day("2026-03-01")),
            Err(StoreError::NotFound { .. })
        ));

        let lib = s
            .list_media(&MediaQuery {
                consent: Some(MediaConsent::External),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(lib.len(), 1);
        assert!(s
            .list_media(&MediaQuery {
                consent: Some(MediaConsent::None),
                ..Default::default()
            })
            .unwrap()
            .is_empty());

        s.delete_media(m.id).unwrap();
        assert!(s
            .media_evidence(m.id)
            .unwrap()
            .iter()
            .all(|e| e.data.source != EvidenceSource::Transcript));
        assert!(matches!(
            s.get_media(m.id),
            Err(StoreError::NotFound { .. })
        ));
    });
}

#[test]
fn erasing_a_person_removes_their_recordings_files_and_transcripts() {
    each(|s| {
        let dir = std::env::temp_dir().join(format!(
            "peerstage-media-test-{}-{}",
            std::process::id(),
            s.describe().len()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        s.set_media_config(MediaConfig {
            dir: Some(dir.clone()),
            max_bytes: 0,
        });
        assert_eq!(s.media_dir(), Some(dir.clone()));
        let stored = format!("{}-dana.mp4", std::process::id());
        std::fs::write(dir.join(&stored), b"not really a video").unwrap();
        let acme = account(s, "Acme");
        let dana = contact(s, acme, "Dana Ruiz");
        let m = s
            .create_media(
                &media(
                    &[
                        ("title", "Dana on onboarding"),
                        ("contact_id", &dana.to_string()),
                    ],
                    Some("dana.mp4"),
                ),
                Some(&StoredFile {
                    file_name: stored.clone(),
                    size: 18,
                    content_type: "video/mp4".into(),
                }),
            )
            .unwrap();
        assert_eq!(m.source_url(), Some(format!("/media/{}/file", m.id)));
        assert_eq!(m.file_size, Some(18));
        let parsed = items(SRT, TranscriptFormat::Srt).unwrap();
        s.attach_transcript(m.id, TranscriptFormat::Srt, &parsed, day("2026-03-01"))
            .unwrap();

        let export = s.privacy_export(dana).unwrap();
        assert_eq!(export["media"][0]["title"], "Dana on onboarding");

        s.erase_contact(dana).unwrap();
        assert!(matches!(
            s.get_media(m.id),
            Err(StoreError::NotFound { .. })
        ));
        assert!(s.media_evidence(m.id).unwrap().is_empty());
        assert!(!dir.join(&stored).exists(), "the file is removed");
        assert!(s.media_path("../etc/passwd").is_none());
        let _ = std::fs::remove_dir_all(&dir);
    });
}

fn evidence(s: &Store, text: &str) -> i64 {
    s.create_evidence(&EvidenceData::new(
        text,
        EvidenceSource::Pasted,
        day("2026-01-15"),
    ))
    .unwrap()
    .id
}

fn action(pairs: &[(&str, &str)]) -> ActionData {
    ActionData::from_fields(&Fields::from_pairs(pairs.iter().copied())).unwrap()
}

#[test]
fn sessions_gather_items_with_notes_and_actions_link_what_drove_them() {
    each(|s| {
        let m = s
            .create_media(
                &media(
                    &[
                        ("title", "Rep video: Acme"),
                        ("kind", "video"),
                        ("consent", "internal"),
                        ("link", "https://v.example/1"),
                    ],
                    None,
                ),
                None,
            )
            .unwrap();
        let no_consent = s
            .create_media(
                &media(
                    &[
                        ("title", "Not agreed"),
                        ("kind", "audio"),
                        ("link", "https://v.example/2"),
                    ],
                    None,
                ),
                None,
            )
            .unwrap();
        let e1 = evidence(s, "Reconciliation takes nine days every month.");
        let e2 = evidence(s, "We would leave if exports stay this slow.");
        let session = s
            .create_strategy_session(
                &SessionData::from_fields(&Fields::from_pairs([
                    ("title", "Q1 customer video day"),
                    ("held_on", "2026-02-20"),
                    ("attendees", "Sales: Ana, Bo; Engineering: Cy; Support: Di"),
                ]))
                .unwrap(),
            )
            .unwrap();
        let i1 = s
            .add_session_item(
                session.id,
                &ItemData::from_fields(&Fields::from_pairs([("media_id", m.id.to_string())]))
                    .unwrap(),
            )
            .unwrap();
        let i2 = s
            .add_session_item(
                session.id,
                &ItemData::from_fields(&Fields::from_pairs([
                    ("evidence_id", e2.to_string()),
                    ("discussion", "Support sees this weekly".to_string()),
                ]))
                .unwrap(),
            )
            .unwrap();
        assert_eq!((i1.position, i2.position), (1, 2));
        assert_eq!(i1.media.as_ref().unwrap().data.title, "Rep video: Acme");
        // The same thing twice, or something that does not exist, is refused by field.
        match s.add_session_item(
            session.id,
            &ItemData::from_fields(&Fields::from_pairs([("media_id", m.id.to_string())])).unwrap(),
        ) {
            Err(StoreError::Conflict { field, .. }) => assert_eq!(field, "media_id"),
            other => panic!("expected a conflict, got {other:?}"),
        }
        match s.add_session_item(
            session.id,
            &ItemData::from_fields(&Fields::from_pairs([("evidence_id", "99999")])).unwrap(),
        ) {
            Err(StoreError::Invalid(e)) => assert!(e
                .get("evidence_id")
                .unwrap()
                .contains("there is no evidence 99999")),
            other => panic!("expected an invalid field, got {other:?}"),
        }
        match s.add_session_item(
            session.id,
            &ItemData::from_fields(&Fields::from_pairs([(
                "media_id",
                no_consent.id.to_string(),
            )]))
            .unwrap(),
        ) {
            Err(StoreError::Invalid(e)) => {
                assert!(e.get("media_id").unwrap().contains("no consent recorded"))
            }
            other => panic!("expected a consent error, got {other:?}"),
        }
        let noted = s
            .set_item_discussion(
                i1.id,
                Some("  Engineers had never heard the close described.  "),
            )
            .unwrap();
        assert_eq!(
            noted.discussion.as_deref(),
            Some("Engineers had never heard the close described.")
        );

        let sid = session.id.to_string();
        let a1 = s
            .create_action(
                &action(&[
                    ("title", "Nightly reconciliation for all plans"),
                    ("owner", "Cy"),
                    ("due_on", "2026-03-31"),
                    ("session_id", &sid),
                    ("evidence_ids", &format!("{e1}, {e2}")),
                ]),
                day("2026-02-20"),
            )
            .unwrap();
        assert_eq!(a1.evidence.len(), 2);
        assert_eq!(
            a1.action.session_title.as_deref(),
            Some("Q1 customer video day")
        );
        assert_eq!(a1.action.created_on, day("2026-02-20"));
        let a2 = s
            .create_action(
                &action(&[
                    ("title", "Call Acme about exports"),
                    ("owner", "Ana"),
                    ("session_id", &sid),
                    ("evidence_ids", &e2.to_string()),
                ]),
                day("2026-02-20"),
            )
            .unwrap();
        s.create_action(
            &action(&[
                ("title", "Weekly digest for support"),
                ("owner", "ana"),
                ("status", "in_progress"),
            ]),
            day("2026-01-05"),
        )
        .unwrap();
        // Unknown links are refused by field, and nothing is written.
        match s.create_action(
            &action(&[
                ("title", "x"),
                ("owner", "y"),
                ("evidence_ids", "424242"),
                ("theme_ids", "515151"),
                ("session_id", "777"),
            ]),
            day("2026-02-20"),
        ) {
            Err(StoreError::Invalid(e)) => {
                assert!(e.get("evidence_ids").unwrap().contains("424242"));
                assert!(e.get("session_id").unwrap().contains("777"));
            }
            other => panic!("expected invalid links, got {other:?}"),
        }
        match s.create_action(
            &action(&[("title", "x"), ("owner", "y"), ("theme_ids", "515151")]),
            day("2026-02-20"),
        ) {
            Err(StoreError::Invalid(e)) => assert!(e
                .get("theme_ids")
                .unwrap()
                .contains("there is no theme 515151")),
            other => panic!("expected an unknown theme, got {other:?}"),
        }
        assert_eq!(s.list_actions(&ActionFilter::default()).unwrap().len(), 3);

        let detail = s.get_strategy_session(session.id).unwrap();
        assert_eq!(detail.items.len(), 2);
        assert_eq!(detail.actions.len(), 2);
        assert_eq!(detail.session.open_actions, 2);

        // Done records the day; reopening clears it.
        let mut d = a2.action.data.clone();
        d.status = ActionStatus::Done;
        let done = s
            .update_action(a2.action.id, &d, day("2026-03-02"))
            .unwrap();
        assert_eq!(done.action.done_on, Some(day("2026-03-02")));
        let again = s
            .update_action(a2.action.id, &d, day("2026-03-09"))
            .unwrap();
        assert_eq!(
            again.action.done_on,
            Some(day("2026-03-02")),
            "kept while it stays done"
        );

        // Open actions by owner: Ana (any case) has one left, Cy one; done ones are not listed.
        let groups = s.open_actions_by_owner().unwrap();
        let owners: Vec<(&str, usize)> =
            groups.iter().map(|(o, v)| (o.as_str(), v.len())).collect();
        assert_eq!(owners, [("ana", 1), ("Cy", 1)]);
        assert_eq!(groups[1].1[0].evidence.len(), 2);

        let p = s.action_progress(day("2026-03-15"), 3).unwrap();
        let rows: Vec<(&str, u64, u64, u64)> = p
            .iter()
            .map(|m| (m.month.as_str(), m.created, m.done, m.open_at_end))
            .collect();
        assert_eq!(
            rows,
            [
                ("2026-01", 1, 0, 1),
                ("2026-02", 2, 0, 3),
                ("2026-03", 0, 1, 2)
            ]
        );

        let mut d = done.action.data.clone();
        d.status = ActionStatus::Open;
        let reopened = s
            .update_action(a2.action.id, &d, day("2026-03-10"))
            .unwrap();
        assert_eq!(reopened.action.done_on, None);

        // Removing an item or the session keeps the actions (without a session).
        assert_eq!(s.remove_session_item(i2.id).unwrap(), session.id);
        s.delete_strategy_session(session.id).unwrap();
        let left = s.get_action(a1.action.id).unwrap();
        assert_eq!(left.action.data.session_id, None);
        assert_eq!(left.evidence.len(), 2);
        // Deleting evidence drops it from the action.
        s.delete_evidence(e1).unwrap();
        assert_eq!(s.get_action(a1.action.id).unwrap().evidence.len(), 1);
        s.delete_action(a1.action.id).unwrap();
        assert!(matches!(
            s.get_action(a1.action.id),
            Err(StoreError::NotFound { .. })
        ));
    });
}

#[test]
fn the_media_library_sorts_and_pages_in_the_database() {
    use peerstage_core::account::Paging;
    use peerstage_core::media::MediaSort;
    each(|s| {
        let acme = account(s, "Acme");
        let zeta = account(s, "zeta Corp");
        // title, recorded on, duration, account, consent
        let rows: [(&str, &str, &str, Option<i64>, &str); 5] = [
            ("Delta", "2026-01-04", "10:00", Some(zeta), "internal"),
            ("alpha", "2026-01-02", "1:00", Some(acme), "external"),
            ("Echo", "", "", None, "none"),
            ("charlie", "2026-01-05", "30", Some(acme), "external"),
            ("Bravo", "2026-01-01", "2:00", None, "internal"),
        ];
        let mut ids = std::collections::HashMap::new();
        for (title, on, dur, acc, consent) in rows {
            let acc = acc.map(|a| a.to_string()).unwrap_or_default();
            let m = s
                .create_media(
                    &media(
                        &[
                            ("title", title),
                            ("kind", "video"),
                            ("link", "https://videos.example/x.mp4"),
                            ("recorded_on", on),
                            ("duration", dur),
                            ("account_id", &acc),
                            ("consent", consent),
                        ],
                        None,
                    ),
                    None,
                )
                .unwrap();
            ids.insert(title, m.id);
        }
        s.attach_transcript(
            ids["Bravo"],
            TranscriptFormat::Text,
            &items("One.\n\nTwo.\n\nThree.", TranscriptFormat::Text).unwrap(),
            day("2026-03-01"),
        )
        .unwrap();
        s.attach_transcript(
            ids["Delta"],
            TranscriptFormat::Text,
            &items("Only one.", TranscriptFormat::Text).unwrap(),
            day("2026-03-01"),
        )
        .unwrap();
        let list = |sort: Option<MediaSort>, desc: bool, page: u32, per_page: u32| {
            let p = s
                .list_media_page(&MediaQuery {
                    paging: Paging {
                        sort,
                        descending: desc,
                        page,
                        per_page,
                    },
                    ..Default::default()
                })
                .unwrap();
            let titles: Vec<String> = p.items.iter().map(|m| m.data.title.clone()).collect();
            (titles, p.total)
        };
        // Without a sort: latest recording first, undated last.
        assert_eq!(
            list(None, false, 1, 25).0,
            ["charlie", "Delta", "alpha", "Bravo", "Echo"]
        );
        // Titles ignore case; pages of two with the total on each.
        assert_eq!(
            list(Some(MediaSort::Title), false, 1, 2),
            (vec!["alpha".to_string(), "Bravo".to_string()], 5)
        );
        assert_eq!(
            list(Some(MediaSort::Title), false, 2, 2),
            (vec!["charlie".to_string(), "Delta".to_string()], 5)
        );
        assert_eq!(
            list(Some(MediaSort::Title), false, 3, 2),
            (vec!["Echo".to_string()], 5)
        );
        assert_eq!(list(Some(MediaSort::Title), false, 4, 2), (vec![], 5));
        assert_eq!(
            list(Some(MediaSort::Title), true, 1, 2).0,
            ["Echo", "Delta"]
        );
        // Recordings without a customer come last in both directions.
        let customers = list(Some(MediaSort::Customer), false, 1, 25).0;
        // Ties (two recordings of Acme) in the order they were added.
        assert_eq!(customers[..3], ["alpha", "charlie", "Delta"]);
        let customers = list(Some(MediaSort::Customer), true, 1, 25).0;
        assert_eq!(customers[..3], ["Delta", "charlie", "alpha"]);
        assert_eq!(customers[3..].len(), 2);
        assert!(customers[3..].iter().all(|t| t == "Echo" || t == "Bravo"));
        assert_eq!(
            list(Some(MediaSort::Recorded), false, 1, 25).0,
            ["Bravo", "alpha", "Delta", "charlie", "Echo"]
        );
        assert_eq!(
            list(Some(MediaSort::Duration), true, 1, 25).0,
            ["Delta", "Bravo", "alpha", "charlie", "Echo"]
        );
        assert_eq!(
            list(Some(MediaSort::Items), true, 1, 2).0,
            ["Bravo", "Delta"]
        );
        // Filters narrow the total as well as the page.
        let p = s
            .list_media_page(&MediaQuery {
                consent: Some(MediaConsent::External),
                paging: Paging {
                    sort: Some(MediaSort::Title),
                    descending: true,
                    page: 1,
                    per_page: 1,
                },
                ..Default::default()
            })
            .unwrap();
        assert_eq!((p.total, p.pages()), (2, 2));
        assert_eq!(p.items[0].data.title, "charlie");
    });
}
