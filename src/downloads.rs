//! Downloads: each indicator as CSV and JSON, and the site's `/data.json`
//! open-data catalogue (DCAT-US style) that national portals harvest.

use serde::Serialize;
use serde_json::json;

use crate::config::Site;
use crate::data::{Data, Indicator};
use crate::output::OutputFile;

#[derive(Serialize)]
struct JsonValue<'a> {
    entity: &'a str,
    entity_name: &'a str,
    year: i32,
    value: Option<f64>,
    rank: Option<u32>,
    of: Option<u32>,
    note: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonIndicator<'a> {
    id: &'a str,
    name: &'a str,
    short_name: Option<&'a str>,
    name_en: Option<&'a str>,
    unit: &'a str,
    higher_is_better: bool,
    source: Option<&'a str>,
    source_url: Option<&'a str>,
    methodology_url: Option<&'a str>,
    updated: Option<&'a str>,
    url: String,
    targets: &'a [crate::data::Target],
    values: Vec<JsonValue<'a>>,
}

fn entity_name<'a>(data: &'a Data, id: &'a str) -> &'a str {
    data.entity(id).map_or(id, |e| e.name.as_str())
}

/// `entity,entity_name,year,value,rank,of,note`: UTF-8, `.` decimals.
pub fn indicator_csv(data: &Data, ind: &Indicator) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = w.write_record([
        "entity",
        "entity_name",
        "year",
        "value",
        "rank",
        "of",
        "note",
    ]);
    for o in &ind.values {
        let _ = w.write_record([
            o.entity.as_str(),
            entity_name(data, &o.entity),
            &o.year.to_string(),
            &o.value.map(|v| v.to_string()).unwrap_or_default(),
            &o.rank.map(|v| v.to_string()).unwrap_or_default(),
            &o.of.map(|v| v.to_string()).unwrap_or_default(),
            o.note.as_deref().unwrap_or_default(),
        ]);
    }
    w.into_inner().unwrap_or_default()
}

pub fn indicator_json(site: &Site, data: &Data, ind: &Indicator) -> Vec<u8> {
    let doc = JsonIndicator {
        id: &ind.id,
        name: &ind.name,
        short_name: ind.short_name.as_deref(),
        name_en: ind.name_en.as_deref(),
        unit: &ind.unit,
        higher_is_better: ind.higher_is_better,
        source: ind.source.as_deref(),
        source_url: ind.source_url.as_deref(),
        methodology_url: ind.methodology_url.as_deref(),
        updated: ind.updated.as_deref(),
        url: site.absolute(&format!("{}/{}/", site.config.paths.indicators, ind.id)),
        targets: &ind.targets,
        values: ind
            .values
            .iter()
            .map(|o| JsonValue {
                entity: &o.entity,
                entity_name: entity_name(data, &o.entity),
                year: o.year,
                value: o.value,
                rank: o.rank,
                of: o.of,
                note: o.note.as_deref(),
            })
            .collect(),
    };
    json_bytes(&doc)
}

/// Every download of every indicator, and the catalogue.
pub fn files(site: &Site, data: &Data, loc: &crate::i18n::Locale) -> Vec<OutputFile> {
    // The indicator index links the catalogue, so it exists whenever that page does.
    if data.indicators.is_empty() && data.entities.is_empty() {
        return Vec::new();
    }
    let dir = &site.config.paths.indicators;
    let mut out = Vec::new();
    for ind in &data.indicators {
        out.push(OutputFile::bytes(
            format!("{dir}/{}.csv", ind.id),
            indicator_csv(data, ind),
            &ind.file,
        ));
        out.push(OutputFile::bytes(
            format!("{dir}/{}.json", ind.id),
            indicator_json(site, data, ind),
            &ind.file,
        ));
    }
    out.push(OutputFile::bytes(
        "data.json",
        catalogue(site, data, loc),
        site.root.join("data"),
    ));
    out
}

