//! JSON API for voice-of-customer evidence (C1).

use super::openapi::{id_param, input_schema, op, query, with_body};
use super::{id_of, ApiResult};
use crate::auth::require_api;
use crate::error::ApiError;
use crate::extract::{merged, only_known, JsonFields, Query};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use peerstage_core::evidence::{
    suggest, EvidenceData, EvidenceKind, EvidenceQuery, EvidenceSource, EVIDENCE_FIELDS,
};
use peerstage_core::Permission;
use serde_json::{json, Map, Value};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/evidence", get(list).post(create))
        .route("/evidence/suggest", post(suggestion))
        .route("/evidence/sync", post(sync))
        .route("/evidence/{id}", get(get_one).put(update).delete(delete))
}

/// Filters: kind, source, level, tag, account_id, contact_id, from, to; sort and page.
async fn list(State(st): State<AppState>, Query(q): Query) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let query = EvidenceQuery::from_fields(&q)?;
    let page = st.run(move |s| s.list_evidence(&query)).await?;
    Ok(Json(page).into_response())
}

async fn get_one(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    Ok(Json(st.run(move |s| s.get_evidence(id)).await?).into_response())
}

async fn create(State(st): State<AppState>, JsonFields(f): JsonFields) -> ApiResult<Response> {
    require_api(Permission::WriteEvidence)?;
    only_known(&f, EVIDENCE_FIELDS)?;
    let d = EvidenceData::from_fields(&f)?;
    let ev = st.run(move |s| s.create_evidence(&d)).await?;
    Ok((StatusCode::CREATED, Json(ev)).into_response())
}

/// Omitted fields keep their value; sending `kind` or `level` replaces the suggestion.
async fn update(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::WriteEvidence)?;
    let id = id_of(&id)?;
    only_known(&f, EVIDENCE_FIELDS)?;
    let current = st.run(move |s| s.get_evidence(id)).await?;
    let mut base = current.data.to_fields();
    if current.data.suggested {
        // A suggestion is not a choice: let the rules suggest again for new text.
        if !f.has("kind") {
            base.set("kind", "");
        }
        if !f.has("level") {
            base.set("level", "");
        }
    }
    let d = EvidenceData::from_fields(&merged(base, &f))?;
    Ok(Json(st.run(move |s| s.update_evidence(id, &d)).await?).into_response())
}

async fn delete(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::WriteEvidence)?;
    let id = id_of(&id)?;
    st.run(move |s| s.delete_evidence(id)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// What the rules suggest for a text, and the phrases that decided.
async fn suggestion(JsonFields(f): JsonFields) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    only_known(&f, &["text", "source"])?;
    let source = match f.get("source") {
        "" => EvidenceSource::Pasted,
        s => EvidenceSource::parse(s)
            .map_err(|e| ApiError::invalid(peerstage_core::FieldErrors::single("source", e)))?,
    };
    let text = f.get("text");
    Ok(Json(json!({
        "suggestion": suggest(text, source),
        "sentiment": peerstage_core::sentiment::score(text),
    }))
    .into_response())
}

/// Brings notes, NPS comments and reviews written around the store (imports) into evidence.
async fn sync(State(st): State<AppState>) -> ApiResult<Response> {
    require_api(Permission::WriteEvidence)?;
    Ok(Json(st.run(|s| s.sync_evidence()).await?).into_response())
}

pub(super) fn openapi_paths(paths: &mut Map<String, Value>) {
    let mut list = op(
        "List evidence, newest first: filter by kind, source, level, tag, account, contact and dates; sort and page",
        "voice of the customer",
    );
    list.insert(
        "parameters".into(),
        query(&[
            (
                "kind",
                "problem, wish, praise, why_bought, existential_threat, recommendation, language",
            ),
            (
                "source",
                "touchpoint, nps, transcript, event, review, pasted, import",
            ),
            ("level", "research level 1 to 5"),
            ("tag", "one tag"),
            ("account_id", "one account"),
            ("contact_id", "one contact"),
            ("from", "YYYY-MM-DD"),
            ("to", "YYYY-MM-DD"),
            ("sort", "date (default), kind, level, sentiment, account"),
            ("dir", "asc or desc (default)"),
            ("page", "from 1"),
            ("per_page", "1 to 500, default 50"),
        ]),
    );
    let mut create = op(
        "Add an item; kind and level are suggested by the documented rules when omitted",
        "voice of the customer",
    );
    if let Some(r) = create.get_mut("responses").and_then(Value::as_object_mut) {
        r.remove("200");
        r.insert(
            "201".into(),
            json!({"description": "Created", "content": {"application/json": {}}}),
        );
    }
    paths.insert(
        "/api/v1/evidence".into(),
        json!({"get": list, "post": with_body(create, "EvidenceInput")}),
    );
    let mut delete = op(
        "Delete an item; 409 for items that follow a touchpoint note, NPS comment or review",
        "voice of the customer",
    );
    if let Some(r) = delete.get_mut("responses").and_then(Value::as_object_mut) {
        r.remove("200");
        r.insert("204".into(), json!({"description": "Deleted"}));
        r.insert(
            "409".into(),
            json!({"$ref": "#/components/responses/Error"}),
        );
    }
    paths.insert(
        "/api/v1/evidence/{id}".into(),
        json!({
            "parameters": id_param(),
            "get": op("One item with its tags, sentiment and source links", "voice of the customer"),
            "put": with_body(op("Update an item; omitted fields keep their value", "voice of the customer"), "EvidenceInput"),
            "delete": delete,
        }),
    );
    paths.insert(
        "/api/v1/evidence/suggest".into(),
        json!({"post": with_body(op("The kind and research level the rules suggest for a text (with the deciding phrases) and its sentiment", "voice of the customer"), "EvidenceSuggestInput")}),
    );
    paths.insert(
        "/api/v1/evidence/sync".into(),
        json!({"post": op("Turn touchpoint notes, NPS comments and reviews without evidence into evidence (runs by itself after imports and at start); returns added, updated, removed", "voice of the customer")}),
    );
}

pub(super) fn openapi_schemas() -> Map<String, Value> {
    let mut input = input_schema(EVIDENCE_FIELDS, &["text", "date"]);
    input["properties"]["date"] = json!({"type": "string", "format": "date"});
    input["properties"]["kind"] = json!({"type": "string", "enum": EvidenceKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>()});
    input["properties"]["source"] = json!({"type": "string", "enum": EvidenceSource::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>()});
    input["properties"]["level"] =
        json!({"type": ["integer", "string"], "minimum": 1, "maximum": 5});
    input["properties"]["account_id"] = json!({"type": ["integer", "string"]});
    input["properties"]["contact_id"] = json!({"type": ["integer", "string"]});
    input["properties"]["tags"] = json!({"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string", "description": "separated by commas"}]});
    let mut m = Map::new();
    m.insert("EvidenceInput".into(), input);
    m.insert(
        "EvidenceSuggestInput".into(),
        json!({"type": "object", "additionalProperties": false, "required": ["text"], "properties": {"text": {"type": "string"}, "source": {"type": "string"}}}),
    );
    m
}
