//! CART trees (squared error or Gini), for decision_tree, random_forest,
//! bagging, ada_boost and gradient_boosting. Written here because smartcore's
//! trees scan every training row at every node (an unlimited tree on 75,000
//! rows took minutes), take no sample weights, and fix leaf values to the
//! mean, while log-loss boosting needs Newton-step leaves.
//!
//! Grown level by level over row orders sorted once per training: a level
//! costs one pass over the rows still in growing nodes, for each feature.
//! Sample weights stand in for bootstrap copies, so resampling never
//! re-sorts. The tree is flat (children by index, always forward), so a
//! decoded tree is checked in one pass and cannot recurse or loop.

use ndarray::ArrayView2;
use rand::seq::index::sample;
use serde::{Deserialize, Serialize};

use super::argmax;
use super::sampling::rng;
use crate::Error;

/// A split or a leaf in 16 bytes (a forest on a million rows holds millions
/// of nodes). Children come after their parent, so no split points at the
/// root: `left == 0` marks a leaf, which predicts `value`. A split sends
/// rows with `x[feature] <= value` to `left` and the others to `left + 1`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Node {
    value: f64,
    feature: u32,
    left: u32,
}

const LEAF: Node = Node {
    value: 0.0,
    feature: 0,
    left: 0,
};

impl Node {
    fn is_leaf(&self) -> bool {
        self.left == 0
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tree {
    nodes: Vec<Node>,
}

/// Row orders by each feature, computed once per training and shared by
/// every tree, with the features stored column by column: a split search
/// reads one feature of many rows, which in row-major order would touch a
/// new cache line for every row.
pub struct Presorted {
    by_feature: Vec<Vec<u32>>,
    columns: Vec<Vec<f64>>,
}

impl Presorted {
    pub fn new(x: ArrayView2<'_, f64>) -> Presorted {
        let columns: Vec<Vec<f64>> = x.columns().into_iter().map(|c| c.to_vec()).collect();
        let by_feature = columns
            .iter()
            .map(|column| {
                let mut order: Vec<u32> = (0..column.len() as u32).collect();
                order.sort_unstable_by(|&a, &b| column[a as usize].total_cmp(&column[b as usize]));
                order
            })
            .collect();
        Presorted {
            by_feature,
            columns,
        }
    }
}

/// What a split is chosen to improve.
#[derive(Clone, Copy)]
pub enum Criterion<'a> {
    /// Regression targets.
    SquaredError(&'a [f64]),
    /// Class indices `0..n_classes`.
    Gini { y: &'a [usize], n_classes: usize },
}

/// A criterion's arithmetic over per-node statistics: the total weight
/// first, then the weighted target sum (squared error) or the weight of each
/// class (Gini). Generic so that each criterion gets its own inner loop.
trait Impurity: Copy {
    fn width(&self) -> usize;
    fn add(&self, stats: &mut [f64], row: usize, weight: f64);
    fn label(&self, row: usize) -> f64;
    /// How much splitting `total` into `left` and the rest improves the
    /// criterion, up to a constant factor (larger is better).
    fn gain(&self, total: &[f64], left: &[f64]) -> f64;
}

#[derive(Clone, Copy)]
struct SquaredError<'a>(&'a [f64]);

impl Impurity for SquaredError<'_> {
    fn width(&self) -> usize {
        2
    }

    fn add(&self, stats: &mut [f64], row: usize, weight: f64) {
        stats[0] += weight;
        stats[1] += weight * self.0[row];
    }

    fn label(&self, row: usize) -> f64 {
        self.0[row]
    }

    fn gain(&self, total: &[f64], left: &[f64]) -> f64 {
        let (right_weight, right_sum) = (total[0] - left[0], total[1] - left[1]);
        left[1] * left[1] / left[0] + right_sum * right_sum / right_weight
            - total[1] * total[1] / total[0]
    }
}

#[derive(Clone, Copy)]
struct Gini<'a> {
    y: &'a [usize],
    n_classes: usize,
}

