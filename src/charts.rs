//! Charts: draws indicators as static, accessible SVG (plotters, with text
//! measured by an embedded DejaVu Sans) and as the HTML tables beside them.

use std::fmt::Write as _;
use std::sync::Once;

use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::data::{Data, EntityKind, Indicator, Observation};
use crate::i18n::Locale;
use crate::text::escape_html;

/// DejaVu Sans has every Vietnamese glyph; without a real font plotters
/// measures UTF-8 bytes and Vietnamese labels come out too wide.
static FONT: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
const FAMILY: &str = "sans-serif";

const INK: RGBColor = RGBColor(0x22, 0x2b, 0x36);
const MUTED: RGBColor = RGBColor(0x6b, 0x75, 0x80);
const GRID: RGBColor = RGBColor(0xe3, 0xe7, 0xeb);
const PRIMARY: RGBColor = RGBColor(0x1d, 0x4e, 0x89);
const ACCENT: RGBColor = RGBColor(0xb3, 0x1b, 0x1b);
const BAND: RGBColor = RGBColor(0x2e, 0x7d, 0x32);

fn init_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are a known-good TTF compiled into the binary.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
        let _ = plotters::style::register_font(FAMILY, FontStyle::Bold, FONT);
    });
}

/// A drawn chart with its words: the SVG carries `title` and `desc`, and the
/// same data goes beside it as a table.
#[derive(Debug, Clone)]
pub struct Chart {
    pub id: String,
    pub title: String,
    pub desc: String,
    pub svg: String,
    pub table_html: String,
    pub source: Option<String>,
}

/// `87,11%` or `44,5 điểm` (`87.11%`, `44.5 points` in English).
pub fn fmt_value(v: f64, unit: &str, loc: &Locale) -> String {
    let n = loc.number(v);
    if unit == "%" {
        format!("{n}%")
    } else {
        format!("{n} {unit}")
    }
}

fn entity_name<'a>(data: &'a Data, id: &'a str) -> &'a str {
    data.entity(id).map_or(id, |e| e.name.as_str())
}

/// A stable id for a chart's title/desc elements, unique per page for
/// different charts.
fn chart_id(parts: &[&str]) -> String {
    let key = parts.join("-");
    format!(
        "chart-{:08x}",
        xxhash_rust::xxh3::xxh3_64(key.as_bytes()) as u32
    )
}

/// Puts role, title and desc on plotters' SVG and lets it scale to its box.
fn finish_svg(raw: String, id: &str, title: &str, desc: &str, width: u32, height: u32) -> String {
    let body_start = raw.find('>').map_or(0, |i| i + 1);
    let body = raw[body_start..].trim_start();
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" \
role=\"img\" aria-labelledby=\"{id}-t {id}-d\" class=\"chart-svg\" preserveAspectRatio=\"xMidYMid meet\">\
<title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>\n{body}",
        escape_html(title),
        escape_html(desc)
    )
}

fn value_range(values: impl Iterator<Item = f64>, scale: Option<(f64, f64)>) -> (f64, f64) {
    if let Some(s) = scale {
        return s;
    }
    let (lo, hi) = values.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    if lo > hi {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.15).max(hi.abs() * 0.02).max(0.5);
    ((lo - pad).floor(), (hi + pad).ceil())
}

