//! Form-encoded parameters (bodies and query strings) with repeated keys.
//! Invalid percent-encoding or UTF-8 is a 400, never a lossy guess.

use crate::error::ApiError;
use percent_encoding::percent_decode;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, String)>);

fn decode(raw: &[u8]) -> Result<String, ApiError> {
    let plus_fixed: Vec<u8> = raw
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    let bytes: Vec<u8> = percent_decode(&plus_fixed).collect();
    String::from_utf8(bytes)
        .map_err(|_| ApiError::invalid("Request parameters must be UTF-8 form-encoded text."))
}

impl Params {
    /// Parses `a=1&b=2&a=3`. Empty pieces are skipped.
    pub fn parse(raw: &[u8]) -> Result<Self, ApiError> {
        let mut out = Vec::new();
        for piece in raw.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
            let (k, v) = match piece.iter().position(|&b| b == b'=') {
                Some(i) => (&piece[..i], &piece[i + 1..]),
                None => (piece, &b""[..]),
            };
            out.push((decode(k)?, decode(v)?));
        }
        Ok(Self(out))
    }

    /// The last value given for `key` (Twilio takes the last of repeated scalars).
    /// A digest of the parameters, independent of their order (for idempotency keys).
    pub fn digest(&self) -> String {
        use sha2::Digest;
        let mut pairs: Vec<&(String, String)> = self.0.iter().collect();
        pairs.sort();
        let mut h = sha2::Sha256::new();
        for (k, v) in pairs {
            for part in [k.as_bytes(), b"\0", v.as_bytes(), b"\0"] {
                h.update(part);
            }
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The distinct keys given, sorted.
    pub fn keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = self.0.iter().map(|(k, _)| k.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    pub fn get_all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(ApiError::invalid(format!(
                "{key} must be true or false, not '{v}'."
            ))),
        }
    }

    pub fn uint(&self, key: &str) -> Result<Option<u32>, ApiError> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some(v) => v.trim().parse::<u32>().map(Some).map_err(|_| {
                ApiError::invalid(format!("{key} must be a non-negative integer, not '{v}'."))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn repeated_keys_plus_and_percent() {
        let p =
            Params::parse(b"To=%2B1555&Body=a+b%20c&MediaUrl=x&MediaUrl=y&Flag").expect("parse");
        assert_eq!(p.get("To"), Some("+1555"));
        assert_eq!(p.get("Body"), Some("a b c"));
        assert_eq!(p.get_all("MediaUrl"), vec!["x", "y"]);
        assert_eq!(p.get("Flag"), Some(""));
        assert_eq!(p.get("Nope"), None);
    }

    #[test]
    fn invalid_utf8_is_an_error() {
        assert!(Params::parse(b"Body=%FF%FE").is_err());
        assert!(Params::parse(b"Body=\xff").is_err());
        assert_eq!(
            Params::parse(b"Body=%E2%82%AC").expect("euro").get("Body"),
            Some("€")
        );
    }

    #[test]
    fn typed_values() {
        let p = Params::parse(b"A=true&B=FALSE&C=nope&N=12&M=-1").expect("parse");
        assert_eq!(p.bool("A").expect("a"), Some(true));
        assert_eq!(p.bool("B").expect("b"), Some(false));
        assert!(p.bool("C").is_err());
        assert_eq!(p.uint("N").expect("n"), Some(12));
        assert!(p.uint("M").is_err());
    }

    proptest! {
        #[test]
        fn never_panics(raw in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = Params::parse(&raw);
        }

        #[test]
        fn round_trips_encoded_pairs(pairs in proptest::collection::vec(("\\PC{0,12}", "\\PC{0,12}"), 0..6)) {
            let encoded: String = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs.iter())
                .finish();
            let p = Params::parse(encoded.as_bytes()).expect("valid");
            for (k, v) in &pairs {
                prop_assert!(p.get_all(k).contains(v));
            }
        }
    }
}

/// The largest request body accepted (the longest valid create is far smaller).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// A form-encoded request body as [`Params`]; too large or malformed is a 400 in Twilio's shape.
#[derive(Debug)]
pub struct FormBody(pub Params);

impl<S: Send + Sync> axum::extract::FromRequest<S> for FormBody {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, _: &S) -> Result<Self, ApiError> {
        Params::parse(&read_body(req).await?).map(FormBody)
    }
}

async fn read_body(req: axum::extract::Request) -> Result<bytes::Bytes, ApiError> {
    axum::body::to_bytes(req.into_body(), MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            ApiError::invalid(format!(
                "The request body is too large or incomplete (limit {MAX_BODY_BYTES} bytes)."
            ))
        })
}

/// Parameters from a form or, with `Content-Type: application/json`, from a JSON object
/// (strings, numbers, booleans or arrays of them; arrays become repeated keys). Used by the
/// Switchboard-only `/v1/Shield` resources.
#[derive(Debug)]
pub struct FormOrJson(pub Params);

impl<S: Send + Sync> axum::extract::FromRequest<S> for FormOrJson {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, _: &S) -> Result<Self, ApiError> {
        let json = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let body = read_body(req).await?;
        if !json {
            return Params::parse(&body).map(FormOrJson);
        }
        let value: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| ApiError::invalid(format!("The JSON body is invalid: {e}")))?;
        let serde_json::Value::Object(map) = value else {
            return Err(ApiError::invalid("The JSON body must be an object."));
        };
        let mut pairs = Vec::new();
        for (k, v) in map {
            let items = match v {
                serde_json::Value::Array(a) => a,
                other => vec![other],
            };
            for item in items {
                let text = match item {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Number(n) => n.to_string(),
                    serde_json::Value::Bool(b) => b.to_string(),
                    serde_json::Value::Null => continue,
                    _ => {
                        return Err(ApiError::invalid(format!(
                            "{k} must be a string, number or list."
                        )))
                    }
                };
                pairs.push((k.clone(), text));
            }
        }
        Ok(FormOrJson(Params(pairs)))
    }
}
