//! Advocates (B1, B2): the five traits of a customer worth "hiring", a score with the facts
//! behind it, what each advocate values, and the offers that fit. Payment is never an offer;
//! gifts and special deals are recorded only to be flagged.

use serde::Serialize;

crate::text_enum!(
    /// What an advocate gets out of advocating (the Rock Star value proposition).
    Motivation {
        PeerAffiliation => "peer_affiliation", "Peer affiliation";
        InTheKnow => "in_the_know", "Being in the know";
        Stage => "stage", "A stage and an audience";
        SayInProduct => "say_in_product", "A say in the product";
        Learning => "learning", "Learning and growth";
    }
);

crate::text_enum!(
    /// The opportunity catalog: what we can offer an advocate, or ask of them.
    Opportunity {
        AdvisoryBoard => "advisory_board", "Advisory board";
        Community => "community", "Customer community";
        EarlyReleasePreview => "early_release_preview", "Early release preview";
        Beta => "beta", "Beta programme";
        ProductCouncil => "product_council", "Product council";
        SpeakingSlot => "speaking_slot", "Speaking slot";
        Panel => "panel", "Panel";
        MediaInterview => "media_interview", "Media interview";
        GuestBlog => "guest_blog", "Guest blog";
        CaseStudy => "case_study", "Case study";
        VideoTestimonial => "video_testimonial", "Video testimonial";
        Review => "review", "Review on a third-party site";
        ReferenceCall => "reference_call", "Reference call";
        SiteVisit => "site_visit", "Site visit";
    }
);

impl Opportunity {
    /// The motivations this opportunity serves.
    pub fn serves(self) -> &'static [Motivation] {
        use Motivation::*;
        use Opportunity::*;
        match self {
            AdvisoryBoard => &[PeerAffiliation, SayInProduct, InTheKnow],
            Community => &[PeerAffiliation, Learning],
            EarlyReleasePreview => &[InTheKnow, Learning],
            Beta => &[SayInProduct, InTheKnow],
            ProductCouncil => &[SayInProduct, PeerAffiliation],
            SpeakingSlot => &[Stage, PeerAffiliation],
            Panel => &[Stage, PeerAffiliation, Learning],
            MediaInterview => &[Stage],
            GuestBlog => &[Stage, Learning],
            CaseStudy => &[Stage],
            VideoTestimonial => &[Stage],
            Review => &[Stage],
            ReferenceCall => &[PeerAffiliation],
            SiteVisit => &[PeerAffiliation, Stage],
        }
    }

    /// Activities a prospect's rep can request as a reference.
    pub fn is_reference_activity(self) -> bool {
        use Opportunity::*;
        matches!(
            self,
            ReferenceCall
                | SiteVisit
                | CaseStudy
                | VideoTestimonial
                | Review
                | SpeakingSlot
                | Panel
                | MediaInterview
        )
    }

    /// Activities that count as building community / affiliation.
    pub fn is_affiliation(self) -> bool {
        matches!(
            self,
            Opportunity::AdvisoryBoard | Opportunity::Community | Opportunity::ProductCouncil
        )
    }

    /// Activities that put the advocate at the leading edge.
    pub fn is_leading_edge(self) -> bool {
        matches!(self, Opportunity::Beta | Opportunity::EarlyReleasePreview)
    }
}

/// The facts about one contact that the traits are computed from.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AdvocateFacts {
    pub account_margin: i64,
    pub account_revenue: i64,
    pub latest_nps: Option<i64>,
    pub events_attended: u32,
    pub community_answers: u32,
    pub affiliation_activities: u32,
    pub leading_edge_activities: u32,
    pub lead_user: bool,
    pub modifies_product: bool,
    pub references_given: u32,
}

/// Relative weights of the five traits; the score is out of 100.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TraitWeights {
    pub profitable: u32,
    pub exceptional_value: u32,
    pub affiliates: u32,
    pub leading_edge: u32,
    pub serves_others: u32,
}

impl Default for TraitWeights {
    /// Documented in docs/ADVOCACY.md.
    fn default() -> Self {
        TraitWeights {
            profitable: 20,
            exceptional_value: 25,
            affiliates: 15,
            leading_edge: 15,
            serves_others: 25,
        }
    }
}

/// Score at or above which an advocate is a Rock Star.
pub const ROCK_STAR_SCORE: u32 = 70;

