//! Hyperspectral commands: `train hybridsn`, `map`, `pack-scene`.

use std::time::Instant;

use burn::tensor::Device;
use convlab::data::{DataError, Guard, LabelChoice, Scene, load, pack_scene, read_npy};
use convlab::model::HybridSn;
use convlab::train::hsi::{
    Evaluation, HsiTrainConfig, Prepared, Scores, Spread, SpreadScores, Subset, TrainedOn,
    chosen_as, load_hybridsn, patch_cross_entropy, prepare, recorded_scores, save_hybridsn,
    scene_map, train_hybridsn, training_pixels,
};
use convlab::train::weights::Precision;
use convlab::train::{Event, NativeHost};
use convlab::viz;

use super::Opts;

/// The bundled scene in `public/data/`.
pub fn bundled_path() -> String {
    format!(
        "{}/public/data/{}",
        env!("CARGO_MANIFEST_DIR"),
        load::INDIAN_PINES_FILE
    )
}

/// Options that describe an uploaded `--scene` and mean nothing without one.
const SCENE_OPTIONS: [&str; 5] = ["gt", "cube-var", "gt-var", "unlabelled", "renumber-labels"];

/// `--unlabelled V[,V…]` and `--renumber-labels`: how the label values of `--scene`/`--gt`
/// become classes.
fn label_choice(opts: &Opts) -> Result<LabelChoice, String> {
    let unlabelled = match opts.get("unlabelled") {
        None if opts.flag("unlabelled") => return Err("--unlabelled needs a value".into()),
        None => Vec::new(),
        Some(list) => list
            .split(',')
            .map(|v| {
                v.trim()
                    .parse::<u32>()
                    .map_err(|_| format!("--unlabelled: '{v}' is not a label value"))
            })
            .collect::<Result<_, _>>()?,
    };
    Ok(LabelChoice {
        unlabelled,
        renumber: opts.flag("renumber-labels"),
    })
}

