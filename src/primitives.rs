//! The signature operations of a token, one call each into aws-lc's C API (through aws-lc-sys).
//!
//! aws-lc-rs, which parses, validates and generates the keys, wraps every signature and verification in
//! an EVP context it allocates and frees, hashes through a digest context, and turns an ECDSA signature
//! from DER into `r || s`. On a token that wrapping is a measurable share (one machine, medians of 41
//! rounds, `bench/peers.py` before and after): about 1.5 µs of an 18 µs P-256 signature, 1.7 µs of a
//! P-256 verification, 0.3 µs of an Ed25519 signature or verification and of an RSA-2048 verification.
//! Here a key is aws-lc's own object (an `RSA` public key, a P-256 `EC_KEY`) or its raw bytes (Ed25519),
//! and an operation is a SHA-256 and one call. RSA signing stays with aws-lc-rs: the wrapping is lost in
//! the 300 µs and more of the arithmetic.
//!
//! Every function here checks lengths before handing a pointer to C, and a failed operation clears
//! aws-lc's error queue, so nothing of one call is left for the next. What a key must be beyond what
//! aws-lc checks (an RSA modulus of 2048 to 8192 bits) is `keys`'s rule.

use std::ptr::{self, NonNull};

use aws_lc_sys as sys;

fn sha256(message: &[u8]) -> [u8; 32] {
    let mut digest = [0; 32];
    // SAFETY: `message` is readable for its length; `digest` has room for SHA-256's 32 bytes.
    unsafe { sys::SHA256(message.as_ptr(), message.len(), digest.as_mut_ptr()) };
    digest
}

/// `ok`, after emptying aws-lc's per-thread error queue when an operation failed.
fn succeeded(ok: bool) -> bool {
    if !ok {
        // SAFETY: no arguments; touches only this thread's queue.
        unsafe { sys::ERR_clear_error() };
    }
    ok
}

/// An RSA public key that verifies RSASSA-PKCS1-v1_5 with SHA-256 (RS256).
pub struct RsaPublicKey(NonNull<sys::RSA>);

// SAFETY: verification only reads the key; the Montgomery context aws-lc computes on first use is
// guarded by the object's own lock, so threads may verify with one key at once (as aws-lc-rs's keys do).
unsafe impl Send for RsaPublicKey {}
unsafe impl Sync for RsaPublicKey {}

impl RsaPublicKey {
    /// The key in a PKCS#1 `RSAPublicKey` DER; None if aws-lc refuses it.
    pub fn from_pkcs1_der(der: &[u8]) -> Option<Self> {
        // SAFETY: `der` is readable for its length; the result is a new object we own, or null.
        let key = NonNull::new(unsafe { sys::RSA_public_key_from_bytes(der.as_ptr(), der.len()) });
        succeeded(key.is_some());
        key.map(Self)
    }

    /// Whether `signature` (exactly the modulus's length) is this key's RS256 signature of `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let digest = sha256(message);
        // SAFETY: the pointers are readable for the lengths given; aws-lc refuses a signature whose
        // length is not the modulus's before reading it.
        succeeded(
            unsafe {
                sys::RSA_verify(
                    sys::NID_sha256,
                    digest.as_ptr(),
                    digest.len(),
                    signature.as_ptr(),
                    signature.len(),
                    self.0.as_ptr(),
                )
            } == 1,
        )
    }
}

impl Drop for RsaPublicKey {
    fn drop(&mut self) {
        // SAFETY: we own the object; nothing uses it after this.
        unsafe { sys::RSA_free(self.0.as_ptr()) }
    }
}

/// A P-256 key (public, or private with its public point) for ECDSA with SHA-256 and signatures as the
/// fixed 64 bytes `r || s` (ES256).
pub struct P256Key(NonNull<sys::EC_KEY>);

// SAFETY: signing and verifying take the key as `const EC_KEY *` and change nothing in it.
unsafe impl Send for P256Key {}
unsafe impl Sync for P256Key {}

impl P256Key {
    /// The public key at `point`, an uncompressed point (0x04, x, y); None if it is not on the curve.
    pub fn from_point(point: &[u8]) -> Option<Self> {
        if point.len() != 65 || point[0] != 4 {
            return None;
        }
        // SAFETY: each object is checked for null before use; the point is freed here, the key by
        // `Self`'s drop from the moment it is wrapped.
        unsafe {
            let key = Self(NonNull::new(sys::EC_KEY_new_by_curve_name(
                sys::NID_X9_62_prime256v1,
            ))?);
            let group = sys::EC_KEY_get0_group(key.0.as_ptr());
            let public = sys::EC_POINT_new(group);
            if public.is_null() {
                succeeded(false);
                return None;
            }
            let ok = sys::EC_POINT_oct2point(
                group,
                public,
                point.as_ptr(),
                point.len(),
                ptr::null_mut(),
            ) == 1
                && sys::EC_KEY_set_public_key(key.0.as_ptr(), public) == 1;
            sys::EC_POINT_free(public);
            succeeded(ok).then_some(key)
        }
    }

