//! JSON API for advocates, reference requests and the program report (B1–B4).

use super::{id_of, ApiResult};
use crate::auth::{can, current, require_api};
use crate::error::ApiError;
use crate::extract::{only_known, JsonFields, Query};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use peerstage_core::advocacy::{IncentiveKind, Motivation, Opportunity, Trait};
use peerstage_core::reference::{DealOutcome, NewRequest, RequestStatus, REQUEST_FIELDS};
use peerstage_core::{parse, FieldErrors, Permission};
use peerstage_store::{AdvocateRow, ProgramSettings, ReferenceRequest, RequestFilter};
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/advocates", get(list_advocates))
        .route("/advocates/{id}", get(get_advocate).put(update_advocate))
        .route("/advocates/{id}/activities", post(add_activity))
        .route("/advocates/{id}/incentives", post(add_incentive))
        .route("/program/settings", get(get_settings).put(put_settings))
        .route("/program/report", get(program_report))
        .route("/references", get(list_requests).post(create_request))
        .route("/references/match", post(match_criteria))
        .route("/references/{id}", get(get_request))
        .route("/references/{id}/candidates", get(candidates))
        .route("/references/{id}/status", post(advance))
        .route("/references/{id}/outcome", post(outcome))
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Without financial access the profitability trait says only whether, not how much.
fn advocate_json(row: &AdvocateRow) -> serde_json::Value {
    let mut v = serde_json::to_value(row).unwrap_or_default();
    if !can(Permission::ReadFinancials) {
        if let Some(f) = v.get_mut("facts").and_then(|f| f.as_object_mut()) {
            f.remove("account_margin");
            f.remove("account_revenue");
        }
        if let Some(traits) = v
            .pointer_mut("/score/traits")
            .and_then(|t| t.as_array_mut())
        {
            for t in traits {
                if t.get("trait").and_then(|x| x.as_str()) == Some(Trait::Profitable.as_str()) {
                    let yes = t.get("strength").and_then(|s| s.as_f64()).unwrap_or(0.0) > 0.0;
                    t["because"] = json!(if yes {
                        "the account is profitable"
                    } else {
                        "the account is not profitable"
                    });
                    // Strength is 0.5 + margin ÷ revenue, and revenue is readable: together
                    // they gave the margin away to the cent.
                    if let Some(o) = t.as_object_mut() {
                        o.remove("strength");
                        o.remove("points");
                        o.insert("profitable".into(), json!(yes));
                    }
                }
            }
        }
    }
    v
}

async fn list_advocates(State(st): State<AppState>, Query(q): Query) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let rock = parse::bool_or(q.get("rock_stars"), false)
        .map_err(|e| ApiError::invalid(FieldErrors::single("rock_stars", e)))?;
    let offer = match q.get("offer") {
        "" => None,
        o => Some(
            Opportunity::parse(o)
                .map_err(|e| ApiError::invalid(FieldErrors::single("offer", e)))?,
        ),
    };
    let limit: usize = q.get("limit").parse().unwrap_or(100).clamp(1, 1000);
    let snap = st.run(|s| s.advocate_snapshot(today())).await?;
    let mut rows: Vec<&AdvocateRow> = snap
        .rows
        .iter()
        .filter(|r| !rock || r.score.rock_star)
        .filter(|r| offer.is_none_or(|o| r.motivations.iter().any(|(m, _)| o.serves().contains(m))))
        .collect();
    rows.sort_by(|a, b| {
        b.score
            .score
            .cmp(&a.score.score)
            .then(a.candidate.contact_id.cmp(&b.candidate.contact_id))
    });
    let total = rows.len();
    let items: Vec<serde_json::Value> = rows.into_iter().take(limit).map(advocate_json).collect();
    Ok(Json(json!({"items": items, "total": total})).into_response())
}

async fn get_advocate(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    let p = st.run(move |s| s.advocate_profile(id, today())).await?;
    let mut v = serde_json::to_value(&p).unwrap_or_default();
    let row = advocate_json(&p.row);
    if let (Some(obj), Some(r)) = (v.as_object_mut(), row.as_object()) {
        for (k, val) in r {
            obj.insert(k.clone(), val.clone());
        }
    }
    Ok(Json(v).into_response())
}

