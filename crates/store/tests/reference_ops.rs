//! Reference program operations on SQLite and (when `PEERSTAGE_TEST_POSTGRES_URL` is set)
//! PostgreSQL: consent per activity type and its expiry, automatic nominations and their
//! aging, feedback links (single use, expiry), manager confirmation, the busy flag and
//! loosened-criterion suggestions in matching, and the operations queue.

use chrono::{Duration, NaiveDate, Utc};
use peerstage_core::account::AccountData;
use peerstage_core::advocacy::Opportunity;
use peerstage_core::contact::ContactData;
use peerstage_core::evidence::{EvidenceData, EvidenceKind, EvidenceSource};
use peerstage_core::nps::NpsData;
use peerstage_core::reference::{Criteria, Criterion, NewRequest, RequestStatus};
use peerstage_core::refops::{
    ConsentActivity, ConsentData, FeedbackData, NewNomination, NominationSource, NominationStatus,
};
use peerstage_core::{Fields, ReferenceConsent};
use peerstage_store::testing::TestDb;
use peerstage_store::{LinkState, ProgramSettings, Store, StoreError};

/// Timestamps are real (`now()`), so these tests run on the real date.
fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn each(test: impl Fn(&Store)) {
    for db in TestDb::all() {
        test(&db.store);
    }
}

fn account(s: &Store, name: &str, extra: &[(&str, &str)]) -> i64 {
    let mut f = Fields::from_pairs([
        ("name", name),
        ("industry", "Healthcare"),
        ("region", "emea"),
        ("employees", "500"),
    ]);
    for (k, v) in extra {
        f.set(k, *v);
    }
    s.create_account(&AccountData::from_fields(&f).unwrap())
        .unwrap()
        .id
}

fn contact(s: &Store, account_id: i64, name: &str, consent: &str) -> i64 {
    let f = Fields::from_pairs([("name", name), ("reference_consent", consent)]);
    s.create_contact(&ContactData::from_fields(account_id, &f).unwrap())
        .unwrap()
        .id
}

fn consent(s: &Store, contact_id: i64, activity: &str, answer: &str, expires: Option<NaiveDate>) {
    let mut f = Fields::from_pairs([("activity", activity), ("consent", answer)]);
    f.set("given_on", (today() - Duration::days(400)).to_string());
    if let Some(x) = expires {
        f.set("expires_on", x.to_string());
    }
    s.set_activity_consent(contact_id, &ConsentData::from_fields(&f, today()).unwrap())
        .unwrap();
}

fn nps(s: &Store, account_id: i64, contact_id: i64, score: i64, on: NaiveDate) {
    let f = Fields::from_pairs([
        ("score", score.to_string()),
        ("responded_on", on.to_string()),
        ("contact_id", contact_id.to_string()),
    ]);
    s.create_nps(&NpsData::from_fields(account_id, &f).unwrap())
        .unwrap();
}

fn request(s: &Store, activity: Opportunity, criteria: Criteria) -> i64 {
    s.create_request(&NewRequest {
        prospect_account_id: None,
        prospect_name: "Prospect".into(),
        deal_value: 50_000,
        needed_by: None,
        activity,
        criteria,
        notes: None,
    })
    .unwrap()
    .id
}

fn healthcare() -> Criteria {
    Criteria {
        industry: Some(Criterion {
            value: "Healthcare".into(),
            required: true,
        }),
        ..Default::default()
    }
}

/// Moves a request to completed with `advocate`.
fn complete(s: &Store, id: i64, advocate: i64) {
    for to in [
        RequestStatus::Proposed,
        RequestStatus::Asked,
        RequestStatus::Accepted,
        RequestStatus::Completed,
    ] {
        s.advance_request(id, to, Some(advocate), None, today())
            .unwrap();
    }
}

