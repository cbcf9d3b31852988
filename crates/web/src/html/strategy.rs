//! C7: strategy sessions and action plans. A session gathers recordings and evidence to
//! review together — every rep's customer video shown to sales, engineering and support in
//! one room — with discussion notes per item; action items (owner, due date, status) link to
//! the evidence and themes behind them. The actions page shows open actions by owner with
//! what drove them, and done against open per month. Reading needs ReadCustomers; editing
//! needs ManageInsights.

use super::charts::{column_chart, Series};
use super::evidence::{kind_badge, voc_subnav};
use super::layout::{notice, page};
use super::media::consent_badge;
use super::widgets::{enum_options, error_summary, input};
use super::{form_errors, id_of, invalid, redirect};
use crate::auth::{can, csrf_field, require_page};
use crate::error::PageError;
use crate::extract::{Form, Query};
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use peerstage_core::evidence::Evidence;
use peerstage_core::media::{Media, MediaKind};
use peerstage_core::strategy::{ActionData, ActionStatus, ItemData, MonthProgress, SessionData};
use peerstage_core::transcript::format_ms;
use peerstage_core::{FieldErrors, Fields, Permission};
use peerstage_store::{
    ActionDetail, ActionFilter, MediaQuery, SessionDetail, StrategySession, ThemeBrief,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/strategy", get(sessions).post(create_session))
        .route("/strategy/actions", get(actions).post(create_action))
        .route(
            "/strategy/actions/{id}",
            get(show_action).post(update_action),
        )
        .route("/strategy/actions/{id}/delete", post(delete_action))
        .route("/strategy/items/{id}/discussion", post(discuss))
        .route("/strategy/items/{id}/delete", post(remove_item))
        .route("/strategy/{id}", get(show_session).post(update_session))
        .route("/strategy/{id}/items", post(add_item))
        .route("/strategy/{id}/delete", post(delete_session))
}

/// Months shown in the progress chart.
const MONTHS: u32 = 12;

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

pub(crate) fn status_badge(s: ActionStatus) -> Markup {
    let class = match s {
        ActionStatus::Open => "badge warn",
        ActionStatus::InProgress => "badge",
        ActionStatus::Done => "badge good",
    };
    html! { span class=(class) { (s.label()) } }
}

fn tabs(active: &str) -> Markup {
    html! {
        nav.subnav.secondary aria-label="Sessions and actions" {
            a href="/strategy" class=[(active == "sessions").then_some("active")] { "Sessions" }
            a href="/strategy/actions" class=[(active == "actions").then_some("active")] { "Action plan" }
        }
    }
}

fn quote(e: &Evidence) -> Markup {
    html! {
        a href=(format!("/evidence/{}", e.id)) { "“" (e.data.body.chars().take(140).collect::<String>()) @if e.data.body.chars().count() > 140 { "…" } "”" }
        " " (kind_badge(e.data.kind))
        @if let Some(a) = &e.account_name { " " span.small.muted { "— " (a) } }
        @if let (Some(m), Some(ms)) = (e.data.media_id, e.data.media_start_ms) {
            " " a.small href=(format!("/media/{m}?t={}#player", ms as f64 / 1000.0)) { "▶ " (format_ms(ms)) }
        }
    }
}

fn session_form(f: &Fields, e: &FieldErrors) -> Markup {
    html! {
        (input("title", "Title").required().hint("e.g. Q1 customer video day").text(f, e))
        (input("held_on", "Held on").required().kind("date").text(f, e))
        (input("attendees", "Attendees").wide().hint("Who was in the room, e.g. Sales: Ana, Bo; Engineering: Cy; Support: Di").text(f, e))
        (input("notes", "Notes").wide().textarea(f, e))
    }
}

