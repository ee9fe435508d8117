//! Fuzzing the model-blob decoder and the feature-row parsers with mutated
//! inputs. Run by `cargo test` with a small count; `scripts/fuzz` runs it
//! with SQML_FUZZ_ITERATIONS set high (see ROBUSTNESS.md for the figures).
//!
//! Seeds: one blob per algorithm, kept in `fuzz/corpus/` (written on the
//! first run, then read back: they must keep loading, which also pins the
//! blob format). Mutations flip bits, overwrite, truncate, insert and splice
//! bytes; half the time the checksum is recomputed so that hostile bytes
//! reach the payload decoders. A quarter of the inputs are forged counts
//! (`forge_count`): a huge varint in the first bytes of the payload, where
//! the estimators keep their feature and class counts, with the lengths and
//! checksum recomputed.
//! This fuzzer found that a blob altered behind its checksum could give a
//! smartcore tree a cycle that made prediction loop forever; the trees are
//! now our own, flat, and checked on decoding (`Tree::check`).
//!
//! SQML_FUZZ_SEEDS=text keeps only the seeds whose file name holds the
//! text (`scripts/fuzz hist_gradient_boosting` gives every blob mutation to
//! those models).
//!
//! An input that aborts the process (a stack overflow cannot be caught) is
//! found with SQML_FUZZ_TRACE=1: each input's seed is printed and the last
//! input is kept as `sqml-fuzz-last.sqml` in the temporary directory.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::functions::fuzz_access::{fast_row, thorough_row};
use crate::ml::algorithms::{AlgorithmSpec, ALGORITHMS};
use crate::ml::model::Model;
use crate::ml::options::TrainOptions;
use crate::ml::training::{bundled, fit, Fitting, TrainingData};
use crate::ml::Task;

