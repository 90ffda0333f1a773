//! RSA keys: parsed once from PEM into aws-lc-rs objects that sign and verify, and generated as PEM.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    ParsedPublicKey, RsaKeyPair, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256,
};
use jsonwebtoken::crypto::{JwtSigner, JwtVerifier};
use jsonwebtoken::signature::{Signer, Verifier};
use jsonwebtoken::Algorithm;
use rsa::pkcs1::{EncodeRsaPrivateKey, LineEnding};
use rsa::pkcs8::der::pem;
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};

use crate::error::{Error, Result};

/// The PEM labels accepted for private keys: PKCS#1 (what `make_rsa` writes) and PKCS#8.
const PKCS1_PRIVATE: &str = "RSA PRIVATE KEY";
const PKCS8_PRIVATE: &str = "PRIVATE KEY";
/// The PEM labels accepted for public keys: SPKI (what `make_rsa` writes) and PKCS#1.
const SPKI_PUBLIC: &str = "PUBLIC KEY";
const PKCS1_PUBLIC: &str = "RSA PUBLIC KEY";

fn decode_pem(data: &[u8], what: &str) -> Result<(String, Vec<u8>)> {
    let text = data.trim_ascii();
    let (label, der) = pem::decode_vec(text)
        .map_err(|_| Error::InvalidKey(format!("the {what} is not a PEM-encoded key")))?;
    Ok((label.to_owned(), der))
}

/// An RSA private key, parsed and validated once, that signs RS256.
pub struct SigningKey {
    key_pair: RsaKeyPair,
}

impl SigningKey {
    /// Parses a PEM private key: PKCS#1 (`BEGIN RSA PRIVATE KEY`) or PKCS#8 (`BEGIN PRIVATE KEY`).
    pub fn from_pem(data: &[u8]) -> Result<Self> {
        let (label, der) = decode_pem(data, "private key")?;
        let parsed = match label.as_str() {
            PKCS1_PRIVATE => RsaKeyPair::from_der(&der),
            PKCS8_PRIVATE => RsaKeyPair::from_pkcs8(&der),
            "ENCRYPTED PRIVATE KEY" => {
                return Err(Error::InvalidKey(
                    "the private key is encrypted; give it without a passphrase".into(),
                ))
            }
            other => {
                return Err(Error::InvalidKey(format!(
                    "expected an RSA private key (PKCS#1 or PKCS#8 PEM), found \"{other}\""
                )))
            }
        };
        let key_pair = parsed.map_err(|e| {
            Error::InvalidKey(format!(
                "the private key was rejected ({e}); RS256 needs an RSA key of 2048 to 8192 bits"
            ))
        })?;
        log::debug!(
            target: crate::LOG_TARGET,
            "parsed an RSA private key of {} bits",
            key_pair.public_modulus_len() * 8
        );
        Ok(SigningKey { key_pair })
    }

    /// The key's size in bits.
    pub fn bits(&self) -> usize {
        self.key_pair.public_modulus_len() * 8
    }

    /// Signs `message` with RSASSA-PKCS1-v1_5 and SHA-256.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        let mut signature = vec![0; self.key_pair.public_modulus_len()];
        self.key_pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut signature,
            )
            .map_err(|_| Error::Encode("the RSA signing operation failed".into()))?;
        Ok(signature)
    }
}

impl Signer<Vec<u8>> for SigningKey {
    fn try_sign(&self, msg: &[u8]) -> std::result::Result<Vec<u8>, jsonwebtoken::signature::Error> {
        self.sign(msg)
            .map_err(|_| jsonwebtoken::signature::Error::new())
    }
}

impl JwtSigner for SigningKey {
    fn algorithm(&self) -> Algorithm {
        Algorithm::RS256
    }
}

/// An RSA public key, parsed once, that verifies RS256.
pub struct VerifyingKey {
    key: ParsedPublicKey,
}

impl VerifyingKey {
    /// Parses a PEM public key: SPKI (`BEGIN PUBLIC KEY`) or PKCS#1 (`BEGIN RSA PUBLIC KEY`).
    pub fn from_pem(data: &[u8]) -> Result<Self> {
        let (label, der) = decode_pem(data, "public key")?;
        if label != SPKI_PUBLIC && label != PKCS1_PUBLIC {
            let hint = if label.contains("PRIVATE") {
                "; give the public key, not the private one"
            } else {
                ""
            };
            return Err(Error::InvalidKey(format!(
                "expected an RSA public key (SPKI or PKCS#1 PEM), found \"{label}\"{hint}"
            )));
        }
        Self::from_der(&der)
    }

