//! The OpenAPI 3.1 document for /api/v1, built from the same field lists the validators use.

use axum::Json;
use peerstage_core::account::ACCOUNT_FIELDS;
use peerstage_core::commitment::COMMITMENT_FIELDS;
use peerstage_core::contact::CONTACT_FIELDS;
use peerstage_core::import::ImportKind;
use peerstage_core::nps::NPS_FIELDS;
use peerstage_core::touchpoint::TOUCHPOINT_FIELDS;
use serde_json::{json, Map, Value};

pub(crate) fn input_schema(fields: &[&str], required: &[&str]) -> Value {
    let mut props = Map::new();
    for f in fields {
        let schema = match *f {
            "employees" | "audience_size" | "annual_revenue" | "cost_to_serve" | "discount"
            | "score" | "contact_id" => json!({"type": ["integer", "string"]}),
            "at_risk" | "do_not_contact" | "helped" | "would_repeat" => {
                json!({"type": ["boolean", "string"]})
            }
            "products" | "topics" | "languages" | "contact_ids" => {
                json!({"oneOf": [{"type": "array", "items": {"type": ["string", "integer"]}}, {"type": "string", "description": "separated by ;"}]})
            }
            "customer_since" | "renewal_date" | "occurred_on" | "due_on" | "closed_on"
            | "responded_on" => json!({"type": "string", "format": "date"}),
            _ => json!({"type": "string"}),
        };
        props.insert(f.to_string(), schema);
    }
    json!({"type": "object", "properties": props, "required": required, "additionalProperties": false})
}

pub(crate) fn op(summary: &str, tag: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("summary".into(), json!(summary));
    m.insert("tags".into(), json!([tag]));
    m.insert(
        "responses".into(),
        json!({
            "200": {"description": "OK", "content": {"application/json": {}}},
            "400": {"$ref": "#/components/responses/Error"},
            "401": {"$ref": "#/components/responses/Error"},
            "403": {"$ref": "#/components/responses/Error"},
            "404": {"$ref": "#/components/responses/Error"},
            "422": {"$ref": "#/components/responses/Error"}
        }),
    );
    m
}

pub(crate) fn with_body(mut m: Map<String, Value>, schema: &str) -> Value {
    m.insert(
        "requestBody".into(),
        json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}}),
    );
    Value::Object(m)
}

pub(crate) fn id_param() -> Value {
    json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}])
}

pub(crate) fn query(names: &[(&str, &str)]) -> Value {
    Value::Array(
        names
            .iter()
            .map(|(n, d)| json!({"name": n, "in": "query", "required": false, "schema": {"type": "string"}, "description": d}))
            .collect(),
    )
}

