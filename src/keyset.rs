//! A key set: the key that signs now, and every key whose tokens are still accepted, found by `kid`.
//!
//! Rotation is a new set: a new signing key, with the old public keys kept for verification until their
//! tokens have expired. The set also remembers the tokens it verified.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::keys::{SigningKey, VerifyingKey};
use crate::token::{self, Claims, Expectations, Registered, VerifiedTokens};

/// The signing key with the header of the tokens it signs, built once.
struct Signer {
    key: Arc<SigningKey>,
    header_b64: String,
}

pub struct KeySet {
    signer: Option<Signer>,
    /// The current key first; `kid`s unique.
    verifiers: Vec<Arc<VerifyingKey>>,
    remembered: VerifiedTokens,
}

impl KeySet {
    /// A set of `verifiers`, the first being the current key, which `signer` (if any) must be the private
    /// half of. A key given twice counts once. `remember`: how many verified tokens to remember.
    pub fn new(
        verifiers: Vec<Arc<VerifyingKey>>,
        signer: Option<Arc<SigningKey>>,
        remember: usize,
    ) -> Result<Self> {
        let Some(current) = verifiers.first() else {
            return Err(Error::InvalidKey(
                "a key set needs at least one public key".into(),
            ));
        };
        let signer = match signer {
            Some(key) if key.public().kid() != current.kid() => return Err(Error::KeyMismatch),
            Some(key) => Some(Signer {
                header_b64: token::header_b64(&key, None)?,
                key,
            }),
            None => None,
        };
        let mut unique: Vec<Arc<VerifyingKey>> = Vec::with_capacity(verifiers.len());
        for key in verifiers {
            if !unique.iter().any(|k| k.kid() == key.kid()) {
                unique.push(key);
            }
        }
        Ok(KeySet {
            signer,
            verifiers: unique,
            remembered: VerifiedTokens::new(remember),
        })
    }

    /// The current key, which verifies tokens without a `kid` and signs if the set can.
    pub fn current(&self) -> &VerifyingKey {
        &self.verifiers[0]
    }

    pub fn verifiers(&self) -> &[Arc<VerifyingKey>] {
        &self.verifiers
    }

    pub fn can_sign(&self) -> bool {
        self.signer.is_some()
    }

    /// Signs `claims` plus the `registered` claims and `token_type` with the current key.
    pub fn issue(
        &self,
        mut claims: Claims,
        token_type: &str,
        registered: &Registered,
        extra_header: Option<&Claims>,
    ) -> Result<String> {
        let Some(signer) = &self.signer else {
            return Err(Error::InvalidKey(
                "the key set has no private key to sign with".into(),
            ));
        };
        registered.apply(&mut claims, token_type);
        match extra_header {
            Some(extra) if !extra.is_empty() => {
                let header = token::header_b64(&signer.key, Some(extra))?;
                token::encode(&signer.key, &header, &claims)
            }
            _ => token::encode(&signer.key, &signer.header_b64, &claims),
        }
    }

    /// Verifies `token` with the key its `kid` names (the current key if it names none) and checks its
    /// claims; returns them. A token verified before skips the signature; its claims are checked again.
    pub fn verify(&self, token: &str, expect: &Expectations) -> Result<Arc<Claims>> {
        if let Some(claims) = self.remembered.get(token) {
            token::validate(&claims, expect)?;
            return Ok(claims);
        }
        let parts = token::split(token)?;
        let key = match parts.header.get("kid") {
            None => self.current(),
            Some(Value::String(kid)) => self.find(kid).ok_or(Error::UnknownKeyId)?,
            Some(_) => return Err(Error::Decode("the key id (kid) is not a string".into())),
        };
        let claims = Arc::new(parts.verify(key)?);
        token::validate(&claims, expect)?;
        self.remembered.insert(token, Arc::clone(&claims));
        Ok(claims)
    }

    fn find(&self, kid: &str) -> Option<&VerifyingKey> {
        self.verifiers
            .iter()
            .find(|k| k.kid() == kid)
            .map(|k| k.as_ref())
    }

    /// The public keys as a JWK Set (RFC 7517 §5), the current key first.
    pub fn jwks(&self) -> Map<String, Value> {
        let keys = self
            .verifiers
            .iter()
            .map(|k| Value::Object(k.jwk()))
            .collect();
        let mut set = Map::new();
        set.insert("keys".into(), Value::Array(keys));
        set
    }

