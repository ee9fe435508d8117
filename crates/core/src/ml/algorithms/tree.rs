//! CART trees (squared error or Gini), for decision_tree, random_forest,
//! bagging, ada_boost and gradient_boosting. Written here because smartcore's
//! trees scan every training row at every node (an unlimited tree on 75,000
//! rows took minutes), take no sample weights, and fix leaf values to the
//! mean, while log-loss boosting needs Newton-step leaves.
//!
//! Grown level by level over row orders sorted once per training: a level
//! reads each growing node's rows once for each feature it may split on,
//! then regroups the rows by child node in every feature's order.
//! Sample weights stand in for bootstrap copies, so resampling never
//! re-sorts. The tree is flat (children by index, always forward), so a
//! decoded tree is checked in one pass and cannot recurse or loop.

use ndarray::ArrayView2;
use rand::seq::index::sample;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::argmax;
use super::sampling::rng;
use crate::control::Control;
use crate::Error;

/// A split or a leaf in 16 bytes (a forest on a million rows holds millions
/// of nodes). Children come after their parent, so no split points at the
/// root: `left == 0` marks a leaf, which predicts `value`. A split sends
/// rows with `x[feature] <= value` to `left` and the others to `left + 1`;
/// a missing value (NaN) goes left, or right when `feature` carries
/// [`MISSING_RIGHT`] (only trees on histograms learn that; a CART tree
/// never sees one). A split whose `feature` carries [`CATEGORICAL`] reads
/// the feature as a category code and sends left the codes of the tree's
/// category set number `value` (NaN as code [`MISSING_CODE`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Node {
    value: f64,
    feature: u32,
    left: u32,
}

/// The bit of a split's `feature` that sends a missing value right. Older
/// blobs never set it: their feature indexes are small.
pub const MISSING_RIGHT: u32 = 1 << 31;
/// Rows [`Tree::for_each_leaf`] walks side by side.
const LANES: usize = 16;

/// The bit of a split's `feature` that makes it a split on categories.
pub const CATEGORICAL: u32 = 1 << 30;
/// The code a missing value has in a categorical split's set.
pub const MISSING_CODE: usize = 255;

/// The category codes (0 to 255) a categorical split sends left, one bit each.
pub type CategorySet = [u64; 4];

/// Whether `code` is in `set`.
pub fn holds(set: &CategorySet, code: usize) -> bool {
    code < 256 && set[code / 64] & (1 << (code % 64)) != 0
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

    fn feature(&self) -> usize {
        (self.feature & !(MISSING_RIGHT | CATEGORICAL)) as usize
    }

    fn is_categorical(&self) -> bool {
        self.feature & CATEGORICAL != 0
    }

    fn goes_right(&self, v: f64, sets: &[CategorySet]) -> bool {
        if self.is_categorical() {
            // Checked on decoding: `value` numbers one of the tree's sets.
            let set = &sets[self.value as usize];
            // Anything but a code reads as missing, as the bins have it.
            let code = if (0.0..MISSING_CODE as f64).contains(&v) && v.fract() == 0.0 {
                v as usize
            } else {
                MISSING_CODE
            };
            !holds(set, code)
        } else if v.is_nan() {
            self.feature & MISSING_RIGHT != 0
        } else {
            v > self.value
        }
    }
}

