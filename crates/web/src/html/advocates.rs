//! Advocates (B1, B2): the scored list, Rock Stars, an advocate's traits with the facts
//! behind them, what they value and the offers that fit, activities, gifts and deals.

use super::journey::{
    advocate_reviews, advocate_reviews_section, review_from_form, AdvocateReviews,
};
use super::layout::{notice, page};
use super::widgets::{count, enum_options, error_summary, input, pager};
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
use peerstage_core::advocacy::{
    IncentiveKind, Motivation, MotivationSource, Opportunity, Trait, TraitScore,
};
use peerstage_core::{parse, FieldErrors, Fields, Permission, ReferenceConsent};
use peerstage_store::{AdvocateProfile, AdvocateRow, ProgramSettings};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/advocates", get(list))
        .route(
            "/advocates/settings",
            get(settings_form).post(settings_save),
        )
        .route("/advocates/{id}", get(show))
        .route("/advocates/{id}/profile", post(save_profile))
        .route("/advocates/{id}/activities", post(add_activity))
        .route("/advocates/{id}/incentives", post(add_incentive))
        .route("/advocates/{id}/reviews", post(add_review))
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Roles without financial access see whether the account is profitable, not its figures.
pub(crate) fn trait_because(t: &TraitScore) -> String {
    if t.trait_ == Trait::Profitable && !can(Permission::ReadFinancials) {
        if t.strength > 0.0 {
            "the account is profitable"
        } else {
            "the account is not profitable"
        }
        .to_string()
    } else {
        t.because.clone()
    }
}

fn motivation_badges(row: &AdvocateRow) -> Markup {
    html! {
        @for (m, src) in &row.motivations {
            span.badge.good[*src == MotivationSource::Recorded] title=(if *src == MotivationSource::Recorded { "recorded" } else { "inferred from what they accepted" }) { (m.label()) } " "
        }
    }
}

fn score_bar(score: u32) -> Markup {
    html! {
        span.scorebar title=(format!("{score} of 100")) { span style=(format!("width:{}%", score.min(100))) {} }
        " " (score)
    }
}

