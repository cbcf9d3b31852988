//! Advocates (B1, B2), reference matching and requests (B3) and the program report (B4), on
//! SQLite and (when `PEERSTAGE_TEST_POSTGRES_URL` is set) PostgreSQL. Every case is built by
//! hand so the right answer is known in advance.

use chrono::{Days, NaiveDate};
use peerstage_core::account::AccountData;
use peerstage_core::advocacy::{
    IncentiveKind, Motivation, MotivationSource, Opportunity, Trait, TraitWeights,
};
use peerstage_core::contact::ContactData;
use peerstage_core::nps::NpsData;
use peerstage_core::reference::{
    Criteria, Criterion, DealOutcome, MatchResult, NewRequest, RequestStatus,
};
use peerstage_core::touchpoint::TouchpointData;
use peerstage_core::{Fields, Region, Role};
use peerstage_store::testing::TestDb;
use peerstage_store::{
    AdvocateRow, ProgramSettings, ReferenceRequest, RequestFilter, Store, StoreError,
};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// The day every test runs "on"; activity dates are relative to it.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()
}

fn ago(days: u64) -> NaiveDate {
    today() - Days::new(days)
}

fn each(test: impl Fn(&Store)) {
    for db in TestDb::all() {
        test(&db.store);
    }
}

/// A customer account in Healthcare, EMEA, revenue 100,000 and cost 50,000 unless overridden.
fn account(s: &Store, name: &str, extra: &[(&str, &str)]) -> i64 {
    let mut f = Fields::from_pairs([
        ("name", name),
        ("industry", "Healthcare"),
        ("region", "emea"),
        ("annual_revenue", "100000"),
        ("cost_to_serve", "50000"),
    ]);
    for (k, v) in extra {
        f.set(k, *v);
    }
    s.create_account(&AccountData::from_fields(&f).unwrap())
        .unwrap()
        .id
}

/// A contact who consented to be a reference unless overridden.
fn contact(s: &Store, account_id: i64, name: &str, extra: &[(&str, &str)]) -> i64 {
    let mut f = Fields::from_pairs([("name", name), ("reference_consent", "yes")]);
    for (k, v) in extra {
        f.set(k, *v);
    }
    s.create_contact(&ContactData::from_fields(account_id, &f).unwrap())
        .unwrap()
        .id
}

fn nps(s: &Store, account_id: i64, contact_id: i64, score: i64, on: NaiveDate) {
    let f = Fields::from_pairs([
        ("score", score.to_string()),
        ("responded_on", on.to_string()),
        ("contact_id", contact_id.to_string()),
    ]);
    s.create_nps(&NpsData::from_fields(account_id, &f).unwrap())
        .unwrap();
}

fn touchpoint(s: &Store, account_id: i64, contact_id: i64, kind: &str, on: NaiveDate) {
    let f = Fields::from_pairs([
        ("kind", kind.to_string()),
        ("occurred_on", on.to_string()),
        ("contact_ids", contact_id.to_string()),
    ]);
    s.create_touchpoint(&TouchpointData::from_fields(account_id, &f).unwrap())
        .unwrap();
}

fn activity(s: &Store, contact_id: i64, o: Opportunity, status: &str, on: NaiveDate) {
    s.record_activity(contact_id, o, status, on, None).unwrap();
}

fn required<T>(value: T) -> Option<Criterion<T>> {
    Some(Criterion {
        value,
        required: true,
    })
}

fn preferred<T>(value: T) -> Option<Criterion<T>> {
    Some(Criterion {
        value,
        required: false,
    })
}

fn industry(name: &str) -> Criteria {
    Criteria {
        industry: required(name.to_string()),
        ..Default::default()
    }
}

fn new_request(
    prospect: &str,
    prospect_account_id: Option<i64>,
    deal_value: i64,
    criteria: Criteria,
) -> NewRequest {
    NewRequest {
        prospect_account_id,
        prospect_name: prospect.into(),
        deal_value,
        needed_by: None,
        activity: Opportunity::ReferenceCall,
        criteria,
        notes: None,
    }
}

fn row(s: &Store, contact_id: i64) -> AdvocateRow {
    let snap = s.advocate_snapshot(today()).unwrap();
    let i = *snap
        .by_contact
        .get(&contact_id)
        .unwrap_or_else(|| panic!("contact {contact_id} is not in the snapshot"));
    snap.rows[i].clone()
}

fn in_snapshot(s: &Store, contact_id: i64) -> bool {
    s.advocate_snapshot(today())
        .unwrap()
        .by_contact
        .contains_key(&contact_id)
}

fn because(r: &AdvocateRow, t: Trait) -> String {
    r.score
        .traits
        .iter()
        .find(|x| x.trait_ == t)
        .unwrap_or_else(|| panic!("no {t} trait"))
        .because
        .clone()
}

fn ranked_ids(m: &MatchResult) -> Vec<i64> {
    m.candidates.iter().map(|c| c.contact_id).collect()
}

fn excluded_reasons(m: &MatchResult, contact_id: i64) -> Option<String> {
    m.excluded
        .iter()
        .find(|e| e.contact_id == contact_id)
        .map(|e| e.reasons.join("; "))
}

fn mentions(m: &MatchResult, contact_id: i64) -> bool {
    m.candidates.iter().any(|c| c.contact_id == contact_id)
        || m.excluded.iter().any(|e| e.contact_id == contact_id)
}

fn settings(s: &Store, change: impl FnOnce(&mut ProgramSettings)) {
    let mut p = s.program_settings().unwrap();
    change(&mut p);
    s.save_program_settings(&p).unwrap();
}

fn field_error(r: Result<ReferenceRequest, StoreError>, field: &str) -> String {
    match r {
        Err(StoreError::Invalid(e)) => e
            .get(field)
            .unwrap_or_else(|| panic!("expected an error on {field}, got {e:?}"))
            .to_string(),
        other => panic!("expected a field error on {field}, got {other:?}"),
    }
}

fn advance(s: &Store, id: i64, to: RequestStatus, contact: Option<i64>) -> ReferenceRequest {
    s.advance_request(id, to, contact, None, today())
        .unwrap_or_else(|e| panic!("request {id} → {to}: {e}"))
}

/// Takes a request through the workflow with one advocate, up to `last` (accepted or completed).
fn give_reference(s: &Store, id: i64, contact_id: i64, last: RequestStatus) {
    advance(s, id, RequestStatus::Proposed, Some(contact_id));
    advance(s, id, RequestStatus::Asked, None);
    advance(s, id, RequestStatus::Accepted, None);
    if last == RequestStatus::Completed {
        advance(s, id, RequestStatus::Completed, None);
    }
}

