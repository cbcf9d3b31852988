//! Search (C3), themes (C4) and customer language (C5) pages: `/search` with filters and
//! highlighted matches, `/themes` with volume, trend, sentiment, accounts and revenue,
//! `/themes/{id}` with rename, merge, split and pinned tags, and `/language` with the glossary.

use super::charts::{column_chart, sparkline, Series};
use super::evidence::{kind_badge, level_badge, voc_subnav};
use super::layout::page;
use super::widgets::{count, enum_options, error_summary, input, money, pager, with_params};
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
use peerstage_core::evidence::{EvidenceKind, LEVELS};
use peerstage_core::language::LanguageReport;
use peerstage_core::search::{excerpt, Fragment, SearchQuery, SearchResults, RANK_WINDOW};
use peerstage_core::{FieldErrors, Fields, Permission, Segment};
use peerstage_store::themes::GLOSSARY_CATEGORIES;
use peerstage_store::{GlossaryEntry, Theme, ThemeAccount, ThemeBrief, ThemeMember, ThemeRun};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/search", get(search))
        .route("/themes", get(themes).post(create_theme))
        .route("/themes/refresh", post(refresh))
        .route("/themes/{id}", get(theme))
        .route("/themes/{id}/rename", post(rename))
        .route("/themes/{id}/merge", post(merge))
        .route("/themes/{id}/split", post(split))
        .route("/themes/{id}/pin-tag", post(pin_tag))
        .route("/themes/{id}/unpin-tag", post(unpin_tag))
        .route("/language", get(language))
        .route("/language/glossary", post(add_term))
        .route("/language/glossary/{id}/delete", post(delete_term))
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Matched words in `<mark>`; every piece is escaped by maud.
pub(crate) fn highlighted(frags: &[Fragment]) -> Markup {
    html! {
        @for f in frags {
            @if f.hit { mark { (f.text) } } @else { (f.text) }
        }
    }
}

fn sentiment_badge(s: f64) -> Markup {
    let label = peerstage_core::sentiment::label(s);
    html! { span class=(format!("sentiment {label}")) title=(format!("{s:+.2} on a scale of −1 to 1")) { (label) " " (format!("{s:+.2}")) } }
}

/// The dashboard's card of the largest themes (E3), with a quote each.
pub(crate) fn top_themes_card(list: &[ThemeBrief]) -> Markup {
    html! {
        div.card {
            h3 { "Top themes in customer feedback" }
            @if list.is_empty() {
                p.muted { "No themes yet. " a href="/themes" { "Find themes" } " once there is evidence." }
            } @else {
                table {
                    tbody {
                        @for t in list {
                            tr {
                                td {
                                    a href=(format!("/themes/{}", t.id)) { (t.label) }
                                    @if let Some(q) = &t.quote { br; span.small.muted { "“" (excerpt_text(q, 120)) "”" } }
                                }
                                td.num { (t.volume) }
                            }
                        }
                    }
                }
            }
            p.small { a href="/themes" { "All themes →" } " · " a href="/search" { "Search what customers said →" } }
        }
    }
}

// ---- C3 search ----

