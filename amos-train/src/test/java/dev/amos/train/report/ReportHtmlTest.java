package dev.amos.train.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportHtmlTest {

    @Test
    void compactNumbersKeepFewDigitsAndUseExponentsOnlyForExtremes() {
        assertEquals("2.5e-4", ReportHtml.compact(2.5e-4, 3));
        assertEquals("1200", ReportHtml.compact(1200, 3));
        assertEquals("0.25", ReportHtml.compact(0.25, 4));
        assertEquals("3.142", ReportHtml.compact(Math.PI, 4));
        assertEquals("1.235e7", ReportHtml.compact(12_345_678, 4));
        assertEquals("-1e-5", ReportHtml.compact(-0.00001, 4));
        assertEquals(
                "1e7", ReportHtml.compact(9_999_999, 3), "rounding up carries into the exponent");
        assertEquals("n/a", ReportHtml.compact(Double.NaN, 4));
    }

    /** The summary's row for a run whose last 10 logs have these RTD losses (constant 0.42). */
    private static String constantRow(Path dir, double rtd) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int step = 10; step <= 200; step += 10) {
            lines.add(
                    String.format(
                            Locale.ROOT,
                            "{\"step\":%d,\"loss\":30,\"mlm_loss\":[7.3],\"rtd_loss\":%s,"
                                    + "\"rtd_loss_constant\":0.42}",
                            step,
                            step > 100 ? rtd : 0.6));
        }
        Path file = dir.resolve("metrics-" + rtd + ".jsonl");
        Files.write(file, lines);
        List<String[]> summary =
                ReportHtml.summary(
                        new RunInfo("run", "amos", new int[] {1}, "{}"),
                        MetricsLog.read(file),
                        Double.NaN);
        return summary.stream()
                .filter(r -> r[0].equals("RTD loss of the constant prediction"))
                .findFirst()
                .orElseThrow()[1];
    }

    @Test
    void theSummarySaysWhetherTheDiscriminatorBeatsTheConstantPrediction(@TempDir Path dir)
            throws IOException {
        String below = constantRow(dir, 0.40);
        assertTrue(below.startsWith("0.42") && below.contains("0.02 below it"), below);
        String above = constantRow(dir, 0.43);
        assertTrue(above.contains("0.01 above it: it does no better than the share alone"), above);
    }
}
