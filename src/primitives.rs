//! The signature operations of a token, one call each into aws-lc's C API (through aws-lc-sys).
//!
//! aws-lc-rs, which parses, validates and generates the keys, wraps every signature and verification in
//! an EVP context it allocates and frees, hashes through a digest context, and turns an ECDSA signature
//! from DER into `r || s`. On a token that wrapping is a measurable share (one machine, medians of 41
//! rounds, `bench/peers.py` before and after): about 1.5 µs of an 18 µs P-256 signature, 1.7 µs of a
//! P-256 verification, 0.3 µs of an Ed25519 signature or verification and of an RSA-2048 verification.
//! Here a key is aws-lc's own object (an `RSA` key, a P-256 `EC_KEY`) or its raw bytes (Ed25519), and an
//! operation is a SHA-256 and one call, except an RSA verification, which is RFC 8017's steps over
//! aws-lc's arithmetic (see `RsaPublicKey`), and an Ed25519 verification where the CPU has AVX2, which is
//! curve25519-dalek's (see `Ed25519PublicKey`). For RSA-2048 signing the wrapping is small beside the
//! arithmetic, but not nothing: about 1 µs of 245 in a Python process, the whole gap to the fastest peer,
//! which signs with the same aws-lc through aws-lc-rs (RS256 signing alone, `bench/peers.py`'s paired
//! rounds, 201 of them: 1.003 and 1.005 of its time before, 0.998 and 1.000 after).
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
///
/// For the usual public exponent, 65537, the check is RFC 8017's (8.2.2) written out over aws-lc's
/// Montgomery multiplication: `s^65537 mod n` as one conversion into Montgomery form, 16 squarings and
/// a last multiplication by `s` itself, which leaves the result outside Montgomery form; then the
/// expected encoding (`00 01 ff .. ff 00`, SHA-256's DigestInfo, the digest) compared with it.
/// aws-lc's `RSA_verify` takes one multiplication more to leave Montgomery form, builds the expected
/// encoding and a buffer for the result on the heap for each call, and parses the padding rather than
/// comparing it: 13.9 µs against 15.3 µs for an RSA-2048 verification (`examples/primitives.rs`, on the
/// README's machine). Any other exponent goes to `RSA_verify`.
pub struct RsaPublicKey {
    key: NonNull<sys::RSA>,
    /// What the check for the exponent 65537 needs, when the key has it.
    f4: Option<F4>,
}

/// The modulus's Montgomery context, and what a SHA-256 digest's encoding (RFC 8017, 9.2) holds before
/// the digest for this modulus's length: `00 01`, `ff` bytes, `00`, and SHA-256's DigestInfo.
struct F4 {
    montgomery: NonNull<sys::BN_MONT_CTX>,
    before_digest: Box<[u8]>,
}

impl F4 {
    /// For the modulus `n` of 256 to `MAX_MODULUS_BYTES` bytes; None for another length, or if aws-lc
    /// cannot make the context (which leaves `RSA_verify`).
    ///
    /// # Safety
    /// `n` is a live BIGNUM.
    unsafe fn for_modulus(n: *const sys::BIGNUM) -> Option<Self> {
        // SAFETY: `n` is live (the caller's promise); the context is new and ours (freed by our drop), or
        // null.
        let (length, montgomery) = unsafe {
            let length = sys::BN_num_bytes(n) as usize;
            if !(256..=MAX_MODULUS_BYTES).contains(&length) {
                return None;
            }
            let montgomery = sys::BN_MONT_CTX_new_for_modulus(n, ptr::null_mut());
            succeeded(!montgomery.is_null());
            (length, NonNull::new(montgomery)?)
        };
        let mut before_digest = vec![0xff; length - 32];
        let info_at = before_digest.len() - SHA256_DIGEST_INFO.len();
        before_digest[..2].copy_from_slice(&[0, 1]);
        before_digest[info_at - 1] = 0;
        before_digest[info_at..].copy_from_slice(&SHA256_DIGEST_INFO);
        Some(Self {
            montgomery,
            before_digest: before_digest.into(),
        })
    }
}

impl Drop for F4 {
    fn drop(&mut self) {
        // SAFETY: we own the context; nothing uses it after this.
        unsafe { sys::BN_MONT_CTX_free(self.montgomery.as_ptr()) }
    }
}

// SAFETY: verification only reads the key and the Montgomery contexts (aws-lc takes them as `const`;
// the one `RSA_verify` computes on first use is guarded by the object's own lock), so threads may verify
// with one key at once.
unsafe impl Send for RsaPublicKey {}
unsafe impl Sync for RsaPublicKey {}

/// SHA-256's DigestInfo before the digest (RFC 8017, 9.2, note 1).
const SHA256_DIGEST_INFO: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

/// The largest modulus, in bytes, checked on the stack by the 65537 path (8192 bits).
const MAX_MODULUS_BYTES: usize = 1024;

/// A BIGNUM of aws-lc's, freed on drop.
struct Number(NonNull<sys::BIGNUM>);

impl Number {
    fn from_be_bytes(bytes: &[u8]) -> Option<Self> {
        // SAFETY: `bytes` is readable for its length; the result is a new object we own, or null.
        NonNull::new(unsafe { sys::BN_bin2bn(bytes.as_ptr(), bytes.len(), ptr::null_mut()) })
            .map(Self)
    }

    fn zero() -> Option<Self> {
        // SAFETY: no arguments; the result is a new object we own, or null.
        NonNull::new(unsafe { sys::BN_new() }).map(Self)
    }
}