#[test]
fn consent_is_per_activity_and_the_general_consent_still_applies() {
    each(|s| {
        let a = account(s, "Clinic", &[]);
        // General yes, but no published content.
        let calls = contact(s, a, "Calls Only", "yes");
        consent(s, calls, "case_study", "no", None);
        // General no, but a call is fine.
        let one = contact(s, a, "One Call", "no");
        consent(s, one, "reference_call", "yes", None);
        let untouched = contact(s, a, "Plain Yes", "yes");

        let rows = s.contact_consents(calls, today()).unwrap();
        assert_eq!(rows.len(), ConsentActivity::COUNT);
        let case = rows
            .iter()
            .find(|r| r.activity == ConsentActivity::CaseStudy)
            .unwrap();
        assert!(case.recorded && case.effective == ReferenceConsent::No);
        assert_eq!(case.kind, "published");
        let logo = rows
            .iter()
            .find(|r| r.activity == ConsentActivity::Logo)
            .unwrap();
        assert!(!logo.recorded && logo.effective == ReferenceConsent::Yes);

        let names = |m: &peerstage_core::reference::MatchResult| {
            let mut v: Vec<i64> = m.candidates.iter().map(|c| c.contact_id).collect();
            v.sort();
            v
        };
        let case_req = request(s, Opportunity::CaseStudy, healthcare());
        let m = s.match_request(case_req, today(), 10).unwrap();
        assert_eq!(names(&m), vec![untouched]);
        assert!(m
            .excluded
            .iter()
            .any(|e| e.contact_id == calls && e.reasons[0] == "no consent for case study"));
        let call_req = request(s, Opportunity::ReferenceCall, healthcare());
        let m = s.match_request(call_req, today(), 10).unwrap();
        assert_eq!(names(&m), vec![calls, one, untouched]);

        // The workflow applies the same rule.
        let e = s
            .advance_request(
                case_req,
                RequestStatus::Proposed,
                Some(calls),
                None,
                today(),
            )
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid(f) if f.get("contact_id").unwrap().contains("case study")),
            "{e:?}"
        );
        s.advance_request(call_req, RequestStatus::Proposed, Some(one), None, today())
            .unwrap();

        // Clearing the record brings back the general consent.
        s.clear_activity_consent(calls, ConsentActivity::CaseStudy)
            .unwrap();
        let m = s.match_request(case_req, today(), 10).unwrap();
        assert_eq!(names(&m), vec![calls, untouched]);

        // Bad input names its field.
        let bad = ConsentData::from_fields(
            &Fields::from_pairs([("activity", "podcast"), ("consent", "yes")]),
            today(),
        )
        .unwrap_err();
        assert!(bad.get("activity").is_some());
    });
}

#[test]
fn expired_consent_is_ask_first_and_listed_before_it_expires() {
    each(|s| {
        let a = account(s, "Clinic", &[]);
        let expired = contact(s, a, "Expired Consent", "no");
        consent(
            s,
            expired,
            "reference_call",
            "yes",
            Some(today() - Duration::days(2)),
        );
        let soon = contact(s, a, "Expiring Soon", "no");
        consent(
            s,
            soon,
            "reference_call",
            "yes",
            Some(today() + Duration::days(10)),
        );
        let later = contact(s, a, "Expiring Later", "no");
        consent(
            s,
            later,
            "reference_call",
            "yes",
            Some(today() + Duration::days(90)),
        );

        let req = request(s, Opportunity::ReferenceCall, healthcare());
        let m = s.match_request(req, today(), 10).unwrap();
        let e = m
            .candidates
            .iter()
            .find(|c| c.contact_id == expired)
            .expect("expired consent still matches, as ask first");
        assert!(e.ask_first && e.consent_expired, "{e:?}");
        assert!(e.reasons.iter().any(|r| r.contains("expired: ask first")));
        let f = m.candidates.iter().find(|c| c.contact_id == soon).unwrap();
        assert!(!f.ask_first && !f.consent_expired);

        let rows = s.contact_consents(expired, today()).unwrap();
        let call = &rows[ConsentActivity::ReferenceCall.index()];
        assert!(call.expired && call.effective == ReferenceConsent::AskFirst);
        assert_eq!(call.consent, ReferenceConsent::Yes);

        let list = s.expiring_consents(today(), 30).unwrap();
        let ids: Vec<(i64, i64)> = list.iter().map(|x| (x.contact_id, x.days_left)).collect();
        assert_eq!(ids, vec![(expired, -2), (soon, 10)]);
    });
}

