//! Sub-commands of the native CLI.

mod bench;
mod cifar;
mod cost;
mod hsi;
mod inspect;
mod models;
mod pictures;
mod samples;

use burn::tensor::Device;

pub const USAGE: &str = "\
convlab — a CNN lab (native CLI)

USAGE:
  convlab models                 layer tables: params, MACs, output shapes
  convlab cost [--in 3] [--out 64] [--kernel 3] [--height 32] [--width 32] [--stride 1]
        [--padding k/2] [--groups 1]   params and MACs: standard, depthwise, pointwise, separable
  convlab bench [--batch 16,64] [--iters 3] [--models plaincnn,…] [--width 1.0] [--no-map]
        [--device cpu|wgpu] [--profile] [--plain] [--im2col | --direct avx2] [--matmul-1x1]
                                 train and inference samples/s per model (medians), the thread
                                 count and the whole-scene map; --profile: where HybridSN's
                                 training step goes, per layer, plain against fast formulation;
                                 --plain: burn's own convolutions and batch norm (to measure the fast ones)
                                 --im2col: convlab's im2col kernels where the direct ones would run
                                 --direct avx2: the AVX2 direct kernels where AVX-512 ones would run
                                 --matmul-1x1: 1×1 convolutions as burn's matmul, not the host kernels
  convlab inspect FILE           arrays in a .mat/.npy file, or records of a CIFAR-10 .bin batch
  convlab train hybridsn [--epochs 20] [--train-fraction 0.1] [--val-fraction 0.1] [--seed 0]
        [--splits 1 | --seeds 0,1,…] [--spatial [--guard no-shared-input|labels-apart]] [--pca 30] [--patch 25]
        [--batch 32] [--lr 0.001] [--constant-lr] [--paper] [--max-train N] [--val-every 1]
        [--eval-every N] [--augment] [--smoothing 0.0] [--min-per-class N] [--init WEIGHTS]
        [--scene FILE [--gt FILE] [--cube-var NAME] [--gt-var NAME] [--unlabelled V,…] [--renumber-labels]]
        [--save FILE [--f32]] [--png FILE]
        [--device cpu|wgpu]
                                 prints validation and test OA/AA/Kappa separately, each with its
                                 pixel count; --val-fraction: share of each class's training
                                 pixels held out for validation (what runs are compared on);
                                 --splits N: runs split seeds seed..seed+N−1, prints each and the
                                 mean ± sd (--save/--png files get .seedK); --seeds: these split
                                 seeds instead; --spatial: train on blocks, test beyond a guard
                                 band: no-shared-input (default, patch − 1 pixels: no test patch
                                 shares an input pixel with a training patch) or labels-apart
                                 ((patch − 1)/2 pixels: labels apart, inputs shared);
                                 --eval-every N: test OA every N epochs, shown only
  convlab train <plaincnn|mobilenetv1|mobilenetv2> [--epochs 10] [--seed 0] [--augment]
        [--recipe reference|convlab] [--width 1.0] [--batch 128] [--lr 0.001] [--schedule constant|cosine]
        [--warmup N] [--smoothing 0.1] [--wd 0.0005] [--max-train N] [--max-test N]
        [--val-fraction 0.1] [--val-every 1]
        [--bins a.bin,b.bin] [--data cifar10|cats-dogs] [--save FILE [--f32]] [--device cpu|wgpu]
        CIFAR-10 on the bundled subset (4,000 train / 1,000 test images); each epoch is scored
        on the validation share held out of the training images, the test images once at the
        end; `--recipe convlab` is
        convlab's 30-epoch recipe (cosine, warm-up, label smoothing, weight decay, crop + flip);
        `--data cats-dogs` trains on the 400 cats and dogs photos (320 train / 80 test) instead
  convlab pack-cifar [--src DIR] [--out FILE]   (re)build public/data/cifar10_subset.clcf
  convlab map [--weights FILE] [--scene FILE [--gt FILE] [--unlabelled V,…] [--renumber-labels]]
        [--out map.png] [--device cpu|wgpu]
                                 a label value that looks like no-data (255 among 0–16, say) is
                                 refused until --unlabelled V or --renumber-labels says what it is
  convlab pictures [--out public/home]   (re)draw the home page's pictures from the shipped files
  convlab pack-scene [--src DIR] [--out FILE]   (re)build public/data/indian_pines.clhs
  convlab pack-cats-dogs [--src ../shared/data/cats_dogs/train] [--out public/data/cats_dogs.cljp]
                                 (re)build the cats and dogs photos archive
  convlab pack-samples [--src ../shared/data] [--out public/data/conv_samples]
                                 (re)build the conv lab's bundled pictures
  convlab help                   this text
";

/// Parsed `--key value` options and bare flags.
pub struct Opts {
    pairs: Vec<(String, Option<String>)>,
}

