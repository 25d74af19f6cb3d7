package dev.amos.train.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * A line chart drawn with java.awt into a {@link BufferedImage} and written as PNG: several named
 * series of (x, y) points, a title, axis labels with round-number ticks, a light grid, a legend
 * above the plot, an optional log10 y axis and an optional trailing moving average for noisy
 * series (the raw series is then drawn faint behind the smoothed one).
 *
 * <p>Non-finite points (NaN, infinities; and values &le; 0 on a log axis) are left out and break
 * the line. Series with few points get a marker on each point so a single point stays visible.
 *
 * <pre>{@code
 * new LineChart("Training loss", "step", "loss")
 *         .add("total", steps, loss)
 *         .logScaleY(true)
 *         .smoothing(20)
 *         .writePng(dir.resolve("loss.png"));
 * }</pre>
 *
 * <p>Rendering needs no display: {@code java.awt.headless} is set to true unless already set.
 */
public final class LineChart {

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /** Distinct colors (the Tableau 10 palette) given in order to series added without one. */
    public static final List<Color> PALETTE = List.of(
            new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
            new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
            new Color(0xbcbd22), new Color(0x17becf));

    /** Default image width in pixels. */
    public static final int DEFAULT_WIDTH = 900;
    /** Default image height in pixels. */
    public static final int DEFAULT_HEIGHT = 420;

    private static final int PAD = 14;
    private static final int POINTS_WITH_MARKERS = 40;
    private static final double MARKER_RADIUS = 3.5;
    private static final int RAW_ALPHA = 85;
    private static final Color GRID = new Color(0xe6e6e6);
    private static final Color FRAME = new Color(0xb0b0b0);
    private static final Color TEXT = new Color(0x222222);
    private static final Color MUTED_TEXT = new Color(0x666666);

    /**
     * One series: its legend name, color and points ({@code x} and {@code y} of equal length).
     */
    public record Series(String name, Color color, double[] x, double[] y) {
        public Series {
            if (x.length != y.length) {
                throw new IllegalArgumentException("series " + name + ": " + x.length + " x values but " + y.length + " y values");
            }
        }
    }

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();
    private boolean logY;
    private double fixedYMin = Double.NaN;
    private double fixedYMax = Double.NaN;
    private int smoothingWindow = 1;
    private int width = DEFAULT_WIDTH;
    private int height = DEFAULT_HEIGHT;

    /** An empty chart with a title and the labels of the x and y axes. */
    public LineChart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    /** Adds a series with the next palette color. */
    public LineChart add(String name, double[] x, double[] y) {
        return add(name, PALETTE.get(series.size() % PALETTE.size()), x, y);
    }

    /** Adds a series with the given color. */
    public LineChart add(String name, Color color, double[] x, double[] y) {
        series.add(new Series(name, color, x.clone(), y.clone()));
        return this;
    }

    /** Draws the y axis in log10 scale (values &le; 0 are then left out). */
    public LineChart logScaleY(boolean log) {
        this.logY = log;
        return this;
    }

    /** Fixes the y axis to [min, max] instead of fitting it to the data (e.g. 0..1 for fractions). */
    public LineChart yRange(double min, double max) {
        if (!(max > min)) {
            throw new IllegalArgumentException("y range needs max > min, got " + min + ".." + max);
        }
        this.fixedYMin = min;
        this.fixedYMax = max;
        return this;
    }

    /**
     * Smooths every series with a trailing moving average over {@code window} points (1: none);
     * the raw series stays visible, faint, behind the smoothed line.
     */
    public LineChart smoothing(int window) {
        this.smoothingWindow = Math.max(1, window);
        return this;
    }

    /** The image size in pixels. */
    public LineChart size(int widthPixels, int heightPixels) {
        if (widthPixels < 200 || heightPixels < 150) {
            throw new IllegalArgumentException("chart size must be at least 200 x 150, got " + widthPixels + " x " + heightPixels);
        }
        this.width = widthPixels;
        this.height = heightPixels;
        return this;
    }

