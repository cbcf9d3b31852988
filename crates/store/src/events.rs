//! Customer events (D1–D8): events, rooms, sessions, speakers and guests; the agenda with
//! its rule problems and stage checks (suggested advocates come from the B1/B2 snapshot);
//! briefing packs; notes captured at the event as evidence; outcomes; community sessions;
//! the iCalendar and guest-list exports.

use crate::db::{Conn, Row, Value};
use crate::{now, Result, Store, StoreError};
use chrono::{Duration, NaiveDate};
use peerstage_core::advocacy::Motivation;
use peerstage_core::event::{
    agenda_problems, community_presenters, conflicts_of, introductions, outcomes, parse_time_key,
    stage_checks, suggest_advocates, time_key, AdvocateOption, AdvocateSuggestion, AgendaProblem,
    AgendaRule, Attendee, AttendingAccount, CaptureData, Event, EventData, EventKind, FeaturedAt,
    Guest, GuestData, Introduction, Outcomes, Room, RoomData, Rsvp, Session, SessionData,
    SessionFocus, SessionFormat, Speaker, SpeakerData, SpeakerKind, StageCheck, StageInputs,
};
use peerstage_core::evidence::{EvidenceData, EvidenceKind, EvidenceSource};
use peerstage_core::ical::{self, IcsEvent, IcsTime};
use peerstage_core::questions::{lint, QuestionFlag};
use peerstage_core::{FieldErrors, ReferenceConsent};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

const EVENT_COLUMNS: &str =
    "e.id, e.name, e.kind, e.starts_on, e.ends_on, e.time_zone, e.place, e.city, \
    e.industry, e.description, e.customer_target, e.created_at, e.updated_at, \
    (SELECT count(*) FROM event_sessions s WHERE s.event_id = e.id), \
    (SELECT count(*) FROM event_guests g WHERE g.event_id = e.id)";

fn event_from_row(r: &Row) -> Event {
    Event {
        id: r.int(0),
        data: EventData {
            name: r.text(1),
            kind: EventKind::parse(&r.text(2)).unwrap_or(EventKind::Conference),
            starts_on: r.date(3),
            ends_on: r.date(4),
            time_zone: r.text(5),
            place: r.opt_text(6),
            city: r.opt_text(7),
            industry: r.opt_text(8),
            description: r.opt_text(9),
            customer_target: r.float(10),
        },
        created_at: r.time(11),
        updated_at: r.time(12),
        sessions: r.int(13),
        guests: r.int(14),
    }
}

fn get_event(c: &mut dyn Conn, id: i64) -> Result<Event> {
    c.query_one(
        &format!("SELECT {EVENT_COLUMNS} FROM events e WHERE e.id = ?"),
        &[Value::Int(id)],
    )?
    .map(|r| event_from_row(&r))
    .ok_or(StoreError::NotFound { what: "event", id })
}

fn event_params(d: &EventData) -> Vec<Value> {
    vec![
        Value::from(&d.name),
        Value::from(d.kind.as_str()),
        Value::Date(d.starts_on),
        Value::Date(d.ends_on),
        Value::from(&d.time_zone),
        Value::from(&d.place),
        Value::from(&d.city),
        Value::from(&d.industry),
        Value::from(&d.description),
        Value::Float(d.customer_target),
    ]
}

fn rooms(c: &mut dyn Conn, event_id: i64) -> Result<Vec<Room>> {
    Ok(c.query(
        "SELECT id, event_id, name, main_stage FROM event_rooms WHERE event_id = ? ORDER BY main_stage DESC, lower(name), id",
        &[Value::Int(event_id)],
    )?
    .iter()
    .map(|r| Room {
        id: r.int(0),
        event_id: r.int(1),
        data: RoomData {
            name: r.text(2),
            main_stage: r.bool(3),
        },
    })
    .collect())
}

const SPEAKER_COLUMNS: &str = "k.id, k.session_id, k.kind, k.contact_id, k.name, k.organization, \
    c.name, a.id, a.name, a.industry, a.segment, a.products";
const SPEAKER_FROM: &str = "event_speakers k LEFT JOIN contacts c ON c.id = k.contact_id \
    LEFT JOIN accounts a ON a.id = c.account_id";

fn speaker_from_row(r: &Row) -> Speaker {
    let contact_name = r.opt_text(6);
    let org = r.opt_text(5).or_else(|| r.opt_text(8));
    Speaker {
        id: r.int(0),
        session_id: r.int(1),
        data: SpeakerData {
            kind: SpeakerKind::parse(&r.text(2)).unwrap_or(SpeakerKind::Staff),
            contact_id: r.opt_int(3),
            name: r.opt_text(4),
            organization: r.opt_text(5),
        },
        display_name: contact_name.or_else(|| r.opt_text(4)).unwrap_or_default(),
        account_id: r.opt_int(7),
        account_name: org,
        industry: r.opt_text(9),
        segment: r.opt_text(10),
        products: crate::split_list(&r.text(11)),
    }
}

const SESSION_COLUMNS: &str = "s.id, s.event_id, s.room_id, s.title, s.format, s.focus, s.topic, \
    s.starts_at, s.ends_at, s.description, r.name, r.main_stage";

fn session_from_row(r: &Row) -> Session {
    Session {
        id: r.int(0),
        event_id: r.int(1),
        data: SessionData {
            room_id: r.int(2),
            title: r.text(3),
            format: SessionFormat::parse(&r.text(4)).unwrap_or(SessionFormat::Keynote),
            focus: SessionFocus::parse(&r.text(5)).unwrap_or(SessionFocus::Other),
            topic: r.opt_text(6),
            starts_at: parse_time_key(&r.text(7)).unwrap_or_default(),
            ends_at: parse_time_key(&r.text(8)).unwrap_or_default(),
            description: r.opt_text(9),
        },
        room_name: r.text(10),
        main_stage: r.bool(11),
        speakers: Vec::new(),
    }
}

/// The sessions of one event with their speakers, in time order.
fn sessions(c: &mut dyn Conn, event_id: i64) -> Result<Vec<Session>> {
    let mut list: Vec<Session> = c
        .query(
            &format!("SELECT {SESSION_COLUMNS} FROM event_sessions s JOIN event_rooms r ON r.id = s.room_id WHERE s.event_id = ? ORDER BY s.starts_at, r.main_stage DESC, lower(r.name), s.id"),
            &[Value::Int(event_id)],
        )?
        .iter()
        .map(session_from_row)
        .collect();
    let speakers: Vec<Speaker> = c
        .query(
            &format!("SELECT {SPEAKER_COLUMNS} FROM {SPEAKER_FROM} JOIN event_sessions s ON s.id = k.session_id WHERE s.event_id = ? ORDER BY k.id"),
            &[Value::Int(event_id)],
        )?
        .iter()
        .map(speaker_from_row)
        .collect();
    let index: HashMap<i64, usize> = list.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    for k in speakers {
        if let Some(i) = index.get(&k.session_id) {
            list[*i].speakers.push(k);
        }
    }
    Ok(list)
}

fn get_session(c: &mut dyn Conn, id: i64) -> Result<Session> {
    let event_id = c
        .query_one(
            "SELECT event_id FROM event_sessions WHERE id = ?",
            &[Value::Int(id)],
        )?
        .map(|r| r.int(0))
        .ok_or(StoreError::NotFound {
            what: "session",
            id,
        })?;
    sessions(c, event_id)?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(StoreError::NotFound {
            what: "session",
            id,
        })
}

