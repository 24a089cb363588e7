//! The number glue.js's readFrame returns for each inbound frame, decoded. Pure code, so its
//! tests run natively (see lib.rs).

/// What readFrame (glue.js) says about a frame. It packs the frame's size with this kind into
/// one number, `size * 4096 + (code + 4)`, so nothing but that number crosses for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameKind {
    /// A JSON object whose type has this interned id (`js::type_name` gives its text).
    Typed(u32),
    Binary,
    /// Longer than the core's quick limit: check the size, then `js::parse_frame`.
    NeedsSizeCheck,
    /// Not JSON, not an object, or no string type field: `js::frame_problem` says which.
    NotAMessage,
    /// A type beyond glue.js's intern table: `js::frame_type_text` gives it.
    UninternedType,
}

pub fn frame_kind(code: i64) -> FrameKind {
    match code {
        -1 => FrameKind::Binary,
        -2 => FrameKind::NeedsSizeCheck,
        -3 => FrameKind::NotAMessage,
        -4 => FrameKind::UninternedType,
        id => FrameKind::Typed(id as u32),
    }
}

/// Splits readFrame's number into the frame's size (UTF-16 units, or bytes) and its kind.
pub fn describe(descriptor: f64) -> (usize, FrameKind) {
    let size = (descriptor / 4096.0) as u64;
    let code = (descriptor - size as f64 * 4096.0) as i64 - 4;
    (size as usize, frame_kind(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_descriptors_round_trip() {
        let pack = |size: f64, code: f64| size * 4096.0 + (code + 4.0);
        assert_eq!(describe(pack(150.0, 7.0)), (150, FrameKind::Typed(7)));
        assert_eq!(describe(pack(0.0, 0.0)), (0, FrameKind::Typed(0)));
        assert_eq!(describe(pack(16.0, -1.0)), (16, FrameKind::Binary));
        assert_eq!(describe(pack(1_048_577.0, -2.0)), (1_048_577, FrameKind::NeedsSizeCheck));
        assert_eq!(describe(pack(3.0, -3.0)), (3, FrameKind::NotAMessage));
        assert_eq!(describe(pack(9.0, -4.0)), (9, FrameKind::UninternedType));
        assert_eq!(describe(pack(1e12, 4091.0)), (1_000_000_000_000, FrameKind::Typed(4091)));
    }
}