#[test]
fn promoters_and_praise_are_nominated_automatically_and_nominations_age() {
    each(|s| {
        let a = account(s, "Clinic", &[]);
        let promoter = contact(s, a, "Promoter", "no");
        nps(s, a, promoter, 9, today() - Duration::days(20));
        let turned = contact(s, a, "Turned Passive", "no");
        nps(s, a, turned, 10, today() - Duration::days(200));
        nps(s, a, turned, 6, today() - Duration::days(10));
        let known = contact(s, a, "Known Advocate", "yes");
        nps(s, a, known, 10, today() - Duration::days(5));
        s.set_advocate_profile(known, true, false, None).unwrap();
        let fan = contact(s, a, "Fan", "no");
        let mut ev = EvidenceData::new(
            "The onboarding team was wonderful, we love it",
            EvidenceSource::Pasted,
            today() - Duration::days(3),
        );
        ev.kind = EvidenceKind::Praise;
        ev.account_id = Some(a);
        ev.contact_id = Some(fan);
        s.create_evidence(&ev).unwrap();
        let colleague = contact(s, a, "Colleague Pick", "no");

        let n = s
            .nominate(
                &NewNomination {
                    contact_id: colleague,
                    reason: "ran our user group".into(),
                },
                today(),
            )
            .unwrap();
        assert_eq!(n.source, NominationSource::Manual);
        assert_eq!(n.status, NominationStatus::Nominated);

        let list = s.list_nominations(None, today()).unwrap();
        let by = |cid: i64| list.iter().find(|n| n.contact_id == cid);
        assert_eq!(
            by(promoter).map(|n| n.source),
            Some(NominationSource::NpsPromoter)
        );
        assert!(by(promoter).unwrap().reason.contains("answered 9"));
        assert_eq!(by(fan).map(|n| n.source), Some(NominationSource::Praise));
        assert!(by(turned).is_none(), "the latest answer is a 6");
        assert!(by(known).is_none(), "already an advocate");
        assert_eq!(list.len(), 3);
        // Proposing again adds nobody twice.
        assert_eq!(s.propose_nominations().unwrap(), 0);
        // The audit log says peerstage proposed them, not whoever opened the list.
        let log = s
            .list_audit(&peerstage_store::AuditFilter {
                entity: Some("nomination".into()),
                per_page: 50,
                ..Default::default()
            })
            .unwrap();
        let automatic = log.items.iter().filter(|e| e.actor == "automatic").count();
        assert_eq!(automatic, 2, "{:?}", log.items);
        // A second manual nomination of the same person is a conflict on the field.
        let dup = s
            .nominate(
                &NewNomination {
                    contact_id: promoter,
                    reason: "again".into(),
                },
                today(),
            )
            .unwrap_err();
        assert!(matches!(dup, StoreError::Conflict { ref field, .. } if field == "contact_id"));

        // Untouched for 14 days (the default) is flagged; a later change resets it.
        let later = today() + Duration::days(15);
        let aged = s.list_nominations(None, later).unwrap();
        assert!(aged.iter().all(|n| n.stale), "{aged:?}");
        let moved = s
            .advance_nomination(n.id, NominationStatus::Contacted, None, today())
            .unwrap();
        assert!(moved.touched_at >= n.touched_at && !moved.stale);
        assert_eq!(moved.status, NominationStatus::Contacted);
        // Configurable.
        s.save_program_settings(&ProgramSettings {
            nomination_stale_days: 30,
            ..ProgramSettings::default()
        })
        .unwrap();
        assert!(s
            .list_nominations(None, later)
            .unwrap()
            .iter()
            .all(|n| !n.stale));

        // The workflow: recruiting makes an advocate record; skipping a step is refused.
        let e = s
            .advance_nomination(n.id, NominationStatus::Active, None, today())
            .unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)));
        s.advance_nomination(n.id, NominationStatus::Recruited, None, today())
            .unwrap();
        let p = s.advocate_profile(colleague, today()).unwrap();
        assert!(!p.lead_user);
        let done = s
            .advance_nomination(n.id, NominationStatus::Active, None, later)
            .unwrap();
        assert!(!done.stale, "finished nominations never age");
    });
}

#[test]
fn feedback_links_work_once_and_expire_and_reports_separate_confirmed() {
    each(|s| {
        let a = account(s, "Clinic", &[]);
        let adv = contact(s, a, "Advocate", "yes");
        let r1 = request(s, Opportunity::ReferenceCall, healthcare());
        // Feedback is for completed activities.
        let early = s.create_feedback_link(r1).unwrap_err();
        assert!(matches!(early, StoreError::Invalid(_)));
        complete(s, r1, adv);
        let r2 = request(s, Opportunity::ReferenceCall, healthcare());
        complete(s, r2, adv);
        let r3 = request(s, Opportunity::ReferenceCall, healthcare());
        complete(s, r3, adv);
        let rep = s.program_report(today()).unwrap();
        assert_eq!((rep.confirmed, rep.unconfirmed), (0, 3));

        let link = s.create_feedback_link(r1).unwrap();
        assert!(link.path.starts_with("/feedback/fb_"));
        let now = Utc::now();
        assert!(matches!(
            s.feedback_link(&link.token, now).unwrap(),
            LinkState::Valid { request_id, .. } if request_id == r1
        ));
        let answer = FeedbackData::from_fields(&Fields::from_pairs([
            ("helped", "yes"),
            ("comments", "Nice people"),
            ("would_repeat", "yes"),
        ]))
        .unwrap();
        assert!(matches!(
            s.submit_link_feedback(&link.token, &answer, now).unwrap(),
            LinkState::Valid { .. }
        ));
        // Single use.
        assert!(matches!(
            s.submit_link_feedback(&link.token, &answer, now).unwrap(),
            LinkState::Used
        ));
        assert!(matches!(
            s.feedback_link(&link.token, now).unwrap(),
            LinkState::Used
        ));
        let got = s.get_request(r1).unwrap();
        assert!(got.confirmed);
        assert_eq!(got.feedback.len(), 1);
        assert_eq!(got.feedback[0].would_repeat, Some(true));

        // Expiry: 14 days.
        let l2 = s.create_feedback_link(r2).unwrap();
        let later = now + Duration::days(15);
        assert!(matches!(
            s.feedback_link(&l2.token, later).unwrap(),
            LinkState::Expired
        ));
        assert!(matches!(
            s.submit_link_feedback(&l2.token, &answer, later).unwrap(),
            LinkState::Expired
        ));
        assert!(s.request_feedback(r2).unwrap().is_empty());
        // A made-up token is unknown; the stored value is a hash, not the token.
        assert!(matches!(
            s.feedback_link("fb_nope", now).unwrap(),
            LinkState::Unknown
        ));

        // The rep's feedback and a manager's confirmation also confirm.
        s.leave_rep_feedback(
            r2,
            &FeedbackData::from_fields(&Fields::from_pairs([
                ("helped", "no"),
                ("prospect_asked", "Integration effort"),
            ]))
            .unwrap(),
        )
        .unwrap();
        let rep = s.program_report(today()).unwrap();
        assert_eq!((rep.confirmed, rep.unconfirmed), (2, 1));
        s.confirm_request(r3).unwrap();
        let rep = s.program_report(today()).unwrap();
        assert_eq!((rep.confirmed, rep.unconfirmed), (3, 0));
        let r4 = request(s, Opportunity::ReferenceCall, healthcare());
        assert!(matches!(
            s.confirm_request(r4).unwrap_err(),
            StoreError::Invalid(_)
        ));
    });
}

