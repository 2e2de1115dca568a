//! The [`Rgba`] raster: 8-bit RGBA pixels, row-major, no padding — exactly the layout of a
//! canvas `ImageData` and of an RGBA PNG scanline.
//!
//! All drawing is clipped to the image: coordinates outside it are ignored, never a panic.
//! The fields are public; if a caller builds an `Rgba` by hand whose `pixels` is shorter than
//! `width × height × 4`, pixels that would lie beyond the buffer are treated as absent
//! (reads give `None`, writes are dropped).

use super::{MAX_PIXELS, VizError};

/// An 8-bit RGBA image, row-major: pixel `(x, y)` is `pixels[4 * (y * width + x)..][..4]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rgba {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width × height × 4` bytes: R, G, B, A per pixel (straight, not premultiplied, alpha).
    pub pixels: Vec<u8>,
}

/// An opaque RGBA colour from an RGB triple.
pub const fn opaque(rgb: [u8; 3]) -> [u8; 4] {
    [rgb[0], rgb[1], rgb[2], 255]
}

/// Clamps a size so that `width × height ≤ MAX_PIXELS` (height shrinks first).
fn clamp_size(width: u32, height: u32) -> (u32, u32) {
    let (w, h) = (u64::from(width), u64::from(height));
    if w * h <= MAX_PIXELS {
        (width, height)
    } else if w > MAX_PIXELS {
        (MAX_PIXELS as u32, 1)
    } else {
        (width, (MAX_PIXELS / w) as u32)
    }
}

impl Rgba {
    /// A `width × height` image of transparent black.
    ///
    /// Never fails: if `width × height` exceeds [`MAX_PIXELS`] the image is clamped (the height
    /// first), so check `width`/`height` of the result or use [`Rgba::try_new`].
    pub fn new(width: u32, height: u32) -> Self {
        let (width, height) = clamp_size(width, height);
        Self {
            width,
            height,
            pixels: vec![0; width as usize * height as usize * 4],
        }
    }

    /// A `width × height` image filled with `colour`, clamped like [`Rgba::new`].
    pub fn filled(width: u32, height: u32, colour: [u8; 4]) -> Self {
        let mut img = Self::new(width, height);
        img.fill(colour);
        img
    }

    /// Like [`Rgba::new`] but returns [`VizError::BadSize`] instead of clamping.
    pub fn try_new(width: u32, height: u32) -> Result<Self, VizError> {
        if u64::from(width) * u64::from(height) > MAX_PIXELS {
            return Err(VizError::BadSize {
                width: width.into(),
                height: height.into(),
                max: MAX_PIXELS,
            });
        }
        Ok(Self::new(width, height))
    }

    /// Wraps an existing RGBA buffer; it must hold exactly `width × height × 4` bytes and the
    /// size must not exceed [`MAX_PIXELS`].
    pub fn from_pixels(width: u32, height: u32, pixels: Vec<u8>) -> Result<Self, VizError> {
        let n = u64::from(width) * u64::from(height);
        if n > MAX_PIXELS {
            return Err(VizError::BadSize {
                width: width.into(),
                height: height.into(),
                max: MAX_PIXELS,
            });
        }
        if pixels.len() as u64 != n * 4 {
            return Err(VizError::BufferLength {
                width,
                height,
                expected: n * 4,
                got: pixels.len(),
            });
        }
        Ok(Self {
            width,
            height,
            pixels,
        })
    }