/// Body: {"lead_user": bool, "modifies_product": bool, "notes": text, "motivations": [..]}; omitted fields keep their value.
async fn update_advocate(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::ManageAdvocates)?;
    let id = id_of(&id)?;
    only_known(
        &f,
        &["lead_user", "modifies_product", "notes", "motivations"],
    )?;
    let current = st.run(move |s| s.advocate_profile(id, today())).await?;
    let mut e = FieldErrors::new();
    let lead = if f.has("lead_user") {
        e.check("lead_user", parse::bool_or(f.get("lead_user"), false))
            .unwrap_or(false)
    } else {
        current.lead_user
    };
    let modifies = if f.has("modifies_product") {
        e.check(
            "modifies_product",
            parse::bool_or(f.get("modifies_product"), false),
        )
        .unwrap_or(false)
    } else {
        current.modifies_product
    };
    let notes = if f.has("notes") {
        e.check("notes", parse::optional_text(f.get("notes"), 5000))
            .flatten()
    } else {
        current.notes.clone()
    };
    let motivations: Option<Vec<Motivation>> = if f.has("motivations") {
        let mut v = Vec::new();
        for m in f
            .get("motivations")
            .split(';')
            .map(str::trim)
            .filter(|m| !m.is_empty())
        {
            if let Some(m) = e.check("motivations", Motivation::parse(m)) {
                v.push(m);
            }
        }
        Some(v)
    } else {
        None
    };
    if !e.is_empty() {
        return Err(ApiError::invalid(e));
    }
    let p = st
        .run(move |s| {
            s.set_advocate_profile(id, lead, modifies, notes)?;
            if let Some(m) = motivations {
                s.set_motivations(id, &m)?;
            }
            s.advocate_profile(id, today())
        })
        .await?;
    Ok(Json(json!({"contact_id": id, "lead_user": p.lead_user, "modifies_product": p.modifies_product, "notes": p.notes, "motivations": p.row.motivations})).into_response())
}

async fn add_activity(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::ManageAdvocates)?;
    let id = id_of(&id)?;
    only_known(&f, &["opportunity", "status", "occurred_on", "notes"])?;
    let mut e = FieldErrors::new();
    let o = e.check("opportunity", Opportunity::parse(f.get("opportunity")));
    let d = e.check("occurred_on", parse::required_date(f.get("occurred_on")));
    let notes = e
        .check("notes", parse::optional_text(f.get("notes"), 2000))
        .flatten();
    let status = if f.get("status").is_empty() {
        "accepted".to_string()
    } else {
        f.get("status").to_string()
    };
    let (Some(o), Some(d), true) = (o, d, e.is_empty()) else {
        return Err(ApiError::invalid(e));
    };
    let aid = st
        .run(move |s| s.record_activity(id, o, &status, d, notes))
        .await?;
    Ok((StatusCode::CREATED, Json(json!({"id": aid}))).into_response())
}

async fn add_incentive(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::ManageAdvocates)?;
    let id = id_of(&id)?;
    only_known(&f, &["kind", "given_on", "description", "value"])?;
    let mut e = FieldErrors::new();
    let k = e.check("kind", IncentiveKind::parse(f.get("kind")));
    let d = e.check("given_on", parse::required_date(f.get("given_on")));
    let v = e
        .check("value", parse::optional_money(f.get("value")))
        .flatten()
        .unwrap_or(0);
    let desc = f.get("description").to_string();
    // Every problem at once; a bad value is refused, never stored as 0.
    let (Some(k), Some(d), true) = (k, d, e.is_empty()) else {
        return Err(ApiError::invalid(e));
    };
    let iid = st
        .run(move |s| s.record_incentive(id, k, d, &desc, v))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": iid, "flagged": true})),
    )
        .into_response())
}

/// What `PUT /program/settings` takes (whole numbers each).
const SETTINGS_KEYS: &[&str] = &[
    "profitable",
    "exceptional_value",
    "affiliates",
    "leading_edge",
    "serves_others",
    "rock_star_score",
    "fatigue_limit",
    "fatigue_window_days",
    "nomination_stale_days",
    "ask_wait_days",
];

async fn get_settings(State(st): State<AppState>) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    Ok(Json(st.run(|s| s.program_settings()).await?).into_response())
}

