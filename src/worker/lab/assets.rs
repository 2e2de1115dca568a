//! What the Conv lab and the walkthrough fetch once and share: the bundled sample pictures,
//! the visitor's uploaded picture, and the shipped CIFAR-10 weights files (MobileNetV1's
//! serves both the Conv lab's trained kernels and the walkthrough).

use crate::data::picture::{
    CATS_DOGS_STRIP, CIFAR_STRIP, Picture, SampleStrip, sample_list, split_strip,
};
use crate::messages::Job;
use crate::worker::WorkerError;
use crate::worker::fetch::fetch_bytes;
use crate::worker::picture::decode_picture;

/// Side uploads are cropped and resized to.
pub const UPLOAD_SIDE: usize = 64;

#[derive(Default)]
pub struct Assets {
    cifar: Option<Vec<Picture>>,
    cats_dogs: Option<Vec<Picture>>,
    upload: Option<(String, Picture)>,
    /// Shipped CIFAR-10 weights files fetched so far, by name.
    shipped: Vec<(&'static str, Vec<u8>)>,
}

async fn strip(s: &SampleStrip) -> Result<Vec<Picture>, WorkerError> {
    let bytes = fetch_bytes(&format!("./public/data/conv_samples/{}", s.file), Job::Lab).await?;
    let pic = decode_picture(s.file, &bytes).await?;
    Ok(split_strip(&pic, s)?)
}

impl Assets {
    /// A shipped weights file of `public/weights/`, fetched once.
    pub async fn shipped_weights(&mut self, file: &'static str) -> Result<Vec<u8>, WorkerError> {
        if let Some((_, bytes)) = self.shipped.iter().find(|(f, _)| *f == file) {
            return Ok(bytes.clone());
        }
        let bytes = fetch_bytes(&format!("./public/weights/{file}"), Job::Lab).await?;
        self.shipped.push((file, bytes.clone()));
        Ok(bytes)
    }

    /// Decodes an uploaded picture (PNG or JPEG), which becomes the `upload` sample.
    pub async fn set_upload(&mut self, name: &str, bytes: &[u8]) -> Result<(), WorkerError> {
        let pic = decode_picture(name, bytes).await?;
        self.upload = Some((
            format!("your picture {name} ({}×{})", pic.width, pic.height),
            pic.square(UPLOAD_SIDE),
        ));
        Ok(())
    }

    /// A sample picture by id (`cifar-0` … `catdog-3`, `upload`) and its label in words.
    pub async fn picture(&mut self, id: &str) -> Result<(String, Picture), WorkerError> {
        let label = || {
            sample_list()
                .into_iter()
                .find(|(i, _)| i == id)
                .map(|(_, l)| l)
                .unwrap_or_default()
        };
        let strips = [
            ("cifar-", &CIFAR_STRIP, &mut self.cifar),
            ("catdog-", &CATS_DOGS_STRIP, &mut self.cats_dogs),
        ];
        for (prefix, sheet, pictures) in strips {
            let Some(i) = id
                .strip_prefix(prefix)
                .and_then(|v| v.parse::<usize>().ok())
            else {
                continue;
            };
            if pictures.is_none() {
                *pictures = Some(strip(sheet).await?);
            }
            if let Some(p) = pictures.as_ref().and_then(|v| v.get(i)) {
                return Ok((label(), p.clone()));
            }
        }
        if id == "upload" {
            return self
                .upload
                .clone()
                .ok_or_else(|| "Upload a picture first (PNG or JPEG).".into());
        }
        Err(WorkerError::Message(format!("unknown sample '{id}'")))
    }
}
