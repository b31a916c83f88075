//! Rendering the AST back to TwiML.

use std::fmt::Write as _;

use crate::ast::{Message, MessagingResponse, Method, Redirect, Verb};

impl MessagingResponse {
    /// Renders the verbs as a TwiML document, one verb per line; warnings
    /// are not rendered. `method` is written only when it is not the
    /// default (POST), a body only when non-empty (as `<Body>`), and
    /// characters XML cannot carry (C0 controls other than tab, LF, CR;
    /// U+FFFE; U+FFFF) become U+FFFD.
    ///
    /// For every `r` that [`parse_messaging`](crate::parse_messaging)
    /// returned, parsing `r.to_xml()` gives back `r.verbs` with no
    /// warnings. For hand-built values the parser's normalization applies:
    /// bodies and URLs are trimmed, empty optional attributes are dropped,
    /// and a message with neither body nor media is dropped.
    pub fn to_xml(&self) -> String {
        document(&self.verbs, |out, verb| match verb {
            Verb::Message(message) => render_message(out, message),
            Verb::Redirect(redirect) => render_redirect(out, redirect),
        })
    }
}

/// The XML declaration and `<Response>`, each verb on its own line.
pub(crate) fn document<T>(verbs: &[T], mut render: impl FnMut(&mut String, &T)) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    if verbs.is_empty() {
        out.push_str("<Response/>\n");
        return out;
    }
    out.push_str("<Response>\n");
    for verb in verbs {
        render(&mut out, verb);
        out.push('\n');
    }
    out.push_str("</Response>\n");
    out
}

fn render_message(out: &mut String, message: &Message) {
    out.push_str("<Message");
    let attrs = [
        ("to", &message.to),
        ("from", &message.from),
        ("action", &message.action),
        ("statusCallback", &message.status_callback),
    ];
    for (name, value) in attrs {
        if let Some(value) = value {
            attribute(out, name, value);
        }
    }
    method(out, message.method);
    if message.body.is_empty() && message.media.is_empty() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    if !message.body.is_empty() {
        element(out, "Body", &message.body);
    }
    for url in &message.media {
        element(out, "Media", url);
    }
    out.push_str("</Message>");
}

pub(crate) fn render_redirect(out: &mut String, redirect: &Redirect) {
    out.push_str("<Redirect");
    method(out, redirect.method);
    out.push('>');
    text(out, &redirect.url);
    out.push_str("</Redirect>");
}

pub(crate) fn method(out: &mut String, method: Method) {
    if method != Method::default() {
        attribute(out, "method", method.as_str());
    }
}

fn element(out: &mut String, name: &str, content: &str) {
    let _ = write!(out, "<{name}>");
    text(out, content);
    let _ = write!(out, "</{name}>");
}

/// Escapes character data. `>` is escaped so `]]>` cannot occur; CR is a
/// character reference because a literal one is normalized to LF on input.
pub(crate) fn text(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c => push_legal(out, c),
        }
    }
}

/// Writes ` name="value"`. Tab, LF and CR are character references because
/// attribute-value normalization turns literal ones into spaces.
pub(crate) fn attribute(out: &mut String, name: &str, value: &str) {
    let _ = write!(out, " {name}=\"");
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => push_legal(out, c),
        }
    }
    out.push('"');
}

fn push_legal(out: &mut String, c: char) {
    let illegal = matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}');
    if illegal || matches!(c, '\u{fffe}' | '\u{ffff}') {
        out.push('\u{fffd}');
    } else {
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::{parse_messaging, Limits};

    fn round_trip(response: &MessagingResponse) -> MessagingResponse {
        parse_messaging(&response.to_xml(), &Limits::default()).unwrap()
    }

    #[test]
    fn empty_response_renders_self_closing() {
        let xml = MessagingResponse::default().to_xml();
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response/>\n"
        );
        assert_eq!(
            round_trip(&MessagingResponse::default()),
            MessagingResponse::default()
        );
    }

    #[test]
    fn renders_every_field() {
        let response = MessagingResponse {
            verbs: vec![
                Verb::Message(Message {
                    body: "Tom & Jerry <3 \"quotes\"".into(),
                    to: Some("+15551234567".into()),
                    from: Some("+15557654321".into()),
                    action: Some("/next?a=1&b=2".into()),
                    method: Method::Get,
                    status_callback: Some("/cb".into()),
                    media: vec!["https://example.com/x.png".into()],
                }),
                Verb::Redirect(Redirect {
                    url: "/more".into(),
                    method: Method::Post,
                }),
            ],
            warnings: vec![],
        };
        let expected = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response>\n\
            <Message to=\"+15551234567\" from=\"+15557654321\" action=\"/next?a=1&amp;b=2\" \
            statusCallback=\"/cb\" method=\"GET\"><Body>Tom &amp; Jerry &lt;3 \"quotes\"</Body>\
            <Media>https://example.com/x.png</Media></Message>\n\
            <Redirect>/more</Redirect>\n</Response>\n";
        assert_eq!(response.to_xml(), expected);
        assert_eq!(round_trip(&response), response);
    }

    #[test]
    fn line_breaks_and_tabs_survive() {
        let message = Message {
            body: "a\r\nb\rc\td]]>e".into(),
            to: Some("x\ty\nz\r\"'".into()),
            ..Message::default()
        };
        let response = MessagingResponse {
            verbs: vec![Verb::Message(message)],
            warnings: vec![],
        };
        assert_eq!(round_trip(&response), response);
    }

    #[test]
    fn media_only_message_has_no_body_element() {
        let response = MessagingResponse {
            verbs: vec![Verb::Message(Message {
                media: vec!["https://example.com/a.jpg".into()],
                ..Message::default()
            })],
            warnings: vec![],
        };
        assert!(!response.to_xml().contains("<Body>"));
        assert_eq!(round_trip(&response), response);
    }

    #[test]
    fn illegal_characters_become_replacement() {
        let response = MessagingResponse {
            verbs: vec![Verb::Message(Message {
                body: "bell\u{7}".into(),
                ..Message::default()
            })],
            warnings: vec![],
        };
        let parsed = round_trip(&response);
        let Verb::Message(message) = &parsed.verbs[0] else {
            panic!("expected a message");
        };
        assert_eq!(message.body, "bell\u{fffd}");
    }
}