impl Impurity for Gini<'_> {
    fn width(&self) -> usize {
        1 + self.n_classes
    }

    fn add(&self, stats: &mut [f64], row: usize, weight: f64) {
        stats[0] += weight;
        stats[1 + self.y[row]] += weight;
    }

    fn label(&self, row: usize) -> f64 {
        self.y[row] as f64
    }

    fn gain(&self, total: &[f64], left: &[f64]) -> f64 {
        let (mut l2, mut r2, mut t2) = (0.0, 0.0, 0.0);
        for (t, l) in total[1..].iter().zip(&left[1..]) {
            l2 += l * l;
            r2 += (t - l) * (t - l);
            t2 += t * t;
        }
        l2 / left[0] + r2 / (total[0] - left[0]) - t2 / total[0]
    }
}

/// How far a tree grows.
#[derive(Clone, Copy)]
pub struct Growth {
    /// Levels of splits; `None` grows until every leaf is pure.
    pub max_depth: Option<usize>,
    /// Features drawn at random for each split; `None` tries them all.
    pub max_features: Option<usize>,
    pub seed: u64,
}

#[derive(Clone, Copy)]
struct Best {
    gain: f64,
    feature: usize,
    threshold: f64,
}

/// A frontier node's totals over its rows.
struct NodeTotals {
    stats: Vec<f64>,
    low: f64,
    high: f64,
    rows: usize,
}

impl Tree {
    /// Grows a tree on the rows with a positive `weights[r]`. Each leaf's value
    /// is `leaf_value(its rows)`.
    pub fn fit(
        presorted: &Presorted,
        criterion: Criterion<'_>,
        weights: &[f64],
        growth: Growth,
        leaf_value: impl Fn(&[usize]) -> f64,
    ) -> Tree {
        let (mut nodes, node_of) = match criterion {
            Criterion::SquaredError(y) => grow(presorted, SquaredError(y), weights, growth),
            Criterion::Gini { y, n_classes } => {
                grow(presorted, Gini { y, n_classes }, weights, growth)
            }
        };
        set_leaf_values(&mut nodes, &node_of, weights, leaf_value);
        nodes.shrink_to_fit();
        Tree { nodes }
    }

    pub fn predict_row(&self, row: impl Fn(usize) -> f64) -> f64 {
        let mut node = self.nodes[0];
        while !node.is_leaf() {
            let right = row(node.feature as usize) > node.value;
            node = self.nodes[node.left as usize + usize::from(right)];
        }
        node.value
    }

    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Vec<f64> {
        x.rows()
            .into_iter()
            .map(|row| self.predict_row(|j| row[j]))
            .collect()
    }

    /// Checks a decoded tree: children inside the tree and after their
    /// parent (so prediction always ends), features below `n_features`,
    /// and leaf values that `leaf_ok` accepts.
    pub fn check(&self, n_features: usize, leaf_ok: impl Fn(f64) -> bool) -> Result<(), Error> {
        let len = self.nodes.len();
        let sound = len > 0
            && self.nodes.iter().enumerate().all(|(i, node)| {
                let left = node.left as usize;
                if node.is_leaf() {
                    leaf_ok(node.value)
                } else {
                    left > i
                        && left + 1 < len
                        && (node.feature as usize) < n_features
                        && !node.value.is_nan()
                }
            });
        if sound {
            Ok(())
        } else {
            Err(Error::Model(
                "a decision tree in the model is malformed".into(),
            ))
        }
    }
}