// ---------------------------------------------------------------------------------------
// Score (B1)
// ---------------------------------------------------------------------------------------

/// A promoter on a profitable account who answers in the community, goes to events, is a
/// lead user and gave one reference; and a detractor on an unprofitable account.
fn promoter_and_detractor(s: &Store) -> (i64, i64) {
    let good = account(
        s,
        "Profit Clinics",
        &[("annual_revenue", "100000"), ("cost_to_serve", "40000")],
    );
    let bad = account(
        s,
        "Loss Labs",
        &[("annual_revenue", "50000"), ("cost_to_serve", "60000")],
    );
    let p = contact(s, good, "Pia Promoter", &[]);
    let d = contact(s, bad, "Dan Detractor", &[]);
    // Latest answers decide: the promoter was once a detractor and vice versa.
    nps(s, good, p, 4, ago(300));
    nps(s, good, p, 10, ago(20));
    nps(s, bad, d, 10, ago(300));
    nps(s, bad, d, 2, ago(20));
    for days in [10, 40, 70] {
        touchpoint(s, good, p, "community_answer", ago(days));
    }
    touchpoint(s, good, p, "event_conversation", ago(50));
    touchpoint(s, good, p, "call", ago(5)); // neither an event nor a community answer
    s.set_advocate_profile(p, true, false, Some("runs the user group".into()))
        .unwrap();
    activity(s, p, Opportunity::ReferenceCall, "completed", ago(200));
    (p, d)
}

#[test]
fn a_profitable_promoter_who_serves_others_outscores_an_unprofitable_detractor() {
    each(|s| {
        let (p, d) = promoter_and_detractor(s);
        let pr = row(s, p);
        let dr = row(s, d);
        // 20 (margin 60%) + 25 (NPS 10) + 10 (4 of 6 affiliation) + 7.5 (lead user) + 20.8 (5 of 6 serving).
        assert_eq!(pr.score.score, 83, "{:#?}", pr.score);
        assert_eq!(dr.score.score, 0, "{:#?}", dr.score);
        assert!(pr.score.rock_star && !dr.score.rock_star);
        assert_eq!(
            pr.candidate.advocate_score, 83,
            "matching sees the same score"
        );
        assert_eq!(pr.facts.latest_nps, Some(10));
        assert_eq!(dr.facts.latest_nps, Some(2));
        assert_eq!(
            (
                pr.facts.community_answers,
                pr.facts.events_attended,
                pr.facts.references_given
            ),
            (3, 1, 1)
        );
    });
}

#[test]
fn each_trait_says_which_facts_it_comes_from() {
    each(|s| {
        let (p, d) = promoter_and_detractor(s);
        let pr = row(s, p);
        assert_eq!(
            because(&pr, Trait::Profitable),
            "account margin 60,000 on revenue 100,000 (60%)"
        );
        assert_eq!(
            because(&pr, Trait::ExceptionalValue),
            "latest NPS answer 10"
        );
        assert_eq!(
            because(&pr, Trait::Affiliates),
            "1 event conversations, 3 community answers, 0 advisory board / community / council activities"
        );
        assert!(
            because(&pr, Trait::LeadingEdge).starts_with("lead user"),
            "{}",
            because(&pr, Trait::LeadingEdge)
        );
        assert_eq!(
            because(&pr, Trait::ServesOthers),
            "3 community answers, 1 references given"
        );
        let dr = row(s, d);
        assert_eq!(
            because(&dr, Trait::Profitable),
            "account margin -10,000 on revenue 50,000 (-20%)"
        );
        assert_eq!(because(&dr, Trait::ExceptionalValue), "latest NPS answer 2");
        let profile = s.advocate_profile(p, today()).unwrap();
        assert!(profile.lead_user && !profile.modifies_product);
        assert_eq!(profile.notes.as_deref(), Some("runs the user group"));
    });
}

#[test]
fn changing_the_weights_rescores_at_once() {
    each(|s| {
        let (p, d) = promoter_and_detractor(s);
        // Build and cache the snapshot for today first, so a stale cache would be caught.
        assert_eq!(row(s, p).score.score, 83);
        settings(s, |x| {
            x.weights = TraitWeights {
                profitable: 0,
                exceptional_value: 1,
                affiliates: 0,
                leading_edge: 0,
                serves_others: 0,
            };
        });
        assert_eq!(s.program_settings().unwrap().weights.exceptional_value, 1);
        assert_eq!(
            row(s, p).score.score,
            100,
            "the snapshot is rebuilt after the settings change"
        );
        assert_eq!(row(s, d).score.score, 0);
        settings(s, |x| {
            x.weights = TraitWeights {
                profitable: 1,
                exceptional_value: 0,
                affiliates: 0,
                leading_edge: 0,
                serves_others: 1,
            };
        });
        // Profitable 1.0 and serving others 5/6, half each.
        assert_eq!(row(s, p).score.score, 92);
        let all_zero = ProgramSettings {
            weights: TraitWeights {
                profitable: 0,
                exceptional_value: 0,
                affiliates: 0,
                leading_edge: 0,
                serves_others: 0,
            },
            ..ProgramSettings::default()
        };
        assert!(matches!(
            s.save_program_settings(&all_zero),
            Err(StoreError::Invalid(_))
        ));
        assert_eq!(
            row(s, p).score.score,
            92,
            "a refused change changes nothing"
        );
    });
}

#[test]
fn the_rock_star_threshold_setting_decides_who_is_a_rock_star() {
    each(|s| {
        let (p, _) = promoter_and_detractor(s);
        assert!(row(s, p).score.rock_star, "83 is above the default 70");
        settings(s, |x| x.rock_star_score = 84);
        let r = row(s, p);
        assert_eq!(r.score.score, 83);
        assert!(!r.score.rock_star, "83 is below a threshold of 84");
        settings(s, |x| x.rock_star_score = 83);
        assert!(row(s, p).score.rock_star, "the threshold itself counts");
    });
}

// ---------------------------------------------------------------------------------------
// Motivations and offers (B2)
// ---------------------------------------------------------------------------------------

