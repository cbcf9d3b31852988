//! JSON API for running the reference program: the operations queue, consent per activity
//! type, nominations, feedback after an activity, one-time feedback links and confirmation.

use super::{id_of, ApiResult};
use crate::auth::{can, current, require_api};
use crate::error::ApiError;
use crate::extract::{only_known, JsonFields, Query};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use peerstage_core::account::{Page, Paging};
use peerstage_core::refops::{
    ConsentActivity, ConsentData, ExpiringSort, FeedbackData, NewNomination, NominationSort,
    NominationStatus, CONSENT_FIELDS, EXPIRING_DAYS, FEEDBACK_FIELDS, NOMINATION_FIELDS,
};
use peerstage_core::{parse, FieldErrors, Permission};
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/program/ops", get(ops))
        .route("/consents/expiring", get(expiring))
        .route("/contacts/{id}/consents", put(set_consent).get(consents))
        .route(
            "/contacts/{id}/consents/{activity}",
            axum::routing::delete(clear_consent),
        )
        .route("/nominations", get(list_nominations).post(nominate))
        .route("/nominations/{id}/status", post(advance_nomination))
        .route("/references/{id}/feedback", post(rep_feedback))
        .route("/references/{id}/feedback-link", post(feedback_link))
        .route("/references/{id}/confirm", post(confirm))
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

async fn ops(State(st): State<AppState>) -> ApiResult<Response> {
    require_api(Permission::ManageAdvocates)?;
    Ok(Json(st.run(|s| s.ops_queue(today())).await?).into_response())
}

/// The `items`, `total`, `page` and `per_page` of a list, as /api/v1/accounts answers.
fn page_json<T: serde::Serialize>(p: &Page<T>) -> serde_json::Value {
    json!({"items": p.items, "total": p.total, "page": p.page, "per_page": p.per_page})
}

/// `?days=30` (1–365): consents ending within that many days, and those ended as long ago;
/// `sort`, `dir`, `page`, `per_page` as for accounts.
async fn expiring(State(st): State<AppState>, Query(q): Query) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let mut e = FieldErrors::new();
    let days = e
        .check("days", parse::optional_int(q.get("days"), 1, 365))
        .flatten()
        .unwrap_or(EXPIRING_DAYS);
    let paging = Paging::from_fields(&q, &mut e, ExpiringSort::parse);
    if !e.is_empty() {
        return Err(ApiError::invalid(e));
    }
    let page = st
        .run(move |s| s.expiring_consents_page(today(), days, &paging))
        .await?;
    let mut v = page_json(&page);
    v["days"] = json!(days);
    Ok(Json(v).into_response())
}

async fn consents(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    let items = st.run(move |s| s.contact_consents(id, today())).await?;
    Ok(Json(json!({"contact_id": id, "items": items})).into_response())
}

/// Body: {"activity", "consent", "given_on"?, "expires_on"?, "note"?}; answers with every
/// activity type's consent as it applies today.
async fn set_consent(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::ManageConsent)?;
    let id = id_of(&id)?;
    only_known(&f, CONSENT_FIELDS)?;
    let d = ConsentData::from_fields(&f, today())?;
    let items = st
        .run(move |s| {
            s.set_activity_consent(id, &d)?;
            s.contact_consents(id, today())
        })
        .await?;
    Ok(Json(json!({"contact_id": id, "items": items})).into_response())
}