/// F1–F3: users, API tokens and the audit log (administrators); privacy export and erasure.
fn access_paths(paths: &mut Map<String, Value>) {
    let status = |m: &mut Map<String, Value>, code: &str, description: &str| {
        if let Some(r) = m.get_mut("responses").and_then(Value::as_object_mut) {
            r.remove("200");
            r.insert(
                code.into(),
                json!({"description": description, "content": {"application/json": {}}}),
            );
        }
    };
    let mut add_user = op("Add a user (administrators)", "admin");
    status(&mut add_user, "201", "The user, without any password hash");
    add_user["responses"]["409"] = json!({"$ref": "#/components/responses/Error"});
    paths.insert(
        "/api/v1/users".into(),
        json!({
            "get": op("List users: id, email, role, disabled, created_at (administrators)", "admin"),
            "post": with_body(add_user, "UserInput"),
        }),
    );
    let mut update_user = op(
        "Change a user's role or disable/enable them; 409 for disabling yourself or the last active administrator",
        "admin",
    );
    update_user["responses"]["409"] = json!({"$ref": "#/components/responses/Error"});
    paths.insert(
        "/api/v1/users/{id}".into(),
        json!({"parameters": id_param(), "put": with_body(update_user, "UserUpdate")}),
    );
    let mut create_token = op(
        "Create an API token for a user; the response's `secret` is shown only this once",
        "admin",
    );
    status(
        &mut create_token,
        "201",
        "The token's record and its secret",
    );
    paths.insert(
        "/api/v1/tokens".into(),
        json!({
            "get": op("List API tokens (never their secrets) (administrators)", "admin"),
            "post": with_body(create_token, "TokenInput"),
        }),
    );
    let mut revoke = op("Revoke an API token", "admin");
    status(&mut revoke, "204", "Revoked");
    paths.insert(
        "/api/v1/tokens/{id}".into(),
        json!({"parameters": id_param(), "delete": revoke}),
    );
    let mut audit = op("The audit log, newest first (administrators)", "admin");
    audit.insert(
        "parameters".into(),
        query(&[
            ("actor", "email of the user, or cli"),
            ("action", "create, update, delete, import, erase"),
            (
                "entity",
                "account, contact, touchpoint, commitment, nps_response, user, api_token, …",
            ),
            ("entity_id", "id of the record"),
            ("since", "YYYY-MM-DD, inclusive"),
            ("until", "YYYY-MM-DD, inclusive"),
            ("page", "from 1"),
            ("per_page", "1 to 500, default 50"),
        ]),
    );
    paths.insert("/api/v1/audit".into(), json!({"get": audit}));
    if let Some(contact) = paths.get_mut("/api/v1/contacts/{id}") {
        contact["put"]["description"] = json!(
            "Changing reference_consent or do_not_contact needs the ManageConsent permission (403 otherwise)."
        );
    }
    paths.insert(
        "/api/v1/contacts/{id}/privacy-export".into(),
        json!({"parameters": id_param(), "get": op("Everything stored about a person: the contact, their touchpoints, NPS responses and history", "privacy")}),
    );
    let mut erase = op(
        "Erase a person's data; touchpoints and NPS responses stay, without their name. 409 if already erased",
        "privacy",
    );
    erase["responses"]["409"] = json!({"$ref": "#/components/responses/Error"});
    paths.insert(
        "/api/v1/contacts/{id}/erase".into(),
        json!({"parameters": id_param(), "post": erase}),
    );
}

