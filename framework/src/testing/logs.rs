//! [`LogBuffer`]: where a test's log subscriber writes, to check the lines.

use std::io;
use std::sync::{Arc, Mutex, PoisonError};

/// A shared, growing buffer of log output: [`install`](Self::install) a
/// subscriber writing here, or give a clone to your own subscriber as its
/// writer (`.with_writer(move || buffer.clone())`), then read what it wrote.
///
/// ```
/// use std::io::Write as _;
/// use framework::testing::LogBuffer;
///
/// let logs = LogBuffer::default();
/// let mut writer = logs.clone();
/// writer.write_all(b"INFO turn handled\nWARN webhook refused\n").unwrap();
/// assert_eq!(logs.lines_with("WARN"), ["WARN webhook refused"]);
/// assert!(logs.text().starts_with("INFO"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl LogBuffer {
    /// Installs a plain-text `tracing_subscriber::fmt` subscriber writing
    /// here for the current thread (a `#[tokio::test]` runs on it); logging
    /// goes here while the guard lives.
    #[must_use = "logs go here only while the guard lives"]
    pub fn install(&self) -> tracing::subscriber::DefaultGuard {
        let writer = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_default(subscriber)
    }

    /// Everything written so far (invalid UTF-8 replaced).
    #[must_use]
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes()).into_owned()
    }

    /// The lines written so far that contain `needle`.
    #[must_use]
    pub fn lines_with(&self, needle: &str) -> Vec<String> {
        self.text()
            .lines()
            .filter(|line| line.contains(needle))
            .map(str::to_owned)
            .collect()
    }

    fn bytes(&self) -> Vec<u8> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
