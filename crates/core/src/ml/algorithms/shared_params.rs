//! Hyperparameters that several algorithms declare, with the same name,
//! meaning and bounds (each algorithm gives its own default).

use crate::ml::hyperparams::{Features, Kind, Param};

/// The most trees of a forest or bagging ensemble: each fully grown tree
/// keeps nodes in proportion to the rows.
pub const MAX_TREES: i64 = 1000;
/// The most boosting rounds: boosted trees are small, but each round reads
/// every training row.
pub const MAX_ROUNDS: i64 = 10_000;
/// Deeper than this a tree has more levels than any table has rows to fill.
pub const MAX_DEPTH: i64 = 100;
/// The most passes over the rows an iterative solver may make.
pub const MAX_ITER: i64 = 100_000;
/// Rows, as the bounds of per-row counts say them.
const MAX_ROWS: i64 = i32::MAX as i64;

pub const fn n_estimators(default: i64, max: i64, meaning: &'static str) -> Param {
    Param {
        name: "n_estimators",
        kind: Kind::Int {
            default,
            min: 1,
            max,
        },
        meaning,
    }
}

pub const fn learning_rate(default: f64, meaning: &'static str) -> Param {
    Param {
        name: "learning_rate",
        kind: Kind::PositiveFloat {
            default,
            max: 100.0,
        },
        meaning,
    }
}

pub const fn max_depth(default: Option<i64>) -> Param {
    Param {
        name: "max_depth",
        kind: Kind::IntOrNone {
            default,
            min: 1,
            max: MAX_DEPTH,
        },
        meaning: "levels of splits per tree; null grows until the leaves are pure",
    }
}

pub const fn max_depth_of_rounds(default: i64) -> Param {
    Param {
        name: "max_depth",
        kind: Kind::Int {
            default,
            min: 1,
            max: 32,
        },
        meaning: "levels of splits of each round's trees",
    }
}

pub const MIN_SAMPLES_SPLIT: Param = Param {
    name: "min_samples_split",
    kind: Kind::Int {
        default: 2,
        min: 2,
        max: MAX_ROWS,
    },
    meaning: "the fewest training rows a node needs to be split",
};

pub const MIN_SAMPLES_LEAF: Param = Param {
    name: "min_samples_leaf",
    kind: Kind::Int {
        default: 1,
        min: 1,
        max: MAX_ROWS,
    },
    meaning: "the fewest training rows each side of a split keeps",
};

pub const fn max_features(default: Features) -> Param {
    Param {
        name: "max_features",
        kind: Kind::Features { default },
        meaning: "features tried at each split",
    }
}

pub const fn alpha(default: f64, meaning: &'static str) -> Param {
    Param {
        name: "alpha",
        kind: Kind::Float {
            default,
            min: 0.0,
            max: 1e12,
        },
        meaning,
    }
}

pub const fn max_iter(default: i64, meaning: &'static str) -> Param {
    Param {
        name: "max_iter",
        kind: Kind::Int {
            default,
            min: 1,
            max: MAX_ITER,
        },
        meaning,
    }
}

pub const fn tol(default: f64, meaning: &'static str) -> Param {
    Param {
        name: "tol",
        kind: Kind::Float {
            default,
            min: 0.0,
            max: 1e6,
        },
        meaning,
    }
}

pub const fn cv(default: i64) -> Param {
    Param {
        name: "cv",
        kind: Kind::Int {
            default,
            min: 2,
            max: 20,
        },
        meaning: "folds of the cross-validation that chooses alpha",
    }
}

pub const fn bootstrap(default: bool) -> Param {
    Param {
        name: "bootstrap",
        kind: Kind::Bool { default },
        meaning: "each tree on a bootstrap sample of the rows (false: on every row)",
    }
}

/// A forest's hyperparameters (random_forest, extra_trees), each with
/// scikit-learn's default for its estimator.
pub const fn forest(max_features_default: Features, bootstrap_default: bool) -> [Param; 6] {
    [
        n_estimators(100, MAX_TREES, "trees"),
        max_depth(None),
        MIN_SAMPLES_SPLIT,
        MIN_SAMPLES_LEAF,
        max_features(max_features_default),
        bootstrap(bootstrap_default),
    ]
}