/// B5, B6: stories; review sites and analyst firms, reviews, and the buyer-journey survey.
fn story_and_journey_paths(paths: &mut Map<String, Value>) {
    let status = |mut m: Map<String, Value>, code: &str, description: &str| {
        if let Some(r) = m.get_mut("responses").and_then(Value::as_object_mut) {
            r.remove("200");
            r.insert(
                code.into(),
                json!({"description": description, "content": {"application/json": {}}}),
            );
        }
        m
    };
    let created = |summary: &str, tag: &str, schema: &str| {
        with_body(status(op(summary, tag), "201", "Created"), schema)
    };
    let deleted =
        |summary: &str, tag: &str| Value::Object(status(op(summary, tag), "204", "Deleted"));
    let mut list_stories = op(
        "List stories with their spin flags; filter, sort and page",
        "stories",
    );
    list_stories.insert(
        "parameters".into(),
        query(&[
            ("q", "title or customer contains"),
            (
                "stage",
                "awareness, consideration, decision, onboarding, expansion",
            ),
            ("approval", "draft, sent_for_approval, approved, declined"),
            ("spin", "yes: only stories flagged as spin"),
            ("account_id", "only this customer's stories"),
            ("contact_id", "only stories this contact tells"),
            (
                "sort",
                "title, account, stage, approval, spin, updated (default: updated, newest first)",
            ),
            ("dir", "asc or desc"),
            ("page", "from 1"),
            ("per_page", "1 to 500, default 25"),
        ]),
    );
    paths.insert(
        "/api/v1/stories".into(),
        json!({"get": list_stories, "post": created("Create a story", "stories", "StoryInput")}),
    );
    paths.insert(
        "/api/v1/stories/{id}".into(),
        json!({
            "parameters": id_param(),
            "get": op("Get one story with `spin` and `spin_flags` (flag, label, reason)", "stories"),
            "put": with_body(op("Update a story; omitted fields keep their value, lists are replaced", "stories"), "StoryInput"),
            "delete": deleted("Delete a story", "stories"),
        }),
    );
    let mut create_third_party = status(
        op(
            "Add a review site or analyst firm; 409 when the name is taken (ignoring case)",
            "buyer journey",
        ),
        "201",
        "Created",
    );
    create_third_party["responses"]["409"] = json!({"$ref": "#/components/responses/Error"});
    paths.insert(
        "/api/v1/third-parties".into(),
        json!({
            "get": op("Review sites and analyst firms with their review counts and average rating", "buyer journey"),
            "post": with_body(create_third_party, "ThirdPartyInput"),
        }),
    );
    paths.insert(
        "/api/v1/third-parties/{id}".into(),
        json!({
            "parameters": id_param(),
            "get": op("One third party with its reviews and its share of the survey (`survey`: respondents, customers, share, revenue)", "buyer journey"),
            "put": with_body(op("Update a third party; omitted fields keep their value", "buyer journey"), "ThirdPartyInput"),
            "delete": deleted("Delete a third party with its reviews and the survey answers that name it", "buyer journey"),
        }),
    );
    let mut list_reviews = op("Reviews advocates posted, newest first", "buyer journey");
    list_reviews.insert(
        "parameters".into(),
        query(&[
            ("contact_id", "only this advocate's reviews"),
            ("third_party_id", "only reviews on this third party"),
            ("account_id", "only reviews by this customer's contacts"),
        ]),
    );
    paths.insert(
        "/api/v1/reviews".into(),
        json!({"get": list_reviews, "post": created("Record a review", "buyer journey", "ReviewInput")}),
    );
    paths.insert(
        "/api/v1/reviews/{id}".into(),
        json!({
            "parameters": id_param(),
            "get": op("Get one review", "buyer journey"),
            "put": with_body(op("Update a review; omitted fields keep their value", "buyer journey"), "ReviewInput"),
            "delete": deleted("Delete a review", "buyer journey"),
        }),
    );
    let mut report = op(
        "Where new customers learned about us: each source's customers, share of respondents and annual revenue attributed (split equally among the sources an account named)",
        "buyer journey",
    );
    report.insert(
        "parameters".into(),
        query(&[
            ("since", "YYYY-MM-DD, answers from this day"),
            ("until", "YYYY-MM-DD, answers up to this day"),
        ]),
    );
    paths.insert("/api/v1/sources".into(), json!({"get": report}));
    let mut list_responses = op("Survey answers, newest first", "buyer journey");
    list_responses.insert(
        "parameters".into(),
        query(&[
            ("third_party_id", "only answers naming this third party"),
            ("limit", "1 to 10,000, default 100"),
        ]),
    );
    paths.insert(
        "/api/v1/source-responses".into(),
        json!({"get": list_responses, "post": created("Record a survey answer: one per source an account named", "buyer journey", "SourceResponseInput")}),
    );
    paths.insert(
        "/api/v1/source-responses/{id}".into(),
        json!({
            "parameters": id_param(),
            "get": op("Get one survey answer", "buyer journey"),
            "put": with_body(op("Update a survey answer; omitted fields keep their value", "buyer journey"), "SourceResponseInput"),
            "delete": deleted("Delete a survey answer", "buyer journey"),
        }),
    );
}

