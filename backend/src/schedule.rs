//! The jobs and their scheduler: the morning job (predict, save, audit, alert; `dars predict`
//! runs it by hand) and the retrain, and the scheduler inside `dars serve` that runs them: the morning prediction and alerts at `schedule.daily`
//! (Monday to Friday) and the retrain as `training.retrain_freq` says — `weekly` at
//! `schedule.weekly`, `daily` every weekday at that time of day, `monthly` on the first such
//! weekday of a month, `never` not at all — in `schedule.timezone`. Jobs run
//! on their own thread; a failed or panicking job is logged, audited and alerted, and never
//! takes the server down. `dars schedule print-cron` gives the same plan as crontab lines for
//! firms that prefer cron.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Weekday};
use chrono_tz::Tz;
use dars_shared::analytics::PromotionAction;

use crate::alerts;
use crate::audit::{Audit, Kind};
use crate::config::{Config, Daily, RetrainFreq, Secrets, Weekly};
use crate::runs::{self, PredictionRun, RunStore};
use crate::train::{ModelRequest, TrainRequest};

/// The local time `t` on `date`, resolved through DST: an ambiguous time (autumn) takes the
/// first occurrence; a time skipped by the spring change runs at the first valid minute after.
fn at(tz: Tz, date: NaiveDate, t: NaiveTime) -> DateTime<Tz> {
    let mut local = date.and_time(t);
    for _ in 0..180 {
        if let Some(dt) = tz.from_local_datetime(&local).earliest() {
            return dt;
        }
        local += Duration::minutes(1);
    }
    // No zone skips three hours; fall back to reading the time as UTC.
    tz.from_utc_datetime(&date.and_time(t))
}

/// The next weekday (Monday to Friday) run of `daily` strictly after `now`.
pub fn next_daily(now: DateTime<Tz>, daily: Daily) -> DateTime<Tz> {
    let tz = now.timezone();
    let mut date = now.date_naive();
    loop {
        if !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            let dt = at(tz, date, daily.0);
            if dt > now {
                return dt;
            }
        }
        date = date.succ_opt().unwrap_or(date);
    }
}

/// The next run of `weekly` strictly after `now`.
pub fn next_weekly(now: DateTime<Tz>, weekly: Weekly) -> DateTime<Tz> {
    let tz = now.timezone();
    let mut date = now.date_naive();
    loop {
        if date.weekday() == weekly.0 {
            let dt = at(tz, date, weekly.1);
            if dt > now {
                return dt;
            }
        }
        date = date.succ_opt().unwrap_or(date);
    }
}

