//! Stories (B5) and the buyer journey (B6) over HTTP, on SQLite and (when configured)
//! PostgreSQL: pages with CSRF, forms that keep what was typed and show errors beside the
//! fields, the spin badge and notice, the JSON API, reviews on the advocate and third-party
//! pages, and the numbers of the sources report.

mod common;

use common::{each_db, Resp, TestApp};
use peerstage_core::Role;
use serde_json::{json, Value};

struct Customer {
    account: i64,
    contact: i64,
}

async fn customer(app: &TestApp, name: &str, revenue: i64) -> Customer {
    let account = app
        .create_account(
            json!({"name": name, "external_id": name.to_lowercase(), "annual_revenue": revenue}),
        )
        .await;
    let contact = app
        .create_under(
            account,
            "contacts",
            json!({"name": format!("{name} Champion"), "title": "Head of Support", "reference_consent": "yes"}),
        )
        .await;
    Customer { account, contact }
}

fn created_id(r: &Resp) -> i64 {
    r.expect(201);
    r.json()["id"].as_i64().expect("an id")
}

/// The id in a redirect to `/{prefix}/{id}?…`.
fn id_in(location: &str, prefix: &str) -> i64 {
    location
        .trim_start_matches(prefix)
        .split(['?', '#'])
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no id in {location}"))
}

#[track_caller]
fn has_error_beside(body: &str, field: &str) {
    assert!(
        body.contains(&format!("id=\"f-{field}-error\"")),
        "no error beside {field} in {body}"
    );
}

#[test]
fn a_story_is_created_edited_and_deleted_with_the_pages() {
    each_db(|app| async move {
        let acme = customer(&app, "Acme", 100_000).await;
        // Step one asks whose story it is; with the customer chosen, the form offers their contacts.
        let step = app.get("/stories/new").await;
        step.expect(200);
        assert!(step.text().contains("Whose story is it?"));
        let form = app
            .get(&format!("/stories/new?account_id={}", acme.account))
            .await;
        form.expect(200);
        let body = form.text();
        assert!(body.contains("Acme Champion (Head of Support)"), "{body}");
        assert!(body.contains("name=\"csrf\""));

        let a = acme.account.to_string();
        let c = acme.contact.to_string();
        let fields = [
            ("title", "Acme halves its backlog"),
            ("account_id", a.as_str()),
            ("contact_ids", c.as_str()),
            ("stage", "consideration"),
            ("approval", "sent_for_approval"),
            ("challenge", "Cases waited days"),
            ("bad", "Reports took two months to trust"),
            ("not_a_fit", "Teams that need on-premise hosting"),
            ("media_links", "https://videos.example/acme"),
        ];
        // Without the CSRF token the form is refused and nothing is written.
        let forged = app
            .post_form("/stories", &[&fields[..], &[("csrf", "forged")]].concat())
            .await;
        forged.expect(403);
        assert_eq!(app.get("/api/v1/stories").await.json()["total"], 0);

        let r = app.post_form("/stories", &fields).await;
        r.expect(303);
        let id = id_in(r.location(), "/stories/");
        assert!(r.location().ends_with("?notice=created"));
        let page = app.get(&format!("/stories/{id}")).await;
        page.expect(200);
        let body = page.text();
        assert!(body.contains("<h1>Acme halves its backlog</h1>"), "{body}");
        assert!(body.contains("Authentic."));
        assert!(!body.contains("Flagged as spin"));
        assert!(body.contains("Reports took two months to trust"));
        assert!(body.contains("href=\"https://videos.example/acme\""));
        assert!(body.contains(&format!("href=\"/advocates/{}\"", acme.contact)));
        assert!(body.contains("Sent for approval"));

        // Editing away the downside and the limits turns it into spin.
        let edit = app.get(&format!("/stories/{id}/edit")).await;
        edit.expect(200);
        assert!(edit.text().contains("Reports took two months to trust"));
        let spin = [
            ("title", "Acme halves its backlog"),
            ("account_id", a.as_str()),
            ("contact_ids", c.as_str()),
            ("stage", "decision"),
            ("approval", "approved"),
            ("challenge", "Cases waited days"),
            ("result", "Everything is perfect"),
        ];
        let r = app.post_form(&format!("/stories/{id}"), &spin).await;
        r.expect(303);
        assert_eq!(r.location(), format!("/stories/{id}?notice=updated"));
        let body = app.get(&format!("/stories/{id}")).await.text();
        assert!(body.contains("Flagged as spin."), "{body}");
        assert!(body.contains("No downside"));
        assert!(body.contains("Aim for authenticity, not spin. Your buyers know the difference."));
        assert!(body.contains("Not written yet."));

        let list = app.get("/stories").await;
        list.expect(200);
        let body = list.text();
        assert!(body.contains("<h1>Stories</h1>"));
        assert!(
            body.contains("class=\"badge bad spin\""),
            "the spin badge: {body}"
        );
        assert!(
            body.contains("1 customer stories · 1 flagged as spin"),
            "{body}"
        );

        let r = app.post_form(&format!("/stories/{id}/delete"), &[]).await;
        r.expect(303);
        assert_eq!(r.location(), "/stories?notice=deleted");
        app.get(&format!("/stories/{id}")).await.expect(404);
        // Each change is in the audit log, by whom it was made.
        let audit = app.get("/api/v1/audit?entity=story").await.json();
        assert_eq!(audit["total"], 3);
        assert_eq!(audit["items"][0]["actor"], "admin@test.example");
    });
}

