//! What an attacker might try (F1, F2): stolen, forged, expired or ended sessions, revoked
//! tokens, cross-site form posts, password guessing, open redirects, injection, path
//! traversal, oversized bodies, the setup link, and whether the audit log says who did what.
//! On SQLite and (when configured) PostgreSQL.

mod common;

use axum::body::Body;
use axum::http::{header, Method, Request};
use common::{each_db, each_db_paused_clock, each_db_without_users, Resp, TestApp, PASSWORD};
use peerstage_core::Role;
use peerstage_store::AuditFilter;
use serde_json::{json, Value};

const FORM: &str = "application/x-www-form-urlencoded";

type Headers = Vec<(header::HeaderName, String)>;

fn form_body(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

fn encode(v: &str) -> String {
    form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

/// A request with exactly these headers and no credentials added.
async fn raw(
    app: &TestApp,
    method: Method,
    uri: &str,
    headers: &[(header::HeaderName, String)],
    body: impl Into<Body>,
) -> Resp {
    let mut b = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        b = b.header(k, v);
    }
    app.send_raw(b.body(body.into()).expect("valid request"))
        .await
}

fn cookie(value: &str) -> (header::HeaderName, String) {
    (header::COOKIE, format!("peerstage_session={value}"))
}

fn bearer(token: &str) -> (header::HeaderName, String) {
    (header::AUTHORIZATION, format!("Bearer {token}"))
}

#[track_caller]
fn assert_sent_to_sign_in(r: &Resp, path: &str) {
    assert_eq!(
        r.status,
        303,
        "GET {path}: {}",
        String::from_utf8_lossy(&r.body)
    );
    assert_eq!(r.location(), format!("/login?next={}", encode(path)));
}

/// How many changes the audit log holds: every write adds one.
async fn changes(app: &TestApp) -> u64 {
    app.db(|s| {
        s.list_audit(&AuditFilter {
            page: 1,
            per_page: 1,
            ..Default::default()
        })
    })
    .await
    .total
}

/// The session cookie's value from a response's `Set-Cookie`.
fn set_cookie_value(r: &Resp) -> String {
    let c = r.header(header::SET_COOKIE);
    c.strip_prefix("peerstage_session=")
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("no session cookie in {c:?}"))
        .to_string()
}

/// The CSRF token in a page's forms.
fn csrf_in(page: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = page.find(marker).expect("a form with a CSRF token") + marker.len();
    page[start..].split('"').next().unwrap().to_string()
}

async fn sign_in(app: &TestApp, email: &str, password: &str, next: &str) -> Resp {
    raw(
        app,
        Method::POST,
        "/login",
        &[(header::CONTENT_TYPE, FORM.into())],
        form_body(&[("email", email), ("password", password), ("next", next)]),
    )
    .await
}

// ---- sessions and tokens ----

#[test]
fn a_missing_forged_or_expired_session_cookie_is_treated_as_signed_out() {
    each_db(|app| async move {
        let sales = app.identity("sales@attack.example", Role::Sales).await;
        // The real session works, also among other cookies.
        raw(
            &app,
            Method::GET,
            "/accounts",
            &[(
                header::COOKIE,
                format!("theme=dark; {}", sales.cookie_header()),
            )],
            "",
        )
        .await
        .expect(200);

        assert_sent_to_sign_in(
            &raw(&app, Method::GET, "/accounts", &[], "").await,
            "/accounts",
        );
        let forged = "0123456789abcdef".repeat(4);
        let mut altered = sales.cookie.clone();
        let last = if altered.pop() == Some('0') { '1' } else { '0' };
        altered.push(last);
        for value in [
            forged.as_str(),
            "",
            "x",
            &sales.token,
            &altered,
            &sales.csrf,
        ] {
            let r = raw(&app, Method::GET, "/accounts", &[cookie(value)], "").await;
            assert_sent_to_sign_in(&r, "/accounts");
            raw(&app, Method::GET, "/api/v1/accounts", &[cookie(value)], "")
                .await
                .expect(401);
        }
        // A session cookie is not an API token, and a token is not a cookie.
        raw(
            &app,
            Method::GET,
            "/api/v1/accounts",
            &[bearer(&sales.cookie)],
            "",
        )
        .await
        .expect(401);
        raw(
            &app,
            Method::GET,
            "/api/v1/accounts",
            &[bearer(&forged)],
            "",
        )
        .await
        .expect(401);
        // A cookie with another name is not a session.
        raw(
            &app,
            Method::GET,
            "/accounts",
            &[(
                header::COOKIE,
                format!("xpeerstage_session={}", sales.cookie),
            )],
            "",
        )
        .await
        .expect(303);

        // Twelve idle hours later the session has ended.
        app.db(|s| s.expire_sessions_for_tests()).await;
        assert_sent_to_sign_in(
            &raw(&app, Method::GET, "/accounts", &[cookie(&sales.cookie)], "").await,
            "/accounts",
        );
        let r = raw(
            &app,
            Method::POST,
            "/accounts",
            &[cookie(&sales.cookie), (header::CONTENT_TYPE, FORM.into())],
            form_body(&[("name", "Late"), ("csrf", &sales.csrf)]),
        )
        .await;
        r.expect(401);
        assert!(r.text().contains("Sign in again"));
        raw(
            &app,
            Method::GET,
            "/api/v1/accounts",
            &[cookie(&sales.cookie)],
            "",
        )
        .await
        .expect(401);
        // Signing in again starts a new session.
        let r = sign_in(&app, "sales@attack.example", PASSWORD, "/accounts").await;
        r.expect(303);
        let fresh = set_cookie_value(&r);
        assert_ne!(fresh, sales.cookie);
        raw(&app, Method::GET, "/accounts", &[cookie(&fresh)], "")
            .await
            .expect(200);
    });
}

