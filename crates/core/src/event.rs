//! Customer events that put customers on stage (D1–D8): events with rooms, sessions and
//! speakers; the agenda rules (no two sessions in one room at once, no speaker in two places
//! at once); the stage checks (how much of the main stage customers get, whether they are
//! kept to side rooms, a "poster customer", panel diversity, customers' issues versus our
//! roadmap) with the advocates who could fill a slot; guests; outcomes; community sessions.
//!
//! Times of sessions are wall-clock times in the event's IANA time zone.

use crate::account::{date_text, optional_enum};
use crate::evidence::EvidenceKind;
use crate::fields::Fields;
use crate::parse;
use crate::FieldErrors;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashSet};

crate::text_enum!(
    EventKind {
        Conference => "conference", "Conference";
        UserGroup => "user_group", "User group";
        Roundtable => "roundtable", "Roundtable";
        HolidayLunch => "holiday_lunch", "Holiday lunch";
        CommunitySession => "community_session", "Community session";
    }
);

crate::text_enum!(
    SessionFormat {
        Keynote => "keynote", "Keynote";
        Panel => "panel", "Panel";
        Workshop => "workshop", "Workshop";
        Demo => "demo", "Demo";
        Qa => "qa", "Q&A";
        Fireside => "fireside", "Fireside chat";
    }
);

crate::text_enum!(
    /// What a session is about: customers' own issues, or the vendor's roadmap.
    SessionFocus {
        CustomerIssues => "customer_issues", "Customers' issues";
        Roadmap => "roadmap", "Our roadmap";
        Other => "other", "Other";
    }
);

crate::text_enum!(
    SpeakerKind {
        Customer => "customer", "Customer";
        Staff => "staff", "Staff";
        Academic => "academic", "Academic";
        Partner => "partner", "Partner";
    }
);

crate::text_enum!(
    Rsvp {
        Pending => "pending", "No answer yet";
        Yes => "yes", "Attending";
        Maybe => "maybe", "Maybe";
        No => "no", "Declined";
    }
);

/// The default share of the main stage customers should get (at least a third).
pub const DEFAULT_CUSTOMER_TARGET: f64 = 1.0 / 3.0;
/// How many of the latest events the poster-customer check looks at.
pub const POSTER_WINDOW: usize = 5;

/// A time zone by IANA name (`Europe/Oslo`, `America/New_York`, `UTC`).
pub fn parse_time_zone(input: &str) -> Result<chrono_tz::Tz, String> {
    let t = input.trim();
    if t.is_empty() {
        return Err("is required (an IANA name such as Europe/London)".into());
    }
    t.parse::<chrono_tz::Tz>().map_err(|_| {
        format!("'{t}' is not a time zone (expected an IANA name such as Europe/London or America/New_York)")
    })
}

/// A share target: `1/3`, `0.33`, `33%` or `33.3` (percent when above 1).
pub fn parse_share(input: &str) -> Result<Option<f64>, String> {
    let t = input.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let bad = || format!("'{t}' is not a share (write 1/3, 0.33 or 33%)");
    let v = if let Some((a, b)) = t.split_once('/') {
        let a: f64 = a.trim().parse().map_err(|_| bad())?;
        let b: f64 = b.trim().parse().map_err(|_| bad())?;
        if b == 0.0 {
            return Err(bad());
        }
        a / b
    } else if let Some(p) = t.strip_suffix('%') {
        p.trim().parse::<f64>().map_err(|_| bad())? / 100.0
    } else {
        let v: f64 = t.parse().map_err(|_| bad())?;
        if v > 1.0 {
            v / 100.0
        } else {
            v
        }
    };
    if !v.is_finite() || !(0.0..=1.0).contains(&v) {
        return Err(format!("'{t}' is out of range (0 to 100%)"));
    }
    Ok(Some(v))
}

/// A share as a person reads it: `33.3%`, and `1/3` exactly for the default.
pub fn share_text(v: f64) -> String {
    if (v - DEFAULT_CUSTOMER_TARGET).abs() < 1e-9 {
        "1/3".into()
    } else {
        format!("{:.1}%", v * 100.0)
    }
}

fn parse_clock(input: &str) -> Result<NaiveTime, String> {
    let t = input.trim();
    if t.is_empty() {
        return Err("is required (HH:MM)".into());
    }
    NaiveTime::parse_from_str(t, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(t, "%H:%M:%S"))
        .map_err(|_| format!("'{t}' is not a time of day (expected HH:MM, 24-hour)"))
}

// ---- events ----

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventData {
    pub name: String,
    pub kind: EventKind,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// IANA name; session times are wall-clock times there.
    pub time_zone: String,
    /// Venue and address.
    pub place: Option<String>,
    pub city: Option<String>,
    /// The industry the event is about, if any: suggested speakers from it come first.
    pub industry: Option<String>,
    pub description: Option<String>,
    /// Share of main-stage sessions and minutes customers should get (0 to 1).
    pub customer_target: f64,
}

pub const EVENT_FIELDS: &[&str] = &[
    "name",
    "kind",
    "starts_on",
    "ends_on",
    "time_zone",
    "place",
    "city",
    "industry",
    "description",
    "customer_target",
];