impl Drop for Number {
    fn drop(&mut self) {
        // SAFETY: we own the object; nothing uses it after this.
        unsafe { sys::BN_free(self.0.as_ptr()) }
    }
}

impl RsaPublicKey {
    /// The key in a PKCS#1 `RSAPublicKey` DER; None if aws-lc refuses it.
    pub fn from_pkcs1_der(der: &[u8]) -> Option<Self> {
        // SAFETY: `der` is readable for its length; the result is a new object we own, or null.
        let key = NonNull::new(unsafe { sys::RSA_public_key_from_bytes(der.as_ptr(), der.len()) });
        succeeded(key.is_some());
        let key = key?;
        // SAFETY: the key is live and owns its modulus and exponent, which aws-lc checked when it parsed
        // the key.
        let f4 = unsafe {
            let e = sys::RSA_get0_e(key.as_ptr());
            (sys::BN_is_word(e, 65537) == 1)
                .then(|| F4::for_modulus(sys::RSA_get0_n(key.as_ptr())))
                .flatten()
        };
        Some(Self { key, f4 })
    }

    /// Whether `signature` (exactly the modulus's length) is this key's RS256 signature of `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let digest = sha256(message);
        match self.f4 {
            Some(ref f4) => succeeded(self.verify_f4(f4, &digest, signature) == Some(true)),
            None => self.verify_with_rsa_verify(&digest, signature),
        }
    }

    /// aws-lc's `RSA_verify` of `signature` for the SHA-256 `digest`.
    fn verify_with_rsa_verify(&self, digest: &[u8; 32], signature: &[u8]) -> bool {
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
                    self.key.as_ptr(),
                )
            } == 1,
        )
    }

    /// RFC 8017's RSASSA-PKCS1-V1_5-VERIFY for e = 65537 (see the type); None if aws-lc fails.
    fn verify_f4(&self, f4: &F4, digest: &[u8; 32], signature: &[u8]) -> Option<bool> {
        let length = f4.before_digest.len() + digest.len();
        if signature.len() != length {
            return Some(false);
        }
        let mut encoded = [0; MAX_MODULUS_BYTES];
        let encoded = &mut encoded[..length];
        // SAFETY: the key owns its modulus, and `f4` the modulus's Montgomery context, both live while
        // `self` is; the constructor made `length` the modulus's length in bytes.
        let power = unsafe {
            power_65537(
                sys::RSA_get0_n(self.key.as_ptr()),
                f4.montgomery.as_ptr(),
                signature,
                encoded,
            )
        };
        if !power? {
            return Some(false);
        }
        // Nothing here is secret, so a plain comparison will do.
        let (before, hash) = encoded.split_at(f4.before_digest.len());
        Some(*before == *f4.before_digest && hash == digest)
    }
}

/// Writes `number^65537 mod n` to `out`, big-endian, for the big-endian `number`: true, or false if the
/// number is not below the modulus `n`; None if aws-lc fails. One conversion into Montgomery form, 16
/// squarings, and a last multiplication by the number itself, which leaves the result outside Montgomery
/// form: `(s^65536 R) s R^-1 = s^65537`.
///
/// # Safety
/// `modulus` and `montgomery` (its Montgomery context) are live; `number` and `out` are as long as the
/// modulus in bytes.
unsafe fn power_65537(
    modulus: *const sys::BIGNUM,
    montgomery: *const sys::BN_MONT_CTX,
    number: &[u8],
    out: &mut [u8],
) -> Option<bool> {
    let s = Number::from_be_bytes(number)?;
    let power = Number::zero()?;
    let (s, power) = (s.0.as_ptr(), power.0.as_ptr());
    // SAFETY: both numbers are ours and live; the modulus and its context are only read. Montgomery
    // multiplication may write its result over an argument (as aws-lc's own exponentiation does); each
    // argument is below the modulus, as it requires: `s` by the comparison, every product by
    // construction. `out` has room for the modulus's length, which every power below it fits.
    unsafe {
        if sys::BN_ucmp(s, modulus) >= 0 {
            return Some(false);
        }
        // aws-lc uses a BN_CTX only for numbers not as wide as the modulus, which these are not; it
        // gets one all the same.
        let ctx = sys::BN_CTX_new();
        let mut ok = !ctx.is_null() && sys::BN_to_montgomery(power, s, montgomery, ctx) == 1;
        for _ in 0..16 {
            ok = ok && sys::BN_mod_mul_montgomery(power, power, power, montgomery, ctx) == 1;
        }
        ok = ok && sys::BN_mod_mul_montgomery(power, power, s, montgomery, ctx) == 1;
        ok = ok && sys::BN_bn2bin_padded(out.as_mut_ptr(), out.len(), power) == 1;
        sys::BN_CTX_free(ctx);
        ok.then_some(true)
    }
}

impl Drop for RsaPublicKey {
    fn drop(&mut self) {
        // SAFETY: we own the object; nothing uses it after this.
        unsafe { sys::RSA_free(self.key.as_ptr()) }
    }
}

/// An RSA private key that signs RSASSA-PKCS1-v1_5 with SHA-256 (RS256): a SHA-256 and aws-lc's
/// `RSA_sign`, whose private operation is blinded and checked against faults (the result raised to the
/// public exponent must give the input back) as aws-lc-rs's signing is: this is the same operation
/// without the EVP contexts around it.
pub struct RsaPrivateKey(NonNull<sys::RSA>);

// SAFETY: aws-lc's RSA functions may share a key between threads: what a private operation changes in
// it (the Montgomery contexts made on first use, the cache of blinding values) is guarded by the key's
// own lock, as aws-lc-rs, whose `RsaKeyPair` is Sync, relies on too.
unsafe impl Send for RsaPrivateKey {}
unsafe impl Sync for RsaPrivateKey {}

