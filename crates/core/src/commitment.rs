use crate::account::{date_text, optional_enum};
use crate::fields::Fields;
use crate::parse;
use crate::FieldErrors;
use chrono::NaiveDate;
use serde::Serialize;

crate::text_enum!(
    CommitmentStatus {
        Open => "open", "Open";
        Kept => "kept", "Kept";
        Missed => "missed", "Missed";
    }
);

/// Something we promised a customer (A4).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommitmentData {
    pub external_id: Option<String>,
    pub account_id: i64,
    pub description: String,
    pub owner: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub status: CommitmentStatus,
    pub closed_on: Option<NaiveDate>,
}

pub const COMMITMENT_FIELDS: &[&str] = &[
    "external_id",
    "description",
    "owner",
    "due_on",
    "status",
    "closed_on",
];

impl CommitmentData {
    pub fn from_fields(account_id: i64, f: &Fields) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let external_id = e.check(
            "external_id",
            parse::optional_text(f.get("external_id"), 100),
        );
        let description = e.check(
            "description",
            parse::required_text(f.get("description"), 1000),
        );
        let owner = e.check("owner", parse::optional_text(f.get("owner"), 100));
        let due_on = e.check("due_on", parse::optional_date(f.get("due_on")));
        let status = e.check(
            "status",
            optional_enum(f.get("status"), CommitmentStatus::parse)
                .map(|s| s.unwrap_or(CommitmentStatus::Open)),
        );
        let closed_on = e.check("closed_on", parse::optional_date(f.get("closed_on")));
        if status == Some(CommitmentStatus::Open) && matches!(closed_on, Some(Some(_))) {
            e.add("closed_on", "an open commitment has no closing date");
        }
        e.into_result(|| CommitmentData {
            external_id: external_id.unwrap(),
            account_id,
            description: description.unwrap(),
            owner: owner.unwrap(),
            due_on: due_on.unwrap(),
            status: status.unwrap(),
            closed_on: closed_on.unwrap(),
        })
    }

    /// Kept, and closed no later than it was due (or had no due date).
    pub fn kept_on_time(&self) -> bool {
        self.status == CommitmentStatus::Kept
            && match (self.due_on, self.closed_on) {
                (Some(due), Some(closed)) => closed <= due,
                _ => true,
            }
    }

    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status == CommitmentStatus::Open && self.due_on.is_some_and(|d| d < today)
    }

    pub fn to_fields(&self) -> Fields {
        let mut f = Fields::new();
        f.push("external_id", self.external_id.clone().unwrap_or_default());
        f.push("description", self.description.clone());
        f.push("owner", self.owner.clone().unwrap_or_default());
        f.push("due_on", date_text(self.due_on));
        f.push("status", self.status.as_str());
        f.push("closed_on", date_text(self.closed_on));
        f
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Commitment {
    pub id: i64,
    #[serde(flatten)]
    pub data: CommitmentData,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_late_is_not_on_time() {
        let f = Fields::from_pairs([
            ("description", "SSO by March"),
            ("due_on", "2025-03-01"),
            ("status", "kept"),
            ("closed_on", "2025-03-05"),
        ]);
        let c = CommitmentData::from_fields(1, &f).unwrap();
        assert!(!c.kept_on_time());
        let open_closed = Fields::from_pairs([("description", "x"), ("closed_on", "2025-03-05")]);
        assert!(CommitmentData::from_fields(1, &open_closed)
            .unwrap_err()
            .get("closed_on")
            .is_some());
    }
}
