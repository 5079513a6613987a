//! Rules on strings and topics that both the codec (on the wire) and the session engine
//! (on what the page asks for) enforce, so a bad topic fails the same way everywhere.

use super::CodecError;

/// A UTF-8 Encoded String field: at most 65,535 bytes and no U+0000 [MQTT-1.5.4-2].
/// (Well-formedness is guaranteed by `&str`; the decoder checks it on the way in.)
pub fn utf8_field(s: &str) -> Result<(), CodecError> {
    if s.len() > usize::from(u16::MAX) {
        return Err(CodecError::FieldTooLong);
    }
    if has_byte(s.as_bytes(), 0) {
        return Err(CodecError::NullCharacter);
    }
    Ok(())
}

/// `bytes.contains(&b)` without `memchr`, whose word-at-a-time search is about 700 bytes
/// of wasm for fields that are a few dozen bytes long.
#[allow(clippy::manual_contains)]
pub fn has_byte(bytes: &[u8], b: u8) -> bool {
    bytes.iter().any(|&x| x == b)
}

/// A Topic Name as in PUBLISH and the Will: non-empty, no wildcards [MQTT-4.7.3-1, 3.3.2-2].
/// (The v5 empty-name-with-Topic-Alias case is the codec's business, not this function's.)
pub fn topic_name(topic: &str) -> Result<(), CodecError> {
    utf8_field(topic)?;
    if topic.is_empty() {
        return Err(CodecError::InvalidTopicName("empty topic"));
    }
    // Bytes, not chars: ASCII never occurs inside a multi-byte UTF-8 sequence.
    if topic.bytes().any(|b| b == b'+' || b == b'#') {
        return Err(CodecError::InvalidTopicName("wildcard in topic name"));
    }
    Ok(())
}

/// A Topic Filter as in SUBSCRIBE/UNSUBSCRIBE: non-empty; `#` only as the whole last level;
/// `+` only as a whole level [MQTT-4.7.1-1, 4.7.1-2, 4.7.3-1].
pub fn topic_filter(filter: &str) -> Result<(), CodecError> {
    utf8_field(filter)?;
    if filter.is_empty() {
        return Err(CodecError::InvalidTopicFilter("empty filter"));
    }
    let bytes = filter.as_bytes();
    let mut start = 0;
    loop {
        let end = bytes[start..]
            .iter()
            .position(|&b| b == b'/')
            .map_or(bytes.len(), |i| start + i);
        let level = &bytes[start..end];
        let last = end == bytes.len();
        if has_byte(level, b'#') && (level != b"#" || !last) {
            return Err(CodecError::InvalidTopicFilter(
                "'#' must be the whole last level",
            ));
        }
        if has_byte(level, b'+') && level != b"+" {
            return Err(CodecError::InvalidTopicFilter("'+' must be a whole level"));
        }
        if last {
            return Ok(());
        }
        start = end + 1;
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn names() {
        assert!(topic_name("a/b").is_ok());
        assert!(topic_name("/").is_ok());
        assert!(topic_name("").is_err());
        assert!(topic_name("a/+").is_err());
        assert!(topic_name("#").is_err());
        assert!(topic_name("a\0b").is_err());
    }

    #[test]
    fn filters() {
        for ok in ["#", "+", "a/#", "+/+/#", "/", "a//b", "$SYS/#", "+/"] {
            assert!(topic_filter(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a#", "#/a", "a/b#", "a+", "+a/b", "a/#/b", "x\0"] {
            assert!(topic_filter(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn field_length() {
        let long = "a".repeat(65_536);
        assert_eq!(utf8_field(&long), Err(CodecError::FieldTooLong));
        assert!(utf8_field(&long[1..]).is_ok());
    }
}
