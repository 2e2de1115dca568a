//! Links that restore a view: strict reading of URL parameters, and writing them back.
//!
//! Plain Rust (no web APIs), so the rules are tested natively. A value that is unknown,
//! malformed or out of range falls back to the default and leaves a notice in words; it can
//! never panic or reach the page as markup (Leptos renders notices as text, and echoed values
//! are cut to a few characters and stripped of control characters).

use crate::config::HsiTrainConfig;
use crate::config::{CifarTrainConfig, LrSchedule, ModelKind};
use crate::cost::{ConvSpec, MAX_CHANNELS, MAX_KERNEL, MAX_SIDE};
use crate::data::Guard;
use crate::messages::cifar::CIFAR_DATA;

/// Parameters of a URL query, read one by one with a default for each.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
    /// What was ignored and why, for a notice on the page.
    pub notices: Vec<String>,
}

/// Longest value echoed back in a notice.
const ECHO: usize = 24;

fn echo(v: &str) -> String {
    let clean: String = v.chars().filter(|c| !c.is_control()).take(ECHO).collect();
    if v.chars().count() > ECHO {
        format!("{clean}…")
    } else {
        clean
    }
}

impl Query {
    /// From already-decoded `(key, value)` pairs (the browser's `URLSearchParams`).
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Self {
            pairs,
            notices: Vec::new(),
        }
    }

    /// Decodes a raw query string such as `?page=hyperspectral&pca=20`.
    pub fn parse(raw: &str) -> Self {
        let raw = raw.strip_prefix('?').unwrap_or(raw);
        let pairs = raw
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (percent_decode(k), percent_decode(v))
            })
            .collect();
        Self::new(pairs)
    }

    /// The raw value of `key` (the last one when repeated).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn refuse<T: std::fmt::Display>(&mut self, key: &str, v: &str, why: &str, default: T) -> T {
        self.notices.push(format!(
            "Ignored {key}=\"{}\" in the link ({why}); using {default}.",
            echo(v)
        ));
        default
    }

    /// An integer in `min..=max`.
    pub fn int(&mut self, key: &str, default: usize, min: usize, max: usize) -> usize {
        self.whole(key, default, min, max)
    }

    /// A 64-bit integer in `min..=max` (seeds, whose inputs take any `u64`; `usize` is 32
    /// bits in the browser).
    pub fn int64(&mut self, key: &str, default: u64, min: u64, max: u64) -> u64 {
        self.whole(key, default, min, max)
    }

    fn whole<T>(&mut self, key: &str, default: T, min: T, max: T) -> T
    where
        T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
    {
        let Some(v) = self.get(key).map(str::to_string) else {
            return default;
        };
        let t = v.trim();
        match t.parse::<T>() {
            Ok(n) if n >= min && n <= max => n,
            Ok(_) => self.refuse(key, &v, &format!("not between {min} and {max}"), default),
            // Digits only, but too many for the type: out of range rather than malformed.
            Err(_) if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => {
                self.refuse(key, &v, &format!("not between {min} and {max}"), default)
            }
            Err(_) => self.refuse(key, &v, "not a whole number", default),
        }
    }

    /// An odd integer in `min..=max`.
    pub fn odd(&mut self, key: &str, default: usize, min: usize, max: usize) -> usize {
        let n = self.int(key, default, min, max);
        if n.is_multiple_of(2) {
            let v = n.to_string();
            return self.refuse(key, &v, "must be odd", default);
        }
        n
    }

    /// A finite number in `min..=max`.
    pub fn float(&mut self, key: &str, default: f64, min: f64, max: f64) -> f64 {
        let Some(v) = self.get(key).map(str::to_string) else {
            return default;
        };
        match v.trim().parse::<f64>() {
            Ok(x) if x.is_finite() && x >= min && x <= max => x,
            Ok(_) => self.refuse(key, &v, &format!("not between {min} and {max}"), default),
            Err(_) => self.refuse(key, &v, "not a number", default),
        }
    }

    /// `1`/`0` (also `true`/`false`, `yes`/`no`, `on`/`off`).
    pub fn flag(&mut self, key: &str, default: bool) -> bool {
        let Some(v) = self.get(key).map(str::to_string) else {
            return default;
        };
        match v.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => true,
            "0" | "false" | "no" | "off" => false,
            _ => self.refuse(key, &v, "use 1 or 0", default),
        }
    }

    /// One of `options`.
    pub fn choice(&mut self, key: &str, options: &[&str], default: &str) -> String {
        let Some(v) = self.get(key).map(str::to_string) else {
            return default.to_string();
        };
        if options.contains(&v.as_str()) {
            return v;
        }
        let why = format!("not one of {}", options.join(", "));
        self.refuse(key, &v, &why, default.to_string())
    }
}