/// Grows the tree's nodes level by level; returns them with the node each
/// training row ends in.
fn grow(
    presorted: &Presorted,
    criterion: impl Impurity,
    weights: &[f64],
    growth: Growth,
) -> (Vec<Node>, Vec<u32>) {
    let (rows, features) = (weights.len(), presorted.columns.len());
    let width = criterion.width();
    let mut nodes = vec![LEAF];
    let mut node_of = vec![0u32; rows];
    let mut slot_of = vec![0u32; rows];
    // Per feature, the rows of growing nodes in that feature's order.
    let mut active: Vec<Vec<u32>> = presorted
        .by_feature
        .iter()
        .map(|order| {
            order
                .iter()
                .copied()
                .filter(|&r| weights[r as usize] > 0.0)
                .collect()
        })
        .collect();
    let mut frontier: Vec<usize> = vec![0];
    let mut rng = rng(growth.seed);
    let mut depth = 0;
    while !frontier.is_empty() && growth.max_depth.is_none_or(|d| depth < d) {
        let mut slot = vec![u32::MAX; nodes.len()];
        for (s, &node) in frontier.iter().enumerate() {
            slot[node] = s as u32;
        }
        // Each active row's frontier slot, read once per row per feature below.
        for &r in &active[0] {
            slot_of[r as usize] = slot[node_of[r as usize] as usize];
        }
        let mut totals: Vec<NodeTotals> = frontier
            .iter()
            .map(|_| NodeTotals {
                stats: vec![0.0; width],
                low: f64::INFINITY,
                high: f64::NEG_INFINITY,
                rows: 0,
            })
            .collect();
        for &r in &active[0] {
            let r = r as usize;
            let t = &mut totals[slot_of[r] as usize];
            criterion.add(&mut t.stats, r, weights[r]);
            let label = criterion.label(r);
            t.low = t.low.min(label);
            t.high = t.high.max(label);
            t.rows += 1;
        }
        // Pure nodes and single rows stay leaves.
        let growing: Vec<bool> = totals
            .iter()
            .map(|t| t.rows > 1 && t.low < t.high)
            .collect();
        let allowed = growth.max_features.filter(|&m| m < features).map(|m| {
            let mut allowed = vec![false; frontier.len() * features];
            for s in (0..frontier.len()).filter(|&s| growing[s]) {
                for j in sample(&mut rng, features, m) {
                    allowed[s * features + j] = true;
                }
            }
            allowed
        });
        let mut best: Vec<Option<Best>> = vec![None; frontier.len()];
        let mut left = vec![0.0; frontier.len() * width];
        let mut last = vec![f64::NAN; frontier.len()];
        for (feature, order) in active.iter().enumerate() {
            let column = &presorted.columns[feature];
            left.iter_mut().for_each(|v| *v = 0.0);
            for &r in order {
                let r = r as usize;
                let s = slot_of[r] as usize;
                if !growing[s] || allowed.as_ref().is_some_and(|a| !a[s * features + feature]) {
                    continue;
                }
                let value = column[r];
                let node_left = &mut left[s * width..(s + 1) * width];
                if node_left[0] > 0.0 && value > last[s] {
                    let gain = criterion.gain(&totals[s].stats, node_left);
                    if best[s].is_none_or(|b| gain > b.gain) {
                        let mut threshold = last[s] + (value - last[s]) / 2.0;
                        if threshold >= value {
                            threshold = last[s];
                        }
                        best[s] = Some(Best {
                            gain,
                            feature,
                            threshold,
                        });
                    }
                }
                criterion.add(node_left, r, weights[r]);
                last[s] = value;
            }
            last.iter_mut().for_each(|v| *v = f64::NAN);
        }
        let first_child = nodes.len();
        let mut next = Vec::new();
        for (s, &node) in frontier.iter().enumerate() {
            let Some(split) = best[s] else { continue };
            let left = nodes.len();
            nodes.extend([LEAF, LEAF]);
            nodes[node] = Node {
                value: split.threshold,
                feature: split.feature as u32,
                left: left as u32,
            };
            next.extend([left, left + 1]);
        }
        for &r in &active[0] {
            let r = r as usize;
            let node = nodes[node_of[r] as usize];
            if !node.is_leaf() {
                let go_right = presorted.columns[node.feature as usize][r] > node.value;
                node_of[r] = node.left + u32::from(go_right);
            }
        }
        for order in &mut active {
            order.retain(|&r| node_of[r as usize] as usize >= first_child);
        }
        frontier = next;
        depth += 1;
    }
    (nodes, node_of)
}

/// Gives each leaf its value from the rows (with a positive weight) that end in it.
fn set_leaf_values(
    nodes: &mut [Node],
    node_of: &[u32],
    weights: &[f64],
    leaf_value: impl Fn(&[usize]) -> f64,
) {
    // Rows grouped by node with one counting sort.
    let mut start = vec![0usize; nodes.len() + 1];
    for (r, &node) in node_of.iter().enumerate() {
        if weights[r] > 0.0 {
            start[node as usize + 1] += 1;
        }
    }
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    let mut fill = start.clone();
    let mut grouped = vec![0usize; start[nodes.len()]];
    for (r, &node) in node_of.iter().enumerate() {
        if weights[r] > 0.0 {
            grouped[fill[node as usize]] = r;
            fill[node as usize] += 1;
        }
    }
    for (i, node) in nodes.iter_mut().enumerate() {
        if node.is_leaf() {
            let members = &grouped[start[i]..start[i + 1]];
            node.value = if members.is_empty() {
                0.0
            } else {
                leaf_value(members)
            };
        }
    }
}

