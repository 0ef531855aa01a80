//! Building zil's [`PortOptions`] from the keyword arguments of the Python
//! constructors (seconds in Python, milliseconds in zil).

use crate::blocking::timeout_ms;
use pyo3::PyResult;
use zil::{PortOptions, TopicMatch};

/// The sending side's keywords: `sndhwm`, `linger` (s) and
/// `lossless_timeout` (s; `None` never blocks a push).
pub(crate) fn sending(
    sndhwm: i32,
    linger: f64,
    lossless_timeout: Option<f64>,
) -> PyResult<PortOptions> {
    Ok(PortOptions {
        sndhwm,
        linger_ms: timeout_ms(Some(linger))?,
        lossless_timeout_ms: lossless_timeout.map(|t| timeout_ms(Some(t))).transpose()?,
        ..PortOptions::default()
    })
}

/// The receiving side's keywords: `rcvhwm` and `prefix` (match every topic
/// that starts with the port's, like libzmq and the original).
pub(crate) fn receiving(rcvhwm: i32, prefix: bool) -> PortOptions {
    PortOptions {
        rcvhwm,
        topic_match: if prefix {
            TopicMatch::Prefix
        } else {
            TopicMatch::Exact
        },
        ..PortOptions::default()
    }
}