    /// Byte offset of pixel `(x, y)`, if it lies inside the image and the buffer.
    fn offset(&self, x: u32, y: u32) -> Option<usize> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let i = (y as usize)
            .checked_mul(self.width as usize)?
            .checked_add(x as usize)?
            .checked_mul(4)?;
        (i.checked_add(4)? <= self.pixels.len()).then_some(i)
    }

    /// Number of complete rows actually present in `pixels` (≤ `height`).
    pub(crate) fn valid_rows(&self) -> u32 {
        if self.width == 0 {
            return self.height;
        }
        match (self.width as usize).checked_mul(4) {
            Some(row) => (self.pixels.len() / row).min(self.height as usize) as u32,
            None => 0,
        }
    }

    /// Sets every pixel to `colour`.
    pub fn fill(&mut self, colour: [u8; 4]) {
        for px in self.pixels.chunks_exact_mut(4) {
            px.copy_from_slice(&colour);
        }
    }

    /// The pixel at `(x, y)`, or `None` outside the image.
    pub fn get(&self, x: u32, y: u32) -> Option<[u8; 4]> {
        let i = self.offset(x, y)?;
        let p = &self.pixels[i..i + 4];
        Some([p[0], p[1], p[2], p[3]])
    }

    /// Sets the pixel at `(x, y)`; ignored outside the image.
    pub fn set(&mut self, x: u32, y: u32, colour: [u8; 4]) {
        if let Some(i) = self.offset(x, y) {
            self.pixels[i..i + 4].copy_from_slice(&colour);
        }
    }

    /// Sets the pixel at signed coordinates; ignored outside the image.
    fn set_i(&mut self, x: i64, y: i64, colour: [u8; 4]) {
        if let (Ok(x), Ok(y)) = (u32::try_from(x), u32::try_from(y)) {
            self.set(x, y, colour);
        }
    }

    /// Copies `src` into this image with its top-left corner at `(x, y)` (which may be negative
    /// or beyond the edges: the copy is clipped). Pixels are copied as they are, alpha included
    /// (no blending).
    pub fn blit(&mut self, src: &Rgba, x: i32, y: i32) {
        let (x, y) = (i64::from(x), i64::from(y));
        // Visible column range of src.
        let sx0 = (-x).max(0);
        let sx1 = i64::from(src.width).min(i64::from(self.width) - x);
        if sx1 <= sx0 {
            return;
        }
        for sy in 0..i64::from(src.valid_rows()) {
            let dy = y + sy;
            if dy < 0 || dy >= i64::from(self.height) {
                continue;
            }
            let (Some(s), Some(d)) = (
                src.offset(sx0 as u32, sy as u32),
                self.offset((x + sx0) as u32, dy as u32),
            ) else {
                continue;
            };
            let n = ((sx1 - sx0) as usize)
                .saturating_mul(4)
                .min(src.pixels.len() - s)
                .min(self.pixels.len() - d);
            self.pixels[d..d + n].copy_from_slice(&src.pixels[s..s + n]);
        }
    }

    /// A copy enlarged by an integer `factor` with nearest-neighbour sampling (each pixel
    /// becomes a `factor × factor` block). `factor` 0 is treated as 1; the result is clamped to
    /// [`MAX_PIXELS`] like [`Rgba::new`].
    pub fn scale_nearest(&self, factor: u32) -> Rgba {
        let f = factor.max(1);
        let mut out = Rgba::new(self.width.saturating_mul(f), self.height.saturating_mul(f));
        let row_bytes = out.width as usize * 4;
        for oy in 0..out.height {
            let sy = oy / f;
            let Some(row_start) = out.offset(0, oy) else {
                continue;
            };
            let row = &mut out.pixels[row_start..row_start + row_bytes];
            for (ox, px) in row.chunks_exact_mut(4).enumerate() {
                if let Some(c) = self.get(ox as u32 / f, sy) {
                    px.copy_from_slice(&c);
                }
            }
        }
        out
    }

    /// A copy rotated by 90° counter-clockwise (the top row becomes the left column, read
    /// bottom to top); used for vertical text.
    pub fn rotate_ccw(&self) -> Rgba {
        let mut out = Rgba::new(self.height, self.width);
        for y in 0..self.valid_rows().min(out.width) {
            for x in 0..self.width {
                if let Some(c) = self.get(x, y) {
                    out.set(y, self.width - 1 - x, c);
                }
            }
        }
        out
    }

    /// Fills the rectangle `x..x+w`, `y..y+h` (clipped) with `colour`.
    pub fn fill_rect(&mut self, x: i32, y: i32, w: u32, h: u32, colour: [u8; 4]) {
        let x0 = i64::from(x).max(0);
        let y0 = i64::from(y).max(0);
        let x1 = (i64::from(x) + i64::from(w)).min(i64::from(self.width));
        let y1 = (i64::from(y) + i64::from(h)).min(i64::from(self.valid_rows()));
        for yy in y0..y1 {
            for xx in x0..x1 {
                self.set(xx as u32, yy as u32, colour);
            }
        }
    }

    /// Draws the 1-pixel outline of the rectangle `x..x+w`, `y..y+h` (clipped).
    pub fn draw_rect(&mut self, x: i32, y: i32, w: u32, h: u32, colour: [u8; 4]) {
        if w == 0 || h == 0 {
            return;
        }
        let right = (i64::from(x) + i64::from(w) - 1).clamp(i32::MIN.into(), i32::MAX.into());
        let bottom = (i64::from(y) + i64::from(h) - 1).clamp(i32::MIN.into(), i32::MAX.into());
        self.hline(x, y, w, colour);
        self.hline(x, bottom as i32, w, colour);
        self.vline(x, y, h, colour);
        self.vline(right as i32, y, h, colour);
    }

    /// Draws a horizontal line of `len` pixels starting at `(x, y)` going right (clipped).
    pub fn hline(&mut self, x: i32, y: i32, len: u32, colour: [u8; 4]) {
        if y < 0 || y as u32 >= self.valid_rows() {
            return;
        }
        let x0 = i64::from(x).max(0);
        let x1 = (i64::from(x) + i64::from(len)).min(i64::from(self.width));
        for xx in x0..x1 {
            self.set_i(xx, y.into(), colour);
        }
    }

    /// Draws a vertical line of `len` pixels starting at `(x, y)` going down (clipped).
    pub fn vline(&mut self, x: i32, y: i32, len: u32, colour: [u8; 4]) {
        if x < 0 || x as u32 >= self.width {
            return;
        }
        let y0 = i64::from(y).max(0);
        let y1 = (i64::from(y) + i64::from(len)).min(i64::from(self.valid_rows()));
        for yy in y0..y1 {
            self.set_i(x.into(), yy, colour);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RED: [u8; 4] = [255, 0, 0, 255];
    const BLUE: [u8; 4] = [0, 0, 255, 255];

    #[test]
    fn new_fill_get_set() {
        let mut img = Rgba::new(3, 2);
        assert_eq!(img.pixels.len(), 24);
        assert_eq!(img.get(2, 1), Some([0, 0, 0, 0]));
        img.fill(RED);
        assert_eq!(img.get(1, 1), Some(RED));
        img.set(2, 1, BLUE);
        assert_eq!(img.get(2, 1), Some(BLUE));
        assert_eq!(&img.pixels[20..24], &BLUE);
        assert_eq!(img.get(3, 0), None);
        assert_eq!(img.get(0, 2), None);
        img.set(99, 99, BLUE); // ignored
        assert_eq!(img.pixels.iter().filter(|&&b| b == 255).count(), 6 * 2);
    }

    #[test]
    fn sizes_are_clamped_and_checked() {
        let img = Rgba::new(1 << 20, 1 << 20);
        assert_eq!(img.width, 1 << 20);
        assert_eq!(img.height, 64);
        assert!(u64::from(img.width) * u64::from(img.height) <= MAX_PIXELS);
        assert!(matches!(
            Rgba::try_new(1 << 20, 1 << 20),
            Err(VizError::BadSize { .. })
        ));
        assert_eq!(Rgba::new(u32::MAX, 1).width, MAX_PIXELS as u32);
        assert!(matches!(
            Rgba::from_pixels(2, 2, vec![0; 15]),
            Err(VizError::BufferLength { expected: 16, .. })
        ));
        assert!(Rgba::from_pixels(2, 2, vec![7; 16]).is_ok());
    }

    #[test]
    fn inconsistent_buffer_never_panics() {
        let mut img = Rgba {
            width: 4,
            height: 4,
            pixels: vec![1; 20],
        };
        assert_eq!(img.get(0, 1), Some([1; 4]));
        assert_eq!(img.get(1, 1), None);
        img.set(3, 3, RED);
        img.fill_rect(-2, -2, 100, 100, BLUE);
        img.draw_rect(0, 0, 4, 4, RED);
        let src = img.clone();
        img.blit(&src, 1, 1);
        let big = img.scale_nearest(3);
        assert_eq!((big.width, big.height), (12, 12));
        assert_eq!(big.get(11, 11), Some([0; 4])); // beyond the source buffer: left blank
        let _ = img.rotate_ccw();
    }

    #[test]
    fn blit_clips_and_copies() {
        let mut dst = Rgba::filled(4, 3, BLUE);
        let mut src = Rgba::filled(2, 2, RED);
        src.set(0, 0, [1, 2, 3, 4]);
        dst.blit(&src, 3, 2);
        assert_eq!(dst.get(3, 2), Some([1, 2, 3, 4]));
        assert_eq!(dst.get(2, 2), Some(BLUE));
        dst.blit(&src, -1, -1);
        assert_eq!(dst.get(0, 0), Some(RED));
        assert_eq!(dst.get(1, 0), Some(BLUE));
        dst.blit(&src, i32::MAX, i32::MIN); // fully outside
        dst.blit(&src, -5, 0);
        assert_eq!(dst.get(0, 1), Some(BLUE));
    }

    #[test]
    fn scale_and_rotate() {
        let mut img = Rgba::new(2, 1);
        img.set(0, 0, RED);
        img.set(1, 0, BLUE);
        let s = img.scale_nearest(3);
        assert_eq!((s.width, s.height), (6, 3));
        assert_eq!(s.get(2, 2), Some(RED));
        assert_eq!(s.get(3, 0), Some(BLUE));
        assert_eq!(img.scale_nearest(0), img);
        let r = img.rotate_ccw();
        assert_eq!((r.width, r.height), (1, 2));
        assert_eq!(r.get(0, 0), Some(BLUE)); // right end goes to the top
        assert_eq!(r.get(0, 1), Some(RED));
    }

    #[test]
    fn rects_and_lines() {
        let mut img = Rgba::new(5, 5);
        img.draw_rect(1, 1, 3, 3, RED);
        assert_eq!(img.get(1, 1), Some(RED));
        assert_eq!(img.get(3, 3), Some(RED));
        assert_eq!(img.get(2, 2), Some([0; 4]));
        img.fill_rect(2, 2, 1, 1, BLUE);
        assert_eq!(img.get(2, 2), Some(BLUE));
        img.hline(-3, 0, 5, BLUE);
        assert_eq!(img.get(1, 0), Some(BLUE));
        assert_eq!(img.get(2, 0), Some([0; 4]));
        img.vline(4, 3, 10, RED);
        assert_eq!(img.get(4, 4), Some(RED));
        assert_eq!(img.get(4, 2), Some([0; 4]));
        img.draw_rect(i32::MAX, i32::MAX, u32::MAX, u32::MAX, RED);
        img.fill_rect(i32::MIN, i32::MIN, u32::MAX, u32::MAX, RED);
        assert!(img.pixels.chunks(4).all(|p| p == RED));
    }
}
