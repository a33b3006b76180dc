//! Views of the page kinds beyond news: model showcases (filters by field
//! and locality, as static pages and in place) and conference summaries
//! (grouped by year), and the JSON-LD each page kind carries.

use std::collections::BTreeMap;

use chrono::Datelike;
use serde::Serialize;
use tera::Value;

use super::Ctx;
use crate::content::{self, PageKind};
use crate::data::Data;
use crate::data::EntityKind;
use crate::diag::Diagnostic;
use crate::output::OutputFile;
use crate::site::Model;
use crate::text;

/// Path segments of the static filter pages of a model section.
pub const BY_FIELD: &str = "linh-vuc";
pub const BY_LOCALITY: &str = "dia-phuong";

#[derive(Serialize, Clone)]
pub struct FilterLink {
    pub name: String,
    /// `field` or `locality`
    pub kind: &'static str,
    /// The field's slug or the entity id.
    pub key: String,
    pub path: String,
    pub count: usize,
    pub active: bool,
}

#[derive(Serialize)]
pub struct ModelFilters {
    /// The unfiltered list.
    pub all: String,
    pub fields: Vec<FilterLink>,
    pub localities: Vec<FilterLink>,
    /// The filter this page shows, if any.
    pub active: Option<FilterLink>,
}

/// Field slug → (display name, pages), and entity id → pages.
type ModelGroups = (
    BTreeMap<String, (String, Vec<usize>)>,
    BTreeMap<String, Vec<usize>>,
);

#[derive(Serialize)]
pub struct YearGroup {
    pub year: i32,
    pub pages: Vec<Value>,
}

/// A static filter page of a model section.
#[derive(Clone, Copy)]
pub enum Filter<'a> {
    Field(&'a str),
    Locality(&'a str),
}

impl Ctx<'_> {
    /// Field slug → (display name, pages) and entity id → pages, for a model section.
    pub(super) fn model_filters(&self, s: usize, active: Option<Filter>) -> ModelFilters {
        let sec = &self.model.content.sections[s];
        let (fields, localities) = model_groups(self.model, self.data, s);
        let field_links: Vec<FilterLink> = fields
            .iter()
            .map(|(slug, (name, pages))| FilterLink {
                name: name.clone(),
                kind: "field",
                key: slug.clone(),
                path: self.site.url(&format!("{}{BY_FIELD}/{slug}/", sec.path)),
                count: pages.len(),
                active: matches!(active, Some(Filter::Field(f)) if f == slug),
            })
            .collect();
        let mut locality_links: Vec<FilterLink> = localities
            .iter()
            .map(|(id, pages)| FilterLink {
                name: self
                    .data
                    .entity(id)
                    .map_or_else(|| id.clone(), |e| e.name.clone()),
                kind: "locality",
                key: id.clone(),
                path: self.site.url(&format!("{}{BY_LOCALITY}/{id}/", sec.path)),
                count: pages.len(),
                active: matches!(active, Some(Filter::Locality(l)) if l == id),
            })
            .collect();
        locality_links.sort_by_cached_key(|l| text::slugify(&l.name));
        let active = field_links
            .iter()
            .chain(&locality_links)
            .find(|l| l.active)
            .cloned();
        ModelFilters {
            all: self.site.url(&sec.path),
            fields: field_links,
            localities: locality_links,
            active,
        }
    }

    pub(super) fn model_filter_page(
        &self,
        tera: &tera::Tera,
        s: usize,
        by_field: bool,
        key: &str,
    ) -> Result<Vec<OutputFile>, Diagnostic> {
        let (fields, localities) = model_groups(self.model, self.data, s);
        let (filter, pages, segment) = if by_field {
            (
                Filter::Field(key),
                fields.get(key).map(|f| f.1.clone()).unwrap_or_default(),
                BY_FIELD,
            )
        } else {
            (
                Filter::Locality(key),
                localities.get(key).cloned().unwrap_or_default(),
                BY_LOCALITY,
            )
        };
        let sec = &self.model.content.sections[s];
        let base = filter_path(sec, by_field, key);
        debug_assert!(base.ends_with(&format!("{segment}/{key}/")));
        let filters = self.model_filters(s, Some(filter));
        let (paginator, _) = self.paginate(&pages, None, 0, &base);
        let mut view = self.section_view(s);
        view.path = self.site.url(&base);
        view.permalink = self.site.absolute(&base);
        let list = super::ListPage {
            section: Some(view),
            paginator: Some(paginator),
            filters: Some(filters),
            ..self.empty_list()
        };
        Ok(vec![self.render_page(
            tera,
            &["section.html"],
            &list,
            &sec.file,
            &base,
        )?])
    }

    /// Conferences grouped by the year they started, newest first.
    pub(super) fn conference_years(&self, pages: &[usize]) -> Vec<YearGroup> {
        let mut dated: Vec<(chrono::DateTime<chrono::FixedOffset>, usize)> = pages
            .iter()
            .filter_map(|&i| {
                let c = self.model.page(i).fm.conference.as_ref()?;
                Some((content::to_datetime(&c.starts).ok()?, i))
            })
            .collect();
        dated.sort_by_key(|d| std::cmp::Reverse(d.0));
        let mut groups: Vec<YearGroup> = Vec::new();
        for (d, i) in dated {
            if groups.last().is_none_or(|g| g.year != d.year()) {
                groups.push(YearGroup {
                    year: d.year(),
                    pages: Vec::new(),
                });
            }
            groups
                .last_mut()
                .expect("pushed above")
                .pages
                .push(self.metas[i].clone());
        }
        groups
    }

    /// schema.org JSON-LD of a page: `NewsArticle`, `Event` or `Article`.
    /// Built as the template value directly (no JSON value in between: that
    /// and its conversion were a fortieth of a build); absent fields are
    /// left out rather than written as `null`.
    pub(super) fn page_json_ld(&self, i: usize) -> Value {
        let site = self.site;
        let p = self.model.page(i);
        let publisher = site.publisher();
        let image =
            p.fm.image
                .as_ref()
                .map(|img| site.absolute_url(&super::asset_url(site, &p.files_path, &img.src)));
        let description =
            p.fm.description
                .as_deref()
                .unwrap_or(&self.model.page_md[i].summary_text);
        match (p.kind, &p.fm.conference) {
            (PageKind::Conference, Some(c)) => {
                let starts = content::to_datetime(&c.starts).ok();
                let ends = c
                    .ends
                    .as_ref()
                    .and_then(|e| content::to_datetime(e).ok())
                    .or(starts);
                let day =
                    |d: chrono::DateTime<chrono::FixedOffset>| d.format("%Y-%m-%d").to_string();
                Value::from_serializable(&EventLd {
                    context: SCHEMA_ORG,
                    kind: "Event",
                    description,
                    end_date: ends.map(day),
                    attendance: "https://schema.org/OfflineEventAttendanceMode",
                    status: "https://schema.org/EventScheduled",
                    image,
                    location: Place {
                        kind: "Place",
                        address: &c.venue,
                        name: &c.venue,
                    },
                    name: &p.fm.title,
                    organizer: c
                        .organisers
                        .iter()
                        .map(|o| Agent::organization(o))
                        .collect(),
                    start_date: starts.map(day),
                    url: site.absolute(&p.path),
                })
            }
            _ => Value::from_serializable(&ArticleLd {
                context: SCHEMA_ORG,
                kind: if p.kind == PageKind::Article {
                    "NewsArticle"
                } else {
                    "Article"
                },
                author: if p.fm.authors.is_empty() {
                    vec![Agent::organization(publisher)]
                } else {
                    p.fm.authors
                        .iter()
                        .map(|a| Agent {
                            kind: "Person",
                            name: a,
                        })
                        .collect()
                },
                date_modified: p.updated.or(p.date).map(|d| d.to_rfc3339()),
                date_published: p.date.map(|d| d.to_rfc3339()),
                description,
                headline: &p.fm.title,
                image: image.map(|i| vec![i]),
                in_language: &site.config.language,
                keywords: p.fm.taxonomies.get("tags").map(|t| t.join(", ")),
                main_entity_of_page: site.absolute(&p.path),
                publisher: Agent::organization(publisher),
            }),
        }
    }
}