#[test]
fn a_disabled_users_sessions_and_tokens_stop_working_and_they_cannot_sign_in() {
    each_db(|app| async move {
        let sales = app.identity("sales@disabled.example", Role::Sales).await;
        let other = app.identity("viewer@disabled.example", Role::Viewer).await;
        raw(&app, Method::GET, "/", &[cookie(&sales.cookie)], "")
            .await
            .expect(200);
        raw(
            &app,
            Method::GET,
            "/api/v1/accounts",
            &[bearer(&sales.token)],
            "",
        )
        .await
        .expect(200);

        let id = sales.user.id;
        app.db(move |s| s.set_user_disabled(id, true)).await;
        assert_sent_to_sign_in(
            &raw(&app, Method::GET, "/", &[cookie(&sales.cookie)], "").await,
            "/",
        );
        raw(
            &app,
            Method::GET,
            "/api/v1/accounts",
            &[bearer(&sales.token)],
            "",
        )
        .await
        .expect(401);
        sign_in(&app, "sales@disabled.example", PASSWORD, "/")
            .await
            .expect(401);
        // Other users are unaffected.
        raw(&app, Method::GET, "/", &[cookie(&other.cookie)], "")
            .await
            .expect(200);
        raw(
            &app,
            Method::GET,
            "/api/v1/accounts",
            &[bearer(&other.token)],
            "",
        )
        .await
        .expect(200);

        // Enabling them again does not bring the old session or token back.
        app.db(move |s| s.set_user_disabled(id, false)).await;
        assert_sent_to_sign_in(
            &raw(&app, Method::GET, "/", &[cookie(&sales.cookie)], "").await,
            "/",
        );
        raw(
            &app,
            Method::GET,
            "/api/v1/accounts",
            &[bearer(&sales.token)],
            "",
        )
        .await
        .expect(401);
        sign_in(&app, "sales@disabled.example", PASSWORD, "/")
            .await
            .expect(303);
    });
}

#[test]
fn a_revoked_token_is_refused_with_401_and_other_tokens_keep_working() {
    each_db(|app| async move {
        let manager = app.identity("manager@revoke.example", Role::Manager).await;
        let uid = manager.user.id;
        let (second, _) = app.db(move |s| s.create_token(uid, "second")).await;
        raw(
            &app,
            Method::GET,
            "/api/v1/accounts",
            &[bearer(&manager.token)],
            "",
        )
        .await
        .expect(200);

        let tid = manager.token_id;
        app.db(move |s| s.revoke_token(tid)).await;
        let r = raw(
            &app,
            Method::GET,
            "/api/v1/accounts",
            &[bearer(&manager.token)],
            "",
        )
        .await;
        r.expect(401);
        assert!(r.json()["error"].is_string());
        let before = changes(&app).await;
        raw(
            &app,
            Method::POST,
            "/api/v1/accounts",
            &[
                bearer(&manager.token),
                (header::CONTENT_TYPE, "application/json".into()),
            ],
            json!({"name": "By a revoked token"}).to_string(),
        )
        .await
        .expect(401);
        assert_eq!(changes(&app).await, before);
        assert_eq!(app.account_total().await, 0);
        raw(
            &app,
            Method::GET,
            "/api/v1/accounts",
            &[bearer(&second)],
            "",
        )
        .await
        .expect(200);
        // The scheme is case-insensitive, but the token must be exact.
        raw(
            &app,
            Method::GET,
            "/api/v1/accounts",
            &[(header::AUTHORIZATION, format!("bearer {second}"))],
            "",
        )
        .await
        .expect(200);
        raw(
            &app,
            Method::GET,
            "/api/v1/accounts",
            &[bearer(&second.to_uppercase())],
            "",
        )
        .await
        .expect(401);
        raw(
            &app,
            Method::GET,
            "/api/v1/accounts",
            &[(header::AUTHORIZATION, format!("Basic {second}"))],
            "",
        )
        .await
        .expect(401);
    });
}

