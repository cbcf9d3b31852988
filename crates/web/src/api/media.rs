//! JSON API for the media library (C2): recordings with their consent, uploads (multipart)
//! or links (JSON), transcripts split into evidence, and the stored file with byte ranges.

use super::{id_of, ApiResult};
use crate::auth::{can, require_api};
use crate::error::ApiError;
use crate::extract::{only_known, Query};
use crate::media::{create, read_upload, transcript_of, Created};
use crate::AppState;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use peerstage_core::account::Paging;
use peerstage_core::evidence::Evidence;
use peerstage_core::media::{Media, MediaConsent, MediaData, MediaKind, MediaSort, MEDIA_FIELDS};
use peerstage_core::transcript::{fragment, TranscriptFormat};
use peerstage_core::{FieldErrors, Fields, Permission};
use peerstage_store::MediaQuery;
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/media",
            get(list).post(add).layer(DefaultBodyLimit::disable()),
        )
        .route("/media/{id}", get(show).put(update).delete(remove))
        .route("/media/{id}/file", get(file))
        .route(
            "/media/{id}/transcript",
            post(transcript).layer(DefaultBodyLimit::disable()),
        )
}

/// A recording as JSON, with what its consent allows and where it plays from.
pub fn media_json(m: &Media) -> Value {
    let mut v = serde_json::to_value(m).unwrap_or_default();
    v["consent_label"] = json!(m.data.consent.label());
    v["internal_use_allowed"] = json!(m.data.consent.internal_ok());
    v["external_use_allowed"] = json!(m.data.consent.external_ok());
    v["play_url"] = json!(m.source_url());
    v["page_url"] = json!(format!("/media/{}", m.id));
    v
}

fn item_json(m: &Media, e: &Evidence) -> Value {
    let mut v = serde_json::to_value(e).unwrap_or_default();
    v["id"] = json!(e.id);
    v["moment_url"] = json!(e.data.media_start_ms.map(|ms| format!(
        "/media/{}?t={}#player",
        m.id,
        ms as f64 / 1000.0
    )));
    v["play_url"] = json!(match (m.source_url(), e.data.media_start_ms) {
        (Some(u), Some(ms)) => Some(format!("{u}{}", fragment(ms, e.data.media_end_ms))),
        _ => None,
    });
    v
}

async fn list(State(st): State<AppState>, Query(q): Query) -> ApiResult<Json<Value>> {
    require_api(Permission::ReadCustomers)?;
    only_known(
        &q,
        &[
            "consent",
            "kind",
            "account_id",
            "sort",
            "dir",
            "page",
            "per_page",
        ],
    )
    .map_err(ApiError::invalid)?;
    let mut e = FieldErrors::new();
    let mq = MediaQuery {
        consent: match q.get("consent").trim() {
            "" => None,
            c => e.check("consent", MediaConsent::parse(c)),
        },
        kind: match q.get("kind").trim() {
            "" => None,
            k => e.check("kind", MediaKind::parse(k)),
        },
        account_id: e
            .check(
                "account_id",
                peerstage_core::parse::optional_int(q.get("account_id"), 1, i64::MAX),
            )
            .flatten(),
        paging: Paging::from_fields(&q, &mut e, MediaSort::parse),
    };
    if !e.is_empty() {
        return Err(ApiError::invalid(e));
    }
    let page = st.run(move |s| s.list_media_page(&mq)).await?;
    Ok(Json(json!({
        "items": page.items.iter().map(media_json).collect::<Vec<_>>(),
        "total": page.total, "page": page.page, "per_page": page.per_page
    })))
}

/// JSON (a link) or multipart (a `file`, optionally a `transcript_file`); 201 with the
/// recording and how many transcript items became evidence.
async fn add(State(st): State<AppState>, req: Request) -> ApiResult<Response> {
    require_api(Permission::WriteEvidence)?;
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let consent_allowed = can(Permission::ManageInsights);
    let up = if ct.starts_with("multipart/form-data") {
        read_upload(&st, req)
            .await
            .map_err(|e| ApiError::new(e.status(), e.message()))?
    } else if ct.starts_with("application/json") {
        let bytes = axum::body::to_bytes(req.into_body(), crate::BODY_LIMIT)
            .await
            .map_err(|_| {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "the body is too large; upload files as multipart/form-data",
                )
            })?;
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
        let f = crate::extract::json_to_fields(&value).map_err(ApiError::invalid)?;
        let mut known = MEDIA_FIELDS.to_vec();
        known.extend(["transcript", "transcript_format"]);
        only_known(&f, &known).map_err(ApiError::invalid)?;
        crate::media::Upload {
            fields: f,
            ..Default::default()
        }
    } else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send JSON (a link to the recording) or multipart/form-data (a file)",
        ));
    };
    if !consent_allowed
        && !up.fields.get("consent").trim().is_empty()
        && up.fields.get("consent").trim() != "none"
    {
        up.discard();
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "your role may add recordings but not record consent (ManageInsights)",
        ));
    }
    match create(&st, up, consent_allowed).await? {
        Created::Media(m, n) => Ok((
            StatusCode::CREATED,
            Json({
                let mut v = media_json(&m);
                v["transcript_items"] = json!(n);
                v
            }),
        )
            .into_response()),
        Created::Invalid(e) => Err(ApiError::invalid(e)),
    }
}

