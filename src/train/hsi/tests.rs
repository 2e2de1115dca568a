//! Native tests of HybridSN training, mapping, splits and weights files.

use super::*;
use crate::data::{Guard, NdArray, Values};
use crate::train::NativeHost;
use crate::train::weights::Precision;

/// A small synthetic scene: 11×12 pixels, 16 bands, 3 classes with distinct spectra.
fn small_scene() -> Scene {
    let (h, w, b) = (11, 12, 16);
    let mut rng = Rng::new(7);
    let mut gt = vec![0u8; h * w];
    let mut cube = vec![0f32; h * w * b];
    for i in 0..h * w {
        let class = (i / w * 3 / h) as u8 + 1; // horizontal bands of classes
        gt[i] = if rng.next_f64() < 0.8 { class } else { 0 };
        for k in 0..b {
            let base = ((k as f32) * 0.3 * class as f32).sin() * 100.0 + 500.0;
            cube[i * b + k] = base + (rng.next_f64() as f32 - 0.5) * 20.0;
        }
    }
    let cube = NdArray::new("cube", vec![h, w, b], Values::F32(cube)).unwrap();
    let gt = NdArray::new("gt", vec![h, w], Values::U8(gt)).unwrap();
    Scene::from_arrays("small", &cube, &gt, None).unwrap()
}

fn small_cfg() -> HsiTrainConfig {
    HsiTrainConfig::new()
        .with_pca(14)
        .with_patch(9)
        .with_train_fraction(0.3)
        .with_epochs(3)
        .with_batch_size(16)
        .with_eval_every(1)
        // A constant rate: these runs are a few dozen steps, too short for a decay.
        .with_cosine(false)
}

#[test]
fn patch_cross_entropy_equals_burns_cross_entropy_loss() {
    let scene = small_scene();
    let cfg = small_cfg();
    let prep = prepare(&scene, &cfg).unwrap();
    let device = Device::flex();
    let model = HybridSnConfig::new()
        .with_bands(prep.padded.bands)
        .with_patch(prep.patch)
        .with_num_classes(prep.num_classes)
        .init(&device);
    // More pixels than one chunk of 32, and a last chunk that is not full.
    let pixels: Vec<usize> = prep.split.test.iter().copied().take(45).collect();
    assert_eq!(pixels.len(), 45);
    let ours = pollster::block_on(patch_cross_entropy(&model, &prep, &pixels))
        .unwrap()
        .unwrap();
    let mut buf = Vec::new();
    let x = batch_tensor(&prep, &pixels, &mut buf, &device);
    let y = targets(&prep, &pixels, &device);
    let burns = super::super::training_loss(0.0, &device).forward(model.forward(x), y);
    let burns = pollster::block_on(read_f32(burns, "a tensor")).unwrap()[0] as f64;
    assert!(ours > 0.1, "an untrained model is unsure: {ours}");
    assert!(
        (ours - burns).abs() < 1e-5 * burns,
        "{ours} vs burn's {burns}"
    );
    assert_eq!(
        pollster::block_on(patch_cross_entropy(&model, &prep, &[])).unwrap(),
        None
    );
}

#[test]
fn the_cosine_schedule_decays_from_lr_to_five_percent() {
    let cfg = HsiTrainConfig::new().with_lr(1e-3);
    assert_eq!(lr_at(&cfg, 0, 100), 1e-3);
    assert!((lr_at(&cfg, 50, 100) - 0.525e-3).abs() < 1e-12);
    assert!((lr_at(&cfg, 100, 100) - 0.05e-3).abs() < 1e-12);
    let flat = cfg.clone().with_cosine(false);
    assert_eq!(lr_at(&flat, 90, 100), 1e-3);
}

