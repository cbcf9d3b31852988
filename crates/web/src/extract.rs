//! Request bodies and query strings become `Fields`, the one shape every validator reads.
//! Malformed input is answered with a message that says what was wrong.

use crate::error::{ApiError, PageError};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use peerstage_core::{FieldErrors, Fields};

/// An `application/x-www-form-urlencoded` body, keeping repeated keys.
pub struct Form(pub Fields);

impl<S: Send + Sync> FromRequest<S> for Form {
    type Rejection = PageError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            PageError::new(
                e.status(),
                format!("Could not read the form: {}", e.body_text()),
            )
        })?;
        Ok(Form(parse_urlencoded(&bytes)))
    }
}

/// The query string as fields.
pub struct Query(pub Fields);

impl<S: Send + Sync> FromRequestParts<S> for Query {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Query(parse_urlencoded(
            parts.uri.query().unwrap_or("").as_bytes(),
        )))
    }
}

pub fn parse_urlencoded(bytes: &[u8]) -> Fields {
    Fields(
        form_urlencoded::parse(bytes)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
    )
}

/// A JSON object body, checked against the fields an entity accepts.
pub struct JsonFields(pub Fields);

impl<S: Send + Sync> FromRequest<S> for JsonFields {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            // Media types are case-insensitive.
            .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/json"));
        if !is_json {
            return Err(ApiError::new(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send a JSON object with Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::new(e.status(), e.body_text()))?;
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
        json_to_fields(&value)
            .map(JsonFields)
            .map_err(ApiError::invalid)
    }
}

/// The JSON kinds a field may be sent as, by name, read once from the OpenAPI document so the
/// document and the check agree: text fields take strings (or null), number, boolean and list
/// fields also their own kind. A name the document gives no type is not checked.
struct JsonKinds(std::collections::HashMap<String, u8>);

const NUMBER: u8 = 1;
const BOOLEAN: u8 = 2;
const LIST: u8 = 4;
const ANY: u8 = NUMBER | BOOLEAN | LIST;

impl JsonKinds {
    fn get() -> &'static JsonKinds {
        static KINDS: std::sync::OnceLock<JsonKinds> = std::sync::OnceLock::new();
        KINDS.get_or_init(|| {
            let mut kinds = JsonKinds(std::collections::HashMap::new());
            kinds.collect(&crate::api::openapi::spec());
            kinds
        })
    }

    fn collect(&mut self, v: &serde_json::Value) {
        match v {
            serde_json::Value::Object(o) => {
                if let Some(props) = o.get("properties").and_then(|p| p.as_object()) {
                    for (name, schema) in props {
                        *self.0.entry(name.clone()).or_insert(0) |= Self::allowed(schema);
                    }
                }
                o.values().for_each(|x| self.collect(x));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| self.collect(x)),
            _ => {}
        }
    }

    /// What a property's schema allows besides text.
    fn allowed(schema: &serde_json::Value) -> u8 {
        if let Some(alts) = schema.get("oneOf").or_else(|| schema.get("anyOf")) {
            return alts
                .as_array()
                .map_or(ANY, |a| a.iter().fold(0, |k, s| k | Self::allowed(s)));
        }
        let types: Vec<&str> = match schema.get("type") {
            Some(serde_json::Value::String(t)) => vec![t.as_str()],
            Some(serde_json::Value::Array(ts)) => ts.iter().filter_map(|t| t.as_str()).collect(),
            _ => return ANY,
        };
        types.iter().fold(0, |k, t| {
            k | match *t {
                "integer" | "number" => NUMBER,
                "boolean" => BOOLEAN,
                "array" => LIST,
                "string" | "null" => 0,
                _ => ANY,
            }
        })
    }

    /// Whether `name` may be sent as this kind (one of NUMBER, BOOLEAN, LIST).
    fn allows(&self, name: &str, kind: u8) -> bool {
        self.0.get(name).is_none_or(|k| k & kind != 0)
    }
}