/// An entity's values over the years, its targets as a line or band, and the
/// national series beside it.
pub fn trend(data: &Data, ind: &Indicator, entity: &str, loc: &Locale) -> Option<Chart> {
    init_font();
    let points: Vec<(i32, f64)> = ind
        .series(entity)
        .filter_map(|o| Some((o.year, o.value?)))
        .collect();
    if points.is_empty() {
        return None;
    }
    let country = data.country().filter(|c| c.id != entity);
    let national: Vec<(i32, f64)> = country
        .map(|c| {
            ind.series(&c.id)
                .filter_map(|o| Some((o.year, o.value?)))
                .collect()
        })
        .unwrap_or_default();
    let targets: Vec<_> = ind.targets_for(entity).collect();
    let years = points
        .iter()
        .map(|p| p.0)
        .chain(national.iter().map(|p| p.0))
        .chain(targets.iter().map(|t| t.year));
    let (y0, y1) = years.fold((i32::MAX, i32::MIN), |(a, b), y| (a.min(y), b.max(y)));
    let all_values = points
        .iter()
        .map(|p| p.1)
        .chain(national.iter().map(|p| p.1))
        .chain(targets.iter().flat_map(|t| t.min.into_iter().chain(t.max)));
    let (v0, v1) = value_range(all_values, ind.scale);
    let name = entity_name(data, entity);
    let title = loc.fill(
        "chart_trend_title",
        &[("indicator", ind.label()), ("entity", name)],
    );

    let (w, h) = (720u32, 380u32);
    let mut raw = String::new();
    {
        let root = SVGBackend::with_string(&mut raw, (w, h)).into_drawing_area();
        let mut chart = ChartBuilder::on(&root)
            .margin(16)
            .margin_right(24)
            .x_label_area_size(32)
            .y_label_area_size(56)
            .build_cartesian_2d((y0 as f64 - 0.5)..(y1 as f64 + 0.5), v0..v1)
            .ok()?;
        let span = (y1 - y0 + 1) as usize;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .max_light_lines(0)
            .bold_line_style(GRID)
            .axis_style(MUTED)
            .x_labels(span.min(14))
            .x_label_formatter(&|x| {
                if x.fract().abs() < 1e-9 {
                    format!("{}", *x as i32)
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y| loc.number(*y))
            .label_style((FAMILY, 13).into_font().color(&MUTED))
            .draw()
            .ok()?;
        for t in &targets {
            let label = target_label(t, &ind.unit, loc);
            match (t.min, t.max) {
                (Some(lo), Some(hi)) => {
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(y0 as f64 - 0.5, lo), (y1 as f64 + 0.5, hi)],
                            BAND.mix(0.12).filled(),
                        )))
                        .ok()?;
                }
                (Some(v), None) | (None, Some(v)) => {
                    chart
                        .draw_series(DashedLineSeries::new(
                            [(y0 as f64 - 0.5, v), (y1 as f64 + 0.5, v)],
                            6,
                            4,
                            BAND.stroke_width(2),
                        ))
                        .ok()?;
                }
                (None, None) => {}
            }
            let y = t.max.or(t.min).unwrap_or(v1);
            chart
                .draw_series(std::iter::once(Text::new(
                    label,
                    (y0 as f64 - 0.4, y),
                    (FAMILY, 13).into_font().color(&BAND).pos(
                        plotters::style::text_anchor::Pos::new(
                            plotters::style::text_anchor::HPos::Left,
                            plotters::style::text_anchor::VPos::Bottom,
                        ),
                    ),
                )))
                .ok()?;
        }
        if national.len() > 1 || (!national.is_empty() && points.len() > 1) {
            chart
                .draw_series(DashedLineSeries::new(
                    national.iter().map(|&(x, y)| (x as f64, y)),
                    5,
                    4,
                    MUTED.stroke_width(2),
                ))
                .ok()?;
            chart
                .draw_series(
                    national
                        .iter()
                        .map(|&(x, y)| Circle::new((x as f64, y), 3, MUTED.filled())),
                )
                .ok()?;
        }
        chart
            .draw_series(LineSeries::new(
                points.iter().map(|&(x, y)| (x as f64, y)),
                PRIMARY.stroke_width(3),
            ))
            .ok()?;
        chart
            .draw_series(
                points
                    .iter()
                    .map(|&(x, y)| Circle::new((x as f64, y), 5, PRIMARY.filled())),
            )
            .ok()?;
        chart
            .draw_series(points.iter().map(|&(x, y)| {
                EmptyElement::at((x as f64, y)) + Text::new(loc.number(y), (0, -9), label_style())
            }))
            .ok()?;
        root.present().ok()?;
    }

    let mut desc = format!(
        "{name}: {}",
        points
            .iter()
            .map(|&(y, v)| format!("{} ({y})", fmt_value(v, &ind.unit, loc)))
            .collect::<Vec<_>>()
            .join(" → ")
    );
    for t in &targets {
        desc.push_str(&format!(
            "; {}",
            target_label(t, &ind.unit, loc).to_lowercase()
        ));
    }
    if let (Some(c), false) = (country, national.is_empty()) {
        desc.push_str(&format!(
            "; {}: {}",
            c.name,
            national
                .iter()
                .map(|&(y, v)| format!("{} ({y})", fmt_value(v, &ind.unit, loc)))
                .collect::<Vec<_>>()
                .join(" → ")
        ));
    }
    let id = chart_id(&["trend", &ind.id, entity]);
    let mut legend = vec![(PRIMARY, name.to_string(), false)];
    if let (Some(c), false) = (country, national.is_empty()) {
        legend.push((MUTED, c.name.clone(), true));
    }
    Some(Chart {
        svg: finish_svg(raw, &id, &title, &desc, w, h) + &legend_html(&legend),
        table_html: series_table(data, ind, entity, loc),
        id,
        title,
        desc,
        source: ind.source.clone(),
    })
}

