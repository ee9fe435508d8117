//! Stopping long work when the connection is interrupted, and telling how
//! far it got.
//!
//! The work (a fit on the pool's threads) reaches [`Control::checkpoint`]
//! often, which reads one flag. Only the calling thread may touch the
//! connection, so it is the one that asks SQLite whether the call should
//! stop: while the work runs, it runs a probe statement every
//! [`PROBE_INTERVAL`] (see [`Watch`]) and raises the flag when the probe
//! fails. The same probe hands the progress to the host.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::{Db, Error, Value};

/// How often the calling thread asks the connection whether to stop: well
/// under the second an interrupt may take to be obeyed.
pub const PROBE_INTERVAL: Duration = Duration::from_millis(50);

/// A function the host may define on the connection, (phase, done, total):
/// the probe calls it, so that progress reaches any host, and an error it
/// raises (Python's KeyboardInterrupt, say) stops the call.
pub const PROGRESS_FUNCTION: &str = "sqml_progress";

/// The probe, some 2,200 virtual-machine steps. On an interrupted
/// connection (`sqlite3_interrupt`: the shell's Ctrl-C, Python's
/// `conn.interrupt()`) any statement fails with SQLITE_INTERRUPT, which is
/// how the interrupt is seen on SQLite 3.34 to 3.40, which have no
/// `sqlite3_is_interrupted`. A host that limits time with a progress
/// handler (Datasette's `sql_time_limit_ms` calls its handler every 1,000
/// steps) gets its handler called by those steps, and its "stop" fails the
/// probe the same way.
const PROBE_SQL: &str = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n \
                         WHERE i < 128) SELECT count(*) FROM n";

/// What long work is doing, as the progress reports name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Phase {
    Reading = 0,
    Preprocessing = 1,
    Fitting = 2,
    Searching = 3,
    Scoring = 4,
    Writing = 5,
    Predicting = 6,
}

impl Phase {
    const ALL: [Phase; 7] = [
        Phase::Reading,
        Phase::Preprocessing,
        Phase::Fitting,
        Phase::Searching,
        Phase::Scoring,
        Phase::Writing,
        Phase::Predicting,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Phase::Reading => "reading",
            Phase::Preprocessing => "preprocessing",
            Phase::Fitting => "fitting",
            Phase::Searching => "searching",
            Phase::Scoring => "scoring",
            Phase::Writing => "writing",
            Phase::Predicting => "predicting",
        }
    }
}

/// How far the work got: the phase, the units done in it and, where known,
/// how many there are (rows read, trees grown, rounds, epochs, fits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub phase: Phase,
    pub done: u64,
    pub total: Option<u64>,
}

struct Shared {
    stopped: AtomicBool,
    phase: AtomicU8,
    done: AtomicU64,
    /// `u64::MAX` for unknown.
    total: AtomicU64,
}

/// The handle long work receives: it answers "stop?" and counts progress.
/// Clones share one flag and one count.
#[derive(Clone)]
pub struct Control {
    shared: Arc<Shared>,
    /// A muted handle stops like the others but reports nothing: the fits
    /// of a search count as one each, not with their own trees.
    reports: bool,
}

impl Default for Control {
    fn default() -> Self {
        Control::new()
    }
}

impl Control {
    pub fn new() -> Control {
        Control {
            shared: Arc::new(Shared {
                stopped: AtomicBool::new(false),
                phase: AtomicU8::new(Phase::Reading as u8),
                done: AtomicU64::new(0),
                total: AtomicU64::new(u64::MAX),
            }),
            reports: true,
        }
    }

    /// The same handle, reporting nothing.
    pub fn muted(&self) -> Control {
        Control {
            shared: Arc::clone(&self.shared),
            reports: false,
        }
    }

    /// An error once the call has been told to stop.
    #[inline]
    pub fn checkpoint(&self) -> Result<(), Error> {
        if self.shared.stopped.load(Ordering::Relaxed) {
            Err(Error::Interrupted(String::new()))
        } else {
            Ok(())
        }
    }

    /// Tells every holder of the handle to stop at its next checkpoint.
    pub fn stop(&self) {
        self.shared.stopped.store(true, Ordering::Relaxed);
    }

    /// Starts a phase of `total` units (None: not known).
    pub fn begin(&self, phase: Phase, total: Option<u64>) {
        if self.reports {
            self.shared.phase.store(phase as u8, Ordering::Relaxed);
            self.shared.done.store(0, Ordering::Relaxed);
            self.shared
                .total
                .store(total.unwrap_or(u64::MAX), Ordering::Relaxed);
        }
    }

    /// Counts `units` done, then checks whether to stop.
    #[inline]
    pub fn advance(&self, units: u64) -> Result<(), Error> {
        if self.reports {
            self.shared.done.fetch_add(units, Ordering::Relaxed);
        }
        self.checkpoint()
    }

    pub fn progress(&self) -> Progress {
        let phase = self.shared.phase.load(Ordering::Relaxed);
        let total = self.shared.total.load(Ordering::Relaxed);
        Progress {
            phase: Phase::ALL[usize::from(phase).min(Phase::ALL.len() - 1)],
            done: self.shared.done.load(Ordering::Relaxed),
            total: (total != u64::MAX).then_some(total),
        }
    }
}

/// The calling thread's side of a call: the handle its work receives, and
/// the probe it runs on the connection.
pub struct Watch {
    pub control: Control,
    /// The host defined [`PROGRESS_FUNCTION`] on this connection.
    sink: bool,
    last_probe: Instant,
}