/// `--scene FILE [--gt FILE]`, else the bundled Indian Pines. Options of an uploaded scene
/// given without `--scene` are refused rather than ignored.
pub fn load_scene(opts: &Opts) -> Result<Scene, String> {
    match opts.get("scene") {
        None => {
            if let Some(o) = SCENE_OPTIONS.iter().find(|o| opts.flag(o)) {
                return Err(format!(
                    "--{o} describes a scene given with --scene FILE; without --scene the bundled \
                     Indian Pines is used with its own ground truth, so --{o} would be ignored. \
                     Give --scene too, or drop --{o}."
                ));
            }
            let path = bundled_path();
            let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
            load::indian_pines(&bytes).map_err(|e| e.to_string())
        }
        Some(file) => {
            let bytes = super::read_upload(file)?;
            let gt = match opts.get("gt") {
                Some(g) => Some((g.to_string(), super::read_upload(g)?)),
                None if opts.flag("gt") => return Err("--gt needs a FILE".into()),
                None => None,
            };
            load::scene_from_files(
                (file, &bytes),
                gt.as_ref().map(|(n, b)| (n.as_str(), b.as_slice())),
                opts.get("cube-var"),
                opts.get("gt-var"),
                &label_choice(opts)?,
            )
            .map_err(|e| match e {
                DataError::SuspiciousLabels { ref flagged, .. } => format!(
                    "{file}: {e} (options: --unlabelled {}, or --renumber-labels)",
                    flagged
                        .iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                e => format!("{file}: {e}"),
            })
        }
    }
}

/// Prints how the classes map to the file's label values when they are not the values.
fn print_label_map(scene: &Scene) {
    if !scene.label_map.is_identity() {
        println!("labels: {}", scene.label_map.describe());
    }
}

pub fn config(opts: &Opts) -> Result<HsiTrainConfig, String> {
    // Defaults come from the config; the CLI's own choices (batch 32, no per-epoch test
    // evaluation) are marked.
    let d = HsiTrainConfig::new();
    let guard = match opts.get("guard") {
        None if opts.flag("guard") => return Err("--guard needs a value".into()),
        None => d.guard,
        Some(id) => Guard::from_id(id).ok_or_else(|| {
            format!(
                "--guard: '{id}' ({})",
                Guard::ALL
                    .iter()
                    .map(|g| format!("{}: {}", g.id(), g.describe()))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        })?,
    };
    if opts.flag("guard") && !opts.flag("spatial") {
        return Err("--guard sets the spatial split's guard band: add --spatial".into());
    }
    Ok(HsiTrainConfig::new()
        .with_pca(opts.num("pca", d.pca)?)
        .with_patch(opts.num("patch", d.patch)?)
        .with_train_fraction(opts.num("train-fraction", d.train_fraction)?)
        .with_val_fraction(opts.num("val-fraction", d.val_fraction)?)
        .with_spatial(opts.flag("spatial"))
        .with_guard(guard)
        .with_seed(opts.num("seed", d.seed)?)
        .with_epochs(opts.num("epochs", d.epochs)?)
        .with_batch_size(opts.num("batch", d.batch_size)?)
        .with_lr(opts.num("lr", d.lr)?)
        .with_batch_norm(!opts.flag("paper"))
        .with_cosine(!opts.flag("constant-lr"))
        .with_max_train(opts.num("max-train", d.max_train)?)
        .with_eval_every(opts.num("eval-every", d.eval_every)?)
        .with_val_every(opts.num("val-every", d.val_every)?)
        .with_augment(opts.flag("augment"))
        .with_label_smoothing(opts.num("smoothing", d.label_smoothing)?)
        .with_min_per_class(opts.num("min-per-class", d.min_per_class)?))
}

/// How a run's weights were chosen, for every score printed about them.
fn chosen(cfg: &HsiTrainConfig) -> String {
    format!(
        "split seed {}, the last epoch of a fixed {}-epoch recipe",
        cfg.seed, cfg.epochs
    )
}

/// One line of scores naming the pixels they were measured on and how the run was chosen.
fn score_line(subset: Subset, e: &Evaluation, how: &str) -> String {
    format!(
        "{:<10} OA {:6.2} %  AA {:6.2} %  Kappa {:.4}  ({} {} pixels; {how})",
        subset.name(),
        100.0 * e.oa,
        100.0 * e.aa,
        e.kappa,
        e.pixels,
        subset.name(),
    )
}

fn print_per_class(subset: Subset, e: &Evaluation, scene: &Scene) {
    println!("per class ({} pixels):", subset.name());
    for (i, acc) in e.per_class.iter().enumerate() {
        let name = scene.class_names.get(i).map(String::as_str).unwrap_or("?");
        // Where a class's pixels go when they are missed: its most frequent wrong label.
        let n = e.num_classes;
        let row = &e.confusion[i * n..(i + 1) * n];
        let missed = row
            .iter()
            .enumerate()
            .filter(|&(j, &c)| j != i && c > 0)
            .max_by_key(|&(_, &c)| c)
            .map(|(j, &c)| {
                let total: u64 = row.iter().sum();
                let other = scene.class_names.get(j).map(String::as_str).unwrap_or("?");
                format!(
                    "  (most often taken for {} {other}: {:.0} %)",
                    j + 1,
                    100.0 * c as f64 / total.max(1) as f64
                )
            })
            .unwrap_or_default();
        match acc {
            Some(a) => println!("  {:>2} {name:<30} {:6.2} %{missed}", i + 1, 100.0 * a),
            None => println!(
                "  {:>2} {name:<30}      – (no {} pixels)",
                i + 1,
                subset.name()
            ),
        }
    }
}

/// Which classes have test pixels: `(present, names of the absent)`.
fn test_classes(prep: &Prepared, scene: &Scene) -> (usize, Vec<String>) {
    let mut has = vec![false; prep.num_classes];
    for &i in &prep.split.test {
        if let Some(h) = (prep.gt[i] as usize)
            .checked_sub(1)
            .and_then(|c| has.get_mut(c))
        {
            *h = true;
        }
    }
    let absent = has
        .iter()
        .enumerate()
        .filter(|(_, h)| !**h)
        .map(|(c, _)| {
            scene
                .class_names
                .get(c)
                .cloned()
                .unwrap_or_else(|| format!("class {}", c + 1))
        })
        .collect();
    (has.iter().filter(|h| **h).count(), absent)
}

fn classes_line(prep: &Prepared, scene: &Scene) -> String {
    let (present, absent) = test_classes(prep, scene);
    // A spatial split scores no class its training blocks lack: say which those are.
    let trained: std::collections::HashSet<&str> = (prep.split.train.iter())
        .chain(&prep.split.validation)
        .filter_map(|&i| (prep.gt[i] as usize).checked_sub(1))
        .filter_map(|c| scene.class_names.get(c).map(String::as_str))
        .collect();
    let (untrained, elsewhere): (Vec<String>, Vec<String>) = absent
        .into_iter()
        .partition(|name| !trained.contains(name.as_str()));
    let none = match (elsewhere.is_empty(), untrained.is_empty()) {
        (true, true) => String::new(),
        (false, true) => format!(" (none for {})", elsewhere.join(", ")),
        (true, false) => format!(" (not scored, none trained on: {})", untrained.join(", ")),
        (false, false) => format!(
            " (none for {}; not scored, none trained on: {})",
            elsewhere.join(", "),
            untrained.join(", ")
        ),
    };
    format!(
        "classes with test pixels: {present} of {}{none}",
        prep.num_classes
    )
}

/// `path` with `.seedN` before its extension, for the runs of `--splits`.
fn seed_path(path: &str, seed: u64, several: bool) -> String {
    if !several {
        return path.to_string();
    }
    let p = std::path::Path::new(path);
    match (p.file_stem(), p.extension()) {
        (Some(stem), Some(ext)) => p
            .with_file_name(format!(
                "{}.seed{seed}.{}",
                stem.to_string_lossy(),
                ext.to_string_lossy()
            ))
            .to_string_lossy()
            .into_owned(),
        _ => format!("{path}.seed{seed}"),
    }
}

/// What one run of `train hybridsn` leaves for the summary of `--splits`.
struct RunScores {
    seed: u64,
    /// The split's training and validation pixels, sorted (to find seeds that coincide).
    seen: Vec<usize>,
    validation: Option<Evaluation>,
    /// The validation pixels' mean cross-entropy (what recipes are compared on).
    validation_loss: Option<f64>,
    test: Evaluation,
    classes: String,
}

pub fn train(opts: &Opts) -> Result<(), String> {
    opts.only(
        &[
            &[
                "epochs",
                "train-fraction",
                "val-fraction",
                "seed",
                "splits",
                "seeds",
                "pca",
                "patch",
                "batch",
                "lr",
                "constant-lr",
                "spatial",
                "guard",
                "paper",
                "max-train",
                "eval-every",
                "val-every",
                "scene",
                "save",
                "f32",
                "png",
                "augment",
                "smoothing",
                "min-per-class",
                "init",
                "device",
            ][..],
            &SCENE_OPTIONS,
        ]
        .concat(),
    )?;
    let scene = load_scene(opts)?;
    print_label_map(&scene);
    let cfg = config(opts)?;
    let device = opts.device()?;
    let seeds = split_seeds(opts, cfg.seed)?;
    let several = seeds.len() > 1;
    if several && opts.flag("init") {
        return Err("--init continues one run on its own split; it cannot start --splits".into());
    }
    let mut runs = Vec::new();
    for (i, &seed) in seeds.iter().enumerate() {
        if several {
            println!("── split seed {seed} ({} of {}) ──", i + 1, seeds.len());
        }
        runs.push(train_one(
            opts,
            &scene,
            &cfg.clone().with_seed(seed),
            &device,
            several,
        )?);
    }
    if several {
        print_summary(&cfg, &runs);
    }
    Ok(())
}

/// The split seeds to run: `--seeds a,b,c`, else `--splits N` from `--seed` on (one run by
/// default).
fn split_seeds(opts: &Opts, first: u64) -> Result<Vec<u64>, String> {
    if let Some(list) = opts.get("seeds") {
        if opts.flag("splits") || opts.flag("seed") {
            return Err("--seeds lists the split seeds: leave out --splits and --seed".into());
        }
        let seeds = list
            .split(',')
            .map(|v| {
                v.trim()
                    .parse::<u64>()
                    .map_err(|_| format!("--seeds: '{v}' is not a seed"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut unique = seeds.clone();
        unique.sort_unstable();
        unique.dedup();
        if unique.len() != seeds.len() {
            return Err("--seeds: a seed is listed twice".into());
        }
        return Ok(seeds);
    }
    if opts.flag("seeds") {
        return Err("--seeds needs a list, e.g. --seeds 0,1,3,8,11".into());
    }
    let splits: u64 = opts.num("splits", 1)?;
    if splits == 0 {
        return Err("--splits must be at least 1".into());
    }
    Ok((first..first + splits).collect())
}

fn print_summary(cfg: &HsiTrainConfig, runs: &[RunScores]) {
    let seeds: Vec<String> = runs.iter().map(|r| r.seed.to_string()).collect();
    println!(
        "\n{} splits (seeds {}): {}; each run the last epoch of a fixed {}-epoch recipe",
        runs.len(),
        seeds.join(", "),
        cfg.split_settings(),
        cfg.epochs
    );
    println!("seed  val OA  val AA   val κ   (px)  test OA test AA  test κ    (px)  test classes");
    for r in runs {
        let v = r.validation.as_ref();
        let pct = |x: Option<f64>| x.map_or("     –".into(), |x| format!("{:6.2}", 100.0 * x));
        println!(
            "{:>4}  {}  {}  {}  {:>5}  {:6.2}  {:6.2}  {:.4}  {:>6}  {}",
            r.seed,
            pct(v.map(|e| e.oa)),
            pct(v.map(|e| e.aa)),
            v.map_or("     –".into(), |e| format!("{:.4}", e.kappa)),
            v.map_or(0, |e| e.pixels),
            100.0 * r.test.oa,
            100.0 * r.test.aa,
            r.test.kappa,
            r.test.pixels,
            r.classes
        );
    }
    // The spatial split's blocks are few: different seeds can pick the same ones.
    for (i, r) in runs.iter().enumerate() {
        let same: Vec<String> = runs[i + 1..]
            .iter()
            .filter(|o| o.seen == r.seen)
            .map(|o| o.seed.to_string())
            .collect();
        if !same.is_empty() && !runs[..i].iter().any(|o| o.seen == r.seen) {
            println!(
                "note: seeds {} and {} give the same training blocks, hence the same test \
                 pixels (validation is drawn differently within them): not independent splits",
                r.seed,
                same.join(", ")
            );
        }
    }
    let vals: Vec<&Evaluation> = runs.iter().filter_map(|r| r.validation.as_ref()).collect();
    let tests: Vec<&Evaluation> = runs.iter().map(|r| &r.test).collect();
    println!("mean ± sd (sample, n − 1) over {} splits:", runs.len());
    for (subset, evals) in [(Subset::Validation, vals), (Subset::Test, tests)] {
        let Some(s) = SpreadScores::of(&evals) else {
            println!("  {:<10} none (no validation set)", subset.name());
            continue;
        };
        let lo = evals.iter().map(|e| e.pixels).min().unwrap_or(0);
        let hi = evals.iter().map(|e| e.pixels).max().unwrap_or(0);
        let px = if lo == hi {
            format!("{lo}")
        } else {
            format!("{lo}–{hi}")
        };
        println!(
            "  {:<10} OA {:.2} ± {:.2} %  AA {:.2} ± {:.2} %  Kappa {:.4} ± {:.4}  ({px} {} \
             pixels per split)",
            subset.name(),
            100.0 * s.oa.mean,
            100.0 * s.oa.sd,
            100.0 * s.aa.mean,
            100.0 * s.aa.sd,
            s.kappa.mean,
            s.kappa.sd,
            subset.name()
        );
    }
    let losses: Vec<f64> = runs.iter().filter_map(|r| r.validation_loss).collect();
    if let Some(l) = Spread::of(&losses) {
        println!(
            "  validation cross-entropy {:.4} ± {:.4} (patch by patch; lower is better)",
            l.mean, l.sd
        );
    }
}

fn train_one(
    opts: &Opts,
    scene: &Scene,
    cfg: &HsiTrainConfig,
    device: &Device,
    several: bool,
) -> Result<RunScores, String> {
    let t = Instant::now();
    let prep = prepare(scene, cfg)?;
    println!(
        "{}: {}×{}×{} bands, {} classes; PCA {} components ({:.1} % variance, fitted on the \
         whole scene, which it sees without labels) in {:.2} s",
        scene.name,
        scene.height,
        scene.width,
        scene.bands,
        scene.num_classes,
        prep.padded.bands,
        100.0 * prep.explained.iter().sum::<f64>(),
        t.elapsed().as_secs_f64(),
    );
    println!("split: {}", cfg.split_name());
    println!(
        "{} train / {} validation / {} test pixels; {}",
        prep.split.train.len(),
        prep.split.validation.len(),
        prep.split.test.len(),
        classes_line(&prep, scene)
    );
    let start = match opts.get("init") {
        Some(path) => Some((init_from(path, cfg, &prep.scene, device)?, 0)),
        None => None,
    };
    if cfg.min_per_class > 0 {
        println!(
            "class balancing: classes under {n} training pixels repeated to {n}, {} samples per epoch",
            training_pixels(&prep, cfg).len(),
            n = cfg.min_per_class,
        );
    }
    let t = Instant::now();
    let mut printed = 0;
    let (val_px, test_px) = (prep.split.validation.len(), prep.split.test.len());
    let mut host = NativeHost::new(|ev| match ev {
        // The last epoch comes again with its scores once the whole-scene map is done.
        Event::Epoch(m) if m.epoch == printed => {
            if let Some(v) = m.val_acc {
                println!(
                    "epoch {:>3}  validation OA {:6.2} % ({val_px} px, on the final map)",
                    m.epoch,
                    100.0 * v
                );
            }
        }
        Event::Epoch(m) => {
            printed = m.epoch;
            let mut scores = String::new();
            if let Some(v) = m.val_acc {
                scores.push_str(&format!(
                    "validation OA {:6.2} % ({val_px} px)  ",
                    100.0 * v
                ));
            }
            if let Some(v) = m.test_acc {
                scores.push_str(&format!(
                    "test OA {:6.2} % ({test_px} px; shown, not used)  ",
                    100.0 * v
                ));
            }
            println!(
                "epoch {:>3}  loss {:.4}  train acc {:6.2} %  {scores}{:.1} s  {:.1} samples/s",
                m.epoch,
                m.loss,
                100.0 * m.train_acc,
                m.train_seconds,
                m.samples_per_s,
            )
        }
        _ => {}
    });
    let trained = pollster::block_on(train_hybridsn(&mut host, device, &prep, cfg, start))?;
    println!("trained in {:.1} s", t.elapsed().as_secs_f64());
    let evaluation = trained
        .evaluation
        .as_ref()
        .ok_or("training stopped before the final map")?;
    let how = chosen(cfg);
    match &trained.validation {
        Some(v) => println!("{}", score_line(Subset::Validation, v, &how)),
        None => println!("validation: none (--val-fraction 0): nothing to choose runs by"),
    }
    let validation_loss = pollster::block_on(patch_cross_entropy(
        &trained.model,
        &prep,
        &prep.split.validation,
    ))?;
    if let Some(loss) = validation_loss {
        println!(
            "validation cross-entropy {loss:.4} ({} px, patch by patch; lower is better: \
             what recipes are compared on when validation OA saturates)",
            prep.split.validation.len()
        );
    }
    println!("{}", score_line(Subset::Test, evaluation, &how));
    print_per_class(Subset::Test, evaluation, scene);
    if let Some(path) = opts.get("save") {
        let path = seed_path(path, cfg.seed, several);
        let precision = if opts.flag("f32") {
            Precision::F32
        } else {
            Precision::F16
        };
        let bytes = pollster::block_on(save_hybridsn(
            &trained.model,
            cfg,
            &prep.scene,
            Scores {
                validation: trained.validation.as_ref(),
                validation_loss,
                test: Some(evaluation),
            },
            precision,
        ))?;
        std::fs::write(&path, &bytes).map_err(|e| format!("cannot write {path}: {e}"))?;
        println!(
            "weights saved to {path} ({:.1} MB)",
            bytes.len() as f64 / 1e6
        );
        // The file must record what it scores: f16 rounding may move a few pixels, and then
        // the header is written again with the reloaded weights' own scores (the tensors are
        // the same: f16 → f32 → f16 is exact).
        let reloaded = load_weights(&bytes, device)?.0;
        let map = map_of(&reloaded, &prep)?;
        let how = format!("{how}, reloaded from {path}");
        let score = |pixels: &Vec<usize>| {
            (!pixels.is_empty()).then(|| Evaluation::of(&map, &prep.gt, pixels, prep.num_classes))
        };
        let (val, test) = (score(&prep.split.validation), score(&prep.split.test));
        for (subset, e) in [(Subset::Validation, &val), (Subset::Test, &test)] {
            if let Some(e) = e {
                println!("{}", score_line(subset, e, &how));
            }
        }
        let same = |a: Option<&Evaluation>, b: Option<&Evaluation>| {
            a.map(|e| (e.oa, e.aa, e.kappa)) == b.map(|e| (e.oa, e.aa, e.kappa))
        };
        if !same(val.as_ref(), trained.validation.as_ref())
            || !same(test.as_ref(), Some(evaluation))
        {
            let loss = pollster::block_on(patch_cross_entropy(
                &reloaded,
                &prep,
                &prep.split.validation,
            ))?;
            let bytes = pollster::block_on(save_hybridsn(
                &reloaded,
                cfg,
                &prep.scene,
                Scores {
                    validation: val.as_ref(),
                    validation_loss: loss,
                    test: test.as_ref(),
                },
                precision,
            ))?;
            std::fs::write(&path, &bytes).map_err(|e| format!("cannot write {path}: {e}"))?;
            println!(
                "the saved weights score differently from the unrounded ones; {path} records its \
                 own scores (above)"
            );
        }
    }
    if let Some(path) = opts.get("png") {
        let path = seed_path(path, cfg.seed, several);
        write_map_png(&path, scene, &trained.map, Some(evaluation), cfg)?;
    }
    let mut seen: Vec<usize> = prep
        .split
        .train
        .iter()
        .chain(&prep.split.validation)
        .copied()
        .collect();
    seen.sort_unstable();
    Ok(RunScores {
        seed: cfg.seed,
        seen,
        validation: trained.validation.clone(),
        validation_loss,
        test: evaluation.clone(),
        classes: classes_line(&prep, scene),
    })
}

/// Weights to continue training from. Their scene and split must be the ones asked for:
/// weights that saw other pixels would be scored on their own training data.
fn init_from(
    path: &str,
    cfg: &HsiTrainConfig,
    here: &TrainedOn,
    device: &Device,
) -> Result<HybridSn, String> {
    let bytes = super::read_upload(path)?;
    let (model, old) = load_weights(&bytes, device)?;
    if let Some(why) = TrainedOn::read(&bytes)?.unscored_on(here) {
        return Err(format!(
            "{path}: {why}, so continuing from it is refused: train from scratch, or give \
             the scene the weights were trained on."
        ));
    }
    let same = old.same_split(cfg) && old.batch_norm == cfg.batch_norm;
    if !same {
        return Err(format!(
            "{path} was trained with PCA {}, patch {}, split {}{}; continuing needs the same \
             settings (give them as options)",
            old.pca,
            old.patch,
            old.split_name(),
            if old.batch_norm {
                ""
            } else {
                " (paper variant)"
            }
        ));
    }
    println!(
        "continuing from {path} ({} epochs at lr {} before)",
        old.epochs, old.lr
    );
    Ok(model)
}

fn map_of(model: &HybridSn, prep: &Prepared) -> Result<Vec<u16>, String> {
    let mut host = NativeHost::new(|_| {});
    Ok(pollster::block_on(scene_map(
        &mut host, model, prep, false,
    ))?)
}

fn load_weights(bytes: &[u8], device: &Device) -> Result<(HybridSn, HsiTrainConfig), String> {
    Ok(load_hybridsn(bytes, device)?)
}

pub fn map(opts: &Opts) -> Result<(), String> {
    opts.only(&[&["weights", "scene", "out", "device"][..], &SCENE_OPTIONS].concat())?;
    let scene = load_scene(opts)?;
    print_label_map(&scene);
    let device = opts.device()?;
    let path = opts
        .get("weights")
        .map(str::to_string)
        .unwrap_or_else(|| format!("{}/public/weights/hybridsn.clw", env!("CARGO_MANIFEST_DIR")));
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let (model, cfg) = load_weights(&bytes, &device)?;
    let (header, _) = convlab::train::weights::read_header(&bytes)?;
    let (rec_val, rec_test) = recorded_scores(&header.metrics);
    println!("{path}: split {}", cfg.split_name());
    let recorded = |s: Subset, r: Option<convlab::train::hsi::RecordedScore>| match r {
        Some(r) => println!(
            "  recorded in the file: {} OA {:.2} %  AA {:.2} %  Kappa {:.4} ({} {} pixels)",
            s.name(),
            100.0 * r.oa,
            100.0 * r.aa,
            r.kappa,
            r.pixels,
            s.name()
        ),
        None => println!("  recorded in the file: no {} score", s.name()),
    };
    recorded(Subset::Validation, rec_val);
    recorded(Subset::Test, rec_test);
    println!("  {}", chosen_as(&header.metrics));
    let t = Instant::now();
    let prep = prepare(&scene, &cfg)?;
    let t_prep = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let map = map_of(&model, &prep)?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "full-scene map: {}×{} = {} pixels in {secs:.2} s ({:.0} pixels/s; PCA and padding {t_prep:.2} s)",
        scene.height,
        scene.width,
        scene.height * scene.width,
        (scene.height * scene.width) as f64 / secs
    );
    let out = opts.get("out").unwrap_or("map.png");
    if let Some(why) = TrainedOn::read(&bytes)?.unscored_on(&prep.scene) {
        println!("not scored: {why}.");
        return write_map_png(out, &scene, &map, None, &cfg);
    }
    let how = format!("the weights in {path}, as recorded above");
    if !prep.split.validation.is_empty() {
        let v = Evaluation::of(&map, &prep.gt, &prep.split.validation, prep.num_classes);
        println!("{}", score_line(Subset::Validation, &v, &how));
    }
    let e = Evaluation::of(&map, &prep.gt, &prep.split.test, prep.num_classes);
    println!("{}", score_line(Subset::Test, &e, &how));
    println!("{}", classes_line(&prep, &scene));
    print_per_class(Subset::Test, &e, &scene);
    write_map_png(out, &scene, &map, Some(&e), &cfg)
}

fn write_map_png(
    path: &str,
    scene: &Scene,
    map: &[u16],
    e: Option<&Evaluation>,
    cfg: &HsiTrainConfig,
) -> Result<(), String> {
    let (w, h) = (scene.width as u32, scene.height as u32);
    let pred = viz::palette::labels_to_rgba(map, w, h);
    let gt = viz::palette::labels_to_rgba(&scene.gt, w, h);
    let legend: Vec<(String, [u8; 3])> = scene
        .class_names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.clone(), viz::palette::class_colour(i + 1)))
        .collect();
    let caption = vec![
        match e {
            Some(e) => format!(
                "{} · HybridSN · test OA {:.2} % · AA {:.2} % · Kappa {:.4} on {} test pixels",
                scene.name,
                100.0 * e.oa,
                100.0 * e.aa,
                e.kappa,
                e.pixels
            ),
            None => format!(
                "{} · HybridSN · not scored (weights trained on another or unknown scene)",
                scene.name
            ),
        },
        format!(
            "{} split, {} % train ({} % of it validation), seed {}",
            if cfg.spatial {
                format!(
                    "spatial ({}-pixel guard: {})",
                    cfg.guard.pixels(cfg.patch),
                    cfg.guard.describe()
                )
            } else {
                "random (test patches overlap training ones)".into()
            },
            100.0 * cfg.train_fraction,
            100.0 * cfg.val_fraction,
            cfg.seed
        ),
    ];
    let fig = viz::figure::map_figure(
        &[("Classification map", &pred), ("Ground truth", &gt)],
        &legend,
        &caption,
        3,
    );
    let png = viz::png::encode_png(&fig);
    std::fs::write(path, png).map_err(|e| format!("cannot write {path}: {e}"))?;
    println!("map written to {path}");
    Ok(())
}

/// Packs the Indian Pines `.npy` pair into the app's compact container.
pub fn pack(opts: &Opts) -> Result<(), String> {
    let dir = opts
        .get("src")
        .map(str::to_string)
        .unwrap_or_else(|| format!("{}/../shared/data/indian_pines", env!("CARGO_MANIFEST_DIR")));
    let read = |name: &str| {
        let p = format!("{dir}/{name}");
        let b = std::fs::read(&p).map_err(|e| format!("cannot read {p}: {e}"))?;
        read_npy(&b, name).map_err(|e| format!("{p}: {e}"))
    };
    let cube = read("Indian_pines_corrected.npy")?;
    let gt = read("Indian_pines_gt.npy")?;
    let (h, w, b) = (cube.shape[0], cube.shape[1], cube.shape[2]);
    let convlab::data::Values::U16(c) = &cube.data else {
        return Err("the cube is not uint16".into());
    };
    let convlab::data::Values::U8(g) = &gt.data else {
        return Err("the ground truth is not uint8".into());
    };
    let packed = pack_scene(c, g, h, w, b);
    let out = opts
        .get("out")
        .map(str::to_string)
        .unwrap_or_else(bundled_path);
    std::fs::write(&out, &packed).map_err(|e| format!("cannot write {out}: {e}"))?;
    println!("packed {h}×{w}×{b} into {out}: {} bytes", packed.len());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(args: &str) -> Opts {
        let args: Vec<String> = args.split_whitespace().map(String::from).collect();
        Opts::parse(&args).unwrap()
    }

    #[test]
    fn split_seeds_from_splits_or_a_list() {
        assert_eq!(split_seeds(&opts(""), 0).unwrap(), vec![0]);
        assert_eq!(
            split_seeds(&opts("--splits 5"), 0).unwrap(),
            vec![0, 1, 2, 3, 4]
        );
        assert_eq!(split_seeds(&opts("--splits 3"), 7).unwrap(), vec![7, 8, 9]);
        assert_eq!(
            split_seeds(&opts("--seeds 0,1,3,8,11"), 0).unwrap(),
            vec![0, 1, 3, 8, 11]
        );
        for bad in [
            "--splits 0",
            "--seeds 1,1",
            "--seeds 1,x",
            "--seeds",
            "--seeds 1 --seed 2",
        ] {
            assert!(split_seeds(&opts(bad), 0).is_err(), "{bad}");
        }
    }

    #[test]
    fn each_split_writes_its_own_files() {
        assert_eq!(seed_path("runs/a.clw", 3, true), "runs/a.seed3.clw");
        assert_eq!(seed_path("runs/a.clw", 3, false), "runs/a.clw");
        assert_eq!(seed_path("map", 0, true), "map.seed0");
    }

    #[test]
    fn the_guard_needs_the_spatial_split_and_a_known_name() {
        let cfg = config(&opts("--spatial --guard labels-apart")).unwrap();
        assert_eq!(cfg.guard, Guard::LabelsApart);
        assert_eq!(
            config(&opts("--spatial")).unwrap().guard,
            Guard::NoSharedInput
        );
        assert!(config(&opts("--guard labels-apart")).is_err());
        let err = config(&opts("--spatial --guard wide")).unwrap_err();
        assert!(err.contains("labels apart, inputs shared"), "{err}");
        // One source for each default.
        let d = HsiTrainConfig::new();
        let c = config(&opts("")).unwrap();
        assert_eq!(
            (c.val_fraction, c.train_fraction, c.pca),
            (d.val_fraction, d.train_fraction, d.pca)
        );
    }
}
