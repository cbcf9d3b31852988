//! `peerstage event` (D1–D8) as the acceptance checks use it, on SQLite and (when
//! `PEERSTAGE_TEST_POSTGRES_URL` is set) PostgreSQL: `event list --json`, `event ics` read
//! back with an independent iCalendar parser, `event briefing` writing a self-contained HTML
//! file with every section, `event agenda` and `event guests`, and clear errors.

mod common;

use common::{s, Db};
use peerstage_core::account::AccountData;
use peerstage_core::contact::ContactData;
use peerstage_core::event::{EventData, GuestData, RoomData, SessionData, SpeakerData};
use peerstage_core::Fields;
use peerstage_store::Store;
use serde_json::Value;
use std::io::BufReader;

fn f(pairs: &[(&str, &str)]) -> Fields {
    Fields::from_pairs(pairs.iter().copied())
}

struct Seeded {
    event: i64,
    session: i64,
    guest: i64,
}

/// An event in New York with a session whose title needs escaping and folding, and a key
/// guest, written through the store the binary then reads.
fn seed(db: &Db) -> Seeded {
    let store = Store::open(&db.url).expect("open");
    let acme = store
        .create_account(
            &AccountData::from_fields(&f(&[
                ("name", "Acme, Inc."),
                ("industry", "Retail"),
                ("at_risk", "yes"),
                ("at_risk_reason", "Budget cut"),
            ]))
            .unwrap(),
        )
        .unwrap()
        .id;
    let ann = store
        .create_contact(
            &ContactData::from_fields(
                acme,
                &f(&[("name", "Ann Able"), ("reference_consent", "yes")]),
            )
            .unwrap(),
        )
        .unwrap()
        .id;
    let ev = store
        .create_event(
            &EventData::from_fields(&f(&[
                ("name", "Summit; NYC, 2026"),
                ("kind", "conference"),
                ("starts_on", "2026-11-01"),
                ("ends_on", "2026-11-02"),
                ("time_zone", "America/New_York"),
                ("place", "Pier 57, New York"),
            ]))
            .unwrap(),
        )
        .unwrap();
    let room = store
        .add_room(
            ev.id,
            &RoomData::from_fields(&f(&[("name", "Main stage"), ("main_stage", "yes")])).unwrap(),
        )
        .unwrap()
        .id;
    let title = "Fireside: why Acme, Inc. moved everything — a very long title that must be folded across lines 🚀";
    let sd = SessionData::from_fields(
        &f(&[
            ("room_id", &room.to_string()),
            ("title", title),
            ("format", "fireside"),
            ("focus", "customer_issues"),
            ("day", "2026-11-01"),
            ("start", "09:30"),
            ("end", "10:15"),
        ]),
        &ev.data,
    )
    .unwrap();
    let session = store.add_session(ev.id, &sd).unwrap().id;
    store
        .add_speaker(
            session,
            &SpeakerData::from_fields(&f(&[
                ("kind", "customer"),
                ("contact_id", &ann.to_string()),
            ]))
            .unwrap(),
        )
        .unwrap();
    store
        .add_guest(
            ev.id,
            &GuestData::from_fields(&f(&[
                ("contact_id", &ann.to_string()),
                ("key_guest", "yes"),
                ("rsvp", "yes"),
            ]))
            .unwrap(),
        )
        .unwrap();
    Seeded {
        event: ev.id,
        session,
        guest: ann,
    }
}

fn prop(props: &[ical::property::Property], name: &str) -> Option<String> {
    props
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.value.clone())
}

