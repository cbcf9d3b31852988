//! JSON API for the scorecard (E1) and the quarterly-review analyzer (E2).

use crate::auth::{can, require_api};
use crate::error::ApiError;
use crate::extract::{only_known, JsonFields, Query};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use peerstage_core::agenda::{
    analyze_text, parse_format, AgendaInput, Analysis, Correction, ReviewClass, AGENDA_FIELDS,
    CORRECTION_FIELDS,
};
use peerstage_core::scorecard::{format_value, Figure, Scorecard};
use peerstage_core::{FieldError, FieldErrors, Permission};
use peerstage_store::QuarterlyReview;
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/scorecard", get(scorecard))
        .route("/quarterly-reviews", get(list_reviews).post(analyze_review))
        .route("/quarterly-reviews/corrections", post(correct))
}

type ApiResult<T> = Result<T, ApiError>;

/// Keys of the scorecard JSON that carry margins or profitability (ReadFinancials).
const FINANCIAL_KEYS: &[&str] = &[
    "margin",
    "average_margin",
    "margin_ratio",
    "lifetime_value",
    "unprofitable",
    "unprofitable_revenue",
    "unprofitable_margin",
];

fn strip_financial(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for k in FINANCIAL_KEYS {
                map.remove(*k);
            }
            map.values_mut().for_each(strip_financial);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_financial),
        _ => {}
    }
}

