//! The oracle: the simulator's own probability that a trader-day closes negative, given only what
//! was known the evening before.
//!
//! This is the ceiling any model trained on the exports can approach, so it must condition on
//! exactly the evening state (traits, tilt, yesterday's regime, carried positions with their
//! marks, whether the account is closing out) and integrate over everything the day itself draws.
//! It re-runs the day's structure from [`super::day`] (tomorrow's regime and shock, trade counts,
//! shapes, the bad-morning reaction, an overnight position) by Monte Carlo on a forked stream that
//! never touches the trader's own, and integrates each draw's Gaussian price noise in closed form
//! (Rao-Blackwellisation): the morning's sum is drawn because the afternoon reacts to it, the rest
//! enters through the normal CDF. With tomorrow's regime, the market shock and the morning also
//! stratified across draws, 48 draws beat 200 plain draws of the 0/1 outcome. What it ignores is
//! small by construction: tick rounding of prices, the penny a marketable entry may walk, and the
//! gap between the fees a trader budgets for and the fees charged.
//!
//! The day is played under the firm's stop (`risk`), and a stopped day closes negative, so each
//! draw's probability is that of the running P&L touching the stop or the day ending below zero.
//! The risk desk marks positions along Brownian bridges, so the running P&L is a Brownian motion
//! with drift in its own variance clock and the touch has a closed form (reflection principle):
//! [`closes_negative`]. Its one approximation, taking the morning's variance before the rest's, is
//! measured against played sessions in `account::tests`: the stop's share of the probability
//! agrees to within two points.
//!
//! The probability is conditional on the trader showing up: oracle rows exist for exactly the
//! account-days in `totals.csv`.

use rand::{Rng, RngCore};

use super::day::{self, Drivers, Evening, Overnight};
use super::fees;
use super::market::Session;
use super::symbols::UNIVERSE;

/// Monte Carlo draws per trader-day. With the price noise integrated exactly and the main drivers
/// stratified, 48 draws leave a root-mean-square error of about two percentage points against a
/// 2,048-draw reference (200 plain draws of the 0/1 outcome would leave about 3.5).
pub const DRAWS: usize = 48;

/// The oracle's own random stream for one trader-day: xoshiro256++ seeded through SplitMix64
/// from (seed, account, day) alone, so computing or skipping the oracle leaves every draw of the
/// simulation itself unchanged. The oracle makes most of the run's random draws; a small
/// generator written out here is several times faster than ChaCha and, unlike `rand`'s
/// `SmallRng`, cannot change under a dependency update.
pub struct Fork {
    s: [u64; 4],
}

