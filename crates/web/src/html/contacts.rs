//! The contact list, one contact's page (consent history, F3), and exporting or erasing a
//! person's data (F3).

use super::layout::{notice, page};
use super::widgets::{count, no_rows, pager};
use super::{id_of, redirect};
use crate::auth::{can, csrf_field, require_page};
use crate::error::PageError;
use crate::extract::Query;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use peerstage_core::contact::{Contact, ReferenceConsent};
use peerstage_core::Permission;

pub fn router() -> Router<AppState> {
    // GET /contacts/{id} is routed in records.rs, beside the POST that saves the edit form.
    Router::new()
        .route("/contacts", get(list))
        .route("/contacts/{id}/privacy-export", get(privacy_export))
        .route("/contacts/{id}/erase", post(erase))
}

/// "Last changed on DATE by USER" for reference consent and do-not-contact.
pub(super) fn consent_history(c: &Contact) -> String {
    match (&c.consent_changed_at, &c.consent_changed_by) {
        (Some(at), Some(by)) => format!("Last changed on {} by {by}.", at.format("%Y-%m-%d")),
        (Some(at), None) => format!("Last changed on {}.", at.format("%Y-%m-%d")),
        _ => "Not changed since it was recorded.".to_string(),
    }
}

/// Badges for a contact in lists: erased, do not contact.
pub(super) fn contact_badges(c: &Contact) -> Markup {
    html! {
        @if c.erased_at.is_some() { " " span.badge title="Personal data erased" { "Erased" } }
        @if c.data.do_not_contact { " " span.badge.bad { "Do not contact" } }
    }
}

async fn list(State(st): State<AppState>, Query(q): Query) -> Result<Markup, PageError> {
    crate::auth::require_page(peerstage_core::Permission::ReadCustomers)?;
    let search = q.get("q").to_string();
    let page_no: u32 = q.get("page").parse().unwrap_or(1);
    let s2 = search.clone();
    let contacts = st
        .run(move |s| s.search_contacts(Some(&s2), page_no, 50))
        .await?;
    Ok(page(
        "Contacts",
        "contacts",
        html! {
            div.page-head {
                div { h1 { "Contacts" } p.subtitle { (count(contacts.total)) @if contacts.total == 1 { " contact" } @else { " contacts" } } }
                @if crate::auth::can(peerstage_core::Permission::ImportExport) { div.actions { a.btn.secondary href="/export/contacts.csv" { "Export CSV" } } }
            }
            form.filters method="get" action="/contacts" role="search" {
                label { "Name or email" input type="search" name="q" value=(search); }
                button type="submit" { "Search" }
            }
            div.table-wrap { table {
                thead { tr { th { "Name" } th { "Account" } th { "Title" } th.hide-narrow { "Email" } th { "Consent" } th {} } }
                tbody {
                    @for c in &contacts.items {
                        tr {
                            td { a href=(format!("/contacts/{}", c.id)) { (c.data.name) } (contact_badges(c)) }
                            td { a href=(format!("/accounts/{}", c.data.account_id)) { (c.account_name) } }
                            td { (c.data.title.as_deref().unwrap_or("")) }
                            td.hide-narrow { (c.data.email.as_deref().unwrap_or("")) }
                            td { span.badge.good[c.data.reference_consent == ReferenceConsent::Yes] { (c.data.reference_consent.label()) } }
                            td { @if crate::auth::can(peerstage_core::Permission::WriteCustomers) { a href=(format!("/contacts/{}/edit", c.id)) { "Edit" } } }
                        }
                    }
                    @if contacts.items.is_empty() { (no_rows(6, contacts.total, "No contacts match.")) }
                }
            } }
            (pager("/contacts", &q, "page", contacts.page, contacts.pages(), contacts.total))
        },
    ))
}

