//! The prediction types a model can be trained for.

use serde::{Deserialize, Serialize};

use crate::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Task {
    Regression,
    Classification,
}

impl Task {
    pub const ALL: [Task; 2] = [Task::Regression, Task::Classification];

    pub fn name(self) -> &'static str {
        match self {
            Task::Regression => "regression",
            Task::Classification => "classification",
        }
    }

    pub fn parse(name: &str) -> Result<Task, Error> {
        Task::ALL
            .into_iter()
            .find(|t| t.name() == name)
            .ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "unknown prediction type '{name}'; available: regression, classification"
                ))
            })
    }
}
