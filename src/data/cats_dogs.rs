//! Cats and dogs (the seed's second experiment): 200 + 200 Kaggle "Dogs vs. Cats" photos
//! (Asirra, Elson et al. 2007) of varied sizes, shipped as the original JPEG bytes in one
//! archive and decoded and resized to the CIFAR models' 32×32 input in the app.
//!
//! Labels are CIFAR-10's own `cat` (3) and `dog` (5), so the same models, metrics and shipped
//! weights apply. The split is fixed: of each class, every fifth photo (by file number) is a
//! test photo: 160 + 160 training and 40 + 40 test photos.
//!
//! Archive layout: `CONVLAB-JPEGS\n`, u32 LE count, then per photo: u8 label, u16 LE name
//! length, the name (UTF-8), u32 LE byte length, the JPEG bytes.

use super::CifarSet;
use super::cifar::CIFAR_IMAGE;
use super::cifar_pack::CifarBundle;
use super::error::DataError;
use super::picture::Picture;

pub const MAGIC: &[u8] = b"CONVLAB-JPEGS\n";
/// CIFAR-10 labels of the two classes.
pub const CAT: u8 = 3;
pub const DOG: u8 = 5;
/// Photos in the archive at most (a corrupt count is refused before allocating).
pub const MAX_PHOTOS: usize = 10_000;
/// The bundled archive's file name in `public/data/`.
pub const CATS_DOGS_FILE: &str = "cats_dogs.cljp";

/// One photo of the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    pub name: String,
    pub label: u8,
    pub jpeg: Vec<u8>,
}

/// The label of a Kaggle file name (`cat.12.jpg` → cat, `dog.3.jpg` → dog) and its number.
pub fn label_of(name: &str) -> Option<(u8, usize)> {
    let mut parts = name.split('.');
    let label = match parts.next()? {
        "cat" => CAT,
        "dog" => DOG,
        _ => return None,
    };
    let n = parts.next()?.parse().ok()?;
    Some((label, n))
}

pub fn pack(photos: &[Photo]) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&(photos.len() as u32).to_le_bytes());
    for p in photos {
        out.push(p.label);
        out.extend_from_slice(&(p.name.len() as u16).to_le_bytes());
        out.extend_from_slice(p.name.as_bytes());
        out.extend_from_slice(&(p.jpeg.len() as u32).to_le_bytes());
        out.extend_from_slice(&p.jpeg);
    }
    out
}

fn take<'a>(bytes: &'a [u8], at: &mut usize, n: usize) -> Result<&'a [u8], DataError> {
    let end = at
        .checked_add(n)
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| DataError::BadPhotos("the archive is cut short".into()))?;
    let s = &bytes[*at..end];
    *at = end;
    Ok(s)
}

pub fn unpack(bytes: &[u8]) -> Result<Vec<Photo>, DataError> {
    if bytes.is_empty() {
        return Err(DataError::Empty);
    }
    if !bytes.starts_with(MAGIC) {
        return Err(DataError::BadPhotos(
            "this is not a convlab cats and dogs archive".into(),
        ));
    }
    let mut at = MAGIC.len();
    let count = u32::from_le_bytes(take(bytes, &mut at, 4)?.try_into().expect("4 bytes")) as usize;
    if count > MAX_PHOTOS {
        return Err(DataError::BadPhotos(format!(
            "the archive claims {count} photos (at most {MAX_PHOTOS})"
        )));
    }
    let mut photos = Vec::with_capacity(count);
    for _ in 0..count {
        let label = take(bytes, &mut at, 1)?[0];
        if label != CAT && label != DOG {
            return Err(DataError::BadPhotos(format!(
                "photo {} has label {label}, neither cat ({CAT}) nor dog ({DOG})",
                photos.len() + 1
            )));
        }
        let n = u16::from_le_bytes(take(bytes, &mut at, 2)?.try_into().expect("2 bytes")) as usize;
        let name = String::from_utf8_lossy(take(bytes, &mut at, n)?).into_owned();
        let len =
            u32::from_le_bytes(take(bytes, &mut at, 4)?.try_into().expect("4 bytes")) as usize;
        let jpeg = take(bytes, &mut at, len)?.to_vec();
        photos.push(Photo { name, label, jpeg });
    }
    if at != bytes.len() {
        return Err(DataError::BadPhotos(
            "the archive has bytes after its last photo".into(),
        ));
    }
    Ok(photos)
}

/// True for the photos of the fixed test split (every fifth by file number).
pub fn is_test(name: &str) -> bool {
    label_of(name).is_some_and(|(_, n)| n % 5 == 4)
}

