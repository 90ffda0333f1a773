//! Compact JWS: the registered claims, signing, and verification with PyJWT's time rules.
//!
//! The keys in [`crate::keys`] hold their parsed state, so no call re-parses a key; [`crate::keyset`]
//! chooses the key. The clock is always passed in, never read here.
//!
//! A token's JSON is never built into a tree here. Signing writes the claims' JSON text member by member
//! ([`ClaimsJson`]); verifying reads only the header fields and claims it checks ([`Field`]) and hands
//! the payload's JSON text on, which the Python layer parses straight into a dict.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64_simd::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::keys::{SigningKey, VerifyingKey};

pub type Claims = Map<String, Value>;

/// Longer tokens are refused before any work: ours are well under 2 KiB.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// Longer tokens are verified every time rather than remembered, which bounds the memory a set uses.
pub const MAX_REMEMBERED_LEN: usize = 4 * 1024;

/// Header fields that make a recipient trust or fetch something besides its own keys (RFC 7515 §4.1),
/// or that it must understand (`crit`): tokens carrying them are refused, and none is ever signed.
const REFUSED_HEADERS: [&str; 5] = ["crit", "jku", "jwk", "x5u", "x5c"];

/// Header fields the signing key sets; callers cannot change them.
const KEY_HEADERS: [&str; 2] = ["alg", "kid"];

/// The claims this package adds to every token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    pub jti: String,
    pub exp: i64,
    pub iat: i64,
}

impl Registered {
    /// The claims every token gets from its key set.
    pub const NAMES: [&'static str; 4] = ["jti", "exp", "iat", "token_type"];

    /// `iat` is `now` and `exp` is `now + lifetime`, both as whole seconds (truncated, as the original's
    /// `int(datetime.timestamp())`); `jti` is a random UUID4 in hex.
    pub fn new(now: DateTime<Utc>, lifetime: TimeDelta) -> Result<Self> {
        let expiry = now
            .checked_add_signed(lifetime)
            .ok_or_else(|| Error::Encode("the token lifetime is out of range".into()))?;
        Ok(Registered {
            jti: uuid4_hex()?,
            exp: expiry.timestamp(),
            iat: now.timestamp(),
        })
    }
}

fn uuid4_hex() -> Result<String> {
    let mut bytes = [0u8; 16];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Error::Encode("the system random generator failed".into()))?;
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant

    // By hand: a format! per byte cost more than the random bytes.
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(32);
    for b in bytes {
        hex.push(HEX[usize::from(b >> 4)] as char);
        hex.push(HEX[usize::from(b & 0x0f)] as char);
    }
    Ok(hex)
}

/// Appends `value` as compact JSON.
pub fn write_json<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    // Writing into a Vec cannot fail, and neither can serializing strings, numbers or a serde_json Value.
    serde_json::to_writer(out, value).expect("JSON into memory");
}

/// A claim the key set writes itself.
#[derive(Clone, Copy)]
enum Own<'a> {
    Text(&'a str),
    Number(i64),
    Json(&'a Value),
}

/// The JSON text of a token's claims, written member by member: the caller's claims, in their order,
/// with the key set's own (`jti`, `exp`, `iat`, `token_type`, and `iss`/`aud` if it has them) in the
/// place of a caller's claim of the same name, the others after them, as Python's
/// `{**payload, "jti": ...}` orders them. Made by [`crate::keyset::KeySet::claims`].
pub struct ClaimsJson<'a> {
    out: Vec<u8>,
    /// The key set's claims not written yet.
    own: Vec<(&'static str, Own<'a>)>,
}

impl<'a> ClaimsJson<'a> {
    pub(crate) fn new(
        rules: &'a ClaimRules,
        registered: &'a Registered,
        token_type: &'a str,
    ) -> Self {
        let mut out = Vec::with_capacity(384);
        out.push(b'{');
        let mut own = vec![
            ("jti", Own::Text(&registered.jti)),
            ("exp", Own::Number(registered.exp)),
            ("iat", Own::Number(registered.iat)),
            ("token_type", Own::Text(token_type)),
        ];
        if let Some(issuer) = &rules.issuer {
            own.push(("iss", Own::Text(issuer)));
        }
        if let Some(audience) = &rules.audience_claim {
            own.push(("aud", Own::Json(audience)));
        }
        ClaimsJson { out, own }
    }

    /// Starts the member `name` and returns the buffer its value must be written into next, as JSON
    /// text; `None` for a claim the key set writes itself (written here, the caller's value left out).
    pub fn member(&mut self, name: &str) -> Option<&mut Vec<u8>> {
        if let Some(i) = self.own.iter().position(|(own, _)| *own == name) {
            let (name, value) = self.own.remove(i);
            self.write_own(name, value);
            return None;
        }
        if Registered::NAMES.contains(&name) {
            return None; // named twice by the caller (`1` and `"1"` are one name in JSON): written once
        }
        Some(self.start(name))
    }

    fn start(&mut self, name: &str) -> &mut Vec<u8> {
        if self.out.len() > 1 {
            self.out.push(b',');
        }
        write_json(&mut self.out, name);
        self.out.push(b':');
        &mut self.out
    }

