//! A byte-pair-encoding subword vocabulary (Sennrich, Haddow & Birch 2016) shared by source and
//! target language, in the style of SentencePiece: a word is marked by `▁` before its first
//! symbol, so decoding is concatenation with `▁` turned back into a space.
//!
//! Pre-tokenisation: text is split on whitespace into words; each word into pieces — runs of
//! alphanumeric characters and single other characters (punctuation) — with `▁` starting the
//! first piece. Merges never cross pieces. Training starts from every character of the
//! training text, then repeatedly merges the most frequent adjacent pair of symbols (ties: the
//! pair of earlier symbols) until the vocabulary has the requested size or no pair occurs twice.
//! Ids 0‥4 are [`PAD`], [`BOS`], [`EOS`] and [`UNK`]; a character never seen in training
//! encodes as [`UNK`] and decodes as `⁇`.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

/// Padding id.
pub const PAD: u32 = 0;
/// Beginning-of-sequence id (the first decoder input).
pub const BOS: u32 = 1;
/// End-of-sequence id.
pub const EOS: u32 = 2;
/// Unknown-character id.
pub const UNK: u32 = 3;
/// The word-start marker.
pub const WORD_START: char = '▁';
const SPECIALS: [&str; 4] = ["<pad>", "<s>", "</s>", "<unk>"];
/// How [`UNK`] decodes.
pub const UNK_TEXT: &str = "⁇";

/// A trained BPE vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vocab {
    tokens: Vec<String>,
    index: HashMap<String, u32>,
    /// Ids of the single characters.
    chars: HashMap<char, u32>,
    /// `(left, right) → (rank, merged)`.
    merges: HashMap<(u32, u32), (usize, u32)>,
}

/// The pieces of `text` (see the module docs): whether each starts a word (and so gets `▁`
/// first), and its text.
fn pieces(text: &str) -> Vec<(bool, &str)> {
    let mut out = Vec::new();
    for word in text.split_whitespace() {
        let mut start = 0;
        // Whether the previous character was alphanumeric; `None` at the word start.
        let mut previous: Option<bool> = None;
        for (k, c) in word.char_indices() {
            let alnum = c.is_alphanumeric();
            match previous {
                None => {}
                Some(true) if alnum => {}
                _ => {
                    out.push((start == 0, &word[start..k]));
                    start = k;
                }
            }
            previous = Some(alnum);
        }
        out.push((start == 0, &word[start..]));
    }
    out
}

/// The characters of a piece, `▁` first when it starts a word.
fn piece_chars(first: bool, piece: &str) -> impl Iterator<Item = char> + '_ {
    first.then_some(WORD_START).into_iter().chain(piece.chars())
}