fn sessions_page(
    list: &[StrategySession],
    f: &Fields,
    e: &FieldErrors,
    notice_key: &str,
) -> Markup {
    page(
        "Strategy sessions",
        "voice",
        html! {
            (voc_subnav("sessions"))
            (tabs("sessions"))
            div.page-head { div {
                h1 { "Strategy sessions" }
                p.subtitle { "Show every rep's customer video to sales, engineering and support in one room, discuss each one, and leave with an action plan." }
            } }
            (notice(notice_key))
            (error_summary(e))
            div.card {
                @if list.is_empty() {
                    p.muted { "No sessions yet." }
                } @else {
                    div.table-wrap { table {
                        thead { tr { th { "Session" } th { "Held on" } th { "Attendees" } th.num { "Items reviewed" } th.num { "Actions" } th.num { "Still open" } } }
                        tbody { @for s in list { tr {
                            td { a href=(format!("/strategy/{}", s.id)) { (s.data.title) } }
                            td.nowrap { (s.data.held_on.to_string()) }
                            td.small { (s.data.attendees.as_deref().unwrap_or("")) }
                            td.num { (s.item_count) }
                            td.num { (s.action_count) }
                            td.num { @if s.open_actions > 0 { span.badge.warn { (s.open_actions) } } @else { "0" } }
                        } } }
                    } }
                }
            }
            @if can(Permission::ManageInsights) {
                details.card open[!e.is_empty()] {
                    summary { "New session" }
                    form.stacked method="post" action="/strategy" novalidate {
                        (csrf_field())
                        (session_form(f, e))
                        div.form-actions { button type="submit" { "Create" } }
                    }
                }
            }
        },
    )
}

async fn sessions(State(st): State<AppState>, Query(q): Query) -> Result<Markup, PageError> {
    require_page(Permission::ReadCustomers)?;
    let list = st.run(|s| s.list_strategy_sessions()).await?;
    let mut f = Fields::new();
    f.push("held_on", today().to_string());
    Ok(sessions_page(
        &list,
        &f,
        &FieldErrors::new(),
        q.get("notice"),
    ))
}

async fn create_session(State(st): State<AppState>, Form(f): Form) -> Result<Response, PageError> {
    require_page(Permission::ManageInsights)?;
    let errors = match SessionData::from_fields(&f) {
        Ok(d) => match st.run(move |s| s.create_strategy_session(&d)).await {
            Ok(s) => return Ok(redirect(format!("/strategy/{}?notice=created", s.id))),
            Err(e) => form_errors(e)?,
        },
        Err(e) => e,
    };
    let list = st.run(|s| s.list_strategy_sessions()).await?;
    Ok(invalid(sessions_page(&list, &f, &errors, "")))
}

/// What the forms on a session page offer: recordings that may be shown, themes.
struct Choices {
    media: Vec<Media>,
    themes: Vec<ThemeBrief>,
}

async fn choices(st: &AppState) -> Result<Choices, PageError> {
    Ok(st
        .run(|s| {
            let media = s
                .list_media(&MediaQuery::default())?
                .into_iter()
                .filter(|m| m.data.consent.internal_ok())
                .collect();
            // Themes come from C4; a database without themes yet offers none.
            let themes = s.top_themes(40).unwrap_or_default();
            Ok(Choices { media, themes })
        })
        .await?)
}

