//! Shared helpers for the black-box HTTP tests: an app per fresh database, requests sent
//! with `oneshot`, and responses read whole.
//!
//! Every database gets one administrator. Requests are sent as that administrator unless a
//! test picks someone else (`as_user`) or nobody (`anonymous`): API paths carry
//! `Authorization: Bearer <token>`, pages carry the session cookie, and form posts carry
//! the session's CSRF token.
//!
//! Databases are created and dropped outside the async runtime: the PostgreSQL client is
//! synchronous and must not start or stop its own runtime inside ours. Store calls made
//! inside a test go through `TestApp::db`, on a blocking thread, for the same reason.

#![allow(dead_code)]

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use peerstage_core::Role;
use peerstage_store::testing::TestDb;
use peerstage_store::{Store, StoreError, User};
use peerstage_web::{app, AppState};
use serde_json::Value;
use std::future::Future;
use tower::ServiceExt;

/// The password every test user has.
pub const PASSWORD: &str = "correct horse battery";

/// A user with an API token and a signed-in session.
#[derive(Debug, Clone)]
pub struct Identity {
    pub user: User,
    /// The API token's secret.
    pub token: String,
    pub token_id: i64,
    /// The session cookie's value.
    pub cookie: String,
    /// The session's CSRF token.
    pub csrf: String,
}

impl Identity {
    /// Adds a user with `role` and gives them a token and a session. Blocking: call it
    /// outside the runtime or through `TestApp::db`.
    pub fn create(store: &Store, email: &str, role: Role) -> Result<Identity, StoreError> {
        let user = store.add_user(email, role, PASSWORD)?;
        let (token, t) = store.create_token(user.id, "test")?;
        let (cookie, session) = store.create_session(user.id)?;
        Ok(Identity {
            user,
            token,
            token_id: t.id,
            cookie,
            csrf: session.csrf_token,
        })
    }

    /// The `Cookie` header value for this identity's session.
    pub fn cookie_header(&self) -> String {
        format!("peerstage_session={}", self.cookie)
    }
}

/// The application over one fresh database.
#[derive(Clone)]
pub struct TestApp {
    router: Router,
    /// "SQLite …" or "PostgreSQL", for failure messages.
    pub engine: String,
    /// The database's URL, to open it a second time.
    pub url: String,
    pub store: Store,
    /// The administrator created with the database (`None` before any user exists).
    admin: Option<Identity>,
    /// Whom requests are sent as; `None` sends no credentials.
    pub who: Option<Identity>,
}

