//! German→English translation pairs from the Ding dictionary (TU Chemnitz, Frank Richter; GPL-2+),
//! as the Debian package `trans-de-en` installs it (`/usr/share/trans/de-en`).
//!
//! The file is read at run time and nothing derived from it is stored in this repository.
//!
//! Format: one entry a line, `German :: English`; `#` lines are comments. An entry holds
//! sub-entries separated by ` | `, aligned one to one on both sides; within a sub-entry,
//! synonyms are separated by `;`. Annotations are `{n}` (grammar), `[ugs.]` (usage, field),
//! `<Aalmolch>` (spelling variants) and `/BRD/` (abbreviations).
//!
//! [`parse_line`] drops the annotations, splits the sub-entries and keeps the aligned pairs that
//! have one alternative on each side (no `;`); [`SentenceFilter`] keeps sentence-like pairs
//! (for example "Er arbeitet von früh bis spät." → "He works from morning to night.");
//! [`split`] is a fixed train/validation split by a stable hash of the German side, so that
//! every translation of one German sentence lands on the same side.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::error::{DataError, Result};

/// Where the Debian package `trans-de-en` installs the dictionary.
pub const DEBIAN_FILE: &str = "/usr/share/trans/de-en";
/// Environment variable naming another Ding-format file to read instead.
pub const ENV_FILE: &str = "LRF_DING_FILE";

/// One German→English pair.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhrasePair {
    /// The German side (the source).
    pub german: String,
    /// The English side (the target).
    pub english: String,
}

/// Removes Ding annotations — `{…}`, `[…]`, `<…>` and `/Abbr./` (a slash, a capital letter, then
/// letters and dots, then a slash) — together with the whitespace before each, then collapses
/// runs of whitespace to one space and trims. An opening bracket without its closing one is
/// kept as text.
pub fn clean(text: &str) -> String {
    // Every delimiter is ASCII, so scanning bytes never splits a character.
    let bytes = text.as_bytes();
    let mut kept = String::with_capacity(text.len());
    let (mut i, mut copied) = (0, 0);
    while i < bytes.len() {
        match annotation_end(bytes, i) {
            Some(end) => {
                kept.push_str(&text[copied..i]);
                kept.truncate(kept.trim_end().len());
                i = end;
                copied = end;
            }
            None => i += 1,
        }
    }
    kept.push_str(&text[copied..]);
    let mut out = String::with_capacity(kept.len());
    for word in kept.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// If an annotation starts at byte `i`, the index just past it.
fn annotation_end(bytes: &[u8], i: usize) -> Option<usize> {
    let close = match bytes[i] {
        b'{' => b'}',
        b'[' => b']',
        b'<' => b'>',
        b'/' => {
            if !bytes.get(i + 1)?.is_ascii_uppercase() {
                return None;
            }
            let mut j = i + 2;
            while j < bytes.len() && (bytes[j].is_ascii_alphabetic() || bytes[j] == b'.') {
                j += 1;
            }
            return (bytes.get(j) == Some(&b'/')).then_some(j + 1);
        }
        _ => return None,
    };
    bytes[i + 1..]
        .iter()
        .position(|&c| c == close)
        .map(|k| i + 1 + k + 1)
}

/// The pairs of one dictionary line: sub-entries split on ` | ` and aligned, annotations
/// dropped, pairs with a `;` (several alternatives) on either side left out. A comment line,
/// a line without `::` or one whose two sides have different numbers of sub-entries gives none.
pub fn parse_line(line: &str) -> Vec<PhrasePair> {
    let line = line.trim_end_matches(['\n', '\r']);
    if line.starts_with('#') {
        return Vec::new();
    }
    let Some((german, english)) = line.split_once("::") else {
        return Vec::new();
    };
    let german: Vec<&str> = german.split(" | ").collect();
    let english: Vec<&str> = english.split(" | ").collect();
    if german.len() != english.len() {
        return Vec::new();
    }
    german
        .iter()
        .zip(&english)
        .filter_map(|(d, e)| {
            let (d, e) = (clean(d), clean(e));
            (!d.is_empty() && !e.is_empty() && !d.contains(';') && !e.contains(';')).then_some(
                PhrasePair {
                    german: d,
                    english: e,
                },
            )
        })
        .collect()
}

/// Every pair of a Ding-format text, in file order, each distinct pair once.
pub fn parse(text: &str) -> Vec<PhrasePair> {
    let mut seen = HashSet::new();
    text.lines()
        .flat_map(parse_line)
        .filter(|p| seen.insert(p.clone()))
        .collect()
}

/// Which pairs count as sentences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentenceFilter {
    /// Fewest words on each side.
    pub min_words: usize,
    /// Most words on each side.
    pub max_words: usize,
}

