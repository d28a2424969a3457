//! Corpus BLEU (Papineni et al. 2002) exactly as sacreBLEU 2.x computes it by default
//! (`sacrebleu.corpus_bleu(hyps, [refs])`: one reference per segment, the `13a` tokenizer,
//! case-sensitive, n-grams up to 4, `exp` smoothing, no effective order), on a 0–100 scale.
//!
//! Per segment: both sides are right-stripped and tokenized like mteval-v13a; n-gram counts of
//! the hypothesis are clipped by those of the reference. Over the corpus: precision
//! pₙ = 100·matchesₙ/totalₙ, where an order with matches 0 gets 100/(2ᵏ·totalₙ) for its k-th
//! such order (`exp` smoothing); an order with no hypothesis n-grams at all leaves pₙ = 0 (and
//! the score 0); no matches of any order gives 0. Brevity penalty exp(1 − r/c) when the
//! hypothesis length c is below the reference length r (0 when c = 0). Score =
//! BP · exp(¼ Σ log pₙ), with sacreBLEU's floor log 0 = −9 999 999 999.

use std::collections::HashMap;

/// Highest n-gram order.
pub const MAX_ORDER: usize = 4;

/// Corpus statistics and the score.
#[derive(Debug, Clone, PartialEq)]
pub struct Bleu {
    /// BLEU, 0–100.
    pub score: f64,
    /// Clipped n-gram matches, orders 1‥4.
    pub matches: [u64; MAX_ORDER],
    /// Hypothesis n-grams, orders 1‥4.
    pub totals: [u64; MAX_ORDER],
    /// Precisions in percent (after smoothing).
    pub precisions: [f64; MAX_ORDER],
    /// Brevity penalty.
    pub brevity_penalty: f64,
    /// Hypothesis tokens.
    pub hyp_len: u64,
    /// Reference tokens.
    pub ref_len: u64,
}

/// Python's `str.isspace` on one character (what `str.split()` and `str.rstrip()` split on):
/// Unicode White_Space plus the information separators U+001C‥U+001F.
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Characters sacreBLEU's first 13a rule surrounds with spaces:
/// `[\{-\~\[-\` -\&\(-\+\:-\@\/]`.
fn is_13a_symbol(c: char) -> bool {
    matches!(c, '{'..='~' | '['..='`' | ' '..='&' | '('..='+' | ':'..='@' | '/')
}

