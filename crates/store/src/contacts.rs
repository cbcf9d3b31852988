use crate::db::{contains_pattern, Conn, Row, Value};
use crate::{join_list, now, split_list, Result, Store, StoreError};
use peerstage_core::account::Page;
use peerstage_core::contact::{Contact, ContactData, ContactRole, ReferenceConsent};

const COLUMNS: &str = "c.id, c.external_id, c.account_id, c.name, c.title, c.role, c.email, c.phone, c.city, c.topics, c.reference_consent, c.do_not_contact, c.public_link, c.audience_size, c.created_at, c.updated_at, a.name, c.consent_changed_at, c.consent_changed_by, c.erased_at, c.languages";
pub(crate) const DATA_COLUMNS: &[&str] = &[
    "external_id",
    "account_id",
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

fn from_row(r: &Row) -> Contact {
    Contact {
        id: r.int(0),
        data: ContactData {
            external_id: r.opt_text(1),
            account_id: r.int(2),
            name: r.text(3),
            title: r.opt_text(4),
            role: r.opt_text(5).and_then(|s| ContactRole::parse(&s).ok()),
            email: r.opt_text(6),
            phone: r.opt_text(7),
            city: r.opt_text(8),
            topics: split_list(&r.text(9)),
            reference_consent: ReferenceConsent::parse(&r.text(10)).unwrap_or(ReferenceConsent::No),
            do_not_contact: r.bool(11),
            public_link: r.opt_text(12),
            audience_size: r.opt_int(13),
            languages: split_list(&r.text(20)),
        },
        created_at: r.time(14),
        updated_at: r.time(15),
        account_name: r.text(16),
        consent_changed_at: r.opt_time(17),
        consent_changed_by: r.opt_text(18),
        erased_at: r.opt_time(19),
    }
}

pub(crate) fn contact_values(d: &ContactData) -> Vec<Value> {
    vec![
        Value::from(&d.external_id),
        Value::Int(d.account_id),
        Value::from(&d.name),
        Value::from(&d.title),
        Value::from(d.role.map(|r| r.as_str())),
        Value::from(&d.email),
        Value::from(&d.phone),
        Value::from(&d.city),
        Value::from(join_list(&d.topics)),
        Value::from(d.reference_consent.as_str()),
        Value::Bool(d.do_not_contact),
        Value::from(&d.public_link),
        Value::from(d.audience_size),
        Value::from(join_list(&d.languages)),
    ]
}

fn get(c: &mut dyn Conn, id: i64) -> Result<Contact> {
    c.query_one(
        &format!("SELECT {COLUMNS} FROM contacts c JOIN accounts a ON a.id = c.account_id WHERE c.id = ?"),
        &[Value::Int(id)],
    )?
    .map(|r| from_row(&r))
    .ok_or(StoreError::NotFound { what: "contact", id })
}

/// Stamps when and by whom consent or do-not-contact was set (F3).
fn record_consent(c: &mut dyn Conn, id: i64, by: &str) -> Result<()> {
    c.execute(
        "UPDATE contacts SET consent_changed_at = ?, consent_changed_by = ? WHERE id = ?",
        &[Value::Time(now()), Value::from(by), Value::Int(id)],
    )?;
    Ok(())
}

pub(crate) fn require_account(c: &mut dyn Conn, account_id: i64) -> Result<()> {
    if c.query_int(
        "SELECT count(*) FROM accounts WHERE id = ?",
        &[Value::Int(account_id)],
    )? == 0
    {
        return Err(StoreError::NotFound {
            what: "account",
            id: account_id,
        });
    }
    Ok(())
}

impl Store {
    pub fn list_contacts(&self, account_id: i64) -> Result<Vec<Contact>> {
        self.with_conn(|c| {
            Ok(c.query(
                &format!("SELECT {COLUMNS} FROM contacts c JOIN accounts a ON a.id = c.account_id WHERE c.account_id = ? ORDER BY c.name, c.id"),
                &[Value::Int(account_id)],
            )?
            .iter()
            .map(from_row)
            .collect())
        })
    }

    /// Contacts across accounts, by name or email, paged.
    pub fn search_contacts(
        &self,
        search: Option<&str>,
        page: u32,
        per_page: u32,
    ) -> Result<Page<Contact>> {
        let per_page = per_page.clamp(1, 500);
        let page = page.max(1);
        let search = search.map(str::trim).filter(|s| !s.is_empty());
        self.with_conn(|c| {
            let (filter, params) = match search {
                Some(s) => {
                    let d = c.dialect();
                    let pat = contains_pattern(s);
                    (
                        format!(
                            " WHERE {} LIKE ? ESCAPE '\\' OR {} LIKE ? ESCAPE '\\'",
                            d.lower_for_search("c.name", s),
                            d.lower_for_search("coalesce(c.email, '')", s)
                        ),
                        vec![Value::Text(pat.clone()), Value::Text(pat)],
                    )
                }
                None => (String::new(), vec![]),
            };
            let total = c.query_int(&format!("SELECT count(*) FROM contacts c{filter}"), &params)? as u64;
            let items = c
                .query(
                    &format!(
                        "SELECT {COLUMNS} FROM contacts c JOIN accounts a ON a.id = c.account_id{filter} ORDER BY lower(c.name), c.id LIMIT {per_page} OFFSET {}",
                        (page as u64 - 1) * per_page as u64
                    ),
                    &params,
                )?
                .iter()
                .map(from_row)
                .collect();
            Ok(Page { items, total, page, per_page })
        })
    }

    pub fn get_contact(&self, id: i64) -> Result<Contact> {
        self.with_conn(|c| get(c, id))
    }

    pub fn create_contact(&self, d: &ContactData) -> Result<Contact> {
        self.transaction(|c| {
            require_account(c, d.account_id)?;
            let t = now();
            let mut params = contact_values(d);
            params.push(Value::Time(t));
            params.push(Value::Time(t));
            let marks = vec!["?"; params.len()].join(", ");
            let id = c.query_int(
                &format!("INSERT INTO contacts ({}, created_at, updated_at) VALUES ({marks}) RETURNING id", DATA_COLUMNS.join(", ")),
                &params,
            )?;
            crate::ensure_external_id(c, "contacts", "con", id)?;
            record_consent(c, id, &self.actor().label)?;
            let after = get(c, id)?;
            self.audit_change(c, "create", "contact", id, &after.data.name, None, Some(&after))?;
            Ok(after)
        })
    }

    pub fn update_contact(&self, id: i64, d: &ContactData) -> Result<Contact> {
        self.transaction(|c| {
            let before = get(c, id)?;
            require_account(c, d.account_id)?;
            let sets: Vec<String> = DATA_COLUMNS
                .iter()
                .map(|col| format!("{col} = ?"))
                .collect();
            let mut params = contact_values(d);
            params.push(Value::Time(now()));
            params.push(Value::Int(id));
            if c.execute(
                &format!(
                    "UPDATE contacts SET {}, updated_at = ? WHERE id = ?",
                    sets.join(", ")
                ),
                &params,
            )? == 0
            {
                return Err(StoreError::NotFound {
                    what: "contact",
                    id,
                });
            }
            if before.data.reference_consent != d.reference_consent
                || before.data.do_not_contact != d.do_not_contact
            {
                record_consent(c, id, &self.actor().label)?;
            }
            crate::ensure_external_id(c, "contacts", "con", id)?;
            let after = get(c, id)?;
            self.audit_change(
                c,
                "update",
                "contact",
                id,
                &after.data.name,
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
    }

    pub fn delete_contact(&self, id: i64) -> Result<()> {
        self.transaction(|c| {
            let before = get(c, id)?;
            if c.execute("DELETE FROM contacts WHERE id = ?", &[Value::Int(id)])? == 0 {
                return Err(StoreError::NotFound {
                    what: "contact",
                    id,
                });
            }
            self.audit_change(
                c,
                "delete",
                "contact",
                id,
                &before.data.name,
                Some(&before),
                None,
            )?;
            Ok(())
        })
    }
}
