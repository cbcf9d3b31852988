//! Third-party educators and the buyer journey (B6): review sites and analyst firms with the
//! reviews advocates posted there, and the survey of where new customers learned about us.

use super::charts::bar_chart;
use super::layout::{notice, page};
use super::widgets::{count, enum_options, error_summary, input, money};
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
use peerstage_core::journey::{
    OtherSource, Review, ReviewData, SourceResponse, SourceResponseData, ThirdParty,
    ThirdPartyData, ThirdPartyKind,
};
use peerstage_core::{parse, FieldErrors, Fields, Permission};
use peerstage_store::{ReviewFilter, SourceReport, SourceRow};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/third-parties", get(third_parties).post(add_third_party))
        .route(
            "/third-parties/{id}",
            get(third_party).post(update_third_party),
        )
        .route("/third-parties/{id}/delete", post(delete_third_party))
        .route("/reviews/{id}/delete", post(delete_review))
        .route("/sources", get(sources))
        .route("/sources/responses", post(add_response))
        .route("/sources/responses/{id}/delete", post(delete_response))
}

/// The tabs of the stories section: stories, the buyer-journey survey, third parties.
pub(crate) fn subnav(active: &str) -> Markup {
    let tab = |key: &str, href: &str, label: &str| {
        html! { a href=(href) class=[(active == key).then_some("active")] { (label) } }
    };
    html! {
        nav.subnav aria-label="Stories and the buyer journey" {
            (tab("stories", "/stories", "Stories"))
            (tab("sources", "/sources", "Buyer journey"))
            (tab("third_parties", "/third-parties", "Review sites and analysts"))
        }
    }
}

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// Whole currency units, as the rest of the pages show money.
fn amount(v: f64) -> Markup {
    money(v.round() as i64)
}

/// "★★★★☆", readable by screen readers as "4 of 5".
pub(crate) fn stars(rating: i64) -> Markup {
    let r = rating.clamp(0, 5) as usize;
    html! { span.stars title=(format!("{r} of 5")) aria-label=(format!("{r} of 5 stars")) { ("★".repeat(r)) ("☆".repeat(5 - r)) } }
}

fn kind_badge(kind: &str) -> Markup {
    match ThirdPartyKind::parse(kind) {
        Ok(k) => html! { span.badge { (k.label()) } },
        Err(_) => html! { span.badge { "Other source" } },
    }
}

// ---- third parties ----

fn third_parties_page(
    list: &[ThirdParty],
    report: &SourceReport,
    f: &Fields,
    e: &FieldErrors,
    notice_key: &str,
) -> Markup {
    page(
        "Review sites and analysts",
        "stories",
        html! {
            (subnav("third_parties"))
            div.page-head {
                div { h1 { "Review sites and analysts" } p.subtitle { "Third-party educators buyers learn from, and the reviews our advocates post there" } }
            }
            (notice(notice_key))
            (error_summary(e))
            p.muted.small { "Buyers increasingly educate themselves on review sites and in analysts' communities before they talk to us. Find the ones your buyers use (the survey shows which) and encourage advocates to take part." }
            div.table-wrap { table {
                thead { tr { th { "Name" } th { "Kind" } th.hide-narrow { "Web site" } th.num { "Reviews" } th { "Average rating" } th.num { "New customers who named it" } th.num { "Revenue attributed" } } }
                tbody {
                    @for t in list {
                        @let row = report.third_party(t.id);
                        tr {
                            td { a href=(format!("/third-parties/{}", t.id)) { (t.data.name) } }
                            td { span.badge { (t.data.kind.label()) } }
                            td.hide-narrow { @if let Some(u) = &t.data.url { a href=(u) rel="noopener noreferrer" { (u) } } }
                            td.num { (t.review_count) }
                            td { @match t.average_rating { Some(r) => { (stars(r.round() as i64)) " " (format!("{r:.1}")) }, None => { span.muted { "—" } } } }
                            td.num { @match row { Some(r) => { (r.customers) " (" (percent(r.share)) ")" }, None => { "0" } } }
                            td.num { @match row { Some(r) => { (amount(r.revenue)) }, None => { (money(0)) } } }
                        }
                    }
                    @if list.is_empty() { tr { td colspan="7" .muted { "No review sites or analyst firms yet." } } }
                }
            } }
            @if can(Permission::ManageAdvocates) {
                div.card {
                    h2 { "Add a review site or analyst firm" }
                    form.stacked method="post" action="/third-parties" novalidate {
                        (csrf_field())
                        (input("name", "Name").required().text(f, e))
                        (input("kind", "Kind").required().select(f, e, &enum_options(ThirdPartyKind::ALL, ThirdPartyKind::as_str, ThirdPartyKind::label)))
                        (input("url", "Web site").hint("https://…").text(f, e))
                        div.form-actions { button type="submit" { "Add" } }
                    }
                }
            }
        },
    )
}