/// Removes an activity type's own consent (the general consent applies again); 204 either way.
async fn clear_consent(
    State(st): State<AppState>,
    Path((id, activity)): Path<(String, String)>,
) -> ApiResult<Response> {
    require_api(Permission::ManageConsent)?;
    let id = id_of(&id)?;
    let a = ConsentActivity::parse(&activity)
        .map_err(|e| ApiError::invalid(FieldErrors::single("activity", e)))?;
    st.run(move |s| {
        s.get_contact(id)?;
        match s.clear_activity_consent(id, a) {
            Err(peerstage_store::StoreError::NotFound { .. }) => Ok(()),
            other => other,
        }
    })
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `?status=nominated|contacted|recruited|active|declined`, `sort`, `dir`, `page`,
/// `per_page`. Proposes new automatic nominations (NPS promoters, praise) first.
async fn list_nominations(State(st): State<AppState>, Query(q): Query) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let mut e = FieldErrors::new();
    let status = match q.get("status") {
        "" => None,
        s => e.check("status", NominationStatus::parse(s)),
    };
    let paging = Paging::from_fields(&q, &mut e, NominationSort::parse);
    if !e.is_empty() {
        return Err(ApiError::invalid(e));
    }
    let list = st
        .run(move |s| s.list_nominations_page(status, today(), &paging))
        .await?;
    let mut v = page_json(&list.page);
    v["stale"] = json!(list.stale);
    Ok(Json(v).into_response())
}

/// Body: {"contact_id", "reason"}. Anyone who reads customers may nominate.
async fn nominate(State(st): State<AppState>, JsonFields(f): JsonFields) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    only_known(&f, NOMINATION_FIELDS)?;
    let n = NewNomination::from_fields(&f)?;
    Ok((
        StatusCode::CREATED,
        Json(st.run(move |s| s.nominate(&n, today())).await?),
    )
        .into_response())
}

/// Body: {"status", "note"?}.
async fn advance_nomination(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::ManageAdvocates)?;
    let id = id_of(&id)?;
    only_known(&f, &["status", "note"])?;
    let mut e = FieldErrors::new();
    let to = e.check("status", NominationStatus::parse(f.get("status")));
    let note = e
        .check("note", parse::optional_text(f.get("note"), 1000))
        .flatten();
    let (Some(to), true) = (to, e.is_empty()) else {
        return Err(ApiError::invalid(e));
    };
    Ok(Json(
        st.run(move |s| s.advance_nomination(id, to, note, today()))
            .await?,
    )
    .into_response())
}

/// The rep's feedback on their own completed request (managers may leave it too).
/// Body: {"helped", "prospect_asked"?, "comments"?}.
async fn rep_feedback(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::RequestReferences)?;
    let id = id_of(&id)?;
    only_known(&f, FEEDBACK_FIELDS)?;
    let d = FeedbackData::from_fields(&f)?;
    let me = current().map(|u| u.user.id);
    let manager = can(Permission::ManageAdvocates);
    let r = st
        .run(move |s| {
            let r = s.get_request(id)?;
            if !manager && r.requested_by_user_id.is_none_or(|u| Some(u) != me) {
                return Ok(None);
            }
            s.leave_rep_feedback(id, &d)?;
            s.get_request(id).map(Some)
        })
        .await?;
    match r {
        Some(r) => Ok(Json(r).into_response()),
        None => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "only the rep who asked for this reference, or a manager, leaves rep feedback",
        )),
    }
}

/// A one-time link for the advocate (no sign-in, single use, expires): the token is in the
/// answer only, never stored.
async fn feedback_link(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::ManageAdvocates)?;
    let id = id_of(&id)?;
    let link = st.run(move |s| s.create_feedback_link(id)).await?;
    Ok((StatusCode::CREATED, Json(link)).into_response())
}

async fn confirm(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::ManageAdvocates)?;
    let id = id_of(&id)?;
    let r = st
        .run(move |s| {
            s.confirm_request(id)?;
            s.get_request(id)
        })
        .await?;
    Ok(Json(r).into_response())
}

