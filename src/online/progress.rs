//! A progress line on stderr for a person watching a terminal: after a second of work,
//! `N of M keys checked`, redrawn as pieces finish and wiped at the end. Work that is done
//! within the second shows nothing.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

pub struct Progress {
    done: Arc<AtomicUsize>,
    line: Option<JoinHandle<()>>,
}

impl Progress {
    /// Counts `total` pieces of work; `what` follows the count (`keys checked`). With `shown`
    /// false it only counts. Call inside the runtime.
    pub fn start(total: usize, what: &'static str, shown: bool) -> Self {
        let done = Arc::new(AtomicUsize::new(0));
        let line = shown.then(|| tokio::spawn(show(done.clone(), total, what)));
        Progress { done, line }
    }

    /// What a piece of work increments when it is done.
    pub fn counter(&self) -> Arc<AtomicUsize> {
        self.done.clone()
    }

    pub async fn finish(self) {
        let Some(line) = self.line else {
            return;
        };
        line.abort();
        // Aborted on purpose: its JoinError says only that.
        let _ = line.await;
        // Wipe the line, so what follows starts on a clean one; a courtesy on a terminal that
        // nothing depends on.
        let mut stderr = std::io::stderr();
        let _ = write!(stderr, "\r\x1b[2K");
        let _ = stderr.flush();
    }
}

async fn show(done: Arc<AtomicUsize>, total: usize, what: &'static str) {
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut shown = usize::MAX;
    loop {
        let now = done.load(Ordering::Relaxed);
        if now != shown {
            let mut stderr = std::io::stderr();
            // A courtesy on a terminal; the work goes on without it.
            let _ = write!(stderr, "\r\x1b[2K{now} of {total} {what}");
            let _ = stderr.flush();
            shown = now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
