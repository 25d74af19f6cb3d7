package dev.amos.train.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

class LineChartTest {

    @TempDir Path tmp;

    @Test
    void writesAPngOfTheRequestedSizeWithEachSeriesInItsColor() throws IOException {
        double[] x = new double[200];
        double[] falling = new double[200];
        double[] rising = new double[200];
        for (int i = 0; i < x.length; i++) {
            x[i] = i * 10;
            falling[i] = 100 * Math.exp(-i / 40.0) + 0.5;
            rising[i] = i == 50 ? Double.NaN : 0.5 + i / 100.0;
        }
        Color magenta = new Color(0xcc00cc);
        Path png = tmp.resolve("chart.png");

        new LineChart("Two series", "step", "value")
                .add("falling", x, falling)
                .add("rising", magenta, x, rising)
                .logScaleY(true)
                .smoothing(5)
                .size(640, 360)
                .writePng(png);

        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(640, image.getWidth());
        assertEquals(360, image.getHeight());
        assertTrue(
                TrainingReportTest.pixelsNear(image, LineChart.PALETTE.get(0)) > 200,
                "first series gets the first palette color");
        assertTrue(
                TrainingReportTest.pixelsNear(image, magenta) > 200,
                "second series gets its own color");
    }

    @Test
    void aSinglePointStillShowsAsAMarker() {
        BufferedImage point =
                new LineChart("One point", "step", "loss")
                        .add("valid", new double[] {100}, new double[] {2.5})
                        .render();
        BufferedImage legendOnly =
                new LineChart("One point", "step", "loss")
                        .add(
                                "valid",
                                new double[] {100, 200},
                                new double[] {Double.NaN, Double.NaN})
                        .render();
        int markerPixels =
                TrainingReportTest.pixelsNear(point, LineChart.PALETTE.get(0))
                        - TrainingReportTest.pixelsNear(legendOnly, LineChart.PALETTE.get(0));
        assertTrue(markerPixels > 20, "a marker of " + markerPixels + " pixels");
    }

    @Test
    void seriesWithoutFiniteValuesDrawsNoDataInsteadOfFailing() {
        BufferedImage image =
                new LineChart("Empty", "step", "loss")
                        .add("nothing", new double[] {1, 2}, new double[] {Double.NaN, Double.NaN})
                        .render();
        assertEquals(LineChart.DEFAULT_WIDTH, image.getWidth());
    }

    @Test
    void movingAverageIsTrailingAndSkipsGaps() {
        double[] smoothed = ChartMath.movingAverage(new double[] {1, 3, Double.NaN, 5, 7}, 2);
        assertArrayEquals(new double[] {1, 2, Double.NaN, 4, 6}, smoothed, 1e-12);
    }

    @Test
    void mismatchedSeriesLengthsAreRejected() {
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new LineChart("t", "x", "y")
                                .add("bad", new double[] {1, 2}, new double[] {1}));
    }

    @Test
    void smoothedSeriesKeepTheirRawValuesFaintAndOutOfTheLegend() {
        double[] x = new double[100];
        double[] y = new double[100];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
            y[i] = 5 + (i % 2 == 0 ? 1 : -1);
        }
        XYChart chart =
                new LineChart("Noisy", "step", "loss").add("loss", x, y).smoothing(10).toXChart();

        List<XYSeries> series = List.copyOf(chart.getSeriesMap().values());
        List<XYSeries> inLegend = series.stream().filter(XYSeries::isShowInLegend).toList();
        List<XYSeries> faint =
                series.stream()
                        .filter(
                                s ->
                                        !s.isShowInLegend()
                                                && Arrays.stream(s.getYData())
                                                        .anyMatch(Double::isFinite))
                        .toList();
        assertEquals(1, inLegend.size(), "only the smoothed line is in the legend");
        assertEquals(1, faint.size(), "one raw line");
        XYSeries smooth = inLegend.get(0);
        XYSeries raw = faint.get(0);
        assertTrue(
                series.indexOf(raw) < series.indexOf(smooth),
                "the raw line is drawn first, behind the smoothed one");
        assertTrue(raw.getLineColor().getAlpha() < 128, "the raw line is faint");
        assertArrayEquals(y, raw.getYData(), 0, "the raw line has the raw values");
        assertEquals("loss", smooth.getName());
        assertEquals(5, smooth.getYData()[99], 0.11, "the bold line is the moving average");
        assertTrue(
                chart.getXAxisTitle().contains("moving average over 10 points"),
                chart.getXAxisTitle());
    }

    @Test
    void logAxisSpansAtLeastTwoLabeledPowersOfTen() {
        XYChart chart =
                new LineChart("Loss", "step", "loss")
                        .add("loss", new double[] {1, 2, 3}, new double[] {40, 0, 2})
                        .logScaleY(true)
                        .toXChart();
        assertTrue(chart.getStyler().isYAxisLogarithmic());
        assertTrue(
                Double.isNaN(chart.getSeriesMap().get("loss").getYData()[1]),
                "0 is left out on a log axis");
        assertEquals(
                1,
                chart.getStyler().getYAxisMin(),
                1e-12,
                "2..40 widens down to 1: labels 1 and 10");
        assertEquals(40, chart.getStyler().getYAxisMax(), 1e-12);
        assertTrue(chart.getYAxisTitle().endsWith("(log scale)"));

        assertArrayEquals(
                new double[] {50, 1000},
                ChartMath.decadeBounds(50, 900),
                1e-9,
                "only 100 inside: widen up, the cheaper side");
        assertArrayEquals(
                new double[] {0.5, 200},
                ChartMath.decadeBounds(0.5, 200),
                1e-12,
                "already holds 1, 10 and 100");
        assertArrayEquals(
                new double[] {1, 10},
                ChartMath.decadeBounds(2, 9),
                1e-12,
                "inside one decade: both ends widen");
    }

    @Test
    void tickLabelsHaveALeadingZeroAndTheDecimalsTheSpanNeeds() {
        assertEquals("0.0005", label(ChartMath.decimalPattern(0, 5e-4), 5e-4), "a learning rate");
        assertEquals("0.00025", label(ChartMath.decimalPattern(0, 5e-4), 2.5e-4));
        assertEquals("0.2", label(ChartMath.decimalPattern(0, 1), 0.2), "a fraction");
        assertEquals(
                "12,000", label(ChartMath.decimalPattern(8000, 15000), 12000), "tokens per second");
        assertEquals(
                "3E-8", label(ChartMath.decimalPattern(0, 4e-8), 3e-8), "tiny spans go scientific");
        assertEquals("2.5", label(ChartMath.decimalPattern(2.5, 2.5), 2.5), "a constant series");
    }

    private static String label(String pattern, double value) {
        return new DecimalFormat(pattern, DecimalFormatSymbols.getInstance(Locale.ROOT))
                .format(value);
    }

    @Test
    void sameSeriesNameTwiceIsRejected() {
        LineChart chart =
                new LineChart("t", "x", "y").add("loss", new double[] {1}, new double[] {1});
        assertThrows(
                IllegalArgumentException.class,
                () -> chart.add("loss", new double[] {1}, new double[] {2}));
    }
}
