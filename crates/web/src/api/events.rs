//! JSON API for customer events (D1–D8): events, rooms, sessions, speakers, the agenda with
//! its problems and stage checks, guests and introductions, briefing packs, notes captured
//! at the event, outcomes, community presenters, and the iCalendar and CSV exports.

use super::{created, id_of, ApiResult};
use crate::auth::require_api;
use crate::error::ApiError;
use crate::extract::{merged, only_known, JsonFields, Query};
use crate::html::events::ICS_HOST;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use peerstage_core::event::{
    CaptureData, EventData, GuestData, RoomData, SessionData, SpeakerData, CAPTURE_FIELDS,
    EVENT_FIELDS, GUEST_FIELDS, ROOM_FIELDS, SESSION_FIELDS, SPEAKER_FIELDS,
};
use peerstage_core::{FieldErrors, Permission};
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/events", get(list).post(create))
        .route("/events/{id}", get(show).put(update).delete(remove))
        .route("/events/{id}/agenda", get(agenda))
        .route("/events/{id}/rooms", post(add_room))
        .route("/events/{id}/rooms/{room}", delete(remove_room))
        .route("/events/{id}/sessions", post(add_session))
        .route("/events/{id}/ics", get(event_ics))
        .route("/events/{id}/guests", get(guests).post(add_guest))
        .route("/events/{id}/guests.csv", get(guests_csv))
        .route("/events/{id}/guests/account", post(add_account_guests))
        .route("/events/{id}/introductions", get(introductions))
        .route("/events/{id}/briefing/{contact}", get(briefing))
        .route("/events/{id}/notes", get(notes).post(capture))
        .route("/events/{id}/outcomes", get(outcomes))
        .route(
            "/sessions/{id}",
            get(show_session).put(update_session).delete(remove_session),
        )
        .route("/sessions/{id}/speakers", post(add_speaker))
        .route("/sessions/{id}/ics", get(session_ics))
        .route("/speakers/{id}", delete(remove_speaker))
        .route(
            "/guests/{id}",
            get(show_guest).put(update_guest).delete(remove_guest),
        )
        .route("/events/stage-balance", get(stage_balance))
        .route("/community", get(community))
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

fn file(content_type: &str, name: String, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

// ---- events ----

async fn list(State(st): State<AppState>) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    Ok(Json(json!({"items": st.run(|s| s.list_events()).await?})).into_response())
}

async fn show(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    let (e, rooms) = st
        .run(move |s| Ok((s.get_event(id)?, s.list_rooms(id)?)))
        .await?;
    let mut v = serde_json::to_value(&e).unwrap_or_default();
    v["rooms"] = json!(rooms);
    Ok(Json(v).into_response())
}

async fn create(State(st): State<AppState>, JsonFields(f): JsonFields) -> ApiResult<Response> {
    require_api(Permission::ManageEvents)?;
    only_known(&f, EVENT_FIELDS)?;
    let d = EventData::from_fields(&f)?;
    Ok(created(st.run(move |s| s.create_event(&d)).await?))
}

async fn update(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::ManageEvents)?;
    let id = id_of(&id)?;
    only_known(&f, EVENT_FIELDS)?;
    let current = st.run(move |s| s.get_event(id)).await?;
    let d = EventData::from_fields(&merged(current.data.to_fields(), &f))?;
    Ok(Json(st.run(move |s| s.update_event(id, &d)).await?).into_response())
}

async fn remove(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::ManageEvents)?;
    let id = id_of(&id)?;
    st.run(move |s| s.delete_event(id)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Sessions with speakers, broken rules and stage checks with suggested advocates.
async fn agenda(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    Ok(Json(st.run(move |s| s.agenda(id, today(), 5)).await?).into_response())
}

async fn stage_balance(State(st): State<AppState>) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    Ok(Json(json!({"items": st.run(|s| s.stage_balance(12)).await?})).into_response())
}

// ---- rooms ----

async fn add_room(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::ManageEvents)?;
    let id = id_of(&id)?;
    only_known(&f, ROOM_FIELDS)?;
    let d = RoomData::from_fields(&f)?;
    Ok(created(st.run(move |s| s.add_room(id, &d)).await?))
}

