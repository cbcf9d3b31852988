//! Administration (users, API tokens, the audit log) and privacy (consent history, export,
//! erasure): pages and JSON API, on SQLite and — when `PEERSTAGE_TEST_POSTGRES_URL` is set —
//! PostgreSQL.

use axum::http::Method;
use h::{each_db, today, Env, Who};
use peerstage_core::Role;
use serde_json::{json, Value};

/// This file's own helpers: an app per fresh database, callers signed in with a session
/// cookie (and its CSRF token) or an API token, and responses read whole.
mod h {
    use axum::body::Body;
    use axum::http::{header, HeaderMap, Method, Request, StatusCode};
    use axum::Router;
    use http_body_util::BodyExt;
    use peerstage_core::Role;
    use peerstage_store::testing::TestDb;
    use peerstage_store::Store;
    use peerstage_web::{app, AppState};
    use serde_json::Value;
    use std::future::Future;
    use tower::ServiceExt;

    pub struct Env {
        router: Router,
        store: Store,
    }

    /// Who sends a request: a browser session, an API token, or nobody.
    #[derive(Clone, Debug)]
    pub struct Who {
        pub id: i64,
        pub email: String,
        session: Option<(String, String)>,
        bearer: Option<String>,
    }

    impl Who {
        pub fn nobody() -> Who {
            Who::user(0, "")
        }
        /// An existing user, not signed in yet (see `Env::new_session`).
        pub fn user(id: i64, email: &str) -> Who {
            Who {
                id,
                email: email.to_string(),
                session: None,
                bearer: None,
            }
        }
        /// The same user calling with an API token instead of the session.
        pub fn with_token(&self, secret: &str) -> Who {
            Who {
                session: None,
                bearer: Some(secret.to_string()),
                ..self.clone()
            }
        }
        /// The same session without its CSRF token, as a forged form would arrive.
        pub fn without_csrf(&self) -> Who {
            let session = self
                .session
                .clone()
                .map(|(cookie, _)| (cookie, String::new()));
            Who {
                session,
                ..self.clone()
            }
        }
        pub fn csrf(&self) -> &str {
            self.session.as_ref().map(|(_, c)| c.as_str()).unwrap_or("")
        }
    }

    pub struct Resp {
        pub status: StatusCode,
        pub headers: HeaderMap,
        pub body: Vec<u8>,
    }

    impl Resp {
        pub fn text(&self) -> String {
            String::from_utf8_lossy(&self.body).into_owned()
        }
        pub fn json(&self) -> Value {
            serde_json::from_slice(&self.body).unwrap_or_else(|e| {
                panic!(
                    "expected JSON (status {}): {e}: {}",
                    self.status,
                    self.text()
                )
            })
        }
        pub fn header(&self, name: header::HeaderName) -> &str {
            self.headers
                .get(&name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
        }
        pub fn location(&self) -> &str {
            self.header(header::LOCATION)
        }
        #[track_caller]
        pub fn expect(&self, status: u16) -> &Self {
            assert_eq!(
                self.status.as_u16(),
                status,
                "unexpected status; body: {}",
                self.text()
            );
            self
        }
        /// `fields[].field` of a JSON error.
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

    /// Runs `test` on each configured database. Databases are created and dropped outside
    /// the runtime: the synchronous PostgreSQL client must not run inside it.
    pub fn each_db<F, Fut>(test: F)
    where
        F: Fn(Env) -> Fut,
        Fut: Future<Output = ()>,
    {
        for db in TestDb::all() {
            println!("-- running on {}", db.store.describe());
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("tokio runtime");
            let env = Env {
                router: app(AppState::new(db.store.clone())),
                store: db.store.clone(),
            };
            rt.block_on(test(env));
            drop(rt);
            drop(db);
        }
    }

    impl Env {
        /// Calls the store on a blocking thread, as the app does.
        pub async fn db<T: Send + 'static>(
            &self,
            f: impl FnOnce(&Store) -> T + Send + 'static,
        ) -> T {
            let store = self.store.clone();
            tokio::task::spawn_blocking(move || f(&store))
                .await
                .expect("store call")
        }

        /// Adds a user and signs them in (a session cookie and its CSRF token).
        pub async fn signed_in(&self, email: &str, role: Role) -> Who {
            let email = email.to_string();
            self.db(move |s| {
                let user = s
                    .add_user(&email, role, "long enough pw")
                    .expect("add user");
                let (cookie, session) = s.create_session(user.id).expect("session");
                Who {
                    id: user.id,
                    email: user.email,
                    session: Some((cookie, session.csrf_token)),
                    bearer: None,
                }
            })
            .await
        }

        /// A new session for an existing user.
        pub async fn new_session(&self, who: &Who) -> Who {
            let id = who.id;
            let (cookie, session) = self
                .db(move |s| s.create_session(id))
                .await
                .expect("session");
            Who {
                session: Some((cookie, session.csrf_token)),
                bearer: None,
                ..who.clone()
            }
        }

        /// An API token for the user, used instead of their session.
        pub async fn token(&self, who: &Who, name: &str) -> Who {
            let (id, name) = (who.id, name.to_string());
            let (secret, _) = self
                .db(move |s| s.create_token(id, &name))
                .await
                .expect("token");
            who.with_token(&secret)
        }

        pub async fn send(
            &self,
            who: &Who,
            method: Method,
            uri: &str,
            content_type: Option<&str>,
            body: String,
        ) -> Resp {
            let mut b = Request::builder().method(method.clone()).uri(uri);
            if let Some(ct) = content_type {
                b = b.header(header::CONTENT_TYPE, ct);
            }
            if let Some((cookie, csrf)) = &who.session {
                b = b.header(header::COOKIE, format!("peerstage_session={cookie}"));
                // Scripts send the CSRF token as a header; forms carry it as a field.
                if method != Method::GET
                    && content_type != Some("application/x-www-form-urlencoded")
                    && !csrf.is_empty()
                {
                    b = b.header("x-csrf-token", csrf);
                }
            }
            if let Some(secret) = &who.bearer {
                b = b.header(header::AUTHORIZATION, format!("Bearer {secret}"));
            }
            let res = self
                .router
                .clone()
                .oneshot(b.body(Body::from(body)).expect("request"))
                .await
                .expect("infallible");
            let (parts, body) = res.into_parts();
            let body = body.collect().await.expect("body").to_bytes().to_vec();
            Resp {
                status: parts.status,
                headers: parts.headers,
                body,
            }
        }

        pub async fn get(&self, who: &Who, uri: &str) -> Resp {
            self.send(who, Method::GET, uri, None, String::new()).await
        }

        pub async fn json(&self, who: &Who, method: Method, uri: &str, body: &Value) -> Resp {
            self.send(who, method, uri, Some("application/json"), body.to_string())
                .await
        }

        /// Posts a form the way the pages do: with the session's CSRF field.
        pub async fn form(&self, who: &Who, uri: &str, pairs: &[(&str, &str)]) -> Resp {
            let mut s = form_urlencoded::Serializer::new(String::new());
            if !who.csrf().is_empty() {
                s.append_pair("csrf", who.csrf());
            }
            for (k, v) in pairs {
                s.append_pair(k, v);
            }
            self.send(
                who,
                Method::POST,
                uri,
                Some("application/x-www-form-urlencoded"),
                s.finish(),
            )
            .await
        }

        /// Creates a record over the API and returns its id.
        pub async fn create(&self, who: &Who, uri: &str, body: Value) -> i64 {
            let r = self.json(who, Method::POST, uri, &body).await;
            r.expect(201);
            r.json()["id"].as_i64().expect("id")
        }
    }

