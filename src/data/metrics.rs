//! Classification metrics from a confusion matrix: overall accuracy (OA), per-class and
//! average accuracy (AA), and Cohen's kappa — the three numbers hyperspectral papers report.

/// One finished training epoch, in every lab: what the training loop reports, the worker
/// sends, the page shows, saved runs keep and a CIFAR-10 weights file's header keeps as its
/// history (one type from the loop to the page). Earlier hyperspectral runs saved `val_oa`,
/// `test_oa` and `seconds`, read here as `val_acc`, `test_acc` and `train_seconds`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EpochMetrics {
    pub epoch: usize,
    /// Mean training loss (with label smoothing when used).
    pub loss: f64,
    /// Accuracy on the (augmented) training batches, in train mode.
    pub train_acc: f64,
    /// Accuracy (for a scene: overall accuracy) on the validation images or pixels, in eval
    /// mode (None when not measured this epoch or without a validation set).
    #[serde(default, alias = "val_oa")]
    pub val_acc: Option<f64>,
    /// Accuracy on the test images or pixels: a scene's run scores them after its last epoch
    /// (or every N epochs when the CLI's `--eval-every` asks, shown only); CIFAR-10 runs never
    /// per epoch (only files saved before validation existed hold test curves). So no epoch is
    /// ever chosen on them.
    #[serde(default, alias = "test_oa", skip_serializing_if = "Option::is_none")]
    pub test_acc: Option<f64>,
    /// Seconds of training in this epoch (evaluation excluded).
    #[serde(alias = "seconds")]
    pub train_seconds: f64,
    /// Training samples per second in this epoch.
    #[serde(default)]
    pub samples_per_s: f64,
}

impl EpochMetrics {
    /// What the Runs page draws per epoch: validation accuracy where the run measured it,
    /// else test accuracy (files saved before validation existed), else train accuracy.
    pub fn curve_accuracy(&self) -> f64 {
        self.val_acc.or(self.test_acc).unwrap_or(self.train_acc)
    }
}

/// A confusion matrix over `n` classes with 0-based class indices (for a scene, class index
/// = label − 1). `counts[t × n + p]` counts pixels of true class `t` predicted as `p`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confusion {
    /// Number of classes.
    pub n: usize,
    /// Counts, true-major `n × n`.
    pub counts: Vec<u64>,
}

impl Confusion {
    /// An empty matrix for `n` classes.
    pub fn new(n: usize) -> Confusion {
        Confusion {
            n,
            counts: vec![0; n * n],
        }
    }

    /// Counts one sample of true class `truth` predicted as `pred`.
    ///
    /// # Panics
    /// When either index is ≥ `n`.
    pub fn add(&mut self, truth: usize, pred: usize) {
        assert!(
            truth < self.n && pred < self.n,
            "Confusion::add: class index ({truth}, {pred}) outside 0..{}",
            self.n
        );
        self.counts[truth * self.n + pred] += 1;
    }

    /// Adds every count of `other` (same `n`).
    ///
    /// # Panics
    /// When the sizes differ.
    pub fn merge(&mut self, other: &Confusion) {
        assert_eq!(self.n, other.n, "Confusion::merge: sizes differ");
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
    }

