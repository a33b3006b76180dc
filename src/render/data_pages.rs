//! Views of indicator data for templates: the indicator index and pages, and
//! entity profiles, with their charts drawn once and handed over as HTML.

use serde::Serialize;
use serde_json::json;
use tera::Value;

use super::{Ctx, LinkView};
use crate::charts;
use crate::content::PageKind;
use crate::data::{Entity, EntityKind, Indicator};
use crate::output::OutputFile;

#[derive(Serialize)]
pub struct ValueView {
    pub entity: LinkView,
    pub year: i32,
    /// `87,11%`, or none when only a rank was published.
    pub value: Option<String>,
    /// `3/63`
    pub rank: Option<String>,
}

#[derive(Serialize)]
pub struct IndicatorSummary {
    pub id: String,
    pub name: String,
    pub short_name: Option<String>,
    pub label: String,
    pub unit: String,
    pub path: String,
    pub latest_year: Option<i32>,
    /// The national value in the latest year.
    pub national: Option<ValueView>,
    /// The best entity in the latest year.
    pub leader: Option<ValueView>,
    pub source: Option<String>,
    pub updated: Option<String>,
}

#[derive(Serialize)]
struct TargetView {
    entity: Option<LinkView>,
    year: i32,
    label: String,
}

#[derive(Serialize)]
struct Downloads {
    csv: String,
    json: String,
}

#[derive(Serialize)]
struct IndicatorView<'a> {
    #[serde(flatten)]
    summary: IndicatorSummary,
    name_en: Option<&'a str>,
    description: &'a str,
    source_url: Option<&'a str>,
    methodology_url: Option<&'a str>,
    higher_is_better: bool,
    years: Vec<i32>,
    ranking_chart: Option<String>,
    national_chart: Option<String>,
    targets: Vec<TargetView>,
    downloads: Downloads,
    json_ld: serde_json::Value,
}

#[derive(Serialize)]
struct EntityIndicatorView {
    indicator: LinkView,
    latest: Option<ValueView>,
    trend_chart: Option<String>,
    rank_chart: Option<String>,
}

#[derive(Serialize)]
struct EntityView<'a> {
    id: &'a str,
    name: &'a str,
    name_en: Option<&'a str>,
    kind: EntityKind,
    path: String,
    parents: Vec<LinkView>,
    children: Vec<LinkView>,
    /// `30/06/2025`
    valid_to: Option<String>,
    successor: Option<LinkView>,
    indicators: Vec<EntityIndicatorView>,
    articles: Vec<Value>,
    models: Vec<Value>,
}

#[derive(Serialize)]
struct DataPage<'a> {
    indicators: Vec<IndicatorSummary>,
    entities: Vec<EntityGroup>,
    indicator: Option<IndicatorView<'a>>,
    entity: Option<EntityView<'a>>,
    lang: &'a str,
}

#[derive(Serialize)]
struct EntityGroup {
    kind: EntityKind,
    entities: Vec<LinkView>,
}