#[test]
fn class_balancing_trains_on_the_repeated_pixels_and_is_kept_in_the_weights() {
    let scene = small_scene();
    let cfg = small_cfg().with_epochs(1).with_min_per_class(40);
    let prep = prepare(&scene, &cfg).unwrap();
    let counts: Vec<usize> = (1..=3)
        .map(|c| {
            prep.split
                .train
                .iter()
                .filter(|&&i| prep.gt[i] == c)
                .count()
        })
        .collect();
    assert!(counts.iter().all(|&n| n > 0 && n < 40), "{counts:?}");
    let mut totals = Vec::new();
    let trained = {
        let mut host = NativeHost::new(|e| {
            if let Event::Progress { done, total, .. } = e {
                totals.push((done, total));
            }
        });
        pollster::block_on(train_hybridsn(
            &mut host,
            &Device::flex(),
            &prep,
            &cfg,
            None,
        ))
        .unwrap()
    };
    // Every class is seen 40 times in the epoch: 120 samples, not the split's own count.
    assert_eq!(totals.first().unwrap().1, 120);
    assert!(totals.iter().any(|&(done, _)| done == 120));
    assert!(trained.history[0].loss.is_finite());
    let bytes = pollster::block_on(save_hybridsn(
        &trained.model,
        &cfg,
        &prep.scene,
        Scores::default(),
        Precision::F32,
    ))
    .unwrap();
    let (_, cfg2) = load_hybridsn(&bytes, &Device::flex()).unwrap();
    assert_eq!(cfg2.min_per_class, 40);
}

#[test]
fn weights_record_the_scene_they_were_trained_on() {
    let scene = small_scene();
    let model = HybridSnConfig::new()
        .with_bands(14)
        .with_patch(9)
        .with_num_classes(scene.num_classes)
        .init(&Device::flex())
        .valid();
    let cfg = small_cfg();
    let here = TrainedOn::scene(&scene);
    let save = |on: &TrainedOn| {
        pollster::block_on(save_hybridsn(
            &model,
            &cfg,
            on,
            Scores::default(),
            Precision::F16,
        ))
        .unwrap()
    };
    let with_id = save(&here);
    assert_eq!(TrainedOn::read(&with_id).unwrap(), here);
    assert_eq!(TrainedOn::read(&with_id).unwrap().unscored_on(&here), None);
    let unknown = TrainedOn {
        name: "small".into(),
        id: None,
    };
    let without = save(&unknown);
    assert_eq!(TrainedOn::read(&without).unwrap(), unknown);
    // One changed value or label is another scene; the same data is the same one.
    let mut other = scene.clone();
    other.cube[5] += 1.0;
    assert_ne!(other.id(), scene.id());
    let mut relabelled = scene.clone();
    relabelled.gt[0] = if relabelled.gt[0] == 1 { 2 } else { 1 };
    assert_ne!(relabelled.id(), scene.id());
    assert_eq!(small_scene().id(), scene.id());
    assert!(
        scene
            .id()
            .to_string()
            .starts_with("11×12×16, 3 classes, data hash ")
    );
    // Scores only on the scene itself: not on another one, even of the same name, nor
    // when the file does not say.
    let elsewhere = TrainedOn::scene(&other);
    let why = TrainedOn::read(&with_id)
        .unwrap()
        .unscored_on(&elsewhere)
        .unwrap();
    assert!(why.contains("another scene"), "{why}");
    let why = unknown.unscored_on(&here).unwrap();
    assert!(why.contains("do not record"), "{why}");
}

#[test]
fn scene_map_equals_patch_by_patch_inference() {
    let scene = small_scene();
    let cfg = small_cfg();
    let prep = prepare(&scene, &cfg).unwrap();
    let device = Device::flex();
    let model = HybridSnConfig::new()
        .with_bands(14)
        .with_patch(9)
        .with_num_classes(scene.num_classes)
        .init(&device)
        .valid();
    let mut host = NativeHost::new(|_| {});
    let map = pollster::block_on(scene_map(&mut host, &model, &prep, false)).unwrap();
    let all: Vec<usize> = (0..scene.height * scene.width).collect();
    let reference = pollster::block_on(patch_labels(&model, &prep, &all)).unwrap();
    assert_eq!(map.len(), all.len());
    assert!(map.iter().all(|&l| (1..=3).contains(&l)));
    assert_eq!(map, reference);
}