fn iterations() -> usize {
    std::env::var("SQML_FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join("corpus")
}

fn small_data(task: Task) -> TrainingData {
    let name = if task == Task::Regression {
        "diabetes"
    } else {
        "iris"
    };
    bundled(name, task, 3)
}

fn seed_name(spec: &AlgorithmSpec) -> String {
    format!("{}-{}.sqml", spec.task.name(), spec.name)
}

/// A table with text categories and NULLs, for the seeds of format 4's
/// preprocessing plans: one-hot, ordinal and target encodings, filled NULLs.
fn categorical_data(task: Task) -> TrainingData {
    use crate::ml::columns::Table;
    use crate::Arg;
    let names = ["colour", "size", "weight"].map(String::from).to_vec();
    let mut table = Table::new(names, task, 0).unwrap();
    let colours = ["red", "green", "blue"];
    for i in 0..60usize {
        let colour = if i % 7 == 0 {
            Arg::Null
        } else {
            Arg::Text(colours[i % 3])
        };
        let size = Arg::Text(if i % 2 == 0 { "small" } else { "large" });
        let weight = if i % 5 == 0 {
            Arg::Null
        } else {
            Arg::Real((i * 7 % 60) as f64)
        };
        let target = match task {
            Task::Regression => Arg::Real((i % 3) as f64 * 10.0 + (i * 7 % 60) as f64),
            Task::Classification => Arg::Text(colours[(i + i / 30) % 3]),
        };
        table
            .push(&[colour, size, weight], &target, "target", i + 1)
            .unwrap();
    }
    table.finish();
    TrainingData::of(table)
}

/// The categorical seeds: (file name, algorithm, task, encoding of `size`).
const CATEGORICAL_SEEDS: &[(&str, &str, Task, &str)] = &[
    (
        "categorical-classification-random_forest.sqml",
        "random_forest",
        Task::Classification,
        "ordinal",
    ),
    (
        "categorical-classification-knn.sqml",
        "knn",
        Task::Classification,
        "target",
    ),
    (
        "categorical-regression-ridge.sqml",
        "ridge",
        Task::Regression,
        "target",
    ),
    // Our own L-BFGS fit (the plain seed is smartcore's).
    (
        "categorical-classification-logistic_regression.sqml",
        "logistic_regression",
        Task::Classification,
        "one_hot",
    ),
    // The SVMs of the SMO solver (the plain seeds are linfa-svm's).
    (
        "categorical-regression-svr.sqml",
        "svr",
        Task::Regression,
        "one_hot",
    ),
    (
        "categorical-classification-svc.sqml",
        "svc",
        Task::Classification,
        "one_hot",
    ),
    // Trees on histograms whose NULL weights stay missing.
    (
        "categorical-regression-hist_gradient_boosting.sqml",
        "hist_gradient_boosting",
        Task::Regression,
        "ordinal",
    ),
    (
        "categorical-classification-hist_gradient_boosting.sqml",
        "hist_gradient_boosting",
        Task::Classification,
        "ordinal",
    ),
    // ... and whose trees split on sets of categories.
    (
        "categorical-native-regression-hist_gradient_boosting.sqml",
        "hist_gradient_boosting",
        Task::Regression,
        "native",
    ),
    (
        "categorical-native-classification-hist_gradient_boosting.sqml",
        "hist_gradient_boosting",
        Task::Classification,
        "native",
    ),
];

/// The corpus: read from disk, or trained and written when a seed is missing.
fn seeds() -> Vec<(String, Vec<u8>)> {
    let dir = corpus_dir();
    std::fs::create_dir_all(&dir).unwrap();
    ALGORITHMS
        .iter()
        .map(|spec| {
            let path = dir.join(seed_name(spec));
            let blob = std::fs::read(&path).unwrap_or_else(|_| {
                let options = TrainOptions::default();
                let model = fit(
                    spec,
                    Fitting::of(spec, &options).unwrap(),
                    small_data(spec.task),
                    "target",
                    &options,
                    &crate::control::Control::new(),
                    &crate::memory::Budget::of(None),
                )
                .unwrap()
                .model;
                let blob = model.to_blob().unwrap();
                std::fs::write(&path, &blob).unwrap();
                blob
            });
            (seed_name(spec), blob)
        })
        .chain(
            CATEGORICAL_SEEDS
                .iter()
                .map(|&(name, algorithm, task, size)| {
                    let path = dir.join(name);
                    let blob = std::fs::read(&path).unwrap_or_else(|_| {
                        let spec = crate::ml::algorithms::find(task, algorithm).unwrap();
                        let options = TrainOptions::parse(&format!(
                            r#"{{"preprocess": {{"size": {{"encode": "{size}"}}}}}}"#
                        ))
                        .unwrap();
                        let fitting = Fitting::of(spec, &options).unwrap();
                        let data = categorical_data(task);
                        let control = crate::control::Control::new();
                        let budget = crate::memory::Budget::of(None);
                        let model = fit(spec, fitting, data, "target", &options, &control, &budget)
                            .unwrap()
                            .model;
                        let blob = model.to_blob().unwrap();
                        std::fs::write(&path, &blob).unwrap();
                        blob
                    });
                    (name.to_string(), blob)
                }),
        )
        .collect()
}

/// A careful forger's change: one byte of the payload replaced by a varint
/// of a huge count (a class count, a feature count, a length), with the
/// payload length and the checksum recomputed, so that the blob passes every
/// check of its framing and the count reaches the decoder.
fn forge_count(rng: &mut ChaCha8Rng, blob: &[u8]) -> Option<Vec<u8>> {
    let header_len = u32::from_le_bytes(blob.get(26..30)?.try_into().ok()?) as usize;
    let payload_at = 30 + header_len + 8;
    let payload_len = u64::from_le_bytes(blob.get(payload_at - 8..payload_at)?.try_into().ok()?);
    let payload = blob.get(payload_at..payload_at + payload_len as usize)?;
    if payload.is_empty() {
        return None;
    }
    let huge: u64 = [1 << 20, 1 << 32, 1 << 40, 1 << 62, u64::MAX][rng.random_range(0..5)];
    let mut varint = Vec::new();
    let mut rest = huge;
    loop {
        let byte = (rest & 0x7f) as u8;
        rest >>= 7;
        varint.push(byte | if rest > 0 { 0x80 } else { 0 });
        if rest == 0 {
            break;
        }
    }
    let at = rng.random_range(0..payload.len().min(64));
    let mut forged = payload[..at].to_vec();
    forged.extend_from_slice(&varint);
    forged.extend_from_slice(&payload[at + 1..]);
    let mut out = blob[..payload_at - 8].to_vec();
    out.extend_from_slice(&(forged.len() as u64).to_le_bytes());
    out.extend_from_slice(&forged);
    let checksum = crc32fast::hash(&out).to_le_bytes();
    out.extend_from_slice(&checksum);
    Some(out)
}

fn mutate(rng: &mut ChaCha8Rng, seeds: &[(String, Vec<u8>)], blob: &[u8]) -> Vec<u8> {
    if rng.random_bool(0.25) {
        if let Some(forged) = forge_count(rng, blob) {
            return forged;
        }
    }
    let mut out = blob.to_vec();
    for _ in 0..rng.random_range(1..4) {
        let len = out.len().max(1);
        match rng.random_range(0..6) {
            0 => {
                let bit = rng.random_range(0..len * 8);
                if let Some(byte) = out.get_mut(bit / 8) {
                    *byte ^= 1 << (bit % 8);
                }
            }
            1 => {
                let at = rng.random_range(0..len);
                if let Some(byte) = out.get_mut(at) {
                    *byte = [0, 0xff, 0x7f, 0x80, rng.random()][rng.random_range(0..5)];
                }
            }
            2 => out.truncate(rng.random_range(0..len)),
            3 => {
                let at = rng.random_range(0..=out.len());
                let extra: Vec<u8> = (0..rng.random_range(1..16)).map(|_| rng.random()).collect();
                out.splice(at..at, extra);
            }
            4 => {
                // Splice in a piece of another algorithm's blob.
                let other = &seeds[rng.random_range(0..seeds.len())].1;
                let start = rng.random_range(0..other.len());
                let end = (start + rng.random_range(1..64)).min(other.len());
                let at = rng.random_range(0..=out.len());
                out.splice(at..at, other[start..end].iter().copied());
            }
            _ => {
                let at = rng.random_range(0..len);
                let end = (at + rng.random_range(1..32)).min(out.len());
                if at < end {
                    out.drain(at..end);
                }
            }
        }
    }
    if rng.random_bool(0.5) && out.len() >= 4 {
        let body = out.len() - 4;
        let checksum = crc32fast::hash(&out[..body]).to_le_bytes();
        out[body..].copy_from_slice(&checksum);
    }
    out
}

#[test]
fn the_corpus_loads_and_predicts() {
    for (name, blob) in seeds() {
        let model = Model::from_blob(&blob).unwrap_or_else(|e| panic!("{name}: {e}"));
        let probe = Array2::from_elem((3, model.n_features()), 0.5);
        let predicted = model.predict(probe.clone()).unwrap();
        assert_eq!(predicted.len(), 3, "{name}");
        // A classifier with probabilities: rows summing to 1 whose largest
        // is the predicted class.
        if let (Some(classes), Ok(p)) = (&model.header.classes, model.probabilities(probe)) {
            for (row, label) in p.rows().into_iter().zip(&predicted) {
                assert!((row.sum() - 1.0).abs() < 1e-9, "{name}");
                let best = crate::ml::algorithms::argmax(row.as_slice().unwrap());
                assert_eq!(&classes.labels[best].to_value(), label, "{name}");
            }
        }
    }
}

#[test]
fn mutated_blobs_are_refused_or_predict_without_panicking() {
    let only = std::env::var("SQML_FUZZ_SEEDS").unwrap_or_default();
    let seeds: Vec<_> = seeds()
        .into_iter()
        .filter(|(name, _)| name.contains(&only))
        .collect();
    assert!(!seeds.is_empty(), "no seed's name holds {only:?}");
    let mut rng = ChaCha8Rng::seed_from_u64(0x5eed);
    let (mut refused, mut loaded, mut panicked) = (0usize, 0usize, Vec::new());
    let (mut inconsistent, mut bad_links, mut bad_counts) = (0usize, 0usize, 0usize);
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for i in 0..iterations() {
        let seed = &seeds[i % seeds.len()];
        let blob = mutate(&mut rng, &seeds, &seed.1);
        if std::env::var_os("SQML_FUZZ_TRACE").is_some() {
            eprintln!("{i} {}", seed.0);
            std::fs::write(std::env::temp_dir().join("sqml-fuzz-last.sqml"), &blob).unwrap();
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| match Model::from_blob(&blob) {
            Err(e) => {
                let message = e.to_string();
                if message.contains("decision tree in the model is malformed") {
                    bad_links += 1;
                } else if message.contains("the header says") {
                    bad_counts += 1;
                } else if message.contains("inconsistent") {
                    inconsistent += 1;
                }
                false
            }
            Ok(model) => {
                // A row of numbers and one of missing values.
                let mut probe = Array2::from_elem((2, model.n_features()), 1.5);
                probe.row_mut(1).fill(f64::NAN);
                let _ = model.predict(probe.clone());
                let _ = model.probabilities(probe);
                true
            }
        }));
        match outcome {
            Ok(false) => refused += 1,
            Ok(true) => loaded += 1,
            Err(_) => panicked.push(seed.0.clone()),
        }
    }
    std::panic::set_hook(quiet);
    eprintln!(
        "blob fuzz: {} executions, {refused} refused ({bad_links} of them for a malformed tree, \
         {bad_counts} for counts that disagree with the header, {inconsistent} by the probe \
         prediction), {loaded} loaded and predicted, {} panics escaped",
        refused + loaded + panicked.len(),
        panicked.len()
    );
    assert!(
        panicked.is_empty(),
        "panics decoding or using mutated blobs of: {panicked:?}"
    );
}

