//! Site structure: orders each section's pages, paginates, groups pages into
//! taxonomy terms and date archives, and links neighbours — plain indices into
//! the loaded pages, computed once, in time linear in the site's size.

use std::collections::{BTreeMap, HashMap};

use chrono::Datelike;
use rayon::prelude::*;

use crate::config::Site;
use crate::content::{Content, Page, PageKind, SortBy};
use crate::data::Data;
use crate::diag::{Diagnostic, Diagnostics};
use crate::markdown::Rendered;
use crate::text;

/// A taxonomy term and its pages, newest first.
#[derive(Debug, Clone)]
pub struct Term {
    /// As readers see it: the first spelling written, or for a locality
    /// that is an entity the entity's name (`ha-noi` → `Hà Nội`).
    pub name: String,
    pub slug: String,
    pub pages: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Taxonomy {
    pub name: String,
    pub title: String,
    pub feed: bool,
    pub paginate_by: usize,
    /// Sorted by slug.
    pub terms: Vec<Term>,
}

#[derive(Debug, Clone)]
pub struct ArchiveMonth {
    pub month: u32,
    pub pages: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct ArchiveYear {
    pub year: i32,
    /// Newest month first.
    pub months: Vec<ArchiveMonth>,
}

impl ArchiveYear {
    pub fn count(&self) -> usize {
        self.months.iter().map(|m| m.pages.len()).sum()
    }
}

/// The assembled site: what every page is, where it sits and what lists it.
#[derive(Debug)]
pub struct Model {
    pub content: Content,
    pub page_md: Vec<Rendered>,
    pub section_md: Vec<Rendered>,
    /// Pages of each section, in the section's order.
    pub section_pages: Vec<Vec<usize>>,
    /// Direct subsections of each section, by weight then title.
    pub subsections: Vec<Vec<usize>>,
    /// (previous, next) of each page within its section's order.
    pub neighbours: Vec<(Option<usize>, Option<usize>)>,
    pub taxonomies: Vec<Taxonomy>,
    /// Every dated page, newest first.
    pub latest: Vec<usize>,
    /// Newest year first.
    pub archive: Vec<ArchiveYear>,
    /// Pages that name each author, by folded author slug.
    pub authors: Vec<Term>,
    /// Up to five related pages of each page (shared taxonomy terms).
    pub related: Vec<Vec<usize>>,
}

impl Model {
    pub fn page(&self, i: usize) -> &Page {
        &self.content.pages[i]
    }
}

/// Chunks of a list for pagination: always at least one (possibly empty) pager.
pub fn paginate(len: usize, per_page: Option<usize>) -> Vec<std::ops::Range<usize>> {
    match per_page {
        Some(n) if n > 0 && len > 0 => (0..len.div_ceil(n))
            .map(|i| i * n..((i + 1) * n).min(len))
            .collect(),
        _ => std::iter::once(0..len).collect(),
    }
}

/// Assembles the site from loaded content and its rendered Markdown.
pub fn assemble(
    site: &Site,
    content: Content,
    page_md: Vec<Rendered>,
    section_md: Vec<Rendered>,
    data: &Data,
    errors: &mut Diagnostics,
) -> Model {
    let pages = &content.pages;
    check_models(pages, data, errors);

    let mut section_pages: Vec<Vec<usize>> = vec![Vec::new(); content.sections.len()];
    for (i, p) in pages.iter().enumerate() {
        section_pages[p.section].push(i);
    }
    for (s, list) in section_pages.iter_mut().enumerate() {
        sort_pages(list, pages, content.sections[s].fm.sort_by);
    }
    let mut neighbours = vec![(None, None); pages.len()];
    for list in &section_pages {
        for (k, &i) in list.iter().enumerate() {
            neighbours[i] = (k.checked_sub(1).map(|k| list[k]), list.get(k + 1).copied());
        }
    }
    let mut subsections: Vec<Vec<usize>> = vec![Vec::new(); content.sections.len()];
    for (i, s) in content.sections.iter().enumerate() {
        if let Some(p) = s.parent {
            subsections[p].push(i);
        }
    }
    for list in &mut subsections {
        list.sort_by(|&a, &b| {
            let (a, b) = (&content.sections[a], &content.sections[b]);
            (a.fm.weight.unwrap_or(i64::MAX), &a.title)
                .cmp(&(b.fm.weight.unwrap_or(i64::MAX), &b.title))
        });
    }

    let mut latest: Vec<usize> = (0..pages.len())
        .filter(|&i| pages[i].date.is_some())
        .collect();
    sort_pages(&mut latest, pages, SortBy::Date);

    let taxonomies = site
        .config
        .taxonomies
        .iter()
        .map(|tc| {
            let mut terms = group_terms(
                pages.iter().enumerate().map(|(i, p)| {
                    (
                        i,
                        p.fm.taxonomies
                            .get(&tc.name)
                            .map(Vec::as_slice)
                            .unwrap_or_default(),
                    )
                }),
                pages,
            );
            // Named once here, so that the term's page, its feed and the
            // feeds' categories all say the same.
            for t in &mut terms {
                if let Some(e) = locality_entity(data, &tc.name, &t.name) {
                    t.name = e.name.clone();
                }
            }
            Taxonomy {
                name: tc.name.clone(),
                title: tc.title.clone().unwrap_or_else(|| tc.name.clone()),
                feed: tc.feed,
                paginate_by: tc.paginate_by.unwrap_or(site.config.paginate_by),
                terms,
            }
        })
        .collect::<Vec<_>>();
    let authors = group_terms(
        pages
            .iter()
            .enumerate()
            .map(|(i, p)| (i, p.fm.authors.as_slice())),
        pages,
    );

    let mut by_month: BTreeMap<(i32, u32), Vec<usize>> = BTreeMap::new();
    for &i in &latest {
        let d = pages[i].date.expect("latest holds dated pages");
        by_month.entry((d.year(), d.month())).or_default().push(i);
    }
    let mut archive: Vec<ArchiveYear> = Vec::new();
    for ((year, month), list) in by_month.into_iter().rev() {
        if archive.last().is_none_or(|y| y.year != year) {
            archive.push(ArchiveYear {
                year,
                months: Vec::new(),
            });
        }
        archive
            .last_mut()
            .expect("pushed above")
            .months
            .push(ArchiveMonth { month, pages: list });
    }

    let related = related_pages(pages, &taxonomies);
    Model {
        content,
        page_md,
        section_md,
        section_pages,
        subsections,
        neighbours,
        taxonomies,
        latest,
        archive,
        authors,
        related,
    }
}

/// The entity a `localities` term names: by id, or by a name that folds to
/// it (`Hà Nội` → `ha-noi`), as the term's own URL does.
pub fn locality_entity<'d>(
    data: &'d Data,
    taxonomy: &str,
    name: &str,
) -> Option<&'d crate::data::Entity> {
    (taxonomy == "localities")
        .then(|| data.entity(&text::slugify(name)))
        .flatten()
}