#[test]
fn training_learns_the_small_scene_and_weights_round_trip_bit_exactly() {
    let scene = small_scene();
    let cfg = small_cfg().with_epochs(12).with_lr(3e-3);
    let prep = prepare(&scene, &cfg).unwrap();
    let device = Device::flex();
    let mut events = Vec::new();
    let trained = {
        let mut host = NativeHost::new(|e| events.push(e));
        pollster::block_on(train_hybridsn(&mut host, &device, &prep, &cfg, None)).unwrap()
    };
    assert_eq!(trained.history.len(), 12);
    let first = trained.history[0].loss;
    let last = trained.history.last().unwrap().loss;
    assert!(last < first, "loss did not fall: {first} → {last}");
    let oa = trained.evaluation.as_ref().unwrap().oa;
    assert!(oa > 0.6, "OA {oa}");
    assert!(events.iter().any(|e| matches!(e, Event::Epoch(_))));
    assert!(events.iter().any(|e| matches!(e, Event::MapRows { .. })));
    // Validation is scored every epoch, on its own pixels, apart from the test pixels.
    let val = trained.validation.as_ref().expect("a validation score");
    assert_eq!(val.pixels, prep.split.validation.len());
    assert!(val.pixels > 0);
    assert!(trained.history.iter().all(|m| m.val_acc.is_some()));
    assert_eq!(trained.history.last().unwrap().val_acc, Some(val.oa));
    let test: std::collections::HashSet<_> = prep.split.test.iter().collect();
    assert!(prep.split.validation.iter().all(|i| !test.contains(i)));
    assert!(
        prep.split
            .validation
            .iter()
            .all(|i| !prep.split.train.contains(i))
    );

    // f32 file: reloaded weights give bit-identical logits.
    let bytes = pollster::block_on(save_hybridsn(
        &trained.model,
        &cfg,
        &prep.scene,
        Scores {
            validation: trained.validation.as_ref(),
            validation_loss: Some(0.25),
            test: trained.evaluation.as_ref(),
        },
        Precision::F32,
    ))
    .unwrap();
    let (reloaded, cfg2) = load_hybridsn(&bytes, &device).unwrap();
    assert_eq!(cfg2, cfg);
    // The header records the validation score the run is chosen by, and the test score.
    let (header, _) = crate::train::weights::read_header(&bytes).unwrap();
    let (v, t) = recorded_scores(&header.metrics);
    let (v, t) = (v.unwrap(), t.unwrap());
    assert_eq!(
        (v.oa, v.aa, v.kappa, v.pixels),
        (val.oa, val.aa, val.kappa, val.pixels)
    );
    let e = trained.evaluation.as_ref().unwrap();
    assert_eq!((t.oa, t.pixels), (e.oa, e.pixels));
    assert_eq!(header.metrics["validation"]["cross_entropy"], 0.25);
    assert_eq!(header.metrics["selection"], SELECTION);
    assert_eq!(header.preprocessing["val_fraction"], 0.1);
    let mut buf = Vec::new();
    let px: Vec<usize> = (0..20).collect();
    let a = trained
        .model
        .forward(batch_tensor(&prep, &px, &mut buf, &device))
        .into_data();
    let b = reloaded
        .forward(batch_tensor(&prep, &px, &mut buf, &device))
        .into_data();
    assert_eq!(a.as_bytes(), b.as_bytes());

    // A file for another model is refused in words.
    let other = crate::model::MobileNetV1Config::new()
        .with_width(0.25)
        .init(&device);
    let foreign = pollster::block_on(crate::train::weights::save(
        &other,
        "MobileNetV1",
        serde_json::json!({}),
        serde_json::json!({}),
        serde_json::json!({}),
        Precision::F32,
    ))
    .unwrap();
    let err = load_hybridsn(&foreign, &device).unwrap_err();
    assert_eq!(err, TrainError::NotHybridSnWeights("MobileNetV1".into()));
    assert!(err.to_string().contains("MobileNetV1"), "{err}");
    // A truncated file is refused.
    assert!(load_hybridsn(&bytes[..bytes.len() / 2], &device).is_err());
}