    pub fn today() -> String {
        chrono::Utc::now()
            .date_naive()
            .format("%Y-%m-%d")
            .to_string()
    }

    /// How many times `needle` occurs in `haystack`.
    pub fn count(haystack: &str, needle: &str) -> usize {
        haystack.matches(needle).count()
    }
}

/// The token secret shown on the "token created" page.
fn secret_on_page(html: &str) -> String {
    let start = html.find("value=\"pst_").expect("the secret is shown") + "value=\"".len();
    let end = start + html[start..].find('"').expect("end of the secret");
    html[start..end].to_string()
}

// ---- users ----

#[test]
fn admins_add_disable_enable_and_change_roles_of_users_on_the_page() {
    each_db(|env| async move {
        let root = env.signed_in("root@example.com", Role::Admin).await;
        let r = env.get(&root, "/admin/users").await;
        r.expect(200);
        let page = r.text();
        assert!(page.contains("root@example.com") && page.contains("Add a user"));
        for link in [
            "href=\"/admin/users\"",
            "href=\"/admin/tokens\"",
            "href=\"/admin/audit\"",
        ] {
            assert!(page.contains(link), "sub-navigation links {link}");
        }

        // Bad input: every error beside its field, what was typed kept, the password not.
        let r = env
            .form(
                &root,
                "/admin/users",
                &[
                    ("email", "not-an-email"),
                    ("role", "sales"),
                    ("password", "short"),
                ],
            )
            .await;
        r.expect(422);
        let page = r.text();
        assert!(page.contains("id=\"f-email-error\"") && page.contains("id=\"f-password-error\""));
        assert!(page.contains("value=\"not-an-email\""));
        assert!(
            !page.contains("value=\"short\""),
            "the password is not sent back"
        );
        assert!(
            page.contains("<option value=\"sales\" selected"),
            "the role chosen is kept"
        );
        let r = env
            .form(
                &root,
                "/admin/users",
                &[
                    ("email", "x@example.com"),
                    ("role", ""),
                    ("password", "long enough pw"),
                ],
            )
            .await;
        r.expect(422);
        assert!(r.text().contains("id=\"f-role-error\""));

        // A form without the session's CSRF token is refused.
        env.form(
            &root.without_csrf(),
            "/admin/users",
            &[
                ("email", "sam@example.com"),
                ("role", "sales"),
                ("password", "correct horse"),
            ],
        )
        .await
        .expect(403);

        let r = env
            .form(
                &root,
                "/admin/users",
                &[
                    ("email", "Sam@Example.com"),
                    ("role", "sales"),
                    ("password", "correct horse"),
                ],
            )
            .await;
        r.expect(303);
        assert!(
            r.location().starts_with("/admin/users?notice=user_added"),
            "{}",
            r.location()
        );
        let page = env.get(&root, r.location()).await.text();
        assert!(page.contains("sam@example.com") && page.contains("User added"));
        let sam = env
            .db(|s| s.find_user("sam@example.com"))
            .await
            .unwrap()
            .expect("added");
        assert_eq!(sam.role, Role::Sales);
        // The new user can sign in with the password given.
        let ok = env
            .db(|s| s.check_login("sam@example.com", "correct horse"))
            .await
            .unwrap();
        assert!(ok.is_some());

        // The same email again: an error beside the email field.
        let r = env
            .form(
                &root,
                "/admin/users",
                &[
                    ("email", "sam@example.com"),
                    ("role", "viewer"),
                    ("password", "correct horse"),
                ],
            )
            .await;
        r.expect(422);
        assert!(r.text().contains("id=\"f-email-error\""));

        // Role.
        let r = env
            .form(
                &root,
                &format!("/admin/users/{}/role", sam.id),
                &[("role", "manager")],
            )
            .await;
        r.expect(303);
        assert!(r.location().contains("notice=role_changed"));
        assert_eq!(
            env.db(move |s| s.get_user(sam.id)).await.unwrap().role,
            Role::Manager
        );
        env.form(
            &root,
            &format!("/admin/users/{}/role", sam.id),
            &[("role", "boss")],
        )
        .await
        .expect(400);

        // Disabling ends the user's sessions at once.
        let sam_who = Who::user(sam.id, &sam.email);
        let sam_session = env.new_session(&sam_who).await;
        env.get(&sam_session, "/").await.expect(200);
        let r = env
            .form(&root, &format!("/admin/users/{}/disable", sam.id), &[])
            .await;
        r.expect(303);
        assert!(r.location().contains("notice=disabled"));
        assert!(env.db(move |s| s.get_user(sam.id)).await.unwrap().disabled);
        let r = env.get(&sam_session, "/").await;
        r.expect(303);
        assert!(r.location().starts_with("/login"));
        env.get(&sam_session, "/api/v1/accounts").await.expect(401);
        assert!(env
            .db(|s| s.check_login("sam@example.com", "correct horse"))
            .await
            .unwrap()
            .is_none());
        let page = env.get(&root, "/admin/users").await.text();
        assert!(
            page.contains("Disabled") && page.contains(&format!("/admin/users/{}/enable", sam.id))
        );

        let r = env
            .form(&root, &format!("/admin/users/{}/enable", sam.id), &[])
            .await;
        r.expect(303);
        assert!(!env.db(move |s| s.get_user(sam.id)).await.unwrap().disabled);
        // Old sessions stay ended; a new sign-in works.
        env.get(&sam_session, "/").await.expect(303);
        env.get(&env.new_session(&sam_who).await, "/")
            .await
            .expect(200);

        env.form(&root, "/admin/users/99999/disable", &[])
            .await
            .expect(404);

        // An admin cannot disable themself, nor take away the last active admin's role.
        let r = env
            .form(&root, &format!("/admin/users/{}/disable", root.id), &[])
            .await;
        r.expect(409);
        assert!(
            r.text().contains("cannot disable your own account"),
            "{}",
            r.text()
        );
        let r = env
            .form(
                &root,
                &format!("/admin/users/{}/role", root.id),
                &[("role", "viewer")],
            )
            .await;
        r.expect(409);
        assert!(
            r.text().contains("last active administrator"),
            "{}",
            r.text()
        );
        let me = env.db(move |s| s.get_user(root.id)).await.unwrap();
        assert!(me.role == Role::Admin && !me.disabled);
        // With a second admin, the first may step down.
        env.form(
            &root,
            &format!("/admin/users/{}/role", sam.id),
            &[("role", "admin")],
        )
        .await
        .expect(303);
        env.form(
            &root,
            &format!("/admin/users/{}/role", root.id),
            &[("role", "manager")],
        )
        .await
        .expect(303);
        env.get(&root, "/admin/users").await.expect(403);
    });
}

#[test]
fn the_users_api_adds_changes_and_never_shows_password_hashes() {
    each_db(|env| async move {
        let root = env.signed_in("root@example.com", Role::Admin).await;
        let api = env.token(&root, "admin script").await;

        let r = env.json(&api, Method::POST, "/api/v1/users", &json!({"email": "Pat@Example.com", "role": "product", "password": "long enough pw"})).await;
        r.expect(201);
        let pat = r.json();
        assert_eq!(pat["email"], "pat@example.com");
        assert_eq!(pat["role"], "product");
        assert_eq!(pat["disabled"], false);
        let pat_id = pat["id"].as_i64().unwrap();

        let r = env.get(&api, "/api/v1/users").await;
        r.expect(200);
        let listed = r.json();
        let emails: Vec<&str> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["email"].as_str().unwrap())
            .collect();
        assert_eq!(emails, ["pat@example.com", "root@example.com"]);
        let body = r.text();
        assert!(
            !body.contains("password") && !body.contains("hash") && !body.contains("argon2"),
            "{body}"
        );

        let r = env
            .json(
                &api,
                Method::POST,
                "/api/v1/users",
                &json!({"email": "nope", "role": "boss", "password": "short"}),
            )
            .await;
        r.expect(422);
        let mut fields = r.error_fields();
        fields.sort();
        assert_eq!(fields, ["email", "password", "role"]);
        let r = env.json(&api, Method::POST, "/api/v1/users", &json!({"email": "a@example.com", "role": "viewer", "password": "long enough pw", "admin": true})).await;
        r.expect(422);
        assert_eq!(r.error_fields(), ["admin"]);
        let r = env.json(&api, Method::POST, "/api/v1/users", &json!({"email": "pat@example.com", "role": "viewer", "password": "long enough pw"})).await;
        r.expect(409);
        assert_eq!(r.error_fields(), ["email"]);

        let uri = format!("/api/v1/users/{pat_id}");
        let r = env
            .json(&api, Method::PUT, &uri, &json!({"role": "viewer"}))
            .await;
        r.expect(200);
        assert_eq!(r.json()["role"], "viewer");
        let r = env
            .json(&api, Method::PUT, &uri, &json!({"disabled": true}))
            .await;
        r.expect(200);
        assert_eq!(r.json()["disabled"], true);
        assert_eq!(
            r.json()["role"],
            "viewer",
            "fields not sent keep their value"
        );
        let r = env
            .json(
                &api,
                Method::PUT,
                &uri,
                &json!({"disabled": false, "role": "manager"}),
            )
            .await;
        r.expect(200);
        assert_eq!(r.json()["disabled"], false);
        assert_eq!(r.json()["role"], "manager");
        let r = env
            .json(
                &api,
                Method::PUT,
                &uri,
                &json!({"role": "boss", "disabled": "maybe"}),
            )
            .await;
        r.expect(422);
        assert_eq!(r.error_fields().len(), 2);
        env.json(
            &api,
            Method::PUT,
            &uri,
            &json!({"password": "long enough pw"}),
        )
        .await
        .expect(422);
        env.json(
            &api,
            Method::PUT,
            "/api/v1/users/99999",
            &json!({"role": "viewer"}),
        )
        .await
        .expect(404);

        // Refused: disabling yourself, and leaving no active administrator.
        let me = format!("/api/v1/users/{}", root.id);
        let r = env
            .json(&api, Method::PUT, &me, &json!({"disabled": true}))
            .await;
        r.expect(409);
        assert_eq!(r.error_fields(), ["disabled"]);
        let r = env
            .json(&api, Method::PUT, &me, &json!({"role": "manager"}))
            .await;
        r.expect(409);
        assert_eq!(r.error_fields(), ["role"]);
        assert!(r.json()["error"]
            .as_str()
            .unwrap()
            .contains("last active administrator"));

        // Each change is in the audit log with the values before and after.
        let r = env
            .get(
                &api,
                &format!("/api/v1/audit?entity=user&entity_id={pat_id}"),
            )
            .await;
        r.expect(200);
        let entries = r.json();
        assert_eq!(entries["total"], 4, "{entries}");
        assert_eq!(entries["items"][0]["before"]["role"], "viewer");
        assert_eq!(entries["items"][0]["after"]["role"], "manager");
        assert!(!r.text().contains("hash"));

        // Cookie-authenticated API calls need the CSRF header.
        env.json(
            &root.without_csrf(),
            Method::PUT,
            &uri,
            &json!({"role": "viewer"}),
        )
        .await
        .expect(403);
        env.json(&root, Method::PUT, &uri, &json!({"role": "viewer"}))
            .await
            .expect(200);
    });
}