async fn list(State(st): State<AppState>, Query(q): Query) -> Result<Markup, PageError> {
    require_page(Permission::ReadCustomers)?;
    let snap = st.run(|s| s.advocate_snapshot(today())).await?;
    let rock_only = q.get("rock_stars") == "yes";
    let offer = Opportunity::parse(q.get("offer")).ok();
    let search = q.get("q").trim().to_lowercase();
    let consent_only = q.get("consent") == "yes";
    let mut rows: Vec<&AdvocateRow> = snap
        .rows
        .iter()
        .filter(|r| !rock_only || r.score.rock_star)
        .filter(|r| !consent_only || r.candidate.consent != ReferenceConsent::No)
        .filter(|r| {
            search.is_empty()
                || r.candidate.contact_name.to_lowercase().contains(&search)
                || r.candidate.account_name.to_lowercase().contains(&search)
        })
        .filter(|r| offer.is_none_or(|o| r.motivations.iter().any(|(m, _)| o.serves().contains(m))))
        .collect();
    rows.sort_by(|a, b| {
        b.score
            .score
            .cmp(&a.score.score)
            .then(a.candidate.contact_id.cmp(&b.candidate.contact_id))
    });
    let total = rows.len() as u64;
    let per_page = 50u32;
    let pages = (total.div_ceil(per_page as u64)).max(1) as u32;
    let page_no: u32 = q.get("page").parse().unwrap_or(1).clamp(1, pages);
    let shown = rows
        .iter()
        .skip(((page_no - 1) * per_page) as usize)
        .take(per_page as usize);
    let rock_stars = snap.rows.iter().filter(|r| r.score.rock_star).count();
    let offers = enum_options(Opportunity::ALL, Opportunity::as_str, Opportunity::label);
    Ok(page(
        "Advocates",
        "advocates",
        html! {
            div.page-head {
                div { h1 { "Advocates" } p.subtitle { (count(snap.rows.len())) " customer contacts scored · " (count(rock_stars)) " Rock Stars (score ≥ " (snap.settings.rock_star_score) ")" } }
                div.actions {
                    a.btn.secondary href="/nominations" { "Nominations" }
                    a.btn.secondary href="/consents" { "Expiring consents" }
                    a.btn.secondary href="/advocates/settings" { "Scoring and fatigue settings" }
                }
            }
            form.filters method="get" action="/advocates" role="search" {
                label { "Name or account" input type="search" name="q" value=(q.get("q")); }
                label { "Offer that fits" select name="offer" {
                    option value="" { "Any" }
                    @for (v, l) in &offers { option value=(v) selected[q.get("offer") == v] { (l) } }
                } }
                label { "Tier" select name="rock_stars" {
                    option value="" { "All" }
                    option value="yes" selected[rock_only] { "Rock Stars only" }
                } }
                label { "Consent" select name="consent" {
                    option value="" { "Any" }
                    option value="yes" selected[consent_only] { "Yes or ask first" }
                } }
                button type="submit" { "Filter" }
                a href="/advocates" { "Clear" }
            }
            @if let Some(o) = offer {
                p.muted { "Advocates who value what a " (o.label().to_lowercase()) " offers: " (o.serves().iter().map(|m| m.label().to_lowercase()).collect::<Vec<_>>().join(", ")) "." }
            }
            div.table-wrap { table {
                thead { tr { th { "Advocate" } th { "Account" } th { "Score" } th.hide-narrow { "Values" } th { "Consent" } th.num.hide-narrow { "Recent references" } } }
                tbody {
                    @for r in shown {
                        tr {
                            td {
                                a href=(format!("/advocates/{}", r.candidate.contact_id)) { (r.candidate.contact_name) }
                                @if r.score.rock_star { " " span.badge.good { "★ Rock Star" } }
                                @if r.depends_on_incentives { " " span.badge.bad title="Most of their activity followed a gift or deal" { "Depends on incentives" } }
                                @else if r.has_incentives { " " span.badge.warn { "Gift or deal recorded" } }
                                br; span.small.muted { (r.candidate.title.as_deref().unwrap_or("")) }
                            }
                            td { a href=(format!("/accounts/{}", r.candidate.account_id)) { (r.candidate.account_name) } }
                            td.nowrap { (score_bar(r.score.score)) }
                            td.hide-narrow { (motivation_badges(r)) }
                            td { span.badge.good[r.candidate.consent == ReferenceConsent::Yes] { (r.candidate.consent.label()) } @if r.candidate.do_not_contact { " " span.badge.bad { "Do not contact" } } }
                            td.num.hide-narrow { (r.candidate.recent_activities) }
                        }
                    }
                    @if total == 0 { tr { td colspan="6" .muted { "No advocates match these filters." } } }
                }
            } }
            (pager("/advocates", &q, "page", page_no, pages, total))
        },
    ))
}