/// The operations routes in the OpenAPI document.
pub(crate) fn openapi_paths(paths: &mut serde_json::Map<String, serde_json::Value>) {
    use super::openapi::{id_param, op, query};
    let tag = "reference operations";
    let body = |mut m: serde_json::Map<String, serde_json::Value>,
                fields: &[&str],
                required: &[&str]| {
        m.insert(
            "requestBody".into(),
            json!({"required": true, "content": {"application/json": {"schema": super::openapi::input_schema(fields, required)}}}),
        );
        serde_json::Value::Object(m)
    };
    paths.insert(
        "/api/v1/program/ops".into(),
        json!({"get": op("The program manager's queue: requests due in 72 hours, with no candidate, waiting on an advocate, unconfirmed; busy and nearly fatigued advocates; stale nominations; expiring consents; data quality (managers)", tag)}),
    );
    let mut exp = op(
        "Consents (not \"no\") expiring within `days` (default 30), and those expired as long ago, a page at a time (items, total, page, per_page, days)",
        tag,
    );
    let sorts = |all: &[&str], default: &str| format!("{} (default: {default})", all.join(", "));
    let expiring_sorts: Vec<&str> = ExpiringSort::ALL.iter().map(|s| s.as_str()).collect();
    exp.insert(
        "parameters".into(),
        query(&[
            ("days", "1 to 365, default 30"),
            ("sort", &sorts(&expiring_sorts, "expires, soonest first")),
            ("dir", "asc or desc"),
            ("page", "from 1"),
            ("per_page", "1 to 500, default 25"),
        ]),
    );
    paths.insert("/api/v1/consents/expiring".into(), json!({"get": exp}));
    paths.insert(
        "/api/v1/contacts/{id}/consents".into(),
        json!({
            "parameters": id_param(),
            "get": op("Every activity type's consent as it applies today: effective (expired reads ask_first), recorded or from the general consent, given_on, expires_on, recorded_by", tag),
            "put": body(op("Record one activity type's consent (managers); answers with every activity type's consent", tag), CONSENT_FIELDS, &["activity", "consent"]),
        }),
    );
    let mut clear = op("Remove an activity type's own consent so the general consent applies again (managers); 204", tag);
    clear.insert(
        "parameters".into(),
        json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}},
               {"name": "activity", "in": "path", "required": true, "schema": {"type": "string", "enum": ConsentActivity::ALL.iter().map(|a| a.as_str()).collect::<Vec<_>>()}}]),
    );
    paths.insert(
        "/api/v1/contacts/{id}/consents/{activity}".into(),
        json!({"delete": clear}),
    );
    let mut list = op("Nominations a page at a time (items, total, page, per_page, and stale: how many that match are untouched too long), open first; NPS promoters and contacts praising us without an advocate record are proposed first", tag);
    let nomination_sorts: Vec<&str> = NominationSort::ALL.iter().map(|s| s.as_str()).collect();
    list.insert(
        "parameters".into(),
        query(&[
            (
                "status",
                "nominated, contacted, recruited, active, declined",
            ),
            (
                "sort",
                &sorts(&nomination_sorts, "open first, longest untouched first"),
            ),
            ("dir", "asc or desc"),
            ("page", "from 1"),
            ("per_page", "1 to 500, default 25"),
        ]),
    );
    paths.insert(
        "/api/v1/nominations".into(),
        json!({"get": list, "post": body(op("Nominate a contact as a potential advocate, with a reason (anyone who reads customers); 201, or 409 when already nominated", tag), NOMINATION_FIELDS, &["contact_id", "reason"])}),
    );
    paths.insert(
        "/api/v1/nominations/{id}/status".into(),
        json!({"parameters": id_param(), "post": body(op("Move a nomination: nominated → contacted → recruited → active, or declined (managers)", tag), &["status", "note"], &["status"])}),
    );
    paths.insert(
        "/api/v1/references/{id}/feedback".into(),
        json!({"parameters": id_param(), "post": body(op("The rep's feedback on their own completed request: did it help, what the prospect asked", tag), FEEDBACK_FIELDS, &["helped"])}),
    );
    paths.insert(
        "/api/v1/references/{id}/feedback-link".into(),
        json!({"parameters": id_param(), "post": op("A one-time feedback link for the advocate of a completed request (managers): `path` works once, needs no sign-in and expires after 14 days; the token is shown only in this answer", tag)}),
    );
    paths.insert(
        "/api/v1/references/{id}/confirm".into(),
        json!({"parameters": id_param(), "post": op("Confirm a completed activity happened without feedback (managers)", tag)}),
    );
}
