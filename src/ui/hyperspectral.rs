//! The Hyperspectral lab: Indian Pines (or an uploaded scene), band and false-colour views,
//! pixel spectra against class means, PCA and split settings, HybridSN training with live
//! charts, the full classification map beside the ground truth, metrics, and exports.

use leptos::prelude::*;

use crate::data::Guard;
use crate::data::load::INDIAN_PINES_NAME;

use super::canvas::ImageCanvas;
use super::client::{send, send_with};
use super::download::{download, download_png, read_file};
use super::form::{check_input, files_of, num_input};
use super::state::{AppState, JobStatus};
use super::url::CopyLink;
use super::widgets::ProgressBar;
use crate::cost::thousands;
use crate::messages::hsi::{HsiRequest, HsiSettings, MapSource};
use crate::messages::{Request, SavedRun};
use crate::share::{HSI_BAND, HSI_VIEWS, HsiLink, Query, hsi_pairs, read_hsi};
use crate::viz;

/// The lab's form state; lives in the app's context so it survives page switches.
#[derive(Clone, Copy)]
pub struct HsiForm {
    pub pca: RwSignal<usize>,
    pub patch: RwSignal<usize>,
    pub fraction: RwSignal<f64>,
    pub seed: RwSignal<u64>,
    pub spatial: RwSignal<bool>,
    pub guard: RwSignal<Guard>,
    pub val_fraction: RwSignal<f64>,
    pub epochs: RwSignal<usize>,
    pub batch: RwSignal<usize>,
    pub lr: RwSignal<f64>,
    pub paper: RwSignal<bool>,
    pub max_train: RwSignal<usize>,
    /// Random flips and 90° rotations of the training patches.
    pub augment: RwSignal<bool>,
    /// Classes with fewer training pixels are repeated up to this many per epoch (0 = off).
    pub min_per_class: RwSignal<usize>,
    pub band: RwSignal<usize>,
    pub grey: RwSignal<bool>,
    pub view_mode: RwSignal<String>,
    pub scene_file: RwSignal<Option<(String, Vec<u8>)>>,
    pub gt_file: RwSignal<Option<(String, Vec<u8>)>>,
    /// The arrays chosen as cube and ground truth (None = the first candidate).
    pub cube_var: RwSignal<Option<String>>,
    pub gt_var: RwSignal<Option<String>>,
    /// Label values of the uploaded ground truth to treat as unlabelled (e.g. `255`).
    pub unlabelled: RwSignal<String>,
    /// Renumber the uploaded ground truth's values as classes 1..K.
    pub renumber: RwSignal<bool>,
    /// Show the pretrained map as soon as the bundled scene is in (a link can ask for it).
    pub pretrained: RwSignal<bool>,
}

impl Default for HsiForm {
    fn default() -> Self {
        Self::new()
    }
}

impl HsiForm {
    pub fn new() -> Self {
        let d = HsiSettings::default();
        Self {
            pca: RwSignal::new(d.pca),
            patch: RwSignal::new(d.patch),
            fraction: RwSignal::new(d.train_fraction),
            seed: RwSignal::new(d.seed),
            spatial: RwSignal::new(d.spatial),
            guard: RwSignal::new(d.guard),
            val_fraction: RwSignal::new(d.val_fraction),
            epochs: RwSignal::new(d.epochs),
            batch: RwSignal::new(d.batch_size),
            lr: RwSignal::new(d.lr),
            paper: RwSignal::new(!d.batch_norm),
            max_train: RwSignal::new(d.max_train),
            augment: RwSignal::new(d.augment),
            min_per_class: RwSignal::new(d.min_per_class),
            band: RwSignal::new(HSI_BAND),
            grey: RwSignal::new(false),
            view_mode: RwSignal::new(HSI_VIEWS[0].into()),
            scene_file: RwSignal::new(None),
            gt_file: RwSignal::new(None),
            cube_var: RwSignal::new(None),
            gt_var: RwSignal::new(None),
            unlabelled: RwSignal::new(String::new()),
            renumber: RwSignal::new(false),
            pretrained: RwSignal::new(false),
        }
    }

    /// The form as a link's parameters restore it (bad values fall back with a notice). A
    /// link holds settings and the view only: never a scene or weights.
    pub fn from_query(q: &mut Query) -> Self {
        let f = Self::new();
        f.set(read_hsi(q));
        f
    }

    /// The parameters of a link that reopens this view.
    pub fn to_pairs(self) -> Vec<(&'static str, String)> {
        let mut pairs = vec![("page", "hyperspectral".to_string())];
        pairs.extend(hsi_pairs(&self.link()));
        pairs
    }

    fn set(&self, l: HsiLink) {
        let s = l.settings;
        self.pca.set(s.pca);
        self.patch.set(s.patch);
        self.fraction.set(s.train_fraction);
        self.seed.set(s.seed);
        self.spatial.set(s.spatial);
        self.guard.set(s.guard);
        self.val_fraction.set(s.val_fraction);
        self.epochs.set(s.epochs);
        self.batch.set(s.batch_size);
        self.lr.set(s.lr);
        self.paper.set(!s.batch_norm);
        self.max_train.set(s.max_train);
        self.augment.set(s.augment);
        self.min_per_class.set(s.min_per_class);
        self.band.set(l.band);
        self.grey.set(l.grey);
        self.view_mode.set(l.view);
        self.pretrained.set(l.pretrained);
    }

