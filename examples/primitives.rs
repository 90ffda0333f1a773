//! The signature work alone, without Python: microseconds per signature and per verification of a
//! token's signing input (about 280 bytes) with a new key of each algorithm, as the core does them
//! (`SigningKey::sign`, `VerifyingKey::verify`: a SHA-256 and aws-lc's arithmetic). Printed as one JSON
//! object; medians of 41 rounds of about 30 ms. What a public `decode_token` costs beyond this is
//! base64, the claims dict, the checks and the Python call (see bench/breakdown.py).
//!
//!     cargo run --release --no-default-features --example primitives

use std::hint::black_box;
use std::time::Instant;

use _core::keys::{generate_pem_pair, Algorithm, SigningKey, VerifyingKey};

const ROUNDS: usize = 41;
const ROUND_SECONDS: f64 = 0.03;

/// The median over the rounds of microseconds per call of `f`.
fn median_us(mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    f();
    let calls = ((ROUND_SECONDS / start.elapsed().as_secs_f64().max(1e-7)) as usize).max(1);
    let mut rounds: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..calls {
                f();
            }
            start.elapsed().as_secs_f64() / calls as f64 * 1e6
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    rounds[ROUNDS / 2]
}

fn main() {
    let message = [b'e'; 280];
    let mut figures = Vec::new();
    for algorithm in [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA] {
        let (private, public) = generate_pem_pair(algorithm, 2048).expect("a new key");
        let signer = SigningKey::from_pem(private.as_bytes()).expect("our own private key");
        let verifier = VerifyingKey::from_pem(public.as_bytes()).expect("our own public key");
        let signature = signer.sign(&message).expect("a signature");
        assert!(verifier.verify(&message, &signature));
        let sign_us = median_us(|| {
            black_box(signer.sign(black_box(&message)).expect("a signature"));
        });
        let verify_us = median_us(|| {
            assert!(verifier.verify(black_box(&message), black_box(&signature)));
        });
        figures.push(format!(
            "\"{algorithm}\": {{\"sign_us\": {sign_us:.2}, \"verify_us\": {verify_us:.2}}}"
        ));
    }
    println!("{{{}}}", figures.join(", "));
}
