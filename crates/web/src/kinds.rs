//! What hangs off an account — contacts, touchpoints, commitments, NPS responses — described
//! once for the two layers that change them: the pages' forms (`html/records.rs`) and the API
//! (`api/mod.rs`). Each description names its path segment, its fields, who may add one, and
//! the store calls; both layers run one generic handler per action over it.

use peerstage_core::commitment::{Commitment, CommitmentData, COMMITMENT_FIELDS};
use peerstage_core::contact::{Contact, ContactData, ReferenceConsent, CONTACT_FIELDS};
use peerstage_core::nps::{NpsData, NpsResponse, NPS_FIELDS};
use peerstage_core::touchpoint::{Touchpoint, TouchpointData, TOUCHPOINT_FIELDS};
use peerstage_core::{FieldErrors, Fields, Permission};
use peerstage_store::{Store, StoreError};
use serde::Serialize;

/// One kind of record on an account. The store calls run on a blocking thread, so they are
/// plain functions of the [`Store`].
pub(crate) trait Kind: 'static {
    /// Path segment (`/accounts/{id}/SEGMENT`, `/SEGMENT/{id}`) and the account page's anchor.
    const SEGMENT: &'static str;
    /// The fields a body or form may carry.
    const FIELDS: &'static [&'static str];
    /// Needed to add one; changing and deleting need [`Permission::WriteCustomers`].
    const CREATE: Permission = Permission::WriteCustomers;
    type Data: Send + 'static;
    type Stored: Send + Serialize + 'static;

    fn parse(account_id: i64, f: &Fields) -> Result<Self::Data, FieldErrors>;
    /// Why the caller's role may not save `d` over `current` (`None`: a new record), if so.
    fn refused(_d: &Self::Data, _current: Option<&Self::Stored>) -> Option<&'static str> {
        None
    }
    fn create(s: &Store, d: &Self::Data) -> Result<Self::Stored, StoreError>;
    fn get(s: &Store, id: i64) -> Result<Self::Stored, StoreError>;
    fn account_of(r: &Self::Stored) -> i64;
    fn delete(s: &Store, id: i64) -> Result<(), StoreError>;
}

/// A kind whose records can be changed after they were made.
pub(crate) trait Editable: Kind {
    fn to_fields(r: &Self::Stored) -> Fields;
    fn update(s: &Store, id: i64, d: &Self::Data) -> Result<Self::Stored, StoreError>;
}

pub(crate) struct Contacts;
pub(crate) struct Touchpoints;
pub(crate) struct Commitments;
/// NPS responses are recorded and deleted, never edited: a survey answer is what it was.
pub(crate) struct Nps;

impl Kind for Contacts {
    const SEGMENT: &'static str = "contacts";
    const FIELDS: &'static [&'static str] = CONTACT_FIELDS;
    type Data = ContactData;
    type Stored = Contact;

    fn parse(account_id: i64, f: &Fields) -> Result<ContactData, FieldErrors> {
        ContactData::from_fields(account_id, f)
    }
    /// Reference consent and do-not-contact need ManageConsent (F3) to differ from their
    /// current values (a new contact's: no and no).
    fn refused(d: &ContactData, current: Option<&Contact>) -> Option<&'static str> {
        let (consent, dnc) = current
            .map(|c| (c.data.reference_consent, c.data.do_not_contact))
            .unwrap_or((ReferenceConsent::No, false));
        let changed = d.reference_consent != consent || d.do_not_contact != dnc;
        (changed && !crate::auth::can(Permission::ManageConsent))
            .then_some("your role may not change reference_consent or do_not_contact")
    }
    fn create(s: &Store, d: &ContactData) -> Result<Contact, StoreError> {
        s.create_contact(d)
    }
    fn get(s: &Store, id: i64) -> Result<Contact, StoreError> {
        s.get_contact(id)
    }
    fn account_of(r: &Contact) -> i64 {
        r.data.account_id
    }
    fn delete(s: &Store, id: i64) -> Result<(), StoreError> {
        s.delete_contact(id)
    }
}

impl Editable for Contacts {
    fn to_fields(r: &Contact) -> Fields {
        r.data.to_fields()
    }
    fn update(s: &Store, id: i64, d: &ContactData) -> Result<Contact, StoreError> {
        s.update_contact(id, d)
    }
}

