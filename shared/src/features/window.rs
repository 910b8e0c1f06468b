//! Window statistics over a trader's (or the firm's) trading days: the minimum-history rule,
//! running mean/variance, drawdown, percentiles and slope.
//!
//! Every window here ends at the scored day and holds at most 60 values for trader features
//! (126 for the firm volatility rank, computed once per firm day), so each statistic is a pass
//! over a short contiguous slice, read backwards from the scored day so that the 3-, 5-, 10-,
//! 20- and 60-day windows share one scan ([`NestedScan`]). That keeps the whole build linear in
//! rows with a small constant. The usual add-the-new/subtract-the-old rolling sums were not
//! used: they drift (the sum of squares cancels catastrophically at dollar scales), worst-day
//! and drawdown cannot be "subtracted" anyway, and a 60-value scan costs about as much as the
//! bookkeeping. A pass that only reads the past also makes "no look-ahead" true by construction.
//!
//! **Standard deviation** is always the sample one (divide by n - 1).
//!
//! **Minimum history**: a window of `w` days gives a value once at least [`min_rows`]`(w)` =
//! max(2, ceil(w / 2)) days are available (e.g. a 20-day window needs 10 rows); with fewer the
//! feature is missing (NaN), never a 0 that looks like data. Between that and a full window the
//! statistic is over the days available.

/// Rows a window of `w` days needs before it yields a value: half the window rounded up, and at
/// least 2 so a standard deviation exists.
pub const fn min_rows(w: usize) -> usize {
    let half = w.div_ceil(2);
    if half < 2 { 2 } else { half }
}

/// Welford's running mean and variance (numerically stable, one pass): for a day's cross-section
/// of traders and the firm's volatility windows.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Moments {
    n: usize,
    mean: f64,
    m2: f64,
}

impl Moments {
    /// Adds one value.
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    /// Mean (NaN when empty).
    pub fn mean(&self) -> f64 {
        if self.n == 0 { f64::NAN } else { self.mean }
    }

    /// Sample standard deviation (n - 1); NaN below 2 values.
    pub fn std(&self) -> f64 {
        if self.n < 2 {
            f64::NAN
        } else {
            (self.m2 / (self.n - 1) as f64).max(0.0).sqrt()
        }
    }
}

/// `num / den`, NaN when the denominator is 0 or missing (a ratio to nothing is unknown, not
/// infinite).
pub(crate) fn ratio(num: f64, den: f64) -> f64 {
    if den == 0.0 || den.is_nan() {
        f64::NAN
    } else {
        num / den
    }
}

/// Statistics of one window ending at the scored day.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WindowStats {
    pub mean: f64,
    pub std: f64,
    pub sum: f64,
    pub worst: f64,
    /// Deepest fall below the running high, starting from the level before the window (<= 0).
    pub max_dd: f64,
    /// The latest close's distance below the highest level in the window, the level before the
    /// window included (<= 0; 0 at that high).
    pub from_high: f64,
    /// Days with a value > 0, as a percentage of the window.
    pub win_rate: f64,
}

impl WindowStats {
    /// Every field missing.
    pub const MISSING: WindowStats = WindowStats {
        mean: f64::NAN,
        std: f64::NAN,
        sum: f64::NAN,
        worst: f64::NAN,
        max_dd: f64::NAN,
        from_high: f64::NAN,
        win_rate: f64::NAN,
    };
}

/// One backward pass over `history` (oldest first, the scored day last) that snapshots the
/// statistics of every window in `windows` (ascending) into `out`. Sum, worst day, wins and
/// drawdown accumulate in the pass; mean and std are taken two-pass over the window's slice at
/// its snapshot.
///
/// Drawdown without the forward equity curve: with `T_k` the sum of the last `k` values, the
/// curve's level `k` days back is `E_now - T_k`, so the fall from an earlier point `p` to a later
/// point `q` is `T_q - T_p`; scanning `p` backwards while keeping the largest `T` seen gives the
/// deepest fall of each nested window in the same pass, and the smallest `T` (with `T_0 = 0`) is
/// the latest close's distance below the window's high.
pub(crate) struct NestedScan;

impl NestedScan {
    pub fn run(history: &[f64], windows: &[usize], out: &mut [WindowStats]) {
        let n = history.len();
        let longest = windows.last().copied().unwrap_or(0).min(n);
        let mut sum = 0.0;
        let mut worst = f64::INFINITY;
        let mut wins = 0usize;
        // T_0 = 0 is the level at the scored day's close.
        let mut max_t = 0.0f64;
        let mut min_t = 0.0f64;
        let mut depth = 0.0f64;
        let mut next = 0;
        for k in 1..=longest {
            let x = history[n - k];
            sum += x;
            worst = worst.min(x);
            wins += usize::from(x > 0.0);
            depth = depth.max(max_t - sum);
            max_t = max_t.max(sum);
            min_t = min_t.min(sum);
            // Snapshot every window whose size (capped at the history) is now reached.
            while let Some(&w) = windows.get(next) {
                if k != w.min(n) {
                    break;
                }
                out[next] = if k >= min_rows(w) {
                    let summary = Summary::of(&history[n - k..]);
                    WindowStats {
                        mean: summary.mean,
                        std: summary.std,
                        sum,
                        worst,
                        // `0.0 - depth` rather than `-depth`: a flat window is 0, not -0.
                        max_dd: 0.0 - depth,
                        from_high: min_t,
                        win_rate: 100.0 * wins as f64 / k as f64,
                    }
                } else {
                    WindowStats::MISSING
                };
                next += 1;
            }
        }
        for slot in out.iter_mut().take(windows.len()).skip(next) {
            *slot = WindowStats::MISSING;
        }
    }
}

