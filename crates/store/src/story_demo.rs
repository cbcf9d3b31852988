//! Demo stories and buyer journey (F6 for B5, B6): invented review sites and analyst firms,
//! a handful of stories (some authentic, some spin), reviews by advocates, and survey answers
//! from recent customers. Deterministic for a seed and the demo customers it follows.

use crate::db::Value;
use crate::{Result, Store, StoreError};
use chrono::{Days, NaiveDate};
use peerstage_core::import::{ImportKind, Record};
use peerstage_core::journey::{
    name_key, ReviewData, SourceResponseData, ThirdPartyData, ThirdPartyKind,
};
use peerstage_core::rng::Rng;
use peerstage_core::story::{Approval, StoryData};
use peerstage_core::story_demo::{
    review_title, story_fields, OTHER_SOURCE_WEIGHTS, SOURCE_WEIGHTS, THIRD_PARTIES,
};
use serde::Serialize;

/// What `seed_stories` created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StoryDemoCounts {
    pub third_parties: u64,
    pub stories: u64,
    pub spin: u64,
    pub reviews: u64,
    pub source_responses: u64,
}

const STORIES: usize = 8;
const MAX_REVIEWS: usize = 150;
const MAX_RESPONSES: usize = 400;

struct Customer {
    id: i64,
    name: String,
    product: String,
    since: Option<NaiveDate>,
    /// Contacts who agreed to be references, by id.
    advocates: Vec<i64>,
}

impl Store {
    /// Seeds stories and the buyer journey unless any story, review or survey answer exists
    /// already (someone has started working in them).
    pub fn seed_stories(&self, seed: u64, today: NaiveDate) -> Result<StoryDemoCounts> {
        let mut counts = StoryDemoCounts::default();
        let existing = self.with_conn(|c| {
            Ok(c.query_int(
                "SELECT (SELECT count(*) FROM stories) + (SELECT count(*) FROM reviews) + (SELECT count(*) FROM source_responses)",
                &[],
            )?)
        })?;
        if existing > 0 {
            return Ok(counts);
        }
        let mut rng = Rng::new(seed ^ 0x5702_1E5B);
        let known = self.third_party_lookup()?;
        let mut third_parties = Vec::new();
        for (name, kind, url) in THIRD_PARTIES {
            let id = match known.get(&name_key(name)) {
                Some(id) => *id,
                None => {
                    counts.third_parties += 1;
                    self.create_third_party(&ThirdPartyData {
                        name: name.to_string(),
                        kind: *kind,
                        url: Some(url.to_string()),
                    })?
                    .id
                }
            };
            third_parties.push((id, *kind, *url));
        }
        let customers = self.demo_customers()?;
        if customers.is_empty() {
            return Ok(counts);
        }

        // Stories: customers with advocates, spread over the list.
        let tellers: Vec<&Customer> = customers
            .iter()
            .filter(|c| !c.advocates.is_empty())
            .collect();
        let step = (tellers.len() / STORIES).max(1);
        for (n, customer) in tellers.iter().step_by(step).take(STORIES).enumerate() {
            let mut f = story_fields(&mut rng, &customer.name, &customer.product);
            f.set("account_id", customer.id.to_string());
            for cid in customer.advocates.iter().take(1 + rng.below(2) as usize) {
                f.push("contact_ids", cid.to_string());
            }
            let approval = [
                Approval::Approved,
                Approval::Approved,
                Approval::SentForApproval,
                Approval::Draft,
                Approval::Declined,
            ];
            f.set("approval", rng.pick(&approval).as_str());
            if rng.chance(0.5) {
                f.set(
                    "media_links",
                    format!("https://videos.beacon.example/stories/{}", n + 1),
                );
            }
            let data = StoryData::from_fields(&f).map_err(StoreError::Invalid)?;
            let story = self.create_story(&data)?;
            counts.stories += 1;
            if !peerstage_core::story::spin_flags(&story).is_empty() {
                counts.spin += 1;
            }
        }

        // Reviews by advocates, mostly on review sites, mostly favourable.
        let review_weights: Vec<u32> = third_parties
            .iter()
            .enumerate()
            .map(|(i, (_, kind, _))| match kind {
                ThirdPartyKind::ReviewSite => 30 / (i as u32 + 1),
                ThirdPartyKind::AnalystFirm => 3,
            })
            .collect();
        let mut reviews = Vec::new();
        'advocates: for customer in &customers {
            for cid in &customer.advocates {
                if !rng.chance(0.12) {
                    continue;
                }
                for _ in 0..rng.range(1, 2) {
                    if reviews.len() >= MAX_REVIEWS {
                        break 'advocates;
                    }
                    let (tp, _, url) = third_parties[rng.weighted(&review_weights)];
                    let rating = [5, 5, 5, 4, 4, 4, 3, 2][rng.below(8) as usize];
                    let serial = reviews.len() + 1;
                    reviews.push(Record::Review(ReviewData {
                        external_id: Some(format!("demo-review-{serial:04}")),
                        contact_id: *cid,
                        third_party_id: tp,
                        reviewed_on: today - Days::new(rng.range(3, 540) as u64),
                        rating,
                        title: Some(review_title(&mut rng, rating).to_string()),
                        link: Some(format!("{url}/reviews/{}", 10_000 + serial * 7)),
                    }));
                }
            }
        }
        counts.reviews = self.import_records(ImportKind::Reviews, &reviews)?.inserted;

