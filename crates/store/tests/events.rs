//! Customer events (D1–D8) on SQLite and (when `PEERSTAGE_TEST_POSTGRES_URL` is set)
//! PostgreSQL: hand-built agendas with exact stage shares, the side-room case and a poster
//! customer; refused overlaps and double bookings; suggested advocates; guests, CSV and
//! introductions; captured notes as evidence; the briefing pack; outcomes; community
//! presenters; iCalendar.

use chrono::NaiveDate;
use peerstage_core::account::AccountData;
use peerstage_core::advocacy::Motivation;
use peerstage_core::commitment::CommitmentData;
use peerstage_core::contact::ContactData;
use peerstage_core::event::{
    CaptureData, CheckStatus, EventData, GuestData, RoomData, Rsvp, SessionData, SpeakerData,
};
use peerstage_core::nps::NpsData;
use peerstage_core::touchpoint::TouchpointData;
use peerstage_core::Fields;
use peerstage_store::testing::TestDb;
use peerstage_store::{AuditFilter, Store, StoreError};

fn each(test: impl Fn(&Store)) {
    for db in TestDb::all() {
        test(&db.store);
    }
}

fn f(pairs: &[(&str, &str)]) -> Fields {
    Fields::from_pairs(pairs.iter().copied())
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn account(s: &Store, name: &str, pairs: &[(&str, &str)]) -> i64 {
    let mut fields = f(pairs);
    fields.set("name", name);
    s.create_account(&AccountData::from_fields(&fields).unwrap())
        .unwrap()
        .id
}

fn contact(s: &Store, account_id: i64, name: &str, city: &str) -> i64 {
    let c = s
        .create_contact(
            &ContactData::from_fields(
                account_id,
                &f(&[
                    ("name", name),
                    ("reference_consent", "yes"),
                    ("city", city),
                    ("topics", "data platforms; supply chain"),
                ]),
            )
            .unwrap(),
        )
        .unwrap();
    c.id
}

fn event(s: &Store, name: &str, day: &str) -> i64 {
    s.create_event(
        &EventData::from_fields(&f(&[
            ("name", name),
            ("kind", "conference"),
            ("starts_on", day),
            ("time_zone", "Europe/Oslo"),
            ("city", "Oslo"),
        ]))
        .unwrap(),
    )
    .unwrap()
    .id
}

fn room(s: &Store, event_id: i64, name: &str, main: bool) -> i64 {
    s.add_room(
        event_id,
        &RoomData::from_fields(&f(&[
            ("name", name),
            ("main_stage", if main { "yes" } else { "no" }),
        ]))
        .unwrap(),
    )
    .unwrap()
    .id
}

#[allow(clippy::too_many_arguments)]
fn session_data(
    s: &Store,
    event_id: i64,
    room: i64,
    title: &str,
    start: &str,
    end: &str,
    format: &str,
    focus: &str,
) -> SessionData {
    let ev = s.get_event(event_id).unwrap();
    SessionData::from_fields(
        &f(&[
            ("room_id", &room.to_string()),
            ("title", title),
            ("format", format),
            ("focus", focus),
            ("start", start),
            ("end", end),
        ]),
        &ev.data,
    )
    .unwrap()
}

#[allow(clippy::too_many_arguments)]
fn session(
    s: &Store,
    event_id: i64,
    room: i64,
    title: &str,
    start: &str,
    end: &str,
    format: &str,
    focus: &str,
) -> i64 {
    s.add_session(
        event_id,
        &session_data(s, event_id, room, title, start, end, format, focus),
    )
    .unwrap()
    .id
}

fn customer_speaker(contact_id: i64) -> SpeakerData {
    SpeakerData::from_fields(&f(&[
        ("kind", "customer"),
        ("contact_id", &contact_id.to_string()),
    ]))
    .unwrap()
}

fn staff_speaker(name: &str) -> SpeakerData {
    SpeakerData::from_fields(&f(&[("kind", "staff"), ("name", name)])).unwrap()
}

fn invalid_field(e: StoreError, field: &str) -> String {
    match e {
        StoreError::Invalid(errors) => errors
            .get(field)
            .unwrap_or_else(|| panic!("no error on {field}: {errors}"))
            .to_string(),
        other => panic!("expected invalid {field}, got {other:?}"),
    }
}

fn today() -> NaiveDate {
    d("2026-11-26")
}

#[test]
fn agenda_rules_and_exact_stage_shares() {
    each(|s| {
        let retail = account(
            s,
            "Retail One",
            &[("industry", "Retail"), ("owner", "Rita Rep")],
        );
        let health = account(s, "Health Two", &[("industry", "Healthcare")]);
        let ann = contact(s, retail, "Ann Able", "Oslo");
        let bo = contact(s, health, "Bo Brave", "Oslo");
        // An advocate who values a stage, in another account: suggested to fill a slot.
        let logi = account(s, "Logistics Three", &[("industry", "Logistics")]);
        let cy = contact(s, logi, "Cy Stage", "Bergen");
        s.set_motivations(cy, &[Motivation::Stage]).unwrap();
        // Fatigue or not valuing a stage keeps others out.
        let quiet = contact(s, logi, "Di Quiet", "Bergen");
        s.set_motivations(quiet, &[Motivation::Learning]).unwrap();

        let e = event(s, "Summit", "2026-12-01");
        let main = room(s, e, "Main hall", true);
        let side = room(s, e, "Side room", false);
        assert!(matches!(
            s.add_room(
                e,
                &RoomData::from_fields(&f(&[("name", "main HALL")])).unwrap()
            ),
            Err(StoreError::Conflict { .. })
        ));

        // Main stage: 60 + 30 + 30 minutes; one 30-minute session with a customer.
        let keynote = session(
            s,
            e,
            main,
            "Opening keynote",
            "09:00",
            "10:00",
            "keynote",
            "roadmap",
        );
        let fire = session(
            s,
            e,
            main,
            "Fireside with a customer",
            "10:00",
            "10:30",
            "fireside",
            "customer_issues",
        );
        let _demo = session(
            s,
            e,
            main,
            "Product demo",
            "10:30",
            "11:00",
            "demo",
            "roadmap",
        );
        let work = session(
            s,
            e,
            side,
            "Customer workshop",
            "09:30",
            "10:30",
            "workshop",
            "customer_issues",
        );
        s.add_speaker(keynote, &staff_speaker("Cee Eo")).unwrap();
        s.add_speaker(fire, &customer_speaker(ann)).unwrap();
        s.add_speaker(work, &customer_speaker(bo)).unwrap();
        // A customer who must not be contacted is not asked to speak.
        let hush = s
            .create_contact(
                &ContactData::from_fields(
                    health,
                    &f(&[("name", "Hal Hush"), ("do_not_contact", "yes")]),
                )
                .unwrap(),
            )
            .unwrap()
            .id;
        let why = invalid_field(
            s.add_speaker(work, &customer_speaker(hush)).unwrap_err(),
            "contact_id",
        );
        assert!(why.contains("do not contact"), "{why}");

        // A second session in the main hall at 10:15 is refused, beside the room.
        let clash = session_data(s, e, main, "Clash", "10:15", "10:45", "demo", "other");
        let why = invalid_field(s.add_session(e, &clash).unwrap_err(), "room_id");
        assert!(
            why.contains("Main hall") && why.contains("same time"),
            "{why}"
        );
        // Ann in two places at once: refused beside the contact.
        let why = invalid_field(
            s.add_speaker(work, &customer_speaker(ann)).unwrap_err(),
            "contact_id",
        );
        assert!(why.contains("Ann Able speaks in"), "{why}");
        // Cee Eo (by name, any case) is at the keynote at 09:00 and cannot be in the workshop.
        let why = invalid_field(
            s.add_speaker(work, &staff_speaker("cee eo")).unwrap_err(),
            "name",
        );
        assert!(why.contains("same time"), "{why}");
        // Twice in one session.
        let why = invalid_field(
            s.add_speaker(fire, &customer_speaker(ann)).unwrap_err(),
            "contact_id",
        );
        assert!(why.contains("already speaks"), "{why}");
        // Moving the workshop onto the main stage at 10:00 clashes too.
        let moved = session_data(
            s,
            e,
            main,
            "Customer workshop",
            "10:00",
            "10:30",
            "workshop",
            "customer_issues",
        );
        assert!(s.update_session(work, &moved).is_err());

        let a = s.agenda(e, today(), 5).unwrap();
        assert!(a.problems.is_empty());
        assert_eq!(a.sessions.len(), 4);
        let check = |code: &str| a.checks.iter().find(|c| c.code == code).unwrap().clone();
        let sessions = check("main_stage_sessions");
        assert_eq!(
            (sessions.share, sessions.status),
            (Some(1.0 / 3.0), CheckStatus::Ok)
        );
        let minutes = check("main_stage_minutes");
        assert_eq!(
            (minutes.share, minutes.status),
            (Some(0.25), CheckStatus::Failed)
        );
        assert!(minutes
            .explanation
            .contains("30 of 120 main-stage minutes (25.0%)"));
        // Suggested: Cy (values a stage), not the speakers, not Di.
        let names: Vec<&str> = minutes
            .suggestions
            .iter()
            .map(|x| x.name.as_str())
            .collect();
        assert_eq!(names, vec!["Cy Stage"]);
        assert!(minutes.suggestions[0].why.contains("values a stage"));
        assert_eq!(check("side_rooms").status, CheckStatus::Ok);
        let ir = check("issues_vs_roadmap");
        assert_eq!((ir.share, ir.status), (Some(0.5), CheckStatus::Ok));

        // The side-room case: the fireside loses its customer.
        let fire_speaker = s
            .agenda(e, today(), 0)
            .unwrap()
            .sessions
            .iter()
            .find(|x| x.id == fire)
            .unwrap()
            .speakers[0]
            .id;
        s.delete_speaker(fire_speaker).unwrap();
        let a = s.agenda(e, today(), 5).unwrap();
        let side_check = a.checks.iter().find(|c| c.code == "side_rooms").unwrap();
        assert_eq!(side_check.status, CheckStatus::Failed);
        assert_eq!(side_check.sessions, vec![work]);
        assert_eq!(a.checks[0].share, Some(0.0));
        // A higher target is per event.
        let mut ed = s.get_event(e).unwrap().data;
        ed.customer_target = 0.5;
        s.update_event(e, &ed).unwrap();
        assert_eq!(s.agenda(e, today(), 0).unwrap().checks[0].target, Some(0.5));
        // Dates that would leave sessions outside are refused.
        ed.starts_on = d("2026-12-02");
        ed.ends_on = d("2026-12-02");
        let why = invalid_field(s.update_event(e, &ed).unwrap_err(), "starts_on");
        assert!(why.contains("outside the event"), "{why}");
        // A session's room must be the event's.
        let other = event(s, "Other", "2026-12-01");
        let foreign = session_data(s, other, main, "Foreign", "12:00", "13:00", "demo", "other");
        assert!(
            invalid_field(s.add_session(other, &foreign).unwrap_err(), "room_id")
                .contains("not one of")
        );
        // Every change was audited.
        let audit = s
            .list_audit(&AuditFilter {
                entity: Some("event_session".into()),
                page: 1,
                per_page: 50,
                ..Default::default()
            })
            .unwrap();
        assert!(audit.total >= 4, "{}", audit.total);

        // Deleting a room takes its sessions: each is audited with what it was.
        s.delete_room(side).unwrap();
        let deleted = |entity: &str| {
            s.list_audit(&AuditFilter {
                entity: Some(entity.into()),
                action: Some("delete".into()),
                page: 1,
                per_page: 50,
                ..Default::default()
            })
            .unwrap()
            .items
        };
        let room = deleted("event_room");
        assert_eq!(room.len(), 1);
        assert!(room[0].before.is_some(), "{:?}", room[0]);
        let sessions = deleted("event_session");
        assert!(
            sessions.iter().any(|e| e.entity_id == Some(work)
                && e.before.as_ref().unwrap()["title"] == "Customer workshop"),
            "{sessions:?}"
        );
    });
}

#[test]
fn a_poster_customer_and_panel_diversity() {
    each(|s| {
        let acme = account(
            s,
            "Acme",
            &[
                ("industry", "Retail"),
                ("segment", "enterprise"),
                ("products", "core"),
            ],
        );
        let beta = account(
            s,
            "Beta",
            &[
                ("industry", "Retail"),
                ("segment", "enterprise"),
                ("products", "core"),
            ],
        );
        let ann = contact(s, acme, "Ann", "Oslo");
        let bob = contact(s, beta, "Bob", "Oslo");
        let mut last = 0;
        for (i, day) in ["2026-01-10", "2026-03-10", "2026-05-10"]
            .iter()
            .enumerate()
        {
            let e = event(s, &format!("Event {i}"), day);
            let r = room(s, e, "Hall", true);
            let p = session(
                s,
                e,
                r,
                "Panel",
                "09:00",
                "10:00",
                "panel",
                "customer_issues",
            );
            s.add_speaker(p, &customer_speaker(ann)).unwrap();
            if i == 2 {
                s.add_speaker(p, &customer_speaker(bob)).unwrap();
            }
            last = e;
        }
        let a = s.agenda(last, today(), 3).unwrap();
        let poster = a
            .checks
            .iter()
            .find(|c| c.code == "poster_customer")
            .unwrap();
        assert_eq!(poster.status, CheckStatus::Warning);
        assert!(
            poster
                .explanation
                .contains("Acme (featured in 3 of the last 3 events)"),
            "{}",
            poster.explanation
        );
        let panel = a
            .checks
            .iter()
            .find(|c| c.code == "panel_diversity")
            .unwrap();
        assert_eq!(panel.status, CheckStatus::Warning, "{}", panel.explanation);
        assert!(panel.explanation.contains("all 2 customers are in Retail"));
        // Beta is only at the last one: not a poster.
        assert!(!poster.explanation.contains("Beta"));
    });
}

#[test]
fn guests_briefing_capture_outcomes_and_exports() {
    each(|s| {
        let acme = account(
            s,
            "Acme",
            &[
                ("industry", "Retail"),
                ("owner", "Rita Rep"),
                ("at_risk", "yes"),
                ("at_risk_reason", "Renewal in doubt after outage"),
                ("lifecycle", "customer"),
                ("customer_since", "2020-01-01"),
            ],
        );
        let prospect = account(
            s,
            "Newco",
            &[
                ("industry", "Retail"),
                ("lifecycle", "customer"),
                ("customer_since", "2026-12-20"),
                ("annual_revenue", "40000"),
            ],
        );
        let open = account(
            s,
            "Maybe Inc",
            &[("lifecycle", "prospect"), ("annual_revenue", "25000")],
        );
        let ann = contact(s, acme, "Ann Able", "Oslo");
        let ned = contact(s, prospect, "Ned New", "Oslo");
        let mo = contact(s, open, "Mo Maybe", "Oslo");
        s.create_touchpoint(
            &TouchpointData::from_fields(
                acme,
                &f(&[
                    ("kind", "call"),
                    ("occurred_on", "2026-10-01"),
                    ("staff", "Rita Rep"),
                    ("notes", "Talked about the outage"),
                ]),
            )
            .unwrap(),
        )
        .unwrap();
        s.create_commitment(
            &CommitmentData::from_fields(
                acme,
                &f(&[
                    ("description", "Send the outage report"),
                    ("owner", "Rita Rep"),
                    ("due_on", "2026-12-15"),
                ]),
            )
            .unwrap(),
        )
        .unwrap();
        s.create_nps(
            &NpsData::from_fields(
                acme,
                &f(&[
                    ("score", "5"),
                    ("responded_on", "2026-09-01"),
                    ("contact_id", &ann.to_string()),
                    ("comment", "Support, was slow"),
                ]),
            )
            .unwrap(),
        )
        .unwrap();
        // An older anonymous answer of the same account: the guest's own still comes first
        // (PostgreSQL once sorted the anonymous one first).
        s.create_nps(
            &NpsData::from_fields(acme, &f(&[("score", "9"), ("responded_on", "2026-03-25")]))
                .unwrap(),
        )
        .unwrap();

        let e = event(s, "Summit", "2026-12-01");
        let g = |contact: i64, extra: &[(&str, &str)]| {
            let mut fields = f(extra);
            fields.set("contact_id", contact.to_string());
            GuestData::from_fields(&fields).unwrap()
        };
        let ann_guest = s
            .add_guest(
                e,
                &g(
                    ann,
                    &[
                        ("key_guest", "yes"),
                        ("rsvp", "yes"),
                        ("wants_to_meet", "Newco"),
                    ],
                ),
            )
            .unwrap();
        assert_eq!(
            ann_guest.data.rep.as_deref(),
            Some("Rita Rep"),
            "rep defaults to the owner"
        );
        assert!(ann_guest.at_risk);
        assert_eq!(
            ann_guest.at_risk_reason.as_deref(),
            Some("Renewal in doubt after outage")
        );
        assert!(matches!(
            s.add_guest(e, &g(ann, &[])),
            Err(StoreError::Conflict { .. })
        ));
        let ned_guest = s
            .add_guest(e, &g(ned, &[("rsvp", "yes"), ("rep", "Sam")]))
            .unwrap();
        s.add_guest(e, &g(mo, &[("rsvp", "maybe")])).unwrap();
        // Someone who must not be contacted is not invited one by one either.
        let quiet = s
            .create_contact(
                &ContactData::from_fields(
                    acme,
                    &f(&[("name", "Quinn Quiet"), ("do_not_contact", "yes")]),
                )
                .unwrap(),
            )
            .unwrap()
            .id;
        match s.add_guest(e, &g(quiet, &[])) {
            Err(StoreError::Invalid(errors)) => {
                assert!(errors.get("contact_id").unwrap().contains("do not contact"))
            }
            other => panic!("a do-not-contact guest was taken: {other:?}"),
        }
        // Attendance.
        for guest in [&ann_guest, &ned_guest] {
            let mut data = guest.data.clone();
            data.attended = true;
            s.update_guest(guest.id, &data).unwrap();
        }
        let mo_guest = s
            .list_guests(e)
            .unwrap()
            .into_iter()
            .find(|x| x.data.contact_id == mo)
            .unwrap();
        let mut data = mo_guest.data.clone();
        data.rsvp = Rsvp::Yes;
        data.attended = true;
        s.update_guest(mo_guest.id, &data).unwrap();

        let intro = s.introductions(e).unwrap();
        assert_eq!(intro.len(), 1);
        assert_eq!(
            (intro[0].rep.as_str(), intro[0].meet.clone()),
            ("Rita Rep", vec!["Ned New (Newco, guest)".to_string()])
        );

        let csv = s.guests_csv(e).unwrap();
        let mut lines = csv.lines();
        assert!(lines
            .next()
            .unwrap()
            .starts_with("guest_id,contact_id,name"));
        assert_eq!(csv.lines().count(), 4);
        assert!(csv.contains("Renewal in doubt after outage"));

        // Capture: a wish about Ann becomes evidence of the event.
        let note = CaptureData::from_fields(&f(&[
            ("contact_id", &ann.to_string()),
            ("kind", "wish"),
            ("text", "Wish the exports ran overnight"),
        ]))
        .unwrap();
        let id = s.capture_note(e, &note, d("2026-12-01")).unwrap();
        let ev = s.get_evidence(id).unwrap();
        assert_eq!(ev.data.kind.as_str(), "wish");
        assert_eq!(ev.data.source.as_str(), "event");
        assert_eq!(ev.data.account_id, Some(acme));
        let notes = s.event_notes(e, 10).unwrap();
        assert_eq!((notes.len(), notes[0].evidence_id), (1, id));
        // Not a guest: refused beside the field.
        let stranger = contact(s, open, "Stranger", "Oslo");
        let bad = CaptureData::from_fields(&f(&[
            ("contact_id", &stranger.to_string()),
            ("kind", "problem"),
            ("text", "x"),
        ]))
        .unwrap();
        assert!(
            invalid_field(s.capture_note(e, &bad, today()).unwrap_err(), "contact_id")
                .contains("guest list")
        );
        let problem = CaptureData::from_fields(&f(&[
            ("contact_id", &ann.to_string()),
            ("kind", "problem"),
            ("text", "The nightly sync drops orders"),
        ]))
        .unwrap();
        let problem_id = s.capture_note(e, &problem, d("2026-12-01")).unwrap();
        // A recurring theme of Retail (C4) holds the problem.
        let theme = s.create_theme("Nightly sync").unwrap();
        s.pin_theme_item(theme, problem_id).unwrap();

        // The briefing pack.
        let b = s.briefing(e, ann).unwrap();
        assert_eq!(b.guest.contact_name, "Ann Able");
        assert_eq!(b.touchpoints.len(), 1);
        assert_eq!(b.commitments[0].text, "Send the outage report");
        assert_eq!(b.nps_score, Some(5));
        assert_eq!(
            b.nps.as_ref().unwrap().detail.as_deref(),
            Some("Support, was slow")
        );
        assert_eq!(b.wishes[0].text, "Wish the exports ran overnight");
        assert_eq!(b.problems[0].text, "The nightly sync drops orders");
        assert_eq!(b.themes.len(), 1);
        assert_eq!(
            (b.themes[0].label.as_str(), b.themes[0].quote.as_deref()),
            ("Nightly sync", Some("The nightly sync drops orders"))
        );
        assert!(b
            .questions
            .iter()
            .any(|q| q.question.contains("nightly sync")));
        assert!(b.questions.len() >= 4);
        assert!(
            b.questions.iter().all(|q| q.flags.is_empty()),
            "{:?}",
            b.questions
        );
        assert!(matches!(
            s.briefing(e, stranger),
            Err(StoreError::NotFound { .. })
        ));

        // Outcomes: Newco converted after the event, Maybe Inc is open pipeline.
        let o = s.event_outcomes(e).unwrap();
        assert_eq!((o.outcomes.accounts_attended, o.outcomes.prospects), (3, 2));
        assert_eq!(o.outcomes.conversion_rate, Some(0.5));
        assert_eq!(
            (o.outcomes.revenue_influenced, o.outcomes.open_pipeline),
            (40000, 25000)
        );
        assert_eq!(
            (o.guests_invited, o.guests_attended, o.notes_captured),
            (3, 3, 2)
        );

        // iCalendar for the event and a session.
        let r = room(s, e, "Hall", true);
        let sid = session(
            s,
            e,
            r,
            "Keynote, with; specials",
            "09:00",
            "10:00",
            "keynote",
            "roadmap",
        );
        let ics = s.event_ics(e, None, "test.example").unwrap();
        assert!(ics.contains(&format!("UID:event-{e}@test.example\r\n")));
        assert!(ics.contains(&format!("UID:event-{e}-session-{sid}@test.example\r\n")));
        assert!(ics.contains("DTSTART;TZID=Europe/Oslo:20261201T090000\r\n"));
        assert!(ics.contains("SUMMARY:Keynote\\, with\\; specials\r\n"));
        assert!(ics.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Oslo\r\n"));
        let one = s.event_ics(e, Some(sid), "test.example").unwrap();
        assert_eq!(one.matches("BEGIN:VEVENT").count(), 1);
        assert!(matches!(
            s.event_ics(e, Some(sid + 100), "x"),
            Err(StoreError::NotFound { .. })
        ));

        let ned_note = s
            .capture_note(
                e,
                &CaptureData::from_fields(&f(&[
                    ("contact_id", &ned.to_string()),
                    ("kind", "why_bought"),
                    ("text", "Bought for the reporting"),
                ]))
                .unwrap(),
                d("2026-12-01"),
            )
            .unwrap();
        // F3: the privacy export lists the events; erasing takes the wishes and the name out.
        let export = s.privacy_export(ann).unwrap();
        assert_eq!(
            export["advocacy"]["events"]["guest_of"][0]["wants_to_meet"][0],
            "Newco"
        );
        assert_eq!(
            export["advocacy"]["events"]["guest_of"][0]["key_guest"],
            true
        );
        let mut nd = s.get_guest(ned_guest.id).unwrap().data;
        nd.wants_to_meet = vec!["Ann Able".into()];
        s.update_guest(ned_guest.id, &nd).unwrap();
        s.erase_contact(ann).unwrap();
        let after = s.list_guests(e).unwrap();
        assert_eq!(after.len(), 3, "the erased person stays counted");
        for g in &after {
            assert!(
                !g.data.wants_to_meet.iter().any(|w| w.contains("Ann Able")),
                "{g:?}"
            );
        }
        assert!(after
            .iter()
            .find(|g| g.data.contact_id == ann)
            .unwrap()
            .data
            .wants_to_meet
            .is_empty());
        // Deleting the event keeps the evidence, unlinked.
        s.delete_event(e).unwrap();
        assert!(s.get_evidence(ned_note).is_ok());
        assert!(matches!(s.get_event(e), Err(StoreError::NotFound { .. })));
    });
}

#[test]
fn community_sessions_propose_local_stage_lovers() {
    each(|s| {
        let a = account(s, "Oslo Data", &[("industry", "Retail"), ("city", "Oslo")]);
        let b = account(
            s,
            "Bergen Co",
            &[("industry", "Retail"), ("city", "Bergen")],
        );
        let local = contact(s, a, "Olga Oslo", "");
        let far = contact(s, b, "Bjorn Bergen", "Bergen");
        s.set_motivations(local, &[Motivation::Stage]).unwrap();
        s.set_motivations(far, &[Motivation::Stage]).unwrap();
        let p = s
            .community_presenters("oslo", Some("supply chain"), today(), 10)
            .unwrap();
        let names: Vec<&str> = p.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names, vec!["Olga Oslo"]);
        assert!(s
            .community_presenters("Oslo", Some("quantum"), today(), 10)
            .unwrap()
            .is_empty());
        assert!(s
            .community_presenters("Nowhere", None, today(), 10)
            .unwrap()
            .is_empty());
    });
}