async fn remove_room(
    State(st): State<AppState>,
    Path((id, room)): Path<(String, String)>,
) -> ApiResult<Response> {
    require_api(Permission::ManageEvents)?;
    let (id, room) = (id_of(&id)?, id_of(&room)?);
    st.run(move |s| {
        if !s.list_rooms(id)?.iter().any(|r| r.id == room) {
            return Err(peerstage_store::StoreError::NotFound {
                what: "room",
                id: room,
            });
        }
        s.delete_room(room)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---- sessions and speakers ----

async fn add_session(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::ManageEvents)?;
    let id = id_of(&id)?;
    only_known(&f, SESSION_FIELDS)?;
    let ev = st.run(move |s| s.get_event(id)).await?;
    let d = SessionData::from_fields(&f, &ev.data)?;
    Ok(created(st.run(move |s| s.add_session(id, &d)).await?))
}

async fn show_session(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    Ok(Json(st.run(move |s| s.get_session(id)).await?).into_response())
}

async fn update_session(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::ManageEvents)?;
    let id = id_of(&id)?;
    only_known(&f, SESSION_FIELDS)?;
    let (current, ev) = st
        .run(move |s| {
            let c = s.get_session(id)?;
            let e = s.get_event(c.event_id)?;
            Ok((c, e))
        })
        .await?;
    let d = SessionData::from_fields(&merged(current.data.to_fields(), &f), &ev.data)?;
    Ok(Json(st.run(move |s| s.update_session(id, &d)).await?).into_response())
}

async fn remove_session(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::ManageEvents)?;
    let id = id_of(&id)?;
    st.run(move |s| s.delete_session(id)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn add_speaker(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::ManageEvents)?;
    let id = id_of(&id)?;
    only_known(&f, SPEAKER_FIELDS)?;
    let d = SpeakerData::from_fields(&f)?;
    Ok(created(st.run(move |s| s.add_speaker(id, &d)).await?))
}

async fn remove_speaker(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::ManageEvents)?;
    let id = id_of(&id)?;
    st.run(move |s| s.delete_speaker(id)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---- exports ----

async fn event_ics(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    let body = st.run(move |s| s.event_ics(id, None, ICS_HOST)).await?;
    Ok(file(
        "text/calendar; charset=utf-8",
        format!("event-{id}.ics"),
        body,
    ))
}

async fn session_ics(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    let body = st
        .run(move |s| {
            let session = s.get_session(id)?;
            s.event_ics(session.event_id, Some(id), ICS_HOST)
        })
        .await?;
    Ok(file(
        "text/calendar; charset=utf-8",
        format!("session-{id}.ics"),
        body,
    ))
}

async fn guests_csv(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    let body = st.run(move |s| s.guests_csv(id)).await?;
    Ok(file(
        "text/csv; charset=utf-8",
        format!("event-{id}-guests.csv"),
        body,
    ))
}

// ---- guests ----

async fn guests(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    Ok(Json(json!({"items": st.run(move |s| s.list_guests(id)).await?})).into_response())
}

async fn add_guest(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::ManageEvents)?;
    let id = id_of(&id)?;
    only_known(&f, GUEST_FIELDS)?;
    let d = GuestData::from_fields(&f)?;
    Ok(created(st.run(move |s| s.add_guest(id, &d)).await?))
}

/// Invites every contact of an account not yet on the list (and not do-not-contact):
/// `{"account_id", "invited_on"?}`; answers with the guests added.
async fn add_account_guests(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::ManageEvents)?;
    let id = id_of(&id)?;
    only_known(&f, &["account_id", "invited_on"])?;
    let mut e = FieldErrors::new();
    let account = e.check(
        "account_id",
        peerstage_core::parse::optional_int(f.get("account_id"), 1, i64::MAX)
            .and_then(|v| v.ok_or_else(|| "is required".to_string())),
    );
    let invited = e.check(
        "invited_on",
        peerstage_core::parse::optional_date(f.get("invited_on")),
    );
    let (account, invited) = e.into_result(|| (account.unwrap(), invited.unwrap()))?;
    let added = st
        .run(move |s| s.add_account_guests(id, account, invited.or(Some(today()))))
        .await?;
    Ok(created(json!({"added": added.len(), "items": added})))
}

async fn show_guest(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    Ok(Json(st.run(move |s| s.get_guest(id)).await?).into_response())
}

/// RSVP, attendance, rep, key guest, wishes; the contact stays.
async fn update_guest(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::ManageEvents)?;
    let id = id_of(&id)?;
    only_known(&f, GUEST_FIELDS)?;
    let current = st.run(move |s| s.get_guest(id)).await?;
    let d = GuestData::from_fields(&merged(current.data.to_fields(), &f))?;
    Ok(Json(st.run(move |s| s.update_guest(id, &d)).await?).into_response())
}

