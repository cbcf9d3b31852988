//! Sign in, sign out, and the one-time setup of the first administrator.

use super::layout::bare_page;
use super::widgets::input;
use crate::auth::{cookie_value, SESSION_COOKIE};
use crate::error::PageError;
use crate::extract::{Form, PeerAddr, Query};
use crate::throttle::Verdict;
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use peerstage_core::{FieldErrors, Fields, Role};
use std::time::Instant;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/setup", get(setup_form).post(setup))
}

/// Only local paths, so a crafted link cannot send a user elsewhere after signing in, and
/// nothing a `Location` header cannot carry (a control character would make it a 500).
fn safe_next(next: &str) -> String {
    if next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
    {
        next.to_string()
    } else {
        "/".to_string()
    }
}

fn login_page(f: &Fields, message: Option<&str>) -> Markup {
    let e = FieldErrors::new();
    bare_page(
        "Sign in",
        html! {
            div.card.narrow {
                h1 { "Sign in to peerstage" }
                @if let Some(m) = message { div.notice.error role="alert" { (m) } }
                form.stacked method="post" action="/login" {
                    input type="hidden" name="next" value=(f.get("next"));
                    (input("email", "Email").kind("email").required().wide().text(f, &e))
                    div.field.wide { label for="f-password" { "Password *" } input id="f-password" type="password" name="password" required autocomplete="current-password"; }
                    div.form-actions { button type="submit" { "Sign in" } }
                }
            }
        },
    )
}

async fn login_form(Query(q): Query) -> Markup {
    login_page(&Fields::from_pairs([("next", q.get("next"))]), None)
}

fn secure(st: &AppState, headers: &HeaderMap) -> bool {
    st.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            == Some("https")
}

pub fn session_cookie(value: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

async fn login(
    State(st): State<AppState>,
    headers: HeaderMap,
    PeerAddr(peer): PeerAddr,
    Form(f): Form,
) -> Result<Response, PageError> {
    let email = f.get("email").trim().to_lowercase();
    let password = f.get("password").to_string();
    let address = peer
        .map(|p| p.to_string())
        .unwrap_or_else(|| "unknown".into());
    let keys = vec![format!("email:{email}"), format!("ip:{address}")];
    let shown = Fields::from_pairs([("email", email.as_str()), ("next", f.get("next"))]);
    match st.throttle.check(&keys, Instant::now()) {
        Verdict::Locked(left) => {
            tracing::warn!(%email, %address, "login refused: locked out after repeated failures");
            let minutes = left.as_secs().div_ceil(60);
            let page = login_page(
                &shown,
                Some(&format!(
                    "Too many failed attempts. Try again in {minutes} minutes."
                )),
            );
            return Ok((StatusCode::TOO_MANY_REQUESTS, page).into_response());
        }
        Verdict::Delay(d) => tokio::time::sleep(d).await,
        Verdict::Allow => {}
    }
    let (e2, p2) = (email.clone(), password);
    let user = st.run(move |s| s.check_login(&e2, &p2)).await?;
    let Some(user) = user else {
        st.throttle.failure(&keys, Instant::now());
        // The password is never logged.
        tracing::warn!(%email, %address, "login failed");
        return Ok((
            StatusCode::UNAUTHORIZED,
            login_page(
                &shown,
                Some("Wrong email or password, or the account is disabled."),
            ),
        )
            .into_response());
    };
    st.throttle.success(&keys[0]);
    let uid = user.id;
    let (token, session) = st.run(move |s| s.create_session(uid)).await?;
    tracing::info!(email = %user.email, "signed in");
    let max_age = (session.expires_at - chrono::Utc::now())
        .num_seconds()
        .max(0);
    Ok((
        [(
            header::SET_COOKIE,
            session_cookie(&token, max_age, secure(&st, &headers)),
        )],
        Redirect::to(&safe_next(f.get("next"))),
    )
        .into_response())
}

async fn logout(State(st): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    if let Some(token) = cookie_value(&headers, SESSION_COOKIE) {
        st.run(move |s| s.end_session(&token)).await?;
    }
    Ok((
        [(
            header::SET_COOKIE,
            session_cookie("", 0, secure(&st, &headers)),
        )],
        Redirect::to("/login"),
    )
        .into_response())
}

fn setup_page(f: &Fields, e: &FieldErrors) -> Markup {
    bare_page(
        "Set up peerstage",
        html! {
            div.card.narrow {
                h1 { "Create the first administrator" }
                p.muted { "This link works once, until the first user exists." }
                (super::widgets::error_summary(e))
                form.stacked method="post" action="/setup" {
                    input type="hidden" name="token" value=(f.get("token"));
                    (input("email", "Email").kind("email").required().wide().text(f, e))
                    (input("password", "Password").kind("password").hint("At least 10 characters").required().wide().text(&Fields::new(), e))
                    div.form-actions { button type="submit" { "Create administrator" } }
                }
            }
        },
    )
}

fn setup_allowed(st: &AppState, token: &str) -> bool {
    st.setup_token
        .as_deref()
        .is_some_and(|t| !token.is_empty() && t == token)
}

async fn setup_form(State(st): State<AppState>, Query(q): Query) -> Result<Markup, PageError> {
    let users = st.run(|s| s.count_users()).await?;
    if users > 0 || !setup_allowed(&st, q.get("token")) {
        return Err(PageError::not_found(
            "This setup link is not valid (it works once, before any user exists).",
        ));
    }
    Ok(setup_page(
        &Fields::from_pairs([("token", q.get("token"))]),
        &FieldErrors::new(),
    ))
}

async fn setup(State(st): State<AppState>, Form(f): Form) -> Result<Response, PageError> {
    let users = st.run(|s| s.count_users()).await?;
    if users > 0 || !setup_allowed(&st, f.get("token")) {
        return Err(PageError::not_found(
            "This setup link is not valid (it works once, before any user exists).",
        ));
    }
    let (email, password) = (f.get("email").to_string(), f.get("password").to_string());
    match st
        .run(move |s| s.add_user(&email, Role::Admin, &password))
        .await
    {
        Ok(_) => Ok(Redirect::to("/login").into_response()),
        Err(e) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            setup_page(&f, &super::form_errors(e)?),
        )
            .into_response()),
    }
}
