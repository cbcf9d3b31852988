//! Authentic customer stories (B5): the list with spin badges, a story's page with the notice
//! that explains why authenticity beats spin, and the story form.

use super::layout::{notice, page};
use super::widgets::{count, enum_options, error_summary, input, pager, sort_header};
use super::{form_errors, id_of, invalid, redirect};
use crate::auth::{can, csrf_field, require_page};
use crate::error::PageError;
use crate::extract::{Form, Query};
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use peerstage_core::story::{
    spin_flags, Approval, JourneyStage, Story, StoryData, StoryQuery, AUTHENTICITY, SECTIONS,
};
use peerstage_core::{FieldErrors, Fields, Permission};
use peerstage_store::StoreError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/stories", get(list).post(create))
        .route("/stories/new", get(new_form))
        .route("/stories/{id}", get(show).post(update))
        .route("/stories/{id}/edit", get(edit_form))
        .route("/stories/{id}/delete", post(delete))
}

/// The badge a story carries in lists when it reads as spin.
pub(crate) fn spin_badge(story: &Story) -> Markup {
    let flags = spin_flags(story);
    let why: Vec<&str> = flags.iter().map(|f| f.explanation()).collect();
    html! {
        @if !flags.is_empty() {
            span.badge.bad.spin title=(why.join(" ")) { "Spin" }
        }
    }
}

fn approval_badge(a: Approval) -> Markup {
    let class = match a {
        Approval::Approved => "badge good",
        Approval::Declined => "badge bad",
        Approval::SentForApproval => "badge warn",
        Approval::Draft => "badge",
    };
    html! { span class=(class) { (a.label()) } }
}

