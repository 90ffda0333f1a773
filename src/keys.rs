//! Keys: parsed and validated once from PEM or JWK (by aws-lc-rs and the `rsa` crate's encoders), held
//! as the aws-lc objects that sign or verify (see [`crate::primitives`]), each pinned to one algorithm
//! (RS256 for RSA, ES256 for P-256, EdDSA for Ed25519), named by its RFC 7638 thumbprint, and generated.

use std::fmt;
use std::str::FromStr;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING,
};
use base64_simd::URL_SAFE_NO_PAD;
use jsonwebtoken::crypto::{JwtSigner, JwtVerifier};
use jsonwebtoken::signature::{Signer, Verifier};
use rsa::pkcs1::{DecodeRsaPublicKey, EncodeRsaPrivateKey, LineEnding};
use rsa::pkcs8::der::asn1::ObjectIdentifier;
use rsa::pkcs8::der::{pem, Decode};
use rsa::pkcs8::spki::SubjectPublicKeyInfoRef;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, PrivateKeyInfo};
use rsa::traits::PublicKeyParts;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::primitives::{Ed25519PublicKey, Ed25519Secret, P256Key, RsaPrivateKey, RsaPublicKey};

/// The signature algorithms of this package: one for each kind of key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256, RSA keys of 2048 to 8192 bits.
    RS256,
    /// ECDSA on P-256 with SHA-256 (signatures as the fixed 64-byte `r || s`).
    ES256,
    /// Ed25519.
    EdDSA,
}

