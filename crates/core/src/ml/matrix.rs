//! The encoded matrices: each chosen column's cells written into its
//! slots, only into the slots that can vary in the training rows.

use ndarray::Array2;
use rayon::prelude::*;

use super::columns::{Values, NULL_CODE};
use super::plan::{ColumnPlan, Encoding};
use super::target_encoding::TARGET_FOLDS;

/// How one chosen column's rows become cells.
pub struct Source<'a> {
    pub values: &'a Values,
    /// Categorical: each dictionary code's cell.
    pub remap: Vec<f64>,
    /// The cell of NULL (and, categorical, of codes past the dictionary).
    pub null: f64,
    pub other: f64,
    /// Out-of-fold target tables, one per fold.
    pub folds: Vec<Vec<f64>>,
}

impl Source<'_> {
    pub fn cell(&self, row: usize) -> f64 {
        match self.values {
            Values::Numbers(v) => {
                let v = v[row];
                if v.is_nan() {
                    self.null
                } else {
                    v
                }
            }
            Values::Categories { codes, .. } => match codes[row] {
                NULL_CODE => self.null,
                code => self.remap.get(code as usize).copied().unwrap_or(self.other),
            },
            Values::LongText { .. } => 0.0,
        }
    }
}

/// Each slot's column in the matrices, in slot order; None for a one-hot
/// slot that no training row, or every one, has: it cannot vary, and a
/// one-hot column's "other" slot is often empty.
pub fn slot_columns(
    plans: &[ColumnPlan],
    sources: &[Source<'_>],
    train: &[usize],
) -> Vec<Option<usize>> {
    let mut varies = Vec::new();
    for (plan, source) in plans.iter().zip(sources) {
        match plan.encoding {
            Encoding::OneHot => {
                let mut counts = vec![0usize; plan.slots()];
                for &row in train {
                    counts[(source.cell(row) as usize).min(plan.other())] += 1;
                }
                varies.extend(counts.iter().map(|&c| c > 0 && c < train.len()));
            }
            _ => varies.extend(std::iter::repeat_n(true, plan.slots())),
        }
    }
    let mut next = 0;
    varies
        .into_iter()
        .map(|v| {
            v.then(|| {
                next += 1;
                next - 1
            })
        })
        .collect()
}

/// `columns` without the target-encoded slots, the others renumbered.
pub fn without_target_slots(plans: &[ColumnPlan], columns: &[Option<usize>]) -> Vec<Option<usize>> {
    let mut next = 0;
    plans
        .iter()
        .flat_map(|p| {
            let target = matches!(p.encoding, Encoding::Target { .. });
            std::iter::repeat_n(target, p.slots())
        })
        .zip(columns)
        .map(|(target, column)| match (target, column) {
            (false, Some(_)) => {
                next += 1;
                Some(next - 1)
            }
            _ => None,
        })
        .collect()
}

/// Table rows per block: a block's cells are read column by column, in
/// the table's order, and written into the rows of the matrix they go to,
/// which for a block stay in cache.
const BLOCK: usize = 4096;

/// The rows' encoded (unscaled) matrix over the slots that have a column;
/// training rows take their fold's target tables. `rows` are distinct
/// (one part of a split), in the order of the matrix.
///
/// The split's rows are shuffled: read in that order, every cell of the
/// table would be a cache miss. Each thread instead owns a band of the
/// matrix's rows and reads the table in order, keeping the rows that fall
/// in its band.
pub fn encode_rows(
    plans: &[ColumnPlan],
    sources: &[Source<'_>],
    rows: &[usize],
    training: bool,
    columns: &[Option<usize>],
) -> Result<Array2<f64>, crate::Error> {
    let width = columns.iter().flatten().count();
    let mut out = crate::memory::zeros(rows.len(), width)?;
    if width == 0 || rows.is_empty() {
        return Ok(out);
    }
    let table_rows = rows.iter().max().map_or(0, |&m| m + 1);
    let mut position = vec![u32::MAX; table_rows];
    for (p, &row) in rows.iter().enumerate() {
        debug_assert_eq!(position[row], u32::MAX, "rows are distinct");
        position[row] = p as u32;
    }
    let band = rows.len().div_ceil(rayon::current_num_threads().max(1));
    let slice = out.as_slice_mut().expect("a new array is contiguous");
    slice
        .par_chunks_mut(width * band)
        .enumerate()
        .for_each(|(b, out)| {
            let first_row = b * band;
            let in_band = first_row..first_row + out.len() / width;
            // This block's table rows in the band, and their rows in `out`.
            let mut picked: Vec<(usize, usize)> = Vec::with_capacity(BLOCK);
            let mut cells = Vec::with_capacity(BLOCK);
            for start in (0..table_rows).step_by(BLOCK) {
                picked.clear();
                let end = (start + BLOCK).min(table_rows);
                for (row, &p) in position[start..end].iter().enumerate() {
                    if in_band.contains(&(p as usize)) {
                        picked.push((start + row, p as usize));
                    }
                }
                if picked.is_empty() {
                    continue;
                }
                let mut first = 0;
                for (plan, source) in plans.iter().zip(sources) {
                    let slots = &columns[first..first + plan.slots()];
                    first += plan.slots();
                    if slots.iter().all(Option::is_none) {
                        continue;
                    }
                    cells.clear();
                    cells.extend(picked.iter().map(|&(row, _)| source.cell(row)));
                    let other = plan.other();
                    let targets = picked.iter().zip(&cells).map(|(&(_, p), &cell)| {
                        let at = (p - first_row) * width;
                        (p, at, cell)
                    });
                    match &plan.encoding {
                        Encoding::Native | Encoding::Ordinal => {
                            if let Some(c) = slots[0] {
                                targets.for_each(|(_, at, cell)| out[at + c] = cell);
                            }
                        }
                        // The matrix is zeros: only the one is written.
                        Encoding::OneHot => targets.for_each(|(_, at, cell)| {
                            if let Some(c) = slots[(cell as usize).min(other)] {
                                out[at + c] = 1.0;
                            }
                        }),
                        Encoding::Target { outputs, table } => targets.for_each(|(p, at, cell)| {
                            let table = match training && !source.folds.is_empty() {
                                true => &source.folds[p % TARGET_FOLDS],
                                false => table,
                            };
                            let code = (cell as usize).min(other);
                            let values = &table[code * outputs..(code + 1) * outputs];
                            for (slot, &v) in slots.iter().zip(values) {
                                if let Some(c) = *slot {
                                    out[at + c] = v;
                                }
                            }
                        }),
                    }
                }
            }
        });
    Ok(out)
}

/// The `keep` columns of `x` (increasing), moved left within its own
/// buffer: a one-hot matrix is not held twice to drop its unused slots.
pub fn only_columns(x: Array2<f64>, keep: &[usize]) -> Array2<f64> {
    let (rows, width) = x.dim();
    if keep.len() == width {
        return x;
    }
    let x = if x.is_standard_layout() {
        x
    } else {
        x.as_standard_layout().into_owned()
    };
    let (mut values, _) = x.into_raw_vec_and_offset();
    let mut at = 0;
    for r in 0..rows {
        for &j in keep {
            values[at] = values[r * width + j];
            at += 1;
        }
    }
    values.truncate(at);
    values.shrink_to_fit();
    Array2::from_shape_vec((rows, keep.len()), values).expect("rows x kept columns")
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::ml::plan::Kind;

    fn plan(kind: Kind, categories: usize, encoding: Encoding) -> ColumnPlan {
        let mut plan = ColumnPlan {
            name: "c".into(),
            kind,
            categories: (0..categories).map(|c| Some(format!("c{c}"))).collect(),
            encoding,
            impute: "mean".into(),
            fill: Some(0.5),
            scale: "preserve".into(),
            shift: Vec::new(),
            divide: Vec::new(),
            missing: 0,
        };
        (plan.shift, plan.divide) = (vec![0.0; plan.slots()], vec![1.0; plan.slots()]);
        plan
    }

    /// Block by block, band by band, in the table's order: the same matrix
    /// as encoding each row in the matrix's order with `ColumnPlan::encode`.
    #[test]
    fn encoded_rows_are_each_rows_cells() {
        let n = 10_000;
        let numbers = Values::Numbers(
            (0..n)
                .map(|i| if i % 13 == 0 { f64::NAN } else { i as f64 })
                .collect(),
        );
        let codes = Values::Categories {
            names: (0..4).map(|c| format!("c{c}").into()).collect(),
            codes: (0..n as u32)
                .map(|i| if i % 11 == 0 { NULL_CODE } else { i % 4 })
                .collect(),
        };
        let table: Vec<f64> = (0..8).map(|v| v as f64 * 0.25).collect();
        let plans = vec![
            plan(Kind::Numeric, 0, Encoding::Native),
            plan(Kind::Categorical, 3, Encoding::OneHot),
            plan(
                Kind::Categorical,
                3,
                Encoding::Target {
                    outputs: 2,
                    table: table.clone(),
                },
            ),
        ];
        let source = |values, remap: Vec<f64>, folds| Source {
            values,
            remap,
            null: 0.5,
            other: 3.0,
            folds,
        };
        let folds: Vec<Vec<f64>> = (0..TARGET_FOLDS)
            .map(|f| table.iter().map(|v| v + f as f64).collect())
            .collect();
        let sources = vec![
            source(&numbers, Vec::new(), Vec::new()),
            source(&codes, vec![0.0, 1.0, 2.0, 3.0], Vec::new()),
            source(&codes, vec![2.0, 0.0, 1.0, 3.0], folds.clone()),
        ];
        // One-hot's slot 2 has no column, as an empty slot would not.
        let columns = vec![Some(0), Some(1), Some(2), None, Some(3), Some(4), Some(5)];
        let rows: Vec<usize> = (0..7_000).map(|i| (i * 7919) % n).collect();
        for training in [true, false] {
            let x = encode_rows(&plans, &sources, &rows, training, &columns).unwrap();
            assert_eq!(x.dim(), (rows.len(), 6));
            for (p, &row) in rows.iter().enumerate() {
                let mut expected = Vec::new();
                for (plan, source) in plans.iter().zip(&sources) {
                    let mut plan = plan.clone();
                    if let (true, Encoding::Target { table, .. }) = (training, &mut plan.encoding) {
                        if !source.folds.is_empty() {
                            *table = source.folds[p % TARGET_FOLDS].clone();
                        }
                    }
                    let mut slots = vec![0.0; plan.slots()];
                    plan.encode(source.cell(row), &mut slots);
                    expected.extend(slots);
                }
                let expected: Vec<f64> = expected
                    .iter()
                    .zip(&columns)
                    .filter(|(_, c)| c.is_some())
                    .map(|(v, _)| *v)
                    .collect();
                assert_eq!(x.row(p).to_vec(), expected, "row {row} at {p}");
            }
        }
    }

    #[test]
    fn only_columns_is_select() {
        let x = Array2::from_shape_fn((4, 5), |(r, c)| (r * 10 + c) as f64);
        let keep = [0, 2, 3];
        assert_eq!(
            only_columns(x.clone(), &keep),
            x.select(ndarray::Axis(1), &keep)
        );
        assert_eq!(only_columns(x.clone(), &[0, 1, 2, 3, 4]), x);
    }
}