    /// The private key in a PKCS#8 DER; None unless it is a P-256 key aws-lc accepts.
    pub fn from_pkcs8(der: &[u8]) -> Option<Self> {
        let pkey = Pkcs8::parse(der)?;
        // SAFETY: `pkey` is a live EVP_PKEY; get1 gives us a reference of our own to its EC_KEY (null
        // if it holds another kind of key), which `Self` frees.
        unsafe {
            let key = NonNull::new(sys::EVP_PKEY_get1_EC_KEY(pkey.0.as_ptr())).map(Self);
            let p256 = key.as_ref().is_some_and(|key| {
                sys::EC_GROUP_get_curve_name(sys::EC_KEY_get0_group(key.0.as_ptr()))
                    == sys::NID_X9_62_prime256v1
            });
            succeeded(p256);
            key.filter(|_| p256)
        }
    }

    /// The ES256 signature of `message`; None if aws-lc fails (a key without its private part).
    pub fn sign(&self, message: &[u8]) -> Option<[u8; 64]> {
        let digest = sha256(message);
        // SAFETY: the digest is readable for its length; the signature object is ours and freed here;
        // `r` and `s` are less than the group order, so each fits the 32 bytes given.
        unsafe {
            let signature = sys::ECDSA_do_sign(digest.as_ptr(), digest.len(), self.0.as_ptr());
            if signature.is_null() {
                succeeded(false);
                return None;
            }
            let (mut r, mut s) = (ptr::null(), ptr::null());
            sys::ECDSA_SIG_get0(signature, &mut r, &mut s);
            let mut fixed = [0; 64];
            let ok = sys::BN_bn2bin_padded(fixed.as_mut_ptr(), 32, r) == 1
                && sys::BN_bn2bin_padded(fixed[32..].as_mut_ptr(), 32, s) == 1;
            sys::ECDSA_SIG_free(signature);
            succeeded(ok).then_some(fixed)
        }
    }

    /// Whether `signature` (64 bytes, `r || s`) is this key's ES256 signature of `message`. aws-lc
    /// refuses an `r` or `s` of zero or not below the group order.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        if signature.len() != 64 {
            return false;
        }
        let digest = sha256(message);
        // SAFETY: `signature` holds 64 bytes, read as two halves of 32; ECDSA_SIG_set0 takes ownership
        // of the two numbers (freed with the signature); a null is checked before each use.
        unsafe {
            let parsed = sys::ECDSA_SIG_new();
            if parsed.is_null() {
                return succeeded(false);
            }
            let r = sys::BN_bin2bn(signature.as_ptr(), 32, ptr::null_mut());
            let s = sys::BN_bin2bn(signature[32..].as_ptr(), 32, ptr::null_mut());
            let ok = if r.is_null() || s.is_null() || sys::ECDSA_SIG_set0(parsed, r, s) != 1 {
                sys::BN_free(r);
                sys::BN_free(s);
                false
            } else {
                sys::ECDSA_do_verify(digest.as_ptr(), digest.len(), parsed, self.0.as_ptr()) == 1
            };
            sys::ECDSA_SIG_free(parsed);
            succeeded(ok)
        }
    }
}

impl Drop for P256Key {
    fn drop(&mut self) {
        // SAFETY: we own this reference; aws-lc wipes a private key when it frees it.
        unsafe { sys::EC_KEY_free(self.0.as_ptr()) }
    }
}

/// Whether `signature` (64 bytes) is the Ed25519 signature of `message` by the public key `public`.
pub fn ed25519_verify(public: &[u8; 32], message: &[u8], signature: &[u8]) -> bool {
    if signature.len() != 64 {
        return false;
    }
    // SAFETY: `message` is readable for its length, `signature` for the 64 bytes checked above, `public`
    // for its 32.
    succeeded(
        unsafe {
            sys::ED25519_verify(
                message.as_ptr(),
                message.len(),
                signature.as_ptr(),
                public.as_ptr(),
            )
        } == 1,
    )
}

/// A private key parsed from a whole PKCS#8 DER (nothing after it), freed on drop.
struct Pkcs8(NonNull<sys::EVP_PKEY>);

