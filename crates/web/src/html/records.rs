//! Forms for what hangs off an account: contacts, touchpoints, commitments, NPS responses.

use super::layout::page;
use super::widgets::{enum_options, error_summary, input};
use super::{form_errors, id_of, invalid, redirect};
use crate::error::PageError;
use crate::extract::Form;
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use peerstage_core::commitment::{CommitmentData, CommitmentStatus};
use peerstage_core::contact::{Contact, ContactData, ContactRole, ReferenceConsent};
use peerstage_core::nps::NpsData;
use peerstage_core::touchpoint::{TouchpointData, TouchpointKind};
use peerstage_core::{FieldErrors, Fields, Permission};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts/{id}/contacts/new", get(contact_new))
        .route("/accounts/{id}/contacts", post(contact_create))
        .route("/contacts/{id}/edit", get(contact_edit))
        .route(
            "/contacts/{id}",
            get(super::contacts::show).post(contact_update),
        )
        .route("/contacts/{id}/delete", post(contact_delete))
        .route("/accounts/{id}/touchpoints/new", get(touchpoint_new))
        .route("/accounts/{id}/touchpoints", post(touchpoint_create))
        .route("/touchpoints/{id}/edit", get(touchpoint_edit))
        .route("/touchpoints/{id}", post(touchpoint_update))
        .route("/touchpoints/{id}/delete", post(touchpoint_delete))
        .route("/accounts/{id}/commitments/new", get(commitment_new))
        .route("/accounts/{id}/commitments", post(commitment_create))
        .route("/commitments/{id}/edit", get(commitment_edit))
        .route("/commitments/{id}", post(commitment_update))
        .route("/commitments/{id}/delete", post(commitment_delete))
        .route("/accounts/{id}/nps/new", get(nps_new))
        .route("/accounts/{id}/nps", post(nps_create))
        .route("/nps/{id}/delete", post(nps_delete))
}

/// The frame shared by every record form.
struct FormPage<'a> {
    title: String,
    account_id: i64,
    account_name: &'a str,
    action: String,
    /// Where a delete button posts, on edit forms.
    delete: Option<String>,
}

impl FormPage<'_> {
    fn render(&self, errors: &FieldErrors, fields: Markup) -> Markup {
        let back = format!("/accounts/{}", self.account_id);
        page(
            &self.title,
            "accounts",
            html! {
                p.subtitle { a href=(back) { "← " (self.account_name) } }
                h1 { (self.title) }
                (error_summary(errors))
                div.card {
                    form.stacked method="post" action=(self.action) novalidate {
                        (crate::auth::csrf_field())
                        (fields)
                        div.form-actions { button type="submit" { "Save" } a.btn.secondary href=(back) { "Cancel" } }
                    }
                }
                @if let Some(del) = &self.delete {
                    form method="post" action=(del) onsubmit="return confirm('Delete this record?')" {
                        (crate::auth::csrf_field())
                        button.danger type="submit" { "Delete" }
                    }
                }
            },
        )
    }
}

async fn account_name(st: &AppState, id: i64) -> Result<String, PageError> {
    Ok(st.run(move |s| s.get_account(id)).await?.data.name)
}

// ---- contacts ----

/// The consent fields (F3): editable with ManageConsent, otherwise shown read-only with the
/// values of `current` (or the defaults for a new contact), and never submitted.
fn consent_fields(f: &Fields, e: &FieldErrors, current: Option<&Contact>) -> Markup {
    let history = current
        .map(super::contacts::consent_history)
        .unwrap_or_default();
    if crate::auth::can(Permission::ManageConsent) {
        return html! {
            (input("reference_consent", "Reference consent").required().hint(&history).select(f, e, &enum_options(ReferenceConsent::ALL, ReferenceConsent::as_str, ReferenceConsent::label)))
            (input("do_not_contact", "Do not contact").hint(&history).yes_no(f, e))
        };
    }
    let (consent, dnc) = current
        .map(|c| (c.data.reference_consent, c.data.do_not_contact))
        .unwrap_or((ReferenceConsent::No, false));
    let read_only = |id: &str, label: &str, value: &str| {
        html! {
            div.field.read-only {
                label id=(format!("f-{id}")) { (label) }
                output aria-labelledby=(format!("f-{id}")) { (value) }
                span.hint { "Only advocacy managers and administrators may change this. " (history) }
            }
        }
    };
    html! {
        (read_only("reference_consent", "Reference consent", consent.label()))
        (read_only("do_not_contact", "Do not contact", if dnc { "Yes" } else { "No" }))
    }
}