impl Fork {
    pub fn new(seed: u64, account: usize, day: usize) -> Fork {
        let mut x =
            seed ^ 0x6f72_6163_6c65_0000 ^ (account as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        x = splitmix64(&mut x) ^ (day as u64);
        Fork {
            s: [
                splitmix64(&mut x),
                splitmix64(&mut x),
                splitmix64(&mut x),
                splitmix64(&mut x),
            ],
        }
    }
}

fn splitmix64(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl RngCore for Fork {
    fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let out = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        out
    }

    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        for chunk in dst.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

/// P(the coming session's Total δ < 0 | the evening), given that the account trades, under the
/// day's stop.
pub fn p_negative(e: &Evening<'_>, rng: &mut Fork) -> f64 {
    let p = e.profile;
    let strata = LatinHypercube::new(rng);
    let mut sum = 0.0;
    for k in 0..DRAWS {
        let session = Session {
            regime: e.regime.next_at(strata.uniform(REGIME, k, rng)),
            shock: inverse_normal_cdf(strata.uniform(SHOCK, k, rng)),
        };
        let open = Drivers::at_open(p, e.mood, session);
        let n_morning = day::trade_count(open.lam_morning, rng);
        let (mut mean, mut var) = (0.0, 0.0);
        for _ in 0..n_morning {
            let s = day::draw_shape(p, &open, e.quotes, rng);
            mean += s.mean;
            var += s.sd * s.sd;
        }
        let z = inverse_normal_cdf(strata.uniform(MORNING, k, rng));
        let morning = mean + var.sqrt() * z;
        let morning_var = var;
        let rest = open.after_morning(p, morning);
        let mut n_rest = day::trade_count(rest.lam_rest, rng);
        if n_morning + n_rest == 0 && e.carried.is_empty() {
            n_rest = 1;
        }
        let (mut mean, mut var) = (0.0, 0.0);
        for _ in 0..n_rest {
            let s = day::draw_shape(p, &rest, e.quotes, rng);
            mean += s.mean;
            var += s.sd * s.sd;
        }
        for c in e.carried {
            let (m, sd) = day::carry_moments(&rest, c.sym, c.qty, c.mark_e4 as f64 / 1e4);
            mean += m;
            var += sd * sd;
        }
        if !e.closing_out && rng.random_bool(p.p_carry) {
            // Opening an overnight position costs its entry fees today, and the open part is
            // marked at the add into the close.
            let o = Overnight::draw(p, &rest, e.quotes, e.stop, rng);
            let s = &o.shape;
            let htb = !s.long && UNIVERSE[usize::from(s.sym)].hard_to_borrow;
            mean -=
                fees::round_trip_estimate(&p.schedule, s.shares, s.anchor, p.add_share, htb) / 2.0;
            var += o.mark_variance(&rest);
        }
        sum += closes_negative(morning, morning_var, mean, var, e.stop);
    }
    sum / DRAWS as f64
}

/// P(the day closes negative under a stop at `-stop`), given the morning's P&L `m` (from trades
/// whose variance was `morning_var`) and the mean and variance of the rest of the day.
///
/// A stopped day always closes negative, so this is P(the running P&L touches `-stop`, or the day
/// ends below zero). The risk desk marks every position along a Brownian bridge (`risk`), so the
/// running P&L is a Brownian motion with drift in its own variance clock: the morning a bridge
/// from 0 to `m`, the rest a Brownian motion from `m`. Both touch probabilities are then the
/// reflection principle's closed forms. Taking the morning's variance first and the rest's after
/// it is the approximation: in the session they overlap around 11:00, and carried positions are
/// closed during the morning. `session_frequencies_match_the_oracle_under_the_stop` measures it.
pub fn closes_negative(m: f64, morning_var: f64, mean: f64, var: f64, stop: f64) -> f64 {
    if m <= -stop {
        return 1.0;
    }
    // A Brownian bridge from 0 to m > -stop touches -stop with probability
    // exp(-2 stop (stop + m) / variance).
    let touched_in_morning = if morning_var > 0.0 && stop.is_finite() {
        (-2.0 * stop * (stop + m) / morning_var).exp()
    } else {
        0.0
    };
    touched_in_morning + (1.0 - touched_in_morning) * touches_or_ends_below(m, mean, var, stop)
}

/// P(min of `m + X` reaches `-stop`, or `m + X` ends below 0) for `X` a Brownian motion with
/// drift whose end is N(`mean`, `var`), and `m > -stop`.
fn touches_or_ends_below(m: f64, mean: f64, var: f64, stop: f64) -> f64 {
    let end = m + mean;
    if var <= 0.0 {
        // A straight line from m above the stop ends below zero or never reaches the stop.
        return if end < 0.0 { 1.0 } else { 0.0 };
    }
    let sd = var.sqrt();
    let below = normal_cdf(-end / sd);
    if !stop.is_finite() {
        return below;
    }
    // Paths that touch -stop and still end at or above 0 (reflection principle with drift):
    // exp(-2 mean (m + stop) / var) Φ((mean - m - 2 stop) / sd). When the factor would overflow
    // the Φ term has underflowed to 0 long before: such paths cannot end above 0.
    let reflected = normal_cdf((mean - m - 2.0 * stop) / sd);
    let touched_and_recovered = if reflected > 0.0 {
        (-2.0 * mean * (m + stop) / var).min(700.0).exp() * reflected
    } else {
        0.0
    };
    (below + touched_and_recovered).clamp(0.0, 1.0)
}

/// The draws that move a day's outcome most (tomorrow's regime, the market shock, the morning's
/// P&L) are Latin-hypercube stratified across the Monte Carlo draws: each draw gets its own
/// slice of each one's distribution, in an independently shuffled order. Measured against 2,048
/// plain draws this halves the error for the same cost.
struct LatinHypercube {
    slices: [[u16; DRAWS]; 3],
}

const REGIME: usize = 0;
const SHOCK: usize = 1;
const MORNING: usize = 2;

impl LatinHypercube {
    fn new(rng: &mut Fork) -> LatinHypercube {
        let mut slices = [[0u16; DRAWS]; 3];
        for dim in &mut slices {
            for (i, s) in dim.iter_mut().enumerate() {
                *s = i as u16;
            }
            for i in (1..DRAWS).rev() {
                dim.swap(i, rng.random_range(0..=i));
            }
        }
        LatinHypercube { slices }
    }

    /// A uniform draw from draw `k`'s slice of dimension `dim`.
    fn uniform(&self, dim: usize, k: usize, rng: &mut Fork) -> f64 {
        (f64::from(self.slices[dim][k]) + rng.random::<f64>()) / DRAWS as f64
    }
}

/// Inverse of the standard normal CDF (Acklam's rational approximation, relative error below
/// 1.2e-9), used to turn stratified uniforms into stratified normal draws.
pub fn inverse_normal_cdf(u: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const LOW: f64 = 0.024_25;
    let u = u.clamp(1e-300, 1.0 - 1e-16);
    if !(LOW..=1.0 - LOW).contains(&u) {
        let q = (-2.0 * (if u < LOW { u } else { 1.0 - u }).ln()).sqrt();
        let x = (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0);
        if u < LOW { x } else { -x }
    } else {
        let q = u - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// Standard normal CDF via the complementary error function (Numerical Recipes' Chebyshev fit,
/// relative error below 1.2e-7, far finer than the Monte Carlo error).
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_cdf_matches_known_values() {
        for (x, want) in [
            (0.0, 0.5),
            (1.0, 0.841_344_746),
            (-1.96, 0.024_997_895),
            (3.0, 0.998_650_102),
        ] {
            assert!((normal_cdf(x) - want).abs() < 1e-6, "cdf({x})");
        }
    }

    #[test]
    fn inverse_normal_cdf_inverts_the_cdf() {
        for u in [
            1e-9,
            0.001,
            0.02425,
            0.1,
            0.5,
            0.77,
            0.975_75,
            0.999,
            1.0 - 1e-9,
        ] {
            let x = inverse_normal_cdf(u);
            assert!(
                (normal_cdf(x) - u).abs() < 1e-6 * u.max(1e-3),
                "u = {u}, x = {x}"
            );
        }
        assert_eq!(inverse_normal_cdf(0.5), 0.0);
    }

    #[test]
    fn the_stop_closed_forms_match_a_simulated_brownian_motion() {
        use rand::SeedableRng;
        use rand_chacha::ChaCha8Rng;
        use rand_distr::{Distribution, StandardNormal};
        // Morning: a bridge from 0 to m over variance 4e6; rest: drift +1,500, variance 9e6;
        // stop at -3,000. Simulated on a fine grid, which touches slightly less often than the
        // continuous formula says (about 0.58 sd of a step, Broadie & Glasserman 1997).
        let (m, vm, mean, var, stop) = (-500.0, 4.0e6, 1_500.0, 9.0e6, 3_000.0);
        let mut rng = ChaCha8Rng::seed_from_u64(17);
        let steps = 500;
        let (mut hits, runs) = (0, 5_000);
        for _ in 0..runs {
            // The morning bridge, then the rest.
            let mut x = 0.0f64;
            let mut touched = false;
            for i in 0..steps {
                let left = f64::from(steps - i);
                let step_var = vm / f64::from(steps) * (left - 1.0) / left;
                let z: f64 = StandardNormal.sample(&mut rng);
                x += (m - x) / left + step_var.sqrt() * z;
                touched |= x <= -stop;
            }
            for _ in 0..steps {
                let z: f64 = StandardNormal.sample(&mut rng);
                x += mean / f64::from(steps) + (var / f64::from(steps)).sqrt() * z;
                touched |= x <= -stop;
            }
            hits += usize::from(touched || x < 0.0);
        }
        let simulated = hits as f64 / f64::from(runs);
        let formula = closes_negative(m, vm, mean, var, stop);
        let without = normal_cdf(-(m + mean) / var.sqrt());
        assert!(
            (simulated - formula).abs() < 0.03,
            "simulated {simulated} vs closed form {formula}"
        );
        assert!(formula > without + 0.05, "the stop matters here");
        assert_eq!(closes_negative(-3_000.0, vm, mean, var, stop), 1.0);
        assert_eq!(
            closes_negative(m, vm, mean, var, f64::INFINITY),
            without,
            "no stop, no touching"
        );
    }

    #[test]
    fn forks_are_distinct_per_trader_day() {
        let a = Fork::new(1, 2, 3).next_u64();
        let b = Fork::new(1, 2, 4).next_u64();
        let c = Fork::new(1, 3, 3).next_u64();
        assert!(a != b && a != c && b != c);
        assert_eq!(a, Fork::new(1, 2, 3).next_u64());
    }

    #[test]
    fn fork_matches_the_xoshiro256plusplus_reference() {
        // Reference output for state [1, 2, 3, 4] from the authors' C implementation.
        let mut f = Fork { s: [1, 2, 3, 4] };
        let got: Vec<u64> = (0..3).map(|_| f.next_u64()).collect();
        assert_eq!(got, [41_943_041, 58_720_359, 3_588_806_011_781_223]);
    }
}
