//! The role matrix (F1, docs/ROLES.md): every route, called as every role and as nobody, on
//! SQLite and (when configured) PostgreSQL. An allowed call succeeds, a forbidden one is a
//! 403 that writes nothing, no call is a 500, and no response carries a field the role may
//! not read.
//!
//! The routes are one table, `ROUTES`: a new route is one line there, and
//! `every_route_in_the_routers_has_a_row_in_the_role_matrix` fails until it has one.

mod common;

use axum::http::Method;
use common::{each_db, multipart, Identity, Resp, TestApp};
use peerstage_core::{Permission, Role};
use peerstage_store::AuditFilter;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use Permission::*;

// ---- what is documented ----

const ROLES: [Role; 5] = [
    Role::Admin,
    Role::Manager,
    Role::Sales,
    Role::Product,
    Role::Viewer,
];

/// The table in docs/ROLES.md, written out here rather than taken from `Role::allows`, so a
/// change to the code that the documentation does not share fails this test.
fn documented(role: Role, p: Permission) -> bool {
    use Role::*;
    let roles: &[Role] = match p {
        ReadCustomers => &[Admin, Manager, Sales, Product, Viewer],
        WriteTouchpoints | RequestReferences => &[Admin, Manager, Sales],
        ReadFinancials | ReadPrivateNotes | WriteCustomers | ManageConsent | ImportExport
        | Privacy | ManageAdvocates | ManageEvents => &[Admin, Manager],
        WriteEvidence => &[Admin, Manager, Sales, Product],
        ManageInsights => &[Admin, Manager, Product],
        Administer => &[Admin],
    };
    roles.contains(&role)
}

// ---- the routes ----

/// Who may call a route.
#[derive(Debug, Clone, Copy)]
enum Needs {
    /// Anybody, signed in or not.
    Public,
    /// Any signed-in user, whatever the role.
    SignedIn,
    /// A role with this permission.
    Perm(Permission),
}