const SCHEMA_ORG: &str = "https://schema.org";

// The JSON-LD of pages. Fields are in alphabetical order (with `@` names
// first), the order the output has always had.

/// A `Person` or an `Organization`.
#[derive(Serialize)]
struct Agent<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: &'a str,
}

impl<'a> Agent<'a> {
    fn organization(name: &'a str) -> Self {
        Agent {
            kind: "Organization",
            name,
        }
    }
}

#[derive(Serialize)]
struct Place<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    address: &'a str,
    name: &'a str,
}

/// `NewsArticle` (articles) or `Article` (models).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArticleLd<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@type")]
    kind: &'static str,
    author: Vec<Agent<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_modified: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_published: Option<String>,
    description: &'a str,
    headline: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<Vec<String>>,
    in_language: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    keywords: Option<String>,
    main_entity_of_page: String,
    publisher: Agent<'a>,
}

/// `Event` (conferences).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EventLd<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@type")]
    kind: &'static str,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_date: Option<String>,
    #[serde(rename = "eventAttendanceMode")]
    attendance: &'static str,
    #[serde(rename = "eventStatus")]
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<String>,
    location: Place<'a>,
    name: &'a str,
    organizer: Vec<Agent<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_date: Option<String>,
    url: String,
}

/// The models of section `s` grouped by field slug (with the field's name)
/// and by locality id.
fn model_groups(m: &Model, data: &Data, s: usize) -> ModelGroups {
    let mut fields: BTreeMap<String, (String, Vec<usize>)> = BTreeMap::new();
    let mut localities: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for &i in &m.section_pages[s] {
        let Some(mt) = &m.page(i).fm.model else {
            continue;
        };
        fields
            .entry(text::slugify(&mt.field))
            .or_insert_with(|| (mt.field.trim().to_string(), Vec::new()))
            .1
            .push(i);
        // A model in a district also counts for its province.
        for e in data.ancestors(&mt.locality) {
            if e.kind != EntityKind::Country {
                localities.entry(e.id.clone()).or_default().push(i);
            }
        }
    }
    (fields, localities)
}

/// Every static filter page of every model section: (section, by field, key).
pub(super) fn model_filter_keys(model: &Model, data: &Data) -> Vec<(usize, bool, String)> {
    let mut out = Vec::new();
    for (s, sec) in model.content.sections.iter().enumerate() {
        if sec.fm.page_kind != PageKind::Model {
            continue;
        }
        let (fields, localities) = model_groups(model, data, s);
        out.extend(fields.into_keys().map(|k| (s, true, k)));
        out.extend(localities.into_keys().map(|k| (s, false, k)));
    }
    out
}

/// `mo-hinh/linh-vuc/<field>/` or `mo-hinh/dia-phuong/<entity>/`.
pub(super) fn filter_path(sec: &crate::content::Section, by_field: bool, key: &str) -> String {
    let segment = if by_field { BY_FIELD } else { BY_LOCALITY };
    format!("{}{segment}/{key}/", sec.path)
}
