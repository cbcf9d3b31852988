//! peerstage web layer: server-rendered pages under `/`, a JSON API under `/api/v1`,
//! its OpenAPI document, and `/healthz`. Handlers are thin: parse, call the store on a
//! blocking thread, render.

mod api;
pub mod auth;
mod busy;
mod error;
mod extract;
mod html;
mod jobs;
mod kinds;
mod media;
mod throttle;
mod transfer;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{any, get};
use axum::Router;
use peerstage_store::{Store, StoreError};

pub use error::{ApiError, PageError};
pub use html::events::{briefing_document, ICS_HOST};

/// Largest request body accepted outside uploads.
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;
/// Largest CSV upload accepted.
pub const UPLOAD_LIMIT: usize = 64 * 1024 * 1024;
/// Uploads up to this size import within the request (a second or two); larger ones run in
/// the background with a progress page.
pub const INLINE_IMPORT_LIMIT: usize = 2 * 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub(crate) throttle: std::sync::Arc<throttle::Throttle>,
    /// A one-time secret for /setup while no user exists (printed by `serve`).
    pub setup_token: Option<String>,
    /// Mark the session cookie Secure (set when served over TLS, or behind an HTTPS proxy).
    pub secure_cookies: bool,
    /// Uploads larger than this import in the background, with a page that shows their
    /// progress; smaller ones answer with their result at once.
    pub inline_import_limit: usize,
    /// Background imports one user may have running at once; another is refused (429).
    pub running_imports_per_user: usize,
    pub(crate) imports: std::sync::Arc<jobs::ImportJobs>,
}

impl AppState {
    pub fn new(store: Store) -> Self {
        AppState {
            store,
            throttle: Default::default(),
            setup_token: None,
            secure_cookies: false,
            inline_import_limit: INLINE_IMPORT_LIMIT,
            running_imports_per_user: jobs::RUNNING_PER_USER,
            imports: Default::default(),
        }
    }

    /// Runs a store call on a blocking thread: the store is synchronous.
    pub(crate) async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    {
        // Changes are recorded in the audit log as made by the signed-in user.
        let store = match auth::current() {
            Some(u) => self.store.acting_as(u.actor()),
            None => self.store.clone(),
        };
        match tokio::task::spawn_blocking(move || f(&store)).await {
            Ok(r) => r,
            Err(e) => Err(StoreError::Database(format!("worker failed: {e}"))),
        }
    }
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(html::router())
        .nest("/api/v1", api::router())
        .route("/api/openapi.json", get(api::openapi::document))
        // `/api/v1/` and other paths under /api the nested router does not see.
        .route("/api", any(api::not_found))
        .route("/api/{*rest}", any(api::not_found))
        .route("/healthz", get(healthz))
        .route("/static/style.css", get(stylesheet))
        // Inside authentication, so the page it answers with is the signed-in user's.
        .layer(axum::middleware::from_fn(busy::resend_refused_forms))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::middleware,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    match state.run(|s| s.ping()).await {
        Ok(()) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({"status": "ok"})),
        ),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({"status": "unavailable"})),
            )
        }
    }
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/style.css"),
    )
}