impl Pkcs8 {
    fn parse(der: &[u8]) -> Option<Self> {
        // SAFETY: the CBS reads `der` within its length; the result is ours, or null.
        unsafe {
            let mut input = std::mem::zeroed::<sys::CBS>();
            sys::CBS_init(&mut input, der.as_ptr(), der.len());
            let key = NonNull::new(sys::EVP_parse_private_key(&mut input)).map(Self);
            let whole = key.is_some() && sys::CBS_len(&input) == 0;
            succeeded(whole);
            key.filter(|_| whole)
        }
    }
}

impl Drop for Pkcs8 {
    fn drop(&mut self) {
        // SAFETY: we own the object; aws-lc wipes a private key when it frees it.
        unsafe { sys::EVP_PKEY_free(self.0.as_ptr()) }
    }
}

/// An Ed25519 private key as aws-lc signs with it: the 32-byte seed, then the public key derived from
/// it. Kept in one heap block, written in place and wiped on drop, so that moving the key copies no
/// secret.
pub struct Ed25519Secret(Box<[u8; 64]>);

impl Ed25519Secret {
    /// The key in a PKCS#8 DER; None unless it is an Ed25519 key aws-lc accepts.
    pub fn from_pkcs8(der: &[u8]) -> Option<Self> {
        let pkey = Pkcs8::parse(der)?;
        let mut secret = Ed25519Secret(Box::new([0; 64]));
        let mut seed = [0u8; 32];
        let mut public = [0u8; 32];
        let mut length = seed.len();
        // SAFETY: `pkey` is live; aws-lc writes at most `length` bytes of seed and says how many; the
        // public key (32 bytes) and the private key (64) go where there is room for them.
        let ok = unsafe {
            let ok = sys::EVP_PKEY_id(pkey.0.as_ptr()) == sys::EVP_PKEY_ED25519
                && sys::EVP_PKEY_get_raw_private_key(
                    pkey.0.as_ptr(),
                    seed.as_mut_ptr(),
                    &mut length,
                ) == 1
                && length == seed.len();
            if ok {
                sys::ED25519_keypair_from_seed(
                    public.as_mut_ptr(),
                    secret.0.as_mut_ptr(),
                    seed.as_ptr(),
                );
            }
            sys::OPENSSL_cleanse(seed.as_mut_ptr().cast(), seed.len());
            ok
        };
        succeeded(ok).then_some(secret)
    }

    /// The public key, as the last 32 bytes hold it.
    pub fn public(&self) -> &[u8] {
        &self.0[32..]
    }

    /// The EdDSA signature of `message`.
    pub fn sign(&self, message: &[u8]) -> Option<[u8; 64]> {
        let mut signature = [0; 64];
        // SAFETY: `signature` has room for 64 bytes, the key holds its 64, `message` is readable for
        // its length.
        let ok = unsafe {
            sys::ED25519_sign(
                signature.as_mut_ptr(),
                message.as_ptr(),
                message.len(),
                self.0.as_ptr(),
            )
        } == 1;
        succeeded(ok).then_some(signature)
    }
}