/// A response read to the end.
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("response body is UTF-8")
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "expected JSON (status {}), got {e}: {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(&name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn content_type(&self) -> &str {
        self.header(header::CONTENT_TYPE)
    }

    pub fn location(&self) -> &str {
        self.header(header::LOCATION)
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            String::from_utf8_lossy(&self.body)
        );
        self
    }

    /// The field names of a JSON error body (`fields[].field`).
    pub fn error_fields(&self) -> Vec<String> {
        self.json()["fields"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|f| f["field"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Runs `test` once per configured database (SQLite always, PostgreSQL when
/// `PEERSTAGE_TEST_POSTGRES_URL` is set), each time on a new empty database.
pub fn each_db<F, Fut>(test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    run_each_db(true, None, false, test)
}

/// Like `each_db`, on a single-threaded runtime whose clock is paused: sleeps return at
/// once (time jumps ahead whenever nothing else can run).
pub fn each_db_paused_clock<F, Fut>(test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    run_each_db(true, None, true, test)
}

/// Like `each_db`, but the database has no user yet, and the app offers `/setup` with
/// `setup_token`. Requests go without credentials.
pub fn each_db_without_users<F, Fut>(setup_token: &str, test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    run_each_db(false, Some(setup_token.to_string()), false, test)
}

fn run_each_db<F, Fut>(with_admin: bool, setup_token: Option<String>, paused: bool, test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    for db in TestDb::all() {
        let engine = db.store.describe();
        // Printed so a failure says which engine it happened on.
        println!("-- running on {engine}");
        let rt = if paused {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .start_paused(true)
                .build()
        } else {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
        }
        .expect("tokio runtime");
        let admin = with_admin.then(|| {
            Identity::create(&db.store, "admin@test.example", Role::Admin)
                .expect("create the test administrator")
        });
        let mut state = AppState::new(db.store.clone());
        state.setup_token = setup_token.clone();
        let app = TestApp {
            router: app(state),
            engine,
            url: db.url.clone(),
            store: db.store.clone(),
            who: admin.clone(),
            admin,
        };
        rt.block_on(test(app));
        drop(rt);
        drop(db);
    }
}

impl TestApp {
    /// The administrator created with the database.
    pub fn admin(&self) -> &Identity {
        self.admin
            .as_ref()
            .expect("this database has an administrator")
    }

    /// The same application, with requests sent as `who`.
    pub fn as_user(&self, who: &Identity) -> TestApp {
        TestApp {
            who: Some(who.clone()),
            ..self.clone()
        }
    }

    /// The application served again with `change` made to its state. A new router: what
    /// the server keeps in memory (background imports, sign-in throttling) starts afresh.
    pub fn with_state(&self, change: impl FnOnce(&mut AppState)) -> TestApp {
        let mut state = AppState::new(self.store.clone());
        change(&mut state);
        TestApp {
            router: app(state),
            ..self.clone()
        }
    }

    /// The same application, with requests sent without credentials.
    pub fn anonymous(&self) -> TestApp {
        TestApp {
            who: None,
            ..self.clone()
        }
    }

    /// The CSRF token of the current identity's session (empty when anonymous).
    pub fn csrf(&self) -> String {
        self.who
            .as_ref()
            .map(|w| w.csrf.clone())
            .unwrap_or_default()
    }

    /// Runs a store call on a blocking thread and unwraps it.
    pub async fn db<T, F>(&self, f: F) -> T
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .expect("store call did not panic")
            .expect("store call succeeds")
    }

    /// Adds a user with a token and a session.
    pub async fn identity(&self, email: &str, role: Role) -> Identity {
        let email = email.to_string();
        self.db(move |s| Identity::create(s, &email, role)).await
    }

    /// Sends a request with the current identity's credentials (a bearer token for
    /// `/api…`, the session cookie otherwise) unless it already carries some.
    pub async fn send(&self, mut req: Request<Body>) -> Resp {
        if let Some(who) = &self.who {
            let h = req.headers_mut();
            if !h.contains_key(header::AUTHORIZATION) && !h.contains_key(header::COOKIE) {
                let (name, value) = if req.uri().path().starts_with("/api") {
                    (header::AUTHORIZATION, format!("Bearer {}", who.token))
                } else {
                    (header::COOKIE, who.cookie_header())
                };
                req.headers_mut()
                    .insert(name, value.parse().expect("valid header"));
            }
        }
        self.send_raw(req).await
    }

    /// Sends a request exactly as built.
    pub async fn send_raw(&self, req: Request<Body>) -> Resp {
        let res = self
            .router
            .clone()
            .oneshot(req)
            .await
            .expect("the router is infallible");
        let (parts, body) = res.into_parts();
        let body = body
            .collect()
            .await
            .expect("read the response body")
            .to_bytes()
            .to_vec();
        Resp {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    pub async fn request(
        &self,
        method: Method,
        uri: &str,
        content_type: Option<&str>,
        body: impl Into<Body>,
    ) -> Resp {
        let mut b = Request::builder().method(method).uri(uri);
        if let Some(ct) = content_type {
            b = b.header(header::CONTENT_TYPE, ct);
        }
        self.send(b.body(body.into()).expect("valid request")).await
    }

    pub async fn get(&self, uri: &str) -> Resp {
        self.request(Method::GET, uri, None, Body::empty()).await
    }

    pub async fn delete(&self, uri: &str) -> Resp {
        self.request(Method::DELETE, uri, None, Body::empty()).await
    }

    pub async fn post_json(&self, uri: &str, body: &Value) -> Resp {
        self.request(
            Method::POST,
            uri,
            Some("application/json"),
            body.to_string(),
        )
        .await
    }

    pub async fn put_json(&self, uri: &str, body: &Value) -> Resp {
        self.request(Method::PUT, uri, Some("application/json"), body.to_string())
            .await
    }

    /// POSTs an `application/x-www-form-urlencoded` body; repeated keys are kept. The
    /// session's CSRF token is added unless the pairs carry a `csrf` field.
    pub async fn post_form(&self, uri: &str, pairs: &[(&str, &str)]) -> Resp {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            s.append_pair(k, v);
        }
        if let Some(who) = &self.who {
            if !pairs.iter().any(|(k, _)| *k == "csrf") {
                s.append_pair("csrf", &who.csrf);
            }
        }
        self.request(
            Method::POST,
            uri,
            Some("application/x-www-form-urlencoded"),
            s.finish(),
        )
        .await
    }

    pub async fn post_csv(&self, uri: &str, csv: &str) -> Resp {
        self.request(Method::POST, uri, Some("text/csv"), csv.to_string())
            .await
    }

    /// Creates an account over the API and returns its id.
    pub async fn create_account(&self, body: Value) -> i64 {
        let r = self.post_json("/api/v1/accounts", &body).await;
        r.expect(201);
        r.json()["id"].as_i64().expect("created account has an id")
    }

    /// Creates a record under an account (`contacts`, `touchpoints`, …) and returns its id.
    pub async fn create_under(&self, account: i64, what: &str, body: Value) -> i64 {
        let r = self
            .post_json(&format!("/api/v1/accounts/{account}/{what}"), &body)
            .await;
        r.expect(201);
        r.json()["id"].as_i64().expect("created record has an id")
    }

    /// How many accounts exist, per the API.
    pub async fn account_total(&self) -> u64 {
        let r = self.get("/api/v1/accounts?per_page=1").await;
        r.expect(200);
        r.json()["total"].as_u64().expect("total")
    }
}

/// A `multipart/form-data` body built by hand: (name, filename, content).
/// Which of `texts` stand in `body` as an element's whole text, in the order they appear
/// (to check a table's order after sorting or paging).
pub fn texts_in(body: &str, texts: &[&str]) -> Vec<String> {
    let mut found: Vec<(usize, String)> = texts
        .iter()
        .filter_map(|t| body.find(&format!(">{t}<")).map(|i| (i, t.to_string())))
        .collect();
    found.sort();
    found.into_iter().map(|(_, t)| t).collect()
}

pub fn multipart(boundary: &str, parts: &[(&str, Option<&str>, &str)]) -> String {
    let mut out = String::new();
    for (name, filename, content) in parts {
        out.push_str(&format!("--{boundary}\r\n"));
        match filename {
            Some(f) => out.push_str(&format!(
                "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: text/csv\r\n\r\n"
            )),
            None => out.push_str(&format!(
                "Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"
            )),
        }
        out.push_str(content);
        out.push_str("\r\n");
    }
    out.push_str(&format!("--{boundary}--\r\n"));
    out
}

/// Today's date (UTC, as the server sees it) as `YYYY-MM-DD`.
pub fn today() -> String {
    chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string()
}
