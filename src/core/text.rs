//! Building error messages without `core::fmt`.
//!
//! `format!` pulls the formatting machinery (padding, `Display` for every integer width, the
//! `fmt::write` loop) into the wasm module: several kilobytes of a budgeted size, for messages
//! that are plain text and whole numbers. `Text` appends exactly those.
//!
//! The session crate compiles this same file (`#[path]` in session/src/core/mod.rs): it needs
//! nothing but `alloc`, and a crate of its own for forty lines would be ceremony.

use alloc::string::String;

#[derive(Debug, Default)]
pub struct Text(String);

impl Text {
    pub fn new(start: &str) -> Self {
        Text(String::from(start))
    }

    /// Appends text.
    pub fn s(mut self, text: &str) -> Self {
        self.0.push_str(text);
        self
    }

    /// Appends a whole number in decimal.
    pub fn n(mut self, number: u64) -> Self {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut rest = number;
        loop {
            at -= 1;
            digits[at] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        for &digit in &digits[at..] {
            self.0.push(digit as char);
        }
        self
    }

    /// Appends a signed whole number in decimal.
    pub fn i(self, number: i64) -> Self {
        if number < 0 {
            self.s("-").n(number.unsigned_abs())
        } else {
            self.n(number as u64)
        }
    }

    pub fn done(self) -> String {
        self.0
    }
}

impl From<Text> for String {
    fn from(text: Text) -> String {
        text.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_text_and_numbers_like_format_does() {
        let built = Text::new("code ").n(4401).s(", limit ").n(0).s(" max ").n(u64::MAX).s(" ").i(-42).i(7).done();
        assert_eq!(built, format!("code {}, limit {} max {} {}{}", 4401, 0, u64::MAX, -42, 7));
    }
}
