//! A regression tree for gradient boosting, written here because smartcore's
//! trees fix their leaf values to the mean of the targets, while log-loss
//! boosting needs Newton-step leaf values. Grown level by level over
//! features sorted once per training: each level costs one pass over every
//! feature, O(depth x features x rows).

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
enum Node {
    Split {
        feature: usize,
        threshold: f64,
        left: usize,
        right: usize,
    },
    Leaf {
        value: f64,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tree {
    nodes: Vec<Node>,
}

/// Row orders by each feature, computed once and shared by every tree.
pub struct Presorted {
    by_feature: Vec<Vec<u32>>,
}

impl Presorted {
    pub fn new(x: ArrayView2<'_, f64>) -> Presorted {
        let by_feature = (0..x.ncols())
            .map(|j| {
                let column = x.column(j);
                let mut order: Vec<u32> = (0..x.nrows() as u32).collect();
                order.sort_by(|&a, &b| column[a as usize].total_cmp(&column[b as usize]));
                order
            })
            .collect();
        Presorted { by_feature }
    }
}

#[derive(Clone, Copy, Default)]
struct Stats {
    count: f64,
    sum: f64,
}

#[derive(Clone, Copy)]
struct Best {
    gain: f64,
    feature: usize,
    threshold: f64,
}

impl Tree {
    /// Fits `target` by squared error, at most `max_depth` levels deep. Leaf
    /// values come from `leaf_value(rows in the leaf)`. Returns the tree and,
    /// for each training row, the leaf it ends in.
    pub fn fit(
        x: ArrayView2<'_, f64>,
        presorted: &Presorted,
        target: &[f64],
        max_depth: usize,
        leaf_value: impl Fn(&[usize]) -> f64,
    ) -> Tree {
        let rows = x.nrows();
        let mut nodes = vec![Node::Leaf { value: 0.0 }];
        let mut node_of = vec![0usize; rows];
        let mut frontier = vec![0usize];
        for _ in 0..max_depth {
            // Index of each frontier node in this level's arrays.
            let mut slot = vec![usize::MAX; nodes.len()];
            for (i, &node) in frontier.iter().enumerate() {
                slot[node] = i;
            }
            let mut totals = vec![Stats::default(); frontier.len()];
            for r in 0..rows {
                let s = slot[node_of[r]];
                if s != usize::MAX {
                    totals[s].count += 1.0;
                    totals[s].sum += target[r];
                }
            }
            let mut best: Vec<Option<Best>> = vec![None; frontier.len()];
            for (feature, order) in presorted.by_feature.iter().enumerate() {
                let column = x.column(feature);
                let mut left = vec![Stats::default(); frontier.len()];
                let mut last = vec![f64::NAN; frontier.len()];
                for &r in order {
                    let r = r as usize;
                    let s = slot[node_of[r]];
                    if s == usize::MAX {
                        continue;
                    }
                    let value = column[r];
                    let (l, t) = (left[s], totals[s]);
                    if l.count > 0.0 && value > last[s] && l.count < t.count {
                        let right = Stats {
                            count: t.count - l.count,
                            sum: t.sum - l.sum,
                        };
                        let gain = l.sum * l.sum / l.count + right.sum * right.sum / right.count
                            - t.sum * t.sum / t.count;
                        if best[s].is_none_or(|b| gain > b.gain) {
                            let threshold = last[s] + (value - last[s]) / 2.0;
                            best[s] = Some(Best {
                                gain,
                                feature,
                                threshold,
                            });
                        }
                    }
                    left[s].count += 1.0;
                    left[s].sum += target[r];
                    last[s] = value;
                }
            }
            let mut next = Vec::new();
            for (s, &node) in frontier.iter().enumerate() {
                let Some(split) = best[s].filter(|b| b.gain > 1e-12) else {
                    continue;
                };
                let (left, right) = (nodes.len(), nodes.len() + 1);
                nodes.push(Node::Leaf { value: 0.0 });
                nodes.push(Node::Leaf { value: 0.0 });
                nodes[node] = Node::Split {
                    feature: split.feature,
                    threshold: split.threshold,
                    left,
                    right,
                };
                next.extend([left, right]);
            }
            if next.is_empty() {
                break;
            }
            for (r, node) in node_of.iter_mut().enumerate() {
                if let Node::Split {
                    feature,
                    threshold,
                    left,
                    right,
                } = nodes[*node]
                {
                    *node = if x[[r, feature]] <= threshold {
                        left
                    } else {
                        right
                    };
                }
            }
            frontier = next;
        }
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
        for (r, &node) in node_of.iter().enumerate() {
            members[node].push(r);
        }
        for (node, rows) in members.iter().enumerate() {
            if let Node::Leaf { value } = &mut nodes[node] {
                *value = if rows.is_empty() {
                    0.0
                } else {
                    leaf_value(rows)
                };
            }
        }
        Tree { nodes }
    }

    pub fn predict_row(&self, row: impl Fn(usize) -> f64) -> f64 {
        let mut node = 0;
        loop {
            match self.nodes[node] {
                Node::Leaf { value } => return value,
                Node::Split {
                    feature,
                    threshold,
                    left,
                    right,
                } => {
                    node = if row(feature) <= threshold {
                        left
                    } else {
                        right
                    };
                }
            }
        }
    }

    /// True when every node index points inside the tree and leads forward,
    /// so prediction on a decoded tree always ends.
    pub fn is_well_formed(&self) -> bool {
        self.nodes.iter().enumerate().all(|(i, node)| match *node {
            Node::Leaf { value } => value.is_finite(),
            Node::Split {
                feature: _,
                threshold,
                left,
                right,
            } => {
                left > i
                    && right > i
                    && left < self.nodes.len()
                    && right < self.nodes.len()
                    && !threshold.is_nan()
            }
        })
    }

    pub fn uses_features_below(&self, n: usize) -> bool {
        self.nodes.iter().all(|node| match node {
            Node::Split { feature, .. } => *feature < n,
            Node::Leaf { .. } => true,
        })
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use ndarray::array;

    #[test]
    fn a_step_function_is_learned_exactly() {
        let x = array![[1.0], [2.0], [3.0], [10.0], [11.0], [12.0]];
        let y = [0.0, 0.0, 0.0, 5.0, 5.0, 5.0];
        let mean = |rows: &[usize]| rows.iter().map(|&r| y[r]).sum::<f64>() / rows.len() as f64;
        let tree = Tree::fit(x.view(), &Presorted::new(x.view()), &y, 3, mean);
        assert!(tree.is_well_formed());
        assert_eq!(tree.predict_row(|_| 2.5), 0.0);
        assert_eq!(tree.predict_row(|_| 11.5), 5.0);
        assert_eq!(tree.nodes.len(), 3, "one split is enough");
    }
}
