//! Time budgets above the file: an archive's members and a bundle's files share one clock each.
//!
//! Without them each file restarts the clock, so forty copies of a slow PDF in one zip take forty
//! times the per-file limit and a bundle of them stalls the night. A file is given the least of
//! its own limit and what its enclosing archive and bundle have left ([`Deadlines::for_next`]);
//! the reader's clock ([`super::ReadContext::check_time`]) and a worker's kill deadline then
//! enforce that, and the message names the limit that ran out. A file whose archive or bundle has
//! nothing left is not started: it gets `limit_exceeded` saying so.
//!
//! The rules and the index have no clock of their own: their work is linear in passages, and a
//! bundle's passages are capped ([`super::Limits::max_bundle_passages`]), which bounds them.

use super::ReadError;
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// Whose time limit a file is read against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeScope {
    /// The file's own (`--max-file-seconds`).
    #[default]
    File,
    /// The archive it is in (`--max-archive-seconds`).
    Archive,
    /// The bundle it is in (`--max-bundle-seconds`).
    Bundle,
}

/// The time one file may take and whose limit that is; sent to a worker with the file.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TimeBudget {
    /// Wall time the file may take.
    pub time: Duration,
    /// Whose limit `time` is.
    pub scope: TimeScope,
    /// That limit in full (for the message: "the bundle's 600 s limit").
    pub limit: Duration,
}

impl TimeBudget {
    /// A file's own limit.
    pub fn file(limit: Duration) -> TimeBudget {
        TimeBudget {
            time: limit,
            scope: TimeScope::File,
            limit,
        }
    }

    /// Why reading stopped when this budget ran out, in Chinese and English.
    pub fn spent_message(&self) -> String {
        let seconds = self.limit.as_secs_f64();
        match self.scope {
            TimeScope::File => format!(
                "读取超时：超过每个文件 {seconds} 秒的时限（--max-file-seconds） (time limit: reading took \
                 longer than the {seconds} s limit per file)"
            ),
            TimeScope::Archive => format!(
                "压缩包读取超时：读取此文件时，压缩包成员文件的 {seconds} 秒总时限（--max-archive-seconds）\
                 已用完 (archive time limit: the {seconds} s limit for one archive's members ran \
                 out while reading this file)"
            ),
            TimeScope::Bundle => format!(
                "申请包读取超时：读取此文件时，整个申请包的 {seconds} 秒时限（--max-bundle-seconds）已用完 \
                 (bundle time limit: the {seconds} s limit for one bundle ran out while reading \
                 this file)"
            ),
        }
    }
}

/// One enclosing clock: an archive's or a bundle's.
#[derive(Debug, Clone, Copy)]
struct Deadline {
    at: Instant,
    scope: TimeScope,
    limit: Duration,
}

/// The clocks enclosing a file, outermost first. Cheap to clone: one per nesting level.
#[derive(Debug, Clone, Default)]
pub struct Deadlines(Vec<Deadline>);

impl Deadlines {
    /// No enclosing clock: every file has its own limit only.
    pub fn none() -> Deadlines {
        Deadlines::default()
    }

    /// These clocks plus one of `scope` starting now and lasting `limit`.
    pub fn starting(&self, scope: TimeScope, limit: Duration) -> Deadlines {
        let mut inner = self.0.clone();
        inner.push(Deadline {
            at: Instant::now() + limit,
            scope,
            limit,
        });
        Deadlines(inner)
    }

    /// The budget of a file starting now whose own limit is `file_limit`: the least of it and
    /// what each enclosing clock has left. `Err(LimitExceeded)` when a clock has nothing left,
    /// so the file is not started.
    pub fn for_next(&self, file_limit: Duration) -> Result<TimeBudget, ReadError> {
        let now = Instant::now();
        let mut budget = TimeBudget::file(file_limit);
        for deadline in &self.0 {
            let left = deadline.at.saturating_duration_since(now);
            if left.is_zero() {
                return Err(ReadError::LimitExceeded(not_started_message(deadline)));
            }
            if left < budget.time {
                budget = TimeBudget {
                    time: left,
                    scope: deadline.scope,
                    limit: deadline.limit,
                };
            }
        }
        Ok(budget)
    }
}

fn not_started_message(deadline: &Deadline) -> String {
    let seconds = deadline.limit.as_secs_f64();
    match deadline.scope {
        TimeScope::Bundle => format!(
            "未读取：轮到此文件前，整个申请包的 {seconds} 秒时限（--max-bundle-seconds）已用完 \
             (bundle time limit: the {seconds} s limit for one bundle was used up before this \
             file was reached)"
        ),
        _ => format!(
            "未读取：轮到此成员文件前，压缩包的 {seconds} 秒时限（--max-archive-seconds）已用完 \
             (archive time limit: the {seconds} s limit for one archive's members was used up \
             before this member was reached)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_gets_the_least_of_its_limit_and_what_is_left() {
        let file = Duration::from_secs(60);
        let bundle = Deadlines::none().starting(TimeScope::Bundle, Duration::from_secs(3600));
        assert_eq!(
            bundle.for_next(file).expect("budget").scope,
            TimeScope::File
        );

        let archive = bundle.starting(TimeScope::Archive, Duration::from_secs(5));
        let budget = archive.for_next(file).expect("budget");
        assert_eq!(budget.scope, TimeScope::Archive);
        assert!(budget.time <= Duration::from_secs(5));
        assert_eq!(budget.limit, Duration::from_secs(5));
        assert!(budget.spent_message().contains("--max-archive-seconds"));
    }

    #[test]
    fn a_spent_clock_starts_no_file() {
        let spent = Deadlines::none().starting(TimeScope::Bundle, Duration::ZERO);
        let err = spent.for_next(Duration::from_secs(60)).expect_err("spent");
        assert!(matches!(&err, ReadError::LimitExceeded(m) if m.contains("--max-bundle-seconds")));
    }
}
