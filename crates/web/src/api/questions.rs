//! JSON API for the interview-question linter (C6): `POST /api/v1/questions/lint`.

use crate::auth::require_api;
use crate::error::ApiError;
use crate::extract::json_to_fields;
use crate::AppState;
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use peerstage_core::questions::{lint_guide, GuideReport, LintedQuestion, QuestionRule};
use peerstage_core::{FieldErrors, Permission};
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new().route("/questions/lint", post(lint))
}

/// One linted question as JSON: its line, text, flags (rule, label, why, rewrite).
pub fn question_json(q: &LintedQuestion) -> Value {
    json!({
        "line": q.line,
        "text": q.text,
        "flagged": !q.flags.is_empty(),
        "rules": q.flags.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(),
        "rewrite": q.rewrite(),
        "flags": q.flags.iter().map(|f| json!({
            "rule": f.rule.as_str(),
            "label": f.rule.label(),
            "why": f.why,
            "rewrite": f.rewrite,
        })).collect::<Vec<_>>(),
    })
}

/// The whole report: questions, how many were flagged, a count per rule.
pub fn report_json(r: &GuideReport) -> Value {
    let counts: serde_json::Map<String, Value> = r
        .counts()
        .into_iter()
        .map(|(rule, n)| (rule.as_str().to_string(), json!(n)))
        .collect();
    json!({
        "questions": r.questions.iter().map(question_json).collect::<Vec<_>>(),
        "total": r.questions.len(),
        "flagged": r.flagged(),
        "counts": counts,
        "skipped_lines": r.skipped_lines,
    })
}

/// The guide from the body: `{"guide": "…"}` or `{"questions": ["…", …]}` as JSON, or the
/// guide itself as text/plain or text/markdown.
fn guide_of(content_type: &str, body: &[u8]) -> Result<String, ApiError> {
    if content_type.starts_with("application/json") {
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
        if let Some(list) = value.get("questions").and_then(Value::as_array) {
            if value.as_object().is_some_and(|o| o.len() > 1) {
                return Err(ApiError::invalid(FieldErrors::single(
                    "questions",
                    "send either \"guide\" or \"questions\", not both",
                )));
            }
            let mut lines = Vec::with_capacity(list.len());
            for (i, item) in list.iter().enumerate() {
                match item.as_str() {
                    // One question a line: line breaks inside an item become spaces.
                    Some(s) => lines.push(s.split_whitespace().collect::<Vec<_>>().join(" ")),
                    None => {
                        return Err(ApiError::invalid(FieldErrors::single(
                            "questions",
                            format!("item {} is not text", i + 1),
                        )))
                    }
                }
            }
            return Ok(lines.join("\n"));
        }
        let f = json_to_fields(&value).map_err(ApiError::invalid)?;
        crate::extract::only_known(&f, &["guide"]).map_err(ApiError::invalid)?;
        return Ok(f.get("guide").to_string());
    }
    if content_type.starts_with("text/") || content_type.is_empty() {
        return String::from_utf8(body.to_vec()).map_err(|_| {
            ApiError::invalid(FieldErrors::single(
                "guide",
                "the body is not UTF-8 text; save the guide as UTF-8",
            ))
        });
    }
    Err(ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "send the guide as text/plain or text/markdown, or JSON {\"guide\": …} or {\"questions\": […]}",
    ))
}

/// Lints an interview guide; 422 when it holds no question or is too long. Any signed-in
/// user may lint (every role reads customers).
async fn lint(req: Request) -> Result<Json<Value>, ApiError> {
    require_api(Permission::ReadCustomers)?;
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let body = axum::body::to_bytes(req.into_body(), crate::BODY_LIMIT)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the guide is larger than {} bytes", crate::BODY_LIMIT),
            )
        })?;
    let guide = guide_of(&ct, &body)?;
    let report =
        lint_guide(&guide).map_err(|e| ApiError::invalid(FieldErrors::single("guide", e)))?;
    Ok(Json(report_json(&report)))
}

/// C6 in the OpenAPI document.
pub(super) fn openapi_paths(paths: &mut serde_json::Map<String, Value>) {
    let rules: Vec<&str> = QuestionRule::ALL.iter().map(|r| r.as_str()).collect();
    paths.insert(
        "/api/v1/questions/lint".into(),
        json!({"post": {
            "summary": "Lint an interview guide (one question a line, or Markdown): each question with the rules it breaks (closed, leading, feature_shopping, double_barrelled), why, and an outcome-oriented rewrite. Any signed-in user.",
            "tags": ["questions"],
            "requestBody": {"required": true, "content": {
                "application/json": {"schema": {"type": "object", "additionalProperties": false, "properties": {
                    "guide": {"type": "string", "description": "the guide as text: one question a line, or Markdown"},
                    "questions": {"type": "array", "items": {"type": "string"}, "description": "the questions, one an item (instead of guide)"}
                }}},
                "text/plain": {"schema": {"type": "string"}},
                "text/markdown": {"schema": {"type": "string"}}
            }},
            "responses": {
                "200": {"description": "The linted guide: questions[] with line, text, rules, flags[{rule, label, why, rewrite}], total, flagged, counts per rule (rules: ".to_string() + &rules.join(", ") + ")", "content": {"application/json": {}}},
                "400": {"$ref": "#/components/responses/Error"},
                "401": {"$ref": "#/components/responses/Error"},
                "415": {"$ref": "#/components/responses/Error"},
                "422": {"$ref": "#/components/responses/Error"}
            }
        }}),
    );
}
