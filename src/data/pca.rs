//! Principal component analysis of the spectral bands (HybridSN reduces 200 bands to 30).
//!
//! The covariance (bands × bands, `f64`, divided by `n − 1` like NumPy/scikit-learn) is
//! diagonalised by Householder tridiagonalisation followed by the implicit QL algorithm
//! (the EISPACK `tred2`/`tql2` pair, as in JAMA): O(bands³), a few milliseconds for 200
//! bands. Each component's sign is fixed so that its largest-magnitude entry is positive (the
//! same rule as scikit-learn ≥ 1.5), so results are deterministic.

use super::budget::MAX_BANDS;
use super::error::DataError;

/// A fitted PCA.
#[derive(Debug, Clone, PartialEq)]
pub struct Pca {
    /// Per-band mean (length `bands`).
    pub mean: Vec<f64>,
    /// Components, `k × bands` row-major; row `j` is the unit eigenvector of the `j`-th
    /// largest eigenvalue.
    pub components: Vec<f64>,
    /// The `k` largest eigenvalues of the covariance (variance along each component).
    pub eigenvalues: Vec<f64>,
    /// Eigenvalue ÷ total variance, for the `k` components (descending, sum ≤ 1).
    pub explained_variance_ratio: Vec<f64>,
    /// Whether [`Pca::transform`] divides by `sqrt(eigenvalue)`.
    pub whiten: bool,
}

/// Eigen-decomposition of a symmetric `n × n` matrix `a` (row-major; only symmetry is
/// assumed, not checked). Returns the eigenvalues in descending order and the eigenvectors
/// as rows of an `n × n` row-major matrix (row `i` belongs to eigenvalue `i`), each with its
/// largest-magnitude entry positive.
pub fn symmetric_eigen(a: &[f64], n: usize) -> Result<(Vec<f64>, Vec<f64>), DataError> {
    if a.len() != n * n {
        return Err(DataError::InvalidInput(format!(
            "a {n}×{n} matrix needs {} values, got {}",
            n * n,
            a.len()
        )));
    }
    if a.iter().any(|x| !x.is_finite()) {
        return Err(DataError::InvalidInput(
            "the matrix holds NaN or infinite values".into(),
        ));
    }
    if n == 0 {
        return Ok((Vec::new(), Vec::new()));
    }
    let mut v = a.to_vec();
    let mut d = vec![0.0; n];
    let mut e = vec![0.0; n];
    tred2(&mut v, &mut d, &mut e, n);
    tql2(&mut v, &mut d, &mut e, n)?;
    // Sort descending; eigenvectors are the columns of v.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| d[j].total_cmp(&d[i]));
    let values: Vec<f64> = order.iter().map(|&i| d[i]).collect();
    let mut vectors = vec![0.0; n * n];
    for (row, &col) in order.iter().enumerate() {
        let vec = &mut vectors[row * n..(row + 1) * n];
        for k in 0..n {
            vec[k] = v[k * n + col];
        }
        let mut big = 0usize;
        for k in 1..n {
            if vec[k].abs() > vec[big].abs() {
                big = k;
            }
        }
        if vec[big] < 0.0 {
            vec.iter_mut().for_each(|x| *x = -*x);
        }
    }
    Ok((values, vectors))
}

