//! JSON API for strategy sessions and action plans (C7).

use super::{id_of, ApiResult};
use crate::auth::require_api;
use crate::error::ApiError;
use crate::extract::{merged, only_known, JsonFields, Query};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use peerstage_core::strategy::{
    ActionData, ActionStatus, ItemData, SessionData, ACTION_FIELDS, ITEM_FIELDS, SESSION_FIELDS,
};
use peerstage_core::{FieldErrors, Permission};
use peerstage_store::ActionFilter;
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/strategy/sessions",
            get(list_sessions).post(create_session),
        )
        .route(
            "/strategy/sessions/{id}",
            get(get_session).put(update_session).delete(delete_session),
        )
        .route("/strategy/sessions/{id}/items", post(add_item))
        .route("/strategy/items/{id}", put(update_item).delete(delete_item))
        .route("/actions", get(list_actions).post(create_action))
        .route("/actions/by-owner", get(by_owner))
        .route("/actions/progress", get(progress))
        .route(
            "/actions/{id}",
            get(get_action).put(update_action).delete(delete_action),
        )
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or_default()
}

fn created<T: serde::Serialize>(v: &T) -> Response {
    (StatusCode::CREATED, Json(to_json(v))).into_response()
}

async fn list_sessions(State(st): State<AppState>) -> ApiResult<Json<Value>> {
    require_api(Permission::ReadCustomers)?;
    let items = st.run(|s| s.list_strategy_sessions()).await?;
    Ok(Json(json!({ "items": items })))
}

async fn create_session(
    State(st): State<AppState>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::ManageInsights)?;
    only_known(&f, SESSION_FIELDS)?;
    let d = SessionData::from_fields(&f)?;
    let s = st.run(move |s| s.create_strategy_session(&d)).await?;
    Ok(created(&s))
}