async fn search(State(st): State<AppState>, Query(q): Query) -> Result<Markup, PageError> {
    require_page(Permission::ReadCustomers)?;
    let (query, errors) = match SearchQuery::from_fields(&q) {
        Ok(query) => (Some(query), FieldErrors::new()),
        Err(e) => (None, e),
    };
    let run = query.clone().filter(|q| !q.words().is_empty());
    let (results, facets, theme_list) = st
        .run(move |s| {
            let results = match &run {
                Some(q) => Some(s.search(q)?),
                None => None,
            };
            let facets = s.search_facet_values()?;
            let themes: Vec<(i64, String)> = s
                .top_themes(200)?
                .into_iter()
                .map(|t| (t.id, t.label))
                .collect();
            Ok((results, facets, themes))
        })
        .await?;
    let opts = |v: &[String]| v.iter().map(|x| (x.clone(), x.clone())).collect::<Vec<_>>();
    let theme_opts: Vec<(String, String)> = theme_list
        .iter()
        .map(|(id, l)| (id.to_string(), l.clone()))
        .collect();
    let level_opts: Vec<(String, String)> = LEVELS
        .iter()
        .map(|(l, label)| (l.to_string(), format!("{l} — {label}")))
        .collect();
    Ok(page(
        "Search",
        "voice",
        html! {
            (voc_subnav("search"))
            div.page-head {
                div { h1 { "Search" } p.subtitle { "Every piece of customer evidence, best matches first. Every word must occur; “reports” also finds “reporting”." } }
            }
            (error_summary(&errors))
            form.filters method="get" action="/search" role="search" {
                (input("q", "Words").kind("search").wide().text(&q, &errors))
                (input("account_id", "Account id").text(&q, &errors))
                (input("segment", "Segment").select(&q, &errors, &enum_options(Segment::ALL, Segment::as_str, Segment::label)))
                (input("industry", "Industry").select(&q, &errors, &opts(&facets.0)))
                (input("kind", "Kind").select(&q, &errors, &enum_options(EvidenceKind::ALL, EvidenceKind::as_str, EvidenceKind::label)))
                (input("level", "Research level").select(&q, &errors, &level_opts))
                (input("theme_id", "Theme").select(&q, &errors, &theme_opts))
                (input("tag", "Tag").select(&q, &errors, &opts(&facets.1)))
                (input("from", "From").kind("date").text(&q, &errors))
                (input("to", "To").kind("date").text(&q, &errors))
                button type="submit" { "Search" }
                a href="/search" { "Clear" }
            }
            @match (&results, &query) {
                (Some(r), Some(query)) => { (results_list(r, query, &q)) }
                _ => {
                    @if errors.is_empty() { p.muted { "Type a few words a customer might have used, such as “offline sync” or “renewal price”." } }
                }
            }
        },
    ))
}

fn results_list(r: &SearchResults, query: &SearchQuery, q: &Fields) -> Markup {
    html! {
        p.subtitle role="status" {
            @if r.total == 0 {
                "No evidence mentions " (r.words.join(" and "))
                @if query.filter_count() > 0 { " with these filters" }
                "."
            } @else {
                @if r.more { "More than " }
                (count(r.total)) " item" @if r.total != 1 { "s" } " mention " (r.words.join(" and "))
                @if r.more { " — the newest " (RANK_WINDOW) " are ranked by relevance." }
            }
        }
        @if !r.hits.is_empty() {
            ol.results start=(((r.page - 1) * r.per_page) + 1) {
                @for h in &r.hits {
                    li.result {
                        p.quote { (highlighted(&excerpt(&h.fragments, 320))) }
                        p.small.muted {
                            a href=(format!("/evidence/{}", h.evidence_id)) { "Evidence " (h.evidence_id) }
                            " · " (h.date.format("%Y-%m-%d").to_string()) " · "
                            (kind_badge(h.kind)) " " (level_badge(h.level)) " " (sentiment_badge(h.sentiment))
                            @if let (Some(id), Some(name)) = (h.account_id, &h.account_name) { " · " a href=(format!("/accounts/{id}")) { (name) } }
                            @if let (Some(id), Some(label)) = (h.theme_id, &h.theme_label) { " · theme " a href=(format!("/themes/{id}")) { (label) } }
                            @for t in &h.tags { " " a.badge href=(with_params("/search", q, &[("tag", t.clone()), ("page", String::new())])) { (t) } }
                        }
                    }
                }
            }
            (pager("/search", q, "page", r.page, r.pages(), r.total))
        }
    }
}

// ---- C4 themes ----

fn trend_cell(t: &Theme) -> Markup {
    let title = format!(
        "{} items in the last three months, {} in the three before",
        t.months[9..].iter().map(|m| m.items).sum::<u64>(),
        t.months[6..9].iter().map(|m| m.items).sum::<u64>()
    );
    html! {
        span title=(title) class=(if t.trend > 0 { "neg" } else { "" }) {
            @if t.trend > 0 { "▲ " } @else if t.trend < 0 { "▼ " }
            (format!("{:+}", t.trend))
        }
    }
}

