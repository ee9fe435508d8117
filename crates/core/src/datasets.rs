//! The bundled datasets: scikit-learn's small public datasets, shipped inside
//! the binary (crates/core/data, written by scripts/vendor_datasets.py).

use std::io::Read;

use flate2::read::GzDecoder;

use crate::Error;

pub struct DatasetSpec {
    pub name: &'static str,
    /// Class names for classification sets, empty for regression.
    pub target_names: TargetNames,
    gzip_csv: &'static [u8],
}

pub enum TargetNames {
    None,
    Text(&'static [&'static str]),
    Integers(&'static [i64]),
}

pub static DATASETS: &[DatasetSpec] = &[
    DatasetSpec {
        name: "iris",
        target_names: TargetNames::Text(&["setosa", "versicolor", "virginica"]),
        gzip_csv: include_bytes!("../data/iris.csv.gz"),
    },
    DatasetSpec {
        name: "digits",
        target_names: TargetNames::Integers(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
        gzip_csv: include_bytes!("../data/digits.csv.gz"),
    },
    DatasetSpec {
        name: "wine",
        target_names: TargetNames::Text(&["class_0", "class_1", "class_2"]),
        gzip_csv: include_bytes!("../data/wine.csv.gz"),
    },
    DatasetSpec {
        name: "breast_cancer",
        target_names: TargetNames::Text(&["malignant", "benign"]),
        gzip_csv: include_bytes!("../data/breast_cancer.csv.gz"),
    },
    DatasetSpec {
        name: "diabetes",
        target_names: TargetNames::None,
        gzip_csv: include_bytes!("../data/diabetes.csv.gz"),
    },
];

/// A dataset read into memory: feature names, then rows of features and target.
pub struct Dataset {
    pub feature_names: Vec<String>,
    /// Row-major, `feature_names.len() + 1` values per row, the target last.
    pub values: Vec<f64>,
}

impl Dataset {
    pub fn rows(&self) -> usize {
        self.values.len() / (self.feature_names.len() + 1)
    }
}

pub fn find(name: &str) -> Result<&'static DatasetSpec, Error> {
    DATASETS.iter().find(|d| d.name == name).ok_or_else(|| {
        let names: Vec<&str> = DATASETS.iter().map(|d| d.name).collect();
        Error::InvalidArgument(format!(
            "unknown dataset '{name}'; available: {}",
            names.join(", ")
        ))
    })
}

impl DatasetSpec {
    pub fn read(&self) -> Result<Dataset, Error> {
        let broken = |what: String| Error::Sql(format!("bundled dataset {}: {what}", self.name));
        let mut text = String::new();
        GzDecoder::new(self.gzip_csv)
            .read_to_string(&mut text)
            .map_err(|e| broken(e.to_string()))?;
        let mut lines = text.lines();
        let header = lines.next().ok_or_else(|| broken("empty".into()))?;
        let mut columns = parse_header(header);
        if columns.pop().as_deref() != Some("target") {
            return Err(broken("the last column is not `target`".into()));
        }
        let width = columns.len() + 1;
        let mut values = Vec::new();
        for line in lines {
            let before = values.len();
            for field in line.split(',') {
                values.push(
                    field
                        .parse::<f64>()
                        .map_err(|e| broken(format!("{field}: {e}")))?,
                );
            }
            if values.len() - before != width {
                return Err(broken(format!(
                    "a row has {} values, not {width}",
                    values.len() - before
                )));
            }
        }
        Ok(Dataset {
            feature_names: columns,
            values,
        })
    }

    pub fn target_names_json(&self) -> serde_json::Value {
        match self.target_names {
            TargetNames::None => serde_json::json!([]),
            TargetNames::Text(names) => serde_json::json!(names),
            TargetNames::Integers(names) => serde_json::json!(names),
        }
    }
}

/// The CSV header: names are quoted when they hold a comma (none do, but the
/// writer would quote them).
fn parse_header(line: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                current.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => names.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    names.push(current);
    names
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn every_bundled_dataset_reads_with_scikit_learns_shape() {
        let shapes = [
            ("iris", 150, 4),
            ("digits", 1797, 64),
            ("wine", 178, 13),
            ("breast_cancer", 569, 30),
            ("diabetes", 442, 10),
        ];
        for (name, rows, features) in shapes {
            let data = find(name).unwrap().read().unwrap();
            assert_eq!(
                (data.rows(), data.feature_names.len()),
                (rows, features),
                "{name}"
            );
        }
    }

    #[test]
    fn diabetes_holds_scikit_learns_scaled_features() {
        // sklearn.datasets.load_diabetes().data[0, 0] and .target[0]
        let data = find("diabetes").unwrap().read().unwrap();
        assert_eq!(data.values[0], 0.038_075_906_433_423_026);
        assert_eq!(data.values[10], 151.0);
        assert_eq!(data.feature_names[..5], ["age", "sex", "bmi", "bp", "s1"]);
    }
}
