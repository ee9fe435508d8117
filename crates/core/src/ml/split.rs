//! Train/test splits.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::Error;

/// The seed of the shuffle split: the same table gives the same split.
pub const SEED: u64 = 42;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitStrategy {
    /// Rows in a random order (fixed seed), the last `test_size` of them for testing.
    Shuffle,
    /// Rows in table order, the last `test_size` of them for testing (time series).
    Last,
}

impl SplitStrategy {
    pub const NAMES: &'static str = "shuffle, last";

    pub fn parse(name: &str) -> Result<SplitStrategy, Error> {
        match name {
            "shuffle" => Ok(SplitStrategy::Shuffle),
            "last" => Ok(SplitStrategy::Last),
            _ => Err(Error::InvalidArgument(format!(
                "unknown split strategy '{name}'; available: {}",
                Self::NAMES
            ))),
        }
    }
}

/// Row indices for training and for testing. The test part has
/// ceil(test_size * rows) rows, as in scikit-learn; both parts must be non-empty.
pub fn split(
    rows: usize,
    test_size: f64,
    strategy: SplitStrategy,
) -> Result<(Vec<usize>, Vec<usize>), Error> {
    let n_test = (test_size * rows as f64).ceil() as usize;
    if n_test == 0 || n_test >= rows {
        return Err(Error::InvalidArgument(format!(
            "test_size {test_size} of {rows} rows leaves {} for training and {n_test} for testing; \
             both need at least one row",
            rows.saturating_sub(n_test)
        )));
    }
    let mut order: Vec<usize> = (0..rows).collect();
    if strategy == SplitStrategy::Shuffle {
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(SEED));
    }
    let test = order.split_off(rows - n_test);
    Ok((order, test))
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn shuffle_is_reproducible_and_sizes_follow_scikit_learn() {
        let (train, test) = split(150, 0.25, SplitStrategy::Shuffle).unwrap();
        assert_eq!((train.len(), test.len()), (112, 38));
        assert_eq!(split(150, 0.25, SplitStrategy::Shuffle).unwrap().1, test);
        let mut all: Vec<usize> = train.iter().chain(&test).copied().collect();
        all.sort();
        assert_eq!(all, (0..150).collect::<Vec<_>>());
    }

    #[test]
    fn last_takes_the_tail_in_order() {
        let (train, test) = split(10, 0.3, SplitStrategy::Last).unwrap();
        assert_eq!(train, (0..7).collect::<Vec<_>>());
        assert_eq!(test, vec![7, 8, 9]);
    }

    #[test]
    fn a_split_that_empties_a_side_is_refused() {
        assert!(split(1, 0.5, SplitStrategy::Shuffle).is_err());
        assert!(split(3, 0.99, SplitStrategy::Shuffle).is_err());
    }
}
