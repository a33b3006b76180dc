//! Shortcodes: checks the arguments of the built-in shortcodes (`chart`,
//! `table`, `figure`) and turns each call into HTML for the Markdown stage.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::charts;
use crate::config::Site;
use crate::data::Data;
use crate::markdown::{ArgValue, Host, ShortcodeCall};
use crate::text;

/// The shortcode host of one page: what links resolve to, which data the
/// charts draw, and where the page's own files are.
pub struct PageHost<'a> {
    pub site: &'a Site,
    pub data: &'a Data,
    /// `content/`-relative source → root-relative URL.
    pub urls: &'a HashMap<String, String>,
    /// Where the page's relative files are published (`tin-tuc/abc/` for a
    /// bundle, `tin-tuc/` for `tin-tuc/abc.md`).
    pub files_path: &'a str,
    /// The folder its relative files are read from (the bundle, or the section folder).
    pub files_dir: PathBuf,
    /// The edition's language: words and numbers in charts and tables.
    pub locale: &'a crate::i18n::Locale,
}

struct Args<'c> {
    call: &'c ShortcodeCall,
}

impl<'c> Args<'c> {
    fn check(call: &'c ShortcodeCall, allowed: &[&str]) -> Result<Self, String> {
        for (k, _) in &call.args {
            if !allowed.contains(&k.as_str()) {
                return Err(format!(
                    "unknown argument `{k}` for the shortcode {}; expected {}",
                    call.name,
                    allowed.join(", ")
                ));
            }
        }
        Ok(Args { call })
    }

    fn get(&self, key: &str) -> Option<&'c ArgValue> {
        self.call
            .args
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    fn str(&self, key: &str) -> Result<Option<&'c str>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(ArgValue::Str(s)) => Ok(Some(s)),
            Some(v) => Err(format!(
                "`{key}` must be a quoted string, got {}",
                v.type_name()
            )),
        }
    }

    fn required_str(&self, key: &str) -> Result<&'c str, String> {
        self.str(key)?
            .ok_or_else(|| format!("the shortcode {} needs `{key}`", self.call.name))
    }

    fn int(&self, key: &str) -> Result<Option<i64>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(ArgValue::Int(i)) => Ok(Some(*i)),
            Some(v) => Err(format!(
                "`{key}` must be a whole number, got {}",
                v.type_name()
            )),
        }
    }
}

impl Host for PageHost<'_> {
    fn resolve(&self, rel: &str) -> Option<String> {
        self.urls.get(&crate::text::nfc(rel)).cloned()
    }

    fn asset(&self, src: &str) -> String {
        crate::render::asset_url(self.site, self.files_path, src)
    }

    fn shortcode(&self, call: &ShortcodeCall) -> Result<String, String> {
        match call.name.as_str() {
            "chart" => self.chart(call),
            "table" => self.table(call),
            "figure" => self.figure(call),
            other => Err(format!(
                "unknown shortcode {other:?}; the built-in ones are chart, table and figure"
            )),
        }
    }
}