fn profile_page(
    p: &AdvocateProfile,
    settings: &ProgramSettings,
    reviews: &AdvocateReviews,
    notice_key: &str,
    errors: &FieldErrors,
    typed: &Fields,
) -> Markup {
    let r = &p.row;
    let manage = can(Permission::ManageAdvocates);
    let id = r.candidate.contact_id;
    let opportunities = enum_options(Opportunity::ALL, Opportunity::as_str, Opportunity::label);
    let today_s = today().format("%Y-%m-%d").to_string();
    let mut activity_fields =
        Fields::from_pairs([("occurred_on", today_s.as_str()), ("status", "accepted")]);
    let mut incentive_fields =
        Fields::from_pairs([("given_on", today_s.as_str()), ("kind", "gift")]);
    if typed.has("opportunity") {
        activity_fields = typed.clone();
    } else if typed.has("description") {
        incentive_fields = typed.clone();
    }
    page(
        &r.candidate.contact_name,
        "advocates",
        html! {
            p.subtitle { a href="/advocates" { "← Advocates" } }
            div.page-head {
                div {
                    h1 { (r.candidate.contact_name) @if r.score.rock_star { " " span.badge.good { "★ Rock Star" } } }
                    p.subtitle { (r.candidate.title.as_deref().unwrap_or("")) " · " a href=(format!("/accounts/{}", r.candidate.account_id)) { (r.candidate.account_name) } }
                }
            }
            (notice(notice_key))
            (error_summary(errors))
            @if r.depends_on_incentives { div.notice.error { "Most of this advocate's activity followed a gift or special deal. Advocacy that depends on incentives is not advocacy: every arrangement must make economic sense for both sides." } }
            div.grid {
                div.card.stat { div.label { "Advocate score" } div.value { (r.score.score) } div.note { "Rock Star at " (settings.rock_star_score) } }
                div.card.stat { div.label { "Reference consent" } div.value { (r.candidate.consent.label()) } div.note { @if r.candidate.do_not_contact { "do not contact" } @else { "contact allowed" } } }
                div.card.stat { div.label { "Reference activities, last " (settings.matching.fatigue_window_days) " days" } div.value { (r.candidate.recent_activities) } div.note { "fatigue limit " (settings.matching.fatigue_limit) } }
            }
            p.small {
                "Consent per activity: "
                @for a in peerstage_core::refops::ConsentActivity::ALL {
                    @let c = r.candidate.consent_for(Some(*a));
                    @let expired = r.candidate.consent_expired_for(Some(*a));
                    span class=(if expired || c == ReferenceConsent::AskFirst { "badge warn" } else if c == ReferenceConsent::Yes { "badge good" } else { "badge bad" }) title=(c.label()) { (a.label()) @if expired { " (expired)" } }
                    " "
                }
                a href=(format!("/contacts/{}/consents", r.candidate.contact_id)) { "details" }
                @if !r.candidate.busy_on.is_empty() {
                    " · " span.badge.bad { "Busy on request " (r.candidate.busy_on.iter().map(|x| format!("#{x}")).collect::<Vec<_>>().join(", ")) }
                }
            }
            h2 { "The five traits" }
            div.table-wrap { table {
                thead { tr { th { "Trait" } th.num { "Points" } th { "Because" } } }
                tbody { @for t in &r.score.traits { tr {
                    td { (t.trait_.label()) }
                    // The profitable trait's points follow the margin: not for roles without financial access.
                    @if t.trait_ == Trait::Profitable && !can(Permission::ReadFinancials) {
                        td.num title="Shown to roles with financial access" { "—" }
                    } @else {
                        td.num { (format!("{:.1}", t.points)) }
                    }
                    td { (trait_because(t)) }
                } } }
            } }
            div.grid.two {
                div.card {
                    h2 { "What they value" }
                    @if r.motivations.is_empty() { p.muted { "Not known yet. Ask them, or record what they accept." } }
                    @else { p { (motivation_badges(r)) } p.small.muted { "Green: recorded by a colleague. Grey: inferred from what they accepted." } }
                    @if manage {
                        form method="post" action=(format!("/advocates/{id}/profile")) {
                            (csrf_field())
                            fieldset { legend { "Recorded motivations" }
                                @for m in Motivation::ALL {
                                    label.block { input type="checkbox" name="motivations" value=(m.as_str()) checked[r.motivations.iter().any(|(x, s)| x == m && *s == MotivationSource::Recorded)]; " " (m.label()) }
                                }
                            }
                            fieldset { legend { "Leading edge" }
                                label.block { input type="checkbox" name="lead_user" value="true" checked[p.lead_user]; " Lead user" }
                                label.block { input type="checkbox" name="modifies_product" value="true" checked[p.modifies_product]; " Modifies the product" }
                            }
                            label.block { "Notes" textarea name="notes" { (p.notes.as_deref().unwrap_or("")) } }
                            button type="submit" { "Save" }
                        }
                    }
                }
                div.card {
                    h2 { "Offers that fit" }
                    @if p.suggestions.is_empty() { p.muted { "Record what they value to see offers that fit." } }
                    ul { @for s in p.suggestions.iter().take(6) { li { strong { (s.opportunity.label()) } " — " span.muted { (s.why) } } } }
                    p.small.muted { "Offer a stage, peers, insider access or a say in the product — never payment." }
                }
            }
            h2 { "Activities" }
            div.table-wrap { table {
                thead { tr { th { "Date" } th { "Opportunity" } th { "Status" } th { "Request" } th { "Notes" } } }
                tbody {
                    @for a in &p.activities { tr {
                        td.nowrap { (a.occurred_on.format("%Y-%m-%d").to_string()) }
                        td { (a.opportunity.label()) }
                        td { span.badge { (a.status) } }
                        td { @if let Some(rid) = a.request_id { a href=(format!("/references/{rid}")) { "#" (rid) } } }
                        td { (a.notes.as_deref().unwrap_or("")) }
                    } }
                    @if p.activities.is_empty() { tr { td colspan="5" .muted { "Nothing recorded yet." } } }
                }
            } }
            @if manage {
                details { summary { "Record an activity" }
                    form.stacked method="post" action=(format!("/advocates/{id}/activities")) {
                        (csrf_field())
                        (input("opportunity", "Opportunity").required().select(&activity_fields, errors, &opportunities))
                        (input("status", "Status").required().select(&activity_fields, errors, &[("offered".into(), "Offered".into()), ("accepted".into(), "Accepted".into()), ("declined".into(), "Declined".into()), ("completed".into(), "Completed".into())]))
                        (input("occurred_on", "Date").kind("date").required().text(&activity_fields, errors))
                        (input("notes", "Notes").text(&activity_fields, errors))
                        div.form-actions { button type="submit" { "Record" } }
                    }
                }
            }
            (advocate_reviews_section(id, reviews, errors, typed))
            h2 { "Gifts and special deals" }
            p.small.muted { "Recorded so they are visible: customers are not friends, and every arrangement must make economic sense for both sides." }
            div.table-wrap { table {
                thead { tr { th { "Date" } th { "Kind" } th { "What" } th.num { "Value" } th { "Recorded by" } } }
                tbody {
                    @for g in &p.incentives { tr {
                        td.nowrap { (g.given_on.format("%Y-%m-%d").to_string()) }
                        td { span.badge.warn { (g.kind.label()) } }
                        td { (g.description) }
                        td.num { (peerstage_core::money::format_amount(g.value)) }
                        td { (g.recorded_by) }
                    } }
                    @if p.incentives.is_empty() { tr { td colspan="5" .muted { "None." } } }
                }
            } }
            @if manage {
                details { summary { "Record a gift or special deal" }
                    form.stacked method="post" action=(format!("/advocates/{id}/incentives")) {
                        (csrf_field())
                        (input("kind", "Kind").required().select(&incentive_fields, errors, &enum_options(IncentiveKind::ALL, IncentiveKind::as_str, IncentiveKind::label)))
                        (input("given_on", "Date").kind("date").required().text(&incentive_fields, errors))
                        (input("description", "What").required().text(&incentive_fields, errors))
                        (input("value", "Value").hint("Whole currency units").text(&incentive_fields, errors))
                        div.form-actions { button type="submit" { "Record" } }
                    }
                }
            }
        },
    )
}