#[test]
fn busy_advocates_are_flagged_in_matching_and_the_ops_queue() {
    each(|s| {
        let a = account(s, "Clinic", &[]);
        let busy = contact(s, a, "Busy Bee", "yes");
        let free = contact(s, a, "Free Bird", "yes");
        let r1 = request(s, Opportunity::ReferenceCall, healthcare());
        s.advance_request(r1, RequestStatus::Proposed, Some(busy), None, today())
            .unwrap();
        s.advance_request(r1, RequestStatus::Asked, None, None, today())
            .unwrap();
        let r2 = request(s, Opportunity::ReferenceCall, healthcare());
        let m = s.match_request(r2, today(), 10).unwrap();
        let b = m.candidates.iter().find(|c| c.contact_id == busy).unwrap();
        assert_eq!(b.busy_on, vec![r1]);
        assert!(b
            .reasons
            .iter()
            .any(|r| r == &format!("busy: already named on request #{r1}")));
        let f = m.candidates.iter().find(|c| c.contact_id == free).unwrap();
        assert!(f.busy_on.is_empty());
        // On its own request the advocate is not "busy".
        let m1 = s.match_request(r1, today(), 10).unwrap();
        assert!(m1.candidates.iter().all(|c| c.busy_on.is_empty()));

        let q = s.ops_queue(today()).unwrap();
        assert_eq!(
            q.busy.iter().map(|b| b.contact_id).collect::<Vec<_>>(),
            vec![busy]
        );
        // Waiting on the advocate's answer for more than 5 days (the default).
        assert!(q.waiting.is_empty());
        let q = s.ops_queue(today() + Duration::days(6)).unwrap();
        assert_eq!(q.waiting.iter().map(|w| w.id).collect::<Vec<_>>(), vec![r1]);
        assert_eq!(q.waiting[0].days, 6);
    });
}

#[test]
fn requests_nobody_fits_say_what_blocked_them_and_what_loosening_finds() {
    each(|s| {
        let de = account(s, "Berlin Clinic", &[("country", "Germany")]);
        // The only German contact has not consented: not a candidate, but it says where
        // Germany is.
        contact(s, de, "No Consent", "no");
        let at = account(s, "Vienna Clinic", &[("country", "Austria")]);
        for n in ["Anna", "Bernd", "Clara"] {
            contact(s, at, n, "yes");
        }
        let criteria = Criteria {
            country: Some(Criterion {
                value: "Germany".into(),
                required: true,
            }),
            ..healthcare()
        };
        let r = request(s, Opportunity::ReferenceCall, criteria);
        let m = s.match_request(r, today(), 10).unwrap();
        assert!(m.candidates.is_empty());
        assert_eq!(
            m.blocked_by[0], "country Germany: 3 advocates fit everything else",
            "{:?}",
            m.blocked_by
        );
        assert!(m.blocked_by.iter().any(|b| b.contains("program rules: 1")));
        let l = &m.loosened[0];
        assert_eq!(
            l.summary(),
            "3 advocates match if country is widened to EMEA"
        );
        assert_eq!(l.best.len(), 3);
        // The gap is in the ops queue.
        let q = s.ops_queue(today()).unwrap();
        assert_eq!(
            q.no_candidate.iter().map(|x| x.id).collect::<Vec<_>>(),
            vec![r]
        );
        // Its days count from when it was requested, on the queue and on the list alone.
        let later = s.get_request(r).unwrap().created_at.date_naive() + Duration::days(4);
        let q = s.ops_queue(later).unwrap();
        assert_eq!(
            q.no_candidate
                .iter()
                .map(|x| (x.id, x.days))
                .collect::<Vec<_>>(),
            vec![(r, 4)]
        );
        let p = s
            .ops_requests_page(
                peerstage_core::refops::OpsList::NoCandidate,
                later,
                &peerstage_core::account::Paging::default(),
            )
            .unwrap();
        assert_eq!(
            p.items.iter().map(|x| (x.id, x.days)).collect::<Vec<_>>(),
            vec![(r, 4)]
        );
        // A request that finds someone says nothing about loosening.
        let ok = request(s, Opportunity::ReferenceCall, healthcare());
        let m = s.match_request(ok, today(), 10).unwrap();
        assert!(m.blocked_by.is_empty() && m.loosened.is_empty());
    });
}