    /// Total number of samples.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    fn diag(&self) -> u64 {
        (0..self.n).map(|i| self.counts[i * self.n + i]).sum()
    }

    fn row_sum(&self, t: usize) -> u64 {
        self.counts[t * self.n..(t + 1) * self.n].iter().sum()
    }

    fn col_sum(&self, p: usize) -> u64 {
        (0..self.n).map(|t| self.counts[t * self.n + p]).sum()
    }

    /// Fraction of samples predicted correctly (0 when empty).
    pub fn overall_accuracy(&self) -> f64 {
        let total = self.total();
        if total == 0 {
            0.0
        } else {
            self.diag() as f64 / total as f64
        }
    }

    /// Recall of each class; `None` for classes without samples.
    pub fn per_class_accuracy(&self) -> Vec<Option<f64>> {
        (0..self.n)
            .map(|t| {
                let row = self.row_sum(t);
                (row > 0).then(|| self.counts[t * self.n + t] as f64 / row as f64)
            })
            .collect()
    }

    /// Mean of the per-class accuracies over the classes present (0 when none).
    pub fn average_accuracy(&self) -> f64 {
        let present: Vec<f64> = self.per_class_accuracy().into_iter().flatten().collect();
        if present.is_empty() {
            0.0
        } else {
            present.iter().sum::<f64>() / present.len() as f64
        }
    }

    /// Cohen's kappa: (p_o − p_e) / (1 − p_e), with p_e the agreement expected by chance
    /// from the row and column totals. 0 when empty; 1 when p_e = 1 and all agree.
    pub fn kappa(&self) -> f64 {
        let total = self.total();
        if total == 0 {
            return 0.0;
        }
        let t = total as f64;
        let po = self.diag() as f64 / t;
        let pe: f64 = (0..self.n)
            .map(|i| (self.row_sum(i) as f64 / t) * (self.col_sum(i) as f64 / t))
            .sum();
        if (1.0 - pe).abs() < f64::EPSILON {
            return if po >= 1.0 { 1.0 } else { 0.0 };
        }
        (po - pe) / (1.0 - pe)
    }

    /// The matrix as CSV: a header row `true \ predicted,<names…>`, then one row per true
    /// class. Uses `names` when it has `n` entries, else `0`, `1`, …. Names holding commas
    /// or quotes are quoted.
    pub fn to_csv(&self, names: &[String]) -> String {
        let quote = |s: &str| {
            if s.contains([',', '"', '\n']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_string()
            }
        };
        let label = |i: usize| {
            if names.len() == self.n {
                quote(&names[i])
            } else {
                i.to_string()
            }
        };
        let mut out = String::from("true \\ predicted");
        for p in 0..self.n {
            out.push(',');
            out.push_str(&label(p));
        }
        out.push('\n');
        for t in 0..self.n {
            out.push_str(&label(t));
            for p in 0..self.n {
                out.push(',');
                out.push_str(&self.counts[t * self.n + p].to_string());
            }
            out.push('\n');
        }
        out
    }
}

/// OA, AA, Kappa and the confusion matrix on some pixels (validation or test).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Evaluation {
    pub oa: f64,
    pub aa: f64,
    pub kappa: f64,
    pub per_class: Vec<Option<f64>>,
    pub confusion: Vec<u64>,
    pub num_classes: usize,
    /// Pixels scored.
    pub pixels: usize,
}

impl Evaluation {
    /// Scores predicted labels (1-based, per pixel) on the given pixels.
    pub fn of(pred: &[u16], gt: &[u16], pixels: &[usize], num_classes: usize) -> Evaluation {
        let mut c = Confusion::new(num_classes);
        for &i in pixels {
            let (t, p) = (gt[i] as usize, pred[i] as usize);
            if t >= 1 && p >= 1 {
                c.add(t - 1, p - 1);
            }
        }
        Evaluation {
            oa: c.overall_accuracy(),
            aa: c.average_accuracy(),
            kappa: c.kappa(),
            per_class: c.per_class_accuracy(),
            confusion: c.counts.clone(),
            num_classes,
            pixels: pixels.len(),
        }
    }

