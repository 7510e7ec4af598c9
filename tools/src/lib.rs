//! The commands of `nicctl`, as a library: the binary parses the command line and
//! calls them; tests call them directly (the allocation count of `run`, for one).

#![deny(unsafe_code)]

pub mod bench;
pub mod check;
pub mod config_file;
pub mod device;
pub mod export;
pub mod run;
pub mod serve;
