use crate::auth::{self, csrf_field};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use peerstage_core::Permission;

/// Top-level sections; later parts of the product add theirs here. The permission hides
/// sections a role cannot open.
const NAV: &[(&str, &str, &str, Permission)] = &[
    ("dashboard", "/", "Dashboard", Permission::ReadCustomers),
    (
        "accounts",
        "/accounts",
        "Accounts",
        Permission::ReadCustomers,
    ),
    (
        "contacts",
        "/contacts",
        "Contacts",
        Permission::ReadCustomers,
    ),
    ("nps", "/nps", "NPS", Permission::ReadCustomers),
    (
        "scorecard",
        "/scorecard",
        "Scorecard",
        Permission::ReadCustomers,
    ),
    (
        "advocates",
        "/advocates",
        "Advocates",
        Permission::ReadCustomers,
    ),
    (
        "references",
        "/references",
        "References",
        Permission::RequestReferences,
    ),
    // Stories, review sites and the buyer-journey survey share one section (B5, B6).
    ("stories", "/stories", "Stories", Permission::ReadCustomers),
    // Customer events, their agendas, guests and community sessions (D1–D8).
    ("events", "/events", "Events", Permission::ReadCustomers),
    // Evidence, search, themes, language, media, sessions and the question linter (C1–C7).
    ("voice", "/evidence", "Voice", Permission::ReadCustomers),
    ("value", "/value", "Value", Permission::ReadFinancials),
    (
        "transfer",
        "/transfer",
        "Import & export",
        Permission::ImportExport,
    ),
    ("admin", "/admin/users", "Admin", Permission::Administer),
];

fn head(title: &str, refresh: Option<u32>) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            @if let Some(secs) = refresh { meta http-equiv="refresh" content=(secs); }
            title { (title) " · peerstage" }
            link rel="stylesheet" href="/static/style.css";
        }
    }
}

pub fn page(title: &str, active: &str, content: Markup) -> Markup {
    page_with(title, active, None, content)
}

/// A page that reloads itself every `secs` seconds (progress of work running on the server).
pub fn refreshing_page(title: &str, active: &str, secs: u32, content: Markup) -> Markup {
    page_with(title, active, Some(secs), content)
}

fn page_with(title: &str, active: &str, refresh: Option<u32>, content: Markup) -> Markup {
    let user = auth::current();
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title, refresh))
            body {
                header.topbar {
                    div.inner {
                        a.brand href="/" { "peer" span { "stage" } }
                        nav.main aria-label="Main" {
                            @for (key, href, label, perm) in NAV {
                                @if user.as_ref().is_some_and(|u| u.can(*perm)) {
                                    a href=(href) class=[(*key == active).then_some("active")] { (label) }
                                }
                            }
                        }
                        @if let Some(u) = &user {
                            div.usermenu {
                                span.small title=(u.user.role.label()) { (u.user.email) }
                                form.inline method="post" action="/logout" {
                                    (csrf_field())
                                    button.link type="submit" { "Sign out" }
                                }
                            }
                        }
                    }
                }
                main { (content) }
                footer { "peerstage — customer advocacy and voice of the customer" }
            }
        }
    }
}

/// A page without navigation (sign-in, setup).
pub fn bare_page(title: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title, None))
            body {
                header.topbar { div.inner { a.brand href="/" { "peer" span { "stage" } } } }
                main { (content) }
            }
        }
    }
}

pub fn error_page(title: &str, message: &str) -> Markup {
    let body = html! {
        div.card {
            h1 { (title) }
            p { (message) }
            p { a href="/" { "Back to the dashboard" } }
        }
    };
    page_or_bare(title, body)
}

/// `body` in the site's layout for a signed-in user, on a bare page for anyone else.
pub fn page_or_bare(title: &str, body: Markup) -> Markup {
    if auth::current().is_some() {
        page(title, "", body)
    } else {
        bare_page(title, body)
    }
}

/// A confirmation shown after a redirect (`?notice=created`). Only known keys are shown.
pub fn notice(key: &str) -> Markup {
    let text = match key {
        "created" => "Created.",
        "updated" => "Saved.",
        "deleted" => "Deleted.",
        "erased" => "Personal data erased.",
        "user_added" => "User added. They can sign in now.",
        "role_changed" => "Role changed.",
        "disabled" => "User disabled: their sessions ended and their API tokens were revoked.",
        "enabled" => "User enabled. Give them new API tokens if they need any.",
        "revoked" => "API token revoked.",
        _ => return PreEscaped(String::new()),
    };
    html! { div.notice.ok role="status" { (text) } }
}