// ---- CSRF ----

#[test]
fn a_form_post_without_its_sessions_csrf_token_is_403_and_writes_nothing() {
    each_db(|app| async move {
        let admin = app.admin().clone();
        let other = app.identity("manager@csrf.example", Role::Manager).await;
        let account = app.create_account(json!({"name": "Kept"})).await;
        let before = changes(&app).await;
        let with_admin = |extra: &[(header::HeaderName, String)]| {
            let mut h = vec![
                cookie(&admin.cookie),
                (header::CONTENT_TYPE, FORM.to_string()),
            ];
            h.extend_from_slice(extra);
            h
        };
        let attempts: Vec<(&str, Headers, String)> = vec![
            ("no token", with_admin(&[]), form_body(&[("name", "CSRF")])),
            (
                "an empty token",
                with_admin(&[]),
                form_body(&[("name", "CSRF"), ("csrf", "")]),
            ),
            (
                "a wrong token",
                with_admin(&[]),
                form_body(&[("name", "CSRF"), ("csrf", "0000")]),
            ),
            (
                "another user's token",
                with_admin(&[]),
                form_body(&[("name", "CSRF"), ("csrf", &other.csrf)]),
            ),
            (
                "a wrong header beside the right field",
                with_admin(&[(
                    header::HeaderName::from_static("x-csrf-token"),
                    other.csrf.clone(),
                )]),
                form_body(&[("name", "CSRF"), ("csrf", &admin.csrf)]),
            ),
        ];
        for (what, headers, body) in attempts {
            for uri in [
                "/accounts".to_string(),
                format!("/accounts/{account}/delete"),
                "/logout".into(),
            ] {
                let r = raw(&app, Method::POST, &uri, &headers, body.clone()).await;
                assert_eq!(r.status, 403, "POST {uri} with {what}");
                assert!(
                    r.text().contains("did not come from peerstage"),
                    "POST {uri} with {what}"
                );
            }
        }
        // A wrong token in the URL of an upload.
        let r = raw(
            &app,
            Method::POST,
            &format!("/transfer?csrf={}", other.csrf),
            &[
                cookie(&admin.cookie),
                (
                    header::CONTENT_TYPE,
                    "multipart/form-data; boundary=b".into(),
                ),
            ],
            "--b\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\naccounts\r\n--b--\r\n",
        )
        .await;
        r.expect(403);
        // Scripts using the session cookie must send the token in a header.
        let json_headers = |token: Option<&str>| {
            let mut h = vec![
                cookie(&admin.cookie),
                (header::CONTENT_TYPE, "application/json".to_string()),
            ];
            if let Some(t) = token {
                h.push((
                    header::HeaderName::from_static("x-csrf-token"),
                    t.to_string(),
                ));
            }
            h
        };
        for token in [None, Some("nope"), Some(other.csrf.as_str())] {
            let r = raw(
                &app,
                Method::POST,
                "/api/v1/accounts",
                &json_headers(token),
                json!({"name": "CSRF"}).to_string(),
            )
            .await;
            r.expect(403);
            assert!(r.json()["error"].as_str().unwrap().contains("CSRF"));
            raw(
                &app,
                Method::DELETE,
                &format!("/api/v1/accounts/{account}"),
                &json_headers(token),
                "",
            )
            .await
            .expect(403);
        }
        assert_eq!(
            changes(&app).await,
            before,
            "a refused request wrote something"
        );
        assert_eq!(app.account_total().await, 1);
        // The session is still live: the refusals did not sign anyone out.
        raw(&app, Method::GET, "/", &[cookie(&admin.cookie)], "")
            .await
            .expect(200);

        // With the right token each of them works.
        let r = raw(
            &app,
            Method::POST,
            "/api/v1/accounts",
            &json_headers(Some(&admin.csrf)),
            json!({"name": "Scripted"}).to_string(),
        )
        .await;
        r.expect(201);
        let r = raw(
            &app,
            Method::POST,
            "/accounts",
            &with_admin(&[]),
            form_body(&[("name", "By form"), ("csrf", &admin.csrf)]),
        )
        .await;
        r.expect(303);
        assert_eq!(app.account_total().await, 3);
    });
}