/// The next retrain strictly after `now` under `freq` (`schedule.weekly` gives the day and
/// the time of day); `None` for `never`.
pub fn next_retrain(now: DateTime<Tz>, freq: RetrainFreq, weekly: Weekly) -> Option<DateTime<Tz>> {
    match freq {
        RetrainFreq::Never => None,
        RetrainFreq::Weekly => Some(next_weekly(now, weekly)),
        RetrainFreq::Daily => Some(next_daily(now, Daily(weekly.1))),
        RetrainFreq::Monthly => {
            let mut t = now;
            loop {
                let w = next_weekly(t, weekly);
                if w.day() <= 7 {
                    return Some(w);
                }
                t = w;
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Job {
    Morning,
    Retrain,
}

/// Starts the scheduler thread.
pub fn spawn(cfg: Config, models: PathBuf) -> Result<()> {
    let tz = cfg.schedule.tz()?;
    let daily = cfg.schedule.daily_time()?;
    let weekly = cfg.schedule.weekly_time()?;
    let freq = cfg.training.retrain_freq;
    let now = chrono::Utc::now().with_timezone(&tz);
    tracing::info!(
        "scheduler: morning run next at {}, retrain ({freq:?}) next at {} ({})",
        next_daily(now, daily).format("%a %Y-%m-%d %H:%M %Z"),
        next_retrain(now, freq, weekly).map_or("never".into(), |t| t
            .format("%a %Y-%m-%d %H:%M %Z")
            .to_string()),
        cfg.schedule.timezone
    );
    std::thread::Builder::new()
        .name("dars-scheduler".into())
        .spawn(move || {
            loop {
                let now = chrono::Utc::now().with_timezone(&tz);
                let d = next_daily(now, daily);
                let (when, job) = match next_retrain(now, freq, weekly) {
                    Some(w) if w < d => (w, Job::Retrain),
                    _ => (d, Job::Morning),
                };
                // Sleep in short steps so a changed clock (suspend, NTP) is noticed.
                while chrono::Utc::now() < when.with_timezone(&chrono::Utc) {
                    std::thread::sleep(std::time::Duration::from_secs(20));
                }
                run_job(&cfg, &models, job, when.date_naive());
            }
        })
        .context("starting the scheduler thread")?;
    Ok(())
}

/// Runs one job, containing failures and panics.
fn run_job(cfg: &Config, models: &Path, job: Job, today: NaiveDate) {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match job {
        Job::Morning => morning(cfg, None, today, true).map(|(run, path)| {
            format!(
                "morning run for {}: {} trader(s), written to {}",
                run.as_of,
                run.active_traders,
                path.display()
            )
        }),
        Job::Retrain => retrain(cfg, models),
    }));
    match result {
        Ok(Ok(msg)) => tracing::info!("scheduler: {msg}"),
        Ok(Err(e)) => {
            tracing::error!("scheduler: {job:?} job failed: {e:#}");
            // The morning job audits and alerts its own failures.
            if job == Job::Retrain {
                report_failure(cfg, "scheduler", today, &e, true);
            }
        }
        Err(_) => {
            let e = anyhow::anyhow!("the {job:?} job panicked");
            tracing::error!("scheduler: {e}");
            report_failure(cfg, "scheduler", today, &e, true);
        }
    }
}

/// The weekly job (and `dars retrain`): train with the configured validation, then publish
/// the new version if `training.auto_promote` and its out-of-fold AUC is at least the current
/// model's.
pub fn retrain(cfg: &Config, models: &Path) -> Result<String> {
    let registry = crate::registry::Registry::open(models).audited(&cfg.paths.data);
    let current_auc = match registry.current()? {
        Some(v) => registry.load(&v)?.metrics.calibrated.roc_auc,
        None => None,
    };
    let trained = crate::train::train(&retrain_args(cfg, models)?)?;
    let new_auc = registry.load(&trained.version)?.metrics.calibrated.roc_auc;
    let better = match (new_auc, current_auc) {
        (Some(n), Some(c)) => n >= c,
        (Some(_), None) => true,
        _ => false,
    };
    let promoted = cfg.training.auto_promote && better && trained.verdict.publish;
    if promoted {
        registry.move_current(
            &trained.version,
            PromotionAction::Promote,
            &format!(
                "scheduled retrain: out-of-fold AUC {} vs {} before",
                new_auc.map_or("-".into(), |a| format!("{a:.3}")),
                current_auc.map_or("none".into(), |a| format!("{a:.3}"))
            ),
        )?;
    }
    Audit::open(&cfg.paths.data)?.append(
        Kind::Retrain,
        "scheduler",
        None,
        &serde_json::json!({
            "version": trained.version,
            "auc": new_auc,
            "previous_auc": current_auc,
            "promoted": promoted,
        }),
    )?;
    Ok(format!(
        "retrained {} (AUC {}); {}",
        trained.version,
        new_auc.map_or("-".into(), |a| format!("{a:.3}")),
        if promoted {
            "published"
        } else {
            "not published (not better than the current model, or auto_promote is off)"
        }
    ))
}

/// What `dars predict` runs: the morning job with settings resolved.
#[derive(Debug, Clone)]
pub struct PredictRequest {
    pub config: Config,
    /// Score as of this trading day's close (`None`: the latest day in the lake).
    pub date: Option<NaiveDate>,
    /// Also send the alerts configured in `alerts.*`.
    pub alert: bool,
}

/// `dars predict`: run, save, audit, alert when asked, print the JSON; warnings and a summary
/// go to stderr.
pub fn predict_cli(args: &PredictRequest) -> Result<()> {
    let cfg = &args.config;
    let today = chrono::Utc::now()
        .with_timezone(&cfg.schedule.tz()?)
        .date_naive();
    let (run, path) = morning(cfg, args.date, today, args.alert)?;
    println!(
        "{}",
        serde_json::to_string_pretty(&run.compact()).context("serialising the run")?
    );
    eprint!("{}", runs::summary(&run));
    eprintln!("written to {}", path.display());
    Ok(())
}

/// The whole morning job, as `dars predict` and the scheduler run it: predict, save, audit
/// every prediction, then alert. A failure is audited and sent to the ops recipients before
/// it is returned.
pub fn morning(
    cfg: &Config,
    date: Option<NaiveDate>,
    today: NaiveDate,
    send_alerts: bool,
) -> Result<(PredictionRun, PathBuf)> {
    let secrets = Secrets::from_env();
    let result = (|| -> Result<(PredictionRun, PathBuf)> {
        if let Some(req) = morning_pull(cfg, &secrets, today)? {
            crate::pull::pull(&req).context("the morning pull from PropReports")?;
        }
        // Held from the first read of the lake to the run written: waits for a running ingest,
        // refuses a lake an interrupted one left half-written, and keeps a writer (an ingest, a
        // key rotation) out until the run is on disk.
        let lake = crate::lake::lock::read(&cfg.paths.data)?;
        let run = crate::predict::predict(cfg, date, today)?;
        let path = RunStore::new(&cfg.paths.data).write(&run)?;
        drop(lake);
        // One connection for the run's rows, the checkpoint and the alerts' rows.
        let mut audit = Audit::open(&cfg.paths.data)?;
        audit_run(&mut audit, &run)?;
        if send_alerts {
            let checkpoint = audit.checkpoint()?;
            let deliveries = alerts::send_run_alerts(cfg, &secrets, &run, checkpoint.as_ref())?;
            for d in &deliveries {
                audit.append(Kind::Alert, "morning run", None, &serde_json::to_value(d)?)?;
                eprintln!("alert: {d}");
            }
            alerts::ensure_delivered(&deliveries)?;
        }
        Ok((run, path))
    })();
    if let Err(e) = &result {
        report_failure(cfg, "morning run", date.unwrap_or(today), e, send_alerts);
    }
    result
}

/// The morning job's pull, when `propreports.pull_before_predict` asks for one: the last
/// `propreports.morning_days` calendar days, ending `today`, from the firm's PropReports API
/// into the lake, before anything reads it.
pub fn morning_pull(
    cfg: &Config,
    secrets: &Secrets,
    today: NaiveDate,
) -> Result<Option<crate::pull::PullRequest>> {
    if !cfg.propreports.pull_before_predict {
        return Ok(None);
    }
    let days = u64::from(cfg.propreports.morning_days.saturating_sub(1));
    let from = today
        .checked_sub_days(chrono::Days::new(days))
        .unwrap_or(today);
    crate::pull::PullRequest::configured(
        cfg,
        secrets,
        from,
        today,
        Vec::new(),
        crate::lake::IngestRequest::configured(cfg.paths.data.clone(), cfg),
    )
    .map(Some)
}

/// Audits a failed run and, when alerts are on, tells the ops recipients. Never fails itself:
/// it runs when something already has.
pub fn report_failure(cfg: &Config, actor: &str, day: NaiveDate, e: &anyhow::Error, alert: bool) {
    if let Ok(mut audit) = Audit::open(&cfg.paths.data) {
        let _ = audit.append(
            Kind::RunFailed,
            actor,
            None,
            &serde_json::json!({ "date": day, "error": format!("{e:#}") }),
        );
    }
    if alert {
        match alerts::send_failure_alert(cfg, &Secrets::from_env(), day, e) {
            Ok(ds) => ds.iter().for_each(|d| eprintln!("failure alert: {d}")),
            Err(alert_err) => eprintln!("the failure alert could not be sent: {alert_err:#}"),
        }
    }
}

/// One audit row per trader.
fn audit_run(audit: &mut Audit, run: &PredictionRun) -> Result<()> {
    for t in &run.traders {
        audit.append(
            Kind::Prediction,
            "morning run",
            Some(&t.account_id),
            &serde_json::json!({
                "as_of": run.as_of,
                "status": t.status,
                "model_version": t.model_version,
                "system": t.system,
                "probability": t.probability,
                "decision": t.decision,
                "top_factors": t.top_factors.iter().map(|f| &f.sentence).collect::<Vec<_>>(),
            }),
        )?;
    }
    Ok(())
}

/// What the scheduled retrain trains with: the configuration's data, validation plan
/// (`training.folds`, `embargo_days`, `min_train_days`), policy and windows.
pub fn retrain_args(cfg: &Config, models: &Path) -> Result<TrainRequest> {
    Ok(TrainRequest {
        model: ModelRequest::from_config(cfg)?,
        models: models.to_owned(),
        promote: false,
        quiet: true,
    })
}

/// `dars schedule print-cron`: the same plan for cron (`CRON_TZ` keeps the desk's zone).
pub fn print_cron(cfg: &Config, config_path: &Path) -> Result<String> {
    let daily = cfg.schedule.daily_time()?;
    let weekly = cfg.schedule.weekly_time()?;
    cfg.schedule.tz()?;
    let dir = std::env::current_dir().context("reading the working directory")?;
    let exe = std::env::current_exe().context("locating the dars binary")?;
    let cd = shell_quote(&dir.display().to_string());
    let exe = shell_quote(&exe.display().to_string());
    let conf = shell_quote(&config_path.display().to_string());
    use chrono::Timelike;
    // The log stays outside the data directory, in the clear: the jobs' messages, never the
    // run itself (predict's JSON goes to /dev/null: the run is saved, sealed, in the data).
    let log = shell_quote("dars-cron.log");
    let (wm, wh, wd) = (
        weekly.1.minute(),
        weekly.1.hour(),
        weekly.0.num_days_from_sunday(),
    );
    // `training.retrain_freq`: the same days as the scheduler's (cron ORs day-of-month with
    // day-of-week, so the monthly line tests the day of the month in the shell).
    let tz = &cfg.schedule.timezone;
    let retrain = match cfg.training.retrain_freq {
        RetrainFreq::Never => String::new(),
        RetrainFreq::Weekly => {
            format!("{wm} {wh} * * {wd} cd {cd} && {exe} retrain --config {conf} >> {log} 2>&1\n")
        }
        RetrainFreq::Daily => {
            format!("{wm} {wh} * * 1-5 cd {cd} && {exe} retrain --config {conf} >> {log} 2>&1\n")
        }
        RetrainFreq::Monthly => format!(
            "{wm} {wh} * * {wd} [ \"$(TZ={tz} date +\\%d)\" -le 07 ] && cd {cd} && {exe} retrain --config \
             {conf} >> {log} 2>&1\n"
        ),
    };
    Ok(format!(
        "# DARS schedule ({tz}); install with `crontab -e`.\n\
         CRON_TZ={tz}\n\
         {dm} {dh} * * 1-5 cd {cd} && {exe} predict --config {conf} --alert > /dev/null 2>> {log}\n\
         {retrain}",
        dm = daily.0.minute(),
        dh = daily.0.hour(),
    ))
}

fn shell_quote(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ny(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Tz> {
        chrono_tz::America::New_York
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .earliest()
            .unwrap_or_else(|| panic!("bad test time"))
    }

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default()
    }

    #[test]
    fn daily_runs_on_weekdays_after_now() {
        let d = Daily(t(6, 30));
        // Friday 2025-08-29 05:00 -> same morning; 07:00 -> Monday.
        assert_eq!(next_daily(ny(2025, 8, 29, 5, 0), d), ny(2025, 8, 29, 6, 30));
        assert_eq!(next_daily(ny(2025, 8, 29, 7, 0), d), ny(2025, 9, 1, 6, 30));
        // Exactly at the time: the next one.
        assert_eq!(
            next_daily(ny(2025, 8, 28, 6, 30), d),
            ny(2025, 8, 29, 6, 30)
        );
    }

    #[test]
    fn weekly_runs_on_its_day() {
        let w = Weekly(Weekday::Sun, t(20, 0));
        assert_eq!(
            next_weekly(ny(2025, 8, 29, 12, 0), w),
            ny(2025, 8, 31, 20, 0)
        );
        assert_eq!(
            next_weekly(ny(2025, 8, 31, 20, 0), w),
            ny(2025, 9, 7, 20, 0)
        );
    }

    #[test]
    fn dst_changes_keep_local_time() {
        let d = Daily(t(6, 30));
        // Before and after the spring change (2025-03-09), 06:30 local both times: 11:30 UTC
        // then 10:30 UTC.
        let fri = next_daily(ny(2025, 3, 7, 0, 0), d);
        let mon = next_daily(ny(2025, 3, 8, 0, 0), d);
        assert_eq!(
            fri.with_timezone(&chrono::Utc).format("%H:%M").to_string(),
            "11:30"
        );
        assert_eq!(
            mon.with_timezone(&chrono::Utc).format("%H:%M").to_string(),
            "10:30"
        );
        // A time inside the skipped hour runs at the first valid minute.
        let w = Weekly(Weekday::Sun, t(2, 30));
        assert_eq!(
            next_weekly(ny(2025, 3, 8, 12, 0), w)
                .format("%H:%M")
                .to_string(),
            "03:00"
        );
    }

    #[test]
    fn cron_lines_match_the_schedule() {
        let cfg = Config::default();
        let text = print_cron(&cfg, Path::new("config.yaml")).unwrap_or_default();
        assert!(text.contains("CRON_TZ=America/New_York"), "{text}");
        assert!(text.contains("\n30 6 * * 1-5 cd "), "{text}");
        assert!(
            text.contains("predict --config config.yaml --alert"),
            "{text}"
        );
        assert!(text.contains("\n0 20 * * 0 cd "), "{text}");
        // The run's JSON (every account's decision) is never appended to a log in the clear,
        // and the log lies outside the data directory.
        assert!(
            text.contains("--alert > /dev/null 2>> dars-cron.log"),
            "{text}"
        );
        assert!(!text.contains("data/"), "{text}");
        let mut never = Config::default();
        never.training.retrain_freq = RetrainFreq::Never;
        let text = print_cron(&never, Path::new("config.yaml")).unwrap_or_default();
        assert!(!text.contains("retrain"), "{text}");
    }

    /// `training.retrain_freq` sets the retrain's days: every weekday, the weekly day, the
    /// first weekly day of a month, or never.
    #[test]
    fn retrain_follows_its_frequency() {
        let w = Weekly(
            Weekday::Sun,
            NaiveTime::from_hms_opt(20, 0, 0).unwrap_or_default(),
        );
        // Friday 2025-08-29 noon.
        let now = ny(2025, 8, 29, 12, 0);
        let at = |freq| next_retrain(now, freq, w).map(|t| t.naive_local().to_string());
        assert_eq!(
            at(RetrainFreq::Daily).as_deref(),
            Some("2025-08-29 20:00:00")
        );
        assert_eq!(
            at(RetrainFreq::Weekly).as_deref(),
            Some("2025-08-31 20:00:00")
        );
        assert_eq!(
            at(RetrainFreq::Monthly).as_deref(),
            Some("2025-09-07 20:00:00")
        );
        assert_eq!(at(RetrainFreq::Never), None);
    }
}
