package dev.amos.train.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsLogTest {

    @TempDir Path tmp;

    @Test
    void aResumedRunReplacesTheStepsItLogsAgain() throws IOException {
        Path file = tmp.resolve("metrics.jsonl");
        Files.write(
                file,
                List.of(
                        "{\"step\": 10, \"loss\": 5}",
                        "{\"step\": 20, \"loss\": 4}",
                        "{\"step\": 30, \"loss\": 3.9}",
                        "",
                        "{\"step\": 20, \"loss\": 4.1}",
                        "{\"step\": 30, \"loss\": 3.5}",
                        "{\"step\": 40, \"loss\": 3}"),
                StandardCharsets.UTF_8);

        MetricsLog log = MetricsLog.read(file);

        assertArrayEquals(new double[] {10, 20, 30, 40}, log.steps());
        assertArrayEquals(new double[] {5, 4.1, 3.5, 3}, log.column(MetricsLog.Row::loss));
        assertEquals(2, log.supersededRows());
        assertEquals(0, log.ignoredLastLine());
    }

    @Test
    void absentValuesAreNaNOrEmptyAndSpecialNumbersAreKept() throws IOException {
        Path file = tmp.resolve("metrics.jsonl");
        Files.write(
                file,
                List.of(
                        "{\"step\": 1, \"loss\": NaN, \"mlm_loss\": [2.0, null], \"valid_mlm_loss\": 3.5}",
                        "{\"step\": 2, \"loss\": \"Infinity\", \"rtd_loss\": null}",
                        "{\"step\": 3, \"lo"),
                StandardCharsets.UTF_8);

        MetricsLog log = MetricsLog.read(file);

        assertEquals(2, log.rows().size());
        MetricsLog.Row first = log.rows().get(0);
        assertTrue(Double.isNaN(first.loss()));
        assertArrayEquals(new double[] {2.0, Double.NaN}, first.mlmLoss());
        assertArrayEquals(
                new double[] {3.5}, first.validMlmLoss(), "a lone number is a one-element array");
        assertEquals(0, first.mixtureWeights().length);
        assertEquals(Double.POSITIVE_INFINITY, log.rows().get(1).loss());
        assertTrue(Double.isNaN(log.rows().get(1).rtdLoss()));
        assertEquals(3, log.ignoredLastLine());
    }
}