impl PageHost<'_> {
    fn indicator_and_entity<'c>(
        &self,
        args: &Args<'c>,
    ) -> Result<(&crate::data::Indicator, Option<&'c str>, Option<i32>), String> {
        let id = args.required_str("indicator")?;
        let ind = self.data.indicator(id).ok_or_else(|| {
            let known: Vec<&str> = self.data.indicators.iter().map(|i| i.id.as_str()).collect();
            format!("unknown indicator {id:?}; data/indicators has {known:?}")
        })?;
        let entity = args.str("entity")?;
        if let Some(e) = entity
            && self.data.entity(e).is_none()
        {
            return Err(format!("unknown entity {e:?} (not in data/entities.toml)"));
        }
        let year = args.int("year")?.map(|y| y as i32);
        if let Some(y) = year
            && !ind.values.iter().any(|o| o.year == y)
        {
            return Err(format!("{} has no values for {y}", ind.id));
        }
        Ok((ind, entity, year))
    }

    /// Data the call needs could not be loaded: an error there says why
    /// (and fails the build), so the call adds none of its own.
    fn data_unloaded(&self, args: &Args) -> bool {
        self.data.entities_unloaded
            || args
                .str("indicator")
                .ok()
                .flatten()
                .is_some_and(|id| self.data.unloaded.iter().any(|u| u == id))
    }

    fn chart(&self, call: &ShortcodeCall) -> Result<String, String> {
        let args = Args::check(call, &["indicator", "entity", "year", "show"])?;
        if self.data_unloaded(&args) {
            return Ok(String::new());
        }
        let (ind, entity, year) = self.indicator_and_entity(&args)?;
        let show = args.str("show")?.unwrap_or("value");
        let chart = match (entity, year, show) {
            (Some(e), None, "value") => charts::trend(self.data, ind, e, self.locale),
            (Some(e), None, "rank") => charts::rank(self.data, ind, e, self.locale),
            (_, _, "rank") => return Err("show=\"rank\" draws one entity's ranks over the years: give `entity` and no `year`".into()),
            (e, y, "value") => {
                let y = y.or_else(|| ind.years().last().copied()).ok_or_else(|| format!("{} has no values", ind.id))?;
                charts::ranking(self.data, ind, y, e, self.locale)
            }
            (_, _, other) => return Err(format!("`show` is \"value\" or \"rank\", got {other:?}")),
        };
        let chart = chart.ok_or_else(|| match entity {
            Some(e) => format!("{} has no values for {e}", ind.id),
            None => format!("{} has nothing to draw", ind.id),
        })?;
        Ok(charts::figure_html(
            &chart,
            &self.site.url(&format!(
                "{}/{}/",
                self.site.config.paths.indicators, ind.id
            )),
            self.locale,
        ))
    }

    fn table(&self, call: &ShortcodeCall) -> Result<String, String> {
        let args = Args::check(call, &["indicator", "entity", "year"])?;
        if self.data_unloaded(&args) {
            return Ok(String::new());
        }
        let (ind, entity, year) = self.indicator_and_entity(&args)?;
        let html = match (entity, year) {
            (Some(e), None) => charts::series_table(self.data, ind, e, self.locale),
            (e, y) => {
                let y = y
                    .or_else(|| ind.years().last().copied())
                    .ok_or_else(|| format!("{} has no values", ind.id))?;
                charts::ranking_table(self.data, ind, y, e, self.locale)
            }
        };
        Ok(format!(
            "<div class=\"table-scroll data-table\">{html}</div>"
        ))
    }

    fn figure(&self, call: &ShortcodeCall) -> Result<String, String> {
        let args = Args::check(
            call,
            &["src", "caption", "credit", "alt", "width", "height"],
        )?;
        let src = args.required_str("src")?;
        if !crate::content::is_local_or_url(src) {
            return Err(format!(
                "`src` must be a file beside the page, a site path or an http(s) URL, got {src:?}"
            ));
        }
        let is_remote = src.starts_with("http://") || src.starts_with("https://");
        if !is_remote && !src.starts_with('/') && !self.files_dir.join(src).is_file() {
            return Err(format!(
                "no file {src:?} beside the page (looked in {})",
                self.files_dir.display()
            ));
        }
        let caption = args.str("caption")?;
        let credit = args.str("credit")?;
        let alt = args.str("alt")?.or(caption).unwrap_or_default();
        let url = crate::render::asset_url(self.site, self.files_path, src);
        // Width and height reserve the photo's space while it loads: given
        // ones win, else they are read from the file.
        let given = (args.int("width")?, args.int("height")?);
        let read = (!is_remote && !src.starts_with('/'))
            .then(|| crate::media::image_size(&self.files_dir.join(src)))
            .flatten();
        let size = match (given, read) {
            ((Some(w), Some(h)), _) => format!(" width=\"{w}\" height=\"{h}\""),
            ((Some(w), None), _) => format!(" width=\"{w}\""),
            ((None, Some(h)), _) => format!(" height=\"{h}\""),
            ((None, None), Some((w, h))) => format!(" width=\"{w}\" height=\"{h}\""),
            _ => String::new(),
        };
        let mut html = format!(
            "<figure class=\"photo\"><img src=\"{}\" alt=\"{}\" loading=\"lazy\" decoding=\"async\"{size}>",
            text::escape_html(&url),
            text::escape_html(alt)
        );
        if caption.is_some() || credit.is_some() {
            html.push_str("<figcaption>");
            if let Some(c) = caption {
                html.push_str(&text::escape_html(c));
            }
            if let Some(c) = credit {
                html.push_str(&format!(
                    " <span class=\"credit\">{}</span>",
                    text::escape_html(c)
                ));
            }
            html.push_str("</figcaption>");
        }
        html.push_str("</figure>");
        Ok(html)
    }
}