/// A term as readers see it: a locality that is an entity by the entity's
/// name, any other as written.
pub fn display_term(data: &Data, taxonomy: &str, name: &str) -> String {
    match locality_entity(data, taxonomy, name) {
        Some(e) => e.name.clone(),
        None => name.trim().to_string(),
    }
}

/// The title of a section's feed: `<section> – <site>`. The root section's
/// feed is the site's (`/atom.xml`), titled as the site.
pub fn section_feed_title(site: &Site, section: &crate::content::Section) -> String {
    if section.path.is_empty() {
        site.config.title.clone()
    } else {
        format!("{} – {}", section.title, site.config.title)
    }
}

/// The title of a term's feed, as the default theme titles the term's page
/// (`<term> – <taxonomy> – <site>`), so that a reader's list of feeds says
/// what the term is a term of.
pub fn term_feed_title(site: &Site, taxonomy: &Taxonomy, term: &Term) -> String {
    format!("{} – {} – {}", term.name, taxonomy.title, site.config.title)
}

impl Taxonomy {
    /// The term whose folded name is `slug`.
    pub fn term(&self, slug: &str) -> Option<&Term> {
        self.terms
            .binary_search_by(|t| t.slug.as_str().cmp(slug))
            .ok()
            .map(|i| &self.terms[i])
    }
}