#[test]
fn signing_out_ends_the_session_and_its_cookie_no_longer_works() {
    each_db(|app| async move {
        app.identity("viewer@logout.example", Role::Viewer).await;
        let r = sign_in(&app, "viewer@logout.example", PASSWORD, "/contacts").await;
        r.expect(303);
        assert_eq!(r.location(), "/contacts");
        let set = r.header(header::SET_COOKIE).to_string();
        for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(set.contains(attribute), "{set}");
        }
        assert!(!set.contains("Secure"), "plain HTTP: {set}");
        let session = set_cookie_value(&r);
        let page = raw(&app, Method::GET, "/", &[cookie(&session)], "").await;
        page.expect(200);
        let csrf = csrf_in(&page.text());

        // Signing out is a form post too: without the token it is refused.
        raw(
            &app,
            Method::POST,
            "/logout",
            &[cookie(&session), (header::CONTENT_TYPE, FORM.into())],
            "",
        )
        .await
        .expect(403);
        raw(&app, Method::GET, "/", &[cookie(&session)], "")
            .await
            .expect(200);

        let r = raw(
            &app,
            Method::POST,
            "/logout",
            &[cookie(&session), (header::CONTENT_TYPE, FORM.into())],
            form_body(&[("csrf", &csrf)]),
        )
        .await;
        r.expect(303);
        assert_eq!(r.location(), "/login");
        assert!(r.header(header::SET_COOKIE).contains("Max-Age=0"));
        assert_sent_to_sign_in(
            &raw(&app, Method::GET, "/", &[cookie(&session)], "").await,
            "/",
        );
        raw(
            &app,
            Method::GET,
            "/api/v1/accounts",
            &[cookie(&session)],
            "",
        )
        .await
        .expect(401);

        // Behind an HTTPS proxy the cookie is Secure.
        let r = raw(
            &app,
            Method::POST,
            "/login",
            &[
                (header::CONTENT_TYPE, FORM.into()),
                (
                    header::HeaderName::from_static("x-forwarded-proto"),
                    "https".into(),
                ),
            ],
            form_body(&[("email", "viewer@logout.example"), ("password", PASSWORD)]),
        )
        .await;
        r.expect(303);
        assert!(r.header(header::SET_COOKIE).contains("; Secure"));
    });
}

// ---- signing in ----

#[test]
fn repeated_wrong_passwords_for_one_email_end_in_429_too_many_failed_attempts() {
    // The throttle sleeps before answering; on a paused clock the sleeps end at once.
    each_db_paused_clock(|app| async move {
        app.identity("target@throttle.example", Role::Viewer).await;
        sign_in(&app, "target@throttle.example", PASSWORD, "/")
            .await
            .expect(303);
        let guess = "guessed-password-1";
        let mut statuses = Vec::new();
        for _ in 0..8 {
            let r = sign_in(&app, "target@throttle.example", guess, "/").await;
            assert!(
                !r.text().contains(guess),
                "the password is never shown back"
            );
            statuses.push(r.status.as_u16());
        }
        assert_eq!(statuses, [401; 8]);
        let r = sign_in(&app, "target@throttle.example", guess, "/").await;
        r.expect(429);
        assert!(r.text().contains("Too many failed attempts"));
        // Locked out: even the right password is refused, and no session is started.
        let r = sign_in(&app, "target@throttle.example", PASSWORD, "/").await;
        r.expect(429);
        assert!(r.header(header::SET_COOKIE).is_empty());
    });
}

#[test]
fn the_sign_in_page_only_sends_users_on_to_addresses_on_this_site() {
    each_db(|app| async move {
        let email = app.admin().user.email.clone();
        for (next, expected) in [
            ("/accounts?q=a", "/accounts?q=a"),
            ("", "/"),
            ("//evil.example", "/"),
            ("//evil.example/accounts", "/"),
            ("https://evil.example", "/"),
            ("/\\evil.example", "/"),
            ("\\\\evil.example", "/"),
            ("javascript:alert(1)", "/"),
            // Browsers drop tabs and newlines from URLs: this would be `//evil.example`.
            ("/\t/evil.example", "/"),
            ("evil.example", "/"),
        ] {
            let r = sign_in(&app, &email, PASSWORD, next).await;
            assert_eq!(r.status, 303, "next={next:?}");
            assert_eq!(r.location(), expected, "next={next:?}");
        }
        // Header injection through `next` is refused, not a crash.
        let r = sign_in(&app, &email, PASSWORD, "/\r\nSet-Cookie: evil=1").await;
        assert!(r.status.is_redirection(), "{}", r.status);
        assert_eq!(r.location(), "/");
        // The next address is echoed on the sign-in page escaped.
        let r = app
            .anonymous()
            .get("/login?next=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E")
            .await;
        r.expect(200);
        assert!(!r.text().contains("<script>alert(1)</script>"));
    });
}

