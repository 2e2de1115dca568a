//! `convlab pack-samples`: builds the conv lab's bundled pictures from ../shared/data.

use std::path::Path;

use convlab::data::picture::{
    CATS_DOGS_FILES, CATS_DOGS_STRIP, CIFAR_STRIP, Picture, convnetjs_image, decode_picture,
    join_strip,
};
use convlab::viz::{Rgba, encode_png};

use super::Opts;

fn read(path: &Path) -> Result<Picture, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    decode_picture(&path.display().to_string(), &bytes).map_err(|e| e.to_string())
}

fn write(strip: &Picture, path: &Path) -> Result<(), String> {
    let img = Rgba::from_pixels(strip.width as u32, strip.height as u32, strip.to_rgba())
        .map_err(|e| e.to_string())?;
    std::fs::write(path, encode_png(&img)).map_err(|e| format!("{}: {e}", path.display()))?;
    println!(
        "wrote {} ({}×{})",
        path.display(),
        strip.width,
        strip.height
    );
    Ok(())
}

pub fn run(opts: &Opts) -> Result<(), String> {
    opts.only(&["src", "out"])?;
    let src = Path::new(opts.get("src").unwrap_or("../shared/data"));
    let out = Path::new(opts.get("out").unwrap_or("public/data/conv_samples"));
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;

    let batch = read(&src.join("cifar10/convnetjs_batches/cifar10_batch_50.png"))?;
    let cifar: Vec<Picture> = (0..CIFAR_STRIP.names.len())
        .map(|i| convnetjs_image(&batch, i).ok_or("the CIFAR-10 test batch is too small"))
        .collect::<Result<_, _>>()?;
    write(&join_strip(&cifar), &out.join(CIFAR_STRIP.file))?;

    let pets: Vec<Picture> = CATS_DOGS_FILES
        .iter()
        .map(|f| read(&src.join("cats_dogs/train").join(f)).map(|p| p.square(CATS_DOGS_STRIP.side)))
        .collect::<Result<_, _>>()?;
    write(&join_strip(&pets), &out.join(CATS_DOGS_STRIP.file))?;
    Ok(())
}

/// `convlab pack-cats-dogs`: the 400 photos of `../shared/data/cats_dogs/train`, byte for
/// byte, in one archive (`public/data/cats_dogs.cljp`), in file-number order.
pub fn pack_cats_dogs(opts: &Opts) -> Result<(), String> {
    use convlab::data::cats_dogs::{CATS_DOGS_FILE, Photo, label_of, pack};
    opts.only(&["src", "out"])?;
    let src = Path::new(opts.get("src").unwrap_or("../shared/data/cats_dogs/train"));
    let default_out = format!("public/data/{CATS_DOGS_FILE}");
    let out = Path::new(opts.get("out").unwrap_or(&default_out));
    let mut photos = Vec::new();
    for entry in std::fs::read_dir(src).map_err(|e| format!("{}: {e}", src.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
        else {
            continue;
        };
        let Some((label, n)) = label_of(&name) else {
            continue;
        };
        let jpeg = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        photos.push((label, n, Photo { name, label, jpeg }));
    }
    photos.sort_by_key(|(l, n, _)| (*l, *n));
    let photos: Vec<Photo> = photos.into_iter().map(|(_, _, p)| p).collect();
    let bytes = pack(&photos);
    std::fs::write(out, &bytes).map_err(|e| format!("{}: {e}", out.display()))?;
    println!(
        "wrote {} ({} photos, {:.1} MB)",
        out.display(),
        photos.len(),
        bytes.len() as f64 / 1e6
    );
    Ok(())
}
