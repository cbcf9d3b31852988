//! JSON API for search (C3), themes (C4) and customer language (C5).

use crate::auth::{can, require_api};
use crate::error::ApiError;
use crate::extract::{only_known, JsonFields, Query};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use peerstage_core::search::{SearchQuery, SEARCH_FIELDS};
use peerstage_core::{FieldErrors, Permission};
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/search", get(search))
        .route("/themes", get(themes).post(create_theme))
        .route("/themes/refresh", post(refresh))
        .route("/themes/{id}", get(theme))
        .route("/themes/{id}/rename", post(rename))
        .route("/themes/{id}/merge", post(merge))
        .route("/themes/{id}/split", post(split))
        .route("/themes/{id}/tags", post(pin_tag))
        .route("/themes/{id}/tags/{tag}", delete(unpin_tag))
        .route("/themes/{id}/items", post(pin_item))
        .route("/language", get(language))
        .route("/glossary", get(glossary).post(add_term))
        .route("/glossary/{id}", delete(delete_term))
}

type ApiResult<T> = Result<T, ApiError>;

fn id_of(raw: &str) -> ApiResult<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("'{raw}' is not a valid id")))
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Revenue is financial data: hidden from roles that may not read it.
fn theme_json(t: &peerstage_store::Theme) -> Value {
    let mut v = serde_json::to_value(t).unwrap_or_default();
    if !can(Permission::ReadFinancials) {
        v["revenue"] = Value::Null;
    }
    v
}

async fn search(State(st): State<AppState>, Query(q): Query) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    only_known(&q, SEARCH_FIELDS)?;
    let query = SearchQuery::from_fields(&q)?;
    if query.words().is_empty() {
        return Err(FieldErrors::single("q", "give at least one word to search for").into());
    }
    let r = st.run(move |s| s.search(&query)).await?;
    Ok(Json(r).into_response())
}

async fn themes(State(st): State<AppState>) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let (list, run) = st
        .run(move |s| Ok((s.list_themes(today())?, s.last_theme_run()?)))
        .await?;
    let items: Vec<Value> = list.iter().map(theme_json).collect();
    Ok(Json(json!({"items": items, "total": items.len(), "last_run": run})).into_response())
}

async fn create_theme(
    State(st): State<AppState>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::ManageInsights)?;
    only_known(&f, &["label"])?;
    let id = st.run(move |s| s.create_theme(f.get("label"))).await?;
    let t = st.run(move |s| s.get_theme(id, today())).await?;
    Ok((StatusCode::CREATED, Json(theme_json(&t))).into_response())
}

async fn refresh(State(st): State<AppState>, JsonFields(f): JsonFields) -> ApiResult<Response> {
    require_api(Permission::ManageInsights)?;
    only_known(&f, &["k"])?;
    let k = match f.get("k").trim() {
        "" => None,
        raw => Some(
            raw.parse::<usize>()
                .ok()
                .filter(|k| (1..=200).contains(k))
                .ok_or_else(|| FieldErrors::single("k", "a whole number from 1 to 200"))?,
        ),
    };
    let opts = peerstage_core::themes::Options {
        k,
        ..Default::default()
    };
    let run = st
        .run(move |s| s.refresh_themes(&opts, &mut |_| {}))
        .await?;
    Ok(Json(run).into_response())
}