/// Reference consent and do-not-contact need ManageConsent (F3). Without it they keep their
/// current values (`None`: a new contact's defaults); a form that changes them is refused.
fn guard_consent(f: &Fields, current: Option<&ContactData>) -> Result<Fields, PageError> {
    if crate::auth::can(Permission::ManageConsent) {
        return Ok(f.clone());
    }
    let (consent, dnc) = current
        .map(|d| (d.reference_consent, d.do_not_contact))
        .unwrap_or((ReferenceConsent::No, false));
    let consent_changed = f.has("reference_consent")
        && match f.get("reference_consent").trim() {
            "" => consent != ReferenceConsent::No,
            v => ReferenceConsent::parse(v) != Ok(consent),
        };
    let dnc_changed = f.has("do_not_contact")
        && peerstage_core::parse::bool_or(f.get("do_not_contact"), false) != Ok(dnc);
    if consent_changed || dnc_changed {
        return Err(PageError::new(
            axum::http::StatusCode::FORBIDDEN,
            "Your role may not change reference consent or do-not-contact. Ask an advocacy manager.",
        ));
    }
    let mut out = f.clone();
    out.set("reference_consent", consent.as_str());
    out.set("do_not_contact", if dnc { "true" } else { "false" });
    Ok(out)
}

fn contact_fields(f: &Fields, e: &FieldErrors, current: Option<&Contact>) -> Markup {
    html! {
        (input("name", "Name").required().text(f, e))
        (input("title", "Title").text(f, e))
        (input("role", "Role").select(f, e, &enum_options(ContactRole::ALL, ContactRole::as_str, ContactRole::label)))
        (input("email", "Email").kind("email").text(f, e))
        (input("phone", "Phone").text(f, e))
        (input("city", "City").text(f, e))
        (input("topics", "Topics of expertise").hint("Separate with ;").text(f, e))
        (consent_fields(f, e, current))
        (input("public_link", "Blog or social link").kind("url").text(f, e))
        (input("audience_size", "Audience size").kind("number").text(f, e))
        (input("languages", "Languages").hint("For references; separate with ;").text(f, e))
        (input("external_id", "External id").text(f, e))
    }
}

async fn contact_new(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    crate::auth::require_page(peerstage_core::Permission::WriteCustomers)?;
    let id = id_of(&id)?;
    let name = account_name(&st, id).await?;
    let p = FormPage {
        title: "New contact".into(),
        account_id: id,
        account_name: &name,
        action: format!("/accounts/{id}/contacts"),
        delete: None,
    };
    let f = Fields::from_pairs([("reference_consent", "no")]);
    Ok(p.render(
        &FieldErrors::new(),
        contact_fields(&f, &FieldErrors::new(), None),
    ))
}

async fn contact_create(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    crate::auth::require_page(peerstage_core::Permission::WriteCustomers)?;
    let id = id_of(&id)?;
    let name = account_name(&st, id).await?;
    let p = FormPage {
        title: "New contact".into(),
        account_id: id,
        account_name: &name,
        action: format!("/accounts/{id}/contacts"),
        delete: None,
    };
    let checked = guard_consent(&f, None)?;
    let result = match ContactData::from_fields(id, &checked) {
        Ok(d) => st
            .run(move |s| s.create_contact(&d))
            .await
            .map_err(form_errors),
        Err(e) => Err(Ok(e)),
    };
    match result {
        Ok(_) => Ok(redirect(format!("/accounts/{id}?notice=created#contacts"))),
        Err(e) => {
            let e = e?;
            Ok(invalid(p.render(&e, contact_fields(&f, &e, None))))
        }
    }
}

async fn load_contact(st: &AppState, id: i64) -> Result<Contact, PageError> {
    Ok(st.run(move |s| s.get_contact(id)).await?)
}

fn contact_page(c: &Contact) -> FormPage<'_> {
    FormPage {
        title: format!("Edit {}", c.data.name),
        account_id: c.data.account_id,
        account_name: &c.account_name,
        action: format!("/contacts/{}", c.id),
        delete: Some(format!("/contacts/{}/delete", c.id)),
    }
}