fn get_speaker(c: &mut dyn Conn, id: i64) -> Result<Speaker> {
    c.query_one(
        &format!("SELECT {SPEAKER_COLUMNS} FROM {SPEAKER_FROM} WHERE k.id = ?"),
        &[Value::Int(id)],
    )?
    .map(|r| speaker_from_row(&r))
    .ok_or(StoreError::NotFound {
        what: "speaker",
        id,
    })
}

/// Turns agenda problems a change would cause into errors beside the form's fields.
fn problems_to_errors(problems: &[AgendaProblem], speaker_field: &str) -> Result<()> {
    if problems.is_empty() {
        return Ok(());
    }
    let mut e = FieldErrors::new();
    for p in problems {
        let field = match p.rule {
            AgendaRule::RoomOverlap => "room_id",
            AgendaRule::SpeakerConflict => speaker_field,
        };
        if e.get(field).is_none() {
            e.add(field, p.message.clone());
        }
    }
    Err(e.into())
}

const GUEST_COLUMNS: &str =
    "g.id, g.event_id, g.contact_id, g.invited_on, g.rsvp, g.attended, g.rep, \
    g.key_guest, g.wants_to_meet, c.name, c.title, c.email, a.id, a.name, a.industry, a.lifecycle, \
    a.at_risk, a.at_risk_reason";
const GUEST_FROM: &str =
    "event_guests g JOIN contacts c ON c.id = g.contact_id JOIN accounts a ON a.id = c.account_id";

fn guest_from_row(r: &Row) -> Guest {
    Guest {
        id: r.int(0),
        event_id: r.int(1),
        data: GuestData {
            contact_id: r.int(2),
            invited_on: r.opt_date(3),
            rsvp: Rsvp::parse(&r.text(4)).unwrap_or(Rsvp::Pending),
            attended: r.bool(5),
            rep: r.opt_text(6),
            key_guest: r.bool(7),
            wants_to_meet: crate::split_list(&r.text(8)),
        },
        contact_name: r.text(9),
        title: r.opt_text(10),
        email: r.opt_text(11),
        account_id: r.int(12),
        account_name: r.text(13),
        industry: r.opt_text(14),
        lifecycle: r.text(15),
        at_risk: r.bool(16),
        at_risk_reason: r.opt_text(17),
    }
}

fn guests(c: &mut dyn Conn, event_id: i64) -> Result<Vec<Guest>> {
    Ok(c.query(
        &format!("SELECT {GUEST_COLUMNS} FROM {GUEST_FROM} WHERE g.event_id = ? ORDER BY g.key_guest DESC, lower(a.name), lower(c.name), g.id"),
        &[Value::Int(event_id)],
    )?
    .iter()
    .map(guest_from_row)
    .collect())
}

fn get_guest(c: &mut dyn Conn, id: i64) -> Result<Guest> {
    c.query_one(
        &format!("SELECT {GUEST_COLUMNS} FROM {GUEST_FROM} WHERE g.id = ?"),
        &[Value::Int(id)],
    )?
    .map(|r| guest_from_row(&r))
    .ok_or(StoreError::NotFound { what: "guest", id })
}

fn contact_exists(c: &mut dyn Conn, id: i64, field: &str) -> Result<()> {
    if c.query_int(
        "SELECT count(*) FROM contacts WHERE id = ?",
        &[Value::Int(id)],
    )? == 0
    {
        return Err(FieldErrors::single(field, format!("no contact has id {id}")).into());
    }
    Ok(())
}

/// One event's agenda: rooms, sessions with speakers, broken rules and stage checks.
#[derive(Debug, Clone, Serialize)]
pub struct Agenda {
    pub event: Event,
    pub rooms: Vec<Room>,
    pub sessions: Vec<Session>,
    pub problems: Vec<AgendaProblem>,
    pub checks: Vec<StageCheck>,
}

/// A dated line of the briefing pack.
#[derive(Debug, Clone, Serialize)]
pub struct BriefItem {
    pub date: Option<NaiveDate>,
    pub text: String,
    pub detail: Option<String>,
}

/// A suggested open question, with what the question linter says about it.
#[derive(Debug, Clone, Serialize)]
pub struct BriefQuestion {
    pub question: String,
    pub flags: Vec<QuestionFlag>,
}

/// A recurring theme of the guest's industry.
#[derive(Debug, Clone, Serialize)]
pub struct BriefTheme {
    pub label: String,
    pub volume: u64,
    pub quote: Option<String>,
}

/// Everything a host should know before meeting a key guest (D4).
#[derive(Debug, Clone, Serialize)]
pub struct Briefing {
    pub event_id: i64,
    pub event_name: String,
    pub event_starts_on: NaiveDate,
    pub guest: Guest,
    pub account_industry: Option<String>,
    pub segment: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub employees: Option<i64>,
    pub products: Vec<String>,
    pub annual_revenue: i64,
    pub customer_since: Option<NaiveDate>,
    pub renewal_date: Option<NaiveDate>,
    pub owner: Option<String>,
    pub touchpoints: Vec<BriefItem>,
    pub commitments: Vec<BriefItem>,
    pub nps: Option<BriefItem>,
    pub nps_score: Option<i64>,
    pub wishes: Vec<BriefItem>,
    pub problems: Vec<BriefItem>,
    pub themes: Vec<BriefTheme>,
    pub questions: Vec<BriefQuestion>,
}

/// A note captured at an event.
#[derive(Debug, Clone, Serialize)]
pub struct EventNote {
    pub evidence_id: i64,
    pub contact_id: Option<i64>,
    pub contact_name: Option<String>,
    pub account_name: Option<String>,
    pub kind: String,
    pub text: String,
    pub date: NaiveDate,
    pub created_by: String,
}

/// A customer who spoke at an event.
#[derive(Debug, Clone, Serialize)]
pub struct EventSpeakerRow {
    pub contact_id: i64,
    pub name: String,
    pub account_id: i64,
    pub account_name: String,
    pub sessions: Vec<String>,
}

/// What an event led to (D6).
#[derive(Debug, Clone, Serialize)]
pub struct EventOutcomes {
    pub event_id: i64,
    #[serde(flatten)]
    pub outcomes: Outcomes,
    pub guests_invited: usize,
    pub guests_attended: usize,
    pub advocates_who_spoke: Vec<EventSpeakerRow>,
    pub notes_captured: i64,
}

/// One row of the stage balance across events (dashboard).
#[derive(Debug, Clone, Serialize)]
pub struct StageBalanceRow {
    pub event_id: i64,
    pub name: String,
    pub starts_on: NaiveDate,
    pub main_sessions: usize,
    pub customer_main_sessions: usize,
    pub main_minutes: i64,
    pub customer_main_minutes: i64,
    pub target: f64,
}

fn options_from_snapshot(
    snap: &crate::advocates::Snapshot,
    cities: Option<&HashMap<i64, String>>,
) -> Vec<AdvocateOption> {
    let limit = snap.settings.matching.fatigue_limit;
    snap.rows
        .iter()
        .filter(|r| {
            cities.is_none_or(|m| m.contains_key(&r.candidate.contact_id))
                && (r.score.rock_star || r.motivations.iter().any(|(m, _)| *m == Motivation::Stage))
        })
        .map(|r| {
            let k = &r.candidate;
            AdvocateOption {
                contact_id: k.contact_id,
                name: k.contact_name.clone(),
                account_id: k.account_id,
                account_name: k.account_name.clone(),
                industry: k.industry.clone(),
                city: cities.and_then(|m| m.get(&k.contact_id).cloned()),
                topics: k.topics.clone(),
                score: r.score.score,
                rock_star: r.score.rock_star,
                values_stage: r.motivations.iter().any(|(m, _)| *m == Motivation::Stage),
                recent_activities: k.recent_activities,
                fatigue_limit: limit,
                available: k.consent != ReferenceConsent::No && !k.do_not_contact && !k.at_risk,
            }
        })
        .collect()
}

