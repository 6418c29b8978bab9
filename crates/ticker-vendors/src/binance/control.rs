//! The live control messages of Binance's stream endpoints and their replies:
//!
//! ```text
//! > {"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":1}
//! < {"result":null,"id":1}
//! > {"method":"LIST_SUBSCRIPTIONS","id":"a1b2"}
//! < {"result":["btcusdt@trade"],"id":"a1b2"}
//! > {"method":"SET_PROPERTY","params":["combined",true],"id":5}
//! < {"result":null,"id":5}
//! < {"error":{"code":2,"msg":"Invalid request: …"},"id":6}
//! ```
//!
//! Ids are a 64-bit integer, a string of at most 36 letters, digits, `-` or `_` (the official
//! SDKs send UUIDs and hex strings), or `null`; replies echo them unchanged.

use serde_json::{Map, Value};

use crate::json::{push_int, push_str_lit};

/// The longest string id Binance accepts.
pub const MAX_ID_LEN: usize = 36;

/// A request id, echoed in the reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Id {
    /// An integer id (the JSON number is echoed as written).
    Int(String),
    /// A string id.
    Str(String),
    /// `null`.
    Null,
}

impl Id {
    fn write(&self, out: &mut String) {
        match self {
            Self::Int(digits) => out.push_str(digits),
            Self::Str(s) => push_str_lit(out, s),
            Self::Null => out.push_str("null"),
        }
    }
}

/// A control method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    /// Add streams.
    Subscribe(Vec<String>),
    /// Remove streams.
    Unsubscribe(Vec<String>),
    /// List the current streams.
    ListSubscriptions,
    /// Set `combined`.
    SetCombined(bool),
    /// Read `combined`.
    GetCombined,
}

/// A decoded control message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// What to do.
    pub method: Method,
    /// The id to echo.
    pub id: Id,
}

/// A control error: Binance's code (0 unknown property, 1 bad value type, 2 invalid request,
/// 3 invalid JSON) and message, with the request's id when it was readable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlError {
    /// Binance's code.
    pub code: u8,
    /// Binance's message.
    pub msg: String,
    /// The id, when the request had a valid one.
    pub id: Id,
}

impl ControlError {
    /// Code 2 with `Invalid request: {what}`.
    pub fn invalid(what: &str, id: Id) -> Self {
        Self {
            code: 2,
            msg: format!("Invalid request: {what}"),
            id,
        }
    }

    /// The reply frame `{"error":{"code":…,"msg":"…"},"id":…}`.
    pub fn frame(&self) -> String {
        let mut out = String::with_capacity(self.msg.len() + 40);
        out.push_str("{\"error\":{\"code\":");
        push_int(&mut out, self.code);
        out.push_str(",\"msg\":");
        push_str_lit(&mut out, &self.msg);
        out.push_str("},\"id\":");
        self.id.write(&mut out);
        out.push('}');
        out
    }
}

/// The success reply `{"result":null,"id":…}`.
pub fn ok_frame(id: &Id) -> String {
    result_frame("null", id)
}

/// A reply with a JSON `result`.
pub fn result_frame(result_json: &str, id: &Id) -> String {
    let mut out = String::with_capacity(result_json.len() + 24);
    out.push_str("{\"result\":");
    out.push_str(result_json);
    out.push_str(",\"id\":");
    id.write(&mut out);
    out.push('}');
    out
}

/// The `LIST_SUBSCRIPTIONS` result: the stream names as a JSON array.
pub fn names_json<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::from("[");
    for (i, n) in names.enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_str_lit(&mut out, n);
    }
    out.push(']');
    out
}

fn parse_id(obj: &Map<String, Value>) -> Result<Id, ControlError> {
    let bad = || ControlError::invalid("request ID must be an unsigned integer", Id::Null);
    match obj.get("id") {
        Some(Value::Null) => Ok(Id::Null),
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(Id::Int(n.to_string())),
        Some(Value::String(s))
            if !s.is_empty()
                && s.len() <= MAX_ID_LEN
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Ok(Id::Str(s.clone()))
        }
        _ => Err(bad()),
    }
}

