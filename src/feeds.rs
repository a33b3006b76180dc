//! Feeds and indexes for machines: Atom feeds (site, sections, taxonomy
//! terms), `sitemap.xml` (split into an index above 50.000 URLs) and `robots.txt`.

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::{DateTime, FixedOffset};

use crate::config::Site;
use crate::data::Data;
use crate::markdown::Rendered;
use crate::output::OutputFile;
use crate::render::Translation;
use crate::site::Model;

/// Escapes text for XML content and attributes.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 forbids are dropped rather than breaking the feed.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// An Atom feed of `pages` (newest first, at most `feed_limit`).
fn atom(
    site: &Site,
    model: &Model,
    pages: &[usize],
    title: &str,
    feed_path: &str,
    html_path: &str,
) -> String {
    let limit = site.config.feed_limit;
    let chosen: Vec<usize> = pages
        .iter()
        .copied()
        .filter(|&i| model.page(i).date.is_some())
        .take(limit)
        .collect();
    let stamp = |i: usize| -> DateTime<FixedOffset> {
        let p = model.page(i);
        p.updated.or(p.date).expect("feeds hold dated pages")
    };
    let updated = chosen
        .iter()
        .map(|&i| stamp(i))
        .max()
        .map_or_else(|| "1970-01-01T00:00:00+00:00".into(), |d| d.to_rfc3339());
    let mut x = String::with_capacity(4096 + chosen.len() * 1500);
    x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"");
    x.push_str(&xml_escape(&site.config.language));
    x.push_str("\">\n");
    let _ = writeln!(x, "  <title>{}</title>", xml_escape(title));
    if !site.config.description.is_empty() {
        let _ = writeln!(
            x,
            "  <subtitle>{}</subtitle>",
            xml_escape(&site.config.description)
        );
    }
    let _ = writeln!(
        x,
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>",
        xml_escape(&site.absolute(feed_path))
    );
    let _ = writeln!(
        x,
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
        xml_escape(&site.absolute(html_path))
    );
    let _ = writeln!(x, "  <id>{}</id>", xml_escape(&site.absolute(feed_path)));
    let _ = writeln!(x, "  <updated>{updated}</updated>");
    let _ = writeln!(
        x,
        "  <author><name>{}</name></author>",
        xml_escape(site.publisher())
    );
    let _ = writeln!(
        x,
        "  <generator uri=\"https://crates.io/crates/minhbach\">minhbach</generator>"
    );
    for &i in &chosen {
        entry(&mut x, site, model, i, stamp(i));
    }
    x.push_str("</feed>\n");
    x
}

fn entry(x: &mut String, site: &Site, model: &Model, i: usize, updated: DateTime<FixedOffset>) {
    let p = model.page(i);
    let md: &Rendered = &model.page_md[i];
    let url = site.absolute(&p.path);
    x.push_str("  <entry>\n");
    let _ = writeln!(x, "    <title>{}</title>", xml_escape(&p.fm.title));
    let _ = writeln!(
        x,
        "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
        xml_escape(&url)
    );
    let _ = writeln!(x, "    <id>{}</id>", xml_escape(&url));
    if let Some(d) = p.date {
        let _ = writeln!(x, "    <published>{}</published>", d.to_rfc3339());
    }
    let _ = writeln!(x, "    <updated>{}</updated>", updated.to_rfc3339());
    if p.fm.authors.is_empty() {
        let _ = writeln!(
            x,
            "    <author><name>{}</name></author>",
            xml_escape(site.publisher())
        );
    }
    for a in &p.fm.authors {
        let _ = writeln!(x, "    <author><name>{}</name></author>", xml_escape(a));
    }
    for (tax, terms) in &p.fm.taxonomies {
        let taxonomy = model.taxonomies.iter().find(|t| &t.name == tax);
        for t in terms {
            let slug = crate::text::slugify(t);
            // Labelled as the term's page is titled (a locality by its
            // entity's name, not its id).
            let label = taxonomy
                .and_then(|tx| tx.term(&slug))
                .map_or(t.trim(), |term| term.name.as_str());
            let _ = writeln!(
                x,
                "    <category term=\"{}\" label=\"{}\" scheme=\"{}\"/>",
                xml_escape(&slug),
                xml_escape(label),
                xml_escape(&site.absolute(&format!("{tax}/")))
            );
        }
    }
    let summary = if md.summary_html.is_empty() {
        crate::text::escape_html(p.fm.description.as_deref().unwrap_or_default())
    } else {
        md.summary_html.clone()
    };
    let _ = writeln!(
        x,
        "    <summary type=\"html\">{}</summary>",
        xml_escape(&summary)
    );
    x.push_str("  </entry>\n");
}

/// The site feed (unless the edition has none), each section's with
/// `feed = true`, and each term's of a taxonomy with `feed = true`.
pub fn feed_files(site: &Site, model: &Model) -> Vec<OutputFile> {
    let cfg = site.config_file();
    let mut out = Vec::new();
    if site.feed {
        out.push(OutputFile::bytes(
            "atom.xml",
            atom(
                site,
                model,
                &model.latest,
                &site.config.title,
                "atom.xml",
                "",
            ),
            &cfg,
        ));
    }
    for (s, sec) in model.content.sections.iter().enumerate() {
        if sec.fm.feed && !sec.path.is_empty() {
            let mut pages = model.section_pages[s].clone();
            crate::site::sort_pages(
                &mut pages,
                &model.content.pages,
                crate::content::SortBy::Date,
            );
            let path = format!("{}atom.xml", sec.path);
            let title = crate::site::section_feed_title(site, sec);
            out.push(OutputFile::bytes(
                path.clone(),
                atom(site, model, &pages, &title, &path, &sec.path),
                &sec.file,
            ));
        }
    }
    for tax in model.taxonomies.iter().filter(|t| t.feed) {
        for term in &tax.terms {
            let html = format!("{}/{}/", tax.name, term.slug);
            let path = format!("{html}atom.xml");
            let title = crate::site::term_feed_title(site, tax, term);
            out.push(OutputFile::bytes(
                path.clone(),
                atom(site, model, &term.pages, &title, &path, &html),
                &cfg,
            ));
        }
    }
    out
}

