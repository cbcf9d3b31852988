//! Customer events (D1–D8) over HTTP, on SQLite and (when configured) PostgreSQL: planning
//! with the pages (errors beside fields, refused overlaps), stage checks on the agenda page
//! and in JSON, guests and their CSV, the briefing pack page with its sections, quick
//! capture, outcomes, community presenters, iCalendar, and who may do what.

mod common;

use common::{each_db, Resp, TestApp};
use peerstage_core::Role;
use serde_json::{json, Value};

fn created_id(r: &Resp) -> i64 {
    r.expect(201);
    r.json()["id"].as_i64().expect("an id")
}

#[track_caller]
fn has_error_beside(body: &str, field: &str) {
    assert!(
        body.contains(&format!("id=\"f-{field}-error\"")),
        "no error beside {field} in {body}"
    );
}

struct Plan {
    event: i64,
    main: i64,
    side: i64,
    ann: i64,
    acme: i64,
}

/// An event with a main stage and a side room, and a customer contact, made with the API.
async fn plan(app: &TestApp) -> Plan {
    let acme = app
        .create_account(json!({"name": "Acme", "industry": "Retail", "owner": "Rita Rep", "at_risk": true, "at_risk_reason": "Outage in March"}))
        .await;
    let ann = app
        .create_under(
            acme,
            "contacts",
            json!({"name": "Ann Able", "title": "CIO", "reference_consent": "yes"}),
        )
        .await;
    let event = created_id(
        &app.post_json(
            "/api/v1/events",
            &json!({"name": "Summit", "kind": "conference", "starts_on": "2026-12-01", "time_zone": "Europe/Oslo", "city": "Oslo"}),
        )
        .await,
    );
    let main = created_id(
        &app.post_json(
            &format!("/api/v1/events/{event}/rooms"),
            &json!({"name": "Main hall", "main_stage": true}),
        )
        .await,
    );
    let side = created_id(
        &app.post_json(
            &format!("/api/v1/events/{event}/rooms"),
            &json!({"name": "Side room"}),
        )
        .await,
    );
    Plan {
        event,
        main,
        side,
        ann,
        acme,
    }
}

#[allow(clippy::too_many_arguments)]
async fn session(
    app: &TestApp,
    p: &Plan,
    room: i64,
    title: &str,
    start: &str,
    end: &str,
    format: &str,
    focus: &str,
) -> i64 {
    created_id(
        &app.post_json(
            &format!("/api/v1/events/{}/sessions", p.event),
            &json!({"room_id": room, "title": title, "start": start, "end": end, "format": format, "focus": focus}),
        )
        .await,
    )
}

fn check<'a>(agenda: &'a Value, code: &str) -> &'a Value {
    agenda["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == code)
        .unwrap_or_else(|| panic!("no check {code}"))
}