async fn contact_edit(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    crate::auth::require_page(peerstage_core::Permission::WriteCustomers)?;
    let c = load_contact(&st, id_of(&id)?).await?;
    Ok(contact_page(&c).render(
        &FieldErrors::new(),
        contact_fields(&c.data.to_fields(), &FieldErrors::new(), Some(&c)),
    ))
}

async fn contact_update(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    crate::auth::require_page(peerstage_core::Permission::WriteCustomers)?;
    let c = load_contact(&st, id_of(&id)?).await?;
    let (cid, account_id) = (c.id, c.data.account_id);
    let checked = guard_consent(&f, Some(&c.data))?;
    let result = match ContactData::from_fields(account_id, &checked) {
        Ok(d) => st
            .run(move |s| s.update_contact(cid, &d))
            .await
            .map_err(form_errors),
        Err(e) => Err(Ok(e)),
    };
    match result {
        Ok(_) => Ok(redirect(format!(
            "/accounts/{account_id}?notice=updated#contacts"
        ))),
        Err(e) => {
            let e = e?;
            Ok(invalid(
                contact_page(&c).render(&e, contact_fields(&f, &e, Some(&c))),
            ))
        }
    }
}

async fn contact_delete(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    crate::auth::require_page(peerstage_core::Permission::WriteCustomers)?;
    let c = load_contact(&st, id_of(&id)?).await?;
    let cid = c.id;
    st.run(move |s| s.delete_contact(cid)).await?;
    Ok(redirect(format!(
        "/accounts/{}?notice=deleted#contacts",
        c.data.account_id
    )))
}

// ---- touchpoints ----

async fn contact_options(
    st: &AppState,
    account_id: i64,
) -> Result<Vec<(String, String)>, PageError> {
    let contacts = st.run(move |s| s.list_contacts(account_id)).await?;
    Ok(contacts
        .into_iter()
        .map(|c| (c.id.to_string(), c.data.name))
        .collect())
}

fn touchpoint_fields(f: &Fields, e: &FieldErrors, contacts: &[(String, String)]) -> Markup {
    html! {
        (input("kind", "Kind").required().select(f, e, &enum_options(TouchpointKind::ALL, TouchpointKind::as_str, TouchpointKind::label)))
        (input("occurred_on", "Date").kind("date").required().text(f, e))
        (input("staff", "Staff").hint("Who on our side").text(f, e))
        (input("contact_ids", "Contacts").hint("Hold Ctrl or ⌘ to pick several").multi_select(f, e, contacts))
        (input("notes", "Notes").hint("What the customer said, in their words").wide().textarea(f, e))
        (input("external_id", "External id").text(f, e))
    }
}

async fn touchpoint_new(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    crate::auth::require_page(peerstage_core::Permission::WriteTouchpoints)?;
    let id = id_of(&id)?;
    let name = account_name(&st, id).await?;
    let contacts = contact_options(&st, id).await?;
    let p = FormPage {
        title: "New touchpoint".into(),
        account_id: id,
        account_name: &name,
        action: format!("/accounts/{id}/touchpoints"),
        delete: None,
    };
    let today = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let f = Fields::from_pairs([("occurred_on", today.as_str()), ("kind", "meeting")]);
    Ok(p.render(
        &FieldErrors::new(),
        touchpoint_fields(&f, &FieldErrors::new(), &contacts),
    ))
}

async fn touchpoint_create(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    crate::auth::require_page(peerstage_core::Permission::WriteTouchpoints)?;
    let id = id_of(&id)?;
    let name = account_name(&st, id).await?;
    let result = match TouchpointData::from_fields(id, &f) {
        Ok(d) => st
            .run(move |s| s.create_touchpoint(&d))
            .await
            .map_err(form_errors),
        Err(e) => Err(Ok(e)),
    };
    match result {
        Ok(_) => Ok(redirect(format!(
            "/accounts/{id}?notice=created#touchpoints"
        ))),
        Err(e) => {
            let e = e?;
            let contacts = contact_options(&st, id).await?;
            let p = FormPage {
                title: "New touchpoint".into(),
                account_id: id,
                account_name: &name,
                action: format!("/accounts/{id}/touchpoints"),
                delete: None,
            };
            Ok(invalid(p.render(&e, touchpoint_fields(&f, &e, &contacts))))
        }
    }
}

