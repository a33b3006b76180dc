//! A progress line for long builds on a terminal: the stage under way and,
//! while pages render, how many are done. Off unless [`enable`] was called
//! (the binary does so only when stderr is a terminal), and nothing is drawn
//! for builds that finish within a fraction of a second.

use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static ON: AtomicBool = AtomicBool::new(false);
static DONE: AtomicUsize = AtomicUsize::new(0);
static TOTAL: AtomicUsize = AtomicUsize::new(0);
static STATE: Mutex<State> = Mutex::new(State {
    started: None,
    last_draw: None,
    label: String::new(),
    drawn: false,
});

struct State {
    started: Option<Instant>,
    last_draw: Option<Instant>,
    label: String,
    drawn: bool,
}

/// Nothing is drawn before a build has run this long.
const QUIET_FOR: Duration = Duration::from_millis(300);
const REDRAW_EVERY: Duration = Duration::from_millis(100);

/// Turns the progress line on (call it only when stderr is a terminal).
pub fn enable() {
    ON.store(true, Ordering::Relaxed);
}

/// What runs after each stage the pipeline reports as done.
fn next_label(stage: &str) -> String {
    match stage {
        "config" => "reading content".into(),
        "content" => "reading data".into(),
        "data" => "Markdown and charts".into(),
        "markdown" => "checking links".into(),
        "anchors+descriptions" => "assembling the site".into(),
        "site" => "rendering pages, feeds and downloads".into(),
        "render+feeds+downloads" => "static files".into(),
        "static" => "search index".into(),
        "search" => "checking output paths".into(),
        "collisions" => "writing files".into(),
        other => format!("after {other}"),
    }
}

/// The pipeline finished `stage` (it starts a build when it is `config`).
pub fn done(stage: &str) {
    if !ON.load(Ordering::Relaxed) {
        return;
    }
    let Ok(mut st) = STATE.lock() else { return };
    if stage == "config" || st.started.is_none() {
        st.started = Some(Instant::now());
    }
    st.label = next_label(stage);
    TOTAL.store(0, Ordering::Relaxed);
    draw(&mut st, true);
}

/// A counted phase starts: `total` items, each reported with [`tick`].
pub fn phase(label: &str, total: usize) {
    if !ON.load(Ordering::Relaxed) {
        return;
    }
    let Ok(mut st) = STATE.lock() else { return };
    st.started.get_or_insert_with(Instant::now);
    st.label = label.to_string();
    DONE.store(0, Ordering::Relaxed);
    TOTAL.store(total, Ordering::Relaxed);
    draw(&mut st, true);
}

/// One item of the current phase is done.
pub fn tick() {
    if !ON.load(Ordering::Relaxed) {
        return;
    }
    let n = DONE.fetch_add(1, Ordering::Relaxed) + 1;
    if n.is_multiple_of(32)
        && let Ok(mut st) = STATE.try_lock()
    {
        draw(&mut st, false);
    }
}

/// Clears the line before the summary is printed; the next build starts anew.
pub fn clear() {
    if !ON.load(Ordering::Relaxed) {
        return;
    }
    let Ok(mut st) = STATE.lock() else { return };
    if st.drawn {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K");
        let _ = err.flush();
    }
    *st = State {
        started: None,
        last_draw: None,
        label: String::new(),
        drawn: false,
    };
}

fn draw(st: &mut State, force: bool) {
    let now = Instant::now();
    let Some(started) = st.started else { return };
    if now - started < QUIET_FOR {
        return;
    }
    if !force && st.last_draw.is_some_and(|t| now - t < REDRAW_EVERY) {
        return;
    }
    st.last_draw = Some(now);
    st.drawn = true;
    let total = TOTAL.load(Ordering::Relaxed);
    let count = if total > 0 {
        format!(" {}/{total}", DONE.load(Ordering::Relaxed).min(total))
    } else {
        String::new()
    };
    let mut err = std::io::stderr().lock();
    let _ = write!(
        err,
        "\r\x1b[2KBuilding… {}{count} ({:.1} s)",
        st.label,
        (now - started).as_secs_f64()
    );
    let _ = err.flush();
}