impl Algorithm {
    /// The name in a JWS header (`alg`) and in the JWT_ALGORITHM setting.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::RS256 => "RS256",
            Algorithm::ES256 => "ES256",
            Algorithm::EdDSA => "EdDSA",
        }
    }

    fn jsonwebtoken(self) -> jsonwebtoken::Algorithm {
        match self {
            Algorithm::RS256 => jsonwebtoken::Algorithm::RS256,
            Algorithm::ES256 => jsonwebtoken::Algorithm::ES256,
            Algorithm::EdDSA => jsonwebtoken::Algorithm::EdDSA,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Algorithm {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self> {
        match name {
            "RS256" => Ok(Algorithm::RS256),
            "ES256" => Ok(Algorithm::ES256),
            "EdDSA" => Ok(Algorithm::EdDSA),
            _ => Err(Error::InvalidKey(format!(
                "unknown algorithm {name:?}: choose \"RS256\", \"ES256\" or \"EdDSA\""
            ))),
        }
    }
}

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const ED25519_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");

/// The algorithm a key's `AlgorithmIdentifier` (SPKI or PKCS#8) calls for.
fn algorithm_of(oid: ObjectIdentifier, curve: Option<ObjectIdentifier>) -> Result<Algorithm> {
    match (oid, curve) {
        (RSA_ENCRYPTION, _) => Ok(Algorithm::RS256),
        (EC_PUBLIC_KEY, Some(P256)) => Ok(Algorithm::ES256),
        (EC_PUBLIC_KEY, _) => Err(Error::InvalidKey(
            "the elliptic-curve key is not on P-256, the only curve ES256 uses".into(),
        )),
        (ED25519_OID, _) => Ok(Algorithm::EdDSA),
        (other, _) => Err(Error::InvalidKey(format!(
            "keys of type {other} are not supported: use RSA (RS256), P-256 (ES256) or Ed25519 (EdDSA)"
        ))),
    }
}

fn decode_pem(data: &[u8], what: &str) -> Result<(String, Vec<u8>)> {
    let (label, der) = pem::decode_vec(data.trim_ascii())
        .map_err(|_| Error::InvalidKey(format!("the {what} is not a PEM-encoded key")))?;
    Ok((label.to_owned(), der))
}

/// What verifies a signature, one kind for each algorithm.
enum Public {
    Rsa(RsaPublicKey),
    P256(P256Key),
    Ed25519(Ed25519PublicKey),
}

/// A public key, parsed once, that verifies one algorithm; named by its RFC 7638 thumbprint.
pub struct VerifyingKey {
    algorithm: Algorithm,
    key: Public,
    /// The public JWK members that identify the key (RFC 7638 §3.2), in lexicographic order.
    members: Map<String, Value>,
    kid: String,
}

impl VerifyingKey {
    /// Parses a PEM public key: SPKI (`BEGIN PUBLIC KEY`) of any supported type, or PKCS#1
    /// (`BEGIN RSA PUBLIC KEY`).
    pub fn from_pem(data: &[u8]) -> Result<Self> {
        let (label, der) = decode_pem(data, "public key")?;
        match label.as_str() {
            "PUBLIC KEY" => Self::from_spki_der(&der),
            "RSA PUBLIC KEY" => {
                let key = rsa::RsaPublicKey::from_pkcs1_der(&der).map_err(|e| {
                    Error::InvalidKey(format!("the RSA public key is malformed ({e})"))
                })?;
                Self::from_rsa(key)
            }
            other => {
                let hint = if other.contains("PRIVATE") {
                    "; give the public key, not the private one"
                } else {
                    ""
                };
                Err(Error::InvalidKey(format!(
                    "expected a public key (SPKI or PKCS#1 PEM), found \"{other}\"{hint}"
                )))
            }
        }
    }

    /// Parses a DER `SubjectPublicKeyInfo`.
    pub fn from_spki_der(der: &[u8]) -> Result<Self> {
        let spki = SubjectPublicKeyInfoRef::from_der(der)
            .map_err(|e| Error::InvalidKey(format!("the public key is malformed ({e})")))?;
        let (oid, curve) = spki
            .algorithm
            .oids()
            .map_err(|e| Error::InvalidKey(format!("the public key is malformed ({e})")))?;
        let point = spki.subject_public_key.raw_bytes();
        match algorithm_of(oid, curve)? {
            Algorithm::RS256 => {
                let key = rsa::RsaPublicKey::from_public_key_der(der).map_err(|e| {
                    Error::InvalidKey(format!("the RSA public key is malformed ({e})"))
                })?;
                Self::from_rsa(key)
            }
            Algorithm::ES256 => {
                // An uncompressed point: 0x04, then x and y of 32 bytes each.
                if point.len() != 65 || point[0] != 4 {
                    return Err(Error::InvalidKey(
                        "the P-256 public key is not an uncompressed point".into(),
                    ));
                }
                let mut members = Map::new();
                members.insert("crv".into(), "P-256".into());
                members.insert("kty".into(), "EC".into());
                members.insert(
                    "x".into(),
                    URL_SAFE_NO_PAD.encode_to_string(&point[1..33]).into(),
                );
                members.insert(
                    "y".into(),
                    URL_SAFE_NO_PAD.encode_to_string(&point[33..]).into(),
                );
                Self::new(Algorithm::ES256, point, members)
            }
            Algorithm::EdDSA => {
                let mut members = Map::new();
                members.insert("crv".into(), "Ed25519".into());
                members.insert("kty".into(), "OKP".into());
                members.insert("x".into(), URL_SAFE_NO_PAD.encode_to_string(point).into());
                Self::new(Algorithm::EdDSA, point, members)
            }
        }
    }

    /// Parses a public JWK (RFC 7517, 7518 §6, 8037): RSA (`n`, `e`), EC on P-256 (`x`, `y`) or OKP
    /// Ed25519 (`x`). The key keeps the JWK's `kid` when it has one (tokens name it), else its
    /// thumbprint. Private members are never read. A key whose `use` is not "sig", or whose `alg` is not
    /// the one algorithm this package verifies with its kind of key, is refused: it must not verify.
    pub fn from_jwk(jwk: &Map<String, Value>) -> Result<Self> {
        let text = |name: &str| -> Result<&str> {
            match jwk.get(name) {
                Some(Value::String(s)) => Ok(s),
                Some(_) => Err(Error::InvalidKey(format!(
                    "the JWK's {name} is not a string"
                ))),
                None => Err(Error::InvalidKey(format!("the JWK has no {name}"))),
            }
        };
        let bytes = |name: &str| -> Result<Vec<u8>> {
            URL_SAFE_NO_PAD
                .decode_to_vec(text(name)?)
                .map_err(|_| Error::InvalidKey(format!("the JWK's {name} is not base64url")))
        };
        if let Some(usage) = jwk.get("use") {
            if usage != "sig" {
                return Err(Error::InvalidKey("the JWK is not a signature key".into()));
            }
        }
        let key = match (text("kty")?, jwk.get("crv").and_then(Value::as_str)) {
            ("RSA", _) => {
                let n = rsa::BigUint::from_bytes_be(&bytes("n")?);
                let e = rsa::BigUint::from_bytes_be(&bytes("e")?);
                let key = rsa::RsaPublicKey::new_with_max_size(n, e, 8192).map_err(|e| {
                    Error::InvalidKey(format!("the RSA JWK is not a usable key ({e})"))
                })?;
                Self::from_rsa(key)?
            }
            ("EC", Some("P-256")) => {
                let (x, y) = (bytes("x")?, bytes("y")?);
                if x.len() != 32 || y.len() != 32 {
                    return Err(Error::InvalidKey(
                        "the P-256 JWK's x or y is not 32 bytes".into(),
                    ));
                }
                let point = [&[4u8][..], &x, &y].concat();
                let mut members = Map::new();
                members.insert("crv".into(), "P-256".into());
                members.insert("kty".into(), "EC".into());
                members.insert("x".into(), URL_SAFE_NO_PAD.encode_to_string(&x).into());
                members.insert("y".into(), URL_SAFE_NO_PAD.encode_to_string(&y).into());
                Self::new(Algorithm::ES256, &point, members)?
            }
            ("OKP", Some("Ed25519")) => {
                let x = bytes("x")?;
                if x.len() != 32 {
                    return Err(Error::InvalidKey(
                        "the Ed25519 JWK's x is not 32 bytes".into(),
                    ));
                }
                let mut members = Map::new();
                members.insert("crv".into(), "Ed25519".into());
                members.insert("kty".into(), "OKP".into());
                members.insert("x".into(), URL_SAFE_NO_PAD.encode_to_string(&x).into());
                Self::new(Algorithm::EdDSA, &x, members)?
            }
            (kty, crv) => {
                return Err(Error::InvalidKey(format!(
                    "JWKs of type {kty:?} (curve {crv:?}) are not supported"
                )))
            }
        };
        if let Some(alg) = jwk.get("alg") {
            if alg != key.algorithm.name() {
                return Err(Error::InvalidKey(format!(
                    "the JWK is for another algorithm than {}",
                    key.algorithm
                )));
            }
        }
        match jwk.get("kid") {
            None => Ok(key),
            Some(Value::String(kid)) if !kid.is_empty() && kid.len() <= 256 => Ok(VerifyingKey {
                kid: kid.clone(),
                ..key
            }),
            Some(_) => Err(Error::InvalidKey(
                "the JWK's kid is not a string of 1 to 256 characters".into(),
            )),
        }
    }

    fn from_rsa(key: rsa::RsaPublicKey) -> Result<Self> {
        let bits = key.n().bits();
        if !(2048..=8192).contains(&bits) {
            return Err(Error::InvalidKey(format!(
                "the RSA public key has {bits} bits; RS256 needs 2048 to 8192"
            )));
        }
        let der = rsa::pkcs1::EncodeRsaPublicKey::to_pkcs1_der(&key)
            .map_err(|_| Error::InvalidKey("cannot encode the RSA public key".into()))?;
        let mut members = Map::new();
        members.insert(
            "e".into(),
            URL_SAFE_NO_PAD
                .encode_to_string(key.e().to_bytes_be())
                .into(),
        );
        members.insert("kty".into(), "RSA".into());
        members.insert(
            "n".into(),
            URL_SAFE_NO_PAD
                .encode_to_string(key.n().to_bytes_be())
                .into(),
        );
        Self::new(Algorithm::RS256, der.as_bytes(), members)
    }

    /// `key_bytes`: a PKCS#1 `RSAPublicKey` (RS256), an uncompressed point (ES256), or the 32 bytes of
    /// an Ed25519 key (EdDSA).
    fn new(algorithm: Algorithm, key_bytes: &[u8], members: Map<String, Value>) -> Result<Self> {
        let key = match algorithm {
            Algorithm::RS256 => RsaPublicKey::from_pkcs1_der(key_bytes).map(Public::Rsa),
            Algorithm::ES256 => P256Key::from_point(key_bytes).map(Public::P256),
            Algorithm::EdDSA => {
                let bytes: [u8; 32] = key_bytes.try_into().map_err(|_| {
                    Error::InvalidKey("the Ed25519 public key is not 32 bytes".into())
                })?;
                let key = Ed25519PublicKey::from_bytes(bytes)
                    .map_err(|why| Error::InvalidKey(format!("the Ed25519 public key {why}")))?;
                Some(Public::Ed25519(key))
            }
        }
        .ok_or_else(|| Error::InvalidKey(format!("the {algorithm} public key was rejected")))?;
        // RFC 7638: SHA-256 of the required members, sorted, with no white space.
        let canonical = serde_json::to_vec(&members)
            .map_err(|_| Error::InvalidKey("cannot encode the key's JWK".into()))?;
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &canonical);
        let kid = URL_SAFE_NO_PAD.encode_to_string(digest.as_ref());
        Ok(VerifyingKey {
            algorithm,
            key,
            members,
            kid,
        })
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The key's id: its RFC 7638 JWK thumbprint (SHA-256, base64url).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public JWK: the key's members plus `kid`, `use` and `alg`. Never a private member.
    pub fn jwk(&self) -> Map<String, Value> {
        let mut jwk = Map::new();
        jwk.insert("kty".into(), self.members["kty"].clone());
        jwk.insert("kid".into(), self.kid.clone().into());
        jwk.insert("use".into(), "sig".into());
        jwk.insert("alg".into(), self.algorithm.name().into());
        for (name, value) in &self.members {
            if name != "kty" {
                jwk.insert(name.clone(), value.clone());
            }
        }
        jwk
    }

    /// Whether `signature` is this key's signature of `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match &self.key {
            Public::Rsa(key) => key.verify(message, signature),
            Public::P256(key) => key.verify(message, signature),
            Public::Ed25519(key) => key.verify(message, signature),
        }
    }
}

