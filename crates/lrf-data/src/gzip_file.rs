//! Reading a whole data file that may be gzip-compressed, with errors that name the file.

use std::io::Read;
use std::path::Path;

use flate2::read::GzDecoder;

use crate::error::{DataError, Result};

/// The whole file at `path`, gunzipped when it starts with the gzip magic bytes.
pub(crate) fn read_maybe_gzipped(path: &Path) -> Result<Vec<u8>> {
    let raw = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => DataError::Missing {
            path: path.to_path_buf(),
            hint: "no such file".into(),
        },
        _ => DataError::corrupt(path, format!("cannot read: {e}")),
    })?;
    if !raw.starts_with(&[0x1f, 0x8b]) {
        return Ok(raw);
    }
    let mut out = Vec::new();
    GzDecoder::new(raw.as_slice())
        .read_to_end(&mut out)
        .map_err(|e| DataError::corrupt(path, format!("broken gzip stream: {e}")))?;
    Ok(out)
}
