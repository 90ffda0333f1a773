//! PEM and DER key parsing: any bytes, bare or in the armour of each accepted label, are refused or
//! parsed, never a panic.
#![no_main]

use _core::keys::{SigningKey, VerifyingKey};
use libfuzzer_sys::fuzz_target;

const LABELS: [&str; 6] = [
    "PRIVATE KEY",
    "RSA PRIVATE KEY",
    "EC PRIVATE KEY",
    "PUBLIC KEY",
    "RSA PUBLIC KEY",
    "ENCRYPTED PRIVATE KEY",
];

fuzz_target!(|data: &[u8]| {
    let _ = SigningKey::from_pem(data);
    let _ = VerifyingKey::from_pem(data);
    let _ = VerifyingKey::from_spki_der(data);
    let Some((&which, der)) = data.split_first() else {
        return;
    };
    let label = LABELS[usize::from(which) % LABELS.len()];
    let armoured = format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        base64_lines(der)
    );
    if let Ok(key) = SigningKey::from_pem(armoured.as_bytes()) {
        // A key that parses signs, and its public half verifies what it signed.
        let signature = key.sign(b"message").unwrap();
        assert!(key.public().verify(b"message", &signature));
    }
    let _ = VerifyingKey::from_pem(armoured.as_bytes());
});

fn base64_lines(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for (i, chunk) in data.chunks(3).enumerate() {
        if i > 0 && i % 16 == 0 {
            out.push('\n');
        }
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for j in 0..4 {
            if j <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * j)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
