//! Administration (F1, F2): users, API tokens and the audit log. Administrators only.

use super::layout::{notice, page};
use super::widgets::{count, enum_options, error_summary, input, no_rows, pager, with_params};
use super::{form_errors, id_of, invalid, redirect};
use crate::auth::{csrf_field, require_page};
use crate::error::PageError;
use crate::extract::{Form, Query};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use maud::{html, Markup};
use peerstage_core::access::{check_password, normalize_email};
use peerstage_core::{parse, FieldErrors, Fields, Permission, Role};
use peerstage_store::{ApiToken, AuditEntry, AuditFilter, StoreError, User, UserChange};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(admin_home))
        .route("/admin/users", get(users).post(user_create))
        .route("/admin/users/{id}/role", post(user_role))
        .route("/admin/users/{id}/disable", post(user_disable))
        .route("/admin/users/{id}/enable", post(user_enable))
        .route("/admin/tokens", get(tokens).post(token_create))
        .route("/admin/tokens/{id}/revoke", post(token_revoke))
        .route("/admin/audit", get(audit))
}

/// The admin sub-navigation: (key, address, label).
const SECTIONS: &[(&str, &str, &str)] = &[
    ("users", "/admin/users", "Users"),
    ("tokens", "/admin/tokens", "API tokens"),
    ("audit", "/admin/audit", "Audit log"),
];

fn admin_page(title: &str, section: &str, content: Markup) -> Markup {
    page(
        title,
        "admin",
        html! {
            nav.subnav aria-label="Administration" {
                @for (key, href, label) in SECTIONS {
                    a href=(href) class=[(*key == section).then_some("active")] aria-current=[(*key == section).then_some("page")] { (label) }
                }
            }
            (content)
        },
    )
}

fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

async fn admin_home() -> Result<Response, PageError> {
    require_page(Permission::Administer)?;
    Ok(redirect("/admin/users".into()))
}

// ---- users ----

/// What each permission means, for the role legend on the users page.
const PERMISSIONS: &[(Permission, &str)] = &[
    (
        Permission::ReadCustomers,
        "Read accounts, contacts, touchpoints, commitments and NPS",
    ),
    (
        Permission::ReadFinancials,
        "See cost to serve, discount, margin and profitability",
    ),
    (Permission::ReadPrivateNotes, "Read accounts' private notes"),
    (Permission::WriteTouchpoints, "Record touchpoints"),
    (
        Permission::WriteCustomers,
        "Create, edit and delete customer records",
    ),
    (
        Permission::ManageConsent,
        "Change reference consent and do-not-contact",
    ),
    (Permission::ImportExport, "Import and export CSV files"),
    (
        Permission::Privacy,
        "Export or erase everything about a person",
    ),
    (
        Permission::ManageAdvocates,
        "Run the advocate program and move reference requests along",
    ),
    (
        Permission::RequestReferences,
        "Ask for a reference for a deal",
    ),
    (
        Permission::Administer,
        "Manage users and API tokens; read the audit log",
    ),
];

fn role_options() -> Vec<(String, String)> {
    enum_options(Role::ALL, Role::as_str, Role::label)
}

/// The users page: the add form (what was typed and its errors), and a refused change.
struct UsersView {
    add: Fields,
    add_errors: FieldErrors,
    /// The user a change was refused for, and why.
    problem: Option<(i64, String)>,
    notice: String,
}

impl Default for UsersView {
    fn default() -> Self {
        UsersView {
            add: Fields::from_pairs([("role", "viewer")]),
            add_errors: FieldErrors::new(),
            problem: None,
            notice: String::new(),
        }
    }
}

