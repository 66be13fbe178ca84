//! Time-based one-time passwords (RFC 6238, over RFC 4226's HOTP): the six-digit codes
//! of an authenticator app, the second factor staff may add to their password.
//!
//! HMAC-SHA-1, 30-second steps and six digits: what every authenticator app reads from
//! an `otpauth://` link. A code is accepted for the step before, the step of and the
//! step after the server's clock, and only for a step later than the last one used, so
//! an overheard code cannot be used again.

use hmac::{Hmac, KeyInit, Mac};
use rand::RngCore;

/// Seconds per step.
pub const STEP_SECONDS: u64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;
/// Bytes of a new secret (RFC 4226 recommends 160 bits).
pub const SECRET_BYTES: usize = 20;

/// A new random secret.
pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    secret
}

/// RFC 4648 base32 without padding, as authenticator apps take secrets.
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The HOTP value of `counter` (RFC 4226 §5.3), as a `DIGITS`-digit number.
pub fn hotp(secret: &[u8], counter: u64) -> u32 {
    let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(secret) else { return 0 };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let value = u32::from_be_bytes([digest[offset] & 0x7f, digest[offset + 1], digest[offset + 2], digest[offset + 3]]);
    value % 10u32.pow(DIGITS)
}

/// The step of a Unix time.
pub fn step_at(unix_seconds: u64) -> u64 {
    unix_seconds / STEP_SECONDS
}

/// The step a typed code is for (the one before, the current or the one after), if it
/// is one, later than `last_used`. Spaces are ignored; anything but six digits is no code.
pub fn accepted_step(secret: &[u8], typed: &str, unix_seconds: u64, last_used: Option<u64>) -> Option<u64> {
    let digits: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() != DIGITS as usize || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let code: u32 = digits.parse().ok()?;
    let now = step_at(unix_seconds);
    [now.saturating_sub(1), now, now + 1].into_iter().filter(|step| last_used.is_none_or(|last| *step > last)).find(
        |step| crate::domain::api_key::hashes_match(&format!("{:06}", hotp(secret, *step)), &format!("{code:06}")),
    )
}

/// The `otpauth://` link an authenticator app reads (as a QR code or typed).
pub fn otpauth_uri(secret: &[u8], issuer: &str, account: &str) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>().replace('+', "%20");
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        enc(issuer),
        enc(account),
        base32(secret),
        enc(issuer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn hotp_matches_rfc_4226_appendix_d() {
        let expected = [755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489];
        for (counter, want) in expected.into_iter().enumerate() {
            assert_eq!(hotp(RFC_SECRET, counter as u64), want, "counter {counter}");
        }
    }

    #[test]
    fn totp_matches_rfc_6238_appendix_b_in_six_digits() {
        for (time, eight_digits) in [
            (59, 94287082u32),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
        ] {
            assert_eq!(hotp(RFC_SECRET, step_at(time)), eight_digits % 1_000_000, "T = {time}");
        }
    }

    #[test]
    fn a_code_counts_for_the_steps_beside_now_once() {
        let now = 1_234_567_890;
        let current = format!("{:06}", hotp(RFC_SECRET, step_at(now)));
        let previous = format!("{:06}", hotp(RFC_SECRET, step_at(now) - 1));
        let stale = format!("{:06}", hotp(RFC_SECRET, step_at(now) - 2));
        assert_eq!(accepted_step(RFC_SECRET, &current, now, None), Some(step_at(now)));
        assert_eq!(accepted_step(RFC_SECRET, &previous, now, None), Some(step_at(now) - 1));
        assert_eq!(accepted_step(RFC_SECRET, &stale, now, None), None, "too old");
        assert_eq!(accepted_step(RFC_SECRET, &current, now, Some(step_at(now))), None, "used already");
        assert_eq!(
            accepted_step(RFC_SECRET, &format!("{} {}", &current[..3], &current[3..]), now, None),
            Some(step_at(now))
        );
        for junk in ["", "12345", "1234567", "abcdef", "１２３４５６", "-12345"] {
            assert_eq!(accepted_step(RFC_SECRET, junk, now, None), None, "{junk}");
        }
    }

    #[test]
    fn secrets_are_written_as_authenticator_apps_read_them() {
        assert_eq!(base32(b"12345678901234567890"), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        let uri = otpauth_uri(b"12345678901234567890", "Credence: Acme College", "ana@acme.ca");
        assert_eq!(
            uri,
            "otpauth://totp/Credence%3A%20Acme%20College:ana%40acme.ca?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
             &issuer=Credence%3A%20Acme%20College&algorithm=SHA1&digits=6&period=30"
        );
        assert_eq!(new_secret().len(), SECRET_BYTES);
    }
}