/// Input schemas of B5 and B6, with the types `input_schema` does not know.
fn story_and_journey_schemas() -> Map<String, Value> {
    use peerstage_core::journey::{
        OtherSource, ThirdPartyKind, REVIEW_FIELDS, SOURCE_RESPONSE_FIELDS, THIRD_PARTY_FIELDS,
    };
    use peerstage_core::story::{Approval, JourneyStage, STORY_FIELDS};
    let names = |all: Vec<&str>| json!({"type": "string", "enum": all});
    let id = json!({"type": ["integer", "string"]});
    let mut story = input_schema(STORY_FIELDS, &["title", "account_id", "stage"]);
    story["properties"]["account_id"] = id.clone();
    story["properties"]["contact_ids"] = json!({"type": "array", "items": {"type": ["integer", "string"]}, "description": "contacts of the story's account who tell it"});
    story["properties"]["media_links"] = json!({"oneOf": [{"type": "array", "items": {"type": "string", "format": "uri"}}, {"type": "string", "description": "web addresses separated by new lines"}]});
    story["properties"]["stage"] = names(JourneyStage::ALL.iter().map(|s| s.as_str()).collect());
    story["properties"]["approval"] = names(Approval::ALL.iter().map(|s| s.as_str()).collect());
    story["description"] =
        json!("A story with empty `bad` and `ugly`, or an empty `not_a_fit`, is flagged as spin.");
    let mut third_party = input_schema(THIRD_PARTY_FIELDS, &["name", "kind"]);
    third_party["properties"]["kind"] =
        names(ThirdPartyKind::ALL.iter().map(|s| s.as_str()).collect());
    let mut review = input_schema(
        REVIEW_FIELDS,
        &["contact_id", "third_party_id", "reviewed_on", "rating"],
    );
    review["properties"]["third_party_id"] = id.clone();
    review["properties"]["rating"] =
        json!({"type": ["integer", "string"], "minimum": 1, "maximum": 5});
    review["properties"]["reviewed_on"] = json!({"type": "string", "format": "date"});
    let mut response = input_schema(
        SOURCE_RESPONSE_FIELDS,
        &["account_id", "source", "responded_on"],
    );
    response["properties"]["account_id"] = id;
    let others: Vec<&str> = OtherSource::ALL.iter().map(|o| o.as_str()).collect();
    response["properties"]["source"] = json!({"type": "string", "description": format!("a third party's name, or one of: {}", others.join(", "))});
    let mut m = Map::new();
    m.insert("StoryInput".into(), story);
    m.insert("ThirdPartyInput".into(), third_party);
    m.insert("ReviewInput".into(), review);
    m.insert("SourceResponseInput".into(), response);
    m
}