/// Body: any of profitable, exceptional_value, affiliates, leading_edge, serves_others,
/// rock_star_score, fatigue_limit, fatigue_window_days, nomination_stale_days, ask_wait_days
/// (whole numbers).
async fn put_settings(
    State(st): State<AppState>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::ManageAdvocates)?;
    only_known(&f, SETTINGS_KEYS)?;
    let mut s: ProgramSettings = st.run(|s| s.program_settings()).await?;
    let mut e = FieldErrors::new();
    let mut num = |k: &str, slot: &mut u32, max: i64| {
        if f.has(k) {
            if let Some(Some(v)) = e.check(k, parse::optional_int(f.get(k), 0, max)) {
                *slot = v as u32;
            }
        }
    };
    num("profitable", &mut s.weights.profitable, 1000);
    num("exceptional_value", &mut s.weights.exceptional_value, 1000);
    num("affiliates", &mut s.weights.affiliates, 1000);
    num("leading_edge", &mut s.weights.leading_edge, 1000);
    num("serves_others", &mut s.weights.serves_others, 1000);
    num("rock_star_score", &mut s.rock_star_score, 100);
    num("fatigue_limit", &mut s.matching.fatigue_limit, 100);
    num(
        "fatigue_window_days",
        &mut s.matching.fatigue_window_days,
        3650,
    );
    num("nomination_stale_days", &mut s.nomination_stale_days, 3650);
    num("ask_wait_days", &mut s.ask_wait_days, 3650);
    if !e.is_empty() {
        return Err(ApiError::invalid(e));
    }
    let saved = s.clone();
    st.run(move |st| st.save_program_settings(&s)).await?;
    Ok(Json(saved).into_response())
}

async fn program_report(State(st): State<AppState>) -> ApiResult<Response> {
    require_api(Permission::ManageAdvocates)?;
    let r = st.run(|s| s.program_report(today())).await?;
    let mut v = serde_json::to_value(&r).unwrap_or_default();
    v["win_rate_with_reference"] = json!(r.win_rate_with());
    v["win_rate_without_reference"] = json!(r.win_rate_without());
    Ok(Json(v).into_response())
}

fn visible(r: &ReferenceRequest) -> ApiResult<()> {
    if can(Permission::ManageAdvocates)
        || current().is_some_and(|u| r.requested_by_user_id == Some(u.user.id))
    {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "this request belongs to another rep",
        ))
    }
}

async fn list_requests(State(st): State<AppState>, Query(q): Query) -> ApiResult<Response> {
    require_api(Permission::RequestReferences)?;
    let status = match q.get("status") {
        "" => None,
        s => Some(
            RequestStatus::parse(s)
                .map_err(|e| ApiError::invalid(FieldErrors::single("status", e)))?,
        ),
    };
    let mut filter = RequestFilter {
        status,
        ..Default::default()
    };
    if !can(Permission::ManageAdvocates) {
        filter.requested_by_user_id = Some(current().map(|u| u.user.id).unwrap_or(-1));
    }
    let items = st.run(move |s| s.list_requests(&filter)).await?;
    Ok(Json(json!({"items": items})).into_response())
}

async fn create_request(
    State(st): State<AppState>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::RequestReferences)?;
    only_known(&f, REQUEST_FIELDS)?;
    let req = NewRequest::from_fields(&f)?;
    Ok((
        StatusCode::CREATED,
        Json(st.run(move |s| s.create_request(&req)).await?),
    )
        .into_response())
}

async fn get_request(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::RequestReferences)?;
    let id = id_of(&id)?;
    let r = st.run(move |s| s.get_request(id)).await?;
    visible(&r)?;
    Ok(Json(r).into_response())
}

async fn candidates(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query,
) -> ApiResult<Response> {
    require_api(Permission::RequestReferences)?;
    let id = id_of(&id)?;
    let limit: usize = q.get("limit").parse().unwrap_or(10).clamp(1, 200);
    // One trip to the blocking pool: read the request, check who may see it, match.
    let me = current().map(|u| u.user.id);
    let manager = can(Permission::ManageAdvocates);
    let matched = st
        .run(move |s| {
            let r = s.get_request(id)?;
            if !manager && r.requested_by_user_id.is_none_or(|u| Some(u) != me) {
                return Ok(None);
            }
            s.match_loaded_request(&r, today(), limit).map(Some)
        })
        .await?;
    match matched {
        Some(m) => Ok(Json(m).into_response()),
        None => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "this request belongs to another rep",
        )),
    }
}

/// Ranks advocates for criteria (the request fields) without creating a request.
async fn match_criteria(
    State(st): State<AppState>,
    JsonFields(mut f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::RequestReferences)?;
    let limit: usize = f.get("limit").parse().unwrap_or(10).clamp(1, 200);
    f.0.retain(|(k, _)| k != "limit");
    only_known(&f, REQUEST_FIELDS)?;
    if f.get("prospect_name").is_empty() && f.get("prospect_account_id").is_empty() {
        f.set("prospect_name", "unnamed prospect");
    }
    if f.get("activity").is_empty() {
        f.set("activity", "reference_call");
    }
    let req = NewRequest::from_fields(&f)?;
    Ok(Json(
        st.run(move |s| s.match_criteria_for(&req.criteria, Some(req.activity), today(), limit))
            .await?,
    )
    .into_response())
}