/// Sorts page indices in place; ties keep file order, so output is stable.
pub fn sort_pages(list: &mut [usize], pages: &[Page], by: SortBy) {
    match by {
        // Keys are read once into a contiguous list: comparing through the
        // page list reads two scattered pages per comparison, a cache miss
        // each on 100 000 pages (the stage grew 13-fold for 10-fold pages).
        SortBy::Date => list.sort_by_cached_key(|&i| std::cmp::Reverse(pages[i].date)),
        SortBy::Title => list.sort_by_cached_key(|&i| {
            (text::slugify(&pages[i].fm.title), pages[i].fm.title.clone())
        }),
        SortBy::Weight => list.sort_by_cached_key(|&i| pages[i].fm.weight.unwrap_or(i64::MAX)),
        SortBy::None => {}
    }
}

/// Groups pages by folded term; the display name is the first one written.
fn group_terms<'a>(
    items: impl Iterator<Item = (usize, &'a [String])>,
    pages: &[Page],
) -> Vec<Term> {
    let mut terms: HashMap<String, Term> = HashMap::new();
    // Each name is folded once: a site names the same few hundred terms on
    // every page, and folding is most of grouping.
    let mut folded: HashMap<&'a str, String> = HashMap::new();
    for (i, names) in items {
        for name in names {
            let slug = folded
                .entry(name.as_str())
                .or_insert_with(|| text::slugify(name));
            if slug.is_empty() {
                continue;
            }
            let term = terms.entry(slug.clone()).or_insert_with(|| Term {
                name: name.trim().to_string(),
                slug: slug.clone(),
                pages: Vec::new(),
            });
            if term.pages.last() != Some(&i) {
                term.pages.push(i);
            }
        }
    }
    let mut out: Vec<Term> = terms.into_values().collect();
    out.par_iter_mut()
        .for_each(|t| sort_pages(&mut t.pages, pages, SortBy::Date));
    out.sort_by(|a, b| a.slug.cmp(&b.slug));
    out
}

/// Related pages by shared terms, scored by how rare each shared term is.
/// Each page looks only at the pages nearest in date within each of its terms
/// (a window of `WINDOW` on either side), so the cost grows linearly with the
/// site instead of comparing every pair of pages.
fn related_pages(pages: &[Page], taxonomies: &[Taxonomy]) -> Vec<Vec<usize>> {
    const WINDOW: usize = 25;
    // For every page: (taxonomy, term, position of the page in the term's list).
    let mut page_terms: Vec<Vec<(usize, usize, usize)>> = vec![Vec::new(); pages.len()];
    for (t, tax) in taxonomies.iter().enumerate() {
        for (k, term) in tax.terms.iter().enumerate() {
            for (pos, &p) in term.pages.iter().enumerate() {
                page_terms[p].push((t, k, pos));
            }
        }
    }
    // Dates are read into a list of their own: the ordering below compares
    // dates of scattered pages, a cache miss each through the page list on
    // 100 000 pages (selecting the five best was 0.6 s of processor time).
    let dates: Vec<_> = pages.iter().map(|p| p.date).collect();
    // Scores live in a dense array indexed by page (one per worker), reset
    // through the list of pages touched: no hashing in the inner loop.
    page_terms
        .par_iter()
        .enumerate()
        .map_init(
            || {
                let best: Vec<(usize, f64)> = Vec::new();
                (vec![0.0f64; pages.len()], Vec::<usize>::new(), best)
            },
            |(scores, touched, best), (p, terms)| {
                for &(t, k, pos) in terms {
                    let list = &taxonomies[t].terms[k].pages;
                    let weight = 1.0 / (list.len() as f64).ln_1p();
                    let window =
                        &list[pos.saturating_sub(WINDOW)..(pos + WINDOW + 1).min(list.len())];
                    for &q in window {
                        if q != p {
                            if scores[q] == 0.0 {
                                touched.push(q);
                            }
                            scores[q] += weight;
                        }
                    }
                }
                best.clear();
                best.extend(touched.iter().map(|&q| (q, scores[q])));
                for &q in touched.iter() {
                    scores[q] = 0.0;
                }
                touched.clear();
                let order = |a: &(usize, f64), b: &(usize, f64)| {
                    b.1.total_cmp(&a.1)
                        .then_with(|| dates[b.0].cmp(&dates[a.0]))
                        .then(a.0.cmp(&b.0))
                };
                // Only the best five are kept: select them, then sort those.
                if best.len() > 5 {
                    best.select_nth_unstable_by(4, order);
                    best.truncate(5);
                }
                best.sort_by(order);
                // Collected from a borrow, not from `best` itself: a Vec
                // collected from a Vec's own `into_iter` reuses its buffer,
                // and every page kept room for all its candidates (29 MB of
                // a 10 000-article build's 290 MB peak, for five numbers each).
                best.iter().map(|&(q, _)| q).collect()
            },
        )
        .collect()
}