fn first_line(s: &str, max: usize) -> String {
    let line = s.lines().next().unwrap_or("").trim();
    if line.chars().count() <= max {
        line.to_string()
    } else {
        let cut: String = line.chars().take(max).collect();
        format!("{}…", cut.trim_end())
    }
}

/// Open questions from what we know: never yes/no, never about features.
fn suggested_questions(b: &Briefing, themes: &[BriefTheme]) -> Vec<String> {
    let mut q = Vec::new();
    if let Some(p) = b.problems.first() {
        q.push(format!(
            "How has \"{}\" affected your team's work since you told us about it?",
            first_line(&p.text, 60)
        ));
    }
    if let Some(w) = b.wishes.first() {
        q.push(format!(
            "What would you be able to achieve if \"{}\" were solved?",
            first_line(&w.text, 60)
        ));
    }
    if let Some(t) = themes.first() {
        q.push(format!(
            "How is {} showing up in your business this year?",
            t.label.to_lowercase()
        ));
    }
    if b.guest.at_risk {
        q.push(
            "What would need to change for the next year with us to be worth it for you?".into(),
        );
    }
    if b.nps_score.is_some_and(|s| s <= 6) {
        q.push("What happened that made working with us harder than it should be?".into());
    }
    q.push("What is the hardest problem your business faces in the next twelve months?".into());
    q.push("Which peers in your industry do you learn the most from?".into());
    q
}

impl Store {
    // ---- events ----

    /// Every event, the latest first.
    pub fn list_events(&self) -> Result<Vec<Event>> {
        self.with_conn(|c| {
            Ok(c.query(
                &format!(
                    "SELECT {EVENT_COLUMNS} FROM events e ORDER BY e.starts_on DESC, e.id DESC"
                ),
                &[],
            )?
            .iter()
            .map(event_from_row)
            .collect())
        })
    }

    pub fn get_event(&self, id: i64) -> Result<Event> {
        self.with_conn(|c| get_event(c, id))
    }

    pub fn create_event(&self, d: &EventData) -> Result<Event> {
        self.transaction(|c| {
            let t = now();
            let mut p = event_params(d);
            p.push(Value::Time(t));
            p.push(Value::Time(t));
            let id = c.query_int(
                "INSERT INTO events (name, kind, starts_on, ends_on, time_zone, place, city, industry, description, customer_target, created_at, updated_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                &p,
            )?;
            let after = get_event(c, id)?;
            self.audit_change(c, "create", "event", id, &d.name, None, Some(&after))?;
            Ok(after)
        })
    }

    /// Changing the dates must keep every session within them.
    pub fn update_event(&self, id: i64, d: &EventData) -> Result<Event> {
        self.transaction(|c| {
            let before = get_event(c, id)?;
            let outside = c.query(
                "SELECT title, starts_at FROM event_sessions WHERE event_id = ? AND (starts_at < ? OR starts_at >= ?) ORDER BY starts_at",
                &[
                    Value::Int(id),
                    Value::from(d.starts_on.format("%Y-%m-%d").to_string()),
                    Value::from((d.ends_on + Duration::days(1)).format("%Y-%m-%d").to_string()),
                ],
            )?;
            if let Some(r) = outside.first() {
                return Err(FieldErrors::single(
                    "starts_on",
                    format!(
                        "the session '{}' on {} would fall outside the event ({} session(s) in all); move them first",
                        r.text(0),
                        r.text(1).get(..10).unwrap_or(""),
                        outside.len()
                    ),
                )
                .into());
            }
            let mut p = event_params(d);
            p.push(Value::Time(now()));
            p.push(Value::Int(id));
            c.execute(
                "UPDATE events SET name = ?, kind = ?, starts_on = ?, ends_on = ?, time_zone = ?, place = ?, city = ?, industry = ?, description = ?, customer_target = ?, updated_at = ? WHERE id = ?",
                &p,
            )?;
            let after = get_event(c, id)?;
            self.audit_change(c, "update", "event", id, &d.name, Some(&before), Some(&after))?;
            Ok(after)
        })
    }

    /// Deletes the event with its rooms, sessions, speakers and guest list; notes captured
    /// there stay as evidence.
    pub fn delete_event(&self, id: i64) -> Result<()> {
        self.transaction(|c| {
            let before = get_event(c, id)?;
            c.execute("DELETE FROM events WHERE id = ?", &[Value::Int(id)])?;
            self.audit_change(
                c,
                "delete",
                "event",
                id,
                &before.data.name,
                Some(&before),
                None,
            )
        })
    }

    // ---- rooms ----

    pub fn list_rooms(&self, event_id: i64) -> Result<Vec<Room>> {
        self.with_conn(|c| {
            get_event(c, event_id)?;
            rooms(c, event_id)
        })
    }

    pub fn add_room(&self, event_id: i64, d: &RoomData) -> Result<Room> {
        self.transaction(|c| {
            get_event(c, event_id)?;
            let taken = c.query_int(
                "SELECT count(*) FROM event_rooms WHERE event_id = ? AND lower(name) = lower(?)",
                &[Value::Int(event_id), Value::from(&d.name)],
            )?;
            if taken > 0 {
                return Err(StoreError::Conflict {
                    field: "name".into(),
                    reason: format!("the event already has a room called '{}'", d.name),
                });
            }
            let id = c.query_int(
                "INSERT INTO event_rooms (event_id, name, main_stage) VALUES (?, ?, ?) RETURNING id",
                &[Value::Int(event_id), Value::from(&d.name), Value::Bool(d.main_stage)],
            )?;
            let room = Room {
                id,
                event_id,
                data: d.clone(),
            };
            self.audit_change(c, "create", "event_room", id, &d.name, None, Some(&room))?;
            Ok(room)
        })
    }

    /// Deletes a room with its sessions.
    pub fn delete_room(&self, room_id: i64) -> Result<i64> {
        self.transaction(|c| {
            let r = c
                .query_one(
                    "SELECT event_id, name FROM event_rooms WHERE id = ?",
                    &[Value::Int(room_id)],
                )?
                .ok_or(StoreError::NotFound {
                    what: "room",
                    id: room_id,
                })?;
            // What goes with the room, as it was: the room and its sessions (with their
            // speakers) each get an audit entry with their values before.
            let event_id = r.int(0);
            let room = rooms(c, event_id)?.into_iter().find(|x| x.id == room_id);
            let gone: Vec<Session> = sessions(c, event_id)?
                .into_iter()
                .filter(|s| s.data.room_id == room_id)
                .collect();
            c.execute(
                "DELETE FROM event_rooms WHERE id = ?",
                &[Value::Int(room_id)],
            )?;
            for session in &gone {
                self.audit_change(
                    c,
                    "delete",
                    "event_session",
                    session.id,
                    &format!("{} (with its room {})", session.data.title, r.text(1)),
                    Some(session),
                    None,
                )?;
            }
            self.audit_change(
                c,
                "delete",
                "event_room",
                room_id,
                &r.text(1),
                room.as_ref(),
                None,
            )?;
            Ok(event_id)
        })
    }

    // ---- sessions ----