pub fn spec() -> Value {
    let roles: Vec<&str> = peerstage_core::Role::ALL
        .iter()
        .map(|r| r.as_str())
        .collect();
    let mut paths = Map::new();
    let mut list_accounts = op("List, search, filter, sort and page accounts", "accounts");
    list_accounts.insert(
        "parameters".into(),
        query(&[
            ("q", "name contains"),
            ("industry", ""),
            ("region", "north_america, emea, apac, latam"),
            ("segment", "enterprise, mid_market, smb"),
            ("lifecycle", "prospect, customer, former"),
            ("at_risk", "yes/no"),
            ("unprofitable", "yes/no"),
            (
                "sort",
                "name, industry, region, segment, employees, revenue, margin, renewal, updated",
            ),
            ("dir", "asc or desc"),
            ("page", "from 1"),
            ("per_page", "1 to 500, default 25"),
        ]),
    );
    paths.insert(
        "/api/v1/accounts".into(),
        json!({"get": list_accounts, "post": with_body(op("Create an account", "accounts"), "AccountInput")}),
    );
    // `noun`: one of them, for the summaries ("Get an account").
    let item = |tag: &str, noun: &str, schema: &str, put: bool| {
        let mut v = json!({
            "parameters": id_param(),
            "get": op(&format!("Get {noun}"), tag),
            "delete": op(&format!("Delete {noun}"), tag),
        });
        if put {
            v["put"] = with_body(
                op(
                    &format!("Update {noun}; omitted fields keep their value"),
                    tag,
                ),
                schema,
            );
        }
        v
    };
    paths.insert(
        "/api/v1/accounts/{id}".into(),
        item("accounts", "an account", "AccountInput", true),
    );
    for (sub, tag, plural, schema) in [
        ("contacts", "contacts", "contacts", "ContactInput"),
        (
            "touchpoints",
            "touchpoints",
            "touchpoints",
            "TouchpointInput",
        ),
        (
            "commitments",
            "commitments",
            "commitments",
            "CommitmentInput",
        ),
        ("nps", "nps", "NPS responses", "NpsInput"),
    ] {
        paths.insert(
            format!("/api/v1/accounts/{{id}}/{sub}"),
            json!({
                "parameters": id_param(),
                "get": op(&format!("An account's {plural}"), tag),
                "post": with_body(op(&format!("Add to an account's {plural}"), tag), schema),
            }),
        );
    }
    paths.insert(
        "/api/v1/contacts".into(),
        json!({"get": op("Search contacts by name or email", "contacts")}),
    );
    paths.insert(
        "/api/v1/contacts/{id}".into(),
        item("contacts", "a contact", "ContactInput", true),
    );
    paths.insert(
        "/api/v1/touchpoints/{id}".into(),
        item("touchpoints", "a touchpoint", "TouchpointInput", true),
    );
    paths.insert(
        "/api/v1/commitments/{id}".into(),
        item("commitments", "a commitment", "CommitmentInput", true),
    );
    paths.insert(
        "/api/v1/nps/{id}".into(),
        item("nps", "an NPS response", "NpsInput", false),
    );
    let mut nps = op("NPS overall, per segment and per month", "nps");
    nps.insert(
        "parameters".into(),
        query(&[
            ("segment", "limit to one segment"),
            ("months", "months of trend, default 12"),
        ]),
    );
    paths.insert("/api/v1/nps".into(), json!({"get": nps}));
    paths.insert(
        "/api/v1/value".into(),
        json!({"get": op("Revenue, margin and unprofitable accounts", "value")}),
    );
    let kinds: Vec<&str> = ImportKind::ALL.iter().map(|k| k.as_str()).collect();
    let kind_param = json!([{"name": "kind", "in": "path", "required": true, "schema": {"type": "string", "enum": kinds}}]);
    let mut import = op(
        "Import a CSV file (the body); all or nothing unless skip_invalid",
        "csv",
    );
    import.insert(
        "parameters".into(),
        query(&[
            (
                "skip_invalid",
                "yes to import good rows and report bad ones",
            ),
            ("preset", "salesforce"),
            ("map", "FIELD=COLUMN, repeatable"),
            (
                "background",
                "yes to answer 202 at once with a job (Location: its URL) and import after the request",
            ),
            ("file_name", "with background: the name the job shows"),
        ]),
    );
    import.insert(
        "requestBody".into(),
        json!({"required": true, "content": {"text/csv": {"schema": {"type": "string"}}}}),
    );
    if let Some(Value::Object(responses)) = import.get_mut("responses") {
        responses.insert(
            "202".into(),
            json!({"description": "with background: the job, whose URL is in Location",
                   "headers": {"Location": {"schema": {"type": "string"}}},
                   "content": {"application/json": {}}}),
        );
        responses.insert(
            "429".into(),
            json!({"$ref": "#/components/responses/Error"}),
        );
    }
    paths.insert(
        "/api/v1/import/{kind}".into(),
        json!({"parameters": kind_param, "post": import}),
    );
    paths.insert(
        "/api/v1/import-jobs".into(),
        json!({"get": op("Your background imports the server holds, newest first", "csv")}),
    );
    paths.insert(
        "/api/v1/import-jobs/{id}".into(),
        json!({
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
            "get": op("A background import: state reading, evidence, done (with outcome) or failed (with error)", "csv"),
        }),
    );
    let mut export = op("Export as CSV in the import layout", "csv");
    export.insert(
        "responses".into(),
        json!({"200": {"description": "CSV", "content": {"text/csv": {}}}}),
    );
    paths.insert(
        "/api/v1/export/{kind}".into(),
        json!({"parameters": kind_param, "get": export}),
    );

    access_paths(&mut paths);
    super::advocacy::openapi_paths(&mut paths);
    super::refops::openapi_paths(&mut paths);
    super::insights::openapi_paths(&mut paths);
    super::questions::openapi_paths(&mut paths);
    super::media::openapi_paths(&mut paths);
    super::strategy::openapi_paths(&mut paths);
    super::evidence::openapi_paths(&mut paths);
    super::voc::openapi_paths(&mut paths);
    story_and_journey_paths(&mut paths);
    super::events::openapi_paths(&mut paths);

    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {"title": "peerstage API", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Customers, touchpoints, commitments, NPS and value. Field values are validated like the web forms; errors name the field."},
        "paths": paths,
        "components": {
            "schemas": {
                "AccountInput": input_schema(ACCOUNT_FIELDS, &["name"]),
                "ContactInput": input_schema(CONTACT_FIELDS, &["name"]),
                "TouchpointInput": input_schema(TOUCHPOINT_FIELDS, &["kind", "occurred_on"]),
                "CommitmentInput": input_schema(COMMITMENT_FIELDS, &["description"]),
                "NpsInput": input_schema(NPS_FIELDS, &["score", "responded_on"]),
                "UserInput": {"type": "object", "additionalProperties": false, "required": ["email", "role", "password"], "properties": {
                    "email": {"type": "string", "format": "email"},
                    "role": {"type": "string", "enum": roles},
                    "password": {"type": "string", "minLength": peerstage_core::access::MIN_PASSWORD}
                }},
                "UserUpdate": {"type": "object", "additionalProperties": false, "properties": {
                    "role": {"type": "string", "enum": roles},
                    "disabled": {"type": ["boolean", "string"], "description": "true disables the user: their sessions end and their API tokens are revoked"}
                }},
                "TokenInput": {"type": "object", "additionalProperties": false, "required": ["user_id", "name"], "properties": {
                    "user_id": {"type": ["integer", "string"]},
                    "name": {"type": "string", "maxLength": 100}
                }},
                "Error": {"type": "object", "required": ["error"], "properties": {
                    "error": {"type": "string"},
                    "fields": {"type": "array", "items": {"type": "object", "properties": {"field": {"type": "string"}, "reason": {"type": "string"}}}}
                }}
            },
            "responses": {
                "Error": {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                "Busy": {
                    "description": "Another change held the database longer than the server waits (15 s by default; a large import, usually). Nothing was written: send the request again after the number of seconds in Retry-After.",
                    "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                }
            },
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "An API token (`peerstage token create`, or Admin → API tokens)"}}
        },
        "security": [{"bearer": []}]
    });
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut() {
        schemas.extend(story_and_journey_schemas());
        schemas.extend(super::events::openapi_schemas());
        schemas.extend(super::evidence::openapi_schemas());
    }
    // Any operation can meet a database held by another change.
    if let Some(paths) = doc["paths"].as_object_mut() {
        for ops in paths.values_mut().filter_map(Value::as_object_mut) {
            for op in ops.values_mut() {
                if let Some(r) = op.get_mut("responses").and_then(Value::as_object_mut) {
                    r.insert("503".into(), json!({"$ref": "#/components/responses/Busy"}));
                }
            }
        }
    }
    doc
}

