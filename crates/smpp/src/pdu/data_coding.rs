//! Common `data_coding` values (SMPP 3.4 §5.2.19). See
//! [`crate::charset::alphabet`] for how any value maps to an alphabet.

/// SMSC default alphabet: in practice unpacked GSM 03.38.
pub const DEFAULT: u8 = 0x00;
/// IA5 / ASCII (node-smpp labels GSM bytes with it).
pub const IA5: u8 = 0x01;
/// 8-bit binary.
pub const BINARY: u8 = 0x02;
/// Latin-1 (ISO-8859-1).
pub const LATIN1: u8 = 0x03;
/// 8-bit binary.
pub const BINARY_ALT: u8 = 0x04;
/// UCS-2 (UTF-16BE on the wire).
pub const UCS2: u8 = 0x08;