async fn get_session(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    require_api(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    let d = st.run(move |s| s.get_strategy_session(id)).await?;
    Ok(Json(to_json(&d)))
}

async fn update_session(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Json<Value>> {
    require_api(Permission::ManageInsights)?;
    let id = id_of(&id)?;
    only_known(&f, SESSION_FIELDS)?;
    let current = st.run(move |s| s.get_strategy_session(id)).await?;
    let d = SessionData::from_fields(&merged(current.session.data.to_fields(), &f))?;
    let s = st.run(move |s| s.update_strategy_session(id, &d)).await?;
    Ok(Json(to_json(&s)))
}

async fn delete_session(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    require_api(Permission::ManageInsights)?;
    let id = id_of(&id)?;
    st.run(move |s| s.delete_strategy_session(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn add_item(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::ManageInsights)?;
    let id = id_of(&id)?;
    only_known(&f, ITEM_FIELDS)?;
    let d = ItemData::from_fields(&f)?;
    let it = st.run(move |s| s.add_session_item(id, &d)).await?;
    Ok(created(&it))
}

/// Only the discussion notes of an item change.
async fn update_item(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Json<Value>> {
    require_api(Permission::ManageInsights)?;
    let id = id_of(&id)?;
    only_known(&f, &["discussion"])?;
    let text = f.get("discussion").to_string();
    let it = st
        .run(move |s| s.set_item_discussion(id, Some(&text)))
        .await?;
    Ok(Json(to_json(&it)))
}

async fn delete_item(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<StatusCode> {
    require_api(Permission::ManageInsights)?;
    let id = id_of(&id)?;
    st.run(move |s| s.remove_session_item(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `status` (open, in_progress, done), `open=yes` (open and in progress), `owner`,
/// `session_id`.
async fn list_actions(State(st): State<AppState>, Query(q): Query) -> ApiResult<Json<Value>> {
    require_api(Permission::ReadCustomers)?;
    only_known(&q, &["status", "open", "owner", "session_id"])?;
    let mut e = FieldErrors::new();
    let status = match q.get("status").trim() {
        "" => None,
        s => e.check("status", ActionStatus::parse(s)),
    };
    let not_done = e
        .check("open", peerstage_core::parse::bool_or(q.get("open"), false))
        .unwrap_or(false);
    let session_id = e
        .check(
            "session_id",
            peerstage_core::parse::optional_int(q.get("session_id"), 1, i64::MAX),
        )
        .flatten();
    if !e.is_empty() {
        return Err(ApiError::invalid(e));
    }
    let owner = Some(q.get("owner").trim().to_string()).filter(|o| !o.is_empty());
    let f = ActionFilter {
        status,
        not_done,
        owner,
        session_id,
    };
    let items = st.run(move |s| s.list_actions(&f)).await?;
    Ok(Json(json!({ "items": items })))
}

/// Open actions grouped by owner, with the evidence and themes behind each.
async fn by_owner(State(st): State<AppState>) -> ApiResult<Json<Value>> {
    require_api(Permission::ReadCustomers)?;
    let groups = st.run(|s| s.open_actions_by_owner()).await?;
    Ok(Json(json!({
        "owners": groups.iter().map(|(o, v)| json!({"owner": o, "open": v.len(), "actions": v})).collect::<Vec<_>>()
    })))
}

/// Done against open per month (`months`, default 12, at most 60).
async fn progress(State(st): State<AppState>, Query(q): Query) -> ApiResult<Json<Value>> {
    require_api(Permission::ReadCustomers)?;
    only_known(&q, &["months"])?;
    let months = peerstage_core::parse::optional_int(q.get("months"), 1, 60)
        .map_err(|e| ApiError::invalid(FieldErrors::single("months", e)))?
        .unwrap_or(12) as u32;
    let t = today();
    let p = st.run(move |s| s.action_progress(t, months)).await?;
    Ok(Json(json!({ "months": p })))
}

async fn create_action(
    State(st): State<AppState>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::ManageInsights)?;
    only_known(&f, ACTION_FIELDS)?;
    let d = ActionData::from_fields(&f)?;
    let t = today();
    let a = st.run(move |s| s.create_action(&d, t)).await?;
    Ok(created(&a))
}

async fn get_action(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    require_api(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    let a = st.run(move |s| s.get_action(id)).await?;
    Ok(Json(to_json(&a)))
}

/// Fields left out keep their values; `status: done` records the day.
async fn update_action(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Json<Value>> {
    require_api(Permission::ManageInsights)?;
    let id = id_of(&id)?;
    only_known(&f, ACTION_FIELDS)?;
    let current = st.run(move |s| s.get_action(id)).await?;
    let d = ActionData::from_fields(&merged(current.action.data.to_fields(), &f))?;
    let t = today();
    let a = st.run(move |s| s.update_action(id, &d, t)).await?;
    Ok(Json(to_json(&a)))
}

async fn delete_action(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    require_api(Permission::ManageInsights)?;
    let id = id_of(&id)?;
    st.run(move |s| s.delete_action(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// C7 in the OpenAPI document.
pub(super) fn openapi_paths(paths: &mut serde_json::Map<String, Value>) {
    let resp = |ok: &str, what: &str| {
        json!({
            ok: {"description": what, "content": {"application/json": {}}},
            "400": {"$ref": "#/components/responses/Error"},
            "401": {"$ref": "#/components/responses/Error"},
            "403": {"$ref": "#/components/responses/Error"},
            "404": {"$ref": "#/components/responses/Error"},
            "409": {"$ref": "#/components/responses/Error"},
            "422": {"$ref": "#/components/responses/Error"}
        })
    };
    let id = json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}]);
    let statuses: Vec<&str> = ActionStatus::ALL.iter().map(|s| s.as_str()).collect();
    let session = json!({"type": "object", "additionalProperties": false, "properties": {
        "title": {"type": "string"}, "held_on": {"type": "string", "format": "date"},
        "attendees": {"type": "string"}, "notes": {"type": "string"}
    }});
    let action = json!({"type": "object", "additionalProperties": false, "properties": {
        "title": {"type": "string"}, "owner": {"type": "string"},
        "due_on": {"type": "string", "format": "date"}, "status": {"type": "string", "enum": statuses},
        "session_id": {"type": ["integer", "string", "null"]}, "notes": {"type": "string"},
        "evidence_ids": {"type": "array", "items": {"type": "integer"}, "description": "the evidence that drove it"},
        "theme_ids": {"type": "array", "items": {"type": "integer"}, "description": "the themes (C4) behind it; a theme that later goes away keeps its label"}
    }});
    let body = |schema: &Value| json!({"required": true, "content": {"application/json": {"schema": schema}}});
    paths.insert("/api/v1/strategy/sessions".into(), json!({
        "get": {"summary": "Strategy sessions, latest first, with counts of items and (open) actions", "tags": ["strategy"], "responses": resp("200", "The sessions")},
        "post": {"summary": "Create a session (ManageInsights)", "tags": ["strategy"], "requestBody": body(&session), "responses": resp("201", "The session")}
    }));
    paths.insert("/api/v1/strategy/sessions/{id}".into(), json!({
        "parameters": id.clone(),
        "get": {"summary": "A session with the recordings and evidence reviewed (with discussion notes) and its actions", "tags": ["strategy"], "responses": resp("200", "The session")},
        "put": {"summary": "Change a session (ManageInsights); omitted fields keep their values", "tags": ["strategy"], "requestBody": body(&session), "responses": resp("200", "The session")},
        "delete": {"summary": "Delete a session and its items; its actions stay (ManageInsights)", "tags": ["strategy"], "responses": {"204": {"description": "Deleted"}}}
    }));
    paths.insert("/api/v1/strategy/sessions/{id}/items".into(), json!({
        "parameters": id.clone(),
        "post": {"summary": "Add a recording (media_id; it needs consent to internal use) or a piece of evidence (evidence_id) to review, with discussion notes (ManageInsights)", "tags": ["strategy"],
            "requestBody": body(&json!({"type": "object", "additionalProperties": false, "properties": {"media_id": {"type": "integer"}, "evidence_id": {"type": "integer"}, "discussion": {"type": "string"}}})),
            "responses": resp("201", "The item")}
    }));
    paths.insert("/api/v1/strategy/items/{id}".into(), json!({
        "parameters": id.clone(),
        "put": {"summary": "Write an item's discussion notes (ManageInsights)", "tags": ["strategy"],
            "requestBody": body(&json!({"type": "object", "additionalProperties": false, "properties": {"discussion": {"type": "string"}}})),
            "responses": resp("200", "The item")},
        "delete": {"summary": "Remove an item from its session (ManageInsights)", "tags": ["strategy"], "responses": {"204": {"description": "Removed"}}}
    }));
    paths.insert("/api/v1/actions".into(), json!({
        "get": {"summary": "Action items by owner and due date, each with the evidence and themes behind it", "tags": ["strategy"],
            "parameters": [
                {"name": "status", "in": "query", "schema": {"type": "string", "enum": statuses}},
                {"name": "open", "in": "query", "schema": {"type": "string"}, "description": "yes: open and in progress"},
                {"name": "owner", "in": "query", "schema": {"type": "string"}},
                {"name": "session_id", "in": "query", "schema": {"type": "integer"}}
            ],
            "responses": resp("200", "The actions")},
        "post": {"summary": "Create an action item (ManageInsights)", "tags": ["strategy"], "requestBody": body(&action), "responses": resp("201", "The action")}
    }));
    paths.insert("/api/v1/actions/by-owner".into(), json!({
        "get": {"summary": "Open actions (open and in progress) grouped by owner, with what drove them", "tags": ["strategy"], "responses": resp("200", "The owners")}
    }));
    paths.insert("/api/v1/actions/progress".into(), json!({
        "get": {"summary": "Done against open per month: created, done in the month, done by month end, open at month end", "tags": ["strategy"],
            "parameters": [{"name": "months", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 60}}],
            "responses": resp("200", "The months")}
    }));
    paths.insert("/api/v1/actions/{id}".into(), json!({
        "parameters": id,
        "get": {"summary": "An action with the evidence and themes behind it", "tags": ["strategy"], "responses": resp("200", "The action")},
        "put": {"summary": "Change an action (ManageInsights); omitted fields keep their values; status done records the day, reopening clears it", "tags": ["strategy"], "requestBody": body(&action), "responses": resp("200", "The action")},
        "delete": {"summary": "Delete an action (ManageInsights)", "tags": ["strategy"], "responses": {"204": {"description": "Deleted"}}}
    }));
}
