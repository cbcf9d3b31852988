//! JSON API under /api/v1. Bodies are JSON objects whose fields match the web forms and
//! the CSV columns; errors are `{"error": …, "fields": [{"field", "reason"}]}`.

mod access;
mod advocacy;
mod events;
mod evidence;
mod insights;
mod journey;
mod media;
pub mod openapi;
mod questions;
mod refops;
mod stories;
mod strategy;
mod voc;

use crate::auth::{can, require_api};
use crate::error::ApiError;
use crate::extract::{merged, only_known, JsonFields, Query};
use crate::kinds::{Commitments, Contacts, Editable, Kind, Nps, Touchpoints};
use crate::transfer::{export_response, import_options, run_import};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use peerstage_core::account::{AccountData, AccountQuery, ACCOUNT_FIELDS};
use peerstage_core::import::ImportKind;
use peerstage_core::{Account, Permission, Segment};
use serde::Serialize;
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(advocacy::router())
        .merge(refops::router())
        .merge(insights::router())
        .merge(stories::router())
        .merge(journey::router())
        .merge(events::router())
        .merge(questions::router())
        .merge(media::router())
        .merge(strategy::router())
        .merge(evidence::router())
        .merge(voc::router())
        .route("/accounts", get(list_accounts).post(create_account))
        .route(
            "/accounts/{id}",
            get(get_account).put(update_account).delete(delete_account),
        )
        .route(
            "/accounts/{id}/contacts",
            get(list_contacts).post(record_create::<Contacts>),
        )
        .route(
            "/accounts/{id}/touchpoints",
            get(list_touchpoints).post(record_create::<Touchpoints>),
        )
        .route(
            "/accounts/{id}/commitments",
            get(list_commitments).post(record_create::<Commitments>),
        )
        .route(
            "/accounts/{id}/nps",
            get(list_nps).post(record_create::<Nps>),
        )
        .route("/contacts", get(search_contacts))
        .route(
            "/contacts/{id}",
            get(record_get::<Contacts>)
                .put(record_update::<Contacts>)
                .delete(record_delete::<Contacts>),
        )
        .route(
            "/touchpoints/{id}",
            get(record_get::<Touchpoints>)
                .put(record_update::<Touchpoints>)
                .delete(record_delete::<Touchpoints>),
        )
        .route(
            "/commitments/{id}",
            get(record_get::<Commitments>)
                .put(record_update::<Commitments>)
                .delete(record_delete::<Commitments>),
        )
        .route(
            "/nps/{id}",
            get(record_get::<Nps>).delete(record_delete::<Nps>),
        )
        .route("/nps", get(nps_report))
        .route("/value", get(value_report))
        .route(
            "/import/{kind}",
            post(import).layer(DefaultBodyLimit::max(crate::UPLOAD_LIMIT)),
        )
        .route("/import-jobs", get(import_jobs))
        .route("/import-jobs/{id}", get(import_job))
        .route("/export/{kind}", get(export))
        .merge(access::router())
        .fallback(not_found)
}

/// Unknown routes under /api answer in JSON, like the rest of the API.
pub async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no such API route; see /api/openapi.json",
    )
}

type ApiResult<T> = Result<T, ApiError>;

/// Account fields only roles with financial or private-note access may see.
const FINANCIAL_FIELDS: &[&str] = &["cost_to_serve", "discount", "margin"];

/// An account as JSON, without the fields the caller's role may not see (F1).
fn account_json(a: &Account) -> serde_json::Value {
    let mut v = serde_json::to_value(a).unwrap_or_default();
    if let Some(obj) = v.as_object_mut() {
        if !can(Permission::ReadFinancials) {
            for f in FINANCIAL_FIELDS {
                obj.remove(*f);
            }
        }
        if !can(Permission::ReadPrivateNotes) {
            obj.remove("private_notes");
        }
    }
    v
}

/// Sorting or filtering by profitability reveals it, so it needs the same permission.
fn check_query_allowed(q: &AccountQuery) -> ApiResult<()> {
    if (q.sort == peerstage_core::AccountSort::Margin || q.unprofitable.is_some())
        && !can(Permission::ReadFinancials)
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "your role may not sort or filter by margin",
        ));
    }
    Ok(())
}

/// A positive id from the path; anything else is a 404 that says why.
fn id_of(raw: &str) -> ApiResult<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("'{raw}' is not a valid id")))
}

fn created<T: Serialize>(v: T) -> Response {
    (StatusCode::CREATED, Json(v)).into_response()
}

fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

// ---- accounts ----

async fn list_accounts(State(st): State<AppState>, Query(q): Query) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let query = AccountQuery::from_fields(&q)?;
    check_query_allowed(&query)?;
    let page = st.run(move |s| s.list_accounts(&query)).await?;
    let items: Vec<serde_json::Value> = page.items.iter().map(account_json).collect();
    Ok(Json(
        json!({"items": items, "total": page.total, "page": page.page, "per_page": page.per_page}),
    )
    .into_response())
}