#[test]
fn training_continues_from_loaded_weights_with_augmentation() {
    let scene = small_scene();
    let cfg = small_cfg().with_epochs(2).with_lr(3e-3);
    let prep = prepare(&scene, &cfg).unwrap();
    let device = Device::flex();
    let mut host = NativeHost::new(|_| {});
    let first = pollster::block_on(train_hybridsn(&mut host, &device, &prep, &cfg, None)).unwrap();
    let bytes = pollster::block_on(save_hybridsn(
        &first.model,
        &cfg,
        &prep.scene,
        Scores::default(),
        Precision::F32,
    ))
    .unwrap();
    // A loaded model is in eval mode; continuing must make it trainable again.
    let (loaded, _) = load_hybridsn(&bytes, &device).unwrap();
    // Resuming after epoch 1 of 3 runs epochs 2 and 3.
    let more = cfg.clone().with_augment(true).with_epochs(3);
    let second = pollster::block_on(train_hybridsn(
        &mut host,
        &device,
        &prep,
        &more,
        Some((loaded, 1)),
    ))
    .unwrap();
    let epochs: Vec<usize> = second.history.iter().map(|m| m.epoch).collect();
    assert_eq!(epochs, [2, 3]);
    assert!(second.history.iter().all(|m| m.loss.is_finite()));
    let mut buf = Vec::new();
    let px: Vec<usize> = (0..20).collect();
    let a = first
        .model
        .forward(batch_tensor(&prep, &px, &mut buf, &device))
        .into_data();
    let b = second
        .model
        .forward(batch_tensor(&prep, &px, &mut buf, &device))
        .into_data();
    assert_ne!(a.as_bytes(), b.as_bytes(), "the weights did not change");
}

#[test]
fn label_smoothing_trains_is_kept_in_the_weights_and_bad_values_are_refused() {
    let scene = small_scene();
    let cfg = small_cfg()
        .with_epochs(6)
        .with_lr(3e-3)
        .with_label_smoothing(0.1);
    let prep = prepare(&scene, &cfg).unwrap();
    let device = Device::flex();
    let mut host = NativeHost::new(|_| {});
    let trained =
        pollster::block_on(train_hybridsn(&mut host, &device, &prep, &cfg, None)).unwrap();
    let (first, last) = (
        trained.history[0].loss,
        trained.history.last().unwrap().loss,
    );
    assert!(last < first, "loss did not fall: {first} → {last}");
    // Smoothed targets (0.933, 0.033, 0.033 for ε = 0.1 and 3 classes) have entropy
    // 0.291: the mean loss cannot fall below it, as a plain cross-entropy can.
    assert!(last > 0.28, "smoothed loss {last} is below its floor");
    let oa = trained.evaluation.as_ref().unwrap().oa;
    assert!(oa > 0.6, "OA {oa}");
    let bytes = pollster::block_on(save_hybridsn(
        &trained.model,
        &cfg,
        &prep.scene,
        Scores::default(),
        Precision::F16,
    ))
    .unwrap();
    let (_, cfg2) = load_hybridsn(&bytes, &device).unwrap();
    assert_eq!(cfg2.label_smoothing, 0.1);
    for bad in [1.0, -0.1, f32::NAN] {
        let cfg = cfg.clone().with_label_smoothing(bad);
        let err = pollster::block_on(train_hybridsn(&mut host, &device, &prep, &cfg, None))
            .err()
            .expect("a bad smoothing must be refused");
        assert!(matches!(err, TrainError::LabelSmoothing(_)), "{err}");
        assert!(err.to_string().contains("Label smoothing"), "{err}");
    }
}

#[test]
fn a_huge_learning_rate_stops_with_a_message_naming_epoch_and_step() {
    let scene = small_scene();
    let cfg = small_cfg().with_lr(1e12).with_epochs(3);
    let prep = prepare(&scene, &cfg).unwrap();
    let mut host = NativeHost::new(|_| {});
    match pollster::block_on(train_hybridsn(
        &mut host,
        &Device::flex(),
        &prep,
        &cfg,
        None,
    )) {
        Err(e) => assert!(
            matches!(
                e,
                TrainError::LossDiverged { .. } | TrainError::NonFiniteWeights { .. }
            ),
            "expected a divergence naming epoch and step: {e}"
        ),
        Ok(t) => panic!(
            "expected a divergence error, got OA {}",
            t.evaluation.map_or(f64::NAN, |e| e.oa)
        ),
    }
}