    fn write_own(&mut self, name: &str, value: Own<'_>) {
        let out = self.start(name);
        match value {
            Own::Text(text) => write_json(out, text),
            Own::Number(n) => write_json(out, &n),
            Own::Json(json) => write_json(out, json),
        }
    }

    /// The caller's claims from a map (for callers in Rust).
    pub fn extend(&mut self, claims: &Claims) {
        for (name, value) in claims {
            if let Some(out) = self.member(name) {
                write_json(out, value);
            }
        }
    }

    /// The whole JSON object: the key set's claims the caller did not name are added.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        for (name, value) in std::mem::take(&mut self.own) {
            self.write_own(name, value);
        }
        self.out.push(b'}');
        self.out
    }
}

/// The base64url header of tokens the private half of `key` signs: `alg`, `typ` and `kid`, plus `extra` fields, which can
/// neither change `alg` or `kid` nor add a field that would make the token refused.
pub fn header_b64(key: &VerifyingKey, extra: Option<&Claims>) -> Result<String> {
    let mut header = Claims::new();
    header.insert("alg".into(), Value::from(key.algorithm().name()));
    header.insert("typ".into(), Value::from("JWT"));
    header.insert("kid".into(), Value::from(key.kid()));
    for (name, value) in extra.into_iter().flatten() {
        if KEY_HEADERS.contains(&name.as_str()) || REFUSED_HEADERS.contains(&name.as_str()) {
            return Err(Error::Encode(format!(
                "the header field \"{name}\" cannot be set: the key sets alg and kid, and tokens \
                 with crit, jku, jwk, x5u or x5c are refused"
            )));
        }
        header.insert(name.clone(), value.clone());
    }
    let mut json = Vec::with_capacity(128);
    write_json(&mut json, &header);
    Ok(URL_SAFE_NO_PAD.encode_to_string(json))
}

/// Signs the `claims` JSON (complete: see [`crate::keyset::KeySet::issue`]) into a compact JWS under the
/// base64url `header_b64` (see [`header_b64`]).
pub fn encode(key: &SigningKey, header_b64: &str, claims: &[u8]) -> Result<String> {
    let payload_len = claims.len().div_ceil(3) * 4;
    let mut token = String::with_capacity(header_b64.len() + payload_len + 350);
    token.push_str(header_b64);
    token.push('.');
    URL_SAFE_NO_PAD.encode_append(claims, &mut token);
    let signature = key.sign(token.as_bytes())?;
    token.push('.');
    URL_SAFE_NO_PAD.encode_append(signature, &mut token);
    Ok(token)
}

/// What a verified token must satisfy besides its signature.
#[derive(Debug, Clone, Copy)]
pub struct Expectations<'a> {
    /// The required `token_type` claim, if any.
    pub token_type: Option<&'a str>,
    /// The current time, in seconds since the epoch.
    pub now: f64,
    /// Seconds of clock skew tolerated on `exp`, `iat` and `nbf`.
    pub leeway: f64,
}

/// What a key set requires of every token it verifies, whoever asks: its issuer and audiences.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClaimRules {
    /// `iss` must be exactly this (compared as strings, RFC 7519 §4.1.1).
    pub issuer: Option<String>,
    /// `aud` (a string or a list) must name one of these; empty: not checked.
    pub audiences: Vec<String>,
    /// The `aud` claim this set's tokens carry: a string or a list, as configured.
    pub audience_claim: Option<Value>,
    /// Another issuer's tokens: `jti` and `token_type` are not required (providers do not write them),
    /// but a `token_type` of another type, or a Cognito `token_use` other than "access", is refused;
    /// without `aud`, `client_id` (RFC 9068 §2.2, Cognito) must name an audience.
    pub foreign: bool,
}

impl ClaimRules {
    fn check(&self, claims: &ClaimFields, expect: &Expectations) -> Result<()> {
        if let Some(issuer) = &self.issuer {
            if claims.iss.as_str() != Some(issuer) {
                return Err(Error::InvalidIssuer);
            }
        }
        if !self.audiences.is_empty() {
            let named = |v: &Field| {
                v.as_str()
                    .is_some_and(|a| self.audiences.iter().any(|x| x == a))
            };
            let ok = match &claims.aud {
                Field::List(list) => list.iter().any(named),
                Field::Absent if self.foreign => named(&claims.client_id),
                aud => named(aud),
            };
            if !ok {
                return Err(Error::InvalidAudience);
            }
        }
        if self.foreign {
            if let Some(expected) = expect.token_type {
                let wrong = |v: &Field| !matches!(v, Field::Absent) && v.as_str() != Some(expected);
                if wrong(&claims.token_type) || wrong(&claims.token_use) {
                    return Err(Error::InvalidTokenType {
                        expected: expected.to_owned(),
                    });
                }
            }
        }
        Ok(())
    }
}

