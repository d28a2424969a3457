//! The Transformer family: parameter counts, shapes, masks, loss, decoding, training on a
//! fixture, and BLEU against sacreBLEU.

use std::sync::Arc;

use burn::module::Param;
use burn::tensor::{Device, Int, Tensor, TensorData};
use lrf_data::ding::{PhrasePair, SentenceFilter};
use lrf_data::vocab::{BOS, EOS, PAD};
use lrf_optim::{Hyperparams, ModuleOptimizer, Preset, StepContext};
use lrf_workloads::transformer::bleu::{corpus_bleu, tokenize_13a};
use lrf_workloads::transformer::{
    greedy_search, sinusoidal_positions, token_cross_entropy, TransformerConfig, TransformerTask,
    TransformerWorkload, TranslationData, TranslationSpec,
};
use lrf_workloads::{trainable_parameters, training_device, Regularization, Task, Workload};

/// burn's CPU backends keep one process-wide random generator, so tests that seed it and draw
/// from it (model initialisation, dropout) must not interleave: each holds this lock.
static RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    RNG.lock().unwrap_or_else(|e| e.into_inner())
}

/// A small model: vocabulary 50, width 16, 2 heads, MLP 32, 1 + 1 blocks, positions ≤ 16.
fn small() -> TransformerConfig {
    TransformerConfig::new(50, 16, 2, 16, 32, 1, 1, 16)
}

fn ids(rows: &[&[u32]], device: &Device) -> Tensor<2, Int> {
    let width = rows[0].len();
    let data: Vec<i64> = rows
        .iter()
        .flat_map(|r| r.iter().map(|&x| x as i64))
        .collect();
    Tensor::from_data(TensorData::new(data, [rows.len(), width]), device)
}

fn values(t: Tensor<3>) -> Vec<f32> {
    t.into_data().try_into_vec_as::<f32>().unwrap()
}

/// AlgoPerf's table gives 133 521 408 trainable parameters for `wmt`; by hand: embedding
/// 32 000·1024 = 32 768 000; encoder block = 2 LayerNorms (2·2048) + 4 bias-free 1024²
/// projections (4 194 304) + MLP (2·1024² + 2·1024 = 2 099 200) = 6 297 600, ×6; decoder block
/// = 3 LayerNorms (6144) + 8 projections (8 388 608) + MLP = 10 493 952, ×6; two final
/// LayerNorms (2·2048): 32 768 000 + 37 785 600 + 62 963 712 + 4096 = 133 521 408.
#[test]
fn parameter_counts_match_algoperf_and_the_hand_count() {
    let _serial = serial();
    let device = training_device();
    let algoperf = TransformerConfig::algoperf().init(&device, 0.1, 0.1);
    assert_eq!(trainable_parameters(&algoperf), 133_521_408);
    drop(algoperf);
    // Tiny: 1000·64 = 64 000; encoder block 2·128 + 4·64² + (64·256 + 256 + 256·64 + 64)
    // = 49 728, ×2; decoder block 3·128 + 8·64² + 33 088 = 66 240, ×2; final norms 2·128.
    assert_eq!(
        TransformerWorkload::tiny().parameter_count(),
        64_000 + 2 * 49_728 + 2 * 66_240 + 256
    );
    assert_eq!(TransformerWorkload::tiny().parameter_count(), 296_192);
}

#[test]
fn forward_shapes() {
    let _serial = serial();
    let device = Device::flex();
    let model = small().init(&device, 0.1, 0.1);
    let source = ids(
        &[&[5, 6, 7, EOS], &[8, 9, EOS, PAD], &[10, EOS, PAD, PAD]],
        &device,
    );
    let input = ids(
        &[&[BOS, 11, 12], &[BOS, 13, PAD], &[BOS, PAD, PAD]],
        &device,
    );
    let encoded = model.encode(source.clone());
    assert_eq!(encoded.states.dims(), [3, 4, 16]);
    assert_eq!(encoded.source_bias.dims(), [3, 1, 1, 4]);
    assert_eq!(
        model.decode_states(&encoded, input.clone()).dims(),
        [3, 3, 16]
    );
    assert_eq!(model.forward(source, input).dims(), [3, 3, 50]);
}