fn action_fields(
    f: &Fields,
    e: &FieldErrors,
    evidence: &[&Evidence],
    themes: &[ThemeBrief],
    owners: &[String],
) -> Markup {
    let chosen = |key: &str, id: i64| {
        f.all(key)
            .iter()
            .flat_map(|v| v.split([',', ';', ' ']))
            .any(|v| v.trim() == id.to_string())
    };
    let statuses = enum_options(ActionStatus::ALL, |s| s.as_str(), |s| s.label());
    html! {
        (input("title", "Action").required().wide().hint("What will be done, e.g. Run reconciliation nightly for every plan").text(f, e))
        div.field.has-error[e.get("owner").is_some()] {
            label for="f-owner" { "Owner *" }
            input #f-owner name="owner" type="text" list="owners" value=(f.get("owner")) aria-invalid=[e.get("owner").map(|_| "true")];
            datalist #owners { @for o in owners { option value=(o) {} } }
            @if let Some(err) = e.get("owner") { span.error id="f-owner-error" { "Owner " (err) } }
        }
        (input("due_on", "Due").kind("date").text(f, e))
        (input("status", "Status").select(f, e, &statuses))
        @if !evidence.is_empty() {
            fieldset.field.wide {
                legend { "The evidence behind it" }
                @for ev in evidence {
                    label.check { input type="checkbox" name="evidence_ids" value=(ev.id) checked[chosen("evidence_ids", ev.id)]; " " (ev.data.body.chars().take(110).collect::<String>()) }
                }
            }
        }
        (input("evidence_ids", if evidence.is_empty() { "Evidence ids" } else { "Other evidence ids" }).hint("Comma-separated ids from the evidence list").text(&Fields::from_pairs([("evidence_ids", f.all("evidence_ids").iter().filter(|v| v.contains(',') || !evidence.iter().any(|e| e.id.to_string() == v.trim())).cloned().collect::<Vec<_>>().join(", "))]), e))
        @if !themes.is_empty() {
            fieldset.field.wide.has-error[e.get("theme_ids").is_some()] {
                legend { "Themes behind it" }
                @for t in themes {
                    label.check { input type="checkbox" name="theme_ids" value=(t.id) checked[chosen("theme_ids", t.id)]; " " (t.label) " " span.small.muted { "(" (t.volume) ")" } }
                }
                @if let Some(err) = e.get("theme_ids") { span.error id="f-theme_ids-error" { "Themes " (err) } }
            }
        } @else if let Some(err) = e.get("theme_ids") { span.error id="f-theme_ids-error" { "Themes " (err) } }
        (input("notes", "Notes").wide().textarea(f, e))
    }
}

fn action_rows(list: &[ActionDetail], show_owner: bool) -> Markup {
    let now = today();
    html! {
        div.table-wrap { table {
            thead { tr { th { "Action" } @if show_owner { th { "Owner" } } th { "Due" } th { "Status" } th { "What drove it" } } }
            tbody { @for a in list { tr {
                td { a href=(format!("/strategy/actions/{}", a.action.id)) { (a.action.data.title) }
                     @if let (Some(sid), Some(t)) = (a.action.data.session_id, &a.action.session_title) { br; span.small.muted { "from " a href=(format!("/strategy/{sid}")) { (t) } } } }
                @if show_owner { td { (a.action.data.owner) } }
                td.nowrap { (a.action.data.due_on.map(|d| d.to_string()).unwrap_or_default()) @if a.action.overdue(now) { " " span.badge.bad { "overdue" } } }
                td { (status_badge(a.action.data.status)) }
                td.small {
                    @for t in &a.themes { span.tag title=(if t.current { "theme" } else { "this theme has since been merged or re-run away" }) { "theme: " (t.label) } " " }
                    @if a.evidence.is_empty() && a.themes.is_empty() { span.muted { "nothing linked" } }
                    ul.plain { @for e in &a.evidence { li { (quote(e)) } } }
                }
            } } }
        } }
    }
}