impl RsaPrivateKey {
    /// The key in a PKCS#8 DER; None unless it is an RSA key (rsaEncryption, not RSA-PSS) aws-lc
    /// accepts.
    pub fn from_pkcs8(der: &[u8]) -> Option<Self> {
        let pkey = Pkcs8::parse(der)?;
        // SAFETY: `pkey` is a live EVP_PKEY; get1 gives us a reference of our own to its RSA, which
        // `Self` frees.
        let key = unsafe {
            (sys::EVP_PKEY_id(pkey.0.as_ptr()) == sys::EVP_PKEY_RSA)
                .then(|| NonNull::new(sys::EVP_PKEY_get1_RSA(pkey.0.as_ptr())))
                .flatten()
        };
        succeeded(key.is_some());
        key.map(Self)
    }

    /// The RS256 signature of `message`, as long as the modulus; None if aws-lc fails.
    pub fn sign(&self, message: &[u8]) -> Option<Vec<u8>> {
        let digest = sha256(message);
        // SAFETY: the key is live; `signature` has room for RSA_size bytes, all RSA_sign writes, and
        // it says how many it wrote.
        unsafe {
            let mut signature = vec![0; sys::RSA_size(self.0.as_ptr()) as usize];
            let mut length = 0;
            let ok = sys::RSA_sign(
                sys::NID_sha256,
                digest.as_ptr(),
                digest.len(),
                signature.as_mut_ptr(),
                &mut length,
                self.0.as_ptr(),
            ) == 1
                && length as usize == signature.len();
            succeeded(ok).then_some(signature)
        }
    }
}

impl Drop for RsaPrivateKey {
    fn drop(&mut self) {
        // SAFETY: we own the object; aws-lc wipes its private parts when it frees it.
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

/// An Ed25519 public key (RFC 8032), verifying with curve25519-dalek where the CPU has AVX2, aws-lc
/// elsewhere.
///
/// Verification is the double scalar multiplication `[s]B - [k]A`, variable-time on public values. aws-lc
/// does it with s2n-bignum's code (its portable code on Windows); curve25519-dalek with four field
/// elements at a time in AVX2 registers, or eight in AVX-512 IFMA ones, chosen at run time (IFMA only in
/// builds with `.cargo/config.toml`'s flag: Linux). One machine (AMD EPYC with IFMA, a 286-byte message,
/// medians of 41 rounds): aws-lc 36.6 µs, dalek 29.3 µs with AVX2, 17.1 µs with IFMA, 45.8 µs with its
/// portable code; hence aws-lc where there is no AVX2, and on other processors.
///
/// Both accept exactly the signatures RFC 8032 (5.1.7) does, without the optional cofactor: `s` below the
/// group order, and `R` equal, byte for byte, to the encoding of `[s]B - [k]A` with
/// `k = SHA-512(R || A || message)` over the key's bytes as given. They differ only on a key whose
/// encoding is not canonical (a `y` of p or more, or a negative zero `x`): aws-lc refuses its every
/// signature, dalek reads it as the point it reduces to. `from_bytes` refuses such a key; one made
/// without it (the tests' `new`) stays with aws-lc, so the answers are the same on every input (the
/// tests compare the two).
pub struct Ed25519PublicKey {
    bytes: [u8; 32],
    #[cfg(target_arch = "x86_64")]
    dalek: Option<ed25519_dalek::VerifyingKey>,
}

/// Why 32 bytes cannot be anyone's Ed25519 public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAnEd25519Key {
    /// They are no point of the curve.
    NotAPoint,
    /// They are one of its eight points of small order (however written).
    SmallOrder,
    /// They write a point otherwise than RFC 8032 (5.1.2) does: a `y` of p or more, or a negative zero
    /// `x`; no signature verifies under them.
    NotCanonical,
}

impl std::fmt::Display for NotAnEd25519Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::NotAPoint => "is not a point of the curve",
            Self::SmallOrder => {
                "is a point of small order, under which anyone could sign: no key pair has one (the \
                 32 zero bytes are one)"
            }
            Self::NotCanonical => {
                "is not written as RFC 8032 writes points, and no signature would verify under it"
            }
        })
    }
}

impl Ed25519PublicKey {
    /// The key `bytes` encode, if they can be anyone's key. A key pair made as RFC 8032 says always
    /// can. Under a point of small order, signatures that anyone can make verify (with the identity,
    /// `R = B` and `s = 1`, for any message; with the others, a few tries of `R`), so a key set must
    /// not take one, even by mistake: the 32 zero bytes are a point of order 4. curve25519-dalek decodes
    /// the point, reading a `y` of p or more as `y - p`, so every encoding of those eight is caught.
    pub fn from_bytes(bytes: [u8; 32]) -> Result<Self, NotAnEd25519Key> {
        let point = curve25519_dalek::edwards::CompressedEdwardsY(bytes)
            .decompress()
            .ok_or(NotAnEd25519Key::NotAPoint)?;
        if point.is_small_order() {
            return Err(NotAnEd25519Key::SmallOrder);
        }
        if point.compress().to_bytes() != bytes {
            return Err(NotAnEd25519Key::NotCanonical);
        }
        Ok(Self::new(bytes))
    }

    /// The key, whatever the bytes.
    fn new(bytes: [u8; 32]) -> Self {
        Ed25519PublicKey {
            bytes,
            #[cfg(target_arch = "x86_64")]
            dalek: std::arch::is_x86_feature_detected!("avx2")
                .then(|| ed25519_dalek::VerifyingKey::from_bytes(&bytes).ok())
                .flatten()
                .filter(|key| key.to_edwards().compress().as_bytes() == &bytes),
        }
    }