async fn theme(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query,
) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    only_known(&q, &["page", "per_page"])?;
    let mut e = FieldErrors::new();
    let page = e.check(
        "page",
        peerstage_core::parse::optional_int(q.get("page"), 1, 100_000),
    );
    let per_page = e.check(
        "per_page",
        peerstage_core::parse::optional_int(q.get("per_page"), 1, 200),
    );
    let (page, per_page) = e.into_result(|| {
        (
            page.unwrap().unwrap_or(1) as u32,
            per_page.unwrap().unwrap_or(50) as u32,
        )
    })?;
    let (t, members, accounts) = st
        .run(move |s| {
            Ok((
                s.get_theme(id, today())?,
                s.theme_members(id, page, per_page)?,
                s.theme_accounts(id)?,
            ))
        })
        .await?;
    let mut v = theme_json(&t);
    let financial = can(Permission::ReadFinancials);
    v["accounts_affected"] = accounts
        .iter()
        .map(|a| {
            json!({"account_id": a.account_id, "name": a.name, "items": a.items,
                   "annual_revenue": if financial { json!(a.annual_revenue) } else { Value::Null }})
        })
        .collect();
    v["items"] = json!({"items": members.items, "total": members.total, "page": members.page, "per_page": members.per_page});
    Ok(Json(v).into_response())
}

async fn after_change(st: &AppState, id: i64) -> ApiResult<Response> {
    let t = st.run(move |s| s.get_theme(id, today())).await?;
    Ok(Json(theme_json(&t)).into_response())
}

async fn rename(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::ManageInsights)?;
    let id = id_of(&id)?;
    only_known(&f, &["label"])?;
    st.run(move |s| s.rename_theme(id, f.get("label"))).await?;
    after_change(&st, id).await
}

async fn merge(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::ManageInsights)?;
    let id = id_of(&id)?;
    only_known(&f, &["from"])?;
    let from =
        f.get("from").trim().parse::<i64>().map_err(|_| {
            FieldErrors::single("from", "the id of the theme to merge into this one")
        })?;
    st.run(move |s| s.merge_themes(id, from)).await?;
    after_change(&st, id).await
}

async fn split(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::ManageInsights)?;
    let id = id_of(&id)?;
    only_known(&f, &["words", "label"])?;
    let new_id = st
        .run(move |s| s.split_theme(id, f.get("words"), f.get("label")))
        .await?;
    let t = st.run(move |s| s.get_theme(new_id, today())).await?;
    Ok((StatusCode::CREATED, Json(theme_json(&t))).into_response())
}

async fn pin_tag(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::ManageInsights)?;
    let id = id_of(&id)?;
    only_known(&f, &["tag"])?;
    st.run(move |s| s.pin_theme_tag(id, f.get("tag"))).await?;
    after_change(&st, id).await
}

async fn unpin_tag(
    State(st): State<AppState>,
    Path((id, tag)): Path<(String, String)>,
) -> ApiResult<Response> {
    require_api(Permission::ManageInsights)?;
    let id = id_of(&id)?;
    st.run(move |s| s.unpin_theme_tag(id, &tag)).await?;
    after_change(&st, id).await
}

async fn pin_item(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::ManageInsights)?;
    let id = id_of(&id)?;
    only_known(&f, &["evidence_id"])?;
    let evidence =
        f.get("evidence_id").trim().parse::<i64>().map_err(|_| {
            FieldErrors::single("evidence_id", "the id of the evidence item to pin")
        })?;
    st.run(move |s| s.pin_theme_item(id, evidence)).await?;
    after_change(&st, id).await
}

async fn language(State(st): State<AppState>) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let r = st.run(|s| s.customer_language(20_000, 30)).await?;
    Ok(Json(r).into_response())
}

async fn glossary(State(st): State<AppState>) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let g = st.run(|s| s.list_glossary()).await?;
    Ok(Json(json!({"items": g})).into_response())
}

async fn add_term(State(st): State<AppState>, JsonFields(f): JsonFields) -> ApiResult<Response> {
    require_api(Permission::ManageInsights)?;
    only_known(&f, &["term", "category", "note"])?;
    let g = st
        .run(move |s| s.add_glossary_term(f.get("term"), f.get("category"), f.get("note")))
        .await?;
    Ok((StatusCode::CREATED, Json(g)).into_response())
}

async fn delete_term(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::ManageInsights)?;
    let id = id_of(&id)?;
    st.run(move |s| s.delete_glossary_term(id)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
