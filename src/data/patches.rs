//! Zero-padded cubes and patch extraction for patch-based CNNs (HybridSN).
//!
//! A [`PaddedCube`] stores the (PCA-reduced) scene band-major with a zero border of
//! `margin = (patch − 1) / 2` pixels, so every pixel has a full window and rows of a patch
//! are contiguous slices.

use super::error::DataError;

/// A scene with a zero border, stored `[band][row + margin][col + margin]`.
#[derive(Debug, Clone, PartialEq)]
pub struct PaddedCube {
    /// Rows of the scene (without the border).
    pub height: usize,
    /// Columns of the scene (without the border).
    pub width: usize,
    /// Bands (components after PCA).
    pub bands: usize,
    /// Border width on every side.
    pub margin: usize,
    data: Vec<f32>,
}

impl PaddedCube {
    /// Pads `pixels` (`[pixel][band]`, `height × width × bands` values, pixel = row × width
    /// + col) for windows of `patch` pixels (odd, ≥ 1): margin = (patch − 1) / 2.
    pub fn new(
        pixels: &[f32],
        height: usize,
        width: usize,
        bands: usize,
        patch: usize,
    ) -> Result<PaddedCube, DataError> {
        if patch == 0 || patch.is_multiple_of(2) {
            return Err(DataError::InvalidInput(format!(
                "the patch size must be odd, got {patch}"
            )));
        }
        let n = height
            .checked_mul(width)
            .and_then(|p| p.checked_mul(bands))
            .filter(|&n| n == pixels.len())
            .ok_or_else(|| {
                DataError::InvalidInput(format!(
                    "{height}×{width} pixels × {bands} bands do not match {} values",
                    pixels.len()
                ))
            })?;
        let margin = (patch - 1) / 2;
        let (ph, pw) = (height + 2 * margin, width + 2 * margin);
        let mut data = vec![0.0f32; bands * ph * pw];
        if n > 0 {
            for r in 0..height {
                for c in 0..width {
                    let px = &pixels[(r * width + c) * bands..(r * width + c + 1) * bands];
                    let base = (r + margin) * pw + c + margin;
                    for (b, &v) in px.iter().enumerate() {
                        data[b * ph * pw + base] = v;
                    }
                }
            }
        }
        Ok(PaddedCube {
            height,
            width,
            bands,
            margin,
            data,
        })
    }

    /// Padded rows.
    pub fn padded_height(&self) -> usize {
        self.height + 2 * self.margin
    }

    /// Padded columns.
    pub fn padded_width(&self) -> usize {
        self.width + 2 * self.margin
    }

    /// Fills `out` (cleared first) with one `patch × patch` window per pixel index
    /// (row × width + col), centred on the pixel, in the layout `[B][1][bands][patch][patch]`
    /// (bands, then rows, then columns: a burn `Conv3d` input of shape (B, 1, D, H, W)).
    ///
    /// # Panics
    /// When `patch` is even or wider than `2 × margin + 1`, or a pixel index is outside the
    /// scene (programming errors).
    pub fn patch_batch(&self, pixels: &[usize], patch: usize, out: &mut Vec<f32>) {
        assert!(
            patch % 2 == 1 && patch <= 2 * self.margin + 1,
            "patch_batch: patch {patch} must be odd and at most {}",
            2 * self.margin + 1
        );
        let (ph, pw) = (self.padded_height(), self.padded_width());
        let half = (patch - 1) / 2;
        out.clear();
        out.reserve(pixels.len() * self.bands * patch * patch);
        for &p in pixels {
            assert!(
                p < self.height * self.width,
                "patch_batch: pixel {p} outside the {}×{} scene",
                self.height,
                self.width
            );
            // Top-left of the window in padded coordinates.
            let r0 = p / self.width + self.margin - half;
            let c0 = p % self.width + self.margin - half;
            for b in 0..self.bands {
                let plane = &self.data[b * ph * pw..(b + 1) * ph * pw];
                for r in r0..r0 + patch {
                    out.extend_from_slice(&plane[r * pw + c0..r * pw + c0 + patch]);
                }
            }
        }
    }

    /// Applies one of the eight flips/rotations of the square (`op` in 0..8; 0 = identity)
    /// to the spatial window of every band of one patch laid out `[bands][patch][patch]`.
    /// Land cover has no preferred orientation, so these are free extra training samples.
    pub fn dihedral(patch_data: &mut [f32], patch: usize, op: u8, tmp: &mut Vec<f32>) {
        if op == 0 {
            return;
        }
        let n = patch;
        for plane in patch_data.chunks_exact_mut(n * n) {
            tmp.clear();
            tmp.extend_from_slice(plane);
            for r in 0..n {
                for c in 0..n {
                    // (r, c) of the output reads (sr, sc) of the input.
                    let (sr, sc) = match op {
                        1 => (n - 1 - c, r),         // rotate 90° clockwise
                        2 => (n - 1 - r, n - 1 - c), // rotate 180°
                        3 => (c, n - 1 - r),         // rotate 270° clockwise
                        4 => (r, n - 1 - c),         // mirror left-right
                        5 => (n - 1 - r, c),         // mirror top-bottom
                        6 => (c, r),                 // transpose
                        _ => (n - 1 - c, n - 1 - r), // anti-transpose
                    };
                    plane[r * n + c] = tmp[sr * n + sc];
                }
            }
        }
    }

    /// The whole padded volume, `[bands][height + 2m][width + 2m]`, for whole-scene inference.
    pub fn to_volume(&self) -> Vec<f32> {
        self.data.clone()
    }

