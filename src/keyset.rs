//! A key set: the key that signs now, and every key whose tokens are still accepted, found by `kid`.
//!
//! Rotation is a new set: a new signing key, with the old public keys kept for verification until their
//! tokens have expired. The set also remembers the tokens it verified.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::keys::{Algorithm, SigningKey, VerifyingKey};
use crate::token::{
    self, ClaimRules, Claims, ClaimsJson, Expectations, Registered, VerifiedTokens,
};

pub struct KeySet {
    /// The private half of the current key.
    signer: Option<Arc<SigningKey>>,
    /// The current key first; `kid`s unique.
    verifiers: Vec<Arc<VerifyingKey>>,
    /// For each verifier, the base64url header of the tokens its private half signs (`alg`, `typ`,
    /// `kid`), built once: a token that comes with one of these needs no header parsed.
    headers: Vec<String>,
    remembered: VerifiedTokens,
    rules: ClaimRules,
}

/// The most keys a fetched JWK Set may give; providers publish a handful.
pub const MAX_JWKS_KEYS: usize = 64;

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
        if signer
            .as_ref()
            .is_some_and(|key| key.public().kid() != current.kid())
        {
            return Err(Error::KeyMismatch);
        }
        let mut unique: Vec<Arc<VerifyingKey>> = Vec::with_capacity(verifiers.len());
        for key in verifiers {
            if !unique.iter().any(|k| k.kid() == key.kid()) {
                unique.push(key);
            }
        }
        let headers = unique
            .iter()
            .map(|key| token::header_b64(key, None))
            .collect::<Result<_>>()?;
        Ok(KeySet {
            signer,
            verifiers: unique,
            headers,
            remembered: VerifiedTokens::new(remember),
            rules: ClaimRules::default(),
        })
    }

    /// The set, requiring `rules` of every token it verifies and applying them to those it signs.
    pub fn with_rules(mut self, rules: ClaimRules) -> Self {
        self.rules = rules;
        self
    }

    pub fn rules(&self) -> &ClaimRules {
        &self.rules
    }

    /// A verify-only set of the keys of a JWK Set (RFC 7517 §5) that verify one of `algorithms`, in its
    /// order; and how many members were skipped (other algorithms, `oct`, encryption keys, junk). No key
    /// is an error: a set with nothing to verify must not replace one that has keys.
    pub fn from_jwks(
        jwks: &Value,
        algorithms: &[Algorithm],
        remember: usize,
    ) -> Result<(Self, usize)> {
        let Some(Value::Array(members)) = jwks.get("keys") else {
            return Err(Error::InvalidKey(
                "the JWK Set is not an object with a \"keys\" list".into(),
            ));
        };
        let mut keys = Vec::new();
        let mut skipped = 0;
        for member in members {
            let key = match member {
                Value::Object(jwk) => VerifyingKey::from_jwk(jwk).ok(),
                _ => None,
            };
            match key {
                Some(key)
                    if algorithms.contains(&key.algorithm()) && keys.len() < MAX_JWKS_KEYS =>
                {
                    keys.push(Arc::new(key))
                }
                _ => skipped += 1,
            }
        }
        if keys.is_empty() {
            return Err(Error::InvalidKey(format!(
                "the JWK Set has no public signature key for {}",
                algorithms
                    .iter()
                    .map(|a| a.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        Ok((KeySet::new(keys, None, remember)?, skipped))
    }

    /// Whether a token naming `kid` (or none) has a key in this set to be checked with.
    pub fn knows(&self, kid: Option<&str>) -> bool {
        kid.is_none_or(|kid| self.find(kid).is_some())
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

    /// Whether signing takes hundreds of microseconds, not tens: an RSA key's.
    pub fn signs_slowly(&self) -> bool {
        self.signer
            .as_ref()
            .is_some_and(|signer| signer.algorithm() == Algorithm::RS256)
    }

    /// The current key's private half, or the error that says there is none.
    fn signer(&self) -> Result<&SigningKey> {
        self.signer
            .as_deref()
            .ok_or_else(|| Error::InvalidKey("the key set has no private key to sign with".into()))
    }

    /// A writer for the claims of a token this set will sign, with the `registered` claims, `token_type`
    /// and the set's `iss` and `aud`; see [`KeySet::issue`]. A set that cannot sign says so here, before
    /// any claim is written.
    pub fn claims<'a>(
        &'a self,
        registered: &'a Registered,
        token_type: &'a str,
    ) -> Result<ClaimsJson<'a>> {
        self.signer()?;
        Ok(ClaimsJson::new(&self.rules, registered, token_type))
    }

    /// Signs `claims` (made by [`KeySet::claims`]) with the current key.
    pub fn issue(&self, claims: ClaimsJson<'_>, extra_header: Option<&Claims>) -> Result<String> {
        let signer = self.signer()?;
        let claims = claims.finish();
        match extra_header {
            Some(extra) if !extra.is_empty() => {
                let header = token::header_b64(signer.public(), Some(extra))?;
                token::encode(signer, &header, &claims)
            }
            _ => token::encode(signer, &self.headers[0], &claims),
        }
    }

    /// Verifies `token` with the key its `kid` names (the current key if it names none) and checks its
    /// claims; returns the payload's JSON text. A token verified before skips the signature; its claims
    /// are checked again.
    pub fn verify(&self, token: &str, expect: &Expectations) -> Result<Arc<[u8]>> {
        let (payload, new) = self.signed_payload(token)?;
        token::validate(&payload, expect, &self.rules)?;
        if new {
            self.remember(token, &payload);
        }
        Ok(payload)
    }

    /// The payload's JSON text of a token whose signature verifies with the key its `kid` names (the
    /// current key if it names none), its claims not checked: [`token::check`] them with [`KeySet::rules`]
    /// before anything else, then [`KeySet::remember`] the token if it is new (true here).
    pub fn signed_payload(&self, token: &str) -> Result<(Arc<[u8]>, bool)> {
        if let Some(payload) = self.remembered.get(token) {
            return Ok((payload, false));
        }
        let parts = token::split(token)?;
        let key = match self.headers.iter().position(|h| h == parts.header_b64()) {
            // The header one of the keys writes: it names that key's algorithm and `kid`, and nothing else.
            Some(i) => &self.verifiers[i],
            None => {
                let header = parts.header()?;
                let key = match header.kid()? {
                    None => self.current(),
                    Some(kid) => self.find(kid).ok_or(Error::UnknownKeyId)?,
                };
                header.check(key)?;
                key
            }
        };
        Ok((parts.verify(key)?.into(), true))
    }

    /// Remembers a token whose signature verified and whose claims passed, so that verifying it again
    /// skips the signature.
    pub fn remember(&self, token: &str, payload: &Arc<[u8]>) {
        self.remembered.insert(token, Arc::clone(payload));
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
    use base64_simd::URL_SAFE_NO_PAD;
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
        issue_claims(set, &claims, &registered, None).unwrap()
    }

    /// Signs `claims` (a map) plus the registered claims as an access token.
    pub(crate) fn issue_claims(
        set: &KeySet,
        claims: &Claims,
        registered: &Registered,
        header: Option<&Claims>,
    ) -> Result<String> {
        let mut json = set.claims(registered, "access")?;
        json.extend(claims);
        set.issue(json, header)
    }

    pub(crate) fn to_map(payload: &[u8]) -> Claims {
        serde_json::from_slice(payload).unwrap()
    }

    fn header(token: &str) -> Value {
        let b64 = token.split('.').next().unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode_to_vec(b64).unwrap()).unwrap()
    }

    /// The token with its header replaced, re-signed by key `signer`.
    fn with_header(token: &str, header: &Value, signer: usize) -> String {
        let payload = token.split('.').nth(1).unwrap();
        let input = format!(
            "{}.{payload}",
            URL_SAFE_NO_PAD.encode_to_string(serde_json::to_vec(header).unwrap())
        );
        let sig = keys()[signer].0.sign(input.as_bytes()).unwrap();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode_to_string(sig))
    }

    #[test]
    fn the_sets_claims_take_the_place_of_the_callers_and_come_after_the_rest() {
        let mut own = rules("https://auth.example", &["api"], false);
        own.audience_claim = Some(json!("api"));
        let keys_ = set(0, &[]).with_rules(own);
        let registered = Registered::new(
            DateTime::from_timestamp(NOW, 0).unwrap(),
            TimeDelta::minutes(5),
        )
        .unwrap();
        let mut claims = Claims::new();
        for (name, value) in [
            ("token_type", "x"),
            ("user_id", "7"),
            ("iss", "me"),
            ("a", "b"),
        ] {
            claims.insert(name.into(), json!(value));
        }
        let token = issue_claims(&keys_, &claims, &registered, None).unwrap();
        let verified = to_map(&keys_.verify(&token, &expect()).unwrap());
        let names: Vec<&str> = verified.keys().map(String::as_str).collect();
        let order = [
            "token_type",
            "user_id",
            "iss",
            "a",
            "jti",
            "exp",
            "iat",
            "aud",
        ];
        assert_eq!(names, order);
        assert_eq!(verified["token_type"], "access");
        assert_eq!(verified["iss"], "https://auth.example");
    }

    #[test]
    fn a_known_header_picks_its_key_and_any_other_is_read() {
        // Keys 0 and 3 are both RSA: a token signed by 0 under 3's exact header is refused.
        let keys_ = set(0, &[3]);
        let token = issue(&set(0, &[]));
        assert!(keys_.verify(&token, &expect()).is_ok());
        let other = header(&issue(&set(3, &[])));
        let under_other = with_header(&token, &other, 0);
        assert_eq!(
            keys_.verify(&under_other, &expect()).unwrap_err(),
            Error::InvalidSignature
        );
        // The same fields written otherwise (another order, spaces) are parsed and accepted.
        let h = header(&token);
        let respelled = format!(
            "{{ \"kid\": {}, \"typ\": \"JWT\", \"alg\": {} }}",
            h["kid"], h["alg"]
        );
        let respelled: Value = serde_json::from_str(&respelled).unwrap();
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode_to_string(respelled.to_string().replace(',', ", ")),
            token.split('.').nth(1).unwrap()
        );
        assert!(!keys_
            .headers
            .contains(&input.split('.').next().unwrap().to_owned()));
        let sig = keys()[0].0.sign(input.as_bytes()).unwrap();
        let token = format!("{input}.{}", URL_SAFE_NO_PAD.encode_to_string(sig));
        assert!(keys_.verify(&token, &expect()).is_ok());
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
            assert_eq!(
                to_map(&keys_.verify(&token, &expect()).unwrap())["user_id"],
                7
            );
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
            let refused = issue_claims(&keys_, &Claims::new(), &registered, Some(&header));
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

    fn rules(issuer: &str, audiences: &[&str], foreign: bool) -> ClaimRules {
        ClaimRules {
            issuer: Some(issuer.into()),
            audiences: audiences.iter().map(|a| a.to_string()).collect(),
            audience_claim: None,
            foreign,
        }
    }

    /// A token signed by key `signer` with exactly `claims` (plus `kid`).
    fn signed(claims: Value, signer: usize) -> String {
        let h = json!({"alg": keys()[signer].1.algorithm().name(), "kid": keys()[signer].1.kid()});
        let b64 = |v: &Value| URL_SAFE_NO_PAD.encode_to_string(serde_json::to_vec(v).unwrap());
        let input = format!("{}.{}", b64(&h), b64(&claims));
        let sig = keys()[signer].0.sign(input.as_bytes()).unwrap();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode_to_string(sig))
    }

    #[test]
    fn a_jwks_gives_back_the_keys_that_made_it_pinned_to_their_algorithms() {
        let published = Value::Object(set(0, &[1, 2]).jwks());
        let (fetched, skipped) = KeySet::from_jwks(&published, &ALGORITHMS, 8).unwrap();
        assert_eq!(skipped, 0);
        let kids: Vec<&str> = fetched.verifiers().iter().map(|k| k.kid()).collect();
        assert_eq!(kids, [0, 1, 2].map(|i| keys()[i].1.kid()));
        for (i, algorithm) in ALGORITHMS.iter().enumerate() {
            assert_eq!(fetched.verifiers()[i].algorithm(), *algorithm);
            assert!(fetched.verify(&issue(&set(i, &[])), &expect()).is_ok());
        }
        // Only the algorithms asked for: an RS256-only issuer's set drops the others.
        let (rsa_only, skipped) = KeySet::from_jwks(&published, &[Algorithm::RS256], 8).unwrap();
        assert_eq!((rsa_only.verifiers().len(), skipped), (1, 2));
        assert!(matches!(
            rsa_only.verify(&issue(&set(1, &[])), &expect()),
            Err(Error::UnknownKeyId)
        ));
    }

    #[test]
    fn jwks_members_that_must_not_verify_are_skipped() {
        let rsa = keys()[0].1.jwk();
        let with = |name: &str, value: Value| {
            let mut jwk = rsa.clone();
            jwk.insert(name.into(), value);
            Value::Object(jwk)
        };
        let mut no_n = rsa.clone();
        no_n.remove("n");
        let junk = json!({"keys": [
            {"kty": "oct", "k": "c2VjcmV0", "alg": "HS256", "kid": "hmac"},
            with("use", json!("enc")),
            with("alg", json!("PS256")),
            with("alg", json!("RS512")),
            with("kid", json!(7)),
            with("kid", json!("")),
            with("n", json!("not base64!")),
            with("n", json!("AQAB")),
            Value::Object(no_n),
            {"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"},
            {"kty": "OKP", "crv": "X25519", "x": "AA"},
            {"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"},
            // An Ed25519 key of order 4 (32 zero bytes): anyone could sign under it.
            {"kty": "OKP", "crv": "Ed25519", "x": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
            "a string", 7, null, [],
        ]});
        assert!(matches!(
            KeySet::from_jwks(&junk, &ALGORITHMS, 8),
            Err(Error::InvalidKey(_))
        ));
        let mut members = junk["keys"].as_array().unwrap().clone();
        members.push(with("kid", json!("provider-key-1")));
        let (fetched, skipped) =
            KeySet::from_jwks(&json!({ "keys": members }), &ALGORITHMS, 8).unwrap();
        assert_eq!(skipped, 17);
        assert_eq!(fetched.verifiers()[0].kid(), "provider-key-1");
        assert!(fetched.knows(Some("provider-key-1")) && fetched.knows(None));
        assert!(!fetched.knows(Some(keys()[0].1.kid())));
        for not_a_set in [json!({}), json!([]), json!({"keys": {}}), json!("x")] {
            assert!(KeySet::from_jwks(&not_a_set, &ALGORITHMS, 8).is_err());
        }
    }

    #[test]
    fn issuer_and_audience_are_signed_and_required() {
        let mut own = rules("https://auth.example", &["api", "admin"], false);
        own.audience_claim = Some(json!(["api", "admin"]));
        let keys_ = set(0, &[]).with_rules(own);
        let token = issue(&keys_);
        let claims = to_map(&keys_.verify(&token, &expect()).unwrap());
        assert_eq!(claims["iss"], "https://auth.example");
        assert_eq!(claims["aud"], json!(["api", "admin"]));
        // Another service sharing the key but expecting another audience or issuer refuses it.
        for (other, error) in [
            (
                rules("https://auth.example", &["billing"], false),
                Error::InvalidAudience,
            ),
            (
                rules("https://auth.example/", &["api"], false),
                Error::InvalidIssuer,
            ),
        ] {
            let elsewhere = set(0, &[]).with_rules(other);
            assert_eq!(elsewhere.verify(&token, &expect()).unwrap_err(), error);
        }
        // Without rules, tokens carry neither claim.
        let plain = keys_verify_claims(&set(0, &[]));
        assert!(plain.get("iss").is_none() && plain.get("aud").is_none());
        let base = json!({"jti": "j", "exp": NOW + 60, "token_type": "access"});
        for (extra, ok) in [
            (json!({"iss": "https://auth.example", "aud": "admin"}), true),
            (
                json!({"iss": "https://auth.example", "aud": ["x", "api"]}),
                true,
            ),
            (
                json!({"iss": "https://auth.example", "aud": ["x", 1]}),
                false,
            ),
            (json!({"iss": "https://auth.example"}), false),
            (json!({"aud": "api"}), false),
            (json!({"iss": "https://AUTH.example", "aud": "api"}), false),
            (
                json!({"iss": ["https://auth.example"], "aud": "api"}),
                false,
            ),
        ] {
            let mut claims = base.clone();
            claims
                .as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            let verify = set(0, &[])
                .with_rules(rules("https://auth.example", &["api", "admin"], false))
                .verify(&signed(claims, 0), &expect());
            assert_eq!(verify.is_ok(), ok, "{extra}");
        }
    }

    fn keys_verify_claims(keys_: &KeySet) -> Claims {
        to_map(&keys_.verify(&issue(keys_), &expect()).unwrap())
    }

    #[test]
    fn a_trusted_issuers_tokens_need_no_jti_but_never_are_refresh_or_id_tokens() {
        let trusted = || set(0, &[]).with_rules(rules("https://idp.example/", &["api"], true));
        let base =
            json!({"iss": "https://idp.example/", "aud": "api", "exp": NOW + 60, "sub": "u1"});
        let with = |extra: Value| {
            let mut claims = base.clone();
            claims
                .as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            trusted()
                .verify(&signed(claims, 0), &expect())
                .map(|p| to_map(&p))
        };
        assert_eq!(with(json!({})).unwrap()["sub"], "u1");
        assert!(with(json!({"token_type": "access", "token_use": "access"})).is_ok());
        for refused in [
            json!({"token_type": "refresh"}),
            json!({"token_use": "id"}),
            json!({"exp": NOW}),
            json!({"exp": null}),
            json!({"nbf": NOW + 60}),
            json!({"aud": "other"}),
        ] {
            assert!(with(refused.clone()).is_err(), "{refused}");
        }
        // Without `aud`, `client_id` names the audience (Cognito's access tokens, RFC 9068).
        let mut claims = base.clone();
        claims.as_object_mut().unwrap().remove("aud");
        assert_eq!(
            trusted()
                .verify(&signed(claims.clone(), 0), &expect())
                .unwrap_err(),
            Error::InvalidAudience
        );
        claims
            .as_object_mut()
            .unwrap()
            .insert("client_id".into(), json!("api"));
        assert!(trusted().verify(&signed(claims, 0), &expect()).is_ok());
    }

    #[test]
    fn issuer_and_kid_are_read_before_any_check() {
        let token = signed(json!({"iss": "https://idp.example/", "exp": 1}), 1);
        assert_eq!(
            token::issuer_and_kid(&token).unwrap(),
            (
                Some("https://idp.example/".into()),
                Some(keys()[1].1.kid().into())
            )
        );
        assert_eq!(token::issuer_and_kid(&issue(&set(0, &[]))).unwrap().0, None);
        let odd = signed(json!({"iss": 1}), 1);
        assert_eq!(
            token::issuer_and_kid(&odd).unwrap_err(),
            Error::InvalidIssuer
        );
        assert!(token::issuer_and_kid("a.b").is_err());
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
            let token = issue_claims(&keys_, &Claims::new(), &registered, None).unwrap();
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
    use super::tests::{issue_claims, keys, set, to_map};
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
            let token = issue_claims(&keys_, &claims, &registered, None).unwrap();
            let verified = to_map(&keys_.verify(&token, &expect()).unwrap());
            let mut expected = claims;
            expected.insert("jti".into(), Value::from(registered.jti.as_str()));
            expected.insert("exp".into(), Value::from(registered.exp));
            expected.insert("iat".into(), Value::from(registered.iat));
            expected.insert("token_type".into(), Value::from("access"));
            prop_assert_eq!(&verified, &expected);
        }

        #[test]
        fn changing_any_character_of_a_token_is_refused(at in any::<prop::sample::Index>(), to in "[A-Za-z0-9_.-]") {
            let keys_ = set(1, &[0, 2]);
            let registered = Registered::new(DateTime::from_timestamp(NOW, 0).unwrap(), TimeDelta::minutes(5)).unwrap();
            let token = issue_claims(&keys_, &Claims::new(), &registered, None).unwrap();
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