/// The nodes, and the category sets of its categorical splits. The sets
/// are encoded apart by the models that may hold them
/// ([`Tree::sets`], [`Tree::set_sets`]), so that the blobs of the CART
/// models, which never do, keep their format.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tree {
    nodes: Vec<Node>,
    #[serde(skip)]
    sets: Vec<CategorySet>,
    /// [`Tree::depth`], found once.
    #[serde(skip)]
    depth: std::sync::OnceLock<usize>,
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
    /// Sorts the columns on the pool's threads (each column's order is the
    /// same whatever the thread count).
    pub fn new(x: ArrayView2<'_, f64>, control: &Control) -> Result<Presorted, Error> {
        let columns: Vec<Vec<f64>> = x
            .columns()
            .into_iter()
            .map(|c| {
                let mut column = Vec::new();
                crate::memory::reserve(&mut column, c.len())?;
                column.extend(c.iter().copied());
                Ok(column)
            })
            .collect::<Result<_, Error>>()?;
        let by_feature = columns
            .par_iter()
            .map(|column| {
                control.checkpoint()?;
                let mut order: Vec<u32> = Vec::new();
                crate::memory::reserve(&mut order, column.len())?;
                order.extend(0..column.len() as u32);
                order.sort_unstable_by(|&a, &b| column[a as usize].total_cmp(&column[b as usize]));
                Ok(order)
            })
            .collect::<Result<_, Error>>()?;
        Ok(Presorted {
            by_feature,
            columns,
        })
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
    /// The fewest rows a node needs to be split (2 or more).
    pub min_samples_split: usize,
    /// The fewest rows each side of a split keeps (1 or more).
    pub min_samples_leaf: usize,
    /// Each feature tried at one threshold drawn uniformly between the
    /// node's least and greatest value (extremely randomised trees), not
    /// at the best of all.
    pub random_thresholds: bool,
    pub seed: u64,
}

impl Growth {
    /// Grown as far as the rows allow, every feature tried at each split.
    pub const FULL: Growth = Growth {
        max_depth: None,
        max_features: None,
        min_samples_split: 2,
        min_samples_leaf: 1,
        random_thresholds: false,
        seed: 0,
    };
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

/// The working memory of growing trees, kept from one tree to the next: a
/// forest's threads grow tree after tree, and buffers allocated anew for
/// each (their sizes differ a little from tree to tree) left blocks in the
/// heap between the trees kept, which later trees could not reuse.
#[derive(Default)]
pub struct Scratch {
    nodes: Vec<Node>,
    node_of: Vec<u32>,
    orders: Vec<u32>,
    right_rows: Vec<u32>,
    starts: Vec<usize>,
    grouped: Vec<usize>,
}

impl Tree {
    /// Grows a tree on the rows with a positive `weights[r]`. Each leaf's value
    /// is `leaf_value(its rows)`. `scratch` may come from an earlier tree.
    pub fn fit(
        scratch: &mut Scratch,
        presorted: &Presorted,
        criterion: Criterion<'_>,
        weights: &[f64],
        growth: Growth,
        leaf_value: impl Fn(&[usize]) -> f64,
        control: &Control,
    ) -> Result<Tree, Error> {
        match criterion {
            Criterion::SquaredError(y) => grow(
                scratch,
                presorted,
                SquaredError(y),
                weights,
                growth,
                control,
            ),
            Criterion::Gini { y, n_classes } => grow(
                scratch,
                presorted,
                Gini { y, n_classes },
                weights,
                growth,
                control,
            ),
        }?;
        set_leaf_values(scratch, weights, leaf_value);
        // A copy at its exact size; the grown vector is used again.
        Ok(Tree {
            nodes: scratch.nodes.clone(),
            sets: Vec::new(),
            depth: Default::default(),
        })
    }

    /// A tree grown elsewhere (the histogram trees), as (split feature,
    /// threshold, set number or leaf value, index of the left child or 0
    /// for a leaf), with its category sets: checked as a decoded tree is.
    pub fn from_nodes(
        nodes: impl IntoIterator<Item = (u32, f64, u32)>,
        sets: Vec<CategorySet>,
    ) -> Tree {
        Tree {
            nodes: nodes
                .into_iter()
                .map(|(feature, value, left)| Node {
                    value,
                    feature,
                    left,
                })
                .collect(),
            sets,
            depth: Default::default(),
        }
    }

    /// Its category sets, which its nodes' encoding leaves out.
    pub fn sets(&self) -> &[CategorySet] {
        &self.sets
    }

    /// Gives a decoded tree its category sets, decoded apart.
    pub fn set_sets(&mut self, sets: Vec<CategorySet>) {
        self.sets = sets;
    }