/// The Conv lab's calculator from a link: each value within the calculator's own limits; a
/// combination the calculator refuses (padding ≥ kernel, a kernel larger than the padded
/// input, groups that do not divide the channels) restores the defaults, with a notice.
pub fn read_conv_spec(q: &mut Query) -> ConvSpec {
    let d = ConvSpec::default();
    let spec = ConvSpec {
        in_channels: q.int("cin", d.in_channels, 1, MAX_CHANNELS),
        out_channels: q.int("cout", d.out_channels, 1, MAX_CHANNELS),
        kernel: q.int("k", d.kernel, 1, MAX_KERNEL),
        height: q.int("h", d.height, 1, MAX_SIDE),
        width: q.int("w", d.width, 1, MAX_SIDE),
        stride: q.int("stride", d.stride, 1, MAX_KERNEL),
        padding: q.int("pad", d.padding, 0, MAX_KERNEL - 1),
        groups: q.int("groups", d.groups, 1, MAX_CHANNELS),
    };
    match spec.validate() {
        Ok(()) => spec,
        Err(e) => {
            q.notices.push(format!(
                "Ignored the calculator settings in the link ({e}); using the defaults."
            ));
            d
        }
    }
}

/// The link parameters [`read_conv_spec`] reads.
pub fn conv_spec_pairs(s: &ConvSpec) -> Vec<(&'static str, String)> {
    vec![
        ("cin", s.in_channels.to_string()),
        ("cout", s.out_channels.to_string()),
        ("k", s.kernel.to_string()),
        ("h", s.height.to_string()),
        ("w", s.width.to_string()),
        ("stride", s.stride.to_string()),
        ("pad", s.padding.to_string()),
        ("groups", s.groups.to_string()),
    ]
}

/// The CIFAR-10 models a link can name (`c_model`, by [`ModelKind::id`]).
pub const CIFAR_MODELS: [ModelKind; 3] = [
    ModelKind::MobileNetV1,
    ModelKind::MobileNetV2,
    ModelKind::PlainCnn,
];

/// The CIFAR-10 lab's form as a link holds it: the run's settings and its data set.
#[derive(Debug, Clone, PartialEq)]
pub struct CifarLink {
    pub config: CifarTrainConfig,
    /// The cats and dogs photos instead of the CIFAR-10 subset (`c_data`).
    pub cats_dogs: bool,
}

impl Default for CifarLink {
    fn default() -> Self {
        Self {
            config: CifarTrainConfig::lab(),
            cats_dogs: false,
        }
    }
}

/// An `f32` as the `f64` it reads as (0.1, not 0.10000000149…).
fn wide(x: f32) -> f64 {
    x.to_string().parse().unwrap_or(x.into())
}