#[test]
fn planning_with_the_api_checks_the_stage_and_refuses_clashes() {
    each_db(|app| async move {
        let p = plan(&app).await;
        let keynote = session(
            &app, &p, p.main, "Keynote", "09:00", "10:00", "keynote", "roadmap",
        )
        .await;
        let fireside = session(
            &app,
            &p,
            p.main,
            "Fireside",
            "10:00",
            "10:30",
            "fireside",
            "customer_issues",
        )
        .await;
        session(
            &app, &p, p.main, "Demo", "10:30", "11:00", "demo", "roadmap",
        )
        .await;
        let work = session(
            &app,
            &p,
            p.side,
            "Workshop",
            "09:30",
            "10:30",
            "workshop",
            "customer_issues",
        )
        .await;
        app.post_json(
            &format!("/api/v1/sessions/{keynote}/speakers"),
            &json!({"kind": "staff", "name": "Cee Eo"}),
        )
        .await
        .expect(201);
        app.post_json(
            &format!("/api/v1/sessions/{fireside}/speakers"),
            &json!({"kind": "customer", "contact_id": p.ann}),
        )
        .await
        .expect(201);

        // Clashes are 422 with the field and the reason.
        let r = app
            .post_json(
                &format!("/api/v1/events/{}/sessions", p.event),
                &json!({"room_id": p.main, "title": "Clash", "start": "10:15", "end": "10:45", "format": "demo"}),
            )
            .await;
        r.expect(422);
        assert_eq!(r.error_fields(), vec!["room_id"]);
        let r = app
            .post_json(
                &format!("/api/v1/sessions/{work}/speakers"),
                &json!({"kind": "customer", "contact_id": p.ann}),
            )
            .await;
        r.expect(422);
        assert_eq!(r.error_fields(), vec!["contact_id"]);
        assert!(r.text().contains("Ann Able speaks in"), "{}", r.text());
        // Bad input says where and why.
        let r = app
            .post_json(
                &format!("/api/v1/events/{}/sessions", p.event),
                &json!({"room_id": p.main, "title": "Late", "day": "2027-01-01", "start": "9am", "end": "10:00", "format": "talk"}),
            )
            .await;
        r.expect(422);
        let mut fields = r.error_fields();
        fields.sort();
        assert_eq!(fields, vec!["day", "format", "start"]);
        let r = app.post_json("/api/v1/events", &json!({"name": "X", "kind": "conference", "starts_on": "2026-12-01", "time_zone": "Mars/Base", "colour": "red"})).await;
        r.expect(422);
        let r = app.post_json("/api/v1/events", &json!({"name": "X", "kind": "conference", "starts_on": "2026-12-01", "time_zone": "Mars/Base"})).await;
        r.expect(422);
        assert_eq!(r.error_fields(), vec!["time_zone"]);

        let agenda = app.get(&format!("/api/v1/events/{}/agenda", p.event)).await;
        agenda.expect(200);
        let a = agenda.json();
        assert_eq!(a["sessions"].as_array().unwrap().len(), 4);
        assert_eq!(a["problems"].as_array().unwrap().len(), 0);
        let s = check(&a, "main_stage_sessions");
        assert_eq!(
            (s["share"].as_f64(), s["status"].as_str()),
            (Some(1.0 / 3.0), Some("ok"))
        );
        let m = check(&a, "main_stage_minutes");
        assert_eq!(
            (m["share"].as_f64(), m["status"].as_str()),
            (Some(0.25), Some("failed"))
        );
        // The target is configurable per event.
        let r = app
            .put_json(
                &format!("/api/v1/events/{}", p.event),
                &json!({"customer_target": "50%"}),
            )
            .await;
        r.expect(200);
        assert_eq!(r.json()["customer_target"], 0.5);
        let a = app
            .get(&format!("/api/v1/events/{}/agenda", p.event))
            .await
            .json();
        assert_eq!(check(&a, "main_stage_sessions")["status"], "failed");

        // iCalendar for the event and one session.
        let ics = app.get(&format!("/api/v1/events/{}/ics", p.event)).await;
        ics.expect(200);
        assert!(ics.content_type().starts_with("text/calendar"));
        let body = ics.text();
        assert_eq!(body.matches("BEGIN:VEVENT").count(), 5);
        assert!(body.contains("DTSTART;TZID=Europe/Oslo:20261201T100000\r\n"));
        let one = app.get(&format!("/api/v1/sessions/{fireside}/ics")).await;
        one.expect(200);
        assert_eq!(one.text().matches("BEGIN:VEVENT").count(), 1);
        let page_ics = app
            .get(&format!(
                "/events/{}/sessions/{fireside}/calendar.ics",
                p.event
            ))
            .await;
        page_ics.expect(200);
        assert!(page_ics
            .header(axum::http::header::CONTENT_DISPOSITION)
            .contains("fireside.ics"));

        // The list, and deleting.
        let list = app.get("/api/v1/events").await.json();
        assert_eq!(list["items"][0]["id"], p.event);
        assert_eq!(list["items"][0]["sessions"], 4);
        app.delete(&format!("/api/v1/sessions/{work}"))
            .await
            .expect(204);
        app.get(&format!("/api/v1/sessions/{work}"))
            .await
            .expect(404);
        app.get("/api/v1/events/999999/agenda").await.expect(404);
        app.get("/api/v1/events/abc").await.expect(404);
    });
}