    /// The padded volume without copying.
    pub fn volume(&self) -> &[f32] {
        &self.data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3×4 scene with 2 bands: value = 100·band + 10·row + col + 1 (0 is the padding).
    fn tiny() -> Vec<f32> {
        let mut v = Vec::new();
        for r in 0..3 {
            for c in 0..4 {
                for b in 0..2 {
                    v.push((100 * b + 10 * r + c + 1) as f32);
                }
            }
        }
        v
    }

    #[test]
    fn layout_of_patches_by_hand() {
        let pc = PaddedCube::new(&tiny(), 3, 4, 2, 3).unwrap();
        assert_eq!(pc.margin, 1);
        assert_eq!((pc.padded_height(), pc.padded_width()), (5, 6));
        let mut out = vec![99.0];
        // Pixel (0,0) = index 0, and pixel (1,2) = index 6.
        pc.patch_batch(&[0, 6], 3, &mut out);
        assert_eq!(out.len(), 2 * 2 * 9);
        #[rustfmt::skip]
        let want = [
            // pixel (0,0), band 0
            0.0, 0.0, 0.0,
            0.0, 1.0, 2.0,
            0.0, 11.0, 12.0,
            // band 1
            0.0, 0.0, 0.0,
            0.0, 101.0, 102.0,
            0.0, 111.0, 112.0,
            // pixel (1,2), band 0
            2.0, 3.0, 4.0,
            12.0, 13.0, 14.0,
            22.0, 23.0, 24.0,
            // band 1
            102.0, 103.0, 104.0,
            112.0, 113.0, 114.0,
            122.0, 123.0, 124.0,
        ];
        assert_eq!(out, want);
        // A 1×1 patch from a margin-1 cube is the pixel's spectrum.
        pc.patch_batch(&[11], 1, &mut out);
        assert_eq!(out, vec![24.0, 124.0]);
        // Bottom-right corner with zero padding.
        pc.patch_batch(&[11], 3, &mut out);
        assert_eq!(
            &out[..9],
            &[13.0, 14.0, 0.0, 23.0, 24.0, 0.0, 0.0, 0.0, 0.0]
        );
    }

    #[test]
    fn volume_layout_and_errors() {
        let pc = PaddedCube::new(&tiny(), 3, 4, 2, 3).unwrap();
        let vol = pc.to_volume();
        assert_eq!(vol.len(), 2 * 5 * 6);
        assert_eq!(&vol[..6], &[0.0; 6]);
        assert_eq!(&vol[6..12], &[0.0, 1.0, 2.0, 3.0, 4.0, 0.0]);
        assert_eq!(
            &vol[30 + 18..30 + 24],
            &[0.0, 121.0, 122.0, 123.0, 124.0, 0.0]
        );
        assert_eq!(pc.volume(), &vol[..]);
        assert!(PaddedCube::new(&tiny(), 3, 4, 2, 4).is_err());
        assert!(PaddedCube::new(&tiny(), 3, 4, 3, 3).is_err());
        let p0 = PaddedCube::new(&tiny(), 3, 4, 2, 1).unwrap();
        assert_eq!(p0.to_volume().len(), 24);
        // HybridSN-sized window on a small scene: mostly padding.
        let big = PaddedCube::new(&tiny(), 3, 4, 2, 25).unwrap();
        let mut out = Vec::new();
        big.patch_batch(&[5], 25, &mut out);
        assert_eq!(out.len(), 2 * 625);
        assert_eq!(out[12 * 25 + 12], 12.0);
        assert_eq!(out.iter().filter(|&&x| x != 0.0).count(), 24);
    }

    #[test]
    #[should_panic(expected = "outside")]
    fn out_of_range_pixel_panics_with_words() {
        let pc = PaddedCube::new(&tiny(), 3, 4, 2, 3).unwrap();
        pc.patch_batch(&[12], 3, &mut Vec::new());
    }

    #[test]
    fn dihedral_gives_the_eight_symmetries_of_the_square() {
        // Two bands of a 3×3 window with all-distinct values.
        let base: Vec<f32> = (0..18).map(|v| v as f32).collect();
        let mut tmp = Vec::new();
        let mut seen = Vec::new();
        for op in 0..8u8 {
            let mut x = base.clone();
            PaddedCube::dihedral(&mut x, 3, op, &mut tmp);
            // Each band is permuted within itself, by the same permutation.
            let mut sorted = x[..9].to_vec();
            sorted.sort_by(f32::total_cmp);
            assert_eq!(sorted, base[..9].to_vec());
            for i in 0..9 {
                assert_eq!(x[9 + i], x[i] + 9.0);
            }
            // The centre pixel stays the centre (the labelled pixel).
            assert_eq!(x[4], 4.0);
            seen.push(x);
        }
        for i in 0..8 {
            for j in i + 1..8 {
                assert_ne!(seen[i], seen[j], "ops {i} and {j} agree");
            }
        }
        // Rotating by 90° four times, or mirroring twice, is the identity.
        let mut x = base.clone();
        for _ in 0..4 {
            PaddedCube::dihedral(&mut x, 3, 1, &mut tmp);
        }
        assert_eq!(x, base);
        PaddedCube::dihedral(&mut x, 3, 4, &mut tmp);
        PaddedCube::dihedral(&mut x, 3, 4, &mut tmp);
        assert_eq!(x, base);
        // 90° sends the top-left corner to the top-right.
        let mut x = base.clone();
        PaddedCube::dihedral(&mut x, 3, 1, &mut tmp);
        assert_eq!(x[2], base[0]);
    }
}
