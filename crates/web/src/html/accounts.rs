use super::layout::{notice, page};
use super::widgets::{
    self, count, enum_options, error_summary, input, money, no_rows, pager, sort_header,
};
use super::{form_errors, id_of, invalid, redirect};
use crate::error::PageError;
use crate::extract::{Form, Query};
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use peerstage_core::account::{AccountData, AccountQuery};
use peerstage_core::contact::ReferenceConsent;
use peerstage_core::money::format_amount;
use peerstage_core::{
    Account, FieldErrors, Fields, Lifecycle, NpsSummary, Permission, Region, Segment,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts", get(list).post(create))
        .route("/accounts/new", get(new_form))
        .route("/accounts/{id}", get(show).post(update))
        .route("/accounts/{id}/edit", get(edit_form))
        .route("/accounts/{id}/delete", post(delete))
}

async fn list(State(st): State<AppState>, Query(q): Query) -> Result<Markup, PageError> {
    crate::auth::require_page(peerstage_core::Permission::ReadCustomers)?;
    let (query, query_errors) = match AccountQuery::from_fields(&q) {
        Ok(query) => (query, FieldErrors::new()),
        Err(errors) => (AccountQuery::default(), errors),
    };
    let financial = crate::auth::can(Permission::ReadFinancials);
    if !financial
        && (query.sort == peerstage_core::AccountSort::Margin || query.unprofitable.is_some())
    {
        return Err(PageError::new(
            axum::http::StatusCode::FORBIDDEN,
            "Your role may not sort or filter accounts by margin.",
        ));
    }
    let qq = query.clone();
    let (accounts, industries) = st
        .run(move |s| Ok((s.list_accounts(&qq)?, s.industries()?)))
        .await?;
    let sort = query.sort.as_str();
    let desc = query.descending;
    let th = |key: &str, label: &str, numeric: bool| {
        sort_header("/accounts", &q, key, label, sort, desc, numeric)
    };
    let industry_opts: Vec<(String, String)> =
        industries.iter().map(|i| (i.clone(), i.clone())).collect();
    let filter_select = |name: &str, label: &str, options: &[(String, String)]| {
        html! {
            label { (label)
                select name=(name) {
                    option value="" { "Any" }
                    @for (v, l) in options { option value=(v) selected[q.get(name) == v.as_str()] { (l) } }
                }
            }
        }
    };
    let yes_no = vec![
        ("yes".to_string(), "Yes".to_string()),
        ("no".to_string(), "No".to_string()),
    ];
    Ok(page(
        "Accounts",
        "accounts",
        html! {
            div.page-head {
                div { h1 { "Accounts" } p.subtitle { (count(accounts.total)) @if accounts.total == 1 { " account matches" } @else { " accounts match" } } }
                div.actions {
                    @if crate::auth::can(Permission::WriteCustomers) { a.btn href="/accounts/new" { "New account" } }
                    @if crate::auth::can(Permission::ImportExport) { a.btn.secondary href="/export/accounts.csv" { "Export CSV" } }
                }
            }
            (notice(q.get("notice")))
            @if !query_errors.is_empty() { div.notice.error { "Some filters were ignored: " (query_errors.to_string()) } }
            form.filters method="get" action="/accounts" role="search" {
                label { "Name" input type="search" name="q" value=(q.get("q")) placeholder="Search by name"; }
                (filter_select("industry", "Industry", &industry_opts))
                (filter_select("region", "Region", &enum_options(Region::ALL, Region::as_str, Region::label)))
                (filter_select("segment", "Segment", &enum_options(Segment::ALL, Segment::as_str, Segment::label)))
                (filter_select("lifecycle", "Lifecycle", &enum_options(Lifecycle::ALL, Lifecycle::as_str, Lifecycle::label)))
                (filter_select("at_risk", "At risk", &yes_no))
                @if financial { (filter_select("unprofitable", "Unprofitable", &yes_no)) }
                @if !q.get("sort").is_empty() { input type="hidden" name="sort" value=(q.get("sort")); }
                @if !q.get("dir").is_empty() { input type="hidden" name="dir" value=(q.get("dir")); }
                button type="submit" { "Filter" }
                a href="/accounts" { "Clear" }
            }
            div.table-wrap {
                table {
                    thead { tr {
                        (th("name", "Name", false))
                        (th("industry", "Industry", false))
                        (th("region", "Region", false))
                        (th("segment", "Segment", false))
                        (th("employees", "Employees", true))
                        (th("revenue", "Revenue", true))
                        @if financial { (th("margin", "Margin", true)) }
                        (th("renewal", "Renewal", false))
                        th { "Status" }
                    } }
                    tbody {
                        @for a in &accounts.items { (account_row(a, financial)) }
                        @if accounts.items.is_empty() { (no_rows(9, accounts.total, "No accounts match these filters.")) }
                    }
                }
            }
            (pager("/accounts", &q, "page", accounts.page, accounts.pages(), accounts.total))
        },
    ))
}