pub(super) async fn show(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query,
) -> Result<Markup, PageError> {
    require_page(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    let c = st.run(move |s| s.get_contact(id)).await?;
    let d = &c.data;
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    let list = |v: &[String]| {
        if v.is_empty() {
            "—".to_string()
        } else {
            v.join(", ")
        }
    };
    Ok(page(
        &d.name,
        "contacts",
        html! {
            p.subtitle { a href=(format!("/accounts/{}#contacts", d.account_id)) { "← " (c.account_name) } }
            div.page-head {
                div {
                    h1 { (d.name) (contact_badges(&c)) }
                    p.subtitle {
                        (d.title.as_deref().unwrap_or("No title"))
                        @if let Some(r) = d.role { " · " (r.label()) }
                    }
                }
                @if can(Permission::WriteCustomers) {
                    div.actions { a.btn href=(format!("/contacts/{id}/edit")) { "Edit" } }
                }
            }
            (notice(q.get("notice")))
            @if let Some(at) = c.erased_at {
                div.notice role="status" {
                    "This person's personal data was erased on " (at.format("%Y-%m-%d").to_string())
                    ". The record stays, without it, so touchpoint counts and NPS scores are unchanged."
                }
            }
            div.grid.two {
                div.card {
                    h3 { "Details" }
                    dl.facts {
                        dt { "Email" } dd { (or_dash(&d.email)) }
                        dt { "Phone" } dd { (or_dash(&d.phone)) }
                        dt { "City" } dd { (or_dash(&d.city)) }
                        dt { "Topics" } dd { (list(&d.topics)) }
                        dt { "Languages" } dd { (list(&d.languages)) }
                        dt { "Blog or social link" } dd {
                            @match &d.public_link { Some(l) => a href=(l) rel="noopener noreferrer nofollow" { (l) }, None => "—" }
                        }
                        dt { "Audience size" } dd { (d.audience_size.map(peerstage_core::money::format_amount).unwrap_or_else(|| "—".into())) }
                        dt { "External id" } dd { (or_dash(&d.external_id)) }
                    }
                }
                div.card {
                    h3 { "Consent" }
                    dl.facts {
                        dt { "Reference consent" }
                        dd { span.badge.good[d.reference_consent == ReferenceConsent::Yes] { (d.reference_consent.label()) } }
                        dt { "Do not contact" }
                        dd { @if d.do_not_contact { span.badge.bad { "Yes" } } @else { "No" } }
                    }
                    p.small.muted { (consent_history(&c)) }
                    p { a href=(format!("/contacts/{}/consents", c.id)) { "Consent per activity type (calls, visits, case studies, logo…)" } }
                    p { a href=(format!("/nominations?contact_id={}", c.id)) { "Nominate as a potential advocate" } }
                    @if !can(Permission::ManageConsent) {
                        p.small.muted { "Only advocacy managers and administrators may change consent." }
                    }
                }
            }
            @if can(Permission::Privacy) {
                div.card {
                    h3 { "Personal data" }
                    p.muted {
                        "Download everything stored about this person, or erase it. Erasing keeps their touchpoints "
                        "and NPS responses with their name taken out, so counts and scores stay the same. "
                        "It cannot be undone."
                    }
                    div.actions {
                        a.btn.secondary href=(format!("/contacts/{id}/privacy-export")) download=(format!("contact-{id}.json")) { "Export personal data" }
                        @if c.erased_at.is_none() {
                            form.inline method="post" action=(format!("/contacts/{id}/erase"))
                                onsubmit="return confirm('Erase the personal data of this person? Their name, email, phone and other details are removed everywhere. This cannot be undone.')" {
                                (csrf_field())
                                button.danger type="submit" { "Erase personal data" }
                            }
                        }
                    }
                }
            }
        },
    ))
}

/// Everything stored about a person, as a JSON file to hand to them.
async fn privacy_export(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    require_page(Permission::Privacy)?;
    let id = id_of(&id)?;
    let doc = st.run(move |s| s.privacy_export(id)).await?;
    let body = serde_json::to_string_pretty(&doc).unwrap_or_default();
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/json; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"contact-{id}.json\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response())
}

async fn erase(State(st): State<AppState>, Path(id): Path<String>) -> Result<Response, PageError> {
    require_page(Permission::Privacy)?;
    let id = id_of(&id)?;
    let c = st.run(move |s| s.get_contact(id)).await?;
    st.run(move |s| s.erase_contact(id)).await?;
    Ok(redirect(format!(
        "/accounts/{}?notice=erased#contacts",
        c.data.account_id
    )))
}