#[test]
fn competitor_replaced_is_matched_from_the_account() {
    each(|s| {
        let a = account(s, "Switcher", &[("competitor_replaced", "Oldsoft")]);
        let switcher = contact(s, a, "Switcher Person", "yes");
        let b = account(s, "Loyal", &[]);
        contact(s, b, "Loyal Person", "yes");
        let got = s.get_account(a).unwrap();
        assert_eq!(got.data.competitor_replaced.as_deref(), Some("Oldsoft"));
        let criteria = Criteria {
            competitor_replaced: Some(Criterion {
                value: "oldsoft".into(),
                required: true,
            }),
            ..Default::default()
        };
        let m = s
            .match_criteria_for(&criteria, Some(Opportunity::CaseStudy), today(), 10)
            .unwrap();
        assert_eq!(
            m.candidates
                .iter()
                .map(|c| c.contact_id)
                .collect::<Vec<_>>(),
            vec![switcher]
        );
    });
}

#[test]
fn ops_queue_lists_due_requests_and_data_quality_problems() {
    each(|s| {
        let a = account(s, "Clinic", &[]);
        let adv = contact(s, a, "Advocate", "yes");
        let bare = account(s, "No Facts", &[("industry", ""), ("employees", "")]);
        let no_consent = contact(s, bare, "Advocate Without Consent", "no");
        s.set_advocate_profile(no_consent, false, false, None)
            .unwrap();
        let due = s
            .create_request(&NewRequest {
                prospect_account_id: None,
                prospect_name: "Due Soon".into(),
                deal_value: 0,
                needed_by: Some(today() + Duration::days(2)),
                activity: Opportunity::ReferenceCall,
                criteria: Criteria::default(),
                notes: None,
            })
            .unwrap()
            .id;
        s.create_request(&NewRequest {
            prospect_account_id: None,
            prospect_name: "Later".into(),
            deal_value: 0,
            needed_by: Some(today() + Duration::days(20)),
            activity: Opportunity::ReferenceCall,
            criteria: Criteria::default(),
            notes: None,
        })
        .unwrap();
        let done = request(s, Opportunity::ReferenceCall, healthcare());
        complete(s, done, adv);
        let q = s.ops_queue(today()).unwrap();
        assert_eq!(
            q.due_soon.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![due]
        );
        assert_eq!(q.due_soon[0].days, 2);
        assert_eq!(
            q.unconfirmed.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![done]
        );
        assert_eq!(
            q.data
                .advocates_without_consent
                .iter()
                .map(|x| x.contact_id)
                .collect::<Vec<_>>(),
            vec![no_consent]
        );
        let missing = q
            .data
            .accounts_missing_facts
            .iter()
            .find(|x| x.account_id == bare)
            .unwrap();
        assert_eq!(missing.missing, vec!["industry", "size"]);
        assert_eq!(q.data.accounts_missing_total, 1);
        // Nobody was touched in the last year: both contacts are listed.
        assert_eq!(q.data.untouched_total, 2);
        // Near the fatigue limit (3 in 90 days): two more completed activities.
        for _ in 0..1 {
            let r = request(s, Opportunity::ReferenceCall, healthcare());
            complete(s, r, adv);
        }
        let q = s.ops_queue(today()).unwrap();
        assert_eq!(
            q.near_fatigue
                .iter()
                .map(|x| x.contact_id)
                .collect::<Vec<_>>(),
            vec![adv]
        );
    });
}

#[test]
fn privacy_export_and_erasure_cover_consent_nominations_and_feedback() {
    each(|s| {
        let a = account(s, "Clinic", &[]);
        let person = contact(s, a, "Private Person", "yes");
        consent(s, person, "logo", "no", None);
        s.nominate(
            &NewNomination {
                contact_id: person,
                reason: "Said lovely things at dinner".into(),
            },
            today(),
        )
        .unwrap();
        let r = request(s, Opportunity::ReferenceCall, healthcare());
        complete(s, r, person);
        let link = s.create_feedback_link(r).unwrap();
        let answer = FeedbackData::from_fields(&Fields::from_pairs([
            ("helped", "yes"),
            ("comments", "My boss was there"),
        ]))
        .unwrap();
        s.submit_link_feedback(&link.token, &answer, Utc::now())
            .unwrap();
        let export = s.privacy_export(person).unwrap().to_string();
        for text in [
            "Said lovely things at dinner",
            "My boss was there",
            "\"logo\"",
        ] {
            assert!(export.contains(text), "{text} in {export}");
        }
        s.erase_contact(person).unwrap();
        let export = s.privacy_export(person).unwrap().to_string();
        for text in [
            "Said lovely things at dinner",
            "My boss was there",
            "\"logo\"",
        ] {
            assert!(!export.contains(text), "{text} erased from {export}");
        }
        // That feedback was given still counts.
        assert_eq!(s.program_report(today()).unwrap().confirmed, 1);
        let audit = s
            .list_audit(&peerstage_store::AuditFilter {
                per_page: 500,
                ..Default::default()
            })
            .unwrap();
        let text = serde_json::to_string(&audit.items).unwrap();
        assert!(!text.contains("Said lovely things") && !text.contains("My boss was there"));
    });
}

