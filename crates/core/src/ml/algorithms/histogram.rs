//! Trees on histograms, for `hist_gradient_boosting`: each feature is cut
//! once into at most 255 bins (u8 codes) at quantiles of the training rows,
//! and a tree grows leaf by leaf (the leaf whose best split gains most
//! first, up to `max_leaf_nodes`), each split found from per-bin sums of
//! the gradients and hessians. A child's histogram is built from its rows
//! only for the smaller child; the other is its parent's minus it.

use ndarray::ArrayView2;
use rayon::prelude::*;

use super::tree::Tree;
use crate::control::Control;
use crate::Error;

/// Rows the bin edges are computed from, as scikit-learn subsamples.
const EDGE_SAMPLE: usize = 200_000;
/// A side of a split needs at least this much hessian (scikit-learn's
/// `min_hessian_to_split`).
const MIN_HESSIAN: f64 = 1e-3;

/// The training rows as bin codes, feature by feature, with each feature's
/// edges: bin b holds the values above `edges[b - 1]` and at most
/// `edges[b]`, the last bin everything above the last edge.
pub struct Binned {
    pub codes: Vec<Vec<u8>>,
    pub edges: Vec<Vec<f64>>,
}

impl Binned {
    pub fn new(
        x: ArrayView2<'_, f64>,
        max_bins: usize,
        control: &Control,
    ) -> Result<Binned, Error> {
        let rows = x.nrows();
        let step = rows.div_ceil(EDGE_SAMPLE).max(1);
        let columns: Vec<(Vec<u8>, Vec<f64>)> = (0..x.ncols())
            .into_par_iter()
            .map(|j| {
                control.checkpoint()?;
                let column = x.column(j);
                let mut sample: Vec<f64> = column.iter().step_by(step).copied().collect();
                sample.sort_unstable_by(f64::total_cmp);
                let edges = edges(&sample, max_bins);
                let mut codes = Vec::new();
                crate::memory::reserve(&mut codes, rows)?;
                codes.extend(
                    column
                        .iter()
                        .map(|v| edges.partition_point(|e| e < v) as u8),
                );
                Ok((codes, edges))
            })
            .collect::<Result<_, Error>>()?;
        let (codes, edges) = columns.into_iter().unzip();
        Ok(Binned { codes, edges })
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

/// Per bin: the sum of gradients, of hessians, and the row count.
type Histogram = Vec<[f64; 3]>;

struct Split {
    gain: f64,
    feature: usize,
    bin: u8,
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

/// Grows one tree on the gradients and hessians of the rows `rows` (which
/// it reorders) and returns it with each row's leaf value added to `raw`.
pub fn grow(
    binned: &Binned,
    rows: &mut [u32],
    gradients: &[f64],
    hessians: &[f64],
    shape: &Shape,
    raw: &mut [f64],
    control: &Control,
) -> Result<Tree, Error> {
    let mut nodes: Vec<(u32, f64, u32)> = vec![(0, 0.0, 0)];
    let histograms = build(binned, rows, gradients, hessians);
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
    let mut scratch: Vec<u32> = Vec::with_capacity(rows.len());
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
        let split = leaf.split.as_ref().expect("filtered on a split");
        let codes = &binned.codes[split.feature];
        // Stable partition: the left rows first, each side in row order.
        scratch.clear();
        let mut kept = leaf.start;
        for i in leaf.start..leaf.end {
            let r = rows[i];
            if codes[r as usize] <= split.bin {
                rows[kept] = r;
                kept += 1;
            } else {
                scratch.push(r);
            }
        }
        rows[kept..leaf.end].copy_from_slice(&scratch);
        let left_node = nodes.len();
        nodes[leaf.node] = (
            split.feature as u32,
            binned.edges[split.feature][split.bin as usize],
            left_node as u32,
        );
        nodes.extend([(0, 0.0, 0), (0, 0.0, 0)]);
        let (left_len, right_len) = (kept - leaf.start, leaf.end - kept);
        let small_is_left = left_len <= right_len;
        let small = if small_is_left {
            leaf.start..kept
        } else {
            kept..leaf.end
        };
        let small_hist = build(binned, &rows[small], gradients, hessians);
        let large_hist: Vec<Histogram> = leaf
            .histograms
            .iter()
            .zip(&small_hist)
            .map(|(parent, child)| {
                parent
                    .iter()
                    .zip(child)
                    .map(|(p, c)| [p[0] - c[0], p[1] - c[1], p[2] - c[2]])
                    .collect()
            })
            .collect();
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
    Ok(Tree::from_nodes(nodes))
}

fn gain(leaf: &Leaf) -> f64 {
    leaf.split.as_ref().map_or(f64::NEG_INFINITY, |s| s.gain)
}

fn totals(histograms: &[Histogram]) -> [f64; 3] {
    histograms.first().map_or([0.0; 3], |h| {
        h.iter()
            .fold([0.0; 3], |a, b| [a[0] + b[0], a[1] + b[1], a[2] + b[2]])
    })
}

/// Each feature's histogram of `rows`, the features in parallel. The rows'
/// gradients and hessians are gathered once, in the rows' order, so that
/// each feature's pass reads only its own codes out of order.
fn build(binned: &Binned, rows: &[u32], gradients: &[f64], hessians: &[f64]) -> Vec<Histogram> {
    let ordered: Vec<[f64; 2]> = rows
        .iter()
        .map(|&r| [gradients[r as usize], hessians[r as usize]])
        .collect();
    binned
        .codes
        .par_iter()
        .zip(&binned.edges)
        .map(|(codes, edges)| {
            let mut histogram = vec![[0.0; 3]; edges.len() + 1];
            for (&r, gh) in rows.iter().zip(&ordered) {
                let bin = &mut histogram[codes[r as usize] as usize];
                bin[0] += gh[0];
                bin[1] += gh[1];
                bin[2] += 1.0;
            }
            histogram
        })
        .collect()
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

/// The split of the largest gain over every feature and bin boundary
/// (the first on ties), as XGBoost and scikit-learn score it.
fn best_split(
    binned: &Binned,
    shape: &Shape,
    sums: [f64; 3],
    histograms: &[Histogram],
) -> Option<Split> {
    let lambda = shape.l2_regularization;
    let score = |g: f64, h: f64| g * g / (h + lambda);
    let parent = score(sums[0], sums[1]);
    let leaf = shape.min_samples_leaf as f64;
    let mut best: Option<Split> = None;
    for (feature, histogram) in histograms.iter().enumerate() {
        let mut left = [0.0; 3];
        // The last bin cannot send rows right of itself.
        for (bin, b) in histogram[..binned.edges[feature].len()].iter().enumerate() {
            left = [left[0] + b[0], left[1] + b[1], left[2] + b[2]];
            let right = [sums[0] - left[0], sums[1] - left[1], sums[2] - left[2]];
            if left[2] < leaf || right[2] < leaf || left[1] < MIN_HESSIAN || right[1] < MIN_HESSIAN
            {
                continue;
            }
            let gain = score(left[0], left[1]) + score(right[0], right[1]) - parent;
            if gain > 1e-12 && best.as_ref().is_none_or(|s| gain > s.gain) {
                best = Some(Split {
                    gain,
                    feature,
                    bin: bin as u8,
                });
            }
        }
    }
    best
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

    /// A tree on the gradients of squared error from zero predicts the
    /// mean of each leaf's targets, the two halves of a step here.
    #[test]
    fn a_tree_finds_a_step() {
        let x = ndarray::Array2::from_shape_fn((200, 2), |(r, c)| ((r * 7 + c * 3) % 200) as f64);
        let y: Vec<f64> = (0..200)
            .map(|r| if x[(r, 1)] < 100.0 { -1.0 } else { 1.0 })
            .collect();
        let binned = Binned::new(x.view(), 255, &Control::new()).unwrap();
        let mut rows: Vec<u32> = (0..200).collect();
        let gradients: Vec<f64> = y.iter().map(|v| -v).collect();
        let shape = Shape {
            max_leaf_nodes: 2,
            max_depth: None,
            min_samples_leaf: 20,
            l2_regularization: 0.0,
            shrinkage: 1.0,
        };
        let mut raw = vec![0.0; 200];
        let tree = grow(
            &binned,
            &mut rows,
            &gradients,
            &[1.0; 200],
            &shape,
            &mut raw,
            &Control::new(),
        )
        .unwrap();
        assert_eq!(raw, y);
        let predicted = tree.predict(x.view());
        assert_eq!(predicted, y);
        tree.check(2, f64::is_finite).unwrap();
    }
}
