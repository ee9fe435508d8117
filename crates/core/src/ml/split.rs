//! Train/test splits.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::Error;

/// The seed of every random choice (the shuffle split, bootstrap samples,
/// initial weights) when the options give none: the same table and options
/// give the same split and the same model.
pub const DEFAULT_SEED: u64 = 42;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitStrategy {
    /// Rows in a random order (fixed seed), the last `test_size` of them for testing.
    Shuffle,
    /// Rows in table order, the last `test_size` of them for testing (time series).
    Last,
    /// Classification: each class shuffled (same seed) and split in the same
    /// proportion, so that both parts hold the classes as the table does.
    Stratified,
}

impl SplitStrategy {
    pub const NAMES: &'static str = "shuffle, last, stratified";

    pub fn parse(name: &str) -> Result<SplitStrategy, Error> {
        match name {
            "shuffle" => Ok(SplitStrategy::Shuffle),
            "last" => Ok(SplitStrategy::Last),
            "stratified" => Ok(SplitStrategy::Stratified),
            _ => Err(Error::InvalidArgument(format!(
                "unknown split strategy '{name}'; available: {}",
                Self::NAMES
            ))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            SplitStrategy::Shuffle => "shuffle",
            SplitStrategy::Last => "last",
            SplitStrategy::Stratified => "stratified",
        }
    }
}

/// Row indices for training and for testing. The test part has
/// ceil(test_size * rows) rows, as in scikit-learn; both parts must be non-empty.
/// `classes` (each row's class) is needed by the stratified split only.
pub fn split(
    rows: usize,
    test_size: f64,
    strategy: SplitStrategy,
    classes: Option<&[usize]>,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>), Error> {
    let n_test = (test_size * rows as f64).ceil() as usize;
    if n_test == 0 || n_test >= rows {
        return Err(Error::InvalidArgument(format!(
            "test_size {test_size} of {rows} rows leaves {} for training and {n_test} for testing; \
             both need at least one row",
            rows.saturating_sub(n_test)
        )));
    }
    if strategy == SplitStrategy::Stratified {
        let classes = classes.ok_or_else(|| {
            Error::InvalidArgument(
                "split_strategy 'stratified' keeps the classes' proportions, so it is for \
                 classification; use 'shuffle' or 'last'"
                    .into(),
            )
        })?;
        return Ok(stratified(classes, n_test, seed));
    }
    let mut order: Vec<usize> = (0..rows).collect();
    if strategy == SplitStrategy::Shuffle {
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    }
    let test = order.split_off(rows - n_test);
    Ok((order, test))
}

/// Each class's rows shuffled, and `n_test` test rows shared among the
/// classes in proportion to their sizes (largest remainders first), then
/// both parts shuffled so that no class comes in a block.
fn stratified(classes: &[usize], n_test: usize, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n_classes = classes.iter().max().map_or(0, |&c| c + 1);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_classes];
    for (row, &class) in classes.iter().enumerate() {
        members[class].push(row);
    }
    let rows = classes.len() as f64;
    let exact: Vec<f64> = members
        .iter()
        .map(|m| m.len() as f64 * n_test as f64 / rows)
        .collect();
    let mut quota: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
    let mut by_remainder: Vec<usize> = (0..n_classes).collect();
    by_remainder.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor())
            .total_cmp(&(exact[a] - exact[a].floor()))
            .then(a.cmp(&b))
    });
    let mut missing = n_test - quota.iter().sum::<usize>();
    for &class in by_remainder.iter().cycle().take(n_classes * 2) {
        if missing == 0 {
            break;
        }
        if quota[class] < members[class].len() {
            quota[class] += 1;
            missing -= 1;
        }
    }
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for (mut rows, quota) in members.into_iter().zip(quota) {
        rows.shuffle(&mut rng);
        test.extend(rows.drain(rows.len() - quota..));
        train.extend(rows);
    }
    train.shuffle(&mut rng);
    test.shuffle(&mut rng);
    (train, test)
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn shuffle_is_reproducible_and_sizes_follow_scikit_learn() {
        let (train, test) = split(150, 0.25, SplitStrategy::Shuffle, None, DEFAULT_SEED).unwrap();
        assert_eq!((train.len(), test.len()), (112, 38));
        assert_eq!(
            split(150, 0.25, SplitStrategy::Shuffle, None, DEFAULT_SEED)
                .unwrap()
                .1,
            test
        );
        let mut all: Vec<usize> = train.iter().chain(&test).copied().collect();
        all.sort();
        assert_eq!(all, (0..150).collect::<Vec<_>>());
    }

    #[test]
    fn last_takes_the_tail_in_order() {
        let (train, test) = split(10, 0.3, SplitStrategy::Last, None, DEFAULT_SEED).unwrap();
        assert_eq!(train, (0..7).collect::<Vec<_>>());
        assert_eq!(test, vec![7, 8, 9]);
    }

    #[test]
    fn stratified_keeps_each_class_in_proportion() {
        let classes: Vec<usize> = (0..100).map(|i| usize::from(i % 10 == 0)).collect();
        let (train, test) = split(
            100,
            0.25,
            SplitStrategy::Stratified,
            Some(&classes),
            DEFAULT_SEED,
        )
        .unwrap();
        assert_eq!((train.len(), test.len()), (75, 25));
        let ones = |rows: &[usize]| rows.iter().filter(|&&r| classes[r] == 1).count();
        assert_eq!((ones(&train), ones(&test)), (8, 2));
        assert!(split(100, 0.25, SplitStrategy::Stratified, None, DEFAULT_SEED).is_err());
    }

    #[test]
    fn a_split_that_empties_a_side_is_refused() {
        assert!(split(1, 0.5, SplitStrategy::Shuffle, None, DEFAULT_SEED).is_err());
        assert!(split(3, 0.99, SplitStrategy::Shuffle, None, DEFAULT_SEED).is_err());
    }
}
