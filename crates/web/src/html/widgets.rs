//! Form fields that keep what was typed and show each error beside its field; sortable
//! table headers; pagers.

use maud::{html, Markup};
use peerstage_core::{FieldErrors, Fields};

pub struct Input<'a> {
    pub name: &'a str,
    pub label: &'a str,
    pub hint: &'a str,
    pub kind: &'a str,
    pub required: bool,
    pub wide: bool,
}

pub fn input<'a>(name: &'a str, label: &'a str) -> Input<'a> {
    Input {
        name,
        label,
        hint: "",
        kind: "text",
        required: false,
        wide: false,
    }
}

impl<'a> Input<'a> {
    pub fn hint(mut self, h: &'a str) -> Self {
        self.hint = h;
        self
    }
    pub fn kind(mut self, k: &'a str) -> Self {
        self.kind = k;
        self
    }
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub fn wide(mut self) -> Self {
        self.wide = true;
        self
    }

    fn wrap(&self, errors: &FieldErrors, control: Markup) -> Markup {
        let error = errors.get(self.name);
        let id = format!("f-{}", self.name);
        html! {
            div.field.has-error[error.is_some()].wide[self.wide] {
                label for=(id) { (self.label) @if self.required { " *" } }
                (control)
                @if !self.hint.is_empty() { span.hint { (self.hint) } }
                @if let Some(e) = error { span.error id=(format!("{id}-error")) { (self.label) " " (e) } }
            }
        }
    }

    pub fn text(&self, f: &Fields, errors: &FieldErrors) -> Markup {
        let id = format!("f-{}", self.name);
        self.wrap(
            errors,
            html! {
                input id=(id) name=(self.name) type=(self.kind) value=(f.get(self.name)) required[self.required]
                    aria-invalid=[errors.get(self.name).map(|_| "true")];
            },
        )
    }

    pub fn textarea(&self, f: &Fields, errors: &FieldErrors) -> Markup {
        let id = format!("f-{}", self.name);
        self.wrap(errors, html! { textarea id=(id) name=(self.name) required[self.required] { (f.get(self.name)) } })
    }

    /// `options` are (value, label); an empty first option when not required.
    pub fn select(&self, f: &Fields, errors: &FieldErrors, options: &[(String, String)]) -> Markup {
        let id = format!("f-{}", self.name);
        let current = f.get(self.name);
        self.wrap(
            errors,
            html! {
                select id=(id) name=(self.name) {
                    @if !self.required { option value="" { "—" } }
                    @for (value, label) in options {
                        option value=(value) selected[value == current] { (label) }
                    }
                }
            },
        )
    }

    pub fn multi_select(
        &self,
        f: &Fields,
        errors: &FieldErrors,
        options: &[(String, String)],
    ) -> Markup {
        let id = format!("f-{}", self.name);
        let current = f.all(self.name);
        let chosen = |v: &str| {
            current
                .iter()
                .any(|c| c.split([',', ';']).any(|p| p.trim() == v))
        };
        self.wrap(
            errors,
            html! {
                select id=(id) name=(self.name) multiple size=(options.len().clamp(2, 6)) {
                    @for (value, label) in options {
                        option value=(value) selected[chosen(value)] { (label) }
                    }
                }
            },
        )
    }

    pub fn yes_no(&self, f: &Fields, errors: &FieldErrors) -> Markup {
        let yes = matches!(
            f.get(self.name).to_ascii_lowercase().as_str(),
            "true" | "yes" | "1" | "on"
        );
        let options = [
            ("false".to_string(), "No".to_string()),
            ("true".to_string(), "Yes".to_string()),
        ];
        let mut shown = f.clone();
        shown.set(self.name, if yes { "true" } else { "false" });
        Input {
            required: true,
            ..*self
        }
        .select(&shown, errors, &options)
    }
}

pub fn enum_options<T: Copy>(
    all: &[T],
    value: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter()
        .map(|v| (value(*v).to_string(), label(*v).to_string()))
        .collect()
}

/// A summary of form errors at the top, linking to each field.
pub fn error_summary(errors: &FieldErrors) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.notice.error role="alert" {
                strong { "Please correct the highlighted fields." }
                ul.errors {
                    @for e in &errors.0 {
                        li { a href=(format!("#f-{}", e.field)) { (e.field.replace('_', " ")) } ": " (e.reason) }
                    }
                }
            }
        }
    }
}