async fn show(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    require_api(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    let (m, items) = st
        .run(move |s| Ok((s.get_media(id)?, s.media_evidence(id)?)))
        .await?;
    let mut v = media_json(&m);
    v["transcript"] = json!(items.iter().map(|e| item_json(&m, e)).collect::<Vec<_>>());
    Ok(Json(v))
}

/// Changes details and consent (ManageInsights); fields left out keep their values.
async fn update(
    State(st): State<AppState>,
    Path(id): Path<String>,
    crate::extract::JsonFields(f): crate::extract::JsonFields,
) -> ApiResult<Json<Value>> {
    require_api(Permission::ManageInsights)?;
    let id = id_of(&id)?;
    only_known(&f, MEDIA_FIELDS).map_err(ApiError::invalid)?;
    let current = st.run(move |s| s.get_media(id)).await?;
    let merged = crate::extract::merged(current.data.to_fields(), &f);
    let d = MediaData::from_fields_existing(&merged)?;
    let m = st.run(move |s| s.update_media(id, &d)).await?;
    Ok(Json(media_json(&m)))
}

async fn remove(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<StatusCode> {
    require_api(Permission::ManageInsights)?;
    let id = id_of(&id)?;
    st.run(move |s| s.delete_media(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The transcript as the body (text/plain, text/vtt, application/x-subrip; `?format=`
/// overrides detection), JSON `{"transcript": …, "format": …}`, or multipart with a
/// `transcript_file`. Replaces earlier transcript evidence; 422 names the line on errors.
async fn transcript(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query,
    req: Request,
) -> ApiResult<Json<Value>> {
    require_api(Permission::WriteEvidence)?;
    let id = id_of(&id)?;
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let (fields, file) = if ct.starts_with("multipart/form-data") {
        let up = read_upload(&st, req)
            .await
            .map_err(|e| ApiError::new(e.status(), e.message()))?;
        up.discard();
        if !up.errors.is_empty() {
            return Err(ApiError::invalid(up.errors));
        }
        (up.fields, up.transcript_file)
    } else {
        let bytes = axum::body::to_bytes(req.into_body(), crate::UPLOAD_LIMIT)
            .await
            .map_err(|_| {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "the transcript is too large")
            })?;
        if ct.starts_with("application/json") {
            let value: Value = serde_json::from_slice(&bytes)
                .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
            let f = crate::extract::json_to_fields(&value).map_err(ApiError::invalid)?;
            only_known(&f, &["transcript", "format"]).map_err(ApiError::invalid)?;
            let mut fields = Fields::new();
            fields.push("transcript", f.get("transcript"));
            fields.push("transcript_format", f.get("format"));
            (fields, None)
        } else {
            let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
                ApiError::invalid(FieldErrors::single("transcript", "is not UTF-8 text"))
            })?;
            let format = match q.get("format").trim() {
                "" if ct.starts_with("text/vtt") => "vtt".to_string(),
                "" if ct.starts_with("application/x-subrip") || ct.starts_with("text/srt") => {
                    "srt".to_string()
                }
                other => other.to_string(),
            };
            let mut fields = Fields::new();
            fields.push("transcript", text);
            fields.push("transcript_format", format);
            (fields, None)
        }
    };
    let parsed = transcript_of(&fields, file.as_ref()).map_err(|e| {
        let mut err = ApiError::invalid(e.clone());
        err.message =
            e.0.first()
                .map(|x| format!("the transcript {}", x.reason))
                .unwrap_or(err.message);
        err
    })?;
    let Some((format, items)) = parsed else {
        return Err(ApiError::invalid(FieldErrors::single(
            "transcript",
            "is required",
        )));
    };
    let today = chrono::Utc::now().date_naive();
    let n = st
        .run(move |s| s.attach_transcript(id, format, &items, today))
        .await?;
    let (m, items) = st
        .run(move |s| Ok((s.get_media(id)?, s.media_evidence(id)?)))
        .await?;
    Ok(Json(json!({
        "format": format.as_str(),
        "items_written": n,
        "media": media_json(&m),
        "transcript": items.iter().map(|e| item_json(&m, e)).collect::<Vec<_>>(),
    })))
}

async fn file(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    require_api(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    let m = st.run(move |s| s.get_media(id)).await?;
    Ok(crate::media::serve_file(&st, &m, &headers).await)
}

/// C2 in the OpenAPI document.
pub(super) fn openapi_paths(paths: &mut serde_json::Map<String, Value>) {
    let errors = |ok: &str, what: &str| {
        json!({
            ok: {"description": what, "content": {"application/json": {}}},
            "400": {"$ref": "#/components/responses/Error"},
            "401": {"$ref": "#/components/responses/Error"},
            "403": {"$ref": "#/components/responses/Error"},
            "404": {"$ref": "#/components/responses/Error"},
            "413": {"$ref": "#/components/responses/Error"},
            "422": {"$ref": "#/components/responses/Error"}
        })
    };
    let consents: Vec<&str> = MediaConsent::ALL.iter().map(|c| c.as_str()).collect();
    let kinds: Vec<&str> = MediaKind::ALL.iter().map(|c| c.as_str()).collect();
    let formats: Vec<&str> = TranscriptFormat::ALL.iter().map(|c| c.as_str()).collect();
    let sorts: Vec<&str> = MediaSort::ALL.iter().map(|c| c.as_str()).collect();
    let id = json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}]);
    let input = json!({"type": "object", "additionalProperties": false, "properties": {
        "title": {"type": "string"}, "kind": {"type": "string", "enum": kinds},
        "account_id": {"type": ["integer", "string"]}, "contact_id": {"type": ["integer", "string"]},
        "recorded_on": {"type": "string", "format": "date"}, "link": {"type": "string", "format": "uri"},
        "duration": {"type": ["string", "integer"], "description": "12:30, 1:02:03 or seconds"},
        "consent": {"type": "string", "enum": consents, "description": "ManageInsights only; otherwise a new recording starts with none"},
        "transcript": {"type": "string"}, "transcript_format": {"type": "string", "enum": formats}
    }});
    paths.insert(
        "/api/v1/media".into(),
        json!({
            "get": {"summary": "The media library, a page at a time (items, total, page, per_page): recordings with consent (none, internal, external), internal_use_allowed / external_use_allowed, play_url and transcript item count", "tags": ["media"],
                "parameters": [
                    {"name": "consent", "in": "query", "schema": {"type": "string", "enum": consents}},
                    {"name": "kind", "in": "query", "schema": {"type": "string", "enum": kinds}},
                    {"name": "account_id", "in": "query", "schema": {"type": "integer"}},
                    {"name": "sort", "in": "query", "description": "default: recorded, newest first", "schema": {"type": "string", "enum": sorts}},
                    {"name": "dir", "in": "query", "schema": {"type": "string", "enum": ["asc", "desc"]}},
                    {"name": "page", "in": "query", "description": "from 1", "schema": {"type": "integer", "minimum": 1}},
                    {"name": "per_page", "in": "query", "description": "1 to 500, default 25", "schema": {"type": "integer", "minimum": 1, "maximum": 500}}
                ],
                "responses": errors("200", "The recordings")},
            "post": {"summary": "Add a recording (WriteEvidence): JSON with a link, or multipart/form-data with a `file` (video or audio, stored in the media folder, up to the server's limit: 413 past it) and the same fields; an optional transcript (`transcript` text or `transcript_file`) becomes evidence at once", "tags": ["media"],
                "requestBody": {"required": true, "content": {"application/json": {"schema": input.clone()}, "multipart/form-data": {"schema": input}}},
                "responses": errors("201", "The recording, with transcript_items")}
        }),
    );
    paths.insert(
        "/api/v1/media/{id}".into(),
        json!({
            "parameters": id.clone(),
            "get": {"summary": "A recording and its transcript items (evidence), each with moment_url and play_url (#t= fragment)", "tags": ["media"], "responses": errors("200", "The recording")},
            "put": {"summary": "Change details and consent (ManageInsights); omitted fields keep their values", "tags": ["media"],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": errors("200", "The recording")},
            "delete": {"summary": "Delete a recording, its stored file and its transcript evidence (ManageInsights)", "tags": ["media"], "responses": {"204": {"description": "Deleted"}}}
        }),
    );
    paths.insert(
        "/api/v1/media/{id}/transcript".into(),
        json!({"parameters": id.clone(), "post": {
            "summary": "Replace a recording's transcript (WriteEvidence): plain text, SRT or WebVTT as the body (text/plain, application/x-subrip, text/vtt; ?format= overrides detection), JSON {transcript, format}, or multipart with transcript_file. Items keep their timestamps and become evidence; a malformed file is a 422 naming the line.",
            "tags": ["media"],
            "parameters": [{"name": "format", "in": "query", "schema": {"type": "string", "enum": formats}}],
            "requestBody": {"required": true, "content": {"text/plain": {}, "text/vtt": {}, "application/x-subrip": {}, "application/json": {}, "multipart/form-data": {}}},
            "responses": errors("200", "The items written")
        }}),
    );
    paths.insert(
        "/api/v1/media/{id}/file".into(),
        json!({"parameters": id, "get": {
            "summary": "The stored recording (supports Range requests)",
            "tags": ["media"],
            "responses": {"200": {"description": "The file"}, "206": {"description": "A byte range"}, "404": {"$ref": "#/components/responses/Error"}}
        }}),
    );
}
