//! JSON API for third-party educators, reviews and the buyer-journey survey (B6).

use super::{created, id_of, ApiResult};
use crate::auth::require_api;
use crate::error::ApiError;
use crate::extract::{merged, only_known, JsonFields, Query};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use peerstage_core::journey::{
    ReviewData, SourceResponseData, ThirdPartyData, REVIEW_FIELDS, SOURCE_RESPONSE_FIELDS,
    THIRD_PARTY_FIELDS,
};
use peerstage_core::{parse, FieldErrors, Fields, Permission};
use peerstage_store::ReviewFilter;
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/third-parties",
            get(list_third_parties).post(create_third_party),
        )
        .route(
            "/third-parties/{id}",
            get(get_third_party)
                .put(update_third_party)
                .delete(delete_third_party),
        )
        .route("/reviews", get(list_reviews).post(create_review))
        .route(
            "/reviews/{id}",
            get(get_review).put(update_review).delete(delete_review),
        )
        .route("/sources", get(source_report))
        .route(
            "/source-responses",
            get(list_responses).post(create_response),
        )
        .route(
            "/source-responses/{id}",
            get(get_response)
                .put(update_response)
                .delete(delete_response),
        )
}

/// An optional id in the query string, e.g. `?contact_id=3`.
fn query_id(q: &Fields, name: &str) -> ApiResult<Option<i64>> {
    parse::optional_int(q.get(name), 1, i64::MAX)
        .map_err(|e| ApiError::invalid(FieldErrors::single(name, e)))
}

// ---- third parties ----

async fn list_third_parties(State(st): State<AppState>) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    Ok(Json(json!({"items": st.run(|s| s.list_third_parties()).await?})).into_response())
}

/// The third party with its reviews and its row of the sources report (all time).
async fn get_third_party(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    let (t, reviews, report) = st
        .run(move |s| {
            Ok((
                s.get_third_party(id)?,
                s.list_reviews(&ReviewFilter {
                    third_party_id: Some(id),
                    ..Default::default()
                })?,
                s.source_report(None, None)?,
            ))
        })
        .await?;
    let row = report.third_party(id);
    let mut v = serde_json::to_value(&t).unwrap_or_default();
    v["reviews"] = json!(reviews);
    v["survey"] = json!({
        "respondents": report.respondents,
        "customers": row.map_or(0, |r| r.customers),
        "share": row.map_or(0.0, |r| r.share),
        "revenue": row.map_or(0.0, |r| r.revenue),
    });
    Ok(Json(v).into_response())
}

async fn create_third_party(
    State(st): State<AppState>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::ManageAdvocates)?;
    only_known(&f, THIRD_PARTY_FIELDS)?;
    let d = ThirdPartyData::from_fields(&f)?;
    Ok(created(st.run(move |s| s.create_third_party(&d)).await?))
}

async fn update_third_party(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::ManageAdvocates)?;
    let id = id_of(&id)?;
    only_known(&f, THIRD_PARTY_FIELDS)?;
    let current = st.run(move |s| s.get_third_party(id)).await?;
    let d = ThirdPartyData::from_fields(&merged(current.data.to_fields(), &f))?;
    Ok(Json(st.run(move |s| s.update_third_party(id, &d)).await?).into_response())
}

/// Deletes it with its reviews and the survey answers that name it.
async fn delete_third_party(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    require_api(Permission::ManageAdvocates)?;
    let id = id_of(&id)?;
    st.run(move |s| s.delete_third_party(id)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---- reviews ----

/// `?contact_id=`, `?third_party_id=`, `?account_id=` narrow the list; newest first.
async fn list_reviews(State(st): State<AppState>, Query(q): Query) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let filter = ReviewFilter {
        contact_id: query_id(&q, "contact_id")?,
        third_party_id: query_id(&q, "third_party_id")?,
        account_id: query_id(&q, "account_id")?,
    };
    Ok(Json(json!({"items": st.run(move |s| s.list_reviews(&filter)).await?})).into_response())
}

async fn get_review(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    Ok(Json(st.run(move |s| s.get_review(id)).await?).into_response())
}

async fn create_review(
    State(st): State<AppState>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::ManageAdvocates)?;
    only_known(&f, REVIEW_FIELDS)?;
    let d = ReviewData::from_fields(&f)?;
    Ok(created(st.run(move |s| s.create_review(&d)).await?))
}

