//! The control socket of `nicctl serve`: one JSON request line, one JSON response line,
//! then the server closes the connection.
//!
//! ```text
//! -> {"cmd":"show","what":"sessions"}            (sessions|counters|interfaces|trace|neighbors)
//! <- {"ok":true,"text":"nat44 sessions: 1\n..."}
//! -> {"cmd":"trace_add","count":50}
//! -> {"cmd":"trace_show"}  /  {"cmd":"trace_clear"}
//! -> {"cmd":"load","config":{...the NodeConfig as JSON...}}
//! <- {"ok":false,"error":"..."}
//! ```
//!
//! The socket file is created mode 0600 in a directory of mode 0700, so only root (the
//! owner of `nicctl serve`) can connect.

use node_config::NodeConfig;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

/// Default control socket path.
pub const DEFAULT_SOCKET: &str = "/run/nicctl/nicctl.sock";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ShowWhat {
    /// NAT44 and reflexive ACL sessions.
    Sessions,
    /// Node, drop-reason, interface and table counters.
    Counters,
    /// Interfaces with their Linux devices and traffic counters.
    Interfaces,
    /// The packets traced since `trace add` (same as `trace show`).
    Trace,
    /// Learned neighbors and neighbors being resolved.
    Neighbors,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case")]
pub enum Request {
    Show { what: ShowWhat },
    TraceAdd { count: u32 },
    TraceShow,
    TraceClear,
    Load { config: Box<NodeConfig> },
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Response {
    pub ok: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub error: String,
}

impl Response {
    pub fn text(text: String) -> Self {
        Response { ok: true, text, error: String::new() }
    }
    pub fn error(error: String) -> Self {
        Response { ok: false, text: String::new(), error }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot reach `nicctl serve` at {path}: {source} (is it running? pass --socket)")]
    Connect { path: String, source: std::io::Error },
    #[error("control socket {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("control socket {path}: bad response: {source}")]
    Protocol { path: String, source: serde_json::Error },
    #[error("{0}")]
    Server(String),
}

/// Sends one request and returns the response text.
pub fn call(socket: &Path, req: &Request) -> Result<String, ClientError> {
    let path = socket.display().to_string();
    let io = |source| ClientError::Io { path: path.clone(), source };
    let mut s = UnixStream::connect(socket).map_err(|source| ClientError::Connect { path: path.clone(), source })?;
    s.set_read_timeout(Some(Duration::from_secs(30))).map_err(io)?;
    let mut line = serde_json::to_string(req).expect("requests serialize");
    line.push('\n');
    s.write_all(line.as_bytes()).map_err(io)?;
    let mut resp = String::new();
    BufReader::new(s).read_line(&mut resp).map_err(io)?;
    let r: Response =
        serde_json::from_str(&resp).map_err(|source| ClientError::Protocol { path: path.clone(), source })?;
    if r.ok {
        Ok(r.text)
    } else {
        Err(ClientError::Server(r.error))
    }
}