#[test]
fn recorded_motivations_come_first_and_accepted_activities_infer_more() {
    each(|s| {
        let a = account(s, "Stagecraft Health", &[]);
        let m = contact(s, a, "Mia Speaker", &[]);
        let quiet = contact(s, a, "Quinn Quiet", &[]);
        s.set_motivations(m, &[Motivation::SayInProduct]).unwrap();
        activity(s, m, Opportunity::SpeakingSlot, "accepted", ago(100));
        activity(s, m, Opportunity::SpeakingSlot, "completed", ago(30));
        activity(s, m, Opportunity::Beta, "declined", ago(10));
        activity(s, m, Opportunity::EarlyReleasePreview, "declined", ago(9));
        let got = row(s, m).motivations;
        assert!(
            got.contains(&(Motivation::SayInProduct, MotivationSource::Recorded)),
            "{got:?}"
        );
        assert!(
            got.contains(&(Motivation::Stage, MotivationSource::Inferred)),
            "two speaking slots: {got:?}"
        );
        assert!(
            got.contains(&(Motivation::PeerAffiliation, MotivationSource::Inferred)),
            "{got:?}"
        );
        assert!(
            !got.iter().any(|(x, _)| *x == Motivation::InTheKnow),
            "declined activities infer nothing: {got:?}"
        );
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(row(s, quiet).motivations.is_empty());

        // Recording a motivation that was inferred lists it once, as recorded; recording
        // replaces the earlier list.
        s.set_motivations(m, &[Motivation::Stage]).unwrap();
        let got = row(s, m).motivations;
        assert!(
            got.contains(&(Motivation::Stage, MotivationSource::Recorded)),
            "{got:?}"
        );
        assert_eq!(
            got.iter().filter(|(x, _)| *x == Motivation::Stage).count(),
            1,
            "{got:?}"
        );
        assert!(
            !got.iter().any(|(x, _)| *x == Motivation::SayInProduct),
            "replaced: {got:?}"
        );
        assert!(matches!(
            s.set_motivations(999_999, &[Motivation::Stage]),
            Err(StoreError::NotFound { .. })
        ));
    });
}

#[test]
fn suggested_offers_explain_why_and_skip_what_was_already_taken() {
    each(|s| {
        let a = account(s, "Offer Health", &[]);
        let m = contact(s, a, "Max Offer", &[]);
        s.set_motivations(m, &[Motivation::SayInProduct]).unwrap();
        activity(s, m, Opportunity::SpeakingSlot, "accepted", ago(100));
        activity(s, m, Opportunity::SpeakingSlot, "completed", ago(30));
        activity(s, m, Opportunity::Beta, "offered", ago(5));
        let p = s.advocate_profile(m, today()).unwrap();
        let offers: Vec<Opportunity> = p.suggestions.iter().map(|x| x.opportunity).collect();
        assert!(
            !offers.contains(&Opportunity::SpeakingSlot),
            "already taken: {offers:?}"
        );
        assert!(
            !offers.contains(&Opportunity::Beta),
            "already offered: {offers:?}"
        );
        let why = |o: Opportunity| {
            p.suggestions
                .iter()
                .find(|x| x.opportunity == o)
                .map(|x| x.why.clone())
                .unwrap_or_default()
        };
        assert!(
            why(Opportunity::Panel)
                .contains("a stage and an audience (inferred from what they accepted)"),
            "{}",
            why(Opportunity::Panel)
        );
        assert!(
            why(Opportunity::ProductCouncil).contains("a say in the product (recorded)"),
            "{}",
            why(Opportunity::ProductCouncil)
        );
        // Nothing serves only learning or being in the know.
        assert!(
            !offers.contains(&Opportunity::EarlyReleasePreview),
            "{offers:?}"
        );
        // Best fit first: the advisory board serves two of the three motivations.
        assert_eq!(p.suggestions[0].fit, 2);
        assert!(p.suggestions.windows(2).all(|w| w[0].fit >= w[1].fit));
        assert_eq!(p.activities.len(), 3);
        assert!(
            p.activities
                .windows(2)
                .all(|w| w[0].occurred_on >= w[1].occurred_on),
            "newest first"
        );
        assert!(matches!(
            s.advocate_profile(999_999, today()),
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            s.record_activity(m, Opportunity::Panel, "maybe", today(), None),
            Err(StoreError::Invalid(_))
        ));
    });
}

// ---------------------------------------------------------------------------------------
// Incentives
// ---------------------------------------------------------------------------------------

#[test]
fn gifts_are_flagged_and_activity_that_follows_them_is_called_dependent() {
    each(|s| {
        let a = account(s, "Gift Health", &[]);
        let dependent = contact(s, a, "Dee Pendent", &[]);
        let given = contact(s, a, "Gil Given", &[]);
        let clean = contact(s, a, "Cleo Clean", &[]);
        // Two of three activities came within 90 days after the gift.
        s.record_incentive(
            dependent,
            IncentiveKind::Gift,
            ago(120),
            "conference tickets",
            800,
        )
        .unwrap();
        activity(s, dependent, Opportunity::CaseStudy, "completed", ago(100));
        activity(s, dependent, Opportunity::Review, "accepted", ago(40));
        activity(
            s,
            dependent,
            Opportunity::ReferenceCall,
            "completed",
            ago(400),
        );
        // A deal after all their activity: flagged, but not dependent.
        s.record_incentive(
            given,
            IncentiveKind::SpecialDeal,
            ago(30),
            "renewal discount",
            5000,
        )
        .unwrap();
        activity(s, given, Opportunity::CaseStudy, "completed", ago(200));
        activity(s, given, Opportunity::Review, "completed", ago(150));
        activity(s, clean, Opportunity::Review, "completed", ago(40));

        let r = row(s, dependent);
        assert!(r.has_incentives && r.depends_on_incentives, "{r:?}");
        let r = row(s, given);
        assert!(r.has_incentives && !r.depends_on_incentives, "{r:?}");
        let r = row(s, clean);
        assert!(!r.has_incentives && !r.depends_on_incentives, "{r:?}");

        let p = s.advocate_profile(dependent, today()).unwrap();
        assert_eq!(p.incentives.len(), 1);
        assert_eq!(
            (p.incentives[0].kind, p.incentives[0].value),
            (IncentiveKind::Gift, 800)
        );
        assert_eq!(p.incentives[0].description, "conference tickets");
        assert_eq!(p.incentives[0].recorded_by, "cli");
        assert!(matches!(
            s.record_incentive(clean, IncentiveKind::Gift, today(), "  ", 1),
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            s.record_incentive(clean, IncentiveKind::Gift, today(), "mug", -1),
            Err(StoreError::Invalid(_))
        ));
        assert!(
            !row(s, clean).has_incentives,
            "refused incentives are not recorded"
        );
    });
}

// ---------------------------------------------------------------------------------------
// Matching (B3)
// ---------------------------------------------------------------------------------------