/// What a call sends.
#[derive(Debug, Clone, Copy)]
enum Payload {
    /// Nothing (page POSTs still send a form holding only the CSRF token).
    Nothing,
    Json(&'static str),
    Form(&'static [(&'static str, &'static str)]),
    Csv(&'static str),
    /// A multipart upload of (kind, CSV) to the transfer page.
    Upload(&'static str, &'static str),
}

struct Route {
    method: &'static str,
    /// `{a}` account, `{c}` contact, `{t}` touchpoint, `{m}` commitment, `{n}` NPS response,
    /// `{r}` reference request, `{s}` story, `{p}` third party, `{v}` review, `{o}` survey
    /// answer, `{x}` a number no other fixture has (for unique names), `{u}` a viewer, `{k}`
    /// an API token, `{admin}` the
    /// administrator: filled in with records made for each role (and made afresh for calls
    /// that end something). Any other `{word}` is a value of a path parameter and becomes
    /// `word`: `/export/{accounts.csv}`. Form values and JSON bodies are filled the same way.
    path: &'static str,
    send: Payload,
    needs: Needs,
}

const fn r(method: &'static str, path: &'static str, send: Payload, needs: Needs) -> Route {
    Route {
        method,
        path,
        send,
        needs,
    }
}

use Needs::{Perm, Public, SignedIn};
use Payload::{Csv, Form, Json, Nothing, Upload};

const RC: Needs = Perm(ReadCustomers);
const RF: Needs = Perm(ReadFinancials);
const WC: Needs = Perm(WriteCustomers);
const WT: Needs = Perm(WriteTouchpoints);
const IE: Needs = Perm(ImportExport);
const AD: Needs = Perm(Administer);
const PR: Needs = Perm(Privacy);
const MA: Needs = Perm(ManageAdvocates);
const RR: Needs = Perm(RequestReferences);
const ME: Needs = Perm(ManageEvents);
const WEV: Needs = Perm(WriteEvidence);
const MC: Needs = Perm(ManageConsent);
const WE: Needs = Perm(WriteEvidence);
const MI: Needs = Perm(ManageInsights);

const ACCOUNT_FORM: &[(&str, &str)] = &[("name", "Made by the matrix"), ("lifecycle", "customer")];
const CONTACT_FORM: &[(&str, &str)] = &[("name", "Matrix Contact"), ("reference_consent", "no")];
const TOUCHPOINT_FORM: &[(&str, &str)] = &[("kind", "call"), ("occurred_on", "2025-02-01")];
const COMMITMENT_FORM: &[(&str, &str)] = &[("description", "Matrix commitment")];
const NPS_FORM: &[(&str, &str)] = &[("score", "7"), ("responded_on", "2025-02-01")];
const NEW_USER_FORM: &[(&str, &str)] = &[
    ("email", "added-by-matrix@example.com"),
    ("role", "viewer"),
    ("password", "a long enough password"),
];
const TOKEN_FORM: &[(&str, &str)] = &[("user_id", "{admin}"), ("name", "made by the matrix")];
const SETTINGS_FORM: &[(&str, &str)] = &[
    ("profitable", "20"),
    ("exceptional_value", "25"),
    ("affiliates", "15"),
    ("leading_edge", "15"),
    ("serves_others", "25"),
    ("rock_star_score", "70"),
    ("fatigue_limit", "3"),
    ("fatigue_window_days", "90"),
];
const PROFILE_FORM: &[(&str, &str)] = &[
    ("lead_user", "yes"),
    ("motivations", "learning"),
    ("notes", "Made by the matrix"),
];
const ACTIVITY_FORM: &[(&str, &str)] = &[
    ("opportunity", "case_study"),
    ("occurred_on", "2025-02-01"),
    ("status", "offered"),
];
const INCENTIVE_FORM: &[(&str, &str)] = &[
    ("kind", "gift"),
    ("given_on", "2025-02-01"),
    ("value", "50"),
    ("description", "A mug"),
];
const REQUEST_FORM: &[(&str, &str)] = &[
    ("prospect_name", "Prospect Inc"),
    ("activity", "reference_call"),
    ("deal_value", "1000"),
];
const IMPORT_CSV: &str = "external_id,name\nMATRIX-IMPORT-1,Imported by the matrix\n";
const STORY_FORM: &[(&str, &str)] = &[
    ("title", "Matrix story"),
    ("account_id", "{a}"),
    ("contact_ids", "{c}"),
    ("stage", "decision"),
    ("approval", "draft"),
    ("bad", "The export was slow"),
    ("not_a_fit", "Teams of two"),
];
const REVIEW_FORM: &[(&str, &str)] = &[
    ("third_party_id", "{p}"),
    ("reviewed_on", "2025-02-01"),
    ("rating", "4"),
    ("title", "Matrix review"),
];

const AGENDA_CSV: &str =
    "item,minutes,notes\nSales pipeline,30,top deals\nCustomer retention,20,\n";
const AGENDA_FORM: &[(&str, &str)] = &[
    ("title", "Matrix review"),
    ("held_on", "2026-07-01"),
    ("agenda", "- Roadmap (30 min)\n- Pipeline review (45 min)\n"),
];
const EVENT_FORM: &[(&str, &str)] = &[
    ("name", "Matrix event {x}"),
    ("kind", "user_group"),
    ("starts_on", "2026-12-01"),
    ("time_zone", "Europe/Oslo"),
];
const EVENT_SESSION_FORM: &[(&str, &str)] = &[
    ("title", "Matrix session"),
    ("room_id", "{room}"),
    ("format", "panel"),
    ("focus", "customer_issues"),
    ("start", "11:00"),
    ("end", "11:30"),
];
const CORRECTION_FORM: &[(&str, &str)] = &[("item", "Partner summit"), ("class", "customer_value")];

#[rustfmt::skip]
const ROUTES: &[Route] = &[
    // ---- JSON API ----
    r("GET", "/api/openapi.json", Nothing, SignedIn),
    r("GET", "/api/v1/accounts", Nothing, RC),
    r("GET", "/api/v1/accounts?q=Fixture&per_page=100", Nothing, RC),
    r("GET", "/api/v1/accounts?sort=margin", Nothing, RF),
    r("GET", "/api/v1/accounts?unprofitable=yes", Nothing, RF),
    r("POST", "/api/v1/accounts", Json(r#"{"name": "Made by the matrix"}"#), WC),
    r("GET", "/api/v1/accounts/{a}", Nothing, RC),
    r("PUT", "/api/v1/accounts/{a}", Json(r#"{"city": "Bergen"}"#), WC),
    r("DELETE", "/api/v1/accounts/{a}", Nothing, WC),
    r("GET", "/api/v1/accounts/{a}/contacts", Nothing, RC),
    r("POST", "/api/v1/accounts/{a}/contacts", Json(r#"{"name": "Matrix Contact"}"#), WC),
    r("GET", "/api/v1/accounts/{a}/touchpoints", Nothing, RC),
    r("POST", "/api/v1/accounts/{a}/touchpoints", Json(r#"{"kind": "call", "occurred_on": "2025-02-01"}"#), WT),
    r("GET", "/api/v1/accounts/{a}/commitments", Nothing, RC),
    r("POST", "/api/v1/accounts/{a}/commitments", Json(r#"{"description": "Matrix commitment"}"#), WC),
    r("GET", "/api/v1/accounts/{a}/nps", Nothing, RC),
    r("POST", "/api/v1/accounts/{a}/nps", Json(r#"{"score": 7, "responded_on": "2025-02-01"}"#), WC),
    r("GET", "/api/v1/contacts?q=Fixture", Nothing, RC),
    r("GET", "/api/v1/contacts/{c}", Nothing, RC),
    r("PUT", "/api/v1/contacts/{c}", Json(r#"{"city": "Oslo"}"#), WC),
    r("DELETE", "/api/v1/contacts/{c}", Nothing, WC),
    r("GET", "/api/v1/touchpoints/{t}", Nothing, RC),
    r("PUT", "/api/v1/touchpoints/{t}", Json(r#"{"notes": "changed"}"#), WC),
    r("DELETE", "/api/v1/touchpoints/{t}", Nothing, WC),
    r("GET", "/api/v1/commitments/{m}", Nothing, RC),
    r("PUT", "/api/v1/commitments/{m}", Json(r#"{"owner": "Ola"}"#), WC),
    r("DELETE", "/api/v1/commitments/{m}", Nothing, WC),
    r("GET", "/api/v1/nps/{n}", Nothing, RC),
    r("DELETE", "/api/v1/nps/{n}", Nothing, WC),
    r("GET", "/api/v1/nps", Nothing, RC),
    r("GET", "/api/v1/value", Nothing, RF),
    r("POST", "/api/v1/import/{accounts}", Csv(IMPORT_CSV), IE),
    r("GET", "/api/v1/import-jobs", Nothing, IE),
    r("GET", "/api/v1/export/{accounts}", Nothing, IE),
    r("GET", "/api/v1/export/{contacts.csv}", Nothing, IE),
    r("GET", "/api/v1/users", Nothing, AD),
    r("POST", "/api/v1/users", Json(r#"{"email": "api-added-by-matrix@example.com", "role": "viewer", "password": "a long enough password"}"#), AD),
    r("PUT", "/api/v1/users/{u}", Json(r#"{"role": "product"}"#), AD),
    r("GET", "/api/v1/tokens", Nothing, AD),
    r("POST", "/api/v1/tokens", Json(r#"{"user_id": "{admin}", "name": "made by the matrix"}"#), AD),
    r("DELETE", "/api/v1/tokens/{k}", Nothing, AD),
    r("GET", "/api/v1/audit", Nothing, AD),
    r("GET", "/api/v1/contacts/{c}/privacy-export", Nothing, PR),
    r("POST", "/api/v1/contacts/{c}/erase", Nothing, PR),
    r("GET", "/api/v1/advocates", Nothing, RC),
    r("GET", "/api/v1/advocates/{c}", Nothing, RC),
    r("PUT", "/api/v1/advocates/{c}", Json(r#"{"lead_user": true, "motivations": ["learning"]}"#), MA),
    r("POST", "/api/v1/advocates/{c}/activities", Json(r#"{"opportunity": "case_study", "occurred_on": "2025-02-01", "status": "offered"}"#), MA),
    r("POST", "/api/v1/advocates/{c}/incentives", Json(r#"{"kind": "gift", "given_on": "2025-02-01", "description": "A mug", "value": 50}"#), MA),
    r("GET", "/api/v1/program/settings", Nothing, RC),
    r("PUT", "/api/v1/program/settings", Json(r#"{"fatigue_limit": 3}"#), MA),
    r("GET", "/api/v1/program/report", Nothing, MA),
    r("GET", "/api/v1/references", Nothing, RR),
    r("POST", "/api/v1/references", Json(r#"{"prospect_name": "Prospect Inc", "activity": "reference_call"}"#), RR),
    r("POST", "/api/v1/references/match", Json(r#"{"activity": "reference_call", "industry": "Logistics"}"#), RR),
    r("GET", "/api/v1/references/{r}", Nothing, RR),
    r("GET", "/api/v1/references/{r}/candidates", Nothing, RR),
    r("POST", "/api/v1/references/{r}/status", Json(r#"{"status": "cancelled"}"#), RR),
    r("POST", "/api/v1/references/{r}/outcome", Json(r#"{"outcome": "won", "revenue_influenced": 1000}"#), RR),
    r("GET", "/api/v1/program/ops", Nothing, MA),
    r("GET", "/api/v1/consents/expiring?days=30", Nothing, RC),
    r("GET", "/api/v1/contacts/{c}/consents", Nothing, RC),
    r("PUT", "/api/v1/contacts/{c}/consents", Json(r#"{"activity": "logo", "consent": "yes"}"#), MC),
    r("DELETE", "/api/v1/contacts/{c}/consents/{logo}", Nothing, MC),
    r("GET", "/api/v1/nominations", Nothing, RC),
    r("POST", "/api/v1/nominations", Json(r#"{"contact_id": {nominee2}, "reason": "Matrix nomination"}"#), RC),
    r("POST", "/api/v1/nominations/{nomination}/status", Json(r#"{"status": "contacted"}"#), MA),
    r("POST", "/api/v1/references/{done}/feedback", Json(r#"{"helped": "yes", "prospect_asked": "Price"}"#), RR),
    r("POST", "/api/v1/references/{done}/feedback-link", Nothing, MA),
    r("POST", "/api/v1/references/{done}/confirm", Nothing, MA),
    r("GET", "/api/v1/stories", Nothing, RC),
    r("GET", "/api/v1/stories?spin=yes&sort=title", Nothing, RC),
    r("POST", "/api/v1/stories", Json(r#"{"title": "Matrix story", "account_id": "{a}", "contact_ids": ["{c}"], "stage": "awareness"}"#), MA),
    r("GET", "/api/v1/stories/{s}", Nothing, RC),
    r("PUT", "/api/v1/stories/{s}", Json(r#"{"approval": "approved"}"#), MA),
    r("DELETE", "/api/v1/stories/{s}", Nothing, MA),
    r("GET", "/api/v1/third-parties", Nothing, RC),
    r("POST", "/api/v1/third-parties", Json(r#"{"name": "Matrix Analysts {x}", "kind": "analyst_firm"}"#), MA),
    r("GET", "/api/v1/third-parties/{p}", Nothing, RC),
    r("PUT", "/api/v1/third-parties/{p}", Json(r#"{"url": "https://matrix.example"}"#), MA),
    r("DELETE", "/api/v1/third-parties/{p}", Nothing, MA),
    r("GET", "/api/v1/reviews", Nothing, RC),
    r("GET", "/api/v1/reviews?contact_id={c}", Nothing, RC),
    r("POST", "/api/v1/reviews", Json(r#"{"contact_id": "{c}", "third_party_id": "{p}", "reviewed_on": "2025-02-01", "rating": 5}"#), MA),
    r("GET", "/api/v1/reviews/{v}", Nothing, RC),
    r("PUT", "/api/v1/reviews/{v}", Json(r#"{"rating": 3}"#), MA),
    r("DELETE", "/api/v1/reviews/{v}", Nothing, MA),
    r("GET", "/api/v1/sources", Nothing, RC),
    r("GET", "/api/v1/sources?since=2025-01-01", Nothing, RC),
    r("GET", "/api/v1/source-responses", Nothing, RC),
    r("POST", "/api/v1/source-responses", Json(r#"{"account_id": "{a}", "source": "event", "responded_on": "2025-02-01"}"#), MA),
    r("GET", "/api/v1/source-responses/{o}", Nothing, RC),
    r("PUT", "/api/v1/source-responses/{o}", Json(r#"{"source": "search"}"#), MA),
    r("DELETE", "/api/v1/source-responses/{o}", Nothing, MA),
    // E1, E2: the scorecard and the quarterly-review analyzer. Saving comes before reading
    // saved review 1: the administrator's calls run first and save it.
    r("GET", "/api/v1/scorecard", Nothing, RC),
    r("GET", "/api/v1/scorecard?period=2026Q2&segment=enterprise", Nothing, RC),
    r("GET", "/api/v1/quarterly-reviews", Nothing, RC),
    r("POST", "/api/v1/quarterly-reviews", Json(r#"{"agenda": "item,minutes\nSales pipeline,30\nCustomer retention,20"}"#), RC),
    r("POST", "/api/v1/quarterly-reviews", Json(r#"{"agenda": "- Roadmap (30 min)", "title": "Matrix review", "save": true}"#), WC),
    r("POST", "/api/v1/quarterly-reviews/corrections", Json(r#"{"item": "Partner summit", "class": "customer_value"}"#), WC),
    // C6: the question linter, for every signed-in user.
    r("GET", "/api/v1/evidence", Nothing, RC),
    r("GET", "/api/v1/evidence?tag=fixture&kind=problem", Nothing, RC),
    r("POST", "/api/v1/evidence", Json(r#"{"text": "Matrix evidence", "date": "2025-02-01", "account_id": "{a}", "tags": ["matrix"]}"#), WE),
    r("GET", "/api/v1/evidence/{e}", Nothing, RC),
    r("PUT", "/api/v1/evidence/{e}", Json(r#"{"kind": "praise"}"#), WE),
    r("DELETE", "/api/v1/evidence/{e}", Nothing, WE),
    r("POST", "/api/v1/evidence/suggest", Json(r#"{"text": "The export is slow"}"#), RC),
    r("POST", "/api/v1/evidence/sync", Nothing, WE),
    // Search, themes and customer language (C3–C5).
    r("GET", "/api/v1/search?q=export", Nothing, RC),
    r("GET", "/api/v1/search?q=export&kind=problem&tag=fixture&from=2025-01-01&to=2025-12-31", Nothing, RC),
    r("GET", "/api/v1/themes", Nothing, RC),
    r("POST", "/api/v1/themes", Json(r#"{"label": "Matrix theme {x}"}"#), MI),
    r("POST", "/api/v1/themes/refresh", Json("{}"), MI),
    r("GET", "/api/v1/themes/{theme}", Nothing, RC),
    r("POST", "/api/v1/themes/{theme}/rename", Json(r#"{"label": "Matrix renamed {x}"}"#), MI),
    r("POST", "/api/v1/themes/{theme}/merge", Json(r#"{"from": "{theme3}"}"#), MI),
    r("POST", "/api/v1/themes/{theme}/split", Json(r#"{"words": "dashboards", "label": "Matrix split {x}"}"#), MI),
    r("POST", "/api/v1/themes/{theme}/tags", Json(r#"{"tag": "api-{x}"}"#), MI),
    r("DELETE", "/api/v1/themes/{theme}/tags/{x}", Nothing, MI),
    r("POST", "/api/v1/themes/{theme}/items", Json(r#"{"evidence_id": "{e}"}"#), MI),
    r("GET", "/api/v1/language", Nothing, RC),
    r("GET", "/api/v1/glossary", Nothing, RC),
    r("POST", "/api/v1/glossary", Json(r#"{"term": "Matrix api term {x}", "category": "product"}"#), MI),
    r("DELETE", "/api/v1/glossary/{gloss}", Nothing, MI),
    r("POST", "/api/v1/questions/lint", Json(r#"{"guide": "Do you like it?"}"#), RC),
    // C2: media; C7: strategy sessions and actions.
    r("GET", "/api/v1/media", Nothing, RC),
    r("GET", "/api/v1/media?consent=internal", Nothing, RC),
    r("POST", "/api/v1/media", Json(r#"{"title": "Matrix video {x}", "kind": "video", "link": "https://videos.example/m.mp4"}"#), WE),
    r("GET", "/api/v1/media/{md}", Nothing, RC),
    r("PUT", "/api/v1/media/{md}", Json(r#"{"consent": "external"}"#), MI),
    r("DELETE", "/api/v1/media/{md}", Nothing, MI),
    r("GET", "/api/v1/media/{md}/file", Nothing, RC),
    r("POST", "/api/v1/media/{md}/transcript", Json(r#"{"transcript": "[00:00:05] Dana: The matrix said this.", "format": "text"}"#), WE),
    r("GET", "/api/v1/strategy/sessions", Nothing, RC),
    r("POST", "/api/v1/strategy/sessions", Json(r#"{"title": "Matrix session", "held_on": "2025-03-01"}"#), MI),
    r("GET", "/api/v1/strategy/sessions/{ss}", Nothing, RC),
    r("PUT", "/api/v1/strategy/sessions/{ss}", Json(r#"{"attendees": "The matrix"}"#), MI),
    r("DELETE", "/api/v1/strategy/sessions/{ss}", Nothing, MI),
    r("POST", "/api/v1/strategy/sessions/{ss}/items", Json(r#"{"evidence_id": "{e}", "discussion": "Matrix"}"#), MI),
    r("PUT", "/api/v1/strategy/items/{si}", Json(r#"{"discussion": "Matrix notes"}"#), MI),
    r("DELETE", "/api/v1/strategy/items/{si}", Nothing, MI),
    r("GET", "/api/v1/actions", Nothing, RC),
    r("GET", "/api/v1/actions?open=yes&owner=Fixture%20Owner", Nothing, RC),
    r("POST", "/api/v1/actions", Json(r#"{"title": "Matrix action", "owner": "Matrix", "evidence_ids": ["{e}"]}"#), MI),
    r("GET", "/api/v1/actions/by-owner", Nothing, RC),
    r("GET", "/api/v1/actions/progress?months=6", Nothing, RC),
    r("GET", "/api/v1/actions/{ai}", Nothing, RC),
    r("PUT", "/api/v1/actions/{ai}", Json(r#"{"status": "in_progress"}"#), MI),
    r("DELETE", "/api/v1/actions/{ai}", Nothing, MI),
    // ---- pages ----
    r("GET", "/login", Nothing, Public),
    r("GET", "/healthz", Nothing, Public),
    r("GET", "/static/style.css", Nothing, Public),
    r("POST", "/logout", Nothing, SignedIn),
    r("GET", "/", Nothing, RC),
    r("GET", "/accounts", Nothing, RC),
    r("GET", "/accounts?q=Fixture", Nothing, RC),
    r("GET", "/accounts?sort=margin", Nothing, RF),
    r("GET", "/accounts?unprofitable=yes", Nothing, RF),
    r("POST", "/accounts", Form(ACCOUNT_FORM), WC),
    r("GET", "/accounts/new", Nothing, WC),
    r("GET", "/accounts/{a}", Nothing, RC),
    r("POST", "/accounts/{a}", Form(ACCOUNT_FORM), WC),
    r("GET", "/accounts/{a}/edit", Nothing, WC),
    r("POST", "/accounts/{a}/delete", Nothing, WC),
    r("GET", "/contacts", Nothing, RC),
    r("GET", "/contacts?q=Fixture", Nothing, RC),
    r("GET", "/contacts/{c}", Nothing, RC),
    r("GET", "/contacts/{c}/privacy-export", Nothing, PR),
    r("POST", "/contacts/{c}/erase", Nothing, PR),
    r("GET", "/accounts/{a}/contacts/new", Nothing, WC),
    r("POST", "/accounts/{a}/contacts", Form(CONTACT_FORM), WC),
    r("GET", "/contacts/{c}/edit", Nothing, WC),
    r("POST", "/contacts/{c}", Form(CONTACT_FORM), WC),
    r("POST", "/contacts/{c}/delete", Nothing, WC),
    r("GET", "/accounts/{a}/touchpoints/new", Nothing, WT),
    r("POST", "/accounts/{a}/touchpoints", Form(TOUCHPOINT_FORM), WT),
    r("GET", "/touchpoints/{t}/edit", Nothing, WC),
    r("POST", "/touchpoints/{t}", Form(TOUCHPOINT_FORM), WC),
    r("POST", "/touchpoints/{t}/delete", Nothing, WC),
    r("GET", "/accounts/{a}/commitments/new", Nothing, WC),
    r("POST", "/accounts/{a}/commitments", Form(COMMITMENT_FORM), WC),
    r("GET", "/commitments/{m}/edit", Nothing, WC),
    r("POST", "/commitments/{m}", Form(COMMITMENT_FORM), WC),
    r("POST", "/commitments/{m}/delete", Nothing, WC),
    r("GET", "/accounts/{a}/nps/new", Nothing, WC),
    r("POST", "/accounts/{a}/nps", Form(NPS_FORM), WC),
    r("POST", "/nps/{n}/delete", Nothing, WC),
    r("GET", "/nps", Nothing, RC),
    r("GET", "/value", Nothing, RF),
    r("GET", "/transfer", Nothing, IE),
    r("POST", "/transfer", Upload("accounts", IMPORT_CSV), IE),
    r("GET", "/export/{accounts.csv}", Nothing, IE),
    r("GET", "/export/{contacts.csv}", Nothing, IE),
    r("GET", "/export/{touchpoints.csv}", Nothing, IE),
    r("GET", "/export/{commitments.csv}", Nothing, IE),
    r("GET", "/export/{nps.csv}", Nothing, IE),
    r("GET", "/admin", Nothing, AD),
    r("GET", "/admin/users", Nothing, AD),
    r("POST", "/admin/users", Form(NEW_USER_FORM), AD),
    r("POST", "/admin/users/{u}/role", Form(&[("role", "product")]), AD),
    r("POST", "/admin/users/{u}/disable", Nothing, AD),
    r("POST", "/admin/users/{u}/enable", Nothing, AD),
    r("GET", "/admin/tokens", Nothing, AD),
    r("POST", "/admin/tokens", Form(TOKEN_FORM), AD),
    r("POST", "/admin/tokens/{k}/revoke", Nothing, AD),
    r("GET", "/admin/audit", Nothing, AD),
    r("GET", "/advocates", Nothing, RC),
    r("GET", "/advocates/settings", Nothing, RC),
    r("POST", "/advocates/settings", Form(SETTINGS_FORM), MA),
    r("GET", "/advocates/{c}", Nothing, RC),
    r("POST", "/advocates/{c}/profile", Form(PROFILE_FORM), MA),
    r("POST", "/advocates/{c}/activities", Form(ACTIVITY_FORM), MA),
    r("POST", "/advocates/{c}/incentives", Form(INCENTIVE_FORM), MA),
    r("GET", "/references", Nothing, RR),
    r("POST", "/references", Form(REQUEST_FORM), RR),
    r("GET", "/references/new", Nothing, RR),
    r("GET", "/references/report", Nothing, MA),
    r("GET", "/references/{r}", Nothing, RR),
    r("POST", "/references/{r}/status", Form(&[("status", "cancelled")]), RR),
    r("POST", "/references/{r}/outcome", Form(&[("outcome", "won"), ("revenue_influenced", "1000")]), RR),
    r("GET", "/references/ops", Nothing, MA),
    r("GET", "/consents", Nothing, RC),
    r("GET", "/contacts/{c}/consents", Nothing, RC),
    r("POST", "/contacts/{c}/consents", Form(&[("activity", "quote"), ("consent", "ask_first")]), MC),
    r("POST", "/contacts/{c}/consents/clear", Form(&[("activity", "quote")]), MC),
    r("GET", "/nominations", Nothing, RC),
    r("POST", "/nominations", Form(&[("contact_id", "{nominee}"), ("reason", "Matrix nomination")]), RC),
    r("POST", "/nominations/{nomination}/status", Form(&[("status", "contacted")]), MA),
    r("POST", "/references/{done}/feedback", Form(&[("helped", "no")]), RR),
    r("POST", "/references/{done}/feedback-link", Nothing, MA),
    r("POST", "/references/{done}/confirm", Nothing, MA),
    r("POST", "/advocates/{c}/reviews", Form(REVIEW_FORM), MA),
    r("GET", "/stories", Nothing, RC),
    r("GET", "/stories?spin=yes&sort=stage&dir=desc", Nothing, RC),
    r("POST", "/stories", Form(STORY_FORM), MA),
    r("GET", "/stories/new", Nothing, MA),
    r("GET", "/stories/new?account_id={a}", Nothing, MA),
    r("GET", "/stories/{s}", Nothing, RC),
    r("POST", "/stories/{s}", Form(STORY_FORM), MA),
    r("GET", "/stories/{s}/edit", Nothing, MA),
    r("POST", "/stories/{s}/delete", Nothing, MA),
    r("GET", "/third-parties", Nothing, RC),
    r("POST", "/third-parties", Form(&[("name", "Matrix Form Reviews {x}"), ("kind", "review_site")]), MA),
    r("GET", "/third-parties/{p}", Nothing, RC),
    r("POST", "/third-parties/{p}", Form(&[("name", "Matrix Renamed {x}"), ("kind", "analyst_firm")]), MA),
    r("POST", "/third-parties/{p}/delete", Nothing, MA),
    r("POST", "/reviews/{v}/delete", Nothing, MA),
    r("GET", "/sources", Nothing, RC),
    r("GET", "/sources?since=2025-01-01&until=2025-12-31", Nothing, RC),
    r("POST", "/sources/responses", Form(&[("account_id", "{a}"), ("source", "event"), ("responded_on", "2025-02-01")]), MA),
    r("POST", "/sources/responses/{o}/delete", Nothing, MA),
    r("GET", "/scorecard", Nothing, RC),
    r("GET", "/scorecard?period=2026Q2&segment=smb", Nothing, RC),
    r("GET", "/scorecard/rows?figure=touchpoints", Nothing, RC),
    r("GET", "/scorecard/rows?figure=coverage&segment=enterprise", Nothing, RC),
    r("GET", "/scorecard/rows?figure=commitments", Nothing, RC),
    r("GET", "/scorecard/rows?figure=nps&period=2026Q2", Nothing, RC),
    r("GET", "/scorecard/rows?figure=logo_retention", Nothing, RC),
    r("GET", "/scorecard/rows?figure=at_risk", Nothing, RC),
    r("GET", "/scorecard/rows?figure=cohort&cohort=none", Nothing, RC),
    r("GET", "/scorecard/rows?figure=lifetime_value", Nothing, RF),
    r("GET", "/scorecard/rows?figure=unprofitable", Nothing, RF),
    r("GET", "/quarterly-reviews", Nothing, RC),
    r("GET", "/quarterly-reviews/vocabulary", Nothing, RC),
    r("POST", "/quarterly-reviews/analyze", Upload("agenda", AGENDA_CSV), RC),
    r("POST", "/quarterly-reviews/analyze", Form(AGENDA_FORM), RC),
    r("POST", "/quarterly-reviews", Form(AGENDA_FORM), WC),
    r("GET", "/quarterly-reviews/{1}", Nothing, RC),
    r("POST", "/quarterly-reviews/corrections", Form(CORRECTION_FORM), WC),
    r("GET", "/evidence", Nothing, RC),
    r("GET", "/evidence?kind=problem&sort=level&dir=asc", Nothing, RC),
    r("GET", "/evidence/new", Nothing, WE),
    r("POST", "/evidence", Form(&[("text", "Matrix evidence {x}"), ("date", "2025-02-01"), ("account_id", "{a}")]), WE),
    r("GET", "/evidence/{e}", Nothing, RC),
    r("POST", "/evidence/{e}", Form(&[("text", "Matrix evidence edited"), ("date", "2025-02-01"), ("kind", "wish")]), WE),
    r("POST", "/evidence/{e}/delete", Nothing, WE),
    r("GET", "/search", Nothing, RC),
    r("GET", "/search?q=export&industry=&kind=problem&page=1", Nothing, RC),
    r("GET", "/themes", Nothing, RC),
    r("POST", "/themes", Form(&[("label", "Matrix page theme {x}")]), MI),
    r("POST", "/themes/refresh", Nothing, MI),
    r("GET", "/themes/{theme}", Nothing, RC),
    r("POST", "/themes/{theme}/rename", Form(&[("label", "Matrix page rename {x}")]), MI),
    r("POST", "/themes/{theme}/merge", Form(&[("from", "{theme2}")]), MI),
    r("POST", "/themes/{theme}/split", Form(&[("words", "invoices"), ("label", "Matrix page split {x}")]), MI),
    r("POST", "/themes/{theme}/pin-tag", Form(&[("tag", "fixture-{x}")]), MI),
    r("POST", "/themes/{theme}/unpin-tag", Form(&[("tag", "{x}")]), MI),
    r("GET", "/language", Nothing, RC),
    r("POST", "/language/glossary", Form(&[("term", "Matrix page term {x}"), ("category", "marketing")]), MI),
    r("POST", "/language/glossary/{gloss}/delete", Nothing, MI),
    r("GET", "/questions", Nothing, RC),
    r("POST", "/questions", Form(&[("guide", "Do you like it?")]), RC),
    r("GET", "/media", Nothing, RC),
    r("GET", "/media?consent=internal&sort=title", Nothing, RC),
    r("POST", "/media", Form(&[("title", "Matrix page video {x}"), ("kind", "audio"), ("link", "https://videos.example/p.mp3")]), WE),
    r("GET", "/media/{md}", Nothing, RC),
    r("GET", "/media/{md}?t=5", Nothing, RC),
    r("POST", "/media/{md}", Form(&[("title", "Matrix renamed"), ("kind", "video"), ("link", "https://videos.example/r.mp4"), ("consent", "internal")]), MI),
    r("GET", "/media/{md}/file", Nothing, RC),
    r("POST", "/media/{md}/transcript", Form(&[("transcript", "Dana: The matrix said this on the page."), ("transcript_format", "text")]), WE),
    r("POST", "/media/{md}/delete", Nothing, MI),
    r("GET", "/strategy", Nothing, RC),
    r("POST", "/strategy", Form(&[("title", "Matrix page session"), ("held_on", "2025-03-02")]), MI),
    r("GET", "/strategy/{ss}", Nothing, RC),
    r("POST", "/strategy/{ss}", Form(&[("title", "Matrix renamed session"), ("held_on", "2025-03-03")]), MI),
    r("POST", "/strategy/{ss}/items", Form(&[("evidence_id", "{e2}")]), MI),
    r("POST", "/strategy/{ss}/delete", Nothing, MI),
    r("POST", "/strategy/items/{si}/discussion", Form(&[("discussion", "Matrix page notes")]), MI),
    r("POST", "/strategy/items/{si}/delete", Nothing, MI),
    r("GET", "/strategy/actions", Nothing, RC),
    r("POST", "/strategy/actions", Form(&[("title", "Matrix page action"), ("owner", "Matrix")]), MI),
    r("GET", "/strategy/actions/{ai}", Nothing, RC),
    r("POST", "/strategy/actions/{ai}", Form(&[("title", "Matrix page action"), ("owner", "Matrix"), ("status", "done")]), MI),
    r("POST", "/strategy/actions/{ai}/delete", Nothing, MI),
    // ---- customer events (D1–D8) ----
    r("GET", "/api/v1/events", Nothing, RC),
    r("POST", "/api/v1/events", Json(r#"{"name": "Matrix API event {x}", "kind": "roundtable", "starts_on": "2026-12-01"}"#), ME),
    r("GET", "/api/v1/events/stage-balance", Nothing, RC),
    r("GET", "/api/v1/events/{ev}", Nothing, RC),
    r("PUT", "/api/v1/events/{ev}", Json(r#"{"city": "Bergen"}"#), ME),
    r("DELETE", "/api/v1/events/{ev}", Nothing, ME),
    r("GET", "/api/v1/events/{ev}/agenda", Nothing, RC),
    r("POST", "/api/v1/events/{ev}/rooms", Json(r#"{"name": "API room {x}"}"#), ME),
    r("DELETE", "/api/v1/events/{ev}/rooms/{room}", Nothing, ME),
    r("POST", "/api/v1/events/{ev}/sessions", Json(r#"{"room_id": "{room}", "title": "API session", "format": "demo", "start": "12:00", "end": "12:30"}"#), ME),
    r("GET", "/api/v1/events/{ev}/ics", Nothing, RC),
    r("GET", "/api/v1/events/{ev}/guests", Nothing, RC),
    r("POST", "/api/v1/events/{ev}/guests", Json(r#"{"contact_id": "{nominee2}"}"#), ME),
    r("GET", "/api/v1/events/{ev}/guests.csv", Nothing, RC),
    r("GET", "/api/v1/events/{ev}/introductions", Nothing, RC),
    r("GET", "/api/v1/events/{ev}/briefing/{c}", Nothing, RC),
    r("GET", "/api/v1/events/{ev}/notes", Nothing, RC),
    r("POST", "/api/v1/events/{ev}/notes", Json(r#"{"contact_id": "{c}", "kind": "wish", "text": "Matrix API note"}"#), WEV),
    r("GET", "/api/v1/events/{ev}/outcomes", Nothing, RC),
    r("GET", "/api/v1/sessions/{ses}", Nothing, RC),
    r("PUT", "/api/v1/sessions/{ses}", Json(r#"{"title": "Matrix renamed"}"#), ME),
    r("DELETE", "/api/v1/sessions/{ses}", Nothing, ME),
    r("POST", "/api/v1/sessions/{ses}/speakers", Json(r#"{"kind": "partner", "name": "API Partner {x}"}"#), ME),
    r("GET", "/api/v1/sessions/{ses}/ics", Nothing, RC),
    r("DELETE", "/api/v1/speakers/{spk}", Nothing, ME),
    r("GET", "/api/v1/guests/{gst}", Nothing, RC),
    r("PUT", "/api/v1/guests/{gst}", Json(r#"{"rsvp": "yes"}"#), ME),
    r("DELETE", "/api/v1/guests/{gst}", Nothing, ME),
    r("GET", "/api/v1/community?city=Oslo&topic=retail", Nothing, RC),
    r("GET", "/events", Nothing, RC),
    r("POST", "/events", Form(EVENT_FORM), ME),
    r("GET", "/events/{ev}", Nothing, RC),
    r("POST", "/events/{ev}", Form(EVENT_FORM), ME),
    r("POST", "/events/{ev}/delete", Nothing, ME),
    r("POST", "/events/{ev}/rooms", Form(&[("name", "Matrix room {x}"), ("main_stage", "false")]), ME),
    r("POST", "/events/{ev}/rooms/{room}/delete", Nothing, ME),
    r("POST", "/events/{ev}/sessions", Form(EVENT_SESSION_FORM), ME),
    r("GET", "/events/{ev}/sessions/{ses}", Nothing, RC),
    r("POST", "/events/{ev}/sessions/{ses}", Form(&[("title", "Matrix session edited"), ("room_id", "{room}"), ("format", "keynote"), ("start", "09:00"), ("end", "10:00")]), ME),
    r("POST", "/events/{ev}/sessions/{ses}/delete", Nothing, ME),
    r("GET", "/events/{ev}/sessions/{ses}/calendar.ics", Nothing, RC),
    r("POST", "/events/{ev}/speakers", Form(&[("session_id", "{ses}"), ("kind", "academic"), ("name", "Prof Matrix {x}")]), ME),
    r("POST", "/events/{ev}/speakers/{spk}/delete", Nothing, ME),
    r("GET", "/events/{ev}/calendar.ics", Nothing, RC),
    r("GET", "/events/{ev}/print", Nothing, RC),
    r("GET", "/events/{ev}/guests", Nothing, RC),
    r("GET", "/events/{ev}/guests?q=Fixture", Nothing, RC),
    r("POST", "/events/{ev}/guests", Form(&[("contact_id", "{nominee}"), ("rsvp", "maybe")]), ME),
    r("GET", "/events/{ev}/guests.csv", Nothing, RC),
    r("POST", "/events/{ev}/guests/account", Form(&[("account_id", "{a}")]), ME),
    r("POST", "/events/{ev}/guests/{gst}", Form(&[("rsvp", "yes"), ("attended", "true")]), ME),
    r("POST", "/events/{ev}/guests/{gst}/delete", Nothing, ME),
    r("GET", "/events/{ev}/briefing/{c}", Nothing, RC),
    r("GET", "/events/{ev}/capture", Nothing, WEV),
    r("POST", "/events/{ev}/capture", Form(&[("contact_id", "{c}"), ("kind", "problem"), ("text", "Matrix page note")]), WEV),
    r("GET", "/events/{ev}/outcomes", Nothing, RC),
    r("GET", "/community", Nothing, RC),
    r("GET", "/community?city=Oslo&topic=retail", Nothing, RC),
    // After the guest forms above: inviting the account's contacts must not take theirs.
    r("POST", "/api/v1/events/{ev}/guests/account", Json(r#"{"account_id": "{a}"}"#), ME),
];

/// Routes whose answers depend on more than the caller, tested in attacks.rs: signing in
/// (a wrong password is a 401, too many a 429) and the one-time setup.
/// The advocate's one-time feedback link works once for anybody: tested in reference_ops.rs.
const TESTED_ELSEWHERE: &[(&str, &str)] = &[
    ("POST", "/login"),
    ("GET", "/setup"),
    ("POST", "/setup"),
    ("GET", "/feedback/{token}"),
    ("POST", "/feedback/{token}"),
    // A background import's page exists only for the user who started it: pages.rs
    // (`a_large_upload_imports_in_the_background…`) checks who may read it.
    ("GET", "/transfer/jobs/{id}"),
    // Its rejected rows likewise: pages.rs (`uploading_a_bad_csv_file…`) checks another
    // importer gets 404 and a viewer 403.
    ("GET", "/transfer/jobs/{id}/rejects.csv"),
    // The same for the API's form of it: api.rs (`an_import_can_run_in_the_background…`).
    ("GET", "/api/v1/import-jobs/{id}"),
];

impl Route {
    fn is_api(&self) -> bool {
        self.path.starts_with("/api")
    }

    /// Calls that end what they act on get records (and a session) of their own.
    fn ends_something(&self) -> bool {
        self.method == "DELETE"
            || ["/delete", "/revoke", "/erase", "/status"]
                .iter()
                .any(|end| self.path.ends_with(end))
            || self.path == "/logout"
    }

    fn allowed(&self, role: Role) -> bool {
        match self.needs {
            Public | SignedIn => true,
            Perm(p) => documented(role, p),
        }
    }

    fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

// ---- records every role works on ----

/// Distinctive figures and text only managers and administrators may see.
const REVENUE: i64 = 5_000_000;
const COST_TO_SERVE: i64 = 987_613;
const DISCOUNT: i64 = 24_691;
const MARGIN: i64 = REVENUE - COST_TO_SERVE - DISCOUNT;
const PRIVATE_NOTE: &str = "SECRET-NOTE-123";
const FINANCIAL_KEYS: [&str; 3] = ["cost_to_serve", "discount", "margin"];

/// `1234567` as the pages show it: `1,234,567`.
fn shown(v: i64) -> String {
    peerstage_core::money::format_amount(v)
}

#[derive(Debug, Clone, Copy)]
struct Fixture {
    account: i64,
    contact: i64,
    touchpoint: i64,
    commitment: i64,
    nps: i64,
    /// A reference request, made by the role when it may make one (reps see only their own).
    request: i64,
    story: i64,
    third_party: i64,
    review: i64,
    source_response: i64,
    /// A pasted evidence item on the account (C1).
    evidence: i64,
    /// Unique among fixtures: ids are reused after deletes, names must not be.
    serial: i64,
    /// A viewer the admin pages act on.
    user: i64,
    /// An API token of the administrator's.
    token: i64,
    admin: i64,
    /// A completed reference request by `requester`, with `contact` as its advocate.
    done: i64,
    /// Contacts nobody nominated yet (one for the page, one for the API), and a nomination.
    nominee: i64,
    nominee2: i64,
    nomination: i64,
    /// An event (D1) with a main-stage room, a session with `contact` speaking, and
    /// `contact` on the guest list.
    event: i64,
    room: i64,
    session: i64,
    speaker: i64,
    guest: i64,
    /// A linked recording with consent to internal use (C2), a strategy session holding it
    /// (C7) as item `si`, and an action driven by `evidence`.
    media: i64,
    strategy: i64,
    item: i64,
    action: i64,
    /// A second evidence item, for adding to the session from the page.
    evidence2: i64,
    /// Themes made by hand (C4): `theme` holds the fixture evidence and two more items (one
    /// tagged `fixture-{serial}`, `api-{serial}` and `{serial}`, the last pinned);
    /// `theme2` and `theme3` are merged into it by the page and the API. A glossary term (C5).
    theme: i64,
    theme2: i64,
    theme3: i64,
    gloss: i64,
}

/// An account with financial figures and a private note, one of everything under it, and an
/// API token, made by the administrator; a reference request made by `requester`; `user` is
/// a viewer shared by a role's calls.
async fn fixture(app: &TestApp, requester: &TestApp, user: i64) -> Fixture {
    let account = app
        .create_account(json!({
            "name": "Fixture Ltd",
            "annual_revenue": REVENUE,
            "cost_to_serve": COST_TO_SERVE,
            "discount": DISCOUNT,
            "private_notes": PRIVATE_NOTE,
        }))
        .await;
    let contact = app
        .create_under(account, "contacts", json!({"name": "Fixture Person", "reference_consent": "yes", "role": "champion", "title": "CTO"}))
        .await;
    let touchpoint = app
        .create_under(
            account,
            "touchpoints",
            json!({"kind": "meeting", "occurred_on": "2025-01-10", "contact_ids": [contact]}),
        )
        .await;
    let commitment = app
        .create_under(
            account,
            "commitments",
            json!({"description": "Fixture promise"}),
        )
        .await;
    let nps = app
        .create_under(
            account,
            "nps",
            json!({"score": 9, "responded_on": "2025-01-10", "contact_id": contact}),
        )
        .await;
    let admin = app.admin().user.id;
    let token = app.db(move |s| s.create_token(admin, "fixture")).await.1.id;
    let id_of = |r: Resp| {
        r.expect(201);
        r.json()["id"].as_i64().expect("a created record's id")
    };
    static SERIAL: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(1);
    let serial = SERIAL.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let third_party = id_of(
        app.post_json(
            "/api/v1/third-parties",
            &json!({"name": format!("Fixture Reviews {serial}"), "kind": "review_site"}),
        )
        .await,
    );
    let review = id_of(
        app.post_json(
            "/api/v1/reviews",
            &json!({"contact_id": contact, "third_party_id": third_party, "reviewed_on": "2025-01-10", "rating": 4}),
        )
        .await,
    );
    let source_response = id_of(
        app.post_json(
            "/api/v1/source-responses",
            &json!({"account_id": account, "source": format!("Fixture Reviews {serial}"), "responded_on": "2025-01-12"}),
        )
        .await,
    );
    let story = id_of(
        app.post_json(
            "/api/v1/stories",
            &json!({"title": "Fixture story", "account_id": account, "contact_ids": [contact], "stage": "decision"}),
        )
        .await,
    );
    let evidence = id_of(
        app.post_json(
            "/api/v1/evidence",
            &json!({"text": "Fixture evidence: the export is slow", "date": "2025-01-12", "account_id": account, "contact_id": contact, "tags": ["fixture"]}),
        )
        .await,
    );
    let r = requester.post_form("/references", REQUEST_FORM).await;
    r.expect(303);
    let request = r
        .location()
        .trim_start_matches("/references/")
        .split('?')
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("a new request's address: {}", r.location()));
    let r = requester.post_form("/references", REQUEST_FORM).await;
    r.expect(303);
    let done: i64 = r
        .location()
        .trim_start_matches("/references/")
        .split('?')
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("a new request's address: {}", r.location()));
    app.db(move |s| {
        let today = chrono::Utc::now().date_naive();
        for to in [
            peerstage_core::reference::RequestStatus::Proposed,
            peerstage_core::reference::RequestStatus::Asked,
            peerstage_core::reference::RequestStatus::Accepted,
            peerstage_core::reference::RequestStatus::Completed,
        ] {
            s.advance_request(done, to, Some(contact), None, today)?;
        }
        Ok(())
    })
    .await;
    let nominee = app
        .create_under(account, "contacts", json!({"name": "Fixture Nominee"}))
        .await;
    let nominee2 = app
        .create_under(account, "contacts", json!({"name": "Fixture Nominee Two"}))
        .await;
    let nomination = app
        .db(move |s| {
            s.nominate(
                &peerstage_core::refops::NewNomination {
                    contact_id: contact,
                    reason: "Fixture nomination".into(),
                },
                chrono::Utc::now().date_naive(),
            )
        })
        .await
        .id;
    let event = id_of(
        app.post_json(
            "/api/v1/events",
            &json!({"name": format!("Fixture event {serial}"), "kind": "conference", "starts_on": "2026-12-01", "time_zone": "Europe/Oslo", "city": "Oslo"}),
        )
        .await,
    );
    let room = id_of(
        app.post_json(
            &format!("/api/v1/events/{event}/rooms"),
            &json!({"name": "Fixture hall", "main_stage": true}),
        )
        .await,
    );
    let session = id_of(
        app.post_json(
            &format!("/api/v1/events/{event}/sessions"),
            &json!({"room_id": room, "title": "Fixture keynote", "format": "keynote", "start": "09:00", "end": "10:00"}),
        )
        .await,
    );
    let speaker = id_of(
        app.post_json(
            &format!("/api/v1/sessions/{session}/speakers"),
            &json!({"kind": "customer", "contact_id": contact}),
        )
        .await,
    );
    let guest = id_of(
        app.post_json(
            &format!("/api/v1/events/{event}/guests"),
            &json!({"contact_id": contact, "key_guest": true}),
        )
        .await,
    );
    let media = id_of(
        app.post_json(
            "/api/v1/media",
            &json!({"title": format!("Fixture video {serial}"), "kind": "video", "link": "https://videos.example/fixture.mp4", "account_id": account, "consent": "internal"}),
        )
        .await,
    );
    let strategy = id_of(
        app.post_json(
            "/api/v1/strategy/sessions",
            &json!({"title": format!("Fixture session {serial}"), "held_on": "2025-02-01"}),
        )
        .await,
    );
    let item = id_of(
        app.post_json(
            &format!("/api/v1/strategy/sessions/{strategy}/items"),
            &json!({"media_id": media, "discussion": "Fixture notes"}),
        )
        .await,
    );
    let evidence2 = id_of(
        app.post_json(
            "/api/v1/evidence",
            &json!({"text": "Fixture evidence two: onboarding took months", "date": "2025-01-13", "account_id": account}),
        )
        .await,
    );
    let action = id_of(
        app.post_json(
            "/api/v1/actions",
            &json!({"title": "Fixture action", "owner": "Fixture Owner", "session_id": strategy, "evidence_ids": [evidence]}),
        )
        .await,
    );
    let (theme, theme2, theme3, gloss) = app
        .db(move |s| {
            let item = |text: &str, tags: Vec<String>| {
                let mut d = peerstage_core::evidence::EvidenceData::new(
                    text,
                    peerstage_core::evidence::EvidenceSource::Pasted,
                    chrono::NaiveDate::from_ymd_opt(2025, 1, 15).unwrap(),
                );
                d.account_id = Some(account);
                d.tags = tags;
                s.create_evidence(&d).map(|e| e.id)
            };
            let theme = s.create_theme(&format!("Fixture theme {serial}"))?;
            let theme2 = s.create_theme(&format!("Fixture theme two {serial}"))?;
            let theme3 = s.create_theme(&format!("Fixture theme three {serial}"))?;
            let e2 = item(
                "Fixture invoices arrive late",
                vec![
                    format!("fixture-{serial}"),
                    format!("api-{serial}"),
                    serial.to_string(),
                ],
            )?;
            let e3 = item("Fixture dashboards freeze", Vec::new())?;
            for e in [evidence, e2, e3] {
                s.pin_theme_item(theme, e)?;
            }
            s.pin_theme_tag(theme, &serial.to_string())?;
            let gloss = s
                .add_glossary_term(&format!("Fixture term {serial}"), "marketing", "")?
                .id;
            Ok((theme, theme2, theme3, gloss))
        })
        .await;
    Fixture {
        theme,
        theme2,
        theme3,
        gloss,
        done,
        event,
        room,
        session,
        speaker,
        guest,
        media,
        strategy,
        item,
        action,
        evidence2,
        nominee,
        nominee2,
        nomination,
        account,
        contact,
        touchpoint,
        commitment,
        nps,
        request,
        story,
        third_party,
        review,
        source_response,
        evidence,
        serial,
        user,
        token,
        admin,
    }
}

/// A viewer for the admin pages to act on.
async fn victim(app: &TestApp, role: Role) -> i64 {
    app.identity(&format!("victim-of-{role}@matrix.example"), Role::Viewer)
        .await
        .user
        .id
}

/// Replaces each `{word}` (letters, digits, `.`, `_`, `-`) with the record it names, or with
/// `word`; braces around anything else (JSON) are left alone.
fn fill(text: &str, f: &Fixture) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let word = after.find('}').map(|close| &after[..close]).filter(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        });
        match word {
            Some(w) => {
                let id = match w {
                    "a" => Some(f.account),
                    "c" => Some(f.contact),
                    "t" => Some(f.touchpoint),
                    "m" => Some(f.commitment),
                    "n" => Some(f.nps),
                    "r" => Some(f.request),
                    "s" => Some(f.story),
                    "p" => Some(f.third_party),
                    "v" => Some(f.review),
                    "o" => Some(f.source_response),
                    "e" => Some(f.evidence),
                    "x" => Some(f.serial),
                    "u" => Some(f.user),
                    "k" => Some(f.token),
                    "admin" => Some(f.admin),
                    "done" => Some(f.done),
                    "nominee" => Some(f.nominee),
                    "nominee2" => Some(f.nominee2),
                    "nomination" => Some(f.nomination),
                    "ev" => Some(f.event),
                    "room" => Some(f.room),
                    "ses" => Some(f.session),
                    "spk" => Some(f.speaker),
                    "gst" => Some(f.guest),
                    "md" => Some(f.media),
                    "ss" => Some(f.strategy),
                    "si" => Some(f.item),
                    "ai" => Some(f.action),
                    "e2" => Some(f.evidence2),
                    "theme" => Some(f.theme),
                    "theme2" => Some(f.theme2),
                    "theme3" => Some(f.theme3),
                    "gloss" => Some(f.gloss),
                    _ => None,
                };
                out.push_str(&id.map(|i| i.to_string()).unwrap_or_else(|| w.to_string()));
                rest = &after[w.len() + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

const BOUNDARY: &str = "----peerstageRoleMatrixBoundary";

/// Sends a route's call as whoever `app` acts for.
async fn call(app: &TestApp, route: &Route, f: &Fixture) -> Resp {
    let uri = &fill(route.path, f);
    let method: Method = route.method.parse().expect("a method");
    match route.send {
        Nothing if method == Method::POST && !route.is_api() => app.post_form(uri, &[]).await,
        Nothing => app.request(method, uri, None, "").await,
        Json(body) => {
            app.request(method, uri, Some("application/json"), fill(body, f))
                .await
        }
        Form(pairs) => {
            let filled: Vec<(&str, String)> = pairs.iter().map(|(k, v)| (*k, fill(v, f))).collect();
            let pairs: Vec<(&str, &str)> = filled.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_form(uri, &pairs).await
        }
        Csv(body) => app.request(method, uri, Some("text/csv"), body).await,
        Upload(kind, csv) => {
            let body = multipart(
                BOUNDARY,
                &[("kind", None, kind), ("file", Some("m.csv"), csv)],
            );
            let uri = if app.who.is_some() {
                format!("{uri}?csrf={}", app.csrf())
            } else {
                uri.to_string()
            };
            app.request(
                method,
                &uri,
                Some(&format!("multipart/form-data; boundary={BOUNDARY}")),
                body,
            )
            .await
        }
    }
}

/// How many changes the audit log holds: every write adds one.
async fn changes(app: &TestApp) -> u64 {
    app.db(|s| {
        s.list_audit(&AuditFilter {
            page: 1,
            per_page: 1,
            ..Default::default()
        })
    })
    .await
    .total
}

// ---- what a response may not carry ----

fn walk_json(v: &Value, role: Role, path: &str, out: &mut Vec<String>) {
    let financial = documented(role, ReadFinancials);
    let notes = documented(role, ReadPrivateNotes);
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                // A field with a value, even null; an object under such a key is a schema
                // (the OpenAPI document), not data.
                let field = !child.is_object();
                if field && !financial && FINANCIAL_KEYS.contains(&k.as_str()) {
                    out.push(format!("{path}: key `{k}`"));
                }
                if field && !notes && k == "private_notes" {
                    out.push(format!("{path}: key `private_notes`"));
                }
                walk_json(child, role, &format!("{path}.{k}"), out);
            }
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, c)| walk_json(c, role, &format!("{path}[{i}]"), out)),
        Value::Number(n)
            if !financial
                && [COST_TO_SERVE, DISCOUNT, MARGIN]
                    .iter()
                    .any(|x| n.as_i64() == Some(*x)) =>
        {
            out.push(format!("{path}: the value {n}"));
        }
        Value::String(s) => {
            if !notes && s.contains(PRIVATE_NOTE) {
                out.push(format!("{path}: the private note"));
            }
            // Timestamps carry microseconds: any run of digits can appear in them.
            let timestamp = s.len() >= 20 && s.as_bytes()[4] == b'-' && s.as_bytes()[10] == b'T';
            if !financial && !timestamp {
                for v in [COST_TO_SERVE, DISCOUNT, MARGIN] {
                    if s.contains(&v.to_string()) || s.contains(&shown(v)) {
                        out.push(format!("{path}: the figure {v} in {s:?}"));
                    }
                }
            }
        }
        _ => {}
    }
}

/// What `r` shows `role` that the role may not read.
fn leaks(role: Role, r: &Resp, csrf: &str) -> Vec<String> {
    let mut out = Vec::new();
    if r.content_type().starts_with("application/json") {
        walk_json(&r.json(), role, "$", &mut out);
        return out;
    }
    // The CSRF token is random hex, and could hold any run of digits.
    let text = String::from_utf8_lossy(&r.body).replace(csrf, "");
    if !documented(role, ReadFinancials) {
        for v in [COST_TO_SERVE, DISCOUNT, MARGIN] {
            for s in [v.to_string(), shown(v)] {
                if text.contains(&s) {
                    out.push(format!("the figure {s}"));
                }
            }
        }
    }
    if !documented(role, ReadPrivateNotes) && text.contains(PRIVATE_NOTE) {
        out.push("the private note".into());
    }
    out
}

// ---- the matrix ----

#[test]
fn every_role_gets_exactly_the_routes_its_permissions_allow_and_403_elsewhere() {
    each_db(|app| async move {
        let mut failures = Vec::new();
        for role in ROLES {
            let who = app.identity(&format!("{role}@matrix.example"), role).await;
            let requester = if documented(role, RequestReferences) {
                app.as_user(&who)
            } else {
                app.clone()
            };
            let shared = fixture(&app, &requester, victim(&app, role).await).await;
            for route in ROUTES.iter().filter(|r| !matches!(r.needs, Public)) {
                // Deletes and sign-outs get their own records and session, so the order of
                // the table does not matter.
                let (f, as_role) = if route.ends_something() {
                    let uid = who.user.id;
                    let (cookie, session) = app.db(move |s| s.create_session(uid)).await;
                    let fresh = Identity {
                        cookie,
                        csrf: session.csrf_token,
                        ..who.clone()
                    };
                    (
                        fixture(&app, &requester, shared.user).await,
                        app.as_user(&fresh),
                    )
                } else {
                    (shared, app.as_user(&who))
                };
                let uri = fill(route.path, &f);
                let before = changes(&app).await;
                let resp = call(&as_role, route, &f).await;
                let what = format!("{role} {} {uri}", route.method);
                let status = resp.status.as_u16();
                if route.allowed(role) {
                    let ok = resp.status.is_success()
                        || (resp.status.is_redirection()
                            && !resp.location().starts_with("/login?"));
                    if !ok {
                        failures.push(format!("{what}: allowed, got {status} {}", snippet(&resp)));
                    }
                } else {
                    if status != 403 {
                        failures.push(format!(
                            "{what}: forbidden, got {status} {}",
                            snippet(&resp)
                        ));
                    } else if route.is_api() {
                        if !resp.content_type().starts_with("application/json")
                            || !resp.json()["error"].is_string()
                        {
                            failures.push(format!("{what}: 403 without a JSON error"));
                        }
                    } else {
                        let page = resp.text().to_lowercase();
                        if !resp.content_type().starts_with("text/html")
                            || !page.contains("not allowed")
                        {
                            failures.push(format!(
                                "{what}: 403 without a \"not allowed\" page: {page}"
                            ));
                        }
                    }
                    if changes(&app).await != before {
                        failures.push(format!("{what}: forbidden, yet the audit log grew"));
                    }
                }
                for leak in leaks(role, &resp, &as_role.csrf()) {
                    failures.push(format!("{what}: {leak} leaked"));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "on {}:\n{}",
            app.engine,
            failures.join("\n")
        );
    });
}

fn snippet(r: &Resp) -> String {
    let t = String::from_utf8_lossy(&r.body);
    let t: String = t.chars().take(300).collect();
    format!("(location {:?}) {t}", r.location())
}

#[test]
fn without_credentials_the_api_answers_401_json_and_pages_send_to_the_sign_in_page() {
    each_db(|app| async move {
        let f = fixture(&app, &app, victim(&app, Role::Viewer).await).await;
        let nobody = app.anonymous();
        let mut failures = Vec::new();
        for route in ROUTES {
            let uri = fill(route.path, &f);
            let before = changes(&app).await;
            let resp = call(&nobody, route, &f).await;
            let what = format!("{} {uri}", route.method);
            let status = resp.status.as_u16();
            let path = uri.split('?').next().unwrap();
            match route.needs {
                Public => {
                    if status != 200 {
                        failures.push(format!("{what}: public, got {status}"));
                    }
                }
                _ if route.is_api() => {
                    if status != 401
                        || !resp.content_type().starts_with("application/json")
                        || !resp.json()["error"].is_string()
                    {
                        failures.push(format!(
                            "{what}: expected a 401 JSON error, got {status} {}",
                            snippet(&resp)
                        ));
                    }
                }
                _ if route.method == "GET" => {
                    let mut next = form_urlencoded::Serializer::new(String::new());
                    next.append_pair("next", path);
                    let expected = format!("/login?{}", next.finish());
                    if status != 303 || resp.location() != expected {
                        failures.push(format!(
                            "{what}: expected 303 to {expected}, got {status} to {:?}",
                            resp.location()
                        ));
                    }
                }
                _ => {
                    // A form posted after the session ended cannot be replayed after signing
                    // in, so it is refused rather than redirected.
                    if status != 401 || !resp.text().contains("Sign in again") {
                        failures.push(format!(
                            "{what}: expected a 401 page, got {status} {}",
                            snippet(&resp)
                        ));
                    }
                }
            }
            if !matches!(route.needs, Public) && changes(&app).await != before {
                failures.push(format!("{what}: written without credentials"));
            }
        }
        assert!(
            failures.is_empty(),
            "on {}:\n{}",
            app.engine,
            failures.join("\n")
        );
    });
}

#[test]
fn only_managers_and_admins_receive_financial_fields_and_private_notes() {
    each_db(|app| async move {
        let f = fixture(&app, &app, app.admin().user.id).await;
        for role in ROLES {
            let who = app.identity(&format!("{role}@fields.example"), role).await;
            let as_role = app.as_user(&who);
            let privileged = matches!(role, Role::Admin | Role::Manager);
            let one = as_role
                .get(&format!("/api/v1/accounts/{}", f.account))
                .await;
            one.expect(200);
            let list = as_role.get("/api/v1/accounts?q=Fixture").await;
            list.expect(200);
            let list = list.json();
            let listed = list["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["id"] == f.account)
                .cloned()
                .expect("the fixture is listed");
            for account in [one.json(), listed] {
                assert_eq!(account["name"], "Fixture Ltd");
                if privileged {
                    assert_eq!(account["cost_to_serve"], COST_TO_SERVE, "{role}");
                    assert_eq!(account["discount"], DISCOUNT, "{role}");
                    assert_eq!(account["margin"], MARGIN, "{role}");
                    assert_eq!(account["private_notes"], PRIVATE_NOTE, "{role}");
                } else {
                    for key in FINANCIAL_KEYS.iter().chain(&["private_notes"]) {
                        assert!(
                            account.get(*key).is_none(),
                            "{role} received `{key}`: {account}"
                        );
                    }
                }
            }

            let page = as_role.get(&format!("/accounts/{}", f.account)).await;
            page.expect(200);
            let list_page = as_role.get("/accounts").await;
            list_page.expect(200);
            let (page, list_page) = (
                page.text().replace(&who.csrf, ""),
                list_page.text().replace(&who.csrf, ""),
            );
            assert!(page.contains("Fixture Ltd") && list_page.contains("Fixture Ltd"));
            assert_eq!(
                page.contains(&shown(MARGIN)),
                privileged,
                "{role}: margin on the account page"
            );
            assert_eq!(
                page.contains(&shown(COST_TO_SERVE)),
                privileged,
                "{role}: cost to serve on the account page"
            );
            assert_eq!(
                page.contains(PRIVATE_NOTE),
                privileged,
                "{role}: private note on the account page"
            );
            assert_eq!(
                list_page.contains(&shown(MARGIN)),
                privileged,
                "{role}: margin in the accounts list"
            );
            assert!(
                !list_page.contains(PRIVATE_NOTE),
                "{role}: private note in the accounts list"
            );
            for figure in [MARGIN, COST_TO_SERVE, DISCOUNT] {
                if !privileged {
                    assert!(
                        !page.contains(&figure.to_string())
                            && !list_page.contains(&figure.to_string()),
                        "{role}: {figure}"
                    );
                }
            }
            // An advocate's profitability trait says whether, not how much, without
            // financial access.
            for uri in [
                format!("/advocates/{}", f.contact),
                format!("/api/v1/advocates/{}", f.contact),
                "/api/v1/advocates".to_string(),
            ] {
                let r = as_role.get(&uri).await;
                r.expect(200);
                let body = r.text().replace(&who.csrf, "");
                assert!(body.contains("Fixture Person"), "{role} {uri}");
                let figures = body.contains(&shown(MARGIN)) || body.contains(&MARGIN.to_string());
                assert_eq!(figures, privileged, "{role} {uri}: the margin");
            }
        }
    });
}

#[test]
fn sorting_or_filtering_by_margin_and_the_value_report_are_403_for_sales_product_and_viewers() {
    each_db(|app| async move {
        for role in [Role::Sales, Role::Product, Role::Viewer] {
            let who = app.identity(&format!("{role}@margin.example"), role).await;
            let as_role = app.as_user(&who);
            for uri in [
                "/accounts?sort=margin",
                "/accounts?sort=margin&dir=desc",
                "/accounts?unprofitable=yes",
                "/accounts?unprofitable=no",
                "/value",
                "/api/v1/accounts?sort=margin",
                "/api/v1/accounts?unprofitable=yes",
                "/api/v1/value",
                "/export/accounts.csv",
                "/api/v1/export/accounts",
            ] {
                let r = as_role.get(uri).await;
                assert_eq!(r.status, 403, "{role} GET {uri}");
            }
            // Other sorts stay open.
            as_role.get("/accounts?sort=revenue").await.expect(200);
            as_role.get("/api/v1/accounts?sort=name").await.expect(200);
        }
    });
}

#[test]
fn sales_record_touchpoints_by_form_and_api_but_cannot_change_them_or_create_accounts() {
    each_db(|app| async move {
        let f = fixture(&app, &app, app.admin().user.id).await;
        let who = app.identity("sales@touch.example", Role::Sales).await;
        let sales = app.as_user(&who);
        let count = |app: TestApp| async move {
            let r = app
                .get(&format!("/api/v1/accounts/{}/touchpoints", f.account))
                .await;
            r.expect(200);
            r.json()["total"].as_u64().unwrap()
        };
        assert_eq!(count(app.clone()).await, 1);

        let r = sales
            .post_form(
                &format!("/accounts/{}/touchpoints", f.account),
                &[
                    ("kind", "call"),
                    ("occurred_on", "2025-03-01"),
                    ("notes", "Called by sales (form)"),
                ],
            )
            .await;
        r.expect(303);
        assert_eq!(
            r.location(),
            format!("/accounts/{}?notice=created#touchpoints", f.account)
        );
        let r = sales
            .post_json(
                &format!("/api/v1/accounts/{}/touchpoints", f.account),
                &json!({"kind": "email", "occurred_on": "2025-03-02", "notes": "Called by sales (API)"}),
            )
            .await;
        r.expect(201);
        assert_eq!(count(app.clone()).await, 3);
        let page = sales.get(&format!("/accounts/{}", f.account)).await.text();
        assert!(page.contains("Called by sales (form)") && page.contains("Called by sales (API)"));
        // The recorded touchpoints name the salesperson in the audit log.
        let mine = app
            .db(|s| {
                s.list_audit(&AuditFilter {
                    actor: Some("sales@touch.example".into()),
                    entity: Some("touchpoint".into()),
                    ..Default::default()
                })
            })
            .await;
        assert_eq!(mine.total, 2);

        // Not even their own touchpoint can they change or delete.
        let own = r.json()["id"].as_i64().unwrap();
        for t in [f.touchpoint, own] {
            sales
                .post_form(&format!("/touchpoints/{t}"), TOUCHPOINT_FORM)
                .await
                .expect(403);
            sales
                .post_form(&format!("/touchpoints/{t}/delete"), &[])
                .await
                .expect(403);
            sales
                .get(&format!("/touchpoints/{t}/edit"))
                .await
                .expect(403);
            sales
                .put_json(&format!("/api/v1/touchpoints/{t}"), &json!({"notes": "x"}))
                .await
                .expect(403);
            sales
                .delete(&format!("/api/v1/touchpoints/{t}"))
                .await
                .expect(403);
        }
        assert_eq!(count(app.clone()).await, 3);
        let kept = app.get(&format!("/api/v1/touchpoints/{own}")).await.json();
        assert_eq!(kept["notes"], "Called by sales (API)");

        let before = app.account_total().await;
        sales.post_form("/accounts", ACCOUNT_FORM).await.expect(403);
        sales
            .post_json("/api/v1/accounts", &json!({"name": "Sales Co"}))
            .await
            .expect(403);
        sales.get("/accounts/new").await.expect(403);
        assert_eq!(app.account_total().await, before);
    });
}

// ---- the table covers the routers ----

/// `.route("PATH", get(..).post(..))` calls in a source file, as (METHOD, PREFIX+PATH).
fn routes_in(source: &str, prefix: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = source;
    while let Some(i) = rest.find(".route(") {
        rest = &rest[i + ".route(".len()..];
        // The call's text, up to its closing parenthesis.
        let mut depth = 1;
        let end = rest
            .char_indices()
            .find(|(_, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                depth == 0
            })
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        let call = &rest[..end];
        let Some(path) = call.split('"').nth(1) else {
            continue;
        };
        for method in ["get", "post", "put", "delete", "patch"] {
            let token = format!("{method}(");
            let found = call.match_indices(&token).any(|(i, _)| {
                i == 0 || !call[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_')
            });
            if found {
                out.push((method.to_uppercase(), format!("{prefix}{path}")));
            }
        }
    }
    out
}

/// `/accounts/{id}/x?y=1` and `/accounts/{a}/x` are the same route.
fn shape(path: &str) -> String {
    let path = path.split('?').next().unwrap();
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if !in_param => out.push(c),
            _ => {}
        }
    }
    out
}

#[test]
fn every_route_in_the_routers_has_a_row_in_the_role_matrix() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut routed = Vec::new();
    for (dir, prefix) in [("html", ""), ("api", "/api/v1")] {
        for entry in std::fs::read_dir(src.join(dir)).expect("source directory") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "rs") {
                routed.extend(routes_in(
                    &std::fs::read_to_string(&path).expect("source"),
                    prefix,
                ));
            }
        }
    }
    routed.extend(routes_in(
        &std::fs::read_to_string(src.join("lib.rs")).expect("lib.rs"),
        "",
    ));
    assert!(
        routed.len() > 40,
        "the route scan found too little: {routed:?}"
    );

    let covered: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.to_string(), shape(r.path)))
        .chain(
            TESTED_ELSEWHERE
                .iter()
                .map(|(m, p)| (m.to_string(), shape(p))),
        )
        .collect();
    let missing: BTreeSet<String> = routed
        .iter()
        .filter(|(m, p)| !covered.contains(&(m.clone(), shape(p))))
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    assert!(
        missing.is_empty(),
        "routes without a row in ROUTES: {missing:#?}"
    );
    // And the other way: a row for a route that does not exist is a typo.
    let routed: BTreeSet<(String, String)> =
        routed.iter().map(|(m, p)| (m.clone(), shape(p))).collect();
    for route in ROUTES {
        assert!(
            routed.contains(&(route.method.to_string(), shape(route.path))),
            "{} is not routed",
            route.label()
        );
    }
}
