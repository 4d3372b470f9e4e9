//! The network edge: our own accept loop over hyper (timeouts, a connection cap, accept
//! backoff), client addresses behind proxies, log-safe text.
pub mod logsafe;
mod per_ip;
pub mod rlimit;
pub mod server;