fn last_run(run: &Option<ThemeRun>) -> Markup {
    html! {
        @match run {
            Some(r) => {
                p.small.muted {
                    "Last run " (r.created_at.format("%Y-%m-%d %H:%M UTC").to_string()) " over " (r.items) " items: "
                    (r.themes) " themes (" (r.kept) " continued, " (r.created) " new, " (r.removed) " gone) in "
                    (format!("{:.1}", r.millis as f64 / 1000.0)) " s"
                    @if let Some(s) = r.silhouette { ", silhouette " (format!("{s:.2}")) }
                    "."
                }
            }
            None => { p.muted { "Themes have not been found yet." } }
        }
    }
}

async fn themes(State(st): State<AppState>, Query(q): Query) -> Result<Markup, PageError> {
    require_page(Permission::ReadCustomers)?;
    themes_page(&st, &q, &Fields::new(), &FieldErrors::new()).await
}

/// The themes list; `form` and `errors` belong to the "new theme" form.
async fn themes_page(
    st: &AppState,
    q: &Fields,
    form: &Fields,
    errors: &FieldErrors,
) -> Result<Markup, PageError> {
    let (list, run) = st
        .run(move |s| Ok((s.list_themes(today())?, s.last_theme_run()?)))
        .await?;
    let financial = can(Permission::ReadFinancials);
    let manage = can(Permission::ManageInsights);
    let months: Vec<String> = list
        .first()
        .map(|t| t.months.iter().map(|m| m.month.clone()).collect())
        .unwrap_or_default();
    let top: Vec<&Theme> = list.iter().take(6).collect();
    let colors = [
        "#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2",
    ];
    let series: Vec<Series> = top
        .iter()
        .enumerate()
        .map(|(i, t)| Series {
            name: &t.label,
            color: colors[i % colors.len()],
            values: t.months.iter().map(|m| Some(m.items as f64)).collect(),
        })
        .collect();
    Ok(page(
        "Themes",
        "voice",
        html! {
            (voc_subnav("themes"))
            div.page-head {
                div { h1 { "Themes" } p.subtitle { "What customers talk about, in their own words: grouped automatically, named by you." } }
                @if manage {
                    form.inline method="post" action="/themes/refresh" {
                        (csrf_field())
                        button type="submit" title="Groups all evidence again; themes you named keep their names" { "Re-run themes" }
                    }
                }
            }
            @if q.get("notice") == "refreshed" { div.notice.ok role="status" { "Themes found again. Themes you named kept their names." } }
            @if q.get("notice") == "merged" { div.notice.ok role="status" { "Themes merged." } }
            (last_run(&run))
            @if manage {
                details open[!errors.is_empty()] {
                    summary { "New theme by hand" }
                    form method="post" action="/themes" {
                        (csrf_field())
                        (input("label", "Name").required().text(form, errors))
                        button type="submit" { "Create" }
                    }
                    p.small.muted { "Then pin tags or items to it. Themes made by hand stay through re-runs." }
                }
            }
            @if list.is_empty() {
                p.muted { "No themes yet. Add evidence, then re-run themes." }
            } @else {
                (column_chart("Items per month, largest themes", &months, &series, true))
                div.table-wrap { table.sortable {
                    thead { tr {
                        th { "Theme" } th.num { "Items" } th { "Last 12 months" } th.num { "Trend" } th { "Sentiment" } th.num { "Accounts" }
                        @if financial { th.num { "Revenue affected" } }
                        th.hide-narrow { "Customers say" }
                    } }
                    tbody {
                        @for t in &list {
                            tr {
                                td {
                                    a href=(format!("/themes/{}", t.id)) { (t.label) }
                                    @if t.named { " " span.badge title="Named by a person; re-runs keep the name" { "named" } }
                                    @for tag in &t.tags { " " span.badge title="Pinned tag" { "#" (tag) } }
                                }
                                td.num { (t.volume) }
                                td { (sparkline(&format!("{}: items per month", t.label), &t.months.iter().map(|m| Some(m.items as f64)).collect::<Vec<_>>())) }
                                td.num { (trend_cell(t)) }
                                td { (sentiment_badge(t.sentiment)) }
                                td.num { (t.accounts) }
                                @if financial { td.num { (money(t.revenue)) } }
                                td.hide-narrow.small { @if let Some(q) = t.quotes.first() { "“" (excerpt_text(&q.text, 140)) "”" } }
                            }
                        }
                    }
                } }
            }
        },
    ))
}