async fn load(
    st: &AppState,
    id: i64,
) -> Result<(AdvocateProfile, ProgramSettings, AdvocateReviews), PageError> {
    let (p, s) = st
        .run(move |s| Ok((s.advocate_profile(id, today())?, s.program_settings()?)))
        .await?;
    Ok((p, s, advocate_reviews(st, id).await?))
}

async fn show(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query,
) -> Result<Markup, PageError> {
    require_page(Permission::ReadCustomers)?;
    let (p, settings, reviews) = load(&st, id_of(&id)?).await?;
    Ok(profile_page(
        &p,
        &settings,
        &reviews,
        q.get("notice"),
        &FieldErrors::new(),
        &Fields::new(),
    ))
}

async fn save_profile(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    require_page(Permission::ManageAdvocates)?;
    let id = id_of(&id)?;
    let mut e = FieldErrors::new();
    let mut motivations = Vec::new();
    for m in f.all("motivations") {
        if let Some(m) = e.check("motivations", Motivation::parse(m)) {
            motivations.push(m);
        }
    }
    let lead = e
        .check("lead_user", parse::bool_or(f.get("lead_user"), false))
        .unwrap_or(false);
    let modifies = e
        .check(
            "modifies_product",
            parse::bool_or(f.get("modifies_product"), false),
        )
        .unwrap_or(false);
    let notes = e
        .check("notes", parse::optional_text(f.get("notes"), 5000))
        .flatten();
    if !e.is_empty() {
        let (p, s, r) = load(&st, id).await?;
        return Ok(invalid(profile_page(&p, &s, &r, "", &e, &f)));
    }
    st.run(move |s| {
        s.set_advocate_profile(id, lead, modifies, notes)?;
        s.set_motivations(id, &motivations)
    })
    .await?;
    Ok(redirect(format!("/advocates/{id}?notice=updated")))
}