/// The scorecard as JSON: its periods, cohorts and today's figures, and each figure with
/// its value per period and the address of the rows behind it. Without ReadFinancials,
/// margins, lifetime value and profitability are left out.
pub fn scorecard_json(card: &Scorecard, financial: bool) -> Value {
    let figures: Vec<Value> = Figure::ALL
        .iter()
        .filter(|f| financial || !f.financial())
        .map(|f| {
            json!({
                "key": f.as_str(),
                "label": f.label(),
                "definition": f.definition(),
                "values": card.periods.iter().map(|p| json!({
                    "period": p.period,
                    "value": f.value(p),
                    "shown": format_value(f.unit(), f.value(p)),
                    "basis": f.basis(p),
                    "rows": crate::html::rows_link(f.as_str(), p.period, card.segment),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut v = serde_json::to_value(card).unwrap_or_default();
    if !financial {
        strip_financial(&mut v);
    }
    v["figures"] = Value::Array(figures);
    v["segment"] = json!(card.segment.map(|s| s.as_str()));
    v
}

async fn scorecard(State(st): State<AppState>, Query(q): Query) -> ApiResult<Json<Value>> {
    require_api(Permission::ReadCustomers)?;
    let today = chrono::Utc::now().date_naive();
    let (period, segment, errors) = crate::html::scorecard_choice(&q, today);
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let card = st.run(move |s| s.scorecard(period, segment, today)).await?;
    Ok(Json(scorecard_json(&card, can(Permission::ReadFinancials))))
}

/// An analysis as JSON, with its verdict in words.
pub fn analysis_json(a: &Analysis) -> Value {
    let mut v = serde_json::to_value(a).unwrap_or_default();
    v["summary"] = json!(a.summary());
    v["verdict_label"] = json!(a.verdict.map(|c| c.driven()));
    let shares: serde_json::Map<String, Value> = ReviewClass::ALL
        .iter()
        .map(|c| (c.as_str().to_string(), json!(a.minutes.share(*c))))
        .collect();
    v["share_by_class"] = Value::Object(shares);
    v
}

fn review_json(r: &QuarterlyReview, a: Option<&Analysis>) -> Value {
    json!({
        "id": r.id,
        "title": r.title,
        "held_on": r.held_on,
        "format": r.format,
        "created_by": r.created_by,
        "created_at": r.created_at,
        "analysis": a.map(analysis_json),
    })
}

async fn list_reviews(State(st): State<AppState>) -> ApiResult<Json<Value>> {
    require_api(Permission::ReadCustomers)?;
    let items = st
        .run(|s| {
            let vocab = s.agenda_vocabulary()?;
            Ok(s.list_quarterly_reviews(100)?
                .iter()
                .map(|r| review_json(r, r.analyze(&vocab).as_ref()))
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(Json(json!({ "items": items })))
}

/// Analyzes an agenda (`{"agenda": …, "format": "csv" | "markdown"}`); with `"save": true`
/// (WriteCustomers) it is saved too, with its `title` and `held_on`, and answered with 201.
async fn analyze_review(
    State(st): State<AppState>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let mut known = AGENDA_FIELDS.to_vec();
    known.push("save");
    only_known(&f, &known)?;
    let save = peerstage_core::parse::bool_or(f.get("save"), false)
        .map_err(|e| ApiError::invalid(FieldErrors::single("save", e)))?;
    if save {
        require_api(Permission::WriteCustomers)?;
    }
    let format = parse_format(f.get("format"))
        .map_err(|e| ApiError::invalid(FieldErrors::single("format", e)))?;
    if f.get("agenda").trim().is_empty() {
        return Err(ApiError::invalid(FieldErrors::single(
            "agenda",
            "is required: the agenda as CSV (item, minutes, notes) or Markdown",
        )));
    }
    let vocab = st.run(|s| s.agenda_vocabulary()).await?;
    let analysis = match analyze_text(f.get("agenda"), format, &vocab) {
        Ok(a) => a,
        Err(errors) => {
            let mut e = ApiError::invalid(FieldErrors(
                errors
                    .iter()
                    .map(|x| FieldError {
                        field: "agenda".into(),
                        reason: x.to_string(),
                    })
                    .collect(),
            ));
            e.message = format!(
                "the agenda could not be read: {}",
                peerstage_core::agenda::errors_text(&errors)
            );
            return Err(e);
        }
    };
    if !save {
        return Ok(Json(json!({ "analysis": analysis_json(&analysis) })).into_response());
    }
    let (input, _) = AgendaInput::from_fields(&f)?;
    let saved = st.run(move |s| s.save_quarterly_review(&input)).await?;
    Ok((
        StatusCode::CREATED,
        Json(review_json(&saved, Some(&analysis))),
    )
        .into_response())
}

/// Remembers that an item (or a phrase of it) belongs to a class.
async fn correct(State(st): State<AppState>, JsonFields(f): JsonFields) -> ApiResult<Response> {
    require_api(Permission::WriteCustomers)?;
    only_known(&f, CORRECTION_FIELDS)?;
    let c = Correction::from_fields(&f)?;
    let saved = st.run(move |s| s.save_agenda_correction(&c)).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::to_value(saved).unwrap_or_default()),
    )
        .into_response())
}

/// E1, E2 in the OpenAPI document.
pub(super) fn openapi_paths(paths: &mut serde_json::Map<String, Value>) {
    let errors = json!({
        "400": {"$ref": "#/components/responses/Error"},
        "401": {"$ref": "#/components/responses/Error"},
        "403": {"$ref": "#/components/responses/Error"},
        "422": {"$ref": "#/components/responses/Error"}
    });
    let responses = |code: &str, description: &str| {
        let mut r = errors.clone();
        r[code] = json!({"description": description, "content": {"application/json": {}}});
        r
    };
    let param = |name: &str, description: &str| json!({"name": name, "in": "query", "required": false, "schema": {"type": "string"}, "description": description});
    let classes: Vec<&str> = ReviewClass::ALL.iter().map(|c| c.as_str()).collect();
    paths.insert(
        "/api/v1/scorecard".into(),
        json!({"get": {
            "summary": "The customer-centricity scorecard for a quarter and segment, with the four quarters before it: touchpoints per account, accounts touched in the last 90 days, commitments kept on time, NPS, logo and revenue retention, retention by cohort, accounts at risk; with ReadFinancials also average margin, customer lifetime value and unprofitable accounts. Each figure names the address of the rows behind it.",
            "tags": ["scorecard"],
            "parameters": [
                param("period", "quarter, e.g. 2026Q3 (default: the last complete quarter)"),
                param("segment", "enterprise, mid_market or smb (default: all)")
            ],
            "responses": responses("200", "The scorecard")
        }}),
    );
    paths.insert(
        "/api/v1/quarterly-reviews".into(),
        json!({
            "get": {
                "summary": "Saved quarterly-review agendas, latest meeting first, each with its analysis (shares of time per class, verdict, cursory time) under the current vocabulary",
                "tags": ["quarterly reviews"],
                "responses": responses("200", "The saved reviews")
            },
            "post": {
                "summary": "Analyze an agenda: each item classed as product, sales, operations or customer value with the words that decided it; shares of time, verdict, cursory time. With save: true (WriteCustomers) it is also saved and answered with 201. Unreadable agendas are a 422 with one error per line.",
                "tags": ["quarterly reviews"],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "type": "object", "additionalProperties": false, "required": ["agenda"],
                    "properties": {
                        "agenda": {"type": "string", "description": "CSV with columns item, minutes[, notes]; a Markdown table with those columns; or a Markdown list like '- Pipeline review (45 min)'"},
                        "format": {"type": "string", "enum": ["csv", "markdown"], "description": "default: detected"},
                        "title": {"type": "string"},
                        "held_on": {"type": "string", "format": "date"},
                        "save": {"type": ["boolean", "string"]}
                    }
                }}}},
                "responses": responses("200", "The analysis")
            }
        }),
    );
    let created = responses("201", "The remembered correction");
    paths.insert(
        "/api/v1/quarterly-reviews/corrections".into(),
        json!({"post": {
            "summary": "Remember that an agenda item (or a phrase of it) is of a class; it then outranks the built-in vocabulary for every agenda, saved ones included (WriteCustomers)",
            "tags": ["quarterly reviews"],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
                "type": "object", "additionalProperties": false, "required": ["class"],
                "properties": {
                    "item": {"type": "string", "description": "the agenda item"},
                    "phrase": {"type": "string", "description": "the words to remember (default: the whole item)"},
                    "class": {"type": "string", "enum": classes}
                }
            }}}},
            "responses": created
        }}),
    );
}
