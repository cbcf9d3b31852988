//! A form sent while another change held the database (a large import) comes back as a page
//! that sends it again: the same fields, one button, nothing retyped. Nothing of it was
//! saved (the store refused it as busy, a 503). Forms with a password are never echoed into
//! a page; they get the plain busy page.

use crate::error::RETRY_AFTER_SECS;
use crate::html::layout::page_or_bare;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use maud::html;

pub async fn resend_refused_forms(req: Request, next: Next) -> Response {
    // Known for a body sent with its length, as browsers send forms.
    let declared = axum::body::HttpBody::size_hint(req.body())
        .exact()
        .and_then(|n| usize::try_from(n).ok());
    let is_form = req.method() == Method::POST
        && !req.uri().path().starts_with("/api")
        && req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    // Only a body of a known, accepted size is kept to be sent again; anything else goes on
    // untouched (and meets the usual limits).
    let Some(len) = declared.filter(|n| is_form && *n <= crate::BODY_LIMIT) else {
        return next.run(req).await;
    };
    let action = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| req.uri().path().to_string());
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, len).await else {
        return (StatusCode::BAD_REQUEST, "the form could not be read").into_response();
    };
    let resp = next
        .run(Request::from_parts(parts, Body::from(bytes.clone())))
        .await;
    if resp.status() != StatusCode::SERVICE_UNAVAILABLE {
        return resp;
    }
    let fields: Vec<(String, String)> = form_urlencoded::parse(&bytes).into_owned().collect();
    if fields
        .iter()
        .any(|(k, _)| k.to_ascii_lowercase().contains("password"))
    {
        return resp;
    }
    let body = html! {
        div.card {
            h1 { "Busy — try again" }
            p { "The database is busy with another change — a large import, perhaps — and this form was not saved. Send it again in a moment: what you typed is kept." }
            form method="post" action=(action) {
                @for (k, v) in &fields { input type="hidden" name=(k) value=(v); }
                div.form-actions { button type="submit" { "Send again" } }
            }
            p.small { a href="/" { "Back to the dashboard" } }
        }
    };
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, RETRY_AFTER_SECS.to_string())],
        page_or_bare("Busy — try again", body),
    )
        .into_response()
}