async fn get_account(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    Ok(Json(account_json(&st.run(move |s| s.get_account(id)).await?)).into_response())
}

async fn create_account(
    State(st): State<AppState>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::WriteCustomers)?;
    only_known(&f, ACCOUNT_FIELDS)?;
    let d = AccountData::from_fields(&f)?;
    Ok(created(account_json(
        &st.run(move |s| s.create_account(&d)).await?,
    )))
}

async fn update_account(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::WriteCustomers)?;
    let id = id_of(&id)?;
    only_known(&f, ACCOUNT_FIELDS)?;
    let current = st.run(move |s| s.get_account(id)).await?;
    let d = AccountData::from_fields(&merged(current.data.to_fields(), &f))?;
    Ok(Json(account_json(
        &st.run(move |s| s.update_account(id, &d)).await?,
    ))
    .into_response())
}

async fn delete_account(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::WriteCustomers)?;
    let id = id_of(&id)?;
    st.run(move |s| s.delete_account(id)).await?;
    Ok(no_content())
}

// ---- what hangs off an account: contacts, touchpoints, commitments, NPS ----

async fn record_create<K: Kind>(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(K::CREATE)?;
    let account_id = id_of(&id)?;
    only_known(&f, K::FIELDS)?;
    let d = K::parse(account_id, &f)?;
    refuse_if(K::refused(&d, None))?;
    Ok(created(st.run(move |s| K::create(s, &d)).await?))
}

async fn record_get<K: Kind>(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    Ok(Json(st.run(move |s| K::get(s, id)).await?).into_response())
}

/// A PUT may send only the fields it changes; the rest keep their values.
async fn record_update<K: Editable>(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::WriteCustomers)?;
    let id = id_of(&id)?;
    only_known(&f, K::FIELDS)?;
    let current = st.run(move |s| K::get(s, id)).await?;
    let d = K::parse(K::account_of(&current), &merged(K::to_fields(&current), &f))?;
    refuse_if(K::refused(&d, Some(&current)))?;
    Ok(Json(st.run(move |s| K::update(s, id, &d)).await?).into_response())
}

async fn record_delete<K: Kind>(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    require_api(Permission::WriteCustomers)?;
    let id = id_of(&id)?;
    st.run(move |s| K::delete(s, id)).await?;
    Ok(no_content())
}

/// 403 with the reason a kind gave for refusing the caller's change.
fn refuse_if(reason: Option<&'static str>) -> ApiResult<()> {
    match reason {
        Some(why) => Err(ApiError::new(StatusCode::FORBIDDEN, why)),
        None => Ok(()),
    }
}

// ---- contacts ----

async fn list_contacts(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    let items = st
        .run(move |s| s.get_account(id).and_then(|_| s.list_contacts(id)))
        .await?;
    Ok(Json(json!({ "items": items })).into_response())
}

async fn search_contacts(State(st): State<AppState>, Query(q): Query) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let search = q.get("q").to_string();
    let page = q.get("page").parse().unwrap_or(1);
    let per_page = q.get("per_page").parse().unwrap_or(50);
    Ok(Json(
        st.run(move |s| s.search_contacts(Some(&search), page, per_page))
            .await?,
    )
    .into_response())
}

// ---- touchpoints ----

async fn list_touchpoints(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query,
) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    let page = q.get("page").parse().unwrap_or(1);
    let per_page = q.get("per_page").parse().unwrap_or(50);
    Ok(Json(
        st.run(move |s| {
            s.get_account(id)
                .and_then(|_| s.list_touchpoints(id, page, per_page))
        })
        .await?,
    )
    .into_response())
}

// ---- commitments ----

async fn list_commitments(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    let items = st
        .run(move |s| s.get_account(id).and_then(|_| s.list_commitments(id)))
        .await?;
    Ok(Json(json!({ "items": items })).into_response())
}

// ---- NPS ----

async fn list_nps(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    let items = st
        .run(move |s| s.get_account(id).and_then(|_| s.list_nps(id)))
        .await?;
    Ok(Json(json!({ "items": items })).into_response())
}

/// A5: overall, per segment and per month.
async fn nps_report(State(st): State<AppState>, Query(q): Query) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let segment =
        match q.get("segment") {
            "" => None,
            s => Some(Segment::parse(s).map_err(|e| {
                ApiError::invalid(peerstage_core::FieldErrors::single("segment", e))
            })?),
        };
    let months: u32 = match q.get("months") {
        "" => 12,
        m => m
            .parse()
            .ok()
            .filter(|m| (1..=120).contains(m))
            .ok_or_else(|| {
                ApiError::invalid(peerstage_core::FieldErrors::single(
                    "months",
                    "must be a whole number from 1 to 120",
                ))
            })?,
    };
    let today = chrono::Utc::now().date_naive();
    let seg = segment.map(|s| s.as_str());
    let report = st.run(move |s| s.nps_report(seg, months, today)).await?;
    let (overall, by_segment, by_month) = (
        report.overall,
        report.by_segment.clone(),
        report.by_month.clone(),
    );
    Ok(Json(json!({ "segment": seg, "overall": overall, "by_segment": by_segment, "by_month": by_month })).into_response())
}