impl Drop for Ed25519Secret {
    fn drop(&mut self) {
        // SAFETY: the array is ours and 64 bytes long; OPENSSL_cleanse is not optimised away.
        unsafe { sys::OPENSSL_cleanse(self.0.as_mut_ptr().cast(), self.0.len()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{
        self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, UnparsedPublicKey, ECDSA_P256_SHA256_FIXED,
        ECDSA_P256_SHA256_FIXED_SIGNING,
    };

    const MESSAGE: &[u8] = b"eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0";

    fn flipped(bytes: &[u8], at: usize) -> Vec<u8> {
        let mut copy = bytes.to_vec();
        copy[at] ^= 1;
        copy
    }

    #[test]
    fn p256_signatures_agree_with_aws_lc_rs_both_ways() {
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .unwrap();
        let theirs =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
        let ours = P256Key::from_pkcs8(pkcs8.as_ref()).unwrap();
        let public = P256Key::from_point(theirs.public_key().as_ref()).unwrap();
        let checker = UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, theirs.public_key());

        let signature = ours.sign(MESSAGE).unwrap();
        assert!(checker.verify(MESSAGE, &signature).is_ok());
        let signature = theirs.sign(&SystemRandom::new(), MESSAGE).unwrap();
        assert!(public.verify(MESSAGE, signature.as_ref()));
        // The private key verifies too, and nothing else passes.
        assert!(ours.verify(MESSAGE, signature.as_ref()));
        assert!(!public.verify(&flipped(MESSAGE, 3), signature.as_ref()));
        for at in [0, 31, 32, 63] {
            assert!(!public.verify(MESSAGE, &flipped(signature.as_ref(), at)));
        }
        assert!(!public.verify(MESSAGE, &signature.as_ref()[..63]));
        assert!(!public.verify(MESSAGE, &[0; 64])); // r = s = 0
        assert!(!public.verify(MESSAGE, &[0xff; 64])); // r, s above the order
    }

    #[test]
    fn p256_keys_off_the_curve_or_of_another_curve_are_refused() {
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .unwrap();
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
        let point = pair.public_key().as_ref();
        assert!(P256Key::from_point(point).is_some());
        assert!(P256Key::from_point(&flipped(point, 64)).is_none());
        assert!(P256Key::from_point(&point[..64]).is_none());
        let p384 = EcdsaKeyPair::generate_pkcs8(
            &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
            &SystemRandom::new(),
        )
        .unwrap();
        assert!(P256Key::from_pkcs8(p384.as_ref()).is_none());
        assert!(P256Key::from_pkcs8(&pkcs8.as_ref()[..40]).is_none());
    }

    #[test]
    fn ed25519_signatures_agree_with_aws_lc_rs() {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let public: [u8; 32] = pair.public_key().as_ref().try_into().unwrap();
        // PKCS#8 v2 (with the public key) and v1 (without) give the same key.
        let ours = Ed25519Secret::from_pkcs8(pkcs8.as_ref()).unwrap();
        assert_eq!(ours.public(), public);
        let v1 = Ed25519Secret::from_pkcs8(pair.to_pkcs8v1().unwrap().as_ref()).unwrap();
        assert_eq!(v1.sign(MESSAGE), ours.sign(MESSAGE));
        // Ed25519 is deterministic: the same bytes as aws-lc-rs's.
        let signature = ours.sign(MESSAGE).unwrap();
        assert_eq!(signature.as_slice(), pair.sign(MESSAGE).as_ref());
        assert!(ed25519_verify(&public, MESSAGE, &signature));
        assert!(!ed25519_verify(&public, &flipped(MESSAGE, 0), &signature));
        assert!(!ed25519_verify(&public, MESSAGE, &flipped(&signature, 40)));
        assert!(!ed25519_verify(&public, MESSAGE, &signature[..63]));
        assert!(!ed25519_verify(
            &public,
            MESSAGE,
            &[signature.as_slice(), &[0]].concat()
        ));
    }

    #[test]
    fn a_pkcs8_of_another_kind_or_with_bytes_after_it_is_refused() {
        let rng = SystemRandom::new();
        let ed25519 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let p256 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        assert!(Ed25519Secret::from_pkcs8(p256.as_ref()).is_none());
        assert!(P256Key::from_pkcs8(ed25519.as_ref()).is_none());
        let longer = |der: &[u8]| [der, &[0]].concat();
        assert!(Ed25519Secret::from_pkcs8(&longer(ed25519.as_ref())).is_none());
        assert!(P256Key::from_pkcs8(&longer(p256.as_ref())).is_none());
        assert!(Ed25519Secret::from_pkcs8(ed25519.as_ref()).is_some());
    }

    #[test]
    fn rsa_verification_checks_the_signature_and_its_length() {
        let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let mut signature = vec![0; pair.public_modulus_len()];
        pair.sign(
            &signature::RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            MESSAGE,
            &mut signature,
        )
        .unwrap();
        let der = rsa::pkcs1::EncodeRsaPublicKey::to_pkcs1_der(
            &<rsa::RsaPublicKey as rsa::pkcs8::DecodePublicKey>::from_public_key_der(
                aws_lc_rs::encoding::AsDer::<aws_lc_rs::encoding::PublicKeyX509Der>::as_der(
                    pair.public_key(),
                )
                .unwrap()
                .as_ref(),
            )
            .unwrap(),
        )
        .unwrap();
        let key = RsaPublicKey::from_pkcs1_der(der.as_bytes()).unwrap();
        assert!(key.verify(MESSAGE, &signature));
        assert!(!key.verify(&flipped(MESSAGE, 1), &signature));
        assert!(!key.verify(MESSAGE, &flipped(&signature, 100)));
        assert!(!key.verify(MESSAGE, &signature[1..]));
        assert!(!key.verify(MESSAGE, &[&[0], signature.as_slice()].concat()));
        assert!(RsaPublicKey::from_pkcs1_der(&der.as_bytes()[..100]).is_none());
    }
}