fn excerpt_text(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        s.chars().take(max).collect::<String>() + "…"
    }
}

async fn create_theme(State(st): State<AppState>, Form(f): Form) -> Result<Response, PageError> {
    require_page(Permission::ManageInsights)?;
    let form = f.clone();
    match st.run(move |s| s.create_theme(f.get("label"))).await {
        Ok(id) => Ok(redirect(format!("/themes/{id}?notice=created"))),
        Err(e) => {
            let errors = form_errors(e)?;
            Ok(invalid(
                themes_page(&st, &Fields::new(), &form, &errors).await?,
            ))
        }
    }
}

async fn refresh(State(st): State<AppState>) -> Result<Response, PageError> {
    require_page(Permission::ManageInsights)?;
    st.run(move |s| s.refresh_themes(&Default::default(), &mut |_| {}))
        .await?;
    Ok(redirect("/themes?notice=refreshed".into()))
}

struct ThemeView {
    theme: Theme,
    members: peerstage_core::account::Page<ThemeMember>,
    accounts: Vec<ThemeAccount>,
    others: Vec<(i64, String)>,
    tags: Vec<String>,
}

async fn load_theme(st: &AppState, id: i64, page_no: u32) -> Result<ThemeView, PageError> {
    Ok(st
        .run(move |s| {
            let theme = s.get_theme(id, today())?;
            let members = s.theme_members(id, page_no, 25)?;
            let accounts = s.theme_accounts(id)?;
            let others = s
                .top_themes(500)?
                .into_iter()
                .filter(|t| t.id != id)
                .map(|t| (t.id, t.label))
                .collect();
            let tags = s.search_facet_values()?.1;
            Ok(ThemeView {
                theme,
                members,
                accounts,
                others,
                tags,
            })
        })
        .await?)
}