/// A header field or a claim, as far as the checks read it: the rest of a token's JSON is skipped.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Field<'a> {
    /// Not in the object.
    #[default]
    Absent,
    Str(Cow<'a, str>),
    /// Any JSON number.
    Num(f64),
    List(Vec<Field<'a>>),
    /// `null`, a boolean or an object.
    Other,
}

impl Field<'_> {
    /// The field, its text copied.
    pub fn into_owned(self) -> Field<'static> {
        match self {
            Field::Absent => Field::Absent,
            Field::Str(text) => Field::Str(Cow::Owned(text.into_owned())),
            Field::Num(n) => Field::Num(n),
            Field::List(items) => Field::List(items.into_iter().map(Field::into_owned).collect()),
            Field::Other => Field::Other,
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Field::Str(text) => Some(text),
            _ => None,
        }
    }

    /// A numeric date as PyJWT reads it: `int(value)`, so fractions are truncated; `Err` if not a number.
    fn date(&self) -> Option<std::result::Result<f64, ()>> {
        match self {
            Field::Absent => None,
            Field::Num(n) => Some(Ok(n.trunc())),
            _ => Some(Err(())),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Field<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct FieldVisitor<'a>(std::marker::PhantomData<Field<'a>>);

        impl<'de: 'a, 'a> Visitor<'de> for FieldVisitor<'a> {
            type Value = Field<'a>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_bool<E>(self, _: bool) -> std::result::Result<Field<'a>, E> {
                Ok(Field::Other)
            }
            fn visit_i64<E>(self, n: i64) -> std::result::Result<Field<'a>, E> {
                Ok(Field::Num(n as f64))
            }
            fn visit_u64<E>(self, n: u64) -> std::result::Result<Field<'a>, E> {
                Ok(Field::Num(n as f64))
            }
            fn visit_f64<E>(self, n: f64) -> std::result::Result<Field<'a>, E> {
                Ok(Field::Num(n))
            }
            fn visit_borrowed_str<E>(self, text: &'de str) -> std::result::Result<Field<'a>, E> {
                Ok(Field::Str(Cow::Borrowed(text)))
            }
            fn visit_str<E>(self, text: &str) -> std::result::Result<Field<'a>, E> {
                Ok(Field::Str(Cow::Owned(text.to_owned())))
            }
            fn visit_string<E>(self, text: String) -> std::result::Result<Field<'a>, E> {
                Ok(Field::Str(Cow::Owned(text)))
            }
            fn visit_unit<E>(self) -> std::result::Result<Field<'a>, E> {
                Ok(Field::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Field<'a>, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Field::List(items))
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Field<'a>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Field::Other)
            }
        }

        deserializer.deserialize_any(FieldVisitor(std::marker::PhantomData))
    }
}

/// The header fields the checks read. A field named twice is refused (RFC 7515 §5.2 allows it).
#[derive(Deserialize, Default)]
#[serde(default)]
struct HeaderFields<'a> {
    #[serde(borrow)]
    alg: Field<'a>,
    #[serde(borrow)]
    kid: Field<'a>,
    #[serde(borrow)]
    crit: Field<'a>,
    #[serde(borrow)]
    jku: Field<'a>,
    #[serde(borrow)]
    jwk: Field<'a>,
    #[serde(borrow)]
    x5u: Field<'a>,
    #[serde(borrow)]
    x5c: Field<'a>,
}

/// The claims the checks read. Named twice, the last one counts, as in the dict of claims: the Python
/// layer reads them from that dict (by [`ClaimFields::index`]), and serde from the JSON text.
#[derive(Default)]
pub struct ClaimFields<'a> {
    exp: Field<'a>,
    iat: Field<'a>,
    nbf: Field<'a>,
    jti: Field<'a>,
    token_type: Field<'a>,
    token_use: Field<'a>,
    iss: Field<'a>,
    aud: Field<'a>,
    client_id: Field<'a>,
}

impl<'a> ClaimFields<'a> {
    /// How many claims the checks read.
    pub const COUNT: usize = 9;

    /// The index (below [`ClaimFields::COUNT`]) of the claim `name`, if the checks read it.
    pub fn index(name: &str) -> Option<usize> {
        Some(match name {
            "exp" => 0,
            "iat" => 1,
            "nbf" => 2,
            "jti" => 3,
            "token_type" => 4,
            "token_use" => 5,
            "iss" => 6,
            "aud" => 7,
            "client_id" => 8,
            _ => return None,
        })
    }

    /// The field of the claim at `index`.
    pub fn slot(&mut self, index: usize) -> &mut Field<'a> {
        match index {
            0 => &mut self.exp,
            1 => &mut self.iat,
            2 => &mut self.nbf,
            3 => &mut self.jti,
            4 => &mut self.token_type,
            5 => &mut self.token_use,
            6 => &mut self.iss,
            7 => &mut self.aud,
            8 => &mut self.client_id,
            _ => unreachable!("a claim index is below ClaimFields::COUNT"),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for ClaimFields<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct ClaimsVisitor<'a>(std::marker::PhantomData<ClaimFields<'a>>);

