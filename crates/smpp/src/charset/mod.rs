//! Text ↔ `short_message` bytes for the data codings SMPP peers use.
//!
//! - GSM 03.38 *unpacked* (one septet per octet, extension characters as
//!   `0x1B` + code) is what `data_coding` 0 carries in practice; packed
//!   septets are for the rare carrier that wants them and for decoding TP-UD.
//! - UCS-2 is sent as UTF-16BE; surrogate pairs (emoji) pass through.
//! - Latin-1 is `data_coding` 3.
//!
//! Decoders are lenient and total: any byte string decodes to some text.

mod gsm7;

pub use gsm7::ESC as GSM7_ESCAPE;

/// The alphabet a `data_coding` value selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alphabet {
    /// GSM 03.38 default alphabet (unpacked in SMPP).
    Gsm7,
    /// IA5 / ASCII (`data_coding` 1). node-smpp sends GSM bytes under this
    /// label; [`decode_for`] decodes it as GSM-7.
    Ascii,
    /// ISO-8859-1.
    Latin1,
    /// UCS-2 / UTF-16BE.
    Ucs2,
    /// 8-bit data or an alphabet we do not decode (JIS, Cyrillic, Hebrew,
    /// compressed text…).
    Binary,
}

/// Maps a `data_coding` value to its alphabet, including the GSM 03.38 DCS
/// coding groups (general data coding `0x10..=0x3F` without compression,
/// message waiting `0xC0..=0xEF`, data coding/message class `0xF0..=0xFF`).
pub fn alphabet(data_coding: u8) -> Alphabet {
    match data_coding {
        0x00 => Alphabet::Gsm7,
        0x01 => Alphabet::Ascii,
        0x03 => Alphabet::Latin1,
        0x08 => Alphabet::Ucs2,
        // General data coding group: bit 5 = compressed, bits 3-2 = alphabet.
        0x10..=0x3F if data_coding & 0x20 == 0 => match (data_coding >> 2) & 0x03 {
            0 => Alphabet::Gsm7,
            2 => Alphabet::Ucs2,
            _ => Alphabet::Binary,
        },
        0xC0..=0xDF => Alphabet::Gsm7,
        0xE0..=0xEF => Alphabet::Ucs2,
        0xF0..=0xFF if data_coding & 0x04 == 0 => Alphabet::Gsm7,
        _ => Alphabet::Binary,
    }
}

/// Encodes `text` as unpacked GSM-7 (one septet per octet, `0x1B` escapes),
/// or `None` if a character is not in the GSM 03.38 default alphabet.
pub fn gsm7_encode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        gsm7::encode_char(c, &mut out)?;
    }
    Some(out)
}

/// Decodes unpacked GSM-7. Lenient: unknown escapes show the basic-table
/// character (3GPP 23.038), stray bytes above 0x7F and a trailing lone
/// escape show `?`.
pub fn gsm7_decode(bytes: &[u8]) -> String {
    gsm7::decode(bytes)
}

/// Packs septets into octets (7 bits each, LSB first). If the last octet has
/// 7 spare bits they hold CR, as 3GPP 23.038 asks.
pub fn gsm7_pack(septets: &[u8]) -> Vec<u8> {
    gsm7::pack(septets)
}

/// Unpacks `septet_count` septets from packed octets (fewer if the octets
/// hold fewer).
pub fn gsm7_unpack(octets: &[u8], septet_count: usize) -> Vec<u8> {
    gsm7::unpack(octets, septet_count)
}

