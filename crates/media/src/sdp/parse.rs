//! Reading the peer's SDP (see the parent module for the rules).

use super::{Direction, RemoteSdp, SdpError};
use crate::g711::Codec;
use std::net::IpAddr;

/// The facts of one section (session level, or one `m=` section).
#[derive(Debug, Default)]
struct Section<'a> {
    /// `m=` line fields after the `m=`: media, port, proto, formats.
    media: Option<Vec<&'a str>>,
    connection: Option<&'a str>,
    direction: Option<Direction>,
    ptime: Option<u32>,
    /// `a=rtpmap` entries: payload type, encoding name, clock rate.
    rtpmaps: Vec<(&'a str, &'a str, &'a str)>,
}

/// Parses an offer or answer and picks the audio stream we will use: the
/// first `m=audio` over RTP/AVP(F) with a non-zero port that lists PCMU or
/// PCMA. Never panics.
pub fn parse(sdp: &str) -> Result<RemoteSdp, SdpError> {
    let mut session = Section::default();
    let mut media: Vec<Section<'_>> = Vec::new();
    for line in sdp.lines() {
        let line = line.trim();
        let Some((kind, value)) = line.split_once('=') else {
            continue;
        };
        if kind == "m" {
            media.push(Section {
                media: Some(value.split_ascii_whitespace().collect()),
                ..Section::default()
            });
            continue;
        }
        let section = media.last_mut().unwrap_or(&mut session);
        match kind {
            "c" => section.connection = Some(value),
            "a" => read_attribute(section, value),
            _ => {}
        }
    }

    let mut saw_audio = false;
    for section in &media {
        let Some(fields) = &section.media else {
            continue;
        };
        let [kind, port, proto, formats @ ..] = fields.as_slice() else {
            continue;
        };
        if *kind != "audio" || !matches!(*proto, "RTP/AVP" | "RTP/AVPF") {
            continue;
        }
        // "49170/2" is a port and a count; the count is ignored.
        let port_text = port.split('/').next().unwrap_or(port);
        let port: u16 = port_text
            .parse()
            .map_err(|_| SdpError::BadMedia(fields.join(" ")))?;
        if port == 0 {
            continue; // a rejected or disabled stream
        }
        saw_audio = true;
        let Some(codec) = formats.iter().find_map(|f| codec_of(section, f)) else {
            continue;
        };
        let connection = section
            .connection
            .or(session.connection)
            .ok_or(SdpError::MissingConnection)?;
        return Ok(RemoteSdp {
            address: connection_address(connection)?,
            port,
            codec,
            telephone_event: formats.iter().find_map(|f| telephone_event(section, f)),
            ptime: section.ptime.or(session.ptime),
            direction: section.direction.or(session.direction).unwrap_or_default(),
        });
    }
    Err(if saw_audio {
        SdpError::NoCommonCodec
    } else {
        SdpError::NoAudio
    })
}

fn read_attribute<'a>(section: &mut Section<'a>, value: &'a str) {
    let (name, rest) = value.split_once(':').unwrap_or((value, ""));
    match name {
        "rtpmap" => {
            let mut parts = rest.split_ascii_whitespace();
            if let (Some(pt), Some(encoding)) = (parts.next(), parts.next()) {
                let mut encoding = encoding.split('/');
                let name = encoding.next().unwrap_or("");
                let rate = encoding.next().unwrap_or("");
                section.rtpmaps.push((pt, name, rate));
            }
        }
        "ptime" => section.ptime = rest.trim().parse().ok(),
        other => {
            if let Some(direction) = Direction::from_attribute(other.trim()) {
                section.direction = Some(direction);
            }
        }
    }
}

fn rtpmap<'a>(section: &Section<'a>, format: &str) -> Option<(&'a str, &'a str)> {
    section
        .rtpmaps
        .iter()
        .find(|(pt, _, _)| *pt == format)
        .map(|(_, name, rate)| (*name, *rate))
}

/// PCMU/PCMA by static payload type; an `rtpmap` for it, if present, must agree.
fn codec_of(section: &Section<'_>, format: &str) -> Option<Codec> {
    let codec = Codec::from_payload_type(format.parse().ok()?)?;
    match rtpmap(section, format) {
        Some((name, rate))
            if !name.eq_ignore_ascii_case(codec.encoding_name()) || rate != "8000" =>
        {
            None
        }
        _ => Some(codec),
    }
}

fn telephone_event(section: &Section<'_>, format: &str) -> Option<u8> {
    let (name, rate) = rtpmap(section, format)?;
    if name.eq_ignore_ascii_case("telephone-event") && rate == "8000" {
        format.parse().ok()
    } else {
        None
    }
}

/// `IN IP4 192.0.2.1`, `IN IP6 2001:db8::1`, or a multicast `…/ttl`.
fn connection_address(line: &str) -> Result<IpAddr, SdpError> {
    let bad = || SdpError::BadConnection(line.to_owned());
    let mut fields = line.split_ascii_whitespace();
    let (Some("IN"), Some(kind), Some(address)) = (fields.next(), fields.next(), fields.next())
    else {
        return Err(bad());
    };
    let address = address.split('/').next().unwrap_or(address);
    let ip: IpAddr = address.parse().map_err(|_| bad())?;
    match (kind, ip) {
        ("IP4", IpAddr::V4(_)) | ("IP6", IpAddr::V6(_)) => Ok(ip),
        _ => Err(bad()),
    }
}