/// Householder reduction of the symmetric matrix in `v` to tridiagonal form: on return `d`
/// holds the diagonal, `e[1..]` the sub-diagonal, and `v` the orthogonal transformation.
fn tred2(v: &mut [f64], d: &mut [f64], e: &mut [f64], n: usize) {
    let ix = |r: usize, c: usize| r * n + c;
    for j in 0..n {
        d[j] = v[ix(n - 1, j)];
    }
    for i in (1..n).rev() {
        let mut scale = 0.0;
        let mut h = 0.0;
        for &dk in d.iter().take(i) {
            scale += dk.abs();
        }
        if scale == 0.0 {
            e[i] = d[i - 1];
            for j in 0..i {
                d[j] = v[ix(i - 1, j)];
                v[ix(i, j)] = 0.0;
                v[ix(j, i)] = 0.0;
            }
        } else {
            for dk in d.iter_mut().take(i) {
                *dk /= scale;
                h += *dk * *dk;
            }
            let mut f = d[i - 1];
            let mut g = h.sqrt();
            if f > 0.0 {
                g = -g;
            }
            e[i] = scale * g;
            h -= f * g;
            d[i - 1] = f - g;
            for ej in e.iter_mut().take(i) {
                *ej = 0.0;
            }
            for j in 0..i {
                f = d[j];
                v[ix(j, i)] = f;
                g = e[j] + v[ix(j, j)] * f;
                for k in j + 1..i {
                    g += v[ix(k, j)] * d[k];
                    e[k] += v[ix(k, j)] * f;
                }
                e[j] = g;
            }
            f = 0.0;
            for j in 0..i {
                e[j] /= h;
                f += e[j] * d[j];
            }
            let hh = f / (h + h);
            for j in 0..i {
                e[j] -= hh * d[j];
            }
            for j in 0..i {
                f = d[j];
                g = e[j];
                for k in j..i {
                    v[ix(k, j)] -= f * e[k] + g * d[k];
                }
                d[j] = v[ix(i - 1, j)];
                v[ix(i, j)] = 0.0;
            }
        }
        d[i] = h;
    }
    // Accumulate the transformations.
    for i in 0..n - 1 {
        v[ix(n - 1, i)] = v[ix(i, i)];
        v[ix(i, i)] = 1.0;
        let h = d[i + 1];
        if h != 0.0 {
            for k in 0..=i {
                d[k] = v[ix(k, i + 1)] / h;
            }
            for j in 0..=i {
                let mut g = 0.0;
                for k in 0..=i {
                    g += v[ix(k, i + 1)] * v[ix(k, j)];
                }
                for k in 0..=i {
                    v[ix(k, j)] -= g * d[k];
                }
            }
        }
        for k in 0..=i {
            v[ix(k, i + 1)] = 0.0;
        }
    }
    for j in 0..n {
        d[j] = v[ix(n - 1, j)];
        v[ix(n - 1, j)] = 0.0;
    }
    v[ix(n - 1, n - 1)] = 1.0;
    e[0] = 0.0;
}

/// Implicit QL iterations on the tridiagonal matrix (`d`, `e`), accumulating into `v`; on
/// return `d` holds the eigenvalues and the columns of `v` the eigenvectors.
fn tql2(v: &mut [f64], d: &mut [f64], e: &mut [f64], n: usize) -> Result<(), DataError> {
    const MAX_ITER: usize = 100;
    let ix = |r: usize, c: usize| r * n + c;
    for i in 1..n {
        e[i - 1] = e[i];
    }
    e[n - 1] = 0.0;
    let mut f = 0.0;
    let mut tst1: f64 = 0.0;
    let eps = f64::EPSILON;
    for l in 0..n {
        tst1 = tst1.max(d[l].abs() + e[l].abs());
        let mut m = l;
        while m < n - 1 && e[m].abs() > eps * tst1 {
            m += 1;
        }
        if m > l {
            let mut iter = 0;
            loop {
                iter += 1;
                if iter > MAX_ITER {
                    return Err(DataError::InvalidInput(
                        "the eigenvalue iteration did not converge".into(),
                    ));
                }
                let mut g = d[l];
                let mut p = (d[l + 1] - g) / (2.0 * e[l]);
                let mut r = p.hypot(1.0);
                if p < 0.0 {
                    r = -r;
                }
                d[l] = e[l] / (p + r);
                d[l + 1] = e[l] * (p + r);
                let dl1 = d[l + 1];
                let mut h = g - d[l];
                for di in d.iter_mut().skip(l + 2) {
                    *di -= h;
                }
                f += h;
                p = d[m];
                let mut c = 1.0;
                let mut c2 = c;
                let mut c3 = c;
                let el1 = e[l + 1];
                let mut s = 0.0;
                let mut s2 = 0.0;
                for i in (l..m).rev() {
                    c3 = c2;
                    c2 = c;
                    s2 = s;
                    g = c * e[i];
                    h = c * p;
                    r = p.hypot(e[i]);
                    e[i + 1] = s * r;
                    s = e[i] / r;
                    c = p / r;
                    p = c * d[i] - s * g;
                    d[i + 1] = h + s * (c * g + s * d[i]);
                    for k in 0..n {
                        h = v[ix(k, i + 1)];
                        v[ix(k, i + 1)] = s * v[ix(k, i)] + c * h;
                        v[ix(k, i)] = c * v[ix(k, i)] - s * h;
                    }
                }
                p = -s * s2 * c3 * el1 * e[l] / dl1;
                e[l] = s * p;
                d[l] = c * p;
                if e[l].abs() <= eps * tst1 || !e[l].is_finite() {
                    break;
                }
            }
        }
        d[l] += f;
        e[l] = 0.0;
    }
    if d.iter().any(|x| !x.is_finite()) {
        return Err(DataError::InvalidInput(
            "the eigenvalue iteration produced non-finite values".into(),
        ));
    }
    Ok(())
}