#[test]
fn list_ics_briefing_agenda_and_guests() {
    for db in Db::all() {
        let seeded = seed(&db);
        let id = seeded.event.to_string();

        let list = db.run(&["event", "list", "--json"]).ok();
        let v: Value = serde_json::from_str(&list.stdout).expect("JSON");
        let arr = v.as_array().expect("an array");
        assert_eq!(arr.len(), 1);
        assert_eq!(arr[0]["id"].as_i64(), Some(seeded.event));
        assert_eq!(arr[0]["sessions"], 1);
        let text = db.run(&["event", "list"]).ok();
        assert!(text.stdout.contains("Summit; NYC, 2026"));

        // The whole event: the all-day entry and the session, with New York's time zone.
        let out = db.dir.join("event.ics");
        db.run(&["event", "ics", &id, "--out", s(&out)])
            .ok()
            .says(&["2 calendar entries"]);
        let raw = std::fs::read_to_string(&out).unwrap();
        for line in raw.split("\r\n") {
            assert!(line.len() <= 75, "a line of {} octets", line.len());
        }
        let mut parser = ical::IcalParser::new(BufReader::new(raw.as_bytes()));
        let cal = parser.next().expect("a calendar").expect("valid iCalendar");
        assert_eq!(prop(&cal.properties, "VERSION").as_deref(), Some("2.0"));
        assert_eq!(cal.timezones.len(), 1);
        assert_eq!(
            prop(&cal.timezones[0].properties, "TZID").as_deref(),
            Some("America/New_York")
        );
        // 2026: the year's start plus the change in March and the one on 1 November.
        assert_eq!(cal.timezones[0].transitions.len(), 3);
        assert_eq!(cal.events.len(), 2);
        let day = &cal.events[0];
        assert_eq!(
            prop(&day.properties, "UID").as_deref(),
            Some(format!("event-{id}@peerstage.local").as_str())
        );
        assert!(prop(&day.properties, "DTSTAMP").unwrap().ends_with('Z'));
        assert_eq!(
            prop(&day.properties, "DTSTART").as_deref(),
            Some("20261101")
        );
        assert_eq!(prop(&day.properties, "DTEND").as_deref(), Some("20261103"));
        assert_eq!(
            peerstage_core::ical::unescape_text(&prop(&day.properties, "SUMMARY").unwrap()),
            "Summit; NYC, 2026"
        );
        let sess = &cal.events[1];
        let start = sess
            .properties
            .iter()
            .find(|p| p.name == "DTSTART")
            .unwrap();
        assert_eq!(start.value.as_deref(), Some("20261101T093000"));
        assert_eq!(
            start.params.clone().unwrap(),
            vec![("TZID".to_string(), vec!["America/New_York".to_string()])]
        );
        assert!(
            peerstage_core::ical::unescape_text(&prop(&sess.properties, "SUMMARY").unwrap())
                .starts_with("Fireside: why Acme, Inc. moved")
        );
        assert!(peerstage_core::ical::unescape_text(
            &prop(&sess.properties, "DESCRIPTION").unwrap()
        )
        .contains("Speakers: Ann Able (Acme, Inc.)"));

        // One session.
        let one = db.dir.join("session.ics");
        db.run(&[
            "event",
            "ics",
            &id,
            "--session",
            &seeded.session.to_string(),
            "--out",
            s(&one),
        ])
        .ok();
        let raw = std::fs::read_to_string(&one).unwrap();
        let cal = ical::IcalParser::new(BufReader::new(raw.as_bytes()))
            .next()
            .unwrap()
            .unwrap();
        assert_eq!(cal.events.len(), 1);
        assert_eq!(
            prop(&cal.events[0].properties, "UID").as_deref(),
            Some(format!("event-{id}-session-{}@peerstage.local", seeded.session).as_str())
        );

        // The briefing pack: one self-contained HTML file with every section.
        let html = db.dir.join("briefing.html");
        db.run(&[
            "event",
            "briefing",
            &id,
            "--guest",
            &seeded.guest.to_string(),
            "--out",
            s(&html),
        ])
        .ok()
        .says(&["Ann Able"]);
        let body = std::fs::read_to_string(&html).unwrap();
        assert!(body.starts_with("<!DOCTYPE html>"));
        assert!(
            !body.contains("<link") && !body.contains("<script"),
            "self-contained"
        );
        for section in [
            "account",
            "touchpoints",
            "commitments",
            "nps",
            "wishes",
            "problems",
            "themes",
            "questions",
        ] {
            assert!(
                body.contains(&format!("<section id=\"{section}\">")),
                "no {section}"
            );
        }
        assert!(body.contains("At risk: Budget cut"));

        let agenda = db.run(&["event", "agenda", &id]).ok();
        assert!(
            agenda
                .stdout
                .contains("[ok] Customers' share of main-stage sessions"),
            "{}",
            agenda.stdout
        );
        let agenda = db.run(&["event", "agenda", &id, "--json"]).ok();
        let a: Value = serde_json::from_str(&agenda.stdout).unwrap();
        assert_eq!(a["checks"][0]["share"], 1.0);
        let guests = db.run(&["event", "guests", &id]).ok();
        assert!(guests.stdout.starts_with("guest_id,contact_id,name"));
        assert!(guests.stdout.contains("Budget cut"));

        // Clear errors.
        db.run(&["event", "ics", "999", "--out", s(&out)])
            .fails()
            .says(&["event 999 was not found"]);
        db.run(&[
            "event",
            "briefing",
            &id,
            "--guest",
            "999",
            "--out",
            s(&html),
        ])
        .fails()
        .says(&["not found"]);
        db.run(&["event", "ics", &id, "--out", "/nonexistent-dir/x.ics"])
            .fails()
            .says(&["cannot write"]);
    }
}

/// `peerstage demo` seeds past and upcoming events whose checks have something to say, the
/// same for the same seed.
#[test]
fn the_demo_seeds_events_with_something_to_check() {
    for db in Db::all() {
        db.run(&["demo", "--scale", "0.05", "--seed", "7"])
            .ok()
            .says(&["events: 5 past and upcoming"]);
        let list: Value =
            serde_json::from_str(&db.run(&["event", "list", "--json"]).ok().stdout).unwrap();
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 5);
        let summit = list
            .iter()
            .find(|e| {
                e["kind"] == "conference"
                    && e["starts_on"].as_str()
                        > Some(chrono::Utc::now().date_naive().to_string().as_str())
            })
            .expect("an upcoming summit");
        let id = summit["id"].as_i64().unwrap().to_string();
        let a: Value =
            serde_json::from_str(&db.run(&["event", "agenda", &id, "--json"]).ok().stdout).unwrap();
        let status = |code: &str| {
            a["checks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["code"] == code)
                .map(|c| c["status"].as_str().unwrap_or("").to_string())
                .unwrap()
        };
        assert_eq!(status("main_stage_sessions"), "failed");
        assert_eq!(status("poster_customer"), "warning");
        assert!(a["checks"][0]["suggestions"]
            .as_array()
            .is_some_and(|s| !s.is_empty()));
        if db.name() == "SQLite" {
            let again = Db::sqlite();
            again.run(&["demo", "--scale", "0.05", "--seed", "7"]).ok();
            for args in [
                vec!["event", "list"],
                vec!["event", "agenda", &id],
                vec!["event", "guests", &id],
            ] {
                assert_eq!(
                    db.run(&args).ok().stdout,
                    again.run(&args).ok().stdout,
                    "{args:?}"
                );
            }
        }
    }
}
