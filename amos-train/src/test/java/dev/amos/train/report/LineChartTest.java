package dev.amos.train.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineChartTest {

    @TempDir
    Path tmp;

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

        new LineChart("Two series", "step", "value").add("falling", x, falling).add("rising", magenta, x, rising)
                .logScaleY(true).smoothing(5).size(640, 360).writePng(png);

        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(640, image.getWidth());
        assertEquals(360, image.getHeight());
        assertTrue(TrainingReportTest.pixelsNear(image, LineChart.PALETTE.get(0)) > 200, "first series gets the first palette color");
        assertTrue(TrainingReportTest.pixelsNear(image, magenta) > 200, "second series gets its own color");
    }

    @Test
    void aSinglePointStillShowsAsAMarker() {
        BufferedImage point = new LineChart("One point", "step", "loss").add("valid", new double[] {100}, new double[] {2.5})
                .render();
        BufferedImage legendOnly = new LineChart("One point", "step", "loss")
                .add("valid", new double[] {100, 200}, new double[] {Double.NaN, Double.NaN}).render();
        int markerPixels = TrainingReportTest.pixelsNear(point, LineChart.PALETTE.get(0))
                - TrainingReportTest.pixelsNear(legendOnly, LineChart.PALETTE.get(0));
        assertTrue(markerPixels > 20, "a marker of " + markerPixels + " pixels");
    }

    @Test
    void seriesWithoutFiniteValuesDrawsNoDataInsteadOfFailing() {
        BufferedImage image = new LineChart("Empty", "step", "loss")
                .add("nothing", new double[] {1, 2}, new double[] {Double.NaN, Double.NaN}).render();
        assertEquals(LineChart.DEFAULT_WIDTH, image.getWidth());
    }

    @Test
    void movingAverageIsTrailingAndSkipsGaps() {
        double[] smoothed = LineChart.movingAverage(new double[] {1, 3, Double.NaN, 5, 7}, 2);
        assertArrayEquals(new double[] {1, 2, Double.NaN, 4, 6}, smoothed, 1e-12);
    }

    @Test
    void mismatchedSeriesLengthsAreRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> new LineChart("t", "x", "y").add("bad", new double[] {1, 2}, new double[] {1}));
    }

    @Test
    void ticksAreRoundNumbersWithShortLabels() {
        AxisTicks steps = AxisTicks.linear(0, 1000, 6);
        assertArrayEquals(new double[] {0, 200, 400, 600, 800, 1000}, steps.values(), 1e-9);
        assertArrayEquals(new String[] {"0", "200", "400", "600", "800", "1000"}, steps.labels());

        assertArrayEquals(new String[] {"0", "0.25", "0.5", "0.75", "1"},
                stripZeros(AxisTicks.linear(0, 1, 5).labels()));
        assertArrayEquals(new String[] {"0", "200k", "400k"}, AxisTicks.linear(0, 400_000, 3).labels());
        assertEquals("2.5e-4", AxisTicks.compact(2.5e-4, 3));
        assertEquals("1200", AxisTicks.compact(1200, 3));

        assertArrayEquals(new String[] {"1", "10", "100"}, AxisTicks.logarithmic(0.5, 200, 8).labels(),
                "1-2-5 would give 9 ticks, more than 8: decades only");
        assertArrayEquals(new String[] {"0.5", "1", "2", "5", "10"}, AxisTicks.logarithmic(0.4, 12, 8).labels());
        assertArrayEquals(new double[] {99, 100, 101}, AxisTicks.linear(99, 101, 8, 1).values(), 1e-9,
                "integer data never gets fractional ticks");
        AxisTicks covering = AxisTicks.covering(0.27, 3.15, 8);
        assertEquals(0, covering.values()[0], 1e-12);
        assertEquals(3.5, covering.values()[covering.values().length - 1], 1e-12, "the top of the axis is a labeled tick");
    }

    private static String[] stripZeros(String[] labels) {
        String[] out = new String[labels.length];
        for (int i = 0; i < labels.length; i++) {
            out[i] = labels[i].contains(".") ? labels[i].replaceAll("0+$", "").replaceAll("\\.$", "") : labels[i];
        }
        return out;
    }
}
