//! Third-party educators and the buyer journey (B6): review sites and analyst firms, the
//! reviews advocates post there, the survey of where new customers learned about us, and
//! the report of each source's share and attributed revenue.

use crate::db::{Conn, Row, Value};
use crate::{now, Result, Store, StoreError};
use chrono::NaiveDate;
use peerstage_core::journey::{
    attribute, name_key, Mention, OtherSource, Review, ReviewData, Source, SourceResponse,
    SourceResponseData, ThirdParty, ThirdPartyData, ThirdPartyKind, ThirdPartyLookup,
};
use peerstage_core::FieldErrors;
use serde::Serialize;
use std::collections::HashMap;

const THIRD_PARTY_COLUMNS: &str = "t.id, t.name, t.kind, t.url, t.created_at, t.updated_at, \
    (SELECT count(*) FROM reviews r WHERE r.third_party_id = t.id), \
    (SELECT CAST(avg(r.rating) AS DOUBLE PRECISION) FROM reviews r WHERE r.third_party_id = t.id)";

fn third_party_from_row(r: &Row) -> ThirdParty {
    ThirdParty {
        id: r.int(0),
        data: ThirdPartyData {
            name: r.text(1),
            kind: ThirdPartyKind::parse(&r.text(2)).unwrap_or(ThirdPartyKind::ReviewSite),
            url: r.opt_text(3),
        },
        created_at: r.time(4),
        updated_at: r.time(5),
        review_count: r.int(6),
        average_rating: match r.0[7] {
            Value::Null => None,
            _ => Some(r.float(7)),
        },
    }
}

fn get_third_party(c: &mut dyn Conn, id: i64) -> Result<ThirdParty> {
    c.query_one(
        &format!("SELECT {THIRD_PARTY_COLUMNS} FROM third_parties t WHERE t.id = ?"),
        &[Value::Int(id)],
    )?
    .map(|r| third_party_from_row(&r))
    .ok_or(StoreError::NotFound {
        what: "third party",
        id,
    })
}

/// Names are unique ignoring case; say so beside the name rather than fail on the index.
fn check_name_free(c: &mut dyn Conn, name: &str, except: Option<i64>) -> Result<()> {
    let taken = c.query_one(
        "SELECT name FROM third_parties WHERE lower(name) = ? AND id <> ?",
        &[Value::from(name_key(name)), Value::Int(except.unwrap_or(0))],
    )?;
    match taken {
        Some(r) => Err(StoreError::Conflict {
            field: "name".into(),
            reason: format!("'{}' is already a third party", r.text(0)),
        }),
        None => Ok(()),
    }
}

const REVIEW_COLUMNS: &str = "r.id, r.external_id, r.contact_id, r.third_party_id, r.reviewed_on, r.rating, r.title, r.link, \
    r.created_at, r.updated_at, c.name, c.account_id, a.name, t.name";
const REVIEW_FROM: &str =
    "reviews r JOIN contacts c ON c.id = r.contact_id JOIN accounts a ON a.id = c.account_id \
    JOIN third_parties t ON t.id = r.third_party_id";

fn review_from_row(r: &Row) -> Review {
    Review {
        id: r.int(0),
        data: ReviewData {
            external_id: r.opt_text(1),
            contact_id: r.int(2),
            third_party_id: r.int(3),
            reviewed_on: r.date(4),
            rating: r.int(5),
            title: r.opt_text(6),
            link: r.opt_text(7),
        },
        created_at: r.time(8),
        updated_at: r.time(9),
        contact_name: r.text(10),
        account_id: r.int(11),
        account_name: r.text(12),
        third_party_name: r.text(13),
    }
}

fn get_review(c: &mut dyn Conn, id: i64) -> Result<Review> {
    c.query_one(
        &format!("SELECT {REVIEW_COLUMNS} FROM {REVIEW_FROM} WHERE r.id = ?"),
        &[Value::Int(id)],
    )?
    .map(|r| review_from_row(&r))
    .ok_or(StoreError::NotFound { what: "review", id })
}

fn check_review_links(c: &mut dyn Conn, d: &ReviewData) -> Result<()> {
    let mut e = FieldErrors::new();
    if c.query_int(
        "SELECT count(*) FROM contacts WHERE id = ?",
        &[Value::Int(d.contact_id)],
    )? == 0
    {
        e.add("contact_id", format!("no contact has id {}", d.contact_id));
    }
    if c.query_int(
        "SELECT count(*) FROM third_parties WHERE id = ?",
        &[Value::Int(d.third_party_id)],
    )? == 0
    {
        e.add(
            "third_party_id",
            format!("no third party has id {}", d.third_party_id),
        );
    }
    e.into_result(|| ()).map_err(Into::into)
}

