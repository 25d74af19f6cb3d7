package dev.amos.eval.glue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GlueTableTest {

    private static GlueScore accuracy(GlueTask task, GlueSplit split, double value) {
        return new GlueScore(task, split, Map.of("accuracy", value));
    }

    @Test
    void paperColumnOrderScaledToPercentWithAverageOverPresentTasks() {
        List<GlueScore> full =
                List.of(
                        new GlueScore(
                                GlueTask.STS_B,
                                GlueSplit.DEV,
                                Map.of("pearson", 0.91, "spearman", 0.905)),
                        new GlueScore(GlueTask.COLA, GlueSplit.DEV, Map.of("mcc", 0.6)),
                        new GlueScore(
                                GlueTask.MRPC, GlueSplit.DEV, Map.of("accuracy", 0.88, "f1", 0.91)),
                        accuracy(GlueTask.MNLI, GlueSplit.DEV_MATCHED, 0.85),
                        accuracy(GlueTask.MNLI, GlueSplit.DEV_MISMATCHED, 0.849),
                        accuracy(GlueTask.QQP, GlueSplit.DEV, 0.9),
                        accuracy(GlueTask.QNLI, GlueSplit.DEV, 0.92),
                        accuracy(GlueTask.SST_2, GlueSplit.DEV, 0.94),
                        accuracy(GlueTask.RTE, GlueSplit.DEV, 0.7),
                        accuracy(GlueTask.WNLI, GlueSplit.DEV, 0.56));
        List<GlueScore> partial =
                List.of(
                        accuracy(GlueTask.RTE, GlueSplit.DEV, 0.6),
                        new GlueScore(GlueTask.COLA, GlueSplit.DEV, Map.of("mcc", 0.25)),
                        accuracy(GlueTask.MNLI, GlueSplit.DEV_MISMATCHED, 0.7));
        String markdown =
                new GlueTable()
                        .addRow("amos-small", full)
                        .addRow("electra | small", partial)
                        .toMarkdown();

        // full AVG: (85 + 90 + 92 + 94 + 60 + 70 + 88 + 90.5) / 8 = 669.5 / 8 = 83.6875 (WNLI
        // excluded)
        // partial AVG: (70 + 60 + 25) / 3 = 51.666..., MNLI counted by its only (mismatched) score
        String expected =
                """
                | Model | MNLI-m/mm | QQP | QNLI | SST-2 | CoLA | RTE | MRPC | STS-B | AVG |
                |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
                | amos-small | 85.0/84.9 | 90.0 | 92.0 | 94.0 | 60.0 | 70.0 | 88.0 | 90.5 | 83.7 |
                | electra \\| small | -/70.0 | - | - | - | 25.0 | 60.0 | - | - | 51.7 |

                """
                        + GlueTable.FOOTNOTE
                        + "\n";
        assertEquals(expected, markdown);
    }

    @Test
    void emptyRowAndDuplicateScores() {
        String markdown = new GlueTable().addRow("nothing", List.of()).toMarkdown();
        assertEquals("| nothing | -/- | - | - | - | - | - | - | - | - |", markdown.split("\n")[2]);
        List<GlueScore> twice =
                List.of(
                        accuracy(GlueTask.RTE, GlueSplit.DEV, 0.6),
                        accuracy(GlueTask.RTE, GlueSplit.DEV, 0.7));
        assertThrows(IllegalArgumentException.class, () -> new GlueTable().addRow("x", twice));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new GlueTable()
                                .addRow(
                                        "x",
                                        List.of(accuracy(GlueTask.MNLI, GlueSplit.TRAIN, 0.9))));
    }
}
