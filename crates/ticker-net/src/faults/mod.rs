//! What the two services share for fault injection (`docs/faults.md`).
//!
//! Started with `--faults allow`, both services misbehave on request: the ws-server per
//! connection, the rest-api per request, as the client's `fault_*` parameters say. Off (the
//! default), any such parameter is refused with `400 faults_disabled`, so a production-like
//! run can never be perturbed by a URL. This module holds the pieces both need:
//!
//! * [`FaultMode`], the switch;
//! * [`FaultParams`], a request's `fault_*` parameters (from the query string and, on the
//!   rest-api, the `x-ticker-fault` header), with errors that name the parameter;
//! * seeded draws ([`draw`], [`chance`], [`Span::pick`]) that are pure functions of
//!   (seed, what is decided, index), never of time or of the order connections arrive in: the
//!   same URL gives the same faults at the same ticks (or the same request numbers);
//! * [`Clients`], the bounded, expiring table of client ids (attempts per client);
//! * [`FaultCounts`], the per-kind counters behind each service's `/metrics`;
//! * [`FaultArgs`], the flags both services share, around each one's [`FaultLimits`].

mod args;
mod clients;
mod draw;

use http::StatusCode;

use crate::error::ApiError;
use crate::query::{shorten, Query};

pub use args::{FaultArgs, FaultLimits};
pub use clients::{Clients, FaultCounts};
pub use draw::{chance, draw, fraction, hash, number, Span};

/// Every fault parameter's name starts with this.
pub const PREFIX: &str = "fault_";

/// The request header that may carry fault parameters (rest-api), without their prefix:
/// `x-ticker-fault: status=503&rate=0.5`.
pub const HEADER: &str = "x-ticker-fault";

/// Most characters in a `fault_client` id.
const MAX_CLIENT_ID: usize = 64;

/// Whether a service injects faults at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FaultMode {
    /// Refuse every fault parameter (the default).
    #[default]
    Off,
    /// Inject the faults clients ask for.
    Allow,
}

// By hand rather than derived: derived possible values carry the variants' docs, which would
// switch both binaries' `--help` to its long layout.
impl clap::ValueEnum for FaultMode {
    fn value_variants<'a>() -> &'a [Self] {
        &[Self::Off, Self::Allow]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(match self {
            Self::Off => "off",
            Self::Allow => "allow",
        }))
    }
}

/// 400 `faults_disabled`: a fault parameter reached a service started without `--faults allow`.
pub fn disabled(name: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "faults_disabled",
        format!(
            "`{}`: fault injection is off on this server; start it with --faults allow \
             (TICKER_FAULTS=allow) to inject faults (docs/faults.md)",
            shorten(name)
        ),
    )
}

/// 400 `invalid_fault`: a fault parameter that is unknown, repeated or out of range.
pub fn invalid(name: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_fault",
        format!("`{}`: {message}", shorten(name)),
    )
}

/// A request's fault parameters, by their full `fault_*` names.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FaultParams {
    pairs: Vec<(String, String)>,
}

impl FaultParams {
    /// The `--fault-defaults` query string of either service: only `fault_*` parameters.
    pub fn defaults(text: Option<&str>) -> Result<Self, String> {
        let Some(text) = text else {
            return Ok(Self::default());
        };
        let query =
            Query::parse(Some(text)).map_err(|e| format!("--fault-defaults: {}", e.message))?;
        let params = Self::from_query(&query);
        if params.len() != query.pairs().count() {
            return Err("--fault-defaults: every parameter must be a fault_* parameter".to_owned());
        }
        Ok(params)
    }

    /// The `fault_*` parameters of a query string.
    pub fn from_query(query: &Query) -> Self {
        Self {
            pairs: query
                .pairs()
                .filter(|(k, _)| k.starts_with(PREFIX))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        }
    }