/// Dot product with four independent accumulators (faster without auto-vectorisation).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut s = [0.0f64; 4];
    let (ac, bc) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ar, br) = (ac.remainder(), bc.remainder());
    for (x, y) in ac.zip(bc) {
        s[0] += x[0] * y[0];
        s[1] += x[1] * y[1];
        s[2] += x[2] * y[2];
        s[3] += x[3] * y[3];
    }
    let mut t = (s[0] + s[1]) + (s[2] + s[3]);
    for (x, y) in ar.iter().zip(br) {
        t += x * y;
    }
    t
}

/// Fits a PCA with `k` components to `cube` (`[pixel][band]`, `n_pixels × bands` values).
///
/// Needs at least 2 pixels, `1 ≤ k ≤ bands ≤` [`MAX_BANDS`] and finite values.
pub fn fit(
    cube: &[f32],
    n_pixels: usize,
    bands: usize,
    k: usize,
    whiten: bool,
) -> Result<Pca, DataError> {
    if n_pixels.checked_mul(bands) != Some(cube.len()) {
        return Err(DataError::InvalidInput(format!(
            "{n_pixels} pixels × {bands} bands need {} values, got {}",
            n_pixels.saturating_mul(bands),
            cube.len()
        )));
    }
    // Before the bands² covariance and its O(bands³) eigensolve are started.
    if bands > MAX_BANDS {
        return Err(DataError::TooManyBands {
            bands,
            cap: MAX_BANDS,
        });
    }
    if n_pixels < 2 {
        return Err(DataError::InvalidInput(
            "PCA needs at least 2 pixels".into(),
        ));
    }
    if k == 0 || k > bands {
        return Err(DataError::InvalidInput(format!(
            "{k} components requested from {bands} bands (1 to {bands} possible)"
        )));
    }
    if let Some(i) = cube.iter().position(|x| !x.is_finite()) {
        return Err(DataError::InvalidInput(format!(
            "the cube holds a NaN or infinite value (pixel {}, band {})",
            i / bands,
            i % bands
        )));
    }
    let mut mean = vec![0.0f64; bands];
    for px in cube.chunks_exact(bands) {
        for (m, &x) in mean.iter_mut().zip(px) {
            *m += x as f64;
        }
    }
    mean.iter_mut().for_each(|m| *m /= n_pixels as f64);
    // Centred data, band-major, so each covariance entry is one contiguous dot product.
    let mut centred = vec![0.0f64; bands * n_pixels];
    for (p, px) in cube.chunks_exact(bands).enumerate() {
        for (b, &x) in px.iter().enumerate() {
            centred[b * n_pixels + p] = x as f64 - mean[b];
        }
    }
    // Upper triangle of X^T X, tiled over pixels so the rows of one tile stay in cache, and
    // four bands at a time so each loaded value of band j feeds four products.
    let mut cov = vec![0.0f64; bands * bands];
    const TILE: usize = 256;
    for p0 in (0..n_pixels).step_by(TILE) {
        let p1 = (p0 + TILE).min(n_pixels);
        let row = |b: usize| &centred[b * n_pixels + p0..b * n_pixels + p1];
        let mut i = 0;
        while i < bands {
            let ib = (bands - i).min(4);
            if ib == 4 {
                let (r0, r1, r2, r3) = (row(i), row(i + 1), row(i + 2), row(i + 3));
                for j in i..bands {
                    let rj = row(j);
                    let mut s = [0.0f64; 4];
                    for ((((x0, x1), x2), x3), y) in r0.iter().zip(r1).zip(r2).zip(r3).zip(rj) {
                        s[0] += x0 * y;
                        s[1] += x1 * y;
                        s[2] += x2 * y;
                        s[3] += x3 * y;
                    }
                    for (d, sd) in s.iter().enumerate() {
                        cov[(i + d) * bands + j] += sd;
                    }
                }
            } else {
                for a in i..i + ib {
                    for j in a..bands {
                        cov[a * bands + j] += dot(row(a), row(j));
                    }
                }
            }
            i += ib;
        }
    }
    let denom = (n_pixels - 1) as f64;
    for i in 0..bands {
        for j in i..bands {
            // Entries with j < i + 3 inside a 4-band block were also summed below the
            // diagonal; the upper triangle is complete, so mirror it.
            let c = cov[i * bands + j] / denom;
            cov[i * bands + j] = c;
            cov[j * bands + i] = c;
        }
    }
    drop(centred);
    let total: f64 = (0..bands).map(|i| cov[i * bands + i]).sum();
    let (values, vectors) = symmetric_eigen(&cov, bands)?;
    let eigenvalues: Vec<f64> = values[..k].iter().map(|&v| v.max(0.0)).collect();
    let explained_variance_ratio = eigenvalues
        .iter()
        .map(|&v| if total > 0.0 { v / total } else { 0.0 })
        .collect();
    Ok(Pca {
        mean,
        components: vectors[..k * bands].to_vec(),
        eigenvalues,
        explained_variance_ratio,
        whiten,
    })
}

