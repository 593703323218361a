//! A configuration's problems, each at its file, line and column.

use std::fmt;
use std::path::{Path, PathBuf};

/// Everything wrong with a configuration file, in file order, so that one `check` shows
/// every mistake rather than one per try. Each `[daemon]` table, `[[source]]` and
/// `[[feed]]` is checked on its own; within one, checking stops at its first problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    pub file: PathBuf,
    /// Never empty.
    pub problems: Vec<Problem>,
}

/// One problem and where it is. Line 0: the file as a whole (it cannot be read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl ConfigError {
    pub(super) fn whole_file(file: &Path, message: String) -> ConfigError {
        ConfigError {
            file: file.to_path_buf(),
            problems: vec![Problem {
                line: 0,
                column: 0,
                message,
            }],
        }
    }

    /// The problems of several parts of one file as one error, in file order.
    pub(super) fn joined(errors: Vec<ConfigError>) -> Option<ConfigError> {
        let file = errors.first()?.file.clone();
        let mut problems: Vec<Problem> = errors.into_iter().flat_map(|e| e.problems).collect();
        problems.sort_by_key(|p| (p.line, p.column));
        Some(ConfigError { file, problems })
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            if p.line == 0 {
                write!(f, "{}: {}", self.file.display(), p.message)?;
            } else {
                write!(
                    f,
                    "{}:{}:{}: {}",
                    self.file.display(),
                    p.line,
                    p.column,
                    p.message
                )?;
            }
        }
        Ok(())
    }
}