        // The survey: customers who joined in the last two years say where they learned about us.
        let recent = |c: &&Customer| c.since.is_some_and(|d| d + Days::new(730) >= today);
        let mut weights: Vec<u32> = SOURCE_WEIGHTS.to_vec();
        weights.extend(OTHER_SOURCE_WEIGHTS.iter().map(|(_, w)| *w));
        let mut responses = Vec::new();
        for customer in customers.iter().filter(recent) {
            if responses.len() >= MAX_RESPONSES {
                break;
            }
            if !rng.chance(0.7) {
                continue;
            }
            let since = customer.since.unwrap_or(today);
            let answered = (since + Days::new(rng.range(7, 45) as u64)).min(today);
            let named = [1, 1, 1, 1, 1, 1, 2, 2, 2, 3][rng.below(10) as usize];
            let mut chosen = Vec::new();
            for _ in 0..named {
                let pick = rng.weighted(&weights);
                if !chosen.contains(&pick) {
                    chosen.push(pick);
                }
            }
            for pick in chosen {
                let (third_party_id, other_source) = match third_parties.get(pick) {
                    Some((id, _, _)) => (Some(*id), None),
                    None => (
                        None,
                        Some(OTHER_SOURCE_WEIGHTS[pick - third_parties.len()].0),
                    ),
                };
                responses.push(Record::SourceResponse(SourceResponseData {
                    external_id: Some(format!("demo-source-{:04}", responses.len() + 1)),
                    account_id: customer.id,
                    third_party_id,
                    other_source,
                    responded_on: answered,
                }));
            }
        }
        counts.source_responses = self
            .import_records(ImportKind::Sources, &responses)?
            .inserted;
        Ok(counts)
    }

    /// Customer accounts by id with their first product and consenting contacts.
    fn demo_customers(&self) -> Result<Vec<Customer>> {
        self.with_conn(|c| {
            let mut customers: Vec<Customer> = c
                .query(
                    "SELECT id, name, products, customer_since FROM accounts WHERE lifecycle = 'customer' AND NOT at_risk ORDER BY id",
                    &[],
                )?
                .iter()
                .map(|r| Customer {
                    id: r.int(0),
                    name: r.text(1),
                    product: crate::split_list(&r.text(2))
                        .into_iter()
                        .next()
                        .unwrap_or_else(|| "Beacon Workflow".into()),
                    since: r.opt_date(3),
                    advocates: Vec::new(),
                })
                .collect();
            let index: std::collections::HashMap<i64, usize> = customers
                .iter()
                .enumerate()
                .map(|(i, c)| (c.id, i))
                .collect();
            for r in c.query(
                "SELECT id, account_id FROM contacts WHERE reference_consent <> ? AND NOT do_not_contact AND erased_at IS NULL ORDER BY id",
                &[Value::from("no")],
            )? {
                if let Some(i) = index.get(&r.int(1)) {
                    customers[*i].advocates.push(r.int(0));
                }
            }
            Ok(customers)
        })
    }
}
