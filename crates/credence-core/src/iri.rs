//! What may stand as an IRI in a credential: the one place the rule is written.
//!
//! Signing turns every `@id`, `@type` and datatype into an N-Quads IRI
//! (`jsonld::to_rdf`), which needs a scheme and none of the characters N-Quads
//! cannot carry between `<` and `>`. Input validation applies the same rule to
//! every value that will become such an IRI, so that what signing would refuse is
//! refused when it comes in, naming the field, and never fails an issuance later.

use thiserror::Error;

/// Why a value is not an IRI signing accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum IriError {
    #[error("is not an absolute IRI: it must start with a scheme such as https:")]
    NotAbsolute,
    #[error("is not a valid IRI: it contains a space (write it as %20)")]
    Space,
    #[error("is not a valid IRI: it contains the control character U+{0:04X}")]
    Control(u8),
    /// One of `<` `>` `"` `{` `}` `|` `^` `` ` `` `\`.
    #[error("is not a valid IRI: the character '{}' is not allowed (write it as %{:02X})", char::from(*.0), .0)]
    Character(u8),
}

/// Bytes that cannot appear in an N-Quads IRI: controls, space, and any of `<` `>` `"` `{` `}` `|` `^` `` ` `` `\`.
const IRI_FORBIDDEN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b <= b' ' as usize {
        table[b] = true;
        b += 1;
    }
    let others = b"<>\"{}|^`\\";
    let mut i = 0;
    while i < others.len() {
        table[others[i] as usize] = true;
        i += 1;
    }
    table
};

/// True if `value` starts with an IRI scheme followed by ':' (an absolute IRI).
pub fn is_absolute_iri(value: &str) -> bool {
    let Some((scheme, _)) = value.split_once(':') else {
        return false;
    };
    let mut bytes = scheme.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

/// Checks that `value` is an absolute IRI usable in N-Quads: a scheme, and no character that
/// cannot appear between `<` and `>` (much cheaper than full RFC 3987 parsing). Signing refuses
/// any `@id`, type or datatype that fails this; input validation uses it for the same values.
pub fn check_iri(value: &str) -> Result<(), IriError> {
    // Every forbidden character is ASCII, so a byte scan is exact (UTF-8 continuation bytes are >= 0x80).
    if let Some(&b) = value.as_bytes().iter().find(|b| IRI_FORBIDDEN[usize::from(**b)]) {
        return Err(match b {
            b' ' => IriError::Space,
            b if b < b' ' => IriError::Control(b),
            b => IriError::Character(b),
        });
    }
    if !is_absolute_iri(value) {
        return Err(IriError::NotAbsolute);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_iris_with_characters_n_quads_can_carry() {
        for good in [
            "https://ex.test/caf\u{e9}",
            "did:key:z6Mk",
            "urn:uuid:1",
            "data:image/png;base64,AAAA",
            "https://ex.test/a%20b?x=1#f",
        ] {
            assert_eq!(check_iri(good), Ok(()), "{good}");
        }
        assert_eq!(check_iri("https://ex.test/a b"), Err(IriError::Space));
        assert_eq!(check_iri("https://ex.test/\u{7}"), Err(IriError::Control(7)));
        assert_eq!(check_iri("https://ex.test/\"x\""), Err(IriError::Character(b'"')));
        for (bad, c) in [
            ("https://ex.test/<", b'<'),
            ("https://ex.test/\\", b'\\'),
            ("https://ex.test/`", b'`'),
            ("https://ex.test/{}", b'{'),
        ] {
            assert_eq!(check_iri(bad), Err(IriError::Character(c)), "{bad}");
        }
        assert_eq!(check_iri("relative/path"), Err(IriError::NotAbsolute));
        assert_eq!(check_iri("1a:b"), Err(IriError::NotAbsolute));
        assert_eq!(
            IriError::Character(b'"').to_string(),
            "is not a valid IRI: the character '\"' is not allowed (write it as %22)"
        );
    }

    #[test]
    fn absolute_iri_detection() {
        assert!(is_absolute_iri("https://x"));
        assert!(is_absolute_iri("did:key:z6"));
        assert!(!is_absolute_iri("foo"));
        assert!(!is_absolute_iri("1a:b"));
        assert!(!is_absolute_iri("_x/y:z"));
    }
}
