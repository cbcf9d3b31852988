//! Demo content for stories and the buyer journey (F6 for B5, B6): invented review sites and
//! analyst firms, story texts (some balanced, some spin, so both show), and review titles.
//! Picks come from the caller's `Rng`, so the same seed gives the same content.

use crate::fields::Fields;
use crate::journey::{OtherSource, ThirdPartyKind};
use crate::rng::Rng;
use crate::story::JourneyStage;

/// Invented third-party educators: (name, kind, web address).
pub const THIRD_PARTIES: &[(&str, ThirdPartyKind, &str)] = &[
    (
        "PeerGrid",
        ThirdPartyKind::ReviewSite,
        "https://peergrid.example",
    ),
    (
        "StackVerdict",
        ThirdPartyKind::ReviewSite,
        "https://stackverdict.example",
    ),
    (
        "OpsCrowd Reviews",
        ThirdPartyKind::ReviewSite,
        "https://opscrowd.example",
    ),
    (
        "Halvorsen Research",
        ThirdPartyKind::AnalystFirm,
        "https://halvorsen-research.example",
    ),
    (
        "Northbeam Analysts",
        ThirdPartyKind::AnalystFirm,
        "https://northbeam.example",
    ),
];

/// How often new customers name each source in the demo survey: the third parties above in
/// order, then the other sources. Review sites carry a real share, as practitioners find.
pub const SOURCE_WEIGHTS: &[u32] = &[9, 5, 3, 3, 2];
pub const OTHER_SOURCE_WEIGHTS: &[(OtherSource, u32)] = &[
    (OtherSource::PeerRecommendation, 24),
    (OtherSource::Event, 12),
    (OtherSource::Search, 14),
    (OtherSource::SalesOutreach, 8),
    (OtherSource::SocialMedia, 4),
    (OtherSource::Other, 2),
];

struct Template {
    title: &'static str,
    stage: JourneyStage,
    challenge: &'static str,
    context: &'static str,
    result: &'static str,
    good: &'static str,
    bad: Option<&'static str>,
    ugly: Option<&'static str>,
    not_a_fit: Option<&'static str>,
}

/// `{account}` and `{product}` are filled in. Templates without a downside or without
/// "not a fit" are the demo's spin, flagged on the pages.
const TEMPLATES: &[Template] = &[
    Template {
        title: "How {account} cut case backlog with {product}",
        stage: JourneyStage::Consideration,
        challenge: "Support cases at {account} waited days for the right team; the backlog grew every quarter.",
        context: "A team of about forty agents across two time zones, moving off spreadsheets and a home-grown ticket tool.",
        result: "The backlog fell by a third in four months, and first answers now come the same day.",
        good: "Routing rules were set up by the team leads themselves, without consultants.",
        bad: Some("Reporting took longer to trust than planned: two months of double-checking against the old numbers."),
        ugly: Some("The first data migration dropped attachments from older cases; it was rerun over a weekend."),
        not_a_fit: Some("Teams that need on-premise hosting, or that handle fewer than a few hundred cases a month, would pay for more than they use."),
    },
    Template {
        title: "{account}: one view of every customer conversation",
        stage: JourneyStage::Awareness,
        challenge: "Account managers at {account} learned about escalations from the customer, not from their own colleagues.",
        context: "Sales, support and success each kept their own notes in different tools.",
        result: "Every conversation now sits on the account, and renewal reviews start from the same facts.",
        good: "{product} connected to the CRM in an afternoon.",
        bad: Some("Adoption by the sales team was slow until notes were required for forecast calls."),
        ugly: None,
        not_a_fit: Some("Companies whose customers are consumers rather than accounts will find the account-centred model awkward."),
    },
    Template {
        title: "Rolling out {product} at {account} in six weeks",
        stage: JourneyStage::Onboarding,
        challenge: "{account} had to replace a tool being retired by its vendor before the end of the quarter.",
        context: "A fixed deadline, a small IT team, and three regional offices with different processes.",
        result: "Live in six weeks in all three regions; the old contract ended on time.",
        good: "The onboarding plan named an owner on both sides for every step.",
        bad: None,
        ugly: Some("One region went live with the wrong escalation rules and missed two urgent cases in the first week."),
        not_a_fit: Some("A six-week rollout needs a customer-side owner with real authority; without one, plan for three months."),
    },
    Template {
        title: "{account} grows with {product}",
        stage: JourneyStage::Expansion,
        challenge: "After a successful first team, {account} wanted the same results in two more business units.",
        context: "Each unit had its own budget and its own opinion about the first rollout.",
        result: "Both units signed within a year, and {account} now runs one programme across all three.",
        good: "The first team's champion presented their results to the other units themselves.",
        bad: None,
        ugly: None,
        not_a_fit: None,
    },
    Template {
        title: "Why {account} chose {product}",
        stage: JourneyStage::Decision,
        challenge: "{account} compared four vendors for its customer operations platform.",
        context: "A formal evaluation with a scored pilot and reference calls.",
        result: "{product} won the pilot on time-to-value and the references' candour.",
        good: "Everything worked as promised during the pilot.",
        bad: None,
        ugly: None,
        not_a_fit: None,
    },
    Template {
        title: "{account} on measuring what customers actually value",
        stage: JourneyStage::Consideration,
        challenge: "{account} measured handling time, while its customers complained about being passed around.",
        context: "A mid-sized team with strong reporting habits and a sceptical finance department.",
        result: "Repeat contacts dropped by a fifth after the team started tracking resolution on first contact.",
        good: "The dashboards in {product} made the change visible to finance within a month.",
        bad: Some("Some of the old metrics could not be reproduced, which upset a few managers."),
        ugly: None,
        not_a_fit: None,
    },
    Template {
        title: "From pilot to programme: the first year at {account}",
        stage: JourneyStage::Onboarding,
        challenge: "{account} needed to show value before its budget review, eight months after signing.",
        context: "One pilot team, an executive sponsor, and a board that expected numbers.",
        result: "The pilot paid for itself on reduced overtime before the review.",
        good: "Weekly check-ins with the customer success manager kept the pilot on track.",
        bad: Some("The mobile app lagged behind the web version for the field team."),
        ugly: Some("A billing mistake on our side soured the first renewal talk; it took a visit to repair."),
        not_a_fit: Some("Teams without an executive sponsor tend to stall after the pilot."),
    },
];