fn theme_page(
    v: &ThemeView,
    q: &Fields,
    form: &Fields,
    errors: &FieldErrors,
    which: &str,
) -> Markup {
    let t = &v.theme;
    let id = t.id;
    let manage = can(Permission::ManageInsights);
    let financial = can(Permission::ReadFinancials);
    let months: Vec<String> = t.months.iter().map(|m| m.month.clone()).collect();
    let errs = |name: &str| {
        if which == name {
            errors.clone()
        } else {
            FieldErrors::new()
        }
    };
    let val = |name: &str| {
        if which == name {
            form.clone()
        } else {
            Fields::new()
        }
    };
    let mut rename_form = val("rename");
    if rename_form.get("label").is_empty() {
        rename_form.push("label", t.label.clone());
    }
    page(
        &t.label,
        "voice",
        html! {
            (voc_subnav("themes"))
            p.subtitle { a href="/themes" { "← Themes" } }
            div.page-head {
                div {
                    h1 { (t.label) }
                    p.subtitle {
                        (t.volume) " items · " (t.accounts) " accounts"
                        @if financial { " · " (money(t.revenue)) " annual revenue affected" }
                        " · " (sentiment_badge(t.sentiment))
                        @if t.named { " · " span.badge { "named" } }
                    }
                }
                div.actions { a.button href=(format!("/search?theme_id={id}")) { "Search in this theme" } }
            }
            @match q.get("notice") {
                "renamed" => { div.notice.ok role="status" { "Renamed. Re-runs keep this name." } }
                "created" => { div.notice.ok role="status" { "Theme created. Pin a tag to fill it." } }
                "merged" => { div.notice.ok role="status" { "Merged into this theme." } }
                "split" => { div.notice.ok role="status" { "Split off into this new theme; its items are pinned here." } }
                "pinned" => { div.notice.ok role="status" { "Tag pinned: its items belong to this theme from now on." } }
                "unpinned" => { div.notice.ok role="status" { "Tag unpinned; the next re-run places its items." } }
                _ => {}
            }
            @if !t.phrases.is_empty() {
                p { "Customers say: " @for (i, p) in t.phrases.iter().enumerate() { @if i > 0 { ", " } "“" (p) "”" } }
            }
            div.grid.two {
                div.card {
                    (column_chart("Items per month", &months, &[Series { name: "Items", color: "#2563eb", values: t.months.iter().map(|m| Some(m.items as f64)).collect() }], false))
                    table.small { thead { tr { th { "Month" } th.num { "Items" } } } tbody { @for m in &t.months { tr { td { (m.month) } td.num { (m.items) } } } } }
                }
                div.card {
                    h2 { "Representative quotes" }
                    @for qt in &t.quotes {
                        blockquote {
                            p { (qt.text) }
                            footer.small.muted { a href=(format!("/evidence/{}", qt.evidence_id)) { (qt.date.format("%Y-%m-%d").to_string()) } @if let Some(a) = &qt.account_name { " · " (a) } }
                        }
                    }
                    @if t.quotes.is_empty() { p.muted { "No quotes." } }
                }
            }
            h2 { "Accounts affected" }
            div.table-wrap { table.sortable {
                thead { tr { th { "Account" } th.num { "Items" } @if financial { th.num { "Annual revenue" } } } }
                tbody {
                    @for a in &v.accounts {
                        tr { td { a href=(format!("/accounts/{}", a.account_id)) { (a.name) } } td.num { (a.items) } @if financial { td.num { (money(a.annual_revenue)) } } }
                    }
                    @if v.accounts.is_empty() { tr { td colspan="3" .muted { "No account is linked to these items." } } }
                }
            } }
            h2 { "Items" }
            div.table-wrap { table {
                thead { tr { th { "Date" } th { "What the customer said" } th { "Kind" } th { "Sentiment" } th { "Account" } } }
                tbody {
                    @for m in &v.members.items {
                        tr {
                            td.nowrap { a href=(format!("/evidence/{}", m.evidence_id)) { (m.date.format("%Y-%m-%d").to_string()) } }
                            td { (excerpt_text(&m.text, 240)) @if m.pinned { " " span.badge title="Pinned to this theme by a person or a pinned tag" { "pinned" } } }
                            td { @if let Ok(k) = EvidenceKind::parse(&m.kind) { (kind_badge(k)) } }
                            td { (sentiment_badge(m.sentiment)) }
                            td { @if let (Some(id), Some(n)) = (m.account_id, &m.account_name) { a href=(format!("/accounts/{id}")) { (n) } } }
                        }
                    }
                }
            } }
            (pager(&format!("/themes/{id}"), q, "page", v.members.page, v.members.pages(), v.members.total))
            @if manage {
                h2 { "Shape this theme" }
                div.grid.two {
                    form.card method="post" action=(format!("/themes/{id}/rename")) {
                        h3 { "Rename" }
                        (csrf_field())
                        (input("label", "Name").required().text(&rename_form, &errs("rename")))
                        button type="submit" { "Rename" }
                    }
                    form.card method="post" action=(format!("/themes/{id}/merge")) {
                        h3 { "Merge another theme into this one" }
                        (csrf_field())
                        (input("from", "Theme to merge in").required().select(&val("merge"), &errs("merge"), &v.others.iter().map(|(i, l)| (i.to_string(), l.clone())).collect::<Vec<_>>()))
                        button type="submit" { "Merge" }
                    }
                    form.card method="post" action=(format!("/themes/{id}/split")) {
                        h3 { "Split off" }
                        p.small.muted { "Items that mention any of these words move to a new theme, pinned there." }
                        (csrf_field())
                        (input("words", "Words").required().hint("e.g. salesforce, crm").text(&val("split"), &errs("split")))
                        (input("label", "New theme's name").required().text(&val("split"), &errs("split")))
                        button type="submit" { "Split" }
                    }
                    form.card method="post" action=(format!("/themes/{id}/pin-tag")) {
                        h3 { "Pin a tag" }
                        p.small.muted { "Every item with this tag belongs to this theme, also after re-runs." }
                        (csrf_field())
                        (input("tag", "Tag").required().select(&val("pin"), &errs("pin"), &v.tags.iter().map(|x| (x.clone(), x.clone())).collect::<Vec<_>>()))
                        button type="submit" { "Pin" }
                        @for tag in &t.tags {
                            p.small { "Pinned: #" (tag) " "
                                button.link type="submit" formaction=(format!("/themes/{id}/unpin-tag?tag={}", urlencode(tag))) { "unpin" }
                            }
                        }
                    }
                }
            }
        },
    )
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn theme(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query,
) -> Result<Markup, PageError> {
    require_page(Permission::ReadCustomers)?;
    let id = id_of(&id)?;
    let page_no = q.get("page").parse().unwrap_or(1);
    let v = load_theme(&st, id, page_no).await?;
    Ok(theme_page(&v, &q, &Fields::new(), &FieldErrors::new(), ""))
}

/// Runs a theme change; on a problem with the input, shows the page again with it.
async fn theme_change(
    st: AppState,
    id: i64,
    form: Fields,
    which: &'static str,
    change: impl FnOnce(&peerstage_store::Store, &Fields) -> peerstage_store::Result<String>
        + Send
        + 'static,
) -> Result<Response, PageError> {
    require_page(Permission::ManageInsights)?;
    let f = form.clone();
    match st.run(move |s| change(s, &f)).await {
        Ok(to) => Ok(redirect(to)),
        Err(e) => {
            let errors = form_errors(e)?;
            let v = load_theme(&st, id, 1).await?;
            Ok(invalid(theme_page(
                &v,
                &Fields::new(),
                &form,
                &errors,
                which,
            )))
        }
    }
}

async fn rename(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    let id = id_of(&id)?;
    theme_change(st, id, f, "rename", move |s, f| {
        s.rename_theme(id, f.get("label"))?;
        Ok(format!("/themes/{id}?notice=renamed"))
    })
    .await
}

async fn merge(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    let id = id_of(&id)?;
    theme_change(st, id, f, "merge", move |s, f| {
        let from = f.get("from").trim().parse::<i64>().map_err(|_| {
            peerstage_store::StoreError::Invalid(FieldErrors::single(
                "from",
                "choose the theme to merge in",
            ))
        })?;
        s.merge_themes(id, from)?;
        Ok(format!("/themes/{id}?notice=merged"))
    })
    .await
}

async fn split(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    let id = id_of(&id)?;
    theme_change(st, id, f, "split", move |s, f| {
        let new_id = s.split_theme(id, f.get("words"), f.get("label"))?;
        Ok(format!("/themes/{new_id}?notice=split"))
    })
    .await
}

async fn pin_tag(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    let id = id_of(&id)?;
    theme_change(st, id, f, "pin", move |s, f| {
        s.pin_theme_tag(id, f.get("tag"))?;
        Ok(format!("/themes/{id}?notice=pinned"))
    })
    .await
}

async fn unpin_tag(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query,
    Form(f): Form,
) -> Result<Response, PageError> {
    let id = id_of(&id)?;
    let tag = if f.get("tag").is_empty() || !q.get("tag").is_empty() {
        q.get("tag").to_string()
    } else {
        f.get("tag").to_string()
    };
    let mut form = Fields::new();
    form.push("tag", tag);
    theme_change(st, id, form, "pin", move |s, f| {
        s.unpin_theme_tag(id, f.get("tag"))?;
        Ok(format!("/themes/{id}?notice=unpinned"))
    })
    .await
}

// ---- C5 customer language ----

fn language_page(
    r: &LanguageReport,
    glossary: &[GlossaryEntry],
    form: &Fields,
    errors: &FieldErrors,
    notice: &str,
) -> Markup {
    let manage = can(Permission::ManageInsights);
    let max = r
        .customer_phrases
        .iter()
        .map(|p| p.texts)
        .max()
        .unwrap_or(1)
        .max(1);
    html! {
        (voc_subnav("language"))
        div.page-head {
            div { h1 { "Customer language" } p.subtitle { "The words customers use for their problems and goals (" (r.texts) " statements), set against the words we use." } }
        }
        @match notice {
            "added" => { div.notice.ok role="status" { "Added to the glossary." } }
            "deleted" => { div.notice.ok role="status" { "Removed from the glossary." } }
            _ => {}
        }
        div.grid.two {
            div.card {
                h2 { "What customers say most" }
                table {
                    thead { tr { th { "Phrase" } th.num { "Statements" } th { "" } } }
                    tbody {
                        @for p in &r.customer_phrases {
                            tr {
                                td { a href=(format!("/search?q={}", urlencode(&p.phrase))) { (p.phrase) } @if !p.ours { " " span.badge.warn title="None of these words is in our glossary" { "not our words" } } }
                                td.num { (p.texts) }
                                td { meter min="0" max=(max) value=(p.texts) {} }
                            }
                        }
                        @if r.customer_phrases.is_empty() { tr { td colspan="3" .muted { "Not enough problem and goal statements yet." } } }
                    }
                }
            }
            div {
                div.card {
                    h2 { "Words customers use that we never do" }
                    ul { @for p in &r.theirs_not_ours { li { a href=(format!("/search?q={}", urlencode(&p.phrase))) { (p.phrase) } span.muted { " — " (p.texts) } } } }
                    @if r.theirs_not_ours.is_empty() { p.muted { "None: every common customer phrase shares a word with the glossary." } }
                }
                div.card {
                    h2 { "Our words customers never use" }
                    ul { @for t in &r.ours_not_theirs { li { (t.term) span.muted { " (" (t.category) ")" } } } }
                    @if r.ours_not_theirs.is_empty() { p.muted { "Customers use every glossary term at least once." } }
                }
            }
        }
        h2 { "Glossary" }
        p.small.muted { "Our product names and marketing terms. A term is used by customers when a statement contains its words in order." }
        div.table-wrap { table.sortable {
            thead { tr { th { "Term" } th { "Kind" } th { "Note" } th.num { "Customer statements using it" } @if manage { th {} } } }
            tbody {
                @for g in glossary {
                    @let used = r.glossary_use.iter().find(|u| u.term == g.term).map_or(0, |u| u.texts);
                    tr {
                        td { (g.term) } td { (g.category) } td.small { (g.note.clone().unwrap_or_default()) }
                        td.num { (used) }
                        @if manage {
                            td { form.inline method="post" action=(format!("/language/glossary/{}/delete", g.id)) { (csrf_field()) button.link type="submit" { "Remove" } } }
                        }
                    }
                }
                @if glossary.is_empty() { tr { td colspan="5" .muted { "The glossary is empty: add our product names and marketing terms." } } }
            }
        } }
        @if manage {
            form.card method="post" action="/language/glossary" {
                h3 { "Add a term" }
                (csrf_field())
                (error_summary(errors))
                (input("term", "Term").required().text(form, errors))
                (input("category", "Kind").select(form, errors, &GLOSSARY_CATEGORIES.iter().map(|c| (c.to_string(), c.to_string())).collect::<Vec<_>>()))
                (input("note", "Note").text(form, errors))
                button type="submit" { "Add" }
            }
        }
    }
}

async fn load_language(st: &AppState) -> Result<(LanguageReport, Vec<GlossaryEntry>), PageError> {
    Ok(st
        .run(|s| Ok((s.customer_language(20_000, 30)?, s.list_glossary()?)))
        .await?)
}

async fn language(State(st): State<AppState>, Query(q): Query) -> Result<Markup, PageError> {
    require_page(Permission::ReadCustomers)?;
    let (r, g) = load_language(&st).await?;
    Ok(page(
        "Customer language",
        "voice",
        language_page(&r, &g, &Fields::new(), &FieldErrors::new(), q.get("notice")),
    ))
}

async fn add_term(State(st): State<AppState>, Form(f): Form) -> Result<Response, PageError> {
    require_page(Permission::ManageInsights)?;
    let form = f.clone();
    match st
        .run(move |s| s.add_glossary_term(f.get("term"), f.get("category"), f.get("note")))
        .await
    {
        Ok(_) => Ok(redirect("/language?notice=added".into())),
        Err(e) => {
            let errors = form_errors(e)?;
            let (r, g) = load_language(&st).await?;
            Ok(invalid(page(
                "Customer language",
                "voice",
                language_page(&r, &g, &form, &errors, ""),
            )))
        }
    }
}

async fn delete_term(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    require_page(Permission::ManageInsights)?;
    let id = id_of(&id)?;
    st.run(move |s| s.delete_glossary_term(id)).await?;
    Ok(redirect("/language?notice=deleted".into()))
}
