//! The deadline check of loops whose length the input controls.
//!
//! Reading the clock on every event of a 100 MB part would cost more than the event itself, and
//! never reading it lets a hostile file hang the batch. So readers count the steps of such loops
//! and read the clock every [`CHECK_EVERY`] steps through one [`Clock`]: the interval, and the
//! error a spent time limit gives ([`ReadContext::check_time`]), are decided here for every
//! reader.

use super::{ReadContext, ReadError};

/// Steps between two clock reads.
pub(crate) const CHECK_EVERY: u64 = 4096;

/// Counts the steps of one loop and checks the file's wall time every [`CHECK_EVERY`]-th.
#[derive(Debug)]
pub(crate) struct Clock<'c> {
    ctx: &'c ReadContext,
    steps: u64,
}

impl<'c> Clock<'c> {
    /// A clock over `ctx`'s time limit that has counted no step yet.
    pub(crate) fn new(ctx: &'c ReadContext) -> Clock<'c> {
        Clock { ctx, steps: 0 }
    }

    /// Counts one step; on every [`CHECK_EVERY`]-th, `Err(LimitExceeded)` once the file has
    /// used up its wall time.
    pub(crate) fn tick(&mut self) -> Result<(), ReadError> {
        self.steps += 1;
        if self.steps.is_multiple_of(CHECK_EVERY) {
            self.ctx.check_time()
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Limits;
    use std::time::Duration;

    #[test]
    fn reads_the_clock_only_every_n_steps() {
        let spent = ReadContext::new(Limits {
            max_file_time: Duration::ZERO,
            ..Limits::default()
        });
        std::thread::sleep(Duration::from_millis(2));
        let mut clock = Clock::new(&spent);
        for _ in 1..CHECK_EVERY {
            assert_eq!(clock.tick(), Ok(()));
        }
        assert!(matches!(clock.tick(), Err(ReadError::LimitExceeded(_))));
        assert_eq!(clock.tick(), Ok(()));
    }
}