fn account_row(a: &Account, financial: bool) -> Markup {
    let d = &a.data;
    html! {
        tr {
            td { a href=(format!("/accounts/{}", a.id)) { (d.name) } }
            td { (d.industry.as_deref().unwrap_or("—")) }
            td { (d.region.map(|r| r.label()).unwrap_or("—")) }
            td { (d.segment.map(|s| s.label()).unwrap_or("—")) }
            td.num { (d.employees.map(format_amount).unwrap_or_default()) }
            td.num { (money(d.annual_revenue)) }
            @if financial { td.num { (money(a.margin)) } }
            td.nowrap { (widgets::date(d.renewal_date)) }
            td { (status_badges(a)) }
        }
    }
}

fn status_badges(a: &Account) -> Markup {
    html! {
        @if a.data.lifecycle != Lifecycle::Customer { span.badge { (a.data.lifecycle.label()) } " " }
        @if a.data.at_risk { span.badge.bad title=(a.data.at_risk_reason.as_deref().unwrap_or("")) { "At risk" } " " }
        @if a.margin < 0 && crate::auth::can(Permission::ReadFinancials) { span.badge.warn { "Unprofitable" } }
    }
}

pub(super) fn account_form(
    title: &str,
    action: &str,
    cancel: &str,
    f: &Fields,
    errors: &FieldErrors,
) -> Markup {
    page(
        title,
        "accounts",
        html! {
            h1 { (title) }
            (error_summary(errors))
            div.card {
                form.stacked method="post" action=(action) novalidate {
                    (crate::auth::csrf_field())
                    (input("name", "Name").required().text(f, errors))
                    (input("external_id", "External id").hint("Id in your CRM; imports match on it").text(f, errors))
                    (input("industry", "Industry").text(f, errors))
                    (input("region", "Region").select(f, errors, &enum_options(Region::ALL, Region::as_str, Region::label)))
                    (input("country", "Country").text(f, errors))
                    (input("city", "City").text(f, errors))
                    (input("employees", "Employees").kind("number").text(f, errors))
                    (input("segment", "Segment").select(f, errors, &enum_options(Segment::ALL, Segment::as_str, Segment::label)))
                    (input("lifecycle", "Lifecycle").required().select(f, errors, &enum_options(Lifecycle::ALL, Lifecycle::as_str, Lifecycle::label)))
                    (input("products", "Products").hint("Separate with ;").text(f, errors))
                    (input("annual_revenue", "Annual revenue").hint("Whole currency units").text(f, errors))
                    (input("cost_to_serve", "Cost to serve").text(f, errors))
                    (input("discount", "Discount").text(f, errors))
                    (input("customer_since", "Customer since").kind("date").text(f, errors))
                    (input("renewal_date", "Renewal date").kind("date").text(f, errors))
                    (input("owner", "Owner").text(f, errors))
                    (input("at_risk", "At risk").yes_no(f, errors))
                    (input("at_risk_reason", "Why at risk").hint("Required when the account is at risk").wide().textarea(f, errors))
                    (input("private_notes", "Private notes").hint("Seen only by managers and admins").wide().textarea(f, errors))
                    (input("competitor_replaced", "Competitor replaced").hint("The product this customer replaced with ours; reps can ask for references who switched from it").text(f, errors))
                    div.form-actions { button type="submit" { "Save" } a.btn.secondary href=(cancel) { "Cancel" } }
                }
            }
        },
    )
}

async fn new_form() -> Result<Markup, PageError> {
    crate::auth::require_page(peerstage_core::Permission::WriteCustomers)?;
    Ok({
        let mut f = Fields::new();
        f.push("lifecycle", "customer");
        account_form(
            "New account",
            "/accounts",
            "/accounts",
            &f,
            &FieldErrors::new(),
        )
    })
}

