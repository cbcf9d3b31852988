//! Roles and what each may do (F1). The matrix is written down in docs/ROLES.md and tested
//! route by route in the web crate.

use serde::Serialize;

crate::text_enum!(
    Role {
        Admin => "admin", "Admin";
        Manager => "manager", "Advocacy manager";
        Sales => "sales", "Sales";
        Product => "product", "Product";
        Viewer => "viewer", "Viewer";
    }
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Accounts, contacts, touchpoints, commitments, NPS — without the fields below.
    ReadCustomers,
    /// Revenue-side figures: cost to serve, discount, margin, profitability.
    ReadFinancials,
    /// Private notes on accounts.
    ReadPrivateNotes,
    /// Create, edit and delete accounts, contacts, commitments and NPS responses.
    WriteCustomers,
    /// Record touchpoints (sales log their own conversations).
    WriteTouchpoints,
    /// CSV import and export (exports carry financial fields).
    ImportExport,
    /// Change a contact's reference consent or do-not-contact flag.
    ManageConsent,
    /// Export or erase everything about a person.
    Privacy,
    /// Advocate profiles, motivations, activities, incentives, program settings, and moving
    /// reference requests through their workflow.
    ManageAdvocates,
    /// Ask for a reference for a deal, and see one's own requests.
    RequestReferences,
    /// Add and edit voice-of-customer evidence: pasted text, CSV rows, transcripts, notes
    /// captured at events (C1, C2, D5).
    WriteEvidence,
    /// Curate the voice of the customer: themes (rename, merge, split, pin), the glossary,
    /// media consent, strategy sessions and action plans (C2, C4, C5, C7).
    ManageInsights,
    /// Plan events: sessions, speakers, guest lists, briefings, outcomes (D1–D8).
    ManageEvents,
    /// Users, API tokens and the audit log.
    Administer,
}

impl Role {
    pub fn allows(self, p: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Admin => true,
            Role::Manager => !matches!(p, Administer),
            Role::Sales => matches!(
                p,
                ReadCustomers | WriteTouchpoints | RequestReferences | WriteEvidence
            ),
            Role::Product => matches!(p, ReadCustomers | WriteEvidence | ManageInsights),
            Role::Viewer => matches!(p, ReadCustomers),
        }
    }
}

/// Who is acting: a signed-in user, a token's user, or the command line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub label: String,
    pub role: Role,
}

impl Actor {
    /// The operator at the command line, who holds the database file or URL.
    pub fn cli() -> Actor {
        Actor {
            user_id: None,
            label: "cli".into(),
            role: Role::Admin,
        }
    }
    pub fn can(&self, p: Permission) -> bool {
        self.role.allows(p)
    }
}

/// Minimum password length for new passwords.
pub const MIN_PASSWORD: usize = 10;

pub fn check_password(p: &str) -> Result<(), String> {
    if p.chars().count() < MIN_PASSWORD {
        return Err(format!("must be at least {MIN_PASSWORD} characters"));
    }
    if p.len() > 1024 {
        return Err("is too long (at most 1024 bytes)".into());
    }
    Ok(())
}

pub fn normalize_email(e: &str) -> Result<String, String> {
    crate::parse::optional_email(e)?
        .map(|e| e.to_lowercase())
        .ok_or_else(|| "is required".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Permission::*;

    #[test]
    fn the_matrix() {
        let all = [
            ReadCustomers,
            ReadFinancials,
            ReadPrivateNotes,
            WriteCustomers,
            WriteTouchpoints,
            ImportExport,
            ManageConsent,
            Privacy,
            ManageAdvocates,
            RequestReferences,
            WriteEvidence,
            ManageInsights,
            ManageEvents,
            Administer,
        ];
        assert!(all.iter().all(|p| Role::Admin.allows(*p)));
        assert!(!Role::Manager.allows(Administer));
        assert!(Role::Manager.allows(ReadFinancials) && Role::Manager.allows(Privacy));
        for r in [Role::Sales, Role::Product, Role::Viewer] {
            assert!(r.allows(ReadCustomers));
            for p in [
                ReadFinancials,
                ReadPrivateNotes,
                WriteCustomers,
                ImportExport,
                ManageConsent,
                Privacy,
                ManageAdvocates,
                Administer,
            ] {
                assert!(!r.allows(p), "{r} must not have {p:?}");
            }
        }
        assert!(Role::Sales.allows(WriteTouchpoints) && Role::Sales.allows(RequestReferences));
        assert!(!Role::Sales.allows(ManageAdvocates) && !Role::Viewer.allows(RequestReferences));
        assert!(!Role::Viewer.allows(WriteTouchpoints) && !Role::Product.allows(WriteTouchpoints));
        assert!(Role::Sales.allows(WriteEvidence) && !Role::Sales.allows(ManageInsights));
        assert!(Role::Product.allows(WriteEvidence) && Role::Product.allows(ManageInsights));
        assert!(!Role::Viewer.allows(WriteEvidence) && !Role::Viewer.allows(ManageInsights));
        for r in [Role::Sales, Role::Product, Role::Viewer] {
            assert!(!r.allows(ManageEvents), "{r} must not plan events");
        }
        assert!(Role::Manager.allows(ManageEvents) && Role::Manager.allows(ManageInsights));
    }

    #[test]
    fn passwords_and_emails() {
        assert!(check_password("short").is_err());
        assert!(check_password("long enough pw").is_ok());
        assert_eq!(
            normalize_email(" Ada@Example.COM ").unwrap(),
            "ada@example.com"
        );
        assert!(normalize_email("nope").is_err());
    }
}