#[test]
fn hard_rules_exclude_with_reasons_and_ask_first_is_marked() {
    each(|s| {
        let ok = contact(s, account(s, "Yes Clinic", &[]), "Yvonne Yes", &[]);
        let ask = contact(
            s,
            account(s, "Ask Clinic", &[]),
            "Arno Ask",
            &[("reference_consent", "ask_first")],
        );
        let no = contact(
            s,
            account(s, "No Clinic", &[]),
            "Nina No",
            &[("reference_consent", "no")],
        );
        let dnc = contact(
            s,
            account(s, "Quiet Clinic", &[]),
            "Dora DoNot",
            &[("do_not_contact", "yes")],
        );
        let risky = contact(
            s,
            account(
                s,
                "Risky Clinic",
                &[("at_risk", "yes"), ("at_risk_reason", "escalation open")],
            ),
            "Rita Risk",
            &[],
        );
        let m = s
            .match_criteria(&industry("Healthcare"), today(), 20)
            .unwrap();
        let mut ids = ranked_ids(&m);
        ids.sort();
        assert_eq!(ids, vec![ok, ask], "{m:#?}");
        let by_id = |id| m.candidates.iter().find(|c| c.contact_id == id).unwrap();
        assert!(by_id(ask).ask_first);
        assert!(
            by_id(ask).reasons.iter().any(|r| r.contains("ask first")),
            "{:?}",
            by_id(ask).reasons
        );
        assert!(!by_id(ok).ask_first);
        assert_eq!(
            excluded_reasons(&m, no).as_deref(),
            Some("no reference consent")
        );
        assert_eq!(excluded_reasons(&m, dnc).as_deref(), Some("do not contact"));
        assert_eq!(
            excluded_reasons(&m, risky).as_deref(),
            Some("account is at risk")
        );
        assert_eq!(m.excluded.len(), 3, "{:#?}", m.excluded);
    });
}

#[test]
fn prospects_former_customers_and_erased_contacts_are_never_candidates() {
    each(|s| {
        let ok = contact(s, account(s, "Customer Clinic", &[]), "Cora Customer", &[]);
        let prospect = contact(
            s,
            account(s, "Prospect Clinic", &[("lifecycle", "prospect")]),
            "Pete Prospect",
            &[],
        );
        let former = contact(
            s,
            account(s, "Former Clinic", &[("lifecycle", "former")]),
            "Fay Former",
            &[],
        );
        let erased = contact(s, account(s, "Erased Clinic", &[]), "Eric Erased", &[]);
        let before = s
            .match_criteria(&industry("Healthcare"), today(), 20)
            .unwrap();
        assert!(
            ranked_ids(&before).contains(&erased),
            "a candidate until erased: {before:#?}"
        );
        s.erase_contact(erased).unwrap();
        let m = s
            .match_criteria(&industry("Healthcare"), today(), 20)
            .unwrap();
        assert_eq!(ranked_ids(&m), vec![ok], "{m:#?}");
        for id in [prospect, former, erased] {
            assert!(
                !mentions(&m, id),
                "contact {id} must not be considered at all: {m:#?}"
            );
            assert!(!in_snapshot(s, id));
        }
    });
}

#[test]
fn an_advocate_with_three_recent_reference_activities_is_rested() {
    each(|s| {
        let tired = contact(s, account(s, "Tired Clinic", &[]), "Ty Tired", &[]);
        let rested = contact(s, account(s, "Rested Clinic", &[]), "Rae Rested", &[]);
        let tester = contact(s, account(s, "Beta Clinic", &[]), "Bea Beta", &[]);
        let refuser = contact(s, account(s, "Declining Clinic", &[]), "Dec Liner", &[]);
        activity(s, tired, Opportunity::ReferenceCall, "accepted", ago(10));
        activity(s, tired, Opportunity::CaseStudy, "completed", ago(40));
        activity(s, tired, Opportunity::SiteVisit, "accepted", ago(89));
        // Two in the window; two older ones do not count.
        activity(s, rested, Opportunity::ReferenceCall, "accepted", ago(5));
        activity(s, rested, Opportunity::ReferenceCall, "completed", ago(20));
        activity(s, rested, Opportunity::ReferenceCall, "completed", ago(91));
        activity(s, rested, Opportunity::ReferenceCall, "completed", ago(300));
        // Beta programmes are not references; declined asks are not load.
        for d in [1, 2, 3] {
            activity(s, tester, Opportunity::Beta, "accepted", ago(d));
            activity(s, refuser, Opportunity::ReferenceCall, "declined", ago(d));
        }
        let m = s
            .match_criteria(&industry("Healthcare"), today(), 20)
            .unwrap();
        assert_eq!(
            excluded_reasons(&m, tired).as_deref(),
            Some("fatigued: 3 reference activities in the last 90 days (limit 3)"),
            "{m:#?}"
        );
        assert!(!ranked_ids(&m).contains(&tired));
        let recent = |m: &MatchResult, id| {
            m.candidates
                .iter()
                .find(|c| c.contact_id == id)
                .map(|c| c.recent_activities)
        };
        assert_eq!(recent(&m, rested), Some(2));
        assert_eq!(recent(&m, tester), Some(0));
        assert_eq!(recent(&m, refuser), Some(0));

        settings(s, |x| x.matching.fatigue_limit = 4);
        let m = s
            .match_criteria(&industry("Healthcare"), today(), 20)
            .unwrap();
        assert_eq!(
            recent(&m, tired),
            Some(3),
            "with a limit of 4 they come back: {m:#?}"
        );

        settings(s, |x| {
            x.matching.fatigue_limit = 3;
            x.matching.fatigue_window_days = 30;
        });
        let m = s
            .match_criteria(&industry("Healthcare"), today(), 20)
            .unwrap();
        assert_eq!(
            recent(&m, tired),
            Some(1),
            "a 30-day window sees one: {m:#?}"
        );
        assert!(matches!(
            s.save_program_settings(&ProgramSettings {
                matching: peerstage_core::reference::MatchConfig {
                    fatigue_limit: 0,
                    ..Default::default()
                },
                ..Default::default()
            }),
            Err(StoreError::Invalid(_))
        ));
    });
}

