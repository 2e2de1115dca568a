//! CIFAR-10 commands: `train <plaincnn|mobilenetv1|mobilenetv2>` and `pack-cifar`.

use std::time::Instant;

use convlab::data::cifar_pack::{from_convnetjs_rows, parse_labels_js};
use convlab::data::{
    CIFAR10_CLASSES, CifarBundle, CifarSet, pack_cifar, read_cifar_bin, unpack_cifar,
};
use convlab::model::ModelKind;
use convlab::train::cifar::{
    CifarTrainConfig, LrSchedule, save_cifar, train_cifar, training_and_validation,
};
use convlab::train::weights::Precision;
use convlab::train::{Control, Event, Host};

use super::Opts;

/// The bundled subset in `public/data/`.
pub const BUNDLE_FILE: &str = "cifar10_subset.clcf";

pub fn bundled_path() -> String {
    format!("{}/public/data/{BUNDLE_FILE}", env!("CARGO_MANIFEST_DIR"))
}

/// The bundled subset, plus the training records of `--bins a.bin,b.bin` when given.
pub fn load_data(opts: &Opts) -> Result<CifarBundle, String> {
    match opts.get("data").unwrap_or("cifar10") {
        "cifar10" => {}
        "cats-dogs" => {
            use convlab::data::cats_dogs::{CATS_DOGS_FILE, to_bundle, unpack};
            if opts.get("bins").is_some() {
                return Err(
                    "--bins adds CIFAR-10 batches; it does not go with --data cats-dogs".into(),
                );
            }
            let path = format!(
                "{}/public/data/{CATS_DOGS_FILE}",
                env!("CARGO_MANIFEST_DIR")
            );
            let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
            let photos = unpack(&bytes).map_err(|e| format!("{path}: {e}"))?;
            return to_bundle(&photos, |_, _| {}).map_err(|e| format!("{path}: {e}"));
        }
        other => return Err(format!("--data: '{other}' (cifar10, cats-dogs)")),
    }
    let path = bundled_path();
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let mut bundle = unpack_cifar(&bytes).map_err(|e| format!("{path}: {e}"))?;
    if let Some(list) = opts.get("bins") {
        for file in list.split(',').filter(|s| !s.is_empty()) {
            let b = super::read_upload(file)?;
            let set = read_cifar_bin(&b).map_err(|e| format!("{file}: {e}"))?;
            println!("{file}: {} records added to the training images", set.len());
            bundle.train.extend(&set);
        }
    }
    Ok(bundle)
}

pub fn config(kind: ModelKind, opts: &Opts) -> Result<CifarTrainConfig, String> {
    let base = match opts.get("recipe").unwrap_or("reference") {
        "reference" => CifarTrainConfig::new().with_model(kind),
        "convlab" => CifarTrainConfig::recipe(kind),
        other => {
            return Err(format!(
                "--recipe: '{other}' is not a recipe (reference, convlab)"
            ));
        }
    };
    let augment = opts.flag("augment") || (base.crop && !opts.flag("no-augment"));
    let schedule = match opts.get("schedule") {
        None => base.schedule,
        Some("constant") => LrSchedule::Constant,
        Some("cosine") => LrSchedule::Cosine,
        Some(other) => return Err(format!("--schedule: '{other}' (constant, cosine)")),
    };
    let cfg = CifarTrainConfig {
        width: opts.num("width", base.width)?,
        epochs: opts.num("epochs", base.epochs)?,
        batch_size: opts.num("batch", base.batch_size)?,
        lr: opts.num("lr", base.lr)?,
        schedule,
        warmup_epochs: opts.num("warmup", base.warmup_epochs)?,
        label_smoothing: opts.num("smoothing", base.label_smoothing)?,
        weight_decay: opts.num("wd", base.weight_decay)?,
        crop: augment,
        flip: augment,
        seed: opts.num("seed", base.seed)?,
        max_train: opts.num("max-train", base.max_train)?,
        max_test: opts.num("max-test", base.max_test)?,
        val_fraction: opts.num("val-fraction", base.val_fraction)?,
        val_every: opts.num("val-every", base.val_every)?,
        ..base
    };
    cfg.check()?;
    Ok(cfg)
}

struct CliHost {
    start: Instant,
}

impl Host for CliHost {
    fn emit(&mut self, event: Event) {
        if let Event::Epoch(m) = event {
            println!(
                "{}  [{:.0} s]",
                super::epoch_line(
                    m.epoch,
                    m.loss,
                    m.train_acc,
                    m.val_acc.map(|a| ("validation acc", a)),
                    m.train_seconds,
                    m.samples_per_s,
                ),
                self.start.elapsed().as_secs_f64()
            );
        }
    }
    fn control(&self) -> Control {
        Control::Run
    }
    fn now_ms(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * 1000.0
    }
    async fn yield_now(&self) {}
    async fn pause_tick(&self) {}
}