// ---- the setup link ----

#[test]
fn the_setup_link_works_once_with_its_token_and_never_once_a_user_exists() {
    each_db_without_users("setup-secret-0123", |app| async move {
        let users = |app: TestApp| async move { app.db(|s| s.count_users()).await };
        let post = |token: &str, email: &str, password: &str| {
            let body = form_body(&[("token", token), ("email", email), ("password", password)]);
            let app = app.clone();
            async move {
                raw(
                    &app,
                    Method::POST,
                    "/setup",
                    &[(header::CONTENT_TYPE, FORM.into())],
                    body,
                )
                .await
            }
        };
        for uri in [
            "/setup",
            "/setup?token=",
            "/setup?token=wrong",
            "/setup?token=setup-secret-012",
        ] {
            app.get(uri).await.expect(404);
        }
        post("", "eve@evil.example", "a long password")
            .await
            .expect(404);
        post("wrong", "eve@evil.example", "a long password")
            .await
            .expect(404);
        assert_eq!(users(app.clone()).await, 0);

        let r = app.get("/setup?token=setup-secret-0123").await;
        r.expect(200);
        assert!(r.text().contains("Create the first administrator"));
        post("setup-secret-0123", "ada@example.com", "short")
            .await
            .expect(422);
        assert_eq!(users(app.clone()).await, 0);
        let r = post("setup-secret-0123", "ada@example.com", "a long password").await;
        r.expect(303);
        assert_eq!(r.location(), "/login");
        assert_eq!(users(app.clone()).await, 1);
        let ada = app
            .db(|s| s.find_user("ada@example.com"))
            .await
            .expect("created");
        assert_eq!(ada.role, Role::Admin);

        // Once a user exists the link is dead, token or not.
        app.get("/setup?token=setup-secret-0123").await.expect(404);
        post("setup-secret-0123", "eve@evil.example", "a long password")
            .await
            .expect(404);
        assert_eq!(users(app.clone()).await, 1);
        sign_in(&app, "ada@example.com", "a long password", "/")
            .await
            .expect(303);
    });
}

#[test]
fn setup_is_refused_when_users_exist_and_no_setup_token_was_issued() {
    each_db(|app| async move {
        let nobody = app.anonymous();
        nobody.get("/setup").await.expect(404);
        nobody.get("/setup?token=anything").await.expect(404);
        let r = raw(
            &app,
            Method::POST,
            "/setup",
            &[(header::CONTENT_TYPE, FORM.into())],
            form_body(&[
                ("token", ""),
                ("email", "eve@evil.example"),
                ("password", "a long password"),
            ]),
        )
        .await;
        r.expect(404);
        assert_eq!(app.db(|s| s.count_users()).await, 1);
    });
}

// ---- injection ----

const PAYLOADS: [&str; 4] = [
    "'; DROP TABLE accounts; --",
    "\" OR 1=1 --",
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
];

/// Markup a payload would inject if a page printed it unescaped.
const RAW_MARKUP: [&str; 2] = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"];

const ACCOUNT_TEXT: [&str; 7] = [
    "name",
    "industry",
    "country",
    "city",
    "owner",
    "at_risk_reason",
    "private_notes",
];
const CONTACT_TEXT: [&str; 4] = ["name", "title", "phone", "city"];
const TOUCHPOINT_TEXT: [&str; 2] = ["staff", "notes"];
const COMMITMENT_TEXT: [&str; 2] = ["description", "owner"];
const NPS_TEXT: [&str; 1] = ["comment"];

/// Every free-text field set to the payload; the external id made unique with `tag`.
fn fields(
    names: &[&str],
    payload: &str,
    tag: &str,
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = names
        .iter()
        .map(|n| (n.to_string(), payload.to_string()))
        .collect();
    v.push(("external_id".into(), format!("{payload} {tag}")));
    v.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    v
}