        impl<'de: 'a, 'a> Visitor<'de> for ClaimsVisitor<'a> {
            type Value = ClaimFields<'a>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<ClaimFields<'a>, A::Error> {
                let mut claims = ClaimFields::default();
                while let Some(name) = map.next_key::<Field<'de>>()? {
                    match name.as_str().and_then(ClaimFields::index) {
                        Some(i) => *claims.slot(i) = map.next_value()?,
                        None => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(claims)
            }
        }

        deserializer.deserialize_map(ClaimsVisitor(std::marker::PhantomData))
    }
}

/// The JSON text of a header or a payload: base64url-decoded, UTF-8, and starting as an object does.
fn json_part(part_b64: &str, what: &str) -> Result<Vec<u8>> {
    let bytes = URL_SAFE_NO_PAD
        .decode_to_vec(part_b64)
        .map_err(|_| Error::Decode(format!("the {what} is not valid base64url")))?;
    // serde reads a struct from a JSON array too, by position: only an object is a header or a payload.
    if bytes.trim_ascii_start().first() != Some(&b'{') || std::str::from_utf8(&bytes).is_err() {
        return Err(Error::Decode(format!("the {what} is not a JSON object")));
    }
    Ok(bytes)
}

/// The fields of a header's or a payload's JSON text that `T` names.
fn fields<'a, T: Deserialize<'a>>(json: &'a [u8], what: &str) -> Result<T> {
    serde_json::from_slice(json).map_err(|e| {
        Error::Decode(
            if e.is_data() && e.to_string().starts_with("duplicate field") {
                format!("the {what} names a field twice")
            } else {
                format!("the {what} is not a JSON object")
            },
        )
    })
}

/// The three parts of a compact JWS.
pub struct Parts<'t> {
    signing_input: &'t str,
    header_b64: &'t str,
    payload_b64: &'t str,
    signature_b64: &'t str,
}

/// Splits a compact JWS into its parts (nothing decoded yet).
pub fn split(token: &str) -> Result<Parts<'_>> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(Error::Decode("the token is too long".into()));
    }
    // memchr's SIMD search: a token is a few hundred bytes, and str's own search goes a word at a time.
    let bytes = token.as_bytes();
    let mut dots = memchr::memchr_iter(b'.', bytes);
    let (Some(first), Some(second)) = (dots.next(), dots.next()) else {
        return Err(Error::Decode("not enough segments".into()));
    };
    if dots.next().is_some() {
        return Err(Error::Decode("too many segments".into()));
    }
    // The dots are ASCII, so every slice below starts and ends on a character boundary.
    let (signing_input, signature_b64) = (&token[..second], &token[second + 1..]);
    let (header_b64, payload_b64) = (&token[..first], &token[first + 1..second]);
    Ok(Parts {
        signing_input,
        header_b64,
        payload_b64,
        signature_b64,
    })
}

impl Parts<'_> {
    /// The header as it came, base64url.
    pub fn header_b64(&self) -> &str {
        self.header_b64
    }

    /// The header's fields that choose and check the key.
    pub fn header(&self) -> Result<Header> {
        let json = json_part(self.header_b64, "header")?;
        let header: HeaderFields = fields(&json, "header")?;
        let present = [
            &header.crit,
            &header.jku,
            &header.jwk,
            &header.x5u,
            &header.x5c,
        ];
        let refused = REFUSED_HEADERS
            .iter()
            .zip(present)
            .find(|(_, field)| !matches!(field, Field::Absent))
            .map(|(name, _)| *name);
        Ok(Header {
            alg: header.alg.as_str().map(str::to_owned),
            kid: match header.kid {
                Field::Absent => Ok(None),
                Field::Str(kid) => Ok(Some(kid.into_owned())),
                _ => Err(()),
            },
            refused,
        })
    }

    /// The payload's JSON text, if `key`'s signature is the token's; the header is not looked at (see
    /// [`Header::check`]).
    pub fn verify(&self, key: &VerifyingKey) -> Result<Vec<u8>> {
        let signature = URL_SAFE_NO_PAD
            .decode_to_vec(self.signature_b64)
            .map_err(|_| Error::Decode("the signature is not valid base64url".into()))?;
        if !key.verify(self.signing_input.as_bytes(), &signature) {
            return Err(Error::InvalidSignature);
        }
        json_part(self.payload_b64, "payload")
    }
}

/// What a token's header says of its key.
pub struct Header {
    /// `alg`, if it is a string.
    alg: Option<String>,
    /// `kid`: `Err` if it is not a string.
    kid: std::result::Result<Option<String>, ()>,
    /// The first refused header field the token has.
    refused: Option<&'static str>,
}

impl Header {
    /// The `kid`, if any.
    pub fn kid(&self) -> Result<Option<&str>> {
        match &self.kid {
            Ok(kid) => Ok(kid.as_deref()),
            Err(()) => Err(Error::Decode("the key id (kid) is not a string".into())),
        }
    }

