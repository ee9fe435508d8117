//! Trees on histograms, for `hist_gradient_boosting`: each feature is cut
//! once into at most 255 bins (u8 codes) at quantiles of the training rows,
//! and a tree grows leaf by leaf (the leaf whose best split gains most
//! first, up to `max_leaf_nodes`), each split found from per-bin sums of
//! the gradients and hessians. A child's histogram is built from its rows
//! only for the smaller child; the other is its parent's minus it.
//! A missing value (NaN) has a bin of its own, [`MISSING`]; each split
//! tries it on both sides and keeps the better (scikit-learn's rule: with
//! no missing value in the node's rows, it goes to the side with more rows).
//! A categorical feature's bins are its category codes; its splits send a
//! set of categories left, found as LightGBM and scikit-learn find it: the
//! node's categories sorted by their gradient over hessian, and the best
//! cut of that order from either end.

use ndarray::ArrayView2;
use rayon::prelude::*;

use super::tree::{holds, CategorySet, Tree, CATEGORICAL, MISSING_RIGHT};
use crate::control::Control;
use crate::Error;

/// Rows the bin edges are computed from, as scikit-learn subsamples.
const EDGE_SAMPLE: usize = 200_000;
/// A side of a split needs at least this much hessian (scikit-learn's
/// `min_hessian_to_split`).
const MIN_HESSIAN: f64 = 1e-3;

/// The bin of a missing value; the others are below it, as `max_bins` is
/// at most 255.
pub const MISSING: u8 = 255;
/// A category takes part in a node's categorical split with at least this
/// many of its rows (scikit-learn's `MIN_CAT_SUPPORT`); the others go right.
const MIN_CATEGORY_ROWS: f64 = 10.0;
/// Added to a category's hessian sum when the categories are sorted, so
/// that a rare category's ratio does not sort it to an end.
const CATEGORY_SMOOTHING: f64 = 10.0;
/// A categorical split's gain is scored with this much more L2 penalty,
/// and sends at most this many categories left (LightGBM's `cat_l2` and
/// `max_cat_threshold`): a set chosen among many categories fits noise
/// more easily than a threshold. On the 13 tables of
/// `benchmarks/hist_categorical.py`, without them 7 scored lower (one by
/// 0.026), 4 higher (by at most 0.004).
const CATEGORY_L2: f64 = 10.0;
const MAX_CATEGORIES_LEFT: usize = 32;

/// The training rows as bin codes, feature by feature, with each feature's
/// edges: bin b holds the values above `edges[b - 1]` and at most
/// `edges[b]`, the last bin everything above the last edge, and
/// [`MISSING`] the missing values. A categorical feature has no edges: its
/// bin is the category's code.
pub struct Binned {
    pub codes: Vec<Vec<u8>>,
    pub edges: Vec<Vec<f64>>,
    pub categorical: Vec<bool>,
}

impl Binned {
    /// The rows `rows` of `x`, in that order, binned at the quantiles of
    /// (a sample of) them; the columns marked in `categorical` (if any) hold
    /// category codes below 255, each its own bin.
    pub fn new(
        x: ArrayView2<'_, f64>,
        rows: &[usize],
        max_bins: usize,
        categorical: &[bool],
        control: &Control,
    ) -> Result<Binned, Error> {
        let step = rows.len().div_ceil(EDGE_SAMPLE).max(1);
        let categorical: Vec<bool> = (0..x.ncols())
            .map(|j| categorical.get(j).copied().unwrap_or(false))
            .collect();
        let columns: Vec<(Vec<u8>, Vec<f64>)> = (0..x.ncols())
            .into_par_iter()
            .map(|j| {
                control.checkpoint()?;
                let column = x.column(j);
                if categorical[j] {
                    let mut codes = Vec::new();
                    crate::memory::reserve(&mut codes, rows.len())?;
                    codes.extend(rows.iter().map(|&r| category_bin(column[r])));
                    return Ok((codes, Vec::new()));
                }
                let mut sample: Vec<f64> = rows
                    .iter()
                    .step_by(step)
                    .map(|&r| column[r])
                    .filter(|v| !v.is_nan())
                    .collect();
                sample.sort_unstable_by(f64::total_cmp);
                let edges = edges(&sample, max_bins);
                let mut codes = Vec::new();
                crate::memory::reserve(&mut codes, rows.len())?;
                codes.extend(rows.iter().map(|&r| {
                    let v = column[r];
                    if v.is_nan() {
                        MISSING
                    } else {
                        edges.partition_point(|e| *e < v) as u8
                    }
                }));
                Ok((codes, edges))
            })
            .collect::<Result<_, Error>>()?;
        let (codes, edges) = columns.into_iter().unzip();
        Ok(Binned {
            codes,
            edges,
            categorical,
        })
    }