    pub fn get_session(&self, id: i64) -> Result<Session> {
        self.with_conn(|c| get_session(c, id))
    }

    fn check_session(c: &mut dyn Conn, event_id: i64, id: i64, d: &SessionData) -> Result<()> {
        let ev = get_event(c, event_id)?;
        let room = rooms(c, event_id)?.into_iter().find(|r| r.id == d.room_id);
        let Some(room) = room else {
            return Err(FieldErrors::single(
                "room_id",
                format!("room {} is not one of this event's rooms", d.room_id),
            )
            .into());
        };
        let day = d.starts_at.date();
        if day < ev.data.starts_on || day > ev.data.ends_on {
            return Err(FieldErrors::single(
                "day",
                format!(
                    "{day} is outside the event ({} to {})",
                    ev.data.starts_on, ev.data.ends_on
                ),
            )
            .into());
        }
        let all = sessions(c, event_id)?;
        let speakers = all
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.speakers.clone())
            .unwrap_or_default();
        let candidate = Session {
            id,
            event_id,
            data: d.clone(),
            room_name: room.data.name,
            main_stage: room.data.main_stage,
            speakers,
        };
        problems_to_errors(&conflicts_of(&candidate, &all), "start")
    }

    /// Adds a session; one that would share its room with another at the same time, or put
    /// one of its speakers in two places, is refused with the reason.
    pub fn add_session(&self, event_id: i64, d: &SessionData) -> Result<Session> {
        self.transaction(|c| {
            Self::check_session(c, event_id, 0, d)?;
            let t = now();
            let id = c.query_int(
                "INSERT INTO event_sessions (event_id, room_id, title, format, focus, topic, starts_at, ends_at, description, created_at, updated_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                &[
                    Value::Int(event_id),
                    Value::Int(d.room_id),
                    Value::from(&d.title),
                    Value::from(d.format.as_str()),
                    Value::from(d.focus.as_str()),
                    Value::from(&d.topic),
                    Value::from(time_key(d.starts_at)),
                    Value::from(time_key(d.ends_at)),
                    Value::from(&d.description),
                    Value::Time(t),
                    Value::Time(t),
                ],
            )?;
            c.execute("UPDATE events SET updated_at = ? WHERE id = ?", &[Value::Time(t), Value::Int(event_id)])?;
            let after = get_session(c, id)?;
            self.audit_change(c, "create", "event_session", id, &d.title, None, Some(&after))?;
            Ok(after)
        })
    }

    pub fn update_session(&self, id: i64, d: &SessionData) -> Result<Session> {
        self.transaction(|c| {
            let before = get_session(c, id)?;
            Self::check_session(c, before.event_id, id, d)?;
            c.execute(
                "UPDATE event_sessions SET room_id = ?, title = ?, format = ?, focus = ?, topic = ?, starts_at = ?, ends_at = ?, description = ?, updated_at = ? WHERE id = ?",
                &[
                    Value::Int(d.room_id),
                    Value::from(&d.title),
                    Value::from(d.format.as_str()),
                    Value::from(d.focus.as_str()),
                    Value::from(&d.topic),
                    Value::from(time_key(d.starts_at)),
                    Value::from(time_key(d.ends_at)),
                    Value::from(&d.description),
                    Value::Time(now()),
                    Value::Int(id),
                ],
            )?;
            let after = get_session(c, id)?;
            self.audit_change(c, "update", "event_session", id, &d.title, Some(&before), Some(&after))?;
            Ok(after)
        })
    }

    /// Deletes a session with its speakers; returns the event's id.
    pub fn delete_session(&self, id: i64) -> Result<i64> {
        self.transaction(|c| {
            let before = get_session(c, id)?;
            c.execute("DELETE FROM event_sessions WHERE id = ?", &[Value::Int(id)])?;
            self.audit_change(
                c,
                "delete",
                "event_session",
                id,
                &before.data.title,
                Some(&before),
                None,
            )?;
            Ok(before.event_id)
        })
    }

    // ---- speakers ----

    /// Adds a speaker to a session. A customer speaker must be a contact; nobody may speak
    /// in two sessions at once, or twice in one session.
    pub fn add_speaker(&self, session_id: i64, d: &SpeakerData) -> Result<Speaker> {
        self.transaction(|c| {
            let session = get_session(c, session_id)?;
            if let Some(cid) = d.contact_id {
                contact_exists(c, cid, "contact_id")?;
                // Asking someone to speak contacts them.
                if c.query_int("SELECT count(*) FROM contacts WHERE id = ? AND do_not_contact = ?", &[Value::Int(cid), Value::Bool(true)])? > 0 {
                    return Err(FieldErrors::single("contact_id", "this contact must not be contacted (do not contact), so cannot be asked to speak").into());
                }
            }
            let field = if d.contact_id.is_some() { "contact_id" } else { "name" };
            let id = c.query_int(
                "INSERT INTO event_speakers (session_id, kind, contact_id, name, organization) VALUES (?, ?, ?, ?, ?) RETURNING id",
                &[
                    Value::Int(session_id),
                    Value::from(d.kind.as_str()),
                    Value::from(d.contact_id),
                    Value::from(&d.name),
                    Value::from(&d.organization),
                ],
            )?;
            let speaker = get_speaker(c, id)?;
            if session.speakers.iter().any(|s| s.identity() == speaker.identity()) {
                return Err(FieldErrors::single(
                    field,
                    format!("{} already speaks in this session", speaker.display_name),
                )
                .into());
            }
            let mut candidate = session.clone();
            candidate.speakers = vec![speaker.clone()];
            let all = sessions(c, session.event_id)?;
            let problems: Vec<AgendaProblem> = conflicts_of(&candidate, &all)
                .into_iter()
                .filter(|p| p.rule == AgendaRule::SpeakerConflict)
                .collect();
            problems_to_errors(&problems, field)?;
            self.audit_change(c, "create", "event_speaker", id, &speaker.display_name, None, Some(&speaker))?;
            Ok(speaker)
        })
    }

    /// Removes a speaker; returns the event's id.
    pub fn delete_speaker(&self, id: i64) -> Result<i64> {
        self.transaction(|c| {
            let before = get_speaker(c, id)?;
            let event_id = c.query_int(
                "SELECT event_id FROM event_sessions WHERE id = ?",
                &[Value::Int(before.session_id)],
            )?;
            c.execute("DELETE FROM event_speakers WHERE id = ?", &[Value::Int(id)])?;
            self.audit_change(
                c,
                "delete",
                "event_speaker",
                id,
                &before.display_name,
                Some(&before),
                None,
            )?;
            Ok(event_id)
        })
    }

    // ---- the agenda and its checks ----

    /// The agenda with its broken rules and stage checks; checks that could be fixed by an
    /// advocate carry up to `suggestions` of them, from the advocate snapshot as of `today`.
    pub fn agenda(&self, event_id: i64, today: NaiveDate, suggestions: usize) -> Result<Agenda> {
        let (event, rooms, sessions, history, names) = self.with_conn(|c| {
            let event = get_event(c, event_id)?;
            let rooms = rooms(c, event_id)?;
            let sessions = sessions(c, event_id)?;
            let (history, names) = featured_history(c, event.data.starts_on)?;
            Ok((event, rooms, sessions, history, names))
        })?;
        let problems = agenda_problems(&sessions);
        let mut checks = stage_checks(
            &sessions,
            &StageInputs {
                event_id,
                industry: event.data.industry.as_deref(),
                customer_target: event.data.customer_target,
                history: &history,
                account_names: &names,
                tz: event.data.tz(),
            },
        );
        if suggestions > 0 && checks.iter().any(|c| c.need.is_some()) {
            let snap = self.advocate_snapshot(today)?;
            let pool = options_from_snapshot(&snap, None);
            let speaking: HashSet<i64> = sessions
                .iter()
                .flat_map(|s| s.speakers.iter().filter_map(|k| k.data.contact_id))
                .collect();
            for ch in checks.iter_mut() {
                if let Some(need) = &ch.need {
                    ch.suggestions = suggest_advocates(need, &pool, &speaking, suggestions);
                }
            }
        }
        Ok(Agenda {
            event,
            rooms,
            sessions,
            problems,
            checks,
        })
    }

    /// Customers' share of the main stage at each event, oldest first (dashboard).
    pub fn stage_balance(&self, limit: usize) -> Result<Vec<StageBalanceRow>> {
        self.with_conn(|c| {
            let events: Vec<Event> = c
                .query(
                    &format!("SELECT {EVENT_COLUMNS} FROM events e ORDER BY e.starts_on DESC, e.id DESC LIMIT {}", limit.max(1)),
                    &[],
                )?
                .iter()
                .map(event_from_row)
                .collect();
            let mut out = Vec::new();
            for e in events.into_iter().rev() {
                let s = sessions(c, e.id)?;
                let main: Vec<&Session> = s.iter().filter(|s| s.main_stage).collect();
                let cust: Vec<&&Session> = main.iter().filter(|s| s.has_customer()).collect();
                out.push(StageBalanceRow {
                    event_id: e.id,
                    name: e.data.name.clone(),
                    starts_on: e.data.starts_on,
                    main_sessions: main.len(),
                    customer_main_sessions: cust.len(),
                    main_minutes: main.iter().map(|s| s.minutes_in(e.data.tz())).sum(),
                    customer_main_minutes: cust.iter().map(|s| s.minutes_in(e.data.tz())).sum(),
                    target: e.data.customer_target,
                });
            }
            Ok(out)
        })
    }

    // ---- guests ----

    pub fn list_guests(&self, event_id: i64) -> Result<Vec<Guest>> {
        self.with_conn(|c| {
            get_event(c, event_id)?;
            guests(c, event_id)
        })
    }

    pub fn get_guest(&self, id: i64) -> Result<Guest> {
        self.with_conn(|c| get_guest(c, id))
    }

    /// Puts a contact on the guest list; the rep defaults to the account's owner.
    pub fn add_guest(&self, event_id: i64, d: &GuestData) -> Result<Guest> {
        self.transaction(|c| {
            get_event(c, event_id)?;
            let who = c
                .query_one(
                    "SELECT a.owner, c.do_not_contact FROM contacts c JOIN accounts a ON a.id = c.account_id WHERE c.id = ?",
                    &[Value::Int(d.contact_id)],
                )?
                .ok_or_else(|| {
                    StoreError::from(FieldErrors::single(
                        "contact_id",
                        format!("no contact has id {}", d.contact_id),
                    ))
                })?;
            // An invitation contacts them; inviting a whole account skips them the same way.
            if who.bool(1) {
                return Err(FieldErrors::single("contact_id", "this contact must not be contacted (do not contact), so cannot be invited").into());
            }
            let owner = who.opt_text(0);
            if c.query_int(
                "SELECT count(*) FROM event_guests WHERE event_id = ? AND contact_id = ?",
                &[Value::Int(event_id), Value::Int(d.contact_id)],
            )? > 0
            {
                return Err(StoreError::Conflict {
                    field: "contact_id".into(),
                    reason: "is already on the guest list".into(),
                });
            }
            let t = now();
            let id = c.query_int(
                "INSERT INTO event_guests (event_id, contact_id, invited_on, rsvp, attended, rep, key_guest, wants_to_meet, created_at, updated_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                &[
                    Value::Int(event_id),
                    Value::Int(d.contact_id),
                    Value::from(d.invited_on),
                    Value::from(d.rsvp.as_str()),
                    Value::Bool(d.attended),
                    Value::from(d.rep.clone().or(owner)),
                    Value::Bool(d.key_guest),
                    Value::from(crate::join_list(&d.wants_to_meet)),
                    Value::Time(t),
                    Value::Time(t),
                ],
            )?;
            let after = get_guest(c, id)?;
            self.audit_change(c, "create", "event_guest", id, &after.contact_name, None, Some(&after))?;
            Ok(after)
        })
    }

    /// Invites every contact of an account who is not on the list yet and may be contacted;
    /// returns the guests added.
    pub fn add_account_guests(
        &self,
        event_id: i64,
        account_id: i64,
        invited_on: Option<NaiveDate>,
    ) -> Result<Vec<Guest>> {
        let contacts: Vec<i64> = self.with_conn(|c| {
            get_event(c, event_id)?;
            if c.query_int("SELECT count(*) FROM accounts WHERE id = ?", &[Value::Int(account_id)])? == 0 {
                return Err(FieldErrors::single("account_id", format!("no account has id {account_id}")).into());
            }
            Ok(c.query(
                "SELECT id FROM contacts WHERE account_id = ? AND do_not_contact = ? \
                 AND id NOT IN (SELECT contact_id FROM event_guests WHERE event_id = ?) ORDER BY id",
                &[Value::Int(account_id), Value::Bool(false), Value::Int(event_id)],
            )?
            .iter()
            .map(|r| r.int(0))
            .collect())
        })?;
        let mut added = Vec::new();
        for contact_id in contacts {
            let d = GuestData {
                contact_id,
                invited_on,
                rsvp: Rsvp::Pending,
                attended: false,
                rep: None,
                key_guest: false,
                wants_to_meet: Vec::new(),
            };
            match self.add_guest(event_id, &d) {
                Ok(g) => added.push(g),
                // Invited meanwhile by someone else: nothing to add.
                Err(StoreError::Conflict { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(added)
    }

    /// Changes the invitation, RSVP, attendance, rep, key-guest mark and wishes (the contact
    /// stays the same).
    pub fn update_guest(&self, id: i64, d: &GuestData) -> Result<Guest> {
        self.transaction(|c| {
            let before = get_guest(c, id)?;
            if d.contact_id != before.data.contact_id {
                return Err(FieldErrors::single(
                    "contact_id",
                    "cannot change: remove the guest and add the other contact",
                )
                .into());
            }
            c.execute(
                "UPDATE event_guests SET invited_on = ?, rsvp = ?, attended = ?, rep = ?, key_guest = ?, wants_to_meet = ?, updated_at = ? WHERE id = ?",
                &[
                    Value::from(d.invited_on),
                    Value::from(d.rsvp.as_str()),
                    Value::Bool(d.attended),
                    Value::from(&d.rep),
                    Value::Bool(d.key_guest),
                    Value::from(crate::join_list(&d.wants_to_meet)),
                    Value::Time(now()),
                    Value::Int(id),
                ],
            )?;
            let after = get_guest(c, id)?;
            self.audit_change(c, "update", "event_guest", id, &after.contact_name, Some(&before), Some(&after))?;
            Ok(after)
        })
    }

    /// Removes a guest; returns the event's id.
    pub fn delete_guest(&self, id: i64) -> Result<i64> {
        self.transaction(|c| {
            let before = get_guest(c, id)?;
            c.execute("DELETE FROM event_guests WHERE id = ?", &[Value::Int(id)])?;
            self.audit_change(
                c,
                "delete",
                "event_guest",
                id,
                &before.contact_name,
                Some(&before),
                None,
            )?;
            Ok(before.event_id)
        })
    }

    /// "Who do you want to meet": for each rep, the introductions to make.
    pub fn introductions(&self, event_id: i64) -> Result<Vec<Introduction>> {
        self.with_conn(|c| {
            get_event(c, event_id)?;
            let gs = guests(c, event_id)?;
            let ss = sessions(c, event_id)?;
            let mut people: Vec<Attendee> = gs
                .iter()
                .filter(|g| g.data.rsvp != Rsvp::No)
                .map(|g| Attendee {
                    name: g.contact_name.clone(),
                    organization: g.account_name.clone(),
                    industry: g.industry.clone(),
                    title: g.title.clone(),
                    role: "guest",
                })
                .collect();
            let mut seen = HashSet::new();
            for k in ss.iter().flat_map(|s| s.speakers.iter()) {
                if seen.insert(k.identity()) {
                    people.push(Attendee {
                        name: k.display_name.clone(),
                        organization: k.account_name.clone().unwrap_or_default(),
                        industry: k.industry.clone(),
                        title: None,
                        role: "speaker",
                    });
                }
            }
            Ok(introductions(&gs, &people))
        })
    }

    /// The guest list as CSV.
    pub fn guests_csv(&self, event_id: i64) -> Result<String> {
        let list = self.list_guests(event_id)?;
        let mut w = csv::Writer::from_writer(Vec::new());
        let header = [
            "guest_id",
            "contact_id",
            "name",
            "title",
            "email",
            "account",
            "industry",
            "lifecycle",
            "rep",
            "invited_on",
            "rsvp",
            "attended",
            "key_guest",
            "at_risk",
            "at_risk_reason",
            "wants_to_meet",
        ];
        let csv_err = |e: csv::Error| StoreError::Database(e.to_string());
        w.write_record(header).map_err(csv_err)?;
        // A cell a spreadsheet would run as a formula is prefixed with a quote.
        let safe = |s: String| {
            if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                format!("'{s}")
            } else {
                s
            }
        };
        for g in list {
            w.write_record([
                g.id.to_string(),
                g.data.contact_id.to_string(),
                safe(g.contact_name),
                safe(g.title.unwrap_or_default()),
                safe(g.email.unwrap_or_default()),
                safe(g.account_name),
                safe(g.industry.unwrap_or_default()),
                g.lifecycle,
                safe(g.data.rep.unwrap_or_default()),
                g.data.invited_on.map(|d| d.to_string()).unwrap_or_default(),
                g.data.rsvp.as_str().to_string(),
                g.data.attended.to_string(),
                g.data.key_guest.to_string(),
                g.at_risk.to_string(),
                safe(g.at_risk_reason.unwrap_or_default()),
                safe(g.data.wants_to_meet.join("; ")),
            ])
            .map_err(csv_err)?;
        }
        let bytes = w
            .into_inner()
            .map_err(|e| StoreError::Database(e.to_string()))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    // ---- briefing pack (D4) ----

    /// The briefing pack for one guest of an event.
    pub fn briefing(&self, event_id: i64, contact_id: i64) -> Result<Briefing> {
        let b = self.with_conn(|c| {
            let event = get_event(c, event_id)?;
            let guest = c
                .query_one(
                    &format!("SELECT {GUEST_COLUMNS} FROM {GUEST_FROM} WHERE g.event_id = ? AND g.contact_id = ?"),
                    &[Value::Int(event_id), Value::Int(contact_id)],
                )?
                .map(|r| guest_from_row(&r))
                .ok_or(StoreError::NotFound {
                    what: "guest with contact id",
                    id: contact_id,
                })?;
            let acc = c
                .query_one(
                    "SELECT industry, segment, city, country, employees, products, annual_revenue, customer_since, renewal_date, owner FROM accounts WHERE id = ?",
                    &[Value::Int(guest.account_id)],
                )?
                .ok_or(StoreError::NotFound {
                    what: "account",
                    id: guest.account_id,
                })?;
            let a = Value::Int(guest.account_id);
            let touchpoints = c
                .query(
                    "SELECT occurred_on, kind, staff, notes FROM touchpoints WHERE account_id = ? ORDER BY occurred_on DESC, id DESC LIMIT 5",
                    std::slice::from_ref(&a),
                )?
                .iter()
                .map(|r| BriefItem {
                    date: r.opt_date(0),
                    text: r.text(1).replace('_', " "),
                    detail: match (r.opt_text(2), r.opt_text(3)) {
                        (Some(s), Some(n)) => Some(format!("{s}: {}", first_line(&n, 200))),
                        (Some(s), None) => Some(s),
                        (None, Some(n)) => Some(first_line(&n, 200)),
                        (None, None) => None,
                    },
                })
                .collect();
            let commitments = c
                .query(
                    "SELECT due_on, description, owner FROM commitments WHERE account_id = ? AND status = 'open' ORDER BY due_on IS NULL, due_on, id",
                    std::slice::from_ref(&a),
                )?
                .iter()
                .map(|r| BriefItem {
                    date: r.opt_date(0),
                    text: r.text(1),
                    detail: r.opt_text(2).map(|o| format!("owner: {o}")),
                })
                .collect();
            // The guest's own latest answer, else the account's. (A CASE, not `contact_id = ?`:
            // anonymous answers compare as NULL, which PostgreSQL sorts first and SQLite last.)
            let nps = c.query_one(
                "SELECT responded_on, score, comment FROM nps_responses WHERE account_id = ? ORDER BY CASE WHEN contact_id = ? THEN 0 ELSE 1 END, responded_on DESC, id DESC LIMIT 1",
                &[a.clone(), Value::Int(contact_id)],
            )?;
            let evidence = |c: &mut dyn Conn, kind: &str| -> Result<Vec<BriefItem>> {
                Ok(c.query(
                    "SELECT occurred_on, body, source FROM evidence WHERE account_id = ? AND kind = ? ORDER BY occurred_on DESC, id DESC LIMIT 5",
                    &[Value::Int(guest.account_id), Value::from(kind)],
                )?
                .iter()
                .map(|r| BriefItem {
                    date: r.opt_date(0),
                    text: first_line(&r.text(1), 300),
                    detail: Some(r.text(2).replace('_', " ")),
                })
                .collect())
            };
            let wishes = evidence(c, EvidenceKind::Wish.as_str())?;
            let problems = evidence(c, EvidenceKind::Problem.as_str())?;
            Ok(Briefing {
                event_id,
                event_name: event.data.name,
                event_starts_on: event.data.starts_on,
                account_industry: acc.opt_text(0),
                segment: acc.opt_text(1),
                city: acc.opt_text(2),
                country: acc.opt_text(3),
                employees: acc.opt_int(4),
                products: crate::split_list(&acc.text(5)),
                annual_revenue: acc.int(6),
                customer_since: acc.opt_date(7),
                renewal_date: acc.opt_date(8),
                owner: acc.opt_text(9),
                guest,
                touchpoints,
                commitments,
                nps_score: nps.as_ref().map(|r| r.int(1)),
                nps: nps.map(|r| BriefItem {
                    date: r.opt_date(0),
                    text: format!("{} of 10", r.int(1)),
                    detail: r.opt_text(2),
                }),
                wishes,
                problems,
                themes: Vec::new(),
                questions: Vec::new(),
            })
        })?;
        let themes = match &b.account_industry {
            Some(i) => self.industry_theme_briefs(i, 5)?,
            None => Vec::new(),
        };
        let questions = suggested_questions(&b, &themes)
            .into_iter()
            .map(|q| BriefQuestion {
                flags: lint(&q),
                question: q,
            })
            .collect();
        Ok(Briefing {
            themes,
            questions,
            ..b
        })
    }

    /// The recurring themes of accounts in an industry (C4), each with a quote.
    fn industry_theme_briefs(&self, industry: &str, limit: usize) -> Result<Vec<BriefTheme>> {
        Ok(self
            .industry_themes(industry, limit)?
            .into_iter()
            .map(|t| BriefTheme {
                label: t.label,
                volume: t.volume,
                quote: t.quote.map(|q| first_line(&q, 200)),
            })
            .collect())
    }

    // ---- quick capture (D5) ----

    /// Records a note about a guest as evidence of the event.
    pub fn capture_note(&self, event_id: i64, d: &CaptureData, today: NaiveDate) -> Result<i64> {
        let by = self.actor.label.clone();
        self.transaction(|c| {
            let event = get_event(c, event_id)?;
            let account = c
                .query_one(
                    "SELECT c.account_id FROM event_guests g JOIN contacts c ON c.id = g.contact_id WHERE g.event_id = ? AND g.contact_id = ?",
                    &[Value::Int(event_id), Value::Int(d.contact_id)],
                )?
                .map(|r| r.int(0))
                .ok_or_else(|| {
                    StoreError::from(FieldErrors::single(
                        "contact_id",
                        format!("contact {} is not on this event's guest list", d.contact_id),
                    ))
                })?;
            let date = d.date.unwrap_or(if today > event.data.ends_on {
                event.data.ends_on
            } else {
                today
            });
            let mut ev = EvidenceData::new(d.text.clone(), EvidenceSource::Event, date);
            ev.kind = d.kind;
            ev.suggested = false;
            ev.account_id = Some(account);
            ev.contact_id = Some(d.contact_id);
            let id = crate::evidence::insert_evidence(c, &ev, &by)?;
            c.execute(
                "UPDATE evidence SET event_id = ? WHERE id = ?",
                &[Value::Int(event_id), Value::Int(id)],
            )?;
            self.audit(
                c,
                "create",
                "evidence",
                Some(id),
                &format!("note at {}", event.data.name),
                None,
                Some(serde_json::json!({"event_id": event_id, "contact_id": d.contact_id, "kind": d.kind.as_str(), "text": d.text})),
            )?;
            Ok(id)
        })
    }

    /// Notes captured at an event, newest first.
    pub fn event_notes(&self, event_id: i64, limit: usize) -> Result<Vec<EventNote>> {
        self.with_conn(|c| {
            get_event(c, event_id)?;
            Ok(c.query(
                &format!("SELECT v.id, v.contact_id, c.name, a.name, v.kind, v.body, v.occurred_on, v.created_by FROM evidence v \
                 LEFT JOIN contacts c ON c.id = v.contact_id LEFT JOIN accounts a ON a.id = v.account_id \
                 WHERE v.event_id = ? ORDER BY v.id DESC LIMIT {}", limit.max(1)),
                &[Value::Int(event_id)],
            )?
            .iter()
            .map(|r| EventNote {
                evidence_id: r.int(0),
                contact_id: r.opt_int(1),
                contact_name: r.opt_text(2),
                account_name: r.opt_text(3),
                kind: r.text(4),
                text: r.text(5),
                date: r.date(6),
                created_by: r.text(7),
            })
            .collect())
        })
    }

    // ---- outcomes (D6) ----

    pub fn event_outcomes(&self, event_id: i64) -> Result<EventOutcomes> {
        self.with_conn(|c| {
            let event = get_event(c, event_id)?;
            let id = Value::Int(event_id);
            let accounts: Vec<AttendingAccount> = c
                .query(
                    "SELECT a.id, a.name, a.lifecycle, a.customer_since, a.annual_revenue FROM accounts a \
                     WHERE a.id IN (SELECT c.account_id FROM event_guests g JOIN contacts c ON c.id = g.contact_id WHERE g.event_id = ? AND g.attended = ?) \
                     ORDER BY lower(a.name), a.id",
                    &[id.clone(), Value::Bool(true)],
                )?
                .iter()
                .map(|r| AttendingAccount {
                    account_id: r.int(0),
                    account_name: r.text(1),
                    lifecycle: r.text(2),
                    customer_since: r.opt_date(3),
                    annual_revenue: r.int(4),
                })
                .collect();
            let counts = c
                .query_one(
                    "SELECT count(*), coalesce(sum(CASE WHEN attended = ? THEN 1 ELSE 0 END), 0) FROM event_guests WHERE event_id = ?",
                    &[Value::Bool(true), id.clone()],
                )?
                .map(|r| (r.int(0) as usize, r.int(1) as usize))
                .unwrap_or((0, 0));
            let ss = sessions(c, event_id)?;
            let mut speakers: BTreeMap<i64, EventSpeakerRow> = BTreeMap::new();
            for s in &ss {
                for k in s.speakers.iter().filter(|k| k.is_customer()) {
                    let Some(cid) = k.data.contact_id else { continue };
                    speakers
                        .entry(cid)
                        .or_insert_with(|| EventSpeakerRow {
                            contact_id: cid,
                            name: k.display_name.clone(),
                            account_id: k.account_id.unwrap_or_default(),
                            account_name: k.account_name.clone().unwrap_or_default(),
                            sessions: Vec::new(),
                        })
                        .sessions
                        .push(s.data.title.clone());
                }
            }
            let notes = c.query_int("SELECT count(*) FROM evidence WHERE event_id = ?", &[id])?;
            Ok(EventOutcomes {
                event_id,
                outcomes: outcomes(event.data.starts_on, &accounts),
                guests_invited: counts.0,
                guests_attended: counts.1,
                advocates_who_spoke: speakers.into_values().collect(),
                notes_captured: notes,
            })
        })
    }

    // ---- community sessions (D8) ----

    /// Local Rock Stars (and advocates who value a stage) who could present on `topic` in
    /// `city`: the contact's city, or the account's when the contact has none.
    pub fn community_presenters(
        &self,
        city: &str,
        topic: Option<&str>,
        today: NaiveDate,
        limit: usize,
    ) -> Result<Vec<AdvocateSuggestion>> {
        let cities: HashMap<i64, String> = self.with_conn(|c| {
            Ok(c.query(
                "SELECT c.id, coalesce(c.city, a.city) FROM contacts c JOIN accounts a ON a.id = c.account_id \
                 WHERE lower(coalesce(c.city, a.city)) = lower(?)",
                &[Value::from(city.trim())],
            )?
            .iter()
            .map(|r| (r.int(0), r.text(1)))
            .collect())
        })?;
        if cities.is_empty() {
            return Ok(Vec::new());
        }
        let snap = self.advocate_snapshot(today)?;
        let pool = options_from_snapshot(&snap, Some(&cities));
        Ok(community_presenters(city, topic, &pool, limit))
    }

    /// Cities where customers' contacts or accounts are, most contacts first (for choosing).
    pub fn advocate_cities(&self, limit: usize) -> Result<Vec<(String, i64)>> {
        self.with_conn(|c| {
            Ok(c.query(
                &format!("SELECT coalesce(c.city, a.city) AS city, count(*) AS n FROM contacts c JOIN accounts a ON a.id = c.account_id \
                 WHERE coalesce(c.city, a.city) IS NOT NULL GROUP BY coalesce(c.city, a.city) ORDER BY n DESC, city LIMIT {}", limit.max(1)),
                &[],
            )?
            .iter()
            .map(|r| (r.text(0), r.int(1)))
            .collect())
        })
    }

    // ---- iCalendar (D7) ----

    /// The event as iCalendar: one all-day entry for the event and one per session, or only
    /// the one session when `session_id` is given.
    pub fn event_ics(&self, event_id: i64, session_id: Option<i64>, host: &str) -> Result<String> {
        let (event, list) =
            self.with_conn(|c| Ok((get_event(c, event_id)?, sessions(c, event_id)?)))?;
        let e = &event.data;
        let mut items = Vec::new();
        let location = |room: Option<&str>| -> Option<String> {
            let parts: Vec<String> = [room.map(str::to_string), e.place.clone(), e.city.clone()]
                .into_iter()
                .flatten()
                .collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        };
        match session_id {
            None => items.push(IcsEvent {
                uid: format!("event-{event_id}@{host}"),
                summary: e.name.clone(),
                description: e.description.clone(),
                location: location(None),
                categories: vec![e.kind.label().to_string()],
                start: IcsTime::Date(e.starts_on),
                end: IcsTime::Date(e.ends_on + Duration::days(1)),
                last_modified: Some(event.updated_at),
            }),
            Some(sid) => {
                if !list.iter().any(|s| s.id == sid) {
                    return Err(StoreError::NotFound {
                        what: "session",
                        id: sid,
                    });
                }
            }
        }
        for s in list.iter().filter(|s| session_id.is_none_or(|x| x == s.id)) {
            let speakers: Vec<String> = s
                .speakers
                .iter()
                .map(|k| match &k.account_name {
                    Some(o) => format!("{} ({o})", k.display_name),
                    None => k.display_name.clone(),
                })
                .collect();
            let mut desc = Vec::new();
            if !speakers.is_empty() {
                desc.push(format!("Speakers: {}", speakers.join(", ")));
            }
            if let Some(t) = &s.data.topic {
                desc.push(format!("Topic: {t}"));
            }
            if let Some(d) = &s.data.description {
                desc.push(d.clone());
            }
            desc.push(format!("Part of {}", e.name));
            items.push(IcsEvent {
                uid: format!("event-{event_id}-session-{}@{host}", s.id),
                summary: s.data.title.clone(),
                description: Some(desc.join("\n")),
                location: location(Some(&s.room_name)),
                categories: vec![
                    s.data.format.label().to_string(),
                    s.data.focus.label().to_string(),
                ],
                start: IcsTime::Local(s.data.starts_at),
                end: IcsTime::Local(s.data.ends_at),
                last_modified: Some(event.updated_at),
            });
        }
        Ok(ical::write(
            &ical::Calendar {
                name: e.name.clone(),
                tz: e.tz(),
                events: items,
            },
            now(),
        ))
    }
}

/// The accounts featured (customer speakers) at each event that started on or before `on`,
/// the latest twenty, with the accounts' names.
fn featured_history(
    c: &mut dyn Conn,
    on: NaiveDate,
) -> Result<(Vec<FeaturedAt>, BTreeMap<i64, String>)> {
    let events: Vec<(i64, NaiveDate)> = c
        .query(
            "SELECT id, starts_on FROM events WHERE starts_on <= ? ORDER BY starts_on DESC, id DESC LIMIT 20",
            &[Value::Date(on)],
        )?
        .iter()
        .map(|r| (r.int(0), r.date(1)))
        .collect();
    let Some(oldest) = events.last().map(|e| e.1) else {
        return Ok((Vec::new(), BTreeMap::new()));
    };
    let rows = c.query(
        "SELECT DISTINCT s.event_id, a.id, a.name FROM event_speakers k JOIN event_sessions s ON s.id = k.session_id \
         JOIN events e ON e.id = s.event_id JOIN contacts c ON c.id = k.contact_id JOIN accounts a ON a.id = c.account_id \
         WHERE k.kind = 'customer' AND e.starts_on >= ? AND e.starts_on <= ?",
        &[Value::Date(oldest), Value::Date(on)],
    )?;
    let mut by_event: HashMap<i64, BTreeSet<i64>> = HashMap::new();
    let mut names = BTreeMap::new();
    for r in rows {
        by_event.entry(r.int(0)).or_default().insert(r.int(1));
        names.insert(r.int(1), r.text(2));
    }
    Ok((
        events
            .into_iter()
            .map(|(id, starts_on)| FeaturedAt {
                event_id: id,
                starts_on,
                accounts: by_event.remove(&id).unwrap_or_default(),
            })
            .collect(),
        names,
    ))
}

/// F3: what the events hold about a person: the guest lists they are on and the sessions
/// they speak in.
pub(crate) fn privacy_export(c: &mut dyn Conn, contact_id: i64) -> Result<serde_json::Value> {
    let guests: Vec<serde_json::Value> = c
        .query(
            "SELECT e.name, e.starts_on, g.invited_on, g.rsvp, g.attended, g.rep, g.key_guest, g.wants_to_meet \
             FROM event_guests g JOIN events e ON e.id = g.event_id WHERE g.contact_id = ? ORDER BY e.starts_on, g.id",
            &[Value::Int(contact_id)],
        )?
        .iter()
        .map(|r| {
            serde_json::json!({
                "event": r.text(0), "starts_on": r.date(1), "invited_on": r.opt_date(2), "rsvp": r.text(3),
                "attended": r.bool(4), "rep": r.opt_text(5), "key_guest": r.bool(6),
                "wants_to_meet": crate::split_list(&r.text(7)),
            })
        })
        .collect();
    let speaking: Vec<serde_json::Value> = c
        .query(
            "SELECT e.name, s.title, s.starts_at, s.ends_at FROM event_speakers k JOIN event_sessions s ON s.id = k.session_id \
             JOIN events e ON e.id = s.event_id WHERE k.contact_id = ? ORDER BY s.starts_at, k.id",
            &[Value::Int(contact_id)],
        )?
        .iter()
        .map(|r| serde_json::json!({"event": r.text(0), "session": r.text(1), "starts_at": r.text(2), "ends_at": r.text(3)}))
        .collect();
    Ok(serde_json::json!({"guest_of": guests, "speaker_at": speaking}))
}

/// F3: an erased person stays counted on guest lists and agendas (attendance, outcomes),
/// without whom they wanted to meet; other guests' wishes and the audit entries about their
/// guest and speaker records lose their name.
pub(crate) fn erase_contact(
    c: &mut dyn Conn,
    contact_id: i64,
    scrub: &dyn Fn(&str) -> String,
) -> Result<()> {
    c.execute(
        "UPDATE event_guests SET wants_to_meet = '' WHERE contact_id = ?",
        &[Value::Int(contact_id)],
    )?;
    for r in c.query(
        "SELECT id, wants_to_meet FROM event_guests WHERE wants_to_meet <> ''",
        &[],
    )? {
        let scrubbed = scrub(&r.text(1));
        if scrubbed != r.text(1) {
            c.execute(
                "UPDATE event_guests SET wants_to_meet = ? WHERE id = ?",
                &[Value::Text(scrubbed), Value::Int(r.int(0))],
            )?;
        }
    }
    c.execute(
        "UPDATE audit_log SET summary = '(erased)', before_json = NULL, after_json = NULL WHERE \
         (entity = 'event_guest' AND entity_id IN (SELECT id FROM event_guests WHERE contact_id = ?)) \
         OR (entity = 'event_speaker' AND entity_id IN (SELECT id FROM event_speakers WHERE contact_id = ?))",
        &[Value::Int(contact_id), Value::Int(contact_id)],
    )?;
    Ok(())
}
