use crate::account::{date_text, optional_enum};
use crate::fields::Fields;
use crate::parse::{self, MAX_NOTES};
use crate::FieldErrors;
use chrono::NaiveDate;
use serde::Serialize;

crate::text_enum!(
    TouchpointKind {
        Meeting => "meeting", "Meeting";
        Call => "call", "Call";
        Email => "email", "Email";
        SupportCase => "support_case", "Support case";
        EventConversation => "event_conversation", "Event conversation";
        Survey => "survey", "Survey";
        Video => "video", "Video";
        SiteVisit => "site_visit", "Site visit";
        CommunityAnswer => "community_answer", "Community answer";
    }
);

/// One interaction with a customer (A3).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TouchpointData {
    pub external_id: Option<String>,
    pub account_id: i64,
    pub kind: TouchpointKind,
    pub occurred_on: NaiveDate,
    pub staff: Option<String>,
    pub contact_ids: Vec<i64>,
    pub notes: Option<String>,
}

pub const TOUCHPOINT_FIELDS: &[&str] = &[
    "external_id",
    "kind",
    "occurred_on",
    "staff",
    "contact_ids",
    "notes",
];

impl TouchpointData {
    /// `contact_ids` must already belong to the account; the caller checks that against storage.
    pub fn from_fields(account_id: i64, f: &Fields) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let external_id = e.check(
            "external_id",
            parse::optional_text(f.get("external_id"), 100),
        );
        let kind = e.check(
            "kind",
            optional_enum(f.get("kind"), TouchpointKind::parse)
                .and_then(|k| k.ok_or_else(|| "is required".to_string())),
        );
        let occurred_on = e.check("occurred_on", parse::required_date(f.get("occurred_on")));
        let staff = e.check("staff", parse::optional_text(f.get("staff"), 100));
        let notes = e.check("notes", parse::optional_text(f.get("notes"), MAX_NOTES));
        let mut contact_ids = Vec::new();
        for raw in f.all("contact_ids") {
            for part in raw
                .split([',', ';'])
                .map(str::trim)
                .filter(|p| !p.is_empty())
            {
                match part.parse::<i64>() {
                    Ok(id) if id > 0 => {
                        if !contact_ids.contains(&id) {
                            contact_ids.push(id)
                        }
                    }
                    _ => e.add("contact_ids", format!("'{part}' is not a contact id")),
                }
            }
        }
        e.into_result(|| TouchpointData {
            external_id: external_id.unwrap(),
            account_id,
            kind: kind.unwrap(),
            occurred_on: occurred_on.unwrap(),
            staff: staff.unwrap(),
            contact_ids,
            notes: notes.unwrap(),
        })
    }

    pub fn to_fields(&self) -> Fields {
        let mut f = Fields::new();
        f.push("external_id", self.external_id.clone().unwrap_or_default());
        f.push("kind", self.kind.as_str());
        f.push("occurred_on", date_text(Some(self.occurred_on)));
        f.push("staff", self.staff.clone().unwrap_or_default());
        for id in &self.contact_ids {
            f.push("contact_ids", id.to_string());
        }
        f.push("notes", self.notes.clone().unwrap_or_default());
        f
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Touchpoint {
    pub id: i64,
    #[serde(flatten)]
    pub data: TouchpointData,
    pub contact_names: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_and_date_are_required() {
        let err = TouchpointData::from_fields(1, &Fields::new()).unwrap_err();
        assert!(err.get("kind").is_some());
        assert!(err.get("occurred_on").is_some());
        let ok = TouchpointData::from_fields(
            1,
            &Fields::from_pairs([
                ("kind", "Site visit"),
                ("occurred_on", "2025-01-02"),
                ("contact_ids", "3;4"),
                ("contact_ids", "3"),
            ]),
        )
        .unwrap();
        assert_eq!(ok.kind, TouchpointKind::SiteVisit);
        assert_eq!(ok.contact_ids, vec![3, 4]);
    }
}
