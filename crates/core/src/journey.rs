//! Third-party educators and the buyer journey (B6): review sites and analyst firms, reviews
//! our advocates post on them, and a survey of where new customers learned about us, with
//! each source's share of customers and the revenue attributed to it.

use crate::account::{date_text, optional_enum};
use crate::fields::Fields;
use crate::parse;
use crate::FieldErrors;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

crate::text_enum!(
    ThirdPartyKind {
        ReviewSite => "review_site", "Review site";
        AnalystFirm => "analyst_firm", "Analyst firm";
    }
);

/// A review site or analyst firm buyers learn from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThirdPartyData {
    pub name: String,
    pub kind: ThirdPartyKind,
    pub url: Option<String>,
}

pub const THIRD_PARTY_FIELDS: &[&str] = &["name", "kind", "url"];

/// The key third parties are matched on by name: trimmed, lower-case, single spaces.
pub fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl ThirdPartyData {
    pub fn from_fields(f: &Fields) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = e.check("name", parse::required_text(f.get("name"), 100));
        let kind = e.check(
            "kind",
            optional_enum(f.get("kind"), ThirdPartyKind::parse)
                .and_then(|k| k.ok_or_else(|| "is required".to_string())),
        );
        let url = e.check("url", parse::optional_url(f.get("url")));
        e.into_result(|| ThirdPartyData {
            name: name
                .unwrap()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            kind: kind.unwrap(),
            url: url.unwrap(),
        })
    }

    pub fn to_fields(&self) -> Fields {
        Fields::from_pairs([
            ("name", self.name.clone()),
            ("kind", self.kind.as_str().to_string()),
            ("url", self.url.clone().unwrap_or_default()),
        ])
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThirdParty {
    pub id: i64,
    #[serde(flatten)]
    pub data: ThirdPartyData,
    pub review_count: i64,
    pub average_rating: Option<f64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A review an advocate posted on a third party's site.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewData {
    pub external_id: Option<String>,
    pub contact_id: i64,
    pub third_party_id: i64,
    pub reviewed_on: NaiveDate,
    /// 1 to 5 stars.
    pub rating: i64,
    pub title: Option<String>,
    pub link: Option<String>,
}

pub const REVIEW_FIELDS: &[&str] = &[
    "external_id",
    "contact_id",
    "third_party_id",
    "reviewed_on",
    "rating",
    "title",
    "link",
];

fn required_id(f: &Fields, name: &str, what: &str) -> Result<i64, String> {
    parse::optional_int(f.get(name), 1, i64::MAX)
        .and_then(|v| v.ok_or_else(|| format!("is required: choose the {what}")))
}

impl ReviewData {
    /// The contact and third party must exist; storage checks that.
    pub fn from_fields(f: &Fields) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let external_id = e.check(
            "external_id",
            parse::optional_text(f.get("external_id"), 100),
        );
        let contact_id = e.check("contact_id", required_id(f, "contact_id", "advocate"));
        let third_party_id = e.check(
            "third_party_id",
            required_id(f, "third_party_id", "review site or analyst firm"),
        );
        let reviewed_on = e.check("reviewed_on", parse::required_date(f.get("reviewed_on")));
        let rating = e.check(
            "rating",
            parse::optional_int(f.get("rating"), 1, 5)
                .map_err(|_| format!("'{}' is not a rating from 1 to 5", f.get("rating").trim()))
                .and_then(|r| r.ok_or_else(|| "is required (1 to 5)".to_string())),
        );
        let title = e.check("title", parse::optional_text(f.get("title"), 300));
        let link = e.check("link", parse::optional_url(f.get("link")));
        e.into_result(|| ReviewData {
            external_id: external_id.unwrap(),
            contact_id: contact_id.unwrap(),
            third_party_id: third_party_id.unwrap(),
            reviewed_on: reviewed_on.unwrap(),
            rating: rating.unwrap(),
            title: title.unwrap(),
            link: link.unwrap(),
        })
    }

    pub fn to_fields(&self) -> Fields {
        Fields::from_pairs([
            ("external_id", self.external_id.clone().unwrap_or_default()),
            ("contact_id", self.contact_id.to_string()),
            ("third_party_id", self.third_party_id.to_string()),
            ("reviewed_on", date_text(Some(self.reviewed_on))),
            ("rating", self.rating.to_string()),
            ("title", self.title.clone().unwrap_or_default()),
            ("link", self.link.clone().unwrap_or_default()),
        ])
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Review {
    pub id: i64,
    #[serde(flatten)]
    pub data: ReviewData,
    pub contact_name: String,
    pub account_id: i64,
    pub account_name: String,
    pub third_party_name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

crate::text_enum!(
    /// Where else new customers say they learned about us.
    OtherSource {
        PeerRecommendation => "peer_recommendation", "Peer recommendation";
        Event => "event", "Event";
        Search => "search", "Web search";
        SalesOutreach => "sales_outreach", "Sales outreach";
        SocialMedia => "social_media", "Social media";
        Other => "other", "Other";
    }
);

/// One source a customer named: a third party, or one of the other sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    ThirdParty(i64),
    Other(OtherSource),
}

/// Third parties by `name_key`, for reading sources and reviews by name.
pub type ThirdPartyLookup = HashMap<String, i64>;

impl Source {
    /// A third party's name (any case), or one of the other sources by key or label. Third
    /// parties are looked up first, so one named like an other source wins.
    pub fn parse(input: &str, third_parties: &ThirdPartyLookup) -> Result<Source, String> {
        if input.trim().is_empty() {
            return Err("is required".into());
        }
        if let Some(id) = third_parties.get(&name_key(input)) {
            return Ok(Source::ThirdParty(*id));
        }
        OtherSource::parse(input).map(Source::Other).map_err(|_| {
            let others: Vec<&str> = OtherSource::ALL.iter().map(|o| o.as_str()).collect();
            format!(
                "'{}' is neither a third party's name nor one of: {} (add the review site or analyst firm first)",
                input.trim(),
                others.join(", ")
            )
        })
    }
}

/// One answer to "where did you learn about us?" from a new customer. An account that named
/// several sources has one response per source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceResponseData {
    pub external_id: Option<String>,
    pub account_id: i64,
    /// Set when the source is a third party; otherwise `other_source` is.
    pub third_party_id: Option<i64>,
    pub other_source: Option<OtherSource>,
    pub responded_on: NaiveDate,
}

pub const SOURCE_RESPONSE_FIELDS: &[&str] =
    &["external_id", "account_id", "source", "responded_on"];

impl SourceResponseData {
    pub fn from_fields(
        account_id: i64,
        f: &Fields,
        third_parties: &ThirdPartyLookup,
    ) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let external_id = e.check(
            "external_id",
            parse::optional_text(f.get("external_id"), 100),
        );
        let source = e.check("source", Source::parse(f.get("source"), third_parties));
        let responded_on = e.check("responded_on", parse::required_date(f.get("responded_on")));
        e.into_result(|| {
            let (third_party_id, other_source) = match source.unwrap() {
                Source::ThirdParty(id) => (Some(id), None),
                Source::Other(o) => (None, Some(o)),
            };
            SourceResponseData {
                external_id: external_id.unwrap(),
                account_id,
                third_party_id,
                other_source,
                responded_on: responded_on.unwrap(),
            }
        })
    }

    pub fn source(&self) -> Source {
        match (self.third_party_id, self.other_source) {
            (Some(id), _) => Source::ThirdParty(id),
            (None, Some(o)) => Source::Other(o),
            (None, None) => Source::Other(OtherSource::Other),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceResponse {
    pub id: i64,
    #[serde(flatten)]
    pub data: SourceResponseData,
    pub account_name: String,
    /// The third party's name, or the other source's label.
    pub source: String,
    pub created_at: DateTime<Utc>,
}

/// One account naming one source, with the account's annual revenue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mention {
    pub account_id: i64,
    pub revenue: i64,
    pub source: Source,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SourceShare {
    pub source: Source,
    /// Accounts that named this source.
    pub customers: u64,
    /// `customers` over all accounts that answered; an account naming several sources
    /// counts for each, so shares may add up to more than 1.
    pub share: f64,
    /// The accounts' annual revenue, each split equally among the sources it named, so the
    /// sources' revenue adds up to the respondents' total.
    pub revenue: f64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Attribution {
    pub respondents: u64,
    pub total_revenue: i64,
    /// Accounts that named at least one review site or analyst firm.
    pub via_third_parties: u64,
    /// Revenue attributed to review sites and analyst firms together.
    pub third_party_revenue: f64,
    /// Most customers first, then most revenue.
    pub sources: Vec<SourceShare>,
}

/// Each source's share of the customers who answered and the revenue attributed to it. The
/// same source named twice by one account counts once.
pub fn attribute(mentions: &[Mention]) -> Attribution {
    let mut accounts: BTreeMap<i64, (i64, BTreeSet<Source>)> = BTreeMap::new();
    for m in mentions {
        let entry = accounts
            .entry(m.account_id)
            .or_insert_with(|| (m.revenue, BTreeSet::new()));
        entry.1.insert(m.source);
    }
    let respondents = accounts.len() as u64;
    let via_third_parties = accounts
        .values()
        .filter(|(_, sources)| sources.iter().any(|s| matches!(s, Source::ThirdParty(_))))
        .count() as u64;
    let mut by_source: BTreeMap<Source, (u64, f64)> = BTreeMap::new();
    let mut total_revenue = 0;
    for (revenue, sources) in accounts.values() {
        total_revenue += revenue;
        let part = *revenue as f64 / sources.len() as f64;
        for s in sources {
            let slot = by_source.entry(*s).or_default();
            slot.0 += 1;
            slot.1 += part;
        }
    }
    let mut sources: Vec<SourceShare> = by_source
        .into_iter()
        .map(|(source, (customers, revenue))| SourceShare {
            source,
            customers,
            share: customers as f64 / respondents.max(1) as f64,
            revenue,
        })
        .collect();
    sources.sort_by(|a, b| {
        b.customers
            .cmp(&a.customers)
            .then(b.revenue.total_cmp(&a.revenue))
            .then(a.source.cmp(&b.source))
    });
    let third_party_revenue = sources
        .iter()
        .filter(|s| matches!(s.source, Source::ThirdParty(_)))
        .map(|s| s.revenue)
        .sum();
    Attribution {
        respondents,
        total_revenue,
        via_third_parties,
        third_party_revenue,
        sources,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SITE: Source = Source::ThirdParty(1);
    const FIRM: Source = Source::ThirdParty(2);
    const EVENT: Source = Source::Other(OtherSource::Event);
    const SEARCH: Source = Source::Other(OtherSource::Search);

    fn m(account_id: i64, revenue: i64, source: Source) -> Mention {
        Mention {
            account_id,
            revenue,
            source,
        }
    }

    #[test]
    fn shares_count_customers_and_revenue_is_split_among_the_sources_an_account_named() {
        // Account 1 (300) named the review site and an event, account 2 (100) the review
        // site, account 3 (600) a search, account 4 (90) the site, the firm and an event.
        let a = attribute(&[
            m(1, 300, SITE),
            m(1, 300, EVENT),
            m(2, 100, SITE),
            m(3, 600, SEARCH),
            m(4, 90, SITE),
            m(4, 90, FIRM),
            m(4, 90, EVENT),
        ]);
        assert_eq!(a.respondents, 4);
        assert_eq!(a.total_revenue, 1090);
        let got: Vec<(Source, u64, f64, f64)> = a
            .sources
            .iter()
            .map(|s| (s.source, s.customers, s.share, s.revenue))
            .collect();
        assert_eq!(
            got,
            vec![
                // 150 + 100 + 30
                (SITE, 3, 0.75, 280.0),
                // 150 + 30
                (EVENT, 2, 0.5, 180.0),
                (SEARCH, 1, 0.25, 600.0),
                (FIRM, 1, 0.25, 30.0),
            ]
        );
        let sum: f64 = a.sources.iter().map(|s| s.revenue).sum();
        assert!((sum - 1090.0).abs() < 1e-9);
        // Accounts 1, 2 and 4 named a third party: 280 + 30 of revenue came through them.
        assert_eq!(a.via_third_parties, 3);
        assert_eq!(a.third_party_revenue, 310.0);
    }

    #[test]
    fn a_source_named_twice_by_one_account_counts_once() {
        let a = attribute(&[m(1, 100, SITE), m(1, 100, SITE), m(1, 100, SEARCH)]);
        assert_eq!(a.respondents, 1);
        assert_eq!(a.sources[0].customers, 1);
        assert_eq!(a.sources[0].revenue, 50.0);
        assert_eq!(attribute(&[]), Attribution::default());
    }

    #[test]
    fn sources_are_third_parties_by_name_or_other_sources() {
        let lookup: ThirdPartyLookup = [(name_key("PeerGrid"), 7)].into_iter().collect();
        assert_eq!(
            Source::parse("  peergrid ", &lookup),
            Ok(Source::ThirdParty(7))
        );
        assert_eq!(
            Source::parse("Peer recommendation", &lookup),
            Ok(Source::Other(OtherSource::PeerRecommendation))
        );
        assert_eq!(
            Source::parse("sales_outreach", &lookup),
            Ok(Source::Other(OtherSource::SalesOutreach))
        );
        let err = Source::parse("Podcast", &lookup).unwrap_err();
        assert!(
            err.contains("'Podcast'") && err.contains("peer_recommendation"),
            "{err}"
        );
        assert_eq!(Source::parse(" ", &lookup).unwrap_err(), "is required");
    }

    #[test]
    fn reviews_need_a_rating_from_one_to_five_and_a_date() {
        let ok = ReviewData::from_fields(&Fields::from_pairs([
            ("contact_id", "3"),
            ("third_party_id", "1"),
            ("reviewed_on", "2025-03-01"),
            ("rating", "5"),
            ("link", "https://peergrid.example/r/1"),
        ]))
        .unwrap();
        assert_eq!(ok.rating, 5);
        assert_eq!(ReviewData::from_fields(&ok.to_fields()).unwrap(), ok);
        let err = ReviewData::from_fields(&Fields::from_pairs([
            ("rating", "6"),
            ("reviewed_on", "yesterday"),
            ("link", "peergrid"),
        ]))
        .unwrap_err();
        assert!(err.get("rating").unwrap().contains("1 to 5"));
        for field in ["contact_id", "third_party_id", "reviewed_on", "link"] {
            assert!(err.get(field).is_some(), "{field}: {err}");
        }
    }

    #[test]
    fn third_parties_need_a_name_and_a_kind() {
        let t = ThirdPartyData::from_fields(&Fields::from_pairs([
            ("name", "  Halvorsen   Research "),
            ("kind", "Analyst firm"),
        ]))
        .unwrap();
        assert_eq!(t.name, "Halvorsen Research");
        assert_eq!(t.kind, ThirdPartyKind::AnalystFirm);
        assert_eq!(name_key(" Halvorsen  RESEARCH"), "halvorsen research");
        let err = ThirdPartyData::from_fields(&Fields::from_pairs([("kind", "blog")])).unwrap_err();
        assert!(err.get("name").is_some() && err.get("kind").is_some());
    }
}
