//! Indicator data: loads and validates `data/entities.toml` and
//! `data/indicators/<id>.toml` (+ `<id>.csv`) into plain data sets.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::diag::{self, Diagnostic, Diagnostics};
use crate::text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    Country,
    Province,
    District,
    Commune,
    Agency,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntity {
    id: String,
    name: String,
    #[serde(default)]
    name_en: Option<String>,
    kind: EntityKind,
    #[serde(default)]
    parent: Option<String>,
    #[serde(default)]
    valid_to: Option<toml::value::Datetime>,
    #[serde(default)]
    successor: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntitiesFile {
    #[serde(default)]
    entity: Vec<Spanned<RawEntity>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Entity {
    pub id: String,
    pub name: String,
    pub name_en: Option<String>,
    pub kind: EntityKind,
    pub parent: Option<String>,
    /// `YYYY-MM-DD`: the unit ceased on this day.
    pub valid_to: Option<String>,
    pub successor: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IndicatorFile {
    name: String,
    #[serde(default)]
    short_name: Option<String>,
    #[serde(default)]
    name_en: Option<String>,
    /// The short name in an English edition.
    #[serde(default)]
    short_name_en: Option<String>,
    unit: String,
    #[serde(default = "yes")]
    higher_is_better: bool,
    #[serde(default)]
    scale: Option<Spanned<Vec<f64>>>,
    #[serde(default)]
    source: Option<String>,
    /// The source in an English edition.
    #[serde(default)]
    source_en: Option<String>,
    #[serde(default)]
    source_url: Option<String>,
    #[serde(default)]
    methodology_url: Option<String>,
    #[serde(default)]
    updated: Option<toml::value::Datetime>,
    #[serde(default)]
    description: String,
    /// The description for an English edition (Markdown).
    #[serde(default)]
    description_en: Option<String>,
    #[serde(default)]
    targets: Vec<Spanned<Target>>,
    #[serde(default)]
    values: Vec<Spanned<RawValue>>,
}

fn yes() -> bool {
    true
}

/// Numbers an indicator may hold (values, targets, scales): finite and below
/// 10^15 in size, so that every chart can scale and pad its axis.
const MAX_NUMBER: f64 = 1e15;
/// The years an indicator may have values and targets for.
const YEARS: std::ops::RangeInclusive<i32> = 1000..=9999;

fn plausible(v: f64) -> bool {
    v.is_finite() && v.abs() < MAX_NUMBER
}

const NUMBER_RULE: &str = "a finite number between -10^15 and 10^15";

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    #[serde(default)]
    pub entity: Option<String>,
    pub year: i32,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    #[serde(default)]
    pub label: Option<String>,
    /// The label in an English edition.
    #[serde(default)]
    pub label_en: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawValue {
    entity: String,
    year: i32,
    #[serde(default)]
    value: Option<f64>,
    #[serde(default)]
    rank: Option<u32>,
    #[serde(default)]
    of: Option<u32>,
    #[serde(default)]
    note: Option<String>,
}

/// One observation: an entity's value and/or rank in a year.
#[derive(Debug, Clone, Serialize)]
pub struct Observation {
    pub entity: String,
    pub year: i32,
    pub value: Option<f64>,
    pub rank: Option<u32>,
    pub of: Option<u32>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Indicator {
    pub id: String,
    pub name: String,
    pub short_name: Option<String>,
    pub name_en: Option<String>,
    pub short_name_en: Option<String>,
    pub unit: String,
    pub higher_is_better: bool,
    pub scale: Option<(f64, f64)>,
    pub source: Option<String>,
    pub source_en: Option<String>,
    pub source_url: Option<String>,
    pub methodology_url: Option<String>,
    pub updated: Option<String>,
    pub description: String,
    pub description_en: Option<String>,
    pub targets: Vec<Target>,
    /// Sorted by entity, then year.
    pub values: Vec<Observation>,
    #[serde(skip)]
    pub file: PathBuf,
}

impl Data {
    /// The data as an English edition shows it: names from `name_en`
    /// (`short_name_en`), descriptions from `description_en`, sources from
    /// `source_en`, target labels from `label_en` (else none: the theme's
    /// default label); units, value notes and sources without `source_en`
    /// go through `term` (the language's `[terms]`, `điểm` → `points`).
    pub fn in_english(&self, term: impl Fn(&str) -> String) -> Data {
        let mut d = self.clone();
        for e in &mut d.entities {
            if let Some(n) = &e.name_en {
                e.name = n.clone();
            }
        }
        for ind in &mut d.indicators {
            if let Some(n) = &ind.name_en {
                ind.name = n.clone();
            }
            if let Some(n) = &ind.short_name_en {
                ind.short_name = Some(n.clone());
            }
            if let Some(t) = &ind.description_en {
                ind.description = t.clone();
            }
            ind.source = match (&ind.source_en, &ind.source) {
                (Some(s), _) => Some(s.clone()),
                (None, s) => s.as_deref().map(&term),
            };
            ind.unit = term(&ind.unit);
            for o in &mut ind.values {
                if let Some(n) = &o.note {
                    o.note = Some(term(n));
                }
            }
            for t in &mut ind.targets {
                t.label = t.label_en.clone();
            }
        }
        d
    }
}

impl Indicator {
    /// `SIPAS` if it has a short name, else the full name.
    pub fn label(&self) -> &str {
        self.short_name.as_deref().unwrap_or(&self.name)
    }

    pub fn series<'a>(&'a self, entity: &'a str) -> impl Iterator<Item = &'a Observation> + 'a {
        let start = self.values.partition_point(|o| o.entity.as_str() < entity);
        self.values[start..]
            .iter()
            .take_while(move |o| o.entity == entity)
    }

    pub fn years(&self) -> Vec<i32> {
        let mut y: Vec<i32> = self.values.iter().map(|o| o.year).collect();
        y.sort_unstable();
        y.dedup();
        y
    }

    /// Observations in `year` with a value, best first.
    pub fn ranking(&self, year: i32) -> Vec<&Observation> {
        let mut v: Vec<&Observation> = self
            .values
            .iter()
            .filter(|o| o.year == year && o.value.is_some())
            .collect();
        v.sort_by(|a, b| {
            let (x, y) = (a.value.unwrap_or(0.0), b.value.unwrap_or(0.0));
            let ord = if self.higher_is_better {
                y.total_cmp(&x)
            } else {
                x.total_cmp(&y)
            };
            ord.then_with(|| a.entity.cmp(&b.entity))
        });
        v
    }

    /// Targets that apply to `entity` (its own and those for every entity).
    pub fn targets_for<'a>(&'a self, entity: &'a str) -> impl Iterator<Item = &'a Target> + 'a {
        self.targets
            .iter()
            .filter(move |t| t.entity.as_deref().is_none_or(|e| e == entity))
    }
}

#[derive(Debug, Clone, Default)]
pub struct Data {
    pub entities: Vec<Entity>,
    pub entity_index: HashMap<String, usize>,
    /// Sorted by id.
    pub indicators: Vec<Indicator>,
    /// `entities.toml` exists but could not be loaded (an error says why).
    /// References to entities are then not checked: one error, not one more
    /// for every reference.
    pub entities_unloaded: bool,
    /// Ids of the indicators whose files have errors that kept them from
    /// loading; the same holds for references to them.
    pub unloaded: Vec<String>,
}

impl Data {
    pub fn entity(&self, id: &str) -> Option<&Entity> {
        self.entity_index.get(id).map(|&i| &self.entities[i])
    }

    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators
            .binary_search_by(|i| i.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.indicators[i])
    }

    /// The kind of unit an indicator ranks in `year`: the most common kind
    /// among its non-national values (provinces, usually), so that a
    /// district's figure is never ranked among provinces.
    pub fn ranked_kind(&self, ind: &Indicator, year: i32) -> Option<EntityKind> {
        let mut counts: Vec<(EntityKind, usize)> = Vec::new();
        for o in ind.values.iter().filter(|o| o.year == year) {
            match self.entity(&o.entity).map(|e| e.kind) {
                Some(EntityKind::Country) | None => {}
                Some(k) => match counts.iter_mut().find(|(kind, _)| *kind == k) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((k, 1)),
                },
            }
        }
        // On a tie the higher level wins (provinces before districts).
        counts
            .into_iter()
            .max_by_key(|&(k, n)| (n, std::cmp::Reverse(k as u8)))
            .map(|(k, _)| k)
    }

    /// Units of the ranked kind with a value in `year`, best first.
    pub fn ranking<'a>(&self, ind: &'a Indicator, year: i32) -> Vec<&'a Observation> {
        let kind = self.ranked_kind(ind, year);
        ind.ranking(year)
            .into_iter()
            .filter(|o| self.entity(&o.entity).map(|e| e.kind) == kind)
            .collect()
    }

    /// The entity of kind `country`, whose values are the national figures.
    pub fn country(&self) -> Option<&Entity> {
        self.entities.iter().find(|e| e.kind == EntityKind::Country)
    }

    pub fn children<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Entity> + 'a {
        self.entities
            .iter()
            .filter(move |e| e.parent.as_deref() == Some(id))
    }

    /// The entity and its ancestors, nearest first.
    pub fn ancestors<'a>(&'a self, id: &'a str) -> Vec<&'a Entity> {
        let mut out = Vec::new();
        let mut cur = self.entity(id);
        while let Some(e) = cur {
            if out.iter().any(|x: &&Entity| x.id == e.id) {
                break; // a parent cycle is reported at load time
            }
            out.push(e);
            cur = e.parent.as_deref().and_then(|p| self.entity(p));
        }
        out
    }
}

