//! JSON API for search (C3), themes (C4) and customer language (C5).

use super::{id_of, ApiResult};
use crate::auth::{can, require_api};
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

/// OpenAPI entries for search, themes and customer language.
pub(super) fn openapi_paths(paths: &mut serde_json::Map<String, Value>) {
    let err = |codes: &[&str]| -> Value {
        let mut m = serde_json::Map::new();
        for c in codes {
            m.insert(
                c.to_string(),
                json!({"$ref": "#/components/responses/Error"}),
            );
        }
        Value::Object(m)
    };
    let with = |ok: Value, codes: &[&str]| -> Value {
        let mut r = err(codes);
        if let (Some(m), Some(o)) = (r.as_object_mut(), ok.as_object()) {
            m.extend(o.clone());
        }
        r
    };
    let body = |props: Value, required: &[&str]| {
        json!({"required": true, "content": {"application/json": {"schema": {
            "type": "object", "additionalProperties": false, "required": required, "properties": props}}}})
    };
    let id = json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}]);
    let q = |name: &str, desc: &str| json!({"name": name, "in": "query", "schema": {"type": "string"}, "description": desc});
    paths.insert("/api/v1/search".into(), json!({"get": {
        "summary": "Full-text search over evidence (C3): every word must occur (stems fold: reports = reporting). Best matches first (BM25 on SQLite, ts_rank on PostgreSQL), ties newest first; when more than 500 match, the newest 500 are ranked, `total` is 500 and `more` is true. Each hit's `fragments` mark the matched words (`hit: true`). Needs read access to customers.",
        "tags": ["voice"],
        "parameters": [q("q", "the words (required)"), q("account_id", "account id"), q("segment", "enterprise, mid_market or smb"),
            q("industry", "exact industry"), q("kind", "problem, wish, praise, why_bought, existential_threat, recommendation, language"),
            q("level", "research level 1–5"), q("theme_id", "theme id"), q("tag", "tag"), q("from", "YYYY-MM-DD"), q("to", "YYYY-MM-DD"),
            q("page", "page, from 1"), q("per_page", "1–100, default 20")],
        "responses": with(json!({"200": {"description": "hits[] {evidence_id, fragments[{text, hit}], text, source, kind, level, date, sentiment, account_id, account_name, theme_id, theme_label, tags, score}, total, more, page, per_page, words", "content": {"application/json": {}}}}), &["401", "403", "422"])
    }}));
    paths.insert("/api/v1/themes".into(), json!({
        "get": {"summary": "Themes (C4), largest first: label (customers' phrases, or the name a person gave), named, phrases, volume, pinned, sentiment (−1…1), accounts, revenue (annual revenue of the accounts affected; null without financial access), months (last 12), trend, tags (pinned), quotes; and last_run.",
            "tags": ["voice"], "responses": with(json!({"200": {"description": "items[], total, last_run", "content": {"application/json": {}}}}), &["401", "403"])},
        "post": {"summary": "Create a theme by hand (named; fill it by pinning tags or items). Needs ManageInsights.", "tags": ["voice"],
            "requestBody": body(json!({"label": {"type": "string", "maxLength": 120}}), &["label"]),
            "responses": with(json!({"201": {"description": "the theme", "content": {"application/json": {}}}}), &["401", "403", "415", "422"])}
    }));
    paths.insert("/api/v1/themes/refresh".into(), json!({"post": {
        "summary": "Group all evidence into themes again. Themes that continue keep their id; names people gave, pinned items and pinned tags survive. Optional k (1–200) fixes the number of themes; otherwise it is chosen by silhouette. Needs ManageInsights.",
        "tags": ["voice"], "requestBody": body(json!({"k": {"type": ["integer", "string"]}}), &[]),
        "responses": with(json!({"200": {"description": "the run: items, themes, kept, created, removed, silhouette, millis, created_at", "content": {"application/json": {}}}}), &["401", "403", "415", "422"])
    }}));
    paths.insert("/api/v1/themes/{id}".into(), json!({"parameters": id, "get": {
        "summary": "One theme with its figures, accounts_affected and a page of its items (page, per_page ≤ 200).", "tags": ["voice"],
        "parameters": [q("page", "page of items"), q("per_page", "items per page")],
        "responses": with(json!({"200": {"description": "the theme", "content": {"application/json": {}}}}), &["401", "403", "404", "422"])
    }}));
    for (path, summary, props, required) in [
        ("rename", "Rename a theme; re-runs keep the name.", json!({"label": {"type": "string", "maxLength": 120}}), vec!["label"]),
        ("merge", "Merge theme `from` into this one (its items, pins and tags move; `from` is deleted).", json!({"from": {"type": ["integer", "string"]}}), vec!["from"]),
        ("split", "Move the items that mention any of `words` into a new named theme `label` (pinned there). 201 with the new theme.", json!({"words": {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]}, "label": {"type": "string", "maxLength": 120}}), vec!["words", "label"]),
        ("tags", "Pin a manual tag: every item with it belongs to this theme, also after re-runs. A tag is pinned to one theme at most (409).", json!({"tag": {"type": "string"}}), vec!["tag"]),
        ("items", "Pin one evidence item to this theme.", json!({"evidence_id": {"type": ["integer", "string"]}}), vec!["evidence_id"]),
    ] {
        paths.insert(format!("/api/v1/themes/{{id}}/{path}"), json!({"parameters": id, "post": {
            "summary": format!("{summary} Needs ManageInsights."), "tags": ["voice"],
            "requestBody": body(props, &required),
            "responses": with(json!({"200": {"description": "the theme", "content": {"application/json": {}}}}), &["401", "403", "404", "409", "415", "422"])
        }}));
    }
    paths.insert("/api/v1/themes/{id}/tags/{tag}".into(), json!({
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}, {"name": "tag", "in": "path", "required": true, "schema": {"type": "string"}}],
        "delete": {"summary": "Unpin a tag; its items stay until the next re-run places them. Needs ManageInsights.", "tags": ["voice"],
            "responses": with(json!({"200": {"description": "the theme", "content": {"application/json": {}}}}), &["401", "403", "404", "422"])}
    }));
    paths.insert("/api/v1/language".into(), json!({"get": {
        "summary": "Customer language (C5): the phrases customers use most for problems and goals (customer_phrases, with `ours` when a word is in the glossary), theirs_not_ours, ours_not_theirs (glossary terms no customer uses) and glossary_use (texts per term), over the newest 20,000 problem, wish, threat and why-bought items.",
        "tags": ["voice"], "responses": with(json!({"200": {"description": "the report", "content": {"application/json": {}}}}), &["401", "403"])
    }}));
    paths.insert("/api/v1/glossary".into(), json!({
        "get": {"summary": "The glossary: our product names and marketing terms.", "tags": ["voice"],
            "responses": with(json!({"200": {"description": "items[{id, term, category, note}]", "content": {"application/json": {}}}}), &["401", "403"])},
        "post": {"summary": "Add a term (unique ignoring case, 409 otherwise). Needs ManageInsights.", "tags": ["voice"],
            "requestBody": body(json!({"term": {"type": "string", "maxLength": 120}, "category": {"type": "string", "enum": peerstage_store::themes::GLOSSARY_CATEGORIES}, "note": {"type": "string", "maxLength": 500}}), &["term"]),
            "responses": with(json!({"201": {"description": "the term", "content": {"application/json": {}}}}), &["401", "403", "409", "415", "422"])}
    }));
    paths.insert(
        "/api/v1/glossary/{id}".into(),
        json!({"parameters": id, "delete": {
            "summary": "Remove a term. Needs ManageInsights.", "tags": ["voice"],
            "responses": with(json!({"204": {"description": "removed"}}), &["401", "403", "404"])
        }}),
    );
}