    fn rows(&self) -> usize {
        self.codes.first().map_or(0, Vec::len)
    }
}

/// A category code's bin: itself, and anything else (NaN, which the
/// preprocessing never leaves in a text column) the missing bin, as
/// `Tree::predict_row` reads it.
fn category_bin(v: f64) -> u8 {
    if (0.0..f64::from(MISSING)).contains(&v) && v.fract() == 0.0 {
        v as u8
    } else {
        MISSING
    }
}

/// Midpoints between the distinct values when there are at most
/// `max_bins` of them, else the `max_bins`-quantiles of the sorted sample.
fn edges(sorted: &[f64], max_bins: usize) -> Vec<f64> {
    let mut distinct = sorted.to_vec();
    distinct.dedup();
    if distinct.len() <= max_bins {
        return distinct
            .windows(2)
            .map(|w| w[0] + (w[1] - w[0]) / 2.0)
            .collect();
    }
    let n = sorted.len();
    let mut edges: Vec<f64> = (1..max_bins)
        .map(|b| {
            let at = b as f64 * (n - 1) as f64 / max_bins as f64;
            let (low, high) = (sorted[at.floor() as usize], sorted[at.ceil() as usize]);
            low + (high - low) * at.fract()
        })
        .collect();
    edges.dedup();
    // A quantile equal to the largest value would leave the last bin empty.
    if edges.last() == sorted.last() {
        edges.pop();
    }
    edges
}

/// How a tree grows and what its leaves hold.
#[derive(Clone, Copy)]
pub struct Shape {
    pub max_leaf_nodes: usize,
    pub max_depth: Option<usize>,
    pub min_samples_leaf: usize,
    pub l2_regularization: f64,
    /// Each leaf's value is minus its gradient sum over its hessian sum
    /// (plus the L2 term), times this.
    pub shrinkage: f64,
}

/// Per bin of one feature: the sum of gradients, of hessians, and the row
/// count. Always 256 bins, so that a u8 code indexes it unchecked.
type Histogram = [[f64; 3]; 256];

#[derive(Clone, Copy)]
struct Split {
    gain: f64,
    feature: usize,
    rule: Rule,
}

/// Which rows of a split go left, by their bin.
#[derive(Clone, Copy)]
enum Rule {
    /// Bins up to `bin` go left, the others right; the missing ones go
    /// right when `missing_right`. `bin` may be the feature's last bin,
    /// with the missing values right: those apart from all others.
    Threshold { bin: u8, missing_right: bool },
    /// The categories of the set go left.
    Categories(CategorySet),
}

impl Rule {
    fn goes_left(&self, code: u8) -> bool {
        match *self {
            Rule::Threshold { bin, missing_right } => {
                if code == MISSING {
                    !missing_right
                } else {
                    code <= bin
                }
            }
            Rule::Categories(ref set) => holds(set, code as usize),
        }
    }
}

/// A leaf that may be split: its rows are `rows[start..end]`.
struct Leaf {
    node: usize,
    start: usize,
    end: usize,
    depth: usize,
    sums: [f64; 3],
    histograms: Vec<Histogram>,
    split: Option<Split>,
}

