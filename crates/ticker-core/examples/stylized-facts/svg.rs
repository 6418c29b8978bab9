//! A minimal line chart in SVG: axes with five ticks each, labels, a legend. Enough for the
//! plots in docs/model.md, with no font or graphics dependency (text is left to the viewer).

use std::fmt::Write as _;

/// One line of a chart.
pub struct Series {
    pub name: String,
    pub color: &'static str,
    pub points: Vec<(f64, f64)>,
}

/// A chart of several series over shared axes.
pub struct Chart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    /// Plot x on a log10 scale (all x must be positive).
    pub log_x: bool,
    pub series: Vec<Series>,
}

/// Colours for up to eight series.
pub const COLORS: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#7f7f7f",
];

const W: f64 = 760.0;
const H: f64 = 420.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 55.0;

fn nice(v: f64) -> String {
    let a = v.abs();
    if a != 0.0 && !(0.01..10_000.0).contains(&a) {
        format!("{v:.1e}")
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned()
    }
}

impl Chart {
    /// The SVG document.
    pub fn render(&self) -> String {
        let tx = |x: f64| if self.log_x { x.log10() } else { x };
        let all = self.series.iter().flat_map(|s| s.points.iter());
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &(x, y) in all.filter(|(x, y)| x.is_finite() && y.is_finite()) {
            x0 = x0.min(tx(x));
            x1 = x1.max(tx(x));
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
        if x1 <= x0 {
            x1 = x0 + 1.0;
        }
        let pad = (y1 - y0).max(1e-12) * 0.05;
        let (y0, y1) = (y0 - pad, y1 + pad);
        let px = |x: f64| LEFT + (tx(x) - x0) / (x1 - x0) * (W - LEFT - RIGHT);
        let py = |y: f64| TOP + (y1 - y) / (y1 - y0) * (H - TOP - BOTTOM);
        let mut out = String::new();
        let _ = write!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" \
             viewBox=\"0 0 {W} {H}\" font-family=\"sans-serif\" font-size=\"12\">\n\
             <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
             <text x=\"{}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{}</text>\n",
            W / 2.0,
            self.title
        );
        let (bx, by) = (H - BOTTOM, W - RIGHT);
        let _ = writeln!(
            out,
            "<path d=\"M{LEFT},{TOP} V{bx} H{by}\" stroke=\"black\" fill=\"none\"/>"
        );
        for i in 0..=4 {
            let f = f64::from(i) / 4.0;
            let (xv, yv) = (x0 + f * (x1 - x0), y0 + f * (y1 - y0));
            let xl = if self.log_x { 10f64.powf(xv) } else { xv };
            let (x, y) = (LEFT + f * (W - LEFT - RIGHT), py(yv));
            let _ = writeln!(
                out,
                "<path d=\"M{x},{bx} v5 M{LEFT},{y} h-5\" stroke=\"black\"/>\
                 <path d=\"M{LEFT},{y} H{by}\" stroke=\"#ddd\"/>\
                 <text x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{}</text>\
                 <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
                bx + 18.0,
                nice(xl),
                LEFT - 8.0,
                y + 4.0,
                nice(yv)
            );
        }
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n\
             <text x=\"16\" y=\"{}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {})\">{}</text>\n",
            (LEFT + W - RIGHT) / 2.0,
            H - 12.0,
            self.x_label,
            (TOP + bx) / 2.0,
            (TOP + bx) / 2.0,
            self.y_label
        );
        for (i, s) in self.series.iter().enumerate() {
            let mut d = String::new();
            for &(x, y) in s
                .points
                .iter()
                .filter(|(x, y)| x.is_finite() && y.is_finite())
            {
                let _ = write!(
                    d,
                    "{}{:.1},{:.1}",
                    if d.is_empty() { "M" } else { " L" },
                    px(x),
                    py(y)
                );
            }
            let ly = TOP + 14.0 + 16.0 * i as f64;
            let _ = write!(
                out,
                "<path d=\"{d}\" stroke=\"{c}\" fill=\"none\" stroke-width=\"1.2\"/>\n\
                 <path d=\"M{},{ly} h18\" stroke=\"{c}\" stroke-width=\"3\"/>\
                 <text x=\"{}\" y=\"{}\">{}</text>\n",
                LEFT + 12.0,
                LEFT + 36.0,
                ly + 4.0,
                s.name,
                c = s.color
            );
        }
        out.push_str("</svg>\n");
        out
    }
}
