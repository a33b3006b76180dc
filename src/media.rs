//! Media: the pixel size of images, read from their headers (raster formats)
//! or their root element (SVG), so pages can set `width` and `height` and the
//! layout does not jump while photos load.

use std::path::Path;

/// `(width, height)` of the image at `path`, if it can be told.
pub fn image_size(path: &Path) -> Option<(u32, u32)> {
    if path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"))
    {
        return svg_size(&std::fs::read_to_string(path).ok()?);
    }
    let size = imagesize::size(path).ok()?;
    Some((
        u32::try_from(size.width).ok()?,
        u32::try_from(size.height).ok()?,
    ))
}

/// From `width`/`height` attributes in pixels, else from the `viewBox`.
fn svg_size(text: &str) -> Option<(u32, u32)> {
    let start = text.find("<svg")?;
    let tag = &text[start..start + text[start..].find('>')?];
    let attr = |name: &str| -> Option<&str> {
        let i = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(&tag[i..i + tag[i..].find('"')?])
    };
    let px = |v: &str| {
        v.trim_end_matches("px")
            .parse::<f64>()
            .ok()
            .filter(|x| *x > 0.0)
    };
    if let (Some(w), Some(h)) = (attr("width").and_then(px), attr("height").and_then(px)) {
        return Some((w.round() as u32, h.round() as u32));
    }
    let vb: Vec<f64> = attr("viewBox")?
        .split([' ', ','])
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect();
    match vb[..] {
        [_, _, w, h] if w > 0.0 && h > 0.0 => Some((w.round() as u32, h.round() as u32)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_sizes_come_from_attributes_or_view_box() {
        assert_eq!(
            svg_size("<svg xmlns=\"x\" width=\"1200\" height=\"675\">"),
            Some((1200, 675))
        );
        assert_eq!(
            svg_size("<?xml?><svg viewBox=\"0 0 1200 675\" xmlns=\"x\">"),
            Some((1200, 675))
        );
        assert_eq!(
            svg_size("<svg width=\"100%\" viewBox=\"0 0 40 30\">"),
            Some((40, 30))
        );
        assert_eq!(svg_size("<svg>"), None);
    }

    #[test]
    fn raster_sizes_come_from_the_header() {
        let dir = tempfile::tempdir().unwrap();
        // A 3x2 PNG header: signature, IHDR length and type, width, height.
        let mut png = vec![
            0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
        ];
        png.extend_from_slice(&3u32.to_be_bytes());
        png.extend_from_slice(&2u32.to_be_bytes());
        png.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        let p = dir.path().join("a.png");
        std::fs::write(&p, png).unwrap();
        assert_eq!(image_size(&p), Some((3, 2)));
    }
}