/// Grows one tree on the gradients and hessians (`derivatives[row]`) of
/// the rows `rows` (which it reorders) and returns it with each row's leaf
/// value added to `raw`.
pub fn grow(
    binned: &Binned,
    rows: &mut [u32],
    derivatives: &[[f64; 2]],
    shape: &Shape,
    raw: &mut [f64],
    control: &Control,
) -> Result<Tree, Error> {
    let mut nodes: Vec<(u32, f64, u32)> = vec![(0, 0.0, 0)];
    let mut sets: Vec<CategorySet> = Vec::new();
    let histograms = build(binned, rows, derivatives);
    let sums = totals(&histograms);
    let mut leaves = vec![candidate(
        binned,
        shape,
        0,
        0,
        rows.len(),
        0,
        sums,
        histograms,
    )];
    while leaves.len() < shape.max_leaf_nodes {
        control.checkpoint()?;
        let Some(best) = (0..leaves.len())
            .filter(|&i| leaves[i].split.is_some())
            .max_by(|&a, &b| {
                gain(&leaves[a])
                    .total_cmp(&gain(&leaves[b]))
                    .then(b.cmp(&a))
            })
        else {
            break;
        };
        let leaf = leaves.swap_remove(best);
        let split = leaf.split.expect("filtered on a split");
        let codes = &binned.codes[split.feature];
        let kept = leaf.start + partition(&mut rows[leaf.start..leaf.end], codes, split);
        let left_node = nodes.len();
        let (flag, value) = match split.rule {
            Rule::Threshold { bin, missing_right } => {
                // Past the last edge: every value left, only the missing right.
                let threshold = binned.edges[split.feature]
                    .get(bin as usize)
                    .copied()
                    .unwrap_or(f64::INFINITY);
                let flag = if missing_right { MISSING_RIGHT } else { 0 };
                (flag, threshold)
            }
            Rule::Categories(set) => {
                sets.push(set);
                (CATEGORICAL, (sets.len() - 1) as f64)
            }
        };
        nodes[leaf.node] = (split.feature as u32 | flag, value, left_node as u32);
        nodes.extend([(0, 0.0, 0), (0, 0.0, 0)]);
        let (left_len, right_len) = (kept - leaf.start, leaf.end - kept);
        let small_is_left = left_len <= right_len;
        let small = if small_is_left {
            leaf.start..kept
        } else {
            kept..leaf.end
        };
        let small_hist = build(binned, &rows[small], derivatives);
        let mut large_hist = leaf.histograms;
        for (parent, child) in large_hist.iter_mut().zip(&small_hist) {
            for (p, &c) in parent.iter_mut().zip(child) {
                *p = minus(*p, c);
            }
        }
        let (left_hist, right_hist) = if small_is_left {
            (small_hist, large_hist)
        } else {
            (large_hist, small_hist)
        };
        let depth = leaf.depth + 1;
        for (node, start, end, histograms) in [
            (left_node, leaf.start, kept, left_hist),
            (left_node + 1, kept, leaf.end, right_hist),
        ] {
            let sums = totals(&histograms);
            leaves.push(candidate(
                binned, shape, node, start, end, depth, sums, histograms,
            ));
        }
    }
    for leaf in &leaves {
        let value = -shape.shrinkage * leaf.sums[0] / (leaf.sums[1] + shape.l2_regularization);
        let value = if value.is_finite() { value } else { 0.0 };
        nodes[leaf.node].1 = value;
        for &r in &rows[leaf.start..leaf.end] {
            raw[r as usize] += value;
        }
    }
    Ok(Tree::from_nodes(nodes, sets))
}

/// A node's rows are cut into at most this many blocks of at least
/// `MIN_BLOCK` rows to be partitioned in parallel: a function of the row
/// count alone, so the same whatever the number of threads.
const MAX_BLOCKS: usize = 16;
const MIN_BLOCK: usize = 8192;

/// Stable partition of `rows` by `split`: the left rows first, each side
/// in row order; returns how many went left.
fn partition(rows: &mut [u32], codes: &[u8], split: Split) -> usize {
    let goes_left = |code: u8| split.rule.goes_left(code);
    let size = rows.len().div_ceil(MAX_BLOCKS).max(MIN_BLOCK);
    let sides: Vec<(Vec<u32>, Vec<u32>)> = rows
        .par_chunks(size)
        .map(|block| {
            let (mut left, mut right) = (Vec::with_capacity(block.len()), Vec::new());
            for (i, &r) in block.iter().enumerate() {
                if let Some(&ahead) = block.get(i + PREFETCH_AHEAD) {
                    prefetch(codes, ahead as usize);
                }
                if goes_left(codes[r as usize]) {
                    left.push(r);
                } else {
                    right.push(r);
                }
            }
            (left, right)
        })
        .collect();
    let mut at = 0;
    for side in sides.iter().map(|s| &s.0).chain(sides.iter().map(|s| &s.1)) {
        rows[at..at + side.len()].copy_from_slice(side);
        at += side.len();
    }
    sides.iter().map(|s| s.0.len()).sum()
}

