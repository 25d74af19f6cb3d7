package dev.amos.train.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amos.model.BadInputException;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingReportTest {

    private static final Pattern IMG_SRC = Pattern.compile("<img src=\"([^\"]+)\"");

    @TempDir Path tmp;

    @Test
    void amosRunGetsEveryChartAndASummaryWithLayerNumbers() throws IOException {
        Path run =
                SyntheticRun.writeRun(
                        tmp.resolve("amos-run"),
                        SyntheticRun.amosConfig(),
                        SyntheticRun.amosLines(300));

        Path page = TrainingReport.write(run, Double.NaN);

        assertEquals(run.resolve("report.html"), page);
        String html = Files.readString(page, StandardCharsets.UTF_8);
        List<String> images = imageSources(html);
        assertEquals(
                List.of(
                        "report-loss.png",
                        "report-rtd-loss.png",
                        "report-rtd.png",
                        "report-mixture.png",
                        "report-lr.png",
                        "report-throughput.png",
                        "report-grad-norm.png",
                        "report-valid.png"),
                images);
        for (String image : images) {
            assertReadableChart(run.resolve(image));
        }
        assertTrue(html.contains("amos-test \u00b7 amos"), "title names the model and objective");
        assertTrue(
                html.contains("layer 4: ")
                        && html.contains("layer 6: ")
                        && html.contains("layer 8: "),
                "last mixture weights are labeled by generator layer from config.json");
        assertTrue(html.contains("<th>Steps</th><td>300 (300 logged)</td>"), html);
        assertTrue(html.contains("&quot;mlm_layers&quot;"), "the config is embedded as JSON");
        assertTrue(html.contains("Generated at "));
        assertFalse(
                html.contains("http://") || html.contains("https://") || html.contains("<script"),
                "the page is self-contained");
        try (Stream<Path> files = Files.list(run)) {
            assertTrue(
                    files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")),
                    "no temporary files left");
        }
    }

    @Test
    void mixtureChartDrawsOneColoredLinePerLayer() throws IOException {
        Path run =
                SyntheticRun.writeRun(
                        tmp.resolve("amos-run"),
                        SyntheticRun.amosConfig(),
                        SyntheticRun.amosLines(300));
        TrainingReport.write(run, Double.NaN);
        BufferedImage mixture = ImageIO.read(run.resolve("report-mixture.png").toFile());
        for (int layer = 0; layer < 3; layer++) {
            Color color = LineChart.PALETTE.get(layer);
            assertTrue(
                    pixelsNear(mixture, color) > 300,
                    "layer " + layer + " line in " + color + " is drawn");
        }
        assertTrue(
                pixelsNear(mixture, LineChart.PALETTE.get(3)) < 20, "only three layers are drawn");
    }

    @Test
    void theLossAtMaskIsChartedAgainstTheUnigramLossAndAPlateauIsNamed() throws IOException {
        List<String> lines = new java.util.ArrayList<>();
        for (String line :
                SyntheticRun.mlmLines(
                        120)) { // at [MASK] on the plateau of 6.0, the kept positions copied
            int step = Integer.parseInt(line.replaceAll("^\\{\"step\": (\\d+),.*", "$1"));
            lines.add(
                    line.replace(
                            "\"rtd_loss\"",
                            String.format(
                                    java.util.Locale.ROOT,
                                    "\"mlm_loss_at_mask\": [%.4f], \"mlm_loss_kept\": [%.4f], \"rtd_loss\"",
                                    6.1 - step * 1e-4,
                                    3.0 - step / 60.0)));
        }
        Path run = SyntheticRun.writeRun(tmp.resolve("mlm-run"), SyntheticRun.mlmConfig(), lines);

        String html = Files.readString(TrainingReport.write(run, 6.0), StandardCharsets.UTF_8);

        assertEquals(
                List.of(
                        "report-loss.png",
                        "report-mask-loss.png",
                        "report-lr.png",
                        "report-throughput.png",
                        "report-grad-norm.png"),
                imageSources(html));
        BufferedImage chart = ImageIO.read(run.resolve("report-mask-loss.png").toFile());
        assertTrue(
                pixelsNear(chart, LineChart.PALETTE.get(0)) > 300, "the loss at [MASK] is drawn");
        assertTrue(
                pixelsNear(chart, LineChart.PALETTE.get(1)) > 300,
                "the loss at kept positions is drawn");
        assertTrue(pixelsNear(chart, LineChart.PALETTE.get(7)) > 300, "the unigram loss is drawn");
        assertTrue(
                html.contains(
                        "<th>Unigram loss of the corpus</th><td>6; the deepest head&#39;s loss at [MASK]"),
                html);
        assertTrue(
                html.contains("not yet 0.3 below it"),
                "0.09 nats below the unigram loss is the plateau");
        assertTrue(html.contains("<th>MLM loss at [MASK] (last)</th>"), html);

        String off = Files.readString(TrainingReport.write(run, 7.0), StandardCharsets.UTF_8);
        assertFalse(off.contains("not yet 0.3 below it"), "1.09 nats below it is off the plateau");
        String unknown =
                Files.readString(TrainingReport.write(run, Double.NaN), StandardCharsets.UTF_8);
        assertFalse(unknown.contains("Unigram loss"), "no unigram loss known, none shown");
    }

    @Test
    void mlmRunHasNoRtdOrMixtureCharts() throws IOException {
        Path run =
                SyntheticRun.writeRun(
                        tmp.resolve("mlm-run"),
                        SyntheticRun.mlmConfig(),
                        SyntheticRun.mlmLines(120));

        String html =
                Files.readString(TrainingReport.write(run, Double.NaN), StandardCharsets.UTF_8);

        List<String> images = imageSources(html);
        assertEquals(
                List.of(
                        "report-loss.png",
                        "report-lr.png",
                        "report-throughput.png",
                        "report-grad-norm.png"),
                images);
        for (String image : images) {
            assertReadableChart(run.resolve(image));
        }
        assertFalse(Files.exists(run.resolve("report-rtd.png")));
        assertFalse(Files.exists(run.resolve("report-mixture.png")));
        assertFalse(html.contains("RTD accuracy"), "no RTD rows in the summary of an MLM run");
        assertTrue(html.contains("mlm-test \u00b7 mlm"));
    }

    @Test
    void truncatedLastLineOfAKilledRunIsIgnored() throws IOException {
        List<String> lines = new ArrayList<>(SyntheticRun.amosLines(60));
        lines.add("{\"step\": 61, \"lr\": 4.1e-04, \"loss\": 33.2, \"mlm_loss\": [4.2, 3.");
        Path run = SyntheticRun.writeRun(tmp.resolve("killed"), SyntheticRun.amosConfig(), lines);

        String html =
                Files.readString(TrainingReport.write(run, Double.NaN), StandardCharsets.UTF_8);

        assertTrue(html.contains("<th>Steps</th><td>60 (60 logged)</td>"), html);
        assertTrue(
                html.contains("Line 61 of metrics.jsonl is incomplete"),
                "the ignored line is reported");
    }

    @Test
    void badLineInTheMiddleNamesFileAndLineAndKeepsTheOldReport() throws IOException {
        Path run =
                SyntheticRun.writeRun(
                        tmp.resolve("bad"), SyntheticRun.amosConfig(), SyntheticRun.amosLines(20));
        String goodReport =
                Files.readString(TrainingReport.write(run, Double.NaN), StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>(SyntheticRun.amosLines(20));
        lines.set(4, "{\"step\": 5, \"lr\": oops");
        Path metrics = run.resolve("metrics.jsonl");
        Files.write(metrics, lines, StandardCharsets.UTF_8);

        BadInputException e =
                assertThrows(BadInputException.class, () -> TrainingReport.write(run, Double.NaN));

        assertEquals(metrics + ":5: expected a JSON object", e.getMessage());
        assertEquals(
                goodReport, Files.readString(run.resolve("report.html"), StandardCharsets.UTF_8));
    }

    @Test
    void wrongValueTypeAndMissingFilesAreBadInput() throws IOException {
        Path run =
                SyntheticRun.writeRun(
                        tmp.resolve("types"),
                        SyntheticRun.amosConfig(),
                        List.of(
                                "{\"step\": 1, \"loss\": 3.0}",
                                "{\"step\": 2, \"loss\": \"high\"}",
                                "{\"step\": 3, \"loss\": 2.0}"));
        BadInputException wrongType =
                assertThrows(BadInputException.class, () -> TrainingReport.write(run, Double.NaN));
        assertTrue(
                wrongType
                        .getMessage()
                        .startsWith(
                                run.resolve("metrics.jsonl")
                                        + ":2: expected a number for \"loss\""),
                wrongType.getMessage());

        Path empty = Files.createDirectories(tmp.resolve("empty"));
        BadInputException missing =
                assertThrows(
                        BadInputException.class, () -> TrainingReport.write(empty, Double.NaN));
        assertTrue(
                missing.getMessage().startsWith(empty.resolve("metrics.jsonl") + ": not found"),
                missing.getMessage());

        Path badConfig =
                SyntheticRun.writeRun(
                        tmp.resolve("bad-config"), "[1, 2]", SyntheticRun.mlmLines(5));
        BadInputException config =
                assertThrows(
                        BadInputException.class, () -> TrainingReport.write(badConfig, Double.NaN));
        assertTrue(
                config.getMessage()
                        .startsWith(badConfig.resolve("config.json") + ": expected a JSON object"),
                config.getMessage());
    }

    @Test
    void chartsOfAnEarlierReportThatNoLongerApplyAreRemoved() throws IOException {
        Path run =
                SyntheticRun.writeRun(
                        tmp.resolve("reused"),
                        SyntheticRun.amosConfig(),
                        SyntheticRun.amosLines(60));
        TrainingReport.write(run, Double.NaN);
        assertTrue(Files.exists(run.resolve("report-mixture.png")));

        SyntheticRun.writeRun(run, SyntheticRun.mlmConfig(), SyntheticRun.mlmLines(60));
        TrainingReport.write(run, Double.NaN);

        assertFalse(Files.exists(run.resolve("report-mixture.png")));
        assertFalse(Files.exists(run.resolve("report-valid.png")));
        assertTrue(Files.exists(run.resolve("report-loss.png")));
    }

    private static List<String> imageSources(String html) {
        List<String> sources = new ArrayList<>();
        Matcher m = IMG_SRC.matcher(html);
        while (m.find()) {
            sources.add(m.group(1));
        }
        return sources;
    }

    /**
     * The PNG exists, decodes at the report size and is a real drawing (many colors, not mostly
     * white).
     */
    static void assertReadableChart(Path png) throws IOException {
        assertTrue(Files.isRegularFile(png), png + " exists");
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, png + " decodes");
        assertEquals(LineChart.DEFAULT_WIDTH, image.getWidth(), png.toString());
        assertEquals(LineChart.DEFAULT_HEIGHT, image.getHeight(), png.toString());
        Set<Integer> colors = new HashSet<>();
        int nonWhite = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y) & 0xffffff;
                colors.add(rgb);
                nonWhite += rgb == 0xffffff ? 0 : 1;
            }
        }
        assertTrue(colors.size() > 50, png + " has " + colors.size() + " distinct colors");
        assertTrue(
                nonWhite > image.getWidth() * image.getHeight() / 50,
                png + " has " + nonWhite + " drawn pixels");
    }

    /** Pixels within a small RGB distance of {@code color}. */
    static int pixelsNear(BufferedImage image, Color color) {
        int count = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                Color c = new Color(image.getRGB(x, y));
                int d =
                        Math.abs(c.getRed() - color.getRed())
                                + Math.abs(c.getGreen() - color.getGreen())
                                + Math.abs(c.getBlue() - color.getBlue());
                count += d < 40 ? 1 : 0;
            }
        }
        return count;
    }
}