/// What signs, one kind for each algorithm (see `primitives`).
enum Private {
    Rsa(RsaPrivateKey),
    P256(P256Key),
    Ed25519(Ed25519Secret),
}

/// A private key as aws-lc-rs parsed and checked it.
enum Parsed {
    Rsa(RsaKeyPair),
    Ecdsa(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

/// A private key, parsed and validated once, that signs; it carries its own public half.
pub struct SigningKey {
    private: Private,
    public: VerifyingKey,
}

impl SigningKey {
    /// Parses a PEM private key: PKCS#8 (`BEGIN PRIVATE KEY`) of any supported type, PKCS#1
    /// (`BEGIN RSA PRIVATE KEY`) or SEC1 (`BEGIN EC PRIVATE KEY`).
    pub fn from_pem(data: &[u8]) -> Result<Self> {
        let (label, der) = decode_pem(data, "private key")?;
        let rejected = |algorithm: Algorithm, e: &dyn fmt::Display| {
            let need = match algorithm {
                Algorithm::RS256 => "; RS256 needs an RSA key of 2048 to 8192 bits",
                _ => "",
            };
            Error::InvalidKey(format!(
                "the {algorithm} private key was rejected ({e}){need}"
            ))
        };
        let parsed = match label.as_str() {
            "RSA PRIVATE KEY" => {
                Parsed::Rsa(RsaKeyPair::from_der(&der).map_err(|e| rejected(Algorithm::RS256, &e))?)
            }
            "EC PRIVATE KEY" => Parsed::Ecdsa(
                EcdsaKeyPair::from_private_key_der(&ECDSA_P256_SHA256_FIXED_SIGNING, &der)
                    .map_err(|e| rejected(Algorithm::ES256, &e))?,
            ),
            "PRIVATE KEY" => {
                let info = PrivateKeyInfo::from_der(&der).map_err(|e| {
                    Error::InvalidKey(format!("the private key is malformed ({e})"))
                })?;
                let (oid, curve) = info.algorithm.oids().map_err(|e| {
                    Error::InvalidKey(format!("the private key is malformed ({e})"))
                })?;
                match algorithm_of(oid, curve)? {
                    a @ Algorithm::RS256 => {
                        Parsed::Rsa(RsaKeyPair::from_pkcs8(&der).map_err(|e| rejected(a, &e))?)
                    }
                    a @ Algorithm::ES256 => Parsed::Ecdsa(
                        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der)
                            .map_err(|e| rejected(a, &e))?,
                    ),
                    a @ Algorithm::EdDSA => Parsed::Ed25519(
                        Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der)
                            .map_err(|e| rejected(a, &e))?,
                    ),
                }
            }
            "ENCRYPTED PRIVATE KEY" => {
                return Err(Error::InvalidKey(
                    "the private key is encrypted; give it without a passphrase".into(),
                ))
            }
            other => {
                let hint = if other.contains("PUBLIC") {
                    "; give the private key, not the public one"
                } else {
                    ""
                };
                return Err(Error::InvalidKey(format!(
                    "expected a private key (PKCS#8, PKCS#1 or SEC1 PEM), found \"{other}\"{hint}"
                )));
            }
        };
        let spki = match &parsed {
            Parsed::Rsa(k) => k.public_key().as_der(),
            Parsed::Ecdsa(k) => k.public_key().as_der(),
            Parsed::Ed25519(k) => k.public_key().as_der(),
        }
        .map_err(|_| Error::InvalidKey("cannot encode the private key's public half".into()))?;
        let public = VerifyingKey::from_spki_der(spki.as_ref())?;
        let unusable = |algorithm: Algorithm| {
            Error::InvalidKey(format!("the {algorithm} private key could not be loaded"))
        };
        let private = match parsed {
            Parsed::Rsa(key) => Private::Rsa(
                AsDer::<Pkcs8V1Der>::as_der(&key)
                    .ok()
                    .and_then(|pkcs8| RsaPrivateKey::from_pkcs8(pkcs8.as_ref()))
                    .ok_or_else(|| unusable(Algorithm::RS256))?,
            ),
            Parsed::Ecdsa(key) => Private::P256(
                key.to_pkcs8v1()
                    .ok()
                    .and_then(|pkcs8| P256Key::from_pkcs8(pkcs8.as_ref()))
                    .ok_or_else(|| unusable(Algorithm::ES256))?,
            ),
            Parsed::Ed25519(key) => Private::Ed25519(
                // The public key is derived from the seed again: a PKCS#8 v2 that names another one is
                // refused, as it would sign what its own public key does not verify.
                Ed25519Secret::from_pkcs8(&der)
                    .filter(|secret| secret.public() == key.public_key().as_ref())
                    .ok_or_else(|| unusable(Algorithm::EdDSA))?,
            ),
        };
        log::debug!(target: crate::LOG_TARGET, "parsed a {} private key", public.algorithm());
        Ok(SigningKey { private, public })
    }

