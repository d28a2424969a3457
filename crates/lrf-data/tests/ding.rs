//! The Ding dictionary reader and the BPE vocabulary, on small fixtures written here.

use lrf_data::ding::{self, Ding, PhrasePair, SentenceFilter};
use lrf_data::vocab::{Vocab, BOS, EOS, PAD, UNK, UNK_TEXT};
use lrf_data::DataError;

fn pair(german: &str, english: &str) -> PhrasePair {
    PhrasePair {
        german: german.into(),
        english: english.into(),
    }
}

/// Lines in the format of `/usr/share/trans/de-en` (made up here, not copied from it).
const FIXTURE: &str = "\
# Version :: devel 2023-01-30
# License :: GPL Version 2 or later
Hund {m} [zool.] | Hunde {pl} :: dog | dogs
Katze {f}; Mieze {f} [ugs.] | Katzen {pl} :: cat; pussy [coll.] | cats
Bundesrepublik Deutschland /BRD/ :: Federal Republic of Germany /FRG/
Farbe {f} <Farbton> :: colour <color>
Er arbeitet von früh bis spät. :: He works from morning to night.
Sie liest ein Buch. | Sie liest gern. :: She reads a book.
kaputt [ugs.] :: broken
Er arbeitet von früh bis spät. :: He works from morning to night.
Das ist gut. :: That is good.
ohne Trennzeichen
";

/// Annotations {…}, […], <…> and /Abbr./ go, with the space before them; whitespace collapses.
#[test]
fn clean_drops_annotations() {
    assert_eq!(ding::clean("Hund {m} [zool.]"), "Hund");
    assert_eq!(ding::clean("Farbe {f} <Farbton> "), "Farbe");
    assert_eq!(
        ding::clean("Bundesrepublik Deutschland /BRD/"),
        "Bundesrepublik Deutschland"
    );
    assert_eq!(ding::clean("der Aachener Dom {m}."), "der Aachener Dom.");
    assert_eq!(ding::clean("  a   b  "), "a b");
    // An opening bracket without its closing one, and a slash not starting an abbreviation,
    // are text.
    assert_eq!(ding::clean("a { b"), "a { b");
    assert_eq!(ding::clean("It/this is"), "It/this is");
}

/// Sub-entries are split on ` | ` and aligned; pairs with `;` on either side are skipped;
/// misaligned lines, comments and lines without `::` give nothing; duplicates appear once.
#[test]
fn parse_splits_alternatives_and_skips_multi_alternative_pairs() {
    assert_eq!(
        ding::parse_line("Hund {m} [zool.] | Hunde {pl} :: dog | dogs"),
        vec![pair("Hund", "dog"), pair("Hunde", "dogs")]
    );
    // The first sub-entry has synonyms (`;`): only the second pair is kept.
    assert_eq!(
        ding::parse_line("Katze {f}; Mieze {f} [ugs.] | Katzen {pl} :: cat; pussy [coll.] | cats"),
        vec![pair("Katzen", "cats")]
    );
    assert!(
        ding::parse_line("Sie liest ein Buch. | Sie liest gern. :: She reads a book.").is_empty()
    );
    assert!(ding::parse_line("# License :: GPL").is_empty());
    assert!(ding::parse_line("ohne Trennzeichen").is_empty());

    let pairs = ding::parse(FIXTURE);
    assert_eq!(
        pairs,
        vec![
            pair("Hund", "dog"),
            pair("Hunde", "dogs"),
            pair("Katzen", "cats"),
            pair("Bundesrepublik Deutschland", "Federal Republic of Germany"),
            pair("Farbe", "colour"),
            pair(
                "Er arbeitet von früh bis spät.",
                "He works from morning to night."
            ),
            pair("kaputt", "broken"),
            pair("Das ist gut.", "That is good."),
        ]
    );
}

#[test]
fn sentence_filter_keeps_sentences_of_the_right_length() {
    let filter = SentenceFilter {
        min_words: 3,
        max_words: 6,
    };
    assert!(filter.accepts(&pair(
        "Er arbeitet von früh bis spät.",
        "He works from morning to night."
    )));
    assert!(filter.accepts(&pair("Das ist gut.", "That is good.")));
    assert!(filter.accepts(&pair("Ist das gut?", "Is that good?")));
    // Too short, no final punctuation, lower-case German start, slash, parenthesis, too long.
    assert!(!filter.accepts(&pair("Gut.", "Good.")));
    assert!(!filter.accepts(&pair("Das ist gut", "That is good")));
    assert!(!filter.accepts(&pair(
        "die Nase voll haben von etw.",
        "to be fed up with sth."
    )));
    assert!(!filter.accepts(&pair("Das ist es.", "It/this is it.")));
    assert!(!filter.accepts(&pair("Das ist (sehr) gut.", "That is good.")));
    assert!(!filter.accepts(&pair(
        "Er arbeitet jeden Tag von früh bis spät.",
        "He works every day from morning to night."
    )));
}