impl SentenceFilter {
    /// Whether `pair` is sentence-like: the German side starts with a capital letter, both
    /// sides end with `.`, `!` or `?`, neither holds `/` (alternatives such as "It/this") or
    /// a parenthesis (explanations), and both have `min_words..=max_words` words.
    pub fn accepts(&self, pair: &PhrasePair) -> bool {
        let side_ok = |s: &str| {
            let words = s.split_whitespace().count();
            s.ends_with(['.', '!', '?'])
                && !s.contains(['/', '(', ')'])
                && (self.min_words..=self.max_words).contains(&words)
        };
        pair.german.chars().next().is_some_and(char::is_uppercase)
            && side_ok(&pair.german)
            && side_ok(&pair.english)
    }
}

/// 64-bit FNV-1a of `bytes` (a hash that is the same on every platform and run).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Whether `pair` belongs to the validation side: FNV-1a of its German side, modulo 1000,
/// is below `validation_per_mille`.
pub fn is_validation(pair: &PhrasePair, validation_per_mille: u64) -> bool {
    fnv1a64(pair.german.as_bytes()) % 1000 < validation_per_mille
}

/// Splits `pairs` into (train, validation), keeping the order of each, by [`is_validation`].
pub fn split(
    pairs: Vec<PhrasePair>,
    validation_per_mille: u64,
) -> (Vec<PhrasePair>, Vec<PhrasePair>) {
    pairs
        .into_iter()
        .partition(|p| !is_validation(p, validation_per_mille))
}

/// The dictionary file in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ding {
    path: PathBuf,
    description: String,
}

impl Ding {
    /// Picks the file: `$LRF_DING_FILE`, else the Debian package's `/usr/share/trans/de-en`;
    /// a missing file is an error saying `apt-get install trans-de-en`.
    pub fn locate() -> Result<Self> {
        if let Some(file) = std::env::var_os(ENV_FILE).filter(|f| !f.is_empty()) {
            return Ok(Self::from_file(Path::new(&file), &format!("${ENV_FILE}")));
        }
        Ok(Self::from_file(
            Path::new(DEBIAN_FILE),
            "Debian package trans-de-en",
        ))
    }

    /// Uses the Ding-format file `path`.
    pub fn from_file(path: &Path, description: &str) -> Self {
        Self {
            path: path.to_path_buf(),
            description: description.to_string(),
        }
    }

    /// Human-readable source, e.g. `Debian package trans-de-en (/usr/share/trans/de-en)`.
    pub fn describe(&self) -> String {
        format!("{} ({})", self.description, self.path.display())
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads and parses the whole file ([`parse`]).
    pub fn load(&self) -> Result<Vec<PhrasePair>> {
        let bytes = std::fs::read(&self.path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => DataError::Missing {
                path: self.path.clone(),
                hint: format!(
                    "install the Ding dictionary with `apt-get install trans-de-en`, or set {ENV_FILE}"
                ),
            },
            _ => DataError::corrupt(&self.path, format!("cannot read: {e}")),
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            DataError::corrupt(
                &self.path,
                format!(
                    "not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            )
        })?;
        let pairs = parse(&text);
        if pairs.is_empty() {
            return Err(DataError::corrupt(
                &self.path,
                "no `German :: English` entries found (not a Ding dictionary?)",
            ));
        }
        Ok(pairs)
    }
}