fn stream_list(obj: &Map<String, Value>, id: &Id) -> Result<Vec<String>, ControlError> {
    let Some(Value::Array(items)) = obj.get("params") else {
        return Err(ControlError::invalid(
            "params must be an array of stream names",
            id.clone(),
        ));
    };
    items
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| ControlError::invalid("stream names must be strings", id.clone()))
        })
        .collect()
}

fn property(
    obj: &Map<String, Value>,
    id: &Id,
    with_value: bool,
) -> Result<Option<bool>, ControlError> {
    let params = match obj.get("params") {
        Some(Value::Array(p)) => p.as_slice(),
        _ => &[],
    };
    let name = params
        .first()
        .and_then(Value::as_str)
        .ok_or_else(|| ControlError::invalid("property name must be a string", id.clone()))?;
    if params.len() > 1 + usize::from(with_value) {
        return Err(ControlError::invalid("too many parameters", id.clone()));
    }
    if name != "combined" {
        return Err(ControlError {
            code: 0,
            msg: "Unknown property".to_owned(),
            id: id.clone(),
        });
    }
    if !with_value {
        return Ok(None);
    }
    match params.get(1) {
        Some(Value::Bool(b)) => Ok(Some(*b)),
        _ => Err(ControlError {
            code: 1,
            msg: "Invalid value type: expected Boolean".to_owned(),
            id: id.clone(),
        }),
    }
}