#[test]
fn expiring_consents_sort_and_page_in_the_database() {
    use peerstage_core::account::Paging;
    use peerstage_core::refops::ExpiringSort;
    each(|s| {
        let beta = account(s, "Beta Clinic", &[]);
        let alpha = account(s, "alpha Health", &[]);
        let ann = contact(s, beta, "Ann", "no");
        consent(s, ann, "logo", "yes", Some(today() + Duration::days(5)));
        let bob = contact(s, alpha, "bob", "no");
        consent(
            s,
            bob,
            "reference_call",
            "ask_first",
            Some(today() + Duration::days(2)),
        );
        let cy = contact(s, beta, "Cy", "no");
        consent(
            s,
            cy,
            "case_study",
            "yes",
            Some(today() - Duration::days(3)),
        );
        // Outside the window, and a "no": never listed.
        let dee = contact(s, alpha, "Dee", "no");
        consent(s, dee, "video", "yes", Some(today() + Duration::days(40)));
        consent(s, dee, "quote", "no", Some(today() + Duration::days(4)));

        let list = |sort: Option<ExpiringSort>, desc: bool, page: u32, per_page: u32| {
            let p = s
                .expiring_consents_page(
                    today(),
                    30,
                    &Paging {
                        sort,
                        descending: desc,
                        page,
                        per_page,
                    },
                )
                .unwrap();
            let ids: Vec<i64> = p.items.iter().map(|c| c.contact_id).collect();
            (ids, p.total)
        };
        // Soonest expiry first without a sort, the expired one first of all.
        assert_eq!(list(None, false, 1, 25), (vec![cy, bob, ann], 3));
        assert_eq!(
            list(Some(ExpiringSort::Expires), true, 1, 25).0,
            [ann, bob, cy]
        );
        // Pages of two, with the total on each.
        assert_eq!(list(None, false, 1, 2), (vec![cy, bob], 3));
        assert_eq!(list(None, false, 2, 2), (vec![ann], 3));
        assert_eq!(list(None, false, 3, 2), (vec![], 3));
        // Names ignore case.
        assert_eq!(
            list(Some(ExpiringSort::Contact), false, 1, 25).0,
            [ann, bob, cy]
        );
        assert_eq!(list(Some(ExpiringSort::Contact), true, 1, 2).0, [cy, bob]);
        assert_eq!(list(Some(ExpiringSort::Account), false, 1, 1).0, [bob]);
        assert_eq!(
            list(Some(ExpiringSort::Activity), false, 1, 25).0,
            [cy, ann, bob]
        );
        assert_eq!(list(Some(ExpiringSort::Consent), false, 1, 1).0, [bob]);
        // The unpaged list `peerstage advocate expiring` prints agrees.
        let all: Vec<i64> = s
            .expiring_consents(today(), 30)
            .unwrap()
            .iter()
            .map(|c| c.contact_id)
            .collect();
        assert_eq!(all, [cy, bob, ann]);
    });
}

/// The operations queue shows the consents expiring soonest, as many as its other lists,
/// and counts them all (it used to show the first thousand and call that the count).
#[test]
fn the_ops_queue_shows_the_soonest_expiring_consents_and_counts_them_all() {
    use peerstage_store::OVERVIEW_ROWS;
    each(|s| {
        let a = account(s, "Many Consents", &[]);
        let n = OVERVIEW_ROWS as i64 + 5;
        for i in 0..n {
            let c = contact(s, a, &format!("Person {i:03}"), "no");
            consent(
                s,
                c,
                "logo",
                "yes",
                Some(today() + Duration::days(1 + i % 25)),
            );
        }
        let q = s.ops_queue(today()).unwrap();
        assert_eq!(q.expiring_consents_total, n as u64);
        assert_eq!(q.expiring_consents.len(), OVERVIEW_ROWS as usize);
        let days: Vec<i64> = q.expiring_consents.iter().map(|c| c.days_left).collect();
        assert!(days.windows(2).all(|w| w[0] <= w[1]), "{days:?}");
        assert_eq!(days[0], 1);
        // The command line's list has them all.
        assert_eq!(s.expiring_consents(today(), 30).unwrap().len(), n as usize);
    });
}