    /// Whether `signature` (64 bytes) is this key's Ed25519 signature of `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(signature) = <&[u8; 64]>::try_from(signature) else {
            return false;
        };
        #[cfg(target_arch = "x86_64")]
        if let Some(key) = &self.dalek {
            let signature = ed25519_dalek::Signature::from_bytes(signature);
            return ed25519_dalek::Verifier::verify(key, message, &signature).is_ok();
        }
        self.verify_with_aws_lc(message, signature)
    }

    fn verify_with_aws_lc(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        // SAFETY: `message` is readable for its length, `signature` for its 64 bytes, the key for its 32.
        succeeded(
            unsafe {
                sys::ED25519_verify(
                    message.as_ptr(),
                    message.len(),
                    signature.as_ptr(),
                    self.bytes.as_ptr(),
                )
            } == 1,
        )
    }
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
    use aws_lc_rs::rsa::KeySize;
    use aws_lc_rs::signature::{
        self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair, UnparsedPublicKey,
        ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING,
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
        let public = Ed25519PublicKey::new(public);
        assert!(public.verify(MESSAGE, &signature));
        assert!(!public.verify(&flipped(MESSAGE, 0), &signature));
        assert!(!public.verify(MESSAGE, &flipped(&signature, 40)));
        assert!(!public.verify(MESSAGE, &signature[..63]));
        assert!(!public.verify(MESSAGE, &[signature.as_slice(), &[0]].concat()));
    }

    /// The group order, little-endian.
    const ORDER: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];

    /// The scalar 1; as a point, the encoding of the identity (y = 1, x = 0).
    const ONE: [u8; 32] = {
        let mut one = [0; 32];
        one[0] = 1;
        one
    };

    /// The encoding of the base point B.
    const BASE: [u8; 32] = {
        let mut b = [0x66; 32];
        b[0] = 0x58;
        b
    };

    /// `a + b` for little-endian numbers whose sum fits in 256 bits.
    fn add(a: &[u8], b: &[u8]) -> [u8; 32] {
        let mut sum = [0; 32];
        let mut carry = 0;
        for i in 0..32 {
            let digit = a[i] as u16 + b[i] as u16 + carry;
            sum[i] = digit as u8;
            carry = digit >> 8;
        }
        assert_eq!(carry, 0);
        sum
    }

    /// `R || s`.
    fn signature_of(r: &[u8], s: &[u8]) -> [u8; 64] {
        [r, s].concat().try_into().unwrap()
    }

    /// This key's answer and aws-lc's alone; they must be the same.
    fn agree(key: &Ed25519PublicKey, message: &[u8], signature: &[u8; 64]) -> bool {
        let ours = key.verify(message, signature);
        assert_eq!(
            ours,
            key.verify_with_aws_lc(message, signature),
            "key {:02x?}, signature {:02x?}",
            key.bytes,
            signature
        );
        ours
    }

    #[test]
    fn ed25519_verification_is_dalek_s_where_the_cpu_has_avx2() {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let key = Ed25519PublicKey::new(pair.public_key().as_ref().try_into().unwrap());
        #[cfg(target_arch = "x86_64")]
        assert_eq!(
            key.dalek.is_some(),
            std::arch::is_x86_feature_detected!("avx2")
        );
        assert!(key.verify(MESSAGE, pair.sign(MESSAGE).as_ref()));
    }

    #[test]
    fn ed25519_dalek_and_aws_lc_agree_on_every_change_of_a_signature() {
        for _ in 0..3 {
            let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
            let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
            let key = Ed25519PublicKey::new(pair.public_key().as_ref().try_into().unwrap());
            let signature: [u8; 64] = pair.sign(MESSAGE).as_ref().try_into().unwrap();
            let (r, s): ([u8; 32], [u8; 32]) = (
                signature[..32].try_into().unwrap(),
                signature[32..].try_into().unwrap(),
            );
            assert!(agree(&key, MESSAGE, &signature));
            // Every single bit of the signature, and of the message's first and last bytes.
            for bit in 0..512 {
                let mut changed = signature;
                changed[bit / 8] ^= 1 << (bit % 8);
                assert!(!agree(&key, MESSAGE, &changed));
            }
            for at in [0, MESSAGE.len() - 1] {
                assert!(!agree(&key, &flipped(MESSAGE, at), &signature));
            }
            // The same s plus the order, once to fifteen times: the same point, refused as malleable.
            let mut s_plus = s;
            for _ in 0..15 {
                s_plus = add(&s_plus, &ORDER);
                assert!(!agree(&key, MESSAGE, &signature_of(&r, &s_plus)));
            }
            // s of the order itself, and zero; R of the identity and of the base point.
            for (r, s) in [
                (r, ORDER),
                (r, [0; 32]),
                (ONE, s),
                (BASE, s),
                (ONE, [0; 32]),
            ] {
                assert!(!agree(&key, MESSAGE, &signature_of(&r, &s)));
            }
        }
    }

    #[test]
    fn ed25519_keys_of_low_order_or_not_canonical_agree_with_aws_lc() {
        // The identity: with it, R = [s]B satisfies the equation for any message (cofactorless).
        let identity = ONE;
        let base_signature = signature_of(&BASE, &ONE);
        let key = Ed25519PublicKey::new(identity);
        assert!(agree(&key, MESSAGE, &base_signature));
        // With s = 0 the equation gives the identity: written canonically R passes, written as y = p + 1
        // or as x = -0 it does not (R is compared as bytes).
        let mut above_p = [0xff; 32];
        above_p[0] = 0xee;
        above_p[31] = 0x7f;
        let mut negative_zero = identity;
        negative_zero[31] = 0x80;
        assert!(agree(&key, MESSAGE, &signature_of(&identity, &[0; 32])));
        for r in [above_p, negative_zero] {
            assert!(!agree(&key, MESSAGE, &signature_of(&r, &[0; 32])));
        }
        // The identity again as a key, written as y = p + 1 and as x = -0: aws-lc refuses both keys'
        // signatures, dalek alone would not; so these keys are aws-lc's.
        for bytes in [above_p, negative_zero] {
            let key = Ed25519PublicKey::new(bytes);
            #[cfg(target_arch = "x86_64")]
            {
                assert!(key.dalek.is_none());
                let dalek = ed25519_dalek::VerifyingKey::from_bytes(&bytes).unwrap();
                let signature = ed25519_dalek::Signature::from_bytes(&base_signature);
                assert!(ed25519_dalek::Verifier::verify(&dalek, MESSAGE, &signature).is_ok());
            }
            assert!(!agree(&key, MESSAGE, &base_signature));
        }
        // A point of order 2 (y = -1), and bytes that are no point at all.
        let mut minus_one = [0xff; 32];
        minus_one[0] = 0xec;
        minus_one[31] = 0x7f;
        let mut not_a_point = [0; 32];
        not_a_point[0] = 2;
        for bytes in [minus_one, not_a_point] {
            let key = Ed25519PublicKey::new(bytes);
            for s in [ONE, [0; 32], [7; 32]] {
                for r in [BASE, identity, minus_one] {
                    agree(&key, MESSAGE, &signature_of(&r, &s));
                }
            }
        }
    }

    #[test]
    fn only_points_of_large_order_written_canonically_are_keys() {
        use curve25519_dalek::constants::EIGHT_TORSION;
        use NotAnEd25519Key::*;

        let refused = |bytes: [u8; 32]| Ed25519PublicKey::from_bytes(bytes).err();
        // p = 2^255 - 19, little-endian.
        let mut p = [0xff; 32];
        p[0] = 0xed;
        p[31] = 0x7f;
        let mut encodings = std::collections::HashSet::new();
        for point in EIGHT_TORSION {
            let bytes = point.compress().to_bytes();
            // Its other encodings: y + p where y is below 19 (the identity's 1 and the order-4 points'
            // 0), and each with the sign of x flipped.
            let mut written = vec![bytes];
            if bytes[1..31] == [0; 30] && bytes[31] & 0x7f == 0 && bytes[0] < 19 {
                let mut above_p = p;
                above_p[0] += bytes[0];
                above_p[31] |= bytes[31];
                written.push(above_p);
            }
            for mut bytes in written {
                assert_eq!(refused(bytes), Some(SmallOrder), "{bytes:02x?}");
                encodings.insert(bytes);
                bytes[31] ^= 0x80;
                assert_eq!(refused(bytes), Some(SmallOrder), "{bytes:02x?}");
                encodings.insert(bytes);
            }
        }
        // The 8 written canonically, the identity and the point of order 2 with a negative zero x, and
        // y = 1 and y = 0 written above p, each with either sign.
        assert_eq!(encodings.len(), 14);
        let mut not_a_point = [0; 32];
        not_a_point[0] = 2;
        assert_eq!(refused(not_a_point), Some(NotAPoint));
        // y = 3 is on the curve and of large order; written as p + 3 it is not canonical.
        let mut three = [0; 32];
        three[0] = 3;
        assert_eq!(refused(three), None);
        let mut three_above_p = p;
        three_above_p[0] += 3;
        assert_eq!(refused(three_above_p), Some(NotCanonical));
        assert_eq!(refused(BASE), None);
        // A point with a component of small order but of large order itself is a key (RFC 8032 does
        // not refuse it; `ed25519_keys_of_mixed_order_agree_with_aws_lc_whatever_k_is` checks it).
        let mixed = (curve25519_dalek::EdwardsPoint::mul_base(
            &curve25519_dalek::Scalar::from_bytes_mod_order([42; 32]),
        ) + EIGHT_TORSION[1])
            .compress()
            .to_bytes();
        assert_eq!(refused(mixed), None);
    }

    fn sha512(parts: &[&[u8]]) -> [u8; 64] {
        let message = parts.concat();
        let mut digest = [0; 64];
        // SAFETY: `message` is readable for its length; `digest` has room for SHA-512's 64 bytes.
        unsafe { sys::SHA512(message.as_ptr(), message.len(), digest.as_mut_ptr()) };
        digest
    }

    /// A key with a component of order 8, `aB + T`: a signature made with `a` satisfies the equation
    /// without the cofactor exactly when `k` is a multiple of 8, which implementations that multiply by
    /// the cofactor, or reduce scalars differently, get wrong.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn ed25519_keys_of_mixed_order_agree_with_aws_lc_whatever_k_is() {
        use curve25519_dalek::constants::EIGHT_TORSION;
        use curve25519_dalek::{EdwardsPoint, Scalar};

        let a = Scalar::from_bytes_mod_order([42; 32]);
        let public = (EdwardsPoint::mul_base(&a) + EIGHT_TORSION[1])
            .compress()
            .to_bytes();
        let key = Ed25519PublicKey::new(public);
        assert_eq!(
            key.dalek.is_some(),
            std::arch::is_x86_feature_detected!("avx2")
        );
        let r = Scalar::from_bytes_mod_order([9; 32]);
        let big_r = EdwardsPoint::mul_base(&r).compress().to_bytes();
        let mut seen = [false; 2];
        for counter in 0..64 {
            let message = format!("message {counter}");
            let k =
                Scalar::from_bytes_mod_order_wide(&sha512(&[&big_r, &public, message.as_bytes()]));
            let s = r + k * a;
            let accepted = agree(
                &key,
                message.as_bytes(),
                &signature_of(&big_r, s.as_bytes()),
            );
            let multiple_of_8 = k.as_bytes()[0].is_multiple_of(8);
            assert_eq!(accepted, multiple_of_8, "k = {:02x?}", k.as_bytes());
            seen[multiple_of_8 as usize] = true;
        }
        assert_eq!(seen, [true, true]);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..Default::default() })]

        /// A new key's signature of any message, with one byte of the signature or the message
        /// changed (or none): this key's answer is aws-lc's.
        #[test]
        fn ed25519_signatures_changed_anywhere_get_aws_lc_s_answer(
            seed: [u8; 32],
            message in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
            at: usize,
            change: u8,
        ) {
            let mut public = [0; 32];
            let mut private = [0; 64];
            let mut signature = [0; 64];
            // SAFETY: each buffer has the room aws-lc writes; `message` is readable for its length.
            unsafe {
                sys::ED25519_keypair_from_seed(public.as_mut_ptr(), private.as_mut_ptr(), seed.as_ptr());
                assert_eq!(sys::ED25519_sign(signature.as_mut_ptr(), message.as_ptr(), message.len(), private.as_ptr()), 1);
            }
            let key = Ed25519PublicKey::new(public);
            let mut message = message;
            let at = at % (64 + message.len().max(1));
            if at < 64 {
                signature[at] ^= change;
            } else if !message.is_empty() {
                message[at - 64] ^= change;
            }
            let unchanged = change == 0 || (at >= 64 && message.is_empty());
            proptest::prop_assert_eq!(agree(&key, &message, &signature), unchanged);
        }

        /// Any 32 bytes as a key and any 64 as a signature: the same answer (nearly always no).
        #[test]
        fn ed25519_any_key_and_signature_get_aws_lc_s_answer(key: [u8; 32], r: [u8; 32], s: [u8; 32]) {
            agree(&Ed25519PublicKey::new(key), MESSAGE, &signature_of(&r, &s));
        }
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
    fn rsa_signatures_are_aws_lc_rs_s_byte_for_byte() {
        use aws_lc_rs::encoding::AsDer;

        let theirs = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
        let pkcs8 = theirs.as_der().unwrap();
        let mut expected = vec![0; 256];
        theirs
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                MESSAGE,
                &mut expected,
            )
            .unwrap();
        // RSASSA-PKCS1-v1_5 is deterministic: the same key signs the same bytes.
        let ours = RsaPrivateKey::from_pkcs8(pkcs8.as_ref()).unwrap();
        assert_eq!(ours.sign(MESSAGE).unwrap(), expected);
        assert_ne!(ours.sign(&flipped(MESSAGE, 0)).unwrap(), expected);
        assert!(RsaPrivateKey::from_pkcs8(&[pkcs8.as_ref(), &[0]].concat()).is_none());
        let p256 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .unwrap();
        assert!(RsaPrivateKey::from_pkcs8(p256.as_ref()).is_none());
    }

    /// An RSA-PSS key (1024 bits, PKCS#8; made by `openssl genpkey -algorithm RSA-PSS`): not RS256's.
    const RSA_PSS_PKCS8: &str = concat!(
        "MIICdQIBADALBgkqhkiG9w0BAQoEggJhMIICXQIBAAKBgQDsIDWCfQzFGdT0Fw0+uuJvDDIjYykuR8SoEaBiJ8eg",
        "OhaBBEc9qR2uIA9hIgASihbxLnqS6k2BExnoYWmVsUGZCddUfiPTJCBO9Ry3GCZlsbJMrz78YfDMlUfaCoxu19Gp",
        "Wv9QpDcjxlrnhn1AVSZhxTGdbRIG4h6UYLaplC+G0QIDAQABAoGBAMNreL2w/sOVOHB3L4gOJV6galJtO+TIktJC",
        "HEmAAK/zwzItt0Qp1Z2JfRD3kbXGQWyD+f/jGBfOFjADht3ToKQPopUoUieHZhdhruZADGDDsTvf67kNxymksOqT",
        "OWcxoyOBMCg3SUBwbS04udmJfBGPZfAscwDoI6/yaiwwy/fNAkEA/WC5uiVYmj1gm1LS/GbiNZ2+bSNvr4GZrQhU",
        "Ci+a+3YJm4uc3GbJ2mZy6FFoKoBQdH9+jeEql3qqt3fnYaIeswJBAO6RxxhLOWIYXZM5Ii8iYGIAzOncyjQokHXH",
        "mHIoh5euuJY+mh8O4F0LWmsdxfXmyTjVp1XGum92NcN1aV65hmsCQGYl+Zpe9gJwniLgWCjjfWzqJFwxfhQ+ZmsI",
        "wYC9wniAFM19koaUdeozhT29nAYOZuEgiS+/yAD7thlzIHgO+NsCQQDD9epcAi44bVsvuxZhMROKbK3kyv8sqMVA",
        "eZq26qO17Eai4vkl2cphoxm6MtKQkelnTdgNlRc+xxKSYrcSn8HRAkBy0EDTcEWMVRi6b2YopEnPT4val8Zb2jO/",
        "fs7IOtuwugkwXGxyIPbt3Ieo5MSrKEJxPyhm8jNtiHqBEUyhdvXF",
    );

    #[test]
    fn an_rsa_pss_key_does_not_sign_rs256() {
        let der = base64_simd::STANDARD.decode_to_vec(RSA_PSS_PKCS8).unwrap();
        assert!(Pkcs8::parse(&der).is_some()); // aws-lc reads it; the key's kind is what refuses it
        assert!(RsaPrivateKey::from_pkcs8(&der).is_none());
    }

    /// A new RSA-2048 key pair of aws-lc's with the public `exponent`, and its public key as ours.
    fn rsa_pair(exponent: u64) -> (*mut sys::RSA, RsaPublicKey) {
        // SAFETY: test code; every object is checked and lives until the test ends.
        unsafe {
            let private = sys::RSA_new();
            let e = sys::BN_new();
            assert_eq!(sys::BN_set_word(e, exponent), 1);
            assert_eq!(
                sys::RSA_generate_key_ex(private, 2048, e, ptr::null_mut()),
                1
            );
            sys::BN_free(e);
            let (mut der, mut length) = (ptr::null_mut(), 0);
            assert_eq!(
                sys::RSA_public_key_to_bytes(&mut der, &mut length, private),
                1
            );
            let public = RsaPublicKey::from_pkcs1_der(std::slice::from_raw_parts(der, length));
            sys::OPENSSL_free(der.cast());
            (private, public.unwrap())
        }
    }

    /// `encoded` raised to the private exponent: a signature of whatever encoding it holds.
    fn raw_signature(private: *mut sys::RSA, encoded: &[u8]) -> Vec<u8> {
        let mut signature = vec![0; 256];
        let mut length = 0;
        // SAFETY: test code; both buffers are 256 bytes, the modulus's length.
        let ok = unsafe {
            sys::RSA_sign_raw(
                private,
                &mut length,
                signature.as_mut_ptr(),
                256,
                encoded.as_ptr(),
                encoded.len(),
                sys::RSA_NO_PADDING,
            )
        };
        assert_eq!((ok, length), (1, 256));
        signature
    }

    /// The `ff` bytes of a SHA-256 digest's encoding for a 2048-bit modulus.
    const FFS: usize = 256 - 3 - SHA256_DIGEST_INFO.len() - 32;

    /// An EMSA-PKCS1-v1_5 encoding with `ffs` bytes of padding, the DigestInfo `info` and `digest`.
    fn encoding(ffs: usize, info: &[u8], digest: &[u8]) -> Vec<u8> {
        let mut encoded = vec![0, 1];
        encoded.extend(std::iter::repeat_n(0xff, ffs));
        encoded.push(0);
        encoded.extend_from_slice(info);
        encoded.extend_from_slice(digest);
        encoded
    }

    /// The modulus of a 2048-bit key, big-endian.
    fn modulus(key: &RsaPublicKey) -> [u8; 256] {
        let mut modulus = [0; 256];
        // SAFETY: test code; the key is live and its modulus has 256 bytes.
        let ok = unsafe {
            sys::BN_bn2bin_padded(modulus.as_mut_ptr(), 256, sys::RSA_get0_n(key.key.as_ptr()))
        };
        assert_eq!(ok, 1);
        modulus
    }

    /// aws-lc's own verdict on `signature`.
    fn rsa_verify(key: &RsaPublicKey, message: &[u8], signature: &[u8]) -> bool {
        key.verify_with_rsa_verify(&sha256(message), signature)
    }

    #[test]
    fn rsa_verification_for_65537_agrees_with_aws_lc_on_every_encoding() {
        let (private, key) = rsa_pair(65537);
        assert!(key.f4.is_some());
        let digest = sha256(MESSAGE);
        let good = encoding(FFS, &SHA256_DIGEST_INFO, &digest);
        // The DigestInfo without its NULL parameters, which RFC 8017 lets a verifier refuse.
        let no_null = [
            &[0x30, 0x2f, 0x30, 0x0b][..],
            &SHA256_DIGEST_INFO[4..15],
            &[0x04, 0x20],
        ]
        .concat();
        let bad = [
            encoding(FFS, &SHA256_DIGEST_INFO, &flipped(&digest, 31)),
            flipped(&good, 0),
            flipped(&good, 1),
            flipped(&good, 2),
            flipped(&good, FFS + 1),
            flipped(&good, FFS + 2),
            flipped(&good, FFS + 2 + 8),
            encoding(FFS + 2, &no_null, &digest),
            [&good[1..], &[0]].concat(),
            // DigestInfos of the same length: another OID, another digest length.
            flipped(&good, 3 + FFS + 14),
            flipped(&good, 3 + FFS + 18),
        ];
        for (i, encoded) in std::iter::once(&good).chain(&bad).enumerate() {
            assert_eq!(encoded.len(), 256);
            let signature = raw_signature(private, encoded);
            let ours = key.verify(MESSAGE, &signature);
            assert_eq!(ours, i == 0, "encoding {i}");
            assert_eq!(ours, rsa_verify(&key, MESSAGE, &signature), "encoding {i}");
        }

        // Numbers that are no signature, among them the modulus and above it.
        let modulus = modulus(&key);
        let mut one = [0; 256];
        one[255] = 1;
        let below = {
            let mut below = modulus;
            below[255] -= 1;
            below
        };
        let above = {
            let mut above = modulus;
            let last_not_ff = (0..256).rev().find(|&i| above[i] != 0xff).unwrap();
            above[last_not_ff] += 1;
            above
        };
        for number in [[0; 256], one, below, modulus, above, [0xff; 256]] {
            assert!(!key.verify(MESSAGE, &number));
            assert!(!rsa_verify(&key, MESSAGE, &number));
        }
        // SAFETY: test code; nothing uses the key after this.
        unsafe { sys::RSA_free(private) };
    }

    #[test]
    fn an_rsa_signature_plus_the_modulus_is_refused() {
        // s + n is s modulo n; it fits the modulus's length when s < 2^2048 - n, which for some key
        // and some message it does.
        for _ in 0..8 {
            let (private, key) = rsa_pair(65537);
            let modulus = modulus(&key);
            let found = (0..64u8).find_map(|i| {
                let message = [MESSAGE, &[i]].concat();
                let encoded = encoding(FFS, &SHA256_DIGEST_INFO, &sha256(&message));
                let signature = raw_signature(private, &encoded);
                assert!(key.verify(&message, &signature));
                // The big-endian sum, if it has no carry out of the top byte.
                let mut sum = [0; 256];
                let mut carry = 0;
                for j in (0..256).rev() {
                    let total = u16::from(signature[j]) + u16::from(modulus[j]) + carry;
                    sum[j] = total as u8;
                    carry = total >> 8;
                }
                (carry == 0).then_some((message, sum))
            });
            // SAFETY: test code; nothing uses the key after this.
            unsafe { sys::RSA_free(private) };
            if let Some((message, sum)) = found {
                assert!(!key.verify(&message, &sum));
                assert!(!rsa_verify(&key, &message, &sum));
                return;
            }
        }
        panic!("no signature below 2^2048 - n in 8 keys");
    }

    #[test]
    fn the_power_is_aws_lcs_for_every_width_of_modulus() {
        // Odd moduli of 32 to 128 words, some not a multiple of 4 or 8 words, which take other paths
        // of aws-lc's Montgomery multiplication; numbers at the ends of the range, and with leading
        // zero bytes.
        // SAFETY: test code; every object is checked and freed here.
        unsafe {
            let ctx = sys::BN_CTX_new();
            let (n, number, expected, e) =
                (sys::BN_new(), sys::BN_new(), sys::BN_new(), sys::BN_new());
            assert_eq!(sys::BN_set_word(e, 65537), 1);
            for bits in [2048, 2049, 2100, 2304, 3072, 4096, 8192] {
                assert_eq!(
                    sys::BN_rand(n, bits, sys::BN_RAND_TOP_ONE, sys::BN_RAND_BOTTOM_ODD),
                    1
                );
                let length = sys::BN_num_bytes(n) as usize;
                let montgomery = sys::BN_MONT_CTX_new_for_modulus(n, ctx);
                assert!(!montgomery.is_null());
                let bytes = |value: *const sys::BIGNUM| {
                    let mut out = vec![0; length];
                    assert_eq!(sys::BN_bn2bin_padded(out.as_mut_ptr(), length, value), 1);
                    out
                };
                let modulus = bytes(n);
                let mut cases = vec![vec![0; length], [vec![0; length - 1], vec![1]].concat()];
                let mut below = modulus.clone();
                below[length - 1] -= 1; // n is odd
                cases.push(below);
                for zeros in [0, 1, 2, 9] {
                    assert_eq!(sys::BN_rand_range(number, n), 1);
                    let mut case = bytes(number);
                    case[..zeros].fill(0);
                    cases.push(case);
                }
                for case in &cases {
                    let mut out = vec![0; length];
                    assert_eq!(
                        power_65537(n, montgomery, case, &mut out),
                        Some(true),
                        "{bits} bits"
                    );
                    let number = sys::BN_bin2bn(case.as_ptr(), length, number);
                    assert_eq!(sys::BN_mod_exp(expected, number, e, n, ctx), 1);
                    assert_eq!(out, bytes(expected), "{bits} bits");
                }
                let mut out = vec![0; length];
                assert_eq!(power_65537(n, montgomery, &modulus, &mut out), Some(false));
                sys::BN_MONT_CTX_free(montgomery);
            }
            for number in [n, number, expected, e] {
                sys::BN_free(number);
            }
            sys::BN_CTX_free(ctx);
        }
    }

    #[test]
    fn an_rsa_signature_with_a_leading_zero_byte_verifies() {
        let (private, key) = rsa_pair(65537);
        let found = (0..4096u16).find_map(|i| {
            let message = [MESSAGE, &i.to_be_bytes()].concat();
            let encoded = encoding(FFS, &SHA256_DIGEST_INFO, &sha256(&message));
            let signature = raw_signature(private, &encoded);
            (signature[0] == 0).then_some((message, signature))
        });
        let (message, signature) = found.expect("a signature below 2^2040 in 4096");
        assert!(key.verify(&message, &signature));
        assert!(rsa_verify(&key, &message, &signature));
        assert!(!key.verify(&message, &flipped(&signature, 255)));
        // SAFETY: test code; nothing uses the key after this.
        unsafe { sys::RSA_free(private) };
    }

    #[test]
    fn rsa_verification_with_another_exponent_is_aws_lcs() {
        let (private, key) = rsa_pair(3);
        assert!(key.f4.is_none());
        let encoded = encoding(FFS, &SHA256_DIGEST_INFO, &sha256(MESSAGE));
        let signature = raw_signature(private, &encoded);
        assert!(key.verify(MESSAGE, &signature));
        assert!(!key.verify(&flipped(MESSAGE, 1), &signature));
        assert!(!key.verify(MESSAGE, &flipped(&signature, 7)));
        // SAFETY: test code; nothing uses the key after this.
        unsafe { sys::RSA_free(private) };
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