    pub fn algorithm(&self) -> Algorithm {
        self.public.algorithm
    }

    /// The public half: the key that verifies what this one signs.
    pub fn public(&self) -> &VerifyingKey {
        &self.public
    }

    /// Signs `message` with the key's algorithm.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        let failed = || Error::Encode(format!("the {} signing operation failed", self.algorithm()));
        match &self.private {
            Private::Rsa(key) => key.sign(message).ok_or_else(failed),
            Private::P256(key) => key.sign(message).map(Vec::from).ok_or_else(failed),
            Private::Ed25519(key) => key.sign(message).map(Vec::from).ok_or_else(failed),
        }
    }
}

// jsonwebtoken's crypto traits, so the keys plug into its machinery as well as ours.
impl Signer<Vec<u8>> for SigningKey {
    fn try_sign(&self, msg: &[u8]) -> std::result::Result<Vec<u8>, jsonwebtoken::signature::Error> {
        self.sign(msg)
            .map_err(|_| jsonwebtoken::signature::Error::new())
    }
}

impl JwtSigner for SigningKey {
    fn algorithm(&self) -> jsonwebtoken::Algorithm {
        SigningKey::algorithm(self).jsonwebtoken()
    }
}

impl Verifier<Vec<u8>> for VerifyingKey {
    fn verify(
        &self,
        msg: &[u8],
        signature: &Vec<u8>,
    ) -> std::result::Result<(), jsonwebtoken::signature::Error> {
        if VerifyingKey::verify(self, msg, signature) {
            Ok(())
        } else {
            Err(jsonwebtoken::signature::Error::new())
        }
    }
}

