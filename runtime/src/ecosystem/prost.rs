//! Verdicts of prost's errors (feature `prost`).
//!
//! | error | verdict | why |
//! |---|---|---|
//! | `DecodeError` | terminal | the bytes are not a valid encoding of the message (bad wire type, truncated varint, invalid UTF-8 in a string field); decoding the same bytes fails the same way |
//! | `EncodeError` | terminal | the buffer has less room than the message needs; the same buffer stays too small |
//! | `UnknownEnumValue` | terminal | the number is not a value of the enum this code was generated from; newer code is needed, not another attempt |
//!
//! ```
//! use prost::Message;
//! use triage::{Classify, Verdict};
//!
//! // Field 1 as a length-delimited value whose length runs past the end.
//! let err = u32::decode(&[0x0a, 0x05, 0x01][..]).unwrap_err();
//! assert_eq!(err.verdict(), Verdict::Terminal);
//! ```

use crate::{Classify, Verdict};

impl Classify for prost::DecodeError {
    #[inline]
    fn verdict(&self) -> Verdict {
        Verdict::Terminal
    }
}

impl Classify for prost::EncodeError {
    #[inline]
    fn verdict(&self) -> Verdict {
        Verdict::Terminal
    }
}

impl Classify for prost::UnknownEnumValue {
    #[inline]
    fn verdict(&self) -> Verdict {
        Verdict::Terminal
    }
}

crate::register!(
    prost::DecodeError,
    prost::EncodeError,
    prost::UnknownEnumValue
);

#[cfg(test)]
mod tests {
    use prost::Message;

    use super::*;

    #[test]
    fn decoding_and_encoding_failures_are_terminal() {
        let truncated = u64::decode(&[0x08, 0xff][..]).unwrap_err();
        assert_eq!(truncated.verdict(), Verdict::Terminal);

        let mut no_room = [0_u8; 1];
        let too_small = 300_u32.encode(&mut &mut no_room[..]).unwrap_err();
        assert_eq!(too_small.verdict(), Verdict::Terminal);
    }
}
