//! The access and privacy API (F1–F3): users, API tokens and the audit log for
//! administrators; a person's data export and erasure for roles with the Privacy permission.
//! Password and token hashes never leave the store; a token's secret is returned once, when
//! it is created.

use super::{created, id_of, no_content, ApiResult};
use crate::auth::require_api;
use crate::error::ApiError;
use crate::extract::{only_known, JsonFields, Query};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use peerstage_core::access::{check_password, normalize_email};
use peerstage_core::{parse, FieldErrors, Permission, Role};
use peerstage_store::UserChange;
use serde_json::json;

pub const USER_FIELDS: &[&str] = &["email", "role", "password"];
pub const USER_UPDATE_FIELDS: &[&str] = &["role", "disabled"];
pub const TOKEN_FIELDS: &[&str] = &["user_id", "name"];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list_users).post(create_user))
        .route("/users/{id}", put(update_user))
        .route("/tokens", get(list_tokens).post(create_token))
        .route("/tokens/{id}", axum::routing::delete(revoke_token))
        .route("/audit", get(audit))
        .route("/contacts/{id}/privacy-export", get(privacy_export))
        .route("/contacts/{id}/erase", post(erase_contact))
}

// ---- users ----

async fn list_users(State(st): State<AppState>) -> ApiResult<Response> {
    require_api(Permission::Administer)?;
    let items = st.run(|s| s.list_users()).await?;
    Ok(Json(json!({ "items": items })).into_response())
}

fn role_of(raw: &str) -> Result<Role, String> {
    if raw.trim().is_empty() {
        return Err("is required".into());
    }
    Role::parse(raw)
}

async fn create_user(State(st): State<AppState>, JsonFields(f): JsonFields) -> ApiResult<Response> {
    require_api(Permission::Administer)?;
    only_known(&f, USER_FIELDS)?;
    let mut e = FieldErrors::new();
    let email = e.check("email", normalize_email(f.get("email")));
    let role = e.check("role", role_of(f.get("role")));
    e.check("password", check_password(f.get("password")));
    match (email, role) {
        (Some(email), Some(role)) if e.is_empty() => {
            let password = f.get("password").to_string();
            Ok(created(
                st.run(move |s| s.add_user(&email, role, &password)).await?,
            ))
        }
        _ => Err(ApiError::invalid(e)),
    }
}

/// `{role?, disabled?}`. Disabling ends the user's sessions and revokes their tokens.
/// Refused with 409: disabling yourself, or leaving no enabled administrator.
async fn update_user(
    State(st): State<AppState>,
    Path(id): Path<String>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::Administer)?;
    let id = id_of(&id)?;
    only_known(&f, USER_UPDATE_FIELDS)?;
    let mut e = FieldErrors::new();
    let role = if f.has("role") {
        e.check("role", role_of(f.get("role")))
    } else {
        None
    };
    let disabled = if f.has("disabled") {
        e.check(
            "disabled",
            match f.get("disabled").trim() {
                "" => Err("must be true or false".to_string()),
                v => parse::bool_or(v, false),
            },
        )
    } else {
        None
    };
    if !e.is_empty() {
        return Err(ApiError::invalid(e));
    }
    let change = UserChange { role, disabled };
    Ok(Json(st.run(move |s| s.update_user(id, &change)).await?).into_response())
}

// ---- API tokens ----

async fn list_tokens(State(st): State<AppState>) -> ApiResult<Response> {
    require_api(Permission::Administer)?;
    let items = st.run(|s| s.list_tokens()).await?;
    Ok(Json(json!({ "items": items })).into_response())
}

/// `{user_id, name}` → the token's record with its `secret`, which is not shown again.
async fn create_token(
    State(st): State<AppState>,
    JsonFields(f): JsonFields,
) -> ApiResult<Response> {
    require_api(Permission::Administer)?;
    only_known(&f, TOKEN_FIELDS)?;
    let (secret, token) = crate::html::admin::create_token(&st, &f)
        .await?
        .map_err(ApiError::invalid)?;
    let mut body = serde_json::to_value(&token).unwrap_or_default();
    body["secret"] = json!(secret);
    Ok((
        StatusCode::CREATED,
        [(header::CACHE_CONTROL, "no-store")],
        Json(body),
    )
        .into_response())
}

async fn revoke_token(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::Administer)?;
    let id = id_of(&id)?;
    st.run(move |s| s.revoke_token(id)).await?;
    Ok(no_content())
}

// ---- audit log ----

/// Newest first; filters `actor`, `action`, `entity`, `entity_id`, `since`, `until`
/// (YYYY-MM-DD, inclusive), `page`, `per_page` (1–500, default 50).
async fn audit(State(st): State<AppState>, Query(q): Query) -> ApiResult<Response> {
    require_api(Permission::Administer)?;
    let known = [
        "actor",
        "action",
        "entity",
        "entity_id",
        "since",
        "until",
        "page",
        "per_page",
    ];
    only_known(&q, &known)?;
    let filter = crate::html::admin::audit_filter(&q)?;
    Ok(Json(st.run(move |s| s.list_audit(&filter)).await?).into_response())
}

// ---- privacy ----

async fn privacy_export(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::Privacy)?;
    let id = id_of(&id)?;
    let doc = st.run(move |s| s.privacy_export(id)).await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(doc)).into_response())
}

/// Erases a person's data and returns the contact as it now is; 409 if already erased.
async fn erase_contact(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    require_api(Permission::Privacy)?;
    let id = id_of(&id)?;
    let contact = st
        .run(move |s| s.erase_contact(id).and_then(|_| s.get_contact(id)))
        .await?;
    Ok(Json(contact).into_response())
}