    /// The same tree with its leaf values multiplied by `factor`.
    pub fn scaled(mut self, factor: f64) -> Tree {
        for node in self.nodes.iter_mut().filter(|n| n.is_leaf()) {
            node.value *= factor;
        }
        self
    }

    pub fn predict_row(&self, row: impl Fn(usize) -> f64) -> f64 {
        let mut node = self.nodes[0];
        while !node.is_leaf() {
            let right = node.goes_right(row(node.feature()), &self.sets);
            node = self.nodes[node.left as usize + usize::from(right)];
        }
        node.value
    }

    /// Calls `leaf(i, value)` with the leaf value of each row i of `x`, in
    /// row order: the same values as [`Tree::predict_row`], found for
    /// [`LANES`] rows side by side. Every row takes as many steps as the
    /// deepest leaf (a leaf stays where it is), so the walk has no branch
    /// that depends on the data, and the rows' node reads overlap instead
    /// of each waiting on the one before (a 250,000-row test set through
    /// 100 trees of 31 leaves went from 0.77 s to 0.2 s).
    pub fn for_each_leaf(&self, x: ArrayView2<'_, f64>, mut leaf: impl FnMut(usize, f64)) {
        if x.nrows() < LANES {
            // Too few rows to overlap: the walk from the root is quicker.
            for (i, row) in x.rows().into_iter().enumerate() {
                leaf(i, self.predict_row(|j| row[j]));
            }
            return;
        }
        let depth = self.depth();
        let mut start = 0;
        while start < x.nrows() {
            let lanes = LANES.min(x.nrows() - start);
            let mut at = [0u32; LANES];
            for _ in 0..depth {
                for (lane, at) in at.iter_mut().enumerate().take(lanes) {
                    let node = self.nodes[*at as usize];
                    let v = x[(start + lane, node.feature())];
                    let next = node.left + u32::from(node.goes_right(v, &self.sets));
                    *at = if node.is_leaf() { *at } else { next };
                }
            }
            for (lane, &at) in at.iter().enumerate().take(lanes) {
                leaf(start + lane, self.nodes[at as usize].value);
            }
            start += lanes;
        }
    }

    /// The most splits from the root to a leaf (children come after their
    /// parent, so one pass in order finds each node's depth).
    fn depth(&self) -> usize {
        *self.depth.get_or_init(|| self.find_depth())
    }

    fn find_depth(&self) -> usize {
        let mut depths = vec![0usize; self.nodes.len()];
        let mut deepest = 0;
        for (i, node) in self.nodes.iter().enumerate() {
            if !node.is_leaf() {
                let d = depths[i] + 1;
                let left = node.left as usize;
                depths[left] = d;
                depths[left + 1] = d;
                deepest = deepest.max(d);
            }
        }
        deepest
    }

    /// Calls `leaf(value)` with the leaf value of one row in each of
    /// `trees`, in their order: [`LANES`] trees walked side by side, as
    /// [`Tree::for_each_leaf`] walks rows (a row through 100 trees of 31
    /// leaves took 8.2 microseconds one tree after the other, 4.9 so).
    pub fn for_each_tree<'a>(
        trees: impl IntoIterator<Item = &'a Tree>,
        row: impl Fn(usize) -> f64,
        mut leaf: impl FnMut(f64),
    ) {
        let mut trees = trees.into_iter();
        loop {
            let group: Vec<&Tree> = trees.by_ref().take(LANES).collect();
            let Some(depth) = group.iter().map(|t| t.depth()).max() else {
                return;
            };
            let mut at = [0u32; LANES];
            for _ in 0..depth {
                for (at, tree) in at.iter_mut().zip(&group) {
                    let node = tree.nodes[*at as usize];
                    let next =
                        node.left + u32::from(node.goes_right(row(node.feature()), &tree.sets));
                    *at = if node.is_leaf() { *at } else { next };
                }
            }
            for (&at, tree) in at.iter().zip(&group) {
                leaf(tree.nodes[at as usize].value);
            }
        }
    }

    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Vec<f64> {
        x.rows()
            .into_iter()
            .map(|row| self.predict_row(|j| row[j]))
            .collect()
    }

