//! The lock file that keeps two sweeps out of one folder.
//!
//! Checking a sweep folder (new, empty, this sweep to resume, or `--force`) and then writing
//! points into it is two steps: two sweeps started together on one `--out` could both pass the
//! check and interleave their points. [`SweepLock`] makes the folder's owner explicit: the
//! first sweep creates [`LOCK_FILE`] exclusively (`create_new`, atomic on every local file
//! system), writes its pid and start time into it, and removes it when the sweep ends,
//! finished, failed or stopped. A second sweep finds the file and is refused, told whose it is.
//!
//! A sweep that could not remove its lock (killed, or its machine restarted) leaves it behind.
//! It is never taken over or removed silently: a pid can be reused, and the folder may be on a
//! disk another machine writes to, so only the user can tell a stale lock from a live sweep.
//! The refusal says how: wait for that sweep, or delete the file if its process is gone.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::SweepError;
use crate::metrics::sweep::SweepDataError;

/// Whether `dir` holds anything but a lock file (an entry that cannot be read counts as
/// something): a folder a sweep or search may take only with `--force`.
pub fn holds_more_than_lock(dir: &Path) -> std::io::Result<bool> {
    let mut entries = std::fs::read_dir(dir)?;
    Ok(entries.any(|e| !matches!(e, Ok(e) if e.file_name() == LOCK_FILE)))
}

/// The lock file's name inside a sweep (or comparison) folder.
pub const LOCK_FILE: &str = "sweep.lock";

/// The exclusive hold of one sweep folder, taken with [`SweepLock::acquire`]; dropping it
/// removes the lock file.
#[derive(Debug)]
#[must_use = "the folder is unlocked as soon as the lock is dropped"]
pub struct SweepLock {
    path: PathBuf,
}

impl SweepLock {
    /// Takes the lock of the existing folder `dir`: creates `dir/sweep.lock`, holding this
    /// process's id and the time, unless it exists.
    ///
    /// # Errors
    ///
    /// [`SweepError::Locked`] when the file exists (another sweep holds the folder, or one
    /// left its lock behind), with what the file says of its holder; [`SweepDataError::Io`] when it
    /// cannot be created or written.
    pub fn acquire(dir: &Path) -> Result<SweepLock, SweepError> {
        let path = dir.join(LOCK_FILE);
        let mut file = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let holder = std::fs::read_to_string(&path).unwrap_or_default();
                return Err(SweepError::Locked {
                    pid: holder_pid(&holder),
                    started: holder_line(&holder, "started "),
                    lock: path,
                });
            }
            Err(source) => return Err(SweepDataError::Io { path, source }.into()),
        };
        // Ours from here: dropped on any error below, the file goes again.
        let lock = SweepLock { path };
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let text = format!(
            "retrylab: a sweep is writing into this folder; this file goes when it ends\n\
             pid {}\nstarted {} UTC\nunix_time {secs}\n",
            std::process::id(),
            crate::metrics::output::utc_stamp(secs),
        );
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|source| SweepDataError::Io {
                path: lock.path.clone(),
                source,
            })?;
        Ok(lock)
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SweepLock {
    fn drop(&mut self) {
        // Nothing to report to: a lock that could not be removed refuses the next sweep, which
        // names it.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The rest of the first line of `text` that starts with `prefix`, trimmed.
fn holder_line(text: &str, prefix: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .map(|rest| rest.trim().to_owned())
        .filter(|rest| !rest.is_empty())
}

/// The pid a lock file names, if it names one.
fn holder_pid(text: &str) -> Option<u32> {
    holder_line(text, "pid ")?.parse().ok()
}

/// The message of [`SweepError::Locked`].
pub(super) fn locked_message(lock: &Path, pid: Option<u32>, started: Option<&str>) -> String {
    let lock = lock.display();
    let since = started.map_or(String::new(), |s| format!(", started {s}"));
    match pid {
        Some(pid) => format!(
            "{lock} exists: another sweep or comparison (pid {pid}{since}) is writing into \
             this folder. Wait for that sweep to end, or, if process {pid} is gone (killed, or \
             the machine restarted), delete {lock} and run again"
        ),
        None => format!(
            "{lock} exists but names no process (a sweep starting this instant, or a damaged \
             lock{since}): another sweep or comparison may be writing into this folder. Wait for it to end, \
             or, if no sweep is running into this folder, delete {lock} and run again"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_names_its_holder_and_goes_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let lock = SweepLock::acquire(dir.path()).unwrap();
        let text = std::fs::read_to_string(lock.path()).unwrap();
        assert_eq!(holder_pid(&text), Some(std::process::id()));
        assert!(
            holder_line(&text, "started ").unwrap().ends_with(" UTC"),
            "{text}"
        );
        let err = SweepLock::acquire(dir.path()).unwrap_err();
        let SweepError::Locked { pid, .. } = &err else {
            panic!("{err}")
        };
        assert_eq!(*pid, Some(std::process::id()));
        drop(lock);
        assert!(!dir.path().join(LOCK_FILE).exists());
        drop(SweepLock::acquire(dir.path()).unwrap());
    }

    #[test]
    fn a_lock_that_names_nobody_is_still_a_lock() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(LOCK_FILE), "").unwrap();
        let err = SweepLock::acquire(dir.path()).unwrap_err();
        assert!(matches!(err, SweepError::Locked { pid: None, .. }), "{err}");
        assert!(err.to_string().contains("names no process"), "{err}");
        assert!(
            dir.path().join(LOCK_FILE).exists(),
            "never removed silently"
        );
    }
}
