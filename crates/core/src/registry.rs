//! The table of SQL functions every door registers, and the one way to call them.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::functions::{
    debug, deploy, load_dataset, model_info, predict, predict_batch, predict_proba,
    predict_proba_batch, train, version,
};
use crate::{Arg, Db, Error, Value};

/// SQLite function flags the doors translate into their own binding's flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flags {
    /// Same arguments, same result: SQLite may factor calls out of a query.
    pub deterministic: bool,
    /// Has side effects: may not be called from views, triggers or schema
    /// (SQLITE_DIRECTONLY), so an untrusted database cannot fire it.
    pub direct_only: bool,
}

impl Flags {
    pub const DETERMINISTIC: Flags = Flags {
        deterministic: true,
        direct_only: false,
    };
    pub const DIRECTONLY: Flags = Flags {
        deterministic: false,
        direct_only: true,
    };
    /// Neither: the result depends on the database or the build, and calling it changes nothing.
    pub const VOLATILE: Flags = Flags {
        deterministic: false,
        direct_only: false,
    };
}

pub type Run = fn(&mut dyn Db, &[Arg<'_>]) -> Result<Value, Error>;

/// One SQL function: its name, the argument counts it accepts, its flags and its body.
pub struct FunctionSpec {
    pub name: &'static str,
    /// Every argument count registered under `name`.
    pub arities: &'static [i32],
    pub flags: Flags,
    pub run: Run,
}

pub static FUNCTIONS: &[FunctionSpec] = &[
    FunctionSpec {
        name: "sqml_version",
        arities: &[0],
        flags: Flags::VOLATILE,
        run: version::run,
    },
    FunctionSpec {
        name: "sqml_debug",
        arities: &[0, 1],
        flags: Flags::VOLATILE,
        run: debug::run,
    },
    FunctionSpec {
        name: "sqml_load_dataset",
        arities: &[1, 2],
        flags: Flags::DIRECTONLY,
        run: load_dataset::run,
    },
    FunctionSpec {
        name: "sqml_train",
        arities: &[5, 6, 7],
        flags: Flags::DIRECTONLY,
        run: train::run,
    },
    // Any count: (experiment, json) or (experiment, number, number, ...).
    FunctionSpec {
        name: "sqml_predict",
        arities: &[-1],
        flags: Flags::VOLATILE,
        run: predict::run,
    },
    FunctionSpec {
        name: "sqml_model_info",
        arities: &[1],
        flags: Flags::VOLATILE,
        run: model_info::run,
    },
    FunctionSpec {
        name: "sqml_deploy",
        arities: &[1, 2, 3],
        flags: Flags::DIRECTONLY,
        run: deploy::run,
    },
    FunctionSpec {
        name: "sqml_predict_batch",
        arities: &[2],
        flags: Flags::VOLATILE,
        run: predict_batch::run,
    },
    // As sqml_predict: (model, json) or (model, number, number, ...).
    FunctionSpec {
        name: "sqml_predict_proba",
        arities: &[-1],
        flags: Flags::VOLATILE,
        run: predict_proba::run,
    },
    FunctionSpec {
        name: "sqml_predict_proba_batch",
        arities: &[2],
        flags: Flags::VOLATILE,
        run: predict_proba_batch::run,
    },
];

/// How deep `sqml_*` calls may nest on one thread. Training on a view that
/// predicts is two levels; a database whose views or triggers call back into
/// the functions that read them would otherwise recurse until the host's
/// stack overflows.
pub const MAX_NESTING: usize = 4;

thread_local! {
    static NESTING: Cell<usize> = const { Cell::new(0) };
}

/// Counts one level of nesting while it lives.
struct Nested;

impl Nested {
    fn enter() -> Option<Nested> {
        NESTING.with(|depth| {
            (depth.get() < MAX_NESTING).then(|| {
                depth.set(depth.get() + 1);
                Nested
            })
        })
    }
}

impl Drop for Nested {
    fn drop(&mut self) {
        NESTING.with(|depth| depth.set(depth.get() - 1));
    }
}

/// Calls a function the way every door must: a panic becomes an error, and
/// every error message starts with the function's name.
pub fn call(spec: &FunctionSpec, db: &mut dyn Db, args: &[Arg<'_>]) -> Result<Value, String> {
    let result = match Nested::enter() {
        Some(_level) => catch_unwind(AssertUnwindSafe(|| (spec.run)(db, args)))
            .unwrap_or_else(|payload| Err(Error::Panic(panic_message(payload.as_ref())))),
        None => Err(Error::InvalidArgument(format!(
            "sqml_* calls nest more than {MAX_NESTING} deep (a view or trigger that calls \
             sqml_* functions while one of them reads it?); refused"
        ))),
    };
    // A NUL would end the message at the C boundary (rusqlite then reports a
    // bare constraint code); user input quoted in a message may hold one.
    result.map_err(|err| format!("{}: {err}", spec.name).replace('\0', "\\0"))
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic with no message".to_string()
    }
}