/// Body: {"status": "...", "contact_id": 1, "note": "..."}. Managers move requests; a rep may cancel their own.
async fn advance(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::RequestReferences)?;
    let id = id_of(&id)?;
    only_known(&f, &["status", "contact_id", "note"])?;
    let mut e = FieldErrors::new();
    let to = e.check("status", RequestStatus::parse(f.get("status")));
    let contact = e
        .check(
            "contact_id",
            parse::optional_int(f.get("contact_id"), 1, i64::MAX),
        )
        .flatten();
    let note = e
        .check("note", parse::optional_text(f.get("note"), 2000))
        .flatten();
    let Some(to) = to else {
        return Err(ApiError::invalid(e));
    };
    if !e.is_empty() {
        return Err(ApiError::invalid(e));
    }
    let r = st.run(move |s| s.get_request(id)).await?;
    visible(&r)?;
    let owner_cancel = to == RequestStatus::Cancelled
        && current().is_some_and(|u| r.requested_by_user_id == Some(u.user.id));
    if !can(Permission::ManageAdvocates) && !owner_cancel {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "only the advocacy manager moves requests along; reps may cancel their own",
        ));
    }
    Ok(Json(
        st.run(move |s| s.advance_request(id, to, contact, note, today()))
            .await?,
    )
    .into_response())
}

async fn outcome(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::RequestReferences)?;
    let id = id_of(&id)?;
    only_known(&f, &["outcome", "revenue_influenced"])?;
    let mut e = FieldErrors::new();
    let o = e.check("outcome", DealOutcome::parse(f.get("outcome")));
    let rev = e
        .check(
            "revenue_influenced",
            parse::optional_money(f.get("revenue_influenced")),
        )
        .flatten()
        .unwrap_or(0);
    let Some(o) = o else {
        return Err(ApiError::invalid(e));
    };
    if !e.is_empty() {
        return Err(ApiError::invalid(e));
    }
    let r = st.run(move |s| s.get_request(id)).await?;
    visible(&r)?;
    Ok(Json(st.run(move |s| s.set_request_outcome(id, o, rev)).await?).into_response())
}