// ---- API tokens ----

#[test]
fn a_token_created_on_the_page_is_shown_once_authenticates_and_stops_when_revoked() {
    each_db(|env| async move {
        let root = env.signed_in("root@example.com", Role::Admin).await;
        let viewer = env.signed_in("vera@example.com", Role::Viewer).await;
        let r = env.get(&root, "/admin/tokens").await;
        r.expect(200);
        assert!(r.text().contains("No API tokens yet."));

        let r = env
            .form(&root, "/admin/tokens", &[("user_id", ""), ("name", "")])
            .await;
        r.expect(422);
        assert!(
            r.text().contains("id=\"f-user_id-error\"") && r.text().contains("id=\"f-name-error\"")
        );
        let r = env
            .form(
                &root,
                "/admin/tokens",
                &[("user_id", "99999"), ("name", "CRM sync")],
            )
            .await;
        r.expect(422);
        assert!(
            r.text().contains("id=\"f-user_id-error\"") && r.text().contains("value=\"CRM sync\"")
        );

        let r = env
            .form(
                &root,
                "/admin/tokens",
                &[("user_id", &viewer.id.to_string()), ("name", "CRM sync")],
            )
            .await;
        r.expect(200);
        assert_eq!(r.header(axum::http::header::CACHE_CONTROL), "no-store");
        let page = r.text();
        assert!(page.contains("will not be shown again"), "{page}");
        let secret = secret_on_page(&page);
        assert!(secret.len() > 20);

        // The list never shows it again.
        let list = env.get(&root, "/admin/tokens").await.text();
        assert!(
            list.contains("CRM sync")
                && list.contains("vera@example.com")
                && list.contains("Never")
        );
        assert!(!list.contains(&secret));

        // It authenticates, as its user with that user's role.
        let bearer = viewer.with_token(&secret);
        env.get(&bearer, "/api/v1/accounts").await.expect(200);
        env.get(&bearer, "/api/v1/users").await.expect(403);
        let list = env.get(&root, "/admin/tokens").await.text();
        assert!(!list.contains("Never"), "last use is recorded");

        let token_id = env.db(|s| s.list_tokens()).await.unwrap()[0].id;
        env.form(
            &root.without_csrf(),
            &format!("/admin/tokens/{token_id}/revoke"),
            &[],
        )
        .await
        .expect(403);
        env.get(&bearer, "/api/v1/accounts").await.expect(200);
        let r = env
            .form(&root, &format!("/admin/tokens/{token_id}/revoke"), &[])
            .await;
        r.expect(303);
        assert!(r.location().contains("notice=revoked"));
        env.get(&bearer, "/api/v1/accounts").await.expect(401);
        let list = env.get(&root, "/admin/tokens?notice=revoked").await.text();
        assert!(list.contains("Revoked") && list.contains("API token revoked."));
        assert!(
            !list.contains(&format!("/admin/tokens/{token_id}/revoke")),
            "no revoke button for a revoked token"
        );

        // Disabled users get no tokens.
        let vid = viewer.id;
        env.db(move |s| s.set_user_disabled(vid, true))
            .await
            .unwrap();
        let r = env
            .form(
                &root,
                "/admin/tokens",
                &[("user_id", &viewer.id.to_string()), ("name", "again")],
            )
            .await;
        r.expect(422);
        assert!(r.text().contains("is disabled"));
    });
}

