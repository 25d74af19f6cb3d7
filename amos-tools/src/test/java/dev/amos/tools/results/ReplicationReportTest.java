package dev.amos.tools.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import dev.amos.eval.finetune.GlueFinetuner;
import dev.amos.eval.glue.GlueExample;
import dev.amos.eval.glue.GlueScore;
import dev.amos.eval.glue.GlueSplit;
import dev.amos.eval.glue.GlueTask;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replication report: results.json parsing, seed-spread cells, kept sections, timings, charts.
 */
class ReplicationReportTest {

    @TempDir Path dir;

    @Test
    void readsSeedScoresAndMedianOfResultsJson() throws Exception {
        Path file = dir.resolve("results.json");
        Files.writeString(
                file,
                "{\"task\":\"STS-B\",\"main_metric\":\"spearman\",\"seeds\":["
                        + "{\"seed\":1,\"best\":{\"pearson\":0.5,\"spearman\":0.40}},"
                        + "{\"seed\":2,\"best\":{\"pearson\":0.6,\"spearman\":0.55}},"
                        + "{\"seed\":3,\"best\":{\"pearson\":0.7,\"spearman\":0.50}}],"
                        + "\"median\":{\"pearson\":0.6,\"spearman\":0.50},\"best_seed\":2}");
        VariantResults.TaskResult r = VariantResults.readTask(GlueTask.STS_B, file);
        assertEquals(0.50, r.mainScore(), 1e-12);
        assertEquals(0.40, r.min(), 1e-12);
        assertEquals(0.55, r.max(), 1e-12);
    }

    @Test
    void labelsNameTheObjectiveAndTheStepsOfALinkedInRun() {
        Map<GlueTask, VariantResults.TaskResult> none = Map.of();
        assertEquals("MLM (BERT-style)", new VariantResults("mlm", null, 128, 64, none).label());
        assertEquals(
                "MLM (BERT-style), 3000 steps",
                new VariantResults("mlm-3000", null, 128, 64, none).label());
        assertEquals(
                "No pretraining (random init)",
                new VariantResults("random", null, 128, 64, none).label());
        assertEquals(
                "AMOS, single MLM layer 4",
                new VariantResults("single-layer-4", null, 128, 64, none).label());
        assertEquals("random-3000", new VariantResults("random-3000", null, 128, 64, none).label());
    }

    @Test
    void splitsMnliKeysBySplit() {
        var flat =
                JsonParser.parseString(
                                "{\"dev_matched/accuracy\":0.7,\"dev_mismatched/accuracy\":0.6}")
                        .getAsJsonObject();
        var scores = VariantResults.scores(GlueTask.MNLI, flat);
        assertEquals(GlueSplit.DEV_MATCHED, scores.get(0).split());
        assertEquals(0.6, scores.get(1).mainScore(), 1e-12);
    }

    @Test
    void marksOnlyDifferencesWhoseSeedRangesDoNotOverlap() {
        var reference = rte(0.62, 0.60, 0.62, 0.64);
        var overlapping = rte(0.58, 0.55, 0.58, 0.61);
        var separated = rte(0.52, 0.50, 0.52, 0.54);
        assertEquals("58.0 [55.0, 61.0]<br>Δ -4.0", ReplicationReport.cell(overlapping, reference));
        assertEquals(
                "52.0 [50.0, 54.0]<br>Δ -10.0 *", ReplicationReport.cell(separated, reference));
        assertEquals("-", ReplicationReport.cell(null, reference));
    }

    private static VariantResults.TaskResult rte(double median, double... seeds) {
        return new VariantResults.TaskResult(
                List.of(new GlueScore(GlueTask.RTE, GlueSplit.DEV, Map.of("accuracy", median))),
                seeds);
    }

    @Test
    void keepsAHandWrittenSectionUpToTheNextHeading() {
        String doc =
                "# T\n\n## What these numbers can and cannot show\n\nAMOS won by noise.\n\n## Setup\n\nx\n";
        assertEquals(
                "## What these numbers can and cannot show\n\nAMOS won by noise.\n\n",
                ReplicationReport.keptSection(doc, ReplicationReport.READING, "fallback"));
        assertEquals(
                "fallback\n",
                ReplicationReport.keptSection("# T\n", ReplicationReport.READING, "fallback"));
    }

    @Test
    void timingsKeepTheLastTimeOfAResumedStepAndSumTasks() throws Exception {
        Path file = dir.resolve("timings.tsv");
        Files.writeString(
                file,
                "pretrain\tamos\t-\t100\npretrain\tamos\t-\t120\nfinetune\tamos\tRTE\t30\n"
                        + "finetune\tamos\tCoLA\t40\n");
        Timings t = Timings.read(file);
        assertEquals(120, t.get("pretrain", "amos"), 1e-9);
        assertEquals(70, t.sum("finetune", "amos"), 1e-9);
        assertEquals(190, t.total(), 1e-9);
    }

    @Test
    void trainSubsampleIsFixedSizedAndInFileOrder() {
        List<GlueExample> all = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            all.add(new GlueExample(String.valueOf(i), "s" + i, null, 0, 0f));
        }
        List<GlueExample> a = GlueFinetuner.subsample(all, 10);
        assertEquals(10, a.size());
        assertEquals(a, GlueFinetuner.subsample(all, 10));
        int[] ids = a.stream().mapToInt(e -> Integer.parseInt(e.id())).toArray();
        for (int i = 1; i < ids.length; i++) {
            assertTrue(ids[i] > ids[i - 1], "file order kept");
        }
        assertTrue(!a.equals(all.subList(0, 10)), "a shuffled subsample, not the head of the file");
        assertEquals(all, GlueFinetuner.subsample(all, 0));
    }
}