/// Loads `data/`. A site without it has no indicators.
pub fn load(root: &Path) -> (Data, Diagnostics) {
    let mut errors = Diagnostics::default();
    let dir = root.join("data");
    let entities_file = dir.join("entities.toml");
    let mut data = Data::default();
    // Every data file must really be inside the site: a symbolic link that
    // leads out of it is reported, and the file is not read.
    let real_root = crate::config::real_root(root);
    let inside =
        |f: &Path, errors: &mut Diagnostics| match crate::config::outside_site(&real_root, f) {
            Some(target) => {
                errors.push(Diagnostic::file(
                    f,
                    crate::config::outside_site_message(&target),
                ));
                false
            }
            None => true,
        };
    if dir.exists() && !inside(&dir, &mut errors) {
        data.entities_unloaded = true;
        return (data, errors);
    }
    if entities_file.exists() {
        if inside(&entities_file, &mut errors) {
            load_entities(&entities_file, &mut data, &mut errors);
        } else {
            data.entities_unloaded = true;
        }
    }
    let ind_dir = dir.join("indicators");
    if ind_dir.is_dir() && inside(&ind_dir, &mut errors) {
        let mut files: Vec<PathBuf> = match std::fs::read_dir(&ind_dir) {
            Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(e) => {
                errors.push(Diagnostic::file(&ind_dir, format!("cannot read: {e}")));
                Vec::new()
            }
        };
        files.sort();
        let ext = |f: &Path| {
            f.extension()
                .and_then(|e| e.to_str())
                .unwrap_or_default()
                .to_string()
        };
        let stem = |f: &Path| {
            f.file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string()
        };
        files.retain(|f| {
            inside(f, &mut errors) || {
                data.unloaded.push(stem(f));
                false
            }
        });
        for file in files
            .iter()
            .filter(|f| ext(f) == "csv" && !f.with_extension("toml").exists())
        {
            errors.push(Diagnostic::file(
                file,
                format!(
                    "values for an indicator without metadata: add {}.toml beside it",
                    stem(file)
                ),
            ));
        }
        // Indicators are independent of each other: parse them in parallel.
        let loaded: Vec<(String, Option<Indicator>, Diagnostics)> = files
            .par_iter()
            .filter(|f| ext(f) == "toml")
            .map(|file| {
                let mut errs = Diagnostics::default();
                // The values beside it, if that file was allowed above.
                let csv = Some(file.with_extension("csv")).filter(|c| files.contains(c));
                let ind = load_indicator(file, &stem(file), csv.as_deref(), &data, &mut errs);
                (stem(file), ind, errs)
            })
            .collect();
        for (id, ind, errs) in loaded {
            errors.extend(errs.0);
            match ind {
                Some(ind) => data.indicators.push(ind),
                None => data.unloaded.push(id),
            }
        }
    }
    data.indicators.sort_by(|a, b| a.id.cmp(&b.id));
    (data, errors)
}