#[test]
fn weights_made_non_finite_by_an_epochs_last_step_stop_the_run() {
    // One step an epoch: its loss is computed before the step, so it is finite; the step
    // with an infinite learning rate (1e39 is beyond f32) makes the weights infinite or
    // NaN, which only the end-of-epoch check sees. Without it this run "succeeded" with
    // an epoch of garbage weights reported and mapped.
    let scene = small_scene();
    let cfg = small_cfg()
        .with_lr(1e39)
        .with_epochs(1)
        .with_max_train(8)
        .with_batch_size(8)
        .with_min_per_class(0);
    let prep = prepare(&scene, &cfg).unwrap();
    assert_eq!(training_pixels(&prep, &cfg).len(), 8, "one step an epoch");
    let mut host = NativeHost::new(|_| {});
    let device = Device::flex();
    match pollster::block_on(train_hybridsn(&mut host, &device, &prep, &cfg, None)) {
        Err(e) => {
            assert_eq!(e, TrainError::NonFiniteWeights { epoch: 1, steps: 1 });
            assert!(
                e.to_string()
                    .contains("weights became NaN or infinite at epoch 1, step 1 of 1"),
                "{e}"
            );
        }
        Ok(_) => panic!("an epoch with non-finite weights was reported as done"),
    }
    // A sound model passes the check.
    let model = HybridSnConfig::new()
        .with_bands(prep.padded.bands)
        .with_patch(prep.patch)
        .with_num_classes(prep.num_classes)
        .init(&device);
    assert!(pollster::block_on(super::super::weights_finite(&model)).unwrap());
}

#[test]
fn batches_are_cut_to_what_the_device_holds() {
    // Indian Pines defaults: the third Conv3d (32 × 18 × 19 × 19) is the biggest output.
    let a = activation_floats(30, 25);
    assert_eq!(
        a,
        [
            8 * 24 * 23 * 23,
            16 * 20 * 21 * 21,
            32 * 18 * 19 * 19,
            64 * 17 * 17
        ]
    );
    // The figure: at batch 256 that output exceeds a 128 MiB binding.
    assert!(256 * 4 * a[2] > WEBGPU_BINDING_BYTES);
    let gpu = fit_batch(4096, 30, 25, true);
    assert_eq!(gpu, WEBGPU_BINDING_BYTES / 2 / (4 * a[2]));
    assert!(gpu >= 32, "the default batch 32 must fit: {gpu}");
    assert_eq!(fit_batch(32, 30, 25, true), 32);
    let cpu = fit_batch(100_000, 30, 25, false);
    assert!(cpu >= 32 && cpu * 12 * a.iter().sum::<usize>() <= CPU_STEP_BYTES);
    // Tiny settings keep the asked batch; nothing goes below 1.
    assert_eq!(fit_batch(7, 15, 9, true), 7);
    assert_eq!(fit_batch(0, 30, 25, true), 1);
}

#[test]
fn strips_stay_within_webgpu_binding_limits() {
    // 145 columns, 25×25 patches: the unfolded first dense layer input of one strip.
    let rows = strip_rows(145, 25, STRIP_BYTES);
    assert!(rows >= 1);
    assert!(rows * 145 * 64 * 17 * 17 * 4 <= 64 * 1024 * 1024);
    // Natively on the CPU: taller strips, still within their budget.
    let native = strip_rows(145, 25, NATIVE_CPU_STRIP_BYTES);
    assert!(native > 4 * rows && native * 145 * 64 * 17 * 17 * 4 <= 512 << 20);
    assert_eq!(strip_rows(10, 9, NATIVE_CPU_STRIP_BYTES), 48);
}

