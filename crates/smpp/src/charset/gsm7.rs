//! GSM 03.38 (3GPP TS 23.038) default alphabet, extension table, and septet
//! packing.

/// The escape septet introducing an extension-table character.
pub const ESC: u8 = 0x1B;

/// The basic table indexed by septet. Index 0x1B is the escape, not a
/// character (it holds a placeholder and is never matched).
const BASIC: [char; 128] = [
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å', //
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\u{1B}', 'Æ', 'æ', 'ß', 'É', //
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/', //
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?', //
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', //
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§', //
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', //
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à', //
];

/// The default extension table: `(code after ESC, character)`.
const EXTENSION: [(u8, char); 10] = [
    (0x0A, '\u{0C}'),
    (0x14, '^'),
    (0x28, '{'),
    (0x29, '}'),
    (0x2F, '\\'),
    (0x3C, '['),
    (0x3D, '~'),
    (0x3E, ']'),
    (0x40, '|'),
    (0x65, '€'),
];

/// The unpacked encoding of `c`: one septet, ESC + code, or `None`.
pub(crate) fn encode_char(c: char, out: &mut Vec<u8>) -> Option<()> {
    if c != '\u{1B}' {
        if let Some(i) = BASIC.iter().position(|&b| b == c) {
            out.push(u8::try_from(i).ok()?);
            return Some(());
        }
    }
    let &(code, _) = EXTENSION.iter().find(|&&(_, e)| e == c)?;
    out.push(ESC);
    out.push(code);
    Some(())
}

/// Decodes unpacked septets. Lenient: an escape followed by a code missing
/// from the extension table shows the basic-table character of that code
/// (23.038 §6.2.1.1), ESC ESC shows a space, a trailing lone ESC and bytes
/// above 0x7F show `?`.
pub(crate) fn decode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut iter = bytes.iter().copied();
    while let Some(b) = iter.next() {
        let c = if b == ESC {
            match iter.next() {
                None => '?',
                Some(ESC) => ' ',
                Some(code) => EXTENSION
                    .iter()
                    .find(|&&(e, _)| e == code)
                    .map(|&(_, c)| c)
                    .or_else(|| BASIC.get(usize::from(code)).copied())
                    .unwrap_or('?'),
            }
        } else {
            BASIC.get(usize::from(b)).copied().unwrap_or('?')
        };
        out.push(c);
    }
    out
}

/// Packs septets (low 7 bits of each byte) LSB-first into octets, as in
/// TP-UD. When the last octet would have 7 spare bits, they hold CR (0x0D)
/// so the padding is not read as `@`.
pub(crate) fn pack(septets: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(septets.len() * 7 / 8 + 1);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for &s in septets {
        acc |= u32::from(s & 0x7F) << bits;
        bits += 7;
        while bits >= 8 {
            out.push((acc & 0xFF) as u8);
            acc >>= 8;
            bits -= 8;
        }
    }
    if bits > 0 {
        if bits == 1 {
            acc |= 0x0D << 1;
        }
        out.push((acc & 0xFF) as u8);
    }
    out
}

/// Unpacks up to `septet_count` septets from packed octets (fewer if the
/// octets run out).
pub(crate) fn unpack(octets: &[u8], septet_count: usize) -> Vec<u8> {
    let available = octets.len().saturating_mul(8) / 7;
    let n = septet_count.min(available);
    let mut out = Vec::with_capacity(n);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    let mut iter = octets.iter();
    while out.len() < n {
        if bits < 7 {
            match iter.next() {
                Some(&o) => {
                    acc |= u32::from(o) << bits;
                    bits += 8;
                }
                None => break,
            }
        }
        out.push((acc & 0x7F) as u8);
        acc >>= 7;
        bits -= 7;
    }
    out
}