async fn load_third_parties(st: &AppState) -> Result<(Vec<ThirdParty>, SourceReport), PageError> {
    Ok(st
        .run(|s| Ok((s.list_third_parties()?, s.source_report(None, None)?)))
        .await?)
}

async fn third_parties(State(st): State<AppState>, Query(q): Query) -> Result<Markup, PageError> {
    require_page(Permission::ReadCustomers)?;
    let (list, report) = load_third_parties(&st).await?;
    let f = Fields::from_pairs([("kind", "review_site")]);
    Ok(third_parties_page(
        &list,
        &report,
        &f,
        &FieldErrors::new(),
        q.get("notice"),
    ))
}

async fn add_third_party(State(st): State<AppState>, Form(f): Form) -> Result<Response, PageError> {
    require_page(Permission::ManageAdvocates)?;
    let errors = match ThirdPartyData::from_fields(&f) {
        Ok(d) => match st.run(move |s| s.create_third_party(&d)).await {
            Ok(t) => return Ok(redirect(format!("/third-parties/{}?notice=created", t.id))),
            Err(e) => form_errors(e)?,
        },
        Err(e) => e,
    };
    let (list, report) = load_third_parties(&st).await?;
    Ok(invalid(third_parties_page(&list, &report, &f, &errors, "")))
}

struct ThirdPartyView {
    third_party: ThirdParty,
    reviews: Vec<Review>,
    responses: Vec<SourceResponse>,
    report: SourceReport,
}

async fn load_third_party(st: &AppState, id: i64) -> Result<ThirdPartyView, PageError> {
    Ok(st
        .run(move |s| {
            Ok(ThirdPartyView {
                third_party: s.get_third_party(id)?,
                reviews: s.list_reviews(&ReviewFilter {
                    third_party_id: Some(id),
                    ..Default::default()
                })?,
                responses: s.list_source_responses(Some(id), 50)?,
                report: s.source_report(None, None)?,
            })
        })
        .await?)
}

fn review_delete_button(r: &Review, back: &str) -> Markup {
    html! {
        form.inline method="post" action=(format!("/reviews/{}/delete", r.id)) onsubmit="return confirm('Delete this review?')" {
            (csrf_field())
            input type="hidden" name="back" value=(back);
            button.secondary type="submit" { "Delete" }
        }
    }
}

