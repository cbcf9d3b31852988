//! Server-rendered pages.

mod accounts;
pub(crate) mod admin;
mod advocates;
mod agendas;
pub(crate) mod charts;
mod contacts;
mod dashboard;
pub(crate) mod events;
pub(crate) mod evidence;
mod journey;
pub(crate) mod layout;
mod media;
mod nps;
mod questions;
mod records;
mod references;
mod refops;
mod scorecard;
mod session;
mod stories;
mod strategy;
mod transfer;
mod value;
mod voc;
pub(crate) mod widgets;

use crate::error::PageError;
use crate::AppState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Router;
use maud::Markup;
use peerstage_core::FieldErrors;
use peerstage_store::StoreError;

pub(crate) use scorecard::{choice as scorecard_choice, rows_link};

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(dashboard::router())
        .merge(accounts::router())
        .merge(advocates::router())
        .merge(references::router())
        .merge(refops::router())
        .merge(stories::router())
        .merge(journey::router())
        .merge(events::router())
        .merge(contacts::router())
        .merge(records::router())
        .merge(nps::router())
        .merge(scorecard::router())
        .merge(agendas::router())
        .merge(value::router())
        .merge(transfer::router())
        .merge(session::router())
        .merge(admin::router())
        .merge(questions::router())
        .merge(media::router())
        .merge(strategy::router())
        .merge(evidence::router())
        .merge(voc::router())
        .fallback(not_found)
}

async fn not_found() -> PageError {
    PageError::not_found("There is no page at this address.")
}

/// Store errors a form can show beside its fields; anything else becomes an error page.
pub(crate) fn form_errors(e: StoreError) -> Result<FieldErrors, PageError> {
    match e {
        StoreError::Invalid(errors) => Ok(errors),
        StoreError::Conflict { field, reason } => Ok(FieldErrors::single(&field, reason)),
        other => Err(other.into()),
    }
}

/// A form shown again with its errors.
pub(crate) fn invalid(page: Markup) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

pub(crate) fn redirect(to: String) -> Response {
    Redirect::to(&to).into_response()
}

/// Parses an id from the path, with a page error for anything else.
pub(crate) fn id_of(raw: &str) -> Result<i64, PageError> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| PageError::not_found(format!("'{raw}' is not a valid id")))
}