impl Ctx<'_> {
    /// `2025-06-30` from the data, written as the edition writes dates.
    fn day(&self, iso: &str) -> String {
        chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d")
            .map_or_else(|_| iso.to_string(), |d| self.loc.day(d))
    }

    pub(super) fn entity_link(&self, e: &Entity) -> LinkView {
        LinkView {
            name: e.name.clone(),
            path: self
                .site
                .url(&format!("{}/{}/", self.site.config.paths.entities, e.id)),
        }
    }

    fn value_view(&self, ind: &Indicator, o: &crate::data::Observation) -> ValueView {
        let entity = self.data.entity(&o.entity).map_or_else(
            || LinkView {
                name: o.entity.clone(),
                path: String::new(),
            },
            |e| self.entity_link(e),
        );
        ValueView {
            entity,
            year: o.year,
            value: o.value.map(|v| charts::fmt_value(v, &ind.unit, self.loc)),
            rank: o
                .rank
                .map(|r| o.of.map_or_else(|| r.to_string(), |of| format!("{r}/{of}"))),
        }
    }

    pub(super) fn indicator_summary(&self, ind: &Indicator) -> IndicatorSummary {
        let latest_year = ind.years().last().copied();
        let country = self.data.country();
        let national = latest_year.and_then(|y| {
            let c = country?;
            ind.series(&c.id)
                .find(|o| o.year == y)
                .map(|o| self.value_view(ind, o))
        });
        let leader = latest_year.and_then(|y| {
            self.data
                .ranking(ind, y)
                .first()
                .map(|o| self.value_view(ind, o))
        });
        IndicatorSummary {
            id: ind.id.clone(),
            name: ind.name.clone(),
            short_name: ind.short_name.clone(),
            label: ind.label().to_string(),
            unit: ind.unit.clone(),
            path: self.site.url(&format!(
                "{}/{}/",
                self.site.config.paths.indicators, ind.id
            )),
            latest_year,
            national,
            leader,
            source: ind.source.clone(),
            updated: ind.updated.as_deref().map(|iso| self.day(iso)),
        }
    }

    fn data_page(&self) -> DataPage<'_> {
        DataPage {
            indicators: Vec::new(),
            entities: Vec::new(),
            indicator: None,
            entity: None,
            lang: self.lang,
        }
    }

    pub(super) fn indicator_index(
        &self,
        tera: &tera::Tera,
    ) -> Result<Vec<OutputFile>, crate::diag::Diagnostic> {
        let mut groups: Vec<EntityGroup> = Vec::new();
        for kind in [
            EntityKind::Country,
            EntityKind::Province,
            EntityKind::District,
            EntityKind::Commune,
            EntityKind::Agency,
        ] {
            let entities: Vec<LinkView> = self
                .data
                .entities
                .iter()
                .filter(|e| e.kind == kind)
                .map(|e| self.entity_link(e))
                .collect();
            if !entities.is_empty() {
                groups.push(EntityGroup { kind, entities });
            }
        }
        let page = DataPage {
            indicators: self
                .data
                .indicators
                .iter()
                .map(|i| self.indicator_summary(i))
                .collect(),
            entities: groups,
            ..self.data_page()
        };
        let source = self.site.root.join("data");
        let path = format!("{}/", self.site.config.paths.indicators);
        let mut files =
            vec![self.render_page(tera, &["indicators.html"], &page, &source, &path)?];
        let path = format!("{}/", self.site.config.paths.entities);
        files.push(self.render_page(
            tera,
            &["entities.html", "indicators.html"],
            &page,
            &source,
            &path,
        )?);
        Ok(files)
    }

    pub(super) fn indicator_page(
        &self,
        tera: &tera::Tera,
        i: usize,
    ) -> Result<Vec<OutputFile>, crate::diag::Diagnostic> {
        let ind = &self.data.indicators[i];
        let summary = self.indicator_summary(ind);
        let base = format!("{}/{}", self.site.config.paths.indicators, ind.id);
        let url = self.site.url(&format!("{base}/"));
        let ranking_chart = summary
            .latest_year
            .and_then(|y| charts::ranking(self.data, ind, y, None, self.loc))
            .map(|c| charts::figure_html(&c, &url, self.loc));
        let national_chart = self
            .data
            .country()
            .and_then(|c| charts::trend(self.data, ind, &c.id, self.loc))
            .map(|c| charts::figure_html(&c, &url, self.loc));
        let targets = ind
            .targets
            .iter()
            .map(|t| TargetView {
                entity: t
                    .entity
                    .as_deref()
                    .and_then(|e| self.data.entity(e))
                    .map(|e| self.entity_link(e)),
                year: t.year,
                label: charts::target_label(t, &ind.unit, self.loc),
            })
            .collect();
        let downloads = Downloads {
            csv: self.site.url(&format!("{base}.csv")),
            json: self.site.url(&format!("{base}.json")),
        };
        let json_ld = json!({
            "@context": "https://schema.org",
            "@type": "Dataset",
            "name": ind.name,
            "alternateName": ind.short_name,
            "description": strip_markdown(&ind.description),
            "url": self.site.absolute(&format!("{base}/")),
            "dateModified": ind.updated,
            "creator": ind.source.as_ref().map(|s| json!({"@type": "Organization", "name": s})),
            "isBasedOn": ind.source_url,
            "measurementTechnique": ind.methodology_url,
            "temporalCoverage": match (ind.years().first(), ind.years().last()) {
                (Some(a), Some(b)) => Some(format!("{a}/{b}")),
                _ => None,
            },
            "inLanguage": self.site.config.language,
            "distribution": [
                {"@type": "DataDownload", "encodingFormat": "text/csv", "contentUrl": self.site.absolute(&format!("{base}.csv"))},
                {"@type": "DataDownload", "encodingFormat": "application/json", "contentUrl": self.site.absolute(&format!("{base}.json"))},
            ],
        });
        let view = IndicatorView {
            summary,
            name_en: ind.name_en.as_deref(),
            description: &self.indicator_html[i],
            source_url: ind.source_url.as_deref(),
            methodology_url: ind.methodology_url.as_deref(),
            higher_is_better: ind.higher_is_better,
            years: ind.years(),
            ranking_chart,
            national_chart,
            targets,
            downloads,
            json_ld,
        };
        let page = DataPage {
            indicator: Some(view),
            ..self.data_page()
        };
        Ok(vec![self.render_page(
            tera,
            &["indicator.html"],
            &page,
            &ind.file,
            &format!("{base}/"),
        )?])
    }

    pub(super) fn entity_page(
        &self,
        tera: &tera::Tera,
        e: usize,
    ) -> Result<Vec<OutputFile>, crate::diag::Diagnostic> {
        let ent = &self.data.entities[e];
        let data = self.data;
        let url = |ind: &Indicator| {
            self.site.url(&format!(
                "{}/{}/",
                self.site.config.paths.indicators, ind.id
            ))
        };
        let indicators = data
            .indicators
            .iter()
            .filter(|ind| ind.series(&ent.id).next().is_some())
            .map(|ind| EntityIndicatorView {
                indicator: LinkView {
                    name: ind.label().to_string(),
                    path: url(ind),
                },
                latest: ind.series(&ent.id).last().map(|o| self.value_view(ind, o)),
                trend_chart: charts::trend(data, ind, &ent.id, self.loc)
                    .map(|c| charts::figure_html(&c, &url(ind), self.loc)),
                rank_chart: charts::rank(data, ind, &ent.id, self.loc)
                    .map(|c| charts::figure_html(&c, &url(ind), self.loc)),
            })
            .collect();
        let m = self.model;
        let articles = m
            .taxonomies
            .iter()
            .filter(|t| t.name == "localities")
            .flat_map(|t| t.terms.iter().filter(|term| term.slug == ent.id))
            .flat_map(|term| term.pages.iter().copied())
            .filter(|&i| m.page(i).kind == PageKind::Article)
            .map(|i| self.metas[i].clone())
            .collect();
        let models =
            m.latest
                .iter()
                .chain(
                    m.content
                        .pages
                        .iter()
                        .enumerate()
                        .filter(|(_, p)| p.date.is_none())
                        .map(|(i, _)| i)
                        .collect::<Vec<_>>()
                        .iter(),
                )
                .copied()
                .filter(|&i| {
                    m.page(i).fm.model.as_ref().is_some_and(|mt| {
                        data.ancestors(&mt.locality).iter().any(|a| a.id == ent.id)
                    })
                })
                .map(|i| self.metas[i].clone())
                .collect();
        let view = EntityView {
            id: &ent.id,
            name: &ent.name,
            name_en: ent.name_en.as_deref(),
            kind: ent.kind,
            path: self
                .site
                .url(&format!("{}/{}/", self.site.config.paths.entities, ent.id)),
            parents: data
                .ancestors(&ent.id)
                .iter()
                .skip(1)
                .map(|p| self.entity_link(p))
                .collect(),
            children: data
                .children(&ent.id)
                .map(|c| self.entity_link(c))
                .collect(),
            valid_to: ent.valid_to.as_deref().map(|iso| self.day(iso)),
            successor: ent
                .successor
                .as_deref()
                .and_then(|s| data.entity(s))
                .map(|s| self.entity_link(s)),
            indicators,
            articles,
            models,
        };
        let page = DataPage {
            entity: Some(view),
            ..self.data_page()
        };
        let source = self.site.root.join("data/entities.toml");
        let path = format!("{}/{}/", self.site.config.paths.entities, ent.id);
        Ok(vec![self.render_page(
            tera,
            &["entity.html"],
            &page,
            &source,
            &path,
        )?])
    }
}

/// Markdown to plain text, good enough for a JSON-LD description.
fn strip_markdown(md: &str) -> String {
    let mut out = String::new();
    for ev in pulldown_cmark::Parser::new(md) {
        match ev {
            pulldown_cmark::Event::Text(t) | pulldown_cmark::Event::Code(t) => out.push_str(&t),
            pulldown_cmark::Event::SoftBreak
            | pulldown_cmark::Event::HardBreak
            | pulldown_cmark::Event::End(_)
                if !out.ends_with(' ') =>
            {
                out.push(' ');
            }
            _ => {}
        }
    }
    out.trim().to_string()
}