/// Mean of up to `w` values of `values` ending just before index `end` (the scored day
/// excluded), skipping missing ones; NaN with fewer than [`min_rows`]`(w)` present.
pub(crate) fn prior_mean(values: &[f64], end: usize, w: usize) -> f64 {
    let start = end.saturating_sub(w);
    let mut sum = 0.0;
    let mut n = 0usize;
    for &v in &values[start..end] {
        if !v.is_nan() {
            sum += v;
            n += 1;
        }
    }
    if n >= min_rows(w) {
        sum / n as f64
    } else {
        f64::NAN
    }
}

/// Count, mean and sample std of a slice, skipping missing values, by the two-pass formula
/// (mean first, then squared deviations from it): exact to rounding, and with no chain of
/// divisions it is faster than [`Moments`] on the short windows here.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Summary {
    pub n: usize,
    pub mean: f64,
    /// Sample std (n - 1); NaN below 2 values.
    pub std: f64,
}

impl Summary {
    pub fn of(values: &[f64]) -> Summary {
        let (mut n, mut sum) = (0usize, 0.0);
        for &v in values {
            if !v.is_nan() {
                n += 1;
                sum += v;
            }
        }
        if n == 0 {
            return Summary {
                n,
                mean: f64::NAN,
                std: f64::NAN,
            };
        }
        let mean = sum / n as f64;
        let std = if n < 2 {
            f64::NAN
        } else {
            let ss: f64 = values
                .iter()
                .filter(|v| !v.is_nan())
                .map(|&v| (v - mean) * (v - mean))
                .sum();
            (ss / (n - 1) as f64).sqrt()
        };
        Summary { n, mean, std }
    }

    /// `(x - mean) / std`, NaN when the std is missing or 0.
    pub fn z(&self, x: f64) -> f64 {
        ratio(x - self.mean, self.std)
    }
}

/// [`Summary`] of up to `w` values ending just before index `end` (the scored day excluded).
pub(crate) fn prior_summary(values: &[f64], end: usize, w: usize) -> Summary {
    Summary::of(&values[end.saturating_sub(w)..end])
}

/// The `q` quantile (0..=1) of `values` (no NaN; reordered in place) with linear interpolation
/// between order statistics (numpy's default, "type 7"); NaN when empty. Selection, not a full
/// sort: the two order statistics needed are found in linear time.
pub(crate) fn quantile(values: &mut [f64], q: f64) -> f64 {
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    let pos = q.clamp(0.0, 1.0) * (n - 1) as f64;
    let lo = pos.floor() as usize;
    let (_, &mut low, above) = values.select_nth_unstable_by(lo, f64::total_cmp);
    let frac = pos - lo as f64;
    if frac == 0.0 {
        return low;
    }
    // The next order statistic is the smallest value above the selected one.
    let high = above.iter().copied().fold(f64::INFINITY, f64::min);
    low + (high - low) * frac
}

/// [`quantile`] of values already in ascending order, read in place: running computations
/// keep an ordered list and must not pay for a copy per step.
pub(crate) fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let pos = q.clamp(0.0, 1.0) * (n - 1) as f64;
    let lo = pos.floor() as usize;
    let frac = pos - lo as f64;
    if frac == 0.0 {
        return sorted[lo];
    }
    sorted[lo] + (sorted[lo + 1] - sorted[lo]) * frac
}

/// Least-squares slope of the cumulative sum of `values` against 0, 1, 2, …: the trend of an
/// equity curve in value per step. NaN with fewer than 2 values.
pub(crate) fn cumulative_slope(values: &[f64]) -> f64 {
    let n = values.len();
    if n < 2 {
        return f64::NAN;
    }
    let t_mean = (n - 1) as f64 / 2.0;
    let mut y = 0.0;
    let mut ty = 0.0;
    let mut tt = 0.0;
    for (t, &v) in values.iter().enumerate() {
        y += v;
        let dt = t as f64 - t_mean;
        // Σ dt = 0, so Σ dt (y - ȳ) = Σ dt y: the mean of y is not needed.
        ty += dt * y;
        tt += dt * dt;
    }
    ty / tt
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_interpolates_like_numpy() {
        // numpy.percentile([8, 8, 9, 9, 10, 10, 10, 10, 10, 10, 11, 11, 12, 12, 14], 80) == 11.2
        let mut v = [
            10.0, 12.0, 8.0, 10.0, 11.0, 9.0, 10.0, 10.0, 12.0, 8.0, 10.0, 14.0, 10.0, 9.0, 11.0,
        ];
        assert!((quantile(&mut v, 0.8) - 11.2).abs() < 1e-12);
        assert_eq!(quantile(&mut [3.0, 1.0, 2.0], 0.5), 2.0);
        assert_eq!(quantile(&mut [5.0], 0.8), 5.0);
        assert_eq!(quantile(&mut [1.0, 2.0], 1.0), 2.0);
        assert!(quantile(&mut [], 0.8).is_nan());
    }

    #[test]
    fn summary_is_sample_std_and_skips_missing() {
        let s = Summary::of(&[1.0, f64::NAN, 2.0, 3.0, 4.0]);
        assert_eq!(s.n, 4);
        assert_eq!(s.mean, 2.5);
        assert!((s.std - (5.0f64 / 3.0).sqrt()).abs() < 1e-15);
        assert!(Summary::of(&[1.0]).std.is_nan());
        assert!(Summary::of(&[2.0, 2.0]).z(3.0).is_nan()); // std 0: no z-score
    }

    #[test]
    fn slope_of_a_constant_daily_gain_is_that_gain() {
        assert!((cumulative_slope(&[5.0; 12]) - 5.0).abs() < 1e-12);
        assert!(cumulative_slope(&[5.0]).is_nan());
    }
}