/// URLs per sitemap file, as the sitemaps protocol allows.
pub const SITEMAP_LIMIT: usize = 50_000;

/// `sitemap.xml` (an index of `sitemap-N.xml` files above the limit).
/// On a site with language editions each URL also names its versions in
/// the other editions (`xhtml:link` alternates, as search engines read
/// them), from `translations` (site path → versions elsewhere).
pub fn sitemap_files(
    site: &Site,
    model: &Model,
    data: &Data,
    translations: &HashMap<String, Vec<Translation>>,
) -> Vec<OutputFile> {
    // Site paths (as pages are rendered at), made absolute when written.
    let mut urls: Vec<(String, Option<String>)> = Vec::new();
    for s in &model.content.sections {
        urls.push((s.path.clone(), None));
    }
    for p in &model.content.pages {
        let lastmod = p.updated.or(p.date).map(|d| d.to_rfc3339());
        urls.push((p.path.clone(), lastmod));
    }
    for t in &model.taxonomies {
        urls.push((format!("{}/", t.name), None));
        for term in &t.terms {
            urls.push((format!("{}/{}/", t.name, term.slug), None));
        }
    }
    let paths = &site.config.paths;
    urls.push((format!("{}/", paths.archive), None));
    for y in &model.archive {
        urls.push((format!("{}/{}/", paths.archive, y.year), None));
        for m in &y.months {
            let path = format!("{}/{}/{:02}/", paths.archive, y.year, m.month);
            urls.push((path, None));
        }
    }
    if !model.authors.is_empty() {
        urls.push((format!("{}/", paths.authors), None));
        for a in &model.authors {
            urls.push((format!("{}/{}/", paths.authors, a.slug), None));
        }
    }
    if !data.entities.is_empty() {
        urls.push((format!("{}/", paths.entities), None));
    }
    if !data.indicators.is_empty() || !data.entities.is_empty() {
        urls.push((format!("{}/", paths.indicators), None));
        for ind in &data.indicators {
            urls.push((
                format!("{}/{}/", paths.indicators, ind.id),
                ind.updated.clone(),
            ));
        }
        for e in &data.entities {
            urls.push((format!("{}/{}/", paths.entities, e.id), None));
        }
    }
    let cfg = site.config_file();
    let own_language = &site.config.language;
    let render = |chunk: &[(String, Option<String>)]| {
        let mut x = String::with_capacity(chunk.len() * 120 + 200);
        x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"");
        if !translations.is_empty() {
            x.push_str(" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\"");
        }
        x.push_str(">\n");
        for (path, lastmod) in chunk {
            let url = site.absolute(path);
            let _ = write!(x, "  <url><loc>{}</loc>", xml_escape(&url));
            if let Some(m) = lastmod {
                let _ = write!(x, "<lastmod>{}</lastmod>", xml_escape(m));
            }
            // Every version, this one included, as the sitemaps extension
            // for alternates asks.
            if let Some(alts) = translations.get(path) {
                let versions = std::iter::once((own_language.as_str(), url.as_str()))
                    .chain(alts.iter().map(|t| (t.code.as_str(), t.permalink.as_str())));
                for (code, href) in versions {
                    let _ = write!(
                        x,
                        "\n    <xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}\"/>",
                        xml_escape(code),
                        xml_escape(href)
                    );
                }
                x.push_str("\n  ");
            }
            x.push_str("</url>\n");
        }
        x.push_str("</urlset>\n");
        x
    };
    let mut out = Vec::new();
    if urls.len() <= SITEMAP_LIMIT {
        out.push(OutputFile::bytes("sitemap.xml", render(&urls), &cfg));
    } else {
        let mut index = String::from(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        for (k, chunk) in urls.chunks(SITEMAP_LIMIT).enumerate() {
            let name = format!("sitemap-{}.xml", k + 1);
            let _ = writeln!(
                index,
                "  <sitemap><loc>{}</loc></sitemap>",
                xml_escape(&site.absolute(&name))
            );
            out.push(OutputFile::bytes(name, render(chunk), &cfg));
        }
        index.push_str("</sitemapindex>\n");
        out.push(OutputFile::bytes("sitemap.xml", index, &cfg));
    }
    out
}

/// `robots.txt`, one per host: for the default edition, naming its sitemap
/// and those of the other editions (`other_sitemaps`, absolute URLs); `None`
/// for the others. A site's own static `robots.txt` replaces it.
pub fn robots_txt(site: &Site, other_sitemaps: &[String]) -> Option<OutputFile> {
    if !site.is_default_edition() {
        return None;
    }
    let mut robots = format!(
        "User-agent: *\nAllow: /\n\nSitemap: {}\n",
        site.absolute("sitemap.xml")
    );
    for url in other_sitemaps {
        let _ = writeln!(robots, "Sitemap: {url}");
    }
    Some(OutputFile::bytes("robots.txt", robots, site.config_file()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escape_makes_markup_inert() {
        assert_eq!(
            xml_escape("</title><script>alert(1)</script> & \"x\""),
            "&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;"
        );
        assert_eq!(xml_escape("a\u{1}b"), "ab");
    }
}