async fn remove_guest(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::ManageEvents)?;
    let id = id_of(&id)?;
    st.run(move |s| s.delete_guest(id)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn introductions(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    Ok(Json(json!({"items": st.run(move |s| s.introductions(id)).await?})).into_response())
}

async fn briefing(
    State(st): State<AppState>,
    Path((id, contact)): Path<(String, String)>,
) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let (id, contact) = (id_of(&id)?, id_of(&contact)?);
    Ok(Json(st.run(move |s| s.briefing(id, contact)).await?).into_response())
}

// ---- capture and outcomes ----

async fn notes(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    Ok(Json(json!({"items": st.run(move |s| s.event_notes(id, 500)).await?})).into_response())
}

/// A note about a guest: `{"contact_id", "kind", "text", "date"?}`; answers with the
/// evidence it became.
async fn capture(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::WriteEvidence)?;
    let id = id_of(&id)?;
    only_known(&f, CAPTURE_FIELDS)?;
    let d = CaptureData::from_fields(&f)?;
    let ev = st
        .run(move |s| {
            let eid = s.capture_note(id, &d, today())?;
            s.get_evidence(eid)
        })
        .await?;
    let mut v = serde_json::to_value(&ev).unwrap_or_default();
    v["event_id"] = json!(id);
    Ok(created(v))
}

async fn outcomes(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    Ok(Json(st.run(move |s| s.event_outcomes(id)).await?).into_response())
}

/// `?city=` (required) and `?topic=`: local advocates who could present.
async fn community(State(st): State<AppState>, Query(q): Query) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let city = q.get("city").trim().to_string();
    let topic = q.get("topic").trim().to_string();
    if city.is_empty() {
        // Without a city, the cities to choose from (most contacts first).
        let cities = st.run(|s| s.advocate_cities(50)).await?;
        let cities: Vec<serde_json::Value> = cities
            .into_iter()
            .map(|(c, n)| json!({"city": c, "contacts": n}))
            .collect();
        return Ok(Json(json!({"city": null, "items": [], "cities": cities})).into_response());
    }
    if city.chars().count() > 100 || topic.chars().count() > 100 {
        return Err(ApiError::invalid(FieldErrors::single(
            if city.chars().count() > 100 {
                "city"
            } else {
                "topic"
            },
            "is too long (at most 100 characters)",
        )));
    }
    let list = st
        .run(move |s| {
            let t = (!topic.is_empty()).then_some(topic.as_str());
            s.community_presenters(&city, t, today(), 50)
        })
        .await?;
    Ok(Json(json!({"items": list})).into_response())
}

// ---- OpenAPI ----

use super::openapi::{id_param, input_schema, op, query, with_body};
use serde_json::{Map, Value};

fn answer(mut m: Map<String, Value>, code: &str, description: &str) -> Map<String, Value> {
    if let Some(r) = m.get_mut("responses").and_then(Value::as_object_mut) {
        r.remove("200");
        r.insert(code.into(), json!({"description": description}));
    }
    m
}

fn file_answer(mut m: Map<String, Value>, media: &str) -> Map<String, Value> {
    if let Some(r) = m.get_mut("responses").and_then(Value::as_object_mut) {
        r.insert(
            "200".into(),
            json!({"description": "The file", "content": {media: {}}}),
        );
    }
    m
}