/// FNV-1a test vectors (Fowler/Noll/Vo reference: "" → cbf29ce484222325, "a" →
/// af63dc4c8601ec8c, "foobar" → 85944171f73967e8); the split follows the hash.
#[test]
fn split_is_a_stable_hash_of_the_german_side() {
    assert_eq!(ding::fnv1a64(b""), 0xcbf29ce484222325);
    assert_eq!(ding::fnv1a64(b"a"), 0xaf63dc4c8601ec8c);
    assert_eq!(ding::fnv1a64(b"foobar"), 0x85944171f73967e8);
    let pairs: Vec<PhrasePair> = (0..2000)
        .map(|i| pair(&format!("Satz {i}."), &format!("Sentence {i}.")))
        .collect();
    let (train, validation) = ding::split(pairs.clone(), 100);
    assert_eq!(train.len() + validation.len(), 2000);
    // About 10 %: the hash is roughly uniform.
    assert!(
        (150..250).contains(&validation.len()),
        "{}",
        validation.len()
    );
    for p in &validation {
        assert!(ding::fnv1a64(p.german.as_bytes()) % 1000 < 100);
        assert!(ding::is_validation(p, 100));
    }
    // Same German, different English: same side.
    let other = pair(&validation[0].german, "Another translation.");
    assert!(ding::is_validation(&other, 100));
    assert_eq!(ding::split(pairs, 100), (train, validation));
}

#[test]
fn loading_reports_missing_and_corrupt_files() {
    let dir = tempfile::tempdir().unwrap();
    let missing = Ding::from_file(&dir.path().join("de-en"), "test").load();
    let message = missing.unwrap_err().to_string();
    assert!(message.contains("de-en"), "{message}");
    assert!(message.contains("apt-get install trans-de-en"), "{message}");

    let binary = dir.path().join("binary");
    std::fs::write(&binary, [0x48, 0x75, 0xff, 0xfe]).unwrap();
    let err = Ding::from_file(&binary, "test").load().unwrap_err();
    assert!(matches!(err, DataError::Corrupt { .. }));
    assert!(err.to_string().contains("not UTF-8"), "{err}");

    let empty = dir.path().join("empty");
    std::fs::write(&empty, "# only a comment\n").unwrap();
    let err = Ding::from_file(&empty, "test").load().unwrap_err();
    assert!(
        err.to_string().contains("no `German :: English` entries"),
        "{err}"
    );

    let good = dir.path().join("good");
    std::fs::write(&good, FIXTURE).unwrap();
    // The 8 pairs listed in parse_splits_alternatives_and_skips_multi_alternative_pairs.
    assert_eq!(Ding::from_file(&good, "test").load().unwrap().len(), 8);
}

/// Training merges the most frequent pair first, ties to the pair of smaller ids. On
/// "low low low lower" the pieces are `▁low` ×3 and `▁lower` ×1; the characters sorted are
/// e l o r w ▁ (`▁` is U+2581), ids 4‥9. Pairs (▁,l) = (9,5), (l,o) = (5,6), (o,w) = (6,8)
/// occur 4 times each: the first merge is (5,6) → `lo` (id 10); then (▁,lo) = (9,10) and
/// (lo,w) = (10,8) occur 4 times: (9,10) → `▁lo` (11); then `▁low` (12). Every other pair
/// occurs once.
#[test]
fn bpe_merges_the_most_frequent_pairs() {
    let vocab = Vocab::train_bpe(["low low low lower"], 4 + 6 + 3);
    // 4 specials + 6 characters (e l o r w ▁) + 3 merges.
    assert_eq!(vocab.len(), 13);
    assert_eq!(vocab.merge_count(), 3);
    assert_eq!(vocab.token(10), Some("lo"));
    assert_eq!(vocab.token(11), Some("▁lo"));
    assert_eq!(vocab.token(12), Some("▁low"));
    assert_eq!(vocab.encode("low"), vec![12]);
    let lower = vocab.encode("lower");
    assert_eq!(
        lower
            .iter()
            .map(|&i| vocab.token(i).unwrap())
            .collect::<Vec<_>>(),
        vec!["▁low", "e", "r"]
    );
    // Stops when no pair occurs twice, whatever size was asked for.
    let all = Vocab::train_bpe(["low low low lower"], 100);
    assert_eq!(all.merge_count(), 3);
}

/// Encoding then decoding gives the text back; specials are skipped, unknown characters
/// come back as ⁇; the same texts give the same vocabulary.
#[test]
fn vocabulary_round_trip() {
    let texts = [
        "Er arbeitet von früh bis spät.",
        "He works from morning to night.",
        "Das ist gut, oder?",
        "That is good, isn't it?",
        "Sie arbeitet nicht.",
        "She does not work.",
    ];
    let vocab = Vocab::train_bpe(texts, 50);
    assert_eq!(vocab.len(), 50);
    assert_eq!(Vocab::train_bpe(texts, 50), vocab);
    assert_eq!(
        [PAD, BOS, EOS, UNK].map(|i| vocab.token(i).unwrap()),
        ["<pad>", "<s>", "</s>", "<unk>"]
    );
    for text in texts {
        let ids = vocab.encode(text);
        assert!(ids.iter().all(|&i| i > UNK && (i as usize) < vocab.len()));
        assert_eq!(vocab.decode(&ids), text);
        let mut framed = vec![BOS];
        framed.extend(&ids);
        framed.extend([EOS, PAD, PAD]);
        assert_eq!(vocab.decode(&framed), text);
    }
    // Merges never cross a word or punctuation boundary, so new sentences of known
    // characters round-trip too.
    assert_eq!(vocab.decode(&vocab.encode("Sie ist gut.")), "Sie ist gut.");
    let ids = vocab.encode("Er ist spät!");
    assert!(ids.contains(&UNK));
    assert_eq!(vocab.decode(&ids), format!("Er ist spät{UNK_TEXT}"));
    // Fewer tokens than characters: merges were learned and used.
    assert!(vocab.encode(texts[0]).len() < texts[0].chars().count());
}