async fn create(State(st): State<AppState>, Form(f): Form) -> Result<Response, PageError> {
    crate::auth::require_page(peerstage_core::Permission::WriteCustomers)?;
    let data = match AccountData::from_fields(&f) {
        Ok(d) => d,
        Err(errors) => {
            return Ok(invalid(account_form(
                "New account",
                "/accounts",
                "/accounts",
                &f,
                &errors,
            )))
        }
    };
    match st.run(move |s| s.create_account(&data)).await {
        Ok(a) => Ok(redirect(format!("/accounts/{}?notice=created", a.id))),
        Err(e) => Ok(invalid(account_form(
            "New account",
            "/accounts",
            "/accounts",
            &f,
            &form_errors(e)?,
        ))),
    }
}

async fn edit_form(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    crate::auth::require_page(peerstage_core::Permission::WriteCustomers)?;
    let id = id_of(&id)?;
    let a = st.run(move |s| s.get_account(id)).await?;
    Ok(account_form(
        &format!("Edit {}", a.data.name),
        &format!("/accounts/{id}"),
        &format!("/accounts/{id}"),
        &a.data.to_fields(),
        &FieldErrors::new(),
    ))
}

async fn update(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    crate::auth::require_page(peerstage_core::Permission::WriteCustomers)?;
    let id = id_of(&id)?;
    let action = format!("/accounts/{id}");
    let data = match AccountData::from_fields(&f) {
        Ok(d) => d,
        Err(errors) => {
            return Ok(invalid(account_form(
                "Edit account",
                &action,
                &action,
                &f,
                &errors,
            )))
        }
    };
    match st.run(move |s| s.update_account(id, &data)).await {
        Ok(_) => Ok(redirect(format!("/accounts/{id}?notice=updated"))),
        Err(e) => Ok(invalid(account_form(
            "Edit account",
            &action,
            &action,
            &f,
            &form_errors(e)?,
        ))),
    }
}

async fn delete(State(st): State<AppState>, Path(id): Path<String>) -> Result<Response, PageError> {
    crate::auth::require_page(peerstage_core::Permission::WriteCustomers)?;
    let id = id_of(&id)?;
    st.run(move |s| s.delete_account(id)).await?;
    Ok(redirect("/accounts?notice=deleted".into()))
}