async fn update_review(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::ManageAdvocates)?;
    let id = id_of(&id)?;
    only_known(&f, REVIEW_FIELDS)?;
    let current = st.run(move |s| s.get_review(id)).await?;
    let d = ReviewData::from_fields(&merged(current.data.to_fields(), &f))?;
    Ok(Json(st.run(move |s| s.update_review(id, &d)).await?).into_response())
}

async fn delete_review(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::ManageAdvocates)?;
    let id = id_of(&id)?;
    st.run(move |s| s.delete_review(id)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---- the survey ----

/// `?since=YYYY-MM-DD&until=YYYY-MM-DD` (inclusive) limit the answers counted.
async fn source_report(State(st): State<AppState>, Query(q): Query) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let mut e = FieldErrors::new();
    let since = e
        .check("since", parse::optional_date(q.get("since")))
        .flatten();
    let until = e
        .check("until", parse::optional_date(q.get("until")))
        .flatten();
    if !e.is_empty() {
        return Err(ApiError::invalid(e));
    }
    Ok(Json(st.run(move |s| s.source_report(since, until)).await?).into_response())
}

/// `?third_party_id=` limits the answers to one third party; `?limit=` (default 100, at most 10,000).
async fn list_responses(State(st): State<AppState>, Query(q): Query) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let third = query_id(&q, "third_party_id")?;
    let limit = parse::optional_int(q.get("limit"), 1, 10_000)
        .map_err(|e| ApiError::invalid(FieldErrors::single("limit", e)))?
        .unwrap_or(100) as u32;
    Ok(
        Json(json!({"items": st.run(move |s| s.list_source_responses(third, limit)).await?}))
            .into_response(),
    )
}

async fn get_response(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    Ok(Json(st.run(move |s| s.get_source_response(id)).await?).into_response())
}

/// Reads `account_id` and `source` (a third party's name or an other source) from `f`.
async fn response_data(st: &AppState, f: &Fields) -> ApiResult<SourceResponseData> {
    let mut e = FieldErrors::new();
    let account = e
        .check(
            "account_id",
            parse::optional_int(f.get("account_id"), 1, i64::MAX)
                .and_then(|a| a.ok_or_else(|| "is required".to_string())),
        )
        .unwrap_or(0);
    let lookup = st.run(|s| s.third_party_lookup()).await?;
    match SourceResponseData::from_fields(account, f, &lookup) {
        Ok(d) if e.is_empty() => Ok(d),
        Ok(_) => Err(ApiError::invalid(e)),
        Err(more) => {
            e.0.extend(more.0);
            Err(ApiError::invalid(e))
        }
    }
}

async fn create_response(
    State(st): State<AppState>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::ManageAdvocates)?;
    only_known(&f, SOURCE_RESPONSE_FIELDS)?;
    let d = response_data(&st, &f).await?;
    Ok(created(
        st.run(move |s| s.create_source_response(&d)).await?,
    ))
}

async fn update_response(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::ManageAdvocates)?;
    let id = id_of(&id)?;
    only_known(&f, SOURCE_RESPONSE_FIELDS)?;
    let current = st.run(move |s| s.get_source_response(id)).await?;
    let mut base = Fields::new();
    base.push(
        "external_id",
        current.data.external_id.clone().unwrap_or_default(),
    );
    base.push("account_id", current.data.account_id.to_string());
    base.push(
        "source",
        current
            .data
            .other_source
            .map(|o| o.as_str().to_string())
            .unwrap_or_else(|| current.source.clone()),
    );
    base.push(
        "responded_on",
        current.data.responded_on.format("%Y-%m-%d").to_string(),
    );
    let d = response_data(&st, &merged(base, &f)).await?;
    Ok(Json(st.run(move |s| s.update_source_response(id, &d)).await?).into_response())
}

async fn delete_response(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    require_api(Permission::ManageAdvocates)?;
    let id = id_of(&id)?;
    st.run(move |s| s.delete_source_response(id)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
