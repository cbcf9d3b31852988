//! Reference program operations over HTTP, on SQLite and (when configured) PostgreSQL:
//! consent per activity type (page and API), nominations (anyone nominates, promoters are
//! proposed, managers move them), feedback after an activity (the rep's form, the one-time
//! link that needs no sign-in and works once), the operations queue, the busy flag and the
//! loosened-criterion suggestions on the request page.

mod common;

use common::{each_db, texts_in, today, TestApp};
use peerstage_core::reference::RequestStatus;
use peerstage_core::Role;
use serde_json::json;

#[track_caller]
fn has_error_beside(body: &str, field: &str) {
    assert!(
        body.contains(&format!("id=\"f-{field}-error\"")),
        "no error beside {field} in {body}"
    );
}

async fn customer(app: &TestApp, name: &str, extra: serde_json::Value) -> (i64, i64) {
    let mut body =
        json!({"name": name, "industry": "Healthcare", "region": "emea", "employees": 800});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let account = app.create_account(body).await;
    let contact = app
        .create_under(
            account,
            "contacts",
            json!({"name": format!("{name} Champion"), "reference_consent": "yes"}),
        )
        .await;
    (account, contact)
}

/// A request made over the form by `app`'s user; returns its id.
async fn ask(app: &TestApp, pairs: &[(&str, &str)]) -> i64 {
    let r = app.post_form("/references", pairs).await;
    r.expect(303);
    r.location()
        .trim_start_matches("/references/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

async fn complete(app: &TestApp, id: i64, advocate: i64) {
    app.db(move |s| {
        let today = chrono::Utc::now().date_naive();
        for to in [
            RequestStatus::Proposed,
            RequestStatus::Asked,
            RequestStatus::Accepted,
            RequestStatus::Completed,
        ] {
            s.advance_request(id, to, Some(advocate), None, today)?;
        }
        Ok(())
    })
    .await;
}

#[test]
fn consent_per_activity_through_the_page_and_the_api() {
    each_db(|app| async move {
        let (_, c) = customer(&app, "Clinic", json!({})).await;
        let page = app.get(&format!("/contacts/{c}/consents")).await;
        page.expect(200);
        let body = page.text();
        assert!(
            body.contains("Logo use") && body.contains("general consent"),
            "{body}"
        );

        // Bad input: shown beside the fields, typed values kept.
        let r = app
            .post_form(
                &format!("/contacts/{c}/consents"),
                &[
                    ("activity", "podcast"),
                    ("consent", "yes"),
                    ("expires_on", "soon"),
                    ("note", "kept note"),
                ],
            )
            .await;
        r.expect(422);
        let body = r.text();
        has_error_beside(&body, "activity");
        has_error_beside(&body, "expires_on");
        assert!(body.contains("kept note"));

        let r = app
            .post_form(
                &format!("/contacts/{c}/consents"),
                &[
                    ("activity", "case_study"),
                    ("consent", "no"),
                    ("note", "legal says no"),
                ],
            )
            .await;
        r.expect(303);
        let body = app.get(r.location()).await.text();
        assert!(body.contains("Consent saved.") && body.contains("legal says no"));

        // A rep may read consent but not change it.
        let rep = app.identity("rep@test.example", Role::Sales).await;
        let rep = app.as_user(&rep);
        rep.get(&format!("/contacts/{c}/consents"))
            .await
            .expect(200);
        rep.post_form(
            &format!("/contacts/{c}/consents"),
            &[("activity", "logo"), ("consent", "yes")],
        )
        .await
        .expect(403);
        rep.put_json(
            &format!("/api/v1/contacts/{c}/consents"),
            &json!({"activity": "logo", "consent": "yes"}),
        )
        .await
        .expect(403);

        // The API: set with expiry, read back, bad input names the field, clear.
        let expires = (chrono::Utc::now().date_naive() + chrono::Duration::days(20)).to_string();
        let r = app
            .put_json(
                &format!("/api/v1/contacts/{c}/consents"),
                &json!({"activity": "video", "consent": "yes", "expires_on": expires}),
            )
            .await;
        r.expect(200);
        let items = r.json()["items"].as_array().unwrap().clone();
        let video = items.iter().find(|i| i["activity"] == "video").unwrap();
        assert_eq!(video["recorded"], true);
        assert_eq!(video["kind"], "published");
        assert_eq!(video["recorded_by"], "admin@test.example");
        let bad = app
            .put_json(
                &format!("/api/v1/contacts/{c}/consents"),
                &json!({"activity": "video", "consent": "maybe", "colour": "red"}),
            )
            .await;
        bad.expect(422);
        assert!(bad.error_fields().contains(&"colour".to_string()));
        let exp = app.get("/api/v1/consents/expiring?days=30").await;
        exp.expect(200);
        assert_eq!(exp.json()["items"][0]["days_left"], 20);
        assert!(app
            .get("/consents")
            .await
            .text()
            .contains("Clinic Champion"));
        app.get("/api/v1/consents/expiring?days=9999")
            .await
            .expect(422);
        app.delete(&format!("/api/v1/contacts/{c}/consents/case_study"))
            .await
            .expect(204);
        let got = app
            .get(&format!("/api/v1/contacts/{c}/consents"))
            .await
            .json();
        let case = got["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["activity"] == "case_study")
            .unwrap()
            .clone();
        assert_eq!(case["recorded"], false);
        assert_eq!(case["effective"], "yes");
        app.delete(&format!("/api/v1/contacts/{c}/consents/podcast"))
            .await
            .expect(422);
    });
}

#[test]
fn anyone_nominates_promoters_are_proposed_and_managers_move_nominations() {
    each_db(|app| async move {
        let (a, c) = customer(&app, "Clinic", json!({})).await;
        let promoter = app
            .create_under(a, "contacts", json!({"name": "Happy Promoter"}))
            .await;
        app.create_under(
            a,
            "nps",
            json!({"score": 10, "responded_on": today(), "contact_id": promoter}),
        )
        .await;
        let product = app.identity("pm@test.example", Role::Product).await;
        let pm = app.as_user(&product);

        // Product managers nominate through the page; errors sit beside the fields.
        let r = pm.post_form("/nominations", &[("contact_id", "")]).await;
        r.expect(422);
        has_error_beside(&r.text(), "contact_id");
        has_error_beside(&r.text(), "reason");
        let cs = c.to_string();
        let r = pm
            .post_form(
                "/nominations",
                &[
                    ("contact_id", cs.as_str()),
                    ("reason", "Runs the user group"),
                ],
            )
            .await;
        r.expect(303);
        let body = pm.get("/nominations?notice=created").await.text();
        assert!(
            body.contains("Runs the user group") && body.contains("Happy Promoter"),
            "{body}"
        );
        assert!(body.contains("NPS promoter"));
        // The list sorts by its headers.
        for (dir, first) in [("asc", "Clinic Champion"), ("desc", "Happy Promoter")] {
            let body = pm
                .get(&format!("/nominations?sort=contact&dir={dir}"))
                .await
                .text();
            let (a, b) = (
                body.find("Clinic Champion").unwrap(),
                body.find("Happy Promoter").unwrap(),
            );
            assert_eq!(
                if a < b {
                    "Clinic Champion"
                } else {
                    "Happy Promoter"
                },
                first
            );
            assert!(body.contains("aria-sort"));
        }
        // A viewer-like role sees no workflow buttons.
        assert!(!body.contains("/status\""));

        // Twice is a conflict on the field, through the API too.
        let dup = pm
            .post_json(
                "/api/v1/nominations",
                &json!({"contact_id": c, "reason": "again"}),
            )
            .await;
        dup.expect(409);
        let list = app.get("/api/v1/nominations").await.json();
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        let auto = items.iter().find(|n| n["contact_id"] == promoter).unwrap();
        assert_eq!(auto["source"], "nps_promoter");
        assert_eq!(auto["stale"], false);
        let id = auto["id"].as_i64().unwrap();

        // Only managers move them along, one step at a time.
        pm.post_json(
            &format!("/api/v1/nominations/{id}/status"),
            &json!({"status": "contacted"}),
        )
        .await
        .expect(403);
        let skip = app
            .post_json(
                &format!("/api/v1/nominations/{id}/status"),
                &json!({"status": "active"}),
            )
            .await;
        skip.expect(422);
        assert_eq!(skip.error_fields(), vec!["status".to_string()]);
        let r = app
            .post_form(
                &format!("/nominations/{id}/status"),
                &[("status", "contacted")],
            )
            .await;
        r.expect(303);
        let moved = app
            .post_json(
                &format!("/api/v1/nominations/{id}/status"),
                &json!({"status": "recruited", "note": "said yes at the summit"}),
            )
            .await;
        moved.expect(200);
        assert_eq!(moved.json()["status"], "recruited");
        let filtered = app.get("/api/v1/nominations?status=recruited").await.json();
        assert_eq!(filtered["items"].as_array().unwrap().len(), 1);
        app.get("/api/v1/nominations?status=bogus")
            .await
            .expect(422);
        // The stale limit is a program setting.
        let bad = app
            .put_json(
                "/api/v1/program/settings",
                &json!({"nomination_stale_days": 0}),
            )
            .await;
        bad.expect(422);
        assert_eq!(
            bad.error_fields(),
            vec!["nomination_stale_days".to_string()]
        );
        let ok = app
            .put_json(
                "/api/v1/program/settings",
                &json!({"nomination_stale_days": 21, "ask_wait_days": 3}),
            )
            .await;
        ok.expect(200);
        assert_eq!(ok.json()["nomination_stale_days"], 21);
        assert!(app
            .get("/advocates/settings")
            .await
            .text()
            .contains("value=\"21\""));
        // The contact and advocate pages lead here.
        let body = app.get(&format!("/contacts/{c}")).await.text();
        assert!(body.contains(&format!("/nominations?contact_id={c}")));
        let body = app.get(&format!("/advocates/{c}")).await.text();
        assert!(
            body.contains("Consent per activity") && body.contains("Logo use"),
            "{body}"
        );
    });
}

#[test]
fn feedback_after_the_activity_and_the_one_time_link() {
    each_db(|app| async move {
        let (_, advocate) = customer(&app, "Clinic", json!({})).await;
        let rep = app.identity("rep@test.example", Role::Sales).await;
        let rep = app.as_user(&rep);
        let other = app.identity("other@test.example", Role::Sales).await;
        let other = app.as_user(&other);
        let id = ask(
            &rep,
            &[
                ("prospect_name", "Prospect Co"),
                ("activity", "reference_call"),
            ],
        )
        .await;

        // Not completed yet: no feedback section, and feedback is refused.
        let body = rep.get(&format!("/references/{id}")).await.text();
        assert!(!body.contains("After the activity"));
        let early = rep
            .post_json(
                &format!("/api/v1/references/{id}/feedback"),
                &json!({"helped": true}),
            )
            .await;
        early.expect(422);
        // Refused for being early, not for sending true/false as JSON.
        assert!(!early.text().contains("expected text"), "{}", early.text());

        complete(&app, id, advocate).await;
        let body = rep.get(&format!("/references/{id}")).await.text();
        assert!(
            body.contains("After the activity") && body.contains("Unconfirmed"),
            "{body}"
        );
        assert!(
            !body.contains("Make a feedback link"),
            "reps do not make links"
        );

        // Another rep may not leave feedback on this request.
        other
            .post_form(&format!("/references/{id}/feedback"), &[("helped", "yes")])
            .await
            .expect(403);
        let r = rep
            .post_form(
                &format!("/references/{id}/feedback"),
                &[("prospect_asked", "Rollout time")],
            )
            .await;
        r.expect(422);
        has_error_beside(&r.text(), "helped");
        assert!(r.text().contains("Rollout time"));
        let r = rep
            .post_form(
                &format!("/references/{id}/feedback"),
                &[("helped", "yes"), ("prospect_asked", "Rollout time")],
            )
            .await;
        r.expect(303);
        let body = rep.get(&format!("/references/{id}")).await.text();
        assert!(body.contains("Confirmed") && body.contains("Rollout time"));

        // The manager makes a one-time link; the advocate uses it without signing in.
        rep.post_form(&format!("/references/{id}/feedback-link"), &[])
            .await
            .expect(403);
        let r = app
            .post_form(&format!("/references/{id}/feedback-link"), &[])
            .await;
        r.expect(200);
        assert_eq!(r.header(axum::http::header::CACHE_CONTROL), "no-store");
        let body = r.text();
        let start = body.find("/feedback/fb_").expect("the link is shown");
        let path: String = body[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '/' || *c == '_')
            .collect();
        let nobody = app.anonymous();
        let form = nobody.get(&path).await;
        form.expect(200);
        assert!(form.text().contains("Prospect Co") && form.text().contains("Clinic Champion"));
        let r = nobody.post_form(&path, &[("comments", "kept")]).await;
        r.expect(422);
        has_error_beside(&r.text(), "helped");
        assert!(r.text().contains("kept"));
        let r = nobody
            .post_form(
                &path,
                &[
                    ("helped", "yes"),
                    ("would_repeat", "no"),
                    ("comments", "Too long a call"),
                ],
            )
            .await;
        r.expect(200);
        assert!(r.text().contains("Thank you"));
        // Used once: a clear page, nothing recorded twice.
        let again = nobody.post_form(&path, &[("helped", "no")]).await;
        again.expect(410);
        assert!(again.text().contains("already been used"));
        nobody.get(&path).await.expect(410);
        nobody.get("/feedback/fb_madeup").await.expect(404);
        // Not a link: the sign-in redirect, never a form.
        let bare = nobody.get("/feedback/").await;
        assert!(bare.location().starts_with("/login"), "{}", bare.status);
        let got = app.get(&format!("/api/v1/references/{id}")).await.json();
        let fb = got["feedback"].as_array().unwrap();
        assert_eq!(fb.len(), 2);
        let adv = fb.iter().find(|f| f["side"] == "advocate").unwrap();
        assert_eq!(adv["would_repeat"], false);
        assert_eq!(adv["comments"], "Too long a call");
        assert_eq!(got["confirmed"], true);

        // The API makes links too, and a manager can confirm without feedback.
        let id2 = ask(
            &rep,
            &[
                ("prospect_name", "Second Co"),
                ("activity", "reference_call"),
            ],
        )
        .await;
        complete(&app, id2, advocate).await;
        let link = app
            .post_json(
                &format!("/api/v1/references/{id2}/feedback-link"),
                &json!({}),
            )
            .await;
        link.expect(201);
        assert!(link.json()["path"]
            .as_str()
            .unwrap()
            .starts_with("/feedback/fb_"));
        let report = app.get("/api/v1/program/report").await.json();
        assert_eq!(
            (report["confirmed"].clone(), report["unconfirmed"].clone()),
            (json!(1), json!(1))
        );
        let c = app
            .post_json(&format!("/api/v1/references/{id2}/confirm"), &json!({}))
            .await;
        c.expect(200);
        assert_eq!(c.json()["confirmed"], true);
        assert!(app
            .get("/references/report")
            .await
            .text()
            .contains("Confirmed activities"));
    });
}

#[test]
fn the_ops_view_busy_flags_and_loosened_suggestions() {
    each_db(|app| async move {
        let (_, busy) = customer(&app, "Berlin Clinic", json!({"country": "Germany"})).await;
        for n in ["Vienna One", "Vienna Two"] {
            customer(&app, n, json!({"country": "Austria"})).await;
        }
        // Busy: asked on one request, shown so on another.
        let first = ask(
            &app,
            &[
                ("prospect_name", "First"),
                ("activity", "reference_call"),
                ("industry", "Healthcare"),
                ("industry_required", "yes"),
            ],
        )
        .await;
        app.db(move |s| {
            let today = chrono::Utc::now().date_naive();
            s.advance_request(first, RequestStatus::Proposed, Some(busy), None, today)?;
            s.advance_request(first, RequestStatus::Asked, None, None, today)
        })
        .await;
        let second = ask(
            &app,
            &[
                ("prospect_name", "Second"),
                ("activity", "reference_call"),
                ("industry", "Healthcare"),
                ("industry_required", "yes"),
            ],
        )
        .await;
        let page = app.get(&format!("/references/{second}")).await.text();
        assert!(page.contains("Busy on another request"), "{page}");
        let m = app
            .get(&format!("/api/v1/references/{second}/candidates"))
            .await
            .json();
        let b = m["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["contact_id"] == busy)
            .unwrap()
            .clone();
        assert_eq!(b["busy_on"], json!([first]));

        // Nobody in Germany but the busy one, whose consent for case studies is "no".
        app.put_json(
            &format!("/api/v1/contacts/{busy}/consents"),
            &json!({"activity": "case_study", "consent": "no"}),
        )
        .await
        .expect(200);
        let gap = ask(
            &app,
            &[
                ("prospect_name", "Gap Co"),
                ("activity", "case_study"),
                ("country", "Germany"),
                ("country_required", "yes"),
                ("needed_by", &today()),
            ],
        )
        .await;
        let page = app.get(&format!("/references/{gap}")).await.text();
        assert!(
            page.contains("2 advocates match if country is widened to EMEA"),
            "{page}"
        );
        assert!(page.contains("country Germany: 2 advocates fit everything else"));
        assert!(page.contains("no consent for case study"));
        let m = app
            .get(&format!("/api/v1/references/{gap}/candidates"))
            .await
            .json();
        assert_eq!(m["loosened"][0]["change"], "country is widened to EMEA");
        assert_eq!(m["loosened"][0]["matches"], 2);
        // Matching without a request uses the activity's consent as well.
        let m = app
            .post_json(
                "/api/v1/references/match",
                &json!({"activity": "case_study", "country": "Germany", "country_required": "yes"}),
            )
            .await
            .json();
        assert_eq!(m["candidates"], json!([]));
        assert_eq!(m["loosened"][0]["matches"], 2);

        // The ops view: due today, no candidate, busy; only for managers.
        let ops = app.get("/api/v1/program/ops").await;
        ops.expect(200);
        let q = ops.json();
        assert_eq!(q["due_soon"][0]["id"], gap);
        assert_eq!(q["no_candidate"][0]["id"], gap);
        assert_eq!(q["busy"][0]["contact_id"], busy);
        let page = app.get("/references/ops").await;
        page.expect(200);
        let body = page.text();
        assert!(body.contains("Gap Co") && body.contains("Berlin Clinic Champion"));
        let rep = app.identity("rep@test.example", Role::Sales).await;
        app.as_user(&rep).get("/references/ops").await.expect(403);
        app.as_user(&rep)
            .get("/api/v1/program/ops")
            .await
            .expect(403);

        // Competitor replaced: on the account and as a criterion.
        let (acct, switcher) =
            customer(&app, "Switcher", json!({"competitor_replaced": "Oldsoft"})).await;
        let a = app.get(&format!("/api/v1/accounts/{acct}")).await.json();
        assert_eq!(a["competitor_replaced"], "Oldsoft");
        assert!(app
            .get(&format!("/accounts/{acct}"))
            .await
            .text()
            .contains("Replaced <strong>Oldsoft</strong>"));
        let m = app
            .post_json(
                "/api/v1/references/match",
                &json!({"competitor_replaced": "oldsoft", "competitor_replaced_required": "yes"}),
            )
            .await
            .json();
        assert_eq!(m["candidates"][0]["contact_id"], switcher);
        assert_eq!(m["candidates"].as_array().unwrap().len(), 1);
    });
}

#[test]
fn nominations_and_expiring_consents_sort_by_their_headers_and_page() {
    each_db(|app| async move {
        let day =
            |n: i64| (chrono::Utc::now().date_naive() + chrono::Duration::days(n)).to_string();
        let mut contacts = Vec::new();
        for (name, expires) in [("Delta", 9), ("alpha", 3), ("Charlie", -2), ("bravo", 20)] {
            let (_, c) = customer(&app, name, json!({})).await;
            app.post_json(
                "/api/v1/nominations",
                &json!({"contact_id": c, "reason": "ran the user group"}),
            )
            .await
            .expect(201);
            app.put_json(
                &format!("/api/v1/contacts/{c}/consents"),
                &json!({"activity": "logo", "consent": "yes", "given_on": day(-100), "expires_on": day(expires)}),
            )
            .await
            .expect(200);
            contacts.push(c);
        }
        let people = [
            "alpha Champion",
            "bravo Champion",
            "Charlie Champion",
            "Delta Champion",
        ];

        // Nominations: pages of two by contact (case ignored), the filter kept in links.
        let body = app
            .get("/nominations?status=nominated&sort=contact&per_page=2")
            .await
            .text();
        assert_eq!(
            texts_in(&body, &people),
            ["alpha Champion", "bravo Champion"]
        );
        assert!(body.contains("4 in all · page 1 of 2"), "{body}");
        assert!(body.contains("4 nominations"), "{body}");
        assert!(
            body.contains(
                "href=\"/nominations?status=nominated&amp;sort=contact&amp;per_page=2&amp;page=2\""
            ),
            "{body}"
        );
        assert!(
            body.contains("href=\"/nominations?status=nominated&amp;per_page=2&amp;sort=contact&amp;dir=desc\""),
            "{body}"
        );
        let body = app
            .get("/nominations?status=nominated&sort=contact&per_page=2&page=2")
            .await
            .text();
        assert_eq!(
            texts_in(&body, &people),
            ["Charlie Champion", "Delta Champion"]
        );
        let body = app
            .get("/nominations?sort=account&dir=desc&per_page=1")
            .await
            .text();
        assert_eq!(texts_in(&body, &people), ["Delta Champion"]);
        app.get("/nominations?sort=reason").await.expect(400);
        let v = app
            .get("/api/v1/nominations?sort=contact&dir=desc&per_page=3&page=2")
            .await
            .json();
        assert_eq!(
            (
                v["total"].as_i64(),
                v["page"].as_i64(),
                v["per_page"].as_i64()
            ),
            (Some(4), Some(2), Some(3))
        );
        assert_eq!(v["stale"], 0);
        assert_eq!(v["items"].as_array().unwrap().len(), 1);
        assert_eq!(v["items"][0]["contact_name"], "alpha Champion");
        let r = app.get("/api/v1/nominations?dir=sideways").await;
        r.expect(422);
        assert_eq!(r.error_fields(), ["dir"]);

        // Expiring consents: soonest first without a sort (the expired one first of all).
        let body = app.get("/consents").await.text();
        assert_eq!(
            texts_in(&body, &people),
            [
                "Charlie Champion",
                "alpha Champion",
                "Delta Champion",
                "bravo Champion"
            ]
        );
        let body = app
            .get("/consents?days=10&sort=contact&dir=desc&per_page=2")
            .await
            .text();
        assert_eq!(
            texts_in(&body, &people),
            ["Delta Champion", "Charlie Champion"]
        );
        assert!(body.contains("3 in all · page 1 of 2"), "{body}");
        assert!(
            body.contains("href=\"/consents?days=10&amp;sort=contact&amp;dir=desc&amp;per_page=2&amp;page=2\""),
            "{body}"
        );
        assert!(body.contains("name=\"sort\" value=\"contact\""));
        let body = app
            .get("/consents?days=10&sort=contact&dir=desc&per_page=2&page=2")
            .await
            .text();
        assert_eq!(texts_in(&body, &people), ["alpha Champion"]);
        app.get("/consents?sort=recorded_by").await.expect(400);
        let v = app
            .get("/api/v1/consents/expiring?sort=expires&dir=desc&per_page=1&page=2")
            .await
            .json();
        assert_eq!(
            (v["total"].as_i64(), v["days"].as_i64()),
            (Some(4), Some(30))
        );
        assert_eq!(v["items"][0]["contact_id"], contacts[0]);
        let r = app.get("/api/v1/consents/expiring?sort=shoe").await;
        r.expect(422);
        assert_eq!(r.error_fields(), ["sort"]);
    });
}

#[test]
fn each_ops_list_of_requests_opens_on_its_own_sorted_and_paged() {
    each_db(|app| async move {
        let day =
            |n: i64| (chrono::Utc::now().date_naive() + chrono::Duration::days(n)).to_string();
        for (name, needed) in [("Ops Bee", 2), ("Ops Ant", 0), ("Ops Cat", 1)] {
            ask(
                &app,
                &[
                    ("prospect_name", name),
                    ("activity", "reference_call"),
                    ("needed_by", &day(needed)),
                ],
            )
            .await;
        }
        let order = |body: &str| {
            let mut found: Vec<(usize, &str)> = ["Ops Ant", "Ops Bee", "Ops Cat"]
                .iter()
                .filter_map(|n| body.find(&format!(" {n}</a>")).map(|i| (i, *n)))
                .collect();
            found.sort();
            found.into_iter().map(|(_, n)| n).collect::<Vec<_>>()
        };
        let body = app.get("/references/ops").await.text();
        assert!(body.contains("href=\"/references/ops?list=due\""), "{body}");
        // Soonest first without a sort.
        let body = app.get("/references/ops?list=due").await.text();
        assert_eq!(order(&body), ["Ops Ant", "Ops Cat", "Ops Bee"]);
        // Newest request first, two a page, the list kept in every link.
        let body = app
            .get("/references/ops?list=due&sort=request&dir=desc&per_page=2")
            .await
            .text();
        assert_eq!(order(&body), ["Ops Cat", "Ops Ant"]);
        assert!(body.contains("3 in all · page 1 of 2"), "{body}");
        assert!(body.contains("3 requests ·"), "{body}");
        assert!(
            body.contains("href=\"/references/ops?list=due&amp;sort=request&amp;dir=desc&amp;per_page=2&amp;page=2\""),
            "{body}"
        );
        assert!(
            body.contains(
                "href=\"/references/ops?list=due&amp;per_page=2&amp;sort=request&amp;dir=asc\""
            ),
            "{body}"
        );
        let body = app
            .get("/references/ops?list=due&sort=request&dir=desc&per_page=2&page=2")
            .await
            .text();
        assert_eq!(order(&body), ["Ops Bee"]);
        let body = app
            .get("/references/ops?list=due&sort=days&dir=desc")
            .await
            .text();
        assert_eq!(order(&body), ["Ops Bee", "Ops Cat", "Ops Ant"]);
        app.get("/references/ops?list=everything").await.expect(400);
        app.get("/references/ops?list=due&sort=r.id")
            .await
            .expect(400);
        let rep = app.identity("rep@test.example", Role::Sales).await;
        app.as_user(&rep)
            .get("/references/ops?list=due")
            .await
            .expect(403);
    });
}

#[test]
fn the_profitable_trait_shows_no_strength_or_points_to_roles_without_financial_access() {
    each_db(|app| async move {
        let (_, advocate) = customer(
            &app,
            "Margin Clinic",
            json!({"lifecycle": "customer", "annual_revenue": 92500, "cost_to_serve": 50700}),
        )
        .await;
        let profitable = |v: &serde_json::Value| {
            v["score"]["traits"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["trait"] == "profitable")
                .cloned()
                .unwrap()
        };
        let uri = format!("/api/v1/advocates/{advocate}");
        // Strength is 0.5 + margin ÷ revenue: with revenue readable, it gave the margin away.
        let full = profitable(&app.get(&uri).await.json());
        assert!(full["strength"].as_f64().unwrap() > 0.9, "{full}");
        let rep = app.identity("rep-margin@test.example", Role::Sales).await;
        let rep = app.as_user(&rep);
        let seen = profitable(&rep.get(&uri).await.json());
        assert!(
            seen.get("strength").is_none() && seen.get("points").is_none(),
            "{seen}"
        );
        assert_eq!(seen["profitable"], true);
        assert_eq!(seen["because"], "the account is profitable");
        let listed = rep.get("/api/v1/advocates").await.json();
        let row = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["candidate"]["contact_id"] == advocate)
            .cloned()
            .unwrap();
        assert!(profitable(&row).get("strength").is_none());
        let page = rep.get(&format!("/advocates/{advocate}")).await.text();
        assert!(
            page.contains("title=\"Shown to roles with financial access\""),
            "{page}"
        );
    });
}

#[test]
fn an_incentive_or_activity_with_a_bad_value_is_refused_not_stored_as_zero() {
    each_db(|app| async move {
        let (_, advocate) = customer(&app, "Gift Clinic", json!({"lifecycle": "customer"})).await;
        let uri = format!("/api/v1/advocates/{advocate}/incentives");
        for value in [json!("abc"), json!("-50"), json!(-7)] {
            let r = app
                .post_json(
                    &uri,
                    &json!({"kind": "gift", "given_on": "2026-01-05", "description": "A mug", "value": value}),
                )
                .await;
            r.expect(422);
            assert_eq!(r.error_fields(), ["value"], "{value}");
        }
        app.post_json(
            &uri,
            &json!({"kind": "gift", "given_on": "2026-01-05", "description": "A mug", "value": 25}),
        )
        .await
        .expect(201);
        let long = "x".repeat(2001);
        let r = app
            .post_json(
                &format!("/api/v1/advocates/{advocate}/activities"),
                &json!({"opportunity": "case_study", "occurred_on": "2026-01-05", "notes": long}),
            )
            .await;
        r.expect(422);
        assert_eq!(r.error_fields(), ["notes"]);
    });
}