#[test]
fn nominations_sort_and_page_in_the_database_and_count_the_stale() {
    use peerstage_core::account::Paging;
    use peerstage_core::refops::NominationSort;
    each(|s| {
        let beta = account(s, "Beta Clinic", &[]);
        let alpha = account(s, "alpha Health", &[]);
        let mut ids = Vec::new();
        for (acc, name) in [(beta, "Nia"), (alpha, "max"), (beta, "Lu"), (alpha, "Omar")] {
            let c = contact(s, acc, name, "yes");
            let n = s
                .nominate(
                    &NewNomination {
                        contact_id: c,
                        reason: "ran our user group".into(),
                    },
                    today(),
                )
                .unwrap();
            ids.push(n.id);
        }
        let (nia, max, lu, omar) = (ids[0], ids[1], ids[2], ids[3]);
        // Max moves on (touched last); Lu is declined (closed).
        s.advance_nomination(lu, NominationStatus::Declined, None, today())
            .unwrap();
        s.advance_nomination(max, NominationStatus::Contacted, None, today())
            .unwrap();

        let list = |status: Option<NominationStatus>,
                    sort: Option<NominationSort>,
                    desc: bool,
                    page: u32,
                    per_page: u32,
                    on: NaiveDate| {
            let p = s
                .list_nominations_page(
                    status,
                    on,
                    &Paging {
                        sort,
                        descending: desc,
                        page,
                        per_page,
                    },
                )
                .unwrap();
            let ids: Vec<i64> = p.page.items.iter().map(|n| n.id).collect();
            (ids, p.page.total, p.stale)
        };
        let t = today();
        // Without a sort: open first, the longest untouched first.
        assert_eq!(
            list(None, None, false, 1, 25, t),
            (vec![nia, omar, max, lu], 4, 0)
        );
        // Pages of two, with the total on each.
        assert_eq!(list(None, None, false, 2, 2, t), (vec![max, lu], 4, 0));
        assert_eq!(list(None, None, false, 3, 2, t).0, Vec::<i64>::new());
        // Names ignore case.
        assert_eq!(
            list(None, Some(NominationSort::Contact), false, 1, 25, t).0,
            [lu, max, nia, omar]
        );
        assert_eq!(
            list(None, Some(NominationSort::Contact), true, 1, 2, t).0,
            [omar, nia]
        );
        assert_eq!(
            list(None, Some(NominationSort::Account), false, 1, 2, t).0,
            [max, omar]
        );
        // Status in its lifecycle order, not alphabetically.
        assert_eq!(
            list(None, Some(NominationSort::Status), false, 1, 25, t).0,
            [nia, omar, max, lu]
        );
        assert_eq!(
            list(None, Some(NominationSort::Status), true, 1, 1, t).0,
            [lu]
        );
        // Fewest days untouched first: the most recently touched.
        assert_eq!(
            list(None, Some(NominationSort::Untouched), false, 1, 1, t).0,
            [max]
        );
        assert_eq!(
            list(None, Some(NominationSort::Untouched), true, 1, 1, t).0,
            [nia]
        );
        // The filter narrows the total and the stale count; stale counts only open ones,
        // and only once they are untouched longer than the program allows (14 days).
        let later = t + Duration::days(15);
        assert_eq!(list(None, None, false, 1, 1, later), (vec![nia], 4, 3));
        assert_eq!(
            list(Some(NominationStatus::Nominated), None, false, 1, 25, later),
            (vec![nia, omar], 2, 2)
        );
        assert_eq!(
            list(Some(NominationStatus::Declined), None, false, 1, 25, later),
            (vec![lu], 1, 0)
        );
        assert_eq!(list(None, None, false, 1, 1, t + Duration::days(14)).2, 0);
    });
}