impl Pca {
    /// Number of bands the PCA was fitted on.
    pub fn bands(&self) -> usize {
        self.mean.len()
    }

    /// Number of components.
    pub fn k(&self) -> usize {
        self.eigenvalues.len()
    }

    /// Projects `cube` (`[pixel][band]`) onto the components: `[pixel][k]`. With `whiten`,
    /// each output is divided by `sqrt(eigenvalue)` (unit variance, like scikit-learn's
    /// `PCA(whiten=True)`); a component with zero variance then gives 0.
    ///
    /// # Panics
    /// When `cube.len() != n_pixels × bands`.
    pub fn transform(&self, cube: &[f32], n_pixels: usize) -> Vec<f32> {
        let bands = self.bands();
        let k = self.k();
        assert_eq!(
            cube.len(),
            n_pixels * bands,
            "Pca::transform: cube length != n_pixels × bands"
        );
        let scale: Vec<f64> = self
            .eigenvalues
            .iter()
            .map(|&v| {
                if !self.whiten {
                    1.0
                } else if v > 0.0 {
                    1.0 / v.sqrt()
                } else {
                    0.0
                }
            })
            .collect();
        let mut out = Vec::with_capacity(n_pixels * k);
        let mut centred = vec![0.0f64; bands];
        for px in cube.chunks_exact(bands) {
            for ((c, &x), m) in centred.iter_mut().zip(px).zip(&self.mean) {
                *c = x as f64 - m;
            }
            for (comp, s) in self.components.chunks_exact(bands).zip(&scale) {
                out.push((dot(&centred, comp) * s) as f32);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eigen_of_known_matrix() {
        // [[2,1,0],[1,2,1],[0,1,2]]: eigenvalues 2+√2, 2, 2−√2.
        let a = [2.0, 1.0, 0.0, 1.0, 2.0, 1.0, 0.0, 1.0, 2.0];
        let (vals, vecs) = symmetric_eigen(&a, 3).unwrap();
        let s2 = 2f64.sqrt();
        for (got, want) in vals.iter().zip([2.0 + s2, 2.0, 2.0 - s2]) {
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        }
        let want = [
            [0.5, s2 / 2.0, 0.5],
            [s2 / 2.0, 0.0, -s2 / 2.0],
            [-0.5, s2 / 2.0, -0.5],
        ];
        for (i, w) in want.iter().enumerate() {
            // The largest-magnitude entry is positive.
            for (k, &wk) in w.iter().enumerate() {
                assert!(
                    (vecs[i * 3 + k] - wk).abs() < 1e-12,
                    "vec {i}: {:?}",
                    &vecs[i * 3..]
                );
            }
        }
        // Diagonal and 1×1 matrices.
        let (v, e) = symmetric_eigen(&[3.0, 0.0, 0.0, -1.0], 2).unwrap();
        assert_eq!(v, vec![3.0, -1.0]);
        assert_eq!(e, vec![1.0, 0.0, 0.0, 1.0]);
        assert_eq!(symmetric_eigen(&[5.0], 1).unwrap(), (vec![5.0], vec![1.0]));
        assert!(symmetric_eigen(&[f64::NAN], 1).is_err());
        assert!(symmetric_eigen(&[1.0, 2.0], 2).is_err());
    }

    #[test]
    fn eigen_of_random_symmetric_matrix_is_consistent() {
        let n = 40;
        let mut s = 42u64;
        let mut rnd = || {
            s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            ((s >> 11) as f64 / (1u64 << 53) as f64) - 0.5
        };
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..=i {
                let x = rnd();
                a[i * n + j] = x;
                a[j * n + i] = x;
            }
        }
        let (vals, vecs) = symmetric_eigen(&a, n).unwrap();
        let trace: f64 = (0..n).map(|i| a[i * n + i]).sum();
        assert!((vals.iter().sum::<f64>() - trace).abs() < 1e-10);
        for w in vals.windows(2) {
            assert!(w[0] >= w[1]);
        }
        for i in 0..n {
            let v = &vecs[i * n..(i + 1) * n];
            // A v = λ v.
            for r in 0..n {
                let av: f64 = (0..n).map(|c| a[r * n + c] * v[c]).sum();
                assert!((av - vals[i] * v[r]).abs() < 1e-10);
            }
            // Orthonormal.
            for j in 0..n {
                let d = dot(v, &vecs[j * n..(j + 1) * n]);
                assert!((d - if i == j { 1.0 } else { 0.0 }).abs() < 1e-10);
            }
        }
    }

    #[test]
    fn fit_and_transform_small_data() {
        // Points on the line y = 2x (plus its mean): one component explains everything.
        let pts: Vec<f32> = (0..10)
            .flat_map(|i| [i as f32 + 1.0, 2.0 * i as f32 + 5.0])
            .collect();
        let p = fit(&pts, 10, 2, 2, false).unwrap();
        assert_eq!(p.mean, vec![5.5, 14.0]);
        assert!((p.explained_variance_ratio[0] - 1.0).abs() < 1e-12);
        assert!(p.explained_variance_ratio[1].abs() < 1e-12);
        let inv5 = 1.0 / 5f64.sqrt();
        assert!((p.components[0] - inv5).abs() < 1e-12);
        assert!((p.components[1] - 2.0 * inv5).abs() < 1e-12);
        // Variance along the line: var(x) × 5 = (110/12) × 5 with ddof = 1.
        assert!((p.eigenvalues[0] - 9.166_666_666_666_666 * 5.0).abs() < 1e-9);
        let t = p.transform(&pts, 10);
        assert_eq!(t.len(), 20);
        assert!((t[0] as f64 + 4.5 * 5f64.sqrt()).abs() < 1e-5);
        let w = fit(&pts, 10, 2, 1, true).unwrap();
        let tw = w.transform(&pts, 10);
        let var: f64 = tw.iter().map(|&x| (x as f64) * (x as f64)).sum::<f64>() / 9.0;
        assert!((var - 1.0).abs() < 1e-6);
        assert!(fit(&pts, 10, 2, 3, false).is_err());
        assert!(fit(&pts, 10, 2, 0, false).is_err());
        assert!(fit(&pts, 9, 2, 1, false).is_err());
        assert!(fit(&pts[..2], 1, 2, 1, false).is_err());
    }

    #[test]
    fn real_indian_pines_matches_scikit_learn() {
        use crate::data::npy::read_npy;
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/indian_pines/");
        let cube = read_npy(
            &std::fs::read(format!("{dir}Indian_pines_corrected.npy")).unwrap(),
            "cube",
        )
        .unwrap()
        .to_f32();
        let n = 145 * 145;
        let t0 = std::time::Instant::now();
        let p = fit(&cube, n, 200, 30, true).unwrap();
        eprintln!("PCA fit 21025×200 → 30: {:?}", t0.elapsed());
        // scikit-learn 1.9 PCA(n_components=30) on the same float64 data.
        let sk = [0.684_937_99, 0.235_313_71, 0.014_963_55];
        for (got, want) in p.explained_variance_ratio.iter().zip(sk) {
            assert!((got - want).abs() < 1e-7, "{got} vs {want}");
        }
        assert!((p.eigenvalues[0] / 26_796_963.347_432_56 - 1.0).abs() < 1e-9);
        let sum: f64 = p.explained_variance_ratio.iter().sum();
        assert!((sum - 0.992_489_236_367).abs() < 1e-7 && sum <= 1.0);
        for w in p.explained_variance_ratio.windows(2) {
            assert!(w[0] >= w[1]);
        }
        // Whitened scores of pixels 0 and 1 (scikit-learn, whiten=True, same sign rule).
        let t = p.transform(&cube[..400], 2);
        let sk0 = [0.968_768_49, -0.480_151_2, 0.095_012_85];
        let sk1 = [1.082_062_97, 0.666_886_18, 0.457_615_43];
        for j in 0..3 {
            assert!((t[j] as f64 - sk0[j]).abs() < 1e-4, "{j}: {}", t[j]);
            assert!(
                (t[30 + j] as f64 - sk1[j]).abs() < 1e-4,
                "{j}: {}",
                t[30 + j]
            );
        }
    }
}
