use maud::{html, Markup, PreEscaped, DOCTYPE};

/// Top-level sections; later parts of the product add theirs here.
const NAV: &[(&str, &str, &str)] = &[
    ("dashboard", "/", "Dashboard"),
    ("accounts", "/accounts", "Accounts"),
    ("contacts", "/contacts", "Contacts"),
    ("nps", "/nps", "NPS"),
    ("value", "/value", "Value"),
    ("transfer", "/transfer", "Import & export"),
];

pub fn page(title: &str, active: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · peerstage" }
                link rel="stylesheet" href="/static/style.css";
            }
            body {
                header.topbar {
                    div.inner {
                        a.brand href="/" { "peer" span { "stage" } }
                        nav.main aria-label="Main" {
                            @for (key, href, label) in NAV {
                                a href=(href) class=[(*key == active).then_some("active")] { (label) }
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

pub fn error_page(title: &str, message: &str) -> Markup {
    page(
        title,
        "",
        html! {
            div.card {
                h1 { (title) }
                p { (message) }
                p { a href="/" { "Back to the dashboard" } }
            }
        },
    )
}

/// A confirmation shown after a redirect (`?notice=created`). Only known keys are shown.
pub fn notice(key: &str) -> Markup {
    let text = match key {
        "created" => "Created.",
        "updated" => "Saved.",
        "deleted" => "Deleted.",
        _ => return PreEscaped(String::new()),
    };
    html! { div.notice.ok role="status" { (text) } }
}