    /// Whether a token with this header may be checked with `key`: it names `key`'s algorithm and no
    /// field that is refused.
    pub fn check(&self, key: &VerifyingKey) -> Result<()> {
        let Some(alg) = &self.alg else {
            return Err(Error::InvalidAlgorithm(
                "the header names no algorithm".into(),
            ));
        };
        // RFC 7515 §4.1.11: a recipient that does not understand a critical extension must reject the
        // token; and keys come from the server's own key set only, never from the token.
        if let Some(name) = self.refused {
            return Err(Error::Decode(format!(
                "the header field \"{name}\" is not accepted"
            )));
        }
        if alg != key.algorithm().name() {
            return Err(Error::InvalidAlgorithm(format!(
                "the key verifies {} only",
                key.algorithm()
            )));
        }
        Ok(())
    }
}

/// Tokens a key set has verified, with their payload's JSON: a client sends the same access token with
/// every request until it expires, and looking it up costs far less than an RSA verification.
///
/// Only tokens that passed every check are added, so only the server's own tokens get in, and only
/// those of at most [`MAX_REMEMBERED_LEN`] bytes. The count is bounded: two generations of at most half
/// the capacity each; when the young one is full it becomes the old one and the old one is dropped. A hit
/// in the old generation moves the token to the young.
pub struct VerifiedTokens {
    half: usize,
    generations: Mutex<Generations>,
}

#[derive(Default)]
struct Generations {
    young: HashMap<Box<str>, Arc<[u8]>>,
    old: HashMap<Box<str>, Arc<[u8]>>,
}

impl Generations {
    fn insert(&mut self, half: usize, token: Box<str>, payload: Arc<[u8]>) {
        if self.young.len() >= half {
            self.old = std::mem::take(&mut self.young);
        }
        self.young.insert(token, payload);
    }
}

