//! Demo events (F6 for D1–D8): past and upcoming events with rooms, sessions, speakers,
//! guest lists with RSVPs and attendance, and notes captured at the past ones. The agendas
//! are realistic, flaws included: the next summit gives customers too little of the main
//! stage and features the same customer again, so its stage checks have something to say.
//! Deterministic for a seed and the demo customers it follows.

use crate::db::Value;
use crate::{Result, Store, StoreError};
use chrono::{Days, NaiveDate};
use peerstage_core::event::{
    CaptureData, EventData, GuestData, RoomData, Rsvp, SessionData, SpeakerData,
};
use peerstage_core::evidence::EvidenceKind;
use peerstage_core::rng::Rng;
use peerstage_core::Fields;
use serde::Serialize;

/// What `seed_events` created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct EventDemoCounts {
    pub events: u64,
    pub sessions: u64,
    pub guests: u64,
    pub notes: u64,
}

#[derive(Clone)]
struct Person {
    contact: i64,
    account: i64,
    industry: String,
    city: Option<String>,
}

const NOTES: &[(EvidenceKind, &str)] = &[
    (
        EvidenceKind::Problem,
        "Month-end close still needs two people copying numbers between systems.",
    ),
    (
        EvidenceKind::Problem,
        "Our regional teams cannot see each other's open cases, so customers repeat themselves.",
    ),
    (
        EvidenceKind::Wish,
        "Wish the exports could run overnight and land in our warehouse by morning.",
    ),
    (
        EvidenceKind::Wish,
        "We would love a way to share dashboards with suppliers without giving them accounts.",
    ),
    (
        EvidenceKind::Language,
        "They call the weekly planning meeting 'the Monday scramble'.",
    ),
    (
        EvidenceKind::WhyBought,
        "Chose us because the pilot went live in three weeks, not three months.",
    ),
    (
        EvidenceKind::ExistentialThreat,
        "If a marketplace competitor ships same-day returns, half our customers will leave.",
    ),
    (
        EvidenceKind::Recommendation,
        "Recommends the regional operations meetup; most of their peers attend it.",
    ),
    (
        EvidenceKind::Praise,
        "The support team fixed the integration while we were still on the call.",
    ),
];

/// A demo session: (room index, day, start, end, title, format, focus, customers, staff).
type DemoSession = (
    usize,
    u64,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    usize,
    &'static [&'static str],
);

fn must<T>(r: Result<T>) -> Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        // A demo choice that breaks a rule (a clash, a duplicate) is skipped, not fatal.
        Err(StoreError::Invalid(_)) | Err(StoreError::Conflict { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

fn fields(pairs: &[(&str, String)]) -> Fields {
    Fields::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())))
}