fn sub_param(name: &str) -> Value {
    json!([
        {"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}},
        {"name": name, "in": "path", "required": true, "schema": {"type": "integer"}}
    ])
}

const TAG: &str = "events";

/// The events paths of the OpenAPI document (D1–D8).
pub(super) fn openapi_paths(paths: &mut Map<String, Value>) {
    let created = |summary: &str, schema: &str| {
        let mut m = answer(op(summary, TAG), "201", "Created");
        m.insert("requestBody".into(), json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}}));
        Value::Object(m)
    };
    let deleted = |summary: &str| Value::Object(answer(op(summary, TAG), "204", "Deleted"));
    paths.insert(
        "/api/v1/events".into(),
        json!({
            "get": op("Events, the latest first (`items`), each with its session and guest counts", TAG),
            "post": created("Plan an event (needs ManageEvents)", "EventInput"),
        }),
    );
    paths.insert(
        "/api/v1/events/stage-balance".into(),
        json!({"get": op("Customers' share of main-stage sessions and minutes at the latest twelve events", TAG)}),
    );
    paths.insert(
        "/api/v1/events/{id}".into(),
        json!({
            "parameters": id_param(),
            "get": op("One event with its rooms", TAG),
            "put": with_body(op("Change an event; omitted fields keep their value; new dates must keep every session inside", TAG), "EventInput"),
            "delete": deleted("Delete an event with its rooms, sessions and guest list (captured notes stay as evidence)"),
        }),
    );
    paths.insert(
        "/api/v1/events/{id}/agenda".into(),
        json!({"parameters": id_param(), "get": op("Sessions with speakers, `problems` (overlaps in a room, speakers in two places) and `checks` (stage checks, each with `status`, `explanation`, `share`, `target`, `sessions` and suggested advocates)", TAG)}),
    );
    paths.insert(
        "/api/v1/events/{id}/rooms".into(),
        json!({"parameters": id_param(), "post": created("Add a room; `main_stage` marks the main stage; 409 when the name is taken", "RoomInput")}),
    );
    paths.insert(
        "/api/v1/events/{id}/rooms/{room}".into(),
        json!({"parameters": sub_param("room"), "delete": deleted("Delete a room with its sessions")}),
    );
    paths.insert(
        "/api/v1/events/{id}/sessions".into(),
        json!({"parameters": id_param(), "post": created("Add a session; 422 beside `room_id` when the room is taken then, beside `start` when a speaker is elsewhere", "SessionInput")}),
    );
    paths.insert(
        "/api/v1/sessions/{id}".into(),
        json!({
            "parameters": id_param(),
            "get": op("One session with its room and speakers", TAG),
            "put": with_body(op("Change a session; omitted fields keep their value", TAG), "SessionInput"),
            "delete": deleted("Delete a session with its speakers"),
        }),
    );
    paths.insert(
        "/api/v1/sessions/{id}/speakers".into(),
        json!({"parameters": id_param(), "post": created("Add a speaker: a customer contact (`contact_id`), or staff, an academic or a partner by `name`; 422 when they speak elsewhere at the time", "SpeakerInput")}),
    );
    paths.insert(
        "/api/v1/speakers/{id}".into(),
        json!({"parameters": id_param(), "delete": deleted("Remove a speaker")}),
    );
    paths.insert(
        "/api/v1/events/{id}/ics".into(),
        json!({"parameters": id_param(), "get": file_answer(op("The event and its sessions as iCalendar (RFC 5545)", TAG), "text/calendar")}),
    );
    paths.insert(
        "/api/v1/sessions/{id}/ics".into(),
        json!({"parameters": id_param(), "get": file_answer(op("One session as iCalendar (RFC 5545)", TAG), "text/calendar")}),
    );
    paths.insert(
        "/api/v1/events/{id}/guests".into(),
        json!({
            "parameters": id_param(),
            "get": op("The guest list: RSVP, attendance, rep, key guests, at-risk accounts with their reason", TAG),
            "post": created("Invite a contact; the rep defaults to the account's owner; 409 when already invited", "GuestInput"),
        }),
    );
    paths.insert(
        "/api/v1/events/{id}/guests/account".into(),
        json!({"parameters": id_param(), "post": created("Invite every contact of an account not yet on the list (and not do-not-contact): `{\"account_id\", \"invited_on\"?}`; answers `added` and the guests", "AccountGuestsInput")}),
    );
    paths.insert(
        "/api/v1/events/{id}/guests.csv".into(),
        json!({"parameters": id_param(), "get": file_answer(op("The guest list as CSV", TAG), "text/csv")}),
    );
    paths.insert(
        "/api/v1/guests/{id}".into(),
        json!({
            "parameters": id_param(),
            "get": op("One guest", TAG),
            "put": with_body(op("Change RSVP, attendance, rep, key guest or wishes; omitted fields keep their value", TAG), "GuestInput"),
            "delete": deleted("Remove a guest from the list"),
        }),
    );
    paths.insert(
        "/api/v1/events/{id}/introductions".into(),
        json!({"parameters": id_param(), "get": op("Who each rep should introduce their guests to: every wish with the people at the event who match it", TAG)}),
    );
    paths.insert(
        "/api/v1/events/{id}/briefing/{contact}".into(),
        json!({"parameters": sub_param("contact"), "get": op("A guest's briefing pack: account facts, touchpoints, open commitments, NPS, wishes and problems, industry themes, open questions with the linter's flags", TAG)}),
    );
    paths.insert(
        "/api/v1/events/{id}/notes".into(),
        json!({
            "parameters": id_param(),
            "get": op("Notes captured at the event, newest first", TAG),
            "post": created("Capture a note about a guest (needs WriteEvidence); it becomes evidence of the event", "CaptureInput"),
        }),
    );
    paths.insert(
        "/api/v1/events/{id}/outcomes".into(),
        json!({"parameters": id_param(), "get": op("Prospects who attended and became customers after (conversion rate), revenue influenced, open pipeline, advocates who spoke", TAG)}),
    );
    let mut community = op("Local Rock Stars and advocates who value a stage, available and not fatigued, who could present in a city on a topic", TAG);
    community.insert(
        "parameters".into(),
        query(&[
            ("city", "the contact's or account's city; without it, `cities` lists the cities to choose from"),
            ("topic", "a contact topic or industry"),
        ]),
    );
    paths.insert("/api/v1/community".into(), json!({"get": community}));
}

