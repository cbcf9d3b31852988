//! Errors become responses here: JSON for the API, a finished page for the UI. Database
//! and internal errors are logged with their cause and shown to nobody.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use peerstage_core::{FieldError, FieldErrors};
use peerstage_store::StoreError;
use serde::Serialize;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub fields: Vec<FieldError>,
}

#[derive(Serialize)]
struct ApiErrorBody<'a> {
    error: &'a str,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    fields: &'a [FieldError],
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            fields: Vec::new(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn invalid(errors: FieldErrors) -> Self {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: format!("invalid input: {errors}"),
            fields: errors.0,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } => ApiError::new(StatusCode::NOT_FOUND, e.to_string()),
            StoreError::Conflict {
                ref field,
                ref reason,
            } => ApiError {
                status: StatusCode::CONFLICT,
                message: e.to_string(),
                fields: vec![FieldError {
                    field: field.clone(),
                    reason: reason.clone(),
                }],
            },
            StoreError::Invalid(errors) => ApiError::invalid(errors),
            StoreError::Busy => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
            StoreError::Database(cause) => {
                tracing::error!(%cause, "database error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error; the server log has the details",
                )
            }
        }
    }
}

/// A store error as a user may read it where it is kept rather than answered (a background
/// import's result, an import's failed evidence sync). A database error's cause is for the
/// log (the caller logs it), never for the user, as in every other response.
pub fn shown(e: &StoreError) -> String {
    match e {
        StoreError::Database(_) => {
            "a database error stopped it; the server log has the details".to_string()
        }
        // Said of a step that ran on its own: the request's own wording ("this request
        // changed nothing") would be wrong beside rows an import did save.
        StoreError::Busy => {
            "the database was busy with another change (a large import, perhaps)".to_string()
        }
        other => other.to_string(),
    }
}

impl From<FieldErrors> for ApiError {
    fn from(e: FieldErrors) -> Self {
        ApiError::invalid(e)
    }
}

/// Seconds a client is asked to wait before sending again a change refused as busy.
pub const RETRY_AFTER_SECS: u64 = 5;

/// `Retry-After` on a 503 (the database was busy), nothing otherwise.
fn retry_after(status: StatusCode) -> Option<[(axum::http::HeaderName, String); 1]> {
    (status == StatusCode::SERVICE_UNAVAILABLE).then(|| {
        [(
            axum::http::header::RETRY_AFTER,
            RETRY_AFTER_SECS.to_string(),
        )]
    })
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            retry_after(self.status),
            Json(ApiErrorBody {
                error: &self.message,
                fields: &self.fields,
            }),
        )
            .into_response()
    }
}

/// An error shown as a page in the site's layout.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub message: String,
}

impl PageError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        PageError {
            status,
            message: message.into(),
        }
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } => PageError::not_found(e.to_string()),
            StoreError::Conflict { .. } => PageError::new(StatusCode::CONFLICT, e.to_string()),
            StoreError::Invalid(errors) => {
                PageError::new(StatusCode::UNPROCESSABLE_ENTITY, errors.to_string())
            }
            StoreError::Busy => PageError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "The database is busy with another change — a large import, perhaps — and \
                 this request changed nothing. Try again in a moment: reload the page, or go \
                 back and send the form again.",
            ),
            StoreError::Database(cause) => {
                tracing::error!(%cause, "database error");
                PageError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side. The server log has the details.",
                )
            }
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let title = match self.status {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::FORBIDDEN => "Not allowed",
            StatusCode::SERVICE_UNAVAILABLE => "Busy — try again",
            s if s.is_server_error() => "Server error",
            _ => "Cannot do that",
        };
        let body = crate::html::layout::error_page(title, &self.message);
        (self.status, retry_after(self.status), body).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_error_shows_what_the_user_can_act_on_but_never_a_database_cause() {
        let db = shown(&StoreError::Database(
            "23514: new row for relation \"accounts\" violates check constraint".into(),
        ));
        assert!(!db.contains("relation"), "{db}");
        assert!(db.contains("server log"), "{db}");
        // Kept beside rows an import saved: never the request's "changed nothing".
        let busy = shown(&StoreError::Busy);
        assert!(
            busy.contains("busy") && !busy.contains("changed nothing"),
            "{busy}"
        );
        let missing = shown(&StoreError::NotFound {
            what: "account",
            id: 7,
        });
        assert!(missing.contains("account"), "{missing}");
    }
}