fn third_party_page(v: &ThirdPartyView, f: &Fields, e: &FieldErrors, notice_key: &str) -> Markup {
    let t = &v.third_party;
    let manage = can(Permission::ManageAdvocates);
    let row = v.report.third_party(t.id);
    page(
        &t.data.name,
        "stories",
        html! {
            (subnav("third_parties"))
            p.subtitle { a href="/third-parties" { "← Review sites and analysts" } }
            div.page-head {
                div {
                    h1 { (t.data.name) }
                    p.subtitle { (t.data.kind.label()) @if let Some(u) = &t.data.url { " · " a href=(u) rel="noopener noreferrer" { (u) } } }
                }
            }
            (notice(notice_key))
            (error_summary(e))
            div.grid {
                div.card.stat { div.label { "Reviews by our advocates" } div.value { (t.review_count) } div.note { @match t.average_rating { Some(r) => { "average " (format!("{r:.1}")) " of 5" }, None => { "none yet" } } } }
                div.card.stat.share { div.label { "Share of new customers" } div.value { (percent(row.map_or(0.0, |r| r.share))) } div.note { (row.map_or(0, |r| r.customers)) " of " (v.report.respondents) " who answered the survey named it" } }
                div.card.stat { div.label { "Revenue attributed" } div.value { (amount(row.map_or(0.0, |r| r.revenue))) } div.note { "annual revenue, split among the sources each customer named" } }
            }
            h2 { "Reviews" }
            div.table-wrap { table {
                thead { tr { th { "Date" } th { "Advocate" } th { "Customer" } th { "Rating" } th { "Review" } @if manage { th {} } } }
                tbody {
                    @for r in &v.reviews {
                        tr {
                            td.nowrap { (r.data.reviewed_on.format("%Y-%m-%d").to_string()) }
                            td { a href=(format!("/advocates/{}", r.data.contact_id)) { (r.contact_name) } }
                            td { a href=(format!("/accounts/{}", r.account_id)) { (r.account_name) } }
                            td.nowrap { (stars(r.data.rating)) }
                            td { @match (&r.data.link, &r.data.title) {
                                (Some(l), t) => { a href=(l) rel="noopener noreferrer" { (t.as_deref().unwrap_or("Read the review")) } },
                                (None, Some(t)) => { (t) },
                                (None, None) => { span.muted { "—" } },
                            } }
                            @if manage { td { (review_delete_button(r, "third_party")) } }
                        }
                    }
                    @if v.reviews.is_empty() { tr { td colspan="6" .muted { "No reviews recorded yet. Record one from an advocate's page." } } }
                }
            } }
            h2 { "New customers who named it" }
            div.table-wrap { table {
                thead { tr { th { "Answered" } th { "Customer" } } }
                tbody {
                    @for r in &v.responses {
                        tr {
                            td.nowrap { (r.data.responded_on.format("%Y-%m-%d").to_string()) }
                            td { a href=(format!("/accounts/{}", r.data.account_id)) { (r.account_name) } }
                        }
                    }
                    @if v.responses.is_empty() { tr { td colspan="2" .muted { "No survey answer names it yet." } } }
                }
            } }
            @if manage {
                details.card open[!e.is_empty()] {
                    summary { "Edit or delete" }
                    form.stacked method="post" action=(format!("/third-parties/{}", t.id)) novalidate {
                        (csrf_field())
                        (input("name", "Name").required().text(f, e))
                        (input("kind", "Kind").required().select(f, e, &enum_options(ThirdPartyKind::ALL, ThirdPartyKind::as_str, ThirdPartyKind::label)))
                        (input("url", "Web site").text(f, e))
                        div.form-actions { button type="submit" { "Save" } }
                    }
                    form.inline method="post" action=(format!("/third-parties/{}/delete", t.id)) onsubmit="return confirm('Delete it with its reviews and the survey answers that name it?')" {
                        (csrf_field())
                        button.danger type="submit" { "Delete " (t.data.name) }
                    }
                    p.small.muted { "Deleting it deletes its " (t.review_count) " reviews and the survey answers that name it." }
                }
            }
        },
    )
}

async fn third_party(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query,
) -> Result<Markup, PageError> {
    require_page(Permission::ReadCustomers)?;
    let v = load_third_party(&st, id_of(&id)?).await?;
    let f = v.third_party.data.to_fields();
    Ok(third_party_page(
        &v,
        &f,
        &FieldErrors::new(),
        q.get("notice"),
    ))
}

async fn update_third_party(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    require_page(Permission::ManageAdvocates)?;
    let id = id_of(&id)?;
    let errors = match ThirdPartyData::from_fields(&f) {
        Ok(d) => match st.run(move |s| s.update_third_party(id, &d)).await {
            Ok(_) => return Ok(redirect(format!("/third-parties/{id}?notice=updated"))),
            Err(e) => form_errors(e)?,
        },
        Err(e) => e,
    };
    let v = load_third_party(&st, id).await?;
    Ok(invalid(third_party_page(&v, &f, &errors, "")))
}

async fn delete_third_party(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    require_page(Permission::ManageAdvocates)?;
    let id = id_of(&id)?;
    st.run(move |s| s.delete_third_party(id)).await?;
    Ok(redirect("/third-parties?notice=deleted".into()))
}

async fn delete_review(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    require_page(Permission::ManageAdvocates)?;
    let id = id_of(&id)?;
    let r = st
        .run(move |s| {
            let r = s.get_review(id)?;
            s.delete_review(id)?;
            Ok(r)
        })
        .await?;
    Ok(redirect(match f.get("back") {
        "third_party" => format!("/third-parties/{}?notice=deleted", r.data.third_party_id),
        _ => format!("/advocates/{}?notice=deleted#reviews", r.data.contact_id),
    }))
}

// ---- reviews on an advocate's page ----