/// A link that keeps the current query but changes some keys.
pub fn with_params(path: &str, query: &Fields, changes: &[(&str, String)]) -> String {
    let mut pairs: Vec<(String, String)> = query
        .0
        .iter()
        .filter(|(k, v)| !v.is_empty() && !changes.iter().any(|(c, _)| c == k) && k != "notice")
        .cloned()
        .collect();
    for (k, v) in changes {
        if !v.is_empty() {
            pairs.push((k.to_string(), v.clone()));
        }
    }
    if pairs.is_empty() {
        return path.to_string();
    }
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in &pairs {
        s.append_pair(k, v);
    }
    format!("{path}?{}", s.finish())
}

/// A column header that sorts by `key`, toggling direction when already sorted by it.
pub fn sort_header(
    path: &str,
    query: &Fields,
    key: &str,
    label: &str,
    current: &str,
    descending: bool,
    numeric: bool,
) -> Markup {
    let active = current == key;
    let next_dir = if active && !descending { "desc" } else { "asc" };
    let href = with_params(
        path,
        query,
        &[
            ("sort", key.to_string()),
            ("dir", next_dir.to_string()),
            ("page", String::new()),
        ],
    );
    let arrow = if active {
        if descending {
            " ▼"
        } else {
            " ▲"
        }
    } else {
        ""
    };
    html! {
        th.num[numeric] aria-sort=[active.then_some(if descending { "descending" } else { "ascending" })] {
            a.sorted[active] href=(href) { (label) (arrow) }
        }
    }
}

/// Page links; `param` is the query key holding the page number.
/// The one row of a table with none: `empty` when nothing matches; past the last page (a link
/// kept from before the list shrank, or a page number typed into the address) it says so, and
/// the pager below links back.
pub fn no_rows(colspan: u32, total: u64, empty: &str) -> Markup {
    html! {
        tr { td.muted.empty colspan=(colspan) { span {
            @if total > 0 {
                "This page is past the last one: " (count(total)) " in all. Pick a page below."
            } @else {
                (empty)
            }
        } } }
    }
}

pub fn pager(path: &str, query: &Fields, param: &str, page: u32, pages: u32, total: u64) -> Markup {
    let link = |p: u32| {
        with_params(
            path,
            query,
            &[(param, if p == 1 { String::new() } else { p.to_string() })],
        )
    };
    let mut shown: Vec<u32> = vec![
        1,
        page.saturating_sub(2),
        page.saturating_sub(1),
        page,
        page + 1,
        page + 2,
        pages,
    ];
    shown.retain(|p| *p >= 1 && *p <= pages);
    shown.sort_unstable();
    shown.dedup();
    let items: Vec<(u32, bool)> = shown
        .iter()
        .enumerate()
        .map(|(i, p)| (*p, i > 0 && *p > shown[i - 1] + 1))
        .collect();
    html! {
        nav.pager aria-label="Pages" {
            span { (count(total)) " in all · page " (count(page)) " of " (count(pages)) }
            // Past the end (a stale link), "previous" is the last page there is.
            @if page > 1 { a href=(link((page - 1).min(pages))) rel="prev" { "← Previous" } }
            @for (p, gap) in &items {
                @if *gap { span { "…" } }
                @if *p == page { span.current { (p) } } @else { a href=(link(*p)) { (p) } }
            }
            @if page < pages { a href=(link(page + 1)) rel="next" { "Next →" } }
        }
    }
}

/// A count for reading: `20000` → `"20,000"`, as amounts are shown.
pub fn count(n: impl TryInto<i64>) -> String {
    n.try_into()
        .map(peerstage_core::money::format_amount)
        .unwrap_or_else(|_| "many".into())
}

pub fn money(v: i64) -> Markup {
    let text = peerstage_core::money::format_amount(v);
    html! { @if v < 0 { span.neg { (text) } } @else { (text) } }
}

pub fn date(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "—".into())
}

pub fn nps_value(v: Option<f64>) -> Markup {
    match v {
        None => html! { span.muted { "—" } },
        Some(v) => html! { span.pos[v > 0.0].neg[v < 0.0] { (format!("{v:+.0}")) } },
    }
}