    /// The training settings on the form (validated every epoch, a fresh run).
    pub fn settings(&self) -> HsiSettings {
        HsiSettings {
            pca: self.pca.get_untracked(),
            patch: self.patch.get_untracked(),
            train_fraction: self.fraction.get_untracked(),
            val_fraction: self.val_fraction.get_untracked(),
            spatial: self.spatial.get_untracked(),
            guard: self.guard.get_untracked(),
            seed: self.seed.get_untracked(),
            epochs: self.epochs.get_untracked(),
            batch_size: self.batch.get_untracked(),
            lr: self.lr.get_untracked(),
            batch_norm: !self.paper.get_untracked(),
            max_train: self.max_train.get_untracked(),
            val_every: 1,
            augment: self.augment.get_untracked(),
            min_per_class: self.min_per_class.get_untracked(),
            resume: false,
        }
    }

    /// The form and the view as a link holds them.
    fn link(&self) -> HsiLink {
        HsiLink {
            settings: self.settings(),
            band: self.band.get_untracked(),
            grey: self.grey.get_untracked(),
            view: self.view_mode.get_untracked(),
            pretrained: self.pretrained.get_untracked(),
        }
    }
}

#[component]
pub fn HyperspectralLab() -> impl IntoView {
    let state = expect_context::<AppState>();
    let form = expect_context::<HsiForm>();
    // Lazy-load the bundled scene the first time the lab opens.
    if state.scene.get_untracked().is_none() {
        state.job_status.set(JobStatus::Running);
        send(&Request::Hsi(HsiRequest::LoadBundled));
    }
    // A link with `pretrained=1` shows the pretrained map once the bundled scene is in.
    Effect::new(move |_| {
        let bundled = state
            .scene
            .with(|s| s.as_ref().is_some_and(|s| s.name == INDIAN_PINES_NAME));
        let idle = !state.job_status.get().is_active();
        if bundled
            && idle
            && form.pretrained.get_untracked()
            && state.evaluation.get_untracked().is_none()
        {
            form.pretrained.set(false);
            state.job_status.set(JobStatus::Running);
            send(&Request::Hsi(HsiRequest::PretrainedMap));
        }
    });
    let map_views = NodeRef::<leptos::html::Div>::new();
    let link_pairs = Callback::new(move |()| {
        let mut pairs = form.to_pairs();
        if state.presenter.get_untracked() {
            pairs.push(("presenter", "1".into()));
        }
        // The link asks for the pretrained map when that is what is on screen.
        let shows_pretrained = state.evaluation.with_untracked(|e| {
            e.as_ref()
                .is_some_and(|e| e.source == MapSource::Pretrained)
        });
        if shows_pretrained && let Some(p) = pairs.iter_mut().find(|p| p.0 == "pretrained") {
            p.1 = "1".into();
        }
        pairs
    });

    let HsiForm {
        pca,
        patch,
        fraction,
        seed,
        spatial,
        guard,
        val_fraction,
        epochs,
        batch,
        lr,
        paper,
        max_train,
        augment,
        min_per_class,
        band,
        grey,
        view_mode,
        scene_file,
        gt_file,
        cube_var,
        gt_var,
        unlabelled,
        renumber,
        pretrained: _,
    } = form;

    // Asks the worker which arrays the chosen files hold (after a file changed).
    let inspect = move || {
        cube_var.set(None);
        gt_var.set(None);
        state.arrays.set(None);
        let (names, bins): (Vec<String>, Vec<Vec<u8>>) = [scene_file, gt_file]
            .iter()
            .filter_map(|s| s.get_untracked())
            .unzip();
        if !names.is_empty() {
            send_with(&Request::Hsi(HsiRequest::InspectFiles { names }), bins);
        }
    };
    // Reads a chosen file into `slot`, then inspects the files; an emptied input clears its
    // slot, so a file chosen before does not go with the next upload.
    let pick_file = move |slot: RwSignal<Option<(String, Vec<u8>)>>| {
        move |ev: leptos::ev::Event| {
            let Some(f) = files_of(&ev).into_iter().next() else {
                slot.set(None);
                inspect();
                return;
            };
            leptos::task::spawn_local(async move {
                match read_file(&f).await {
                    Ok(b) => {
                        slot.set(Some((f.name(), b)));
                        inspect();
                    }
                    Err(e) => state.error.set(Some(e)),
                }
            });
        }
    };
    // The arrays offered as cube (from the scene file) and ground truth (from the
    // ground-truth file when one is chosen, else the scene file).
    let choices = move || {
        let files = state.arrays.get()?;
        let scene_name = scene_file.with(|f| f.as_ref().map(|f| f.0.clone()))?;
        let gt_name = gt_file.with(|f| f.as_ref().map(|f| f.0.clone()));
        let scene = files.iter().find(|f| f.file == scene_name)?;
        let gt_src = gt_name
            .and_then(|g| files.iter().find(|f| f.file == g))
            .unwrap_or(scene);
        Some((
            scene.cubes.clone(),
            gt_src.gts.clone(),
            scene.arrays.clone(),
        ))
    };

    let settings = move || form.settings();
    let busy = move || state.job_status.get().is_active();
    let start_job = move || {
        state.error.set(None);
        state.progress.set(None);
        state.job_status.set(JobStatus::Running);
    };

    let request_band = move || {
        send(&Request::Hsi(HsiRequest::Band {
            band: band.get_untracked(),
            colormap: if grey.get_untracked() {
                "grey"
            } else {
                "viridis"
            }
            .into(),
        }))
    };

    // The false-colour bands: the scene's defaults until the visitor picks others.
    let rgb_bands = RwSignal::new([0usize; 3]);
    Effect::new(move |_| {
        if let Some(b) = state.scene.with(|s| s.as_ref().map(|s| s.rgb_bands)) {
            rgb_bands.set(b);
        }
    });
    let rgb_input = move |i: usize| {
        let bands = move || {
            state
                .scene
                .with(|s| s.as_ref().map(|s| s.bands).unwrap_or(1))
        };
        view! {
            <input type="number" min="0" max=move || bands().saturating_sub(1)
                data-testid=["rgb-r", "rgb-g", "rgb-b"][i]
                prop:value=move || rgb_bands.get()[i].to_string()
                on:change=move |ev| {
                    match event_target_value(&ev).parse::<usize>() {
                        Ok(v) if v < bands() => {
                            rgb_bands.update(|b| b[i] = v);
                            send(&Request::Hsi(HsiRequest::Rgb { bands: rgb_bands.get_untracked() }));
                        }
                        _ => state.error.set(Some(format!(
                            "Choose a band between 0 and {}", bands().saturating_sub(1)
                        ))),
                    }
                } />
        }
    };
    let rgb = Signal::derive(move || state.rgb_image.get().map(|i| (i.width, i.height, i.rgba)));
    let band_img =
        Signal::derive(move || state.band_image.get().map(|i| (i.width, i.height, i.rgba)));
    let gt_img = Signal::derive(move || {
        state.scene.get().map(|s| {
            let img = viz::palette::labels_to_rgba(&s.gt, s.width as u32, s.height as u32);
            (img.width, img.height, img.pixels)
        })
    });
    let map_img = Signal::derive(move || {
        let s = state.scene.get()?;
        let map = state.map.get();
        if map.len() != s.width * s.height || map.iter().all(|&v| v == 0) {
            return None;
        }
        let (w, h) = (s.width as u32, s.height as u32);
        let img = match view_mode.get().as_str() {
            "labelled" => {
                let masked: Vec<u16> = map
                    .iter()
                    .zip(&s.gt)
                    .map(|(&p, &g)| if g == 0 { 0 } else { p })
                    .collect();
                viz::palette::labels_to_rgba(&masked, w, h)
            }
            "errors" => viz::palette::error_view(&map, &s.gt, w, h),
            _ => viz::palette::labels_to_rgba(&map, w, h),
        };
        Some((img.width, img.height, img.pixels))
    });
    let confusion_img = Signal::derive(move || {
        let e = state.evaluation.get()?;
        let labels: Vec<String> = (1..=e.num_classes).map(|c| c.to_string()).collect();
        let img = viz::figure::heatmap(&e.confusion, e.num_classes, &labels, 22);
        Some((img.width, img.height, img.pixels))
    });
    let pick = Callback::new(move |(row, col): (usize, usize)| {
        send(&Request::Hsi(HsiRequest::Spectrum { row, col }));
    });

    let download_map_png = move |_| {
        let Some(s) = state.scene.get_untracked() else {
            return;
        };
        let scores = match (
            state.evaluation.get_untracked(),
            state.unscored.get_untracked(),
        ) {
            (Some(e), _) => format!(
                "({}) · OA {:.2} % · AA {:.2} % · Kappa {:.4} · {} test pixels",
                e.source,
                100.0 * e.oa,
                100.0 * e.aa,
                e.kappa,
                e.test_pixels
            ),
            (None, Some((source, _))) => format!("({source}) · not scored"),
            (None, None) => return,
        };
        let map = state.map.get_untracked();
        let (w, h) = (s.width as u32, s.height as u32);
        let pred = viz::palette::labels_to_rgba(&map, w, h);
        let gt = viz::palette::labels_to_rgba(&s.gt, w, h);
        let legend: Vec<(String, [u8; 3])> = s
            .class_names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), viz::palette::class_colour(i + 1)))
            .collect();
        let caption = vec![format!(
            "{} · HybridSN {scores} · seed {}",
            s.name,
            seed.get_untracked()
        )];
        let fig = viz::figure::map_figure(
            &[("Classification map", &pred), ("Ground truth", &gt)],
            &legend,
            &caption,
            3,
        );
        download("convlab-map.png", &viz::png::encode_png(&fig), "image/png");
    };

    // A model has mapped the scene (scored or not).
    let has_map =
        move || state.evaluation.with(Option::is_some) || state.unscored.with(Option::is_some);

    view! {
        <section data-testid="hyperspectral">
            <h2>"Hyperspectral lab"</h2>
            <CopyLink pairs=link_pairs />
            <p>
                "A hyperspectral image stores a whole spectrum at every pixel: Indian Pines has 200 bands "
                "from the visible to the short-wave infrared over 145×145 pixels of farmland, woods and roads. "
                "HybridSN reads a 25×25 neighbourhood of 30 PCA components with 3-D convolutions (which slide "
                "along the spectrum too), then a 2-D convolution and dense layers, and labels the centre pixel."
            </p>
            <ProgressBar />
            <p data-testid="hsi-status">"Status: " {move || format!("{} {}", state.job.get(), state.job_status.get())}</p>

            <h3>"Scene"</h3>
            {move || state.scene.get().map(|s| view! {
                <p data-testid="scene-summary">
                    {format!(
                        "{}: {}×{} pixels, {} bands, {} classes, {} labelled pixels{}",
                        s.name, s.height, s.width, s.bands, s.num_classes,
                        s.class_counts.iter().skip(1).sum::<usize>(),
                        if s.label_map.is_empty() { String::new() } else { format!(" ({})", s.label_map) }
                    )}
                </p>
            })}
            <div class="controls">
                <label>
                    "Your scene (.mat or .npy) "
                    <input type="file" accept=".mat,.npy" data-testid="upload-scene"
                        on:change=pick_file(scene_file) />
                </label>
                <label>
                    "Ground truth (optional) "
                    <input type="file" accept=".mat,.npy" data-testid="upload-gt"
                        on:change=pick_file(gt_file) />
                </label>
                <label title="A ground-truth value that marks pixels without data (255 is common): \
                              its pixels become unlabelled instead of a class">
                    "No-data labels "
                    <input type="text" size="6" placeholder="e.g. 255" data-testid="upload-unlabelled"
                        prop:value=move || unlabelled.get()
                        on:change=move |ev| unlabelled.set(event_target_value(&ev)) />
                </label>
                {check_input("Renumber classes 1..K", "upload-renumber", renumber)}
                <button data-testid="upload-load" disabled=move || scene_file.get().is_none() || busy()
                    on:click=move |_| {
                        let Some((name, bytes)) = scene_file.get_untracked() else { return };
                        let labels = match label_choice(&unlabelled.get_untracked(), renumber.get_untracked()) {
                            Ok(l) => l,
                            Err(e) => {
                                state.error.set(Some(e));
                                return;
                            }
                        };
                        let mut names = vec![name];
                        let mut bins = vec![bytes];
                        if let Some((n, b)) = gt_file.get_untracked() {
                            names.push(n);
                            bins.push(b);
                        }
                        state.error.set(None);
                        send_with(
                            &Request::Hsi(HsiRequest::Upload {
                                names,
                                cube_var: cube_var.get_untracked(),
                                gt_var: gt_var.get_untracked(),
                                labels,
                            }),
                            bins,
                        );
                    }>"Load my scene"</button>
                <button data-testid="load-bundled" disabled=busy
                    on:click=move |_| { start_job(); send(&Request::Hsi(HsiRequest::LoadBundled)); }>"Reload Indian Pines"</button>
            </div>
            {move || choices().map(|(cubes, gts, arrays)| view! {
                <div class="controls" data-testid="array-chooser">
                    <label>
                        "Cube "
                        <select data-testid="cube-choice"
                            on:change=move |ev| cube_var.set(Some(event_target_value(&ev)))>
                            {cubes.into_iter().map(|n| view! { <option value=n.clone()>{n.clone()}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>
                        "Ground truth "
                        <select data-testid="gt-choice"
                            on:change=move |ev| gt_var.set(Some(event_target_value(&ev)))>
                            {gts.into_iter().map(|n| view! { <option value=n.clone()>{n.clone()}</option> }).collect_view()}
                        </select>
                    </label>
                    <details>
                        <summary>{format!("{} arrays in the file", arrays.len())}</summary>
                        <ul data-testid="array-list">
                            {arrays.into_iter().map(|a| view! { <li><code>{a}</code></li> }).collect_view()}
                        </ul>
                    </details>
                </div>
            })}
            <p class="note">
                "MATLAB files must be saved as v5/v7 (not v7.3); .npy in C or Fortran order, integer or float. "
                "The first 3-D array is the cube; a 2-D integer array of the same size is the ground truth."
            </p>

            <h3>"Explore"</h3>
            <div class="views">
                <figure>
                    <ImageCanvas image=rgb testid="rgb-canvas" on_pick=pick />
                    <figcaption>
                        "False colour from bands R " {rgb_input(0)} " G " {rgb_input(1)} " B " {rgb_input(2)}
                        <br />"Click a pixel for its spectrum."
                    </figcaption>
                </figure>
                <figure>
                    <ImageCanvas image=gt_img testid="gt-canvas" on_pick=pick />
                    <figcaption>"Ground truth"</figcaption>
                </figure>
                <figure>
                    <ImageCanvas image=band_img testid="band-canvas" on_pick=pick />
                    <figcaption>
                        <input type="range" min="0"
                            max=move || state.scene.get().map(|s| s.bands.saturating_sub(1)).unwrap_or(0)
                            data-testid="band-slider"
                            prop:value=move || band.get().to_string()
                            on:input=move |ev| {
                                if let Ok(v) = event_target_value(&ev).parse() {
                                    band.set(v);
                                    request_band();
                                }
                            } />
                        {move || format!(" band {}", band.get())}
                        <label>
                            <input type="checkbox" prop:checked=grey
                                on:change=move |ev| { grey.set(event_target_checked(&ev)); request_band(); } />
                            " grey"
                        </label>
                        <button data-testid="show-band" on:click=move |_| request_band()>"Show band"</button>
                    </figcaption>
                </figure>
            </div>
            <Legend />
            <SpectrumChart />

            <h3>"Preprocess and train"</h3>
            <div class="controls">
                {num_input("PCA components", "pca", pca, "1")}
                {num_input("Patch size", "patch", patch, "2")}
                {num_input("Train fraction", "train-fraction", fraction, "0.01")}
                {num_input("Validation share", "val-fraction", val_fraction, "0.05")}
                {num_input("Seed", "seed", seed, "1")}
                <label>
                    <input type="checkbox" data-testid="spatial" prop:checked=spatial
                        on:change=move |ev| spatial.set(event_target_checked(&ev)) />
                    " spatially disjoint split"
                </label>
                <Show when=move || spatial.get()>
                    <label>
                        "Guard "
                        <select data-testid="guard" on:change=move |ev| {
                            if let Some(g) = Guard::from_id(&event_target_value(&ev)) { guard.set(g) }
                        }>
                            {Guard::ALL.into_iter().map(|g| view! {
                                <option value=g.id() selected=move || guard.get() == g>{g.describe()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                </Show>
                <button data-testid="prepare" disabled=busy
                    on:click=move |_| { state.error.set(None); send(&Request::Hsi(HsiRequest::Prepare(settings()))); }>"Run PCA"</button>
            </div>
            <Show when=move || spatial.get()>
                <p class="note">
                    "A random split puts training and test pixels side by side, and their 25×25 patches overlap: "
                    "the network has literally seen most of every test patch during training, which flatters the "
                    "score. The spatially disjoint split trains on whole blocks of the scene and, with its default "
                    "guard, tests only on pixels at least a patch width (25 pixels for 25×25 patches) from every "
                    "training block, so no test patch shares a single input pixel with a training patch. Its score "
                    "is lower and closer to what new fields would get; classes found in few blocks may have no test "
                    "pixels. The narrower guard keeps labels apart but lets inputs be shared. Either way, a share of "
                    "each class's training pixels is held out for validation: the per-epoch scores below are on "
                    "those, never on test pixels."
                </p>
            </Show>
            {move || state.prepared.get().map(|p| {
                let total: f64 = p.explained.iter().sum();
                view! {
                    <p data-testid="explained">
                        {format!(
                            "PCA: {} components explain {:.2} % of the variance (first three: {}). Split: {} training, {} test pixels.",
                            p.explained.len(), 100.0 * total,
                            p.explained.iter().take(3).map(|v| format!("{:.1} %", 100.0 * v)).collect::<Vec<_>>().join(", "),
                            p.train, p.test
                        )}
                    </p>
                    <table class="layers" data-testid="hsi-layers">
                        <thead><tr><th>"Layer"</th><th>"Kind"</th><th>"Output"</th><th>"Params"</th><th>"MACs"</th></tr></thead>
                        <tbody>
                            {p.layers.layers.into_iter().map(|l| view! {
                                <tr>
                                    <td>{l.name}</td><td>{l.kind}</td>
                                    <td>{l.output.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("×")}</td>
                                    <td>{thousands(l.params as u64)}</td><td>{thousands(l.macs)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }
            })}
            <div class="controls">
                {num_input("Epochs", "epochs", epochs, "1")}
                {num_input("Batch", "batch", batch, "1")}
                {num_input("Learning rate", "lr", lr, "0.0001")}
                {num_input("Max training pixels (0 = all)", "max-train", max_train, "1")}
                {check_input("augment (random flips and rotations of the patches)", "augment", augment)}
                {num_input("Repeat small classes up to (pixels per epoch, 0 = off)", "min-per-class", min_per_class, "1")}
                {check_input("keep the weights with the saved run", "keep-weights", state.keep_weights)}
                <label>
                    <input type="checkbox" data-testid="paper" prop:checked=paper on:change=move |ev| paper.set(event_target_checked(&ev)) />
                    " paper variant (no batch norm)"
                </label>
            </div>
            <div class="controls">
                <button data-testid="train" data-shortcut="start" disabled=move || busy() || state.scene.get().is_none()
                    on:click=move |_| {
                        start_job();
                        state.kept.set(None);
                        state.notice.set(None);
                        state.epochs.set(Vec::new());
                        state.losses.set(Vec::new());
                        // The map stays until the new run paints over it: a run that fails
                        // leaves the previous one on screen.
                        let s = settings();
                        state.pending_run.set(Some(pending_run(&s, state)));
                        send(&Request::Hsi(HsiRequest::Train(s)));
                    }>"Train"</button>
                <button data-testid="pause" disabled=move || state.job_status.get() != JobStatus::Running
                    on:click=move |_| { send(&Request::Pause); state.job_status.set(JobStatus::Paused); }>"Pause"</button>
                <button data-testid="resume" disabled=move || state.job_status.get() != JobStatus::Paused
                    on:click=move |_| { send(&Request::Resume); state.job_status.set(JobStatus::Running); }>"Resume"</button>
                <button data-testid="stop" data-shortcut="stop" disabled=move || !busy() on:click=move |_| send(&Request::Stop)>"Stop"</button>
                <Show when=move || state.kept.get().is_some()>
                    <button data-testid="resume-training" disabled=busy
                        title="Continue the interrupted run from its last completed epoch"
                        on:click=move |_| {
                            start_job();
                            state.kept.set(None);
                            let s = HsiSettings { resume: true, ..settings() };
                            state.pending_run.set(Some(pending_run(&s, state)));
                            send(&Request::Hsi(HsiRequest::Train(s)));
                        }>
                        {move || state.kept.get().map(|(e, n)| format!("Resume training (epoch {} of {n})", e + 1)).unwrap_or_default()}
                    </button>
                </Show>
            </div>
            <Show when=move || state.notice.get().is_some()>
                <p class="notice" data-testid="notice" role="status">
                    {move || state.notice.get().unwrap_or_default()}
                    <button on:click=move |_| state.notice.set(None)>"Dismiss"</button>
                </p>
            </Show>
            <EpochTable />

            <h3>"Classification map"</h3>
            <div class="controls">
                <button data-testid="pretrained" disabled=busy
                    on:click=move |_| {
                        start_job();
                        state.map.update(|m| m.iter_mut().for_each(|v| *v = 0));
                        send(&Request::Hsi(HsiRequest::PretrainedMap));
                    }>"Show map (pretrained weights)"</button>
                <button data-testid="map-current" disabled=move || busy() || state.scene.get().is_none()
                    on:click=move |_| {
                        start_job();
                        state.notice.set(None);
                        send(&Request::Hsi(HsiRequest::Map));
                    }>"Map with the current model"</button>
                <label>
                    "View "
                    <select data-testid="map-view" on:change=move |ev| view_mode.set(event_target_value(&ev))>
                        <option value="all" selected=move || view_mode.get() == "all">"every pixel"</option>
                        <option value="labelled" selected=move || view_mode.get() == "labelled">"labelled pixels only"</option>
                        <option value="errors" selected=move || view_mode.get() == "errors">"errors (wrong in red)"</option>
                    </select>
                </label>
                <button data-testid="download-png" disabled=move || !has_map()
                    on:click=download_map_png>"Download PNG"</button>
                <button data-testid="fullscreen-map" title="Full screen (key f)"
                    on:click=move |_| if let Some(el) = map_views.get() { super::presenter::fullscreen(&el) }>"Full screen"</button>
                <button data-testid="export-weights" disabled=move || !has_map() || busy()
                    on:click=move |_| send(&Request::Hsi(HsiRequest::ExportWeights))>"Export weights"</button>
                <label>
                    "Import weights "
                    <input type="file" accept=".clw" data-testid="import-weights"
                        on:change=move |ev| {
                            if let Some(f) = files_of(&ev).into_iter().next() {
                                leptos::task::spawn_local(async move {
                                    match read_file(&f).await {
                                        Ok(b) => {
                                            start_job();
                                            send_with(&Request::Hsi(HsiRequest::ImportWeights { name: f.name() }), vec![b]);
                                        }
                                        Err(e) => state.error.set(Some(e)),
                                    }
                                });
                            }
                        } />
                </label>
            </div>
            <div class="views" data-fullscreen node_ref=map_views>
                <figure>
                    <ImageCanvas image=map_img testid="map-canvas" />
                    <figcaption>"Classification map"</figcaption>
                </figure>
                <figure>
                    <ImageCanvas image=gt_img testid="map-gt-canvas" />
                    <figcaption>"Ground truth"</figcaption>
                </figure>
            </div>
            <Metrics />
            <Show when=move || state.evaluation.get().is_some()>
                <figure>
                    <ImageCanvas image=confusion_img testid="confusion" scale=1 />
                    <figcaption>"Confusion matrix (rows: true class, columns: predicted; colour: share of the row)"</figcaption>
                    <button data-testid="confusion-png" on:click=move |_| {
                        let (Some(s), Some(e)) = (state.scene.get_untracked(), state.evaluation.get_untracked()) else { return };
                        let labels: Vec<String> = (1..=e.num_classes).map(|c| c.to_string()).collect();
                        let heat = viz::figure::heatmap(&e.confusion, e.num_classes, &labels, 22);
                        let legend: Vec<(String, [u8; 3])> = s.class_names.iter().enumerate()
                            .map(|(i, n)| (format!("{} {n}", i + 1), viz::palette::class_colour(i + 1))).collect();
                        let caption = vec![format!(
                            "{} · HybridSN ({}) · OA {:.2} % · AA {:.2} % · Kappa {:.4} · rows: true class, columns: predicted",
                            s.name, e.source, 100.0 * e.oa, 100.0 * e.aa, e.kappa
                        )];
                        let fig = viz::figure::map_figure(&[("Confusion matrix", &heat)], &legend, &caption, 1);
                        download_png("convlab-hsi-confusion.png", &fig);
                    }>"Confusion matrix (PNG)"</button>
                </figure>
            </Show>
            <p class="note">
                "Indian Pines: AVIRIS, 12 June 1992, Purdue University (Baumgardner, Biehl, Landgrebe 2015, "
                "doi:10.4231/R7RX991C, CC BY 3.0), as distributed by the GIC group, UPV/EHU."
            </p>
        </section>
    }
}

/// Class legend with colours and pixel counts.
#[component]
fn Legend() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <ul class="legend" data-testid="legend">
            {move || state.scene.get().map(|s| {
                s.class_names.iter().enumerate().map(|(i, n)| {
                    let [r, g, b] = viz::palette::class_colour(i + 1);
                    let count = s.class_counts.get(i + 1).copied().unwrap_or(0);
                    view! {
                        <li>
                            <span class="swatch" style=format!("background:rgb({r},{g},{b})")></span>
                            {format!("{} {n} ({count})", i + 1)}
                        </li>
                    }
                }).collect_view()
            })}
        </ul>
    }
}

/// The clicked pixel's spectrum against every class mean (its own class highlighted).
#[component]
fn SpectrumChart() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        let (Some(sp), Some(s)) = (state.spectrum.get(), state.scene.get()) else {
            return view! { <p class="note">"Click a pixel to see its spectrum."</p> }.into_any();
        };
        let max = s
            .class_means
            .iter()
            .flatten()
            .chain(sp.values.iter())
            .fold(1e-6f32, |m, v| m.max(*v));
        let path = |v: &[f32]| -> String {
            let n = (v.len().max(2) - 1) as f32;
            v.iter()
                .enumerate()
                .map(|(i, y)| {
                    format!(
                        "{}{:.1},{:.1}",
                        if i == 0 { "M" } else { " L" },
                        10.0 + 480.0 * i as f32 / n,
                        190.0 - 180.0 * y / max
                    )
                })
                .collect()
        };
        let own = (sp.label as usize).checked_sub(1);
        let means = s
            .class_means
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let [r, g, b] = viz::palette::class_colour(i + 1);
                let width = if Some(i) == own { 3 } else { 1 };
                let opacity = if Some(i) == own { 1.0 } else { 0.35 };
                view! {
                    <path d=path(m) fill="none" stroke=format!("rgb({r},{g},{b})")
                        stroke-width=width opacity=opacity stroke-dasharray="4 3"></path>
                }
            })
            .collect_view();
        let label = match own {
            Some(c) => s.class_names.get(c).cloned().unwrap_or_default(),
            None => "unlabelled".into(),
        };
        view! {
            <figure>
                <svg class="chart" viewBox="0 0 500 200" data-testid="spectrum-chart">
                    <rect x="0" y="0" width="500" height="200" class="chart-bg"></rect>
                    {means}
                    <path d=path(&sp.values) fill="none" stroke="#111" stroke-width="2"></path>
                </svg>
                <figcaption data-testid="spectrum-caption">
                    {format!("Pixel (row {}, col {}): {label}. Solid: its spectrum; dashed: class means (its class bold).", sp.row, sp.col)}
                </figcaption>
                <button data-testid="spectrum-png" on:click={
                    let (sp, s, label) = (sp.clone(), s.clone(), label.clone());
                    move |_| {
                        let pts = |v: &[f32]| v.iter().enumerate().map(|(i, y)| (i as f64, *y as f64)).collect();
                        let mut series = vec![viz::chart::Series {
                            name: format!("pixel ({}, {}): {label}", sp.row, sp.col),
                            colour: [17, 17, 17],
                            points: pts(&sp.values),
                        }];
                        series.extend(s.class_means.iter().enumerate().map(|(i, m)| viz::chart::Series {
                            name: format!("mean of {}", s.class_names.get(i).cloned().unwrap_or_default()),
                            colour: viz::palette::class_colour(i + 1),
                            points: pts(m),
                        }));
                        let caption = vec![format!("{} · {} bands · raw values", s.name, s.bands)];
                        let fig = viz::chart::chart_figure("Spectrum against the class means", &series, None, "band", "value", &caption);
                        download_png("convlab-spectrum.png", &fig);
                    }
                }>"Spectrum (PNG)"</button>
            </figure>
        }
        .into_any()
    }
}

/// The run about to start, as it will be saved (history and scores are added at the end).
fn pending_run(s: &HsiSettings, state: AppState) -> SavedRun {
    let dataset = state
        .scene
        .with_untracked(|sc| sc.as_ref().map(|sc| sc.name.clone()))
        .unwrap_or_default();
    let split = if s.spatial {
        format!("spatial blocks ({})", s.guard.describe())
    } else {
        "random".into()
    };
    SavedRun {
        id: String::new(),
        lab: "hyperspectral".into(),
        model: if s.batch_norm {
            "HybridSN (BN)"
        } else {
            "HybridSN (paper)"
        }
        .into(),
        dataset,
        created_ms: 0.0,
        backend: String::new(),
        settings: vec![
            ("PCA".into(), s.pca.to_string()),
            ("patch".into(), s.patch.to_string()),
            (
                "train".into(),
                format!("{} % {split}", 100.0 * s.train_fraction),
            ),
            (
                "validation".into(),
                format!("{} % of training", 100.0 * s.val_fraction),
            ),
            ("seed".into(), s.seed.to_string()),
            ("epochs".into(), s.epochs.to_string()),
            ("batch".into(), s.batch_size.to_string()),
            ("lr".into(), s.lr.to_string()),
        ],
        history: Vec::new(),
        metrics: Vec::new(),
        params: 0,
        seconds: 0.0,
    }
}

/// Per-epoch loss, train accuracy and validation OA (never test OA: no epoch is chosen on
/// test pixels), with a small chart.
#[component]
fn EpochTable() -> impl IntoView {
    let state = expect_context::<AppState>();
    let download_csv = move |_| {
        let rows: Vec<Vec<String>> = state.epochs.with_untracked(|e| {
            e.iter()
                .map(|r| {
                    vec![
                        r.epoch.to_string(),
                        format!("{:.6}", r.loss),
                        format!("{:.6}", r.train_acc),
                        r.val_oa.map(|v| format!("{v:.6}")).unwrap_or_default(),
                        format!("{:.2}", r.seconds),
                    ]
                })
                .collect()
        });
        let text = crate::share::csv(&["epoch", "loss", "train_acc", "val_oa", "seconds"], &rows);
        download("convlab-hsi-epochs.csv", text.as_bytes(), "text/csv");
    };
    view! {
        <super::widgets::LossChart />
        <button data-testid="curves-png" disabled=move || state.epochs.with(|e| e.is_empty())
            on:click=move |_| {
                let ep = state.epochs.get_untracked();
                let series = |name: &str, colour, f: &dyn Fn(&crate::data::EpochMetrics) -> Option<f64>| viz::chart::Series {
                    name: name.into(),
                    colour,
                    points: ep.iter().filter_map(|r| f(r).map(|v| (r.epoch as f64, v))).collect(),
                };
                let all = [
                    series("loss", [209, 73, 91], &|r| Some(r.loss)),
                    series("train accuracy", [42, 93, 176], &|r| Some(r.train_acc)),
                    series("validation OA", [0, 121, 140], &|r| r.val_oa),
                ];
                let scene = state.scene.with_untracked(|s| s.as_ref().map(|s| s.name.clone())).unwrap_or_default();
                let caption = vec![format!("{scene} · HybridSN · {} epochs · accuracies as fractions", ep.len())];
                let fig = viz::chart::chart_figure("Training curves", &all, None, "epoch", "", &caption);
                download_png("convlab-hsi-curves.png", &fig);
            }>"Curves (PNG)"</button>
        <button data-testid="epochs-csv" disabled=move || state.epochs.with(|e| e.is_empty())
            on:click=download_csv>"Metrics per epoch (CSV)"</button>
        <table data-testid="epochs">
            <thead><tr><th>"Epoch"</th><th>"Loss"</th><th>"Train acc."</th><th title="On the validation pixels held out of the training pixels; the test score comes once, after the last epoch">"Validation OA"</th><th>"Time"</th></tr></thead>
            <tbody>
                {move || state.epochs.get().into_iter().map(|e| view! {
                    <tr data-testid="epoch-row">
                        <td>{e.epoch}</td>
                        <td>{format!("{:.4}", e.loss)}</td>
                        <td>{format!("{:.2} %", 100.0 * e.train_acc)}</td>
                        <td>{e.val_oa.map(|v| format!("{:.2} %", 100.0 * v)).unwrap_or_else(|| "–".into())}</td>
                        <td>{format!("{:.1} s", e.seconds)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// OA, AA, Kappa and per-class accuracy.
#[component]
fn Metrics() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        if let (None, Some((source, why))) = (state.evaluation.get(), state.unscored.get()) {
            return view! {
                <p class="metrics" data-testid="unscored">{format!("Map by the {source}. {why}")}</p>
            }
            .into_any();
        }
        let (Some(e), Some(s)) = (state.evaluation.get(), state.scene.get()) else {
            return ().into_any();
        };
        view! {
            <p class="metrics" data-testid="metrics">
                <span data-testid="oa">{format!("OA {:.2} %", 100.0 * e.oa)}</span>
                " · "
                <span data-testid="aa">{format!("AA {:.2} %", 100.0 * e.aa)}</span>
                " · "
                <span data-testid="kappa">{format!("Kappa {:.4}", e.kappa)}</span>
                {format!(" on {} test pixels ({})", e.test_pixels, e.source)}
            </p>
            // Every score names its split and how the weights were chosen.
            <p class="note" data-testid="protocol">{e.protocol.clone()}</p>
            <button data-testid="confusion-csv" on:click={
                let (names, confusion, n) = (s.class_names.clone(), e.confusion.clone(), e.num_classes);
                move |_| {
                    let text = crate::share::confusion_csv(&names, &confusion, n);
                    download("convlab-hsi-confusion.csv", text.as_bytes(), "text/csv");
                }
            }>"Confusion matrix (CSV)"</button>
            <table data-testid="per-class">
                <thead><tr><th>"Class"</th><th>"Name"</th><th>"Accuracy"</th></tr></thead>
                <tbody>
                    {e.per_class.iter().enumerate().map(|(i, a)| view! {
                        <tr>
                            <td>{i + 1}</td>
                            <td>{s.class_names.get(i).cloned().unwrap_or_default()}</td>
                            <td>{a.map(|v| format!("{:.2} %", 100.0 * v)).unwrap_or_else(|| "– (no test pixels)".into())}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    }
}

/// The label choice of the upload form: comma-separated no-data values and the renumber box.
fn label_choice(unlabelled: &str, renumber: bool) -> Result<crate::data::LabelChoice, String> {
    let unlabelled = unlabelled
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.parse::<u32>().map_err(|_| {
                format!(
                    "No-data labels: “{v}” is not a label value (whole numbers, comma-separated)"
                )
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(crate::data::LabelChoice {
        unlabelled,
        renumber,
    })
}