pub(super) fn openapi_schemas() -> Map<String, Value> {
    use peerstage_core::event::{EventKind, Rsvp, SessionFocus, SessionFormat, SpeakerKind};
    let names = |all: Vec<&str>| json!({"type": "string", "enum": all});
    let mut event = input_schema(EVENT_FIELDS, &["name", "kind", "starts_on"]);
    event["properties"]["kind"] = names(EventKind::ALL.iter().map(|k| k.as_str()).collect());
    event["properties"]["starts_on"] = json!({"type": "string", "format": "date"});
    event["properties"]["ends_on"] = json!({"type": "string", "format": "date"});
    event["properties"]["time_zone"] =
        json!({"type": "string", "description": "IANA name, e.g. Europe/London (default UTC)"});
    event["properties"]["customer_target"] = json!({"type": ["number", "string"], "description": "customers' share of the main stage, at least: 1/3 (default), 40% or 0.4"});
    let mut room = input_schema(ROOM_FIELDS, &["name"]);
    room["properties"]["main_stage"] = json!({"type": ["boolean", "string"]});
    let mut session = input_schema(
        SESSION_FIELDS,
        &["room_id", "title", "format", "start", "end"],
    );
    session["properties"]["room_id"] = json!({"type": ["integer", "string"]});
    session["properties"]["format"] =
        names(SessionFormat::ALL.iter().map(|k| k.as_str()).collect());
    session["properties"]["focus"] = names(SessionFocus::ALL.iter().map(|k| k.as_str()).collect());
    session["properties"]["day"] = json!({"type": "string", "format": "date", "description": "required unless the event lasts one day"});
    session["properties"]["start"] =
        json!({"type": "string", "description": "HH:MM, the event's time zone"});
    session["properties"]["end"] =
        json!({"type": "string", "description": "HH:MM, after the start"});
    let mut speaker = input_schema(SPEAKER_FIELDS, &["kind"]);
    speaker["properties"]["kind"] = names(SpeakerKind::ALL.iter().map(|k| k.as_str()).collect());
    speaker["properties"]["contact_id"] =
        json!({"type": ["integer", "string"], "description": "required for customers"});
    let mut guest = input_schema(GUEST_FIELDS, &["contact_id"]);
    guest["properties"]["contact_id"] = json!({"type": ["integer", "string"]});
    guest["properties"]["rsvp"] = names(Rsvp::ALL.iter().map(|k| k.as_str()).collect());
    guest["properties"]["attended"] = json!({"type": ["boolean", "string"]});
    guest["properties"]["key_guest"] = json!({"type": ["boolean", "string"]});
    guest["properties"]["invited_on"] = json!({"type": "string", "format": "date"});
    guest["properties"]["wants_to_meet"] = json!({"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string", "description": "separated by ;"}]});
    let mut capture = input_schema(CAPTURE_FIELDS, &["contact_id", "kind", "text"]);
    capture["properties"]["contact_id"] =
        json!({"type": ["integer", "string"], "description": "a guest of the event"});
    capture["properties"]["kind"] = names(
        peerstage_core::event::CAPTURE_KINDS
            .iter()
            .map(|k| k.as_str())
            .collect(),
    );
    capture["properties"]["date"] = json!({"type": "string", "format": "date"});
    let mut m = Map::new();
    m.insert("EventInput".into(), event);
    m.insert("RoomInput".into(), room);
    m.insert("SessionInput".into(), session);
    m.insert("SpeakerInput".into(), speaker);
    m.insert("GuestInput".into(), guest);
    m.insert("CaptureInput".into(), capture);
    m.insert(
        "AccountGuestsInput".into(),
        json!({"type": "object", "properties": {"account_id": {"type": ["integer", "string"]}, "invited_on": {"type": "string", "format": "date"}}, "required": ["account_id"], "additionalProperties": false}),
    );
    m
}