/// A6: totals and the unprofitable accounts, worst first.
async fn value_report(State(st): State<AppState>, Query(q): Query) -> ApiResult<Response> {
    require_api(Permission::ReadFinancials)?;
    let mut query = AccountQuery::from_fields(&q)?;
    query.unprofitable = Some(true);
    query.sort = peerstage_core::AccountSort::Margin;
    query.descending = false;
    let (summary, unprofitable) = st
        .run(move |s| Ok((s.value_summary()?, s.list_accounts(&query)?)))
        .await?;
    Ok(Json(json!({ "summary": summary, "unprofitable": unprofitable })).into_response())
}

// ---- CSV ----

fn kind_of(raw: &str) -> ApiResult<ImportKind> {
    ImportKind::parse(raw).map_err(|e| ApiError::new(StatusCode::NOT_FOUND, format!("kind: {e}")))
}

/// POST a CSV body; `?skip_invalid=true`, `?preset=salesforce`, `?map=FIELD=COLUMN` (repeatable).
async fn import(
    State(st): State<AppState>,
    Path(kind): Path<String>,
    Query(q): Query,
    body: Bytes,
) -> ApiResult<Response> {
    require_api(Permission::ImportExport)?;
    let kind = kind_of(&kind)?;
    let skip = peerstage_core::parse::bool_or(q.get("skip_invalid"), false)
        .map_err(|e| ApiError::invalid(peerstage_core::FieldErrors::single("skip_invalid", e)))?;
    let background = peerstage_core::parse::bool_or(q.get("background"), false)
        .map_err(|e| ApiError::invalid(peerstage_core::FieldErrors::single("background", e)))?;
    let options =
        import_options(kind, q.get("preset"), &q.all("map")).map_err(ApiError::bad_request)?;
    if background {
        // Answers at once; the import (and its evidence sync) goes on after the request.
        let user = crate::auth::current()
            .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "sign in first"))?;
        let name = match q.get("file_name").trim() {
            "" => "request body".to_string(),
            n => n.to_string(),
        };
        let store = st.store.acting_as(user.actor());
        let job = st
            .imports
            .start(
                store,
                user.user.id,
                crate::jobs::Upload {
                    file_name: name,
                    bytes: body.to_vec(),
                    options,
                    skip_invalid: skip,
                },
                st.running_imports_per_user,
            )
            .map_err(|busy| ApiError::new(StatusCode::TOO_MANY_REQUESTS, busy))?;
        return Ok((
            StatusCode::ACCEPTED,
            [(axum::http::header::LOCATION, job.api_url())],
            Json(job.to_json()),
        )
            .into_response());
    }
    let outcome = run_import(&st, body.to_vec(), options, skip).await?;
    if outcome.committed {
        return Ok(Json(outcome).into_response());
    }
    // Like every other error, a refused import says why in `error`; the rows follow.
    let why = match &outcome.file_error {
        Some(e) => format!("nothing was imported: {e}"),
        None => format!(
            "nothing was imported: {} of {} rows are invalid (see errors; skip_invalid=true imports the rest)",
            outcome.rejected, outcome.rows
        ),
    };
    let mut body = serde_json::to_value(&outcome).unwrap_or_default();
    body["error"] = json!(why);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response())
}

/// The background imports the caller started that the server still holds, newest first.
async fn import_jobs(State(st): State<AppState>) -> ApiResult<Response> {
    require_api(Permission::ImportExport)?;
    let me = crate::auth::current().map(|u| u.user.id).unwrap_or(-1);
    let jobs: Vec<serde_json::Value> = st
        .imports
        .for_user(me)
        .iter()
        .map(|j| j.to_json())
        .collect();
    Ok(Json(json!({ "items": jobs })).into_response())
}

/// One background import of the caller's; 404 for anybody else's.
async fn import_job(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::ImportExport)?;
    let job = st
        .imports
        .mine(&id)
        .map_err(|why| ApiError::new(StatusCode::NOT_FOUND, why))?;
    Ok(Json(job.to_json()).into_response())
}

async fn export(State(st): State<AppState>, Path(kind): Path<String>) -> ApiResult<Response> {
    require_api(Permission::ImportExport)?;
    let kind = kind_of(kind.trim_end_matches(".csv"))?;
    Ok(export_response(&st, kind))
}
