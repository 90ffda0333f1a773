//! Token splitting, header checks, key lookup and verification: any input is refused, never a panic, and
//! only a token one of the keys signed verifies.
#![no_main]

use std::sync::{Arc, LazyLock};

use _core::keys::{generate_pem_pair, Algorithm, SigningKey, VerifyingKey};
use _core::keyset::KeySet;
use _core::token::{self, Expectations};
use libfuzzer_sys::fuzz_target;

static SET: LazyLock<KeySet> = LazyLock::new(|| {
    let keys: Vec<_> = [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA]
        .into_iter()
        .map(|a| {
            let (_, public) = generate_pem_pair(a, 2048).unwrap();
            Arc::new(VerifyingKey::from_pem(public.as_bytes()).unwrap())
        })
        .collect();
    KeySet::new(keys, None::<Arc<SigningKey>>, 64).unwrap()
});

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let expect = Expectations {
        token_type: Some("access"),
        now: 1.7e9,
        leeway: 10.0,
    };
    // The fuzzer holds no private key: nothing it makes can verify.
    assert!(SET.verify(token, &expect).is_err());
    let _ = token::decode_unverified(token);
});