/// Leaf value: the weighted mean of the targets.
pub fn weighted_mean<'a>(y: &'a [f64], weights: &'a [f64]) -> impl Fn(&[usize]) -> f64 + 'a {
    move |rows| {
        let (sum, total) = rows.iter().fold((0.0, 0.0), |(s, t), &r| {
            (s + weights[r] * y[r], t + weights[r])
        });
        sum / total
    }
}

/// Leaf value: the class with the largest weight (the lowest index on ties).
pub fn weighted_majority<'a>(
    y: &'a [usize],
    n_classes: usize,
    weights: &'a [f64],
) -> impl Fn(&[usize]) -> f64 + 'a {
    move |rows| {
        let mut votes = vec![0.0; n_classes];
        for &r in rows {
            votes[y[r]] += weights[r];
        }
        argmax(&votes) as f64
    }
}

#[cfg(test)]
mod test {
    use super::super::is_class;
    use super::*;
    use ndarray::array;

    const ALL: Growth = Growth {
        max_depth: None,
        max_features: None,
        seed: 0,
    };

    #[test]
    fn a_step_function_is_learned_exactly() {
        let x = array![[1.0], [2.0], [3.0], [10.0], [11.0], [12.0]];
        let y = [0.0, 0.0, 0.0, 5.0, 5.0, 5.0];
        let w = [1.0; 6];
        let tree = Tree::fit(
            &Presorted::new(x.view()),
            Criterion::SquaredError(&y),
            &w,
            ALL,
            weighted_mean(&y, &w),
        );
        assert!(tree.check(1, f64::is_finite).is_ok());
        assert_eq!(tree.predict_row(|_| 2.5), 0.0);
        assert_eq!(tree.predict_row(|_| 11.5), 5.0);
        assert_eq!(tree.nodes.len(), 3, "one split is enough");
    }

    #[test]
    fn an_unlimited_tree_fits_every_distinct_training_row() {
        // XOR needs two levels; no single split improves Gini.
        let x = array![[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
        let y = [0, 1, 1, 0];
        let w = [1.0; 4];
        let tree = Tree::fit(
            &Presorted::new(x.view()),
            Criterion::Gini {
                y: &y,
                n_classes: 2,
            },
            &w,
            ALL,
            weighted_majority(&y, 2, &w),
        );
        assert_eq!(tree.predict(x.view()), vec![0.0, 1.0, 1.0, 0.0]);
        assert!(tree.check(2, is_class(2)).is_ok());
    }

    #[test]
    fn zero_weight_rows_are_left_out() {
        let x = array![[1.0], [2.0], [3.0]];
        let y = [0.0, 100.0, 10.0];
        let w = [1.0, 0.0, 1.0];
        let tree = Tree::fit(
            &Presorted::new(x.view()),
            Criterion::SquaredError(&y),
            &w,
            ALL,
            weighted_mean(&y, &w),
        );
        // The split falls midway between the two weighted rows.
        assert_eq!(tree.predict(x.view()), vec![0.0, 0.0, 10.0]);
    }

    #[test]
    fn malformed_trees_are_refused() {
        let split = |feature, left| Node {
            value: 0.0,
            feature,
            left,
        };
        let backward = Tree {
            nodes: vec![split(0, 2), LEAF, split(0, 1), LEAF, LEAF],
        };
        assert!(backward.check(1, f64::is_finite).is_err());
        let unknown_feature = Tree {
            nodes: vec![split(3, 1), LEAF, Node { value: 1.0, ..LEAF }],
        };
        assert!(unknown_feature.check(3, f64::is_finite).is_err());
        assert!(unknown_feature.check(4, f64::is_finite).is_ok());
        assert!(unknown_feature.check(4, is_class(1)).is_err());
        assert!(Tree { nodes: vec![] }.check(1, f64::is_finite).is_err());
    }
}