fn gain(leaf: &Leaf) -> f64 {
    leaf.split.as_ref().map_or(f64::NEG_INFINITY, |s| s.gain)
}

fn totals(histograms: &[Histogram]) -> [f64; 3] {
    histograms
        .first()
        .map_or([0.0; 3], |h| h.iter().fold([0.0; 3], |a, &b| plus(a, b)))
}

/// How many rows ahead a pass over a node's rows asks for their codes: a
/// child's rows are scattered over the column, and without the hint each
/// code read waits on memory (the histogram pass took a third longer on
/// the 1,000,000-row benchmark; 16, 32 and 64 ahead measured alike).
const PREFETCH_AHEAD: usize = 32;

#[cfg(target_arch = "x86_64")]
fn prefetch(codes: &[u8], at: usize) {
    use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
    // SAFETY: SSE is part of every x86_64 target, and a prefetch only
    // hints the cache: it never faults or reads into the program, whatever
    // the address.
    unsafe { _mm_prefetch::<_MM_HINT_T0>(codes.as_ptr().wrapping_add(at).cast()) }
}

#[cfg(not(target_arch = "x86_64"))]
fn prefetch(_: &[u8], _: usize) {}

/// Each feature's histogram of `rows`, the features in parallel. A root
/// (every row) streams each column and the derivatives in row order; a
/// child's derivatives are gathered once, in its rows' order, so that each
/// feature's pass reads only its own codes out of order.
fn build(binned: &Binned, rows: &[u32], derivatives: &[[f64; 2]]) -> Vec<Histogram> {
    if rows.len() == binned.rows() {
        return binned
            .codes
            .par_iter()
            .map(|codes| histogram(codes.iter().copied().zip(derivatives.iter().copied())))
            .collect();
    }
    let ordered: Vec<[f64; 2]> = rows.par_iter().map(|&r| derivatives[r as usize]).collect();
    binned
        .codes
        .par_iter()
        .map(|codes| {
            histogram(rows.iter().zip(&ordered).enumerate().map(|(i, (&r, &gh))| {
                if let Some(&ahead) = rows.get(i + PREFETCH_AHEAD) {
                    prefetch(codes, ahead as usize);
                }
                (codes[r as usize], gh)
            }))
        })
        .collect()
}

/// The sums per bin of (code, [gradient, hessian]) pairs.
fn histogram(pairs: impl Iterator<Item = (u8, [f64; 2])>) -> Histogram {
    let mut histogram = [[0.0; 3]; 256];
    for (code, [g, h]) in pairs {
        histogram[code as usize] = plus(histogram[code as usize], [g, h, 1.0]);
    }
    histogram
}