/// Decodes one client text message.
pub fn parse(text: &str) -> Result<Request, ControlError> {
    let value: Value = serde_json::from_str(text).map_err(|e| ControlError {
        code: 3,
        msg: format!("Invalid JSON: {e}"),
        id: Id::Null,
    })?;
    let Value::Object(obj) = value else {
        return Err(ControlError::invalid(
            "expected an object with method, params and id",
            Id::Null,
        ));
    };
    let Some(method) = obj.get("method") else {
        return Err(ControlError::invalid("missing field `method`", Id::Null));
    };
    let id = parse_id(&obj)?;
    let method = match method.as_str() {
        Some("SUBSCRIBE") => Method::Subscribe(stream_list(&obj, &id)?),
        Some("UNSUBSCRIBE") => Method::Unsubscribe(stream_list(&obj, &id)?),
        Some("LIST_SUBSCRIPTIONS") => {
            if obj
                .get("params")
                .is_some_and(|p| p.as_array().is_none_or(|a| !a.is_empty()))
            {
                return Err(ControlError::invalid("too many parameters", id));
            }
            Method::ListSubscriptions
        }
        Some("SET_PROPERTY") => Method::SetCombined(property(&obj, &id, true)?.unwrap_or(false)),
        Some("GET_PROPERTY") => {
            property(&obj, &id, false)?;
            Method::GetCombined
        }
        other => {
            let shown = other.map_or_else(|| method.to_string(), |s| format!("`{s}`"));
            return Err(ControlError::invalid(
                &format!(
                    "unknown variant {shown}, expected one of `SUBSCRIBE`, `UNSUBSCRIBE`, \
                     `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY`"
                ),
                id,
            ));
        }
    };
    Ok(Request { method, id })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_method_with_integer_string_and_null_ids() {
        let r =
            parse(r#"{"method":"SUBSCRIBE","params":["btcusdt@trade","btcusdt@kline_1m"],"id":1}"#)
                .unwrap();
        assert_eq!(
            r.method,
            Method::Subscribe(vec!["btcusdt@trade".into(), "btcusdt@kline_1m".into()])
        );
        assert_eq!(ok_frame(&r.id), r#"{"result":null,"id":1}"#);
        let uuid = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
        let r = parse(&format!(
            r#"{{"method":"UNSUBSCRIBE","params":["btcusdt@trade"],"id":"{uuid}"}}"#
        ))
        .unwrap();
        assert_eq!(r.id, Id::Str(uuid.into()));
        assert_eq!(
            ok_frame(&r.id),
            format!(r#"{{"result":null,"id":"{uuid}"}}"#)
        );
        let r = parse(r#"{"method":"LIST_SUBSCRIPTIONS","id":null}"#).unwrap();
        assert_eq!(
            (r.method, r.id.clone()),
            (Method::ListSubscriptions, Id::Null)
        );
        assert_eq!(
            result_frame(&names_json(["a@trade"].into_iter()), &r.id),
            r#"{"result":["a@trade"],"id":null}"#
        );
        let big = parse(r#"{"method":"LIST_SUBSCRIPTIONS","id":1772465504208123}"#).unwrap();
        assert_eq!(
            ok_frame(&big.id),
            r#"{"result":null,"id":1772465504208123}"#
        );
        assert_eq!(
            parse(r#"{"method":"SET_PROPERTY","params":["combined",true],"id":5}"#)
                .unwrap()
                .method,
            Method::SetCombined(true)
        );
        assert_eq!(
            parse(r#"{"method":"GET_PROPERTY","params":["combined"],"id":2}"#)
                .unwrap()
                .method,
            Method::GetCombined
        );
    }

    #[test]
    fn errors_carry_binances_codes_and_the_id() {
        let err = |t: &str| parse(t).unwrap_err();
        let e = err("{oops");
        assert_eq!(e.code, 3);
        assert!(e.msg.starts_with("Invalid JSON: "), "{}", e.msg);
        assert!(e
            .frame()
            .starts_with(r#"{"error":{"code":3,"msg":"Invalid JSON: "#));
        let e = err(r#"{"params":[],"id":1}"#);
        assert_eq!(
            (e.code, e.msg.as_str()),
            (2, "Invalid request: missing field `method`")
        );
        let e = err(r#"{"method":"SUBSCRIBE","params":[]}"#);
        assert_eq!(
            e.msg,
            "Invalid request: request ID must be an unsigned integer"
        );
        for bad_id in [
            "1.5",
            "\"\"",
            "true",
            "[1]",
            "\"has space\"",
            &format!("\"{}\"", "a".repeat(37)),
        ] {
            let e = err(&format!(
                r#"{{"method":"SUBSCRIBE","params":[],"id":{bad_id}}}"#
            ));
            assert_eq!(e.code, 2, "{bad_id}");
        }
        let e = err(r#"{"method":"SUBSCRIBEE","params":[],"id":7}"#);
        assert!(e
            .msg
            .starts_with("Invalid request: unknown variant `SUBSCRIBEE`, expected one of"));
        assert_eq!(e.id, Id::Int("7".into()));
        assert_eq!(
            e.frame(),
            format!(
                r#"{{"error":{{"code":2,"msg":{}}},"id":7}}"#,
                serde_json::to_string(&e.msg).unwrap()
            )
        );
        let e = err(r#"{"method":"SET_PROPERTY","params":["speed",true],"id":"x"}"#);
        assert_eq!((e.code, e.msg.as_str()), (0, "Unknown property"));
        assert_eq!(
            e.frame(),
            r#"{"error":{"code":0,"msg":"Unknown property"},"id":"x"}"#
        );
        let e = err(r#"{"method":"SET_PROPERTY","params":["combined","yes"],"id":1}"#);
        assert_eq!(
            (e.code, e.msg.as_str()),
            (1, "Invalid value type: expected Boolean")
        );
        let e = err(r#"{"method":"SET_PROPERTY","params":[true],"id":1}"#);
        assert_eq!(e.msg, "Invalid request: property name must be a string");
        let e = err(r#"{"method":"GET_PROPERTY","params":["combined",1],"id":1}"#);
        assert_eq!(e.msg, "Invalid request: too many parameters");
        let e = err(r#"{"method":"LIST_SUBSCRIPTIONS","params":["x"],"id":1}"#);
        assert_eq!(e.msg, "Invalid request: too many parameters");
        let e = err(r#"{"method":"SUBSCRIBE","params":"btcusdt@trade","id":1}"#);
        assert_eq!(e.code, 2);
        let e = err(r#"{"method":"SUBSCRIBE","params":[1],"id":1}"#);
        assert_eq!(e.msg, "Invalid request: stream names must be strings");
        assert_eq!(err("[1,2]").code, 2);
    }
}
