//! The one table of Twilio error codes Switchboard uses: code, HTTP status (for
//! API errors; delivery errors appear on the message instead) and message.
//! `api` renders API errors from it; `core` takes delivery error messages from it.

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCode {
    pub code: u32,
    /// HTTP status when returned by the API; delivery-only codes use 400.
    pub http_status: u16,
    pub message: &'static str,
}

const fn row(code: u32, http_status: u16, message: &'static str) -> ErrorCode {
    ErrorCode {
        code,
        http_status,
        message,
    }
}

/// Every code Switchboard emits.
pub const TABLE: &[ErrorCode] = &[
    row(20001, 400, "Invalid parameter"),
    row(20003, 401, "Authenticate"),
    row(20004, 405, "Method not allowed"),
    row(20403, 403, "Forbidden: the credential lacks a required scope"),
    row(20404, 404, "The requested resource was not found"),
    row(20422, 422, "Idempotency-Key reused with different parameters"),
    row(20429, 429, "Too many requests"),
    row(20500, 500, "Internal server error"),
    row(21201, 400, "No 'To' number is specified"),
    row(21205, 400, "Url parameter is not a valid URL"),
    row(21210, 400, "Caller phone number not verified"),
    row(21211, 400, "Invalid 'To' Phone Number"),
    row(21212, 400, "Invalid 'From' Phone Number"),
    row(21213, 400, "Caller phone number is required"),
    row(21218, 400, "Invalid ApplicationSid"),
    row(21220, 400, "Invalid call state"),
    row(21421, 400, "PhoneNumber is invalid"),
    row(21422, 400, "PhoneNumber is not available"),
    row(21451, 400, "Invalid area code"),
    row(21408, 400, "Permission to send an SMS has not been enabled for the region indicated by the 'To' number"),
    row(21602, 400, "Message body is required"),
    row(21603, 400, "A 'From' phone number is required"),
    row(21604, 400, "A 'To' phone number is required"),
    row(21606, 400, "The 'From' phone number provided is not a valid message-capable phone number for this destination"),
    row(21610, 400, "Attempt to send to unsubscribed recipient"),
    row(21611, 400, "This 'From' number has exceeded the maximum number of queued messages"),
    row(21612, 400, "The 'To' phone number is not currently reachable via SMS"),
    row(21614, 400, "'To' number is not a valid mobile number"),
    row(21617, 400, "The concatenated message body exceeds the 1600 character limit"),
    row(21620, 400, "Invalid media URL(s)"),
    row(21623, 400, "Number of media files exceeds allowed limit"),
    row(21701, 404, "The Messaging Service does not exist"),
    row(21450, 400, "Phone number not found in the account"),
    row(21703, 400, "The Messaging Service does not have a phone number available"),
    row(21710, 409, "Phone number is already in a Messaging Service"),
    row(35111, 400, "Invalid ScheduleType"),
    row(35114, 400, "Scheduling does not support this timestamp"),
    row(60200, 400, "Invalid parameter"),
    row(60202, 429, "Max check attempts reached"),
    row(60203, 429, "Max send attempts reached"),
    row(60204, 400, "Service does not support this feature"),
    row(60207, 400, "Max rate limits per service reached"),
    row(60208, 400, "Rate limit with that UniqueName already exists"),
    row(60209, 400, "UniqueName format is invalid"),
    row(60210, 400, "Max Buckets per Rate limit reached"),
    row(60211, 400, "Bucket with the given Interval already exists"),
    row(60238, 403, "Verification blocked: the destination country is not allowed"),
    row(60410, 403, "Verification blocked by the fraud guard"),
    row(60308, 429, "Challenge verification attempts limit reached"),
    row(60310, 429, "Factor verification attempts reached"),
    row(60318, 403, "Factor is unverified"),
    row(60323, 403, "Challenge expired"),
    row(60324, 403, "Challenge verification failed"),
    row(60391, 404, "Challenge not found"),
    row(60441, 400, "Illegal status"),
    row(30001, 400, "Queue overflow"),
    row(30002, 400, "Account suspended"),
    row(30003, 400, "Unreachable destination handset"),
    row(30004, 400, "Message blocked"),
    row(30005, 400, "Unknown destination handset"),
    row(30006, 400, "Landline or unreachable carrier"),
    row(30007, 400, "Message filtered"),
    row(30008, 400, "Unknown error"),
    row(30009, 400, "Missing inbound segment"),
    row(30010, 400, "Message price exceeds max price"),
    row(30409, 400, "This message cannot be canceled"),
];

/// Looks a code up; unknown codes map to 30008 "Unknown error" semantics.
pub fn lookup(code: u32) -> ErrorCode {
    TABLE
        .iter()
        .copied()
        .find(|e| e.code == code)
        .unwrap_or(row(code, 400, "Unknown error"))
}

/// `https://www.twilio.com/docs/errors/<code>`
pub fn more_info(code: u32) -> String {
    format!("https://www.twilio.com/docs/errors/{code}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_statuses_are_http_errors() {
        let mut codes: Vec<_> = TABLE.iter().map(|e| e.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), TABLE.len());
        assert!(TABLE.iter().all(|e| (400..600).contains(&e.http_status)));
        assert_eq!(lookup(20003).http_status, 401);
        assert_eq!(lookup(99999).message, "Unknown error");
    }
}