/// The advocate and reference routes in the OpenAPI document.
pub(crate) fn openapi_paths(paths: &mut serde_json::Map<String, serde_json::Value>) {
    use super::openapi::{id_param, op, query};
    use serde_json::Value;
    let (advocates, references) = ("advocates", "references");
    let body = |mut m: serde_json::Map<String, Value>, schema: Value| {
        m.insert(
            "requestBody".into(),
            json!({"required": true, "content": {"application/json": {"schema": schema}}}),
        );
        Value::Object(m)
    };
    let object = |props: Value, required: &[&str]| json!({"type": "object", "properties": props, "required": required, "additionalProperties": false});
    let text = json!({"type": "string"});
    let yes_no = json!({"type": ["boolean", "string"]});
    let number = json!({"type": ["integer", "string"]});
    let list = json!({"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string", "description": "separated by ;"}]});
    let date = json!({"type": "string", "format": "date"});
    let names = |all: Vec<&str>| all.join(", ");

    let mut list_op = op("Advocate candidates by score, highest first: score, its parts, motivations, fatigue (items, total)", advocates);
    list_op.insert(
        "parameters".into(),
        query(&[
            ("rock_stars", "yes: only rock stars"),
            (
                "offer",
                &format!(
                    "only advocates whom this opportunity serves: {}",
                    names(Opportunity::ALL.iter().map(|o| o.as_str()).collect())
                ),
            ),
            ("limit", "1 to 1000, default 100"),
        ]),
    );
    paths.insert("/api/v1/advocates".into(), json!({"get": list_op}));
    let motivations = names(Motivation::ALL.iter().map(|m| m.as_str()).collect());
    paths.insert(
        "/api/v1/advocates/{id}".into(),
        json!({
            "parameters": id_param(),
            "get": op("One advocate by contact id: score and its parts, motivations and what to offer, activities, incentives, fatigue", advocates),
            "put": body(
                op("Change an advocate's profile (managers); omitted fields keep their value", advocates),
                object(json!({
                    "lead_user": yes_no, "modifies_product": yes_no, "notes": text,
                    "motivations": {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}], "description": motivations},
                }), &[]),
            ),
        }),
    );
    paths.insert(
        "/api/v1/advocates/{id}/activities".into(),
        json!({"parameters": id_param(), "post": body(
            op("Record an advocacy activity (managers); 201 with its id", advocates),
            object(json!({
                "opportunity": {"type": "string", "description": names(Opportunity::ALL.iter().map(|o| o.as_str()).collect())},
                "status": {"type": "string", "description": "default: accepted"},
                "occurred_on": date, "notes": text,
            }), &["opportunity", "occurred_on"]),
        )}),
    );
    paths.insert(
        "/api/v1/advocates/{id}/incentives".into(),
        json!({"parameters": id_param(), "post": body(
            op("Record a gift, invitation or other recognition given (managers); 201 with its id", advocates),
            object(json!({
                "kind": {"type": "string", "description": names(IncentiveKind::ALL.iter().map(|k| k.as_str()).collect())},
                "given_on": date, "description": text, "value": number,
            }), &["kind", "given_on", "description"]),
        )}),
    );
    let settings: serde_json::Map<String, Value> = SETTINGS_KEYS
        .iter()
        .map(|k| (k.to_string(), number.clone()))
        .collect();
    paths.insert(
        "/api/v1/program/settings".into(),
        json!({
            "get": op("Score weights, the rock-star threshold, fatigue and nomination settings", advocates),
            "put": body(op("Change any of the settings (managers; whole numbers); answers with all of them", advocates), object(Value::Object(settings), &[])),
        }),
    );
    paths.insert(
        "/api/v1/program/report".into(),
        json!({"get": op("The program report (managers): activity per advocate, fatigue, influenced pipeline and won revenue, win rate with and without a reference, criteria that found no match", advocates)}),
    );
    let mut request: serde_json::Map<String, Value> = serde_json::Map::new();
    for f in REQUEST_FIELDS {
        let schema = match *f {
            "prospect_account_id" | "deal_value" => number.clone(),
            "needed_by" => date.clone(),
            "products" | "topics" => list.clone(),
            f if f.ends_with("_required") => yes_no.clone(),
            _ => text.clone(),
        };
        request.insert(f.to_string(), schema);
    }
    let request = object(Value::Object(request), &["activity"]);
    let mut list_requests = op(
        "Reference requests, newest first (reps see their own; managers all)",
        references,
    );
    list_requests.insert(
        "parameters".into(),
        query(&[(
            "status",
            &names(RequestStatus::ALL.iter().map(|s| s.as_str()).collect()),
        )]),
    );
    paths.insert(
        "/api/v1/references".into(),
        json!({"get": list_requests, "post": body(op("Ask for a reference for a deal: the activity, the deal, and criteria (each may be required); 201", references), request.clone())}),
    );
    paths.insert(
        "/api/v1/references/match".into(),
        json!({"post": body(op("Rank candidates for criteria without saving a request: score breakdown and why others were left out", references), request)}),
    );
    paths.insert(
        "/api/v1/references/{id}".into(),
        json!({"parameters": id_param(), "get": op("One request with its history", references)}),
    );
    let mut cands = op("Ranked candidates for a request, with the score breakdown (consent, do-not-contact, at-risk accounts and fatigue excluded)", references);
    cands.insert(
        "parameters".into(),
        json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}},
               {"name": "limit", "in": "query", "schema": {"type": "string"}, "description": "1 to 200, default 10"}]),
    );
    paths.insert(
        "/api/v1/references/{id}/candidates".into(),
        json!({"get": cands}),
    );
    paths.insert(
        "/api/v1/references/{id}/status".into(),
        json!({"parameters": id_param(), "post": body(
            op("Move a request: requested → proposed (with contact_id) → asked → accepted/declined → completed (managers)", references),
            object(json!({
                "status": {"type": "string", "description": names(RequestStatus::ALL.iter().map(|s| s.as_str()).collect())},
                "contact_id": number, "note": text,
            }), &["status"]),
        )}),
    );
    paths.insert(
        "/api/v1/references/{id}/outcome".into(),
        json!({"parameters": id_param(), "post": body(
            op("Record the deal's outcome and the revenue the reference influenced", references),
            object(json!({
                "outcome": {"type": "string", "description": names(DealOutcome::ALL.iter().map(|o| o.as_str()).collect())},
                "revenue_influenced": number,
            }), &["outcome"]),
        )}),
    );
}