fn session_page(
    d: &SessionDetail,
    ch: &Choices,
    f: &Fields,
    e: &FieldErrors,
    owners: &[String],
    notice_key: &str,
    form: &str,
) -> Markup {
    let s = &d.session;
    let manage = can(Permission::ManageInsights);
    let evidence: Vec<&Evidence> = d.items.iter().filter_map(|i| i.evidence.as_ref()).collect();
    let in_session: Vec<i64> = d
        .items
        .iter()
        .filter_map(|i| i.media.as_ref().map(|m| m.id))
        .collect();
    let empty = FieldErrors::new();
    let err_for = |name: &str| if form == name { e } else { &empty };
    let session_fields = if form == "session" && !e.is_empty() {
        f.clone()
    } else {
        s.data.to_fields()
    };
    let action_f = if form == "action" {
        f.clone()
    } else {
        Fields::from_pairs([("status", "open")])
    };
    let item_f = if form == "item" {
        f.clone()
    } else {
        Fields::new()
    };
    page(
        &s.data.title,
        "voice",
        html! {
            (voc_subnav("sessions"))
            (tabs("sessions"))
            p.subtitle { a href="/strategy" { "← Strategy sessions" } }
            div.page-head { div {
                h1 { (s.data.title) }
                p.subtitle { (s.data.held_on.to_string()) @if let Some(a) = &s.data.attendees { " · " (a) } }
            } }
            (notice(notice_key))
            (error_summary(e))
            @if let Some(n) = &s.data.notes { div.card { p { (n) } } }
            div.card #items {
                h2 { "Reviewed together (" (d.items.len()) ")" }
                @if d.items.is_empty() { p.muted { "Nothing yet: add the customer videos and the evidence to review." } }
                @for it in &d.items {
                    div.session-item id=(format!("item-{}", it.id)) {
                        h3 { (it.position) ". "
                            @if let Some(m) = &it.media { a href=(format!("/media/{}", m.id)) { (m.data.title) } " " (consent_badge(m.data.consent)) @if let Some(a) = &m.account_name { " " span.small.muted { (a) } } }
                            @if it.evidence.is_some() { "Evidence" }
                        }
                        @if let Some(m) = &it.media {
                            @if let Some(src) = m.source_url() {
                                @match m.data.kind {
                                    MediaKind::Video => { video.inline-player controls preload="none" src=(src) {} }
                                    MediaKind::Audio => { audio controls preload="none" src=(src) {} }
                                }
                            }
                            p.small.muted { @if let Some(ms) = m.data.duration_ms { (format_ms(ms)) " · " } (m.evidence_count) " transcript items" }
                        }
                        @if let Some(ev) = &it.evidence { blockquote.quote { (quote(ev)) } }
                        @if manage {
                            form.stacked method="post" action=(format!("/strategy/items/{}/discussion", it.id)) {
                                (csrf_field())
                                div.field.wide {
                                    label for=(format!("discussion-{}", it.id)) { "Discussion notes" }
                                    textarea id=(format!("discussion-{}", it.id)) name="discussion" { (it.discussion.as_deref().unwrap_or("")) }
                                }
                                div.form-actions {
                                    button.secondary type="submit" { "Save notes" }
                                }
                            }
                            form.inline method="post" action=(format!("/strategy/items/{}/delete", it.id)) {
                                (csrf_field())
                                button.link type="submit" { "Remove from the session" }
                            }
                        } @else if let Some(n) = &it.discussion {
                            p { strong { "Discussion: " } (n) }
                        }
                    }
                }
                @if manage && form != "session" {
                    details open[form == "item"] {
                        summary { "Add to the session" }
                        form.stacked method="post" action=(format!("/strategy/{}/items", s.id)) novalidate {
                            (csrf_field())
                            (input("media_id", "Recording").hint("Only recordings with consent to internal use can be shown").select(&item_f, err_for("item"), &ch.media.iter().filter(|m| !in_session.contains(&m.id)).map(|m| (m.id.to_string(), format!("{}{}", m.data.title, m.account_name.as_ref().map(|a| format!(" — {a}")).unwrap_or_default()))).collect::<Vec<_>>()))
                            (input("evidence_id", "…or an evidence id").kind("number").text(&item_f, err_for("item")))
                            (input("discussion", "Discussion notes").wide().textarea(&item_f, err_for("item")))
                            div.form-actions { button type="submit" { "Add" } }
                        }
                    }
                }
            }
            div.card #actions {
                h2 { "Action plan (" (d.actions.len()) ")" }
                @if d.actions.is_empty() { p.muted { "No actions yet." } } @else { (action_rows(&d.actions, true)) }
                @if manage && form != "session" {
                    details open[form == "action"] {
                        summary { "New action" }
                        form.stacked method="post" action="/strategy/actions" novalidate {
                            (csrf_field())
                            input type="hidden" name="session_id" value=(s.id);
                            (action_fields(&action_f, err_for("action"), &evidence, &ch.themes, owners))
                            div.form-actions { button type="submit" { "Add action" } }
                        }
                    }
                }
            }
            @if manage && form != "session" {
                p { a.btn.secondary href=(format!("/strategy/{}?edit=1#edit", s.id)) { "Edit or delete the session" } }
            }
            @if manage && form == "session" {
                details.card #edit open {
                    summary { "Edit the session" }
                    form.stacked method="post" action=(format!("/strategy/{}", s.id)) novalidate {
                        (csrf_field())
                        (session_form(&session_fields, err_for("session")))
                        div.form-actions { button type="submit" { "Save" } }
                    }
                    form.inline method="post" action=(format!("/strategy/{}/delete", s.id)) onsubmit="return confirm('Delete this session? Its actions stay.')" {
                        (csrf_field())
                        button.secondary type="submit" { "Delete session" }
                    }
                }
            }
        },
    )
}