crate::text_enum!(
    Trait {
        Profitable => "profitable", "Profitable account";
        ExceptionalValue => "exceptional_value", "Derives exceptional value";
        Affiliates => "affiliates", "Likes to affiliate";
        LeadingEdge => "leading_edge", "Leading edge";
        ServesOthers => "serves_others", "Serves other customers";
    }
);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraitScore {
    #[serde(rename = "trait")]
    pub trait_: Trait,
    /// 0.0 to 1.0: how strongly the facts show the trait.
    pub strength: f64,
    pub points: f64,
    /// The facts behind it, in words.
    pub because: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdvocateScore {
    pub score: u32,
    pub rock_star: bool,
    pub traits: Vec<TraitScore>,
}

fn saturate(count: u32, full_at: u32) -> f64 {
    (count as f64 / full_at as f64).min(1.0)
}

pub fn score(f: &AdvocateFacts, w: &TraitWeights) -> AdvocateScore {
    let total =
        (w.profitable + w.exceptional_value + w.affiliates + w.leading_edge + w.serves_others)
            .max(1) as f64;
    let mut traits = Vec::with_capacity(5);
    let mut push = |t: Trait, weight: u32, strength: f64, because: String| {
        traits.push(TraitScore {
            trait_: t,
            strength,
            points: strength * weight as f64 * 100.0 / total,
            because,
        });
    };
    let margin_ratio = if f.account_revenue > 0 {
        f.account_margin as f64 / f.account_revenue as f64
    } else {
        0.0
    };
    push(
        Trait::Profitable,
        w.profitable,
        if f.account_margin > 0 {
            (0.5 + margin_ratio).min(1.0)
        } else {
            0.0
        },
        if f.account_revenue == 0 {
            "no revenue recorded for the account".into()
        } else {
            format!(
                "account margin {} on revenue {} ({:.0}%)",
                crate::money::format_amount(f.account_margin),
                crate::money::format_amount(f.account_revenue),
                margin_ratio * 100.0
            )
        },
    );
    push(
        Trait::ExceptionalValue,
        w.exceptional_value,
        match f.latest_nps {
            Some(9..) => 1.0,
            Some(7 | 8) => 0.4,
            _ => 0.0,
        },
        match f.latest_nps {
            Some(s) => format!("latest NPS answer {s}"),
            None => "no NPS answer yet".into(),
        },
    );
    push(
        Trait::Affiliates,
        w.affiliates,
        saturate(f.events_attended + f.community_answers + 2 * f.affiliation_activities, 6),
        format!(
            "{} event conversations, {} community answers, {} advisory board / community / council activities",
            f.events_attended, f.community_answers, f.affiliation_activities
        ),
    );
    let edge = (if f.lead_user { 0.5 } else { 0.0 })
        + (if f.modifies_product { 0.3 } else { 0.0 })
        + 0.25 * f.leading_edge_activities as f64;
    let mut edge_facts = Vec::new();
    if f.lead_user {
        edge_facts.push("lead user".to_string());
    }
    if f.modifies_product {
        edge_facts.push("modifies the product".to_string());
    }
    edge_facts.push(format!(
        "{} beta / early-access activities",
        f.leading_edge_activities
    ));
    push(
        Trait::LeadingEdge,
        w.leading_edge,
        edge.min(1.0),
        edge_facts.join(", "),
    );
    push(
        Trait::ServesOthers,
        w.serves_others,
        saturate(f.community_answers + 2 * f.references_given, 6),
        format!(
            "{} community answers, {} references given",
            f.community_answers, f.references_given
        ),
    );
    let score = traits.iter().map(|t| t.points).sum::<f64>().round() as u32;
    AdvocateScore {
        score,
        rock_star: score >= ROCK_STAR_SCORE,
        traits,
    }
}

/// Where a motivation comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MotivationSource {
    Recorded,
    Inferred,
}