#[test]
fn ops_lists_of_requests_sort_and_page_in_the_database() {
    use peerstage_core::account::Paging;
    use peerstage_core::refops::{OpsList, OpsSort};
    each(|s| {
        let a = account(s, "Clinic", &[]);
        let adv = contact(s, a, "Advocate", "yes");
        let mut due = Vec::new();
        for (days, activity) in [
            (Some(2), Opportunity::ReferenceCall),
            (Some(-1), Opportunity::SiteVisit),
            (Some(20), Opportunity::ReferenceCall),
            (Some(3), Opportunity::CaseStudy),
            (None, Opportunity::ReferenceCall),
            (Some(1), Opportunity::Review),
        ] {
            let id = s
                .create_request(&NewRequest {
                    prospect_account_id: None,
                    prospect_name: format!("Prospect {days:?}"),
                    deal_value: 0,
                    needed_by: days.map(|d| today() + Duration::days(d)),
                    activity,
                    criteria: Criteria::default(),
                    notes: None,
                })
                .unwrap()
                .id;
            due.push((days, id));
        }
        let id_of = |d: i64| due.iter().find(|(x, _)| *x == Some(d)).unwrap().1;
        let list = |l: OpsList,
                    sort: Option<OpsSort>,
                    desc: bool,
                    page: u32,
                    per_page: u32,
                    on: NaiveDate| {
            let p = s
                .ops_requests_page(
                    l,
                    on,
                    &Paging {
                        sort,
                        descending: desc,
                        page,
                        per_page,
                    },
                )
                .unwrap();
            let ids: Vec<i64> = p.items.iter().map(|r| r.id).collect();
            (ids, p.total)
        };
        let t = today();
        // Soonest first without a sort, the overdue one first of all, as the queue shows it.
        let (first, total) = list(OpsList::Due, None, false, 1, 25, t);
        assert_eq!(first, [id_of(-1), id_of(1), id_of(2), id_of(3)]);
        assert_eq!(total, 4);
        let q = s.ops_queue(t).unwrap();
        assert_eq!(q.due_soon.iter().map(|r| r.id).collect::<Vec<_>>(), first);
        // Pages of two with the total on each.
        assert_eq!(
            list(OpsList::Due, None, false, 2, 2, t),
            (vec![id_of(2), id_of(3)], 4)
        );
        assert_eq!(list(OpsList::Due, None, false, 3, 2, t), (vec![], 4));
        // Most days left first; the days are counted as the queue counts them.
        let p = s
            .ops_requests_page(
                OpsList::Due,
                t,
                &Paging {
                    sort: Some(OpsSort::Days),
                    descending: true,
                    page: 1,
                    per_page: 2,
                },
            )
            .unwrap();
        assert_eq!(
            p.items.iter().map(|r| (r.id, r.days)).collect::<Vec<_>>(),
            [(id_of(3), 3), (id_of(2), 2)]
        );
        assert_eq!(
            list(OpsList::Due, Some(OpsSort::Request), true, 1, 1, t).0,
            [id_of(1)]
        );
        // Activity by its stored name: case_study, reference_call, review, site_visit.
        assert_eq!(
            list(OpsList::Due, Some(OpsSort::Activity), false, 1, 25, t).0,
            [id_of(3), id_of(2), id_of(1), id_of(-1)]
        );

        // Asked and not answered: waiting once more than the allowed days have passed.
        let asked = id_of(20);
        for to in [RequestStatus::Proposed, RequestStatus::Asked] {
            s.advance_request(asked, to, Some(adv), None, t).unwrap();
        }
        let done = id_of(-1);
        complete(s, done, adv);
        assert_eq!(list(OpsList::Waiting, None, false, 1, 25, t), (vec![], 0));
        let later = t + Duration::days(10);
        assert_eq!(
            list(OpsList::Waiting, None, false, 1, 25, later),
            (vec![asked], 1)
        );
        let q = s.ops_queue(later).unwrap();
        assert_eq!(
            q.waiting.iter().map(|r| (r.id, r.days)).collect::<Vec<_>>(),
            [(asked, 10)]
        );
        let p = s
            .ops_requests_page(OpsList::Waiting, later, &Paging::default())
            .unwrap();
        assert_eq!(p.items[0].days, 10);
        // Completed without feedback or confirmation.
        assert_eq!(
            list(OpsList::Unconfirmed, None, false, 1, 25, t),
            (vec![done], 1)
        );
        assert_eq!(
            list(OpsList::Unconfirmed, Some(OpsSort::Status), true, 2, 1, t),
            (vec![], 1)
        );
        assert_eq!(
            list(OpsList::Due, None, false, 1, 25, t).1,
            3,
            "completed is no longer open"
        );
        assert_eq!(
            list(OpsList::NoCandidate, None, false, 1, 25, t).0,
            s.ops_queue(t)
                .unwrap()
                .no_candidate
                .iter()
                .map(|r| r.id)
                .collect::<Vec<_>>()
        );
    });
}

/// The operations overview shows the first requests of each list and counts all of them.
#[test]
fn the_ops_overview_counts_every_request_beyond_the_ones_it_shows() {
    each(|s| {
        let rows = peerstage_store::OVERVIEW_ROWS as usize;
        for i in 0..rows + 3 {
            s.create_request(&NewRequest {
                prospect_account_id: None,
                prospect_name: format!("Prospect {i}"),
                deal_value: 0,
                needed_by: Some(today() + Duration::days(1 + (i % 2) as i64)),
                activity: Opportunity::ReferenceCall,
                criteria: Criteria::default(),
                notes: None,
            })
            .unwrap();
        }
        let q = s.ops_queue(today()).unwrap();
        assert_eq!(q.due_soon.len(), rows);
        assert_eq!(q.due_soon_total, rows as u64 + 3);
        // Soonest first, as on the list's own page.
        assert!(q.due_soon.iter().take(rows / 2).all(|r| r.days == 1));
        assert_eq!(q.waiting_total, 0);
        assert!(q.waiting.is_empty());
    });
}
