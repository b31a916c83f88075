//! A bounds-checked cursor over one PDU body. Every read returns a `Result`;
//! nothing here indexes out of range.

use crate::pdu::{Address, ShortMessage, Tlv};

/// Why a body could not be read; becomes [`super::DecodeError::Malformed`].
pub(crate) type ReadError = &'static str;

pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Responses are often cut short on error (`submit_sm_resp` with no
    /// body): in lenient mode a missing integer reads as 0.
    lenient: bool,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8], lenient: bool) -> Self {
        Reader {
            buf,
            pos: 0,
            lenient,
        }
    }

    fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or(&[])
    }

    pub(crate) fn u8(&mut self) -> Result<u8, ReadError> {
        match self.rest().first() {
            Some(&b) => {
                self.pos += 1;
                Ok(b)
            }
            None if self.lenient => Ok(0),
            None => Err("body ends inside a mandatory integer"),
        }
    }

    fn u16(&mut self) -> Result<u16, ReadError> {
        let rest = self.rest();
        match (rest.first(), rest.get(1)) {
            (Some(&hi), Some(&lo)) => {
                self.pos += 2;
                Ok(u16::from_be_bytes([hi, lo]))
            }
            _ => Err("truncated TLV header"),
        }
    }

    /// A C-octet string. Lenient on receive: at the very end of the body it
    /// reads as empty, and a string missing its NUL takes the rest of the
    /// body.
    pub(crate) fn cstring(&mut self) -> String {
        let rest = self.rest();
        let (text, used) = match rest.iter().position(|&b| b == 0) {
            Some(nul) => (rest.get(..nul).unwrap_or(&[]), nul + 1),
            None => (rest, rest.len()),
        };
        self.pos += used;
        String::from_utf8_lossy(text).into_owned()
    }

    fn octets(&mut self, n: usize) -> Result<Vec<u8>, ReadError> {
        let out = self
            .rest()
            .get(..n)
            .ok_or("a length field exceeds the body")?
            .to_vec();
        self.pos += n;
        Ok(out)
    }

    pub(crate) fn address(&mut self) -> Result<Address, ReadError> {
        Ok(Address {
            ton: self.u8()?,
            npi: self.u8()?,
            addr: self.cstring(),
        })
    }

    /// The TLVs filling the rest of the body. Unknown tags are kept raw.
    pub(crate) fn tlvs(&mut self) -> Result<Vec<Tlv>, ReadError> {
        let mut out = Vec::new();
        while !self.rest().is_empty() {
            let tag = self.u16()?;
            let len = self.u16()?;
            let value = self
                .octets(usize::from(len))
                .map_err(|_| "a TLV length exceeds the body")?;
            out.push(Tlv { tag, value });
        }
        Ok(out)
    }

    /// The `submit_sm` / `deliver_sm` body.
    pub(crate) fn short_message(&mut self) -> Result<ShortMessage, ReadError> {
        let service_type = self.cstring();
        let source = self.address()?;
        let dest = self.address()?;
        let esm_class = self.u8()?;
        let protocol_id = self.u8()?;
        let priority_flag = self.u8()?;
        let schedule_delivery_time = self.cstring();
        let validity_period = self.cstring();
        let registered_delivery = self.u8()?;
        let replace_if_present_flag = self.u8()?;
        let data_coding = self.u8()?;
        let sm_default_msg_id = self.u8()?;
        let sm_length = self.u8()?;
        let short_message = self
            .octets(usize::from(sm_length))
            .map_err(|_| "sm_length exceeds the body")?;
        let tlvs = self.tlvs()?;
        Ok(ShortMessage {
            service_type,
            source,
            dest,
            esm_class,
            protocol_id,
            priority_flag,
            schedule_delivery_time,
            validity_period,
            registered_delivery,
            replace_if_present_flag,
            data_coding,
            sm_default_msg_id,
            short_message,
            tlvs,
        })
    }
}