/// A model's `locality` must be an entity.
fn check_models(pages: &[Page], data: &Data, errors: &mut Diagnostics) {
    for p in pages {
        if let (PageKind::Model, Some(m)) = (p.kind, &p.fm.model)
            && data.entity(&m.locality).is_none()
            && !data.entities_unloaded
        {
            errors.push(Diagnostic::at(
                &p.file,
                p.line_of_key("locality"),
                format!(
                    "[model] locality {:?} is not an entity in data/entities.toml",
                    m.locality
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn pagination_chunks_and_keeps_one_empty_pager() {
        assert_eq!(paginate(45, Some(20)), vec![0..20, 20..40, 40..45]);
        assert_eq!(paginate(40, Some(20)), vec![0..20, 20..40]);
        assert_eq!(
            paginate(0, Some(20)),
            std::iter::once(0..0).collect::<Vec<_>>()
        );
        assert_eq!(paginate(7, None), std::iter::once(0..7).collect::<Vec<_>>());
    }

    fn page(date: Option<&str>, weight: Option<i64>) -> Page {
        Page {
            file: PathBuf::new(),
            rel: String::new(),
            slug: String::new(),
            path: String::new(),
            files_path: String::new(),
            section: 0,
            kind: PageKind::Article,
            fm: crate::content::PageFrontMatter {
                weight,
                ..Default::default()
            },
            date: date.map(|d| chrono::DateTime::parse_from_rfc3339(d).unwrap()),
            updated: None,
            body: String::new(),
            body_line: 1,
            front_matter: String::new(),
            bundle_dir: None,
        }
    }

    #[test]
    fn sorting_by_date_keeps_file_order_for_equal_instants_and_puts_undated_pages_last() {
        let pages = [
            page(Some("2025-01-01T08:00:00+07:00"), None),
            page(None, None),
            page(Some("2025-03-01T00:00:00+07:00"), None),
            // The same instant as page 0, written in another offset.
            page(Some("2025-01-01T01:00:00+00:00"), None),
            page(None, None),
        ];
        let mut list: Vec<usize> = (0..pages.len()).collect();
        sort_pages(&mut list, &pages, SortBy::Date);
        assert_eq!(list, [2, 0, 3, 1, 4]);
    }

    #[test]
    fn sorting_by_weight_puts_unweighted_pages_last_in_file_order() {
        let pages = [
            page(None, None),
            page(None, Some(2)),
            page(None, None),
            page(None, Some(1)),
        ];
        let mut list: Vec<usize> = (0..pages.len()).collect();
        sort_pages(&mut list, &pages, SortBy::Weight);
        assert_eq!(list, [3, 1, 0, 2]);
    }

    #[test]
    fn related_lists_keep_five_pages_not_the_room_of_every_candidate() {
        // Sixty pages under one term: each has up to fifty candidates.
        let pages: Vec<Page> = (0..60)
            .map(|d| page(Some(&format!("2025-01-01T00:{:02}:00+07:00", d)), None))
            .collect();
        let taxonomies = [Taxonomy {
            name: "tags".into(),
            title: "Tags".into(),
            feed: false,
            paginate_by: 20,
            terms: vec![Term {
                name: "x".into(),
                slug: "x".into(),
                pages: (0..60).collect(),
            }],
        }];
        let related = related_pages(&pages, &taxonomies);
        assert_eq!(related.len(), 60);
        for (p, list) in related.iter().enumerate() {
            assert_eq!(list.len(), 5, "page {p}");
            assert!(!list.contains(&p), "page {p} is not its own relative");
            // A list collected from the candidates' own buffer kept its
            // room for every candidate (a tenth of a build's peak memory).
            assert!(
                list.capacity() <= 5,
                "page {p}: room for {}",
                list.capacity()
            );
        }
        // Page 0 sees the 25 pages after it, all scored alike: newest first.
        assert_eq!(related[0], [25, 24, 23, 22, 21]);
    }
}
