//! A Polygon REST failure: its status and the JSON body Polygon's SDKs expect.

use serde::Serialize;

/// A failure: status and Polygon's body `{"status":"ERROR","request_id":…,"error":…}`
/// (`NOT_FOUND` and `message` for 404s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestError {
    /// HTTP status.
    pub status: u16,
    /// What was wrong.
    pub message: String,
}

impl RestError {
    /// 400.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: 400,
            message: message.into(),
        }
    }

    /// 401 without a key.
    pub fn no_key() -> Self {
        Self {
            status: 401,
            message: "API Key was not provided".into(),
        }
    }

    /// 401 with a key that is not the configured one.
    pub fn unknown_key() -> Self {
        Self {
            status: 401,
            message: "Unknown API Key".into(),
        }
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self {
            status: 404,
            message: message.into(),
        }
    }

    /// The JSON body for this error and request id.
    pub fn body(&self, request_id: &str) -> String {
        #[derive(Serialize)]
        struct Body<'a> {
            status: &'a str,
            request_id: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            error: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            message: Option<&'a str>,
        }
        let (status, error, message) = if self.status == 404 {
            ("NOT_FOUND", None, Some(self.message.as_str()))
        } else {
            ("ERROR", Some(self.message.as_str()), None)
        };
        serde_json::to_string(&Body {
            status,
            request_id,
            error,
            message,
        })
        .unwrap_or_default()
    }
}
