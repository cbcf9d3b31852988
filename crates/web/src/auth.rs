//! Who is asking (F2): a session cookie or an API token, checked in one middleware before
//! any route but the public ones. The signed-in user is held in a task-local for the
//! request, so pages render the right navigation and every store call is audited as them.

use crate::error::{ApiError, PageError};
use crate::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use peerstage_core::{Actor, Permission};
use peerstage_store::User;

pub const SESSION_COOKIE: &str = "peerstage_session";

#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    /// The session's CSRF token; `None` for API-token requests, which carry no cookie.
    pub csrf: Option<String>,
}

impl CurrentUser {
    pub fn actor(&self) -> Actor {
        self.user.actor()
    }
    pub fn can(&self, p: Permission) -> bool {
        self.user.role.allows(p)
    }
}

tokio::task_local! {
    static CURRENT: CurrentUser;
}

/// The user of the request being handled, if signed in.
pub fn current() -> Option<CurrentUser> {
    CURRENT.try_with(|u| u.clone()).ok()
}

pub fn can(p: Permission) -> bool {
    current().is_some_and(|u| u.can(p))
}

/// For pages: a "not allowed" page unless the user's role permits `p`.
pub fn require_page(p: Permission) -> Result<(), PageError> {
    if can(p) {
        Ok(())
    } else {
        Err(PageError::new(
            StatusCode::FORBIDDEN,
            "Your role does not allow this. Ask an administrator if you need it.",
        ))
    }
}

/// For the API: 403 unless the role permits `p`.
pub fn require_api(p: Permission) -> Result<(), ApiError> {
    if can(p) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "your role does not allow this",
        ))
    }
}

fn is_public(path: &str) -> bool {
    matches!(path, "/login" | "/healthz" | "/setup" | "/static/style.css")
        // An advocate's one-time feedback link: the token in the path is the credential,
        // checked by the handler (hashed, single use, expiring).
        || path
            .strip_prefix("/feedback/")
            .is_some_and(|t| !t.is_empty() && !t.contains('/'))
}

pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

fn unauthenticated(path: &str, method: &Method) -> Response {
    if path.starts_with("/api") {
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            "sign in, or send Authorization: Bearer <API token>",
        )
        .into_response();
    }
    if method == Method::GET {
        let mut s = form_urlencoded::Serializer::new(String::new());
        s.append_pair("next", path);
        return Redirect::to(&format!("/login?{}", s.finish())).into_response();
    }
    PageError::new(
        StatusCode::UNAUTHORIZED,
        "Your session has ended. Sign in again.",
    )
    .into_response()
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub async fn middleware(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if is_public(&path) {
        return next.run(req).await;
    }
    let headers = req.headers().clone();
    let method = req.method().clone();
    let found = if let Some(token) = bearer(&headers) {
        match st.store.token_user_cached(&token) {
            // Checked moments ago: no trip to the blocking pool and the database.
            Some(user) => Ok(Some(CurrentUser { user, csrf: None })),
            None => st
                .run(move |s| s.token_user(&token))
                .await
                .map(|u| u.map(|user| CurrentUser { user, csrf: None })),
        }
    } else if let Some(cookie) = cookie_value(&headers, SESSION_COOKIE) {
        st.run(move |s| s.session(&cookie)).await.map(|s| {
            s.map(|s| CurrentUser {
                user: s.user,
                csrf: Some(s.csrf_token),
            })
        })
    } else {
        Ok(None)
    };
    let user = match found {
        Ok(Some(u)) => u,
        Ok(None) => return unauthenticated(&path, &method),
        Err(e) => {
            tracing::error!(error = %e, "authentication lookup failed");
            // Answered as any other failure of that path: JSON for the API, a page otherwise
            // (a busy database is a 503 with Retry-After either way).
            return if path.starts_with("/api") {
                ApiError::from(e).into_response()
            } else {
                PageError::from(e).into_response()
            };
        }
    };
    let expected = user
        .csrf
        .clone()
        .filter(|_| !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS));
    // Inside the user's scope, so a refusal renders as a page of the site for them.
    CURRENT
        .scope(user, async move {
            let req = match expected {
                Some(expected) => match check_csrf(req, &expected).await {
                    Ok(req) => req,
                    Err(resp) => return resp,
                },
                None => req,
            };
            next.run(req).await
        })
        .await
}

/// Cookie-authenticated changes must carry the session's CSRF token: in the `csrf` form
/// field, the `csrf` query parameter (file uploads), or the `X-CSRF-Token` header (scripts).
async fn check_csrf(req: Request, expected: &str) -> Result<Request, Response> {
    let path = req.uri().path().to_string();
    let forbidden = || {
        if path.starts_with("/api") {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "missing or wrong CSRF token (send X-CSRF-Token)",
            )
            .into_response()
        } else {
            PageError::new(StatusCode::FORBIDDEN, "This form has expired or did not come from peerstage. Go back, reload the page and try again.").into_response()
        }
    };
    if let Some(h) = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        return if constant_time_eq(h, expected) {
            Ok(req)
        } else {
            Err(forbidden())
        };
    }
    let from_query = form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.into_owned());
    if let Some(q) = from_query {
        return if constant_time_eq(&q, expected) {
            Ok(req)
        } else {
            Err(forbidden())
        };
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Err(forbidden());
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, crate::BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => {
            return Err(
                PageError::new(StatusCode::PAYLOAD_TOO_LARGE, "The form is too large.")
                    .into_response(),
            )
        }
    };
    let token = form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.into_owned());
    match token {
        Some(t) if constant_time_eq(&t, expected) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        _ => Err(forbidden()),
    }
}

/// The hidden form field every POST form carries.
pub fn csrf_field() -> maud::Markup {
    let token = current().and_then(|u| u.csrf).unwrap_or_default();
    maud::html! { input type="hidden" name="csrf" value=(token); }
}

/// The CSRF token for URLs of multipart forms.
pub fn csrf_token() -> String {
    current().and_then(|u| u.csrf).unwrap_or_default()
}
