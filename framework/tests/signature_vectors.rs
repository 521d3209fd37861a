//! Official webhook signature test vectors (`tests/vectors/signatures.json`),
//! checked against the provider adapters. Every vector of every provider must
//! pass: `expect_valid: true` accepted, `false` rejected.

use serde_json::Value;

/// All vectors of one provider, in file order.
fn vectors(provider: &str) -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/signatures.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let file: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    file["vectors"]
        .as_array()
        .unwrap_or_else(|| panic!("{path}: `vectors` is not an array"))
        .iter()
        .filter(|v| v["provider"] == provider)
        .cloned()
        .collect()
}

/// A string field of a vector.
fn field<'a>(vector: &'a Value, name: &str) -> &'a str {
    vector[name]
        .as_str()
        .unwrap_or_else(|| panic!("{}: `{name}` is not a string", vector["id"]))
}

mod twilio {
    use framework::provider::twilio::{verify_form, verify_json};
    use serde_json::Value;

    use super::field;

    /// A vector's params as form pairs: a string value is one pair, an array
    /// one pair per element.
    pub(super) fn params(vector: &Value) -> Vec<(String, String)> {
        let id = &vector["id"];
        let object = vector["params"]
            .as_object()
            .unwrap_or_else(|| panic!("{id}: params is not an object"));
        let mut pairs = Vec::new();
        for (name, value) in object {
            match value {
                Value::String(v) => pairs.push((name.clone(), v.clone())),
                Value::Array(values) => {
                    for v in values {
                        let v = v.as_str().unwrap_or_else(|| panic!("{id}: {name} item"));
                        pairs.push((name.clone(), v.to_owned()));
                    }
                }
                other => panic!("{id}: {name} is {other}"),
            }
        }
        pairs
    }

    pub(super) fn form(pairs: &[(String, String)]) -> String {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    }

    /// Checks one vector; returns whether it was accepted.
    pub(super) fn accepted(vector: &Value) -> bool {
        let id = field(vector, "id");
        let secret = field(vector, "secret");
        let url = field(vector, "url");
        let signature = field(vector, "expected_signature");
        let pairs = params(vector);
        match vector.get("body").and_then(Value::as_str) {
            Some(body) => {
                assert!(pairs.is_empty(), "{id}: a JSON-body vector with params");
                verify_json(secret, url, body.as_bytes(), Some(signature)).is_ok()
            }
            None => {
                let accepted =
                    verify_form(secret, url, form(&pairs).as_bytes(), Some(signature)).is_ok();
                // Repeated values may arrive in any order.
                let mut reversed = pairs.clone();
                reversed.reverse();
                let reversed_accepted =
                    verify_form(secret, url, form(&reversed).as_bytes(), Some(signature)).is_ok();
                assert_eq!(
                    accepted, reversed_accepted,
                    "{id}: parameter order mattered"
                );
                accepted
            }
        }
    }
}

#[test]
fn every_twilio_vector_passes() {
    let vectors = vectors("twilio");
    let mut checked = 0;
    for vector in &vectors {
        let id = field(vector, "id");
        let expect_valid = vector["expect_valid"]
            .as_bool()
            .unwrap_or_else(|| panic!("{id}: expect_valid is not a bool"));

        assert_eq!(
            twilio::accepted(vector),
            expect_valid,
            "{id}: expected {}",
            if expect_valid { "accepted" } else { "rejected" }
        );

        // Where the vector says which URL form was signed, the signature must be
        // exactly the one computed over that form.
        if let (true, Some(signed_url)) = (expect_valid, vector["signed_url"].as_str()) {
            assert_eq!(
                framework::provider::twilio::compute_signature(
                    field(vector, "secret"),
                    signed_url,
                    &twilio::params(vector)
                ),
                field(vector, "expected_signature"),
                "{id}: signature over signed_url"
            );
        }
        checked += 1;
    }
    // A silently empty loop must fail: the file holds 26 Twilio vectors.
    assert_eq!(checked, 26, "number of Twilio vectors checked");
    assert_eq!(
        vectors
            .iter()
            .filter(|v| v["expect_valid"] == false)
            .count(),
        2,
        "negative Twilio vectors"
    );
}

#[test]
fn every_meta_vector_passes() {
    use framework::provider::SignatureError;
    use framework::provider::meta::{sign, verify_signature};

    let vectors = vectors("meta");
    let mut checked = 0;
    for vector in &vectors {
        let id = field(vector, "id");
        let secret = field(vector, "secret").as_bytes();
        let body = field(vector, "body").as_bytes();
        let header = field(vector, "expected_header");
        let expect_valid = vector["expect_valid"]
            .as_bool()
            .unwrap_or_else(|| panic!("{id}: expect_valid is not a bool"));

        assert_eq!(
            verify_signature(secret, body, Some(header)).is_ok(),
            expect_valid,
            "{id}: expected {}",
            if expect_valid { "accepted" } else { "rejected" }
        );
        // The header is `sha256=` + the bare signature, both given by the vector.
        assert_eq!(
            header,
            format!("sha256={}", field(vector, "expected_signature")),
            "{id}: expected_header"
        );
        if expect_valid {
            assert_eq!(sign(secret, body), header, "{id}: sign");
            // Any change to the body bytes breaks the signature.
            let mut tampered = body.to_vec();
            tampered.push(b' ');
            assert_eq!(
                verify_signature(secret, &tampered, Some(header)),
                Err(SignatureError::Mismatch),
                "{id}: tampered body"
            );
        }
        checked += 1;
    }
    // A silently empty loop must fail: the file holds 2 Meta vectors.
    assert_eq!(checked, 2, "number of Meta vectors checked");

    // The escaped-unicode vector's note: the same payload re-serialised with raw
    // UTF-8 (what parsing and re-encoding produces) must NOT verify.
    let escaped = vectors
        .iter()
        .find(|v| v["id"] == "meta-text-webhook-escaped-unicode-computed")
        .expect("the escaped-unicode Meta vector is present");
    let raw_utf8 = field(escaped, "body")
        .replace("\\u00e9", "é")
        .replace("\\u00bf", "¿");
    assert_ne!(raw_utf8, field(escaped, "body"));
    assert_eq!(
        verify_signature(
            field(escaped, "secret").as_bytes(),
            raw_utf8.as_bytes(),
            Some(field(escaped, "expected_header"))
        ),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        sign(field(escaped, "secret").as_bytes(), raw_utf8.as_bytes()),
        "sha256=757c3370a5e31e0e5df1ddc825f74ce20cb284aa86dd19acca06583c1c891978",
        "the re-serialised body's MAC quoted in the vector's note"
    );
}