#[test]
fn required_criteria_filter_and_preferred_ones_only_rank() {
    each(|s| {
        // Created in this order so that a tie would put the APAC contact first.
        let apac = contact(
            s,
            account(s, "Far Clinic", &[("region", "apac")]),
            "Ann Apac",
            &[],
        );
        let emea = contact(
            s,
            account(s, "Near Clinic", &[("region", "emea")]),
            "Emil Emea",
            &[],
        );
        let retail = contact(
            s,
            account(s, "Shop", &[("industry", "Retail"), ("region", "apac")]),
            "Rob Retail",
            &[],
        );
        let c = Criteria {
            industry: required("healthcare".to_string()),
            region: preferred(Region::Emea),
            ..Default::default()
        };
        let m = s.match_criteria(&c, today(), 20).unwrap();
        assert_eq!(ranked_ids(&m), vec![emea, apac], "{m:#?}");
        assert!(m.candidates[0].score > m.candidates[1].score);
        assert!(
            m.candidates[1]
                .reasons
                .iter()
                .any(|r| r == "preferred region not matched (EMEA)"),
            "{:?}",
            m.candidates[1].reasons
        );
        assert!(
            m.candidates[0]
                .reasons
                .iter()
                .any(|r| r == "industry matches (healthcare)"),
            "{:?}",
            m.candidates[0].reasons
        );
        // While someone fits, only the required industry is searched...
        assert_eq!(excluded_reasons(&m, retail), None, "{m:#?}");
        // ...and when nobody does, the near-misses from other industries are shown.
        let nobody = Criteria {
            industry: required("Retail".to_string()),
            region: required(Region::Emea),
            ..Default::default()
        };
        let m = s.match_criteria(&nobody, today(), 20).unwrap();
        assert!(m.candidates.is_empty(), "{m:#?}");
        assert_eq!(
            excluded_reasons(&m, retail).as_deref(),
            Some("region is not EMEA"),
            "{m:#?}"
        );
        assert_eq!(
            excluded_reasons(&m, emea).as_deref(),
            Some("industry is not Retail"),
            "{m:#?}"
        );

        // Required region: the APAC contact is left out, one criterion away.
        let c = Criteria {
            industry: required("Healthcare".to_string()),
            region: required(Region::Emea),
            ..Default::default()
        };
        let m = s.match_criteria(&c, today(), 20).unwrap();
        assert_eq!(ranked_ids(&m), vec![emea]);
        assert_eq!(
            excluded_reasons(&m, apac).as_deref(),
            Some("region is not EMEA")
        );
        assert!(!mentions(&m, retail), "two required criteria away: {m:#?}");
        // No criteria: everyone who may be asked.
        assert_eq!(
            s.match_criteria(&Criteria::default(), today(), 20)
                .unwrap()
                .candidates
                .len(),
            3
        );
        assert_eq!(
            s.match_criteria(&Criteria::default(), today(), 2)
                .unwrap()
                .candidates
                .len(),
            2,
            "limit"
        );
    });
}

#[test]
fn load_is_spread_to_accounts_that_gave_fewer_references_lately() {
    each(|s| {
        let busy_account = account(s, "Busy Clinic", &[]);
        // Created first, so without the spread it would win the tie.
        let busy = contact(s, busy_account, "Bo Busy", &[]);
        let colleague = contact(
            s,
            busy_account,
            "Col League",
            &[("reference_consent", "no")],
        );
        let fresh = contact(s, account(s, "Fresh Clinic", &[]), "Fred Fresh", &[]);
        let m = s
            .match_criteria(&industry("Healthcare"), today(), 20)
            .unwrap();
        assert_eq!(
            ranked_ids(&m),
            vec![busy, fresh],
            "equal before any load: {m:#?}"
        );
        assert_eq!(m.candidates[0].score, m.candidates[1].score);

        activity(
            s,
            colleague,
            Opportunity::ReferenceCall,
            "completed",
            ago(15),
        );
        let m = s
            .match_criteria(&industry("Healthcare"), today(), 20)
            .unwrap();
        assert_eq!(ranked_ids(&m), vec![fresh, busy], "{m:#?}");
        let b = &m.candidates[1];
        assert_eq!((b.recent_activities, b.account_recent_activities), (0, 1));
        assert!(
            b.reasons.iter().any(|r| r.contains("1 for the account")),
            "{:?}",
            b.reasons
        );
        assert_eq!(
            row(s, busy).score.score,
            row(s, fresh).score.score,
            "equally good advocates"
        );

        // Old references do not weigh.
        let old_account = account(s, "Old Clinic", &[]);
        let old = contact(s, old_account, "Olga Old", &[]);
        let old_colleague = contact(s, old_account, "Otto Old", &[("reference_consent", "no")]);
        activity(
            s,
            old_colleague,
            Opportunity::ReferenceCall,
            "completed",
            ago(200),
        );
        let m = s
            .match_criteria(&industry("Healthcare"), today(), 20)
            .unwrap();
        let score = |id| {
            m.candidates
                .iter()
                .find(|c| c.contact_id == id)
                .unwrap()
                .score
        };
        assert_eq!(score(old), score(fresh), "{m:#?}");
    });
}

#[test]
fn the_prospects_own_account_is_never_proposed_for_its_request() {
    each(|s| {
        let own_account = account(s, "Expanding Clinic", &[]);
        let insider = contact(s, own_account, "Ines Insider", &[]);
        nps(s, own_account, insider, 10, ago(3));
        let outsider = contact(s, account(s, "Other Clinic", &[]), "Otis Outsider", &[]);
        let req = s
            .create_request(&new_request(
                "",
                Some(own_account),
                80_000,
                industry("Healthcare"),
            ))
            .unwrap();
        assert_eq!(
            req.prospect_name, "Expanding Clinic",
            "the name comes from the account"
        );

        let open = s.match_criteria(&req.criteria, today(), 20).unwrap();
        assert_eq!(
            ranked_ids(&open),
            vec![insider, outsider],
            "the insider is the best fit otherwise"
        );
        let m = s.match_request(req.id, today(), 20).unwrap();
        assert_eq!(ranked_ids(&m), vec![outsider], "{m:#?}");
        assert!(!mentions(&m, insider));

        let refused = s.advance_request(
            req.id,
            RequestStatus::Proposed,
            Some(insider),
            None,
            today(),
        );
        assert!(field_error(refused, "contact_id").contains("prospect"));
        assert_eq!(
            s.get_request(req.id).unwrap().status,
            RequestStatus::Requested
        );
        // Nor anyone matching would never offer: a former customer.
        let former = contact(
            s,
            account(s, "Gone Clinic", &[("lifecycle", "former")]),
            "Gus Gone",
            &[],
        );
        let refused =
            s.advance_request(req.id, RequestStatus::Proposed, Some(former), None, today());
        assert!(field_error(refused, "contact_id").contains("not a customer"));
        let r = advance(s, req.id, RequestStatus::Proposed, Some(outsider));
        assert_eq!(r.advocate_contact_id, Some(outsider));
        assert!(matches!(
            s.create_request(&new_request("", Some(999_999), 1, industry("Healthcare"))),
            Err(StoreError::Invalid(_))
        ));
    });
}

// ---------------------------------------------------------------------------------------
// Request workflow (B3)
// ---------------------------------------------------------------------------------------