    /// Checks a decoded tree: children inside the tree and after their
    /// parent (so prediction always ends), features below `n_features`,
    /// categorical splits numbering one of its sets, and leaf values that
    /// `leaf_ok` accepts.
    pub fn check(&self, n_features: usize, leaf_ok: impl Fn(f64) -> bool) -> Result<(), Error> {
        let len = self.nodes.len();
        let sound = len > 0
            && self.nodes.iter().enumerate().all(|(i, node)| {
                let left = node.left as usize;
                if node.is_leaf() {
                    leaf_ok(node.value)
                } else {
                    let value_ok = if node.is_categorical() {
                        node.value >= 0.0
                            && node.value.fract() == 0.0
                            && node.value < self.sets.len() as f64
                    } else {
                        !node.value.is_nan()
                    };
                    left > i && left + 1 < len && node.feature() < n_features && value_ok
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

/// A frontier node and where its rows sit in every feature's order (the
/// same range in each, as every order holds the same rows grouped by node in
/// frontier order).
struct Segment {
    node: usize,
    start: usize,
    end: usize,
}

/// Grows the tree's nodes level by level into `scratch.nodes`, and the node
/// each training row ends in into `scratch.node_of`.
///
/// Each feature's rows are kept grouped by frontier node, each group in that
/// feature's order, so a split search reads only the groups of the nodes that
/// may split on the feature (a forest draws a few features per node) and
/// needs no per-row lookup of the node.
fn grow(
    scratch: &mut Scratch,
    presorted: &Presorted,
    criterion: impl Impurity,
    weights: &[f64],
    growth: Growth,
    control: &Control,
) -> Result<(), Error> {
    let (rows, features) = (weights.len(), presorted.columns.len());
    let width = criterion.width();
    let Scratch {
        nodes,
        node_of,
        orders,
        right_rows,
        ..
    } = scratch;
    nodes.clear();
    nodes.push(LEAF);
    node_of.clear();
    node_of.resize(rows, 0);
    // Every feature's order of the rows still in growing nodes, one after
    // the other (`active` rows each), in one vector kept from tree to tree.
    let mut active = weights.iter().filter(|&&w| w > 0.0).count();
    // Room for every row once, so that no later tree (each has its own
    // number of rows in its sample) reallocates and leaves the old block
    // behind in the heap; the pages past what a tree uses are never touched,
    // so they take no memory.
    orders.clear();
    crate::memory::reserve(orders, features * rows)?;
    for order in &presorted.by_feature {
        orders.extend(order.iter().copied().filter(|&r| weights[r as usize] > 0.0));
    }
    let mut frontier = vec![Segment {
        node: 0,
        start: 0,
        end: active,
    }];
    let mut rng = rng(growth.seed);
    let mut depth = 0;
    let mut left = vec![0.0; width];
    right_rows.clear();
    while !frontier.is_empty() && growth.max_depth.is_none_or(|d| depth < d) {
        let totals: Vec<NodeTotals> = frontier
            .iter()
            .map(|segment| {
                let mut t = NodeTotals {
                    stats: vec![0.0; width],
                    low: f64::INFINITY,
                    high: f64::NEG_INFINITY,
                    rows: segment.end - segment.start,
                };
                for &r in &orders[segment.start..segment.end] {
                    let r = r as usize;
                    criterion.add(&mut t.stats, r, weights[r]);
                    let label = criterion.label(r);
                    t.low = t.low.min(label);
                    t.high = t.high.max(label);
                }
                t
            })
            .collect();
        // Pure nodes and nodes too small to split stay leaves.
        let fewest = growth
            .min_samples_split
            .max(2 * growth.min_samples_leaf)
            .max(2);
        let growing: Vec<bool> = totals
            .iter()
            .map(|t| t.rows >= fewest && t.low < t.high)
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
        // Feature by feature, so that one column is read at a time (a node's
        // rows are scattered over the table).
        for (feature, order) in orders.chunks(active.max(1)).enumerate() {
            control.checkpoint()?;
            let column = &presorted.columns[feature];
            for (s, segment) in frontier.iter().enumerate() {
                if !growing[s] || allowed.as_ref().is_some_and(|a| !a[s * features + feature]) {
                    continue;
                }
                left.iter_mut().for_each(|v| *v = 0.0);
                let mut last = f64::NAN;
                let rows = segment.end - segment.start;
                let leaf = growth.min_samples_leaf;
                if growth.random_thresholds {
                    let order = &order[segment.start..segment.end];
                    if let Some(split) = random_split(
                        criterion,
                        &totals[s].stats,
                        &mut left,
                        order,
                        column,
                        weights,
                        leaf,
                        &mut rng,
                    ) {
                        if best[s].is_none_or(|b| split.0 > b.gain) {
                            best[s] = Some(Best {
                                gain: split.0,
                                feature,
                                threshold: split.1,
                            });
                        }
                    }
                    continue;
                }
                for (on_left, &r) in order[segment.start..segment.end].iter().enumerate() {
                    let r = r as usize;
                    let value = column[r];
                    if left[0] > 0.0 && value > last && on_left >= leaf && rows - on_left >= leaf {
                        let gain = criterion.gain(&totals[s].stats, &left);
                        if best[s].is_none_or(|b| gain > b.gain) {
                            let mut threshold = last + (value - last) / 2.0;
                            if threshold >= value {
                                threshold = last;
                            }
                            best[s] = Some(Best {
                                gain,
                                feature,
                                threshold,
                            });
                        }
                    }
                    criterion.add(&mut left, r, weights[r]);
                    last = value;
                }
            }
        }
        // Split nodes send their rows to their children; the rows of new
        // leaves leave the orders.
        let mut next = Vec::new();
        let mut start = 0;
        for (s, segment) in frontier.iter().enumerate() {
            let Some(split) = best[s] else { continue };
            let left_child = nodes.len();
            nodes.extend([LEAF, LEAF]);
            nodes[segment.node] = Node {
                value: split.threshold,
                feature: split.feature as u32,
                left: left_child as u32,
            };
            let column = &presorted.columns[split.feature];
            let mut going_left = 0;
            for &r in &orders[segment.start..segment.end] {
                let right = column[r as usize] > split.threshold;
                node_of[r as usize] = (left_child + usize::from(right)) as u32;
                going_left += usize::from(!right);
            }
            let end = start + segment.end - segment.start;
            next.push(Segment {
                node: left_child,
                start,
                end: start + going_left,
            });
            next.push(Segment {
                node: left_child + 1,
                start: start + going_left,
                end,
            });
            start = end;
        }
        // In place: each feature's order moves to the front of its old place,
        // so rows are only ever written at or before where they are read.
        let mut kept = 0;
        for feature in 0..features {
            let base = feature * active;
            for segment in &frontier {
                let node = nodes[segment.node];
                if node.is_leaf() {
                    continue;
                }
                for i in base + segment.start..base + segment.end {
                    let r = orders[i];
                    if node_of[r as usize] == node.left {
                        orders[kept] = r;
                        kept += 1;
                    } else {
                        right_rows.push(r);
                    }
                }
                orders[kept..kept + right_rows.len()].copy_from_slice(right_rows);
                kept += right_rows.len();
                right_rows.clear();
            }
        }
        debug_assert_eq!(kept, features * start);
        active = start;
        orders.truncate(kept);
        frontier = next;
        depth += 1;
    }
    Ok(())
}

/// The gain and threshold of a split of a node's rows (`order`, sorted by
/// `column`) at a threshold drawn uniformly between their least and
/// greatest value, as scikit-learn's ExtraTrees draws it; `None` if the
/// feature is constant there or a side would keep fewer than `leaf` rows.
#[allow(clippy::too_many_arguments)]
fn random_split(
    criterion: impl Impurity,
    total: &[f64],
    left: &mut [f64],
    order: &[u32],
    column: &[f64],
    weights: &[f64],
    leaf: usize,
    rng: &mut rand_chacha::ChaCha8Rng,
) -> Option<(f64, f64)> {
    use rand::Rng;
    let (&first, &last) = (order.first()?, order.last()?);
    let (low, high) = (column[first as usize], column[last as usize]);
    if low >= high {
        return None;
    }
    let mut threshold = low + rng.random::<f64>() * (high - low);
    if threshold >= high {
        threshold = low;
    }
    let mut on_left = 0;
    for &r in order {
        let r = r as usize;
        if column[r] > threshold {
            break;
        }
        criterion.add(left, r, weights[r]);
        on_left += 1;
    }
    (on_left >= leaf && order.len() - on_left >= leaf && left[0] > 0.0 && left[0] < total[0])
        .then(|| (criterion.gain(total, left), threshold))
}

/// Gives each leaf of `scratch.nodes` its value from the rows (with a
/// positive weight) that end in it.
fn set_leaf_values(scratch: &mut Scratch, weights: &[f64], leaf_value: impl Fn(&[usize]) -> f64) {
    let Scratch {
        nodes,
        node_of,
        starts,
        grouped,
        ..
    } = scratch;
    // Rows grouped by node with one counting sort: `starts[i]` is where node
    // i's rows begin, used as its fill position then moved back one node.
    starts.clear();
    starts.resize(nodes.len() + 1, 0);
    for (r, &node) in node_of.iter().enumerate() {
        if weights[r] > 0.0 {
            starts[node as usize + 1] += 1;
        }
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    grouped.clear();
    grouped.reserve_exact(node_of.len());
    grouped.resize(starts[nodes.len()], 0);
    for (r, &node) in node_of.iter().enumerate() {
        if weights[r] > 0.0 {
            grouped[starts[node as usize]] = r;
            starts[node as usize] += 1;
        }
    }
    // Each node's fill position is now where the next node's rows begin.
    let mut begin = 0;
    for (i, node) in nodes.iter_mut().enumerate() {
        let end = starts[i];
        if node.is_leaf() {
            let members = &grouped[begin..end];
            node.value = if members.is_empty() {
                0.0
            } else {
                leaf_value(members)
            };
        }
        begin = end;
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

/// The presorted columns (a copy of each, its order) and one tree's
/// working memory (every feature's order, the row's node, the weights).
pub fn presorted_memory(rows: usize, features: usize) -> u64 {
    let (rows, features) = (rows as u64, features as u64);
    rows * features * (8 + 4)
}

/// One growing tree's working memory.
pub fn scratch_memory(rows: usize, features: usize) -> u64 {
    let (rows, features) = (rows as u64, features as u64);
    rows * features * 4 + rows * (4 + 8 + 4)
}

/// A tree's nodes at most: two per leaf, a leaf holds at least
/// `min_samples_leaf` rows, and a depth of d makes at most 2^d leaves.
pub fn tree_memory(rows: usize, min_samples_leaf: usize, max_depth: Option<usize>) -> u64 {
    let by_rows = 2 * (rows / min_samples_leaf.max(1)).max(1) as u64;
    let by_depth = max_depth.map_or(u64::MAX, |d| 1u64 << (d.min(62) + 1));
    by_rows.min(by_depth) * std::mem::size_of::<Node>() as u64
}

/// gradient_boosting and ada_boost: the presorted rows, one tree at a
/// time, a few numbers per row and output, and the trees kept.
pub fn boosting_memory(size: &super::Size<'_>) -> u64 {
    let s = size.settings;
    let rounds = s.usize("n_estimators").unwrap_or(100);
    let depth = s.limit("max_depth").unwrap_or(Some(3));
    let leaf = s.usize("min_samples_leaf").unwrap_or(1);
    presorted_memory(size.rows, size.features)
        + scratch_memory(size.rows, size.features)
        + 4 * super::matrix_bytes(size.rows, size.outputs)
        + rounds as u64 * size.outputs as u64 * tree_memory(size.rows, leaf, depth)
}

#[cfg(test)]
mod test {
    use super::super::is_class;
    use super::*;
    use ndarray::{array, Array2};

    const ALL: Growth = Growth::FULL;

    #[test]
    fn a_step_function_is_learned_exactly() {
        let x = array![[1.0], [2.0], [3.0], [10.0], [11.0], [12.0]];
        let y = [0.0, 0.0, 0.0, 5.0, 5.0, 5.0];
        let w = [1.0; 6];
        let tree = Tree::fit(
            &mut Scratch::default(),
            &Presorted::new(x.view(), &Control::new()).unwrap(),
            Criterion::SquaredError(&y),
            &w,
            ALL,
            weighted_mean(&y, &w),
            &Control::new(),
        )
        .unwrap();
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
            &mut Scratch::default(),
            &Presorted::new(x.view(), &Control::new()).unwrap(),
            Criterion::Gini {
                y: &y,
                n_classes: 2,
            },
            &w,
            ALL,
            weighted_majority(&y, 2, &w),
            &Control::new(),
        )
        .unwrap();
        assert_eq!(tree.predict(x.view()), vec![0.0, 1.0, 1.0, 0.0]);
        assert!(tree.check(2, is_class(2)).is_ok());
    }

    #[test]
    fn zero_weight_rows_are_left_out() {
        let x = array![[1.0], [2.0], [3.0]];
        let y = [0.0, 100.0, 10.0];
        let w = [1.0, 0.0, 1.0];
        let tree = Tree::fit(
            &mut Scratch::default(),
            &Presorted::new(x.view(), &Control::new()).unwrap(),
            Criterion::SquaredError(&y),
            &w,
            ALL,
            weighted_mean(&y, &w),
            &Control::new(),
        )
        .unwrap();
        // The split falls midway between the two weighted rows.
        assert_eq!(tree.predict(x.view()), vec![0.0, 0.0, 10.0]);
    }

    #[test]
    fn working_memory_from_earlier_trees_changes_nothing() {
        // Rows in a different order per feature, ties, samples of different
        // sizes and a tree stopped by depth, so that the reused vectors hold
        // stale rows.
        let x = Array2::from_shape_fn((40, 3), |(r, c)| ((r * (c + 3) * 7) % 11) as f64);
        let y: Vec<usize> = (0..40).map(|r| (r * 5 % 7) % 3).collect();
        let presorted = Presorted::new(x.view(), &Control::new()).unwrap();
        let samples: Vec<Vec<f64>> = vec![
            (0..40).map(|r| (r % 3) as f64).collect(),
            vec![1.0; 40],
            (0..40).map(|r| f64::from(r % 5 == 0)).collect(),
        ];
        let fit = |scratch: &mut Scratch, w: &[f64], max_depth| {
            let growth = Growth {
                max_depth,
                max_features: Some(2),
                seed: 7,
                ..Growth::FULL
            };
            let criterion = Criterion::Gini {
                y: &y,
                n_classes: 3,
            };
            Tree::fit(
                scratch,
                &presorted,
                criterion,
                w,
                growth,
                weighted_majority(&y, 3, w),
                &Control::new(),
            )
            .unwrap()
        };
        let mut kept = Scratch::default();
        for (w, max_depth) in samples.iter().zip([Some(2), None, Some(1)]) {
            let fresh = fit(&mut Scratch::default(), w, max_depth);
            let reused = fit(&mut kept, w, max_depth);
            assert!(fresh.nodes.len() > 1);
            assert_eq!(reused.nodes, fresh.nodes);
        }
    }

    /// The block walk gives each row the leaf the walk from the root gives,
    /// whatever the leaf's depth and however many rows the last block has.
    #[test]
    fn walking_rows_side_by_side_finds_the_same_leaves() {
        let n = 301;
        let x = ndarray::Array2::from_shape_fn((n, 3), |(r, c)| {
            let v = ((r * 37 + c * 11) % 101) as f64;
            if (r + c) % 17 == 0 {
                f64::NAN
            } else {
                v
            }
        });
        let y: Vec<f64> = (0..n).map(|r| ((r * r) % 13) as f64).collect();
        let w = vec![1.0; n];
        let fill = |v: f64| if v.is_nan() { -1.0 } else { v };
        let filled = x.mapv(fill);
        let tree = Tree::fit(
            &mut Scratch::default(),
            &Presorted::new(filled.view(), &Control::new()).unwrap(),
            Criterion::SquaredError(&y),
            &w,
            ALL,
            weighted_mean(&y, &w),
            &Control::new(),
        )
        .unwrap();
        assert!(tree.depth() > 5);
        let mut walked = vec![f64::NAN; n];
        tree.for_each_leaf(x.view(), |i, v| walked[i] = v);
        let one_by_one: Vec<f64> = x
            .rows()
            .into_iter()
            .map(|row| tree.predict_row(|j| row[j]))
            .collect();
        assert_eq!(walked, one_by_one);
        // And a row walked through many trees side by side (here 20 copies
        // of one, so not a multiple of LANES) meets the same leaf in each.
        for (row, &expected) in x.rows().into_iter().zip(&one_by_one) {
            let mut leaves = Vec::new();
            Tree::for_each_tree(
                std::iter::repeat_n(&tree, 20),
                |j| row[j],
                |v| leaves.push(v),
            );
            assert_eq!(leaves, vec![expected; 20]);
        }
    }

    #[test]
    fn malformed_trees_are_refused() {
        let split = |feature, left| Node {
            value: 0.0,
            feature,
            left,
        };
        let backward = Tree::from_nodes([], Vec::new());
        let backward = Tree {
            nodes: vec![split(0, 2), LEAF, split(0, 1), LEAF, LEAF],
            ..backward
        };
        assert!(backward.check(1, f64::is_finite).is_err());
        let unknown_feature = Tree::from_nodes([], Vec::new());
        let unknown_feature = Tree {
            nodes: vec![split(3, 1), LEAF, Node { value: 1.0, ..LEAF }],
            ..unknown_feature
        };
        assert!(unknown_feature.check(3, f64::is_finite).is_err());
        assert!(unknown_feature.check(4, f64::is_finite).is_ok());
        assert!(unknown_feature.check(4, is_class(1)).is_err());
        assert!(Tree::from_nodes([], Vec::new())
            .check(1, f64::is_finite)
            .is_err());
        // A categorical split must number one of the tree's sets.
        let categorical = |value, sets| {
            Tree::from_nodes([(CATEGORICAL, value, 1), (0, 0.0, 0), (0, 1.0, 0)], sets)
        };
        assert!(categorical(0.0, vec![]).check(1, f64::is_finite).is_err());
        assert!(categorical(0.5, vec![[1, 0, 0, 0]])
            .check(1, f64::is_finite)
            .is_err());
        let tree = categorical(0.0, vec![[0b101, 0, 0, 0]]);
        assert!(tree.check(1, f64::is_finite).is_ok());
        let predict = |v: f64| tree.predict_row(|_| v);
        // Codes 0 and 2 go left; 1, and what reads as missing (no code), right.
        assert_eq!(
            [0.0, 1.0, 2.0, 300.0, 0.5, f64::NAN, -1.0].map(predict),
            [0.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0]
        );
        // With code 255 in the set, what reads as missing goes left.
        let tree = categorical(0.0, vec![[0b1, 0, 0, 1 << 63]]);
        assert_eq!(
            [f64::NAN, 300.0, 1.0].map(|v| tree.predict_row(|_| v)),
            [0.0, 0.0, 1.0]
        );
    }
}