pub async fn document() -> Json<Value> {
    Json(spec())
}

#[cfg(test)]
mod tests {
    /// The API modules' sources, whose `.route("…")` calls the document must cover.
    const SOURCES: &[(&str, &str)] = &[
        ("mod.rs", include_str!("mod.rs")),
        ("access.rs", include_str!("access.rs")),
        ("advocacy.rs", include_str!("advocacy.rs")),
        ("events.rs", include_str!("events.rs")),
        ("evidence.rs", include_str!("evidence.rs")),
        ("insights.rs", include_str!("insights.rs")),
        ("journey.rs", include_str!("journey.rs")),
        ("media.rs", include_str!("media.rs")),
        ("questions.rs", include_str!("questions.rs")),
        ("refops.rs", include_str!("refops.rs")),
        ("stories.rs", include_str!("stories.rs")),
        ("strategy.rs", include_str!("strategy.rs")),
        ("voc.rs", include_str!("voc.rs")),
    ];

    #[test]
    fn every_api_route_is_in_the_document() {
        let doc = super::spec();
        let paths = doc["paths"].as_object().unwrap();
        let mut missing = Vec::new();
        for (file, src) in SOURCES {
            for piece in src.split(".route(").skip(1) {
                let Some(path) = piece
                    .trim_start()
                    .strip_prefix('"')
                    .and_then(|p| p.split('"').next())
                else {
                    continue;
                };
                let full = format!("/api/v1{path}");
                if !paths.contains_key(&full) {
                    missing.push(format!("{full} ({file})"));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "not in /api/openapi.json:\n{}",
            missing.join("\n")
        );
    }
}
