//! Forms for what hangs off an account: contacts, touchpoints, commitments, NPS responses.
//! Each kind (`crate::kinds`) adds how its form looks ([`RecordForm`], [`EditForm`]); one set
//! of handlers serves them all: the new and edit forms, create, update and delete.

use super::layout::page;
use super::widgets::{enum_options, error_summary, input};
use super::{form_errors, id_of, invalid, redirect};
use crate::error::PageError;
use crate::extract::Form;
use crate::kinds::{Commitments, Contacts, Editable, Kind, Nps, Touchpoints};
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use peerstage_core::commitment::{Commitment, CommitmentStatus};
use peerstage_core::contact::{Contact, ContactData, ContactRole, ReferenceConsent};
use peerstage_core::nps::NpsResponse;
use peerstage_core::touchpoint::{Touchpoint, TouchpointKind};
use peerstage_core::{FieldErrors, Fields, Permission};
use peerstage_store::{Store, StoreError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts/{id}/contacts/new", get(new_form::<Contacts>))
        .route("/accounts/{id}/contacts", post(create::<Contacts>))
        .route("/contacts/{id}/edit", get(edit_form::<Contacts>))
        .route(
            "/contacts/{id}",
            get(super::contacts::show).post(update::<Contacts>),
        )
        .route("/contacts/{id}/delete", post(delete::<Contacts>))
        .route(
            "/accounts/{id}/touchpoints/new",
            get(new_form::<Touchpoints>),
        )
        .route("/accounts/{id}/touchpoints", post(create::<Touchpoints>))
        .route("/touchpoints/{id}/edit", get(edit_form::<Touchpoints>))
        .route("/touchpoints/{id}", post(update::<Touchpoints>))
        .route("/touchpoints/{id}/delete", post(delete::<Touchpoints>))
        .route(
            "/accounts/{id}/commitments/new",
            get(new_form::<Commitments>),
        )
        .route("/accounts/{id}/commitments", post(create::<Commitments>))
        .route("/commitments/{id}/edit", get(edit_form::<Commitments>))
        .route("/commitments/{id}", post(update::<Commitments>))
        .route("/commitments/{id}/delete", post(delete::<Commitments>))
        .route("/accounts/{id}/nps/new", get(new_form::<Nps>))
        .route("/accounts/{id}/nps", post(create::<Nps>))
        .route("/nps/{id}/delete", post(delete::<Nps>))
}

/// How a kind's form looks and what it needs.
trait RecordForm: Kind {
    /// Title of the form that adds one.
    const NEW_TITLE: &'static str;
    /// What the fields need besides the values: contacts to pick from, the current consent.
    type Context: Send + 'static;

    /// What a new form starts with.
    fn defaults() -> Fields;
    fn context(
        s: &Store,
        account_id: i64,
        current: Option<&Self::Stored>,
    ) -> Result<Self::Context, StoreError>;
    fn fields(f: &Fields, e: &FieldErrors, cx: &Self::Context) -> Markup;
    /// The submitted fields with what the user's role may not change put back (or refused).
    fn admit(f: &Fields, _current: Option<&Self::Stored>) -> Result<Fields, PageError> {
        Ok(f.clone())
    }
}

/// The form of a kind whose records can be changed.
trait EditForm: RecordForm + Editable {
    fn edit_title(r: &Self::Stored) -> String;
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

impl<'a> FormPage<'a> {
    fn new_record<R: RecordForm>(account_id: i64, account_name: &'a str) -> Self {
        FormPage {
            title: R::NEW_TITLE.into(),
            account_id,
            account_name,
            action: format!("/accounts/{account_id}/{}", R::SEGMENT),
            delete: None,
        }
    }