pub fn target_label(t: &crate::data::Target, unit: &str, loc: &Locale) -> String {
    let label = t
        .label
        .clone()
        .unwrap_or_else(|| loc.fill("target_default", &[("year", &t.year.to_string())]));
    match (t.min, t.max) {
        (Some(lo), Some(hi)) => {
            format!("{label}: {}–{}", loc.number(lo), fmt_value(hi, unit, loc))
        }
        (Some(lo), None) => format!("{label}: ≥ {}", fmt_value(lo, unit, loc)),
        (None, Some(hi)) => format!("{label}: ≤ {}", fmt_value(hi, unit, loc)),
        (None, None) => label,
    }
}

fn legend_html(items: &[(RGBColor, String, bool)]) -> String {
    let mut s = String::from("<ul class=\"chart-legend\">");
    for (c, name, dashed) in items {
        let _ = write!(
            s,
            "<li><span class=\"swatch{}\" style=\"--c:#{:02x}{:02x}{:02x}\"></span>{}</li>",
            if *dashed { " dashed" } else { "" },
            c.0,
            c.1,
            c.2,
            escape_html(name)
        );
    }
    s.push_str("</ul>");
    s
}

/// An entity's rank by year, rank 1 on top, each point labelled `rank/of`.
pub fn rank(data: &Data, ind: &Indicator, entity: &str, loc: &Locale) -> Option<Chart> {
    init_font();
    let points: Vec<(i32, u32, Option<u32>)> = ind
        .series(entity)
        .filter_map(|o| Some((o.year, o.rank?, o.of)))
        .collect();
    if points.is_empty() {
        return None;
    }
    let (y0, y1) = points
        .iter()
        .fold((i32::MAX, i32::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let max_of = points
        .iter()
        .map(|p| p.2.unwrap_or(p.1))
        .max()
        .unwrap_or(1)
        .max(2);
    let name = entity_name(data, entity);
    let title = loc.fill(
        "chart_rank_title",
        &[("indicator", ind.label()), ("entity", name)],
    );
    let (w, h) = (720u32, 380u32);
    let mut raw = String::new();
    {
        let root = SVGBackend::with_string(&mut raw, (w, h)).into_drawing_area();
        // Ranks are drawn as negative numbers so that rank 1 sits on top.
        let mut chart = ChartBuilder::on(&root)
            .margin(16)
            .margin_right(24)
            .x_label_area_size(32)
            .y_label_area_size(48)
            .build_cartesian_2d(
                (y0 as f64 - 0.5)..(y1 as f64 + 0.5),
                -(max_of as f64 + 2.0)..0.0,
            )
            .ok()?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .max_light_lines(0)
            .bold_line_style(GRID)
            .axis_style(MUTED)
            .x_labels(((y1 - y0 + 1) as usize).min(14))
            .x_label_formatter(&|x| {
                if x.fract().abs() < 1e-9 {
                    format!("{}", *x as i32)
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y| {
                if *y < -0.5 {
                    format!("{}", (-*y).round() as i64)
                } else {
                    String::new()
                }
            })
            .label_style((FAMILY, 13).into_font().color(&MUTED))
            .draw()
            .ok()?;
        // Where the number of ranked units changes (63 → 34 after the 2025
        // merger), a dashed rule and a note make the change visible.
        for pair in points.windows(2) {
            if let ((_, _, Some(a)), (year, _, Some(b))) = (pair[0], pair[1])
                && a != b
            {
                let x = year as f64 - 0.5;
                chart
                    .draw_series(DashedLineSeries::new(
                        [(x, 0.0), (x, -(max_of as f64 + 2.0))],
                        4,
                        4,
                        MUTED.stroke_width(1),
                    ))
                    .ok()?;
                chart
                    .draw_series(std::iter::once(Text::new(
                        loc.fill(
                            "chart_rank_basis",
                            &[("year", &year.to_string()), ("of", &b.to_string())],
                        ),
                        (x - 0.05, -(max_of as f64 + 1.0)),
                        (FAMILY, 12).into_font().color(&MUTED).pos(
                            plotters::style::text_anchor::Pos::new(
                                plotters::style::text_anchor::HPos::Right,
                                plotters::style::text_anchor::VPos::Center,
                            ),
                        ),
                    )))
                    .ok()?;
            }
        }
        chart
            .draw_series(LineSeries::new(
                points.iter().map(|&(x, r, _)| (x as f64, -(r as f64))),
                ACCENT.stroke_width(3),
            ))
            .ok()?;
        chart
            .draw_series(
                points
                    .iter()
                    .map(|&(x, r, _)| Circle::new((x as f64, -(r as f64)), 5, ACCENT.filled())),
            )
            .ok()?;
        chart
            .draw_series(points.iter().map(|&(x, r, of)| {
                EmptyElement::at((x as f64, -(r as f64)))
                    + Text::new(rank_label(r, of), (0, -9), label_style())
            }))
            .ok()?;
        root.present().ok()?;
    }
    let desc = format!(
        "{name}: {}",
        points
            .iter()
            .map(|&(y, r, of)| {
                loc.fill(
                    "chart_rank_point",
                    &[("rank", &rank_label(r, of)), ("year", &y.to_string())],
                )
            })
            .collect::<Vec<_>>()
            .join(" → ")
    );
    let id = chart_id(&["rank", &ind.id, entity]);
    Some(Chart {
        svg: finish_svg(raw, &id, &title, &desc, w, h),
        table_html: series_table(data, ind, entity, loc),
        id,
        title,
        desc,
        source: ind.source.clone(),
    })
}

/// For a value written just above its point, clear of the marker.
fn label_style() -> TextStyle<'static> {
    TextStyle::from((FAMILY, 13).into_font()).color(&INK).pos(
        plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Bottom,
        ),
    )
}

fn rank_label(rank: u32, of: Option<u32>) -> String {
    match of {
        Some(of) => format!("{rank}/{of}"),
        None => rank.to_string(),
    }
}

/// Every entity's value in one year, best first, `highlight` in the accent colour.
pub fn ranking(
    data: &Data,
    ind: &Indicator,
    year: i32,
    highlight: Option<&str>,
    loc: &Locale,
) -> Option<Chart> {
    init_font();
    let rows: Vec<&Observation> = data.ranking(ind, year);
    if rows.is_empty() {
        return None;
    }
    let national = data
        .country()
        .and_then(|c| ind.series(&c.id).find(|o| o.year == year))
        .and_then(|o| o.value);
    let (lo, hi) = match ind.scale {
        Some(s) => s,
        None => {
            let max = rows.iter().filter_map(|o| o.value).fold(f64::MIN, f64::max);
            (0.0, (max * 1.1).ceil())
        }
    };
    let bar = 22u32;
    let w = 720u32;
    let h = 60 + bar * rows.len() as u32;
    let label_width = rows
        .iter()
        .map(|o| entity_name(data, &o.entity).chars().count() as u32 * 8 + 16)
        .max()
        .unwrap_or(80)
        .clamp(80, 220);
    let title = loc.fill(
        "chart_ranking_title",
        &[("indicator", ind.label()), ("year", &year.to_string())],
    );
    let mut raw = String::new();
    {
        let root = SVGBackend::with_string(&mut raw, (w, h)).into_drawing_area();
        let n = rows.len() as f64;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .margin_right(64)
            .x_label_area_size(28)
            .y_label_area_size(label_width)
            .build_cartesian_2d(lo..hi, -n..0.0)
            .ok()?;
        let names: Vec<String> = rows
            .iter()
            .map(|o| entity_name(data, &o.entity).to_string())
            .collect();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .max_light_lines(0)
            .bold_line_style(GRID)
            .axis_style(MUTED)
            .y_labels(rows.len() * 2 + 1)
            .y_label_formatter(&|y| {
                // Label the middle of each bar: -0.5 → first row, -1.5 → second…
                let k = (-*y - 0.5).round();
                if ((-*y - 0.5) - k).abs() < 1e-6 && k >= 0.0 {
                    names.get(k as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .x_label_formatter(&|x| loc.number(*x))
            .label_style((FAMILY, 13).into_font().color(&INK))
            .draw()
            .ok()?;
        chart
            .draw_series(rows.iter().enumerate().map(|(k, o)| {
                let colour: RGBAColor = if Some(o.entity.as_str()) == highlight {
                    ACCENT.to_rgba()
                } else {
                    PRIMARY.mix(0.85)
                };
                let top = -(k as f64) - 0.15;
                Rectangle::new(
                    [(lo, top), (o.value.unwrap_or(lo), top - 0.7)],
                    colour.filled(),
                )
            }))
            .ok()?;
        chart
            .draw_series(rows.iter().enumerate().map(|(k, o)| {
                Text::new(
                    loc.number(o.value.unwrap_or(0.0)),
                    (o.value.unwrap_or(lo), -(k as f64) - 0.5),
                    (FAMILY, 12).into_font().color(&INK).pos(
                        plotters::style::text_anchor::Pos::new(
                            plotters::style::text_anchor::HPos::Left,
                            plotters::style::text_anchor::VPos::Center,
                        ),
                    ),
                )
            }))
            .ok()?;
        if let Some(v) = national {
            chart
                .draw_series(DashedLineSeries::new(
                    [(v, 0.0), (v, -n)],
                    5,
                    4,
                    MUTED.stroke_width(2),
                ))
                .ok()?;
        }
        root.present().ok()?;
    }
    let best = rows.first()?;
    let worst = rows.last()?;
    let mut desc = loc.fill(
        if ind.higher_is_better {
            "chart_ranking_summary"
        } else {
            "chart_ranking_summary_lower"
        },
        &[
            ("count", &rows.len().to_string()),
            ("best", entity_name(data, &best.entity)),
            (
                "best_value",
                &fmt_value(best.value.unwrap_or(0.0), &ind.unit, loc),
            ),
            ("worst", entity_name(data, &worst.entity)),
            (
                "worst_value",
                &fmt_value(worst.value.unwrap_or(0.0), &ind.unit, loc),
            ),
        ],
    );
    if let Some(v) = national {
        desc.push_str("; ");
        desc.push_str(&loc.fill(
            "chart_national",
            &[("value", &fmt_value(v, &ind.unit, loc))],
        ));
    }
    if let Some(hl) = highlight.and_then(|e| rows.iter().position(|o| o.entity == e)) {
        desc.push_str("; ");
        desc.push_str(&loc.fill(
            "chart_highlight",
            &[
                ("entity", entity_name(data, &rows[hl].entity)),
                ("rank", &(hl + 1).to_string()),
                (
                    "value",
                    &fmt_value(rows[hl].value.unwrap_or(0.0), &ind.unit, loc),
                ),
            ],
        ));
    }
    let id = chart_id(&[
        "ranking",
        &ind.id,
        &year.to_string(),
        highlight.unwrap_or(""),
    ]);
    let mut legend = vec![(PRIMARY, loc.t("chart_legend_localities").to_string(), false)];
    if let Some(e) = highlight {
        legend.push((ACCENT, entity_name(data, e).to_string(), false));
    }
    if national.is_some() {
        legend.push((MUTED, loc.t("chart_legend_national").to_string(), true));
    }
    Some(Chart {
        svg: finish_svg(raw, &id, &title, &desc, w, h) + &legend_html(&legend),
        table_html: ranking_table(data, ind, year, highlight, loc),
        id,
        title,
        desc,
        source: ind.source.clone(),
    })
}

/// The chart as a `<figure>`: SVG, caption with source, and its data as a
/// collapsible table.
pub fn figure_html(chart: &Chart, indicator_url: &str, loc: &Locale) -> String {
    let source = chart
        .source
        .as_deref()
        .map(|s| {
            format!(
                " <span class=\"chart-source\">{}: {}</span>",
                escape_html(loc.t("chart_source")),
                escape_html(s)
            )
        })
        .unwrap_or_default();
    format!(
        "<figure class=\"chart\" id=\"{id}\"><figcaption><a href=\"{url}\">{title}</a>{source}</figcaption>\
<div class=\"chart-box\">{svg}</div>\
<details class=\"chart-data\"><summary>{show}</summary><div class=\"table-scroll\">{table}</div></details></figure>",
        id = chart.id,
        url = escape_html(indicator_url),
        title = escape_html(&chart.title),
        svg = chart.svg,
        table = chart.table_html,
        show = escape_html(loc.t("chart_show_table")),
    )
}

/// One entity's values and ranks by year.
pub fn series_table(data: &Data, ind: &Indicator, entity: &str, loc: &Locale) -> String {
    let mut s = format!(
        "<table class=\"data\"><caption>{}: {}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\" class=\"num\">{} ({})</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        escape_html(ind.label()),
        escape_html(entity_name(data, entity)),
        escape_html(loc.t("table_year")),
        escape_html(loc.t("table_value")),
        escape_html(&ind.unit),
        escape_html(loc.t("table_rank")),
        escape_html(loc.t("table_note")),
    );
    for o in ind.series(entity) {
        let _ = write!(
            s,
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            o.year,
            o.value.map(|v| loc.number(v)).unwrap_or_else(|| "–".into()),
            o.rank
                .map(|r| rank_label(r, o.of))
                .unwrap_or_else(|| "–".into()),
            escape_html(o.note.as_deref().unwrap_or(""))
        );
    }
    for t in ind.targets_for(entity) {
        let _ = write!(
            s,
            "<tr class=\"target\"><th scope=\"row\">{}</th><td colspan=\"3\">{}</td></tr>",
            t.year,
            escape_html(&target_label(t, &ind.unit, loc))
        );
    }
    s.push_str("</tbody></table>");
    s
}

/// Every entity in a year, best first.
pub fn ranking_table(
    data: &Data,
    ind: &Indicator,
    year: i32,
    highlight: Option<&str>,
    loc: &Locale,
) -> String {
    let mut s = format!(
        "<table class=\"data\"><caption>{}</caption><thead><tr><th scope=\"col\" class=\"num\">#</th><th scope=\"col\">{}</th><th scope=\"col\" class=\"num\">{} ({})</th><th scope=\"col\" class=\"num\">{}</th></tr></thead><tbody>",
        escape_html(&loc.fill(
            "table_caption_year",
            &[("indicator", ind.label()), ("year", &year.to_string())]
        )),
        escape_html(loc.t("table_locality")),
        escape_html(loc.t("table_value")),
        escape_html(&ind.unit),
        escape_html(loc.t("table_published_rank"))
    );
    // The national row, then the units of the ranked kind.
    let kind = data.ranked_kind(ind, year);
    let mut rows: Vec<&Observation> = ind
        .values
        .iter()
        .filter(|o| o.year == year)
        .filter(|o| {
            data.entity(&o.entity)
                .is_some_and(|e| e.kind == EntityKind::Country || Some(e.kind) == kind)
        })
        .collect();
    rows.sort_by(|a, b| {
        let key = |o: &Observation| o.value.map(|v| if ind.higher_is_better { -v } else { v });
        match (key(a), key(b)) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.rank.cmp(&b.rank),
        }
    });
    // Places count the ranked units only; the national row has none.
    let mut place = 0;
    for o in &rows {
        let is_country = data
            .entity(&o.entity)
            .is_some_and(|e| e.kind == EntityKind::Country);
        let class = if Some(o.entity.as_str()) == highlight {
            " class=\"highlight\""
        } else if is_country {
            " class=\"national\""
        } else {
            ""
        };
        let _ = write!(
            s,
            "<tr{class}><td class=\"num\">{}</td><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            if is_country {
                String::new()
            } else {
                place += 1;
                place.to_string()
            },
            escape_html(entity_name(data, &o.entity)),
            o.value.map(|v| loc.number(v)).unwrap_or_else(|| "–".into()),
            o.rank
                .map(|r| rank_label(r, o.of))
                .unwrap_or_else(|| "–".into()),
        );
    }
    s.push_str("</tbody></table>");
    s
}
