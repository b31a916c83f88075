//! Our GSM-7 tables must agree with `switchboard-domain`'s (which the
//! segmenter bills by) on every character of the Basic Multilingual Plane.
#![allow(clippy::expect_used, clippy::unwrap_used)] // test binary: helpers outside #[test] fns

use switchboard_domain::encoding::{gsm7_decode_unpacked, gsm7_encode_unpacked};
use switchboard_smpp::charset::{gsm7_decode, gsm7_encode};

#[test]
fn gsm7_encode_agrees_with_domain_on_every_bmp_char() {
    let mut encodable = 0;
    for cp in 0..=0xFFFFu32 {
        let Some(c) = char::from_u32(cp) else {
            continue;
        };
        let s = c.to_string();
        let ours = gsm7_encode(&s);
        assert_eq!(ours, gsm7_encode_unpacked(&s), "U+{cp:04X}");
        if let Some(bytes) = ours {
            encodable += 1;
            assert_eq!(gsm7_decode(&bytes), s, "U+{cp:04X} does not decode back");
            assert_eq!(gsm7_decode_unpacked(&bytes), s, "U+{cp:04X}");
        }
    }
    // 127 basic characters (0x1B is the escape) + 10 extension characters.
    assert_eq!(encodable, 137);
}

#[test]
fn valid_septet_streams_decode_alike() {
    // Every single septet and every escape pair that maps to a character.
    for a in 0u8..0x80 {
        if a != 0x1B {
            assert_eq!(gsm7_decode(&[a]), gsm7_decode_unpacked(&[a]), "{a:#04x}");
        }
        if gsm7_encode(&gsm7_decode(&[0x1B, a])).as_deref() == Some(&[0x1B, a][..]) {
            assert_eq!(
                gsm7_decode(&[0x1B, a]),
                gsm7_decode_unpacked(&[0x1B, a]),
                "ESC {a:#04x}"
            );
        }
    }
}