/// A DCAT-US 1.1 catalogue of the indicators.
fn catalogue(site: &Site, data: &Data, loc: &crate::i18n::Locale) -> Vec<u8> {
    let publisher = site.publisher();
    let email = site.config.extra.get("email").and_then(|v| v.as_str());
    let dir = &site.config.paths.indicators;
    let datasets: Vec<_> = data
        .indicators
        .iter()
        .map(|ind| {
            let years = ind.years();
            json!({
                "@type": "dcat:Dataset",
                "identifier": site.absolute(&format!("{dir}/{}/", ind.id)),
                "title": ind.name,
                "description": ind.description.trim(),
                "keyword": [ind.label(), loc.t("data_keyword")],
                "modified": ind.updated,
                "publisher": {"@type": "org:Organization", "name": publisher},
                "contactPoint": {"@type": "vcard:Contact", "fn": publisher, "hasEmail": email.map(|e| format!("mailto:{e}"))},
                "accessLevel": "public",
                "language": [site.config.language],
                "landingPage": site.absolute(&format!("{dir}/{}/", ind.id)),
                "temporal": match (years.first(), years.last()) {
                    (Some(a), Some(b)) => Some(format!("{a}/{b}")),
                    _ => None,
                },
                "references": ind.methodology_url.iter().chain(ind.source_url.iter()).collect::<Vec<_>>(),
                "distribution": [
                    {"@type": "dcat:Distribution", "downloadURL": site.absolute(&format!("{dir}/{}.csv", ind.id)), "mediaType": "text/csv", "format": "CSV"},
                    {"@type": "dcat:Distribution", "downloadURL": site.absolute(&format!("{dir}/{}.json", ind.id)), "mediaType": "application/json", "format": "JSON"},
                ],
            })
        })
        .collect();
    let doc = json!({
        "@context": "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld",
        "@type": "dcat:Catalog",
        "conformsTo": "https://project-open-data.cio.gov/v1.1/schema",
        "title": site.config.title,
        "description": site.config.description,
        "dataset": datasets,
    });
    json_bytes(&doc)
}

/// Pretty JSON with `<`, `>` and `&` escaped (`\u003c`, …), as in the
/// pages' JSON-LD: a download that a browser sniffs as HTML, or a name pasted
/// into a page, can never open a script. They occur only inside strings.
fn json_bytes(doc: &impl Serialize) -> Vec<u8> {
    let text = serde_json::to_string_pretty(doc).unwrap_or_default();
    text.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Entity, EntityKind, Observation};

    fn data() -> Data {
        let mut d = Data::default();
        d.entities.push(Entity {
            id: "ha-noi".into(),
            name: "Hà Nội, \"thủ đô\"".into(),
            name_en: None,
            kind: EntityKind::Province,
            parent: None,
            valid_to: None,
            successor: None,
        });
        d.entity_index.insert("ha-noi".into(), 0);
        d
    }

    #[test]
    fn csv_has_dot_decimals_and_quoted_names() {
        let d = data();
        let ind = Indicator {
            id: "sipas".into(),
            name: "SIPAS".into(),
            short_name: None,
            name_en: None,
            short_name_en: None,
            source_en: None,
            unit: "%".into(),
            higher_is_better: true,
            scale: None,
            source: None,
            source_url: None,
            methodology_url: None,
            updated: None,
            description: String::new(),
            description_en: None,
            targets: Vec::new(),
            values: vec![Observation {
                entity: "ha-noi".into(),
                year: 2021,
                value: Some(87.11),
                rank: Some(3),
                of: Some(63),
                note: None,
            }],
            file: Default::default(),
        };
        let csv = String::from_utf8(indicator_csv(&d, &ind)).unwrap();
        assert_eq!(
            csv,
            "entity,entity_name,year,value,rank,of,note\nha-noi,\"Hà Nội, \"\"thủ đô\"\"\",2021,87.11,3,63,\n"
        );
    }
}