    pub fn remembered(&self) -> usize {
        self.remembered.len()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::keys::{generate_pem_pair, Algorithm};
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use chrono::{DateTime, TimeDelta};
    use serde_json::json;
    use std::sync::OnceLock;

    const NOW: i64 = 1_704_974_401; // 2024-01-11 12:00:01 UTC
    const ALGORITHMS: [Algorithm; 3] = [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA];

    /// One parsed pair per algorithm, and a second RSA pair.
    pub(crate) fn keys() -> &'static Vec<(Arc<SigningKey>, Arc<VerifyingKey>)> {
        static KEYS: OnceLock<Vec<(Arc<SigningKey>, Arc<VerifyingKey>)>> = OnceLock::new();
        KEYS.get_or_init(|| {
            [ALGORITHMS.as_slice(), &[Algorithm::RS256]]
                .concat()
                .into_iter()
                .map(|a| {
                    let (private, public) = generate_pem_pair(a, 2048).unwrap();
                    (
                        Arc::new(SigningKey::from_pem(private.as_bytes()).unwrap()),
                        Arc::new(VerifyingKey::from_pem(public.as_bytes()).unwrap()),
                    )
                })
                .collect()
        })
    }

    pub(crate) fn set(current: usize, others: &[usize]) -> KeySet {
        let mut verifiers = vec![Arc::clone(&keys()[current].1)];
        verifiers.extend(others.iter().map(|&i| Arc::clone(&keys()[i].1)));
        KeySet::new(verifiers, Some(Arc::clone(&keys()[current].0)), 16).unwrap()
    }