/// The CIFAR-10 lab's training form from a link (`c_`-prefixed, apart from the Hyperspectral
/// lab's). Settings only: a link never carries weights or data.
pub fn read_cifar(q: &mut Query) -> CifarLink {
    let d = CifarTrainConfig::lab();
    let ids = CIFAR_MODELS.map(ModelKind::id);
    let model = ModelKind::from_id(&q.choice("c_model", &ids, d.model.id())).unwrap_or(d.model);
    let width = q.float("c_width", d.width, 0.01, 4.0);
    let epochs = q.int("c_epochs", d.epochs, 1, 500);
    let batch_size = q.int("c_batch", d.batch_size, 1, 256);
    let lr = q.float("c_lr", d.lr, 1e-6, 1.0);
    let cosine = q.flag("c_cosine", d.schedule == LrSchedule::Cosine);
    let warmup_epochs = q.int("c_warmup", d.warmup_epochs, 0, 500);
    // The trainer takes [0, 1).
    let label_smoothing = q.float("c_smoothing", wide(d.label_smoothing), 0.0, 0.99) as f32;
    let weight_decay = q.float("c_wd", wide(d.weight_decay), 0.0, 1.0) as f32;
    let augment = q.flag("c_augment", d.augment());
    let seed = q.int64("c_seed", d.seed, 0, u64::MAX);
    let max_train = q.int("c_max_train", d.max_train, 0, 1_000_000);
    let max_test = q.int("c_max_test", d.max_test, 0, 1_000_000);
    // The trainer takes [0, 0.5].
    let val_fraction = q.float("c_val_fraction", d.val_fraction, 0.0, 0.5);
    let cats_dogs = q.choice("c_data", &CIFAR_DATA, CIFAR_DATA[0]) == CIFAR_DATA[1];
    CifarLink {
        config: CifarTrainConfig {
            model,
            width,
            epochs,
            batch_size,
            lr,
            schedule: LrSchedule::cosine(cosine),
            warmup_epochs,
            label_smoothing,
            weight_decay,
            crop: augment,
            flip: augment,
            seed,
            max_train,
            max_test,
            val_fraction,
            ..d
        },
        cats_dogs,
    }
}

/// The link parameters [`read_cifar`] reads.
pub fn cifar_pairs(l: &CifarLink) -> Vec<(&'static str, String)> {
    let b = |v: bool| if v { "1" } else { "0" }.to_string();
    let s = &l.config;
    vec![
        ("c_model", s.model.id().to_string()),
        ("c_width", s.width.to_string()),
        ("c_epochs", s.epochs.to_string()),
        ("c_batch", s.batch_size.to_string()),
        ("c_lr", s.lr.to_string()),
        ("c_cosine", b(s.schedule == LrSchedule::Cosine)),
        ("c_warmup", s.warmup_epochs.to_string()),
        ("c_smoothing", s.label_smoothing.to_string()),
        ("c_wd", s.weight_decay.to_string()),
        ("c_augment", b(s.augment())),
        ("c_seed", s.seed.to_string()),
        ("c_max_train", s.max_train.to_string()),
        ("c_max_test", s.max_test.to_string()),
        ("c_val_fraction", s.val_fraction.to_string()),
        ("c_data", CIFAR_DATA[l.cats_dogs as usize].to_string()),
    ]
}

/// The Hyperspectral lab's map views a link can name (`view`): every pixel, the labelled
/// pixels only, the errors in red. The first is the default.
pub const HSI_VIEWS: [&str; 3] = ["all", "labelled", "errors"];

/// The band shown when a link names none.
pub const HSI_BAND: usize = 100;

/// What a Hyperspectral lab link restores: the training form, and the view (band, colour
/// map, map view, whether to show the pretrained map). Settings only: a link never carries
/// a scene or weights.
#[derive(Debug, Clone, PartialEq)]
pub struct HsiLink {
    pub settings: HsiTrainConfig,
    pub band: usize,
    pub grey: bool,
    /// One of [`HSI_VIEWS`].
    pub view: String,
    /// Show the pretrained map as soon as the bundled scene is in.
    pub pretrained: bool,
}

impl Default for HsiLink {
    fn default() -> Self {
        Self {
            settings: HsiTrainConfig::default(),
            band: HSI_BAND,
            grey: false,
            view: HSI_VIEWS[0].into(),
            pretrained: false,
        }
    }
}