#[test]
fn the_tokens_api_returns_the_secret_once_and_delete_revokes() {
    each_db(|env| async move {
        let root = env.signed_in("root@example.com", Role::Admin).await;
        let sales = env.signed_in("sid@example.com", Role::Sales).await;
        let api = env.token(&root, "admin script").await;

        let r = env
            .json(
                &api,
                Method::POST,
                "/api/v1/tokens",
                &json!({"user_id": sales.id, "name": "laptop"}),
            )
            .await;
        r.expect(201);
        let created = r.json();
        let secret = created["secret"].as_str().expect("secret").to_string();
        assert!(secret.starts_with("pst_"));
        assert_eq!(created["user_email"], "sid@example.com");
        assert_eq!(created["name"], "laptop");
        assert!(created.get("token_hash").is_none() && !r.text().contains("hash"));
        let id = created["id"].as_i64().unwrap();

        let r = env.get(&api, "/api/v1/tokens").await;
        r.expect(200);
        assert_eq!(r.json()["items"].as_array().unwrap().len(), 2);
        assert!(
            !r.text().contains(&secret)
                && !r.text().contains("secret")
                && !r.text().contains("hash")
        );

        let bearer = sales.with_token(&secret);
        env.get(&bearer, "/api/v1/accounts").await.expect(200);
        env.send(
            &api,
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            None,
            String::new(),
        )
        .await
        .expect(204);
        env.get(&bearer, "/api/v1/accounts").await.expect(401);
        let listed = env.get(&api, "/api/v1/tokens").await.json();
        let revoked = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .unwrap()
            .clone();
        assert!(revoked["revoked_at"].is_string());
        env.send(
            &api,
            Method::DELETE,
            "/api/v1/tokens/99999",
            None,
            String::new(),
        )
        .await
        .expect(404);

        let r = env
            .json(&api, Method::POST, "/api/v1/tokens", &json!({}))
            .await;
        r.expect(422);
        let mut fields = r.error_fields();
        fields.sort();
        assert_eq!(fields, ["name", "user_id"]);
        let r = env
            .json(
                &api,
                Method::POST,
                "/api/v1/tokens",
                &json!({"user_id": 99999, "name": "x"}),
            )
            .await;
        r.expect(422);
        assert_eq!(r.error_fields(), ["user_id"]);
    });
}

// ---- audit log ----