    fn edit_record<R: EditForm>(id: i64, r: &R::Stored, account_name: &'a str) -> Self {
        FormPage {
            title: R::edit_title(r),
            account_id: R::account_of(r),
            account_name,
            action: format!("/{}/{id}", R::SEGMENT),
            delete: Some(format!("/{}/{id}/delete", R::SEGMENT)),
        }
    }

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

/// Where a saved change returns to: the record's section of its account page.
fn back_to<R: Kind>(account_id: i64, notice: &str) -> Response {
    redirect(format!(
        "/accounts/{account_id}?notice={notice}#{}",
        R::SEGMENT
    ))
}

/// The account's name and what a new form's fields need (404 for an unknown account).
async fn for_new<R: RecordForm>(
    st: &AppState,
    account_id: i64,
) -> Result<(String, R::Context), PageError> {
    Ok(st
        .run(move |s| {
            let name = s.get_account(account_id)?.data.name;
            Ok((name, R::context(s, account_id, None)?))
        })
        .await?)
}

/// A stored record, its account's name and what its fields need (404 for an unknown id).
async fn for_edit<R: RecordForm>(
    st: &AppState,
    id: i64,
) -> Result<(R::Stored, String, R::Context), PageError> {
    Ok(st
        .run(move |s| {
            let r = R::get(s, id)?;
            let account_id = R::account_of(&r);
            let name = s.get_account(account_id)?.data.name;
            let cx = R::context(s, account_id, Some(&r))?;
            Ok((r, name, cx))
        })
        .await?)
}

async fn new_form<R: RecordForm>(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    crate::auth::require_page(R::CREATE)?;
    let account_id = id_of(&id)?;
    let (name, cx) = for_new::<R>(&st, account_id).await?;
    let none = FieldErrors::new();
    Ok(FormPage::new_record::<R>(account_id, &name)
        .render(&none, R::fields(&R::defaults(), &none, &cx)))
}

async fn create<R: RecordForm>(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    crate::auth::require_page(R::CREATE)?;
    let account_id = id_of(&id)?;
    let (name, cx) = for_new::<R>(&st, account_id).await?;
    let admitted = R::admit(&f, None)?;
    let result = match R::parse(account_id, &admitted) {
        Ok(d) => st
            .run(move |s| R::create(s, &d).map(drop))
            .await
            .map_err(form_errors),
        Err(e) => Err(Ok(e)),
    };
    match result {
        Ok(()) => Ok(back_to::<R>(account_id, "created")),
        Err(e) => {
            let e = e?;
            Ok(invalid(
                FormPage::new_record::<R>(account_id, &name).render(&e, R::fields(&f, &e, &cx)),
            ))
        }
    }
}

async fn edit_form<R: EditForm>(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    crate::auth::require_page(Permission::WriteCustomers)?;
    let id = id_of(&id)?;
    let (r, name, cx) = for_edit::<R>(&st, id).await?;
    let none = FieldErrors::new();
    Ok(FormPage::edit_record::<R>(id, &r, &name)
        .render(&none, R::fields(&R::to_fields(&r), &none, &cx)))
}

async fn update<R: EditForm>(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, PageError> {
    crate::auth::require_page(Permission::WriteCustomers)?;
    let id = id_of(&id)?;
    let (r, name, cx) = for_edit::<R>(&st, id).await?;
    let account_id = R::account_of(&r);
    let admitted = R::admit(&f, Some(&r))?;
    let result = match R::parse(account_id, &admitted) {
        Ok(d) => st
            .run(move |s| R::update(s, id, &d).map(drop))
            .await
            .map_err(form_errors),
        Err(e) => Err(Ok(e)),
    };
    match result {
        Ok(()) => Ok(back_to::<R>(account_id, "updated")),
        Err(e) => {
            let e = e?;
            Ok(invalid(
                FormPage::edit_record::<R>(id, &r, &name).render(&e, R::fields(&f, &e, &cx)),
            ))
        }
    }
}

async fn delete<R: Kind>(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    crate::auth::require_page(Permission::WriteCustomers)?;
    let id = id_of(&id)?;
    let account_id = st
        .run(move |s| {
            let account_id = R::account_of(&R::get(s, id)?);
            R::delete(s, id)?;
            Ok(account_id)
        })
        .await?;
    Ok(back_to::<R>(account_id, "deleted"))
}

fn today() -> String {
    chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string()
}

/// The account's contacts as choices: (id, name).
fn contact_options(s: &Store, account_id: i64) -> Result<Vec<(String, String)>, StoreError> {
    Ok(s.list_contacts(account_id)?
        .into_iter()
        .map(|c| (c.id.to_string(), c.data.name))
        .collect())
}

// ---- contacts ----

impl RecordForm for Contacts {
    const NEW_TITLE: &'static str = "New contact";
    /// The contact being edited, whose consent is shown read-only to roles that may not change it.
    type Context = Option<Contact>;

    fn defaults() -> Fields {
        Fields::from_pairs([("reference_consent", "no")])
    }
    fn context(
        _: &Store,
        _: i64,
        current: Option<&Contact>,
    ) -> Result<Option<Contact>, StoreError> {
        Ok(current.cloned())
    }
    fn fields(f: &Fields, e: &FieldErrors, cx: &Option<Contact>) -> Markup {
        contact_fields(f, e, cx.as_ref())
    }
    fn admit(f: &Fields, current: Option<&Contact>) -> Result<Fields, PageError> {
        guard_consent(f, current.map(|c| &c.data))
    }
}

impl EditForm for Contacts {
    fn edit_title(r: &Contact) -> String {
        format!("Edit {}", r.data.name)
    }
}

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

// ---- touchpoints ----

impl RecordForm for Touchpoints {
    const NEW_TITLE: &'static str = "New touchpoint";
    type Context = Vec<(String, String)>;

    fn defaults() -> Fields {
        Fields::from_pairs([("occurred_on", today().as_str()), ("kind", "meeting")])
    }
    fn context(
        s: &Store,
        account_id: i64,
        _: Option<&Touchpoint>,
    ) -> Result<Self::Context, StoreError> {
        contact_options(s, account_id)
    }
    fn fields(f: &Fields, e: &FieldErrors, cx: &Self::Context) -> Markup {
        touchpoint_fields(f, e, cx)
    }
}

impl EditForm for Touchpoints {
    fn edit_title(_: &Touchpoint) -> String {
        "Edit touchpoint".into()
    }
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

// ---- commitments ----

impl RecordForm for Commitments {
    const NEW_TITLE: &'static str = "New commitment";
    type Context = ();

    fn defaults() -> Fields {
        Fields::from_pairs([("status", "open")])
    }
    fn context(_: &Store, _: i64, _: Option<&Commitment>) -> Result<(), StoreError> {
        Ok(())
    }
    fn fields(f: &Fields, e: &FieldErrors, _: &()) -> Markup {
        commitment_fields(f, e)
    }
}

impl EditForm for Commitments {
    fn edit_title(_: &Commitment) -> String {
        "Edit commitment".into()
    }
}

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

// ---- NPS ----

impl RecordForm for Nps {
    const NEW_TITLE: &'static str = "Record an NPS response";
    type Context = Vec<(String, String)>;

    fn defaults() -> Fields {
        Fields::from_pairs([("responded_on", today().as_str()), ("score", "")])
    }
    fn context(
        s: &Store,
        account_id: i64,
        _: Option<&NpsResponse>,
    ) -> Result<Self::Context, StoreError> {
        contact_options(s, account_id)
    }
    fn fields(f: &Fields, e: &FieldErrors, cx: &Self::Context) -> Markup {
        nps_fields(f, e, cx)
    }
}

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