/// Scalars become text; arrays become `;`-separated lists; anything else is an error on that
/// field, and so is a number, true/false or a list for a field that takes text.
pub fn json_to_fields(value: &serde_json::Value) -> Result<Fields, FieldErrors> {
    use serde_json::Value as J;
    let Some(obj) = value.as_object() else {
        return Err(FieldErrors::single("body", "expected a JSON object"));
    };
    let kinds = JsonKinds::get();
    let mut fields = Fields::new();
    let mut errors = FieldErrors::new();
    for (key, v) in obj {
        let kind = match v {
            J::Number(_) => Some((NUMBER, "a number")),
            J::Bool(_) => Some((BOOLEAN, "true/false")),
            J::Array(_) => Some((LIST, "a list")),
            _ => None,
        };
        if let Some((_, what)) = kind.filter(|(k, _)| !kinds.allows(key, *k)) {
            errors.add(key, format!("expected text (in quotes), not {what}"));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let scalar = |v: &J| -> Option<String> {
        match v {
            J::String(s) => Some(s.clone()),
            J::Number(n) => Some(n.to_string()),
            J::Bool(b) => Some(b.to_string()),
            J::Null => Some(String::new()),
            _ => None,
        }
    };
    for (key, v) in obj {
        match v {
            J::Array(items) => {
                let mut parts = Vec::new();
                for item in items {
                    match scalar(item) {
                        Some(s) => parts.push(s),
                        None => errors.add(key, "a list may hold only text, numbers or true/false"),
                    }
                }
                fields.push(key.clone(), parts.join(";"));
            }
            other => match scalar(other) {
                Some(s) => fields.push(key.clone(), s),
                None => errors.add(key, "expected text, a number, true/false, null or a list"),
            },
        }
    }
    errors.into_result(|| fields)
}

/// Rejects fields an entity does not have, so a typo is not silently ignored.
pub fn only_known(fields: &Fields, known: &[&str]) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    for (k, _) in &fields.0 {
        if !known.contains(&k.as_str()) {
            errors.add(k, format!("unknown field (known: {})", known.join(", ")));
        }
    }
    errors.into_result(|| ())
}

/// Starts from `current` and replaces what `changes` carries: a PUT may send only some fields.
pub fn merged(current: Fields, changes: &Fields) -> Fields {
    let mut out = current;
    let mut replaced: Vec<&str> = Vec::new();
    for (k, v) in &changes.0 {
        if !replaced.contains(&k.as_str()) {
            out.0.retain(|(ok, _)| ok != k);
            replaced.push(k);
        }
        out.push(k.clone(), v.clone());
    }
    out
}

/// The client's address when the server knows it (absent in in-process tests).
pub struct PeerAddr(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for PeerAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(PeerAddr(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_scalars_and_lists_become_fields() {
        let v = serde_json::json!({"name": "A", "employees": 12, "at_risk": true, "products": ["x", "y"], "city": null});
        let f = json_to_fields(&v).unwrap();
        assert_eq!(f.get("employees"), "12");
        assert_eq!(f.get("at_risk"), "true");
        assert_eq!(f.get("products"), "x;y");
        assert_eq!(f.get("city"), "");
        let err = json_to_fields(&serde_json::json!({"name": {"first": "A"}})).unwrap_err();
        assert!(err.get("name").is_some());
        assert!(json_to_fields(&serde_json::json!([1])).is_err());
    }

    #[test]
    fn a_number_true_false_or_list_for_a_text_field_is_refused_on_that_field() {
        for (body, field, says) in [
            (serde_json::json!({"name": true}), "name", "not true/false"),
            (serde_json::json!({"name": ["a"]}), "name", "not a list"),
            (
                serde_json::json!({"name": "A", "city": 123}),
                "city",
                "not a number",
            ),
            (
                serde_json::json!({"occurred_on": 20250101}),
                "occurred_on",
                "not a number",
            ),
            (
                serde_json::json!({"employees": true}),
                "employees",
                "not true/false",
            ),
            (serde_json::json!({"at_risk": 1}), "at_risk", "not a number"),
        ] {
            let err = json_to_fields(&body).unwrap_err();
            let reason = err.get(field).unwrap_or_else(|| panic!("{body}: {err:?}"));
            assert!(reason.contains(says), "{body}: {reason}");
        }
        // Each kind the document gives a field is taken, text always is; a name the document
        // does not know is left to the endpoint's own check.
        let ok = serde_json::json!({"score": 9, "contact_ids": [1, 2], "main_stage": true,
            "employees": "12", "at_risk": "yes", "no_such_field": 5});
        let f = json_to_fields(&ok).unwrap();
        assert_eq!(f.get("contact_ids"), "1;2");
        assert_eq!(f.get("no_such_field"), "5");
    }

    #[test]
    fn merge_replaces_only_given_fields() {
        let cur = Fields::from_pairs([("name", "A"), ("city", "Oslo")]);
        let m = merged(cur, &Fields::from_pairs([("city", "Bergen")]));
        assert_eq!(m.get("name"), "A");
        assert_eq!(m.get("city"), "Bergen");
    }
}