#[test]
fn the_audit_page_filters_and_shows_values_before_and_after() {
    each_db(|env| async move {
        let root = env.signed_in("root@example.com", Role::Admin).await;
        let manager = env.signed_in("mia@example.com", Role::Manager).await;
        let acme = env
            .create(
                &root,
                "/api/v1/accounts",
                json!({"name": "Acme <b>bold</b>", "city": "Bergen"}),
            )
            .await;
        env.json(
            &root,
            Method::PUT,
            &format!("/api/v1/accounts/{acme}"),
            &json!({"city": "Oslo"}),
        )
        .await
        .expect(200);
        let other = env
            .create(&manager, "/api/v1/accounts", json!({"name": "Other Co"}))
            .await;

        let r = env.get(&root, "/admin/audit").await;
        r.expect(200);
        let page = r.text();
        assert!(page.contains("Other Co") && page.contains("Acme"));
        assert!(!page.contains("<b>bold</b>"), "values are escaped");
        assert!(page.contains("&lt;b&gt;bold&lt;/b&gt;"));

        let rows = |html: &str| h::count(html, "<tr id=\"audit-");
        let r = env
            .get(
                &root,
                &format!("/admin/audit?entity=account&entity_id={acme}"),
            )
            .await;
        r.expect(200);
        let page = r.text();
        assert_eq!(rows(&page), 2, "{page}");
        assert!(!page.contains("Other Co"));
        // The update shows what changed, before and after, pretty-printed.
        assert!(page.contains("<details"));
        assert!(page.contains("Changed: city"), "{page}");
        assert!(page.contains("Bergen") && page.contains("Oslo"));
        assert!(
            page.contains("\n  &quot;city&quot;: &quot;Oslo&quot;")
                || page.contains("\n  \"city\": \"Oslo\""),
            "{page}"
        );

        let page = env
            .get(
                &root,
                &format!("/admin/audit?entity=account&entity_id={acme}&action=update"),
            )
            .await
            .text();
        assert_eq!(rows(&page), 1);
        let page = env
            .get(&root, "/admin/audit?entity=account&action=create")
            .await
            .text();
        assert_eq!(rows(&page), 2);
        let page = env
            .get(&root, "/admin/audit?entity=account&actor=mia%40example.com")
            .await
            .text();
        assert_eq!(rows(&page), 1);
        assert!(page.contains("Other Co") && page.contains(&format!("#{other}")));
        let page = env
            .get(&root, "/admin/audit?actor=nobody%40example.com")
            .await
            .text();
        assert!(page.contains("No entries match these filters."));

        let tomorrow = (chrono::Utc::now().date_naive() + chrono::Days::new(1))
            .format("%Y-%m-%d")
            .to_string();
        let yesterday = (chrono::Utc::now().date_naive() - chrono::Days::new(1))
            .format("%Y-%m-%d")
            .to_string();
        let page = env
            .get(
                &root,
                &format!("/admin/audit?entity=account&since={tomorrow}"),
            )
            .await
            .text();
        assert_eq!(rows(&page), 0);
        let page = env
            .get(
                &root,
                &format!("/admin/audit?entity=account&until={yesterday}"),
            )
            .await
            .text();
        assert_eq!(rows(&page), 0);
        let page = env
            .get(
                &root,
                &format!(
                    "/admin/audit?entity=account&since={}&until={}",
                    today(),
                    today()
                ),
            )
            .await
            .text();
        assert_eq!(rows(&page), 3);

        // Bad filters: errors beside the fields, what was typed kept.
        let r = env
            .get(&root, "/admin/audit?since=last+week&entity_id=abc")
            .await;
        r.expect(422);
        let page = r.text();
        assert!(page.contains("id=\"f-since-error\"") && page.contains("id=\"f-entity_id-error\""));
        assert!(page.contains("value=\"last week\""));
        let r = env
            .get(
                &root,
                &format!("/admin/audit?since={tomorrow}&until={yesterday}"),
            )
            .await;
        r.expect(422);
        assert!(r.text().contains("id=\"f-until-error\""));

        // Paged, newest first.
        env.db(|s| {
            for i in 0..55 {
                let d = peerstage_core::AccountData::from_fields(
                    &peerstage_core::Fields::from_pairs([("name", format!("Bulk {i:02}"))]),
                )
                .unwrap();
                s.create_account(&d).unwrap();
            }
        })
        .await;
        let page = env.get(&root, "/admin/audit").await.text();
        assert_eq!(rows(&page), 50);
        assert!(page.contains("page 1 of 2") && page.contains("rel=\"next\""));
        assert!(
            page.find("Bulk 54").unwrap() < page.find("Bulk 53").unwrap(),
            "newest first"
        );
        let page = env.get(&root, "/admin/audit?page=2").await.text();
        assert!(page.contains("page 2 of 2") && rows(&page) > 0);
        assert!(page.contains("Acme"));

        // The same over the API.
        let r = env
            .get(
                &root,
                &format!("/api/v1/audit?entity=account&entity_id={acme}"),
            )
            .await;
        r.expect(200);
        let v = r.json();
        assert_eq!(v["total"], 2);
        assert_eq!(v["items"][0]["action"], "update");
        assert_eq!(v["items"][0]["actor"], "root@example.com");
        assert_eq!(v["items"][0]["before"]["city"], "Bergen");
        assert_eq!(v["items"][0]["after"]["city"], "Oslo");
        let v = env
            .get(&root, "/api/v1/audit?entity=account&per_page=10&page=2")
            .await
            .json();
        assert_eq!(v["page"], 2);
        assert_eq!(v["per_page"], 10);
        assert_eq!(v["items"].as_array().unwrap().len(), 10);
        let r = env.get(&root, "/api/v1/audit?since=soon").await;
        r.expect(422);
        assert_eq!(r.error_fields(), ["since"]);
        env.get(&root, "/api/v1/audit?entityid=3").await.expect(422);
        env.get(&root, "/api/v1/audit?per_page=501")
            .await
            .expect(422);
    });
}

// ---- contacts: consent (F3) ----

async fn account_with_contact(env: &Env, who: &Who, name: &str) -> (i64, i64) {
    let account = env
        .create(who, "/api/v1/accounts", json!({"name": "Northwind"}))
        .await;
    let contact = env
        .create(
            who,
            &format!("/api/v1/accounts/{account}/contacts"),
            json!({"name": name, "email": "ada@example.com", "title": "CTO"}),
        )
        .await;
    (account, contact)
}