impl Watch {
    /// Starts watching a call, asking once whether the host takes progress.
    pub fn start(db: &mut dyn Db) -> Watch {
        let probe = format!("SELECT {PROGRESS_FUNCTION}(NULL, NULL, NULL) WHERE 0");
        let sink = db.query(&probe, &[], &mut |_| Ok(())).is_ok();
        Watch {
            control: Control::new(),
            sink,
            last_probe: Instant::now(),
        }
    }

    /// Starts a phase on the handle (see [`Control::begin`]).
    pub fn begin(
        &mut self,
        db: &mut dyn Db,
        phase: Phase,
        total: Option<u64>,
    ) -> Result<(), Error> {
        self.control.begin(phase, total);
        self.probe(db)
    }

    /// Probes when the last probe is [`PROBE_INTERVAL`] old: cheap enough
    /// to call for every row the calling thread reads.
    #[inline]
    pub fn poll(&mut self, db: &mut dyn Db) -> Result<(), Error> {
        if self.last_probe.elapsed() >= PROBE_INTERVAL {
            self.probe(db)?;
        }
        Ok(())
    }

    /// Asks the connection whether to stop, and hands it the progress. A
    /// failed probe stops the work and says why.
    pub fn probe(&mut self, db: &mut dyn Db) -> Result<(), Error> {
        self.last_probe = Instant::now();
        if let Err(err) = self.run_probe(db) {
            self.control.stop();
            return Err(match err {
                Error::Interrupted(why) => Error::Interrupted(why),
                other => Error::Interrupted(interrupted_because(&other)),
            });
        }
        self.control.checkpoint()
    }

    fn run_probe(&mut self, db: &mut dyn Db) -> Result<(), Error> {
        db.query(PROBE_SQL, &[], &mut |_| Ok(()))?;
        if self.sink {
            let progress = self.control.progress();
            let total = progress
                .total
                .map_or(Value::Null, |t| Value::Integer(t as i64));
            let answer = crate::port::query_scalar(
                db,
                &format!("SELECT {PROGRESS_FUNCTION}(?1, ?2, ?3)"),
                &[
                    Value::from(progress.phase.name()),
                    Value::Integer(progress.done as i64),
                    total,
                ],
            )?;
            // NULL or 0: go on; anything else stops, text saying why.
            match answer {
                Value::Null | Value::Integer(0) => {}
                Value::Text(why) => return Err(Error::Interrupted(why)),
                _ => return Err(Error::Interrupted(format!("{PROGRESS_FUNCTION} said stop"))),
            }
        }
        Ok(())
    }

    /// Runs `work` on a thread of its own (it must not touch the
    /// connection), probing the connection from this thread meanwhile; the
    /// host's locks are let go while this thread waits. On an interrupt the
    /// work is told to stop, and this returns once it has: no thread of the
    /// call works on after it.
    pub fn run<T: Send>(
        &mut self,
        db: &mut dyn Db,
        work: impl FnOnce(&Control) -> Result<T, Error> + Send,
    ) -> Result<T, Error> {
        let control = self.control.clone();
        std::thread::scope(|scope| {
            let (sender, receiver) = mpsc::channel();
            let worker = scope.spawn(move || {
                let result = crate::threads::install(|| work(&control)).and_then(|r| r);
                // The receiver waits until this is sent or the thread ends.
                let _ = sender.send(result);
            });
            let mut receiver = receiver;
            let mut interrupted: Option<Error> = None;
            loop {
                let mut received = Err(RecvTimeoutError::Timeout);
                // By `&mut`: a receiver is Send but not Sync.
                let (out, from) = (&mut received, &mut receiver);
                db.unlocked(&mut move || *out = from.recv_timeout(PROBE_INTERVAL));
                match received {
                    Ok(result) => {
                        return match (interrupted, result) {
                            (Some(why), _) => Err(why),
                            (None, result) => result,
                        };
                    }
                    Err(RecvTimeoutError::Timeout) => {
                        if interrupted.is_none() {
                            if let Err(why) = self.probe(db) {
                                interrupted = Some(why);
                            }
                        }
                    }
                    // The work panicked: joining hands the panic on to this
                    // thread, where `call` turns it into an error.
                    Err(RecvTimeoutError::Disconnected) => {
                        if let Err(payload) = worker.join() {
                            std::panic::resume_unwind(payload);
                        }
                        return Err(Error::Estimator("the work ended without a result".into()));
                    }
                }
            }
        })
    }
}

/// Why a probe failed, as the call's error says it: nothing more when
/// SQLite said "interrupted" (or Python raised a bare KeyboardInterrupt
/// while the probe ran), else what stopped it (an error raised by the
/// host's progress function, say).
fn interrupted_because(err: &Error) -> String {
    let text = err.to_string();
    if text.is_empty() || text.contains("interrupted") {
        String::new()
    } else {
        text
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn a_muted_handle_stops_with_the_others_and_counts_nothing() {
        let control = Control::new();
        control.begin(Phase::Fitting, Some(10));
        let muted = control.muted();
        muted.begin(Phase::Scoring, None);
        muted.advance(5).unwrap();
        control.advance(2).unwrap();
        assert_eq!(
            control.progress(),
            Progress {
                phase: Phase::Fitting,
                done: 2,
                total: Some(10)
            }
        );
        control.stop();
        assert!(matches!(muted.checkpoint(), Err(Error::Interrupted(_))));
        assert!(control.advance(1).is_err());
    }
}