pub fn train(kind: ModelKind, opts: &Opts) -> Result<(), String> {
    let cfg = config(kind, opts)?;
    let data = load_data(opts)?;
    let (n_train, n_val) = {
        let (t, v) = training_and_validation(&data.train, &cfg);
        (t.len(), v.len())
    };
    let device = opts.device()?;
    println!(
        "{} (width {}) on {} training / {} validation (held out of the training images; the \
         per-epoch accuracy) / {} test images (scored once, at the end): {} epochs, batch {}, \
         lr {} ({:?}, warm-up {} epoch(s)), label smoothing {}, weight decay {}, augmentation \
         {}, seed {}",
        kind.name(),
        cfg.width,
        n_train,
        n_val,
        if cfg.max_test > 0 {
            cfg.max_test.min(data.test.len())
        } else {
            data.test.len()
        },
        cfg.epochs,
        cfg.batch_size,
        cfg.lr,
        cfg.schedule,
        cfg.warmup_epochs,
        cfg.label_smoothing,
        cfg.weight_decay,
        if cfg.crop {
            "crop (pad 4) + flip"
        } else {
            "none"
        },
        cfg.seed
    );
    let mut host = CliHost {
        start: Instant::now(),
    };
    let trained = pollster::block_on(train_cifar(
        &mut host,
        &device,
        &data.train,
        &data.test,
        &cfg,
        None,
    ))?;
    let ev = &trained.evaluation;
    let s = trained.model.summary();
    if let Some((acc, n)) = trained.validation {
        println!("validation accuracy {:.2} % on {n} images", 100.0 * acc);
    }
    println!(
        "final test accuracy {:.2} % on {} images ({} params, {} MACs; trained in {:.1} s; \
         inference {:.1} samples/s)",
        100.0 * ev.accuracy,
        ev.images,
        s.params,
        s.macs,
        trained.seconds,
        ev.samples_per_s
    );
    for (name, acc) in CIFAR10_CLASSES.iter().zip(&ev.per_class) {
        println!(
            "  {name:<12} {}",
            acc.map(|a| format!("{:6.2} %", 100.0 * a))
                .unwrap_or_else(|| "-".into())
        );
    }
    if let Some(path) = opts.get("save") {
        let precision = if opts.flag("f32") {
            Precision::F32
        } else {
            Precision::F16
        };
        let metrics = serde_json::json!({
            "test_acc": ev.accuracy,
            "per_class": ev.per_class,
            "confusion": ev.confusion,
            "test_images": ev.images,
            "train_images": n_train,
            "val_acc": trained.validation.map(|v| v.0),
            "val_images": n_val,
            "params": s.params,
            "macs": s.macs,
            "seconds": trained.seconds,
            "backend": "native CPU (burn Flex)",
            "history": trained.history,
        });
        let bytes = pollster::block_on(save_cifar(&trained.model, &cfg, metrics, precision))?;
        std::fs::write(path, &bytes).map_err(|e| format!("cannot write {path}: {e}"))?;
        println!("weights saved to {path} ({} bytes)", bytes.len());
    }
    Ok(())
}

/// Reads the ConvNetJS batches in `dir` (0–3 for training, 50 for test) into a bundle.
pub fn read_convnetjs(dir: &str) -> Result<CifarBundle, String> {
    let text = std::fs::read_to_string(format!("{dir}/cifar10_labels.js"))
        .map_err(|e| format!("cannot read {dir}/cifar10_labels.js: {e}"))?;
    let labels = parse_labels_js(&text).map_err(|e| e.to_string())?;
    let batch = |k: usize| -> Result<CifarSet, String> {
        let path = format!("{dir}/cifar10_batch_{k}.png");
        let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
        let img = convlab::viz::png::decode_png(&bytes).map_err(|e| format!("{path}: {e}"))?;
        let l = labels
            .get(1000 * k..1000 * k + img.height as usize)
            .ok_or_else(|| format!("{path}: no labels for its rows"))?;
        from_convnetjs_rows(&img.pixels, img.width as usize, img.height as usize, l)
            .map_err(|e| format!("{path}: {e}"))
    };
    let mut bundle = CifarBundle::default();
    for k in 0..4 {
        bundle.train.extend(&batch(k)?);
    }
    bundle.test = batch(50)?;
    Ok(bundle)
}

/// `convlab pack-cifar [--src DIR] [--out FILE]`.
pub fn pack(opts: &Opts) -> Result<(), String> {
    let dir = opts.get("src").map(str::to_string).unwrap_or_else(|| {
        format!(
            "{}/../shared/data/cifar10/convnetjs_batches",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    let out = opts
        .get("out")
        .map(str::to_string)
        .unwrap_or_else(bundled_path);
    let bundle = read_convnetjs(&dir)?;
    let bytes = pack_cifar(&bundle);
    if unpack_cifar(&bytes).map_err(|e| e.to_string())? != bundle {
        return Err("the packed subset does not decode to its source".into());
    }
    std::fs::write(&out, &bytes).map_err(|e| format!("cannot write {out}: {e}"))?;
    println!(
        "{out}: {} training + {} test images, {} bytes ({:.1} % of the {} bytes of records)",
        bundle.train.len(),
        bundle.test.len(),
        bytes.len(),
        100.0 * bytes.len() as f64 / ((bundle.train.len() + bundle.test.len()) * 3073) as f64,
        (bundle.train.len() + bundle.test.len()) * 3073
    );
    Ok(())
}
