//! The `call` channel of Verify: the code is read out digit by digit, twice, in the
//! verification's `Locale` (English by default), by a call placed like any other.

use switchboard_twiml::{say_digits, Loop, Say, VoiceResponse, VoiceVerb};

/// The TwiML `language` and the sentence for a Verify `Locale`; `None` for a locale
/// without a spoken text.
fn phrase(locale: &str) -> Option<(&'static str, &'static str)> {
    let l = locale.trim().to_ascii_lowercase().replace('_', "-");
    Some(match l.as_str() {
        "" | "en" | "en-us" => ("en-US", "Your {name} verification code is: {code}."),
        "en-gb" => ("en-GB", "Your {name} verification code is: {code}."),
        "it" | "it-it" => ("it-IT", "Il suo codice di verifica {name} è: {code}."),
        "es" | "es-es" => ("es-ES", "Su código de verificación de {name} es: {code}."),
        "fr" | "fr-fr" => ("fr-FR", "Votre code de vérification {name} est : {code}."),
        "de" | "de-de" => ("de-DE", "Ihr {name} Bestätigungscode lautet: {code}."),
        "pt" | "pt-br" => ("pt-BR", "Seu código de verificação {name} é: {code}."),
        _ => return None,
    })
}

/// Whether `locale` has a spoken text.
pub(crate) fn supported(locale: &str) -> bool {
    phrase(locale).is_some()
}

/// The call's TwiML: one `<Say>` in the locale's language, looped twice, with the code's
/// digits separated so each is read on its own.
pub(crate) fn twiml(friendly_name: &str, code: &str, locale: &str) -> String {
    let (language, template) =
        phrase(locale).unwrap_or(("en-US", "Your {name} verification code is: {code}."));
    let digits = say_digits(code).replace(' ', ", ");
    let text = template
        .replace("{name}", friendly_name)
        .replace("{code}", &digits);
    VoiceResponse {
        verbs: vec![VoiceVerb::Say(Say {
            text,
            voice: None,
            language: Some(language.to_owned()),
            repeat: Loop::Times(std::num::NonZeroU32::MIN.saturating_add(1)),
        })],
        warnings: Vec::new(),
    }
    .to_xml()
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_twiml::{parse_voice, Limits};

    #[test]
    fn the_code_is_read_digit_by_digit_twice_in_the_locale() {
        let xml = twiml("Salon <Bella>", "482913", "it");
        let doc = parse_voice(&xml, &Limits::default()).expect("valid TwiML");
        let VoiceVerb::Say(say) = &doc.verbs[0] else {
            panic!("{xml}");
        };
        assert_eq!(say.language.as_deref(), Some("it-IT"));
        assert_eq!(
            say.repeat,
            Loop::Times(std::num::NonZeroU32::new(2).unwrap())
        );
        assert!(say.text.contains("4, 8, 2, 9, 1, 3"), "{}", say.text);
        assert!(
            say.text.contains("Salon <Bella>"),
            "escaped and parsed back: {}",
            say.text
        );
        assert!(twiml("Acme", "1234", "").contains("en-US"));
        assert!(!supported("xx"));
    }
}