    /** The series added so far. */
    public List<Series> series() {
        return List.copyOf(series);
    }

    /** Writes the chart as a PNG, atomically (temporary sibling file, then rename). */
    public void writePng(Path file) throws IOException {
        BufferedImage image = render();
        ReportFiles.writeAtomically(file, out -> {
            if (!ImageIO.write(image, "png", out)) {
                throw new IOException("no PNG writer available in this JVM");
            }
        });
    }

    /** Draws the chart. */
    public BufferedImage render() {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            draw(g);
        } finally {
            g.dispose();
        }
        return image;
    }

    private void draw(Graphics2D g) {
        Font labelFont = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
        Font tickFont = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        List<Prepared> prepared = prepare();
        int top = drawHeader(g, prepared, labelFont, tickFont);
        Range xRange = xRange(prepared);
        Range yRange = yRange(prepared);
        if (xRange == null || yRange == null) {
            drawNoData(g, labelFont, top);
            return;
        }
        FontMetrics tickMetrics = g.getFontMetrics(tickFont);
        FontMetrics labelMetrics = g.getFontMetrics(labelFont);
        int bottom = height - PAD - labelMetrics.getHeight() - tickMetrics.getHeight() - 6;
        int plotHeight = Math.max(20, bottom - top);
        AxisTicks yTicks = yTicks(yRange, plotHeight);
        if (!logY && Double.isNaN(fixedYMin)) {
            yRange = new Range(yTicks.values()[0], yTicks.values()[yTicks.values().length - 1]);
        }
        int yLabelWidth = 0;
        for (String label : yTicks.labels()) {
            yLabelWidth = Math.max(yLabelWidth, tickMetrics.stringWidth(label));
        }
        int left = PAD + labelMetrics.getHeight() + 6 + yLabelWidth + 6;
        int right = width - PAD - 16;
        Rectangle plot = new Rectangle(left, top, Math.max(20, right - left), plotHeight);
        AxisTicks xTicks = AxisTicks.linear(xRange.lo, xRange.hi, Math.max(3, plot.width / 100), integerX(prepared) ? 1 : 0);
        Mapping map = new Mapping(plot, xRange, yRange, logY);

        drawGridAndTicks(g, plot, map, xTicks, yTicks, tickFont);
        drawAxisLabels(g, plot, labelFont);
        drawSeries(g, plot, map, prepared);
        g.setColor(FRAME);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(plot.x, plot.y, plot.width, plot.height);
    }

    /** Title, smoothing note and legend; returns the y where the plot area may start. */
    private int drawHeader(Graphics2D g, List<Prepared> prepared, Font labelFont, Font noteFont) {
        int top = PAD;
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.setColor(TEXT);
        FontMetrics titleMetrics = g.getFontMetrics();
        g.drawString(title, (width - titleMetrics.stringWidth(title)) / 2, top + titleMetrics.getAscent());
        top += titleMetrics.getHeight();
        if (smoothed(prepared)) {
            g.setFont(noteFont);
            g.setColor(MUTED_TEXT);
            String note = "faint: raw values, bold: moving average over " + smoothingWindow + " points";
            FontMetrics m = g.getFontMetrics();
            g.drawString(note, (width - m.stringWidth(note)) / 2, top + m.getAscent());
            top += m.getHeight();
        }
        g.setFont(labelFont);
        return drawLegend(g, prepared, top + 4) + 8;
    }

    /** Log ticks, ticks covering a fitted linear range (which then ends on them), or ticks inside a fixed range. */
    private AxisTicks yTicks(Range yRange, int plotHeight) {
        if (logY) {
            return AxisTicks.logarithmic(Math.pow(10, yRange.lo), Math.pow(10, yRange.hi), Math.max(3, plotHeight / 40));
        }
        if (Double.isNaN(fixedYMin)) {
            return AxisTicks.covering(yRange.lo, yRange.hi, Math.max(3, plotHeight / 45));
        }
        return AxisTicks.linear(yRange.lo, yRange.hi, Math.max(3, plotHeight / 45));
    }

    /** A series reduced to its drawable points, in axis units (log10 y on a log axis). */
    private record Prepared(Series source, double[] x, double[] y, double[] smooth, int finitePoints) {}

    private List<Prepared> prepare() {
        List<Prepared> result = new ArrayList<>();
        for (Series s : series) {
            double[] y = new double[s.y().length];
            int finite = 0;
            for (int i = 0; i < y.length; i++) {
                double v = s.y()[i];
                boolean drawable = Double.isFinite(v) && Double.isFinite(s.x()[i]) && (!logY || v > 0);
                y[i] = drawable ? (logY ? Math.log10(v) : v) : Double.NaN;
                finite += drawable ? 1 : 0;
            }
            double[] smooth = smoothingWindow > 1 && finite > smoothingWindow ? movingAverage(y, smoothingWindow) : null;
            result.add(new Prepared(s, s.x(), y, smooth, finite));
        }
        return result;
    }

    private static boolean smoothed(List<Prepared> prepared) {
        return prepared.stream().anyMatch(p -> p.smooth != null);
    }

    /** Trailing moving average over the last {@code window} finite values; NaN where the input is NaN. */
    static double[] movingAverage(double[] values, int window) {
        double[] out = new double[values.length];
        double[] recent = new double[window];
        int count = 0;
        double sum = 0;
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            if (Double.isNaN(v)) {
                out[i] = Double.NaN;
                continue;
            }
            int slot = count % window;
            if (count >= window) {
                sum -= recent[slot];
            }
            recent[slot] = v;
            sum += v;
            count++;
            out[i] = sum / Math.min(count, window);
        }
        return out;
    }

    /** True when every x value is a whole number (steps): the x ticks then never fall between two. */
    private static boolean integerX(List<Prepared> prepared) {
        for (Prepared p : prepared) {
            for (double x : p.x) {
                if (Double.isFinite(x) && x != Math.rint(x)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** A closed interval of axis units. */
    private record Range(double lo, double hi) {}

    private static Range xRange(List<Prepared> prepared) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Prepared p : prepared) {
            for (int i = 0; i < p.x.length; i++) {
                if (!Double.isNaN(p.y[i])) {
                    lo = Math.min(lo, p.x[i]);
                    hi = Math.max(hi, p.x[i]);
                }
            }
        }
        if (lo > hi) {
            return null;
        }
        return hi > lo ? new Range(lo, hi) : new Range(lo - 1, hi + 1);
    }

    private Range yRange(List<Prepared> prepared) {
        if (!Double.isNaN(fixedYMin)) {
            return logY ? new Range(Math.log10(Math.max(fixedYMin, Double.MIN_NORMAL)), Math.log10(fixedYMax))
                    : new Range(fixedYMin, fixedYMax);
        }
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Prepared p : prepared) {
            for (double v : p.y) {
                if (!Double.isNaN(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        if (lo > hi) {
            return null;
        }
        double span = hi - lo;
        double pad = span > 0 ? span * 0.05 : logY ? 0.1 : hi != 0 ? Math.abs(hi) * 0.05 : 1;
        if (logY) {
            return new Range(lo - pad, hi + pad);
        }
        double paddedLo = lo >= 0 ? Math.max(0, lo - pad) : lo - pad;
        double paddedHi = hi <= 0 ? Math.min(0, hi + pad) : hi + pad;
        return new Range(paddedLo, paddedHi);
    }

    /** From axis units to pixels. */
    private record Mapping(Rectangle plot, Range x, Range y, boolean logY) {
        double px(double xValue) {
            return plot.x + (xValue - x.lo) / (x.hi - x.lo) * plot.width;
        }

        /** {@code yAxisUnits} is log10 of the value on a log axis. */
        double py(double yAxisUnits) {
            return plot.y + plot.height - (yAxisUnits - y.lo) / (y.hi - y.lo) * plot.height;
        }

        double pyOfValue(double value) {
            return py(logY ? Math.log10(value) : value);
        }
    }

    private int drawLegend(Graphics2D g, List<Prepared> prepared, int top) {
        FontMetrics m = g.getFontMetrics();
        int swatch = 22;
        int gap = 22;
        List<List<Prepared>> rows = new ArrayList<>();
        List<Integer> rowWidths = new ArrayList<>();
        int available = width - 2 * PAD;
        List<Prepared> row = new ArrayList<>();
        int rowWidth = 0;
        for (Prepared p : prepared) {
            int itemWidth = swatch + 6 + m.stringWidth(p.source.name());
            int needed = row.isEmpty() ? itemWidth : rowWidth + gap + itemWidth;
            if (!row.isEmpty() && needed > available) {
                rows.add(row);
                rowWidths.add(rowWidth);
                row = new ArrayList<>();
                needed = itemWidth;
            }
            row.add(p);
            rowWidth = needed;
        }
        if (!row.isEmpty()) {
            rows.add(row);
            rowWidths.add(rowWidth);
        }
        int y = top;
        for (int r = 0; r < rows.size(); r++) {
            int x = (width - rowWidths.get(r)) / 2;
            int midY = y + m.getHeight() / 2;
            for (Prepared p : rows.get(r)) {
                g.setColor(p.source.color());
                g.setStroke(new BasicStroke(3f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
                g.draw(new Line2D.Double(x + 2, midY, x + swatch - 2, midY));
                g.setColor(TEXT);
                g.drawString(p.source.name(), x + swatch + 6, y + m.getAscent());
                x += swatch + 6 + m.stringWidth(p.source.name()) + gap;
            }
            y += m.getHeight() + 2;
        }
        return y;
    }

    private void drawNoData(Graphics2D g, Font font, int top) {
        g.setFont(font);
        g.setColor(MUTED_TEXT);
        String text = "no data";
        FontMetrics m = g.getFontMetrics();
        g.drawString(text, (width - m.stringWidth(text)) / 2, (top + height) / 2);
    }

    private static void drawGridAndTicks(Graphics2D g, Rectangle plot, Mapping map, AxisTicks xTicks, AxisTicks yTicks, Font tickFont) {
        g.setFont(tickFont);
        FontMetrics m = g.getFontMetrics();
        g.setStroke(new BasicStroke(1f));
        for (int i = 0; i < yTicks.values().length; i++) {
            double py = map.pyOfValue(yTicks.values()[i]);
            if (py < plot.y - 0.5 || py > plot.y + plot.height + 0.5) {
                continue;
            }
            g.setColor(GRID);
            g.draw(new Line2D.Double(plot.x, py, plot.x + plot.width, py));
            g.setColor(TEXT);
            String label = yTicks.labels()[i];
            g.drawString(label, plot.x - 6 - m.stringWidth(label), (int) Math.round(py + m.getAscent() / 2.0 - 2));
        }
        for (int i = 0; i < xTicks.values().length; i++) {
            double px = map.px(xTicks.values()[i]);
            g.setColor(GRID);
            g.draw(new Line2D.Double(px, plot.y, px, plot.y + plot.height));
            g.setColor(TEXT);
            String label = xTicks.labels()[i];
            g.drawString(label, (int) Math.round(px - m.stringWidth(label) / 2.0), plot.y + plot.height + 4 + m.getAscent());
        }
    }

    private void drawAxisLabels(Graphics2D g, Rectangle plot, Font labelFont) {
        g.setFont(labelFont);
        g.setColor(TEXT);
        FontMetrics m = g.getFontMetrics();
        String x = xLabel;
        g.drawString(x, plot.x + (plot.width - m.stringWidth(x)) / 2, height - PAD - m.getDescent());
        String y = logY ? yLabel + " (log scale)" : yLabel;
        AffineTransform saved = g.getTransform();
        g.translate(PAD + m.getAscent(), plot.y + (plot.height + m.stringWidth(y)) / 2.0);
        g.rotate(-Math.PI / 2);
        g.drawString(y, 0, 0);
        g.setTransform(saved);
    }

    private static void drawSeries(Graphics2D g, Rectangle plot, Mapping map, List<Prepared> prepared) {
        Shape savedClip = g.getClip();
        int margin = (int) Math.ceil(MARKER_RADIUS) + 1;
        g.clip(new Rectangle(plot.x - margin, plot.y - margin, plot.width + 2 * margin, plot.height + 2 * margin));
        for (Prepared p : prepared) {
            if (p.smooth != null) {
                Color c = p.source.color();
                g.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), RAW_ALPHA));
                g.setStroke(new BasicStroke(1f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
                g.draw(path(map, p.x, p.y));
            }
        }
        for (Prepared p : prepared) {
            g.setColor(p.source.color());
            g.setStroke(new BasicStroke(2.2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            double[] line = p.smooth != null ? p.smooth : p.y;
            g.draw(path(map, p.x, line));
            if (p.smooth == null && p.finitePoints <= POINTS_WITH_MARKERS) {
                drawMarkers(g, map, p.x, p.y);
            }
        }
        g.setClip(savedClip);
    }

    /**
     * The polyline through the points, NaN breaking it. Long series are reduced to at most four
     * points per pixel column (first, lowest, highest, last), which draws the same picture.
     */
    private static Path2D path(Mapping map, double[] x, double[] y) {
        Path2D.Double path = new Path2D.Double();
        PixelColumn column = new PixelColumn(path);
        for (int i = 0; i < x.length; i++) {
            if (Double.isNaN(y[i])) {
                column.flush();
                column.penDown = false;
                continue;
            }
            column.add(map.px(x[i]), map.py(y[i]));
        }
        column.flush();
        return path;
    }

    /** The points of one pixel column not yet added to the path. */
    private static final class PixelColumn {
        private final Path2D path;
        private boolean penDown;
        private int count;
        private long column;
        private final double[] first = new double[2];
        private final double[] low = new double[2];
        private final double[] high = new double[2];
        private final double[] last = new double[2];
        private boolean lowBeforeHigh;

        PixelColumn(Path2D path) {
            this.path = path;
        }

        void add(double px, double py) {
            long col = (long) Math.floor(px);
            if (count > 0 && col != column) {
                flush();
            }
            if (count == 0) {
                column = col;
                set(first, px, py);
                set(low, px, py);
                set(high, px, py);
                lowBeforeHigh = true;
            } else if (py > low[1]) {
                set(low, px, py);
                lowBeforeHigh = false;
            } else if (py < high[1]) {
                set(high, px, py);
                lowBeforeHigh = true;
            }
            set(last, px, py);
            count++;
        }

        void flush() {
            if (count == 0) {
                return;
            }
            emit(first);
            if (count > 2) {
                emit(lowBeforeHigh ? low : high);
                emit(lowBeforeHigh ? high : low);
            }
            if (count > 1) {
                emit(last);
            }
            count = 0;
        }

        private void emit(double[] point) {
            if (penDown) {
                path.lineTo(point[0], point[1]);
            } else {
                path.moveTo(point[0], point[1]);
                penDown = true;
            }
        }

        private static void set(double[] point, double px, double py) {
            point[0] = px;
            point[1] = py;
        }
    }

    private static void drawMarkers(Graphics2D g, Mapping map, double[] x, double[] y) {
        double r = MARKER_RADIUS;
        for (int i = 0; i < x.length; i++) {
            if (!Double.isNaN(y[i])) {
                g.fill(new Ellipse2D.Double(map.px(x[i]) - r, map.py(y[i]) - r, 2 * r, 2 * r));
            }
        }
    }
}
