package dev.amos.train.report;

import dev.amos.model.BlockFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.Styler.LegendLayout;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A line chart of several named series of (x, y) points, drawn with <a
 * href="https://knowm.org/open-source/xchart/">XChart</a> ({@link XYChart}) and written as PNG: a
 * title, axis titles, a legend below the plot, an optional log10 y axis and an optional trailing
 * moving average for noisy series (the raw series is then drawn faint behind the smoothed one).
 *
 * <p>Non-finite points (NaN, infinities; and values &le; 0 on a log axis) are left out and break
 * the line. Series with few points get a marker on each point so a single point stays visible. A
 * chart without any drawable point shows "no data" instead of failing.
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
    public static final List<Color> PALETTE =
            List.of(
                    new Color(0x1f77b4),
                    new Color(0xff7f0e),
                    new Color(0x2ca02c),
                    new Color(0xd62728),
                    new Color(0x9467bd),
                    new Color(0x8c564b),
                    new Color(0xe377c2),
                    new Color(0x7f7f7f),
                    new Color(0xbcbd22),
                    new Color(0x17becf));

    /** Default image width in pixels. */
    public static final int DEFAULT_WIDTH = 900;

    /** Default image height in pixels. */
    public static final int DEFAULT_HEIGHT = 420;

    private static final int POINTS_WITH_MARKERS = 40;
    private static final int RAW_ALPHA = 85;
    private static final float LINE_WIDTH = 2.2f;
    private static final float RAW_LINE_WIDTH = 1f;
    private static final Color GRID = new Color(0xe6e6e6);
    private static final Color FRAME = new Color(0xb0b0b0);
    private static final Color TEXT = new Color(0x222222);
    private static final Color MUTED_TEXT = new Color(0x666666);

    /**
     * The raw series behind a smoothed one is keyed by its name plus this (XChart keys series by
     * name).
     */
    private static final String RAW_SUFFIX = " \u00b7 raw";

    /**
     * The key of the invisible series that steers XChart to round x ticks (a name no legend shows).
     */
    private static final String TICK_MARKER_SERIES = "\u0000x ticks";

    /** One series: its legend name, color and points ({@code x} and {@code y} of equal length). */
    public record Series(String name, Color color, double[] x, double[] y) {
        public Series {
            if (x.length != y.length) {
                throw new IllegalArgumentException(
                        "series "
                                + name
                                + ": "
                                + x.length
                                + " x values but "
                                + y.length
                                + " y values");
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

    /** Adds a series with the given color; series names must differ (they label the legend). */
    public LineChart add(String name, Color color, double[] x, double[] y) {
        Series added = new Series(name, color, x.clone(), y.clone());
        if (series.stream().anyMatch(s -> s.name().equals(name))) {
            throw new IllegalArgumentException(
                    "series " + name + " was already added to chart " + title);
        }
        series.add(added);
        return this;
    }

    /** Draws the y axis in log10 scale (values &le; 0 are then left out). */
    public LineChart logScaleY(boolean log) {
        this.logY = log;
        return this;
    }

    /**
     * Fixes the y axis to [min, max] instead of fitting it to the data (e.g. 0..1 for fractions).
     */
    public LineChart yRange(double min, double max) {
        if (!(max > min)) {
            throw new IllegalArgumentException("y range needs max > min, got " + min + ".." + max);
        }
        this.fixedYMin = min;
        this.fixedYMax = max;
        return this;
    }

    /**
     * Smooths every series with a trailing moving average over {@code window} points (1: none); the
     * raw series stays visible, faint, behind the smoothed line.
     */
    public LineChart smoothing(int window) {
        this.smoothingWindow = Math.max(1, window);
        return this;
    }

    /** The image size in pixels. */
    public LineChart size(int widthPixels, int heightPixels) {
        if (widthPixels < 200 || heightPixels < 150) {
            throw new IllegalArgumentException(
                    "chart size must be at least 200 x 150, got "
                            + widthPixels
                            + " x "
                            + heightPixels);
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
        BlockFiles.writeAtomically(
                file,
                out -> {
                    if (!ImageIO.write(image, "png", out)) {
                        throw new IOException("no PNG writer available in this JVM");
                    }
                });
    }

    /** Draws the chart. */
    public BufferedImage render() {
        return BitmapEncoder.getBufferedImage(toXChart());
    }

    /**
     * The XChart chart this line chart draws: styled, with its series (raw ones first, so they lie
     * behind).
     */
    XYChart toXChart() {
        List<Prepared> prepared = prepare();
        boolean smoothed = prepared.stream().anyMatch(p -> p.smooth != null);
        XYChart chart =
                new XYChartBuilder()
                        .width(width)
                        .height(height)
                        .title(title)
                        .xAxisTitle(
                                smoothed
                                        ? xLabel
                                                + "   (faint: raw values, bold: moving average over "
                                                + smoothingWindow
                                                + " points)"
                                        : xLabel)
                        .yAxisTitle(logY ? yLabel + " (log scale)" : yLabel)
                        .build();
        style(chart.getStyler(), prepared);
        if (prepared.stream().noneMatch(p -> p.finitePoints > 0)) {
            addNoDataPlaceholder(chart);
            return chart;
        }
        addRoundXTicksMarker(chart, prepared);
        for (Prepared p : prepared) {
            if (p.smooth != null) {
                Color c = p.source.color();
                XYSeries raw = chart.addSeries(p.source.name() + RAW_SUFFIX, p.x, p.y);
                raw.setLineColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), RAW_ALPHA));
                raw.setLineWidth(RAW_LINE_WIDTH);
                raw.setMarker(SeriesMarkers.NONE);
                raw.setShowInLegend(false);
            }
        }
        for (Prepared p : prepared) {
            XYSeries line =
                    chart.addSeries(p.source.name(), p.x, p.smooth != null ? p.smooth : p.y);
            line.setLineColor(p.source.color());
            line.setMarkerColor(p.source.color());
            line.setLineStyle(
                    new BasicStroke(LINE_WIDTH, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            line.setMarker(
                    p.smooth == null && p.finitePoints <= POINTS_WITH_MARKERS
                            ? SeriesMarkers.CIRCLE
                            : SeriesMarkers.NONE);
        }
        return chart;
    }

    private void style(XYStyler styler, List<Prepared> prepared) {
        Font base = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
        styler.setDefaultSeriesRenderStyle(XYSeriesRenderStyle.Line);
        styler.setAntiAlias(true);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setPlotBorderColor(FRAME);
        styler.setPlotGridLinesColor(GRID);
        styler.setPlotGridLinesStroke(new BasicStroke(1f));
        styler.setChartFontColor(TEXT);
        styler.setChartTitleFont(base.deriveFont(Font.BOLD, 16f));
        styler.setChartTitleBoxVisible(false);
        styler.setAxisTitleFont(base);
        styler.setAxisTickLabelsFont(base.deriveFont(12f));
        styler.setAxisTickLabelsColor(TEXT);
        styler.setAxisTickMarksColor(FRAME);
        styler.setLegendFont(base);
        styler.setLegendPosition(LegendPosition.OutsideS);
        styler.setLegendLayout(LegendLayout.Horizontal);
        styler.setLegendBorderColor(Color.WHITE);
        styler.setLegendSeriesLineLength(22);
        styler.setMarkerSize(7);
        styler.setLocale(Locale.ROOT);
        styler.setToolTipsEnabled(false);
        double[] xBounds = dataBounds(prepared, true);
        if (xBounds != null) {
            styler.setXAxisDecimalPattern(
                    integerX(prepared)
                            ? "#,##0"
                            : ChartMath.decimalPattern(xBounds[0], xBounds[1]));
        }
        styler.setYAxisLogarithmic(logY);
        if (logY) {
            styler.setYAxisLogarithmicDecadeOnly(true);
        }
        double[] yBounds = yBounds(prepared);
        if (yBounds != null) {
            styler.setYAxisMin(yBounds[0]);
            styler.setYAxisMax(yBounds[1]);
        }
        double[] yLabelRange = yBounds != null ? yBounds : dataBounds(prepared, false);
        if (!logY && yLabelRange != null) {
            styler.setYAxisDecimalPattern(ChartMath.decimalPattern(yLabelRange[0], yLabelRange[1]));
        }
    }

    /**
     * The y axis bounds: the fixed range when one is set; on a log axis the data range widened to
     * powers of ten until at least two lie inside (those are the labeled ticks); else null (XChart
     * fits the axis to the data).
     */
    private double[] yBounds(List<Prepared> prepared) {
        if (!Double.isNaN(fixedYMin)) {
            return logY
                    ? new double[] {Math.max(fixedYMin, Double.MIN_NORMAL), fixedYMax}
                    : new double[] {fixedYMin, fixedYMax};
        }
        if (!logY) {
            return null;
        }
        double[] data = dataBounds(prepared, false);
        return data == null ? null : ChartMath.decadeBounds(data[0], data[1]);
    }

    /**
     * Equally spaced x values (steps logged every N steps) make XChart put the x ticks on data
     * points (1, 11, 21, ...: not round, and crowded on long runs). One invisible point (NaN y, not
     * in the legend) between the first two x values breaks the spacing, so XChart picks round
     * ticks.
     */
    private static void addRoundXTicksMarker(XYChart chart, List<Prepared> prepared) {
        double first = Double.POSITIVE_INFINITY;
        double second = Double.POSITIVE_INFINITY;
        for (Prepared p : prepared) {
            for (double x : p.x) {
                if (x < first) {
                    second = first;
                    first = x;
                } else if (x > first && x < second) {
                    second = x;
                }
            }
        }
        if (Double.isFinite(second)) {
            XYSeries marker =
                    chart.addSeries(
                            TICK_MARKER_SERIES,
                            new double[] {(first + second) / 2},
                            new double[] {Double.NaN});
            marker.setMarker(SeriesMarkers.NONE);
            marker.setShowInLegend(false);
        }
    }

    /**
     * A chart without drawable points: fixed unit axes, no ticks, and "no data" in the middle of
     * the plot.
     */
    private static void addNoDataPlaceholder(XYChart chart) {
        XYStyler styler = chart.getStyler();
        styler.setYAxisLogarithmic(false);
        styler.setXAxisMin(0.0);
        styler.setXAxisMax(1.0);
        styler.setYAxisMin(0.0);
        styler.setYAxisMax(1.0);
        styler.setAxisTicksVisible(false);
        styler.setPlotGridLinesVisible(false);
        styler.setLegendVisible(false);
        XYSeries empty =
                chart.addSeries(
                        "no data", new double[] {0, 1}, new double[] {Double.NaN, Double.NaN});
        empty.setMarker(SeriesMarkers.NONE);
        styler.setAnnotationTextFontColor(MUTED_TEXT);
        styler.setAnnotationTextFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        chart.addAnnotation(new AnnotationText("no data", 0.5, 0.5, false));
    }

    /** A series reduced to its drawable points (NaN where a point cannot be drawn). */
    private record Prepared(
            Series source, double[] x, double[] y, double[] smooth, int finitePoints) {}

    private List<Prepared> prepare() {
        List<Prepared> result = new ArrayList<>();
        for (Series s : series) {
            double[] y = new double[s.y().length];
            int finite = 0;
            for (int i = 0; i < y.length; i++) {
                double v = s.y()[i];
                boolean drawable =
                        Double.isFinite(v) && Double.isFinite(s.x()[i]) && (!logY || v > 0);
                y[i] = drawable ? v : Double.NaN;
                finite += drawable ? 1 : 0;
            }
            double[] smooth = smoothingWindow > 1 && finite > smoothingWindow ? smoothed(y) : null;
            result.add(new Prepared(s, ChartMath.finiteX(s.x()), y, smooth, finite));
        }
        return result;
    }

    /**
     * The moving average, taken of log10 values on a log axis (a geometric mean, as the axis shows
     * it).
     */
    private double[] smoothed(double[] y) {
        if (!logY) {
            return ChartMath.movingAverage(y, smoothingWindow);
        }
        double[] logs = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            logs[i] = Math.log10(y[i]);
        }
        double[] averaged = ChartMath.movingAverage(logs, smoothingWindow);
        for (int i = 0; i < averaged.length; i++) {
            averaged[i] = Math.pow(10, averaged[i]);
        }
        return averaged;
    }

    /** True when every x value with a drawable point is a whole number (steps). */
    private static boolean integerX(List<Prepared> prepared) {
        for (Prepared p : prepared) {
            for (int i = 0; i < p.x.length; i++) {
                if (!Double.isNaN(p.y[i]) && p.x[i] != Math.rint(p.x[i])) {
                    return false;
                }
            }
        }
        return true;
    }

    /** {min, max} of the x (or y) values of the drawable points; null when there are none. */
    private static double[] dataBounds(List<Prepared> prepared, boolean x) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Prepared p : prepared) {
            for (int i = 0; i < p.x.length; i++) {
                if (!Double.isNaN(p.y[i])) {
                    double v = x ? p.x[i] : p.y[i];
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        return lo > hi ? null : new double[] {lo, hi};
    }
}