/// The Hyperspectral lab's form and view from a link (its parameters have no prefix: it was
/// the first lab). Settings a link cannot carry (`val_every`, `cosine`, …) keep their defaults.
pub fn read_hsi(q: &mut Query) -> HsiLink {
    let d = HsiTrainConfig::default();
    let pca = q.int("pca", d.pca, 13, 200);
    let patch = q.odd("patch", d.patch, 9, 41);
    let train_fraction = q.float("fraction", d.train_fraction, 0.001, 0.95);
    let seed = q.int("seed", d.seed as usize, 0, u32::MAX as usize) as u64;
    let spatial = q.flag("spatial", d.spatial);
    let ids: Vec<&str> = Guard::ALL.iter().map(|g| g.id()).collect();
    let guard = Guard::from_id(&q.choice("guard", &ids, d.guard.id())).unwrap_or(d.guard);
    let val_fraction = q.float("val_fraction", d.val_fraction, 0.0, 0.5);
    let epochs = q.int("epochs", d.epochs, 1, 500);
    let batch_size = q.int("batch", d.batch_size, 1, 256);
    let lr = q.float("lr", d.lr, 1e-6, 1.0);
    let batch_norm = !q.flag("paper", !d.batch_norm);
    let max_train = q.int("max_train", d.max_train, 0, 1_000_000);
    let augment = q.flag("augment", d.augment);
    let min_per_class = q.int("min_per_class", d.min_per_class, 0, 10_000);
    HsiLink {
        settings: HsiTrainConfig {
            pca,
            patch,
            train_fraction,
            val_fraction,
            spatial,
            guard,
            seed,
            epochs,
            batch_size,
            lr,
            batch_norm,
            max_train,
            augment,
            min_per_class,
            ..d
        },
        band: q.int("band", HSI_BAND, 0, 10_000),
        grey: q.flag("grey", false),
        view: q.choice("view", &HSI_VIEWS, HSI_VIEWS[0]),
        pretrained: q.flag("pretrained", false),
    }
}

/// The link parameters [`read_hsi`] reads, in the order links have always had them.
pub fn hsi_pairs(l: &HsiLink) -> Vec<(&'static str, String)> {
    let b = |v: bool| if v { "1" } else { "0" }.to_string();
    let s = &l.settings;
    vec![
        ("pca", s.pca.to_string()),
        ("patch", s.patch.to_string()),
        ("fraction", s.train_fraction.to_string()),
        ("seed", s.seed.to_string()),
        ("spatial", b(s.spatial)),
        ("guard", s.guard.id().into()),
        ("val_fraction", s.val_fraction.to_string()),
        ("epochs", s.epochs.to_string()),
        ("batch", s.batch_size.to_string()),
        ("lr", s.lr.to_string()),
        ("paper", b(!s.batch_norm)),
        ("max_train", s.max_train.to_string()),
        ("augment", b(s.augment)),
        ("min_per_class", s.min_per_class.to_string()),
        ("band", l.band.to_string()),
        ("grey", b(l.grey)),
        ("view", l.view.clone()),
        ("pretrained", b(l.pretrained)),
    ]
}

