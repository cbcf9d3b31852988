//! Shared helpers for the black-box HTTP tests: an app per fresh database, requests sent
//! with `oneshot`, and responses read whole.
//!
//! Databases are created and dropped outside the async runtime: the PostgreSQL client is
//! synchronous and must not start or stop its own runtime inside ours.

#![allow(dead_code)]

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use peerstage_store::testing::TestDb;
use peerstage_web::{app, AppState};
use serde_json::Value;
use std::future::Future;
use tower::ServiceExt;

/// The application over one fresh database.
pub struct TestApp {
    router: Router,
    /// "SQLite …" or "PostgreSQL", for failure messages.
    pub engine: String,
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
    for db in TestDb::all() {
        let engine = db.store.describe();
        // Printed so a failure says which engine it happened on.
        println!("-- running on {engine}");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let app = TestApp {
            router: app(AppState::new(db.store.clone())),
            engine,
        };
        rt.block_on(test(app));
        drop(rt);
        drop(db);
    }
}

impl TestApp {
    pub async fn send(&self, req: Request<Body>) -> Resp {
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

    /// POSTs an `application/x-www-form-urlencoded` body; repeated keys are kept.
    pub async fn post_form(&self, uri: &str, pairs: &[(&str, &str)]) -> Resp {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            s.append_pair(k, v);
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