#[test]
fn spread_is_the_mean_and_sample_standard_deviation() {
    let s = Spread::of(&[0.97, 0.98, 0.99]).unwrap();
    assert!((s.mean - 0.98).abs() < 1e-12);
    assert!((s.sd - 0.01).abs() < 1e-12, "{}", s.sd);
    assert_eq!(s.runs, 3);
    // n − 1: two runs 2 apart have sd √2, not 1.
    let two = Spread::of(&[1.0, 3.0]).unwrap();
    assert_eq!(two.mean, 2.0);
    assert!((two.sd - 2f64.sqrt()).abs() < 1e-12);
    assert_eq!(Spread::of(&[0.5]).unwrap().sd, 0.0);
    assert!(Spread::of(&[]).is_none());
    // OA, AA and Kappa are each aggregated from their own field.
    let eval = |oa: f64, aa: f64, kappa: f64| Evaluation {
        oa,
        aa,
        kappa,
        per_class: Vec::new(),
        confusion: Vec::new(),
        num_classes: 2,
        pixels: 10,
    };
    let (a, b) = (eval(0.9, 0.8, 0.7), eval(1.0, 0.6, 0.5));
    let s = SpreadScores::of(&[&a, &b]).unwrap();
    assert!((s.oa.mean - 0.95).abs() < 1e-12 && (s.aa.mean - 0.7).abs() < 1e-12);
    assert!((s.kappa.mean - 0.6).abs() < 1e-12);
    assert!((s.oa.sd - 0.1 / 2f64.sqrt()).abs() < 1e-12);
    assert!((s.aa.sd - 0.2 / 2f64.sqrt()).abs() < 1e-12);
    assert!(SpreadScores::of(&[]).is_none());
}

fn shipped(file: &str) -> Vec<u8> {
    let path = format!("{}/public/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path} is needed by this test: {e}"))
}

#[test]
fn shipped_weights_record_the_bundled_scene() {
    // The app maps the bundled scene with the shipped weights and scores the map: honest
    // only because the file records that very scene (its header was given the scene's
    // identity after the fact; the tensors are the ones trained on it).
    let scene = crate::data::load::indian_pines(&shipped(&format!(
        "data/{}",
        crate::data::load::INDIAN_PINES_FILE
    )))
    .unwrap();
    let here = TrainedOn::scene(&scene);
    let recorded = TrainedOn::read(&shipped("weights/hybridsn.clw")).unwrap();
    assert_eq!(
        recorded.unscored_on(&here),
        None,
        "{recorded:?} against {here:?}"
    );
}

/// Preparing another split of the same scene reuses the PCA and padding and draws the
/// split as a fresh preparation does; another patch size or another scene recomputes.
#[test]
fn prepare_reusing_another_split_equals_a_fresh_preparation() {
    let scene = crate::data::load::indian_pines(&shipped(&format!(
        "data/{}",
        crate::data::load::INDIAN_PINES_FILE
    )))
    .unwrap();
    let random = HsiTrainConfig::new();
    let spatial = HsiTrainConfig::new().with_spatial(true).with_seed(1);
    let first = prepare(&scene, &random).unwrap();
    let fresh = prepare(&scene, &spatial).unwrap();
    let reused = prepare_reusing(&scene, &spatial, Some(&first)).unwrap();
    assert_eq!(reused.split, fresh.split);
    assert_eq!(reused.padded.volume(), fresh.padded.volume());
    assert_eq!(
        (&reused.explained, &reused.scene),
        (&fresh.explained, &fresh.scene)
    );
    // Another patch size cannot reuse the padding.
    let other = random.clone().with_patch(11);
    let p = prepare_reusing(&scene, &other, Some(&first)).unwrap();
    assert_eq!(p.patch, 11);
    assert_eq!(
        p.padded.volume(),
        prepare(&scene, &other).unwrap().padded.volume()
    );
}