impl JwtVerifier for VerifyingKey {
    fn algorithm(&self) -> jsonwebtoken::Algorithm {
        self.algorithm.jsonwebtoken()
    }
}

/// A new key pair for `algorithm` as PEM: (private, public SPKI). RSA private keys are PKCS#1 (what the
/// original's `make_rsa` writes), the others PKCS#8 (what its `make_jwt_key` writes for Ed25519).
/// `bits` applies to RSA only.
pub fn generate_pem_pair(algorithm: Algorithm, bits: usize) -> Result<(String, String)> {
    let failed =
        |what: &str| Error::InvalidKey(format!("{algorithm} key generation failed: {what}"));
    let (pkcs8, spki) = match algorithm {
        Algorithm::RS256 => {
            let size = match bits {
                2048 => KeySize::Rsa2048,
                3072 => KeySize::Rsa3072,
                4096 => KeySize::Rsa4096,
                8192 => KeySize::Rsa8192,
                other => {
                    return Err(Error::InvalidKey(format!(
                        "cannot make a {other}-bit key; choose 2048, 3072, 4096 or 8192 bits"
                    )))
                }
            };
            let key = RsaKeyPair::generate(size).map_err(|_| failed("no key"))?;
            // aws-lc-rs exports PKCS#8; the rsa crate re-encodes it as PKCS#1 without private arithmetic.
            let der = key.as_der().map_err(|_| failed("cannot encode"))?;
            let private = rsa::RsaPrivateKey::from_pkcs8_der(der.as_ref())
                .map_err(|_| failed("cannot re-encode"))?;
            let pem = private
                .to_pkcs1_pem(LineEnding::LF)
                .map_err(|_| failed("cannot encode"))?;
            let public = public_pem(key.public_key().as_der())?;
            log::info!(target: crate::LOG_TARGET, "generated a new {bits}-bit RSA key pair");
            return Ok((pem.to_string(), public));
        }
        Algorithm::ES256 => {
            let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
                .map_err(|_| failed("no key"))?;
            (key.to_pkcs8v1(), key.public_key().as_der())
        }
        Algorithm::EdDSA => {
            let key = Ed25519KeyPair::generate().map_err(|_| failed("no key"))?;
            (key.to_pkcs8v1(), key.public_key().as_der())
        }
    };
    let pkcs8 = pkcs8.map_err(|_| failed("cannot encode"))?;
    let private = pem::encode_string("PRIVATE KEY", pem::LineEnding::LF, pkcs8.as_ref())
        .map_err(|_| failed("cannot encode"))?;
    log::info!(target: crate::LOG_TARGET, "generated a new {algorithm} key pair");
    Ok((private, public_pem(spki)?))
}

