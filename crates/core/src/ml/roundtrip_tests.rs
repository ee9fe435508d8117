//! Every registered algorithm: fit, store as a blob, load, predict the same.

use ndarray::Array2;

use super::algorithms::{AlgorithmSpec, ALGORITHMS};
use super::columns::Values;
use super::model::Model;
use super::options::TrainOptions;
use super::training::{bundled, fit, Fitting, TrainingData};
use super::Task;
use crate::Value;

fn dataset(task: Task) -> TrainingData {
    let name = if task == Task::Regression {
        "diabetes"
    } else {
        "wine"
    };
    bundled(name, task, 1)
}

fn trained(spec: &AlgorithmSpec) -> (Model, Array2<f64>) {
    let data = dataset(spec.task);
    let rows = [0, 7, 42, 99, 150];
    let columns = &data.table.columns;
    let probe = Array2::from_shape_fn((rows.len(), columns.len()), |(i, j)| {
        match &columns[j].values {
            Values::Numbers(v) => v[rows[i]],
            _ => panic!("the bundled datasets are numeric"),
        }
    });
    let options = TrainOptions::default();
    let outcome = fit(
        spec,
        Fitting::of(spec, &options).unwrap(),
        data,
        "target",
        &options,
        &crate::control::Control::new(),
        &crate::memory::Budget::of(None),
    )
    .unwrap_or_else(|e| panic!("{} ({:?}) failed to fit: {e}", spec.name, spec.task));
    (outcome.model, probe)
}

#[test]
fn every_algorithm_round_trips_through_its_blob() {
    for spec in ALGORITHMS {
        let (model, probe) = trained(spec);
        let before = model.predict(probe.clone()).unwrap();
        let blob = model.to_blob().unwrap();
        let loaded = Model::from_blob(&blob)
            .unwrap_or_else(|e| panic!("{} ({:?}) does not load: {e}", spec.name, spec.task));
        let after = loaded.predict(probe).unwrap();
        assert_eq!(before, after, "{} ({:?})", spec.name, spec.task);
        assert_eq!(loaded.uid, model.uid);
        if spec.task == Task::Classification {
            assert!(before.iter().all(|v| matches!(v, Value::Real(_))));
        }
    }
}

#[test]
fn damaged_blobs_are_refused_with_a_clear_error() {
    let spec = super::algorithms::find(Task::Classification, "decision_tree").unwrap();
    let blob = trained(spec).0.to_blob().unwrap();
    let message = |bytes: &[u8]| match Model::from_blob(bytes) {
        Ok(_) => panic!("a damaged blob loaded"),
        Err(e) => e.to_string(),
    };
    assert!(message(&[]).contains("magic bytes"));
    assert!(message(b"\x80\x04\x95 pickle").contains("magic bytes"));
    assert!(message(&blob[..blob.len() / 2]).contains("checksum"));
    for position in [0, 9, 12, 30, blob.len() / 2, blob.len() - 1] {
        let mut flipped = blob.clone();
        flipped[position] ^= 0x10;
        let text = message(&flipped);
        assert!(
            text.contains("not a valid") || text.contains("version"),
            "{position}: {text}"
        );
    }
    let mut other_version = blob.clone();
    other_version[8] = 9;
    assert!(message(&other_version).contains("format version 9 is not supported"));
}

#[test]
fn a_wrong_feature_count_is_an_error_before_the_estimator_sees_it() {
    for spec in ALGORITHMS {
        let (model, probe) = trained(spec);
        let narrow = probe.slice(ndarray::s![.., ..3]).to_owned();
        let err = model.predict(narrow).unwrap_err().to_string();
        assert!(
            err.contains("takes 13 features") || err.contains("takes 10 features"),
            "{err}"
        );
    }
}