#[test]
fn feature_rows_parse_the_same_fast_and_thorough_and_never_panic() {
    // A numeric model, and one with text categories and NULL fills.
    let seeds = seeds();
    let categorical = seeds
        .iter()
        .find(|(name, _)| name.starts_with("categorical"))
        .unwrap();
    for (_, blob) in [&seeds[0], categorical] {
        rows_agree(&Model::from_blob(blob).unwrap());
    }
}

fn rows_agree(model: &Model) {
    let names: Vec<String> = model.feature_names().map(str::to_string).collect();
    let valid = [
        format!("[{}]", vec!["1.5"; names.len()].join(", ")),
        format!(
            "{{{}}}",
            names
                .iter()
                .map(|n| format!("\"{n}\": 2"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ];
    let alphabet: Vec<char> = "{}[]\",:0123456789.eE+- nulltrueagesbmiredsmall\\\u{e9}"
        .chars()
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(0xfeed);
    let (mut agreed, mut refused) = (0usize, 0usize);
    for i in 0..iterations() {
        let mut text: Vec<char> = valid[i % 2].chars().collect();
        for _ in 0..rng.random_range(0..4) {
            let at = rng.random_range(0..=text.len());
            match rng.random_range(0..3) {
                0 if at < text.len() => {
                    text.remove(at);
                }
                1 if at < text.len() => text[at] = alphabet[rng.random_range(0..alphabet.len())],
                _ => text.insert(at, alphabet[rng.random_range(0..alphabet.len())]),
            }
        }
        let text: String = text.into_iter().collect();
        let mut fast = vec![0.0; names.len()];
        let fast_ok = fast_row(model, &text, &mut fast);
        match thorough_row(model, &text) {
            Ok(row) => {
                assert!(
                    fast_ok,
                    "the fast parser refused a row the thorough one read: {text}"
                );
                assert_eq!(row, fast, "{text}");
                agreed += 1;
            }
            Err(_) => {
                assert!(
                    !fast_ok,
                    "the fast parser read a row the thorough one refused: {text}"
                );
                refused += 1;
            }
        }
    }
    eprintln!(
        "row fuzz: {} executions, {agreed} read by both, {refused} refused by both",
        agreed + refused
    );
}

/// Valid and nearly valid options objects, the fuzzer's starting points.
const OPTION_SEEDS: &[&str] = &[
    r#"{"test_size": 0.3, "split_strategy": "stratified", "seed": 7}"#,
    r#"{"features": ["a", "b"], "exclude": [], "automatic_deploy": false}"#,
    r#"{"preprocess": {"a": {"encode": "one_hot", "impute": "mode", "scale": "robust"}}}"#,
    r#"{"preprocess": {"a": {"encode": {"ordinal": ["low", "mid", "high"]}}}}"#,
    r#"{"hyperparams": {"n_estimators": 10, "max_depth": null, "max_features": "sqrt"}}"#,
    r#"{"hyperparams": {"hidden_layer_sizes": [8], "alpha": 0.001, "max_iter": 5}}"#,
    r#"{"search": "grid", "search_params": {"n_estimators": [5, 10], "max_depth": [2, null]}, "search_args": {"cv": 3}}"#,
    r#"{"search": "random", "search_params": {"alpha": [0.1, 1.0, 10.0]}, "search_args": {"n_iter": 2}}"#,
    r#"{"max_memory": "64MB", "seed": 9223372036854775807}"#,
];

/// A hostile options text: deep nesting, many keys, numbers past every
/// range, or a search grid of up to a million candidates.
fn hostile_options(rng: &mut ChaCha8Rng) -> String {
    match rng.random_range(0..6) {
        0 => {
            let depth = rng.random_range(1..100_000);
            let open = if rng.random_bool(0.5) { "[" } else { "{\"a\":" };
            let close = if open == "[" { "]" } else { "}" };
            format!(
                "{{\"hyperparams\": {}1{}}}",
                open.repeat(depth),
                close.repeat(depth)
            )
        }
        1 => {
            let keys = rng.random_range(1..100_000);
            let body: Vec<String> = (0..keys).map(|i| format!("\"k{i}\": {i}")).collect();
            format!("{{\"hyperparams\": {{{}}}}}", body.join(","))
        }
        2 => {
            let number = [
                "1e308",
                "-1e308",
                "1e400",
                "18446744073709551616",
                "-0",
                "1e-400",
            ][rng.random_range(0..6)];
            let key = ["test_size", "seed", "max_memory", "hyperparams"][rng.random_range(0..4)];
            match key {
                "hyperparams" => format!("{{\"hyperparams\": {{\"n_estimators\": {number}}}}}"),
                _ => format!("{{\"{key}\": {number}}}"),
            }
        }
        3 => {
            let side = rng.random_range(1..1_000);
            let values: Vec<String> = (1..=side).map(|v| v.to_string()).collect();
            let kind = if rng.random_bool(0.5) {
                "grid"
            } else {
                "random"
            };
            format!(
                "{{\"search\": \"{kind}\", \"search_params\": {{\"n_estimators\": [{v}], \
                 \"max_depth\": [{v}]}}, \"search_args\": {{\"n_iter\": {}}}}}",
                rng.random_range(1..1_000_000_000u64),
                v = values.join(",")
            )
        }
        4 => {
            let units = ["", "kB", "MB", "GiB", "TB", "parsec", "e9"];
            format!(
                "{{\"max_memory\": \"{}{}\"}}",
                rng.random_range(0..10_000u32),
                units[rng.random_range(0..units.len())]
            )
        }
        _ => {
            "{\"preprocess\": {\"a\": {\"encode\": {\"ordinal\": [".to_string()
                + &vec!["\"x\""; rng.random_range(1..50_000)].join(",")
                + "]}}}}"
        }
    }
}

#[test]
fn options_are_refused_or_checked_without_panicking_in_bounded_time() {
    let seeds: Vec<(String, Vec<u8>)> = OPTION_SEEDS
        .iter()
        .map(|s| (String::new(), s.as_bytes().to_vec()))
        .collect();
    let specs: Vec<&AlgorithmSpec> = ["random_forest", "knn", "mlp", "ridge"]
        .iter()
        .map(|name| crate::ml::algorithms::find(Task::Classification, name).unwrap())
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    let (mut parsed, mut refused, mut fitting_refused, mut slowest) = (0, 0, 0, 0.0f64);
    // Hostile inputs are larger: one in twenty.
    for _ in 0..iterations() {
        let text = if rng.random_range(0..20) == 0 {
            hostile_options(&mut rng)
        } else {
            let seed = &seeds[rng.random_range(0..seeds.len())].1;
            String::from_utf8_lossy(&mutate(&mut rng, &seeds, seed)).into_owned()
        };
        let started = std::time::Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| match TrainOptions::parse(&text) {
            Err(_) => (false, 0),
            Ok(options) => {
                let refused = specs
                    .iter()
                    .filter(|spec| Fitting::of(spec, &options).is_err())
                    .count();
                (true, refused)
            }
        }));
        slowest = slowest.max(started.elapsed().as_secs_f64());
        match outcome {
            Ok((true, r)) => {
                parsed += 1;
                fitting_refused += r;
            }
            Ok((false, _)) => refused += 1,
            Err(_) => panic!("options parsing panicked on {text:?}"),
        }
    }
    assert!(slowest < 1.0, "an options text took {slowest:.3} s");
    println!(
        "fuzz: options: {parsed} parsed ({fitting_refused} algorithm checks refused), \
         {refused} refused, slowest {:.1} ms",
        slowest * 1e3
    );
}
