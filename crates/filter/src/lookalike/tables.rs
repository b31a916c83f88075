//! Character tables: keyboard neighbours, ASCII and Unicode homoglyphs, and the ASCII folding
//! used to compare labels.

/// Keyboard layouts (rows, each offset by about half a key from the one above): QWERTY,
/// QWERTZ and AZERTY.
const LAYOUTS: [[&str; 4]; 3] = [
    ["1234567890-", "qwertyuiop", "asdfghjkl", "zxcvbnm"],
    ["1234567890-", "qwertzuiop", "asdfghjkl", "yxcvbnm"],
    ["1234567890-", "azertyuiop", "qsdfghjklm", "wxcvbn"],
];

/// Keys next to `c` on any of the layouts (same row ±1, row above at the same column and
/// one to the right, row below at the same column and one to the left).
pub fn keyboard_neighbours(c: char) -> Vec<char> {
    let mut out = Vec::new();
    for rows in &LAYOUTS {
        for (r, row) in rows.iter().enumerate() {
            let Some(col) = row.chars().position(|k| k == c) else {
                continue;
            };
            let mut push = |r: usize, col: isize| {
                if col >= 0 {
                    if let Some(k) = rows.get(r).and_then(|row| row.chars().nth(col as usize)) {
                        if k != c && !out.contains(&k) {
                            out.push(k);
                        }
                    }
                }
            };
            let col = col as isize;
            push(r, col - 1);
            push(r, col + 1);
            if r > 0 {
                push(r - 1, col);
                push(r - 1, col + 1);
            }
            push(r + 1, col);
            push(r + 1, col - 1);
        }
    }
    out
}

/// Whether `a` and `b` are neighbours on a keyboard.
pub fn is_keyboard_neighbour(a: char, b: char) -> bool {
    keyboard_neighbours(a).contains(&b)
}

/// ASCII look-alikes of a letter (strings, as `m` ↔ `rn`).
pub fn ascii_homoglyphs(c: char) -> &'static [&'static str] {
    match c {
        'o' => &["0"],
        'l' => &["1", "i"],
        'i' => &["1", "l"],
        'm' => &["rn"],
        'w' => &["vv"],
        'd' => &["cl"],
        'e' => &["3"],
        's' => &["5"],
        'g' => &["q"],
        'q' => &["g"],
        _ => &[],
    }
}

/// Unicode look-alikes of a letter (Cyrillic, Greek, Latin with diacritics).
pub fn unicode_homoglyphs(c: char) -> &'static [char] {
    match c {
        'a' => &['а', 'à', 'á', 'â', 'ã', 'ä', 'å', 'ɑ'],
        'b' => &['ь', 'ḃ'],
        'c' => &['с', 'ç', 'ć', 'ϲ'],
        'd' => &['ԁ', 'ď', 'ḋ'],
        'e' => &['е', 'è', 'é', 'ê', 'ë', 'ė'],
        'g' => &['ġ', 'ǵ', 'ɡ'],
        'h' => &['һ', 'ḣ'],
        'i' => &['і', 'ì', 'í', 'î', 'ï', 'ı'],
        'j' => &['ј'],
        'k' => &['ḳ', 'ķ'],
        'l' => &['ӏ', 'ĺ', 'ļ', 'ḷ'],
        'm' => &['ṁ'],
        'n' => &['ń', 'ñ', 'ņ'],
        'o' => &['о', 'ο', 'ò', 'ó', 'ô', 'õ', 'ö', 'ȯ'],
        'p' => &['р', 'ρ'],
        'q' => &['ԛ'],
        'r' => &['ŕ', 'ṛ'],
        's' => &['ѕ', 'ś', 'ş', 'ṡ'],
        't' => &['ţ', 'ṫ'],
        'u' => &['ù', 'ú', 'û', 'ü', 'ս'],
        'v' => &['ν', 'ѵ'],
        'w' => &['ԝ', 'ẁ', 'ẃ', 'ŵ'],
        'x' => &['х', 'ẋ'],
        'y' => &['у', 'ý', 'ÿ'],
        'z' => &['ż', 'ź', 'ẓ'],
        _ => &[],
    }
}

/// Folds ASCII look-alikes to one representative so that homoglyph variants compare equal:
/// `rn`→`m`, `vv`→`w`, `cl`→`d`, `0`→`o`, `1`/`i`→`l`, `5`→`s`, `3`→`e`, `q`→`g`.
pub fn fold(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        let pair = b.get(i..i + 2);
        let (c, n) = match pair {
            Some(b"rn") => ('m', 2),
            Some(b"vv") => ('w', 2),
            Some(b"cl") => ('d', 2),
            _ => {
                let c = match b[i] {
                    b'0' => 'o',
                    b'1' | b'i' => 'l',
                    b'5' => 's',
                    b'3' => 'e',
                    b'q' => 'g',
                    x if x.is_ascii() => char::from(x),
                    _ => {
                        // Non-ASCII: copy the whole character.
                        let ch = s[i..].chars().next().unwrap_or('?');
                        out.push(ch);
                        i += ch.len_utf8();
                        continue;
                    }
                };
                (c, 1)
            }
        };
        out.push(c);
        i += n;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbours_and_fold() {
        let n = keyboard_neighbours('s');
        for c in ['a', 'd', 'w', 'e', 'z', 'x'] {
            assert!(n.contains(&c), "{c} {n:?}");
        }
        assert!(is_keyboard_neighbour('q', 'a')); // AZERTY
        assert_eq!(fold("rnicrosoft"), fold("microsoft"));
        assert_eq!(fold("twiiio"), fold("twilio"));
        assert_eq!(fold("paypa1"), fold("paypal"));
        assert_eq!(fold("vvhatsapp"), fold("whatsapp"));
    }
}
