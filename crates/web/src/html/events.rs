//! Customer events (D1–D8): the list of events; each event's agenda by room and time with
//! its broken rules and stage checks (and advocates who could fill a slot); sessions and
//! speakers; the guest list with RSVPs, attendance, at-risk accounts, key guests and the
//! introductions each rep should make; briefing packs; quick capture on a phone; outcomes;
//! community sessions; iCalendar and CSV exports; a printable agenda.

use super::layout::{notice, page};
use super::widgets::{enum_options, error_summary, input, money, pager, sort_header};
use super::{form_errors, id_of, invalid, redirect};
use crate::auth::{can, csrf_field, require_page};
use crate::error::PageError;
use crate::extract::{Form, Query};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::NaiveDate;
use maud::{html, Markup, PreEscaped, DOCTYPE};
use peerstage_core::event::{
    capture_label, share_text, CaptureData, CheckStatus, Event, EventData, EventKind, Guest,
    GuestData, Introduction, RoomData, Rsvp, Session, SessionData, SessionFocus, SessionFormat,
    SpeakerData, SpeakerKind, StageCheck, CAPTURE_KINDS,
};
use peerstage_core::{FieldErrors, Fields, Permission};
use peerstage_store::{Agenda, Briefing, EventNote, EventOutcomes};

/// The host part of iCalendar UIDs: the same for the web and the CLI, so a calendar that
/// imports both sees one entry per session.
pub const ICS_HOST: &str = "peerstage.local";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/events", get(list).post(create))
        .route("/events/{id}", get(show).post(update))
        .route("/events/{id}/delete", post(delete))
        .route("/events/{id}/rooms", post(add_room))
        .route("/events/{id}/rooms/{room}/delete", post(delete_room))
        .route("/events/{id}/sessions", post(add_session))
        .route(
            "/events/{id}/sessions/{sid}",
            get(session_page).post(update_session),
        )
        .route("/events/{id}/sessions/{sid}/delete", post(delete_session))
        .route("/events/{id}/sessions/{sid}/calendar.ics", get(session_ics))
        .route("/events/{id}/speakers", post(add_speaker))
        .route("/events/{id}/speakers/{kid}/delete", post(delete_speaker))
        .route("/events/{id}/calendar.ics", get(event_ics))
        .route("/events/{id}/print", get(print_agenda))
        .route("/events/{id}/guests", get(guests).post(add_guest))
        .route("/events/{id}/guests.csv", get(guests_csv))
        .route("/events/{id}/guests/account", post(add_account_guests))
        .route("/events/{id}/guests/{gid}", post(update_guest))
        .route("/events/{id}/guests/{gid}/delete", post(delete_guest))
        .route("/events/{id}/briefing/{contact}", get(briefing))
        .route("/events/{id}/capture", get(capture).post(capture_post))
        .route("/events/{id}/outcomes", get(outcomes_page))
        .route("/community", get(community))
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

fn dates(e: &EventData) -> String {
    if e.starts_on == e.ends_on {
        e.starts_on.format("%Y-%m-%d").to_string()
    } else {
        format!(
            "{} to {}",
            e.starts_on.format("%Y-%m-%d"),
            e.ends_on.format("%Y-%m-%d")
        )
    }
}

fn when(s: &Session) -> String {
    format!(
        "{} {}–{}",
        s.data.starts_at.format("%a %d %b"),
        s.data.starts_at.format("%H:%M"),
        s.data.ends_at.format("%H:%M")
    )
}

/// The tabs of one event.
fn tabs(e: &Event, active: &str) -> Markup {
    let tab = |key: &str, href: String, label: &str| {
        html! { a href=(href) class=[(active == key).then_some("active")] { (label) } }
    };
    html! {
        p.subtitle { a href="/events" { "← Events" } }
        div.page-head {
            div {
                h1 { (e.data.name) }
                p.subtitle {
                    (e.data.kind.label()) " · " (dates(&e.data))
                    @if let Some(p) = &e.data.place { " · " (p) }
                    @if let Some(c) = &e.data.city { " · " (c) }
                    " · times in " (e.data.time_zone)
                }
            }
            div.actions {
                a.btn.secondary href=(format!("/events/{}/calendar.ics", e.id)) download { "Add to calendar (.ics)" }
                a.btn.secondary href=(format!("/events/{}/print", e.id)) { "Printable agenda" }
            }
        }
        nav.subnav aria-label="Event" {
            (tab("agenda", format!("/events/{}", e.id), "Agenda and stage checks"))
            (tab("guests", format!("/events/{}/guests", e.id), "Guests"))
            @if can(Permission::WriteEvidence) {
                (tab("capture", format!("/events/{}/capture", e.id), "Quick capture"))
            }
            (tab("outcomes", format!("/events/{}/outcomes", e.id), "Outcomes"))
        }
    }
}

// ---- the list ----

fn event_form(f: &Fields, e: &FieldErrors, action: &str, label: &str) -> Markup {
    html! {
        form.stacked method="post" action=(action) novalidate {
            (csrf_field())
            (input("name", "Name").required().text(f, e))
            (input("kind", "Kind").required().select(f, e, &enum_options(EventKind::ALL, EventKind::as_str, EventKind::label)))
            (input("starts_on", "First day").required().kind("date").text(f, e))
            (input("ends_on", "Last day").kind("date").hint("empty for a one-day event").text(f, e))
            (input("time_zone", "Time zone").hint("IANA name, e.g. Europe/London, America/New_York").text(f, e))
            (input("place", "Venue").text(f, e))
            (input("city", "City").text(f, e))
            (input("industry", "Industry focus").hint("advocates from it are suggested first").text(f, e))
            (input("customer_target", "Customers' share of the main stage").hint("at least; 1/3, 40% or 0.4 (default 1/3)").text(f, e))
            (input("description", "Description").wide().textarea(f, e))
            div.form-actions { button type="submit" { (label) } }
        }
    }
}

fn list_page(list: &[Event], f: &Fields, e: &FieldErrors, notice_key: &str) -> Markup {
    let t = today();
    page(
        "Events",
        "events",
        html! {
            div.page-head {
                div { h1 { "Events" } p.subtitle { "Conferences, user groups, roundtables and community sessions that put customers on stage" } }
                div.actions { a.btn.secondary href="/community" { "Community sessions: find local presenters" } }
            }
            (notice(notice_key))
            (error_summary(e))
            div.table-wrap { table {
                thead { tr { th { "Event" } th { "Kind" } th { "When" } th.hide-narrow { "Where" } th.num { "Sessions" } th.num { "Guests" } th { "" } } }
                tbody {
                    @for ev in list {
                        tr {
                            td { a href=(format!("/events/{}", ev.id)) { (ev.data.name) } }
                            td { (ev.data.kind.label()) }
                            td.nowrap { (dates(&ev.data)) }
                            td.hide-narrow { (ev.data.city.clone().unwrap_or_default()) }
                            td.num { (ev.sessions) }
                            td.num { a href=(format!("/events/{}/guests", ev.id)) { (ev.guests) } }
                            td { @if ev.data.is_past(t) { span.badge { "past" } } @else if ev.data.starts_on <= t { span.badge.good { "now" } } @else { span.badge.warn { "upcoming" } } }
                        }
                    }
                    @if list.is_empty() { tr { td colspan="7" .muted { "No events yet." } } }
                }
            } }
            @if can(Permission::ManageEvents) {
                div.card {
                    h2 { "Plan an event" }
                    (event_form(f, e, "/events", "Create"))
                }
            }
        },
    )
}

async fn list(State(st): State<AppState>, Query(q): Query) -> Result<Markup, PageError> {
    require_page(Permission::ReadCustomers)?;
    let list = st.run(|s| s.list_events()).await?;
    let f = Fields::from_pairs([
        ("kind", "conference"),
        ("time_zone", "UTC"),
        ("customer_target", "1/3"),
    ]);
    Ok(list_page(&list, &f, &FieldErrors::new(), q.get("notice")))
}

async fn create(State(st): State<AppState>, Form(f): Form) -> Result<Response, PageError> {
    require_page(Permission::ManageEvents)?;
    let errors = match EventData::from_fields(&f) {
        Ok(d) => match st.run(move |s| s.create_event(&d)).await {
            Ok(e) => return Ok(redirect(format!("/events/{}?notice=created", e.id))),
            Err(e) => form_errors(e)?,
        },
        Err(e) => e,
    };
    let list = st.run(|s| s.list_events()).await?;
    Ok(invalid(list_page(&list, &f, &errors, "")))
}

// ---- one event: the agenda ----

/// Which form on the agenda page failed, with what was typed.
struct Failed<'a> {
    form: &'a str,
    fields: &'a Fields,
    errors: &'a FieldErrors,
}