    /// Scores labels predicted for `pixels` only (`labels[j]` for `pixels[j]`, 1-based).
    pub fn of_listed(
        labels: &[u16],
        gt: &[u16],
        pixels: &[usize],
        num_classes: usize,
    ) -> Evaluation {
        let mut pred = vec![0u16; gt.len()];
        for (&i, &l) in pixels.iter().zip(labels) {
            pred[i] = l;
        }
        Evaluation::of(&pred, gt, pixels, num_classes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one epoch type reads what the four earlier ones wrote: a hyperspectral epoch
    /// (`val_oa`, `test_oa`, `seconds`), a saved run's epoch (`val_acc`, `test_acc`,
    /// `seconds`) and a CIFAR-10 weights file's history (`train_seconds`, `samples_per_s`).
    #[test]
    fn epochs_written_by_earlier_versions_read_as_one_type() {
        let want = |val, test, secs, rate| EpochMetrics {
            epoch: 3,
            loss: 0.5,
            train_acc: 0.9,
            val_acc: val,
            test_acc: test,
            train_seconds: secs,
            samples_per_s: rate,
        };
        let read = |json: &str| serde_json::from_str::<EpochMetrics>(json).unwrap();
        assert_eq!(
            read(
                r#"{"epoch":3,"loss":0.5,"train_acc":0.9,"test_oa":0.97,"val_oa":0.99,"seconds":12.5}"#
            ),
            want(Some(0.99), Some(0.97), 12.5, 0.0)
        );
        assert_eq!(
            read(
                r#"{"epoch":3,"loss":0.5,"train_acc":0.9,"test_acc":null,"val_acc":0.8,"seconds":2.0}"#
            ),
            want(Some(0.8), None, 2.0, 0.0)
        );
        assert_eq!(
            read(
                r#"{"epoch":3,"loss":0.5,"train_acc":0.9,"test_acc":0.41,"train_seconds":60.0,"samples_per_s":66.0}"#
            ),
            want(None, Some(0.41), 60.0, 66.0)
        );
        // Written back under today's names, without an unmeasured test score.
        let json = serde_json::to_string(&want(Some(0.8), None, 2.0, 4.0)).unwrap();
        assert_eq!(
            json,
            r#"{"epoch":3,"loss":0.5,"train_acc":0.9,"val_acc":0.8,"train_seconds":2.0,"samples_per_s":4.0}"#
        );
        assert_eq!(want(None, Some(0.41), 1.0, 1.0).curve_accuracy(), 0.41);
        assert_eq!(want(Some(0.8), Some(0.41), 1.0, 1.0).curve_accuracy(), 0.8);
    }

    fn from_matrix(m: &[&[u64]]) -> Confusion {
        let mut c = Confusion::new(m.len());
        for (t, row) in m.iter().enumerate() {
            for (p, &k) in row.iter().enumerate() {
                for _ in 0..k {
                    c.add(t, p);
                }
            }
        }
        c
    }

    #[test]
    fn two_class_textbook_kappa() {
        // p_o = 0.7, p_e = 0.5·0.6 + 0.5·0.4 = 0.5 ⇒ κ = 0.4.
        let c = from_matrix(&[&[20, 5], &[10, 15]]);
        assert_eq!(c.total(), 50);
        assert!((c.overall_accuracy() - 0.7).abs() < 1e-12);
        assert!((c.kappa() - 0.4).abs() < 1e-12);
        assert_eq!(c.per_class_accuracy(), vec![Some(0.8), Some(0.6)]);
        assert!((c.average_accuracy() - 0.7).abs() < 1e-12);
    }

    #[test]
    fn three_class_matches_scikit_learn() {
        let c = from_matrix(&[&[50, 3, 2], &[5, 30, 5], &[0, 10, 45]]);
        // scikit-learn: cohen_kappa_score = 0.7482376636455186.
        assert!((c.kappa() - 0.748_237_663_645_518_6).abs() < 1e-12);
        assert!((c.overall_accuracy() - 125.0 / 150.0).abs() < 1e-12);
        let pa = c.per_class_accuracy();
        assert!((pa[0].unwrap() - 50.0 / 55.0).abs() < 1e-12);
        assert!((pa[2].unwrap() - 45.0 / 55.0).abs() < 1e-12);
        assert!((c.average_accuracy() - (50.0 / 55.0 + 0.75 + 45.0 / 55.0) / 3.0).abs() < 1e-12);
        let names: Vec<String> = ["Corn", "Hay, windrowed", "Oats"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            c.to_csv(&names),
            "true \\ predicted,Corn,\"Hay, windrowed\",Oats\nCorn,50,3,2\n\"Hay, windrowed\",5,30,5\nOats,0,10,45\n"
        );
        assert!(
            c.to_csv(&[])
                .starts_with("true \\ predicted,0,1,2\n0,50,3,2\n")
        );
    }

    #[test]
    fn absent_classes_and_edge_cases() {
        let mut c = Confusion::new(3);
        assert_eq!(c.overall_accuracy(), 0.0);
        assert_eq!(c.kappa(), 0.0);
        assert_eq!(c.average_accuracy(), 0.0);
        c.add(0, 0);
        c.add(0, 0);
        c.add(2, 0);
        assert_eq!(c.per_class_accuracy(), vec![Some(1.0), None, Some(0.0)]);
        assert!((c.average_accuracy() - 0.5).abs() < 1e-12);
        // Perfect agreement on one class: p_e = 1.
        let mut p = Confusion::new(2);
        p.add(1, 1);
        assert_eq!(p.kappa(), 1.0);
        let mut m = Confusion::new(3);
        m.merge(&c);
        m.merge(&c);
        assert_eq!(m.counts, vec![4, 0, 0, 0, 0, 0, 2, 0, 0]);
    }
}