fn date(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

async fn list(State(st): State<AppState>, Query(q): Query) -> Result<Markup, PageError> {
    require_page(Permission::ReadCustomers)?;
    let (query, query_errors) = match StoryQuery::from_fields(&q) {
        Ok(query) => (query, FieldErrors::new()),
        Err(errors) => (StoryQuery::default(), errors),
    };
    let qq = query.clone();
    let (stories, (total, spin_total)) = st
        .run(move |s| Ok((s.list_stories(&qq)?, s.story_totals()?)))
        .await?;
    let sort = query.sort.as_str();
    let desc = query.descending;
    let th = |key: &str, label: &str| sort_header("/stories", &q, key, label, sort, desc, false);
    let select = |name: &str, label: &str, options: &[(String, String)]| {
        html! {
            label { (label)
                select name=(name) {
                    option value="" { "Any" }
                    @for (v, l) in options { option value=(v) selected[q.get(name) == v.as_str()] { (l) } }
                }
            }
        }
    };
    let spin_only = query.spin_only;
    Ok(page(
        "Stories",
        "stories",
        html! {
            (super::journey::subnav("stories"))
            div.page-head {
                div { h1 { "Stories" } p.subtitle { (count(total)) " customer stories · " (count(spin_total)) " flagged as spin" } }
                @if can(Permission::ManageAdvocates) { div.actions { a.btn href="/stories/new" { "New story" } } }
            }
            (notice(q.get("notice")))
            p.muted.small { "Buyers trust balanced stories from their peers. A story is flagged as spin when it has no downside (the bad and the ugly are empty) or never says where we are not a fit." }
            @if !query_errors.is_empty() { div.notice.error { "Some filters were ignored: " (query_errors.to_string()) } }
            form.filters method="get" action="/stories" role="search" {
                label { "Title or customer" input type="search" name="q" value=(q.get("q")); }
                (select("stage", "Buyer-journey stage", &enum_options(JourneyStage::ALL, JourneyStage::as_str, JourneyStage::label)))
                (select("approval", "Customer approval", &enum_options(Approval::ALL, Approval::as_str, Approval::label)))
                label { "Spin"
                    select name="spin" {
                        option value="" { "All stories" }
                        option value="yes" selected[spin_only] { "Flagged as spin only" }
                    }
                }
                @if !q.get("sort").is_empty() { input type="hidden" name="sort" value=(q.get("sort")); }
                @if !q.get("dir").is_empty() { input type="hidden" name="dir" value=(q.get("dir")); }
                button type="submit" { "Filter" }
                a href="/stories" { "Clear" }
            }
            div.table-wrap { table {
                thead { tr {
                    (th("title", "Title"))
                    (th("account", "Customer"))
                    th.hide-narrow { "Told by" }
                    (th("stage", "Stage"))
                    (th("approval", "Approval"))
                    (th("spin", "Spin"))
                    (th("updated", "Updated"))
                } }
                tbody {
                    @for s in &stories.items {
                        tr {
                            td { a href=(format!("/stories/{}", s.id)) { (s.data.title) } }
                            td { a href=(format!("/accounts/{}", s.data.account_id)) { (s.account_name) } }
                            td.hide-narrow { (s.contacts.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")) }
                            td { (s.data.stage.label()) }
                            td { (approval_badge(s.data.approval)) }
                            td { (spin_badge(s)) @if spin_flags(s).is_empty() { span.badge.good { "Authentic" } } }
                            td.nowrap { (date(s.updated_at)) }
                        }
                    }
                    @if stories.items.is_empty() {
                        tr { td colspan="7" .muted {
                            @if total == 0 { "No stories yet. Ask an advocate to tell theirs: the challenge, the result, and the downside too." }
                            @else { "No stories match these filters." }
                        } }
                    }
                }
            } }
            (pager("/stories", &q, "page", stories.page, stories.pages(), stories.total))
        },
    ))
}

/// The spin notice on a story's page, or a note that it is balanced.
fn authenticity_notice(story: &Story) -> Markup {
    let flags = spin_flags(story);
    html! {
        @if flags.is_empty() {
            div.notice.ok role="status" { strong { "Authentic. " } "This story tells the downside and where we are not a fit: buyers can judge whether it applies to them." }
        } @else {
            div.notice.warn.spin role="note" {
                strong { "Flagged as spin." }
                ul.errors { @for f in &flags { li { strong { (f.label()) ": " } (f.explanation()) } } }
                p { (AUTHENTICITY) }
                p.small.muted { "After Bill Lee, Customer Reference Forum: develop authentic customer stories." }
                @if can(Permission::ManageAdvocates) {
                    p.small { a href=(format!("/stories/{}/edit", story.id)) { "Edit the story" } " after asking the advocate what did not go well, and for whom we would not be the right choice." }
                }
            }
        }
    }
}

fn story_page(s: &Story, notice_key: &str) -> Markup {
    let manage = can(Permission::ManageAdvocates);
    let id = s.id;
    page(
        &s.data.title,
        "stories",
        html! {
            p.subtitle { a href="/stories" { "← Stories" } }
            div.page-head {
                div {
                    h1 { (s.data.title) }
                    p.subtitle { a href=(format!("/accounts/{}", s.data.account_id)) { (s.account_name) } " · " (s.data.stage.label()) " · " (approval_badge(s.data.approval)) " " (spin_badge(s)) }
                }
                @if manage {
                    div.actions {
                        a.btn href=(format!("/stories/{id}/edit")) { "Edit" }
                        form.inline method="post" action=(format!("/stories/{id}/delete")) onsubmit="return confirm('Delete this story?')" {
                            (csrf_field())
                            button.danger type="submit" { "Delete" }
                        }
                    }
                }
            }
            (notice(notice_key))
            (authenticity_notice(s))
            div.card {
                dl.facts {
                    dt { "Customer" } dd { a href=(format!("/accounts/{}", s.data.account_id)) { (s.account_name) } }
                    dt { "Told by" } dd {
                        @if s.contacts.is_empty() { span.muted { "No contact linked yet" } }
                        @for (i, c) in s.contacts.iter().enumerate() {
                            @if i > 0 { ", " }
                            a href=(format!("/advocates/{}", c.id)) { (c.name) }
                            @if let Some(t) = &c.title { span.muted { " (" (t) ")" } }
                        }
                    }
                    dt { "Buyer-journey stage" } dd { (s.data.stage.label()) }
                    dt { "Customer approval" } dd { (approval_badge(s.data.approval)) }
                    dt { "Created" } dd { (date(s.created_at)) }
                    dt { "Updated" } dd { (date(s.updated_at)) }
                }
            }
            div.grid.two {
                @for (name, label, prompt) in SECTIONS {
                    div.card.story-section id=(format!("section-{name}")) {
                        h2 { (label) }
                        @match s.data.section(name) {
                            Some(text) => { p.story-text { (text) } }
                            None => { p.muted { "Not written yet. " (prompt) } }
                        }
                    }
                }
            }
            h2 { "Media" }
            @if s.data.media_links.is_empty() {
                p.muted { "No media linked. Add links to videos, recordings or articles when editing the story." }
            } @else {
                ul { @for link in &s.data.media_links { li { a href=(link) rel="noopener noreferrer" { (link) } } } }
            }
        },
    )
}

/// What the form offers: customer accounts, and the contacts of the chosen account.
struct Choices {
    accounts: Vec<(String, String)>,
    contacts: Vec<(String, String)>,
    account_name: Option<String>,
}

async fn choices(st: &AppState, account: Option<i64>) -> Result<Choices, PageError> {
    let (accounts, contacts) = st
        .run(move |s| {
            let accounts = s.customer_choices(account)?;
            let contacts = match account {
                Some(a) => match s.list_contacts(a) {
                    Ok(c) => c,
                    Err(StoreError::NotFound { .. }) => Vec::new(),
                    Err(e) => return Err(e),
                },
                None => Vec::new(),
            };
            Ok((accounts, contacts))
        })
        .await?;
    let account_name = account.and_then(|a| {
        accounts
            .iter()
            .find(|(id, _)| *id == a)
            .map(|(_, n)| n.clone())
    });
    Ok(Choices {
        accounts: accounts
            .into_iter()
            .map(|(id, name)| (id.to_string(), name))
            .collect(),
        contacts: contacts
            .into_iter()
            .filter(|c| c.erased_at.is_none())
            .map(|c| {
                let label = match &c.data.title {
                    Some(t) => format!("{} ({t})", c.data.name),
                    None => c.data.name.clone(),
                };
                (c.id.to_string(), label)
            })
            .collect(),
        account_name,
    })
}

fn account_of(f: &Fields) -> Option<i64> {
    f.get("account_id").trim().parse().ok().filter(|n| *n > 0)
}

fn story_form(
    title: &str,
    action: &str,
    cancel: &str,
    f: &Fields,
    e: &FieldErrors,
    ch: &Choices,
) -> Markup {
    let contacts_hint = match &ch.account_name {
        Some(name) => format!("Contacts at {name}; hold Ctrl or ⌘ to choose several. Changed the customer? Save, then choose its contacts."),
        None => "Choose the customer first; its contacts appear here.".to_string(),
    };
    page(
        title,
        "stories",
        html! {
            p.subtitle { a href=(cancel) { "← Back" } }
            h1 { (title) }
            p.muted { "Let the advocate tell it as it was. Stories without a downside, or without where we are not a fit, are flagged as spin: buyers know the difference." }
            (error_summary(e))
            div.card {
                form.stacked method="post" action=(action) novalidate {
                    (csrf_field())
                    (input("title", "Title").required().wide().text(f, e))
                    (input("account_id", "Customer").required().select(f, e, &ch.accounts))
                    (input("contact_ids", "Told by").hint(&contacts_hint).multi_select(f, e, &ch.contacts))
                    (input("stage", "Buyer-journey stage").required().hint("When buyers should hear it").select(f, e, &enum_options(JourneyStage::ALL, JourneyStage::as_str, JourneyStage::label)))
                    (input("approval", "Customer approval").required().select(f, e, &enum_options(Approval::ALL, Approval::as_str, Approval::label)))
                    @for (name, label, prompt) in SECTIONS {
                        (input(name, label).hint(prompt).wide().textarea(f, e))
                    }
                    (input("media_links", "Media links").hint("Videos, recordings, articles: one web address per line").wide().textarea(f, e))
                    div.form-actions { button type="submit" { "Save" } a.btn.secondary href=(cancel) { "Cancel" } }
                }
            }
        },
    )
}

/// Step one of a new story: whose story it is, so the form can offer their contacts.
fn choose_customer(ch: &Choices) -> Markup {
    page(
        "New story",
        "stories",
        html! {
            p.subtitle { a href="/stories" { "← Stories" } }
            h1 { "New story" }
            div.card {
                form.stacked method="get" action="/stories/new" {
                    (input("account_id", "Whose story is it?").required().hint("The customer; the next step offers their contacts").select(&Fields::new(), &FieldErrors::new(), &ch.accounts))
                    div.form-actions { button type="submit" { "Continue" } a.btn.secondary href="/stories" { "Cancel" } }
                }
            }
        },
    )
}

async fn new_form(State(st): State<AppState>, Query(q): Query) -> Result<Markup, PageError> {
    require_page(Permission::ManageAdvocates)?;
    let account = account_of(&q);
    let ch = choices(&st, account).await?;
    let Some(account) = account.filter(|_| ch.account_name.is_some()) else {
        return Ok(choose_customer(&ch));
    };
    let f = Fields::from_pairs([
        ("account_id", account.to_string()),
        ("approval", "draft".into()),
        ("stage", "consideration".into()),
    ]);
    Ok(story_form(
        "New story",
        "/stories",
        "/stories",
        &f,
        &FieldErrors::new(),
        &ch,
    ))
}

async fn create(State(st): State<AppState>, Form(f): Form) -> Result<Response, PageError> {
    require_page(Permission::ManageAdvocates)?;
    let errors = match StoryData::from_fields(&f) {
        Ok(d) => match st.run(move |s| s.create_story(&d)).await {
            Ok(s) => return Ok(redirect(format!("/stories/{}?notice=created", s.id))),
            Err(e) => form_errors(e)?,
        },
        Err(e) => e,
    };
    let ch = choices(&st, account_of(&f)).await?;
    Ok(invalid(story_form(
        "New story",
        "/stories",
        "/stories",
        &f,
        &errors,
        &ch,
    )))
}

async fn show(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query,
) -> Result<Markup, PageError> {
    require_page(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    let s = st.run(move |s| s.get_story(id)).await?;
    Ok(story_page(&s, q.get("notice")))
}

async fn edit_form(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    require_page(Permission::ManageAdvocates)?;
    let id = id_of(&id)?;
    let s = st.run(move |s| s.get_story(id)).await?;
    let ch = choices(&st, Some(s.data.account_id)).await?;
    let back = format!("/stories/{id}");
    Ok(story_form(
        &format!("Edit {}", s.data.title),
        &back,
        &back,
        &s.data.to_fields(),
        &FieldErrors::new(),
        &ch,
    ))
}

async fn update(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    require_page(Permission::ManageAdvocates)?;
    let id = id_of(&id)?;
    let errors = match StoryData::from_fields(&f) {
        Ok(d) => match st.run(move |s| s.update_story(id, &d)).await {
            Ok(_) => return Ok(redirect(format!("/stories/{id}?notice=updated"))),
            Err(e) => form_errors(e)?,
        },
        Err(e) => e,
    };
    let ch = choices(&st, account_of(&f)).await?;
    let back = format!("/stories/{id}");
    Ok(invalid(story_form(
        "Edit story",
        &back,
        &back,
        &f,
        &errors,
        &ch,
    )))
}

async fn delete(State(st): State<AppState>, Path(id): Path<String>) -> Result<Response, PageError> {
    require_page(Permission::ManageAdvocates)?;
    let id = id_of(&id)?;
    st.run(move |s| s.delete_story(id)).await?;
    Ok(redirect("/stories?notice=deleted".into()))
}