/// Per-bin sums added and taken away, term by term.
fn plus(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

fn minus(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

/// A leaf with its best split, if one is allowed and gains anything.
#[allow(clippy::too_many_arguments)]
fn candidate(
    binned: &Binned,
    shape: &Shape,
    node: usize,
    start: usize,
    end: usize,
    depth: usize,
    sums: [f64; 3],
    histograms: Vec<Histogram>,
) -> Leaf {
    let splittable =
        end - start >= 2 * shape.min_samples_leaf && shape.max_depth.is_none_or(|d| depth < d);
    let split = splittable
        .then(|| best_split(binned, shape, sums, &histograms))
        .flatten();
    Leaf {
        node,
        start,
        end,
        depth,
        sums,
        histograms,
        split,
    }
}

/// What a split needs and how it scores its two sides.
struct Scoring {
    parent: f64,
    lambda: f64,
    min_rows: f64,
}

impl Scoring {
    /// The gain of parting the node's rows into `left` and `right` (sums
    /// of gradient, hessian, rows), as XGBoost and scikit-learn score it;
    /// `None` when a side is too small.
    fn gain(&self, left: [f64; 3], right: [f64; 3]) -> Option<f64> {
        let allowed = left[2] >= self.min_rows
            && right[2] >= self.min_rows
            && left[1] >= MIN_HESSIAN
            && right[1] >= MIN_HESSIAN;
        let score = |s: [f64; 3]| s[0] * s[0] / (s[1] + self.lambda);
        allowed.then(|| score(left) + score(right) - self.parent)
    }
}

/// The split of the largest gain over every feature (the first on ties).
fn best_split(
    binned: &Binned,
    shape: &Shape,
    sums: [f64; 3],
    histograms: &[Histogram],
) -> Option<Split> {
    let scoring = Scoring {
        parent: sums[0] * sums[0] / (sums[1] + shape.l2_regularization),
        lambda: shape.l2_regularization,
        min_rows: shape.min_samples_leaf as f64,
    };
    let mut best: Option<Split> = None;
    for (feature, histogram) in histograms.iter().enumerate() {
        let found = if binned.categorical[feature] {
            categories_split(&scoring, sums, histogram)
        } else {
            threshold_split(&scoring, sums, histogram, binned.edges[feature].len())
        };
        if let Some((gain, rule)) = found {
            if gain > 1e-12 && best.as_ref().is_none_or(|s| gain > s.gain) {
                best = Some(Split {
                    gain,
                    feature,
                    rule,
                });
            }
        }
    }
    best
}

/// A numeric feature's best bin boundary (`last` is its last bin), the
/// missing values tried left, then right.
fn threshold_split(
    scoring: &Scoring,
    sums: [f64; 3],
    histogram: &Histogram,
    last: usize,
) -> Option<(f64, Rule)> {
    let missing = histogram[MISSING as usize];
    let present = minus(sums, missing);
    let mut below = [0.0; 3];
    let mut best: Option<(f64, Rule)> = None;
    for (bin, &b) in histogram[..=last].iter().enumerate() {
        below = plus(below, b);
        let above = minus(present, below);
        let sides = if missing[2] > 0.0 {
            [
                // The last bin left and the missing left sends nothing right.
                (bin < last).then(|| (plus(below, missing), above, false)),
                Some((below, plus(above, missing), true)),
            ]
        } else {
            // Unseen here: a missing value follows the larger side.
            let right = above[2] > below[2];
            [(bin < last).then_some((below, above, right)), None]
        };
        for (left, right, missing_right) in sides.into_iter().flatten() {
            if let Some(gain) = scoring.gain(left, right) {
                if best.as_ref().is_none_or(|b| gain > b.0) {
                    let bin = bin as u8;
                    best = Some((gain, Rule::Threshold { bin, missing_right }));
                }
            }
        }
    }
    best
}

/// A categorical feature's best set: its categories with enough rows in
/// the node, sorted by gradient over (smoothed) hessian, cut after each of
/// the first half (at most [`MAX_CATEGORIES_LEFT`]) from either end, that
/// end's categories going left. The others, and a category unseen in
/// training, go right.
fn categories_split(
    scoring: &Scoring,
    sums: [f64; 3],
    histogram: &Histogram,
) -> Option<(f64, Rule)> {
    let mut used: Vec<(f64, usize)> = histogram
        .iter()
        .enumerate()
        .filter(|(_, b)| b[2] >= MIN_CATEGORY_ROWS)
        .map(|(code, b)| (b[0] / (b[1] + CATEGORY_SMOOTHING), code))
        .collect();
    if used.len() < 2 {
        return None;
    }
    used.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let lambda = scoring.lambda + CATEGORY_L2;
    let scoring = &Scoring {
        parent: sums[0] * sums[0] / (sums[1] + lambda),
        lambda,
        ..*scoring
    };
    // The i-th category from the lowest ratio, or from the highest.
    let nth = |from_top: bool, i: usize| used[if from_top { used.len() - 1 - i } else { i }].1;
    let mut best: Option<(f64, bool, usize)> = None;
    for from_top in [false, true] {
        let mut left = [0.0; 3];
        for i in 0..used.len().div_ceil(2).min(MAX_CATEGORIES_LEFT) {
            left = plus(left, histogram[nth(from_top, i)]);
            if let Some(gain) = scoring.gain(left, minus(sums, left)) {
                if best.is_none_or(|b| gain > b.0) {
                    best = Some((gain, from_top, i + 1));
                }
            }
        }
    }
    let (gain, from_top, count) = best?;
    let mut set: CategorySet = [0; 4];
    for code in (0..count).map(|i| nth(from_top, i)) {
        set[code / 64] |= 1 << (code % 64);
    }
    Some((gain, Rule::Categories(set)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_cut_distinct_values_at_midpoints_and_many_at_quantiles() {
        assert_eq!(edges(&[1.0, 1.0, 2.0, 4.0], 255), vec![1.5, 3.0]);
        let many: Vec<f64> = (0..1000).map(f64::from).collect();
        let cut = edges(&many, 4);
        assert_eq!(cut.len(), 3);
        assert!((cut[1] - 499.5).abs() < 1e-9, "{cut:?}");
        assert!(edges(&[7.0; 10], 255).is_empty());
    }

    /// One split on the gradients of squared error from zero (targets
    /// `y`): each row's leaf value, which should be its target, and the tree.
    fn one_split(x: &ndarray::Array2<f64>, y: &[f64], categorical: &[bool]) -> (Vec<f64>, Tree) {
        let n = y.len();
        let all: Vec<usize> = (0..n).collect();
        let binned = Binned::new(x.view(), &all, 255, categorical, &Control::new()).unwrap();
        let mut rows: Vec<u32> = (0..n as u32).collect();
        let derivatives: Vec<[f64; 2]> = y.iter().map(|v| [-v, 1.0]).collect();
        let shape = Shape {
            max_leaf_nodes: 2,
            max_depth: None,
            min_samples_leaf: 20,
            l2_regularization: 0.0,
            shrinkage: 1.0,
        };
        let mut raw = vec![0.0; n];
        let control = Control::new();
        let tree = grow(&binned, &mut rows, &derivatives, &shape, &mut raw, &control).unwrap();
        tree.check(x.ncols(), f64::is_finite).unwrap();
        (raw, tree)
    }

    /// A tree on the gradients of squared error from zero predicts the
    /// mean of each leaf's targets, the two halves of a step here.
    #[test]
    fn a_tree_finds_a_step() {
        let x = ndarray::Array2::from_shape_fn((200, 2), |(r, c)| ((r * 7 + c * 3) % 200) as f64);
        let y: Vec<f64> = (0..200)
            .map(|r| if x[(r, 1)] < 100.0 { -1.0 } else { 1.0 })
            .collect();
        let (raw, tree) = one_split(&x, &y, &[]);
        assert_eq!(raw, y);
        assert_eq!(tree.predict(x.view()), y);
    }

    /// A categorical feature's split gathers the categories of one kind
    /// on one side, in whatever order their codes come; a numeric split on
    /// the same codes needs more than one cut.
    #[test]
    fn a_categorical_split_finds_a_set_of_categories() {
        let high = [1, 4, 5];
        let x = ndarray::Array2::from_shape_fn((240, 1), |(r, _)| (r % 8) as f64);
        let y: Vec<f64> = (0..240)
            .map(|r| if high.contains(&(r % 8)) { 1.0 } else { -1.0 })
            .collect();
        let (raw, tree) = one_split(&x, &y, &[true]);
        assert_eq!(raw, y);
        assert_eq!(tree.predict(x.view()), y);
        assert_eq!(tree.sets().len(), 1);
        // Unseen codes and what is no code go right, with the larger side.
        let right = tree.predict_row(|_| 0.0);
        for v in [8.0, 254.0, 0.5, f64::NAN] {
            assert_eq!(tree.predict_row(|_| v), right, "{v}");
        }
        let (numeric, _) = one_split(&x, &y, &[false]);
        assert_ne!(numeric, y);
    }

    /// Missing values have a bin of their own and the split learns their
    /// side: here they are the rows whose target differs.
    #[test]
    fn missing_values_go_to_the_side_a_split_learns() {
        let x =
            ndarray::Array2::from_shape_fn(
                (200, 1),
                |(r, _)| {
                    if r % 4 == 0 {
                        f64::NAN
                    } else {
                        r as f64
                    }
                },
            );
        let y: Vec<f64> = (0..200)
            .map(|r| if r % 4 == 0 { 1.0 } else { -1.0 })
            .collect();
        let all: Vec<usize> = (0..200).collect();
        let binned = Binned::new(x.view(), &all, 255, &[], &Control::new()).unwrap();
        assert_eq!(binned.codes[0][0], MISSING);
        let (raw, tree) = one_split(&x, &y, &[]);
        assert_eq!(raw, y);
        assert_eq!(tree.predict(x.view()), y);
    }
}