#[test]
fn an_invalid_story_form_returns_422_keeping_what_was_typed_with_errors_beside_the_fields() {
    each_db(|app| async move {
        let acme = customer(&app, "Acme", 0).await;
        let other = customer(&app, "Other", 0).await;
        let a = acme.account.to_string();
        let stranger = other.contact.to_string();
        let r = app
            .post_form(
                "/stories",
                &[
                    ("title", ""),
                    ("account_id", a.as_str()),
                    ("contact_ids", stranger.as_str()),
                    ("stage", "closing"),
                    ("challenge", "Typed <challenge> text"),
                    ("media_links", "ftp://files.example/video"),
                ],
            )
            .await;
        r.expect(422);
        let body = r.text();
        for field in ["title", "stage", "media_links"] {
            has_error_beside(&body, field);
        }
        assert!(
            body.contains("Typed &lt;challenge&gt; text"),
            "typed text kept and escaped"
        );
        assert!(body.contains("Please correct the highlighted fields."));
        // The customer's own contacts are offered again.
        assert!(body.contains("Acme Champion"));

        // Valid fields, but a contact of another account: the store's error lands beside it.
        let r = app
            .post_form(
                "/stories",
                &[
                    ("title", "Borrowed advocate"),
                    ("account_id", a.as_str()),
                    ("contact_ids", stranger.as_str()),
                    ("stage", "decision"),
                ],
            )
            .await;
        r.expect(422);
        let body = r.text();
        has_error_beside(&body, "contact_ids");
        assert!(body.contains("does not work at Acme"), "{body}");
        assert!(body.contains("value=\"Borrowed advocate\""));
        assert_eq!(app.get("/api/v1/stories").await.json()["total"], 0);
    });
}