const RESPONSE_COLUMNS: &str =
    "s.id, s.external_id, s.account_id, s.third_party_id, s.other_source, s.responded_on, \
    s.created_at, a.name, t.name";
const RESPONSE_FROM: &str = "source_responses s JOIN accounts a ON a.id = s.account_id \
    LEFT JOIN third_parties t ON t.id = s.third_party_id";

fn response_from_row(r: &Row) -> SourceResponse {
    let other = r.opt_text(4).and_then(|o| OtherSource::parse(&o).ok());
    SourceResponse {
        id: r.int(0),
        data: SourceResponseData {
            external_id: r.opt_text(1),
            account_id: r.int(2),
            third_party_id: r.opt_int(3),
            other_source: other,
            responded_on: r.date(5),
        },
        created_at: r.time(6),
        account_name: r.text(7),
        source: r
            .opt_text(8)
            .unwrap_or_else(|| other.unwrap_or(OtherSource::Other).label().to_string()),
    }
}

fn get_response(c: &mut dyn Conn, id: i64) -> Result<SourceResponse> {
    c.query_one(
        &format!("SELECT {RESPONSE_COLUMNS} FROM {RESPONSE_FROM} WHERE s.id = ?"),
        &[Value::Int(id)],
    )?
    .map(|r| response_from_row(&r))
    .ok_or(StoreError::NotFound {
        what: "survey response",
        id,
    })
}

fn check_response_links(c: &mut dyn Conn, d: &SourceResponseData) -> Result<()> {
    if c.query_int(
        "SELECT count(*) FROM accounts WHERE id = ?",
        &[Value::Int(d.account_id)],
    )? == 0
    {
        return Err(FieldErrors::single(
            "account_id",
            format!("no account has id {}", d.account_id),
        )
        .into());
    }
    if let Some(t) = d.third_party_id {
        if c.query_int(
            "SELECT count(*) FROM third_parties WHERE id = ?",
            &[Value::Int(t)],
        )? == 0
        {
            return Err(FieldErrors::single("source", format!("no third party has id {t}")).into());
        }
    }
    Ok(())
}

/// Which reviews to list.
#[derive(Debug, Clone, Default)]
pub struct ReviewFilter {
    pub contact_id: Option<i64>,
    pub third_party_id: Option<i64>,
    pub account_id: Option<i64>,
}

/// One row of the buyer-journey report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceRow {
    /// The third party's name, or the other source's label.
    pub name: String,
    /// `review_site`, `analyst_firm`, or `other`.
    pub kind: String,
    pub third_party_id: Option<i64>,
    pub other_source: Option<OtherSource>,
    pub customers: u64,
    /// Share of the customers who answered, 0 to 1.
    pub share: f64,
    /// Annual revenue attributed, split equally among the sources an account named.
    pub revenue: f64,
}

/// Where new customers learned about us (B6), for responses in the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceReport {
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub responses: u64,
    pub respondents: u64,
    pub total_revenue: i64,
    /// Respondents that named at least one review site or analyst firm.
    pub via_third_parties: u64,
    pub third_party_revenue: f64,
    pub sources: Vec<SourceRow>,
}

impl SourceReport {
    /// The row of one third party, if any respondent named it.
    pub fn third_party(&self, id: i64) -> Option<&SourceRow> {
        self.sources.iter().find(|s| s.third_party_id == Some(id))
    }
}

impl Store {
    // ---- third parties ----

    pub fn list_third_parties(&self) -> Result<Vec<ThirdParty>> {
        self.with_conn(|c| {
            Ok(c.query(
                &format!("SELECT {THIRD_PARTY_COLUMNS} FROM third_parties t ORDER BY lower(t.name), t.id"),
                &[],
            )?
            .iter()
            .map(third_party_from_row)
            .collect())
        })
    }

    /// Third parties by `name_key`, for reading sources and reviews by name.
    pub fn third_party_lookup(&self) -> Result<ThirdPartyLookup> {
        self.with_conn(third_party_lookup_in)
    }

    pub fn get_third_party(&self, id: i64) -> Result<ThirdParty> {
        self.with_conn(|c| get_third_party(c, id))
    }