/// Motivations inferred from opportunities the advocate accepted: a motivation served by at
/// least two accepted opportunities, or by half of them.
pub fn infer_motivations(accepted: &[Opportunity]) -> Vec<Motivation> {
    let mut out = Vec::new();
    for m in Motivation::ALL {
        let n = accepted.iter().filter(|o| o.serves().contains(m)).count();
        if n >= 2 || (n >= 1 && n * 2 >= accepted.len()) {
            out.push(*m);
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub opportunity: Opportunity,
    pub fit: usize,
    pub why: String,
}

/// Offers that fit what the advocate values, best first, with the reason.
pub fn suggest_offers(
    valued: &[(Motivation, MotivationSource)],
    already: &[Opportunity],
) -> Vec<Suggestion> {
    let mut out: Vec<Suggestion> = Opportunity::ALL
        .iter()
        .filter(|o| !already.contains(o))
        .filter_map(|o| {
            let hits: Vec<&(Motivation, MotivationSource)> = valued
                .iter()
                .filter(|(m, _)| o.serves().contains(m))
                .collect();
            if hits.is_empty() {
                return None;
            }
            let reasons: Vec<String> = hits
                .iter()
                .map(|(m, src)| {
                    format!(
                        "{} ({})",
                        m.label().to_lowercase(),
                        if *src == MotivationSource::Recorded {
                            "recorded"
                        } else {
                            "inferred from what they accepted"
                        }
                    )
                })
                .collect();
            Some(Suggestion {
                opportunity: *o,
                fit: hits.len(),
                why: format!("serves {}", reasons.join(" and ")),
            })
        })
        .collect();
    out.sort_by(|a, b| b.fit.cmp(&a.fit).then(a.opportunity.cmp(&b.opportunity)));
    out
}

crate::text_enum!(
    /// Things of value given to a customer outside the contract; always flagged.
    IncentiveKind {
        Gift => "gift", "Gift";
        SpecialDeal => "special_deal", "Special deal";
    }
);

/// An advocate's activity depends on incentives when most of it followed one closely.
pub fn depends_on_incentives(activity_days: &[i64], incentive_days: &[i64]) -> bool {
    if activity_days.is_empty() || incentive_days.is_empty() {
        return false;
    }
    let following = activity_days
        .iter()
        .filter(|a| incentive_days.iter().any(|g| **a >= *g && **a - *g <= 90))
        .count();
    following * 2 > activity_days.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_promoter_who_serves_others_on_a_profitable_account_is_a_rock_star() {
        let f = AdvocateFacts {
            account_margin: 40_000,
            account_revenue: 100_000,
            latest_nps: Some(10),
            events_attended: 2,
            community_answers: 4,
            affiliation_activities: 1,
            leading_edge_activities: 1,
            lead_user: true,
            modifies_product: false,
            references_given: 2,
        };
        let s = score(&f, &TraitWeights::default());
        assert!(s.rock_star, "{s:?}");
        assert_eq!(s.traits.len(), 5);
        assert!(s.traits[0].because.contains("40%"));
    }

    #[test]
    fn an_unprofitable_detractor_scores_low() {
        let f = AdvocateFacts {
            account_margin: -5,
            account_revenue: 100,
            latest_nps: Some(3),
            ..Default::default()
        };
        let s = score(&f, &TraitWeights::default());
        assert_eq!(s.score, 0);
        assert!(!s.rock_star);
    }

    #[test]
    fn weights_change_the_score() {
        let f = AdvocateFacts {
            latest_nps: Some(9),
            ..Default::default()
        };
        let only_nps = TraitWeights {
            profitable: 0,
            exceptional_value: 1,
            affiliates: 0,
            leading_edge: 0,
            serves_others: 0,
        };
        assert_eq!(score(&f, &only_nps).score, 100);
        assert_eq!(score(&f, &TraitWeights::default()).score, 25);
    }

    #[test]
    fn motivations_are_inferred_from_accepted_opportunities() {
        let m = infer_motivations(&[Opportunity::SpeakingSlot, Opportunity::MediaInterview]);
        assert!(m.contains(&Motivation::Stage));
        assert!(!m.contains(&Motivation::SayInProduct));
        assert!(infer_motivations(&[]).is_empty());
    }

    #[test]
    fn offers_fit_what_the_advocate_values() {
        let s = suggest_offers(&[(Motivation::InTheKnow, MotivationSource::Recorded)], &[]);
        assert_eq!(s[0].opportunity, Opportunity::AdvisoryBoard);
        assert!(s
            .iter()
            .any(|x| x.opportunity == Opportunity::EarlyReleasePreview
                && x.why.contains("being in the know (recorded)")));
        assert!(s
            .iter()
            .all(|x| x.opportunity.serves().contains(&Motivation::InTheKnow)));
        let none = suggest_offers(
            &[(Motivation::Stage, MotivationSource::Inferred)],
            &[Opportunity::CaseStudy],
        );
        assert!(!none.iter().any(|x| x.opportunity == Opportunity::CaseStudy));
    }

    #[test]
    fn activity_that_follows_gifts_is_flagged() {
        assert!(depends_on_incentives(&[10, 20, 200], &[0]));
        assert!(!depends_on_incentives(&[10, 200, 300], &[0]));
        assert!(!depends_on_incentives(&[10], &[]));
    }
}