    fn expect() -> Expectations<'static> {
        Expectations {
            token_type: Some("access"),
            now: NOW as f64,
            leeway: 0.0,
        }
    }

    fn issue(set: &KeySet) -> String {
        let registered = Registered::new(
            DateTime::from_timestamp(NOW, 0).unwrap(),
            TimeDelta::minutes(5),
        )
        .unwrap();
        let claims = match json!({"user_id": 7}) {
            Value::Object(m) => m,
            _ => unreachable!(),
        };
        set.issue(claims, "access", &registered, None).unwrap()
    }

    fn header(token: &str) -> Value {
        let b64 = token.split('.').next().unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(b64).unwrap()).unwrap()
    }

    /// The token with its header replaced, re-signed by key `signer`.
    fn with_header(token: &str, header: &Value, signer: usize) -> String {
        let payload = token.split('.').nth(1).unwrap();
        let input = format!(
            "{}.{payload}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(header).unwrap())
        );
        let sig = keys()[signer].0.sign(input.as_bytes()).unwrap();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
    }

    #[test]
    fn every_algorithm_signs_with_its_kid_and_verifies() {
        for (i, algorithm) in ALGORITHMS.iter().enumerate() {
            let keys_ = set(i, &[]);
            let token = issue(&keys_);
            let h = header(&token);
            assert_eq!(h["alg"], algorithm.name());
            assert_eq!(h["kid"], keys()[i].1.kid());
            assert_eq!(h["typ"], "JWT");
            assert_eq!(keys_.verify(&token, &expect()).unwrap()["user_id"], 7);
        }
    }

    #[test]
    fn rotation_keeps_old_tokens_and_refuses_unknown_kids() {
        let old = set(0, &[]);
        let old_token = issue(&old);
        let rotated = set(1, &[0, 2]);
        let new_token = issue(&rotated);
        assert!(rotated.verify(&old_token, &expect()).is_ok());
        assert!(rotated.verify(&new_token, &expect()).is_ok());
        // The old set does not know the new key: the caller may look for new keys and try again.
        assert_eq!(
            old.verify(&new_token, &expect()).unwrap_err(),
            Error::UnknownKeyId
        );
        // Once dropped, the old key's tokens are refused.
        assert_eq!(
            set(1, &[]).verify(&old_token, &expect()).unwrap_err(),
            Error::UnknownKeyId
        );
    }

    #[test]
    fn a_token_without_kid_is_tried_against_the_current_key_only() {
        let rotated = set(3, &[0]);
        let mut h = header(&issue(&set(0, &[])));
        h.as_object_mut().unwrap().remove("kid");
        let by_old = with_header(&issue(&set(0, &[])), &h, 0);
        assert_eq!(
            rotated.verify(&by_old, &expect()).unwrap_err(),
            Error::InvalidSignature
        );
        let mut h = header(&issue(&rotated));
        h.as_object_mut().unwrap().remove("kid");
        let by_current = with_header(&issue(&rotated), &h, 3);
        assert!(rotated.verify(&by_current, &expect()).is_ok());
    }

    #[test]
    fn each_key_verifies_its_own_algorithm_only() {
        let mixed = set(0, &[1, 2]);
        let token = issue(&mixed);
        for (kid_of, alg) in [
            (0, "ES256"),
            (1, "RS256"),
            (2, "ES256"),
            (1, "EdDSA"),
            (0, "none"),
        ] {
            let h = json!({"alg": alg, "typ": "JWT", "kid": keys()[kid_of].1.kid()});
            let forged = with_header(&token, &h, kid_of);
            assert!(
                matches!(
                    mixed.verify(&forged, &expect()),
                    Err(Error::InvalidAlgorithm(_))
                ),
                "{alg} under key {kid_of}"
            );
        }
        // The same header with the right algorithm verifies: the refusals above are about `alg`.
        let h = json!({"alg": "ES256", "typ": "JWT", "kid": keys()[1].1.kid()});
        assert!(mixed.verify(&with_header(&token, &h, 1), &expect()).is_ok());
    }

    #[test]
    fn headers_that_point_elsewhere_are_refused() {
        let keys_ = set(0, &[]);
        let token = issue(&keys_);
        let kid = keys()[0].1.kid();
        for extra in ["crit", "jku", "jwk", "x5u", "x5c"] {
            let h = json!({"alg": "RS256", "kid": kid, extra: "https://attacker.example/keys"});
            let forged = with_header(&token, &h, 0);
            assert!(
                matches!(keys_.verify(&forged, &expect()), Err(Error::Decode(_))),
                "{extra}"
            );
            let mut header = Claims::new();
            header.insert(extra.into(), json!(["exp"]));
            let registered = Registered::new(
                DateTime::from_timestamp(NOW, 0).unwrap(),
                TimeDelta::minutes(5),
            )
            .unwrap();
            let refused = keys_.issue(Claims::new(), "access", &registered, Some(&header));
            assert!(matches!(refused, Err(Error::Encode(_))), "{extra}");
        }
        let h = json!({"alg": "RS256", "kid": 1});
        assert!(matches!(
            keys_.verify(&with_header(&token, &h, 0), &expect()),
            Err(Error::Decode(_))
        ));
    }

    #[test]
    fn a_signer_must_match_the_current_key() {
        let verifiers = vec![Arc::clone(&keys()[0].1)];
        let mismatch = KeySet::new(verifiers, Some(Arc::clone(&keys()[3].0)), 0);
        assert!(matches!(mismatch, Err(Error::KeyMismatch)));
        assert!(KeySet::new(vec![], None, 0).is_err());
        let verify_only = KeySet::new(vec![Arc::clone(&keys()[0].1)], None, 0).unwrap();
        assert!(!verify_only.can_sign());
        assert!(verify_only.verify(&issue(&set(0, &[])), &expect()).is_ok());
    }

    #[test]
    fn jwks_lists_public_members_current_first() {
        let keys_ = set(1, &[0, 2, 0]);
        let jwks = Value::Object(keys_.jwks());
        let listed = jwks["keys"].as_array().unwrap();
        assert_eq!(listed.len(), 3);
        assert_eq!(listed[0]["kid"], keys()[1].1.kid());
        assert_eq!(listed[0]["kty"], "EC");
        assert_eq!(listed[0]["crv"], "P-256");
        assert_eq!(listed[1]["kty"], "RSA");
        assert_eq!(listed[2]["kty"], "OKP");
        assert_eq!(listed[2]["crv"], "Ed25519");
        for jwk in listed {
            assert_eq!(jwk["use"], "sig");
            for private in ["d", "p", "q", "dp", "dq", "qi"] {
                assert!(jwk.get(private).is_none());
            }
        }
    }

    /// jsonwebtoken, a JWT library nobody here wrote, verifies our tokens from our JWKS alone.
    #[test]
    fn jsonwebtoken_verifies_our_tokens_from_the_jwks() {
        use jsonwebtoken::jwk::JwkSet;
        use jsonwebtoken::{decode, decode_header, DecodingKey, Validation};

        for i in 0..3 {
            let keys_ = set(i, &[0, 1, 2]);
            let jwks: JwkSet = serde_json::from_value(Value::Object(keys_.jwks())).unwrap();
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap();
            let now = DateTime::from_timestamp(now.as_secs() as i64, 0).unwrap();
            let registered = Registered::new(now, TimeDelta::minutes(5)).unwrap();
            let token = keys_
                .issue(Claims::new(), "access", &registered, None)
                .unwrap();
            let kid = decode_header(&token).unwrap().kid.unwrap();
            let jwk = jwks.find(&kid).unwrap();
            let key = DecodingKey::from_jwk(jwk).unwrap();
            let mut validation = Validation::new(decode_header(&token).unwrap().alg);
            validation.required_spec_claims.clear();
            let data = decode::<Value>(&token, &key, &validation).unwrap();
            assert_eq!(data.claims["token_type"], "access");
            assert_eq!(jwk.common.key_id.as_deref(), Some(keys()[i].1.kid()));
        }
    }
}

