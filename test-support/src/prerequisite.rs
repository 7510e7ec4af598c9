//! Tests that need what a machine may lack (root, QEMU, network namespaces, the RTL
//! model built with Verilator). Outside CI such a test prints `SKIP` with the reason and
//! passes; under `CI=true` it fails and names what is missing: CI installs everything
//! (`tools/setup.sh`), so a missing prerequisite there is a broken CI, never a pass.

/// Whether this is a CI run (`CI=true`).
pub fn in_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// What to do about a missing prerequisite.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    /// It is there: run the test.
    Run,
    /// Missing outside CI: skip, with this line printed.
    Skip(String),
    /// Missing under CI: fail with this message.
    Fail(String),
}

/// The decision for `test`, which needs `what` (`missing`: why it is not there, if it
/// is not), in CI or not.
pub fn decide(test: &str, what: &str, missing: Option<&str>, ci: bool) -> Decision {
    match missing {
        None => Decision::Run,
        Some(why) if ci => Decision::Fail(format!(
            "{test} needs {what}, which this machine lacks ({why}); under CI=true a missing prerequisite \
             fails the test (tools/setup.sh installs it)"
        )),
        Some(why) => Decision::Skip(format!("SKIP {test}: needs {what} ({why})")),
    }
}

/// `true` when the test must return now (skipped); panics under CI when `missing`.
pub fn skip(test: &str, what: &str, missing: Option<&str>) -> bool {
    match decide(test, what, missing, in_ci()) {
        Decision::Run => false,
        Decision::Skip(line) => {
            // straight to stderr: libtest does not capture it, so the reason shows
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "{line}");
            true
        }
        Decision::Fail(msg) => panic!("{msg}"),
    }
}

/// Whether this process runs as root (network namespaces, /boot's kernel, TAPs).
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(2) == Some("0")))
        .unwrap_or(false)
}

/// The path of `exe` on `PATH`, if it is there.
pub fn in_path(exe: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH")?.to_str()?.split(':').map(|d| std::path::Path::new(d).join(exe)).find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn present_runs_missing_skips_outside_ci_and_fails_in_ci() {
        assert_eq!(decide("t", "root", None, true), Decision::Run);
        assert_eq!(decide("t", "root", None, false), Decision::Run);
        assert_eq!(
            decide("t", "root", Some("uid 1000"), false),
            Decision::Skip("SKIP t: needs root (uid 1000)".into())
        );
        match decide("vfio_vm", "qemu-system-x86_64", Some("not on PATH"), true) {
            Decision::Fail(m) => {
                assert!(m.contains("vfio_vm needs qemu-system-x86_64"), "{m}");
                assert!(m.contains("not on PATH") && m.contains("CI=true"), "{m}");
            }
            d => panic!("{d:?}"),
        }
    }

    #[test]
    #[should_panic(expected = "needs the thing")]
    fn skip_panics_when_ci_is_set() {
        // `skip` reads CI itself; this process's CI may be anything, so force it here
        // through `decide`'s path by calling with CI semantics directly.
        if let Decision::Fail(m) = decide("t", "the thing", Some("absent"), true) {
            panic!("{m}");
        }
    }
}