#[test]
fn the_pages_plan_an_event_and_show_the_checks_as_the_agenda_changes() {
    each_db(|app| async move {
        let acme = app
            .create_account(json!({"name": "Acme", "industry": "Retail"}))
            .await;
        let ann = app
            .create_under(
                acme,
                "contacts",
                json!({"name": "Ann Able", "reference_consent": "yes"}),
            )
            .await;
        // Bad input keeps what was typed and says why beside the field.
        let r = app
            .post_form(
                "/events",
                &[
                    ("name", "Summit"),
                    ("kind", "conference"),
                    ("starts_on", "2026-12-02"),
                    ("ends_on", "2026-12-01"),
                    ("time_zone", "Europe/Nowhere"),
                ],
            )
            .await;
        r.expect(422);
        let body = r.text();
        has_error_beside(&body, "ends_on");
        has_error_beside(&body, "time_zone");
        assert!(body.contains("value=\"Europe/Nowhere\""));
        let r = app
            .post_form(
                "/events",
                &[
                    ("name", "Summit"),
                    ("kind", "conference"),
                    ("starts_on", "2026-12-01"),
                    ("time_zone", "Europe/Oslo"),
                    ("customer_target", "1/3"),
                ],
            )
            .await;
        r.expect(303);
        let id: i64 = r
            .location()
            .trim_start_matches("/events/")
            .split('?')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        app.post_form(
            &format!("/events/{id}/rooms"),
            &[("name", "Main hall"), ("main_stage", "true")],
        )
        .await
        .expect(303);
        app.post_form(
            &format!("/events/{id}/rooms"),
            &[("name", "Side room"), ("main_stage", "false")],
        )
        .await
        .expect(303);
        let r = app
            .post_form(&format!("/events/{id}/rooms"), &[("name", "main hall")])
            .await;
        r.expect(422);
        has_error_beside(&r.text(), "name");
        let rooms = app.get(&format!("/api/v1/events/{id}")).await.json()["rooms"].clone();
        let main = rooms[0]["id"].as_i64().unwrap();
        let side = rooms[1]["id"].as_i64().unwrap();
        let m = main.to_string();
        let sd = side.to_string();
        app.post_form(
            &format!("/events/{id}/sessions"),
            &[
                ("title", "Keynote"),
                ("room_id", &m),
                ("format", "keynote"),
                ("focus", "roadmap"),
                ("start", "09:00"),
                ("end", "10:00"),
            ],
        )
        .await
        .expect(303);
        app.post_form(
            &format!("/events/{id}/sessions"),
            &[
                ("title", "Customer workshop"),
                ("room_id", &sd),
                ("format", "workshop"),
                ("focus", "customer_issues"),
                ("start", "10:00"),
                ("end", "11:00"),
            ],
        )
        .await
        .expect(303);
        // A clash on the main stage: refused beside the room, with the typed title kept.
        let r = app
            .post_form(
                &format!("/events/{id}/sessions"),
                &[
                    ("title", "Clashing demo"),
                    ("room_id", &m),
                    ("format", "demo"),
                    ("start", "09:30"),
                    ("end", "10:30"),
                ],
            )
            .await;
        r.expect(422);
        let body = r.text();
        has_error_beside(&body, "room_id");
        assert!(body.contains("value=\"Clashing demo\""));

        let a = app.get(&format!("/api/v1/events/{id}/agenda")).await.json();
        let work = a["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["title"] == "Customer workshop")
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        let r = app
            .post_form(
                &format!("/events/{id}/speakers"),
                &[
                    ("session_id", &work.to_string()),
                    ("kind", "customer"),
                    ("contact_id", &ann.to_string()),
                ],
            )
            .await;
        r.expect(303);
        // A customer speaker without a contact: beside the contact field.
        let r = app
            .post_form(
                &format!("/events/{id}/speakers"),
                &[("session_id", &work.to_string()), ("kind", "customer")],
            )
            .await;
        r.expect(422);
        assert!(
            r.text().contains("Customer contact is required"),
            "{}",
            r.text()
        );

        // The agenda page: grid by room and time, and the side-room check failing.
        let page = app.get(&format!("/events/{id}")).await;
        page.expect(200);
        let body = page.text();
        assert!(body.contains("Main hall") && body.contains("Side room"));
        assert!(
            body.contains("id=\"check-side_rooms\" data-status=\"failed\""),
            "{body}"
        );
        assert!(body.contains("All 1 sessions with customers speaking are in side rooms"));
        assert!(body.contains("id=\"check-main_stage_sessions\" data-status=\"failed\""));
        assert!(body.contains(&format!("data-session=\"{work}\"")));

        // Moving the workshop to the main stage fixes it; the page shows that at once.
        let r = app
            .post_form(
                &format!("/events/{id}/sessions/{work}"),
                &[
                    ("title", "Customer workshop"),
                    ("room_id", &m),
                    ("format", "workshop"),
                    ("focus", "customer_issues"),
                    ("start", "10:00"),
                    ("end", "11:00"),
                ],
            )
            .await;
        r.expect(303);
        let body = app.get(&format!("/events/{id}")).await.text();
        assert!(
            body.contains("id=\"check-side_rooms\" data-status=\"ok\""),
            "{body}"
        );
        assert!(body.contains("id=\"check-main_stage_sessions\" data-status=\"ok\""));

        // The session page, the printable agenda, the list.
        let sp = app.get(&format!("/events/{id}/sessions/{work}")).await;
        sp.expect(200);
        assert!(sp.text().contains("Ann Able"));
        let print = app.get(&format!("/events/{id}/print")).await;
        print.expect(200);
        assert!(print.text().contains("@media print"));
        assert!(print.text().contains("Customer workshop"));
        let list = app.get("/events").await;
        list.expect(200);
        assert!(list.text().contains(&format!("href=\"/events/{id}\"")));
        app.get(&format!("/events/{id}/sessions/999999"))
            .await
            .expect(404);
    });
}

#[test]
fn guests_briefing_capture_outcomes_and_community() {
    each_db(|app| async move {
        let p = plan(&app).await;
        let newco = app.create_account(json!({"name": "Newco", "lifecycle": "customer", "customer_since": "2027-01-15", "annual_revenue": 40000, "industry": "Retail"})).await;
        let ned = app
            .create_under(newco, "contacts", json!({"name": "Ned New"}))
            .await;
        app.create_under(
            p.acme,
            "commitments",
            json!({"description": "Send the outage report", "owner": "Rita Rep"}),
        )
        .await;
        app.create_under(p.acme, "nps", json!({"score": 4, "responded_on": "2026-10-01", "comment": "Too many outages", "contact_id": p.ann})).await;

        let g = app.post_json(&format!("/api/v1/events/{}/guests", p.event), &json!({"contact_id": p.ann, "key_guest": true, "rsvp": "yes", "wants_to_meet": "Newco"})).await;
        let ann_guest = created_id(&g);
        assert_eq!(g.json()["rep"], "Rita Rep");
        assert_eq!(g.json()["at_risk_reason"], "Outage in March");
        app.post_json(
            &format!("/api/v1/events/{}/guests", p.event),
            &json!({"contact_id": p.ann}),
        )
        .await
        .expect(409);
        // The page form adds a guest.
        let r = app
            .post_form(
                &format!("/events/{}/guests", p.event),
                &[("contact_id", &ned.to_string()), ("rsvp", "yes")],
            )
            .await;
        r.expect(303);
        let r = app
            .post_form(
                &format!("/events/{}/guests", p.event),
                &[("contact_id", "abc")],
            )
            .await;
        r.expect(422);
        has_error_beside(&r.text(), "contact_id");
        // A whole account: its contacts not on the list yet.
        let bea = app
            .create_under(p.acme, "contacts", json!({"name": "Bea Acme"}))
            .await;
        app.create_under(
            p.acme,
            "contacts",
            json!({"name": "Do Not", "do_not_contact": true}),
        )
        .await;
        let r = app
            .post_json(
                &format!("/api/v1/events/{}/guests/account", p.event),
                &json!({"account_id": p.acme}),
            )
            .await;
        r.expect(201);
        assert_eq!(r.json()["added"], 1);
        assert_eq!(r.json()["items"][0]["contact_id"], bea);
        app.post_json(
            &format!("/api/v1/events/{}/guests/account", p.event),
            &json!({"account_id": "x"}),
        )
        .await
        .expect(422);
        let r = app
            .post_form(
                &format!("/events/{}/guests/account", p.event),
                &[("account_id", &p.acme.to_string())],
            )
            .await;
        r.expect(303);
        let search = app
            .get(&format!("/events/{}/guests?q=Acme", p.event))
            .await
            .text();
        assert!(search.contains("Invite its contacts"));
        let bea_guest = app
            .get(&format!("/api/v1/events/{}/guests", p.event))
            .await
            .json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["contact_id"] == bea)
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        app.delete(&format!("/api/v1/guests/{bea_guest}"))
            .await
            .expect(204);
        // Attendance through the API.
        app.put_json(
            &format!("/api/v1/guests/{ann_guest}"),
            &json!({"attended": true}),
        )
        .await
        .expect(200);
        let guests = app
            .get(&format!("/api/v1/events/{}/guests", p.event))
            .await
            .json();
        let ned_guest = guests["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["contact_id"] == ned)
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        app.put_json(
            &format!("/api/v1/guests/{ned_guest}"),
            &json!({"attended": "yes"}),
        )
        .await
        .expect(200);
        let r = app
            .put_json(
                &format!("/api/v1/guests/{ned_guest}"),
                &json!({"rsvp": "no"}),
            )
            .await;
        r.expect(422);
        assert_eq!(r.error_fields(), vec!["attended"]);

        let page = app.get(&format!("/events/{}/guests", p.event)).await;
        page.expect(200);
        let body = page.text();
        assert!(body.contains("at risk") && body.contains("Outage in March"));
        assert!(body.contains("Rita Rep"));
        assert!(
            body.contains("Ned New (Newco, guest)"),
            "introductions: {body}"
        );
        // The list sorts by its columns.
        let by_name = |desc: bool| {
            let app = app.clone();
            let ev = p.event;
            async move {
                let body = app
                    .get(&format!(
                        "/events/{ev}/guests?sort=guest&dir={}",
                        if desc { "desc" } else { "asc" }
                    ))
                    .await
                    .text();
                body.find("Ned New").unwrap() < body.find("Ann Able").unwrap()
            }
        };
        assert!(by_name(true).await);
        assert!(!by_name(false).await);
        let csv = app.get(&format!("/events/{}/guests.csv", p.event)).await;
        csv.expect(200);
        assert!(csv.content_type().starts_with("text/csv"));
        assert!(csv.text().starts_with("guest_id,contact_id,name"));
        assert_eq!(csv.text().lines().count(), 3);
        let intro = app
            .get(&format!("/api/v1/events/{}/introductions", p.event))
            .await
            .json();
        assert_eq!(intro["items"][0]["rep"], "Rita Rep");

        // Quick capture: a form post becomes evidence linked to the event.
        let cap = app.get(&format!("/events/{}/capture", p.event)).await;
        cap.expect(200);
        assert!(cap
            .text()
            .contains("Recommends an event, blog or community"));
        let r = app
            .post_form(
                &format!("/events/{}/capture", p.event),
                &[
                    ("contact_id", &p.ann.to_string()),
                    ("kind", "wish"),
                    ("text", "Wants exports overnight"),
                ],
            )
            .await;
        r.expect(303);
        assert!(r.location().contains(&format!("contact_id={}", p.ann)));
        let r = app
            .post_form(
                &format!("/events/{}/capture", p.event),
                &[("contact_id", &p.ann.to_string()), ("text", "")],
            )
            .await;
        r.expect(422);
        has_error_beside(&r.text(), "text");
        assert!(r.text().contains("Kind is required"));
        let n = app.post_json(&format!("/api/v1/events/{}/notes", p.event), &json!({"contact_id": p.ann, "kind": "problem", "text": "Nightly sync drops orders"})).await;
        n.expect(201);
        assert_eq!(n.json()["kind"], "problem");
        assert_eq!(n.json()["event_id"], p.event);
        let notes = app
            .get(&format!("/api/v1/events/{}/notes", p.event))
            .await
            .json();
        assert_eq!(notes["items"].as_array().unwrap().len(), 2);

        // The briefing pack page has every section.
        let b = app
            .get(&format!("/events/{}/briefing/{}", p.event, p.ann))
            .await;
        b.expect(200);
        let body = b.text();
        for section in [
            "account",
            "touchpoints",
            "commitments",
            "nps",
            "wishes",
            "problems",
            "themes",
            "questions",
        ] {
            assert!(
                body.contains(&format!("<section id=\"{section}\">")),
                "no {section} section"
            );
        }
        assert!(body.contains("Send the outage report"));
        assert!(body.contains("Too many outages"));
        assert!(body.contains("Wants exports overnight"));
        assert!(body.contains("Nightly sync drops orders"));
        assert!(body.contains("@media print"));
        assert!(
            !body.contains("⚠"),
            "a suggested question failed the linter"
        );
        let bj = app
            .get(&format!("/api/v1/events/{}/briefing/{}", p.event, p.ann))
            .await
            .json();
        assert_eq!(bj["nps_score"], 4);
        app.get(&format!("/events/{}/briefing/{}", p.event, 999999))
            .await
            .expect(404);

        // Outcomes: Newco became a customer after the event.
        let o = app
            .get(&format!("/api/v1/events/{}/outcomes", p.event))
            .await
            .json();
        assert_eq!(
            (o["prospects"].as_i64(), o["conversion_rate"].as_f64()),
            (Some(1), Some(1.0))
        );
        assert_eq!(o["revenue_influenced"], 40000);
        let page = app.get(&format!("/events/{}/outcomes", p.event)).await;
        page.expect(200);
        assert!(page.text().contains("100.0%"));

        // Community: a city is needed.
        let cities = app.get("/api/v1/community").await;
        cities.expect(200);
        assert!(cities.json()["cities"].is_array());
        let c = app.get("/api/v1/community?city=Oslo&topic=retail").await;
        c.expect(200);
        assert!(c.json()["items"].is_array());
        app.get("/community?city=Oslo").await.expect(200);
    });
}

#[test]
fn roles_plan_capture_and_read_as_documented() {
    each_db(|app| async move {
        let p = plan(&app).await;
        app.post_json(
            &format!("/api/v1/events/{}/guests", p.event),
            &json!({"contact_id": p.ann}),
        )
        .await
        .expect(201);
        let sales = app.as_user(&app.identity("rep@example.com", Role::Sales).await);
        let viewer = app.as_user(&app.identity("viewer@example.com", Role::Viewer).await);
        // Sales may capture notes, not plan.
        sales.post_json(&format!("/api/v1/events/{}/notes", p.event), &json!({"contact_id": p.ann, "kind": "language", "text": "They call it 'the nightly'"})).await.expect(201);
        sales
            .post_json(
                "/api/v1/events",
                &json!({"name": "Mine", "kind": "roundtable", "starts_on": "2026-12-01"}),
            )
            .await
            .expect(403);
        sales
            .post_form(&format!("/events/{}/rooms", p.event), &[("name", "Closet")])
            .await
            .expect(403);
        sales
            .get(&format!("/events/{}/capture", p.event))
            .await
            .expect(200);
        // Viewers read, and do not capture.
        viewer
            .get(&format!("/events/{}", p.event))
            .await
            .expect(200);
        viewer
            .get(&format!("/events/{}/capture", p.event))
            .await
            .expect(403);
        viewer
            .post_json(
                &format!("/api/v1/events/{}/notes", p.event),
                &json!({"contact_id": p.ann, "kind": "wish", "text": "x"}),
            )
            .await
            .expect(403);
        // The dashboard's stage balance is for those who plan events.
        let home = app.get("/").await;
        home.expect(200);
        assert!(home.text().contains("id=\"stage-balance\""));
        assert!(home.text().contains("Stage balance of events"));
        assert!(!sales.get("/").await.text().contains("stage-balance"));
        let body = viewer.get(&format!("/events/{}", p.event)).await.text();
        assert!(!body.contains("Add a session"));
        assert!(!body.contains("Quick capture"));
    });
}