impl VerifiedTokens {
    /// Remembers at most `capacity` tokens (0: none).
    pub fn new(capacity: usize) -> Self {
        VerifiedTokens {
            half: capacity / 2,
            generations: Mutex::new(Generations::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Generations> {
        // The maps stay consistent whatever a panicking holder was doing: no invariant spans them.
        self.generations.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, token: &str) -> Option<Arc<[u8]>> {
        if self.half == 0 || token.len() > MAX_REMEMBERED_LEN {
            return None; // never inserted: not worth hashing
        }
        let mut g = self.lock();
        if let Some(payload) = g.young.get(token) {
            return Some(Arc::clone(payload));
        }
        let (token, payload) = g.old.remove_entry(token)?;
        g.insert(self.half, token, Arc::clone(&payload));
        Some(payload)
    }

    pub fn insert(&self, token: &str, payload: Arc<[u8]>) {
        if self.half > 0 && token.len() <= MAX_REMEMBERED_LEN {
            self.lock().insert(self.half, token.into(), payload);
        }
    }

    pub fn len(&self) -> usize {
        let g = self.lock();
        g.young.len() + g.old.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The payload's JSON text of `token` without checking its signature, times or type (the caller parses
/// it). Never use this to authenticate.
pub fn decode_unverified(token: &str) -> Result<Vec<u8>> {
    // As PyJWT's unverified decode: a header and a payload that are JSON objects, no field checked, so a
    // name given twice is left to the JSON reader (the last one counts).
    let parts = split(token)?;
    json_part(parts.header_b64, "header")?;
    json_part(parts.payload_b64, "payload")
}

/// The token's `iss` and header `kid`, read without any check, to choose the key set that verifies it.
pub fn issuer_and_kid(token: &str) -> Result<(Option<String>, Option<String>)> {
    let parts = split(token)?;
    let kid = parts.header()?.kid()?.map(str::to_owned);
    let payload = json_part(parts.payload_b64, "payload")?;
    let iss = match fields::<ClaimFields>(&payload, "payload")?.iss {
        Field::Absent => None,
        Field::Str(iss) => Some(iss.into_owned()),
        _ => return Err(Error::InvalidIssuer),
    };
    Ok((iss, kid))
}

/// Checks the claims of a token whose signature passed (its payload's JSON text); see [`check`].
pub fn validate(payload: &[u8], expect: &Expectations, rules: &ClaimRules) -> Result<()> {
    check(&fields(payload, "payload")?, expect, rules)
}

/// Checks the claims of a token whose signature passed: `exp` (required), `iat`, `nbf`, then the key
/// set's `rules` (`iss`, `aud`), then `jti` and `token_type` (for this project's own tokens).
pub fn check(claims: &ClaimFields, expect: &Expectations, rules: &ClaimRules) -> Result<()> {
    let exp = match claims.exp.date() {
        None => return Err(Error::MissingClaim("exp")),
        Some(Err(())) => {
            return Err(Error::Decode(
                "Expiration Time claim (exp) must be an integer".into(),
            ))
        }
        Some(Ok(exp)) => exp,
    };
    if exp <= expect.now - expect.leeway {
        return Err(Error::Expired);
    }
    match claims.iat.date() {
        Some(Err(())) => return Err(Error::InvalidIssuedAt),
        Some(Ok(iat)) if iat > expect.now + expect.leeway => return Err(Error::Immature("iat")),
        _ => {}
    }
    match claims.nbf.date() {
        Some(Err(())) => {
            return Err(Error::Decode(
                "Not Before claim (nbf) must be an integer".into(),
            ))
        }
        Some(Ok(nbf)) if nbf > expect.now + expect.leeway => return Err(Error::Immature("nbf")),
        _ => {}
    }
    rules.check(claims, expect)?;
    if rules.foreign {
        return Ok(());
    }
    match &claims.jti {
        Field::Absent => return Err(Error::MissingClaim("jti")),
        Field::Str(jti) if !jti.is_empty() => {}
        _ => return Err(Error::InvalidClaim("jti must be a non-empty string".into())),
    }
    if let Some(expected) = expect.token_type {
        match &claims.token_type {
            Field::Absent => return Err(Error::MissingClaim("token_type")),
            Field::Str(found) if found == expected => {}
            _ => {
                return Err(Error::InvalidTokenType {
                    expected: expected.to_owned(),
                })
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{generate_pem_pair, Algorithm, SigningKey, VerifyingKey};
    use serde_json::json;
    use std::sync::OnceLock;

    const NOW: i64 = 1_704_974_401; // 2024-01-11 12:00:01 UTC

    fn keys() -> &'static (SigningKey, VerifyingKey) {
        static KEYS: OnceLock<(SigningKey, VerifyingKey)> = OnceLock::new();
        KEYS.get_or_init(|| {
            let (private, public) = generate_pem_pair(Algorithm::RS256, 2048).unwrap();
            (
                SigningKey::from_pem(private.as_bytes()).unwrap(),
                VerifyingKey::from_pem(public.as_bytes()).unwrap(),
            )
        })
    }

    fn claims(value: Value) -> Claims {
        match value {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    fn access_claims() -> Claims {
        claims(
            json!({"user_id": 1, "jti": "abc", "exp": NOW + 900, "iat": NOW, "token_type": "access"}),
        )
    }

    fn expect(now: i64) -> Expectations<'static> {
        Expectations {
            token_type: Some("access"),
            now: now as f64,
            leeway: 0.0,
        }
    }

    fn sign(c: &Claims) -> String {
        encode(
            &keys().0,
            &header_b64(keys().0.public(), None).unwrap(),
            &json(c),
        )
        .unwrap()
    }

    fn json(c: &Claims) -> Vec<u8> {
        serde_json::to_vec(c).unwrap()
    }

    fn map(json: &[u8]) -> Claims {
        serde_json::from_slice(json).unwrap()
    }

    fn decode(key: &VerifyingKey, token: &str, expect: &Expectations) -> Result<Claims> {
        let parts = split(token)?;
        parts.header()?.check(key)?;
        let payload = parts.verify(key)?;
        validate(&payload, expect, &ClaimRules::default())?;
        Ok(map(&payload))
    }

    fn check(token: &str, now: i64) -> Result<Claims> {
        decode(&keys().1, token, &expect(now))
    }

    /// Builds a token from raw header and payload JSON, signed with the real key.
    fn raw_token(header: &str, payload: &str) -> String {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode_to_string(header),
            URL_SAFE_NO_PAD.encode_to_string(payload)
        );
        let sig = keys().0.sign(input.as_bytes()).unwrap();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode_to_string(sig))
    }

    #[test]
    fn registered_claims_truncate_to_whole_seconds() {
        let now = DateTime::from_timestamp(NOW, 999_999_000).unwrap();
        let reg = Registered::new(now, TimeDelta::days(30)).unwrap();
        assert_eq!(reg.iat, NOW);
        assert_eq!(reg.exp, NOW + 30 * 86_400);
        assert_eq!(reg.jti.len(), 32);
        assert!(reg
            .jti
            .bytes()
            .all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')));
        assert_eq!(&reg.jti[12..13], "4");
        assert!(matches!(&reg.jti[16..17], "8" | "9" | "a" | "b"));
        assert_ne!(
            reg.jti,
            Registered::new(now, TimeDelta::days(1)).unwrap().jti
        );
    }

    #[test]
    fn round_trip_keeps_claims_and_order() {
        let c = access_claims();
        let token = sign(&c);
        // {"alg":"RS256","typ":"JWT","kid":...
        assert!(token.starts_with("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6I"));
        let back = check(&token, NOW).unwrap();
        assert_eq!(back, c);
        assert_eq!(
            back.keys().collect::<Vec<_>>(),
            c.keys().collect::<Vec<_>>()
        );
    }

    #[test]
    fn extra_header_fields_join_but_cannot_change_alg_or_kid() {
        let extra = claims(json!({"cty": "demo"}));
        let header = header_b64(keys().0.public(), Some(&extra)).unwrap();
        let token = encode(&keys().0, &header, &json(&access_claims())).unwrap();
        let header = map(&json_part(token.split('.').next().unwrap(), "header").unwrap());
        assert_eq!(header["alg"], "RS256");
        assert_eq!(header["kid"], keys().1.kid());
        assert_eq!(header["cty"], "demo");
        assert!(check(&token, NOW).is_ok());
        for name in ["alg", "kid", "crit"] {
            let extra = claims(json!({ name: "x" }));
            assert!(matches!(
                header_b64(keys().0.public(), Some(&extra)),
                Err(Error::Encode(_))
            ));
        }
    }

    #[test]
    fn pyjwt_time_rules() {
        let token = sign(&access_claims());
        let exp = NOW + 900;
        assert!(check(&token, exp - 1).is_ok());
        assert_eq!(check(&token, exp).unwrap_err(), Error::Expired);
        let lenient = Expectations {
            leeway: 10.0,
            ..expect(exp + 9)
        };
        assert!(decode(&keys().1, &token, &lenient).is_ok());
        let lenient = Expectations {
            leeway: 10.0,
            ..expect(exp + 10)
        };
        assert_eq!(
            decode(&keys().1, &token, &lenient).unwrap_err(),
            Error::Expired
        );
        assert_eq!(check(&token, NOW - 1).unwrap_err(), Error::Immature("iat"));
        let mut c = access_claims();
        c.insert("nbf".into(), json!(NOW + 5));
        assert_eq!(check(&sign(&c), NOW).unwrap_err(), Error::Immature("nbf"));
        assert!(check(&sign(&c), NOW + 5).is_ok());
    }

    #[test]
    fn a_claim_named_twice_counts_once_the_last() {
        let text = String::from_utf8(json(&access_claims())).unwrap();
        let named_again = |first: i64, last: i64| {
            let open = &text[..text.len() - 1];
            format!("{open},\"exp\":{first},\"exp\":{last}}}")
        };
        let rules = ClaimRules::default();
        let live = named_again(NOW - 100, NOW + 100);
        assert!(validate(live.as_bytes(), &expect(NOW), &rules).is_ok());
        let expired = named_again(NOW + 100, NOW - 100);
        assert_eq!(
            validate(expired.as_bytes(), &expect(NOW), &rules).unwrap_err(),
            Error::Expired
        );
    }

    #[test]
    fn required_claims() {
        for (claim, err) in [
            ("exp", Error::MissingClaim("exp")),
            ("jti", Error::MissingClaim("jti")),
            ("token_type", Error::MissingClaim("token_type")),
        ] {
            let mut c = access_claims();
            c.remove(claim);
            assert_eq!(check(&sign(&c), NOW).unwrap_err(), err, "{claim}");
        }
        let mut c = access_claims();
        c.insert("token_type".into(), json!("refresh"));
        assert_eq!(
            check(&sign(&c), NOW).unwrap_err(),
            Error::InvalidTokenType {
                expected: "access".into()
            }
        );
        let mut c = access_claims();
        c.insert("exp".into(), json!("soon"));
        assert!(matches!(check(&sign(&c), NOW), Err(Error::Decode(_))));
        let mut c = access_claims();
        c.insert("iat".into(), json!(null));
        assert_eq!(check(&sign(&c), NOW).unwrap_err(), Error::InvalidIssuedAt);
        let mut c = access_claims();
        c.insert("jti".into(), json!(7));
        assert!(matches!(check(&sign(&c), NOW), Err(Error::InvalidClaim(_))));
    }

    #[test]
    fn tampering_and_wrong_keys_fail_the_signature() {
        let token = sign(&access_claims());
        let (input, sig) = token.rsplit_once('.').unwrap();
        let mut forged = access_claims();
        forged.insert("user_id".into(), json!(2));
        let forged_payload = URL_SAFE_NO_PAD.encode_to_string(json(&forged));
        let header = input.split('.').next().unwrap();
        let tampered = format!("{header}.{forged_payload}.{sig}");
        assert_eq!(check(&tampered, NOW).unwrap_err(), Error::InvalidSignature);

        let other = VerifyingKey::from_pem(keys_public()).unwrap();
        assert_eq!(
            decode(&other, &token, &expect(NOW)).unwrap_err(),
            Error::InvalidSignature
        );
    }

    #[test]
    fn remembered_tokens_are_still_checked_on_every_use() {
        use crate::keyset::KeySet;
        use std::sync::Arc;

        let (private, public) = generate_pem_pair(Algorithm::RS256, 2048).unwrap();
        let signer = Arc::new(SigningKey::from_pem(private.as_bytes()).unwrap());
        let verifier = Arc::new(VerifyingKey::from_pem(public.as_bytes()).unwrap());
        let set = KeySet::new(vec![Arc::clone(&verifier)], Some(Arc::clone(&signer)), 8).unwrap();
        let remembered = |token: &str, now: i64| set.verify(token, &expect(now)).map(|p| map(&p));
        let sign = |c: &Claims| {
            encode(
                &signer,
                &header_b64(signer.public(), None).unwrap(),
                &json(c),
            )
            .unwrap()
        };
        let token = sign(&access_claims());
        assert_eq!(remembered(&token, NOW).unwrap(), access_claims());
        assert_eq!(set.remembered(), 1);
        assert_eq!(remembered(&token, NOW).unwrap(), access_claims());
        assert_eq!(remembered(&token, NOW + 900).unwrap_err(), Error::Expired);
        let as_refresh = Expectations {
            token_type: Some("refresh"),
            ..expect(NOW)
        };
        assert!(matches!(
            set.verify(&token, &as_refresh),
            Err(Error::InvalidTokenType { .. })
        ));

        // A set that did not sign the token refuses it whatever another set's memory holds.
        let other = KeySet::new(
            vec![Arc::new(VerifyingKey::from_pem(keys_public()).unwrap())],
            None,
            8,
        )
        .unwrap();
        let refused = other.verify(&token, &expect(NOW));
        assert_eq!(refused.unwrap_err(), Error::UnknownKeyId);
        assert_eq!(other.remembered(), 0);

        // Refused tokens are not remembered: an expired one, a tampered one.
        let mut old = access_claims();
        old.insert("exp".into(), json!(NOW - 1));
        let expired = sign(&old);
        assert_eq!(remembered(&expired, NOW).unwrap_err(), Error::Expired);
        let at = token.len() - 20;
        let flipped = if &token[at..=at] == "A" { "B" } else { "A" };
        let tampered = format!("{}{flipped}{}", &token[..at], &token[at + 1..]);
        assert!(remembered(&tampered, NOW).is_err());
        assert_eq!(set.remembered(), 1);
    }

    fn keys_public() -> &'static [u8] {
        static PEM: OnceLock<String> = OnceLock::new();
        PEM.get_or_init(|| generate_pem_pair(Algorithm::RS256, 2048).unwrap().1)
            .as_bytes()
    }

    #[test]
    fn remembered_tokens_are_bounded() {
        let verified = VerifiedTokens::new(4);
        let claims: Arc<[u8]> = json(&access_claims()).into();
        for i in 0..20 {
            verified.insert(&format!("token-{i}"), Arc::clone(&claims));
            assert!(verified.len() <= 4);
        }
        // Young: 18 and 19; old: 16 and 17; the rest are gone.
        assert!(verified.get("token-19").is_some());
        assert!(verified.get("token-0").is_none());
        // A hit in the old generation moves the token to the young one, so it outlives its neighbours.
        assert!(verified.get("token-16").is_some());
        verified.insert("token-20", Arc::clone(&claims));
        verified.insert("token-21", Arc::clone(&claims));
        assert!(verified.get("token-16").is_some());
        assert!(verified.get("token-17").is_none());
        verified.insert(&"t".repeat(MAX_REMEMBERED_LEN + 1), Arc::clone(&claims));
        assert!(verified.get(&"t".repeat(MAX_REMEMBERED_LEN + 1)).is_none());
        let none = VerifiedTokens::new(0);
        none.insert("token", claims);
        assert!(none.is_empty());
    }

    #[test]
    fn an_rsa_key_accepts_rs256_only() {
        let payload = serde_json::to_string(&access_claims()).unwrap();
        for header in [
            r#"{"alg":"none","typ":"JWT"}"#,
            r#"{"alg":"HS256","typ":"JWT"}"#,
            r#"{"alg":"RS512","typ":"JWT"}"#,
            r#"{"alg":"PS256","typ":"JWT"}"#,
            r#"{"alg":"ES256","typ":"JWT"}"#,
            r#"{"typ":"JWT"}"#,
            r#"{"alg":1}"#,
        ] {
            let token = raw_token(header, &payload);
            assert!(
                matches!(check(&token, NOW), Err(Error::InvalidAlgorithm(_))),
                "{header}"
            );
        }
        let unsigned = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode_to_string(r#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode_to_string(&payload)
        );
        assert!(matches!(
            check(&unsigned, NOW),
            Err(Error::InvalidAlgorithm(_))
        ));
        let crit = raw_token(r#"{"alg":"RS256","crit":["exp"]}"#, &payload);
        assert!(check(&raw_token(r#"{"alg":"RS256"}"#, &payload), NOW).is_ok());
        assert!(matches!(check(&crit, NOW), Err(Error::Decode(_))));
    }

    #[test]
    fn malformed_tokens_are_decode_errors() {
        let good = sign(&access_claims());
        let too_long = "a".repeat(MAX_TOKEN_LEN + 1);
        let cases = [
            "",
            "abc",
            "a.b",
            "a.b.c.d",
            "not.real.token",
            "....",
            &too_long,
            &format!("{good}.x"),
            &format!("{good}=="),
        ];
        for token in cases {
            assert!(
                matches!(check(token, NOW), Err(Error::Decode(_))),
                "{token}"
            );
        }
        let not_object = raw_token(r#"{"alg":"RS256"}"#, "[1,2]");
        assert!(matches!(check(&not_object, NOW), Err(Error::Decode(_))));
        let not_json = raw_token(r#"{"alg":"RS256"}"#, "{");
        assert!(matches!(check(&not_json, NOW), Err(Error::Decode(_))));
    }

    #[test]
    fn unverified_decode_reads_claims_only() {
        let token = sign(&access_claims());
        assert_eq!(map(&decode_unverified(&token).unwrap()), access_claims());
        assert!(decode_unverified("a.b").is_err());
    }
}