#[test]
fn a_contact_named_by_hand_meets_the_at_risk_and_fatigue_rules_too() {
    each(|s| {
        let risky = account(
            s,
            "Shaky Clinic",
            &[("at_risk", "yes"), ("at_risk_reason", "Outage last month")],
        );
        let shaky = contact(s, risky, "Sol Shaky", &[]);
        let busy = contact(s, account(s, "Busy Clinic", &[]), "Bea Busy", &[]);
        settings(s, |p| p.matching.fatigue_limit = 2);
        let ask = |name: &str| {
            s.create_request(&new_request(name, None, 10_000, industry("Healthcare")))
                .unwrap()
                .id
        };
        let id = ask("Prospect Risk");
        let e = field_error(
            s.advance_request(id, RequestStatus::Proposed, Some(shaky), None, today()),
            "contact_id",
        );
        assert!(e.contains("at risk"), "{e}");

        // Two reference activities reach the limit of 2: a third request may not name her,
        // neither when proposing nor when asking someone proposed before she got busy.
        let later = ask("Prospect Later");
        advance(s, later, RequestStatus::Proposed, Some(busy));
        give_reference(s, ask("Prospect One"), busy, RequestStatus::Completed);
        give_reference(s, ask("Prospect Two"), busy, RequestStatus::Accepted);
        let e = field_error(
            s.advance_request(id, RequestStatus::Proposed, Some(busy), None, today()),
            "contact_id",
        );
        assert!(e.contains("fatigued: 2 reference activities"), "{e}");
        let e = field_error(
            s.advance_request(later, RequestStatus::Asked, None, None, today()),
            "contact_id",
        );
        assert!(e.contains("fatigued"), "{e}");
        // Her own accepted request moves on: it is one of the two, not a third.
        let r = s.list_requests(&Default::default()).unwrap();
        let two = r
            .iter()
            .find(|q| q.prospect_name == "Prospect Two")
            .unwrap();
        advance(s, two.id, RequestStatus::Completed, None);
    });
}

#[test]
fn a_request_moves_through_its_workflow_and_records_every_step() {
    each(|s| {
        let a = account(s, "Flow Clinic", &[]);
        let first = contact(s, a, "Fiona First", &[]);
        let second = contact(s, account(s, "Second Clinic", &[]), "Sam Second", &[]);
        let refuser = contact(s, a, "Ned Never", &[("reference_consent", "no")]);
        let quiet = contact(s, a, "Dina Dnc", &[("do_not_contact", "yes")]);
        let rep = s
            .add_user("rep@example.com", Role::Sales, "a long sales password")
            .unwrap();
        let manager_user = s
            .add_user(
                "manager@example.com",
                Role::Manager,
                "a long manager password",
            )
            .unwrap();
        let sales = s.acting_as(rep.actor());
        let manager = s.acting_as(manager_user.actor());

        let r = sales
            .create_request(&new_request(
                "Prospect One",
                None,
                120_000,
                industry("Healthcare"),
            ))
            .unwrap();
        assert_eq!(
            (r.status, r.requested_by.as_str(), r.requested_by_user_id),
            (RequestStatus::Requested, "rep@example.com", Some(rep.id))
        );
        let id = r.id;

        // Illegal moves and advocates who may not be named are refused, changing nothing.
        let e = field_error(
            manager.advance_request(id, RequestStatus::Completed, None, None, today()),
            "status",
        );
        assert!(e.contains("cannot become completed"), "{e}");
        let e = field_error(
            manager.advance_request(id, RequestStatus::Proposed, Some(refuser), None, today()),
            "contact_id",
        );
        assert!(e.contains("consent"), "{e}");
        field_error(
            manager.advance_request(id, RequestStatus::Proposed, Some(quiet), None, today()),
            "contact_id",
        );
        field_error(
            manager.advance_request(id, RequestStatus::Proposed, None, None, today()),
            "contact_id",
        );
        field_error(
            manager.advance_request(id, RequestStatus::Proposed, Some(999_999), None, today()),
            "contact_id",
        );
        let unchanged = s.get_request(id).unwrap();
        assert_eq!(
            (
                unchanged.status,
                unchanged.steps.len(),
                unchanged.advocate_contact_id
            ),
            (RequestStatus::Requested, 1, None)
        );

        // The first advocate declines; another one is proposed and says yes.
        let r = advance(&manager, id, RequestStatus::Proposed, Some(first));
        assert_eq!(
            (r.advocate_contact_id, r.advocate_name.as_deref()),
            (Some(first), Some("Fiona First"))
        );
        let r = advance(&manager, id, RequestStatus::Asked, None);
        assert_eq!(
            r.advocate_contact_id,
            Some(first),
            "asking keeps the proposed advocate"
        );
        advance(&manager, id, RequestStatus::Declined, None);
        field_error(
            manager.advance_request(id, RequestStatus::Accepted, None, None, today()),
            "status",
        );
        advance(&manager, id, RequestStatus::Proposed, Some(second));
        advance(&manager, id, RequestStatus::Asked, None);
        assert_eq!(row(s, second).candidate.recent_activities, 0);
        let r = advance(&manager, id, RequestStatus::Accepted, None);
        assert_eq!(
            (r.status, r.advocate_contact_id),
            (RequestStatus::Accepted, Some(second))
        );

        let declined = s.advocate_profile(first, today()).unwrap().activities;
        assert_eq!(declined.len(), 1);
        assert_eq!(
            (
                declined[0].status.as_str(),
                declined[0].request_id,
                declined[0].opportunity
            ),
            ("declined", Some(id), Opportunity::ReferenceCall)
        );
        let accepted = s.advocate_profile(second, today()).unwrap().activities;
        assert_eq!(accepted.len(), 1);
        assert_eq!(
            (
                accepted[0].status.as_str(),
                accepted[0].request_id,
                accepted[0].occurred_on
            ),
            ("accepted", Some(id), today())
        );
        let sr = row(s, second);
        assert_eq!(
            (sr.candidate.recent_activities, sr.facts.references_given),
            (1, 0),
            "accepted counts towards fatigue"
        );
        assert_eq!(
            row(s, first).candidate.recent_activities,
            0,
            "declining is no load"
        );

        let r = advance(&manager, id, RequestStatus::Completed, None);
        assert_eq!(r.status, RequestStatus::Completed);
        let done = s.advocate_profile(second, today()).unwrap().activities;
        assert_eq!(
            done.len(),
            1,
            "the accepted activity becomes completed, not a second one"
        );
        assert_eq!(done[0].status, "completed");
        let sr = row(s, second);
        assert_eq!(
            (sr.candidate.recent_activities, sr.facts.references_given),
            (1, 1)
        );
        assert_eq!(
            because(&sr, Trait::ServesOthers),
            "0 community answers, 1 references given"
        );
        field_error(
            manager.advance_request(id, RequestStatus::Cancelled, None, None, today()),
            "status",
        );

        let r = manager
            .set_request_outcome(id, DealOutcome::Won, 100_000)
            .unwrap();
        assert_eq!(
            (r.outcome, r.revenue_influenced),
            (DealOutcome::Won, 100_000)
        );
        assert!(matches!(
            manager.set_request_outcome(id, DealOutcome::Won, -1),
            Err(StoreError::Invalid(_))
        ));

        let r = s.get_request(id).unwrap();
        let statuses: Vec<RequestStatus> = r.steps.iter().map(|x| x.status).collect();
        use RequestStatus::*;
        assert_eq!(
            statuses,
            vec![Requested, Proposed, Asked, Declined, Proposed, Asked, Accepted, Completed]
        );
        let contacts: Vec<Option<i64>> = r.steps.iter().map(|x| x.contact_id).collect();
        assert_eq!(
            contacts,
            vec![
                None,
                Some(first),
                Some(first),
                Some(first),
                Some(second),
                Some(second),
                Some(second),
                Some(second)
            ]
        );
        assert_eq!(r.steps[0].actor, "rep@example.com");
        assert!(
            r.steps[1..]
                .iter()
                .all(|x| x.actor == "manager@example.com"),
            "{:?}",
            r.steps
        );
        assert_eq!(r.steps[4].contact_name.as_deref(), Some("Sam Second"));
        assert!(
            r.steps.windows(2).all(|w| w[0].at <= w[1].at),
            "{:?}",
            r.steps
        );
        assert!(r.steps[0].at >= r.created_at - chrono::Duration::seconds(1));
    });
}