/// A CSV table (RFC 4180: fields with commas, quotes or line breaks are quoted).
pub fn csv(header: &[&str], rows: &[Vec<String>]) -> String {
    let field = |f: &str| {
        if f.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", f.replace('"', "\"\""))
        } else {
            f.to_string()
        }
    };
    let mut out = header
        .iter()
        .map(|h| field(h))
        .collect::<Vec<_>>()
        .join(",");
    out.push_str("\r\n");
    for r in rows {
        out.push_str(&r.iter().map(|f| field(f)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

/// A confusion matrix (`n × n`, rows true, columns predicted) as CSV with class names.
pub fn confusion_csv(names: &[String], confusion: &[u64], n: usize) -> String {
    let mut header = vec!["true \\ predicted".to_string()];
    header.extend((0..n).map(|j| {
        names
            .get(j)
            .cloned()
            .unwrap_or_else(|| format!("class {}", j + 1))
    }));
    let rows: Vec<Vec<String>> = (0..n)
        .map(|i| {
            let mut r = vec![header[i + 1].clone()];
            r.extend((0..n).map(|j| confusion.get(i * n + j).copied().unwrap_or(0).to_string()));
            r
        })
        .collect();
    let h: Vec<&str> = header.iter().map(String::as_str).collect();
    csv(&h, &rows)
}

/// The page a query names (`page=`; the last one when repeated), `"home"` when none.
pub fn page_id(raw: &str) -> String {
    Query::parse(raw)
        .get("page")
        .unwrap_or(HOME_PAGE)
        .to_string()
}

/// The id of the page a URL without `page=` shows.
pub const HOME_PAGE: &str = "home";

/// `raw` (a query such as `?page=conv&cin=32`) with its page set to `id`: `page=` first (none
/// for the home page), every other parameter kept as it was written. What the address bar
/// shows after moving between pages, so Back, Forward and reload keep the page.
pub fn with_page(raw: &str, id: &str) -> String {
    let raw = raw.strip_prefix('?').unwrap_or(raw);
    let mut parts: Vec<String> = Vec::new();
    if id != HOME_PAGE {
        parts.push(format!("page={}", percent_encode(id)));
    }
    parts.extend(
        raw.split('&')
            .filter(|p| !p.is_empty())
            .filter(|p| percent_decode(p.split_once('=').map_or(*p, |(k, _)| k)) != "page")
            .map(str::to_string),
    );
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// Writes `(key, value)` pairs as a query string (`?a=1&b=x%20y`).
pub fn to_query(pairs: &[(&str, String)]) -> String {
    let body: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect();
    format!("?{}", body.join("&"))
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b',') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moving_between_pages_rewrites_only_the_page() {
        assert_eq!(with_page("", "conv"), "?page=conv");
        assert_eq!(with_page("?page=conv", "home"), "");
        assert_eq!(
            with_page("?cin=32&page=conv&k=5&page=x", "cifar"),
            "?page=cifar&cin=32&k=5"
        );
        assert_eq!(
            with_page("?presenter=1&view=a%20b", "home"),
            "?presenter=1&view=a%20b"
        );
        // An encoded key is still the page parameter.
        assert_eq!(with_page("?%70age=conv", "runs"), "?page=runs");
        for (raw, id) in [("", "home"), ("?page=cifar&x=1", "cifar"), ("?x=1", "home")] {
            assert_eq!(page_id(raw), id);
            assert_eq!(page_id(&with_page(raw, "models")), "models");
            assert_eq!(page_id(&with_page(raw, "home")), "home");
        }
    }

    #[test]
    fn good_values_are_read_and_bad_ones_fall_back_with_a_notice() {
        let mut q =
            Query::parse("?pca=20&patch=24&lr=abc&spatial=1&view=<script>&seed=7&fraction=2");
        assert_eq!(q.int("pca", 30, 13, 200), 20);
        assert_eq!(q.odd("patch", 25, 9, 41), 25);
        assert_eq!(q.float("lr", 1e-3, 1e-6, 1.0), 1e-3);
        assert!(q.flag("spatial", false));
        assert_eq!(
            q.choice("view", &["all", "labelled", "errors"], "all"),
            "all"
        );
        assert_eq!(q.int("seed", 0, 0, u32::MAX as usize), 7);
        assert_eq!(q.float("fraction", 0.1, 0.001, 0.9), 0.1);
        assert_eq!(q.int("absent", 5, 0, 9), 5);
        assert_eq!(q.notices.len(), 4, "{:?}", q.notices);
        assert!(q.notices[0].contains("patch") && q.notices[0].contains("odd"));
        assert!(q.notices[1].contains("not a number"));
        assert!(q.notices[2].contains("<script>") && q.notices[2].contains("not one of"));
        assert!(q.notices[3].contains("between 0.001 and 0.9"));
    }

    #[test]
    fn hostile_values_never_panic_and_are_cut_short() {
        let long = "x".repeat(10_000);
        let raw = format!("?a={long}&b=%&c=%zz&d=%E2%82&e=1e999&f=-1&g=NaN&=&&h");
        let mut q = Query::parse(&raw);
        assert_eq!(q.int("a", 1, 0, 9), 1);
        assert!(q.notices[0].len() < 120, "{}", q.notices[0]);
        assert_eq!(q.int("b", 2, 0, 9), 2);
        assert_eq!(q.int("c", 3, 0, 9), 3);
        assert_eq!(q.choice("d", &["x"], "x"), "x");
        assert_eq!(q.float("e", 0.5, 0.0, 1.0), 0.5);
        assert_eq!(q.int("f", 4, 0, 9), 4);
        assert_eq!(q.float("g", 0.5, 0.0, 1.0), 0.5);
        assert!(!q.flag("h", false));
        assert_eq!(q.notices.len(), 8, "{:?}", q.notices);
    }

    #[test]
    fn seeds_take_the_whole_u64_range_and_huge_numbers_are_out_of_range() {
        let mut q = Query::parse(
            "?a=18446744073709551615&b=18446744073709551616&c=-3&d=7&e=99999999999999999999",
        );
        assert_eq!(q.int64("a", 0, 0, u64::MAX), u64::MAX);
        assert_eq!(q.int64("b", 1, 0, u64::MAX), 1);
        assert_eq!(q.int64("c", 2, 0, u64::MAX), 2);
        assert_eq!(q.int64("d", 0, 0, 5), 0);
        assert_eq!(q.int("e", 4, 0, 9), 4);
        assert_eq!(q.notices.len(), 4, "{:?}", q.notices);
        assert!(q.notices[0].contains("not between 0 and 18446744073709551615"));
        assert!(
            q.notices[1].contains("not a whole number"),
            "{}",
            q.notices[1]
        );
        assert!(q.notices[2].contains("not between 0 and 5"));
        assert!(
            q.notices[3].contains("not between 0 and 9"),
            "{}",
            q.notices[3]
        );
    }

    #[test]
    fn conv_links_read_back_and_refuse_what_the_calculator_refuses() {
        let spec = ConvSpec {
            in_channels: 32,
            out_channels: 64,
            kernel: 5,
            height: 16,
            width: 24,
            stride: 2,
            padding: 2,
            groups: 8,
        };
        let mut q = Query::parse(&to_query(&conv_spec_pairs(&spec)));
        assert_eq!(read_conv_spec(&mut q), spec);
        assert!(q.notices.is_empty(), "{:?}", q.notices);

        // One value out of range: that value only falls back.
        let mut q = Query::parse("?cin=32&k=99");
        let s = read_conv_spec(&mut q);
        assert_eq!((s.in_channels, s.kernel), (32, 3));
        assert_eq!(q.notices.len(), 1);
        assert!(q.notices[0].contains("Ignored k=\"99\"") && q.notices[0].contains("using 3"));

        // Each in range, together refused: the whole calculator falls back.
        for raw in [
            "?k=3&pad=5&cin=16",
            "?cin=6&cout=9&groups=2",
            "?k=15&h=4&w=4&pad=1",
        ] {
            let mut q = Query::parse(raw);
            assert_eq!(read_conv_spec(&mut q), ConvSpec::default(), "{raw}");
            assert_eq!(q.notices.len(), 1, "{raw}: {:?}", q.notices);
            assert!(q.notices[0].starts_with("Ignored the calculator settings"));
        }
        let mut q = Query::parse("?k=3&pad=5");
        read_conv_spec(&mut q);
        assert!(q.notices[0].contains("padding 5 must be smaller than the kernel (3)"));
    }

    #[test]
    fn cifar_links_read_back_and_bad_values_fall_back() {
        let s = CifarLink {
            config: CifarTrainConfig {
                model: ModelKind::PlainCnn,
                width: 0.75,
                epochs: 3,
                batch_size: 16,
                lr: 5e-4,
                schedule: LrSchedule::Constant,
                warmup_epochs: 2,
                label_smoothing: 0.05,
                weight_decay: 1e-3,
                crop: false,
                flip: false,
                seed: u64::MAX,
                max_train: 300,
                max_test: 100,
                val_fraction: 0.2,
                ..CifarTrainConfig::lab()
            },
            cats_dogs: true,
        };
        let mut q = Query::parse(&to_query(&cifar_pairs(&s)));
        assert_eq!(q.get("c_data"), Some("cats-dogs"));
        assert_eq!(read_cifar(&mut q), s);
        assert!(q.notices.is_empty(), "{:?}", q.notices);
        assert_eq!(q.get("c_smoothing"), Some("0.05"));
        assert_eq!(q.get("c_lr"), Some("0.0005"));

        let mut q = Query::parse(
            "?c_model=resnet&c_width=9&c_epochs=0&c_seed=-1&c_smoothing=1&c_augment=maybe&seed=5&c_data=dogs&c_val_fraction=0.9",
        );
        assert_eq!(read_cifar(&mut q), CifarLink::default());
        assert_eq!(q.notices.len(), 8, "{:?}", q.notices);
        assert!(q.notices[0].contains("c_model") && q.notices[0].contains("not one of"));
        // Defaults are worded as they were typed.
        assert!(q.notices[3].ends_with("using 0.1."), "{}", q.notices[3]);
    }

    #[test]
    fn hsi_links_read_back_and_bad_values_fall_back() {
        let l = HsiLink {
            settings: HsiTrainConfig {
                pca: 20,
                patch: 11,
                train_fraction: 0.25,
                val_fraction: 0.2,
                spatial: true,
                guard: Guard::LabelsApart,
                seed: u32::MAX as u64,
                epochs: 3,
                batch_size: 16,
                lr: 5e-4,
                batch_norm: false,
                max_train: 300,
                augment: true,
                min_per_class: 40,
                ..HsiTrainConfig::default()
            },
            band: 42,
            grey: true,
            view: "errors".into(),
            pretrained: true,
        };
        let mut q = Query::parse(&to_query(&hsi_pairs(&l)));
        assert_eq!(read_hsi(&mut q), l);
        assert!(q.notices.is_empty(), "{:?}", q.notices);
        assert_eq!(q.get("paper"), Some("1"));
        assert_eq!(q.get("guard"), Some("labels-apart"));
        assert_eq!(q.get("lr"), Some("0.0005"));

        // The defaults write the parameters links have always had, in the same order.
        let keys: Vec<&str> = hsi_pairs(&HsiLink::default()).iter().map(|p| p.0).collect();
        assert_eq!(
            keys,
            [
                "pca",
                "patch",
                "fraction",
                "seed",
                "spatial",
                "guard",
                "val_fraction",
                "epochs",
                "batch",
                "lr",
                "paper",
                "max_train",
                "augment",
                "min_per_class",
                "band",
                "grey",
                "view",
                "pretrained"
            ]
        );
        let mut q = Query::parse(&to_query(&hsi_pairs(&HsiLink::default())));
        assert_eq!(read_hsi(&mut q), HsiLink::default());

        // Each bad value falls back alone, with a notice, in the order the form reads them.
        let mut q = Query::parse(
            "?pca=12&patch=24&fraction=1&seed=-1&guard=wide&val_fraction=0.9&epochs=0&batch=x\
             &lr=2&paper=maybe&max_train=1000001&min_per_class=-3&band=10001&grey=2&view=<b>\
             &pretrained=yes&c_epochs=3",
        );
        let got = read_hsi(&mut q);
        let want = HsiLink {
            pretrained: true,
            ..HsiLink::default()
        };
        assert_eq!(got, want);
        assert_eq!(q.notices.len(), 15, "{:?}", q.notices);
        assert!(q.notices[0].contains("pca") && q.notices[0].contains("between 13 and 200"));
        assert!(q.notices[1].contains("patch") && q.notices[1].contains("must be odd"));
        assert!(q.notices[3].contains("seed") && q.notices[3].contains("not a whole number"));
        assert!(q.notices[4].contains("guard") && q.notices[4].contains("labels-apart"));
        assert!(q.notices[9].contains("paper") && q.notices[9].contains("use 1 or 0"));
        assert!(q.notices[14].contains("<b>") && q.notices[14].contains("not one of"));
        // Seeds stay within what a 32-bit browser `usize` holds.
        let mut q = Query::parse("?seed=4294967296");
        assert_eq!(read_hsi(&mut q).settings.seed, 0);
        assert_eq!(q.notices.len(), 1);
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let t = csv(&["a", "b,c"], &[vec!["1".into(), "say \"hi\"".into()]]);
        assert_eq!(t, "a,\"b,c\"\r\n1,\"say \"\"hi\"\"\"\r\n");
        let names = vec!["Corn, notill".to_string(), "Oats".to_string()];
        let c = confusion_csv(&names, &[5, 1, 0, 7], 2);
        let lines: Vec<&str> = c.lines().collect();
        assert_eq!(lines[0], "true \\ predicted,\"Corn, notill\",Oats");
        assert_eq!(lines[1], "\"Corn, notill\",5,1");
        assert_eq!(lines[2], "Oats,0,7");
    }

    #[test]
    fn written_links_read_back_to_the_same_values() {
        let pairs = [
            ("page", "hyperspectral".to_string()),
            ("lr", "0.0005".to_string()),
            ("name", "a b&c=d/é".to_string()),
        ];
        let link = to_query(&pairs);
        let q = Query::parse(&link);
        for (k, v) in pairs {
            assert_eq!(q.get(k), Some(v.as_str()));
        }
    }
}
