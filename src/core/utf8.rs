//! Measuring text in UTF-8 bytes without copying it out of JavaScript.
//!
//! JS strings know their length in UTF-16 code units. Each unit encodes to 1-3 UTF-8 bytes (a
//! surrogate pair, 2 units, to 4 bytes), so `units <= bytes <= 3 * units`. Most frames are
//! decided by those bounds alone; only a frame near the limit needs an exact count.

/// Whether text of `utf16_units` is certainly within / certainly over `limit_bytes`, or unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeCheck {
    Within,
    Over,
    NeedsExactCount,
}

/// The longest text, in UTF-16 units, that is within `limit_bytes` whatever its characters:
/// frames up to this length need no byte count at all.
pub fn units_always_within(limit_bytes: usize) -> usize {
    limit_bytes / 3
}

pub fn check_utf16_length(utf16_units: usize, limit_bytes: usize) -> SizeCheck {
    if utf16_units > limit_bytes {
        SizeCheck::Over
    } else if utf16_units.saturating_mul(3) <= limit_bytes {
        SizeCheck::Within
    } else {
        SizeCheck::NeedsExactCount
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_within_without_counting() {
        assert_eq!(check_utf16_length(100, 300), SizeCheck::Within);
    }

    #[test]
    fn more_units_than_bytes_allowed_is_over_without_counting() {
        assert_eq!(check_utf16_length(301, 300), SizeCheck::Over);
    }

    #[test]
    fn text_near_the_limit_needs_an_exact_count() {
        assert_eq!(check_utf16_length(101, 300), SizeCheck::NeedsExactCount);
        assert_eq!(check_utf16_length(300, 300), SizeCheck::NeedsExactCount);
    }

    #[test]
    fn text_up_to_the_always_within_length_is_within() {
        for limit in [0, 1, 2, 3, 100, 301, 1 << 20] {
            let quick = units_always_within(limit);
            assert_eq!(check_utf16_length(quick, limit), SizeCheck::Within, "limit {limit}");
            assert_ne!(check_utf16_length(quick + 1, limit), SizeCheck::Within, "limit {limit}");
        }
    }

    #[test]
    fn the_bounds_hold_for_real_strings() {
        for s in ["ascii", "é", "€", "😀", "mixed é€😀 text"] {
            let units = s.encode_utf16().count();
            let bytes = s.len();
            assert!(units <= bytes && bytes <= 3 * units, "{s}");
            assert_ne!(check_utf16_length(units, bytes), SizeCheck::Over, "{s}");
        }
    }
}