fn users_page(users: &[User], v: &UsersView) -> Markup {
    let me = crate::auth::current().map(|u| u.user.id);
    let active_admins = users
        .iter()
        .filter(|u| u.role == Role::Admin && !u.disabled)
        .count();
    let mut typed = v.add.clone();
    // A password is never sent back to the browser.
    typed.set("password", "");
    admin_page(
        "Users",
        "users",
        html! {
            div.page-head {
                div {
                    h1 { "Users" }
                    p.subtitle { (users.len()) " users · " (active_admins) " active " (if active_admins == 1 { "administrator" } else { "administrators" }) }
                }
                div.actions { a.btn href="#add" { "Add a user" } }
            }
            (notice(&v.notice))
            @if let Some((_, message)) = &v.problem {
                div.notice.error role="alert" { strong { "Not changed: " } (message) }
            }
            div.table-wrap { table {
                thead { tr { th { "Email" } th { "Role" } th { "Status" } th.hide-narrow { "Created" } th { "Access" } } }
                tbody {
                    @for u in users {
                        @let problem = v.problem.as_ref().filter(|(id, _)| *id == u.id).map(|(_, m)| m.as_str());
                        (user_row(u, me == Some(u.id), problem))
                    }
                    @if users.is_empty() { tr { td colspan="5" .muted { "No users yet." } } }
                }
            } }
            h2 id="add" { "Add a user" }
            (error_summary(&v.add_errors))
            div.card {
                form.stacked method="post" action="/admin/users" novalidate {
                    (csrf_field())
                    (input("email", "Email").kind("email").required().hint("They sign in with it").text(&typed, &v.add_errors))
                    (input("role", "Role").required().select(&typed, &v.add_errors, &role_options()))
                    (input("password", "Password").kind("password").required().hint("At least 10 characters; give it to them privately").text(&typed, &v.add_errors))
                    div.form-actions { button type="submit" { "Add user" } }
                }
            }
            details.card {
                summary { "What each role may do" }
                div.table-wrap { table {
                    thead { tr { th { "Permission" } @for r in Role::ALL { th { (r.label()) } } } }
                    tbody {
                        @for (p, label) in PERMISSIONS {
                            tr { td { (label) } @for r in Role::ALL { td { @if r.allows(*p) { "✓" } } } }
                        }
                    }
                } }
            }
        },
    )
}

fn user_row(u: &User, is_me: bool, problem: Option<&str>) -> Markup {
    html! {
        tr id=(format!("user-{}", u.id)) {
            td {
                (u.email)
                @if is_me { " " span.badge { "You" } }
                @if let Some(m) = problem { div.small.neg { (m) } }
            }
            td {
                form.inline method="post" action=(format!("/admin/users/{}/role", u.id)) {
                    (csrf_field())
                    select name="role" aria-label=(format!("Role of {}", u.email)) {
                        @for r in Role::ALL { option value=(r.as_str()) selected[*r == u.role] { (r.label()) } }
                    }
                    " "
                    button.secondary type="submit" { "Change role" }
                }
            }
            td {
                @if u.disabled { span.badge.bad { "Disabled" } } @else { span.badge.good { "Active" } }
            }
            td.hide-narrow.nowrap { (when(u.created_at)) }
            td {
                @if u.disabled {
                    form.inline method="post" action=(format!("/admin/users/{}/enable", u.id)) {
                        (csrf_field())
                        button.secondary type="submit" { "Enable" }
                    }
                } @else if is_me {
                    span.small.muted { "Signed in" }
                } @else {
                    form.inline method="post" action=(format!("/admin/users/{}/disable", u.id))
                        onsubmit="return confirm('Disable this user? Their sessions end and their API tokens are revoked.')" {
                        (csrf_field())
                        button.danger type="submit" { "Disable" }
                    }
                }
            }
        }
    }
}

async fn users(State(st): State<AppState>, Query(q): Query) -> Result<Markup, PageError> {
    require_page(Permission::Administer)?;
    let list = st.run(|s| s.list_users()).await?;
    Ok(users_page(
        &list,
        &UsersView {
            notice: q.get("notice").to_string(),
            ..Default::default()
        },
    ))
}

fn parse_role(raw: &str) -> Result<Role, String> {
    if raw.trim().is_empty() {
        return Err("is required".into());
    }
    Role::parse(raw)
}