/// What the reviews section of an advocate's page shows.
pub(crate) struct AdvocateReviews {
    pub reviews: Vec<Review>,
    pub third_parties: Vec<(String, String)>,
    /// The stories the advocate tells (B5).
    pub stories: Vec<peerstage_core::story::Story>,
    pub account_id: i64,
}

pub(crate) async fn advocate_reviews(
    st: &AppState,
    contact_id: i64,
) -> Result<AdvocateReviews, PageError> {
    let (reviews, list, stories, account_id) = st
        .run(move |s| {
            Ok((
                s.list_reviews(&ReviewFilter {
                    contact_id: Some(contact_id),
                    ..Default::default()
                })?,
                s.list_third_parties()?,
                s.contact_stories(contact_id)?,
                s.get_contact(contact_id)?.data.account_id,
            ))
        })
        .await?;
    Ok(AdvocateReviews {
        reviews,
        stories,
        account_id,
        third_parties: list
            .into_iter()
            .map(|t| {
                (
                    t.id.to_string(),
                    format!("{} ({})", t.data.name, t.data.kind.label().to_lowercase()),
                )
            })
            .collect(),
    })
}

/// The section on an advocate's page: their reviews and a form to record one. `typed` holds
/// a review form sent back with errors.
pub(crate) fn advocate_reviews_section(
    contact_id: i64,
    panel: &AdvocateReviews,
    errors: &FieldErrors,
    typed: &Fields,
) -> Markup {
    let manage = can(Permission::ManageAdvocates);
    let today = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let f = if typed.has("rating") {
        typed.clone()
    } else {
        Fields::from_pairs([("reviewed_on", today.as_str()), ("rating", "5")])
    };
    let ratings: Vec<(String, String)> = (1..=5)
        .rev()
        .map(|r| (r.to_string(), format!("{r} of 5")))
        .collect();
    html! {
        h2 id="stories" { "Stories they tell" }
        @if panel.stories.is_empty() {
            p.muted { "None yet." @if manage { " " a href=(format!("/stories/new?account_id={}", panel.account_id)) { "Write one with them" } } }
        } @else {
            ul { @for s in &panel.stories { li {
                a href=(format!("/stories/{}", s.id)) { (s.data.title) } " "
                span.muted.small { (s.data.stage.label()) " · " (s.data.approval.label()) } " "
                (super::stories::spin_badge(s))
            } } }
        }
        h2 id="reviews" { "Reviews on third-party sites" }
        p.small.muted { "Buyers educate themselves on review sites and in analysts' communities; reviews by peers count there more than anything we say." }
        div.table-wrap { table {
            thead { tr { th { "Date" } th { "Where" } th { "Rating" } th { "Review" } @if manage { th {} } } }
            tbody {
                @for r in &panel.reviews {
                    tr {
                        td.nowrap { (r.data.reviewed_on.format("%Y-%m-%d").to_string()) }
                        td { a href=(format!("/third-parties/{}", r.data.third_party_id)) { (r.third_party_name) } }
                        td.nowrap { (stars(r.data.rating)) }
                        td { @match (&r.data.link, &r.data.title) {
                            (Some(l), t) => { a href=(l) rel="noopener noreferrer" { (t.as_deref().unwrap_or("Read the review")) } },
                            (None, Some(t)) => { (t) },
                            (None, None) => { span.muted { "—" } },
                        } }
                        @if manage { td { (review_delete_button(r, "advocate")) } }
                    }
                }
                @if panel.reviews.is_empty() { tr { td colspan="5" .muted { "No reviews recorded." } } }
            }
        } }
        @if manage {
            details open[typed.has("rating")] { summary { "Record a review" }
                @if panel.third_parties.is_empty() {
                    p.muted { "Add the review site or analyst firm first, under " a href="/third-parties" { "Stories → Review sites and analysts" } "." }
                } @else {
                    form.stacked method="post" action=(format!("/advocates/{contact_id}/reviews")) novalidate {
                        (csrf_field())
                        (input("third_party_id", "Where").required().select(&f, errors, &panel.third_parties))
                        (input("reviewed_on", "Date").kind("date").required().text(&f, errors))
                        (input("rating", "Rating").required().select(&f, errors, &ratings))
                        (input("title", "Title").text(&f, errors))
                        (input("link", "Link").hint("https://… the review itself").text(&f, errors))
                        div.form-actions { button type="submit" { "Record" } }
                    }
                }
            }
        }
    }
}