#[test]
fn consent_changes_record_the_date_and_the_user() {
    each_db(|env| async move {
        let mia = env.signed_in("mia@example.com", Role::Manager).await;
        let max = env.signed_in("max@example.com", Role::Manager).await;
        let root = env.signed_in("root@example.com", Role::Admin).await;
        let (account, contact) = account_with_contact(&env, &mia, "Ada Lovelace").await;
        let today = today();

        let r = env.get(&mia, &format!("/contacts/{contact}/edit")).await;
        r.expect(200);
        assert!(
            r.text()
                .contains(&format!("Last changed on {today} by {}", mia.email)),
            "{}",
            r.text()
        );

        // Max gives consent through the edit form.
        let r = env
            .form(
                &max,
                &format!("/contacts/{contact}"),
                &[
                    ("name", "Ada Lovelace"),
                    ("email", "ada@example.com"),
                    ("reference_consent", "yes"),
                    ("do_not_contact", "false"),
                ],
            )
            .await;
        r.expect(303);
        assert!(r.location().starts_with(&format!("/accounts/{account}")));
        let c = env.db(move |s| s.get_contact(contact)).await.unwrap();
        assert_eq!(
            c.data.reference_consent,
            peerstage_core::ReferenceConsent::Yes
        );
        assert_eq!(c.consent_changed_by.as_deref(), Some("max@example.com"));
        assert_eq!(
            c.consent_changed_at.unwrap().format("%Y-%m-%d").to_string(),
            today
        );
        for uri in [
            format!("/contacts/{contact}"),
            format!("/contacts/{contact}/edit"),
        ] {
            let page = env.get(&mia, &uri).await.text();
            assert!(
                page.contains(&format!("Last changed on {today} by max@example.com")),
                "{uri}: {page}"
            );
        }

        // Other edits leave the consent history alone.
        env.form(
            &mia,
            &format!("/contacts/{contact}"),
            &[
                ("name", "Ada Lovelace"),
                ("title", "CEO"),
                ("reference_consent", "yes"),
                ("do_not_contact", "false"),
            ],
        )
        .await
        .expect(303);
        let c = env.db(move |s| s.get_contact(contact)).await.unwrap();
        assert_eq!(c.data.title.as_deref(), Some("CEO"));
        assert_eq!(c.consent_changed_by.as_deref(), Some("max@example.com"));

        // Over the API, with a token.
        let api = env.token(&root, "script").await;
        let r = env
            .json(
                &api,
                Method::PUT,
                &format!("/api/v1/contacts/{contact}"),
                &json!({"do_not_contact": true}),
            )
            .await;
        r.expect(200);
        assert_eq!(r.json()["do_not_contact"], true);
        assert_eq!(r.json()["consent_changed_by"], "root@example.com");
        let page = env.get(&mia, &format!("/contacts/{contact}")).await.text();
        assert!(page.contains(&format!("Last changed on {today} by root@example.com")));
        assert!(page.contains("Do not contact"));
    });
}

#[test]
fn sales_and_viewers_cannot_change_consent() {
    each_db(|env| async move {
        let mia = env.signed_in("mia@example.com", Role::Manager).await;
        let (_, contact) = account_with_contact(&env, &mia, "Ada Lovelace").await;
        for (email, role) in [
            ("sid@example.com", Role::Sales),
            ("vera@example.com", Role::Viewer),
        ] {
            let who = env.signed_in(email, role).await;
            let api = env.token(&who, "script").await;
            let uri = format!("/api/v1/contacts/{contact}");
            for change in [
                json!({"reference_consent": "yes"}),
                json!({"do_not_contact": true}),
            ] {
                env.json(&api, Method::PUT, &uri, &change).await.expect(403);
                env.json(&who, Method::PUT, &uri, &change).await.expect(403);
            }
            env.form(
                &who,
                &format!("/contacts/{contact}"),
                &[("name", "Ada Lovelace"), ("reference_consent", "yes")],
            )
            .await
            .expect(403);
            env.get(&who, &format!("/contacts/{contact}/edit"))
                .await
                .expect(403);

            // They see consent and its history, read-only, without the privacy actions.
            let r = env.get(&who, &format!("/contacts/{contact}")).await;
            r.expect(200);
            let page = r.text();
            assert!(page.contains("Reference consent") && page.contains("Last changed on"));
            assert!(page.contains("Only advocacy managers and administrators may change consent."));
            assert!(!page.contains("privacy-export") && !page.contains("/erase"));
            env.get(&who, &format!("/contacts/{contact}/privacy-export"))
                .await
                .expect(403);
            env.form(&who, &format!("/contacts/{contact}/erase"), &[])
                .await
                .expect(403);
            env.get(&api, &format!("/api/v1/contacts/{contact}/privacy-export"))
                .await
                .expect(403);
            env.json(
                &api,
                Method::POST,
                &format!("/api/v1/contacts/{contact}/erase"),
                &json!({}),
            )
            .await
            .expect(403);
        }
        let c = env.db(move |s| s.get_contact(contact)).await.unwrap();
        assert_eq!(
            c.data.reference_consent,
            peerstage_core::ReferenceConsent::No
        );
        assert!(!c.data.do_not_contact && c.erased_at.is_none());
        assert_eq!(c.consent_changed_by.as_deref(), Some("mia@example.com"));
    });
}

// ---- privacy export and erasure (F3) ----

struct Person {
    account: i64,
    contact: i64,
    other: i64,
}

/// Grace (to export or erase) and Alan (to stay as he is), with touchpoints and NPS answers.
async fn people(env: &Env, who: &Who) -> Person {
    let account = env
        .create(who, "/api/v1/accounts", json!({"name": "Navy Labs"}))
        .await;
    let contacts = format!("/api/v1/accounts/{account}/contacts");
    let contact = env
        .create(who, &contacts, json!({"name": "Grace Hopper", "email": "grace@navy.example", "phone": "+1 555 0100", "city": "Arlington", "title": "Rear Admiral"}))
        .await;
    let other = env
        .create(
            who,
            &contacts,
            json!({"name": "Alan Turing", "email": "alan@example.com"}),
        )
        .await;
    let tps = format!("/api/v1/accounts/{account}/touchpoints");
    env.create(who, &tps, json!({"kind": "meeting", "occurred_on": "2024-03-01", "contact_ids": [contact], "notes": "Grace Hopper asked about COBOL; mail grace@navy.example"}))
        .await;
    env.create(who, &tps, json!({"kind": "call", "occurred_on": "2024-04-01", "contact_ids": [contact, other], "notes": "Hopper and Turing compared notes"}))
        .await;
    env.create(who, &tps, json!({"kind": "call", "occurred_on": "2024-05-01", "contact_ids": [other], "notes": "Alan Turing on machines"})).await;
    let nps = format!("/api/v1/accounts/{account}/nps");
    env.create(who, &nps, json!({"score": 10, "responded_on": "2024-06-01", "contact_id": contact, "comment": "Grace loves the API"})).await;
    env.create(who, &nps, json!({"score": 6, "responded_on": "2024-06-02", "contact_id": other, "comment": "Alan wants more speed"})).await;
    // An update, so the audit log holds her values before and after.
    env.json(
        who,
        Method::PUT,
        &format!("/api/v1/contacts/{contact}"),
        &json!({"title": "Commodore"}),
    )
    .await
    .expect(200);
    Person {
        account,
        contact,
        other,
    }
}