    pub fn create_third_party(&self, d: &ThirdPartyData) -> Result<ThirdParty> {
        self.transaction(|c| {
            check_name_free(c, &d.name, None)?;
            let t = now();
            let id = c.query_int(
                "INSERT INTO third_parties (name, kind, url, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
                &[Value::from(&d.name), Value::from(d.kind.as_str()), Value::from(&d.url), Value::Time(t), Value::Time(t)],
            )?;
            let after = get_third_party(c, id)?;
            self.audit_change(c, "create", "third_party", id, &d.name, None, Some(&after))?;
            Ok(after)
        })
    }

    pub fn update_third_party(&self, id: i64, d: &ThirdPartyData) -> Result<ThirdParty> {
        self.transaction(|c| {
            let before = get_third_party(c, id)?;
            check_name_free(c, &d.name, Some(id))?;
            c.execute(
                "UPDATE third_parties SET name = ?, kind = ?, url = ?, updated_at = ? WHERE id = ?",
                &[
                    Value::from(&d.name),
                    Value::from(d.kind.as_str()),
                    Value::from(&d.url),
                    Value::Time(now()),
                    Value::Int(id),
                ],
            )?;
            let after = get_third_party(c, id)?;
            self.audit_change(
                c,
                "update",
                "third_party",
                id,
                &d.name,
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
    }

    /// Deletes a third party with its reviews and the survey answers that named it.
    pub fn delete_third_party(&self, id: i64) -> Result<()> {
        self.transaction(|c| {
            let before = get_third_party(c, id)?;
            c.execute("DELETE FROM third_parties WHERE id = ?", &[Value::Int(id)])?;
            self.audit_change(
                c,
                "delete",
                "third_party",
                id,
                &before.data.name,
                Some(&before),
                None,
            )?;
            Ok(())
        })
    }

    // ---- reviews ----

    /// Reviews, newest first.
    pub fn list_reviews(&self, f: &ReviewFilter) -> Result<Vec<Review>> {
        let mut conds = vec!["1 = 1"];
        let mut params = Vec::new();
        if let Some(id) = f.contact_id {
            conds.push("r.contact_id = ?");
            params.push(Value::Int(id));
        }
        if let Some(id) = f.third_party_id {
            conds.push("r.third_party_id = ?");
            params.push(Value::Int(id));
        }
        if let Some(id) = f.account_id {
            conds.push("c.account_id = ?");
            params.push(Value::Int(id));
        }
        self.with_conn(|c| {
            Ok(c.query(
                &format!(
                    "SELECT {REVIEW_COLUMNS} FROM {REVIEW_FROM} WHERE {} ORDER BY r.reviewed_on DESC, r.id DESC LIMIT 1000",
                    conds.join(" AND ")
                ),
                &params,
            )?
            .iter()
            .map(review_from_row)
            .collect())
        })
    }

    pub fn get_review(&self, id: i64) -> Result<Review> {
        self.with_conn(|c| get_review(c, id))
    }

    pub fn create_review(&self, d: &ReviewData) -> Result<Review> {
        self.transaction(|c| {
            check_review_links(c, d)?;
            let t = now();
            let id = c.query_int(
                "INSERT INTO reviews (external_id, contact_id, third_party_id, reviewed_on, rating, title, link, created_at, updated_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                &[
                    Value::from(&d.external_id),
                    Value::Int(d.contact_id),
                    Value::Int(d.third_party_id),
                    Value::Date(d.reviewed_on),
                    Value::Int(d.rating),
                    Value::from(&d.title),
                    Value::from(&d.link),
                    Value::Time(t),
                    Value::Time(t),
                ],
            )?;
            crate::ensure_external_id(c, "reviews", "rev", id)?;
            crate::evidence::sync_review(c, id)?;
            let after = get_review(c, id)?;
            let summary = format!("{} stars on {} by {}", d.rating, after.third_party_name, after.contact_name);
            self.audit_change(c, "create", "review", id, &summary, None, Some(&after))?;
            Ok(after)
        })
    }

    pub fn update_review(&self, id: i64, d: &ReviewData) -> Result<Review> {
        self.transaction(|c| {
            let before = get_review(c, id)?;
            check_review_links(c, d)?;
            c.execute(
                "UPDATE reviews SET external_id = ?, contact_id = ?, third_party_id = ?, reviewed_on = ?, rating = ?, title = ?, link = ?, updated_at = ? WHERE id = ?",
                &[
                    Value::from(d.external_id.as_ref().or(before.data.external_id.as_ref())),
                    Value::Int(d.contact_id),
                    Value::Int(d.third_party_id),
                    Value::Date(d.reviewed_on),
                    Value::Int(d.rating),
                    Value::from(&d.title),
                    Value::from(&d.link),
                    Value::Time(now()),
                    Value::Int(id),
                ],
            )?;
            crate::evidence::sync_review(c, id)?;
            let after = get_review(c, id)?;
            let summary = format!("{} stars on {} by {}", d.rating, after.third_party_name, after.contact_name);
            self.audit_change(c, "update", "review", id, &summary, Some(&before), Some(&after))?;
            Ok(after)
        })
    }

    pub fn delete_review(&self, id: i64) -> Result<()> {
        self.transaction(|c| {
            let before = get_review(c, id)?;
            c.execute("DELETE FROM reviews WHERE id = ?", &[Value::Int(id)])?;
            let summary = format!(
                "{} stars on {} by {}",
                before.data.rating, before.third_party_name, before.contact_name
            );
            self.audit_change(c, "delete", "review", id, &summary, Some(&before), None)?;
            Ok(())
        })
    }

    // ---- the buyer-journey survey ----

    /// Survey responses, newest first; `third_party_id` limits them to one third party.
    pub fn list_source_responses(
        &self,
        third_party_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<SourceResponse>> {
        let (filter, params) = match third_party_id {
            Some(id) => ("s.third_party_id = ?", vec![Value::Int(id)]),
            None => ("1 = 1", vec![]),
        };
        self.with_conn(|c| {
            Ok(c.query(
                &format!(
                    "SELECT {RESPONSE_COLUMNS} FROM {RESPONSE_FROM} WHERE {filter} ORDER BY s.responded_on DESC, s.id DESC LIMIT {}",
                    limit.clamp(1, 10_000)
                ),
                &params,
            )?
            .iter()
            .map(response_from_row)
            .collect())
        })
    }

    pub fn get_source_response(&self, id: i64) -> Result<SourceResponse> {
        self.with_conn(|c| get_response(c, id))
    }

    pub fn create_source_response(&self, d: &SourceResponseData) -> Result<SourceResponse> {
        self.transaction(|c| {
            check_response_links(c, d)?;
            let id = c.query_int(
                "INSERT INTO source_responses (external_id, account_id, third_party_id, other_source, responded_on, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                &[
                    Value::from(&d.external_id),
                    Value::Int(d.account_id),
                    Value::from(d.third_party_id),
                    Value::from(d.other_source.map(|o| o.as_str())),
                    Value::Date(d.responded_on),
                    Value::Time(now()),
                ],
            )?;
            crate::ensure_external_id(c, "source_responses", "src", id)?;
            let after = get_response(c, id)?;
            let summary = format!("{}: {}", after.account_name, after.source);
            self.audit_change(c, "create", "source_response", id, &summary, None, Some(&after))?;
            Ok(after)
        })
    }

    pub fn update_source_response(
        &self,
        id: i64,
        d: &SourceResponseData,
    ) -> Result<SourceResponse> {
        self.transaction(|c| {
            let before = get_response(c, id)?;
            check_response_links(c, d)?;
            c.execute(
                "UPDATE source_responses SET external_id = ?, account_id = ?, third_party_id = ?, other_source = ?, responded_on = ? WHERE id = ?",
                &[
                    Value::from(d.external_id.as_ref().or(before.data.external_id.as_ref())),
                    Value::Int(d.account_id),
                    Value::from(d.third_party_id),
                    Value::from(d.other_source.map(|o| o.as_str())),
                    Value::Date(d.responded_on),
                    Value::Int(id),
                ],
            )?;
            let after = get_response(c, id)?;
            let summary = format!("{}: {}", after.account_name, after.source);
            self.audit_change(c, "update", "source_response", id, &summary, Some(&before), Some(&after))?;
            Ok(after)
        })
    }

    pub fn delete_source_response(&self, id: i64) -> Result<()> {
        self.transaction(|c| {
            let before = get_response(c, id)?;
            c.execute(
                "DELETE FROM source_responses WHERE id = ?",
                &[Value::Int(id)],
            )?;
            let summary = format!("{}: {}", before.account_name, before.source);
            self.audit_change(
                c,
                "delete",
                "source_response",
                id,
                &summary,
                Some(&before),
                None,
            )?;
            Ok(())
        })
    }

    /// Each source's share of the customers who answered in the period (inclusive) and the
    /// revenue attributed to it, computed by `core::journey::attribute`.
    pub fn source_report(
        &self,
        since: Option<NaiveDate>,
        until: Option<NaiveDate>,
    ) -> Result<SourceReport> {
        let mut conds = vec!["1 = 1"];
        let mut params = Vec::new();
        if let Some(d) = since {
            conds.push("s.responded_on >= ?");
            params.push(Value::Date(d));
        }
        if let Some(d) = until {
            conds.push("s.responded_on <= ?");
            params.push(Value::Date(d));
        }
        let (mentions, responses, names) = self.with_conn(|c| {
            let rows = c.query(
                &format!(
                    "SELECT s.account_id, a.annual_revenue, s.third_party_id, s.other_source FROM source_responses s \
                     JOIN accounts a ON a.id = s.account_id WHERE {}",
                    conds.join(" AND ")
                ),
                &params,
            )?;
            let mentions: Vec<Mention> = rows
                .iter()
                .map(|r| Mention {
                    account_id: r.int(0),
                    revenue: r.int(1),
                    source: match r.opt_int(2) {
                        Some(t) => Source::ThirdParty(t),
                        None => Source::Other(
                            r.opt_text(3)
                                .and_then(|o| OtherSource::parse(&o).ok())
                                .unwrap_or(OtherSource::Other),
                        ),
                    },
                })
                .collect();
            let names: HashMap<i64, (String, String)> = c
                .query("SELECT id, name, kind FROM third_parties", &[])?
                .iter()
                .map(|r| (r.int(0), (r.text(1), r.text(2))))
                .collect();
            Ok((mentions, rows.len() as u64, names))
        })?;
        let a = attribute(&mentions);
        let sources = a
            .sources
            .iter()
            .map(|s| {
                let (name, kind, third_party_id, other_source) = match s.source {
                    Source::ThirdParty(id) => {
                        let (name, kind) = names
                            .get(&id)
                            .cloned()
                            .unwrap_or_else(|| (format!("third party {id}"), "review_site".into()));
                        (name, kind, Some(id), None)
                    }
                    Source::Other(o) => (o.label().to_string(), "other".to_string(), None, Some(o)),
                };
                SourceRow {
                    name,
                    kind,
                    third_party_id,
                    other_source,
                    customers: s.customers,
                    share: s.share,
                    revenue: s.revenue,
                }
            })
            .collect();
        Ok(SourceReport {
            since,
            until,
            responses,
            respondents: a.respondents,
            total_revenue: a.total_revenue,
            via_third_parties: a.via_third_parties,
            third_party_revenue: a.third_party_revenue,
            sources,
        })
    }
}

pub(crate) fn third_party_lookup_in(c: &mut dyn Conn) -> Result<ThirdPartyLookup> {
    Ok(c.query("SELECT id, name FROM third_parties", &[])?
        .iter()
        .map(|r| (name_key(&r.text(1)), r.int(0)))
        .collect())
}

/// F3: the reviews a contact posted, for their privacy export.
pub(crate) fn privacy_export(c: &mut dyn Conn, contact_id: i64) -> Result<serde_json::Value> {
    let reviews: Vec<Review> = c
        .query(
            &format!("SELECT {REVIEW_COLUMNS} FROM {REVIEW_FROM} WHERE r.contact_id = ? ORDER BY r.reviewed_on, r.id"),
            &[Value::Int(contact_id)],
        )?
        .iter()
        .map(review_from_row)
        .collect();
    Ok(serde_json::to_value(&reviews).unwrap_or_default())
}

/// F3: an erased person's reviews stay counted (rating, site, date) but lose the link to
/// their public profile's review and any mention of them in the title.
pub(crate) fn erase_contact(
    c: &mut dyn Conn,
    contact_id: i64,
    scrub: &dyn Fn(&str) -> String,
) -> Result<()> {
    let titles = c.query(
        "SELECT id, title FROM reviews WHERE contact_id = ?",
        &[Value::Int(contact_id)],
    )?;
    for r in titles {
        c.execute(
            "UPDATE reviews SET title = ?, link = NULL WHERE id = ?",
            &[
                Value::from(r.opt_text(1).map(|t| scrub(&t))),
                Value::Int(r.int(0)),
            ],
        )?;
        crate::evidence::sync_review(c, r.int(0))?;
    }
    Ok(())
}