/// Encodes `text` as UTF-16BE (characters outside the BMP as surrogate
/// pairs).
pub fn ucs2_encode(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

/// Decodes UTF-16BE. Lenient: unpaired surrogates become U+FFFD and an odd
/// trailing byte is dropped.
pub fn ucs2_decode(bytes: &[u8]) -> String {
    let units = bytes
        .chunks_exact(2)
        .map(|p| u16::from_be_bytes([p[0], p[1]]));
    char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// Decodes ISO-8859-1 (every byte is the code point of the same value).
pub fn latin1_decode(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// Encodes `text` as ISO-8859-1, or `None` if a character is above U+00FF.
pub fn latin1_encode(text: &str) -> Option<Vec<u8>> {
    text.chars().map(|c| u8::try_from(c).ok()).collect()
}

/// Decodes `short_message` bytes by `data_coding`: GSM-7 unpacked for 0 and
/// 1 (and GSM DCS groups), Latin-1 for 3, UCS-2 for 8; anything else as
/// lossy UTF-8.
pub fn decode_for(data_coding: u8, bytes: &[u8]) -> String {
    match alphabet(data_coding) {
        Alphabet::Gsm7 | Alphabet::Ascii => gsm7_decode(bytes),
        Alphabet::Latin1 => latin1_decode(bytes),
        Alphabet::Ucs2 => ucs2_decode(bytes),
        Alphabet::Binary => String::from_utf8_lossy(bytes).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn italian_text_matches_the_verified_bytes() {
        assert_eq!(
            gsm7_encode("è ù €"),
            Some(vec![0x04, 0x20, 0x06, 0x20, 0x1B, 0x65])
        );
        assert_eq!(gsm7_encode("È"), None);
        assert_eq!(gsm7_decode(&[0x04, 0x20, 0x06, 0x20, 0x1B, 0x65]), "è ù €");
    }

    #[test]
    fn gsm7_decode_is_lenient() {
        assert_eq!(gsm7_decode(&[0x41, 0x1B]), "A?");
        assert_eq!(gsm7_decode(&[0x1B, 0x41]), "A");
        assert_eq!(gsm7_decode(&[0x1B, 0x1B]), " ");
        assert_eq!(gsm7_decode(&[0x80, 0xFF]), "??");
        assert_eq!(gsm7_decode(&[0x00, 0x02, 0x11]), "@$_");
    }

    #[test]
    fn packing_matches_the_23_038_example() {
        // "hellohello" packed is the classic E8 32 9B FD 46 97 D9 EC 37.
        let septets = gsm7_encode("hellohello").unwrap();
        let packed = gsm7_pack(&septets);
        assert_eq!(hex(&packed), "e8329bfd4697d9ec37");
        assert_eq!(gsm7_unpack(&packed, 10), septets);
    }

    #[test]
    fn seven_spare_bits_are_padded_with_cr() {
        // 7 septets = 49 bits: the 7th octet has 7 spare bits.
        let packed = gsm7_pack(&[0x41; 7]);
        assert_eq!(packed.len(), 7);
        assert_eq!(packed[6] >> 1, 0x0D);
        assert_eq!(
            gsm7_unpack(&packed, 8),
            [vec![0x41; 7], vec![0x0D]].concat()
        );
        assert_eq!(gsm7_unpack(&packed, 100).len(), 8);
    }

    #[test]
    fn ucs2_handles_surrogates_and_junk() {
        let bytes = ucs2_encode("Ж😀");
        assert_eq!(hex(&bytes), "0416d83dde00");
        assert_eq!(ucs2_decode(&bytes), "Ж😀");
        assert_eq!(ucs2_decode(&[0xD8, 0x3D, 0x00, 0x41, 0x00]), "\u{FFFD}A");
    }

    #[test]
    fn latin1_round_trip() {
        assert_eq!(latin1_encode("È"), Some(vec![0xC8]));
        assert_eq!(latin1_encode("€"), None);
        assert_eq!(latin1_decode(&[0xC8, 0x41]), "ÈA");
    }

    #[test]
    fn data_coding_selects_the_alphabet() {
        assert_eq!(decode_for(0, &[0x00]), "@");
        assert_eq!(decode_for(1, &[0x00]), "@");
        assert_eq!(decode_for(3, &[0xE8]), "è");
        assert_eq!(decode_for(8, &[0x00, 0xC8]), "È");
        assert_eq!(decode_for(0x04, b"ab"), "ab");
        assert_eq!(alphabet(0xF0), Alphabet::Gsm7);
        assert_eq!(alphabet(0xF4), Alphabet::Binary);
        assert_eq!(alphabet(0x18), Alphabet::Ucs2);
        assert_eq!(alphabet(0x10), Alphabet::Gsm7);
        assert_eq!(alphabet(0x30), Alphabet::Binary); // compressed
        assert_eq!(alphabet(0xE0), Alphabet::Ucs2);
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }
}