#[test]
fn accepting_a_third_reference_makes_the_advocate_rest() {
    each(|s| {
        let a = contact(s, account(s, "Fatigue Clinic", &[]), "Fay Tigue", &[]);
        let b = contact(s, account(s, "Spare Clinic", &[]), "Spa Re", &[]);
        activity(s, a, Opportunity::CaseStudy, "completed", ago(30));
        activity(s, a, Opportunity::Review, "accepted", ago(60));
        let id = s
            .create_request(&new_request("Deal", None, 1, industry("Healthcare")))
            .unwrap()
            .id;
        assert_eq!(
            ranked_ids(&s.match_request(id, today(), 10).unwrap()),
            vec![b, a],
            "two references: still asked, ranked lower"
        );
        give_reference(s, id, a, RequestStatus::Accepted);
        let m = s
            .match_criteria(&industry("Healthcare"), today(), 10)
            .unwrap();
        assert_eq!(ranked_ids(&m), vec![b]);
        assert!(
            excluded_reasons(&m, a).unwrap().starts_with("fatigued: 3"),
            "{m:#?}"
        );
    });
}

#[test]
fn requests_are_listed_by_who_asked_and_by_status() {
    each(|s| {
        let c = contact(s, account(s, "List Clinic", &[]), "Lis Ting", &[]);
        let rep = s
            .add_user("rep@example.com", Role::Sales, "a long sales password")
            .unwrap();
        let other = s
            .add_user("other@example.com", Role::Sales, "a long sales password")
            .unwrap();
        let sales = s.acting_as(rep.actor());
        let r1 = sales
            .create_request(&new_request("One", None, 1, industry("Healthcare")))
            .unwrap()
            .id;
        let r2 = sales
            .create_request(&new_request("Two", None, 2, industry("Healthcare")))
            .unwrap()
            .id;
        let r3 = s
            .acting_as(other.actor())
            .create_request(&new_request("Three", None, 3, industry("Healthcare")))
            .unwrap()
            .id;
        let r4 = s
            .create_request(&new_request("Four", None, 4, industry("Healthcare")))
            .unwrap()
            .id;
        advance(s, r2, RequestStatus::Proposed, Some(c));
        let ids = |f: RequestFilter| {
            s.list_requests(&f)
                .unwrap()
                .iter()
                .map(|r| r.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ids(RequestFilter::default()),
            vec![r4, r3, r2, r1],
            "newest first"
        );
        assert_eq!(
            ids(RequestFilter {
                requested_by_user_id: Some(rep.id),
                status: None
            }),
            vec![r2, r1]
        );
        assert_eq!(
            ids(RequestFilter {
                requested_by_user_id: Some(other.id),
                status: None
            }),
            vec![r3]
        );
        assert_eq!(
            ids(RequestFilter {
                requested_by_user_id: None,
                status: Some(RequestStatus::Requested)
            }),
            vec![r4, r3, r1]
        );
        assert_eq!(
            ids(RequestFilter {
                requested_by_user_id: Some(rep.id),
                status: Some(RequestStatus::Proposed)
            }),
            vec![r2]
        );
        assert_eq!(
            ids(RequestFilter {
                requested_by_user_id: Some(other.id),
                status: Some(RequestStatus::Proposed)
            }),
            Vec::<i64>::new()
        );
        let listed = s
            .list_requests(&RequestFilter {
                requested_by_user_id: Some(rep.id),
                status: Some(RequestStatus::Proposed),
            })
            .unwrap();
        assert_eq!(listed[0].advocate_name.as_deref(), Some("Lis Ting"));
        assert_eq!(
            listed[0].criteria,
            industry("Healthcare"),
            "criteria round-trip"
        );
        assert_eq!(s.get_request(r4).unwrap().requested_by, "cli");
        assert!(matches!(
            s.get_request(999_999),
            Err(StoreError::NotFound { .. })
        ));
    });
}

// ---------------------------------------------------------------------------------------
// Program report (B4)
// ---------------------------------------------------------------------------------------

#[test]
fn the_program_report_counts_activity_pipeline_wins_and_gaps() {
    each(|s| {
        let first = account(s, "First Clinic", &[]);
        let p = contact(s, first, "Pat First", &[]);
        let q = contact(s, first, "Quin First", &[]);
        let second = account(s, "Second Clinic", &[]);
        let r = contact(s, second, "Ray Second", &[]);
        let t = contact(s, second, "Tess Second", &[]);
        // History outside the workflow: one old reference, a declined one and a beta.
        activity(s, p, Opportunity::CaseStudy, "completed", ago(200));
        activity(s, q, Opportunity::ReferenceCall, "declined", ago(3));
        activity(s, t, Opportunity::Beta, "accepted", ago(3));

        let req = |name: &str, value: i64| {
            s.create_request(&new_request(name, None, value, industry("Healthcare")))
                .unwrap()
                .id
        };
        let a = req("A accepted open", 100_000);
        give_reference(s, a, p, RequestStatus::Accepted);
        let b = req("B completed open", 50_000);
        give_reference(s, b, q, RequestStatus::Completed);
        let c = req("C completed won", 70_000);
        give_reference(s, c, r, RequestStatus::Completed);
        s.set_request_outcome(c, DealOutcome::Won, 70_000).unwrap();
        let h = req("H completed won", 60_000);
        give_reference(s, h, r, RequestStatus::Completed);
        s.set_request_outcome(h, DealOutcome::Won, 55_000).unwrap();
        let d = req("D completed lost", 30_000);
        give_reference(s, d, p, RequestStatus::Completed);
        s.set_request_outcome(d, DealOutcome::Lost, 0).unwrap();
        let e = req("E won without", 20_000);
        let too_much = field_error(
            s.set_request_outcome(e, DealOutcome::Won, 999_999),
            "revenue_influenced",
        );
        assert!(
            too_much.contains("more than the deal's value"),
            "{too_much}"
        );
        s.set_request_outcome(e, DealOutcome::Won, 20_000).unwrap();
        let f = req("F lost without", 10_000);
        s.set_request_outcome(f, DealOutcome::Lost, 0).unwrap();
        let g = req("G proposed open", 40_000);
        advance(s, g, RequestStatus::Proposed, Some(t));
        let gap = s
            .create_request(&new_request(
                "Rocket Co",
                None,
                5_000,
                Criteria {
                    industry: required("Aerospace".into()),
                    region: preferred(Region::Apac),
                    ..Default::default()
                },
            ))
            .unwrap()
            .id;

        let rep = s.program_report(today()).unwrap();
        assert!(
            rep.gaps.is_empty(),
            "no request was matched yet: {:?}",
            rep.gaps
        );
        assert!(s
            .match_request(gap, today(), 10)
            .unwrap()
            .candidates
            .is_empty());
        assert!(!s
            .match_request(g, today(), 10)
            .unwrap()
            .candidates
            .is_empty());

        let rep = s.program_report(today()).unwrap();
        assert_eq!((rep.requests, rep.completed), (9, 4));
        assert_eq!(
            rep.influenced_pipeline, 150_000,
            "A and B: references accepted or given on open deals"
        );
        assert_eq!(rep.won_revenue, 125_000);
        assert_eq!((rep.won_with_reference, rep.lost_with_reference), (2, 1));
        assert_eq!(
            (rep.won_without_reference, rep.lost_without_reference),
            (1, 1)
        );
        assert!((rep.win_rate_with().unwrap() - 200.0 / 3.0).abs() < 1e-9);
        assert_eq!(rep.win_rate_without(), Some(50.0));

        let counts = |v: &[peerstage_store::ActivityCount]| {
            v.iter()
                .map(|x| (x.id, x.total, x.recent))
                .collect::<Vec<_>>()
        };
        // P: the old case study, A and D; Q: B only (declined is not counted); R: C and H.
        assert_eq!(
            counts(&rep.per_advocate),
            vec![(p, 3, 2), (r, 2, 2), (q, 1, 1)]
        );
        assert_eq!(rep.per_advocate[0].name, "Pat First");
        assert_eq!(rep.per_advocate[0].account_name, "First Clinic");
        assert_eq!(
            counts(&rep.per_account),
            vec![(first, 4, 3), (second, 2, 2)]
        );
        // Default limit 3: two recent references is one away.
        let near: Vec<i64> = rep.near_fatigue.iter().map(|x| x.id).collect();
        assert_eq!(near, vec![p, r]);
        assert_eq!(rep.gaps.len(), 1, "{:?}", rep.gaps);
        assert_eq!(rep.gaps[0].request_id, gap);
        assert_eq!(rep.gaps[0].prospect_name, "Rocket Co");
        assert_eq!(
            rep.gaps[0].criteria,
            "industry Aerospace (required), region APAC"
        );

        settings(s, |x| x.matching.fatigue_limit = 5);
        assert!(
            s.program_report(today()).unwrap().near_fatigue.is_empty(),
            "near fatigue follows the limit"
        );
        // Once someone fits, the gap closes.
        let astro = account(s, "Astro Works", &[("industry", "Aerospace")]);
        contact(s, astro, "Ada Astro", &[]);
        assert_eq!(
            s.match_request(gap, today(), 10).unwrap().candidates.len(),
            1
        );
        assert!(s.program_report(today()).unwrap().gaps.is_empty());
    });
}

#[test]
fn privacy_export_includes_the_advocate_record_and_erase_removes_what_colleagues_wrote() {
    each(|s| {
        let acc = account(s, "Erase Clinic", &[]);
        let c = contact(s, acc, "Petra Private", &[("reference_consent", "yes")]);
        s.set_motivations(c, &[Motivation::Stage]).unwrap();
        s.set_advocate_profile(c, true, false, Some("Petra prefers morning calls".into()))
            .unwrap();
        s.record_activity(
            c,
            Opportunity::ReferenceCall,
            "completed",
            ago(10),
            Some("Petra was great".into()),
        )
        .unwrap();
        let doc = s.privacy_export(c).unwrap().to_string();
        assert!(doc.contains("Petra prefers morning calls"), "{doc}");
        assert!(doc.contains("\"stage\""), "{doc}");
        assert!(doc.contains("reference_call"), "{doc}");

        s.erase_contact(c).unwrap();
        let doc = s.privacy_export(c).unwrap().to_string();
        assert!(!doc.contains("Petra"), "{doc}");
        assert!(
            doc.contains("reference_call"),
            "the activity stays, anonymously: {doc}"
        );
        assert!(!in_snapshot(s, c), "an erased contact is no advocate");
    });
}

#[test]
fn an_advocate_who_declined_is_not_proposed_again_for_that_request() {
    each(|s| {
        let a = account(s, "Decline Clinic", &[]);
        let b = account(s, "Other Clinic", &[]);
        let first = contact(s, a, "Dora Declines", &[("reference_consent", "yes")]);
        let second = contact(s, b, "Otto Other", &[("reference_consent", "yes")]);
        let req = s
            .create_request(&new_request("Prospect", None, 0, industry("Healthcare")))
            .unwrap();
        s.advance_request(req.id, RequestStatus::Proposed, Some(first), None, today())
            .unwrap();
        s.advance_request(req.id, RequestStatus::Asked, None, None, today())
            .unwrap();
        s.advance_request(req.id, RequestStatus::Declined, None, None, today())
            .unwrap();
        let m = s.match_request(req.id, today(), 10).unwrap();
        assert_eq!(ranked_ids(&m), vec![second], "{m:#?}");
        assert_eq!(
            excluded_reasons(&m, first).as_deref(),
            Some("declined this request")
        );
    });
}
