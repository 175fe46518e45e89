//! Engine errors as [`StoreError`]s.

use std::path::Path;

use rusqlite::ErrorCode;

use crate::task::StoreError;

/// Whether the engine says the file is damaged or not a database.
pub(super) fn is_corruption(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase)
    )
}

/// Maps an engine error to a [`StoreError`], naming the file where the file matters.
pub(super) fn store_error(path: &Path, error: rusqlite::Error) -> StoreError {
    let detail = error.to_string();
    match &error {
        rusqlite::Error::SqliteFailure(failure, _) => match failure.code {
            ErrorCode::DatabaseBusy => StoreError::Busy { detail },
            ErrorCode::DatabaseLocked => StoreError::Locked { detail },
            ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => StoreError::Corrupt {
                path: path.to_path_buf(),
                detail,
            },
            ErrorCode::CannotOpen => StoreError::CannotOpen {
                path: path.to_path_buf(),
                detail,
            },
            ErrorCode::ConstraintViolation => StoreError::Constraint { detail },
            other => StoreError::Storage {
                code: format!("{other:?}"),
                detail,
            },
        },
        rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::IntegralValueOutOfRange(..)
        | rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::Utf8Error(..) => StoreError::BadData {
            task_id: None,
            detail,
        },
        _ => StoreError::Storage {
            code: "other".to_owned(),
            detail,
        },
    }
}

/// Attaches the store's path to an engine error.
pub(super) trait AtPath<T> {
    fn at(self, path: &Path) -> Result<T, StoreError>;
}

impl<T> AtPath<T> for rusqlite::Result<T> {
    fn at(self, path: &Path) -> Result<T, StoreError> {
        self.map_err(|error| store_error(path, error))
    }
}