/// A shipped HybridSN file's header records its split, its validation score, how it was
/// chosen and the bundled scene, and the scores it records are what a map of the scene by
/// its weights scores today (to the printed precision), on the validation and test pixels
/// today's split gives. Returns the file's settings.
fn shipped_weights_score_what_their_header_says(file: &str) -> HsiTrainConfig {
    let bytes = shipped(file);
    let (model, cfg) = load_hybridsn(&bytes, &Device::flex()).unwrap();
    let (header, _) = crate::train::weights::read_header(&bytes).unwrap();
    assert_eq!(header.metrics["selection"], SELECTION);
    let (v, t) = recorded_scores(&header.metrics);
    let (v, t) = (v.expect("a validation score"), t.expect("a test score"));
    let scene = crate::data::load::indian_pines(&shipped(&format!(
        "data/{}",
        crate::data::load::INDIAN_PINES_FILE
    )))
    .unwrap();
    assert_eq!(
        TrainedOn::read(&bytes)
            .unwrap()
            .unscored_on(&TrainedOn::scene(&scene)),
        None
    );
    let prep = prepare(&scene, &cfg).unwrap();
    assert_eq!(
        (prep.split.validation.len(), prep.split.test.len()),
        (v.pixels, t.pixels)
    );
    let mut host = NativeHost::new(|_| {});
    let map = pollster::block_on(scene_map(&mut host, &model, &prep, false)).unwrap();
    for (pixels, recorded) in [(&prep.split.validation, v), (&prep.split.test, t)] {
        let e = Evaluation::of(&map, &prep.gt, pixels, prep.num_classes);
        let pct = |x: f64| format!("{:.2}", 100.0 * x);
        assert_eq!(
            (pct(e.oa), pct(e.aa), format!("{:.4}", e.kappa)),
            (
                pct(recorded.oa),
                pct(recorded.aa),
                format!("{:.4}", recorded.kappa)
            ),
            "{file}: {} pixels",
            pixels.len()
        );
    }
    cfg
}

/// The no-shared-input weights the lab's split comparison shows.
#[test]
fn shipped_spatial_weights_score_what_their_header_says() {
    let cfg = shipped_weights_score_what_their_header_says("weights/hybridsn-spatial.clw");
    assert!(cfg.spatial);
    assert_eq!(cfg.guard, Guard::NoSharedInput);
    assert_eq!((cfg.seed, cfg.min_per_class, cfg.epochs), (0, 0, 20));
}

/// The random-split weights the lab maps with: the recipe chosen on validation in session
/// 17 (docs/RESULTS.md), split seed 0, its last epoch.
#[test]
fn shipped_random_split_weights_score_what_their_header_says() {
    let cfg = shipped_weights_score_what_their_header_says("weights/hybridsn.clw");
    assert!(!cfg.spatial);
    assert_eq!(cfg.val_fraction, crate::data::VALIDATION_FRACTION);
    assert_eq!((cfg.seed, cfg.epochs, cfg.train_fraction), (0, 20, 0.1));
    let (header, _) = crate::train::weights::read_header(&shipped("weights/hybridsn.clw")).unwrap();
    assert!(header.metrics["validation"]["cross_entropy"].is_f64());
}

/// A file written before validation sets and the wide spatial guard: the header of the
/// HybridSN file shipped until session 17 (its preprocessing and metrics verbatim, picked
/// among runs by test score), over a small model's tensors.
#[test]
fn files_written_before_validation_sets_read_as_such() {
    let device = Device::flex();
    let model = HybridSnConfig::new()
        .with_bands(30)
        .with_patch(9)
        .with_num_classes(16)
        .init(&device);
    let preprocessing = serde_json::json!({
        "augment": false, "batch_norm": true, "batch_size": 32, "cosine": true,
        "epochs": 20, "eval_every": 5, "label_smoothing": 0.0, "lr": 0.001, "max_train": 0,
        "min_per_class": 32, "patch": 9, "pca": 30, "seed": 2, "spatial": false,
        "train_fraction": 0.1
    });
    let metrics = serde_json::json!({
        "aa": 0.9815631403689585, "kappa": 0.9833254545881921, "oa": 0.9853610930383865,
        "scene": "Indian Pines", "test_pixels": 9222,
        "scene_id": {"height": 145, "width": 145, "bands": 200, "classes": 16,
                     "hash": "c477696b0f929617"}
    });
    let bytes = pollster::block_on(crate::train::weights::save(
        &model,
        "HybridSN",
        serde_json::to_value(model.config()).unwrap(),
        preprocessing,
        metrics,
        Precision::F16,
    ))
    .unwrap();
    let (_, cfg) = load_hybridsn(&bytes, &device).unwrap();
    assert_eq!(cfg.val_fraction, 0.0);
    assert_eq!(cfg.guard, Guard::LabelsApart);
    assert_eq!((cfg.seed, cfg.min_per_class, cfg.spatial), (2, 32, false));
    let (header, _) = crate::train::weights::read_header(&bytes).unwrap();
    let (v, t) = recorded_scores(&header.metrics);
    assert_eq!(v, None);
    assert_eq!(t.unwrap().pixels, 9222);
    assert!(chosen_as(&header.metrics).contains("not recorded"));
    // A new file's settings are its own, not the legacy ones.
    assert_eq!(
        HsiTrainConfig::new().val_fraction,
        crate::data::VALIDATION_FRACTION
    );
    assert_eq!(HsiTrainConfig::new().guard, Guard::NoSharedInput);
    assert!(!HsiTrainConfig::new().same_split(&cfg));
}