fn status_badge(s: CheckStatus) -> Markup {
    match s {
        CheckStatus::Ok => html! { span.badge.good { "OK" } },
        CheckStatus::Warning => html! { span.badge.warn { "Warning" } },
        CheckStatus::Failed => html! { span.badge.bad { "Below target" } },
        CheckStatus::NotApplicable => html! { span.badge { "Not yet" } },
    }
}

/// `repeated`: the same advocates were suggested by a check above, so they are not listed
/// again.
fn check_card(c: &StageCheck, a: &Agenda, manage: bool, repeated: bool) -> Markup {
    html! {
        div.card.stage-check id=(format!("check-{}", c.code)) data-status=(c.status.as_str()) {
            div.check-head {
                strong { (c.title) } " " (status_badge(c.status))
                @if let (Some(s), Some(t)) = (c.share, c.target) {
                    span.check-share { " " (pct(s)) " (target " (share_text(t)) ")" }
                }
            }
            @if let Some(s) = c.share {
                div.sharebar title=(pct(s)) { span style=(format!("width: {:.1}%", (s * 100.0).clamp(0.0, 100.0))) {} @if let Some(t) = c.target { i style=(format!("left: {:.1}%", (t * 100.0).clamp(0.0, 100.0))) {} } }
            }
            p.small { (c.explanation) }
            @if repeated && !c.suggestions.is_empty() {
                p.small.muted { "The advocates suggested above could fill this slot too." }
            }
            @if !repeated && !c.suggestions.is_empty() {
                details open[c.status == CheckStatus::Failed] {
                    summary { "Advocates who could fill a slot (" (c.suggestions.len()) ")" }
                    ul.suggestions {
                        @for s in &c.suggestions {
                            li {
                                a href=(format!("/advocates/{}", s.contact_id)) { (s.name) } ", " (s.account_name)
                                @if s.rock_star { " " span.badge.good { "Rock Star" } }
                                div.small.muted { (s.why) }
                                @if manage && !a.sessions.is_empty() {
                                    form.inline-form method="post" action=(format!("/events/{}/speakers", a.event.id)) {
                                        (csrf_field())
                                        input type="hidden" name="kind" value="customer";
                                        input type="hidden" name="contact_id" value=(s.contact_id);
                                        label.small { "Add to " select name="session_id" {
                                            @for se in &a.sessions {
                                                option value=(se.id) selected[c.sessions.first() == Some(&se.id)] { (se.data.title) " (" (se.room_name) ", " (se.data.starts_at.format("%H:%M")) ")" }
                                            }
                                        } }
                                        " " button.secondary type="submit" { "Add" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The agenda as a grid: a column per room, a row per starting time.
fn agenda_grid(a: &Agenda, highlight: &[i64], links: bool) -> Markup {
    let mut days: Vec<NaiveDate> = a.sessions.iter().map(|s| s.data.starts_at.date()).collect();
    days.dedup();
    struct Day<'a> {
        day: NaiveDate,
        sessions: Vec<&'a Session>,
        starts: Vec<chrono::NaiveDateTime>,
        rooms: Vec<&'a peerstage_core::event::Room>,
    }
    let grid: Vec<Day> = days
        .into_iter()
        .map(|day| {
            let sessions: Vec<&Session> = a
                .sessions
                .iter()
                .filter(|s| s.data.starts_at.date() == day)
                .collect();
            let mut starts: Vec<chrono::NaiveDateTime> =
                sessions.iter().map(|s| s.data.starts_at).collect();
            starts.sort();
            starts.dedup();
            let rooms = a
                .rooms
                .iter()
                .filter(|r| sessions.iter().any(|s| s.data.room_id == r.id))
                .collect();
            Day {
                day,
                sessions,
                starts,
                rooms,
            }
        })
        .collect();
    html! {
        @if a.sessions.is_empty() {
            p.muted { "No sessions yet." }
        }
        @for d in &grid {
            h3 { (d.day.format("%A %d %B %Y").to_string()) }
            div.table-wrap { table.agenda {
                thead { tr { th { "Time" } @for r in &d.rooms { th { (r.data.name) @if r.data.main_stage { " " span.badge.good { "main stage" } } } } } }
                tbody {
                    @for t in &d.starts {
                        tr {
                            td.nowrap { (t.format("%H:%M").to_string()) }
                            @for r in &d.rooms {
                                td {
                                    @for s in d.sessions.iter().filter(|s| s.data.room_id == r.id && s.data.starts_at == *t) {
                                        div.session.flagged[highlight.contains(&s.id)].customer[s.has_customer()] data-session=(s.id) {
                                            @if links {
                                                a href=(format!("/events/{}/sessions/{}", a.event.id, s.id)) { strong { (s.data.title) } }
                                            } @else { strong { (s.data.title) } }
                                            div.small.muted { (s.data.starts_at.format("%H:%M")) "–" (s.data.ends_at.format("%H:%M")) " · " (s.data.format.label()) @if s.data.focus != SessionFocus::Other { " · " (s.data.focus.label()) } }
                                            @if !s.speakers.is_empty() {
                                                div.small {
                                                    @for (i, k) in s.speakers.iter().enumerate() {
                                                        @if i > 0 { ", " }
                                                        (k.display_name)
                                                        @if let Some(o) = &k.account_name { " (" (o) ")" }
                                                        @if k.is_customer() { " " span.badge.good { "customer" } }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            } }
        }
    }
}

fn session_fields_form(
    event_id: i64,
    a: &Agenda,
    f: &Fields,
    e: &FieldErrors,
    action: &str,
    label: &str,
) -> Markup {
    let rooms: Vec<(String, String)> = a
        .rooms
        .iter()
        .map(|r| {
            (
                r.id.to_string(),
                format!(
                    "{}{}",
                    r.data.name,
                    if r.data.main_stage && !r.data.name.to_lowercase().contains("main stage") {
                        " (main stage)"
                    } else {
                        ""
                    }
                ),
            )
        })
        .collect();
    let _ = event_id;
    html! {
        form.stacked method="post" action=(action) novalidate {
            (csrf_field())
            (input("title", "Title").required().text(f, e))
            (input("room_id", "Room").required().select(f, e, &rooms))
            (input("format", "Format").required().select(f, e, &enum_options(SessionFormat::ALL, SessionFormat::as_str, SessionFormat::label)))
            (input("focus", "About").required().select(f, e, &enum_options(SessionFocus::ALL, SessionFocus::as_str, SessionFocus::label)))
            (input("day", "Day").kind("date").text(f, e))
            (input("start", "Starts").required().kind("time").text(f, e))
            (input("end", "Ends").required().kind("time").text(f, e))
            (input("topic", "Topic").text(f, e))
            (input("description", "Description").wide().textarea(f, e))
            div.form-actions { button type="submit" { (label) } }
        }
    }
}

/// `back`: return to the session's page rather than the agenda.
fn speaker_form(
    event_id: i64,
    sessions: &[&Session],
    guests: &[Guest],
    f: &Fields,
    e: &FieldErrors,
    back: bool,
) -> Markup {
    let options: Vec<(String, String)> = sessions
        .iter()
        .map(|s| {
            (
                s.id.to_string(),
                format!(
                    "{} ({}, {})",
                    s.data.title,
                    s.room_name,
                    s.data.starts_at.format("%H:%M")
                ),
            )
        })
        .collect();
    html! {
        form.stacked method="post" action=(format!("/events/{event_id}/speakers")) novalidate {
            (csrf_field())
            @if back { input type="hidden" name="back" value="session"; }
            @if sessions.len() == 1 {
                input type="hidden" name="session_id" value=(sessions[0].id);
            } @else {
                (input("session_id", "Session").required().select(f, e, &options))
            }
            (input("kind", "Speaker is").required().select(f, e, &enum_options(SpeakerKind::ALL, SpeakerKind::as_str, SpeakerKind::label)))
            div.field.has-error[e.get("contact_id").is_some()] {
                label for="f-contact_id" { "Customer contact (id)" }
                input id="f-contact_id" name="contact_id" type="text" inputmode="numeric" list="guest-contacts" value=(f.get("contact_id")) aria-invalid=[e.get("contact_id").map(|_| "true")];
                datalist id="guest-contacts" { @for g in guests { option value=(g.data.contact_id) { (g.contact_name) " — " (g.account_name) } } }
                span.hint { "required for customers: a guest, an advocate, or any contact's id" }
                @if let Some(err) = e.get("contact_id") { span.error { "Customer contact " (err) } }
            }
            (input("name", "Name").hint("for staff, academics and partners").text(f, e))
            (input("organization", "Organization").text(f, e))
            div.form-actions { button type="submit" { "Add speaker" } }
        }
    }
}

struct EventView {
    agenda: Agenda,
    guests: Vec<Guest>,
}

async fn load_event(st: &AppState, id: i64) -> Result<EventView, PageError> {
    Ok(st
        .run(move |s| {
            Ok(EventView {
                agenda: s.agenda(id, today(), 5)?,
                guests: s.list_guests(id)?,
            })
        })
        .await?)
}

fn show_page(v: &EventView, failed: Option<Failed>, notice_key: &str) -> Markup {
    let a = &v.agenda;
    let ev = &a.event;
    let manage = can(Permission::ManageEvents);
    let empty = Fields::new();
    let no_errors = FieldErrors::new();
    let form_of = |name: &str, default: &Fields| -> (Fields, FieldErrors) {
        match &failed {
            Some(f) if f.form == name => (f.fields.clone(), f.errors.clone()),
            _ => (default.clone(), no_errors.clone()),
        }
    };
    let highlight: Vec<i64> = a
        .checks
        .iter()
        .filter(|c| matches!(c.status, CheckStatus::Failed | CheckStatus::Warning))
        .flat_map(|c| c.sessions.iter().copied())
        .chain(a.problems.iter().flat_map(|p| p.sessions))
        .collect();
    let first_room = a
        .rooms
        .first()
        .map(|r| r.id.to_string())
        .unwrap_or_default();
    let session_default = Fields::from_pairs([
        ("room_id", first_room),
        ("format", "keynote".to_string()),
        ("focus", "customer_issues".to_string()),
        ("day", ev.data.starts_on.to_string()),
    ]);
    let (sf, se) = form_of("session", &session_default);
    let (rf, re) = form_of("room", &empty);
    let (kf, ke) = form_of("speaker", &Fields::from_pairs([("kind", "customer")]));
    let (ef, ee) = form_of("event", &ev.data.to_fields());
    let all_errors = failed
        .as_ref()
        .map(|f| f.errors.clone())
        .unwrap_or_default();
    let sessions: Vec<&Session> = a.sessions.iter().collect();
    page(
        &ev.data.name,
        "events",
        html! {
            (tabs(ev, "agenda"))
            (notice(notice_key))
            (error_summary(&all_errors))
            @if let Some(d) = &ev.data.description { p { (d) } }
            @if !a.problems.is_empty() {
                div.notice.error role="alert" {
                    strong { "The agenda breaks its rules:" }
                    ul.errors { @for p in &a.problems { li { (p.rule.label()) ": " (p.message) } } }
                }
            }
            div.agenda-layout {
                section.agenda-main {
                    h2 { "Agenda" }
                    (agenda_grid(a, &highlight, true))
                }
                aside.agenda-checks aria-label="Stage checks" {
                    h2 { "Stage checks" }
                    p.small.muted { "Customers should make up at least " (share_text(ev.data.customer_target)) " of the featured performances. Checks update with every change to the agenda." }
                    @for (i, c) in a.checks.iter().enumerate() {
                        @let ids = |c: &StageCheck| c.suggestions.iter().map(|s| s.contact_id).collect::<Vec<_>>();
                        @let repeated = a.checks[..i].iter().any(|p| !p.suggestions.is_empty() && ids(p) == ids(c));
                        (check_card(c, a, manage, repeated))
                    }
                }
            }
            @if manage {
                div.grid.two {
                    div.card {
                        h2 { "Add a session" }
                        @if a.rooms.is_empty() { p.muted { "Add a room first." } }
                        @else { (session_fields_form(ev.id, a, &sf, &se, &format!("/events/{}/sessions", ev.id), "Add session")) }
                    }
                    div.card {
                        h2 { "Add a speaker" }
                        @if sessions.is_empty() { p.muted { "Add a session first." } }
                        @else { (speaker_form(ev.id, &sessions, &v.guests, &kf, &ke, false)) }
                    }
                }
                div.grid.two {
                    div.card {
                        h2 { "Rooms" }
                        ul {
                            @for r in &a.rooms {
                                li {
                                    (r.data.name) @if r.data.main_stage { " " span.badge.good { "main stage" } } @else { " " span.badge { "side room" } }
                                    " "
                                    form.inline method="post" action=(format!("/events/{}/rooms/{}/delete", ev.id, r.id)) onsubmit="return confirm('Delete this room and its sessions?')" {
                                        (csrf_field()) button.link.danger-link type="submit" { "delete" }
                                    }
                                }
                            }
                            @if a.rooms.is_empty() { li.muted { "No rooms yet." } }
                        }
                        form.stacked method="post" action=(format!("/events/{}/rooms", ev.id)) novalidate {
                            (csrf_field())
                            (input("name", "Room").required().text(&rf, &re))
                            (input("main_stage", "Main stage?").yes_no(&rf, &re))
                            div.form-actions { button type="submit" { "Add room" } }
                        }
                    }
                    details.card open[failed.as_ref().is_some_and(|f| f.form == "event")] {
                        summary { "Edit the event" }
                        (event_form(&ef, &ee, &format!("/events/{}", ev.id), "Save"))
                        form.inline method="post" action=(format!("/events/{}/delete", ev.id)) onsubmit="return confirm('Delete this event with its sessions and guest list? Notes captured there stay as evidence.')" {
                            (csrf_field()) button.danger type="submit" { "Delete the event" }
                        }
                    }
                }
            }
        },
    )
}

async fn show(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query,
) -> Result<Markup, PageError> {
    require_page(Permission::ReadCustomers)?;
    let v = load_event(&st, id_of(&id)?).await?;
    Ok(show_page(&v, None, q.get("notice")))
}

async fn show_failed(
    st: &AppState,
    id: i64,
    form: &str,
    f: &Fields,
    errors: FieldErrors,
) -> Result<Response, PageError> {
    let v = load_event(st, id).await?;
    Ok(invalid(show_page(
        &v,
        Some(Failed {
            form,
            fields: f,
            errors: &errors,
        }),
        "",
    )))
}

async fn update(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    require_page(Permission::ManageEvents)?;
    let id = id_of(&id)?;
    let errors = match EventData::from_fields(&f) {
        Ok(d) => match st.run(move |s| s.update_event(id, &d)).await {
            Ok(_) => return Ok(redirect(format!("/events/{id}?notice=updated"))),
            Err(e) => form_errors(e)?,
        },
        Err(e) => e,
    };
    show_failed(&st, id, "event", &f, errors).await
}

async fn delete(State(st): State<AppState>, Path(id): Path<String>) -> Result<Response, PageError> {
    require_page(Permission::ManageEvents)?;
    let id = id_of(&id)?;
    st.run(move |s| s.delete_event(id)).await?;
    Ok(redirect("/events?notice=deleted".into()))
}

async fn add_room(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    require_page(Permission::ManageEvents)?;
    let id = id_of(&id)?;
    let errors = match RoomData::from_fields(&f) {
        Ok(d) => match st.run(move |s| s.add_room(id, &d)).await {
            Ok(_) => return Ok(redirect(format!("/events/{id}?notice=created"))),
            Err(e) => form_errors(e)?,
        },
        Err(e) => e,
    };
    show_failed(&st, id, "room", &f, errors).await
}

async fn delete_room(
    State(st): State<AppState>,
    Path((id, room)): Path<(String, String)>,
) -> Result<Response, PageError> {
    require_page(Permission::ManageEvents)?;
    let (id, room) = (id_of(&id)?, id_of(&room)?);
    let event = st.run(move |s| s.list_rooms(id)).await?;
    if !event.iter().any(|r| r.id == room) {
        return Err(PageError::not_found("This event has no such room."));
    }
    st.run(move |s| s.delete_room(room)).await?;
    Ok(redirect(format!("/events/{id}?notice=deleted")))
}

async fn add_session(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    require_page(Permission::ManageEvents)?;
    let id = id_of(&id)?;
    let ev = st.run(move |s| s.get_event(id)).await?;
    let errors = match SessionData::from_fields(&f, &ev.data) {
        Ok(d) => match st.run(move |s| s.add_session(id, &d)).await {
            Ok(_) => return Ok(redirect(format!("/events/{id}?notice=created"))),
            Err(e) => form_errors(e)?,
        },
        Err(e) => e,
    };
    show_failed(&st, id, "session", &f, errors).await
}

async fn add_speaker(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    require_page(Permission::ManageEvents)?;
    let id = id_of(&id)?;
    let v = load_event(&st, id).await?;
    let session = peerstage_core::parse::optional_int(f.get("session_id"), 1, i64::MAX)
        .ok()
        .flatten()
        .filter(|sid| v.agenda.sessions.iter().any(|s| s.id == *sid));
    let back = if f.get("back") == "session" {
        session
    } else {
        None
    };
    let errors = match (session, SpeakerData::from_fields(&f)) {
        (None, r) => {
            let mut e = r.err().unwrap_or_default();
            e.add(
                "session_id",
                "is required: choose one of this event's sessions",
            );
            e
        }
        (Some(sid), Ok(d)) => match st.run(move |s| s.add_speaker(sid, &d)).await {
            Ok(_) => {
                return Ok(redirect(match back {
                    Some(sid) => format!("/events/{id}/sessions/{sid}?notice=created"),
                    None => format!("/events/{id}?notice=created"),
                }))
            }
            Err(e) => form_errors(e)?,
        },
        (Some(_), Err(e)) => e,
    };
    if let Some(sid) = back {
        return session_failed(&st, id, sid, "speaker", &f, errors).await;
    }
    Ok(invalid(show_page(
        &v,
        Some(Failed {
            form: "speaker",
            fields: &f,
            errors: &errors,
        }),
        "",
    )))
}

async fn delete_speaker(
    State(st): State<AppState>,
    Path((id, kid)): Path<(String, String)>,
    Form(f): Form,
) -> Result<Response, PageError> {
    require_page(Permission::ManageEvents)?;
    let (id, kid) = (id_of(&id)?, id_of(&kid)?);
    let v = load_event(&st, id).await?;
    let Some(session) = v
        .agenda
        .sessions
        .iter()
        .find(|s| s.speakers.iter().any(|k| k.id == kid))
    else {
        return Err(PageError::not_found("This event has no such speaker."));
    };
    let sid = session.id;
    st.run(move |s| s.delete_speaker(kid)).await?;
    Ok(redirect(if f.get("back") == "session" {
        format!("/events/{id}/sessions/{sid}?notice=deleted")
    } else {
        format!("/events/{id}?notice=deleted")
    }))
}

// ---- one session ----

fn session_view(
    v: &EventView,
    sid: i64,
    failed: Option<Failed>,
    notice_key: &str,
) -> Result<Markup, PageError> {
    let a = &v.agenda;
    let Some(s) = a.sessions.iter().find(|s| s.id == sid) else {
        return Err(PageError::not_found("This event has no such session."));
    };
    let manage = can(Permission::ManageEvents);
    let no = FieldErrors::new();
    let (sf, se) = match &failed {
        Some(f) if f.form == "session" => (f.fields.clone(), f.errors.clone()),
        _ => (s.data.to_fields(), no.clone()),
    };
    let (kf, ke) = match &failed {
        Some(f) if f.form == "speaker" => (f.fields.clone(), f.errors.clone()),
        _ => (Fields::from_pairs([("kind", "customer")]), no.clone()),
    };
    let problems: Vec<&peerstage_core::event::AgendaProblem> = a
        .problems
        .iter()
        .filter(|p| p.sessions.contains(&sid))
        .collect();
    Ok(page(
        &s.data.title,
        "events",
        html! {
            (tabs(&a.event, "agenda"))
            (notice(notice_key))
            div.page-head {
                div {
                    h2 { (s.data.title) }
                    p.subtitle { (when(s)) " · " (s.room_name) @if s.main_stage && !s.room_name.to_lowercase().contains("main stage") { " (main stage)" } " · " (s.data.format.label()) " · " (s.data.focus.label()) }
                }
                div.actions { a.btn.secondary href=(format!("/events/{}/sessions/{}/calendar.ics", a.event.id, s.id)) download { "Add to calendar (.ics)" } }
            }
            @for p in &problems { div.notice.error role="alert" { (p.message) } }
            p.small { a href=(format!("/events/{}", a.event.id)) { "← The whole agenda and its stage checks" } }
            h3 { "Speakers" }
            div.table-wrap { table {
                thead { tr { th { "Speaker" } th { "Kind" } th { "Organization" } @if manage { th {} } } }
                tbody {
                    @for k in &s.speakers {
                        tr {
                            td { @if let (Some(c), true) = (k.data.contact_id, k.is_customer()) { a href=(format!("/advocates/{c}")) { (k.display_name) } } @else { (k.display_name) } }
                            td { (k.data.kind.label()) }
                            td { (k.account_name.clone().unwrap_or_default()) @if let Some(i) = &k.industry { span.muted { " · " (i) } } }
                            @if manage { td {
                                form.inline method="post" action=(format!("/events/{}/speakers/{}/delete", a.event.id, k.id)) {
                                    (csrf_field()) input type="hidden" name="back" value="session"; button.secondary type="submit" { "Remove" }
                                }
                            } }
                        }
                    }
                    @if s.speakers.is_empty() { tr { td colspan="4" .muted { "No speakers yet." } } }
                }
            } }
            @if manage {
                div.grid.two {
                    div.card {
                        h3 { "Add a speaker" }
                        (error_summary(&ke))
                        (speaker_form(a.event.id, &[s], &v.guests, &kf, &ke, true))
                    }
                    div.card {
                        h3 { "Edit the session" }
                        (error_summary(&se))
                        (session_fields_form(a.event.id, a, &sf, &se, &format!("/events/{}/sessions/{}", a.event.id, s.id), "Save"))
                        form.inline method="post" action=(format!("/events/{}/sessions/{}/delete", a.event.id, s.id)) onsubmit="return confirm('Delete this session?')" {
                            (csrf_field()) button.danger type="submit" { "Delete the session" }
                        }
                    }
                }
            }
        },
    ))
}

async fn session_page(
    State(st): State<AppState>,
    Path((id, sid)): Path<(String, String)>,
    Query(q): Query,
) -> Result<Markup, PageError> {
    require_page(Permission::ReadCustomers)?;
    let (id, sid) = (id_of(&id)?, id_of(&sid)?);
    let v = load_event(&st, id).await?;
    session_view(&v, sid, None, q.get("notice"))
}

async fn session_failed(
    st: &AppState,
    id: i64,
    sid: i64,
    form: &str,
    f: &Fields,
    errors: FieldErrors,
) -> Result<Response, PageError> {
    let v = load_event(st, id).await?;
    Ok(invalid(session_view(
        &v,
        sid,
        Some(Failed {
            form,
            fields: f,
            errors: &errors,
        }),
        "",
    )?))
}

async fn update_session(
    State(st): State<AppState>,
    Path((id, sid)): Path<(String, String)>,
    Form(f): Form,
) -> Result<Response, PageError> {
    require_page(Permission::ManageEvents)?;
    let (id, sid) = (id_of(&id)?, id_of(&sid)?);
    let current = st.run(move |s| s.get_session(sid)).await?;
    if current.event_id != id {
        return Err(PageError::not_found("This event has no such session."));
    }
    let ev = st.run(move |s| s.get_event(id)).await?;
    let errors = match SessionData::from_fields(&f, &ev.data) {
        Ok(d) => match st.run(move |s| s.update_session(sid, &d)).await {
            Ok(_) => {
                return Ok(redirect(format!(
                    "/events/{id}/sessions/{sid}?notice=updated"
                )))
            }
            Err(e) => form_errors(e)?,
        },
        Err(e) => e,
    };
    session_failed(&st, id, sid, "session", &f, errors).await
}

async fn delete_session(
    State(st): State<AppState>,
    Path((id, sid)): Path<(String, String)>,
) -> Result<Response, PageError> {
    require_page(Permission::ManageEvents)?;
    let (id, sid) = (id_of(&id)?, id_of(&sid)?);
    let current = st.run(move |s| s.get_session(sid)).await?;
    if current.event_id != id {
        return Err(PageError::not_found("This event has no such session."));
    }
    st.run(move |s| s.delete_session(sid)).await?;
    Ok(redirect(format!("/events/{id}?notice=deleted")))
}

// ---- exports ----

fn ics_response(name: &str, body: String) -> Response {
    let file: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    (
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.ics\"", file.trim_matches('-')),
            ),
        ],
        body,
    )
        .into_response()
}

async fn event_ics(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    require_page(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    let (e, body) = st
        .run(move |s| Ok((s.get_event(id)?, s.event_ics(id, None, ICS_HOST)?)))
        .await?;
    Ok(ics_response(&e.data.name, body))
}

async fn session_ics(
    State(st): State<AppState>,
    Path((id, sid)): Path<(String, String)>,
) -> Result<Response, PageError> {
    require_page(Permission::ReadCustomers)?;
    let (id, sid) = (id_of(&id)?, id_of(&sid)?);
    let (s, body) = st
        .run(move |s| Ok((s.get_session(sid)?, s.event_ics(id, Some(sid), ICS_HOST)?)))
        .await?;
    Ok(ics_response(&s.data.title, body))
}

async fn guests_csv(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    require_page(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    let body = st.run(move |s| s.guests_csv(id)).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"event-{id}-guests.csv\""),
            ),
        ],
        body,
    )
        .into_response())
}

async fn print_agenda(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    require_page(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    let a = st.run(move |s| s.agenda(id, today(), 0)).await?;
    let ev = &a.event;
    Ok(html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (ev.data.name) " — agenda" }
                style { (PreEscaped(PRINT_CSS)) }
            }
            body.print {
                p.noprint { a href=(format!("/events/{}", ev.id)) { "← Back to the event" } " · " a href="javascript:window.print()" { "Print" } }
                h1 { (ev.data.name) }
                p.sub { (ev.data.kind.label()) " · " (dates(&ev.data)) @if let Some(p) = &ev.data.place { " · " (p) } @if let Some(c) = &ev.data.city { " · " (c) } " · times in " (ev.data.time_zone) }
                @for s in &a.sessions {
                    div.item {
                        div.time { (s.data.starts_at.format("%a %H:%M").to_string()) "–" (s.data.ends_at.format("%H:%M").to_string()) }
                        div {
                            strong { (s.data.title) }
                            div.sub { (s.room_name) " · " (s.data.format.label()) @if let Some(t) = &s.data.topic { " · " (t) } }
                            @if !s.speakers.is_empty() {
                                div { @for (i, k) in s.speakers.iter().enumerate() { @if i > 0 { ", " } (k.display_name) @if let Some(o) = &k.account_name { " (" (o) ")" } } }
                            }
                        }
                    }
                }
                @if a.sessions.is_empty() { p { "No sessions yet." } }
            }
        }
    })
}

const PRINT_CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d2330;max-width:800px;margin:1.5rem auto;padding:0 1rem;line-height:1.4}\
h1{margin:0 0 .2rem}h2{font-size:1.05rem;border-bottom:1px solid #ccd;padding-bottom:.2rem;margin:1.2rem 0 .5rem;break-after:avoid}\
.sub{color:#5d6678;font-size:.9rem}.item{display:grid;grid-template-columns:9rem 1fr;gap:.8rem;padding:.45rem 0;border-bottom:1px solid #eee;break-inside:avoid}\
.time{font-variant-numeric:tabular-nums;color:#5d6678}table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.25rem .4rem;border-bottom:1px solid #eee;vertical-align:top}\
th{font-size:.8rem;color:#5d6678}.flag{color:#c0392b;font-weight:600}ul{margin:.2rem 0;padding-left:1.2rem}.q-flag{color:#b7791f;font-size:.85rem}\
section{break-inside:avoid-page}@media print{.noprint{display:none}body{margin:0;max-width:none}a{color:inherit;text-decoration:none}}";

// ---- guests ----

fn guest_row(ev_id: i64, g: &Guest, manage: bool) -> Markup {
    html! {
        tr.at-risk[g.at_risk] {
            td {
                @if g.data.key_guest { span.badge.good title="Key guest" { "key" } " " }
                a href=(format!("/contacts/{}", g.data.contact_id)) { (g.contact_name) }
                @if let Some(t) = &g.title { div.small.muted { (t) } }
            }
            td { a href=(format!("/accounts/{}", g.account_id)) { (g.account_name) } div.small.muted { (g.lifecycle) @if let Some(i) = &g.industry { " · " (i) } } }
            td {
                @if g.at_risk { span.badge.bad { "at risk" } @if let Some(r) = &g.at_risk_reason { div.small { (r) } } }
            }
            td { (g.data.rep.clone().unwrap_or_default()) }
            td.nowrap { (g.data.invited_on.map(|d| d.to_string()).unwrap_or_default()) }
            td { (g.data.rsvp.label()) }
            td { @if g.data.attended { "yes" } @else { span.muted { "no" } } }
            td.small { (g.data.wants_to_meet.join("; ")) }
            td.nowrap {
                @if g.data.key_guest { a href=(format!("/events/{ev_id}/briefing/{}", g.data.contact_id)) { "Briefing" } }
                @if manage {
                    details.inline-edit {
                        summary { "Edit" }
                        form.stacked method="post" action=(format!("/events/{ev_id}/guests/{}", g.id)) novalidate {
                            (csrf_field())
                            input type="hidden" name="contact_id" value=(g.data.contact_id);
                            @let f = g.data.to_fields();
                            @let e = FieldErrors::new();
                            (input("rsvp", "RSVP").required().select(&f, &e, &enum_options(Rsvp::ALL, Rsvp::as_str, Rsvp::label)))
                            (input("attended", "Attended").yes_no(&f, &e))
                            (input("key_guest", "Key guest").yes_no(&f, &e))
                            (input("invited_on", "Invited on").kind("date").text(&f, &e))
                            (input("rep", "Rep").text(&f, &e))
                            (input("wants_to_meet", "Wants to meet").hint("names, companies or industries; separated by ;").text(&f, &e))
                            div.form-actions { button type="submit" { "Save" } }
                        }
                        form.inline method="post" action=(format!("/events/{ev_id}/guests/{}/delete", g.id)) {
                            (csrf_field()) button.secondary type="submit" { "Remove from the list" }
                        }
                    }
                }
            }
        }
    }
}

struct GuestsView {
    event: Event,
    guests: Vec<Guest>,
    intros: Vec<Introduction>,
    found: Vec<peerstage_core::Contact>,
    accounts: Vec<peerstage_core::Account>,
}

const GUESTS_PER_PAGE: usize = 50;

/// Sorts the guest list by a column of the page; unknown keys keep the store's order (key
/// guests first, then by account).
fn sort_guests(list: &mut [Guest], key: &str, desc: bool) {
    let lower = |s: &str| s.to_lowercase();
    match key {
        "guest" => list.sort_by_key(|g| lower(&g.contact_name)),
        "account" => list.sort_by_key(|g| lower(&g.account_name)),
        "risk" => list.sort_by_key(|g| (!g.at_risk, lower(&g.account_name))),
        "rep" => list.sort_by_key(|g| lower(g.data.rep.as_deref().unwrap_or("~"))),
        "invited" => list.sort_by_key(|g| g.data.invited_on),
        "rsvp" => list.sort_by_key(|g| g.data.rsvp),
        "attended" => list.sort_by_key(|g| !g.data.attended),
        _ => return,
    }
    if desc {
        list.reverse();
    }
}

/// `query`: the list's sort, direction and page.
fn guests_page(
    v: &GuestsView,
    q: &str,
    f: &Fields,
    e: &FieldErrors,
    notice_key: &str,
    query: &Fields,
) -> Markup {
    let ev = &v.event;
    let manage = can(Permission::ManageEvents);
    let attending = v.guests.iter().filter(|g| g.data.rsvp == Rsvp::Yes).count();
    let attended = v.guests.iter().filter(|g| g.data.attended).count();
    let at_risk = v.guests.iter().filter(|g| g.at_risk).count();
    let key = v.guests.iter().filter(|g| g.data.key_guest).count();
    let path = format!("/events/{}/guests", ev.id);
    let sort = query.get("sort");
    let desc = query.get("dir") == "desc";
    let pages = v.guests.len().div_ceil(GUESTS_PER_PAGE).max(1);
    let page_no = query
        .get("page")
        .parse::<usize>()
        .unwrap_or(1)
        .clamp(1, pages);
    let shown =
        &v.guests[(page_no - 1) * GUESTS_PER_PAGE..(page_no * GUESTS_PER_PAGE).min(v.guests.len())];
    let mut reps: Vec<&str> = v.intros.iter().map(|i| i.rep.as_str()).collect();
    reps.dedup();
    page(
        &format!("Guests of {}", ev.data.name),
        "events",
        html! {
            (tabs(ev, "guests"))
            (notice(notice_key))
            (error_summary(e))
            div.grid {
                div.card.stat { div.label { "Invited" } div.value { (v.guests.len()) } }
                div.card.stat { div.label { "Attending (RSVP yes)" } div.value { (attending) } }
                div.card.stat { div.label { "Attended" } div.value { (attended) } }
                div.card.stat { div.label { "Key guests" } div.value { (key) } div.note { "each has a briefing pack" } }
                div.card.stat { div.label { "At-risk accounts" } div.value class=[(at_risk > 0).then_some("neg")] { (at_risk) } }
            }
            div.actions { a.btn.secondary href=(format!("/events/{}/guests.csv", ev.id)) download { "Guest list (CSV)" } }
            h2 { "Guest list" }
            div.table-wrap { table.guests {
                thead { tr {
                    @for (key, label) in [("guest", "Guest"), ("account", "Account"), ("risk", "Risk"), ("rep", "Rep"), ("invited", "Invited"), ("rsvp", "RSVP"), ("attended", "Attended")] {
                        (sort_header(&path, query, key, label, sort, desc, false))
                    }
                    th { "Wants to meet" } th {}
                } }
                tbody {
                    @for g in shown { (guest_row(ev.id, g, manage)) }
                    @if v.guests.is_empty() { tr { td colspan="9" .muted { "Nobody is on the guest list yet." } } }
                }
            } }
            @if pages > 1 { (pager(&path, query, "page", page_no as u32, pages as u32, v.guests.len() as u64)) }
            h2 { "Who do you want to meet: introductions per rep" }
            @if v.intros.is_empty() {
                p.muted { "No guest has said whom they want to meet yet." }
            }
            @for rep in &reps {
                div.card {
                    h3 { (rep) }
                    ul {
                        @for i in v.intros.iter().filter(|i| i.rep == *rep) {
                            li {
                                strong { (i.guest_name) } " (" (i.guest_account) ") wants to meet " em { (i.wants) } ": "
                                @if i.meet.is_empty() { span.muted { "nobody matching is on the list yet" } } @else { (i.meet.join(", ")) }
                            }
                        }
                    }
                }
            }
            @if manage {
                div.card {
                    h2 { "Add guests" }
                    form.filters method="get" action=(format!("/events/{}/guests", ev.id)) {
                        div.field { label for="q" { "Find a contact or an account" } input id="q" name="q" type="search" value=(q) placeholder="name or email"; }
                        button.secondary type="submit" { "Search" }
                    }
                    @if !q.is_empty() {
                        div.table-wrap { table {
                            thead { tr { th { "Contact" } th { "Title" } th {} } }
                            tbody {
                                @for c in &v.found {
                                    tr {
                                        td { (c.data.name) }
                                        td { (c.data.title.clone().unwrap_or_default()) }
                                        td {
                                            @if v.guests.iter().any(|g| g.data.contact_id == c.id) { span.muted { "on the list" } }
                                            @else {
                                                form.inline method="post" action=(format!("/events/{}/guests", ev.id)) {
                                                    (csrf_field())
                                                    input type="hidden" name="contact_id" value=(c.id);
                                                    input type="hidden" name="invited_on" value=(today().to_string());
                                                    button.secondary type="submit" { "Invite" }
                                                }
                                            }
                                        }
                                    }
                                }
                                @if v.found.is_empty() { tr { td colspan="3" .muted { "No contact matches." } } }
                            }
                        } }
                        h3 { "Accounts" }
                        div.table-wrap { table {
                            thead { tr { th { "Account" } th { "Industry" } th {} } }
                            tbody {
                                @for a in &v.accounts {
                                    tr {
                                        td { (a.data.name) @if a.data.at_risk { " " span.badge.bad { "at risk" } } }
                                        td { (a.data.industry.clone().unwrap_or_default()) }
                                        td {
                                            form.inline method="post" action=(format!("/events/{}/guests/account", ev.id)) {
                                                (csrf_field())
                                                input type="hidden" name="account_id" value=(a.id);
                                                button.secondary type="submit" { "Invite its contacts" }
                                            }
                                        }
                                    }
                                }
                                @if v.accounts.is_empty() { tr { td colspan="3" .muted { "No account matches." } } }
                            }
                        } }
                    }
                    h3 { "Or by contact id" }
                    form.stacked method="post" action=(format!("/events/{}/guests", ev.id)) novalidate {
                        (csrf_field())
                        (input("contact_id", "Contact id").required().text(f, e))
                        (input("rsvp", "RSVP").required().select(f, e, &enum_options(Rsvp::ALL, Rsvp::as_str, Rsvp::label)))
                        (input("key_guest", "Key guest").yes_no(f, e))
                        (input("invited_on", "Invited on").kind("date").text(f, e))
                        (input("rep", "Rep").hint("default: the account's owner").text(f, e))
                        (input("wants_to_meet", "Wants to meet").hint("names, companies or industries; separated by ;").text(f, e))
                        div.form-actions { button type="submit" { "Add guest" } }
                    }
                }
            }
        },
    )
}

async fn load_guests(st: &AppState, id: i64, q: String) -> Result<GuestsView, PageError> {
    Ok(st
        .run(move |s| {
            let (found, accounts) = if q.trim().is_empty() {
                (Vec::new(), Vec::new())
            } else {
                (
                    s.search_contacts(Some(&q), 1, 20)?.items,
                    s.list_accounts(&peerstage_core::AccountQuery {
                        search: Some(q.clone()),
                        per_page: 10,
                        ..Default::default()
                    })?
                    .items,
                )
            };
            Ok(GuestsView {
                event: s.get_event(id)?,
                guests: s.list_guests(id)?,
                intros: s.introductions(id)?,
                found,
                accounts,
            })
        })
        .await?)
}

async fn guests(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query,
) -> Result<Markup, PageError> {
    require_page(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    let search = q.get("q").to_string();
    let mut v = load_guests(&st, id, search.clone()).await?;
    sort_guests(&mut v.guests, q.get("sort"), q.get("dir") == "desc");
    let f = Fields::from_pairs([("rsvp", "pending")]);
    Ok(guests_page(
        &v,
        &search,
        &f,
        &FieldErrors::new(),
        q.get("notice"),
        &q,
    ))
}

async fn add_guest(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    require_page(Permission::ManageEvents)?;
    let id = id_of(&id)?;
    let errors = match GuestData::from_fields(&f) {
        Ok(d) => match st.run(move |s| s.add_guest(id, &d)).await {
            Ok(_) => return Ok(redirect(format!("/events/{id}/guests?notice=created"))),
            Err(e) => form_errors(e)?,
        },
        Err(e) => e,
    };
    let v = load_guests(&st, id, String::new()).await?;
    Ok(invalid(guests_page(
        &v,
        "",
        &f,
        &errors,
        "",
        &Fields::new(),
    )))
}

/// Invites every contact of an account (not those who asked not to be contacted).
async fn add_account_guests(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    require_page(Permission::ManageEvents)?;
    let id = id_of(&id)?;
    let errors = match peerstage_core::parse::optional_int(f.get("account_id"), 1, i64::MAX) {
        Ok(Some(account)) => match st
            .run(move |s| s.add_account_guests(id, account, Some(today())))
            .await
        {
            Ok(_) => return Ok(redirect(format!("/events/{id}/guests?notice=created"))),
            Err(e) => form_errors(e)?,
        },
        Ok(None) => FieldErrors::single("account_id", "is required: choose an account"),
        Err(e) => FieldErrors::single("account_id", e),
    };
    let v = load_guests(&st, id, String::new()).await?;
    let shown = Fields::from_pairs([("rsvp", "pending")]);
    Ok(invalid(guests_page(
        &v,
        "",
        &shown,
        &errors,
        "",
        &Fields::new(),
    )))
}

async fn guest_of(st: &AppState, id: i64, gid: i64) -> Result<Guest, PageError> {
    let g = st.run(move |s| s.get_guest(gid)).await?;
    if g.event_id != id {
        return Err(PageError::not_found("This event has no such guest."));
    }
    Ok(g)
}

async fn update_guest(
    State(st): State<AppState>,
    Path((id, gid)): Path<(String, String)>,
    Form(f): Form,
) -> Result<Response, PageError> {
    require_page(Permission::ManageEvents)?;
    let (id, gid) = (id_of(&id)?, id_of(&gid)?);
    let g = guest_of(&st, id, gid).await?;
    let mut merged = g.data.to_fields();
    for (k, v) in &f.0 {
        if k != "csrf" {
            merged.set(k, v.clone());
        }
    }
    let errors = match GuestData::from_fields(&merged) {
        Ok(d) => match st.run(move |s| s.update_guest(gid, &d)).await {
            Ok(_) => return Ok(redirect(format!("/events/{id}/guests?notice=updated"))),
            Err(e) => form_errors(e)?,
        },
        Err(e) => e,
    };
    let v = load_guests(&st, id, String::new()).await?;
    let mut shown = Fields::from_pairs([("rsvp", "pending")]);
    shown.set("contact_id", g.data.contact_id.to_string());
    Ok(invalid(guests_page(
        &v,
        "",
        &shown,
        &errors,
        "",
        &Fields::new(),
    )))
}

async fn delete_guest(
    State(st): State<AppState>,
    Path((id, gid)): Path<(String, String)>,
) -> Result<Response, PageError> {
    require_page(Permission::ManageEvents)?;
    let (id, gid) = (id_of(&id)?, id_of(&gid)?);
    guest_of(&st, id, gid).await?;
    st.run(move |s| s.delete_guest(gid)).await?;
    Ok(redirect(format!("/events/{id}/guests?notice=deleted")))
}

// ---- briefing pack (D4) ----

fn items(list: &[peerstage_store::BriefItem], empty: &str) -> Markup {
    html! {
        @if list.is_empty() { p.sub { (empty) } }
        @else {
            ul { @for i in list { li {
                @if let Some(d) = i.date { span.sub { (d.to_string()) " · " } }
                (i.text)
                @if let Some(x) = &i.detail { span.sub { " — " (x) } }
            } } }
        }
    }
}

/// A briefing pack as one self-contained HTML document that prints cleanly (the page and
/// `peerstage event briefing` both use it).
pub fn briefing_document(b: &Briefing, back_link: Option<&str>) -> String {
    let g = &b.guest;
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Briefing: " (g.contact_name) " at " (b.event_name) }
                style { (PreEscaped(PRINT_CSS)) }
            }
            body.briefing {
                @if let Some(back) = back_link {
                    p.noprint { a href=(back) { "← Back to the guest list" } " · " a href="javascript:window.print()" { "Print" } }
                }
                h1 { (g.contact_name) }
                p.sub {
                    @if let Some(t) = &g.title { (t) ", " }
                    (g.account_name) " · briefing for " (b.event_name) " (" (b.event_starts_on.to_string()) ")"
                    @if let Some(r) = &g.data.rep { " · rep: " (r) }
                }
                @if g.at_risk {
                    p.flag { "At risk" @if let Some(r) = &g.at_risk_reason { ": " (r) } }
                }
                section id="account" {
                    h2 { "Account" }
                    table { tbody {
                        tr { th { "Industry" } td { (b.account_industry.clone().unwrap_or_else(|| "—".into())) } th { "Segment" } td { (b.segment.clone().unwrap_or_else(|| "—".into()).replace('_', " ")) } }
                        tr { th { "Customer since" } td { (b.customer_since.map(|d| d.to_string()).unwrap_or_else(|| "—".into())) } th { "Renewal" } td { (b.renewal_date.map(|d| d.to_string()).unwrap_or_else(|| "—".into())) } }
                        tr { th { "Annual revenue" } td { (money(b.annual_revenue)) } th { "Employees" } td { (b.employees.map(|e| e.to_string()).unwrap_or_else(|| "—".into())) } }
                        tr { th { "Where" } td { (b.city.clone().unwrap_or_default()) @if let Some(c) = &b.country { ", " (c) } } th { "Owner" } td { (b.owner.clone().unwrap_or_else(|| "—".into())) } }
                        tr { th { "Products" } td colspan="3" { (if b.products.is_empty() { "—".to_string() } else { b.products.join(", ") }) } }
                    } }
                }
                section id="touchpoints" { h2 { "Recent touchpoints" } (items(&b.touchpoints, "No touchpoints recorded.")) }
                section id="commitments" { h2 { "Open commitments" } (items(&b.commitments, "No open commitments.")) }
                section id="nps" {
                    h2 { "NPS" }
                    @match &b.nps {
                        Some(n) => { p { strong { (n.text) } @if let Some(d) = n.date { span.sub { " on " (d.to_string()) } } } @if let Some(c) = &n.detail { blockquote { "“" (c) "”" } } },
                        None => { p.sub { "No NPS answer yet." } },
                    }
                }
                section id="wishes" { h2 { "Wish list" } (items(&b.wishes, "No wishes in the evidence yet.")) }
                section id="problems" { h2 { "Problems" } (items(&b.problems, "No problems in the evidence yet.")) }
                section id="themes" {
                    h2 { "Recurring themes in " (b.account_industry.clone().unwrap_or_else(|| "their industry".into())) }
                    @if b.themes.is_empty() { p.sub { "No recurring themes for this industry yet." } }
                    @else { ul { @for t in &b.themes { li { strong { (t.label) } span.sub { " (" (t.volume) ")" } @if let Some(q) = &t.quote { div.sub { "“" (q) "”" } } } } } }
                }
                section id="questions" {
                    h2 { "Open questions to ask" }
                    p.sub { "Checked by the question linter: open, not leading, not about features, one question at a time." }
                    ol { @for q in &b.questions { li {
                        (q.question)
                        @for f in &q.flags { div.q-flag { "⚠ " (f.rule.label()) ": " (f.why) } }
                    } } }
                }
            }
        }
    }
    .into_string()
}

async fn briefing(
    State(st): State<AppState>,
    Path((id, contact)): Path<(String, String)>,
) -> Result<Response, PageError> {
    require_page(Permission::ReadCustomers)?;
    let (id, contact) = (id_of(&id)?, id_of(&contact)?);
    let b = st.run(move |s| s.briefing(id, contact)).await?;
    let doc = briefing_document(&b, Some(&format!("/events/{id}/guests")));
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], doc).into_response())
}

// ---- quick capture (D5) ----

fn capture_page(
    ev: &Event,
    guests: &[Guest],
    notes: &[EventNote],
    f: &Fields,
    e: &FieldErrors,
    notice_key: &str,
) -> Markup {
    let people: Vec<(String, String)> = guests
        .iter()
        .filter(|g| g.data.rsvp != Rsvp::No)
        .map(|g| {
            (
                g.data.contact_id.to_string(),
                format!("{} — {}", g.contact_name, g.account_name),
            )
        })
        .collect();
    let kind = f.get("kind");
    page(
        &format!("Capture at {}", ev.data.name),
        "events",
        html! {
            (tabs(ev, "capture"))
            (notice(notice_key))
            (error_summary(e))
            form.capture method="post" action=(format!("/events/{}/capture", ev.id)) novalidate {
                (csrf_field())
                div.field.has-error[e.get("contact_id").is_some()] {
                    label for="f-contact_id" { "Guest *" }
                    select id="f-contact_id" name="contact_id" aria-invalid=[e.get("contact_id").map(|_| "true")] {
                        option value="" { "Choose the guest…" }
                        @for (value, label) in &people {
                            option value=(value) selected[value == f.get("contact_id")] { (label) }
                        }
                    }
                    @if let Some(err) = e.get("contact_id") { span.error id="f-contact_id-error" { "Guest " (err) } }
                }
                fieldset.kinds.has-error[e.get("kind").is_some()] {
                    legend { "What is it? *" }
                    @for k in CAPTURE_KINDS {
                        label.kind {
                            input type="radio" name="kind" value=(k.as_str()) checked[kind == k.as_str()];
                            span { (capture_label(*k)) }
                        }
                    }
                    @if let Some(err) = e.get("kind") { span.error { "Kind " (err) } }
                }
                div.field.has-error[e.get("text").is_some()] {
                    label for="f-text" { "Note *" }
                    textarea id="f-text" name="text" rows="4" placeholder="In their words, as close as you can" aria-invalid=[e.get("text").map(|_| "true")] { (f.get("text")) }
                    @if let Some(err) = e.get("text") { span.error id="f-text-error" { "Note " (err) } }
                }
                button.capture-save type="submit" { "Save note" }
            }
            h2 { "Notes captured here" }
            @if notes.is_empty() { p.muted { "None yet." } }
            ul.notes {
                @for n in notes {
                    li {
                        span.badge { (n.kind.replace('_', " ")) } " "
                        strong { (n.contact_name.clone().unwrap_or_default()) } span.muted { " · " (n.account_name.clone().unwrap_or_default()) " · " (n.date.to_string()) }
                        div { (n.text) }
                    }
                }
            }
        },
    )
}

async fn load_capture(
    st: &AppState,
    id: i64,
) -> Result<(Event, Vec<Guest>, Vec<EventNote>), PageError> {
    Ok(st
        .run(move |s| Ok((s.get_event(id)?, s.list_guests(id)?, s.event_notes(id, 30)?)))
        .await?)
}

async fn capture(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query,
) -> Result<Markup, PageError> {
    require_page(Permission::WriteEvidence)?;
    let id = id_of(&id)?;
    let (ev, g, n) = load_capture(&st, id).await?;
    let mut f = Fields::new();
    if !q.get("contact_id").is_empty() {
        f.set("contact_id", q.get("contact_id"));
    }
    Ok(capture_page(
        &ev,
        &g,
        &n,
        &f,
        &FieldErrors::new(),
        q.get("notice"),
    ))
}

async fn capture_post(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    require_page(Permission::WriteEvidence)?;
    let id = id_of(&id)?;
    let errors = match CaptureData::from_fields(&f) {
        Ok(d) => {
            let contact = d.contact_id;
            match st.run(move |s| s.capture_note(id, &d, today())).await {
                // Keep the guest chosen: the next note is often about the same person.
                Ok(_) => {
                    return Ok(redirect(format!(
                        "/events/{id}/capture?notice=created&contact_id={contact}"
                    )))
                }
                Err(e) => form_errors(e)?,
            }
        }
        Err(e) => e,
    };
    let (ev, g, n) = load_capture(&st, id).await?;
    Ok(invalid(capture_page(&ev, &g, &n, &f, &errors, "")))
}

// ---- outcomes (D6) ----

fn outcomes_view(ev: &Event, o: &EventOutcomes) -> Markup {
    let oc = &o.outcomes;
    page(
        &format!("Outcomes of {}", ev.data.name),
        "events",
        html! {
            (tabs(ev, "outcomes"))
            div.grid {
                div.card.stat { div.label { "Guests who attended" } div.value { (o.guests_attended) } div.note { "of " (o.guests_invited) " invited, from " (oc.accounts_attended) " accounts" } }
                div.card.stat { div.label { "Prospects who attended" } div.value { (oc.prospects) } }
                div.card.stat id="conversion" { div.label { "Conversion rate" } div.value { @match oc.conversion_rate { Some(r) => { (pct(r)) }, None => { "—" } } } div.note { (oc.converted.len()) " became customers after the event" } }
                div.card.stat { div.label { "Revenue influenced" } div.value { (money(oc.revenue_influenced)) } div.note { "annual revenue of the converted" } }
                div.card.stat { div.label { "Open pipeline" } div.value { (money(oc.open_pipeline)) } div.note { (oc.open_prospects.len()) " attending prospects not yet customers" } }
                div.card.stat { div.label { "Notes captured" } div.value { (o.notes_captured) } }
            }
            div.grid.two {
                div.card {
                    h2 { "Became customers" }
                    div.table-wrap { table {
                        thead { tr { th { "Account" } th { "Customer since" } th.num { "Annual revenue" } } }
                        tbody {
                            @for a in &oc.converted { tr { td { a href=(format!("/accounts/{}", a.account_id)) { (a.account_name) } } td { (a.customer_since.map(|d| d.to_string()).unwrap_or_default()) } td.num { (money(a.annual_revenue)) } } }
                            @if oc.converted.is_empty() { tr { td colspan="3" .muted { "None yet." } } }
                        }
                    } }
                    h3 { "Still prospects" }
                    ul { @for a in &oc.open_prospects { li { a href=(format!("/accounts/{}", a.account_id)) { (a.account_name) } " · " (money(a.annual_revenue)) } } @if oc.open_prospects.is_empty() { li.muted { "None." } } }
                }
                div.card {
                    h2 { "Advocates who spoke" }
                    ul {
                        @for s in &o.advocates_who_spoke { li { a href=(format!("/advocates/{}", s.contact_id)) { (s.name) } ", " (s.account_name) div.small.muted { (s.sessions.join("; ")) } } }
                        @if o.advocates_who_spoke.is_empty() { li.muted { "No customer spoke." } }
                    }
                }
            }
        },
    )
}

async fn outcomes_page(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    require_page(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    let (ev, o) = st
        .run(move |s| Ok((s.get_event(id)?, s.event_outcomes(id)?)))
        .await?;
    Ok(outcomes_view(&ev, &o))
}

// ---- community sessions (D8) ----

async fn community(State(st): State<AppState>, Query(q): Query) -> Result<Markup, PageError> {
    require_page(Permission::ReadCustomers)?;
    let city = q.get("city").trim().to_string();
    let topic = q.get("topic").trim().to_string();
    let mut e = FieldErrors::new();
    if city.chars().count() > 100 {
        e.add("city", "is too long (at most 100 characters)");
    }
    if topic.chars().count() > 100 {
        e.add("topic", "is too long (at most 100 characters)");
    }
    let (c2, t2) = (city.clone(), topic.clone());
    let ok = e.is_empty();
    let (cities, found) = st
        .run(move |s| {
            let found = if ok && !c2.is_empty() {
                Some(s.community_presenters(
                    &c2,
                    Some(&t2).filter(|t| !t.is_empty()).map(|t| t.as_str()),
                    today(),
                    20,
                )?)
            } else {
                None
            };
            Ok((s.advocate_cities(30)?, found))
        })
        .await?;
    Ok(page(
        "Community sessions",
        "events",
        html! {
            p.subtitle { a href="/events" { "← Events" } }
            div.page-head { div { h1 { "Community sessions" } p.subtitle { "Local Rock Star customers presenting to their peers: propose presenters for a city and topic" } } }
            (error_summary(&e))
            form.filters method="get" action="/community" {
                div.field { label for="f-city" { "City" } input id="f-city" name="city" list="cities" value=(city) required; datalist id="cities" { @for (c, n) in &cities { option value=(c) { (n) " contacts" } } } @if let Some(x) = e.get("city") { span.error { "City " (x) } } }
                div.field { label for="f-topic" { "Topic" } input id="f-topic" name="topic" value=(topic) placeholder="e.g. supply chain"; @if let Some(x) = e.get("topic") { span.error { "Topic " (x) } } }
                button type="submit" { "Propose presenters" }
            }
            @match &found {
                None => { p.muted { "Choose a city (and a topic) to see local advocates who could present." } },
                Some(list) if list.is_empty() => { p.muted { "No available Rock Star or stage-loving advocate in " (city) @if !topic.is_empty() { " for " (topic) } " yet. Try another topic, or grow the program there." } },
                Some(list) => {
                    div.table-wrap { table {
                        thead { tr { th { "Advocate" } th { "Customer" } th { "Industry" } th.num { "Score" } th { "Why" } } }
                        tbody { @for s in list { tr {
                            td { a href=(format!("/advocates/{}", s.contact_id)) { (s.name) } @if s.rock_star { " " span.badge.good { "Rock Star" } } }
                            td { a href=(format!("/accounts/{}", s.account_id)) { (s.account_name) } }
                            td { (s.industry.clone().unwrap_or_default()) }
                            td.num { (s.score) }
                            td.small { (s.why) }
                        } } }
                    } }
                },
            }
        },
    ))
}

// ---- the dashboard's stage balance (D2) ----

/// Customers' share of main-stage sessions and minutes at recent events, against each
/// event's target: a chart and the table of its numbers.
pub(crate) fn stage_balance_card(rows: &[peerstage_store::StageBalanceRow]) -> Markup {
    use super::charts::{column_chart, Series};
    let share = |a: usize, b: usize| (b > 0).then(|| a as f64 / b as f64 * 100.0);
    let labels: Vec<String> = rows
        .iter()
        .map(|r| {
            let n: String = r.name.chars().take(14).collect();
            if r.name.chars().count() > 14 {
                format!("{}…", n.trim_end())
            } else {
                n
            }
        })
        .collect();
    let sessions: Vec<Option<f64>> = rows
        .iter()
        .map(|r| share(r.customer_main_sessions, r.main_sessions))
        .collect();
    let minutes: Vec<Option<f64>> = rows
        .iter()
        .map(|r| {
            (r.main_minutes > 0)
                .then(|| r.customer_main_minutes as f64 / r.main_minutes as f64 * 100.0)
        })
        .collect();
    html! {
        div.card id="stage-balance" {
            h3 { "Stage balance of events" }
            @if rows.is_empty() {
                p.muted { "No events yet. " a href="/events" { "Plan one →" } }
            } @else {
                div.grid.two {
                    div {
                (column_chart("Customers' share of the main stage, %", &labels, &[
                    Series { name: "Sessions", color: "#2f5bd3", values: sessions.clone() },
                    Series { name: "Minutes", color: "#1f8a4c", values: minutes.clone() },
                ], false))
                    }
                    div {
                div.table-wrap { table {
                    thead { tr { th { "Event" } th { "Date" } th.num { "Sessions" } th.num { "Minutes" } th.num { "Target" } th {} } }
                    tbody {
                        @for (i, r) in rows.iter().enumerate() {
                            @let low = sessions[i].is_some_and(|v| v + 1e-7 < r.target * 100.0) || minutes[i].is_some_and(|v| v + 1e-7 < r.target * 100.0);
                            tr {
                                td { a href=(format!("/events/{}", r.event_id)) { (r.name) } }
                                td.nowrap { (r.starts_on.to_string()) }
                                td.num { (r.customer_main_sessions) " of " (r.main_sessions) @if let Some(v) = sessions[i] { " (" (format!("{v:.0}%")) ")" } }
                                td.num { (r.customer_main_minutes) " of " (r.main_minutes) @if let Some(v) = minutes[i] { " (" (format!("{v:.0}%")) ")" } }
                                td.num { (share_text(r.target)) }
                                td { @if r.main_sessions == 0 { span.badge { "no main stage" } } @else if low { span.badge.bad { "below target" } } @else { span.badge.good { "OK" } } }
                            }
                        }
                    }
                } }
                    }
                }
                p.small { a href="/events" { "All events →" } }
            }
        }
    }
}