impl Vocab {
    /// Trains a vocabulary of at most `size` tokens (including the 4 special ones) on `texts`.
    ///
    /// Panics if `size` leaves no room for the characters of the texts.
    pub fn train_bpe<'a>(texts: impl IntoIterator<Item = &'a str>, size: usize) -> Self {
        // Distinct pieces with their counts, in first-seen order.
        let mut piece_index: HashMap<(bool, &str), usize> = HashMap::new();
        let mut words: Vec<(bool, &str)> = Vec::new();
        let mut counts: Vec<i64> = Vec::new();
        for text in texts {
            for piece in pieces(text) {
                let k = *piece_index.entry(piece).or_insert_with(|| {
                    words.push(piece);
                    counts.push(0);
                    words.len() - 1
                });
                counts[k] += 1;
            }
        }
        let mut alphabet: Vec<char> = words
            .iter()
            .flat_map(|&(first, piece)| piece_chars(first, piece))
            .collect();
        alphabet.sort_unstable();
        alphabet.dedup();
        assert!(
            SPECIALS.len() + alphabet.len() <= size,
            "vocabulary size {size} is smaller than the {} characters of the texts plus 4 specials",
            alphabet.len()
        );
        let mut tokens: Vec<String> = SPECIALS.iter().map(|s| s.to_string()).collect();
        tokens.extend(alphabet.iter().map(|c| c.to_string()));
        let mut index: HashMap<String, u32> = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i as u32))
            .collect();
        let chars: HashMap<char, u32> = alphabet
            .iter()
            .enumerate()
            .map(|(i, &c)| (c, (SPECIALS.len() + i) as u32))
            .collect();
        let mut symbols: Vec<Vec<u32>> = words
            .iter()
            .map(|&(first, piece)| piece_chars(first, piece).map(|c| chars[&c]).collect())
            .collect();

        // Pair counts, the pieces each pair occurs in, and a max-heap with lazy deletion.
        let mut pair_counts: HashMap<(u32, u32), i64> = HashMap::new();
        let mut where_: HashMap<(u32, u32), Vec<usize>> = HashMap::new();
        for (w, s) in symbols.iter().enumerate() {
            for p in s.windows(2) {
                *pair_counts.entry((p[0], p[1])).or_insert(0) += counts[w];
                where_.entry((p[0], p[1])).or_default().push(w);
            }
        }
        let mut heap: BinaryHeap<(i64, Reverse<(u32, u32)>)> =
            pair_counts.iter().map(|(&p, &c)| (c, Reverse(p))).collect();
        let mut merges = HashMap::new();
        while tokens.len() < size {
            let Some((count, Reverse(pair))) = heap.pop() else {
                break;
            };
            if pair_counts.get(&pair) != Some(&count) {
                continue; // stale entry
            }
            if count < 2 {
                break;
            }
            let merged_text = format!("{}{}", tokens[pair.0 as usize], tokens[pair.1 as usize]);
            let merged = tokens.len() as u32;
            merges.insert(pair, (merges.len(), merged));
            index.insert(merged_text.clone(), merged);
            tokens.push(merged_text);
            let mut affected = where_.remove(&pair).unwrap_or_default();
            affected.sort_unstable();
            affected.dedup();
            let mut changed: HashSet<(u32, u32)> = HashSet::new();
            for w in affected {
                let old = &symbols[w];
                if !old.windows(2).any(|p| (p[0], p[1]) == pair) {
                    continue;
                }
                for p in old.windows(2) {
                    let key = (p[0], p[1]);
                    *pair_counts.get_mut(&key).expect("counted pair") -= counts[w];
                    changed.insert(key);
                }
                let new = merge_pair(old, pair, merged);
                for p in new.windows(2) {
                    let key = (p[0], p[1]);
                    *pair_counts.entry(key).or_insert(0) += counts[w];
                    where_.entry(key).or_default().push(w);
                    changed.insert(key);
                }
                symbols[w] = new;
            }
            pair_counts.remove(&pair);
            for key in changed {
                match pair_counts.get(&key) {
                    Some(&c) if c > 0 => heap.push((c, Reverse(key))),
                    Some(_) => {
                        pair_counts.remove(&key);
                    }
                    None => {}
                }
            }
        }
        Self {
            tokens,
            index,
            chars,
            merges,
        }
    }

    /// Number of tokens (specials included).
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether the vocabulary is empty (never: it always holds the specials).
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The text of token `id` (`▁` marking a word start), or `None` past the end.
    pub fn token(&self, id: u32) -> Option<&str> {
        self.tokens.get(id as usize).map(String::as_str)
    }

    /// The id of the token spelled `text`, if there is one.
    pub fn id(&self, text: &str) -> Option<u32> {
        self.index.get(text).copied()
    }

    /// Number of merges learned.
    pub fn merge_count(&self) -> usize {
        self.merges.len()
    }

    /// Token ids of `text` (no [`BOS`] or [`EOS`] added).
    pub fn encode(&self, text: &str) -> Vec<u32> {
        let mut ids = Vec::new();
        for (first, piece) in pieces(text) {
            let mut s: Vec<u32> = piece_chars(first, piece)
                .map(|c| self.chars.get(&c).copied().unwrap_or(UNK))
                .collect();
            // Apply the lowest-ranked merge present until none applies.
            while let Some((pair, merged)) = s
                .windows(2)
                .filter_map(|p| {
                    self.merges
                        .get(&(p[0], p[1]))
                        .map(|&(r, m)| (r, (p[0], p[1]), m))
                })
                .min()
                .map(|(_, pair, m)| (pair, m))
            {
                s = merge_pair(&s, pair, merged);
            }
            ids.extend(s);
        }
        ids
    }

    /// The text of `ids`: tokens concatenated, `▁` turned into a space, the leading space
    /// dropped; [`PAD`], [`BOS`] and [`EOS`] skipped, [`UNK`] shown as [`UNK_TEXT`].
    pub fn decode(&self, ids: &[u32]) -> String {
        let mut text = String::new();
        for &id in ids {
            match id {
                PAD | BOS | EOS => {}
                UNK => text.push_str(UNK_TEXT),
                _ => match self.token(id) {
                    Some(t) => {
                        text.extend(t.chars().map(|c| if c == WORD_START { ' ' } else { c }))
                    }
                    None => text.push_str(UNK_TEXT),
                },
            }
        }
        text.trim_start_matches(' ').to_string()
    }
}

/// `s` with every non-overlapping occurrence of `pair` (left to right) replaced by `merged`.
fn merge_pair(s: &[u32], pair: (u32, u32), merged: u32) -> Vec<u32> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if i + 1 < s.len() && (s[i], s[i + 1]) == pair {
            out.push(merged);
            i += 2;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}