async fn add_activity(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    require_page(Permission::ManageAdvocates)?;
    let id = id_of(&id)?;
    let mut e = FieldErrors::new();
    let opp = e.check("opportunity", Opportunity::parse(f.get("opportunity")));
    let day = e.check("occurred_on", parse::required_date(f.get("occurred_on")));
    let notes = e
        .check("notes", parse::optional_text(f.get("notes"), 2000))
        .flatten();
    let status = f.get("status").to_string();
    let result = match (opp, day) {
        (Some(o), Some(d)) if e.is_empty() => st
            .run(move |s| s.record_activity(id, o, &status, d, notes))
            .await
            .map_err(form_errors),
        _ => Err(Ok(e)),
    };
    match result {
        Ok(_) => Ok(redirect(format!("/advocates/{id}?notice=created"))),
        Err(e) => {
            let e = e?;
            let (p, s, r) = load(&st, id).await?;
            Ok(invalid(profile_page(&p, &s, &r, "", &e, &f)))
        }
    }
}

async fn add_incentive(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    require_page(Permission::ManageAdvocates)?;
    let id = id_of(&id)?;
    let mut e = FieldErrors::new();
    let kind = e.check("kind", IncentiveKind::parse(f.get("kind")));
    let day = e.check("given_on", parse::required_date(f.get("given_on")));
    let value = e
        .check("value", parse::optional_money(f.get("value")))
        .flatten()
        .unwrap_or(0);
    let description = f.get("description").to_string();
    let result = match (kind, day) {
        (Some(k), Some(d)) if e.is_empty() => st
            .run(move |s| s.record_incentive(id, k, d, &description, value))
            .await
            .map_err(form_errors),
        _ => Err(Ok(e)),
    };
    match result {
        Ok(_) => Ok(redirect(format!("/advocates/{id}?notice=created"))),
        Err(e) => {
            let e = e?;
            let (p, s, r) = load(&st, id).await?;
            Ok(invalid(profile_page(&p, &s, &r, "", &e, &f)))
        }
    }
}

/// A review the advocate posted on a third party's site (B6).
async fn add_review(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    require_page(Permission::ManageAdvocates)?;
    let id = id_of(&id)?;
    let errors = match review_from_form(id, &f) {
        Ok(d) => match st.run(move |s| s.create_review(&d)).await {
            Ok(_) => return Ok(redirect(format!("/advocates/{id}?notice=created#reviews"))),
            Err(e) => form_errors(e)?,
        },
        Err(e) => e,
    };
    let (p, s, r) = load(&st, id).await?;
    Ok(invalid(profile_page(&p, &s, &r, "", &errors, &f)))
}

fn settings_fields(s: &ProgramSettings) -> Fields {
    let w = &s.weights;
    Fields::from_pairs([
        ("profitable", w.profitable.to_string()),
        ("exceptional_value", w.exceptional_value.to_string()),
        ("affiliates", w.affiliates.to_string()),
        ("leading_edge", w.leading_edge.to_string()),
        ("serves_others", w.serves_others.to_string()),
        ("rock_star_score", s.rock_star_score.to_string()),
        ("fatigue_limit", s.matching.fatigue_limit.to_string()),
        (
            "fatigue_window_days",
            s.matching.fatigue_window_days.to_string(),
        ),
        ("nomination_stale_days", s.nomination_stale_days.to_string()),
        ("ask_wait_days", s.ask_wait_days.to_string()),
    ])
}