impl Store {
    /// Seeds demo events unless any event exists already.
    pub fn seed_events(&self, seed: u64, today: NaiveDate) -> Result<EventDemoCounts> {
        let mut counts = EventDemoCounts::default();
        let existing = self.with_conn(|c| Ok(c.query_int("SELECT count(*) FROM events", &[])?))?;
        if existing > 0 {
            return Ok(counts);
        }
        let mut rng = Rng::new(seed ^ 0xE7E7_5EED);
        let rows = self.with_conn(|c| {
            Ok(c.query(
                "SELECT c.id, a.id, coalesce(a.industry, ''), coalesce(c.city, a.city), c.reference_consent, a.lifecycle, a.customer_since \
                 FROM contacts c JOIN accounts a ON a.id = c.account_id WHERE c.do_not_contact = ? ORDER BY c.id LIMIT 4000",
                &[Value::Bool(false)],
            )?)
        })?;
        let person = |r: &crate::db::Row| Person {
            contact: r.int(0),
            account: r.int(1),
            industry: r.text(2),
            city: r.opt_text(3),
        };
        let advocates: Vec<Person> = rows
            .iter()
            .filter(|r| r.text(4) == "yes" && r.text(5) == "customer")
            .map(person)
            .collect();
        let prospects: Vec<Person> = rows
            .iter()
            .filter(|r| r.text(5) == "prospect")
            .map(person)
            .collect();
        let newer: Vec<(Person, NaiveDate)> = rows
            .iter()
            .filter_map(|r| r.opt_date(6).map(|d| (person(r), d)))
            .filter(|(_, d)| *d > today - Days::new(300))
            .collect();
        let customers: Vec<Person> = rows
            .iter()
            .filter(|r| r.text(5) == "customer")
            .map(person)
            .collect();
        if advocates.len() < 12 || customers.len() < 40 {
            return Ok(counts);
        }
        // The "poster customer": one advocate featured everywhere.
        let poster = advocates[rng.below(advocates.len() as u64) as usize].clone();
        let pick = |rng: &mut Rng, from: &[Person], not: &[i64]| -> Person {
            for _ in 0..50 {
                let p = &from[rng.below(from.len() as u64) as usize];
                if !not.contains(&p.account) {
                    return p.clone();
                }
            }
            from[0].clone()
        };
        // A community session where advocates live: London when some do (the demo's largest
        // city), else the first advocate's city, in UTC for want of its time zone.
        let cities: Vec<String> = advocates.iter().filter_map(|p| p.city.clone()).collect();
        let (city, community_tz) = if cities.iter().any(|c| c == "London") {
            ("London".to_string(), "Europe/London")
        } else {
            (
                cities.first().cloned().unwrap_or_else(|| "London".into()),
                "UTC",
            )
        };

        struct Plan {
            name: String,
            kind: &'static str,
            starts: NaiveDate,
            days: u64,
            tz: &'static str,
            place: &'static str,
            city: String,
            /// (room, main stage)
            rooms: &'static [(&'static str, bool)],
            /// (room index, day, start, end, title, format, focus, customers, staff)
            sessions: Vec<DemoSession>,
            guests: usize,
        }
        let year = |d: NaiveDate| d.format("%Y").to_string();
        let last_summit = today - Days::new(250);
        let next_summit = today + Days::new(45);
        let plans = [
            Plan {
                name: format!("Customer Summit {}", year(last_summit)),
                kind: "conference",
                starts: last_summit,
                days: 2,
                tz: "Europe/London",
                place: "Riverside Conference Centre",
                city: "London".into(),
                rooms: &[
                    ("Main stage", true),
                    ("Workshop room A", false),
                    ("Workshop room B", false),
                ],
                sessions: vec![
                    (
                        0,
                        0,
                        "09:00",
                        "09:45",
                        "Opening keynote: the year ahead",
                        "keynote",
                        "roadmap",
                        0,
                        &["Chief Executive"],
                    ),
                    (
                        0,
                        0,
                        "09:45",
                        "10:30",
                        "How we cut month-end close in half",
                        "fireside",
                        "customer_issues",
                        1,
                        &["Head of Customer Success"],
                    ),
                    (
                        0,
                        0,
                        "11:00",
                        "12:00",
                        "Panel: operations leaders on what still breaks",
                        "panel",
                        "customer_issues",
                        3,
                        &[],
                    ),
                    (
                        1,
                        0,
                        "11:00",
                        "12:00",
                        "Workshop: data you can trust",
                        "workshop",
                        "customer_issues",
                        1,
                        &[],
                    ),
                    (
                        2,
                        0,
                        "11:00",
                        "12:00",
                        "Workshop: rolling out to regions",
                        "workshop",
                        "customer_issues",
                        1,
                        &[],
                    ),
                    (
                        0,
                        0,
                        "13:30",
                        "14:15",
                        "Product roadmap",
                        "demo",
                        "roadmap",
                        0,
                        &["Chief Product Officer"],
                    ),
                    (
                        0,
                        1,
                        "09:30",
                        "10:15",
                        "Customer Q&A with the founders",
                        "qa",
                        "customer_issues",
                        1,
                        &["Chief Executive"],
                    ),
                ],
                guests: 40,
            },
            Plan {
                name: "Retail operations user group".into(),
                kind: "user_group",
                starts: today - Days::new(150),
                days: 1,
                tz: "Europe/London",
                place: "Guildhall, room 3",
                city: "London".into(),
                rooms: &[("Room 3", true)],
                sessions: vec![
                    (
                        0,
                        0,
                        "16:00",
                        "16:40",
                        "From spreadsheets to one plan",
                        "fireside",
                        "customer_issues",
                        1,
                        &[],
                    ),
                    (
                        0,
                        0,
                        "16:45",
                        "17:30",
                        "Roundtable: returns and peak season",
                        "panel",
                        "customer_issues",
                        2,
                        &[],
                    ),
                ],
                guests: 18,
            },
            Plan {
                name: format!("Holiday lunch {}", year(today - Days::new(60))),
                kind: "holiday_lunch",
                starts: today - Days::new(60),
                days: 1,
                tz: "Europe/London",
                place: "The Old Bank",
                city: "London".into(),
                rooms: &[("Private dining room", true)],
                sessions: vec![(
                    0,
                    0,
                    "12:30",
                    "13:00",
                    "A year with our customers",
                    "keynote",
                    "other",
                    1,
                    &["Chief Executive"],
                )],
                guests: 14,
            },
            Plan {
                name: format!("Customer Summit {}", year(next_summit)),
                kind: "conference",
                starts: next_summit,
                days: 1,
                tz: "Europe/London",
                place: "Riverside Conference Centre",
                city: "London".into(),
                rooms: &[("Main stage", true), ("Breakout", false)],
                sessions: vec![
                    (
                        0,
                        0,
                        "09:00",
                        "10:00",
                        "Opening keynote",
                        "keynote",
                        "roadmap",
                        0,
                        &["Chief Executive"],
                    ),
                    (
                        0,
                        0,
                        "10:00",
                        "10:45",
                        "What's new in the platform",
                        "demo",
                        "roadmap",
                        0,
                        &["Chief Product Officer"],
                    ),
                    (
                        0,
                        0,
                        "11:00",
                        "11:45",
                        "Customer story",
                        "fireside",
                        "customer_issues",
                        1,
                        &[],
                    ),
                    (
                        0,
                        0,
                        "13:00",
                        "14:00",
                        "Roadmap deep dive",
                        "demo",
                        "roadmap",
                        0,
                        &["VP Engineering"],
                    ),
                    (
                        1,
                        0,
                        "13:00",
                        "14:00",
                        "Customer workshop: fixing handoffs",
                        "workshop",
                        "customer_issues",
                        2,
                        &[],
                    ),
                    (
                        1,
                        0,
                        "14:15",
                        "15:00",
                        "Customer panel: scaling support",
                        "panel",
                        "customer_issues",
                        2,
                        &[],
                    ),
                ],
                guests: 30,
            },
            Plan {
                name: format!("Community session: {city}"),
                kind: "community_session",
                starts: today + Days::new(20),
                days: 1,
                tz: community_tz,
                place: "Local co-working space",
                city: city.clone(),
                rooms: &[("Main room", true)],
                sessions: vec![(
                    0,
                    0,
                    "07:30",
                    "08:15",
                    "Seven ways to run a calmer month-end",
                    "demo",
                    "customer_issues",
                    1,
                    &[],
                )],
                guests: 12,
            },
        ];

        for (pi, p) in plans.iter().enumerate() {
            let ends = p.starts + Days::new(p.days - 1);
            let d = EventData::from_fields(&fields(&[
                ("name", p.name.clone()),
                ("kind", p.kind.into()),
                ("starts_on", p.starts.to_string()),
                ("ends_on", ends.to_string()),
                ("time_zone", p.tz.into()),
                ("place", p.place.into()),
                ("city", p.city.clone()),
                (
                    "description",
                    "Customers sharing what works, what does not, and what they need next.".into(),
                ),
            ]))
            .map_err(StoreError::Invalid)?;
            let ev = self.create_event(&d)?;
            counts.events += 1;
            let mut rooms = Vec::new();
            for (name, main) in p.rooms {
                let r = self.add_room(
                    ev.id,
                    &RoomData {
                        name: name.to_string(),
                        main_stage: *main,
                    },
                )?;
                rooms.push(r.id);
            }
            let mut speaking: Vec<Person> = Vec::new();
            for (si, (room, day, start, end, title, format, focus, n_customers, staff)) in
                p.sessions.iter().enumerate()
            {
                let sd = SessionData::from_fields(
                    &fields(&[
                        ("room_id", rooms[*room].to_string()),
                        ("title", title.to_string()),
                        ("format", format.to_string()),
                        ("focus", focus.to_string()),
                        ("day", (p.starts + Days::new(*day)).to_string()),
                        ("start", start.to_string()),
                        ("end", end.to_string()),
                    ]),
                    &d,
                )
                .map_err(StoreError::Invalid)?;
                let Some(session) = must(self.add_session(ev.id, &sd))? else {
                    continue;
                };
                counts.sessions += 1;
                for name in staff.iter() {
                    must(self.add_speaker(
                        session.id,
                        &SpeakerData {
                            kind: peerstage_core::event::SpeakerKind::Staff,
                            contact_id: None,
                            name: Some(name.to_string()),
                            organization: Some("peerstage".into()),
                        },
                    ))?;
                }
                // The poster customer has the first customer slot of every event but the lunch.
                let mut panel_industry: Option<String> = None;
                for k in 0..*n_customers {
                    let locals: Vec<Person> = advocates
                        .iter()
                        .filter(|a| a.city.as_deref() == Some(p.city.as_str()))
                        .cloned()
                        .collect();
                    let who = if p.kind == "community_session" && !locals.is_empty() {
                        // A community session's presenter is a local.
                        pick(&mut rng, &locals, &[])
                    } else if k == 0
                        && si == p.sessions.iter().position(|s| s.7 > 0).unwrap_or(0)
                        && pi != 2
                    {
                        poster.clone()
                    } else {
                        let not: Vec<i64> = speaking.iter().map(|s| s.account).collect();
                        // Panels of the old summit are all one industry (a diversity warning).
                        match &panel_industry {
                            Some(ind) if *format == "panel" && pi == 0 => {
                                let same: Vec<Person> = advocates
                                    .iter()
                                    .filter(|a| &a.industry == ind)
                                    .cloned()
                                    .collect();
                                if same.len() > 2 {
                                    pick(&mut rng, &same, &not)
                                } else {
                                    pick(&mut rng, &advocates, &not)
                                }
                            }
                            _ => pick(&mut rng, &advocates, &not),
                        }
                    };
                    panel_industry.get_or_insert(who.industry.clone());
                    if must(self.add_speaker(
                        session.id,
                        &SpeakerData {
                            kind: peerstage_core::event::SpeakerKind::Customer,
                            contact_id: Some(who.contact),
                            name: None,
                            organization: None,
                        },
                    ))?
                    .is_some()
                    {
                        speaking.push(who);
                    }
                }
            }
            // Guests: the speakers, customers, prospects and (for past events) accounts that
            // became customers after it.
            let past = p.starts < today;
            let mut invited: Vec<(Person, bool)> =
                speaking.iter().map(|s| (s.clone(), false)).collect();
            let converting: Vec<Person> = newer
                .iter()
                .filter(|(_, since)| *since > p.starts)
                .map(|(pp, _)| pp.clone())
                .take(4)
                .collect();
            for c in converting {
                invited.push((c, true));
            }
            while invited.len() < p.guests {
                let prospect = !prospects.is_empty() && rng.chance(0.25);
                let who = if prospect {
                    prospects[rng.below(prospects.len() as u64) as usize].clone()
                } else {
                    customers[rng.below(customers.len() as u64) as usize].clone()
                };
                if invited.iter().any(|(i, _)| i.contact == who.contact) {
                    if rng.chance(0.1) {
                        break;
                    }
                    continue;
                }
                invited.push((who, prospect));
            }
            let mut attended_people = Vec::new();
            for (gi, (who, _)) in invited.iter().enumerate() {
                let rsvp = match rng.below(10) {
                    0 | 1 => Rsvp::No,
                    2 => Rsvp::Maybe,
                    3 if !past => Rsvp::Pending,
                    _ => Rsvp::Yes,
                };
                let rsvp = if gi < speaking.len() { Rsvp::Yes } else { rsvp };
                let attended = past && rsvp == Rsvp::Yes && !rng.chance(0.1);
                let wants = if rng.chance(0.2) {
                    vec![invited[rng.below(invited.len() as u64) as usize]
                        .0
                        .industry
                        .clone()]
                    .into_iter()
                    .filter(|w| !w.is_empty())
                    .collect()
                } else {
                    Vec::new()
                };
                let g = GuestData {
                    contact_id: who.contact,
                    invited_on: Some((p.starts - Days::new(30 + rng.below(20))).min(today)),
                    rsvp,
                    attended,
                    rep: None,
                    key_guest: gi >= speaking.len() && gi < speaking.len() + 4,
                    wants_to_meet: wants,
                };
                if must(self.add_guest(ev.id, &g))?.is_some() {
                    counts.guests += 1;
                    if attended {
                        attended_people.push(who.contact);
                    }
                }
            }
            if past {
                let n = (attended_people.len() / 3).clamp(2, 10);
                for i in 0..n.min(attended_people.len()) {
                    let (kind, text) = NOTES[(i + pi * 3 + rng.below(3) as usize) % NOTES.len()];
                    let note = CaptureData {
                        contact_id: attended_people[(i * 7 + pi) % attended_people.len()],
                        kind,
                        text: text.to_string(),
                        date: Some(p.starts + Days::new(rng.below(p.days))),
                    };
                    if must(self.capture_note(ev.id, &note, today))?.is_some() {
                        counts.notes += 1;
                    }
                }
            }
        }
        Ok(counts)
    }
}
