//! Result rows and their rendering: an aligned text table or Markdown.

/// One measured path of one workload.
#[derive(Debug, Default, Clone)]
pub struct Row {
    /// Workload name, e.g. `stream/tcp/64B`.
    pub workload: String,
    /// Which implementation: `raw`, `zil`, `python`, ...
    pub path: String,
    /// Whether this path is zil's (ratios are shown for it).
    pub is_zil: bool,
    /// Whether this path is the raw libzmq reference of its workload.
    pub is_raw: bool,
    /// Whether this path is the Python original.
    pub is_python: bool,
    /// Whether this path is NNG's.
    pub is_nng: bool,
    /// Messages (or calls) measured.
    pub msgs: u64,
    /// Messages (or calls) per second.
    pub rate: f64,
    /// Payload megabytes (10^6) per second.
    pub mb_per_s: Option<f64>,
    /// Median and 99th-percentile latency in µs (RPC).
    pub p50_us: Option<f64>,
    pub p99_us: Option<f64>,
    /// Sent minus received.
    pub lost: Option<u64>,
    /// Free text: checks, counters.
    pub note: String,
    /// The path failed (error, loss, wrong bytes): non-zero exit.
    pub failed: bool,
    /// Filled in by [`fill_ratios`].
    pub vs_raw: Option<f64>,
    pub vs_python: Option<f64>,
    pub vs_nng: Option<f64>,
}

impl Row {
    pub fn new(workload: &str, path: &str) -> Self {
        Row {
            workload: workload.to_owned(),
            path: path.to_owned(),
            is_zil: path.starts_with("zil"),
            is_raw: path.starts_with("raw"),
            is_python: path.starts_with("python"),
            is_nng: path.starts_with("NNG"),
            ..Row::default()
        }
    }

    /// A row for a path that could not be measured.
    pub fn error(workload: &str, path: &str, err: &str) -> Self {
        let mut row = Row::new(workload, path);
        row.note = format!("ERROR: {err}");
        row.failed = !row.is_python;
        row
    }
}

/// Sets each row's ratio to its workload's raw row (the first one), and
/// each zil row's ratios to the Python and NNG rows of its workload.
pub fn fill_ratios(rows: &mut [Row]) {
    let n = rows.len();
    for i in 0..n {
        let same = |r: &Row| r.workload == rows[i].workload && r.rate > 0.0 && !r.failed;
        let raw = rows.iter().find(|r| r.is_raw && same(r)).map(|r| r.rate);
        let py = rows.iter().find(|r| r.is_python && same(r)).map(|r| r.rate);
        let nng = rows.iter().find(|r| r.is_nng && same(r)).map(|r| r.rate);
        let row = &rows[i];
        if row.rate <= 0.0 || row.is_raw {
            continue;
        }
        let vs_raw = raw.map(|raw| row.rate / raw);
        let (vs_python, vs_nng) = if row.is_zil {
            (py.map(|py| row.rate / py), nng.map(|nng| row.rate / nng))
        } else {
            (None, None)
        };
        rows[i].vs_raw = vs_raw;
        rows[i].vs_python = vs_python;
        rows[i].vs_nng = vs_nng;
    }
}

const COLUMNS: usize = 12;
const HEADERS: [&str; COLUMNS] = [
    "workload", "path", "msgs", "msgs/s", "MB/s", "p50 µs", "p99 µs", "vs raw", "zil/py",
    "zil/NNG", "lost", "note",
];
/// Columns whose cells are right-aligned.
const NUMERIC: [bool; COLUMNS] = [
    false, false, true, true, true, true, true, true, true, true, true, false,
];

fn cells(row: &Row) -> [String; COLUMNS] {
    let opt = |v: Option<f64>, digits: usize| v.map_or("-".to_owned(), |v| format!("{v:.digits$}"));
    [
        row.workload.clone(),
        row.path.clone(),
        if row.msgs > 0 {
            thousands(row.msgs as f64)
        } else {
            "-".to_owned()
        },
        if row.rate > 0.0 {
            thousands(row.rate)
        } else {
            "-".to_owned()
        },
        opt(row.mb_per_s, 1),
        opt(row.p50_us, 1),
        opt(row.p99_us, 1),
        row.vs_raw.map_or("-".to_owned(), ratio),
        row.vs_python.map_or("-".to_owned(), ratio),
        row.vs_nng.map_or("-".to_owned(), ratio),
        row.lost.map_or("-".to_owned(), |l| l.to_string()),
        row.note.clone(),
    ]
}

/// A ratio with about two significant digits: `41`, `2.6`, `0.93`, `0.012`.
pub fn ratio(v: f64) -> String {
    match v {
        v if v >= 100.0 => format!("{v:.0}"),
        v if v >= 10.0 => format!("{v:.1}"),
        v if v >= 0.1 => format!("{v:.2}"),
        v if v >= 0.001 => format!("{v:.3}"),
        _ => "<0.001".to_owned(),
    }
}

/// `1234567.8` as `1,234,568`.
pub fn thousands(v: f64) -> String {
    let digits = format!("{:.0}", v.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// An aligned text table; a blank line between workload families.
pub fn text_table(rows: &[Row]) -> String {
    let table: Vec<[String; COLUMNS]> = rows.iter().map(cells).collect();
    let mut widths = HEADERS.map(|h| h.chars().count());
    for r in &table {
        for (w, c) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cols: &[String; COLUMNS]| -> String {
        let mut s = String::new();
        for (i, c) in cols.iter().enumerate() {
            let pad = widths[i] - c.chars().count();
            if i > 0 {
                s.push_str("  ");
            }
            if NUMERIC[i] {
                s.push_str(&" ".repeat(pad));
                s.push_str(c);
            } else if i + 1 < cols.len() {
                s.push_str(c);
                s.push_str(&" ".repeat(pad));
            } else {
                s.push_str(c);
            }
        }
        s.trim_end().to_owned() + "\n"
    };
    let mut out = line(&HEADERS.map(str::to_owned));
    let total: usize = widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
    out.push_str(&"-".repeat(total.min(160)));
    out.push('\n');
    let mut family = None;
    for (row, cols) in rows.iter().zip(&table) {
        let fam = row.workload.split('/').next().unwrap_or("");
        if family.is_some_and(|f| f != fam) {
            out.push('\n');
        }
        family = Some(fam);
        out.push_str(&line(cols));
    }
    out
}

/// The same table in Markdown.
pub fn markdown_table(rows: &[Row]) -> String {
    let mut out = format!("| {} |\n", HEADERS.join(" | "));
    let seps: Vec<&str> = NUMERIC
        .iter()
        .map(|&n| if n { "---:" } else { "---" })
        .collect();
    out.push_str(&format!("| {} |\n", seps.join(" | ")));
    for row in rows {
        let cols = cells(row).map(|c| c.replace('|', "\\|"));
        out.push_str(&format!("| {} |\n", cols.join(" | ")));
    }
    out
}