impl Opts {
    pub fn parse(args: &[String]) -> Result<Opts, String> {
        let mut pairs = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let a = &args[i];
            let Some(key) = a.strip_prefix("--") else {
                return Err(format!("unexpected argument '{a}'\n\n{USAGE}"));
            };
            let value = args.get(i + 1).filter(|v| !v.starts_with("--")).cloned();
            if value.is_some() {
                i += 1;
            }
            pairs.push((key.to_string(), value));
            i += 1;
        }
        Ok(Opts { pairs })
    }

    /// Refuses options other than `allowed` (a typo must not silently start a long run).
    pub fn only(&self, allowed: &[&str]) -> Result<(), String> {
        match self
            .pairs
            .iter()
            .find(|(k, _)| !allowed.contains(&k.as_str()))
        {
            Some((k, _)) => Err(format!(
                "unknown option --{k} (this command takes: {})\n\n{USAGE}",
                allowed
                    .iter()
                    .map(|a| format!("--{a}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            None => Ok(()),
        }
    }

    pub fn flag(&self, key: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == key)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.as_deref())
    }

    /// `--device cpu|wgpu` (default cpu): the CPU backend, or native wgpu (Vulkan, Metal, DX12)
    /// for the training and map commands where a GPU is present.
    pub fn device(&self) -> Result<Device, String> {
        match self.get("device").unwrap_or("cpu") {
            "cpu" => Ok(Device::flex()),
            "wgpu" => wgpu_device().map_err(|e| format!("--device wgpu: {e}")),
            other => Err(format!("--device: '{other}' (cpu, wgpu)")),
        }
    }

    pub fn num<T: std::str::FromStr>(&self, key: &str, default: T) -> Result<T, String> {
        match self.get(key) {
            None if self.flag(key) => Err(format!("--{key} needs a value")),
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| format!("--{key}: '{v}' is not a valid number")),
        }
    }
}

/// Reads a file the user named, refusing one beyond the upload budget before reading it.
pub fn read_upload(path: &str) -> Result<Vec<u8>, String> {
    let len = std::fs::metadata(path)
        .map_err(|e| format!("cannot read {path}: {e}"))?
        .len();
    convlab::data::budget::check_upload(path, len).map_err(|e| e.to_string())?;
    std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))
}

/// The native wgpu device (Vulkan, Metal, DX12), or why there is none.
pub fn wgpu_device() -> Result<Device, String> {
    match std::panic::catch_unwind(|| Device::wgpu_options().init()) {
        Ok(Ok(d)) => Ok(d),
        Ok(Err(e)) => Err(format!("no native wgpu device: {e}")),
        Err(_) => Err("no native wgpu device (initialisation panicked)".into()),
    }
}

/// One training epoch's line: `held_out` is the held-out metric's name and value when measured.
pub fn epoch_line(
    epoch: usize,
    loss: f64,
    train_acc: f64,
    held_out: Option<(&str, f64)>,
    seconds: f64,
    samples_per_s: f64,
) -> String {
    format!(
        "epoch {epoch:>3}  loss {loss:.4}  train acc {:6.2} %  {:<23}  {seconds:.1} s  \
         {samples_per_s:.1} samples/s",
        100.0 * train_acc,
        held_out
            .map(|(name, v)| format!("{name} {:6.2} %", 100.0 * v))
            .unwrap_or_default(),
    )
}

pub fn run(args: &[String]) -> Result<(), String> {
    let Some(cmd) = args.first() else {
        print!("{USAGE}");
        return Ok(());
    };
    let opts = match cmd.as_str() {
        "inspect" | "train" => Opts::parse(&[])?,
        _ => Opts::parse(&args[1..])?,
    };
    match cmd.as_str() {
        "models" => models::run(&opts),
        "cost" => cost::run(&opts),
        "bench" => bench::run(&opts),
        "inspect" => match args.get(1) {
            Some(file) => inspect::run(file),
            None => Err("inspect needs a FILE".into()),
        },
        "train" => match args.get(1).map(String::as_str) {
            Some("hybridsn") => hsi::train(&Opts::parse(&args[2..])?),
            Some(other) => match convlab::model::ModelKind::from_id(other) {
                Some(kind) => cifar::train(kind, &Opts::parse(&args[2..])?),
                None => Err(format!(
                    "cannot train '{other}' (models: plaincnn, mobilenetv1, mobilenetv2, hybridsn)"
                )),
            },
            None => Err("train needs a model: plaincnn, mobilenetv1, mobilenetv2, hybridsn".into()),
        },
        "map" => hsi::map(&opts),
        "pictures" => pictures::run(&opts),
        "pack-scene" => hsi::pack(&opts),
        "pack-samples" => samples::run(&opts),
        "pack-cats-dogs" => samples::pack_cats_dogs(&opts),
        "pack-cifar" => cifar::pack(&opts),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command '{other}'\n\n{USAGE}")),
    }
}
