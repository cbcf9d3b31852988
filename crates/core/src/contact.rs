use crate::account::optional_enum;
use crate::fields::Fields;
use crate::parse::{self, MAX_TEXT};
use crate::FieldErrors;
use chrono::{DateTime, Utc};
use serde::Serialize;

crate::text_enum!(
    ContactRole {
        DecisionMaker => "decision_maker", "Decision maker";
        User => "user", "User";
        Influencer => "influencer", "Influencer";
        Champion => "champion", "Champion";
    }
);

crate::text_enum!(
    /// Whether we may name this person as a reference (F3).
    ReferenceConsent {
        No => "no", "No";
        AskFirst => "ask_first", "Ask first";
        Yes => "yes", "Yes";
    }
);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContactData {
    pub external_id: Option<String>,
    pub account_id: i64,
    pub name: String,
    pub title: Option<String>,
    pub role: Option<ContactRole>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub city: Option<String>,
    pub topics: Vec<String>,
    pub reference_consent: ReferenceConsent,
    pub do_not_contact: bool,
    pub public_link: Option<String>,
    pub audience_size: Option<i64>,
    /// Languages they can speak to a prospect in.
    pub languages: Vec<String>,
}

pub const CONTACT_FIELDS: &[&str] = &[
    "external_id",
    "name",
    "title",
    "role",
    "email",
    "phone",
    "city",
    "topics",
    "reference_consent",
    "do_not_contact",
    "public_link",
    "audience_size",
    "languages",
];

impl ContactData {
    pub fn from_fields(account_id: i64, f: &Fields) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let external_id = e.check(
            "external_id",
            parse::optional_text(f.get("external_id"), 100),
        );
        let name = e.check("name", parse::required_text(f.get("name"), MAX_TEXT));
        let title = e.check("title", parse::optional_text(f.get("title"), MAX_TEXT));
        let role = e.check("role", optional_enum(f.get("role"), ContactRole::parse));
        let email = e.check("email", parse::optional_email(f.get("email")));
        let phone = e.check("phone", parse::optional_text(f.get("phone"), 50));
        let city = e.check("city", parse::optional_text(f.get("city"), 100));
        let topics = e.check("topics", parse::list(f.get("topics"), 100));
        let consent = e.check(
            "reference_consent",
            optional_enum(f.get("reference_consent"), ReferenceConsent::parse)
                .map(|c| c.unwrap_or(ReferenceConsent::No)),
        );
        let dnc = e.check(
            "do_not_contact",
            parse::bool_or(f.get("do_not_contact"), false),
        );
        let public_link = e.check("public_link", parse::optional_url(f.get("public_link")));
        let audience = e.check(
            "audience_size",
            parse::optional_int(f.get("audience_size"), 0, 1_000_000_000),
        );
        let languages = e.check("languages", parse::list(f.get("languages"), 50));
        e.into_result(|| ContactData {
            external_id: external_id.unwrap(),
            account_id,
            name: name.unwrap(),
            title: title.unwrap(),
            role: role.unwrap(),
            email: email.unwrap(),
            phone: phone.unwrap(),
            city: city.unwrap(),
            topics: topics.unwrap(),
            reference_consent: consent.unwrap(),
            do_not_contact: dnc.unwrap(),
            public_link: public_link.unwrap(),
            audience_size: audience.unwrap(),
            languages: languages.unwrap(),
        })
    }

    pub fn to_fields(&self) -> Fields {
        let mut f = Fields::new();
        f.push("external_id", self.external_id.clone().unwrap_or_default());
        f.push("name", self.name.clone());
        f.push("title", self.title.clone().unwrap_or_default());
        f.push("role", self.role.map(|r| r.as_str()).unwrap_or(""));
        f.push("email", self.email.clone().unwrap_or_default());
        f.push("phone", self.phone.clone().unwrap_or_default());
        f.push("city", self.city.clone().unwrap_or_default());
        f.push("topics", self.topics.join("; "));
        f.push("reference_consent", self.reference_consent.as_str());
        f.push(
            "do_not_contact",
            if self.do_not_contact { "true" } else { "false" },
        );
        f.push("public_link", self.public_link.clone().unwrap_or_default());
        f.push(
            "audience_size",
            self.audience_size
                .map(|n| n.to_string())
                .unwrap_or_default(),
        );
        f.push("languages", self.languages.join("; "));
        f
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contact {
    pub id: i64,
    #[serde(flatten)]
    pub data: ContactData,
    pub account_name: String,
    /// When reference consent or do-not-contact last changed, and who changed it.
    pub consent_changed_at: Option<DateTime<Utc>>,
    pub consent_changed_by: Option<String>,
    /// Set when personal data was erased (F3).
    pub erased_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[allow(clippy::derivable_impls)] // the enum comes from a macro without #[default]
impl Default for ReferenceConsent {
    /// Nobody is a reference until they say so.
    fn default() -> Self {
        ReferenceConsent::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consent_defaults_to_no_and_email_is_checked() {
        let f = Fields::from_pairs([("name", "Ada"), ("email", "ada@example.com")]);
        let c = ContactData::from_fields(1, &f).unwrap();
        assert_eq!(c.reference_consent, ReferenceConsent::No);
        assert!(!c.do_not_contact);
        let bad = Fields::from_pairs([
            ("name", "Ada"),
            ("email", "nope"),
            ("reference_consent", "sure"),
        ]);
        let err = ContactData::from_fields(1, &bad).unwrap_err();
        assert!(err.get("email").is_some());
        assert!(err.get("reference_consent").unwrap().contains("ask_first"));
    }
}
