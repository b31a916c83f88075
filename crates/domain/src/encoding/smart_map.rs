// The replacement data below is ported from TwilioDevEd/message-segment-calculator,
// src/libs/SmartEncodingMap.ts, under the following licence:
//
// The MIT License (MIT)
//
// Copyright (c) 2021 Twilio Inc
//
// Permission is hereby granted, free of charge, to any person obtaining a copy
// of this software and associated documentation files (the "Software"), to deal
// in the Software without restriction, including without limitation the rights
// to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
// copies of the Software, and to permit persons to whom the Software is
// furnished to do so, subject to the following conditions:
//
// The above copyright notice and this permission notice shall be included in all
// copies or substantial portions of the Software.
//
// THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
// IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
// FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
// AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
// LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
// OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
// SOFTWARE.

//! Data for [`smart_encode`](super::smart_encode): Twilio's Smart Encoding
//! replacement map.
//!
//! Ported as data from `src/libs/SmartEncodingMap.ts` of
//! <https://github.com/TwilioDevEd/message-segment-calculator> (commit
//! `a50230f`), Copyright (c) 2021 Twilio Inc, MIT License.
//!
//! Changes from upstream: entries are sorted by code point (for binary
//! search), the comments give the Unicode character names, and the Unicode
//! spaces and C1 controls that upstream replaces with two spaces are
//! replaced with a single space here (marked "upstream: 2 spaces").