impl Kind for Touchpoints {
    const SEGMENT: &'static str = "touchpoints";
    const FIELDS: &'static [&'static str] = TOUCHPOINT_FIELDS;
    /// Sales reps record touchpoints; only those who keep the customer records change them.
    const CREATE: Permission = Permission::WriteTouchpoints;
    type Data = TouchpointData;
    type Stored = Touchpoint;

    fn parse(account_id: i64, f: &Fields) -> Result<TouchpointData, FieldErrors> {
        TouchpointData::from_fields(account_id, f)
    }
    fn create(s: &Store, d: &TouchpointData) -> Result<Touchpoint, StoreError> {
        s.create_touchpoint(d)
    }
    fn get(s: &Store, id: i64) -> Result<Touchpoint, StoreError> {
        s.get_touchpoint(id)
    }
    fn account_of(r: &Touchpoint) -> i64 {
        r.data.account_id
    }
    fn delete(s: &Store, id: i64) -> Result<(), StoreError> {
        s.delete_touchpoint(id)
    }
}

impl Editable for Touchpoints {
    fn to_fields(r: &Touchpoint) -> Fields {
        r.data.to_fields()
    }
    fn update(s: &Store, id: i64, d: &TouchpointData) -> Result<Touchpoint, StoreError> {
        s.update_touchpoint(id, d)
    }
}

impl Kind for Commitments {
    const SEGMENT: &'static str = "commitments";
    const FIELDS: &'static [&'static str] = COMMITMENT_FIELDS;
    type Data = CommitmentData;
    type Stored = Commitment;

    fn parse(account_id: i64, f: &Fields) -> Result<CommitmentData, FieldErrors> {
        CommitmentData::from_fields(account_id, f)
    }
    fn create(s: &Store, d: &CommitmentData) -> Result<Commitment, StoreError> {
        s.create_commitment(d)
    }
    fn get(s: &Store, id: i64) -> Result<Commitment, StoreError> {
        s.get_commitment(id)
    }
    fn account_of(r: &Commitment) -> i64 {
        r.data.account_id
    }
    fn delete(s: &Store, id: i64) -> Result<(), StoreError> {
        s.delete_commitment(id)
    }
}

impl Editable for Commitments {
    fn to_fields(r: &Commitment) -> Fields {
        r.data.to_fields()
    }
    fn update(s: &Store, id: i64, d: &CommitmentData) -> Result<Commitment, StoreError> {
        s.update_commitment(id, d)
    }
}

impl Kind for Nps {
    const SEGMENT: &'static str = "nps";
    const FIELDS: &'static [&'static str] = NPS_FIELDS;
    type Data = NpsData;
    type Stored = NpsResponse;

    fn parse(account_id: i64, f: &Fields) -> Result<NpsData, FieldErrors> {
        NpsData::from_fields(account_id, f)
    }
    fn create(s: &Store, d: &NpsData) -> Result<NpsResponse, StoreError> {
        s.create_nps(d)
    }
    fn get(s: &Store, id: i64) -> Result<NpsResponse, StoreError> {
        s.get_nps(id)
    }
    fn account_of(r: &NpsResponse) -> i64 {
        r.data.account_id
    }
    fn delete(s: &Store, id: i64) -> Result<(), StoreError> {
        s.delete_nps(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(pairs: &[(&str, &str)]) -> ContactData {
        ContactData::from_fields(1, &Fields::from_pairs(pairs.iter().copied())).unwrap()
    }

    #[test]
    fn consent_may_not_differ_from_its_current_value_without_manage_consent() {
        // Outside a request nobody is signed in, so nobody holds ManageConsent.
        let plain = contact(&[("name", "Ada")]);
        assert_eq!(Contacts::refused(&plain, None), None);
        for changed in [
            contact(&[("name", "Ada"), ("reference_consent", "yes")]),
            contact(&[("name", "Ada"), ("do_not_contact", "true")]),
        ] {
            assert!(Contacts::refused(&changed, None).is_some());
        }
        let stored = Contact {
            id: 1,
            data: contact(&[("name", "Ada"), ("reference_consent", "yes")]),
            account_name: "Acme".into(),
            consent_changed_at: None,
            consent_changed_by: None,
            erased_at: None,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        };
        let same = contact(&[("name", "Ada L."), ("reference_consent", "yes")]);
        assert_eq!(Contacts::refused(&same, Some(&stored)), None);
        assert!(Contacts::refused(&plain, Some(&stored)).is_some());
    }
}