/// One pass of a two-character rule over `chars`, with Python `re.sub` semantics
/// (left-to-right, non-overlapping): where `matches(a, b)` holds, `replace(a, b, out)` writes
/// the replacement and both characters are consumed.
fn two_char_rule(
    chars: &[char],
    matches: impl Fn(char, char) -> bool,
    replace: impl Fn(char, char, &mut Vec<char>),
) -> Vec<char> {
    let mut out = Vec::with_capacity(chars.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        if i + 1 < chars.len() && matches(chars[i], chars[i + 1]) {
            replace(chars[i], chars[i + 1], &mut out);
            i += 2;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// sacreBLEU's `13a` tokenizer (`Tokenizer13a` then `TokenizerRegexp`), returning the tokens.
pub fn tokenize_13a(line: &str) -> Vec<String> {
    let mut line = line
        .replace("<skipped>", "")
        .replace("-\n", "")
        .replace('\n', " ");
    if line.contains('&') {
        line = line
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">");
    }
    let padded = format!(" {line} ");
    // Rule 1: surround the symbol characters with spaces.
    let mut chars = Vec::with_capacity(padded.len() * 2);
    for c in padded.chars() {
        if is_13a_symbol(c) {
            chars.extend([' ', c, ' ']);
        } else {
            chars.push(c);
        }
    }
    let digit = |c: char| c.is_ascii_digit();
    let period_comma = |c: char| c == '.' || c == ',';
    // Rule 2: `([^0-9])([\.,])` → `\1 \2 `.
    let chars = two_char_rule(
        &chars,
        |a, b| !digit(a) && period_comma(b),
        |a, b, out| out.extend([a, ' ', b, ' ']),
    );
    // Rule 3: `([\.,])([^0-9])` → ` \1 \2`.
    let chars = two_char_rule(
        &chars,
        |a, b| period_comma(a) && !digit(b),
        |a, b, out| out.extend([' ', a, ' ', b]),
    );
    // Rule 4: `([0-9])(-)` → `\1 \2 `.
    let chars = two_char_rule(
        &chars,
        |a, b| digit(a) && b == '-',
        |a, b, out| out.extend([a, ' ', b, ' ']),
    );
    let text: String = chars.into_iter().collect();
    text.split(is_py_space)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

fn ngram_counts(tokens: &[String]) -> HashMap<&[String], u64> {
    let mut counts = HashMap::new();
    for n in 1..=MAX_ORDER {
        for gram in tokens.windows(n) {
            *counts.entry(gram).or_insert(0) += 1;
        }
    }
    counts
}

fn my_log(x: f64) -> f64 {
    if x == 0.0 {
        -9_999_999_999.0
    } else {
        x.ln()
    }
}

/// Corpus BLEU of `hypotheses` against one reference each (sacreBLEU's default settings).
///
/// Panics if the two slices differ in length.
pub fn corpus_bleu<H: AsRef<str>, R: AsRef<str>>(hypotheses: &[H], references: &[R]) -> Bleu {
    assert_eq!(
        hypotheses.len(),
        references.len(),
        "one reference per hypothesis"
    );
    let mut matches = [0u64; MAX_ORDER];
    let mut totals = [0u64; MAX_ORDER];
    let (mut hyp_len, mut ref_len) = (0u64, 0u64);
    for (hyp, reference) in hypotheses.iter().zip(references) {
        let hyp = tokenize_13a(hyp.as_ref().trim_end_matches(is_py_space));
        let reference = tokenize_13a(reference.as_ref().trim_end_matches(is_py_space));
        hyp_len += hyp.len() as u64;
        ref_len += reference.len() as u64;
        let ref_counts = ngram_counts(&reference);
        for (gram, count) in ngram_counts(&hyp) {
            let n = gram.len() - 1;
            totals[n] += count;
            matches[n] += count.min(ref_counts.get(gram).copied().unwrap_or(0));
        }
    }
    score_from_statistics(matches, totals, hyp_len, ref_len)
}

/// BLEU from corpus statistics (sacreBLEU's `BLEU.compute_bleu` with `exp` smoothing).
pub fn score_from_statistics(
    matches: [u64; MAX_ORDER],
    totals: [u64; MAX_ORDER],
    hyp_len: u64,
    ref_len: u64,
) -> Bleu {
    let brevity_penalty = if hyp_len < ref_len {
        if hyp_len > 0 {
            (1.0 - ref_len as f64 / hyp_len as f64).exp()
        } else {
            0.0
        }
    } else {
        1.0
    };
    let mut precisions = [0.0f64; MAX_ORDER];
    let mut bleu = Bleu {
        score: 0.0,
        matches,
        totals,
        precisions,
        brevity_penalty,
        hyp_len,
        ref_len,
    };
    if matches.iter().all(|&m| m == 0) {
        return bleu;
    }
    let mut smooth = 1.0f64;
    for n in 0..MAX_ORDER {
        if totals[n] == 0 {
            break;
        }
        precisions[n] = if matches[n] == 0 {
            smooth *= 2.0;
            100.0 / (smooth * totals[n] as f64)
        } else {
            100.0 * matches[n] as f64 / totals[n] as f64
        };
    }
    let log_sum: f64 = precisions.iter().map(|&p| my_log(p)).sum();
    bleu.precisions = precisions;
    bleu.score = brevity_penalty * (log_sum / MAX_ORDER as f64).exp();
    bleu
}
