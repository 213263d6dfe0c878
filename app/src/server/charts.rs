//! Charts of the creditor's dashboard, drawn on the server as SVG by the plotters library and
//! made accessible: the `<svg>` is an image (`role="img"`) with a `<title>` and a `<desc>` that
//! names the table holding the same data, so a screen reader user reads the table instead.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Colours with at least 3:1 contrast against white, told apart also by the markers and the
/// legend's words.
const PALETTE: [RGBColor; 6] = [
    RGBColor(0x1f, 0x4e, 0x99),
    RGBColor(0xb3, 0x45, 0x00),
    RGBColor(0x2e, 0x7d, 0x32),
    RGBColor(0x6a, 0x1b, 0x9a),
    RGBColor(0x8d, 0x6e, 0x00),
    RGBColor(0x00, 0x69, 0x7a),
];

const WIDTH: u32 = 720;
const HEIGHT: u32 = 340;

/// One line of a line chart: its label and its points (x, percent).
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub label: String,
    pub points: Vec<(u32, f64)>,
}

/// What a chart says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caption<'a> {
    /// The id of the `<svg>`; the title's and description's ids derive from it.
    pub id: &'a str,
    pub title: &'a str,
    /// A sentence that names the table with the data.
    pub desc: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Gives the drawn SVG its name and description for assistive technology.
fn accessible(svg: String, c: &Caption) -> String {
    let id = escape(c.id);
    let head = format!(
        "<svg id=\"{id}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" class=\"chart\" preserveAspectRatio=\"xMinYMin meet\" "
    );
    let svg = svg.replacen("<svg ", &head, 1);
    match svg.find('>') {
        Some(end) => format!(
            "{}<title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>{}",
            &svg[..=end],
            escape(c.title),
            escape(c.desc),
            &svg[end + 1..]
        ),
        None => svg,
    }
}

fn draw_failed<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// A line per series over the x values (days), y in percent (0–100). Points missing from a series
/// are simply not drawn.
pub fn lines(c: &Caption, x_max: u32, series: &[Line]) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_failed)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(52)
            .build_cartesian_2d(0u32..x_max, 0f64..100f64)
            .map_err(draw_failed)?;
        chart
            .configure_mesh()
            .x_desc(c.x_label)
            .y_desc(c.y_label)
            .y_label_formatter(&|v| format!("{v:.0} %"))
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(draw_failed)?;
        for (i, s) in series.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            let style = ShapeStyle::from(&colour).stroke_width(2);
            chart
                .draw_series(LineSeries::new(s.points.iter().copied(), style))
                .map_err(draw_failed)?
                .label(s.label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
            chart
                .draw_series(
                    s.points
                        .iter()
                        .map(|p| Circle::new(*p, 4, ShapeStyle::from(&colour).filled())),
                )
                .map_err(draw_failed)?;
        }
        if !series.is_empty() {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .background_style(WHITE.mix(0.9))
                .border_style(BLACK.mix(0.4))
                .label_font(("sans-serif", 13))
                .draw()
                .map_err(draw_failed)?;
        }
        root.present().map_err(draw_failed)?;
    }
    Ok(accessible(svg, c))
}

/// Grouped bars: per group (e.g. a class) one bar per window, y in percent; a bar without data is
/// left out. `windows` names the bars of a group (the legend).
pub fn bars(
    c: &Caption,
    groups: &[(String, Vec<Option<f64>>)],
    windows: &[String],
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_failed)?;
        let n = groups.len().max(1) as f64;
        let mut chart = ChartBuilder::on(&root)
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(52)
            .build_cartesian_2d(0f64..n, 0f64..100f64)
            .map_err(draw_failed)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .x_desc(c.x_label)
            .y_desc(c.y_label)
            .y_label_formatter(&|v| format!("{v:.0} %"))
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(draw_failed)?;
        let per_group = windows.len().max(1) as f64;
        let width = 0.8 / per_group;
        for (w, name) in windows.iter().enumerate() {
            let colour = PALETTE[w % PALETTE.len()];
            let bars = groups.iter().enumerate().filter_map(|(g, (_, values))| {
                let v = (*values.get(w)?)?;
                let x0 = g as f64 + 0.1 + w as f64 * width;
                Some(Rectangle::new(
                    [(x0, 0.0), (x0 + width * 0.9, v)],
                    ShapeStyle::from(&colour).filled(),
                ))
            });
            chart
                .draw_series(bars)
                .map_err(draw_failed)?
                .label(name.clone())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled())
                });
        }
        label_groups(&root, &chart, groups)?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(draw_failed)?;
        root.present().map_err(draw_failed)?;
    }
    Ok(accessible(svg, c))
}

/// Writes each group's name under the middle of its bars.
fn label_groups<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &ChartContext<
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    groups: &[(String, Vec<Option<f64>>)],
) -> Result<(), String> {
    let style = TextStyle::from(("sans-serif", 13).into_font())
        .pos(Pos::new(HPos::Center, VPos::Top))
        .color(&BLACK);
    for (g, (name, _)) in groups.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(g as f64 + 0.5, 0.0));
        root.draw(&Text::new(name.clone(), (x, y + 6), style.clone()))
            .map_err(draw_failed)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caption() -> Caption<'static> {
        Caption {
            id: "chart-x",
            title: "Kunden & Treue",
            desc: "Die Tabelle darunter enthält dieselben Zahlen.",
            x_label: "Tage",
            y_label: "Anteil",
        }
    }

    #[test]
    fn a_line_chart_is_an_svg_image_with_title_and_description() {
        let svg = lines(
            &caption(),
            365,
            &[Line {
                label: "2026-01".into(),
                points: vec![(90, 20.0), (180, 35.5)],
            }],
        )
        .expect("drawn");
        assert!(svg.starts_with(
            "<svg id=\"chart-x\" role=\"img\" aria-labelledby=\"chart-x-title chart-x-desc\""
        ));
        assert!(svg.contains("<title id=\"chart-x-title\">Kunden &amp; Treue</title>"));
        assert!(svg.contains("<desc id=\"chart-x-desc\">"));
        assert!(svg.contains("2026-01"), "the legend names the series");
        assert_eq!(svg.matches("<circle").count(), 2, "one marker per point");
    }

    #[test]
    fn bars_leave_out_windows_without_data_and_name_their_groups() {
        let groups = vec![
            ("Standard".to_string(), vec![Some(50.0), None]),
            ("Streng".to_string(), vec![Some(25.0), Some(40.0)]),
        ];
        let svg = bars(&caption(), &groups, &["90 Tage".into(), "180 Tage".into()]).expect("drawn");
        assert!(
            svg.contains(">\nStandard\n<") || svg.contains(">Standard<"),
            "{svg}"
        );
        assert!(svg.contains("Streng"));
        // Three bars with data, plus two legend swatches.
        let filled = svg.matches("<rect").count();
        assert!(filled >= 5, "{filled} rectangles");
    }
}