async fn user_create(State(st): State<AppState>, Form(f): Form) -> Result<Response, PageError> {
    require_page(Permission::Administer)?;
    let mut e = FieldErrors::new();
    let email = e.check("email", normalize_email(f.get("email")));
    let role = e.check("role", parse_role(f.get("role")));
    e.check("password", check_password(f.get("password")));
    let result = match (email, role) {
        (Some(email), Some(role)) if e.is_empty() => {
            let password = f.get("password").to_string();
            st.run(move |s| s.add_user(&email, role, &password))
                .await
                .map_err(form_errors)
        }
        _ => Err(Ok(e)),
    };
    match result {
        Ok(u) => Ok(redirect(format!(
            "/admin/users?notice=user_added#user-{}",
            u.id
        ))),
        Err(errors) => {
            let add_errors = errors?;
            let list = st.run(|s| s.list_users()).await?;
            Ok(invalid(users_page(
                &list,
                &UsersView {
                    add: f,
                    add_errors,
                    ..Default::default()
                },
            )))
        }
    }
}

/// Applies a change; a refusal (disabling oneself, the last administrator) is shown on the
/// users page beside that user.
async fn change_user(
    st: AppState,
    id: i64,
    change: UserChange,
    done: &str,
) -> Result<Response, PageError> {
    match st.run(move |s| s.update_user(id, &change)).await {
        Ok(_) => Ok(redirect(format!("/admin/users?notice={done}#user-{id}"))),
        Err(StoreError::Conflict { reason, .. }) => {
            let list = st.run(|s| s.list_users()).await?;
            let view = UsersView {
                problem: Some((id, reason)),
                ..Default::default()
            };
            Ok((StatusCode::CONFLICT, users_page(&list, &view)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn user_role(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    require_page(Permission::Administer)?;
    let id = id_of(&id)?;
    let role =
        parse_role(f.get("role")).map_err(|e| PageError::bad_request(format!("Role {e}.")))?;
    change_user(
        st,
        id,
        UserChange {
            role: Some(role),
            disabled: None,
        },
        "role_changed",
    )
    .await
}

async fn user_disable(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    require_page(Permission::Administer)?;
    let id = id_of(&id)?;
    change_user(
        st,
        id,
        UserChange {
            role: None,
            disabled: Some(true),
        },
        "disabled",
    )
    .await
}

async fn user_enable(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    require_page(Permission::Administer)?;
    let id = id_of(&id)?;
    change_user(
        st,
        id,
        UserChange {
            role: None,
            disabled: Some(false),
        },
        "enabled",
    )
    .await
}

// ---- API tokens ----

fn tokens_page(
    tokens: &[ApiToken],
    users: &[User],
    f: &Fields,
    e: &FieldErrors,
    notice_key: &str,
) -> Markup {
    let active = tokens.iter().filter(|t| t.revoked_at.is_none()).count();
    let user_options: Vec<(String, String)> = users
        .iter()
        .filter(|u| !u.disabled)
        .map(|u| {
            (
                u.id.to_string(),
                format!("{} ({})", u.email, u.role.label()),
            )
        })
        .collect();
    admin_page(
        "API tokens",
        "tokens",
        html! {
            div.page-head {
                div {
                    h1 { "API tokens" }
                    p.subtitle { (active) " active · " (tokens.len() - active) " revoked. A token acts as its user, with that user's role." }
                }
                div.actions { a.btn href="#create" { "Create a token" } }
            }
            (notice(notice_key))
            div.table-wrap { table {
                thead { tr { th { "User" } th { "Name" } th.hide-narrow { "Created" } th { "Last used" } th { "Status" } th {} } }
                tbody {
                    @for t in tokens.iter().rev() {
                        tr id=(format!("token-{}", t.id)) {
                            td { (t.user_email) }
                            td { (t.name) }
                            td.hide-narrow.nowrap { (when(t.created_at)) }
                            td.nowrap { @match t.last_used_at { Some(u) => (when(u)), None => span.muted { "Never" } } }
                            td.nowrap {
                                @match t.revoked_at {
                                    Some(r) => { span.badge.bad { "Revoked" } " " span.small.muted { (when(r)) } }
                                    None => span.badge.good { "Active" },
                                }
                            }
                            td {
                                @if t.revoked_at.is_none() {
                                    form.inline method="post" action=(format!("/admin/tokens/{}/revoke", t.id))
                                        onsubmit="return confirm('Revoke this token? Programs using it stop working at once.')" {
                                        (csrf_field())
                                        button.danger type="submit" { "Revoke" }
                                    }
                                }
                            }
                        }
                    }
                    @if tokens.is_empty() { tr { td colspan="6" .muted { "No API tokens yet." } } }
                }
            } }
            h2 id="create" { "Create a token" }
            p.muted { "The token is shown once, right after it is created; peerstage keeps only a hash of it." }
            (error_summary(e))
            div.card {
                form.stacked method="post" action="/admin/tokens" novalidate {
                    (csrf_field())
                    (input("user_id", "User").required().hint("The token has this user's role").select(f, e, &user_options))
                    (input("name", "Name").required().hint("What uses it, e.g. CRM sync").text(f, e))
                    div.form-actions { button type="submit" { "Create token" } }
                }
            }
        },
    )
}

async fn tokens(State(st): State<AppState>, Query(q): Query) -> Result<Markup, PageError> {
    require_page(Permission::Administer)?;
    let (tokens, users) = st.run(|s| Ok((s.list_tokens()?, s.list_users()?))).await?;
    Ok(tokens_page(
        &tokens,
        &users,
        &Fields::new(),
        &FieldErrors::new(),
        q.get("notice"),
    ))
}

/// Validates a token request (`user_id`, `name`) and creates it: the secret and its record.
pub(crate) async fn create_token(
    st: &AppState,
    f: &Fields,
) -> Result<Result<(String, ApiToken), FieldErrors>, StoreError> {
    let mut e = FieldErrors::new();
    let user_id = e.check(
        "user_id",
        parse::optional_int(f.get("user_id"), 1, i64::MAX)
            .and_then(|v| v.ok_or_else(|| "is required".to_string())),
    );
    e.check("name", parse::required_text(f.get("name"), 100));
    let Some(user_id) = user_id.filter(|_| e.is_empty()) else {
        return Ok(Err(e));
    };
    let name = f.get("name").to_string();
    match st.run(move |s| s.create_token(user_id, &name)).await {
        Ok(created) => Ok(Ok(created)),
        Err(StoreError::NotFound { .. }) => {
            Ok(Err(FieldErrors::single("user_id", "no user has this id")))
        }
        // The store names the user `user`; the request names it `user_id`.
        Err(StoreError::Invalid(errors)) => Ok(Err(FieldErrors(
            errors
                .0
                .into_iter()
                .map(|mut fe| {
                    if fe.field == "user" {
                        fe.field = "user_id".into();
                    }
                    fe
                })
                .collect(),
        ))),
        Err(other) => Err(other),
    }
}

async fn token_create(State(st): State<AppState>, Form(f): Form) -> Result<Response, PageError> {
    require_page(Permission::Administer)?;
    match create_token(&st, &f).await? {
        Ok((secret, token)) => Ok((
            // The secret must not linger in caches or history.
            [(header::CACHE_CONTROL, "no-store")],
            token_created_page(&token, &secret),
        )
            .into_response()),
        Err(errors) => {
            let (tokens, users) = st.run(|s| Ok((s.list_tokens()?, s.list_users()?))).await?;
            Ok(invalid(tokens_page(&tokens, &users, &f, &errors, "")))
        }
    }
}

fn token_created_page(token: &ApiToken, secret: &str) -> Markup {
    admin_page(
        "API token created",
        "tokens",
        html! {
            h1 { "API token created" }
            div.notice.warn role="alert" {
                strong { "Copy this token now: it will not be shown again. " }
                "peerstage keeps only a hash of it. If it is lost, revoke it and create a new one."
            }
            div.card {
                dl.facts {
                    dt { "User" } dd { (token.user_email) }
                    dt { "Name" } dd { (token.name) }
                    dt { "Created" } dd { (when(token.created_at)) }
                }
                div.field.secret {
                    label for="token-secret" { "Token" }
                    input id="token-secret" type="text" readonly value=(secret) onfocus="this.select()" autocomplete="off" spellcheck="false";
                }
                p.small.muted { "Programs send it in a header: " code { "Authorization: Bearer " (secret) } }
            }
            div.actions { a.btn href=(format!("/admin/tokens#token-{}", token.id)) { "I have copied it" } }
        },
    )
}

async fn token_revoke(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    require_page(Permission::Administer)?;
    let id = id_of(&id)?;
    st.run(move |s| s.revoke_token(id)).await?;
    Ok(redirect(format!("/admin/tokens?notice=revoked#token-{id}")))
}

// ---- audit log ----

/// Reads audit filters from a query: actor, action, entity, entity_id, since, until (dates,
/// inclusive), page, per_page. Shared by the page and `/api/v1/audit`.
pub(crate) fn audit_filter(q: &Fields) -> Result<AuditFilter, FieldErrors> {
    let mut e = FieldErrors::new();
    let text = |name: &str| Some(q.get(name).trim().to_string()).filter(|t| !t.is_empty());
    let entity_id = e.check(
        "entity_id",
        parse::optional_int(q.get("entity_id"), 1, i64::MAX),
    );
    let since = e.check("since", parse::optional_date(q.get("since")));
    let until = e.check("until", parse::optional_date(q.get("until")));
    let page = e.check("page", parse::optional_int(q.get("page"), 1, 1_000_000));
    let per_page = e.check("per_page", parse::optional_int(q.get("per_page"), 1, 500));
    if let (Some(Some(s)), Some(Some(u))) = (since, until) {
        if u < s {
            e.add("until", "is before the start date");
        }
    }
    e.into_result(|| AuditFilter {
        actor: text("actor").map(|a| a.to_lowercase()),
        action: text("action"),
        entity: text("entity"),
        entity_id: entity_id.flatten(),
        since: since.flatten(),
        until: until.flatten(),
        page: page.flatten().unwrap_or(1) as u32,
        per_page: per_page.flatten().unwrap_or(50) as u32,
    })
}

/// Choices for a filter: the values in the log, plus the current one if it is not among them.
fn choices(values: &[String], current: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = values
        .iter()
        .map(|v| (v.clone(), v.replace('_', " ")))
        .collect();
    if !current.is_empty() && !values.iter().any(|v| v == current) {
        out.push((current.to_string(), current.replace('_', " ")));
    }
    out
}

struct AuditChoices {
    actors: Vec<String>,
    actions: Vec<String>,
    entities: Vec<String>,
}

fn audit_page(
    q: &Fields,
    e: &FieldErrors,
    known: &AuditChoices,
    entries: Option<&peerstage_core::account::Page<AuditEntry>>,
) -> Markup {
    let filtered = ["actor", "action", "entity", "entity_id", "since", "until"]
        .iter()
        .any(|k| !q.get(k).is_empty());
    admin_page(
        "Audit log",
        "audit",
        html! {
            div.page-head {
                div {
                    h1 { "Audit log" }
                    p.subtitle {
                        @match entries {
                            Some(p) => {
                                (count(p.total)) (if p.total == 1 { " entry" } else { " entries" })
                                @if filtered { (if p.total == 1 { " matches" } else { " match" }) }
                                ", newest first"
                            }
                            None => "Correct the filters to see entries",
                        }
                    }
                }
            }
            form.filters method="get" action="/admin/audit" role="search" novalidate {
                (input("actor", "Actor").select(q, e, &choices(&known.actors, q.get("actor"))))
                (input("action", "Action").select(q, e, &choices(&known.actions, q.get("action"))))
                (input("entity", "Record").select(q, e, &choices(&known.entities, q.get("entity"))))
                (input("entity_id", "Record id").kind("number").text(q, e))
                (input("since", "From").kind("date").text(q, e))
                (input("until", "To").kind("date").text(q, e))
                button type="submit" { "Filter" }
                a href="/admin/audit" { "Clear" }
            }
            @if let Some(p) = entries {
                div.table-wrap { table.audit {
                    thead { tr { th { "When (UTC)" } th { "Actor" } th { "Action" } th { "Record" } th { "What" } } }
                    tbody {
                        @for entry in &p.items { (audit_row(q, entry)) }
                        @if p.items.is_empty() { (no_rows(5, p.total, "No entries match these filters.")) }
                    }
                } }
                (pager("/admin/audit", q, "page", p.page, p.pages(), p.total))
            }
        },
    )
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// Top-level keys whose values differ between two JSON objects.
fn changed_keys(before: &serde_json::Value, after: &serde_json::Value) -> Vec<String> {
    let (Some(b), Some(a)) = (before.as_object(), after.as_object()) else {
        return Vec::new();
    };
    let mut keys: Vec<String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

fn audit_row(q: &Fields, entry: &AuditEntry) -> Markup {
    let filter_link = |changes: &[(&str, String)]| {
        let mut all: Vec<(&str, String)> = changes.to_vec();
        all.push(("page", String::new()));
        with_params("/admin/audit", q, &all)
    };
    let changed = match (&entry.before, &entry.after) {
        (Some(b), Some(a)) => changed_keys(b, a),
        _ => Vec::new(),
    };
    let has_values = entry.before.is_some() || entry.after.is_some();
    html! {
        tr id=(format!("audit-{}", entry.id)) class=[has_values.then_some("has-values")] {
            td.nowrap title=(entry.at.to_rfc3339()) { (entry.at.format("%Y-%m-%d %H:%M:%S").to_string()) }
            td { a href=(filter_link(&[("actor", entry.actor.clone())])) { (entry.actor) } }
            td { span.badge.good[entry.action == "create"].bad[matches!(entry.action.as_str(), "delete" | "erase")] { (entry.action) } }
            td.nowrap {
                a href=(filter_link(&[("entity", entry.entity.clone()), ("entity_id", String::new())])) { (entry.entity.replace('_', " ")) }
                @if let Some(id) = entry.entity_id {
                    " " a href=(filter_link(&[("entity", entry.entity.clone()), ("entity_id", id.to_string())])) { "#" (id) }
                }
            }
            td { (entry.summary) }
        }
        @if has_values {
            // The values before and after, folded away under the entry.
            tr.values {
                td colspan="5" {
                    details.changes {
                        summary {
                            @if changed.is_empty() { "Values" } @else { "Changed: " (changed.join(", ")) }
                        }
                        div.grid.two {
                            div {
                                h4 { "Before" }
                                @match &entry.before { Some(v) => pre.json { (pretty(v)) }, None => p.muted { "— (new record)" } }
                            }
                            div {
                                h4 { "After" }
                                @match &entry.after { Some(v) => pre.json { (pretty(v)) }, None => p.muted { "— (removed)" } }
                            }
                        }
                    }
                }
            }
        }
    }
}

async fn audit(State(st): State<AppState>, Query(q): Query) -> Result<Response, PageError> {
    require_page(Permission::Administer)?;
    let known = st
        .run(|s| {
            Ok(AuditChoices {
                actors: s.audit_actors()?,
                actions: s.audit_actions()?,
                entities: s.audit_entities()?,
            })
        })
        .await?;
    match audit_filter(&q) {
        Ok(filter) => {
            let entries = st.run(move |s| s.list_audit(&filter)).await?;
            Ok(audit_page(&q, &FieldErrors::new(), &known, Some(&entries)).into_response())
        }
        Err(errors) => Ok(invalid(audit_page(&q, &errors, &known, None))),
    }
}