fn read_text(file: &Path, errors: &mut Diagnostics) -> Option<String> {
    match std::fs::read(file).map(|b| diag::utf8(file, b)) {
        Ok(Ok(t)) => Some(t.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(t)),
        Ok(Err(d)) => {
            errors.push(d);
            None
        }
        Err(e) => {
            errors.push(Diagnostic::file(file, format!("cannot read: {e}")));
            None
        }
    }
}

fn load_entities(file: &Path, data: &mut Data, errors: &mut Diagnostics) {
    match read_text(file, errors) {
        Some(text) => parse_entities(file, &text, data, errors),
        None => data.entities_unloaded = true,
    }
}

/// Parses indicator data from text, as [`load`] does from files: the
/// entities (`data/entities.toml`) and each indicator as `(id, TOML, CSV)`.
/// Errors name `data/entities.toml` and `data/indicators/<id>.toml`/`.csv`.
pub fn parse(entities: &str, indicators: &[(&str, &str, Option<&str>)]) -> (Data, Diagnostics) {
    let mut errors = Diagnostics::default();
    let mut data = Data::default();
    parse_entities(
        Path::new("data/entities.toml"),
        entities,
        &mut data,
        &mut errors,
    );
    for (id, toml_text, csv_text) in indicators {
        let file = PathBuf::from(format!("data/indicators/{id}.toml"));
        let csv_file = file.with_extension("csv");
        let csv = csv_text.map(|t| (csv_file.as_path(), t));
        match parse_indicator(&file, id, toml_text, csv, &data, &mut errors) {
            Some(ind) => data.indicators.push(ind),
            None => data.unloaded.push(id.to_string()),
        }
    }
    data.indicators.sort_by(|a, b| a.id.cmp(&b.id));
    (data, errors)
}