fn as_json(fields: &[(String, String)]) -> Value {
    Value::Object(fields.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
}

async fn post_fields(app: &TestApp, uri: &str, fields: &[(String, String)]) -> Resp {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    app.post_form(uri, &pairs).await
}

/// The only record in an account's list.
async fn only(app: &TestApp, account: i64, what: &str) -> i64 {
    let list = app
        .get(&format!("/api/v1/accounts/{account}/{what}"))
        .await
        .json();
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{what} of {account}: {list}");
    items[0]["id"].as_i64().unwrap()
}

#[test]
fn sql_and_html_payloads_in_every_text_field_are_stored_verbatim_and_shown_escaped() {
    each_db(|app| async move {
        let mut created = Vec::new();
        for (i, payload) in PAYLOADS.iter().enumerate() {
            for channel in ["form", "json"] {
                let tag = format!("{channel}{i}");
                let account_fields = fields(
                    &ACCOUNT_TEXT,
                    payload,
                    &tag,
                    &[("at_risk", "true"), ("cost_to_serve", "1")],
                );
                let contact_fields =
                    fields(&CONTACT_TEXT, payload, &tag, &[("reference_consent", "no")]);
                let touchpoint_fields = fields(
                    &TOUCHPOINT_TEXT,
                    payload,
                    &tag,
                    &[("kind", "call"), ("occurred_on", "2025-01-02")],
                );
                let commitment_fields = fields(&COMMITMENT_TEXT, payload, &tag, &[]);
                let nps_fields = fields(
                    &NPS_TEXT,
                    payload,
                    &tag,
                    &[("score", "3"), ("responded_on", "2025-01-02")],
                );
                let ids = if channel == "json" {
                    let a = app.create_account(as_json(&account_fields)).await;
                    let c = app
                        .create_under(a, "contacts", as_json(&contact_fields))
                        .await;
                    let t = app
                        .create_under(a, "touchpoints", as_json(&touchpoint_fields))
                        .await;
                    let m = app
                        .create_under(a, "commitments", as_json(&commitment_fields))
                        .await;
                    let n = app.create_under(a, "nps", as_json(&nps_fields)).await;
                    [a, c, t, m, n]
                } else {
                    let r = post_fields(&app, "/accounts", &account_fields).await;
                    r.expect(303);
                    let a: i64 = r
                        .location()
                        .trim_start_matches("/accounts/")
                        .split('?')
                        .next()
                        .unwrap()
                        .parse()
                        .unwrap();
                    for (what, f) in [
                        ("contacts", &contact_fields),
                        ("touchpoints", &touchpoint_fields),
                        ("commitments", &commitment_fields),
                        ("nps", &nps_fields),
                    ] {
                        post_fields(&app, &format!("/accounts/{a}/{what}"), f)
                            .await
                            .expect(303);
                    }
                    [
                        a,
                        only(&app, a, "contacts").await,
                        only(&app, a, "touchpoints").await,
                        only(&app, a, "commitments").await,
                        only(&app, a, "nps").await,
                    ]
                };
                // Stored and read back exactly as sent.
                for (path, sent) in [
                    (format!("/api/v1/accounts/{}", ids[0]), &account_fields),
                    (format!("/api/v1/contacts/{}", ids[1]), &contact_fields),
                    (
                        format!("/api/v1/touchpoints/{}", ids[2]),
                        &touchpoint_fields,
                    ),
                    (
                        format!("/api/v1/commitments/{}", ids[3]),
                        &commitment_fields,
                    ),
                    (format!("/api/v1/nps/{}", ids[4]), &nps_fields),
                ] {
                    let got = app.get(&path).await;
                    got.expect(200);
                    let got = got.json();
                    for (k, v) in sent.iter().filter(|(k, _)| {
                        k == "external_id"
                            || ACCOUNT_TEXT.contains(&k.as_str())
                            || CONTACT_TEXT.contains(&k.as_str())
                            || TOUCHPOINT_TEXT.contains(&k.as_str())
                            || COMMITMENT_TEXT.contains(&k.as_str())
                            || NPS_TEXT.contains(&k.as_str())
                    }) {
                        assert_eq!(got[k.as_str()], json!(v), "{channel} {path} field {k}");
                    }
                }
                created.push((*payload, ids));
            }
        }

        // Every page that shows these records shows them escaped.
        let mut pages = vec![
            "/".to_string(),
            "/accounts".into(),
            "/accounts?at_risk=yes".into(),
            "/contacts".into(),
            "/nps".into(),
            "/value".into(),
            "/admin/audit".into(),
        ];
        for (payload, [a, c, t, m, _]) in &created {
            pages.push(format!("/accounts?q={}", encode(payload)));
            pages.push(format!("/contacts?q={}", encode(payload)));
            pages.push(format!("/accounts/{a}"));
            pages.push(format!("/accounts/{a}/edit"));
            pages.push(format!("/accounts/{a}/touchpoints/new"));
            pages.push(format!("/accounts/{a}/nps/new"));
            pages.push(format!("/contacts/{c}/edit"));
            pages.push(format!("/touchpoints/{t}/edit"));
            pages.push(format!("/commitments/{m}/edit"));
        }
        for path in &pages {
            let r = app.get(path).await;
            assert_eq!(r.status, 200, "GET {path}");
            let body = r.text();
            for markup in RAW_MARKUP {
                assert!(
                    !body.contains(markup),
                    "GET {path} prints {markup} unescaped"
                );
            }
        }
        let (_, [script_account, ..]) = created[4];
        let page = app.get(&format!("/accounts/{script_account}")).await.text();
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "the payload is shown, escaped"
        );
        // A form sent back with errors echoes the payload escaped too.
        let r = app
            .post_form(
                "/accounts",
                &[
                    ("name", PAYLOADS[3]),
                    ("city", PAYLOADS[2]),
                    ("employees", "many"),
                ],
            )
            .await;
        r.expect(422);
        for markup in RAW_MARKUP {
            assert!(!r.text().contains(markup));
        }

        // Nothing was dropped: every table still answers, with every record.
        assert_eq!(app.account_total().await, 8);
        let counts = app.db(|s| s.counts()).await;
        assert_eq!(
            (counts.accounts, counts.contacts, counts.touchpoints),
            (8, 8, 8)
        );
        for (payload, _) in &created[..2] {
            let found = app
                .get(&format!("/api/v1/accounts?q={}", encode(payload)))
                .await;
            found.expect(200);
            assert_eq!(found.json()["total"], 2, "search for {payload}");
        }
        app.get("/api/v1/nps").await.expect(200);
        app.get("/export/commitments.csv").await.expect(200);
    });
}