#[test]
fn a_privacy_export_holds_the_contact_their_touchpoints_and_nps_comments() {
    each_db(|env| async move {
        let mia = env.signed_in("mia@example.com", Role::Manager).await;
        let p = people(&env, &mia).await;

        let page = env
            .get(&mia, &format!("/contacts/{}", p.contact))
            .await
            .text();
        assert!(page.contains("Export personal data") && page.contains("Erase personal data"));
        assert!(
            page.contains(&format!("action=\"/contacts/{}/erase\"", p.contact))
                && page.contains("confirm(")
        );

        let r = env
            .get(&mia, &format!("/contacts/{}/privacy-export", p.contact))
            .await;
        r.expect(200);
        assert!(r
            .header(axum::http::header::CONTENT_TYPE)
            .starts_with("application/json"));
        assert_eq!(
            r.header(axum::http::header::CONTENT_DISPOSITION),
            format!("attachment; filename=\"contact-{}.json\"", p.contact)
        );
        let doc = r.json();
        assert_eq!(doc["contact"]["name"], "Grace Hopper");
        assert_eq!(doc["contact"]["email"], "grace@navy.example");
        let notes: Vec<&str> = doc["touchpoints"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["notes"].as_str().unwrap())
            .collect();
        assert_eq!(notes.len(), 2, "only her touchpoints: {notes:?}");
        assert!(notes.iter().any(|n| n.contains("COBOL")));
        let comments: Vec<&str> = doc["nps_responses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["comment"].as_str().unwrap())
            .collect();
        assert_eq!(comments, ["Grace loves the API"]);
        assert!(!doc["history"].as_array().unwrap().is_empty());
        assert!(!r.text().contains("Alan wants"));

        let r = env
            .get(
                &mia,
                &format!("/api/v1/contacts/{}/privacy-export", p.contact),
            )
            .await;
        r.expect(200);
        assert_eq!(
            r.json()["nps_responses"][0]["comment"],
            "Grace loves the API"
        );
        env.get(&mia, "/api/v1/contacts/99999/privacy-export")
            .await
            .expect(404);
        env.get(&mia, "/contacts/99999/privacy-export")
            .await
            .expect(404);
    });
}

#[test]
fn erasing_removes_personal_data_and_keeps_counts() {
    each_db(|env| async move {
        let mia = env.signed_in("mia@example.com", Role::Manager).await;
        let root = env.signed_in("root@example.com", Role::Admin).await;
        let p = people(&env, &mia).await;
        let tps_uri = format!("/api/v1/accounts/{}/touchpoints", p.account);
        let nps_uri = format!("/api/v1/accounts/{}/nps", p.account);
        let touchpoints_before = env.get(&mia, &tps_uri).await.json()["total"].clone();
        let nps_before = env.get(&mia, &nps_uri).await.json()["items"]
            .as_array()
            .unwrap()
            .len();
        let audit_before = env.get(&root, "/api/v1/audit?per_page=500").await.json()["total"]
            .as_u64()
            .unwrap();
        assert!(env
            .get(&root, "/api/v1/audit?per_page=500")
            .await
            .text()
            .contains("Grace Hopper"));

        env.form(
            &mia.without_csrf(),
            &format!("/contacts/{}/erase", p.contact),
            &[],
        )
        .await
        .expect(403);
        let r = env
            .form(&mia, &format!("/contacts/{}/erase", p.contact), &[])
            .await;
        r.expect(303);
        assert_eq!(
            r.location(),
            format!("/accounts/{}?notice=erased#contacts", p.account)
        );

        let c = env
            .get(&mia, &format!("/api/v1/contacts/{}", p.contact))
            .await
            .json();
        let text = c.to_string();
        for gone in [
            "Grace",
            "Hopper",
            "grace@navy.example",
            "555 0100",
            "Arlington",
            "Rear Admiral",
            "Commodore",
        ] {
            assert!(!text.contains(gone), "{gone} is still in {text}");
        }
        assert!(c["email"].is_null() && c["phone"].is_null() && c["erased_at"].is_string());

        // Counts and scores stay; her name leaves the notes and comments.
        let tps = env.get(&mia, &tps_uri).await.json();
        assert_eq!(tps["total"], touchpoints_before);
        let nps = env.get(&mia, &nps_uri).await.json();
        assert_eq!(nps["items"].as_array().unwrap().len(), nps_before);
        let tps_text = tps.to_string();
        assert!(
            !tps_text.contains("Grace")
                && !tps_text.contains("Hopper")
                && !tps_text.contains("grace@navy"),
            "{tps_text}"
        );
        assert!(
            tps_text.contains("[erased] asked about COBOL")
                && tps_text.contains("Alan Turing on machines")
        );
        let nps_text = nps.to_string();
        assert!(!nps_text.contains("Grace") && nps_text.contains("Alan wants more speed"));
        assert!(nps_text.contains("\"score\":10"));

        // Earlier audit entries lose her values; the erasure itself is recorded.
        let history = env
            .get(
                &root,
                &format!("/api/v1/audit?entity=contact&entity_id={}", p.contact),
            )
            .await
            .json();
        let items = history["items"].as_array().unwrap();
        assert_eq!(items[0]["action"], "erase");
        assert_eq!(items[0]["actor"], "mia@example.com");
        for e in &items[1..] {
            assert!(e["before"].is_null() && e["after"].is_null(), "{e}");
            assert_eq!(e["summary"], "(erased)");
        }
        let all = env.get(&root, "/api/v1/audit?per_page=500").await;
        assert_eq!(all.json()["total"].as_u64().unwrap(), audit_before + 1);
        for gone in ["Grace", "Hopper", "grace@navy.example", "555 0100"] {
            assert!(
                !all.text().contains(gone),
                "{gone} is still in the audit log"
            );
        }
        assert!(all.text().contains("Alan Turing"));
        let page = env
            .get(
                &root,
                &format!("/admin/audit?entity=contact&entity_id={}", p.contact),
            )
            .await
            .text();
        assert!(page.contains("(erased)") && !page.contains("Grace"));

        // Lists show the contact as erased; Alan is untouched.
        let page = env
            .get(&mia, &format!("/accounts/{}?notice=erased", p.account))
            .await
            .text();
        assert!(
            page.contains("Personal data erased.")
                && page.contains(">Erased<")
                && page.contains("Alan Turing")
        );
        assert!(!page.contains("Grace"));
        let page = env.get(&mia, "/contacts").await.text();
        assert!(page.contains(">Erased<") && !page.contains("Grace"));
        let page = env
            .get(&mia, &format!("/contacts/{}", p.contact))
            .await
            .text();
        assert!(
            page.contains("personal data was erased on") && !page.contains("Erase personal data")
        );
        let alan = env
            .get(&mia, &format!("/api/v1/contacts/{}", p.other))
            .await
            .json();
        assert_eq!(alan["name"], "Alan Turing");
        assert!(alan["erased_at"].is_null());

        // Once is enough.
        env.form(&mia, &format!("/contacts/{}/erase", p.contact), &[])
            .await
            .expect(409);
        env.json(
            &mia,
            Method::POST,
            &format!("/api/v1/contacts/{}/erase", p.contact),
            &json!({}),
        )
        .await
        .expect(409);

        // The API erases too, and answers with the contact as it now is.
        let api = env.token(&mia, "privacy desk").await;
        let r = env
            .json(
                &api,
                Method::POST,
                &format!("/api/v1/contacts/{}/erase", p.other),
                &json!({}),
            )
            .await;
        r.expect(200);
        assert_eq!(r.json()["name"], format!("Erased contact {}", p.other));
        assert!(r.json()["email"].is_null());
        env.json(
            &api,
            Method::POST,
            "/api/v1/contacts/99999/erase",
            &json!({}),
        )
        .await
        .expect(404);
    });
}

// ---- who may ----

#[test]
fn only_admins_reach_the_admin_pages_and_api() {
    each_db(|env| async move {
        let root = env.signed_in("root@example.com", Role::Admin).await;
        let page = env.get(&root, "/").await.text();
        assert!(
            page.contains("href=\"/admin/users\""),
            "admins see the Admin section"
        );
        let r = env.get(&root, "/admin").await;
        r.expect(303);
        assert_eq!(r.location(), "/admin/users");

        let roles = [
            ("mia@example.com", Role::Manager),
            ("sid@example.com", Role::Sales),
            ("pam@example.com", Role::Product),
            ("vera@example.com", Role::Viewer),
        ];
        for (email, role) in roles {
            let who = env.signed_in(email, role).await;
            let api = env.token(&who, "script").await;
            assert!(
                !env.get(&who, "/")
                    .await
                    .text()
                    .contains("href=\"/admin/users\""),
                "{role:?} sees no Admin link"
            );
            for uri in ["/admin", "/admin/users", "/admin/tokens", "/admin/audit"] {
                let r = env.get(&who, uri).await;
                r.expect(403);
                assert!(r.text().contains("Not allowed"), "{uri} as {role:?}");
            }
            for uri in [
                "/admin/users".to_string(),
                format!("/admin/users/{}/disable", root.id),
                format!("/admin/users/{}/enable", root.id),
                format!("/admin/users/{}/role", root.id),
                "/admin/tokens".to_string(),
                "/admin/tokens/1/revoke".to_string(),
            ] {
                env.form(
                    &who,
                    &uri,
                    &[
                        ("email", "x@example.com"),
                        ("role", "admin"),
                        ("password", "long enough pw"),
                        ("user_id", "1"),
                        ("name", "x"),
                    ],
                )
                .await
                .expect(403);
            }
            for uri in ["/api/v1/users", "/api/v1/tokens", "/api/v1/audit"] {
                env.get(&api, uri).await.expect(403);
            }
            env.json(
                &api,
                Method::POST,
                "/api/v1/users",
                &json!({"email": "x@example.com", "role": "admin", "password": "long enough pw"}),
            )
            .await
            .expect(403);
            env.json(
                &api,
                Method::PUT,
                &format!("/api/v1/users/{}", who.id),
                &json!({"role": "admin"}),
            )
            .await
            .expect(403);
            env.json(
                &api,
                Method::POST,
                "/api/v1/tokens",
                &json!({"user_id": who.id, "name": "x"}),
            )
            .await
            .expect(403);
            env.send(
                &api,
                Method::DELETE,
                "/api/v1/tokens/1",
                None,
                String::new(),
            )
            .await
            .expect(403);
            assert_eq!(
                env.db(move |s| s.get_user(who.id)).await.unwrap().role,
                role,
                "nothing changed"
            );
        }
        assert_eq!(env.db(|s| s.list_users()).await.unwrap().len(), 5);

        // Without credentials: 401 from the API, the sign-in page for pages.
        let nobody = Who::nobody();
        for uri in [
            "/api/v1/users",
            "/api/v1/tokens",
            "/api/v1/audit",
            "/api/v1/contacts/1/privacy-export",
        ] {
            env.get(&nobody, uri).await.expect(401);
        }
        let r = env.get(&nobody, "/admin/users").await;
        r.expect(303);
        assert_eq!(r.location(), "/login?next=%2Fadmin%2Fusers");
        env.form(&nobody, "/contacts/1/erase", &[])
            .await
            .expect(401);
    });
}

#[test]
fn the_openapi_document_describes_the_new_routes() {
    each_db(|env| async move {
        let root = env.signed_in("root@example.com", Role::Admin).await;
        let doc: Value = env.get(&root, "/api/openapi.json").await.json();
        for (path, method) in [
            ("/api/v1/users", "get"),
            ("/api/v1/users", "post"),
            ("/api/v1/users/{id}", "put"),
            ("/api/v1/tokens", "get"),
            ("/api/v1/tokens", "post"),
            ("/api/v1/tokens/{id}", "delete"),
            ("/api/v1/audit", "get"),
            ("/api/v1/contacts/{id}/privacy-export", "get"),
            ("/api/v1/contacts/{id}/erase", "post"),
        ] {
            assert!(
                doc["paths"][path][method].is_object(),
                "{method} {path} is documented"
            );
        }
        assert_eq!(
            doc["components"]["schemas"]["UserInput"]["required"],
            json!(["email", "role", "password"])
        );
        assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    });
}
