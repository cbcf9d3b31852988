use super::layout::page;
use super::widgets::pager;
use crate::error::PageError;
use crate::extract::Query;
use crate::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use peerstage_core::contact::ReferenceConsent;

pub fn router() -> Router<AppState> {
    Router::new().route("/contacts", get(list))
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
                div { h1 { "Contacts" } p.subtitle { (contacts.total) " contacts" } }
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
                            td { (c.data.name) @if c.data.do_not_contact { " " span.badge.bad { "Do not contact" } } }
                            td { a href=(format!("/accounts/{}", c.data.account_id)) { (c.account_name) } }
                            td { (c.data.title.as_deref().unwrap_or("")) }
                            td.hide-narrow { (c.data.email.as_deref().unwrap_or("")) }
                            td { span.badge.good[c.data.reference_consent == ReferenceConsent::Yes] { (c.data.reference_consent.label()) } }
                            td { @if crate::auth::can(peerstage_core::Permission::WriteCustomers) { a href=(format!("/contacts/{}/edit", c.id)) { "Edit" } } }
                        }
                    }
                    @if contacts.items.is_empty() { tr { td colspan="6" .muted { "No contacts match." } } }
                }
            } }
            (pager("/contacts", &q, "page", contacts.page, contacts.pages(), contacts.total))
        },
    ))
}