/// Decodes every photo, crops its centred square and resizes it to 32×32 (area average),
/// and splits them: the CIFAR models' input. `progress(done, total)` is called per photo.
/// (The worker has the browser decode each photo and calls [`add_photo`] itself.)
#[cfg(not(target_arch = "wasm32"))]
pub fn to_bundle(
    photos: &[Photo],
    mut progress: impl FnMut(usize, usize),
) -> Result<CifarBundle, DataError> {
    let mut bundle = CifarBundle::default();
    for (i, p) in photos.iter().enumerate() {
        let pic = super::picture::decode_picture(&p.name, &p.jpeg)
            .map_err(|e| DataError::BadPhotos(e.to_string()))?;
        add_photo(&mut bundle, p, &pic);
        progress(i + 1, photos.len());
    }
    Ok(bundle)
}

/// Adds `photo`, decoded as `pic`, to the bundle: its centred square resized to 32×32 (area
/// average), to the test or the training set by its file number.
pub fn add_photo(bundle: &mut CifarBundle, photo: &Photo, pic: &Picture) {
    let chw = pic.square(32).to_chw();
    let bytes: Vec<u8> = chw.iter().map(|v| (v * 255.0).round() as u8).collect();
    debug_assert_eq!(bytes.len(), CIFAR_IMAGE);
    let set: &mut CifarSet = if is_test(&photo.name) {
        &mut bundle.test
    } else {
        &mut bundle.train
    };
    set.images.extend_from_slice(&bytes);
    set.labels.push(photo.label);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared() -> Option<Vec<Photo>> {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/data/cats_dogs/train"
        );
        let mut photos = Vec::new();
        for e in std::fs::read_dir(dir).ok()? {
            let path = e.ok()?.path();
            let name = path.file_name()?.to_str()?.to_string();
            let (label, _) = label_of(&name)?;
            photos.push(Photo {
                jpeg: std::fs::read(&path).ok()?,
                name,
                label,
            });
        }
        Some(photos)
    }

    #[test]
    fn the_bundled_archive_holds_the_shared_photos_byte_for_byte() {
        let path = format!(
            "{}/public/data/{CATS_DOGS_FILE}",
            env!("CARGO_MANIFEST_DIR")
        );
        let photos = unpack(&std::fs::read(path).unwrap()).unwrap();
        assert_eq!(photos.len(), 400);
        assert_eq!(photos.iter().filter(|p| p.label == CAT).count(), 200);
        if let Some(src) = shared() {
            for s in &src {
                let p = photos.iter().find(|p| p.name == s.name).unwrap();
                assert_eq!((p.label, &p.jpeg), (s.label, &s.jpeg), "{}", s.name);
            }
        }
        let mut seen = 0;
        let bundle = to_bundle(&photos[..20], |done, total| {
            seen = done;
            assert_eq!(total, 20);
        })
        .unwrap();
        assert_eq!(seen, 20);
        assert_eq!(bundle.train.len() + bundle.test.len(), 20);
        assert_eq!(bundle.train.images.len(), bundle.train.len() * CIFAR_IMAGE);
    }

    #[test]
    fn split_and_labels() {
        assert_eq!(label_of("cat.12.jpg"), Some((CAT, 12)));
        assert_eq!(label_of("dog.4.jpg"), Some((DOG, 4)));
        assert_eq!(label_of("bird.1.jpg"), None);
        assert!(is_test("dog.4.jpg") && is_test("cat.199.jpg") && !is_test("cat.0.jpg"));
        let test = (0..200)
            .filter(|n| is_test(&format!("cat.{n}.jpg")))
            .count();
        assert_eq!(test, 40);
    }

    #[test]
    fn bad_archives_are_refused_in_words() {
        let p = Photo {
            name: "cat.1.jpg".into(),
            label: CAT,
            jpeg: vec![1, 2, 3],
        };
        let good = pack(std::slice::from_ref(&p));
        assert_eq!(unpack(&good).unwrap(), vec![p]);
        assert!(unpack(&[]).is_err());
        assert!(unpack(b"hello").is_err());
        for cut in 0..good.len() {
            assert!(unpack(&good[..cut]).is_err(), "cut at {cut}");
        }
        let mut bad = good.clone();
        bad[MAGIC.len() + 4] = 9;
        assert!(unpack(&bad).unwrap_err().to_string().contains("label 9"));
        let mut many = good.clone();
        many[MAGIC.len()..MAGIC.len() + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(unpack(&many).is_err());
        // A photo that is not a JPEG fails decoding with its name.
        let e = to_bundle(&unpack(&good).unwrap(), |_, _| {}).unwrap_err();
        assert!(e.to_string().contains("cat.1.jpg"), "{e}");
    }
}