/// A review from the advocate page's form, for `contact_id`.
pub(crate) fn review_from_form(contact_id: i64, f: &Fields) -> Result<ReviewData, FieldErrors> {
    let mut fields = f.clone();
    fields.set("contact_id", contact_id.to_string());
    fields.0.retain(|(k, _)| k != "external_id" && k != "csrf");
    ReviewData::from_fields(&fields)
}

// ---- the survey ----

struct SourcesView {
    report: SourceReport,
    responses: Vec<SourceResponse>,
    customers: Vec<(String, String)>,
    sources: Vec<(String, String)>,
}

async fn load_sources(st: &AppState, q: &Fields) -> Result<(SourcesView, FieldErrors), PageError> {
    let mut e = FieldErrors::new();
    let since = e
        .check("since", parse::optional_date(q.get("since")))
        .flatten();
    let until = e
        .check("until", parse::optional_date(q.get("until")))
        .flatten();
    let v = st
        .run(move |s| {
            let third = s.list_third_parties()?;
            let mut sources: Vec<(String, String)> = third
                .iter()
                .map(|t| {
                    (
                        t.data.name.clone(),
                        format!("{} ({})", t.data.name, t.data.kind.label().to_lowercase()),
                    )
                })
                .collect();
            sources.extend(
                OtherSource::ALL
                    .iter()
                    .map(|o| (o.as_str().to_string(), o.label().to_string())),
            );
            Ok(SourcesView {
                report: s.source_report(since, until)?,
                responses: s.list_source_responses(None, 50)?,
                customers: s
                    .customer_choices(None)?
                    .into_iter()
                    .map(|(id, n)| (id.to_string(), n))
                    .collect(),
                sources,
            })
        })
        .await?;
    Ok((v, e))
}

fn source_table(rows: &[SourceRow], report: &SourceReport) -> Markup {
    html! {
        div.table-wrap { table.sources {
            thead { tr { th { "Source" } th { "Kind" } th.num { "Customers" } th.num { "Share of customers" } th.num { "Revenue attributed" } } }
            tbody {
                @for r in rows {
                    tr {
                        td { @match r.third_party_id { Some(id) => { a href=(format!("/third-parties/{id}")) { (r.name) } }, None => { (r.name) } } }
                        td { (kind_badge(&r.kind)) }
                        td.num { (r.customers) }
                        td.num { (percent(r.share)) }
                        td.num { (amount(r.revenue)) }
                    }
                }
                @if rows.is_empty() { tr { td colspan="5" .muted { "No survey answers in this period." } } }
            }
            @if !rows.is_empty() {
                tfoot { tr { th { "All who answered" } th {} th.num { (report.respondents) } th.num { "100%" } th.num { (money(report.total_revenue)) } } }
            }
        } }
    }
}