/// Properties over generated inputs: nothing panics, only our own tokens verify, every signed token
/// verifies with its claims intact.
#[cfg(test)]
mod properties {
    use super::tests::{keys, set};
    use super::*;
    use chrono::{DateTime, TimeDelta};
    use proptest::prelude::*;

    const NOW: i64 = 1_704_974_401;

    fn expect() -> Expectations<'static> {
        Expectations {
            token_type: None,
            now: NOW as f64,
            leeway: 0.0,
        }
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            ".*".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(".*", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn claims() -> impl Strategy<Value = Claims> {
        prop::collection::btree_map("[a-z_]{1,12}", json_value(), 0..8)
            .prop_map(|m| m.into_iter().collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn anything_that_is_not_our_token_is_refused_without_panicking(token in ".{0,400}") {
            let keys_ = set(0, &[1, 2]);
            prop_assert!(keys_.verify(&token, &expect()).is_err());
            let _ = token::decode_unverified(&token);
        }

        #[test]
        fn three_dotted_base64_parts_are_refused(
            header in "[A-Za-z0-9_-]{0,80}", payload in "[A-Za-z0-9_-]{0,200}", sig in "[A-Za-z0-9_-]{0,400}"
        ) {
            let keys_ = set(0, &[1, 2]);
            let token = [header, payload, sig].join(".");
            prop_assert!(keys_.verify(&token, &expect()).is_err());
        }

        #[test]
        fn every_signed_token_verifies_with_its_claims(claims in claims(), which in 0usize..3) {
            let keys_ = set(which, &[0, 1, 2]);
            let registered = Registered::new(DateTime::from_timestamp(NOW, 0).unwrap(), TimeDelta::minutes(5)).unwrap();
            let token = keys_.issue(claims.clone(), "access", &registered, None).unwrap();
            let verified = keys_.verify(&token, &expect()).unwrap();
            let mut expected = claims;
            registered.apply(&mut expected, "access");
            prop_assert_eq!(&*verified, &expected);
        }

        #[test]
        fn changing_any_character_of_a_token_is_refused(at in any::<prop::sample::Index>(), to in "[A-Za-z0-9_.-]") {
            let keys_ = set(1, &[0, 2]);
            let registered = Registered::new(DateTime::from_timestamp(NOW, 0).unwrap(), TimeDelta::minutes(5)).unwrap();
            let token = keys_.issue(Claims::new(), "access", &registered, None).unwrap();
            let i = at.index(token.len());
            prop_assume!(token[i..=i] != to);
            let changed = format!("{}{to}{}", &token[..i], &token[i + 1..]);
            // A fresh set: the original token is not remembered.
            prop_assert!(set(1, &[0, 2]).verify(&changed, &expect()).is_err());
        }

        #[test]
        fn arbitrary_bytes_are_never_a_key(data in prop::collection::vec(any::<u8>(), 0..600), label in 0usize..5) {
            let _ = crate::keys::SigningKey::from_pem(&data);
            let _ = crate::keys::VerifyingKey::from_pem(&data);
            let _ = crate::keys::VerifyingKey::from_spki_der(&data);
            let labels = ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "PUBLIC KEY", "RSA PUBLIC KEY"];
            let pem = rsa::pkcs8::der::pem::encode_string(labels[label], rsa::pkcs8::der::pem::LineEnding::LF, &data).unwrap();
            prop_assert!(crate::keys::SigningKey::from_pem(pem.as_bytes()).is_err());
            prop_assert!(crate::keys::VerifyingKey::from_pem(pem.as_bytes()).is_err());
            let _ = keys();
        }
    }
}
