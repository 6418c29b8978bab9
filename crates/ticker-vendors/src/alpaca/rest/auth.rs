//! The credentials of a historical request, checked the way Alpaca does: a key pair, an
//! OAuth token or a broker Basic header; a sandbox without configured credentials.

use crate::alpaca::errors::RestError;
use crate::alpaca::stream::Credentials;

/// The credentials a request carried.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestAuth<'a> {
    /// `APCA-API-KEY-ID`.
    pub key_id: Option<&'a str>,
    /// `APCA-API-SECRET-KEY`.
    pub secret: Option<&'a str>,
    /// `Authorization` (OAuth `Bearer …` or broker `Basic …`).
    pub authorization: Option<&'a str>,
}

/// Checks a request's credentials: none at all is 401; with configured credentials, anything
/// but them is 403 (a token or Basic header cannot match a configured key pair).
pub fn authorize(auth: RequestAuth<'_>, configured: Option<&Credentials>) -> Result<(), RestError> {
    let pair = match (auth.key_id, auth.secret) {
        (Some(k), Some(s)) if !k.is_empty() && !s.is_empty() => Some((k, s)),
        _ => None,
    };
    let token = auth.authorization.filter(|a| {
        a.len() > "Basic ".len() && (a.starts_with("Bearer ") || a.starts_with("Basic "))
    });
    match (pair, token, configured) {
        (None, None, _) => Err(RestError::unauthorized()),
        (_, _, None) => Ok(()),
        (Some((k, s)), _, Some(c)) if k == c.key && s == c.secret => Ok(()),
        _ => Err(RestError::forbidden()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_sandbox_and_configured() {
        let none = RequestAuth::default();
        let pair = RequestAuth {
            key_id: Some("PK"),
            secret: Some("s"),
            authorization: None,
        };
        let bearer = RequestAuth {
            authorization: Some("Bearer tok"),
            ..RequestAuth::default()
        };
        let configured = Credentials {
            key: "PK".into(),
            secret: "s".into(),
        };
        let wrong = Credentials {
            key: "PK".into(),
            secret: "other".into(),
        };
        assert_eq!(authorize(none, None).unwrap_err().status, 401);
        assert_eq!(authorize(none, Some(&configured)).unwrap_err().status, 401);
        assert!(authorize(pair, None).is_ok());
        assert!(authorize(bearer, None).is_ok());
        assert!(authorize(pair, Some(&configured)).is_ok());
        assert_eq!(authorize(pair, Some(&wrong)).unwrap_err().status, 403);
        assert_eq!(
            authorize(bearer, Some(&configured)).unwrap_err().status,
            403
        );
        let empty = RequestAuth {
            key_id: Some(""),
            secret: Some("s"),
            authorization: None,
        };
        assert_eq!(authorize(empty, None).unwrap_err().status, 401);
    }
}
