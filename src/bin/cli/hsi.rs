//! Hyperspectral commands: `train hybridsn`, `map`, `pack-scene`.

use std::time::Instant;

use burn::tensor::Device;
use convlab::data::{DataError, LabelChoice, Scene, load, pack_scene, read_npy};
use convlab::model::HybridSn;
use convlab::train::hsi::{
    Evaluation, HsiTrainConfig, Prepared, load_hybridsn, prepare, save_hybridsn_for, scene_map,
    train_hybridsn, training_pixels, weights_scene,
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
    Ok(HsiTrainConfig::new()
        .with_pca(opts.num("pca", 30)?)
        .with_patch(opts.num("patch", 25)?)
        .with_train_fraction(opts.num("train-fraction", 0.1)?)
        .with_spatial(opts.flag("spatial"))
        .with_seed(opts.num("seed", 0)?)
        .with_epochs(opts.num("epochs", 20)?)
        .with_batch_size(opts.num("batch", 32)?)
        .with_lr(opts.num("lr", 1e-3)?)
        .with_batch_norm(!opts.flag("paper"))
        .with_cosine(!opts.flag("constant-lr"))
        .with_max_train(opts.num("max-train", 0)?)
        .with_eval_every(opts.num("eval-every", 0)?)
        .with_augment(opts.flag("augment"))
        .with_label_smoothing(opts.num("smoothing", 0.0)?)
        .with_min_per_class(opts.num("min-per-class", 0)?))
}

fn print_eval(e: &Evaluation, scene: &Scene) {
    println!(
        "OA {:.2} %  AA {:.2} %  Kappa {:.4}  ({} test pixels)",
        100.0 * e.oa,
        100.0 * e.aa,
        e.kappa,
        e.test_pixels
    );
    for (i, acc) in e.per_class.iter().enumerate() {
        let name = scene.class_names.get(i).map(String::as_str).unwrap_or("?");
        match acc {
            Some(a) => println!("  {:>2} {name:<30} {:6.2} %", i + 1, 100.0 * a),
            None => println!("  {:>2} {name:<30}      – (no test pixels)", i + 1),
        }
    }
}

pub fn train(opts: &Opts) -> Result<(), String> {
    opts.only(&[
        "epochs",
        "train-fraction",
        "seed",
        "pca",
        "patch",
        "batch",
        "lr",
        "constant-lr",
        "spatial",
        "paper",
        "max-train",
        "eval-every",
        "scene",
        "gt",
        "cube-var",
        "gt-var",
        "unlabelled",
        "renumber-labels",
        "save",
        "f32",
        "png",
        "augment",
        "smoothing",
        "min-per-class",
        "init",
        "device",
    ])?;
    let scene = load_scene(opts)?;
    print_label_map(&scene);
    let cfg = config(opts)?;
    let device = opts.device()?;
    let start = match opts.get("init") {
        Some(path) => Some((init_from(path, &cfg, &scene, &device)?, 0)),
        None => None,
    };
    let t = Instant::now();
    let prep = prepare(&scene, &cfg)?;
    println!(
        "{}: {}×{}×{} bands, {} classes; PCA {} components ({:.1} % variance) in {:.2} s; {} train / {} test pixels ({})",
        scene.name,
        scene.height,
        scene.width,
        scene.bands,
        scene.num_classes,
        prep.padded.bands,
        100.0 * prep.explained.iter().sum::<f64>(),
        t.elapsed().as_secs_f64(),
        prep.split.train.len(),
        prep.split.test.len(),
        if cfg.spatial {
            "spatially disjoint blocks"
        } else {
            "stratified random"
        }
    );
    if cfg.min_per_class > 0 {
        println!(
            "class balancing: classes under {n} training pixels repeated to {n}, {} samples per epoch",
            training_pixels(&prep, &cfg).len(),
            n = cfg.min_per_class,
        );
    }
    let t = Instant::now();
    let mut last_rate = 0.0;
    let mut printed = 0;
    let mut host = NativeHost::new(|ev| match ev {
        // The last epoch comes again with its test OA once the whole-scene map is done (the
        // progress rate is then the map's pixels/s, not training samples/s).
        Event::Epoch(m) if m.epoch == printed => {
            if let Some(oa) = m.test_oa {
                println!("epoch {:>3}  test OA {:6.2} %", m.epoch, 100.0 * oa);
            }
        }
        Event::Epoch(m) => {
            printed = m.epoch;
            println!(
                "{}",
                super::epoch_line(
                    m.epoch,
                    m.loss,
                    m.train_acc,
                    m.test_oa.map(|oa| ("OA", oa)),
                    m.seconds,
                    last_rate
                )
            )
        }
        Event::Progress { rate, .. } => last_rate = rate,
        _ => {}
    });
    let trained = pollster::block_on(train_hybridsn(&mut host, &device, &prep, &cfg, start))?;
    println!("trained in {:.1} s", t.elapsed().as_secs_f64());
    let evaluation = trained
        .evaluation
        .as_ref()
        .ok_or("training stopped before the final map")?;
    print_eval(evaluation, &scene);
    if let Some(path) = opts.get("save") {
        let precision = if opts.flag("f32") {
            Precision::F32
        } else {
            Precision::F16
        };
        let bytes = pollster::block_on(save_hybridsn_for(
            &trained.model,
            &cfg,
            &scene,
            Some(evaluation),
            precision,
        ))?;
        std::fs::write(path, &bytes).map_err(|e| format!("cannot write {path}: {e}"))?;
        println!(
            "weights saved to {path} ({:.1} MB)",
            bytes.len() as f64 / 1e6
        );
        // The saved file must give the same evaluation (f16 rounding may move a few pixels).
        let reloaded = load_weights(&bytes, &device)?.0;
        let map = map_of(&reloaded, &prep)?;
        let e = Evaluation::of(&map, &prep.gt, &prep.split.test, prep.num_classes);
        println!(
            "reloaded from the file: OA {:.2} %  AA {:.2} %  Kappa {:.4}",
            100.0 * e.oa,
            100.0 * e.aa,
            e.kappa
        );
    }
    if let Some(path) = opts.get("png") {
        write_map_png(path, &scene, &trained.map, evaluation)?;
    }
    Ok(())
}