    /// Adds the parameters of an `x-ticker-fault` header: `name=value` pairs without the
    /// prefix, separated by `&` or `;`.
    pub fn add_header(&mut self, value: &str) {
        for part in value
            .split(['&', ';'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            self.pairs
                .push((format!("{PREFIX}{}", k.trim()), v.trim().to_owned()));
        }
    }

    /// Whether no fault was asked for.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// How many parameters were given.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Adds the server-wide `defaults` this request does not set itself.
    pub fn inherit(&mut self, defaults: &FaultParams) {
        for (k, v) in &defaults.pairs {
            if !self.pairs.iter().any(|(own, _)| own == k) {
                self.pairs.push((k.clone(), v.clone()));
            }
        }
    }

    /// The first parameter's name (for the `faults_disabled` error).
    pub fn first_name(&self) -> Option<&str> {
        self.pairs.first().map(|(k, _)| k.as_str())
    }

    /// Refuses names that are not in `known` (a typo must not silently inject nothing).
    pub fn check_known(&self, known: &[&str]) -> Result<(), ApiError> {
        match self
            .pairs
            .iter()
            .find(|(k, _)| !known.contains(&k.as_str()))
        {
            None => Ok(()),
            Some((k, _)) => Err(invalid(
                k,
                format!("no such fault parameter; known: {}", known.join(", ")),
            )),
        }
    }

    /// The value of a parameter given at most once.
    pub fn get(&self, name: &str) -> Result<Option<&str>, ApiError> {
        let mut found = self.pairs.iter().filter(|(k, _)| k == name);
        let first = found.next();
        if found.next().is_some() {
            return Err(invalid(name, "is given more than once"));
        }
        Ok(first.map(|(_, v)| v.as_str()))
    }

    /// `fault_client`, checked: 1 to 64 characters from `A-Z a-z 0-9 . _ : -`.
    pub fn client(&self) -> Result<Option<&str>, ApiError> {
        let name = "fault_client";
        let Some(id) = self.get(name)? else {
            return Ok(None);
        };
        let ok = (1..=MAX_CLIENT_ID).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-_:".contains(&b));
        if !ok {
            return Err(invalid(
                name,
                format!(
                    "{:?} is not 1 to {MAX_CLIENT_ID} characters from A-Z a-z 0-9 . _ : -",
                    shorten(id)
                ),
            ));
        }
        Ok(Some(id))
    }

    /// What identifies "the same client" for counting: the `fault_client` id when given,
    /// otherwise the fault parameters themselves (same parameters, same counter).
    pub fn key(&self) -> Result<u64, ApiError> {
        if let Some(id) = self.client()? {
            return Ok(hash(id));
        }
        let mut sorted: Vec<String> = self.pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        sorted.sort();
        Ok(hash(&sorted.join("&")))
    }

    /// `fault_seed` when given, otherwise one derived from [`FaultParams::key`]: the same URL
    /// always gets the same seed.
    pub fn seed(&self) -> Result<u64, ApiError> {
        match self.get("fault_seed")? {
            Some(v) => number("fault_seed", v, 0..=u64::MAX),
            None => self.key(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_come_from_the_query_and_the_header() {
        let q = Query::parse(Some("symbols=AAPL&fault_drop=0.5&fault_seed=9")).unwrap();
        let mut p = FaultParams::from_query(&q);
        assert_eq!(p.first_name(), Some("fault_drop"));
        p.add_header(" status=503 ; rate=0.5&");
        assert_eq!(p.get("fault_status").unwrap(), Some("503"));
        assert_eq!(p.get("fault_rate").unwrap(), Some("0.5"));
        assert_eq!(p.seed().unwrap(), 9);
        p.check_known(&["fault_drop", "fault_seed", "fault_status", "fault_rate"])
            .unwrap();
        let e = p.check_known(&["fault_drop"]).unwrap_err();
        assert!(e
            .message
            .starts_with("`fault_seed`: no such fault parameter"));
        p.add_header("drop=1");
        assert!(p.get("fault_drop").is_err(), "given twice");
        let mut own = FaultParams::from_query(&Query::parse(Some("fault_a=1")).unwrap());
        own.inherit(&FaultParams::from_query(
            &Query::parse(Some("fault_a=2&fault_b=3")).unwrap(),
        ));
        assert_eq!(own.get("fault_a").unwrap(), Some("1"));
        assert_eq!(own.get("fault_b").unwrap(), Some("3"));
        assert_eq!(own.len(), 2);
        assert!(FaultParams::default().is_empty());
    }

    #[test]
    fn the_same_parameters_get_the_same_seed_in_any_order() {
        let a = FaultParams::from_query(&Query::parse(Some("fault_a=1&fault_b=2")).unwrap());
        let b = FaultParams::from_query(&Query::parse(Some("fault_b=2&fault_a=1")).unwrap());
        let c = FaultParams::from_query(&Query::parse(Some("fault_b=2&fault_a=3")).unwrap());
        assert_eq!(a.seed().unwrap(), b.seed().unwrap());
        assert_ne!(a.seed().unwrap(), c.seed().unwrap());
        let named = FaultParams::from_query(&Query::parse(Some("fault_client=t-1")).unwrap());
        assert_eq!(named.key().unwrap(), hash("t-1"));
        let bad = FaultParams::from_query(&Query::parse(Some("fault_client=a%20b")).unwrap());
        assert_eq!(bad.client().unwrap_err().code, "invalid_fault");
    }
}
