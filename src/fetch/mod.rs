//! The HTTP client: politeness per host, size and time limits, charset decoding.

pub mod decode;