/// Changing a later decoder input leaves the logits of earlier positions unchanged (and
/// changes the later ones); padding the source leaves every logit unchanged.
#[test]
fn decoder_is_causal_and_padding_is_masked() {
    let _serial = serial();
    let device = Device::flex();
    device.seed(3);
    let model = small().init(&device, 0.1, 0.1);
    let source = ids(&[&[5, 6, 7, EOS]], &device);
    let a = values(model.forward(source.clone(), ids(&[&[BOS, 11, 12, 13, 14]], &device)));
    let b = values(model.forward(source.clone(), ids(&[&[BOS, 11, 12, 30, 31]], &device)));
    let v = 50;
    for i in 0..3 * v {
        assert!((a[i] - b[i]).abs() < 1e-6, "position {} changed", i / v);
    }
    let later = (3 * v..5 * v)
        .map(|i| (a[i] - b[i]).abs())
        .fold(0f32, f32::max);
    assert!(later > 1e-4, "later positions did not change");

    let padded_source = ids(&[&[5, 6, 7, EOS, PAD, PAD]], &device);
    let c = values(model.forward(padded_source, ids(&[&[BOS, 11, 12, 13, 14]], &device)));
    for i in 0..5 * v {
        assert!(
            (a[i] - c[i]).abs() < 1e-5,
            "source padding changed logit {i}"
        );
    }
}

/// flax `sinusoidal_init` for d = 4: half = 2, scale = −ln 10⁴/(2 − 1), so the frequencies are
/// 1 and 10⁻⁴; position p is [sin p, sin 10⁻⁴p, cos p, cos 10⁻⁴p].
#[test]
fn sinusoidal_positions_follow_flax() {
    let table = sinusoidal_positions(3, 4);
    for p in 0..3 {
        let p64 = p as f64;
        let expected = [p64.sin(), (1e-4 * p64).sin(), p64.cos(), (1e-4 * p64).cos()];
        for (k, e) in expected.iter().enumerate() {
            assert!((table[p * 4 + k] as f64 - e).abs() < 1e-6);
        }
    }
}

/// logits [0, ln 2, 0] → p = [¼, ½, ¼]; label 1, ε = 0.3: −(0.7·ln ½ + 0.3·(ln ¼ + ln ½ +
/// ln ¼)/3) = (0.7 + 0.3·5/3)·ln 2 = 1.2·ln 2. A padded position adds nothing.
#[test]
fn token_cross_entropy_by_hand() {
    let device = Device::flex();
    let ln2 = std::f32::consts::LN_2;
    let logits = Tensor::<3>::from_data(
        TensorData::new(vec![0.0, ln2, 0.0, 5.0, -3.0, 1.0], [1, 2, 3]),
        &device,
    );
    let target = ids(&[&[1, PAD]], &device);
    let loss = token_cross_entropy(logits.clone(), target.clone(), 1, 0.3).into_scalar::<f64>();
    assert!((loss - 1.2 * std::f64::consts::LN_2).abs() < 1e-6, "{loss}");
    let plain = token_cross_entropy(logits, target, 1, 0.0).into_scalar::<f64>();
    assert!((plain - std::f64::consts::LN_2).abs() < 1e-6, "{plain}");
}

/// Rows end at their first EOS (not included); ended rows are padded; decoding stops when
/// every row has ended, or at `max_len`.
#[test]
fn greedy_search_stops_at_eos() {
    let script: [&[u32]; 3] = [&[7, 8, EOS], &[EOS], &[9, 9, 9, 9, 9, 9]];
    let mut calls = 0;
    let out = greedy_search(3, 10, |prefixes| {
        let t = prefixes[0].len();
        assert!(prefixes.iter().all(|p| p.len() == t && p[0] == BOS));
        if t > 1 {
            assert_eq!(
                prefixes[1][1..],
                vec![EOS]
                    .into_iter()
                    .chain(vec![PAD; t - 2])
                    .collect::<Vec<_>>()[..]
            );
        }
        calls += 1;
        script
            .iter()
            .map(|s| s.get(t - 1).copied().unwrap_or(EOS))
            .collect()
    });
    assert_eq!(out, vec![vec![7, 8], vec![], vec![9; 6]]);
    // The longest row emits 6 tokens, then one more call returns EOS for it: 7 calls.
    assert_eq!(calls, 7);
    let capped = greedy_search(1, 4, |_| vec![9]);
    assert_eq!(capped, vec![vec![9; 4]]);
}

/// With the final decoder LayerNorm set to output a constant vector v (scale 0, bias v), the
/// logits are E·v/√d, so the token whose embedding row is a large multiple of v wins at every
/// step: EOS → empty translations; another token → `max_len` of it.
#[test]
fn model_greedy_decoding_stops_at_eos() {
    let _serial = serial();
    let device = Device::flex();
    device.seed(5);
    let config = small();
    let mut model = config.init(&device, 0.0, 0.0);
    let d = config.d_model;
    let v: Vec<f32> = (0..d)
        .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
        .collect();
    model.decoder_norm.gamma = Param::from_tensor(Tensor::zeros([d], &device));
    model.decoder_norm.beta = Some(Param::from_tensor(Tensor::from_data(
        TensorData::new(v.clone(), [d]),
        &device,
    )));
    let table = model
        .embedding
        .weight
        .val()
        .into_data()
        .try_into_vec_as::<f32>()
        .unwrap();
    let with_winner = |winner: u32| {
        let mut t = table.clone();
        for k in 0..d {
            t[winner as usize * d + k] = 50.0 * v[k];
        }
        Param::from_tensor(Tensor::<2>::from_data(
            TensorData::new(t, [config.vocab_size, d]),
            &device,
        ))
    };
    let source = ids(&[&[5, 6, EOS], &[7, EOS, PAD]], &device);
    model.embedding.weight = with_winner(EOS);
    assert_eq!(
        model.greedy_decode(source.clone(), 6),
        vec![Vec::<u32>::new(); 2]
    );
    model.embedding.weight = with_winner(17);
    assert_eq!(model.greedy_decode(source, 6), vec![vec![17; 6]; 2]);
}