#[test]
fn search_text_with_percent_underscore_and_quotes_matches_literally() {
    each_db(|app| async move {
        for name in ["100% Juice", "Under_score Ltd", "O'Brien Corp", "Plain Co"] {
            let a = app.create_account(json!({ "name": name })).await;
            app.create_under(
                a,
                "contacts",
                json!({ "name": format!("Contact of {name}") }),
            )
            .await;
        }
        let names = |v: &Value| -> Vec<String> {
            let mut n: Vec<String> = v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["name"].as_str().unwrap().to_string())
                .collect();
            n.sort();
            n
        };
        for (q, expected) in [
            ("%", vec!["100% Juice"]),
            ("_", vec!["Under_score Ltd"]),
            ("'", vec!["O'Brien Corp"]),
            ("' OR '1'='1", vec![]),
            ("%' OR 1=1 --", vec![]),
            ("\\", vec![]),
        ] {
            let r = app.get(&format!("/api/v1/accounts?q={}", encode(q))).await;
            r.expect(200);
            assert_eq!(names(&r.json()), expected, "accounts q={q:?}");
            let r = app.get(&format!("/api/v1/contacts?q={}", encode(q))).await;
            r.expect(200);
            let contacts: Vec<String> =
                expected.iter().map(|n| format!("Contact of {n}")).collect();
            assert_eq!(names(&r.json()), contacts, "contacts q={q:?}");
            for page in ["/accounts", "/contacts"] {
                let r = app.get(&format!("{page}?q={}", encode(q))).await;
                r.expect(200);
                let body = r.text();
                assert!(
                    !body.contains("Plain Co"),
                    "{page}?q={q:?} lists everything"
                );
            }
        }
        // A lone `%` that is not an escape does not break the query string either.
        app.get("/api/v1/accounts?q=%").await.expect(200);
        app.get("/accounts?q=%&sort=name").await.expect(200);
        app.get("/contacts?q=%").await.expect(200);
    });
}

// ---- paths and sizes ----

#[test]
fn path_traversal_in_export_names_is_a_404_never_a_file() {
    each_db(|app| async move {
        for path in [
            "/export/..%2F..%2Fetc%2Fpasswd",
            "/export/..%2F..%2Fetc%2Fpasswd.csv",
            "/export/%2e%2e%2f%2e%2e%2fCargo.toml",
            "/export/../../etc/passwd",
            "/export/..",
            "/api/v1/export/../../x",
            "/api/v1/export/..%2F..%2Fetc%2Fpasswd",
            "/api/v1/export/%2e%2e",
            "/api/v1/import/..%2F..%2Fx",
            "/static/../Cargo.toml",
            "/static/..%2F..%2FCargo.toml",
        ] {
            let method = if path.contains("/import/") {
                Method::POST
            } else {
                Method::GET
            };
            let r = app
                .request(method, path, Some("text/csv"), "external_id,name\n")
                .await;
            assert_eq!(r.status, 404, "{path}");
            assert!(!r.content_type().starts_with("text/csv"), "{path}");
            let body = r.text();
            assert!(
                !body.contains("root:") && !body.contains("[package]"),
                "{path}"
            );
        }
    });
}