fn parse_entities(file: &Path, text: &str, data: &mut Data, errors: &mut Diagnostics) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let line_index = diag::LineIndex::new(text);
    let parsed: EntitiesFile = match toml::from_str(text) {
        Ok(p) => p,
        Err(e) => {
            errors.push(diag::from_toml(file, text, 1, &e));
            data.entities_unloaded = true;
            return;
        }
    };
    let mut lines = Vec::new();
    for spanned in parsed.entity {
        let line = line_index.line(spanned.span().start);
        let raw = spanned.into_inner();
        if !text::is_slug(&raw.id) {
            errors.push(Diagnostic::at(
                file,
                line,
                format!("entity id must be a slug like \"ha-noi\", got {:?}", raw.id),
            ));
            continue;
        }
        if let Some(&prev) = data.entity_index.get(&raw.id) {
            errors.push(Diagnostic::at(
                file,
                line,
                format!(
                    "the entity id {:?} is already used at line {}",
                    raw.id, lines[prev]
                ),
            ));
            continue;
        }
        let valid_to = match raw.valid_to.as_ref().map(crate::content::to_datetime) {
            Some(Ok(d)) => Some(d.format("%Y-%m-%d").to_string()),
            Some(Err(e)) => {
                errors.push(Diagnostic::at(file, line, format!("`valid_to`: {e}")));
                None
            }
            None => None,
        };
        data.entity_index
            .insert(raw.id.clone(), data.entities.len());
        lines.push(line);
        data.entities.push(Entity {
            id: raw.id,
            name: raw.name,
            name_en: raw.name_en,
            kind: raw.kind,
            parent: raw.parent,
            valid_to,
            successor: raw.successor,
        });
    }
    for (e, &line) in data.entities.iter().zip(&lines) {
        // Walk up the parents; more steps than entities means a cycle.
        let mut cur = e.parent.as_deref();
        for _ in 0..=data.entities.len() {
            match cur.and_then(|p| data.entity_index.get(p)) {
                Some(&i) if data.entities[i].id == e.id => {
                    if e.parent.as_deref() != Some(e.id.as_str()) {
                        errors.push(Diagnostic::at(
                            file,
                            line,
                            format!("entity {:?} is its own ancestor through `parent`", e.id),
                        ));
                    }
                    break;
                }
                Some(&i) => cur = data.entities[i].parent.as_deref(),
                None => break,
            }
        }
        for (key, target) in [("parent", &e.parent), ("successor", &e.successor)] {
            if let Some(t) = target {
                if !data.entity_index.contains_key(t) {
                    errors.push(Diagnostic::at(
                        file,
                        line,
                        format!(
                            "entity {:?}: `{key}` {t:?} is not an entity in this file",
                            e.id
                        ),
                    ));
                } else if t == &e.id {
                    errors.push(Diagnostic::at(
                        file,
                        line,
                        format!("entity {:?} is its own {key}", e.id),
                    ));
                }
            }
        }
    }
}

/// Where an observation came from, to name both places of a duplicate.
#[derive(Clone)]
struct Origin {
    file: PathBuf,
    line: usize,
    what: &'static str,
}