#[test]
fn the_story_api_creates_lists_updates_and_deletes_with_spin_flags() {
    each_db(|app| async move {
        let acme = customer(&app, "Acme", 0).await;
        let r = app
            .post_json(
                "/api/v1/stories",
                &json!({"title": "Perfect", "account_id": acme.account, "contact_ids": [acme.contact], "stage": "awareness",
                        "media_links": ["https://videos.example/1", "https://videos.example/2"]}),
            )
            .await;
        let id = created_id(&r);
        let s = r.json();
        assert_eq!(s["spin"], true);
        let flags: Vec<&str> = s["spin_flags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["flag"].as_str().unwrap())
            .collect();
        assert_eq!(flags, vec!["no_downside", "no_not_a_fit"]);
        assert!(s["spin_flags"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("bad and the ugly"));
        assert_eq!(s["account_name"], "Acme");
        assert_eq!(s["media_links"].as_array().unwrap().len(), 2);
        assert_eq!(s["contacts"][0]["name"], "Acme Champion");

        let authentic = created_id(
            &app.post_json(
                "/api/v1/stories",
                &json!({"title": "Balanced", "account_id": acme.account, "stage": "decision",
                        "ugly": "A lost week", "not_a_fit": "Tiny teams", "approval": "approved"}),
            )
            .await,
        );
        let list = app.get("/api/v1/stories?spin=yes").await.json();
        assert_eq!(list["total"], 1);
        assert_eq!(list["items"][0]["id"], id);
        let list = app.get("/api/v1/stories?approval=approved").await.json();
        assert_eq!(list["items"][0]["id"], authentic);
        let list = app.get("/api/v1/stories?sort=title").await.json();
        assert_eq!(list["items"][0]["title"], "Balanced");

        // A PUT changes only what it names.
        let r = app
            .put_json(
                &format!("/api/v1/stories/{id}"),
                &json!({"bad": "Setup took a month", "not_a_fit": "On-premise"}),
            )
            .await;
        r.expect(200);
        let s = r.json();
        assert_eq!(s["spin"], false);
        assert_eq!(s["title"], "Perfect");
        assert_eq!(s["contact_ids"], json!([acme.contact]));

        let r = app
            .post_json(
                "/api/v1/stories",
                &json!({"title": "", "account_id": acme.account, "stage": "later", "colour": "blue"}),
            )
            .await;
        r.expect(422);
        assert_eq!(r.error_fields(), vec!["colour"]);
        let r = app
            .post_json(
                "/api/v1/stories",
                &json!({"title": "", "account_id": acme.account, "stage": "later"}),
            )
            .await;
        r.expect(422);
        let mut fields = r.error_fields();
        fields.sort();
        assert_eq!(fields, vec!["stage", "title"]);

        // Viewers read stories but may not write them.
        let viewer = app.identity("viewer@stories.example", Role::Viewer).await;
        let as_viewer = app.as_user(&viewer);
        as_viewer
            .get(&format!("/api/v1/stories/{id}"))
            .await
            .expect(200);
        as_viewer
            .put_json(&format!("/api/v1/stories/{id}"), &json!({"title": "x"}))
            .await
            .expect(403);
        as_viewer.get("/stories/new").await.expect(403);

        app.delete(&format!("/api/v1/stories/{id}"))
            .await
            .expect(204);
        app.get(&format!("/api/v1/stories/{id}")).await.expect(404);
    });
}

#[test]
fn the_story_list_filters_by_stage_approval_and_spin_and_sorts() {
    each_db(|app| async move {
        let acme = customer(&app, "Acme", 0).await;
        for (title, stage, approval, bad) in [
            ("Zeta rollout", "onboarding", "approved", "Slow start"),
            ("Alpha awareness", "awareness", "draft", ""),
        ] {
            created_id(
                &app.post_json(
                    "/api/v1/stories",
                    &json!({"title": title, "account_id": acme.account, "stage": stage, "approval": approval,
                            "bad": bad, "not_a_fit": "Tiny teams"}),
                )
                .await,
            );
        }
        let body = app.get("/stories?spin=yes").await.text();
        assert!(body.contains("Alpha awareness") && !body.contains("Zeta rollout"));
        let body = app.get("/stories?stage=onboarding").await.text();
        assert!(body.contains("Zeta rollout") && !body.contains("Alpha awareness"));
        let body = app.get("/stories?approval=draft").await.text();
        assert!(body.contains("Alpha awareness") && !body.contains("Zeta rollout"));
        let body = app.get("/stories?sort=title&dir=asc").await.text();
        assert!(body.find("Alpha awareness").unwrap() < body.find("Zeta rollout").unwrap());
        let body = app.get("/stories?sort=title&dir=desc").await.text();
        assert!(body.find("Zeta rollout").unwrap() < body.find("Alpha awareness").unwrap());
        let r = app.get("/stories?stage=closing").await;
        r.expect(200);
        assert!(r.text().contains("Some filters were ignored"));
    });
}

/// Four new customers and their answers; the report's numbers are worked out by hand:
/// Acme (300,000) named PeerGrid and an event, Beta (100,000) PeerGrid, Gamma (600,000) a web
/// search, Delta (90,000) PeerGrid, Halvorsen Research and an event.
async fn survey(app: &TestApp) -> (i64, i64) {
    let site = created_id(
        &app.post_json(
            "/api/v1/third-parties",
            &json!({"name": "PeerGrid", "kind": "review_site", "url": "https://peergrid.example"}),
        )
        .await,
    );
    let firm = created_id(
        &app.post_json(
            "/api/v1/third-parties",
            &json!({"name": "Halvorsen Research", "kind": "analyst_firm"}),
        )
        .await,
    );
    let acme = customer(app, "Acme", 300_000).await.account;
    let beta = customer(app, "Beta", 100_000).await.account;
    let gamma = customer(app, "Gamma", 600_000).await.account;
    let delta = customer(app, "Delta", 90_000).await.account;
    for (account, source) in [
        (acme, "PeerGrid"),
        (acme, "event"),
        (beta, "PeerGrid"),
        (gamma, "search"),
        (delta, "peergrid"),
        (delta, "Halvorsen Research"),
        (delta, "Event"),
    ] {
        created_id(
            &app.post_json(
                "/api/v1/source-responses",
                &json!({"account_id": account, "source": source, "responded_on": "2025-03-01"}),
            )
            .await,
        );
    }
    (site, firm)
}

#[test]
fn the_sources_report_shows_each_sources_share_and_attributed_revenue() {
    each_db(|app| async move {
        let (site, firm) = survey(&app).await;
        let r = app.get("/api/v1/sources").await;
        r.expect(200);
        let report = r.json();
        assert_eq!(report["respondents"], 4);
        assert_eq!(report["responses"], 7);
        assert_eq!(report["total_revenue"], 1_090_000);
        assert_eq!(report["via_third_parties"], 3);
        let rows: Vec<(String, u64, f64, f64)> = report["sources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["name"].as_str().unwrap().to_string(),
                    s["customers"].as_u64().unwrap(),
                    s["share"].as_f64().unwrap(),
                    s["revenue"].as_f64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                ("PeerGrid".to_string(), 3, 0.75, 280_000.0),
                ("Event".to_string(), 2, 0.5, 180_000.0),
                ("Web search".to_string(), 1, 0.25, 600_000.0),
                ("Halvorsen Research".to_string(), 1, 0.25, 30_000.0),
            ]
        );
        assert_eq!(report["sources"][0]["third_party_id"], site);
        assert_eq!(
            app.get("/api/v1/sources?since=2025-04-01").await.json()["respondents"],
            0
        );
        app.get("/api/v1/sources?since=someday").await.expect(422);

        let page = app.get("/sources").await;
        page.expect(200);
        let body = page.text();
        assert!(body.contains("<h1>Buyer journey</h1>"));
        assert!(body.contains("<title>Share of new customers by source (%)</title>"));
        assert!(body.contains("data-label=\"PeerGrid\""));
        assert!(body.contains("<title>Annual revenue attributed by source</title>"));
        for figure in [
            "75.0%",
            "280,000",
            "180,000",
            "600,000",
            "30,000",
            "1,090,000",
            "310,000",
        ] {
            assert!(body.contains(figure), "{figure} on the sources page");
        }
        // Three of four named a third party.
        assert!(body.contains(">75.0%<"), "{body}");

        let tp = app.get(&format!("/third-parties/{firm}")).await;
        tp.expect(200);
        let body = tp.text();
        assert!(body.contains("<h1>Halvorsen Research</h1>"));
        assert!(body.contains("25.0%") && body.contains("30,000"));
        assert!(body.contains("Delta"));
        let api = app
            .get(&format!("/api/v1/third-parties/{site}"))
            .await
            .json();
        assert_eq!(api["survey"]["customers"], 3);
        assert_eq!(api["survey"]["share"], 0.75);
        assert_eq!(api["survey"]["revenue"], 280_000.0);
    });
}

#[test]
fn survey_answers_are_recorded_with_the_form_and_a_bad_source_is_shown_beside_its_field() {
    each_db(|app| async move {
        let acme = customer(&app, "Acme", 50_000).await;
        let a = acme.account.to_string();
        let page = app.get("/sources").await.text();
        assert!(page.contains("Record a survey answer"));
        let r = app
            .post_form(
                "/sources/responses",
                &[
                    ("account_id", a.as_str()),
                    ("source", "Podcast"),
                    ("responded_on", "2025-13-01"),
                ],
            )
            .await;
        r.expect(422);
        let body = r.text();
        has_error_beside(&body, "source");
        has_error_beside(&body, "responded_on");
        assert!(body.contains("value=\"2025-13-01\""), "typed date kept");
        let r = app
            .post_form(
                "/sources/responses",
                &[
                    ("account_id", a.as_str()),
                    ("source", "peer_recommendation"),
                    ("responded_on", "2025-03-01"),
                ],
            )
            .await;
        r.expect(303);
        assert_eq!(r.location(), "/sources?notice=created");
        let answers = app.get("/api/v1/source-responses").await.json();
        assert_eq!(answers["items"][0]["source"], "Peer recommendation");
        let id = answers["items"][0]["id"].as_i64().unwrap();
        let body = app.get("/sources").await.text();
        assert!(body.contains("Peer recommendation") && body.contains("50,000"));
        app.post_form(&format!("/sources/responses/{id}/delete"), &[])
            .await
            .expect(303);
        assert_eq!(
            app.get("/api/v1/source-responses").await.json()["items"],
            json!([])
        );
    });
}

#[test]
fn third_parties_are_added_with_the_form_and_a_taken_name_is_shown_beside_the_field() {
    each_db(|app| async move {
        let r = app
            .post_form(
                "/third-parties",
                &[
                    ("name", "StackVerdict"),
                    ("kind", "review_site"),
                    ("url", "https://stackverdict.example"),
                ],
            )
            .await;
        r.expect(303);
        let id = id_in(r.location(), "/third-parties/");
        let body = app.get("/third-parties").await.text();
        assert!(body.contains("StackVerdict") && body.contains("Review site"));
        let r = app
            .post_form(
                "/third-parties",
                &[("name", "stackverdict"), ("kind", "analyst_firm")],
            )
            .await;
        r.expect(422);
        let body = r.text();
        has_error_beside(&body, "name");
        assert!(body.contains("is already a third party"));
        let r = app
            .post_form(
                "/third-parties",
                &[("name", "New Site"), ("kind", ""), ("url", "stack")],
            )
            .await;
        r.expect(422);
        let body = r.text();
        has_error_beside(&body, "kind");
        has_error_beside(&body, "url");
        assert!(body.contains("value=\"New Site\""));

        let r = app
            .post_form(
                &format!("/third-parties/{id}"),
                &[("name", "StackVerdict Reviews"), ("kind", "review_site")],
            )
            .await;
        r.expect(303);
        assert!(app
            .get(&format!("/third-parties/{id}"))
            .await
            .text()
            .contains("<h1>StackVerdict Reviews</h1>"));
        app.post_form(&format!("/third-parties/{id}/delete"), &[])
            .await
            .expect(303);
        app.get(&format!("/third-parties/{id}")).await.expect(404);
    });
}

#[test]
fn reviews_are_recorded_on_the_advocate_page_and_shown_there_and_on_the_third_party_page() {
    each_db(|app| async move {
        let acme = customer(&app, "Acme", 0).await;
        let site = created_id(
            &app.post_json(
                "/api/v1/third-parties",
                &json!({"name": "PeerGrid", "kind": "review_site"}),
            )
            .await,
        );
        let advocate = format!("/advocates/{}", acme.contact);
        let page = app.get(&advocate).await;
        page.expect(200);
        let body = page.text();
        assert!(body.contains("Reviews on third-party sites"));
        assert!(body.contains("No reviews recorded."));
        assert!(body.contains("PeerGrid (review site)"));

        let site_id = site.to_string();
        let r = app
            .post_form(
                &format!("{advocate}/reviews"),
                &[
                    ("third_party_id", site_id.as_str()),
                    ("reviewed_on", "2025-03-01"),
                    ("rating", "7"),
                    ("title", "Typed title"),
                    ("link", "peergrid"),
                ],
            )
            .await;
        r.expect(422);
        let body = r.text();
        has_error_beside(&body, "rating");
        has_error_beside(&body, "link");
        assert!(body.contains("value=\"Typed title\""));

        let r = app
            .post_form(
                &format!("{advocate}/reviews"),
                &[
                    ("third_party_id", site_id.as_str()),
                    ("reviewed_on", "2025-03-01"),
                    ("rating", "4"),
                    ("title", "Solid platform"),
                    ("link", "https://peergrid.example/r/1"),
                ],
            )
            .await;
        r.expect(303);
        assert_eq!(r.location(), format!("{advocate}?notice=created#reviews"));
        let body = app.get(&advocate).await.text();
        assert!(body.contains("Solid platform") && body.contains("★★★★☆"));
        let body = app.get(&format!("/third-parties/{site}")).await.text();
        assert!(body.contains("Solid platform") && body.contains("Acme Champion"));
        assert!(body.contains("average 4.0 of 5"));

        let reviews = app
            .get(&format!("/api/v1/reviews?contact_id={}", acme.contact))
            .await
            .json();
        assert_eq!(reviews["items"].as_array().unwrap().len(), 1);
        let review: &Value = &reviews["items"][0];
        assert_eq!(review["third_party_name"], "PeerGrid");
        assert_eq!(review["rating"], 4);
        let id = review["id"].as_i64().unwrap();
        let r = app
            .put_json(&format!("/api/v1/reviews/{id}"), &json!({"rating": 6}))
            .await;
        r.expect(422);
        assert_eq!(r.error_fields(), vec!["rating"]);
        let r = app
            .post_form(&format!("/reviews/{id}/delete"), &[("back", "third_party")])
            .await;
        r.expect(303);
        assert_eq!(
            r.location(),
            format!("/third-parties/{site}?notice=deleted")
        );
        app.get(&format!("/api/v1/reviews/{id}")).await.expect(404);
    });
}

#[test]
fn the_advocate_page_lists_the_stories_they_tell() {
    each_db(|app| async move {
        let acme = customer(&app, "Acme", 0).await;
        created_id(
            &app.post_json(
                "/api/v1/stories",
                &json!({"title": "Told by the champion", "account_id": acme.account, "contact_ids": [acme.contact], "stage": "decision"}),
            )
            .await,
        );
        let body = app
            .get(&format!("/advocates/{}", acme.contact))
            .await
            .text();
        assert!(body.contains("Stories they tell"));
        assert!(body.contains("Told by the champion"));
        assert!(body.contains("class=\"badge bad spin\""));
    });
}
