//! JSON API for stories (B5). Each story carries its `spin_flags`, computed by
//! `core::story::spin_flags`, with the reason for each.

use super::{id_of, ApiResult};
use crate::auth::require_api;
use crate::extract::{merged, only_known, JsonFields, Query};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use peerstage_core::story::{spin_flags, Story, StoryData, StoryQuery, STORY_FIELDS};
use peerstage_core::Permission;
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/stories", get(list).post(create))
        .route("/stories/{id}", get(one).put(update).delete(delete))
}

/// A story with its spin flags: `[{"flag": "no_downside", "reason": "…"}]`, empty when authentic.
pub(crate) fn story_json(s: &Story) -> Value {
    let mut v = serde_json::to_value(s).unwrap_or_default();
    let flags: Vec<Value> = spin_flags(s)
        .iter()
        .map(|f| json!({"flag": f.as_str(), "label": f.label(), "reason": f.explanation()}))
        .collect();
    v["spin"] = json!(!flags.is_empty());
    v["spin_flags"] = Value::Array(flags);
    v
}

async fn list(State(st): State<AppState>, Query(q): Query) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let query = StoryQuery::from_fields(&q)?;
    let page = st.run(move |s| s.list_stories(&query)).await?;
    let items: Vec<Value> = page.items.iter().map(story_json).collect();
    Ok(Json(
        json!({"items": items, "total": page.total, "page": page.page, "per_page": page.per_page}),
    )
    .into_response())
}

async fn one(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    Ok(Json(story_json(&st.run(move |s| s.get_story(id)).await?)).into_response())
}

async fn create(State(st): State<AppState>, JsonFields(f): JsonFields) -> ApiResult<Response> {
    require_api(Permission::ManageAdvocates)?;
    only_known(&f, STORY_FIELDS)?;
    let d = StoryData::from_fields(&f)?;
    let s = st.run(move |s| s.create_story(&d)).await?;
    Ok((StatusCode::CREATED, Json(story_json(&s))).into_response())
}

/// Omitted fields keep their value; `contact_ids` and `media_links` replace the lists.
async fn update(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::ManageAdvocates)?;
    let id = id_of(&id)?;
    only_known(&f, STORY_FIELDS)?;
    let current = st.run(move |s| s.get_story(id)).await?;
    let d = StoryData::from_fields(&merged(current.data.to_fields(), &f))?;
    Ok(Json(story_json(&st.run(move |s| s.update_story(id, &d)).await?)).into_response())
}

async fn delete(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::ManageAdvocates)?;
    let id = id_of(&id)?;
    st.run(move |s| s.delete_story(id)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