/// `(character, replacement)`, sorted by character, no duplicates.
pub(super) const SMART_ENCODING_MAP: &[(char, &str)] = &[
    ('\u{0000}', ""),        // <control> NULL
    ('\u{0003}', ""),        // <control> END OF TEXT
    ('\u{0004}', ""),        // <control> END OF TRANSMISSION
    ('\u{0009}', "       "), // <control> CHARACTER TABULATION (7 spaces)
    ('\u{0010}', ""),        // <control> DATA LINK ESCAPE
    ('\u{0011}', ""),        // <control> DEVICE CONTROL ONE
    ('\u{0012}', ""),        // <control> DEVICE CONTROL TWO
    ('\u{0013}', ""),        // <control> DEVICE CONTROL THREE
    ('\u{0014}', ""),        // <control> DEVICE CONTROL FOUR
    ('\u{0017}', ""),        // <control> END OF TRANSMISSION BLOCK
    ('\u{0019}', ""),        // <control> END OF MEDIUM
    ('\u{0060}', "'"),       // GRAVE ACCENT
    ('\u{0080}', " "),       // <control> PADDING CHARACTER (C1) (upstream: 2 spaces)
    ('\u{008D}', " "),       // <control> REVERSE LINE FEED (C1) (upstream: 2 spaces)
    ('\u{0090}', " "),       // <control> DEVICE CONTROL STRING (C1) (upstream: 2 spaces)
    ('\u{009B}', " "),       // <control> CONTROL SEQUENCE INTRODUCER (C1) (upstream: 2 spaces)
    ('\u{009F}', " "),       // <control> APPLICATION PROGRAM COMMAND (C1) (upstream: 2 spaces)
    ('\u{00A0}', " "),       // NO-BREAK SPACE (upstream: 2 spaces)
    ('\u{00AB}', "\""),      // LEFT-POINTING DOUBLE ANGLE QUOTATION MARK
    ('\u{00B4}', "'"),       // ACUTE ACCENT
    ('\u{00BB}', "\""),      // RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK
    ('\u{00BC}', "1/4"),     // VULGAR FRACTION ONE QUARTER
    ('\u{00BD}', "1/2"),     // VULGAR FRACTION ONE HALF
    ('\u{00BE}', "3/4"),     // VULGAR FRACTION THREE QUARTERS
    ('\u{00F7}', "/"),       // DIVISION SIGN
    ('\u{01C3}', "!"),       // LATIN LETTER RETROFLEX CLICK
    ('\u{0262}', "G"),       // LATIN LETTER SMALL CAPITAL G
    ('\u{026A}', "I"),       // LATIN LETTER SMALL CAPITAL I
    ('\u{0274}', "N"),       // LATIN LETTER SMALL CAPITAL N
    ('\u{0280}', "R"),       // LATIN LETTER SMALL CAPITAL R
    ('\u{028F}', "Y"),       // LATIN LETTER SMALL CAPITAL Y
    ('\u{0299}', "B"),       // LATIN LETTER SMALL CAPITAL B
    ('\u{029C}', "H"),       // LATIN LETTER SMALL CAPITAL H
    ('\u{029F}', "L"),       // LATIN LETTER SMALL CAPITAL L
    ('\u{02B9}', "'"),       // MODIFIER LETTER PRIME
    ('\u{02BA}', "\""),      // MODIFIER LETTER DOUBLE PRIME
    ('\u{02BB}', "'"),       // MODIFIER LETTER TURNED COMMA
    ('\u{02BC}', "'"),       // MODIFIER LETTER APOSTROPHE
    ('\u{02BD}', "'"),       // MODIFIER LETTER REVERSED COMMA
    ('\u{02C6}', "^"),       // MODIFIER LETTER CIRCUMFLEX ACCENT
    ('\u{02C8}', "'"),       // MODIFIER LETTER VERTICAL LINE
    ('\u{02CA}', "'"),       // MODIFIER LETTER ACUTE ACCENT
    ('\u{02CB}', "'"),       // MODIFIER LETTER GRAVE ACCENT
    ('\u{02D0}', ":"),       // MODIFIER LETTER TRIANGULAR COLON
    ('\u{02D6}', "+"),       // MODIFIER LETTER PLUS SIGN
    ('\u{02DC}', "~"),       // SMALL TILDE
    ('\u{02EE}', "\""),      // MODIFIER LETTER DOUBLE APOSTROPHE
    ('\u{02F7}', "~"),       // MODIFIER LETTER LOW TILDE
    ('\u{02F8}', ":"),       // MODIFIER LETTER RAISED COLON
    ('\u{0302}', "^"),       // COMBINING CIRCUMFLEX ACCENT
    ('\u{0303}', "~"),       // COMBINING TILDE
    ('\u{0313}', "'"),       // COMBINING COMMA ABOVE
    ('\u{0314}', "'"),       // COMBINING REVERSED COMMA ABOVE
    ('\u{0326}', ","),       // COMBINING COMMA BELOW
    ('\u{0330}', "~"),       // COMBINING TILDE BELOW
    ('\u{0332}', "_"),       // COMBINING LOW LINE
    ('\u{0334}', "~"),       // COMBINING TILDE OVERLAY
    ('\u{0337}', "/"),       // COMBINING SHORT SOLIDUS OVERLAY
    ('\u{0338}', "/"),       // COMBINING LONG SOLIDUS OVERLAY
    ('\u{0347}', "="),       // COMBINING EQUALS SIGN BELOW
    ('\u{1D00}', "A"),       // LATIN LETTER SMALL CAPITAL A
    ('\u{1D04}', "C"),       // LATIN LETTER SMALL CAPITAL C
    ('\u{1D05}', "D"),       // LATIN LETTER SMALL CAPITAL D
    ('\u{1D07}', "E"),       // LATIN LETTER SMALL CAPITAL E
    ('\u{1D0A}', "J"),       // LATIN LETTER SMALL CAPITAL J
    ('\u{1D0B}', "K"),       // LATIN LETTER SMALL CAPITAL K
    ('\u{1D0D}', "M"),       // LATIN LETTER SMALL CAPITAL M
    ('\u{1D0F}', "O"),       // LATIN LETTER SMALL CAPITAL O
    ('\u{1D18}', "P"),       // LATIN LETTER SMALL CAPITAL P
    ('\u{1D1B}', "T"),       // LATIN LETTER SMALL CAPITAL T
    ('\u{1D1C}', "U"),       // LATIN LETTER SMALL CAPITAL U
    ('\u{1D20}', "V"),       // LATIN LETTER SMALL CAPITAL V
    ('\u{1D21}', "W"),       // LATIN LETTER SMALL CAPITAL W
    ('\u{1D22}', "Z"),       // LATIN LETTER SMALL CAPITAL Z
    ('\u{1DCD}', "^"),       // COMBINING DOUBLE CIRCUMFLEX ABOVE
    ('\u{2000}', " "),       // EN QUAD (upstream: 2 spaces)
    ('\u{2001}', " "),       // EM QUAD
    ('\u{2002}', " "),       // EN SPACE (upstream: 2 spaces)
    ('\u{2003}', " "),       // EM SPACE (upstream: 2 spaces)
    ('\u{2004}', " "),       // THREE-PER-EM SPACE (upstream: 2 spaces)
    ('\u{2005}', " "),       // FOUR-PER-EM SPACE (upstream: 2 spaces)
    ('\u{2006}', " "),       // SIX-PER-EM SPACE (upstream: 2 spaces)
    ('\u{2007}', " "),       // FIGURE SPACE (upstream: 2 spaces)
    ('\u{2008}', " "),       // PUNCTUATION SPACE (upstream: 2 spaces)
    ('\u{2009}', " "),       // THIN SPACE (upstream: 2 spaces)
    ('\u{200A}', " "),       // HAIR SPACE (upstream: 2 spaces)
    ('\u{200B}', ""),        // ZERO WIDTH SPACE
    ('\u{2010}', "-"),       // HYPHEN
    ('\u{2013}', "-"),       // EN DASH
    ('\u{2014}', "-"),       // EM DASH
    ('\u{2015}', "-"),       // HORIZONTAL BAR
    ('\u{2017}', "_"),       // DOUBLE LOW LINE
    ('\u{2018}', "'"),       // LEFT SINGLE QUOTATION MARK
    ('\u{2019}', "'"),       // RIGHT SINGLE QUOTATION MARK
    ('\u{201A}', ","),       // SINGLE LOW-9 QUOTATION MARK
    ('\u{201B}', "'"),       // SINGLE HIGH-REVERSED-9 QUOTATION MARK
    ('\u{201C}', "\""),      // LEFT DOUBLE QUOTATION MARK
    ('\u{201D}', "\""),      // RIGHT DOUBLE QUOTATION MARK
    ('\u{201E}', "\""),      // DOUBLE LOW-9 QUOTATION MARK
    ('\u{201F}', "\""),      // DOUBLE HIGH-REVERSED-9 QUOTATION MARK
    ('\u{2022}', "-"),       // BULLET
    ('\u{2026}', "..."),     // HORIZONTAL ELLIPSIS
    ('\u{2028}', " "),       // LINE SEPARATOR
    ('\u{2029}', " "),       // PARAGRAPH SEPARATOR
    ('\u{202F}', " "),       // NARROW NO-BREAK SPACE (upstream: 2 spaces)
    ('\u{2039}', ">"),       // SINGLE LEFT-POINTING ANGLE QUOTATION MARK
    ('\u{203A}', "<"),       // SINGLE RIGHT-POINTING ANGLE QUOTATION MARK
    ('\u{203C}', "!!"),      // DOUBLE EXCLAMATION MARK
    ('\u{2043}', "-"),       // HYPHEN BULLET
    ('\u{2044}', "/"),       // FRACTION SLASH
    ('\u{204E}', "*"),       // LOW ASTERISK
    ('\u{204F}', ";"),       // REVERSED SEMICOLON
    ('\u{205F}', " "),       // MEDIUM MATHEMATICAL SPACE (upstream: 2 spaces)
    ('\u{2060}', ""),        // WORD JOINER
    ('\u{20D2}', "|"),       // COMBINING LONG VERTICAL LINE OVERLAY
    ('\u{20D3}', "|"),       // COMBINING SHORT VERTICAL LINE OVERLAY
    ('\u{20E5}', "\\"),      // COMBINING REVERSE SOLIDUS OVERLAY
    ('\u{2215}', "/"),       // DIVISION SLASH
    ('\u{2217}', "*"),       // ASTERISK OPERATOR
    ('\u{2223}', "|"),       // DIVIDES
    ('\u{223C}', "~"),       // TILDE OPERATOR
    ('\u{229B}', "*"),       // CIRCLED ASTERISK OPERATOR
    ('\u{239C}', "|"),       // LEFT PARENTHESIS EXTENSION
    ('\u{239F}', "|"),       // RIGHT PARENTHESIS EXTENSION
    ('\u{23B8}', "|"),       // LEFT VERTICAL BOX LINE
    ('\u{23B9}', "|"),       // RIGHT VERTICAL BOX LINE
    ('\u{23BC}', "-"),       // HORIZONTAL SCAN LINE-7
    ('\u{23BD}', "-"),       // HORIZONTAL SCAN LINE-9
    ('\u{23D0}', "|"),       // VERTICAL LINE EXTENSION
    ('\u{2722}', "*"),       // FOUR TEARDROP-SPOKED ASTERISK
    ('\u{2723}', "*"),       // FOUR BALLOON-SPOKED ASTERISK
    ('\u{2724}', "*"),       // HEAVY FOUR BALLOON-SPOKED ASTERISK
    ('\u{2725}', "*"),       // FOUR CLUB-SPOKED ASTERISK
    ('\u{2731}', "*"),       // HEAVY ASTERISK
    ('\u{2732}', "*"),       // OPEN CENTRE ASTERISK
    ('\u{2733}', "*"),       // EIGHT SPOKED ASTERISK
    ('\u{273A}', "*"),       // SIXTEEN POINTED ASTERISK
    ('\u{273B}', "*"),       // TEARDROP-SPOKED ASTERISK
    ('\u{273C}', "*"),       // OPEN CENTRE TEARDROP-SPOKED ASTERISK
    ('\u{273D}', "*"),       // HEAVY TEARDROP-SPOKED ASTERISK
    ('\u{2743}', "*"),       // HEAVY TEARDROP-SPOKED PINWHEEL ASTERISK
    ('\u{2749}', "*"),       // BALLOON-SPOKED ASTERISK
    ('\u{274A}', "*"),       // EIGHT TEARDROP-SPOKED PROPELLER ASTERISK
    ('\u{274B}', "*"),       // HEAVY EIGHT TEARDROP-SPOKED PROPELLER ASTERISK
    ('\u{275B}', "'"),       // HEAVY SINGLE TURNED COMMA QUOTATION MARK ORNAMENT
    ('\u{275C}', "'"),       // HEAVY SINGLE COMMA QUOTATION MARK ORNAMENT
    ('\u{275D}', "\""),      // HEAVY DOUBLE TURNED COMMA QUOTATION MARK ORNAMENT
    ('\u{275E}', "\""),      // HEAVY DOUBLE COMMA QUOTATION MARK ORNAMENT
    ('\u{2768}', "("),       // MEDIUM LEFT PARENTHESIS ORNAMENT
    ('\u{2769}', ")"),       // MEDIUM RIGHT PARENTHESIS ORNAMENT
    ('\u{276A}', "("),       // MEDIUM FLATTENED LEFT PARENTHESIS ORNAMENT
    ('\u{276B}', ")"),       // MEDIUM FLATTENED RIGHT PARENTHESIS ORNAMENT
    ('\u{2774}', "{"),       // MEDIUM LEFT CURLY BRACKET ORNAMENT
    ('\u{2775}', "}"),       // MEDIUM RIGHT CURLY BRACKET ORNAMENT
    ('\u{27EE}', "("),       // MATHEMATICAL LEFT FLATTENED PARENTHESIS
    ('\u{27EF}', ")"),       // MATHEMATICAL RIGHT FLATTENED PARENTHESIS
    ('\u{2982}', ":"),       // Z NOTATION TYPE COLON
    ('\u{2985}', "("),       // LEFT WHITE PARENTHESIS
    ('\u{2986}', ")"),       // RIGHT WHITE PARENTHESIS
    ('\u{29C6}', "*"),       // SQUARED ASTERISK
    ('\u{29F5}', "\\"),      // REVERSE SOLIDUS OPERATOR
    ('\u{29F8}', "/"),       // BIG SOLIDUS
    ('\u{29F9}', "\\"),      // BIG REVERSE SOLIDUS
    ('\u{3000}', " "),       // IDEOGRAPHIC SPACE (upstream: 2 spaces)
    ('\u{3001}', ","),       // IDEOGRAPHIC COMMA
    ('\u{3002}', "."),       // IDEOGRAPHIC FULL STOP
    ('\u{301D}', "\""),      // REVERSED DOUBLE PRIME QUOTATION MARK
    ('\u{301E}', "\""),      // DOUBLE PRIME QUOTATION MARK
    ('\u{A730}', "F"),       // LATIN LETTER SMALL CAPITAL F
    ('\u{A731}', "S"),       // LATIN LETTER SMALL CAPITAL S
    ('\u{A789}', ":"),       // MODIFIER LETTER COLON
    ('\u{A78A}', "="),       // MODIFIER LETTER SHORT EQUALS SIGN
    ('\u{FE10}', "'"),       // PRESENTATION FORM FOR VERTICAL COMMA
    ('\u{FE11}', "'"),       // PRESENTATION FORM FOR VERTICAL IDEOGRAPHIC COMMA
    ('\u{FE13}', ":"),       // PRESENTATION FORM FOR VERTICAL COLON
    ('\u{FE14}', ";"),       // PRESENTATION FORM FOR VERTICAL SEMICOLON
    ('\u{FE15}', "!"),       // PRESENTATION FORM FOR VERTICAL EXCLAMATION MARK
    ('\u{FE16}', "?"),       // PRESENTATION FORM FOR VERTICAL QUESTION MARK
    ('\u{FE50}', ","),       // SMALL COMMA
    ('\u{FE51}', ","),       // SMALL IDEOGRAPHIC COMMA
    ('\u{FE52}', "."),       // SMALL FULL STOP
    ('\u{FE54}', ";"),       // SMALL SEMICOLON
    ('\u{FE56}', "?"),       // SMALL QUESTION MARK
    ('\u{FE57}', "!"),       // SMALL EXCLAMATION MARK
    ('\u{FE59}', "("),       // SMALL LEFT PARENTHESIS
    ('\u{FE5A}', ")"),       // SMALL RIGHT PARENTHESIS
    ('\u{FE5B}', "{"),       // SMALL LEFT CURLY BRACKET
    ('\u{FE5C}', "}"),       // SMALL RIGHT CURLY BRACKET
    ('\u{FE5F}', "#"),       // SMALL NUMBER SIGN
    ('\u{FE60}', "&"),       // SMALL AMPERSAND
    ('\u{FE61}', "*"),       // SMALL ASTERISK
    ('\u{FE62}', "+"),       // SMALL PLUS SIGN
    ('\u{FE63}', "-"),       // SMALL HYPHEN-MINUS
    ('\u{FE64}', "<"),       // SMALL LESS-THAN SIGN
    ('\u{FE65}', ">"),       // SMALL GREATER-THAN SIGN
    ('\u{FE66}', "="),       // SMALL EQUALS SIGN
    ('\u{FE68}', "\\"),      // SMALL REVERSE SOLIDUS
    ('\u{FE69}', "$"),       // SMALL DOLLAR SIGN
    ('\u{FE6A}', "%"),       // SMALL PERCENT SIGN
    ('\u{FE6B}', "@"),       // SMALL COMMERCIAL AT
    ('\u{FEFF}', ""),        // ZERO WIDTH NO-BREAK SPACE
    ('\u{FF01}', "!"),       // FULLWIDTH EXCLAMATION MARK
    ('\u{FF02}', "\""),      // FULLWIDTH QUOTATION MARK
    ('\u{FF03}', "#"),       // FULLWIDTH NUMBER SIGN
    ('\u{FF04}', "$"),       // FULLWIDTH DOLLAR SIGN
    ('\u{FF05}', "%"),       // FULLWIDTH PERCENT SIGN
    ('\u{FF06}', "&"),       // FULLWIDTH AMPERSAND
    ('\u{FF07}', "'"),       // FULLWIDTH APOSTROPHE
    ('\u{FF08}', "("),       // FULLWIDTH LEFT PARENTHESIS
    ('\u{FF09}', ")"),       // FULLWIDTH RIGHT PARENTHESIS
    ('\u{FF0A}', "*"),       // FULLWIDTH ASTERISK
    ('\u{FF0B}', "+"),       // FULLWIDTH PLUS SIGN
    ('\u{FF0C}', ","),       // FULLWIDTH COMMA
    ('\u{FF0D}', "-"),       // FULLWIDTH HYPHEN-MINUS
    ('\u{FF0E}', "."),       // FULLWIDTH FULL STOP
    ('\u{FF0F}', "/"),       // FULLWIDTH SOLIDUS
    ('\u{FF10}', "0"),       // FULLWIDTH DIGIT ZERO
    ('\u{FF11}', "1"),       // FULLWIDTH DIGIT ONE
    ('\u{FF12}', "2"),       // FULLWIDTH DIGIT TWO
    ('\u{FF13}', "3"),       // FULLWIDTH DIGIT THREE
    ('\u{FF14}', "4"),       // FULLWIDTH DIGIT FOUR
    ('\u{FF15}', "5"),       // FULLWIDTH DIGIT FIVE
    ('\u{FF16}', "6"),       // FULLWIDTH DIGIT SIX
    ('\u{FF17}', "7"),       // FULLWIDTH DIGIT SEVEN
    ('\u{FF18}', "8"),       // FULLWIDTH DIGIT EIGHT
    ('\u{FF19}', "9"),       // FULLWIDTH DIGIT NINE
    ('\u{FF1A}', ":"),       // FULLWIDTH COLON
    ('\u{FF1B}', ";"),       // FULLWIDTH SEMICOLON
    ('\u{FF1C}', "<"),       // FULLWIDTH LESS-THAN SIGN
    ('\u{FF1D}', "="),       // FULLWIDTH EQUALS SIGN
    ('\u{FF1E}', ">"),       // FULLWIDTH GREATER-THAN SIGN
    ('\u{FF1F}', "?"),       // FULLWIDTH QUESTION MARK
    ('\u{FF20}', "@"),       // FULLWIDTH COMMERCIAL AT
    ('\u{FF21}', "A"),       // FULLWIDTH LATIN CAPITAL LETTER A
    ('\u{FF22}', "B"),       // FULLWIDTH LATIN CAPITAL LETTER B
    ('\u{FF23}', "C"),       // FULLWIDTH LATIN CAPITAL LETTER C
    ('\u{FF24}', "D"),       // FULLWIDTH LATIN CAPITAL LETTER D
    ('\u{FF25}', "E"),       // FULLWIDTH LATIN CAPITAL LETTER E
    ('\u{FF26}', "F"),       // FULLWIDTH LATIN CAPITAL LETTER F
    ('\u{FF27}', "G"),       // FULLWIDTH LATIN CAPITAL LETTER G
    ('\u{FF28}', "H"),       // FULLWIDTH LATIN CAPITAL LETTER H
    ('\u{FF29}', "I"),       // FULLWIDTH LATIN CAPITAL LETTER I
    ('\u{FF2A}', "J"),       // FULLWIDTH LATIN CAPITAL LETTER J
    ('\u{FF2B}', "K"),       // FULLWIDTH LATIN CAPITAL LETTER K
    ('\u{FF2C}', "L"),       // FULLWIDTH LATIN CAPITAL LETTER L
    ('\u{FF2D}', "M"),       // FULLWIDTH LATIN CAPITAL LETTER M
    ('\u{FF2E}', "N"),       // FULLWIDTH LATIN CAPITAL LETTER N
    ('\u{FF2F}', "O"),       // FULLWIDTH LATIN CAPITAL LETTER O
    ('\u{FF30}', "P"),       // FULLWIDTH LATIN CAPITAL LETTER P
    ('\u{FF31}', "Q"),       // FULLWIDTH LATIN CAPITAL LETTER Q
    ('\u{FF32}', "R"),       // FULLWIDTH LATIN CAPITAL LETTER R
    ('\u{FF33}', "S"),       // FULLWIDTH LATIN CAPITAL LETTER S
    ('\u{FF34}', "T"),       // FULLWIDTH LATIN CAPITAL LETTER T
    ('\u{FF35}', "U"),       // FULLWIDTH LATIN CAPITAL LETTER U
    ('\u{FF36}', "V"),       // FULLWIDTH LATIN CAPITAL LETTER V
    ('\u{FF37}', "W"),       // FULLWIDTH LATIN CAPITAL LETTER W
    ('\u{FF38}', "X"),       // FULLWIDTH LATIN CAPITAL LETTER X
    ('\u{FF39}', "Y"),       // FULLWIDTH LATIN CAPITAL LETTER Y
    ('\u{FF3A}', "Z"),       // FULLWIDTH LATIN CAPITAL LETTER Z
    ('\u{FF3B}', "["),       // FULLWIDTH LEFT SQUARE BRACKET
    ('\u{FF3C}', "\\"),      // FULLWIDTH REVERSE SOLIDUS
    ('\u{FF3D}', "]"),       // FULLWIDTH RIGHT SQUARE BRACKET
    ('\u{FF3E}', "^"),       // FULLWIDTH CIRCUMFLEX ACCENT
    ('\u{FF3F}', "_"),       // FULLWIDTH LOW LINE
    ('\u{FF5B}', "{"),       // FULLWIDTH LEFT CURLY BRACKET
    ('\u{FF5C}', "|"),       // FULLWIDTH VERTICAL LINE
    ('\u{FF5D}', "}"),       // FULLWIDTH RIGHT CURLY BRACKET
    ('\u{FF5E}', "~"),       // FULLWIDTH TILDE
    ('\u{FF61}', "."),       // HALFWIDTH IDEOGRAPHIC FULL STOP
    ('\u{FF64}', ","),       // HALFWIDTH IDEOGRAPHIC COMMA
];