impl EventData {
    pub fn from_fields(f: &Fields) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = e.check("name", parse::required_text(f.get("name"), 150));
        let kind = e.check(
            "kind",
            optional_enum(f.get("kind"), EventKind::parse)
                .and_then(|k| k.ok_or_else(|| "is required".to_string())),
        );
        let starts_on = e.check("starts_on", parse::required_date(f.get("starts_on")));
        let ends_on = e.check("ends_on", parse::optional_date(f.get("ends_on")));
        let tz = e.check(
            "time_zone",
            if f.get("time_zone").trim().is_empty() {
                Ok(chrono_tz::UTC)
            } else {
                parse_time_zone(f.get("time_zone"))
            },
        );
        let place = e.check("place", parse::optional_text(f.get("place"), 300));
        let city = e.check("city", parse::optional_text(f.get("city"), 100));
        let industry = e.check("industry", parse::optional_text(f.get("industry"), 100));
        let description = e.check(
            "description",
            parse::optional_text(f.get("description"), parse::MAX_NOTES),
        );
        let target = e.check("customer_target", parse_share(f.get("customer_target")));
        if let (Some(s), Some(Some(end))) = (starts_on, ends_on) {
            if end < s {
                e.add("ends_on", format!("{end} is before the first day ({s})"));
            } else if (end - s).num_days() > 31 {
                e.add("ends_on", "an event lasts at most 31 days");
            }
        }
        e.into_result(|| {
            let s = starts_on.unwrap();
            EventData {
                name: name.unwrap(),
                kind: kind.unwrap(),
                starts_on: s,
                ends_on: ends_on.unwrap().unwrap_or(s),
                time_zone: tz.unwrap().name().to_string(),
                place: place.unwrap(),
                city: city.unwrap(),
                industry: industry.unwrap(),
                description: description.unwrap(),
                customer_target: target.unwrap().unwrap_or(DEFAULT_CUSTOMER_TARGET),
            }
        })
    }

    pub fn to_fields(&self) -> Fields {
        Fields::from_pairs([
            ("name", self.name.clone()),
            ("kind", self.kind.as_str().to_string()),
            ("starts_on", date_text(Some(self.starts_on))),
            ("ends_on", date_text(Some(self.ends_on))),
            ("time_zone", self.time_zone.clone()),
            ("place", self.place.clone().unwrap_or_default()),
            ("city", self.city.clone().unwrap_or_default()),
            ("industry", self.industry.clone().unwrap_or_default()),
            ("description", self.description.clone().unwrap_or_default()),
            ("customer_target", share_text(self.customer_target)),
        ])
    }

    pub fn tz(&self) -> chrono_tz::Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::UTC)
    }

    /// Whether the event has begun by `today`.
    pub fn is_past(&self, today: NaiveDate) -> bool {
        self.ends_on < today
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub id: i64,
    #[serde(flatten)]
    pub data: EventData,
    pub sessions: i64,
    pub guests: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

// ---- rooms ----

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoomData {
    pub name: String,
    /// The main stage, where featured sessions happen; otherwise a side room.
    pub main_stage: bool,
}

pub const ROOM_FIELDS: &[&str] = &["name", "main_stage"];

impl RoomData {
    pub fn from_fields(f: &Fields) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = e.check("name", parse::required_text(f.get("name"), 100));
        let main = e.check("main_stage", parse::bool_or(f.get("main_stage"), false));
        e.into_result(|| RoomData {
            name: name.unwrap(),
            main_stage: main.unwrap(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Room {
    pub id: i64,
    pub event_id: i64,
    #[serde(flatten)]
    pub data: RoomData,
}

// ---- sessions ----

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionData {
    pub room_id: i64,
    pub title: String,
    pub format: SessionFormat,
    pub focus: SessionFocus,
    pub topic: Option<String>,
    /// Wall-clock times in the event's time zone, on one day.
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub description: Option<String>,
}

/// `day` (YYYY-MM-DD), `start` and `end` (HH:MM) give the times.
pub const SESSION_FIELDS: &[&str] = &[
    "room_id",
    "title",
    "format",
    "focus",
    "topic",
    "day",
    "start",
    "end",
    "description",
];

impl SessionData {
    /// The day must fall within the event; the room must be one of its rooms (the store
    /// checks that).
    pub fn from_fields(f: &Fields, event: &EventData) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let room_id = e.check(
            "room_id",
            parse::optional_int(f.get("room_id"), 1, i64::MAX)
                .and_then(|v| v.ok_or_else(|| "is required: choose a room".to_string())),
        );
        let title = e.check("title", parse::required_text(f.get("title"), 200));
        let format = e.check(
            "format",
            optional_enum(f.get("format"), SessionFormat::parse)
                .and_then(|k| k.ok_or_else(|| "is required".to_string())),
        );
        let focus = e.check(
            "focus",
            optional_enum(f.get("focus"), SessionFocus::parse)
                .map(|v| v.unwrap_or(SessionFocus::Other)),
        );
        let topic = e.check("topic", parse::optional_text(f.get("topic"), 100));
        let day = e.check(
            "day",
            if f.get("day").trim().is_empty() && event.starts_on == event.ends_on {
                Ok(event.starts_on)
            } else {
                parse::required_date(f.get("day"))
            },
        );
        let start = e.check("start", parse_clock(f.get("start")));
        let end = e.check("end", parse_clock(f.get("end")));
        let description = e.check(
            "description",
            parse::optional_text(f.get("description"), parse::MAX_NOTES),
        );
        if let Some(d) = day {
            if d < event.starts_on || d > event.ends_on {
                e.add(
                    "day",
                    if event.starts_on == event.ends_on {
                        format!("{d} is not the day of the event ({})", event.starts_on)
                    } else {
                        format!(
                            "{d} is outside the event ({} to {})",
                            event.starts_on, event.ends_on
                        )
                    },
                );
            }
        }
        if let (Some(s), Some(en)) = (start, end) {
            if en <= s {
                e.add(
                    "end",
                    format!(
                        "{} is not after the start ({})",
                        en.format("%H:%M"),
                        s.format("%H:%M")
                    ),
                );
            }
        }
        // A clock time skipped when the clocks go forward never happens that day.
        if let Some(d) = day {
            let tz = event.tz();
            for (field, t) in [("start", start), ("end", end)] {
                if let Some(t) = t {
                    if matches!(
                        chrono::TimeZone::from_local_datetime(&tz, &d.and_time(t)),
                        chrono::LocalResult::None
                    ) {
                        e.add(
                            field,
                            format!(
                                "{} does not exist on {d} in {} (the clocks go forward then)",
                                t.format("%H:%M"),
                                tz.name()
                            ),
                        );
                    }
                }
            }
        }
        e.into_result(|| {
            let d = day.unwrap();
            SessionData {
                room_id: room_id.unwrap(),
                title: title.unwrap(),
                format: format.unwrap(),
                focus: focus.unwrap(),
                topic: topic.unwrap(),
                starts_at: d.and_time(start.unwrap()),
                ends_at: d.and_time(end.unwrap()),
                description: description.unwrap(),
            }
        })
    }

    pub fn to_fields(&self) -> Fields {
        Fields::from_pairs([
            ("room_id", self.room_id.to_string()),
            ("title", self.title.clone()),
            ("format", self.format.as_str().to_string()),
            ("focus", self.focus.as_str().to_string()),
            ("topic", self.topic.clone().unwrap_or_default()),
            ("day", self.starts_at.format("%Y-%m-%d").to_string()),
            ("start", self.starts_at.format("%H:%M").to_string()),
            ("end", self.ends_at.format("%H:%M").to_string()),
            ("description", self.description.clone().unwrap_or_default()),
        ])
    }

    /// How long the session lasts in the event's time zone: on the day the clocks change,
    /// 01:30–03:30 may last one hour or three.
    pub fn minutes_in(&self, tz: chrono_tz::Tz) -> i64 {
        use chrono::TimeZone;
        let at = |t: NaiveDateTime| tz.from_local_datetime(&t).earliest();
        match (at(self.starts_at), at(self.ends_at)) {
            (Some(a), Some(b)) => (b - a).num_minutes(),
            // A time the clocks skipped (saved before it was refused): read as written.
            _ => (self.ends_at - self.starts_at).num_minutes(),
        }
    }
}

/// Stored form of a session time: `YYYY-MM-DDTHH:MM`, which sorts as text.
pub fn time_key(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M").to_string()
}

pub fn parse_time_key(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .ok()
}

// ---- speakers ----

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpeakerData {
    pub kind: SpeakerKind,
    /// Required for customers: the customer contact who speaks.
    pub contact_id: Option<i64>,
    /// Required for staff, academics and partners.
    pub name: Option<String>,
    pub organization: Option<String>,
}

pub const SPEAKER_FIELDS: &[&str] = &["kind", "contact_id", "name", "organization"];

impl SpeakerData {
    pub fn from_fields(f: &Fields) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let kind = e.check(
            "kind",
            optional_enum(f.get("kind"), SpeakerKind::parse)
                .and_then(|k| k.ok_or_else(|| "is required".to_string())),
        );
        let contact_id = e.check(
            "contact_id",
            parse::optional_int(f.get("contact_id"), 1, i64::MAX),
        );
        let name = e.check("name", parse::optional_text(f.get("name"), 150));
        let organization = e.check(
            "organization",
            parse::optional_text(f.get("organization"), 150),
        );
        match (kind, &contact_id, &name) {
            (Some(SpeakerKind::Customer), Some(None), _) => e.add(
                "contact_id",
                "is required: a customer speaker is one of our customers' contacts",
            ),
            (Some(k), Some(None), Some(None)) if k != SpeakerKind::Customer => e.add(
                "name",
                format!("is required for a {} speaker", k.label().to_lowercase()),
            ),
            _ => {}
        }
        e.into_result(|| SpeakerData {
            kind: kind.unwrap(),
            contact_id: contact_id.unwrap(),
            name: name.unwrap(),
            organization: organization.unwrap(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Speaker {
    pub id: i64,
    pub session_id: i64,
    #[serde(flatten)]
    pub data: SpeakerData,
    /// The contact's name, or the name given.
    pub display_name: String,
    pub account_id: Option<i64>,
    pub account_name: Option<String>,
    pub industry: Option<String>,
    pub segment: Option<String>,
    pub products: Vec<String>,
}

impl Speaker {
    /// Who the speaker is, for double-booking: the contact, or the name.
    pub fn identity(&self) -> String {
        match self.data.contact_id {
            Some(c) => format!("contact:{c}"),
            None => format!("name:{}", crate::journey::name_key(&self.display_name)),
        }
    }
    pub fn is_customer(&self) -> bool {
        self.data.kind == SpeakerKind::Customer
    }
}

/// A session with its room and speakers, as the agenda shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Session {
    pub id: i64,
    pub event_id: i64,
    #[serde(flatten)]
    pub data: SessionData,
    pub room_name: String,
    pub main_stage: bool,
    pub speakers: Vec<Speaker>,
}

impl Session {
    pub fn has_customer(&self) -> bool {
        self.speakers.iter().any(Speaker::is_customer)
    }
    pub fn minutes_in(&self, tz: chrono_tz::Tz) -> i64 {
        self.data.minutes_in(tz)
    }
    fn overlaps(&self, o: &Session) -> bool {
        self.data.starts_at < o.data.ends_at && o.data.starts_at < self.data.ends_at
    }
    fn when(&self) -> String {
        format!(
            "{} {}–{}",
            self.data.starts_at.format("%Y-%m-%d"),
            self.data.starts_at.format("%H:%M"),
            self.data.ends_at.format("%H:%M")
        )
    }
}

// ---- agenda rules ----

crate::text_enum!(
    AgendaRule {
        RoomOverlap => "room_overlap", "Two sessions in one room at once";
        SpeakerConflict => "speaker_conflict", "A speaker in two places at once";
    }
);

/// A broken agenda rule between two sessions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgendaProblem {
    pub rule: AgendaRule,
    pub sessions: [i64; 2],
    pub message: String,
}

/// Every overlapping pair of sessions in one room, and every speaker booked in two
/// overlapping sessions. Sessions that only touch (one ends as the next begins) are fine.
pub fn agenda_problems(sessions: &[Session]) -> Vec<AgendaProblem> {
    let mut out = Vec::new();
    let mut sorted: Vec<&Session> = sessions.iter().collect();
    sorted.sort_by_key(|s| (s.data.starts_at, s.id));
    for (i, a) in sorted.iter().enumerate() {
        for b in &sorted[i + 1..] {
            if b.data.starts_at >= a.data.ends_at {
                break;
            }
            if !a.overlaps(b) {
                continue;
            }
            out.extend(pair_problems(a, b));
        }
    }
    out
}

fn pair_problems(a: &Session, b: &Session) -> Vec<AgendaProblem> {
    let mut out = Vec::new();
    if a.data.room_id == b.data.room_id {
        out.push(AgendaProblem {
            rule: AgendaRule::RoomOverlap,
            sessions: [a.id, b.id],
            message: format!(
                "'{}' ({}) and '{}' ({}) are both in {} at the same time",
                a.data.title,
                a.when(),
                b.data.title,
                b.when(),
                a.room_name
            ),
        });
    }
    let theirs: HashSet<String> = b.speakers.iter().map(Speaker::identity).collect();
    let mut seen = HashSet::new();
    for s in &a.speakers {
        let id = s.identity();
        if theirs.contains(&id) && seen.insert(id) {
            out.push(AgendaProblem {
                rule: AgendaRule::SpeakerConflict,
                sessions: [a.id, b.id],
                message: format!(
                    "{} speaks in '{}' ({}, {}) and in '{}' ({}, {}) at the same time",
                    s.display_name,
                    a.data.title,
                    a.when(),
                    a.room_name,
                    b.data.title,
                    b.when(),
                    b.room_name
                ),
            });
        }
    }
    out
}

/// The problems `candidate` (a new or changed session) would cause among `others`.
pub fn conflicts_of(candidate: &Session, others: &[Session]) -> Vec<AgendaProblem> {
    others
        .iter()
        .filter(|o| o.id != candidate.id && candidate.overlaps(o))
        .flat_map(|o| pair_problems(candidate, o))
        .collect()
}

// ---- stage checks ----

crate::text_enum!(
    CheckStatus {
        Ok => "ok", "OK";
        Warning => "warning", "Warning";
        Failed => "failed", "Below target";
        NotApplicable => "not_applicable", "Not yet applicable";
    }
);

/// What kind of advocate could fix a check.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SlotNeed {
    /// Industries to look in first (the event's, or ones missing from a panel).
    pub prefer_industries: Vec<String>,
    /// Industries already over-represented (a panel's single industry).
    pub avoid_industries: Vec<String>,
    /// Accounts not to suggest (a poster customer, or accounts already speaking).
    pub avoid_accounts: Vec<i64>,
    pub topic: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageCheck {
    /// `main_stage_sessions`, `main_stage_minutes`, `side_rooms`, `poster_customer`,
    /// `panel_diversity`, `issues_vs_roadmap`.
    pub code: &'static str,
    pub title: &'static str,
    pub status: CheckStatus,
    /// Why the check says what it says, with its numbers.
    pub explanation: String,
    /// The share measured, when the check measures one.
    pub share: Option<f64>,
    pub target: Option<f64>,
    /// Sessions the check is about (to highlight on the agenda).
    pub sessions: Vec<i64>,
    /// Set when advocates could fix it; the store fills `suggestions` from it.
    pub need: Option<SlotNeed>,
    pub suggestions: Vec<AdvocateSuggestion>,
}

/// The accounts whose people spoke at one event (customer speakers in any session).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeaturedAt {
    pub event_id: i64,
    pub starts_on: NaiveDate,
    pub accounts: BTreeSet<i64>,
}

/// An account featured in most of the latest events.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PosterCustomer {
    pub account_id: i64,
    pub account_name: String,
    pub featured_in: usize,
    pub of_events: usize,
}

/// Accounts featured at `event_id` that were also featured in more than half of the latest
/// `window` events up to and including it (at least three events are needed to tell).
pub fn poster_customers(
    event_id: i64,
    history: &[FeaturedAt],
    window: usize,
    names: &BTreeMap<i64, String>,
) -> Vec<PosterCustomer> {
    let Some(this) = history.iter().find(|h| h.event_id == event_id) else {
        return Vec::new();
    };
    let mut earlier: Vec<&FeaturedAt> = history
        .iter()
        .filter(|h| (h.starts_on, h.event_id) <= (this.starts_on, this.event_id))
        .collect();
    earlier.sort_by_key(|h| std::cmp::Reverse((h.starts_on, h.event_id)));
    earlier.truncate(window.max(1));
    let n = earlier.len();
    if n < 3 {
        return Vec::new();
    }
    let mut out: Vec<PosterCustomer> = this
        .accounts
        .iter()
        .map(|a| PosterCustomer {
            account_id: *a,
            account_name: names
                .get(a)
                .cloned()
                .unwrap_or_else(|| format!("account {a}")),
            featured_in: earlier.iter().filter(|h| h.accounts.contains(a)).count(),
            of_events: n,
        })
        .filter(|p| p.featured_in * 2 > n)
        .collect();
    out.sort_by(|a, b| {
        b.featured_in
            .cmp(&a.featured_in)
            .then(a.account_id.cmp(&b.account_id))
    });
    out
}

/// Inputs of the stage checks besides the sessions.
#[derive(Debug, Clone, PartialEq)]
pub struct StageInputs<'a> {
    pub event_id: i64,
    pub industry: Option<&'a str>,
    pub customer_target: f64,
    pub history: &'a [FeaturedAt],
    pub account_names: &'a BTreeMap<i64, String>,
    /// The event's time zone, in which its sessions' minutes are counted.
    pub tz: chrono_tz::Tz,
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

fn meets(share: f64, target: f64) -> bool {
    share + 1e-9 >= target
}

/// The stage checks of one event's agenda, each explaining itself.
pub fn stage_checks(sessions: &[Session], inp: &StageInputs) -> Vec<StageCheck> {
    let target = inp.customer_target;
    let speaking_accounts: Vec<i64> = {
        let s: BTreeSet<i64> = sessions
            .iter()
            .flat_map(|s| {
                s.speakers
                    .iter()
                    .filter_map(|k| k.account_id.filter(|_| k.is_customer()))
            })
            .collect();
        s.into_iter().collect()
    };
    let base_need = SlotNeed {
        prefer_industries: inp
            .industry
            .map(|i| vec![i.to_string()])
            .unwrap_or_default(),
        avoid_accounts: speaking_accounts.clone(),
        ..Default::default()
    };
    let check = |code, title, status, explanation: String| StageCheck {
        code,
        title,
        status,
        explanation,
        share: None,
        target: None,
        sessions: Vec::new(),
        need: None,
        suggestions: Vec::new(),
    };
    let mut out = Vec::new();

    // Main stage: sessions and minutes with a customer speaking.
    let main: Vec<&Session> = sessions.iter().filter(|s| s.main_stage).collect();
    let main_customer: Vec<&&Session> = main.iter().filter(|s| s.has_customer()).collect();
    if main.is_empty() {
        out.push(check(
            "main_stage_sessions",
            "Customers' share of main-stage sessions",
            CheckStatus::NotApplicable,
            "No sessions on a main stage yet.".into(),
        ));
        out.push(check(
            "main_stage_minutes",
            "Customers' share of main-stage minutes",
            CheckStatus::NotApplicable,
            "No sessions on a main stage yet.".into(),
        ));
    } else {
        let share = main_customer.len() as f64 / main.len() as f64;
        let ok = meets(share, target);
        let mut c = check(
            "main_stage_sessions",
            "Customers' share of main-stage sessions",
            if ok { CheckStatus::Ok } else { CheckStatus::Failed },
            format!(
                "{} of {} main-stage sessions have a customer speaking ({}); the target is at least {}.{}",
                main_customer.len(),
                main.len(),
                pct(share),
                share_text(target),
                if ok {
                    String::new()
                } else {
                    let needed = needed_count(main.len(), main_customer.len(), target);
                    format!(" Give {needed} more main-stage session{} to customers: an agenda of executives and one pet customer tells customers they are an audience, not peers.", if needed == 1 { "" } else { "s" })
                }
            ),
        );
        c.share = Some(share);
        c.target = Some(target);
        c.sessions = main
            .iter()
            .filter(|s| !s.has_customer())
            .map(|s| s.id)
            .collect();
        if !ok {
            c.need = Some(base_need.clone());
        }
        out.push(c);

        let total: i64 = main.iter().map(|s| s.minutes_in(inp.tz)).sum();
        let cust: i64 = main_customer.iter().map(|s| s.minutes_in(inp.tz)).sum();
        let share = if total > 0 {
            cust as f64 / total as f64
        } else {
            0.0
        };
        let ok = meets(share, target);
        let mut c = check(
            "main_stage_minutes",
            "Customers' share of main-stage minutes",
            if ok { CheckStatus::Ok } else { CheckStatus::Failed },
            format!(
                "Customers speak in {cust} of {total} main-stage minutes ({}); the target is at least {}.{}",
                pct(share),
                share_text(target),
                if ok {
                    String::new()
                } else {
                    let need = ((target * total as f64) - cust as f64).ceil().max(1.0) as i64;
                    format!(" About {need} more minutes on the main stage should go to customers.")
                }
            ),
        );
        c.share = Some(share);
        c.target = Some(target);
        if !ok {
            c.need = Some(base_need.clone());
        }
        out.push(c);
    }

    // Customers kept to side rooms.
    let customer_sessions: Vec<&Session> = sessions.iter().filter(|s| s.has_customer()).collect();
    let side_only =
        !customer_sessions.is_empty() && customer_sessions.iter().all(|s| !s.main_stage);
    let mut c = if sessions.is_empty() {
        check(
            "side_rooms",
            "Customers on the main stage, not only in side rooms",
            CheckStatus::NotApplicable,
            "No sessions yet.".into(),
        )
    } else if customer_sessions.is_empty() {
        let mut c = check(
            "side_rooms",
            "Customers on the main stage, not only in side rooms",
            CheckStatus::Failed,
            "No session has a customer speaking at all.".into(),
        );
        c.need = Some(base_need.clone());
        c
    } else if side_only && !main.is_empty() {
        let mut c = check(
            "side_rooms",
            "Customers on the main stage, not only in side rooms",
            CheckStatus::Failed,
            format!(
                "All {} sessions with customers speaking are in side rooms, while the main stage has none: customer-driven workshops off in side rooms send a signal too. Move one to the main stage.",
                customer_sessions.len()
            ),
        );
        c.sessions = customer_sessions.iter().map(|s| s.id).collect();
        c.need = Some(base_need.clone());
        c
    } else if side_only {
        check(
            "side_rooms",
            "Customers on the main stage, not only in side rooms",
            CheckStatus::Warning,
            format!(
                "The {} sessions with customers are in side rooms, and no room is marked as the main stage.",
                customer_sessions.len()
            ),
        )
    } else {
        let on_main = customer_sessions.iter().filter(|s| s.main_stage).count();
        check(
            "side_rooms",
            "Customers on the main stage, not only in side rooms",
            CheckStatus::Ok,
            format!(
                "{on_main} of {} sessions with customers speaking are on the main stage.",
                customer_sessions.len()
            ),
        )
    };
    c.target = None;
    out.push(c);

    // Poster customer.
    let posters = poster_customers(inp.event_id, inp.history, POSTER_WINDOW, inp.account_names);
    let mut c = if posters.is_empty() {
        let n = inp.history.len().min(POSTER_WINDOW);
        check(
            "poster_customer",
            "No poster customer",
            if speaking_accounts.is_empty() {
                CheckStatus::NotApplicable
            } else {
                CheckStatus::Ok
            },
            if speaking_accounts.is_empty() {
                "No customer speaks yet.".into()
            } else if n < 3 {
                format!("Only {n} event(s) so far; a poster customer shows after three.")
            } else {
                format!("No account speaking here was featured in most of the last {n} events.")
            },
        )
    } else {
        let names: Vec<String> = posters
            .iter()
            .map(|p| {
                format!(
                    "{} (featured in {} of the last {} events)",
                    p.account_name, p.featured_in, p.of_events
                )
            })
            .collect();
        let mut c = check(
            "poster_customer",
            "No poster customer",
            CheckStatus::Warning,
            format!(
                "{} — everyone knows a customer who is on every stage is our 'poster firm'. Give the slot to another advocate.",
                names.join("; ")
            ),
        );
        let poster_ids: Vec<i64> = posters.iter().map(|p| p.account_id).collect();
        c.sessions = sessions
            .iter()
            .filter(|s| {
                s.speakers.iter().any(|k| {
                    k.is_customer() && k.account_id.is_some_and(|a| poster_ids.contains(&a))
                })
            })
            .map(|s| s.id)
            .collect();
        let mut need = base_need.clone();
        need.avoid_accounts.extend(poster_ids);
        c.need = Some(need);
        c
    };
    c.target = None;
    out.push(c);

    // Panel diversity.
    let panels: Vec<&Session> = sessions
        .iter()
        .filter(|s| {
            s.data.format == SessionFormat::Panel
                && s.speakers.iter().filter(|k| k.is_customer()).count() >= 2
        })
        .collect();
    if panels.is_empty() {
        out.push(check(
            "panel_diversity",
            "Diverse customer panels",
            CheckStatus::NotApplicable,
            "No panel has two or more customers yet.".into(),
        ));
    } else {
        let mut same = Vec::new();
        let mut notes = Vec::new();
        let mut avoid = BTreeSet::new();
        for p in &panels {
            let cust: Vec<&Speaker> = p.speakers.iter().filter(|k| k.is_customer()).collect();
            let industries: BTreeSet<String> = cust
                .iter()
                .map(|k| k.industry.clone().unwrap_or_default().trim().to_lowercase())
                .collect();
            let approaches: BTreeSet<String> = cust
                .iter()
                .map(|k| {
                    let mut p = k
                        .products
                        .iter()
                        .map(|x| x.to_lowercase())
                        .collect::<Vec<_>>();
                    p.sort();
                    format!("{}|{}", k.segment.clone().unwrap_or_default(), p.join(","))
                })
                .collect();
            let accounts: BTreeSet<Option<i64>> = cust.iter().map(|k| k.account_id).collect();
            if accounts.len() == 1 {
                same.push(p.id);
                notes.push(format!(
                    "'{}': all {} customers are from {}",
                    p.data.title,
                    cust.len(),
                    cust[0].account_name.clone().unwrap_or_default()
                ));
                avoid.extend(industries);
            } else if industries.len() == 1 && approaches.len() == 1 {
                same.push(p.id);
                let ind = cust[0]
                    .industry
                    .clone()
                    .unwrap_or_else(|| "no recorded industry".into());
                notes.push(format!(
                    "'{}': all {} customers are in {ind}, with the same size and products",
                    p.data.title,
                    cust.len()
                ));
                avoid.extend(industries);
            }
        }
        let mut c = if same.is_empty() {
            check(
                "panel_diversity",
                "Diverse customer panels",
                CheckStatus::Ok,
                format!(
                    "{} panel(s) with customers bring together different industries or approaches.",
                    panels.len()
                ),
            )
        } else {
            let mut c = check(
                "panel_diversity",
                "Diverse customer panels",
                CheckStatus::Warning,
                format!(
                    "{}. A panel is worth hearing when its customers disagree: add one from another industry or with another approach.",
                    notes.join("; ")
                ),
            );
            c.sessions = same;
            c.need = Some(SlotNeed {
                prefer_industries: Vec::new(),
                avoid_industries: avoid.into_iter().filter(|i| !i.is_empty()).collect(),
                avoid_accounts: speaking_accounts.clone(),
                topic: None,
            });
            c
        };
        c.target = None;
        out.push(c);
    }

    // Customers' issues versus our roadmap.
    let issues: Vec<&Session> = sessions
        .iter()
        .filter(|s| s.data.focus == SessionFocus::CustomerIssues)
        .collect();
    let roadmap: Vec<&Session> = sessions
        .iter()
        .filter(|s| s.data.focus == SessionFocus::Roadmap)
        .collect();
    if issues.is_empty() && roadmap.is_empty() {
        out.push(check(
            "issues_vs_roadmap",
            "Customers' issues before our roadmap",
            CheckStatus::NotApplicable,
            "No session is marked as about customers' issues or about our roadmap.".into(),
        ));
    } else {
        let share = issues.len() as f64 / (issues.len() + roadmap.len()) as f64;
        let im: i64 = issues.iter().map(|s| s.minutes_in(inp.tz)).sum();
        let rm: i64 = roadmap.iter().map(|s| s.minutes_in(inp.tz)).sum();
        let ok = issues.len() >= roadmap.len();
        let mut c = check(
            "issues_vs_roadmap",
            "Customers' issues before our roadmap",
            if ok { CheckStatus::Ok } else { CheckStatus::Warning },
            format!(
                "{} session(s) ({im} min) are about customers' issues and {} ({rm} min) about our roadmap: {} of these sessions are about customers.{}",
                issues.len(),
                roadmap.len(),
                pct(share),
                if ok { "" } else { " Customers come to influence the roadmap, not only to hear it: turn a roadmap session into a customer-led discussion." }
            ),
        );
        c.share = Some(share);
        c.target = Some(0.5);
        if !ok {
            c.sessions = roadmap.iter().map(|s| s.id).collect();
            c.need = Some(base_need.clone());
        }
        out.push(c);
    }
    out
}

/// How many more of `total` sessions must be customers' to reach `target`, when the
/// sessions themselves change hands (the count stays the same).
fn needed_count(total: usize, have: usize, target: f64) -> usize {
    let want = (target * total as f64 - 1e-9).ceil() as usize;
    want.saturating_sub(have).max(1)
}

// ---- advocates who could fill a slot ----

/// One advocate as the suggestions see them (built from the B1/B2 snapshot).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdvocateOption {
    pub contact_id: i64,
    pub name: String,
    pub account_id: i64,
    pub account_name: String,
    pub industry: Option<String>,
    pub city: Option<String>,
    pub topics: Vec<String>,
    pub score: u32,
    pub rock_star: bool,
    /// Has "a stage and an audience" among their motivations.
    pub values_stage: bool,
    /// Reference activities in the fatigue window.
    pub recent_activities: u32,
    pub fatigue_limit: u32,
    /// Consent given (or ask first), not do-not-contact, account not at risk.
    pub available: bool,
}

impl AdvocateOption {
    pub fn fatigued(&self) -> bool {
        self.recent_activities >= self.fatigue_limit
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdvocateSuggestion {
    pub contact_id: i64,
    pub name: String,
    pub account_id: i64,
    pub account_name: String,
    pub industry: Option<String>,
    pub score: u32,
    pub rock_star: bool,
    pub why: String,
}

fn same_text(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// Advocates who value a stage, are not fatigued, may be asked, do not already speak here,
/// and fit the need: preferred industries first, then Rock Stars, then by score.
pub fn suggest_advocates(
    need: &SlotNeed,
    pool: &[AdvocateOption],
    speaking: &HashSet<i64>,
    limit: usize,
) -> Vec<AdvocateSuggestion> {
    let mut fits: Vec<(bool, bool, &AdvocateOption)> = pool
        .iter()
        .filter(|a| a.values_stage && a.available && !a.fatigued())
        .filter(|a| {
            !speaking.contains(&a.contact_id) && !need.avoid_accounts.contains(&a.account_id)
        })
        .filter(|a| {
            !need
                .avoid_industries
                .iter()
                .any(|i| a.industry.as_deref().is_some_and(|x| same_text(x, i)))
        })
        .map(|a| {
            let ind = need
                .prefer_industries
                .iter()
                .any(|i| a.industry.as_deref().is_some_and(|x| same_text(x, i)));
            let topic = need
                .topic
                .as_deref()
                .is_some_and(|t| a.topics.iter().any(|x| same_text(x, t)));
            (ind, topic, a)
        })
        .collect();
    fits.sort_by(|x, y| {
        (y.0, y.1, y.2.rock_star, y.2.score)
            .cmp(&(x.0, x.1, x.2.rock_star, x.2.score))
            .then(x.2.contact_id.cmp(&y.2.contact_id))
    });
    let mut seen_accounts = HashSet::new();
    fits.into_iter()
        // One suggestion per account, so a slot does not go to one customer twice.
        .filter(|(_, _, a)| seen_accounts.insert(a.account_id))
        .take(limit)
        .map(|(ind, topic, a)| {
            let mut why = vec![if a.rock_star {
                format!("Rock Star (score {})", a.score)
            } else {
                format!("score {}", a.score)
            }];
            why.push("values a stage and an audience".into());
            if ind {
                why.push(format!("in {}", a.industry.clone().unwrap_or_default()));
            } else if let Some(i) = &a.industry {
                why.push(i.clone());
            }
            if topic {
                why.push(format!(
                    "talks about {}",
                    need.topic.clone().unwrap_or_default()
                ));
            }
            why.push(format!(
                "{} of {} reference activities lately",
                a.recent_activities, a.fatigue_limit
            ));
            AdvocateSuggestion {
                contact_id: a.contact_id,
                name: a.name.clone(),
                account_id: a.account_id,
                account_name: a.account_name.clone(),
                industry: a.industry.clone(),
                score: a.score,
                rock_star: a.rock_star,
                why: why.join(", "),
            }
        })
        .collect()
}

/// Community sessions (D8): local Rock Stars who could present on `topic` in `city`. The
/// city must match (contact's or account's); the topic matches a contact topic or the
/// account's industry, by whole word, ignoring case. Rock Stars and those who value a stage
/// come first; fatigued or unavailable advocates are left out.
pub fn community_presenters(
    city: &str,
    topic: Option<&str>,
    pool: &[AdvocateOption],
    limit: usize,
) -> Vec<AdvocateSuggestion> {
    let topic = topic.map(str::trim).filter(|t| !t.is_empty());
    let matches_topic = |a: &AdvocateOption| match topic {
        None => true,
        Some(t) => {
            let t = t.to_lowercase();
            a.topics.iter().any(|x| x.to_lowercase().contains(&t))
                || a.industry
                    .as_deref()
                    .is_some_and(|i| i.to_lowercase().contains(&t))
        }
    };
    let mut fits: Vec<&AdvocateOption> = pool
        .iter()
        .filter(|a| a.available && !a.fatigued())
        .filter(|a| a.city.as_deref().is_some_and(|c| same_text(c, city)))
        .filter(|a| matches_topic(a))
        .filter(|a| a.rock_star || a.values_stage)
        .collect();
    fits.sort_by(|x, y| {
        (y.rock_star, y.values_stage, y.score)
            .cmp(&(x.rock_star, x.values_stage, x.score))
            .then(x.contact_id.cmp(&y.contact_id))
    });
    fits.into_iter()
        .take(limit)
        .map(|a| {
            let mut why = vec![if a.rock_star {
                format!("local Rock Star (score {})", a.score)
            } else {
                format!("score {}", a.score)
            }];
            if a.values_stage {
                why.push("values a stage and an audience".into());
            }
            if let Some(t) = topic {
                why.push(format!("knows {t}"));
            }
            why.push(format!("in {}", a.city.clone().unwrap_or_default()));
            AdvocateSuggestion {
                contact_id: a.contact_id,
                name: a.name.clone(),
                account_id: a.account_id,
                account_name: a.account_name.clone(),
                industry: a.industry.clone(),
                score: a.score,
                rock_star: a.rock_star,
                why: why.join(", "),
            }
        })
        .collect()
}

// ---- guests ----

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GuestData {
    pub contact_id: i64,
    pub invited_on: Option<NaiveDate>,
    pub rsvp: Rsvp,
    pub attended: bool,
    /// The rep who owns the relationship (defaults to the account owner).
    pub rep: Option<String>,
    pub key_guest: bool,
    /// Whom the guest wants to meet: names of people or companies, or roles.
    pub wants_to_meet: Vec<String>,
}

pub const GUEST_FIELDS: &[&str] = &[
    "contact_id",
    "invited_on",
    "rsvp",
    "attended",
    "rep",
    "key_guest",
    "wants_to_meet",
];

impl GuestData {
    pub fn from_fields(f: &Fields) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let contact_id = e.check(
            "contact_id",
            parse::optional_int(f.get("contact_id"), 1, i64::MAX)
                .and_then(|v| v.ok_or_else(|| "is required: choose a contact".to_string())),
        );
        let invited_on = e.check("invited_on", parse::optional_date(f.get("invited_on")));
        let rsvp = e.check(
            "rsvp",
            optional_enum(f.get("rsvp"), Rsvp::parse).map(|r| r.unwrap_or(Rsvp::Pending)),
        );
        let attended = e.check("attended", parse::bool_or(f.get("attended"), false));
        let rep = e.check("rep", parse::optional_text(f.get("rep"), 100));
        let key_guest = e.check("key_guest", parse::bool_or(f.get("key_guest"), false));
        let wants = e.check("wants_to_meet", parse::list(f.get("wants_to_meet"), 100));
        if attended == Some(true) && rsvp == Some(Rsvp::No) {
            e.add(
                "attended",
                "contradicts the RSVP: they declined (change the RSVP first)",
            );
        }
        e.into_result(|| GuestData {
            contact_id: contact_id.unwrap(),
            invited_on: invited_on.unwrap(),
            rsvp: rsvp.unwrap(),
            attended: attended.unwrap(),
            rep: rep.unwrap(),
            key_guest: key_guest.unwrap(),
            wants_to_meet: wants.unwrap(),
        })
    }

    pub fn to_fields(&self) -> Fields {
        Fields::from_pairs([
            ("contact_id", self.contact_id.to_string()),
            ("invited_on", date_text(self.invited_on)),
            ("rsvp", self.rsvp.as_str().to_string()),
            ("attended", self.attended.to_string()),
            ("rep", self.rep.clone().unwrap_or_default()),
            ("key_guest", self.key_guest.to_string()),
            ("wants_to_meet", self.wants_to_meet.join("; ")),
        ])
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Guest {
    pub id: i64,
    pub event_id: i64,
    #[serde(flatten)]
    pub data: GuestData,
    pub contact_name: String,
    pub title: Option<String>,
    pub email: Option<String>,
    pub account_id: i64,
    pub account_name: String,
    pub industry: Option<String>,
    pub lifecycle: String,
    pub at_risk: bool,
    pub at_risk_reason: Option<String>,
}

/// One introduction a rep should make: their guest wants to meet someone who is there.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Introduction {
    pub rep: String,
    pub guest_id: i64,
    pub guest_name: String,
    pub guest_account: String,
    /// What the guest asked for.
    pub wants: String,
    /// Who matches at the event (other guests or speakers), by name, company or industry.
    pub meet: Vec<String>,
}

/// Someone at the event a guest could be introduced to.
#[derive(Debug, Clone, PartialEq)]
pub struct Attendee {
    pub name: String,
    pub organization: String,
    pub industry: Option<String>,
    pub title: Option<String>,
    /// `guest` or `speaker`.
    pub role: &'static str,
}

/// "Who do you want to meet", per rep: each wish of their guests, with the people at the
/// event who match it (name, company, industry or title contain the wish, ignoring case).
pub fn introductions(guests: &[Guest], attendees: &[Attendee]) -> Vec<Introduction> {
    let mut out = Vec::new();
    for g in guests.iter().filter(|g| g.data.rsvp != Rsvp::No) {
        for w in &g.data.wants_to_meet {
            let key = w.to_lowercase();
            let mut meet: Vec<String> = attendees
                .iter()
                .filter(|a| !same_text(&a.name, &g.contact_name))
                .filter(|a| {
                    [
                        Some(&a.name),
                        Some(&a.organization),
                        a.industry.as_ref(),
                        a.title.as_ref(),
                    ]
                    .iter()
                    .flatten()
                    .any(|v| v.to_lowercase().contains(&key))
                })
                .map(|a| format!("{} ({}, {})", a.name, a.organization, a.role))
                .collect();
            meet.dedup();
            out.push(Introduction {
                rep: g.data.rep.clone().unwrap_or_else(|| "(no rep)".into()),
                guest_id: g.id,
                guest_name: g.contact_name.clone(),
                guest_account: g.account_name.clone(),
                wants: w.clone(),
                meet,
            });
        }
    }
    out.sort_by(|a, b| a.rep.cmp(&b.rep).then(a.guest_name.cmp(&b.guest_name)));
    out
}

// ---- quick capture (D5) ----

/// The kinds a note captured at an event can have.
pub const CAPTURE_KINDS: &[EvidenceKind] = &[
    EvidenceKind::Problem,
    EvidenceKind::Wish,
    EvidenceKind::Language,
    EvidenceKind::WhyBought,
    EvidenceKind::ExistentialThreat,
    EvidenceKind::Recommendation,
    EvidenceKind::Praise,
];

/// How the capture form names a kind.
pub fn capture_label(k: EvidenceKind) -> &'static str {
    match k {
        EvidenceKind::Language => "Their words (language)",
        EvidenceKind::Recommendation => "Recommends an event, blog or community",
        other => other.label(),
    }
}

/// A note about a guest, taken during the event; it becomes evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaptureData {
    pub contact_id: i64,
    pub kind: EvidenceKind,
    pub text: String,
    /// Defaults to today, or the event's last day once it is over.
    pub date: Option<NaiveDate>,
}

pub const CAPTURE_FIELDS: &[&str] = &["contact_id", "kind", "text", "date"];

impl CaptureData {
    pub fn from_fields(f: &Fields) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let contact_id = e.check(
            "contact_id",
            parse::optional_int(f.get("contact_id"), 1, i64::MAX)
                .and_then(|v| v.ok_or_else(|| "is required: choose the guest".to_string())),
        );
        let kind = e.check(
            "kind",
            optional_enum(f.get("kind"), EvidenceKind::parse)
                .and_then(|k| k.ok_or_else(|| "is required".to_string())),
        );
        let text = e.check("text", parse::required_text(f.get("text"), 5000));
        let date = e.check("date", parse::optional_date(f.get("date")));
        e.into_result(|| CaptureData {
            contact_id: contact_id.unwrap(),
            kind: kind.unwrap(),
            text: text.unwrap(),
            date: date.unwrap(),
        })
    }
}

// ---- outcomes ----

/// An account that had someone at an event, as outcomes see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttendingAccount {
    pub account_id: i64,
    pub account_name: String,
    pub lifecycle: String,
    pub customer_since: Option<NaiveDate>,
    pub annual_revenue: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcomes {
    /// Accounts with at least one guest who attended.
    pub accounts_attended: usize,
    /// Of those, prospects at the time of the event.
    pub prospects: usize,
    /// Prospects who became customers after the event.
    pub converted: Vec<AttendingAccount>,
    /// converted / prospects, when there were prospects.
    pub conversion_rate: Option<f64>,
    /// Annual revenue of the converted accounts.
    pub revenue_influenced: i64,
    /// Annual revenue expected from attending prospects that have not converted yet.
    pub open_pipeline: i64,
    pub open_prospects: Vec<AttendingAccount>,
}

fn was_prospect(a: &AttendingAccount, on: NaiveDate) -> bool {
    match a.customer_since {
        Some(d) => d > on,
        None => a.lifecycle == "prospect",
    }
}

/// Prospects who attended (an account is a prospect at the event when it became a customer
/// only after it, or is a prospect still) and those of them who converted.
pub fn outcomes(event_starts_on: NaiveDate, accounts: &[AttendingAccount]) -> Outcomes {
    let prospects: Vec<&AttendingAccount> = accounts
        .iter()
        .filter(|a| was_prospect(a, event_starts_on))
        .collect();
    let converted: Vec<AttendingAccount> = prospects
        .iter()
        .filter(|a| a.customer_since.is_some_and(|d| d > event_starts_on))
        .map(|a| (*a).clone())
        .collect();
    let open: Vec<AttendingAccount> = prospects
        .iter()
        .filter(|a| a.customer_since.is_none() && a.lifecycle == "prospect")
        .map(|a| (*a).clone())
        .collect();
    Outcomes {
        accounts_attended: accounts.len(),
        prospects: prospects.len(),
        conversion_rate: (!prospects.is_empty())
            .then(|| converted.len() as f64 / prospects.len() as f64),
        revenue_influenced: converted.iter().map(|a| a.annual_revenue).sum(),
        open_pipeline: open.iter().map(|a| a.annual_revenue).sum(),
        converted,
        open_prospects: open,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }
    fn t(day: &str, hm: &str) -> NaiveDateTime {
        d(day).and_time(NaiveTime::parse_from_str(hm, "%H:%M").unwrap())
    }

    fn customer(contact: i64, account: i64, industry: &str) -> Speaker {
        Speaker {
            id: contact,
            session_id: 0,
            data: SpeakerData {
                kind: SpeakerKind::Customer,
                contact_id: Some(contact),
                name: None,
                organization: None,
            },
            display_name: format!("Customer {contact}"),
            account_id: Some(account),
            account_name: Some(format!("Account {account}")),
            industry: Some(industry.into()),
            segment: Some("enterprise".into()),
            products: vec!["core".into()],
        }
    }
    fn staff(name: &str) -> Speaker {
        Speaker {
            id: 0,
            session_id: 0,
            data: SpeakerData {
                kind: SpeakerKind::Staff,
                contact_id: None,
                name: Some(name.into()),
                organization: Some("Us".into()),
            },
            display_name: name.into(),
            account_id: None,
            account_name: None,
            industry: None,
            segment: None,
            products: vec![],
        }
    }
    #[allow(clippy::too_many_arguments)]
    fn session(
        id: i64,
        room: i64,
        main: bool,
        start: &str,
        end: &str,
        format: SessionFormat,
        focus: SessionFocus,
        speakers: Vec<Speaker>,
    ) -> Session {
        Session {
            id,
            event_id: 1,
            data: SessionData {
                room_id: room,
                title: format!("Session {id}"),
                format,
                focus,
                topic: None,
                starts_at: t("2026-12-01", start),
                ends_at: t("2026-12-01", end),
                description: None,
            },
            room_name: if main {
                "Main hall".into()
            } else {
                format!("Room {room}")
            },
            main_stage: main,
            speakers,
        }
    }
    fn inputs<'a>(history: &'a [FeaturedAt], names: &'a BTreeMap<i64, String>) -> StageInputs<'a> {
        StageInputs {
            event_id: 1,
            industry: None,
            customer_target: DEFAULT_CUSTOMER_TARGET,
            history,
            account_names: names,
            tz: chrono_tz::UTC,
        }
    }
    fn find<'a>(c: &'a [StageCheck], code: &str) -> &'a StageCheck {
        c.iter().find(|c| c.code == code).unwrap()
    }

    #[test]
    fn overlapping_sessions_in_one_room_and_double_booked_speakers_are_errors() {
        use SessionFocus::Other;
        use SessionFormat::*;
        let s = vec![
            session(
                1,
                10,
                true,
                "09:00",
                "10:00",
                Keynote,
                Other,
                vec![staff("Ann CEO")],
            ),
            // Touches session 1: fine.
            session(
                2,
                10,
                true,
                "10:00",
                "10:30",
                Demo,
                Other,
                vec![staff("Bo CTO")],
            ),
            // Overlaps 2 in the same room.
            session(
                3,
                10,
                true,
                "10:15",
                "11:00",
                Panel,
                Other,
                vec![customer(7, 70, "Retail")],
            ),
            // Another room, overlaps 3 with the same customer and the same staff (by name, any case).
            session(
                4,
                11,
                false,
                "10:45",
                "11:30",
                Workshop,
                Other,
                vec![customer(7, 70, "Retail"), staff("ann ceo")],
            ),
            session(
                5,
                12,
                false,
                "09:30",
                "09:45",
                Qa,
                Other,
                vec![staff("Ann  CEO")],
            ),
        ];
        let p = agenda_problems(&s);
        let rules: Vec<(AgendaRule, [i64; 2])> = p.iter().map(|p| (p.rule, p.sessions)).collect();
        assert_eq!(
            rules,
            vec![
                (AgendaRule::SpeakerConflict, [1, 5]),
                (AgendaRule::RoomOverlap, [2, 3]),
                (AgendaRule::SpeakerConflict, [3, 4]),
            ]
        );
        assert!(p[1].message.contains("Main hall"), "{}", p[1].message);
        assert!(
            p[2].message.contains("Customer 7 speaks in 'Session 3'"),
            "{}",
            p[2].message
        );
        // A new session checked against the others.
        let cand = session(
            0,
            12,
            false,
            "11:00",
            "12:00",
            Demo,
            Other,
            vec![staff("Bo CTO")],
        );
        assert!(conflicts_of(&cand, &s).is_empty());
        let cand = session(0, 11, false, "11:15", "12:00", Demo, Other, vec![]);
        assert_eq!(conflicts_of(&cand, &s)[0].sessions, [0, 4]);
    }

    #[test]
    fn main_stage_shares_are_exact_and_the_target_is_configurable() {
        use SessionFocus::*;
        use SessionFormat::*;
        // Main stage: 3 sessions, 60 + 30 + 30 minutes; customers in one 30-minute session.
        let s = vec![
            session(
                1,
                1,
                true,
                "09:00",
                "10:00",
                Keynote,
                Roadmap,
                vec![staff("CEO")],
            ),
            session(
                2,
                1,
                true,
                "10:00",
                "10:30",
                Fireside,
                CustomerIssues,
                vec![customer(1, 100, "Retail"), staff("CPO")],
            ),
            session(
                3,
                1,
                true,
                "10:30",
                "11:00",
                Demo,
                Roadmap,
                vec![staff("CTO")],
            ),
            session(
                4,
                2,
                false,
                "09:00",
                "10:00",
                Workshop,
                CustomerIssues,
                vec![customer(2, 200, "Health")],
            ),
        ];
        let names = BTreeMap::new();
        let c = stage_checks(&s, &inputs(&[], &names));
        let sessions = find(&c, "main_stage_sessions");
        assert_eq!(sessions.share, Some(1.0 / 3.0));
        assert_eq!(
            sessions.status,
            CheckStatus::Ok,
            "exactly a third meets the target"
        );
        assert!(sessions.explanation.contains("1 of 3 main-stage sessions"));
        let minutes = find(&c, "main_stage_minutes");
        assert_eq!(minutes.share, Some(0.25));
        assert_eq!(minutes.status, CheckStatus::Failed);
        assert!(
            minutes
                .explanation
                .contains("30 of 120 main-stage minutes (25.0%)"),
            "{}",
            minutes.explanation
        );
        assert!(minutes.explanation.contains("About 10 more minutes"));
        assert!(minutes.need.is_some());
        // Issues versus roadmap: 2 and 2.
        let ir = find(&c, "issues_vs_roadmap");
        assert_eq!((ir.share, ir.status), (Some(0.5), CheckStatus::Ok));

        // A target of 40% fails the sessions share too.
        let mut inp = inputs(&[], &names);
        inp.customer_target = 0.4;
        let c = stage_checks(&s, &inp);
        let sessions = find(&c, "main_stage_sessions");
        assert_eq!(sessions.status, CheckStatus::Failed);
        assert!(sessions
            .explanation
            .contains("Give 1 more main-stage session"));
        assert_eq!(sessions.sessions, vec![1, 3]);
    }

    #[test]
    fn customers_only_in_side_rooms_fail() {
        use SessionFocus::*;
        use SessionFormat::*;
        let s = vec![
            session(
                1,
                1,
                true,
                "09:00",
                "10:00",
                Keynote,
                Roadmap,
                vec![staff("CEO")],
            ),
            session(
                2,
                2,
                false,
                "10:00",
                "11:00",
                Workshop,
                CustomerIssues,
                vec![customer(1, 100, "Retail")],
            ),
            session(
                3,
                3,
                false,
                "10:00",
                "11:00",
                Workshop,
                CustomerIssues,
                vec![customer(2, 200, "Retail")],
            ),
        ];
        let names = BTreeMap::new();
        let c = stage_checks(&s, &inputs(&[], &names));
        let side = find(&c, "side_rooms");
        assert_eq!(side.status, CheckStatus::Failed);
        assert_eq!(side.sessions, vec![2, 3]);
        assert!(side
            .explanation
            .contains("All 2 sessions with customers speaking are in side rooms"));
        assert_eq!(find(&c, "main_stage_sessions").share, Some(0.0));
        // Moving one to the main stage fixes it.
        let mut s2 = s.clone();
        s2[1].main_stage = true;
        assert_eq!(
            find(&stage_checks(&s2, &inputs(&[], &names)), "side_rooms").status,
            CheckStatus::Ok
        );
        // No customers at all fails too.
        let c = stage_checks(&s[..1], &inputs(&[], &names));
        assert_eq!(find(&c, "side_rooms").status, CheckStatus::Failed);
    }

    #[test]
    fn a_poster_customer_is_featured_in_most_of_the_last_events() {
        let h = |id: i64, day: &str, acc: &[i64]| FeaturedAt {
            event_id: id,
            starts_on: d(day),
            accounts: acc.iter().copied().collect(),
        };
        // Account 100 speaks at events 1, 2, 4 and now 5; account 200 only at 3 and 5.
        let history = vec![
            h(1, "2026-01-10", &[100]),
            h(2, "2026-03-10", &[100, 300]),
            h(3, "2026-05-10", &[200]),
            h(4, "2026-07-10", &[100]),
            h(5, "2026-09-10", &[100, 200]),
            // A later event does not count for event 5.
            h(6, "2026-11-10", &[200]),
        ];
        let names: BTreeMap<i64, String> = [(100, "Acme".to_string())].into();
        let p = poster_customers(5, &history, POSTER_WINDOW, &names);
        assert_eq!(p.len(), 1);
        assert_eq!(
            (p[0].account_id, p[0].featured_in, p[0].of_events),
            (100, 4, 5)
        );
        // Within only the last three events, 100 is at 4 and 5 (2 of 3): still a poster.
        assert_eq!(poster_customers(5, &history, 3, &names)[0].featured_in, 2);
        // Two events are too few to tell.
        assert!(poster_customers(2, &history, POSTER_WINDOW, &names).is_empty());
        // Event 6: 200 at 3, 5, 6 of the last five (2..6) = 3 of 5.
        assert_eq!(
            poster_customers(6, &history, POSTER_WINDOW, &names)[0].account_id,
            200
        );

        let s = vec![session(
            9,
            1,
            true,
            "09:00",
            "10:00",
            SessionFormat::Keynote,
            SessionFocus::Other,
            vec![customer(1, 100, "Retail")],
        )];
        let mut inp = inputs(&history, &names);
        inp.event_id = 5;
        let c = stage_checks(&s, &inp);
        let pc = find(&c, "poster_customer");
        assert_eq!(pc.status, CheckStatus::Warning);
        assert!(
            pc.explanation
                .contains("Acme (featured in 4 of the last 5 events)"),
            "{}",
            pc.explanation
        );
        assert!(pc.need.as_ref().unwrap().avoid_accounts.contains(&100));
        assert_eq!(pc.sessions, vec![9]);
    }

    #[test]
    fn panels_of_one_industry_and_approach_are_flagged() {
        use SessionFocus::Other;
        let same = vec![session(
            1,
            1,
            true,
            "09:00",
            "10:00",
            SessionFormat::Panel,
            Other,
            vec![customer(1, 100, "Retail"), customer(2, 200, "retail ")],
        )];
        let names = BTreeMap::new();
        let c = stage_checks(&same, &inputs(&[], &names));
        let pd = find(&c, "panel_diversity");
        assert_eq!(pd.status, CheckStatus::Warning);
        assert_eq!(
            pd.need.as_ref().unwrap().avoid_industries,
            vec!["retail".to_string()]
        );
        let mut mixed = same.clone();
        mixed[0].speakers[1].industry = Some("Healthcare".into());
        assert_eq!(
            find(
                &stage_checks(&mixed, &inputs(&[], &names)),
                "panel_diversity"
            )
            .status,
            CheckStatus::Ok
        );
        // Same industry but a different approach (products) is diverse too.
        let mut approach = same.clone();
        approach[0].speakers[1].products = vec!["analytics".into()];
        assert_eq!(
            find(
                &stage_checks(&approach, &inputs(&[], &names)),
                "panel_diversity"
            )
            .status,
            CheckStatus::Ok
        );
    }

    #[test]
    fn suggestions_value_a_stage_fit_the_industry_and_are_not_fatigued() {
        let a = |id: i64, acc: i64, ind: &str, stage: bool, rock: bool, score: u32, recent: u32| {
            AdvocateOption {
                contact_id: id,
                name: format!("A{id}"),
                account_id: acc,
                account_name: format!("Acc{acc}"),
                industry: Some(ind.into()),
                city: Some("Oslo".into()),
                topics: vec!["data".into()],
                score,
                rock_star: rock,
                values_stage: stage,
                recent_activities: recent,
                fatigue_limit: 3,
                available: true,
            }
        };
        let pool = vec![
            a(1, 10, "Retail", true, true, 90, 0),
            a(2, 20, "Health", true, true, 95, 0),
            a(3, 30, "Health", false, true, 99, 0), // does not value a stage
            a(4, 40, "Health", true, true, 99, 3),  // fatigued
            a(5, 50, "Health", true, false, 60, 1),
            a(6, 20, "Health", true, false, 70, 0), // same account as 2
        ];
        let need = SlotNeed {
            prefer_industries: vec!["health".into()],
            ..Default::default()
        };
        let s = suggest_advocates(&need, &pool, &HashSet::new(), 5);
        let ids: Vec<i64> = s.iter().map(|x| x.contact_id).collect();
        assert_eq!(ids, vec![2, 5, 1]);
        assert!(s[0].why.contains("Rock Star (score 95)") && s[0].why.contains("in Health"));
        let avoid = SlotNeed {
            avoid_industries: vec!["health".into()],
            ..Default::default()
        };
        assert_eq!(
            suggest_advocates(&avoid, &pool, &HashSet::new(), 5).len(),
            1
        );
        assert!(suggest_advocates(&need, &pool, &[2, 5].into(), 5)
            .iter()
            .all(|x| x.contact_id == 1 || x.contact_id == 6));
        // Community: city and topic.
        let c = community_presenters("oslo", Some("Data"), &pool, 10);
        assert_eq!(c.first().map(|x| x.contact_id), Some(2));
        assert!(community_presenters("Bergen", None, &pool, 10).is_empty());
    }

    #[test]
    fn forms_validate_with_reasons() {
        let f = Fields::from_pairs([
            ("name", "Summit"),
            ("kind", "conference"),
            ("starts_on", "2026-12-02"),
            ("ends_on", "2026-12-01"),
            ("time_zone", "Mars/Olympus"),
            ("customer_target", "150%"),
        ]);
        let e = EventData::from_fields(&f).unwrap_err();
        assert!(e.get("ends_on").unwrap().contains("before the first day"));
        assert!(e.get("time_zone").unwrap().contains("not a time zone"));
        assert!(e.get("customer_target").unwrap().contains("out of range"));
        let f = Fields::from_pairs([
            ("name", "Summit"),
            ("kind", "User group"),
            ("starts_on", "2026-12-01"),
            ("time_zone", "europe/oslo"),
            ("customer_target", "40%"),
        ]);
        let ev = EventData::from_fields(&f);
        // IANA names are case-sensitive.
        assert!(ev.is_err());
        let f = Fields::from_pairs([
            ("name", "Summit"),
            ("kind", "User group"),
            ("starts_on", "2026-12-01"),
            ("time_zone", "Europe/Oslo"),
            ("customer_target", "1/3"),
        ]);
        let ev = EventData::from_fields(&f).unwrap();
        assert_eq!(
            (ev.ends_on, ev.customer_target),
            (d("2026-12-01"), 1.0 / 3.0)
        );
        assert_eq!(ev.to_fields().get("customer_target"), "1/3");
        let s = SessionData::from_fields(
            &Fields::from_pairs([
                ("room_id", "1"),
                ("title", "x"),
                ("format", "Q&A"),
                ("start", "10:00"),
                ("end", "09:30"),
            ]),
            &ev,
        )
        .unwrap_err();
        assert!(s.get("end").unwrap().contains("not after the start"));
        let s = SessionData::from_fields(
            &Fields::from_pairs([
                ("room_id", "1"),
                ("title", "x"),
                ("format", "qa"),
                ("day", "2026-12-03"),
                ("start", "25:00"),
                ("end", "09:30"),
            ]),
            &ev,
        )
        .unwrap_err();
        assert!(s.get("day").unwrap().contains("not the day of the event"));
        assert!(s.get("start").unwrap().contains("HH:MM"));
        let sp = SpeakerData::from_fields(&Fields::from_pairs([("kind", "customer")])).unwrap_err();
        assert!(sp.get("contact_id").is_some());
        let sp = SpeakerData::from_fields(&Fields::from_pairs([("kind", "academic")])).unwrap_err();
        assert!(sp.get("name").unwrap().contains("academic"));
        let g = GuestData::from_fields(&Fields::from_pairs([
            ("contact_id", "3"),
            ("rsvp", "no"),
            ("attended", "yes"),
        ]))
        .unwrap_err();
        assert!(g.get("attended").is_some());
    }

    #[test]
    fn outcomes_count_prospects_who_converted_after_the_event() {
        let acc = |id: i64, life: &str, since: Option<&str>, rev: i64| AttendingAccount {
            account_id: id,
            account_name: format!("A{id}"),
            lifecycle: life.into(),
            customer_since: since.map(d),
            annual_revenue: rev,
        };
        let o = outcomes(
            d("2026-03-01"),
            &[
                acc(1, "customer", Some("2020-01-01"), 500), // already a customer
                acc(2, "customer", Some("2026-05-01"), 300), // converted
                acc(3, "prospect", None, 200),               // open
                acc(4, "prospect", None, 100),               // open
            ],
        );
        assert_eq!(
            (o.accounts_attended, o.prospects, o.converted.len()),
            (4, 3, 1)
        );
        assert_eq!(o.conversion_rate, Some(1.0 / 3.0));
        assert_eq!((o.revenue_influenced, o.open_pipeline), (300, 300));
    }

    #[test]
    fn introductions_match_wishes_to_people_there() {
        let g = |id: i64, name: &str, rep: &str, wants: &[&str]| Guest {
            id,
            event_id: 1,
            data: GuestData {
                contact_id: id,
                invited_on: None,
                rsvp: Rsvp::Yes,
                attended: false,
                rep: Some(rep.into()),
                key_guest: false,
                wants_to_meet: wants.iter().map(|s| s.to_string()).collect(),
            },
            contact_name: name.into(),
            title: None,
            email: None,
            account_id: id,
            account_name: format!("Co{id}"),
            industry: Some("Retail".into()),
            lifecycle: "customer".into(),
            at_risk: false,
            at_risk_reason: None,
        };
        let guests = vec![
            g(1, "Ann", "Rita", &["healthcare"]),
            g(2, "Bob", "Sam", &["Ann"]),
        ];
        let people = vec![
            Attendee {
                name: "Ann".into(),
                organization: "Co1".into(),
                industry: Some("Retail".into()),
                title: None,
                role: "guest",
            },
            Attendee {
                name: "Cy".into(),
                organization: "MedCo".into(),
                industry: Some("Healthcare".into()),
                title: None,
                role: "speaker",
            },
        ];
        let i = introductions(&guests, &people);
        assert_eq!(i.len(), 2);
        assert_eq!(
            (i[0].rep.as_str(), i[0].meet.clone()),
            ("Rita", vec!["Cy (MedCo, speaker)".to_string()])
        );
        assert_eq!(i[1].meet, vec!["Ann (Co1, guest)".to_string()]);
    }

    #[test]
    fn minutes_count_real_time_on_the_days_the_clocks_change() {
        let ev = EventData::from_fields(&Fields::from_pairs([
            ("name", "Spring summit"),
            ("kind", "conference"),
            ("starts_on", "2027-03-28"),
            ("time_zone", "Europe/Berlin"),
        ]))
        .unwrap();
        let session = |start: &str, end: &str| {
            SessionData::from_fields(
                &Fields::from_pairs([
                    ("room_id", "1"),
                    ("title", "Keynote"),
                    ("format", "keynote"),
                    ("start", start),
                    ("end", end),
                ]),
                &ev,
            )
        };
        // 02:00 becomes 03:00 that night: 01:30–03:30 is one hour.
        let s = session("01:30", "03:30").unwrap();
        assert_eq!(s.minutes_in(ev.tz()), 60);
        assert_eq!(s.minutes_in(chrono_tz::UTC), 120);
        let e = session("02:15", "02:45").unwrap_err();
        assert!(
            e.get("start")
                .unwrap()
                .contains("02:15 does not exist on 2027-03-28 in Europe/Berlin"),
            "{e:?}"
        );
        assert!(e.get("end").is_some());
        // In autumn 03:00 becomes 02:00 again: 01:30–03:30 lasts three hours.
        let autumn = EventData::from_fields(&Fields::from_pairs([
            ("name", "Autumn summit"),
            ("kind", "conference"),
            ("starts_on", "2027-10-31"),
            ("time_zone", "Europe/Berlin"),
        ]))
        .unwrap();
        let s = SessionData::from_fields(
            &Fields::from_pairs([
                ("room_id", "1"),
                ("title", "Keynote"),
                ("format", "keynote"),
                ("start", "01:30"),
                ("end", "03:30"),
            ]),
            &autumn,
        )
        .unwrap();
        assert_eq!(s.minutes_in(autumn.tz()), 180);
    }
}