async fn touchpoint_edit(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    crate::auth::require_page(peerstage_core::Permission::WriteCustomers)?;
    let id = id_of(&id)?;
    let t = st.run(move |s| s.get_touchpoint(id)).await?;
    let name = account_name(&st, t.data.account_id).await?;
    let contacts = contact_options(&st, t.data.account_id).await?;
    let p = FormPage {
        title: "Edit touchpoint".into(),
        account_id: t.data.account_id,
        account_name: &name,
        action: format!("/touchpoints/{id}"),
        delete: Some(format!("/touchpoints/{id}/delete")),
    };
    Ok(p.render(
        &FieldErrors::new(),
        touchpoint_fields(&t.data.to_fields(), &FieldErrors::new(), &contacts),
    ))
}

async fn touchpoint_update(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    crate::auth::require_page(peerstage_core::Permission::WriteCustomers)?;
    let id = id_of(&id)?;
    let t = st.run(move |s| s.get_touchpoint(id)).await?;
    let account_id = t.data.account_id;
    let result = match TouchpointData::from_fields(account_id, &f) {
        Ok(d) => st
            .run(move |s| s.update_touchpoint(id, &d))
            .await
            .map_err(form_errors),
        Err(e) => Err(Ok(e)),
    };
    match result {
        Ok(_) => Ok(redirect(format!(
            "/accounts/{account_id}?notice=updated#touchpoints"
        ))),
        Err(e) => {
            let e = e?;
            let name = account_name(&st, account_id).await?;
            let contacts = contact_options(&st, account_id).await?;
            let p = FormPage {
                title: "Edit touchpoint".into(),
                account_id,
                account_name: &name,
                action: format!("/touchpoints/{id}"),
                delete: Some(format!("/touchpoints/{id}/delete")),
            };
            Ok(invalid(p.render(&e, touchpoint_fields(&f, &e, &contacts))))
        }
    }
}

async fn touchpoint_delete(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    crate::auth::require_page(peerstage_core::Permission::WriteCustomers)?;
    let id = id_of(&id)?;
    let t = st.run(move |s| s.get_touchpoint(id)).await?;
    st.run(move |s| s.delete_touchpoint(id)).await?;
    Ok(redirect(format!(
        "/accounts/{}?notice=deleted#touchpoints",
        t.data.account_id
    )))
}

// ---- commitments ----

fn commitment_fields(f: &Fields, e: &FieldErrors) -> Markup {
    html! {
        (input("description", "What we promised").required().wide().textarea(f, e))
        (input("owner", "Owner").text(f, e))
        (input("due_on", "Due").kind("date").text(f, e))
        (input("status", "Status").required().select(f, e, &enum_options(CommitmentStatus::ALL, CommitmentStatus::as_str, CommitmentStatus::label)))
        (input("closed_on", "Closed on").kind("date").hint("When it was kept or missed").text(f, e))
        (input("external_id", "External id").text(f, e))
    }
}

async fn commitment_new(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    crate::auth::require_page(peerstage_core::Permission::WriteCustomers)?;
    let id = id_of(&id)?;
    let name = account_name(&st, id).await?;
    let p = FormPage {
        title: "New commitment".into(),
        account_id: id,
        account_name: &name,
        action: format!("/accounts/{id}/commitments"),
        delete: None,
    };
    let f = Fields::from_pairs([("status", "open")]);
    Ok(p.render(
        &FieldErrors::new(),
        commitment_fields(&f, &FieldErrors::new()),
    ))
}

async fn commitment_create(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    crate::auth::require_page(peerstage_core::Permission::WriteCustomers)?;
    let id = id_of(&id)?;
    let name = account_name(&st, id).await?;
    let result = match CommitmentData::from_fields(id, &f) {
        Ok(d) => st
            .run(move |s| s.create_commitment(&d))
            .await
            .map_err(form_errors),
        Err(e) => Err(Ok(e)),
    };
    match result {
        Ok(_) => Ok(redirect(format!(
            "/accounts/{id}?notice=created#commitments"
        ))),
        Err(e) => {
            let e = e?;
            let p = FormPage {
                title: "New commitment".into(),
                account_id: id,
                account_name: &name,
                action: format!("/accounts/{id}/commitments"),
                delete: None,
            };
            Ok(invalid(p.render(&e, commitment_fields(&f, &e))))
        }
    }
}