/// Made-up German→English sentence pairs (not from the dictionary).
fn fixture_pairs() -> Vec<PhrasePair> {
    let subjects = [
        ("Der Hund", "The dog"),
        ("Die Katze", "The cat"),
        ("Das Kind", "The child"),
    ];
    let verbs = [
        ("schläft", "sleeps"),
        ("spielt", "plays"),
        ("isst", "eats"),
        ("läuft", "runs"),
    ];
    let places = [
        ("hier.", "here."),
        ("dort.", "there."),
        ("heute.", "today."),
    ];
    let mut pairs = Vec::new();
    for (sd, se) in subjects {
        for (vd, ve) in verbs {
            for (pd, pe) in places {
                pairs.push(PhrasePair {
                    german: format!("{sd} {vd} {pd}"),
                    english: format!("{se} {ve} {pe}"),
                });
            }
        }
    }
    pairs
}

fn fixture_data() -> Arc<TranslationData> {
    let spec = TranslationSpec {
        filter: SentenceFilter {
            min_words: 3,
            max_words: 6,
        },
        validation_per_mille: 200,
        vocab_size: 120,
        max_tokens: 16,
        train_eval: 64,
    };
    Arc::new(TranslationData::build(fixture_pairs(), &spec).unwrap())
}

#[test]
fn fixture_data_is_split_and_tokenised() {
    let data = fixture_data();
    // fixture_pairs: 3 subjects × 4 verbs × 3 places = 36 sentences.
    assert_eq!(data.train.len() + data.validation.len(), 36);
    assert!(!data.validation.is_empty() && data.train.len() > 20);
    assert!(data.vocab.len() <= 120);
    for p in data.train.iter().chain(&data.validation) {
        assert_eq!(p.source.last(), Some(&EOS));
        assert_eq!(data.vocab.decode(&p.target), p.reference);
    }
}

/// 60 AdamW steps (lr 3·10⁻³, batch 8) on the fixture lower the teacher-forced training loss
/// well below its starting value (≈ ln V + the embedding scale) and BLEU is computed.
#[test]
fn training_steps_reduce_the_loss() {
    let _serial = serial();
    let device = training_device();
    device.seed(0);
    let data = fixture_data();
    let mut config = small();
    config.vocab_size = data.vocab.len();
    let mut task = TransformerTask::new(config, data.clone(), 8, 0);
    let mut model = task.init_model(&device, &Regularization::default());
    let eval_device = device.clone().inner();
    let (before, _) = TransformerTask::measure(
        &burn::module::Module::valid(&model),
        &data.train,
        &eval_device,
    );
    let overrides = Hyperparams::new()
        .with("learning_rate", 3e-3)
        .with("warmup_fraction", 0.0);
    let preset = Preset::literature("adamw")
        .unwrap()
        .with_overrides(&overrides)
        .unwrap();
    let mut optim = ModuleOptimizer::new(preset.build().unwrap());
    for _ in 0..60 {
        let loss = task.train_loss(&model, &device, 0.1);
        let grads = burn::optim::GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(StepContext::new(3e-3), model, grads).unwrap();
    }
    let valid = burn::module::Module::valid(&model);
    let (after, accuracy) = TransformerTask::measure(&valid, &data.train, &eval_device);
    assert!(after < 0.5 * before, "loss {before} -> {after}");
    assert!(accuracy > 0.3, "token accuracy {accuracy}");
    let metrics = task.evaluate(&valid, &eval_device);
    let bleu = metrics["validation/bleu"];
    // With token accuracy above 0.3 the greedy outputs share n-grams with the references.
    assert!(bleu > 0.0 && bleu <= 100.0, "{bleu}");
    assert_eq!(
        metrics["validation/num_examples"],
        data.validation.len() as f64
    );
    assert!(metrics["validation/loss"].is_finite());
}

const EXACT: f64 = 1e-9;

fn assert_bleu(hyps: &[&str], refs: &[&str], expected: f64, counts: [u64; 4], totals: [u64; 4]) {
    let b = corpus_bleu(hyps, refs);
    assert!(
        (b.score - expected).abs() < EXACT,
        "{hyps:?}: {} vs sacreBLEU {expected}",
        b.score
    );
    assert_eq!((b.matches, b.totals), (counts, totals), "{hyps:?}");
}