    /// Parses a DER public key, SPKI or PKCS#1.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let rejected = |why: String| {
            Error::InvalidKey(format!(
                "the public key was rejected ({why}); RS256 needs an RSA key of 2048 to 8192 bits"
            ))
        };
        // ParsedPublicKey accepts any size and fails each verification later; say so at load time.
        let bits = aws_lc_rs::rsa::PublicKey::from_der(der)
            .map_err(|e| rejected(e.to_string()))?
            .modulus_len()
            * 8;
        if !(2048..=8192).contains(&bits) {
            return Err(rejected(format!("{bits} bits")));
        }
        let key = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der)
            .map_err(|e| rejected(e.to_string()))?;
        Ok(VerifyingKey { key })
    }

    /// Whether `signature` is a valid RSASSA-PKCS1-v1_5 SHA-256 signature of `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.key.verify_sig(message, signature).is_ok()
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
    fn algorithm(&self) -> Algorithm {
        Algorithm::RS256
    }
}

/// A new RSA key pair as PEM: the private key as PKCS#1, the public key as SPKI (what the original writes).
pub fn generate_pem_pair(bits: usize) -> Result<(String, String)> {
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
    let key_pair = RsaKeyPair::generate(size)
        .map_err(|_| Error::InvalidKey("RSA key generation failed".into()))?;
    let pkcs8 = key_pair
        .as_der()
        .map_err(|_| Error::InvalidKey("cannot encode the new private key".into()))?;
    // aws-lc-rs exports PKCS#8; the rsa crate re-encodes it as PKCS#1 without any private-key arithmetic.
    let private = rsa::RsaPrivateKey::from_pkcs8_der(pkcs8.as_ref())
        .map_err(|_| Error::InvalidKey("cannot re-encode the new private key".into()))?;
    let private_pem = private
        .to_pkcs1_pem(LineEnding::LF)
        .map_err(|_| Error::InvalidKey("cannot encode the new private key".into()))?;
    let public_pem = private
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|_| Error::InvalidKey("cannot encode the new public key".into()))?;
    log::info!(target: crate::LOG_TARGET, "generated a new {bits}-bit RSA key pair");
    Ok((private_pem.to_string(), public_pem))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPublicKey};
    use rsa::pkcs8::EncodePrivateKey;
    use std::sync::OnceLock;

    fn pair() -> &'static (String, String) {
        static PAIR: OnceLock<(String, String)> = OnceLock::new();
        PAIR.get_or_init(|| generate_pem_pair(2048).unwrap())
    }

    #[test]
    fn generated_pair_has_the_original_formats_and_round_trips() {
        let (private, public) = pair();
        assert!(private.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));
        assert!(public.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        let signer = SigningKey::from_pem(private.as_bytes()).unwrap();
        let verifier = VerifyingKey::from_pem(public.as_bytes()).unwrap();
        assert_eq!(signer.bits(), 2048);
        let sig = signer.sign(b"message").unwrap();
        assert_eq!(sig.len(), 256);
        assert!(verifier.verify(b"message", &sig));
        assert!(!verifier.verify(b"messagE", &sig));
    }

    #[test]
    fn pkcs8_private_and_pkcs1_public_are_accepted() {
        let (private, _) = pair();
        let key = rsa::RsaPrivateKey::from_pkcs1_pem(private).unwrap();
        let pkcs8 = key.to_pkcs8_pem(LineEnding::CRLF).unwrap();
        let pkcs1_public = key.to_public_key().to_pkcs1_pem(LineEnding::LF).unwrap();
        let signer = SigningKey::from_pem(pkcs8.as_bytes()).unwrap();
        let verifier = VerifyingKey::from_pem(pkcs1_public.as_bytes()).unwrap();
        assert!(verifier.verify(b"m", &signer.sign(b"m").unwrap()));
    }

    #[test]
    fn wrong_inputs_are_clear_errors() {
        let (private, public) = pair();
        let err = |r: Result<SigningKey>| match r {
            Err(Error::InvalidKey(why)) => why,
            _ => panic!("expected InvalidKey"),
        };
        assert!(err(SigningKey::from_pem(b"not a key")).contains("not a PEM"));
        assert!(err(SigningKey::from_pem(public.as_bytes())).contains("found \"PUBLIC KEY\""));
        let encrypted =
            b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert!(err(SigningKey::from_pem(encrypted)).contains("encrypted"));
        match VerifyingKey::from_pem(private.as_bytes()) {
            Err(Error::InvalidKey(why)) => assert!(why.contains("not the private one")),
            _ => panic!("expected InvalidKey"),
        }
        let garbage = b"-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        assert!(err(SigningKey::from_pem(garbage)).contains("rejected"));
        assert!(generate_pem_pair(1024).is_err());
    }

    #[test]
    fn small_keys_are_rejected() {
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