async fn session_view(
    st: &AppState,
    id: i64,
    f: &Fields,
    e: &FieldErrors,
    notice_key: &str,
    form: &str,
) -> Result<Markup, PageError> {
    let (d, owners) = st
        .run(move |s| Ok((s.get_strategy_session(id)?, s.action_owners()?)))
        .await?;
    let ch = choices(st).await?;
    Ok(session_page(&d, &ch, f, e, &owners, notice_key, form))
}

async fn show_session(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query,
) -> Result<Markup, PageError> {
    require_page(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    session_view(
        &st,
        id,
        &Fields::new(),
        &FieldErrors::new(),
        q.get("notice"),
        if q.get("edit") == "1" { "session" } else { "" },
    )
    .await
}

async fn update_session(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    require_page(Permission::ManageInsights)?;
    let id = id_of(&id)?;
    let errors = match SessionData::from_fields(&f) {
        Ok(d) => match st.run(move |s| s.update_strategy_session(id, &d)).await {
            Ok(_) => return Ok(redirect(format!("/strategy/{id}?notice=updated"))),
            Err(e) => form_errors(e)?,
        },
        Err(e) => e,
    };
    Ok(invalid(
        session_view(&st, id, &f, &errors, "", "session").await?,
    ))
}

async fn delete_session(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    require_page(Permission::ManageInsights)?;
    let id = id_of(&id)?;
    st.run(move |s| s.delete_strategy_session(id)).await?;
    Ok(redirect("/strategy?notice=deleted".into()))
}

async fn add_item(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    require_page(Permission::ManageInsights)?;
    let id = id_of(&id)?;
    let errors = match ItemData::from_fields(&f) {
        Ok(d) => match st.run(move |s| s.add_session_item(id, &d)).await {
            Ok(it) => {
                return Ok(redirect(format!(
                    "/strategy/{id}?notice=created#item-{}",
                    it.id
                )))
            }
            Err(e) => form_errors(e)?,
        },
        Err(e) => e,
    };
    Ok(invalid(
        session_view(&st, id, &f, &errors, "", "item").await?,
    ))
}

async fn discuss(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    require_page(Permission::ManageInsights)?;
    let id = id_of(&id)?;
    let text = f.get("discussion").to_string();
    match st
        .run(move |s| s.set_item_discussion(id, Some(&text)))
        .await
    {
        Ok(it) => Ok(redirect(format!(
            "/strategy/{}?notice=updated#item-{id}",
            it.session_id
        ))),
        Err(e) => {
            let errors = form_errors(e)?;
            Err(PageError::bad_request(format!(
                "Discussion notes {}",
                errors.get("discussion").unwrap_or("could not be saved")
            )))
        }
    }
}

async fn remove_item(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    require_page(Permission::ManageInsights)?;
    let id = id_of(&id)?;
    let session = st.run(move |s| s.remove_session_item(id)).await?;
    Ok(redirect(format!(
        "/strategy/{session}?notice=deleted#items"
    )))
}

fn progress_view(p: &[MonthProgress]) -> Markup {
    let labels: Vec<String> = p.iter().map(|m| m.month.clone()).collect();
    let series = [
        Series {
            name: "Done by month end",
            color: "#1f8a4c",
            values: p.iter().map(|m| Some(m.done_total as f64)).collect(),
        },
        Series {
            name: "Open at month end",
            color: "#b7791f",
            values: p.iter().map(|m| Some(m.open_at_end as f64)).collect(),
        },
    ];
    html! {
        (column_chart("Action plan: done against open, per month", &labels, &series, true))
        details {
            summary { "The numbers" }
            div.table-wrap { table {
                thead { tr { th { "Month" } th.num { "Created" } th.num { "Done in the month" } th.num { "Done by month end" } th.num { "Open at month end" } } }
                tbody { @for m in p { tr { td { (m.month) } td.num { (m.created) } td.num { (m.done) } td.num { (m.done_total) } td.num { (m.open_at_end) } } } }
            } }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn actions_page(
    groups: &[(String, Vec<ActionDetail>)],
    done: &[ActionDetail],
    p: &[MonthProgress],
    ch: &Choices,
    f: &Fields,
    e: &FieldErrors,
    owners: &[String],
    notice_key: &str,
) -> Markup {
    let open: usize = groups.iter().map(|(_, v)| v.len()).sum();
    let overdue: usize = groups
        .iter()
        .flat_map(|(_, v)| v)
        .filter(|a| a.action.overdue(today()))
        .count();
    page(
        "Action plan",
        "voice",
        html! {
            (voc_subnav("sessions"))
            (tabs("actions"))
            div.page-head { div {
                h1 { "Action plan" }
                p.subtitle { "Open actions by owner, and the customer evidence and themes that drove each one." }
            } }
            (notice(notice_key))
            (error_summary(e))
            div.grid.two {
                div.card.verdict {
                    div.label.muted { "Open actions" }
                    div.value.big { (open) }
                    p { (groups.len()) " owners · " (overdue) " overdue · " (done.len()) " done" }
                    ul.plain { @for (o, v) in groups { li { a href=(format!("#owner-{}", o.to_lowercase().replace(' ', "-"))) { (o) } ": " (v.len()) } } }
                }
                div.card { (progress_view(p)) }
            }
            @for (owner, list) in groups {
                div.card id=(format!("owner-{}", owner.to_lowercase().replace(' ', "-"))) {
                    h2 { (owner) " " span.small.muted { "(" (list.len()) " open)" } }
                    (action_rows(list, false))
                }
            }
            @if groups.is_empty() { div.card { p.muted { "No open actions." } } }
            @if !done.is_empty() {
                details.card {
                    summary { "Done (" (done.len()) ")" }
                    (action_rows(done, true))
                }
            }
            @if can(Permission::ManageInsights) {
                details.card #new open[!e.is_empty()] {
                    summary { "New action" }
                    form.stacked method="post" action="/strategy/actions" novalidate {
                        (csrf_field())
                        (input("session_id", "Session id").kind("number").hint("Optional: the session it came from").text(f, e))
                        (action_fields(f, e, &[], &ch.themes, owners))
                        div.form-actions { button type="submit" { "Add action" } }
                    }
                }
            }
        },
    )
}

async fn actions_view(
    st: &AppState,
    f: &Fields,
    e: &FieldErrors,
    notice_key: &str,
) -> Result<Markup, PageError> {
    let t = today();
    let (groups, done, p, owners) = st
        .run(move |s| {
            Ok((
                s.open_actions_by_owner()?,
                s.list_actions(&ActionFilter {
                    status: Some(ActionStatus::Done),
                    ..Default::default()
                })?,
                s.action_progress(t, MONTHS)?,
                s.action_owners()?,
            ))
        })
        .await?;
    let ch = choices(st).await?;
    Ok(actions_page(
        &groups, &done, &p, &ch, f, e, &owners, notice_key,
    ))
}

async fn actions(State(st): State<AppState>, Query(q): Query) -> Result<Markup, PageError> {
    require_page(Permission::ReadCustomers)?;
    actions_view(
        &st,
        &Fields::from_pairs([("status", "open")]),
        &FieldErrors::new(),
        q.get("notice"),
    )
    .await
}

async fn create_action(State(st): State<AppState>, Form(f): Form) -> Result<Response, PageError> {
    require_page(Permission::ManageInsights)?;
    let t = today();
    let errors = match ActionData::from_fields(&f) {
        Ok(d) => match st.run(move |s| s.create_action(&d, t)).await {
            Ok(a) => {
                return Ok(redirect(match a.action.data.session_id {
                    Some(sid) => format!("/strategy/{sid}?notice=created#actions"),
                    None => format!("/strategy/actions/{}?notice=created", a.action.id),
                }))
            }
            Err(e) => form_errors(e)?,
        },
        Err(e) => e,
    };
    // Back to the form the action came from, with what was typed.
    if let Some(sid) = f
        .get("session_id")
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|_| errors.get("session_id").is_none())
    {
        return Ok(invalid(
            session_view(&st, sid, &f, &errors, "", "action").await?,
        ));
    }
    Ok(invalid(actions_view(&st, &f, &errors, "").await?))
}

fn action_page(
    a: &ActionDetail,
    ch: &Choices,
    f: &Fields,
    e: &FieldErrors,
    owners: &[String],
    notice_key: &str,
) -> Markup {
    let x = &a.action;
    page(
        &x.data.title,
        "voice",
        html! {
            (voc_subnav("sessions"))
            (tabs("actions"))
            p.subtitle { a href="/strategy/actions" { "← Action plan" } }
            div.page-head { div {
                h1 { (x.data.title) }
                p.subtitle { (x.data.owner) " · " (status_badge(x.data.status))
                    @if let Some(d) = x.data.due_on { " · due " (d.to_string()) } @if x.overdue(today()) { " " span.badge.bad { "overdue" } }
                    @if let Some(d) = x.done_on { " · done " (d.to_string()) }
                    @if let (Some(sid), Some(t)) = (x.data.session_id, &x.session_title) { " · from " a href=(format!("/strategy/{sid}")) { (t) } }
                }
            } }
            (notice(notice_key))
            (error_summary(e))
            @if let Some(n) = &x.data.notes { div.card { p { (n) } } }
            div.card {
                h2 { "What drove it" }
                @if a.themes.is_empty() && a.evidence.is_empty() { p.muted { "Nothing linked yet." } }
                @if !a.themes.is_empty() {
                    p { @for t in &a.themes { a.tag href=(format!("/themes/{}", t.id)) { "theme: " (t.label) } @if !t.current { " " span.small.muted { "(since merged or re-run away)" } } " " } }
                }
                ul.plain { @for ev in &a.evidence { li { (quote(ev)) } } }
            }
            @if can(Permission::ManageInsights) {
                details.card open[!e.is_empty()] {
                    summary { "Edit" }
                    form.stacked method="post" action=(format!("/strategy/actions/{}", x.id)) novalidate {
                        (csrf_field())
                        (input("session_id", "Session id").kind("number").text(f, e))
                        (action_fields(f, e, &a.evidence.iter().collect::<Vec<_>>(), &ch.themes, owners))
                        div.form-actions { button type="submit" { "Save" } }
                    }
                    form.inline method="post" action=(format!("/strategy/actions/{}/delete", x.id)) onsubmit="return confirm('Delete this action?')" {
                        (csrf_field())
                        button.secondary type="submit" { "Delete action" }
                    }
                }
            }
            p.small.muted { "Added by " (x.created_by) " on " (x.created_on.to_string()) "." }
        },
    )
}

async fn action_view(
    st: &AppState,
    id: i64,
    f: Option<&Fields>,
    e: &FieldErrors,
    notice_key: &str,
) -> Result<Markup, PageError> {
    let (a, owners) = st
        .run(move |s| Ok((s.get_action(id)?, s.action_owners()?)))
        .await?;
    let ch = choices(st).await?;
    let f = f.cloned().unwrap_or_else(|| a.action.data.to_fields());
    Ok(action_page(&a, &ch, &f, e, &owners, notice_key))
}

async fn show_action(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query,
) -> Result<Markup, PageError> {
    require_page(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    action_view(&st, id, None, &FieldErrors::new(), q.get("notice")).await
}

async fn update_action(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    require_page(Permission::ManageInsights)?;
    let id = id_of(&id)?;
    let t = today();
    let errors = match ActionData::from_fields(&f) {
        Ok(d) => match st.run(move |s| s.update_action(id, &d, t)).await {
            Ok(_) => return Ok(redirect(format!("/strategy/actions/{id}?notice=updated"))),
            Err(e) => form_errors(e)?,
        },
        Err(e) => e,
    };
    Ok(invalid(action_view(&st, id, Some(&f), &errors, "").await?))
}

async fn delete_action(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    require_page(Permission::ManageInsights)?;
    let id = id_of(&id)?;
    st.run(move |s| s.delete_action(id)).await?;
    Ok(redirect("/strategy/actions?notice=deleted".into()).into_response())
}