#[test]
fn oversized_json_and_form_bodies_are_413_never_500_however_they_are_sent() {
    each_db(|app| async move {
        let admin = app.admin().clone();
        let big = "x".repeat(peerstage_web::BODY_LIMIT + 1024);
        let big_json = json!({ "name": big }).to_string();
        let big_form = form_body(&[("name", &big), ("csrf", &admin.csrf)]);
        let csrf_header = (
            header::HeaderName::from_static("x-csrf-token"),
            admin.csrf.clone(),
        );
        let cases: Vec<(&str, &str, Headers, &String)> = vec![
            (
                "JSON with a token",
                "/api/v1/accounts",
                vec![
                    bearer(&admin.token),
                    (header::CONTENT_TYPE, "application/json".into()),
                ],
                &big_json,
            ),
            (
                "JSON with the session and its CSRF header",
                "/api/v1/accounts",
                vec![
                    cookie(&admin.cookie),
                    (header::CONTENT_TYPE, "application/json".into()),
                    csrf_header.clone(),
                ],
                &big_json,
            ),
            (
                "a form with the session",
                "/accounts",
                vec![cookie(&admin.cookie), (header::CONTENT_TYPE, FORM.into())],
                &big_form,
            ),
            (
                "a form with the CSRF header",
                "/accounts",
                vec![
                    cookie(&admin.cookie),
                    (header::CONTENT_TYPE, FORM.into()),
                    csrf_header.clone(),
                ],
                &big_form,
            ),
            (
                "a form to the sign-in page",
                "/login",
                vec![(header::CONTENT_TYPE, FORM.into())],
                &big_form,
            ),
            (
                "a form to the setup page",
                "/setup",
                vec![(header::CONTENT_TYPE, FORM.into())],
                &big_form,
            ),
        ];
        for (what, uri, headers, body) in cases {
            let r = raw(&app, Method::POST, uri, &headers, body.clone()).await;
            assert_eq!(
                r.status,
                413,
                "{what}: {}",
                String::from_utf8_lossy(&r.body)
                    .chars()
                    .take(300)
                    .collect::<String>()
            );
        }
        // Refused for another reason first, but never a 500.
        let r = raw(
            &app,
            Method::POST,
            "/accounts",
            &[cookie(&admin.cookie)],
            big.clone(),
        )
        .await;
        assert_eq!(r.status, 403, "no form and no token");
        assert_eq!(app.account_total().await, 0);
    });
}

// ---- the audit log ----

#[test]
fn the_audit_log_records_who_created_and_changed_what_with_the_values() {
    each_db(|app| async move {
        let manager = app.identity("manager@audit.example", Role::Manager).await;
        let as_manager = app.as_user(&manager);
        let id = as_manager
            .post_json(
                "/api/v1/accounts",
                &json!({"name": "Audited Co", "city": "Oslo"}),
            )
            .await;
        id.expect(201);
        let id = id.json()["id"].as_i64().unwrap();
        as_manager
            .post_form(
                &format!("/accounts/{id}"),
                &[
                    ("name", "Audited Co"),
                    ("city", "Bergen"),
                    ("lifecycle", "customer"),
                ],
            )
            .await
            .expect(303);
        // A refused change leaves no entry.
        let viewer = app.identity("viewer@audit.example", Role::Viewer).await;
        app.as_user(&viewer)
            .put_json(&format!("/api/v1/accounts/{id}"), &json!({"city": "X"}))
            .await
            .expect(403);

        let entries = app
            .db(move |s| {
                s.list_audit(&AuditFilter {
                    entity: Some("account".into()),
                    entity_id: Some(id),
                    ..Default::default()
                })
            })
            .await
            .items;
        assert_eq!(entries.len(), 2, "{entries:#?}");
        let (update, create) = (&entries[0], &entries[1]);
        assert_eq!(create.actor, "manager@audit.example");
        assert_eq!(create.action, "create");
        assert_eq!(create.entity, "account");
        assert!(create.before.is_none());
        let after = create.after.as_ref().expect("values after");
        assert_eq!(after["name"], "Audited Co");
        assert_eq!(after["city"], "Oslo");
        assert_eq!(update.actor, "manager@audit.example");
        assert_eq!(update.action, "update");
        assert_eq!(update.before.as_ref().unwrap()["city"], "Oslo");
        assert_eq!(update.after.as_ref().unwrap()["city"], "Bergen");
        let by_viewer = app
            .db(|s| {
                s.list_audit(&AuditFilter {
                    actor: Some("viewer@audit.example".into()),
                    ..Default::default()
                })
            })
            .await;
        assert_eq!(by_viewer.total, 0);
    });
}