fn settings_page(f: &Fields, e: &FieldErrors, notice_key: &str) -> Markup {
    let manage = can(Permission::ManageAdvocates);
    page(
        "Advocate program settings",
        "advocates",
        html! {
            p.subtitle { a href="/advocates" { "← Advocates" } }
            h1 { "Scoring and fatigue" }
            (notice(notice_key))
            (error_summary(e))
            p.muted { "The advocate score is out of 100: each trait contributes its strength (0 to 1) times its share of the weights. Defaults: profitable 20, exceptional value 25, likes to affiliate 15, leading edge 15, serves other customers 25; Rock Star at 70; at most 3 reference activities per advocate in 90 days." }
            div.card {
                form.stacked method="post" action="/advocates/settings" novalidate {
                    (csrf_field())
                    (input("profitable", "Weight: profitable account").kind("number").text(f, e))
                    (input("exceptional_value", "Weight: derives exceptional value (NPS 9–10)").kind("number").text(f, e))
                    (input("affiliates", "Weight: likes to affiliate").kind("number").text(f, e))
                    (input("leading_edge", "Weight: leading edge").kind("number").text(f, e))
                    (input("serves_others", "Weight: serves other customers").kind("number").text(f, e))
                    (input("rock_star_score", "Rock Star from score").kind("number").text(f, e))
                    (input("fatigue_limit", "Fatigue limit (reference activities)").kind("number").text(f, e))
                    (input("fatigue_window_days", "Fatigue window (days)").kind("number").text(f, e))
                    (input("nomination_stale_days", "Flag nominations untouched for more than (days)").hint("Default 14").kind("number").text(f, e))
                    (input("ask_wait_days", "Flag requests waiting on an advocate's answer for more than (days)").hint("Default 5").kind("number").text(f, e))
                    @if manage { div.form-actions { button type="submit" { "Save" } } }
                }
            }
        },
    )
}

async fn settings_form(State(st): State<AppState>, Query(q): Query) -> Result<Markup, PageError> {
    require_page(Permission::ReadCustomers)?;
    let s = st.run(|s| s.program_settings()).await?;
    Ok(settings_page(
        &settings_fields(&s),
        &FieldErrors::new(),
        q.get("notice"),
    ))
}

async fn settings_save(State(st): State<AppState>, Form(f): Form) -> Result<Response, PageError> {
    require_page(Permission::ManageAdvocates)?;
    let mut e = FieldErrors::new();
    let num = |e: &mut FieldErrors, k: &str, max: i64| {
        e.check(
            k,
            parse::optional_int(f.get(k), 0, max)
                .and_then(|v| v.ok_or_else(|| "is required".into())),
        )
        .unwrap_or(0) as u32
    };
    let mut s = ProgramSettings::default();
    s.weights.profitable = num(&mut e, "profitable", 1000);
    s.weights.exceptional_value = num(&mut e, "exceptional_value", 1000);
    s.weights.affiliates = num(&mut e, "affiliates", 1000);
    s.weights.leading_edge = num(&mut e, "leading_edge", 1000);
    s.weights.serves_others = num(&mut e, "serves_others", 1000);
    s.rock_star_score = num(&mut e, "rock_star_score", 100);
    s.matching.fatigue_limit = num(&mut e, "fatigue_limit", 100);
    s.matching.fatigue_window_days = num(&mut e, "fatigue_window_days", 3650);
    // Optional here: left empty, they keep their defaults.
    let days = |e: &mut FieldErrors, k: &str, slot: &mut u32| {
        if let Some(Some(v)) = e.check(k, parse::optional_int(f.get(k), 1, 3650)) {
            *slot = v as u32;
        }
    };
    days(
        &mut e,
        "nomination_stale_days",
        &mut s.nomination_stale_days,
    );
    days(&mut e, "ask_wait_days", &mut s.ask_wait_days);
    if !e.is_empty() {
        return Ok(invalid(settings_page(&f, &e, "")));
    }
    match st.run(move |st| st.save_program_settings(&s)).await {
        Ok(()) => Ok(redirect("/advocates/settings?notice=updated".into())),
        Err(err) => Ok(invalid(settings_page(&f, &form_errors(err)?, ""))),
    }
}