/// A story about `account` as form fields (without account_id and contact_ids), from a
/// template picked by `rng`.
pub fn story_fields(rng: &mut Rng, account: &str, product: &str) -> Fields {
    fields_of(rng.pick(TEMPLATES), account, product)
}

fn fields_of(t: &Template, account: &str, product: &str) -> Fields {
    let fill = |s: &str| {
        s.replace("{account}", account)
            .replace("{product}", product)
    };
    let mut f = Fields::new();
    f.push("title", fill(t.title));
    f.push("stage", t.stage.as_str());
    f.push("challenge", fill(t.challenge));
    f.push("context", fill(t.context));
    f.push("result", fill(t.result));
    f.push("good", fill(t.good));
    f.push("bad", t.bad.map(fill).unwrap_or_default());
    f.push("ugly", t.ugly.map(fill).unwrap_or_default());
    f.push("not_a_fit", t.not_a_fit.map(fill).unwrap_or_default());
    f
}

/// A review title for a rating from 1 to 5.
pub fn review_title(rng: &mut Rng, rating: i64) -> &'static str {
    let titles: &[&str] = match rating {
        5 => &[
            "Our support team finally has one view of the customer",
            "Worth it for the routing rules alone",
            "Great product, better people behind it",
        ],
        4 => &[
            "Solid platform, reporting needs work",
            "Does what it says; onboarding took longer than planned",
            "Good value for a mid-sized team",
        ],
        3 => &[
            "Fine for the basics, limited for field teams",
            "Mixed first year",
        ],
        _ => &[
            "Not the right fit for our on-premise setup",
            "Too much for a small team",
        ],
    };
    titles[rng.below(titles.len() as u64) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::story::{spin_flags, Story, StoryData};

    #[test]
    fn demo_stories_validate_and_include_authentic_ones_and_spin() {
        let (mut authentic, mut spin) = (0, 0);
        for t in TEMPLATES {
            let mut f = fields_of(t, "Acme", "Beacon Workflow");
            f.set("account_id", "1");
            let data = StoryData::from_fields(&f).unwrap_or_else(|e| panic!("{}: {e}", t.title));
            assert!(
                f.0.iter().all(|(_, v)| !v.contains('{')),
                "{}: a placeholder is left",
                t.title
            );
            let s = Story {
                id: 1,
                data,
                account_name: "Acme".into(),
                contacts: vec![],
                created_at: Default::default(),
                updated_at: Default::default(),
            };
            if spin_flags(&s).is_empty() {
                authentic += 1;
            } else {
                spin += 1;
            }
        }
        assert!(
            authentic >= 3 && spin >= 2,
            "{authentic} authentic, {spin} spin"
        );
        assert_eq!(SOURCE_WEIGHTS.len(), THIRD_PARTIES.len());
        let mut rng = Rng::new(1);
        assert!(!review_title(&mut rng, 5).is_empty() && !review_title(&mut rng, 1).is_empty());
    }
}
