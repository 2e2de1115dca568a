//! `convlab pictures`: the home page's three pictures, made from the shipped files (the
//! pretrained HybridSN map, feature maps of the conv lab's trained kernels, the CIFAR-10
//! comparison), so the home page shows what each lab really shows.

use burn::tensor::Device;
use convlab::data::picture::{CIFAR_STRIP, decode_picture, split_strip};
use convlab::data::weights_file::read_header;
use convlab::lab::conv::{
    Kernels, TRAINED_KERNELS_FILE, centre_channels, feature_maps, first_layer,
};
use convlab::train::NativeHost;
use convlab::train::cifar::SHIPPED_FILES;
use convlab::train::hsi::{load_hybridsn, prepare, scene_map};
use convlab::viz;
use convlab::viz::chart::Series;
use convlab::viz::image::Rgba;

use super::Opts;

/// Where the pictures go by default (the app serves them from `./public/home/`).
const DEFAULT_OUT: &str = "public/home";
/// The CIFAR-10 test picture the conv lab's feature maps are shown for (a ship).
const CONV_PICTURE: usize = 1;

fn public(path: &str) -> String {
    format!("{}/public/{path}", env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))
}

fn write(dir: &str, name: &str, img: &Rgba) -> Result<(), String> {
    let path = format!("{dir}/{name}");
    let png = viz::png::encode_png(img);
    std::fs::write(&path, &png).map_err(|e| format!("cannot write {path}: {e}"))?;
    println!("{path}: {}×{}, {} bytes", img.width, img.height, png.len());
    Ok(())
}

pub fn run(opts: &Opts) -> Result<(), String> {
    opts.only(&["out"])?;
    let out = opts.get("out").unwrap_or(DEFAULT_OUT);
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {out}: {e}"))?;
    let device = Device::flex();
    write(out, "hyperspectral.png", &hyperspectral(&device)?)?;
    write(out, "conv.png", &conv(&device)?)?;
    write(out, "cifar.png", &cifar()?)
}

/// The shipped HybridSN's classification map of the whole bundled scene.
fn hyperspectral(device: &Device) -> Result<Rgba, String> {
    let scene = convlab::data::load::indian_pines(&read(&super::hsi::bundled_path())?)
        .map_err(|e| e.to_string())?;
    let (model, cfg) = load_hybridsn(&read(&public("weights/hybridsn.clw"))?, device)?;
    let prep = prepare(&scene, &cfg)?;
    let mut host = NativeHost::new(|_| {});
    let map = pollster::block_on(scene_map(&mut host, &model, &prep, false))?;
    let img = viz::palette::labels_to_rgba(&map, scene.width as u32, scene.height as u32);
    Ok(img.scale_nearest(2))
}

/// A CIFAR-10 test picture and the eight feature maps of the shipped MobileNetV1's first layer.
fn conv(device: &Device) -> Result<Rgba, String> {
    let strip = decode_picture(
        "strip",
        &read(&public(&format!("data/conv_samples/{}", CIFAR_STRIP.file)))?,
    )
    .map_err(|e| e.to_string())?;
    let picture = split_strip(&strip, &CIFAR_STRIP)
        .map_err(|e| e.to_string())?
        .swap_remove(CONV_PICTURE);
    let (_, stem, n) = first_layer(&read(&public(&format!("weights/{TRAINED_KERNELS_FILE}")))?)?;
    let (kernels, _) = Kernels::trained(stem, n)?;
    let mut chw = picture.to_chw();
    centre_channels(&mut chw, 3);
    let side = picture.width;
    let maps = pollster::block_on(feature_maps(device, &chw, side, side, &kernels, || 0.0))?;
    let input = Rgba {
        width: side as u32,
        height: side as u32,
        pixels: picture.to_rgba(),
    };
    let plane = side * side;
    let tiles: Vec<Rgba> = maps
        .standard
        .chunks_exact(plane)
        .map(|m| viz::colormap::diverging_to_rgba(m, side as u32, side as u32, 0.0))
        .collect();
    let mut all: Vec<(&str, &Rgba)> = vec![("", &input)];
    all.extend(tiles.iter().map(|t| ("", t)));
    Ok(viz::figure::grid_figure(&all, 3, 3, ""))
}

/// The shipped CIFAR-10 models' test accuracy per epoch.
fn cifar() -> Result<Rgba, String> {
    const COLOURS: [[u8; 3]; 3] = [[0, 90, 181], [220, 50, 32], [0, 150, 70]];
    let mut series = Vec::new();
    for (i, (_, file)) in SHIPPED_FILES.iter().enumerate() {
        let (header, _) = read_header(&read(&public(&format!("weights/{file}")))?)?;
        let points = header.metrics["history"]
            .as_array()
            .map(|h| {
                h.iter()
                    .filter_map(|e| Some((e["epoch"].as_f64()?, e["test_acc"].as_f64()?)))
                    .collect()
            })
            .unwrap_or_default();
        series.push(Series {
            name: header.model.clone(),
            colour: COLOURS[i % COLOURS.len()],
            points,
        });
    }
    Ok(viz::chart::chart_figure(
        "CIFAR-10 test accuracy per epoch (1,000 test images)",
        &series,
        Some((0.0, 1.0)),
        "epoch",
        "accuracy",
        &[],
    ))
}