async fn commitment_edit(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    crate::auth::require_page(peerstage_core::Permission::WriteCustomers)?;
    let id = id_of(&id)?;
    let m = st.run(move |s| s.get_commitment(id)).await?;
    let name = account_name(&st, m.data.account_id).await?;
    let p = FormPage {
        title: "Edit commitment".into(),
        account_id: m.data.account_id,
        account_name: &name,
        action: format!("/commitments/{id}"),
        delete: Some(format!("/commitments/{id}/delete")),
    };
    Ok(p.render(
        &FieldErrors::new(),
        commitment_fields(&m.data.to_fields(), &FieldErrors::new()),
    ))
}

async fn commitment_update(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    crate::auth::require_page(peerstage_core::Permission::WriteCustomers)?;
    let id = id_of(&id)?;
    let m = st.run(move |s| s.get_commitment(id)).await?;
    let account_id = m.data.account_id;
    let result = match CommitmentData::from_fields(account_id, &f) {
        Ok(d) => st
            .run(move |s| s.update_commitment(id, &d))
            .await
            .map_err(form_errors),
        Err(e) => Err(Ok(e)),
    };
    match result {
        Ok(_) => Ok(redirect(format!(
            "/accounts/{account_id}?notice=updated#commitments"
        ))),
        Err(e) => {
            let e = e?;
            let name = account_name(&st, account_id).await?;
            let p = FormPage {
                title: "Edit commitment".into(),
                account_id,
                account_name: &name,
                action: format!("/commitments/{id}"),
                delete: Some(format!("/commitments/{id}/delete")),
            };
            Ok(invalid(p.render(&e, commitment_fields(&f, &e))))
        }
    }
}

async fn commitment_delete(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    crate::auth::require_page(peerstage_core::Permission::WriteCustomers)?;
    let id = id_of(&id)?;
    let m = st.run(move |s| s.get_commitment(id)).await?;
    st.run(move |s| s.delete_commitment(id)).await?;
    Ok(redirect(format!(
        "/accounts/{}?notice=deleted#commitments",
        m.data.account_id
    )))
}

// ---- NPS ----

fn nps_fields(f: &Fields, e: &FieldErrors, contacts: &[(String, String)]) -> Markup {
    let scores: Vec<(String, String)> = (0..=10)
        .rev()
        .map(|s| (s.to_string(), s.to_string()))
        .collect();
    html! {
        (input("score", "Score").required().hint("0–10: how likely to recommend us").select(f, e, &scores))
        (input("responded_on", "Date").kind("date").required().text(f, e))
        (input("contact_id", "Contact").select(f, e, contacts))
        (input("comment", "Comment").wide().textarea(f, e))
    }
}

async fn nps_new(State(st): State<AppState>, Path(id): Path<String>) -> Result<Markup, PageError> {
    crate::auth::require_page(peerstage_core::Permission::WriteCustomers)?;
    let id = id_of(&id)?;
    let name = account_name(&st, id).await?;
    let contacts = contact_options(&st, id).await?;
    let p = FormPage {
        title: "Record an NPS response".into(),
        account_id: id,
        account_name: &name,
        action: format!("/accounts/{id}/nps"),
        delete: None,
    };
    let today = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let f = Fields::from_pairs([("responded_on", today.as_str()), ("score", "")]);
    Ok(p.render(
        &FieldErrors::new(),
        nps_fields(&f, &FieldErrors::new(), &contacts),
    ))
}

async fn nps_create(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    crate::auth::require_page(peerstage_core::Permission::WriteCustomers)?;
    let id = id_of(&id)?;
    let name = account_name(&st, id).await?;
    let result = match NpsData::from_fields(id, &f) {
        Ok(d) => st.run(move |s| s.create_nps(&d)).await.map_err(form_errors),
        Err(e) => Err(Ok(e)),
    };
    match result {
        Ok(_) => Ok(redirect(format!("/accounts/{id}?notice=created#nps"))),
        Err(e) => {
            let e = e?;
            let contacts = contact_options(&st, id).await?;
            let p = FormPage {
                title: "Record an NPS response".into(),
                account_id: id,
                account_name: &name,
                action: format!("/accounts/{id}/nps"),
                delete: None,
            };
            Ok(invalid(p.render(&e, nps_fields(&f, &e, &contacts))))
        }
    }
}

async fn nps_delete(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    crate::auth::require_page(peerstage_core::Permission::WriteCustomers)?;
    let id = id_of(&id)?;
    let n = st.run(move |s| s.get_nps(id)).await?;
    st.run(move |s| s.delete_nps(id)).await?;
    Ok(redirect(format!(
        "/accounts/{}?notice=deleted#nps",
        n.data.account_id
    )))
}