fn sources_page(
    v: &SourcesView,
    q: &Fields,
    f: &Fields,
    e: &FieldErrors,
    notice_key: &str,
) -> Markup {
    let r = &v.report;
    let manage = can(Permission::ManageAdvocates);
    let share_bars: Vec<(String, f64)> = r
        .sources
        .iter()
        .map(|s| (s.name.clone(), (s.share * 1000.0).round() / 10.0))
        .collect();
    let revenue_bars: Vec<(String, f64)> = r
        .sources
        .iter()
        .map(|s| (s.name.clone(), s.revenue.round()))
        .collect();
    let via = if r.respondents > 0 {
        r.via_third_parties as f64 / r.respondents as f64
    } else {
        0.0
    };
    page(
        "Buyer journey",
        "stories",
        html! {
            (subnav("sources"))
            div.page-head {
                div { h1 { "Buyer journey" } p.subtitle { "Where new customers learned about us, and the revenue each source brought" } }
                @if can(Permission::ImportExport) { div.actions { a.btn.secondary href="/transfer" { "Import survey answers" } } }
            }
            (notice(notice_key))
            (error_summary(e))
            form.filters method="get" action="/sources" {
                label { "Answered from" input type="date" name="since" value=(q.get("since")); }
                label { "to" input type="date" name="until" value=(q.get("until")); }
                button type="submit" { "Show" }
                a href="/sources" { "All time" }
            }
            div.grid {
                div.card.stat { div.label { "New customers who answered" } div.value { (count(r.respondents)) } div.note { (count(r.responses)) " sources named" } }
                div.card.stat { div.label { "Named a review site or analyst" } div.value { (percent(via)) } div.note { (count(r.via_third_parties)) " customers" } }
                div.card.stat { div.label { "Revenue through third parties" } div.value { (amount(r.third_party_revenue)) } div.note { "of " (money(r.total_revenue)) " from those who answered" } }
            }
            p.small.muted { "A customer who named several sources counts once for each, so shares can add up to more than 100%; their annual revenue is split equally among the sources they named, so revenue adds up to the total." }
            div.grid.two {
                div.card {
                    (bar_chart("Share of new customers by source (%)", &share_bars, "#2f5bd3"))
                }
                div.card {
                    (bar_chart("Annual revenue attributed by source", &revenue_bars, "#1f8a4c"))
                }
            }
            h2 { "The numbers" }
            (source_table(&r.sources, r))
            @if manage {
                div.card {
                    h2 { "Record a survey answer" }
                    p.small.muted { "One answer per source a customer named. Ask new customers where they learned about us; buyers' journeys change faster than we think." }
                    form.stacked method="post" action="/sources/responses" novalidate {
                        (csrf_field())
                        (input("account_id", "Customer").required().select(f, e, &v.customers))
                        (input("source", "Source").required().select(f, e, &v.sources))
                        (input("responded_on", "Answered on").kind("date").required().text(f, e))
                        div.form-actions { button type="submit" { "Record" } }
                    }
                }
            }
            h2 { "Latest answers" }
            div.table-wrap { table {
                thead { tr { th { "Answered" } th { "Customer" } th { "Source" } @if manage { th {} } } }
                tbody {
                    @for a in &v.responses {
                        tr {
                            td.nowrap { (a.data.responded_on.format("%Y-%m-%d").to_string()) }
                            td { a href=(format!("/accounts/{}", a.data.account_id)) { (a.account_name) } }
                            td { @match a.data.third_party_id { Some(id) => { a href=(format!("/third-parties/{id}")) { (a.source) } }, None => { (a.source) } } }
                            @if manage { td {
                                form.inline method="post" action=(format!("/sources/responses/{}/delete", a.id)) onsubmit="return confirm('Delete this answer?')" {
                                    (csrf_field())
                                    button.secondary type="submit" { "Delete" }
                                }
                            } }
                        }
                    }
                    @if v.responses.is_empty() { tr { td colspan="4" .muted { "No answers yet." } } }
                }
            } }
        },
    )
}

async fn sources(State(st): State<AppState>, Query(q): Query) -> Result<Response, PageError> {
    require_page(Permission::ReadCustomers)?;
    let (v, e) = load_sources(&st, &q).await?;
    let today = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let f = Fields::from_pairs([("responded_on", today)]);
    let body = sources_page(&v, &q, &f, &e, q.get("notice"));
    Ok(if e.is_empty() {
        axum::response::IntoResponse::into_response(body)
    } else {
        invalid(body)
    })
}

async fn add_response(State(st): State<AppState>, Form(f): Form) -> Result<Response, PageError> {
    require_page(Permission::ManageAdvocates)?;
    let mut e = FieldErrors::new();
    let account = e
        .check(
            "account_id",
            parse::optional_int(f.get("account_id"), 1, i64::MAX)
                .and_then(|a| a.ok_or_else(|| "is required: choose the customer".to_string())),
        )
        .unwrap_or(0);
    let lookup = st.run(|s| s.third_party_lookup()).await?;
    let mut fields = f.clone();
    fields.0.retain(|(k, _)| k != "external_id");
    let errors = match SourceResponseData::from_fields(account, &fields, &lookup) {
        Ok(d) if e.is_empty() => match st.run(move |s| s.create_source_response(&d)).await {
            Ok(_) => return Ok(redirect("/sources?notice=created".into())),
            Err(err) => form_errors(err)?,
        },
        Ok(_) => e,
        Err(more) => {
            e.0.extend(more.0);
            e
        }
    };
    let (v, _) = load_sources(&st, &Fields::new()).await?;
    Ok(invalid(sources_page(&v, &Fields::new(), &f, &errors, "")))
}

async fn delete_response(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    require_page(Permission::ManageAdvocates)?;
    let id = id_of(&id)?;
    st.run(move |s| s.delete_source_response(id)).await?;
    Ok(redirect("/sources?notice=deleted".into()))
}