/// Weights to continue training from. Their scene and split must be the ones asked for:
/// weights that saw other pixels would be scored on their own training data.
fn init_from(
    path: &str,
    cfg: &HsiTrainConfig,
    scene: &Scene,
    device: &Device,
) -> Result<HybridSn, String> {
    let bytes = super::read_upload(path)?;
    let (model, old) = load_weights(&bytes, device)?;
    let here = scene.id();
    match weights_scene(&bytes)? {
        (_, Some(id)) if id == here => {}
        (name, Some(id)) => {
            return Err(format!(
                "{path} was trained on another scene (“{name}”: {id}); this one is “{}”: {here}. \
                 Its test pixels could include pixels the weights trained on, so continuing is \
                 refused: train from scratch, or give the scene the weights were trained on.",
                scene.name
            ));
        }
        // Files saved before scenes were identified: the name is all there is.
        (name, None) if name == scene.name => println!(
            "notice: {path} does not record its scene's data (saved by an older convlab); its \
             name “{name}” matches, so it is taken to be this scene."
        ),
        (name, None) => {
            return Err(format!(
                "{path} does not record its scene's data and names “{name}”, not “{}”: its \
                 training pixels cannot be told apart from this scene's test pixels, so \
                 continuing is refused.",
                scene.name
            ));
        }
    }
    let same = old.pca == cfg.pca
        && old.patch == cfg.patch
        && old.batch_norm == cfg.batch_norm
        && old.seed == cfg.seed
        && old.spatial == cfg.spatial
        && old.train_fraction == cfg.train_fraction;
    if !same {
        return Err(format!(
            "{path} was trained with PCA {}, patch {}, {} split of {} at seed {}{}; \
             continuing needs the same settings (give them as options)",
            old.pca,
            old.patch,
            if old.spatial { "a spatial" } else { "a random" },
            old.train_fraction,
            old.seed,
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
    pollster::block_on(scene_map(&mut host, model, prep, false))
}

fn load_weights(bytes: &[u8], device: &Device) -> Result<(HybridSn, HsiTrainConfig), String> {
    load_hybridsn(bytes, device)
}

pub fn map(opts: &Opts) -> Result<(), String> {
    opts.only(&[
        "weights",
        "scene",
        "gt",
        "cube-var",
        "gt-var",
        "unlabelled",
        "renumber-labels",
        "out",
        "device",
    ])?;
    let scene = load_scene(opts)?;
    print_label_map(&scene);
    let device = opts.device()?;
    let path = opts
        .get("weights")
        .map(str::to_string)
        .unwrap_or_else(|| format!("{}/public/weights/hybridsn.clw", env!("CARGO_MANIFEST_DIR")));
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let (model, cfg) = load_weights(&bytes, &device)?;
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
    let e = Evaluation::of(&map, &prep.gt, &prep.split.test, prep.num_classes);
    print_eval(&e, &scene);
    let out = opts.get("out").unwrap_or("map.png");
    write_map_png(out, &scene, &map, &e)
}

fn write_map_png(path: &str, scene: &Scene, map: &[u16], e: &Evaluation) -> Result<(), String> {
    let (w, h) = (scene.width as u32, scene.height as u32);
    let pred = viz::palette::labels_to_rgba(map, w, h);
    let gt = viz::palette::labels_to_rgba(&scene.gt, w, h);
    let legend: Vec<(String, [u8; 3])> = scene
        .class_names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.clone(), viz::palette::class_colour(i + 1)))
        .collect();
    let caption = vec![format!(
        "{} · HybridSN · OA {:.2} % · AA {:.2} % · Kappa {:.4}",
        scene.name,
        100.0 * e.oa,
        100.0 * e.aa,
        e.kappa
    )];
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