fn load_indicator(
    file: &Path,
    id: &str,
    csv: Option<&Path>,
    data: &Data,
    errors: &mut Diagnostics,
) -> Option<Indicator> {
    let text = read_text(file, errors)?;
    let csv_text = match csv {
        Some(c) => Some((c, read_text(c, errors)?)),
        None => None,
    };
    parse_indicator(
        file,
        id,
        &text,
        csv_text.as_ref().map(|(c, t)| (*c, t.as_str())),
        data,
        errors,
    )
}

fn parse_indicator(
    file: &Path,
    id: &str,
    text: &str,
    csv: Option<(&Path, &str)>,
    data: &Data,
    errors: &mut Diagnostics,
) -> Option<Indicator> {
    if !text::is_slug(id) {
        errors.push(Diagnostic::file(
            file,
            format!("an indicator's file name is its id and must be a slug like \"par-index\", got {id:?}"),
        ));
        return None;
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let line_index = diag::LineIndex::new(text);
    let parsed: IndicatorFile = match toml::from_str(text) {
        Ok(p) => p,
        Err(e) => {
            errors.push(diag::from_toml(file, text, 1, &e));
            return None;
        }
    };
    let scale = match parsed.scale {
        Some(s) => {
            let line = line_index.line(s.span().start);
            match s.get_ref().as_slice() {
                [a, b] if a < b && plausible(*a) && plausible(*b) => Some((*a, *b)),
                _ => {
                    errors.push(Diagnostic::at(
                        file,
                        line,
                        format!("`scale` must be [low, high] with low < high, each {NUMBER_RULE}"),
                    ));
                    None
                }
            }
        }
        None => None,
    };
    let mut seen: HashMap<(String, i32), Origin> = HashMap::new();
    let mut values = Vec::new();
    for spanned in &parsed.values {
        let line = line_index.line(spanned.span().start);
        let origin = Origin {
            file: file.to_path_buf(),
            line,
            what: "a [[values]] table",
        };
        if let Some(obs) = check_value(spanned.get_ref().clone(), &origin, data, &mut seen, errors)
        {
            values.push(obs);
        }
    }
    if let Some((csv_file, csv_text)) = csv {
        parse_csv(csv_file, csv_text, data, &mut seen, &mut values, errors);
    }
    // A chart's axis is the scale: a value outside it cannot be drawn.
    if let Some((lo, hi)) = scale {
        values.retain(|o| match o.value {
            Some(v) if !(lo..=hi).contains(&v) => {
                let at = &seen[&(o.entity.clone(), o.year)];
                errors.push(Diagnostic::at(
                    &at.file,
                    at.line,
                    format!(
                        "{} {}: `value` {v:?} is outside `scale` [{lo:?}, {hi:?}]",
                        o.entity, o.year
                    ),
                ));
                false
            }
            _ => true,
        });
    }
    values.sort_by(|a, b| (&a.entity, a.year).cmp(&(&b.entity, b.year)));

    let mut targets = Vec::new();
    for spanned in &parsed.targets {
        let line = line_index.line(spanned.span().start);
        let t = spanned.get_ref();
        let mut ok = true;
        if let Some(e) = &t.entity
            && data.entity(e).is_none()
        {
            if !data.entities_unloaded {
                errors.push(Diagnostic::at(
                    file,
                    line,
                    format!("target: unknown entity {e:?} (not in data/entities.toml)"),
                ));
            }
            ok = false;
        }
        if !YEARS.contains(&t.year) {
            errors.push(Diagnostic::at(
                file,
                line,
                format!(
                    "target: `year` must be between 1000 and 9999, got {}",
                    t.year
                ),
            ));
            ok = false;
        }
        if t.min.into_iter().chain(t.max).any(|v| !plausible(v)) {
            errors.push(Diagnostic::at(
                file,
                line,
                format!("target: `min` and `max` must each be {NUMBER_RULE}"),
            ));
            ok = false;
        }
        if let Some((lo, hi)) = scale
            && t.min
                .into_iter()
                .chain(t.max)
                .any(|v| !(lo..=hi).contains(&v))
        {
            errors.push(Diagnostic::at(
                file,
                line,
                format!("target: `min` and `max` must lie within `scale` [{lo:?}, {hi:?}]"),
            ));
            ok = false;
        }
        match (t.min, t.max) {
            (None, None) => {
                errors.push(Diagnostic::at(
                    file,
                    line,
                    "a target needs `min`, `max` or both",
                ));
                ok = false;
            }
            (Some(min), Some(max)) if max < min => {
                errors.push(Diagnostic::at(
                    file,
                    line,
                    format!("target: `max` ({max}) is less than `min` ({min})"),
                ));
                ok = false;
            }
            _ => {}
        }
        if ok {
            targets.push(t.clone());
        }
    }
    let updated = match parsed.updated.as_ref().map(crate::content::to_datetime) {
        Some(Ok(d)) => Some(d.format("%Y-%m-%d").to_string()),
        Some(Err(e)) => {
            let line = text
                .lines()
                .position(|l| l.trim_start().starts_with("updated"))
                .map_or(1, |l| l + 1);
            errors.push(Diagnostic::at(file, line, format!("`updated`: {e}")));
            None
        }
        None => None,
    };
    Some(Indicator {
        id: id.to_string(),
        name: parsed.name,
        short_name: parsed.short_name,
        short_name_en: parsed.short_name_en,
        name_en: parsed.name_en,
        unit: parsed.unit,
        higher_is_better: parsed.higher_is_better,
        scale,
        source: parsed.source,
        source_en: parsed.source_en,
        source_url: parsed.source_url,
        methodology_url: parsed.methodology_url,
        updated,
        description: parsed.description,
        description_en: parsed.description_en,
        targets,
        values,
        file: file.to_path_buf(),
    })
}

fn check_value(
    raw: RawValue,
    origin: &Origin,
    data: &Data,
    seen: &mut HashMap<(String, i32), Origin>,
    errors: &mut Diagnostics,
) -> Option<Observation> {
    let err = |msg: String| Diagnostic::at(&origin.file, origin.line, msg);
    let mut ok = true;
    if data.entity(&raw.entity).is_none() {
        if !data.entities_unloaded {
            errors.push(err(format!(
                "unknown entity {:?} (not in data/entities.toml)",
                raw.entity
            )));
        }
        ok = false;
    }
    if raw.value.is_none() && raw.rank.is_none() {
        errors.push(err(format!(
            "{} {}: a value row needs `value`, `rank` or both",
            raw.entity, raw.year
        )));
        ok = false;
    }
    if raw.rank == Some(0) {
        errors.push(err("`rank` starts at 1".into()));
        ok = false;
    }
    if let (Some(r), Some(of)) = (raw.rank, raw.of)
        && r > of
    {
        errors.push(err(format!("rank {r} is greater than `of` ({of})")));
        ok = false;
    }
    if raw.of.is_some() && raw.rank.is_none() {
        errors.push(err("`of` without `rank`".into()));
        ok = false;
    }
    if let Some(v) = raw.value
        && !plausible(v)
    {
        errors.push(err(format!("`value` must be {NUMBER_RULE}, got {v:?}")));
        ok = false;
    }
    if !YEARS.contains(&raw.year) {
        errors.push(err(format!(
            "`year` must be between 1000 and 9999, got {}",
            raw.year
        )));
        ok = false;
    }
    let key = (raw.entity.clone(), raw.year);
    if let Some(prev) = seen.get(&key) {
        errors.push(err(format!(
            "{} {} is already given at {}:{} ({}); each entity and year once",
            raw.entity,
            raw.year,
            // The TOML file and its CSV sit side by side: the name is enough.
            prev.file.file_name().map_or_else(
                || prev.file.display().to_string(),
                |n| n.to_string_lossy().into_owned()
            ),
            prev.line,
            prev.what,
        )));
        return None;
    }
    seen.insert(key, origin.clone());
    ok.then_some(Observation {
        entity: raw.entity,
        year: raw.year,
        value: raw.value,
        rank: raw.rank,
        of: raw.of,
        note: raw.note.filter(|n| !n.trim().is_empty()),
    })
}

const CSV_COLUMNS: [&str; 6] = ["entity", "year", "value", "rank", "of", "note"];

fn parse_csv(
    file: &Path,
    text: &str,
    data: &Data,
    seen: &mut HashMap<(String, i32), Origin>,
    values: &mut Vec<Observation>,
    errors: &mut Diagnostics,
) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            errors.push(Diagnostic::at(
                file,
                1,
                format!("cannot read the CSV header: {e}"),
            ));
            return;
        }
    };
    let mut col: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, h) in headers.iter().enumerate() {
        match CSV_COLUMNS.iter().find(|c| **c == h) {
            Some(c) if col.contains_key(c) => {
                errors.push(Diagnostic::at(
                    file,
                    1,
                    format!("the column {h:?} appears twice"),
                ));
                return;
            }
            Some(c) => {
                col.insert(c, i);
            }
            None => {
                errors.push(Diagnostic::at(
                    file,
                    1,
                    format!(
                        "unknown column {h:?}; expected some of {}",
                        CSV_COLUMNS.join(",")
                    ),
                ));
                return;
            }
        }
    }
    if !col.contains_key("entity") || !col.contains_key("year") {
        errors.push(Diagnostic::at(
            file,
            1,
            "the header must include `entity` and `year`",
        ));
        return;
    }
    for record in rdr.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(1, |p| p.line() as usize);
                errors.push(Diagnostic::at(file, line, format!("malformed row: {e}")));
                continue;
            }
        };
        let line = record.position().map_or(1, |p| p.line() as usize);
        let get = |c: &str| {
            col.get(c)
                .and_then(|&i| record.get(i))
                .filter(|s| !s.is_empty())
        };
        let mut row_ok = true;
        let mut num = |c: &str| -> Option<f64> {
            let s = get(c)?;
            match s.parse::<f64>() {
                Ok(v) => Some(v),
                Err(_) => {
                    errors.push(Diagnostic::at(
                        file,
                        line,
                        format!(
                            "column `{c}`: expected a number with a `.` decimal point, got {s:?}"
                        ),
                    ));
                    row_ok = false;
                    None
                }
            }
        };
        let year = num("year");
        let value = num("value");
        let rank = num("rank");
        let of = num("of");
        let whole = |v: Option<f64>| {
            v.filter(|x| x.fract() == 0.0 && *x >= 0.0)
                .map(|x| x as u32)
        };
        for (c, v) in [("year", year), ("rank", rank), ("of", of)] {
            if v.is_some() && whole(v).is_none() {
                errors.push(Diagnostic::at(
                    file,
                    line,
                    format!("column `{c}`: expected a whole number"),
                ));
                row_ok = false;
            }
        }
        let (Some(entity), Some(year)) = (get("entity"), whole(year)) else {
            if row_ok {
                errors.push(Diagnostic::at(
                    file,
                    line,
                    "a row needs `entity` and `year`",
                ));
            }
            continue;
        };
        if !row_ok {
            continue;
        }
        let raw = RawValue {
            entity: entity.to_string(),
            year: year as i32,
            value,
            rank: whole(rank),
            of: whole(of),
            note: get("note").map(str::to_string),
        };
        let origin = Origin {
            file: file.to_path_buf(),
            line,
            what: "a CSV row",
        };
        if let Some(obs) = check_value(raw, &origin, data, seen, errors) {
            values.push(obs);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(entities: &str, indicators: &[(&str, &str)]) -> (tempfile::TempDir, Data, Diagnostics) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("data/indicators")).unwrap();
        std::fs::write(dir.path().join("data/entities.toml"), entities).unwrap();
        for (name, text) in indicators {
            std::fs::write(dir.path().join("data/indicators").join(name), text).unwrap();
        }
        let (data, errors) = load(dir.path());
        (dir, data, errors)
    }

    const ENTITIES: &str = "[[entity]]\nid = \"vn\"\nname = \"Việt Nam\"\nkind = \"country\"\n\n[[entity]]\nid = \"ha-noi\"\nname = \"Hà Nội\"\nkind = \"province\"\nparent = \"vn\"\n";

    fn messages(errors: &Diagnostics) -> String {
        errors
            .0
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn loads_values_from_toml_and_csv() {
        let (_d, data, errors) = site(
            ENTITIES,
            &[
                (
                    "sipas.toml",
                    "name = \"SIPAS\"\nunit = \"%\"\n[[values]]\nentity = \"ha-noi\"\nyear = 2018\nvalue = 83.0\n",
                ),
                (
                    "sipas.csv",
                    "entity,year,value,rank,of\nha-noi,2021,87.11,3,63\n",
                ),
            ],
        );
        assert!(errors.is_empty(), "{}", messages(&errors));
        let ind = data.indicator("sipas").unwrap();
        let s: Vec<_> = ind
            .series("ha-noi")
            .map(|o| (o.year, o.value, o.rank))
            .collect();
        assert_eq!(
            s,
            vec![(2018, Some(83.0), None), (2021, Some(87.11), Some(3))]
        );
    }

    #[test]
    fn duplicate_entity_year_across_toml_and_csv_names_both_places() {
        let (_d, _data, errors) = site(
            ENTITIES,
            &[
                (
                    "sipas.toml",
                    "name = \"SIPAS\"\nunit = \"%\"\n\n[[values]]\nentity = \"ha-noi\"\nyear = 2021\nvalue = 1.0\n",
                ),
                ("sipas.csv", "entity,year,value\nha-noi,2021,87.11\n"),
            ],
        );
        let m = messages(&errors);
        assert!(m.contains("sipas.csv:2:"), "{m}");
        assert!(m.contains("sipas.toml:4 (a [[values]] table)"), "{m}");
    }

    #[test]
    fn rejects_bad_values_with_lines() {
        let (_d, _data, errors) = site(
            ENTITIES,
            &[(
                "papi.toml",
                "name = \"PAPI\"\nunit = \"điểm\"\n[[values]]\nentity = \"hue\"\nyear = 2021\nrank = 9\n[[values]]\nentity = \"ha-noi\"\nyear = 2021\n[[values]]\nentity = \"ha-noi\"\nyear = 2022\nrank = 70\nof = 63\n[[targets]]\nyear = 2025\nmin = 95.0\nmax = 90.0\n",
            )],
        );
        let m = messages(&errors);
        assert!(m.contains("papi.toml:3: unknown entity \"hue\""), "{m}");
        assert!(
            m.contains("papi.toml:7: ha-noi 2021: a value row needs `value`, `rank` or both"),
            "{m}"
        );
        assert!(
            m.contains("papi.toml:10: rank 70 is greater than `of` (63)"),
            "{m}"
        );
        assert!(
            m.contains("papi.toml:15: target: `max` (90) is less than `min` (95)"),
            "{m}"
        );
    }

    #[test]
    fn rejects_unknown_keys_and_missing_parents() {
        let (_d, _data, errors) = site(
            "[[entity]]\nid = \"a\"\nname = \"A\"\nkind = \"province\"\nparent = \"zz\"\nsuccessor = \"yy\"\n",
            &[("x.toml", "name = \"X\"\nunit = \"%\"\ncolour = \"red\"\n")],
        );
        let m = messages(&errors);
        assert!(
            m.contains("entities.toml:1: entity \"a\": `parent` \"zz\""),
            "{m}"
        );
        assert!(m.contains("`successor` \"yy\""), "{m}");
        assert!(m.contains("x.toml:3: unknown field `colour`"), "{m}");
    }

    #[test]
    fn parent_cycles_are_reported() {
        let (_d, _data, errors) = site(
            "[[entity]]\nid = \"a\"\nname = \"A\"\nkind = \"province\"\nparent = \"b\"\n[[entity]]\nid = \"b\"\nname = \"B\"\nkind = \"district\"\nparent = \"a\"\n",
            &[],
        );
        let m = messages(&errors);
        assert!(
            m.contains("entities.toml:1: entity \"a\" is its own ancestor"),
            "{m}"
        );
    }

    #[test]
    fn csv_errors_name_the_row() {
        let (_d, _data, errors) = site(
            ENTITIES,
            &[
                ("x.toml", "name = \"X\"\nunit = \"%\"\n"),
                (
                    "x.csv",
                    "entity,year,value\nha-noi,2020,1\nha-noi,2021,87,11\nha-noi,20x1,1\n",
                ),
            ],
        );
        let m = messages(&errors);
        assert!(m.contains("x.csv:3: malformed row"), "{m}");
        assert!(
            m.contains("x.csv:4: column `year`: expected a number"),
            "{m}"
        );
    }

    #[test]
    fn ranking_follows_direction() {
        let (_d, data, errors) = site(
            "[[entity]]\nid = \"a\"\nname = \"A\"\nkind = \"province\"\n[[entity]]\nid = \"b\"\nname = \"B\"\nkind = \"province\"\n",
            &[(
                "x.toml",
                "name = \"X\"\nunit = \"%\"\nhigher_is_better = false\n[[values]]\nentity = \"a\"\nyear = 2021\nvalue = 5.0\n[[values]]\nentity = \"b\"\nyear = 2021\nvalue = 2.0\n",
            )],
        );
        assert!(errors.is_empty(), "{}", messages(&errors));
        let r: Vec<_> = data
            .indicator("x")
            .unwrap()
            .ranking(2021)
            .iter()
            .map(|o| o.entity.clone())
            .collect();
        assert_eq!(r, vec!["b", "a"]);
    }
}