/// Values from sacreBLEU 2.6.0 (`pip install sacrebleu` in a fresh venv), printed with
/// ```python
/// import sacrebleu
/// b = sacrebleu.corpus_bleu(hyps, [refs])
/// print(repr(b.score), b.counts, b.totals, b.sys_len, b.ref_len)
/// from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a
/// print(Tokenizer13a()(line))
/// ```
/// for the hypothesis/reference lists below.
#[test]
fn bleu_matches_sacrebleu() {
    let refs = ["The cat sat on the mat.", "He works from morning to night."];
    // Perfect match: 100 (up to rounding: sacreBLEU prints 100.00000000000004).
    assert_bleu(
        &refs,
        &refs,
        100.00000000000004,
        [14, 12, 10, 8],
        [14, 12, 10, 8],
    );
    // Punctuation and case.
    assert_bleu(
        &[
            "the cat, sat on the mat!",
            "He works (from) morning to night .",
        ],
        &refs,
        36.84455060594592,
        [12, 7, 4, 2],
        [17, 15, 13, 11],
    );
    // An empty hypothesis (brevity penalty exp(1 − 14/7)).
    assert_bleu(
        &["", "He works from morning to night."],
        &refs,
        36.78794411714425,
        [7, 6, 5, 4],
        [7, 6, 5, 4],
    );
    // Short hypotheses: brevity penalty and an order with no matches (exp smoothing).
    assert_bleu(
        &["The cat sat.", "He works."],
        &refs,
        20.687381245863396,
        [7, 3, 1, 0],
        [7, 5, 3, 1],
    );
    // Zero 3- and 4-gram matches.
    assert_bleu(
        &["cat the mat on sat the", "night to morning from works he"],
        &refs,
        10.27399780837539,
        [10, 1, 0, 0],
        [12, 10, 8, 6],
    );
    // Numbers (no split inside 1,000.50; split of 2020-2021) and unescaped entities.
    assert_bleu(
        &[
            "It costs 1,000.50 dollars in 2020-2021.",
            "A&amp;B &quot;quoted&quot; text",
        ],
        &[
            "It costs 1,000.50 dollars in 2020 - 2021.",
            "A&B \"quoted\" text",
        ],
        100.00000000000004,
        [16, 14, 12, 10],
        [16, 14, 12, 10],
    );
    // Nothing at all, and a perfect match too short for 3-grams: both 0.
    assert_bleu(
        &["", ""],
        &["The cat sat on the mat.", "He works."],
        0.0,
        [0; 4],
        [0; 4],
    );
    assert_bleu(&["Good."], &["Good."], 0.0, [2, 1, 0, 0], [2, 1, 0, 0]);
    // Non-ASCII punctuation and letters.
    assert_bleu(
        &["Er sagte: „Nein!“ – heute.", "Aaron’s rod is here ."],
        &["Er sagte: „Ja!“ – heute.", "Aaron’s rod is there."],
        51.697315395717055,
        [12, 8, 5, 2],
        [14, 12, 10, 8],
    );
    assert_bleu(
        &[
            "The dollar has fallen to a new low.",
            "Is there wine for everyone?",
            "She called his name loudly.",
        ],
        &[
            "The dollar has sunk to a new low.",
            "Is there enough wine to go round?",
            "She called out his name.",
        ],
        33.296064102830634,
        [17, 9, 4, 2],
        [21, 18, 15, 12],
    );
}

/// Outputs of sacreBLEU 2.6.0's
/// `from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a; print(repr(Tokenizer13a()(line)))`.
#[test]
fn tokenizer_13a_matches_sacrebleu() {
    let cases = [
        (
            "It costs 1,000.50 dollars in 2020-2021.",
            "It costs 1,000.50 dollars in 2020 - 2021 .",
        ),
        (
            "Hello, world... (yes) 'no' e.g. U.S.A.",
            "Hello , world . . . ( yes ) 'no' e . g . U . S . A .",
        ),
        ("a.,b 3.-4 x-y", "a . , b 3 . -4 x-y"),
        (
            "Er sagte: „Nein!“ – 5.-10. Mai, $3.50/Stück.",
            "Er sagte : „Nein ! “ – 5 . -10 . Mai , $ 3.50 / Stück .",
        ),
        (
            "Aaron’s rod {x} [y] <z> ~a^b_c`d|e\\f",
            "Aaron’s rod { x } [ y ] < z > ~ a ^ b _ c ` d | e \\ f",
        ),
        ("  trailing  spaces\t\u{1c} ", "trailing spaces"),
    ];
    for (line, expected) in cases {
        assert_eq!(tokenize_13a(line).join(" "), expected, "{line}");
    }
}