/// `prep` cut to rows `r0..r0 + h` and columns `c0..c0 + w` (PCA kept; the crop is
/// zero-padded at its own borders, for the map and the patches alike).
fn crop(prep: &Prepared, r0: usize, c0: usize, h: usize, w: usize) -> Prepared {
    let (k, m) = (prep.padded.bands, prep.padded.margin);
    let (ph, pw) = (prep.padded.padded_height(), prep.padded.padded_width());
    let vol = prep.padded.volume();
    let mut pixels = Vec::with_capacity(h * w * k);
    let mut gt = Vec::with_capacity(h * w);
    for r in r0..r0 + h {
        for c in c0..c0 + w {
            for b in 0..k {
                pixels.push(vol[b * ph * pw + (r + m) * pw + c + m]);
            }
            gt.push(prep.gt[r * prep.width + c]);
        }
    }
    Prepared {
        padded: PaddedCube::new(&pixels, h, w, k, prep.patch).unwrap(),
        split: Split::default(),
        gt,
        height: h,
        width: w,
        num_classes: prep.num_classes,
        patch: prep.patch,
        explained: prep.explained.clone(),
        scene: prep.scene.clone(),
    }
}

/// The real case of the whole-scene map: the shipped weights (patch 25, so the first
/// dense layer becomes a 17 × 17 convolution), a 24 × 20 window of Indian Pines mapped
/// in strips of 5 rows (5 strips, each with its 24 halo rows), compared pixel by pixel
/// with patch-by-patch inference on all 480 pixels, which get several labels.
///
/// Checked once to fail: with the halo lost (the 12 padded rows above each strip but the
/// first zeroed, as if every strip were its own scene), 141 of the 480 pixels differ,
/// from row 5 (the second strip) on, while the patch-9 one-strip test above still passed.
#[test]
fn scene_map_in_strips_with_halos_equals_patch_by_patch_with_the_shipped_weights() {
    let scene = crate::data::load::indian_pines(&shipped(&format!(
        "data/{}",
        crate::data::load::INDIAN_PINES_FILE
    )))
    .unwrap();
    let device = Device::flex();
    let (model, cfg) = load_hybridsn(&shipped("weights/hybridsn.clw"), &device).unwrap();
    assert_eq!(cfg.patch, 25);
    let full = prepare(&scene, &cfg).unwrap();
    let (h, w) = (24, 20);
    let prep = crop(&full, 60, 40, h, w);
    let mut host = NativeHost::new(|_| {});
    let rows = 5;
    assert!(h.div_ceil(rows) >= 4, "several strips");
    let map =
        pollster::block_on(scene_map_in_strips(&mut host, &model, &prep, false, rows)).unwrap();
    let all: Vec<usize> = (0..h * w).collect();
    let reference = pollster::block_on(patch_labels(&model, &prep, &all)).unwrap();
    let labels: std::collections::BTreeSet<u16> = reference.iter().copied().collect();
    eprintln!("labels predicted in the window: {labels:?}");
    assert!(labels.len() >= 2, "one label only: {labels:?}");
    let wrong: Vec<(usize, usize)> = all
        .iter()
        .filter(|&&i| map[i] != reference[i])
        .map(|&i| (i / w, i % w))
        .collect();
    assert!(
        wrong.is_empty(),
        "{} pixels differ, first {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(8)]
    );
}