fn public_pem(
    der: std::result::Result<PublicKeyX509Der<'static>, aws_lc_rs::error::Unspecified>,
) -> Result<String> {
    let der = der.map_err(|_| Error::InvalidKey("cannot encode the new public key".into()))?;
    pem::encode_string("PUBLIC KEY", pem::LineEnding::LF, der.as_ref())
        .map_err(|_| Error::InvalidKey("cannot encode the new public key".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey, EncodeRsaPublicKey};
    use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey};
    use std::sync::OnceLock;

    pub(crate) fn pair(algorithm: Algorithm) -> &'static (String, String) {
        static PAIRS: OnceLock<[(String, String); 3]> = OnceLock::new();
        let pairs = PAIRS.get_or_init(|| {
            [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA]
                .map(|a| generate_pem_pair(a, 2048).unwrap())
        });
        &pairs[algorithm as usize]
    }

    #[test]
    fn generated_pairs_round_trip_with_their_algorithm() {
        for (algorithm, private_label, signature_len) in [
            (Algorithm::RS256, "RSA PRIVATE KEY", 256),
            (Algorithm::ES256, "PRIVATE KEY", 64),
            (Algorithm::EdDSA, "PRIVATE KEY", 64),
        ] {
            let (private, public) = pair(algorithm);
            assert!(private.starts_with(&format!("-----BEGIN {private_label}-----\n")));
            assert!(public.starts_with("-----BEGIN PUBLIC KEY-----\n"));
            let signer = SigningKey::from_pem(private.as_bytes()).unwrap();
            let verifier = VerifyingKey::from_pem(public.as_bytes()).unwrap();
            assert_eq!(signer.algorithm(), algorithm);
            assert_eq!(verifier.algorithm(), algorithm);
            assert_eq!(signer.public().kid(), verifier.kid());
            let sig = signer.sign(b"message").unwrap();
            assert_eq!(sig.len(), signature_len);
            assert!(verifier.verify(b"message", &sig));
            assert!(!verifier.verify(b"messagE", &sig));
        }
    }

    #[test]
    fn thumbprint_matches_rfc_7638_example() {
        // RFC 7638 §3.1: the example RSA key and its thumbprint.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        let modulus = rsa::BigUint::from_bytes_be(&URL_SAFE_NO_PAD.decode_to_vec(n).unwrap());
        let key = rsa::RsaPublicKey::new(modulus, rsa::BigUint::from(65537u32)).unwrap();
        let verifier = VerifyingKey::from_rsa(key).unwrap();
        assert_eq!(
            verifier.kid(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
        let jwk = verifier.jwk();
        assert_eq!(jwk["kty"], "RSA");
        assert_eq!(jwk["e"], "AQAB");
        assert_eq!(jwk["alg"], "RS256");
        assert_eq!(jwk["use"], "sig");
    }

    #[test]
    fn other_encodings_are_accepted() {
        let (private, _) = pair(Algorithm::RS256);
        let key = rsa::RsaPrivateKey::from_pkcs1_pem(private).unwrap();
        let pkcs8 = key.to_pkcs8_pem(LineEnding::CRLF).unwrap();
        let pkcs1_public = key.to_public_key().to_pkcs1_pem(LineEnding::LF).unwrap();
        let spki_public = key
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        let signer = SigningKey::from_pem(pkcs8.as_bytes()).unwrap();
        let pkcs1 = VerifyingKey::from_pem(pkcs1_public.as_bytes()).unwrap();
        let spki = VerifyingKey::from_pem(spki_public.as_bytes()).unwrap();
        assert!(pkcs1.verify(b"m", &signer.sign(b"m").unwrap()));
        assert_eq!(pkcs1.kid(), spki.kid());

        // SEC1 (`openssl ecparam -genkey`), from the PKCS#8 key's inner structure.
        let (ec_private, ec_public) = pair(Algorithm::ES256);
        let (_, der) = pem::decode_vec(ec_private.as_bytes()).unwrap();
        let sec1 = PrivateKeyInfo::from_der(&der).unwrap().private_key.to_vec();
        let sec1_pem = pem::encode_string("EC PRIVATE KEY", pem::LineEnding::LF, &sec1).unwrap();
        let signer = SigningKey::from_pem(sec1_pem.as_bytes()).unwrap();
        let verifier = VerifyingKey::from_pem(ec_public.as_bytes()).unwrap();
        assert_eq!(signer.public().kid(), verifier.kid());
    }

    #[test]
    fn wrong_inputs_are_clear_errors() {
        let (private, public) = pair(Algorithm::RS256);
        let err = |r: Result<SigningKey>| match r {
            Err(Error::InvalidKey(why)) => why,
            _ => panic!("expected InvalidKey"),
        };
        assert!(err(SigningKey::from_pem(b"not a key")).contains("not a PEM"));
        assert!(err(SigningKey::from_pem(public.as_bytes())).contains("not the public one"));
        let encrypted =
            b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert!(err(SigningKey::from_pem(encrypted)).contains("encrypted"));
        match VerifyingKey::from_pem(private.as_bytes()) {
            Err(Error::InvalidKey(why)) => assert!(why.contains("not the private one")),
            _ => panic!("expected InvalidKey"),
        }
        let garbage = b"-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        assert!(err(SigningKey::from_pem(garbage)).contains("rejected"));
        assert!(generate_pem_pair(Algorithm::RS256, 1024).is_err());
        assert!("HS256".parse::<Algorithm>().is_err());
        assert_eq!("EdDSA".parse::<Algorithm>().unwrap(), Algorithm::EdDSA);
    }

    #[test]
    fn ed25519_keys_anyone_could_sign_under_are_refused() {
        let spki = |x: &[u8; 32]| {
            // SPKI of an Ed25519 key (RFC 8410): the algorithm 1.3.101.112, then the 32 bytes.
            let prefix = [
                0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
            ];
            let der = [&prefix[..], x].concat();
            pem::encode_string("PUBLIC KEY", LineEnding::LF, &der).unwrap()
        };
        let jwk = |x: &[u8; 32]| {
            serde_json::json!({"kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode_to_string(x)})
                .as_object()
                .unwrap()
                .clone()
        };
        let mut identity = [0; 32];
        identity[0] = 1;
        let mut not_a_point = [0; 32];
        not_a_point[0] = 2;
        // y = 3, a point of large order, written as p + 3.
        let mut not_canonical = [0xff; 32];
        not_canonical[0] = 0xf0;
        not_canonical[31] = 0x7f;
        for (x, why) in [
            // The 32 zero bytes: y = 0, a point of order 4; a placeholder a JWK could well hold.
            (
                [0; 32],
                "a point of small order, under which anyone could sign",
            ),
            (identity, "a point of small order"),
            (not_a_point, "not a point of the curve"),
            (not_canonical, "not written as RFC 8032 writes points"),
        ] {
            for loaded in [
                VerifyingKey::from_pem(spki(&x).as_bytes()),
                VerifyingKey::from_jwk(&jwk(&x)),
            ] {
                match loaded {
                    Err(Error::InvalidKey(message)) => assert!(message.contains(why), "{message}"),
                    _ => panic!("{x:02x?} was taken"),
                }
            }
        }
        // A key made as RFC 8032 says loads both ways.
        let (_, public) = pair(Algorithm::EdDSA);
        let key = VerifyingKey::from_pem(public.as_bytes()).unwrap();
        assert_eq!(VerifyingKey::from_jwk(&key.jwk()).unwrap().kid(), key.kid());
    }

    #[test]
    fn a_pkcs1_key_with_a_byte_after_it_loads_as_it_always_did() {
        // aws-lc-rs reads a PKCS#1 key and ignores what follows it; so the signing key does too.
        let (private, _) = pair(Algorithm::RS256);
        let key = rsa::RsaPrivateKey::from_pkcs1_pem(private).unwrap();
        let der = [key.to_pkcs1_der().unwrap().as_bytes(), &[0]].concat();
        let pem = pem::encode_string("RSA PRIVATE KEY", LineEnding::LF, &der).unwrap();
        let longer = SigningKey::from_pem(pem.as_bytes()).unwrap();
        let signer = SigningKey::from_pem(private.as_bytes()).unwrap();
        assert_eq!(longer.sign(b"m").unwrap(), signer.sign(b"m").unwrap());
    }

    #[test]
    fn small_rsa_keys_are_rejected() {
        let mut rng = rsa::rand_core::OsRng;
        let small = rsa::RsaPrivateKey::new(&mut rng, 1024).unwrap();
        let pem = small.to_pkcs1_pem(LineEnding::LF).unwrap();
        assert!(SigningKey::from_pem(pem.as_bytes()).is_err());
        let public = small
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        assert!(VerifyingKey::from_pem(public.as_bytes()).is_err());
    }
}