async fn show(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query,
) -> Result<Markup, PageError> {
    crate::auth::require_page(peerstage_core::Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    let tp_page: u32 = q.get("tp_page").parse().unwrap_or(1);
    let (a, contacts, touchpoints, commitments, nps, evidence) = st
        .run(move |s| {
            Ok((
                s.get_account(id)?,
                s.list_contacts(id)?,
                s.list_touchpoints(id, tp_page, 20)?,
                s.list_commitments(id)?,
                s.list_nps(id)?,
                s.list_evidence(&peerstage_core::evidence::EvidenceQuery {
                    account_id: Some(id),
                    page: 1,
                    per_page: 5,
                    descending: true,
                    ..Default::default()
                })?,
            ))
        })
        .await?;
    let d = &a.data;
    let financial = crate::auth::can(Permission::ReadFinancials);
    let writer = crate::auth::can(Permission::WriteCustomers);
    let nps_summary = NpsSummary::from_scores(nps.iter().map(|n| n.data.score));
    let today = chrono::Utc::now().date_naive();
    let tp_query = Fields::from_pairs([("tp_page", q.get("tp_page"))]);
    Ok(page(
        &d.name,
        "accounts",
        html! {
            div.page-head {
                div {
                    h1 { (d.name) }
                    p.subtitle { (d.industry.as_deref().unwrap_or("No industry")) " · " (d.city.as_deref().unwrap_or("")) (d.country.as_deref().map(|c| format!(", {c}")).unwrap_or_default()) " " (status_badges(&a)) }
                }
                // `@if`, not `div.actions[…]`: in maud that only toggles the class.
                @if writer { div.actions {
                    a.btn href=(format!("/accounts/{id}/edit")) { "Edit" }
                    form.inline method="post" action=(format!("/accounts/{id}/delete")) onsubmit="return confirm('Delete this account with its contacts, touchpoints, commitments and NPS responses?')" {
                        (crate::auth::csrf_field())
                        button.danger type="submit" { "Delete" }
                    }
                } }
            }
            (notice(q.get("notice")))
            @if d.at_risk { div.notice.error { strong { "At risk: " } (d.at_risk_reason.as_deref().unwrap_or("no reason given")) } }
            @if let Some(c) = &d.competitor_replaced { p.small { "Replaced " strong { (c) } " with us." } }
            div.grid {
                div.card.stat { div.label { "Annual revenue" } div.value { (money(d.annual_revenue)) } }
                @if financial {
                    div.card.stat { div.label { "Margin" } div.value { (money(a.margin)) }
                        div.note { "revenue − cost to serve " (format_amount(d.cost_to_serve)) " − discount " (format_amount(d.discount)) } }
                }
                div.card.stat { div.label { "NPS (" (count(nps_summary.responses)) " responses)" } div.value { (widgets::nps_value(nps_summary.nps)) } }
                div.card.stat { div.label { "Touchpoints" } div.value { (count(touchpoints.total)) } }
            }
            div.card {
                dl.facts {
                    dt { "External id" } dd { (d.external_id.as_deref().unwrap_or("—")) }
                    dt { "Region" } dd { (d.region.map(|r| r.label()).unwrap_or("—")) }
                    dt { "Segment" } dd { (d.segment.map(|s| s.label()).unwrap_or("—")) }
                    dt { "Employees" } dd { (d.employees.map(format_amount).unwrap_or_else(|| "—".into())) }
                    dt { "Lifecycle" } dd { (d.lifecycle.label()) }
                    dt { "Products" } dd { @if d.products.is_empty() { "—" } @else { (d.products.join(", ")) } }
                    dt { "Customer since" } dd { (widgets::date(d.customer_since)) }
                    dt { "Renewal" } dd { (widgets::date(d.renewal_date)) }
                    dt { "Owner" } dd { (d.owner.as_deref().unwrap_or("—")) }
                }
            }
            @if crate::auth::can(Permission::ReadPrivateNotes) {
                @if let Some(notes) = &d.private_notes { div.card { h3 { "Private notes" } p { (notes) } } }
            }
            h2 id="contacts" { "Contacts (" (contacts.len()) ")" }
            @if crate::auth::can(Permission::WriteCustomers) { div.actions { a.btn.secondary href=(format!("/accounts/{id}/contacts/new")) { "Add contact" } } }
            div.table-wrap { table {
                thead { tr { th { "Name" } th { "Title" } th.hide-narrow { "Role" } th.hide-narrow { "Email" } th { "Reference consent" } th {} } }
                tbody {
                    @for c in &contacts {
                        tr {
                            td { a href=(format!("/contacts/{}", c.id)) { (c.data.name) } (super::contacts::contact_badges(c)) }
                            td { (c.data.title.as_deref().unwrap_or("")) }
                            td.hide-narrow { (c.data.role.map(|r| r.label()).unwrap_or("")) }
                            td.hide-narrow { (c.data.email.as_deref().unwrap_or("")) }
                            td { span.badge.good[c.data.reference_consent == ReferenceConsent::Yes] { (c.data.reference_consent.label()) } }
                            td { @if writer { a href=(format!("/contacts/{}/edit", c.id)) { "Edit" } } }
                        }
                    }
                    @if contacts.is_empty() { tr { td colspan="6" .muted { "No contacts yet." } } }
                }
            } }
            h2 id="touchpoints" { "Touchpoints (" (count(touchpoints.total)) ")" }
            @if crate::auth::can(Permission::WriteTouchpoints) { div.actions { a.btn.secondary href=(format!("/accounts/{id}/touchpoints/new")) { "Add touchpoint" } } }
            div.table-wrap { table {
                thead { tr { th { "Date" } th { "Kind" } th.hide-narrow { "Staff" } th { "Contacts" } th { "Notes" } th {} } }
                tbody {
                    @for t in &touchpoints.items {
                        tr {
                            td.nowrap { (t.data.occurred_on.format("%Y-%m-%d").to_string()) }
                            td { (t.data.kind.label()) }
                            td.hide-narrow { (t.data.staff.as_deref().unwrap_or("")) }
                            td { (t.contact_names.join(", ")) }
                            td { (t.data.notes.as_deref().unwrap_or("")) }
                            td { @if writer { a href=(format!("/touchpoints/{}/edit", t.id)) { "Edit" } } }
                        }
                    }
                    @if touchpoints.items.is_empty() { (no_rows(6, touchpoints.total, "No touchpoints yet.")) }
                }
            } }
            // Also past the last page (a stale link), so the table's "pick a page below" has one.
            @if touchpoints.pages() > 1 || touchpoints.page > touchpoints.pages() {
                (pager(&format!("/accounts/{id}"), &tp_query, "tp_page", touchpoints.page, touchpoints.pages(), touchpoints.total))
            }
            h2 id="commitments" { "Commitments (" (commitments.len()) ")" }
            @if crate::auth::can(Permission::WriteCustomers) { div.actions { a.btn.secondary href=(format!("/accounts/{id}/commitments/new")) { "Add commitment" } } }
            div.table-wrap { table {
                thead { tr { th { "Commitment" } th { "Owner" } th { "Due" } th { "Status" } th {} } }
                tbody {
                    @for m in &commitments {
                        tr {
                            td { (m.data.description) }
                            td { (m.data.owner.as_deref().unwrap_or("")) }
                            td.nowrap { (widgets::date(m.data.due_on)) }
                            td {
                                @if m.data.is_overdue(today) { span.badge.bad { "Overdue" } }
                                @else if m.data.kept_on_time() { span.badge.good { "Kept on time" } }
                                @else { span.badge { (m.data.status.label()) } }
                                @if let Some(c) = m.data.closed_on { " " span.small.muted { (c.format("%Y-%m-%d").to_string()) } }
                            }
                            td { @if writer { a href=(format!("/commitments/{}/edit", m.id)) { "Edit" } } }
                        }
                    }
                    @if commitments.is_empty() { tr { td colspan="5" .muted { "No commitments recorded." } } }
                }
            } }
            h2 id="nps" { "NPS history" }
            @if crate::auth::can(Permission::WriteCustomers) { div.actions { a.btn.secondary href=(format!("/accounts/{id}/nps/new")) { "Record NPS response" } } }
            div.table-wrap { table {
                thead { tr { th { "Date" } th.num { "Score" } th { "Group" } th { "Contact" } th { "Comment" } th {} } }
                tbody {
                    @for n in &nps {
                        tr {
                            td.nowrap { (n.data.responded_on.format("%Y-%m-%d").to_string()) }
                            td.num { (n.data.score) }
                            td { span.badge.good[n.data.score >= 9].bad[n.data.score <= 6] { (n.bucket.label()) } }
                            td { (n.contact_name.as_deref().unwrap_or("")) }
                            td { (n.data.comment.as_deref().unwrap_or("")) }
                            td { @if writer {
                                form.inline method="post" action=(format!("/nps/{}/delete", n.id)) onsubmit="return confirm('Delete this response?')" {
                                    (crate::auth::csrf_field())
                                    button.secondary type="submit" { "Delete" }
                                }
                            } }
                        }
                    }
                    @if nps.is_empty() { tr { td colspan="6" .muted { "No NPS responses." } } }
                }
            } }
            h2 id="evidence" { "What they said" }
            div.actions {
                @if crate::auth::can(Permission::WriteEvidence) { a.btn.secondary href=(format!("/evidence/new?account_id={id}")) { "Add evidence" } }
                @if evidence.total > 0 { " " a href=(format!("/evidence?account_id={id}")) { "All " (count(evidence.total)) " items of evidence →" } }
            }
            div.table-wrap { table {
                thead { tr { th { "Date" } th { "What they said" } th { "Kind" } th.num { "Level" } } }
                tbody {
                    @for e in &evidence.items {
                        tr {
                            td.nowrap { (e.data.occurred_on.format("%Y-%m-%d").to_string()) }
                            td { a href=(format!("/evidence/{}", e.id)) { (e.data.body) } @if let Some(c) = &e.contact_name { br; span.small.muted { (c) } } }
                            td { (super::evidence::kind_badge(e.data.kind)) }
                            td.num { (super::evidence::level_badge(e.data.level)) }
                        }
                    }
                    @if evidence.items.is_empty() { (no_rows(4, evidence.total, "Nothing recorded yet. Notes on touchpoints and NPS comments appear here by themselves.")) }
                }
            } }
        },
    ))
}
