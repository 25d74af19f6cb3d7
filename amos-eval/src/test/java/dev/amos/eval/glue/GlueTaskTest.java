package dev.amos.eval.glue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amos.model.BadInputException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class GlueTaskTest {

    @Test
    void parsesOfficialNamesCaseInsensitivelyAndAliases() {
        for (GlueTask task : GlueTask.values()) {
            assertEquals(task, GlueTask.parse(task.officialName()));
            assertEquals(task, GlueTask.parse(task.officialName().toUpperCase()));
            assertEquals(task, GlueTask.parse(task.officialName().toLowerCase()));
        }
        assertEquals(GlueTask.SST_2, GlueTask.parse("sst2"));
        assertEquals(GlueTask.STS_B, GlueTask.parse("stsb"));
        assertEquals(GlueTask.STS_B, GlueTask.parse("sts_b"));
        assertEquals(GlueTask.COLA, GlueTask.parse("cola"));
    }

    @Test
    void unknownTaskListsTheValidNames() {
        BadInputException error =
                assertThrows(BadInputException.class, () -> GlueTask.parse("SQuAD"));
        assertTrue(error.getMessage().contains("\"SQuAD\""), error.getMessage());
        assertTrue(
                error.getMessage().contains("CoLA, SST-2, MRPC, STS-B, QQP, MNLI, QNLI, RTE, WNLI"),
                error.getMessage());
    }

    @Test
    void labelListsInCanonicalOrder() {
        assertEquals(List.of("contradiction", "entailment", "neutral"), GlueTask.MNLI.labels());
        assertEquals(List.of("entailment", "not_entailment"), GlueTask.RTE.labels());
        assertEquals(List.of("entailment", "not_entailment"), GlueTask.QNLI.labels());
        for (GlueTask task :
                List.of(
                        GlueTask.COLA,
                        GlueTask.SST_2,
                        GlueTask.MRPC,
                        GlueTask.QQP,
                        GlueTask.WNLI)) {
            assertEquals(List.of("0", "1"), task.labels(), task.officialName());
        }
        assertTrue(GlueTask.STS_B.isRegression());
        assertEquals(1, GlueTask.STS_B.outputSize());
        assertEquals(3, GlueTask.MNLI.outputSize());
        assertEquals(
                Arrays.stream(GlueTask.values()).filter(GlueTask::isRegression).toList(),
                List.of(GlueTask.STS_B));
        assertEquals(1, GlueTask.RTE.labelIndex("not_entailment"));
        assertEquals(-1, GlueTask.RTE.labelIndex("neutral"));
    }

    @Test
    void metricsAndMainMetricFollowTheGlueTable() {
        assertEquals(List.of("mcc"), GlueTask.COLA.metrics());
        assertEquals(List.of("pearson", "spearman"), GlueTask.STS_B.metrics());
        assertEquals(List.of("accuracy", "f1"), GlueTask.MRPC.metrics());
        assertEquals(List.of("accuracy", "f1"), GlueTask.QQP.metrics());
        for (GlueTask task :
                List.of(
                        GlueTask.SST_2,
                        GlueTask.MNLI,
                        GlueTask.QNLI,
                        GlueTask.RTE,
                        GlueTask.WNLI)) {
            assertEquals(List.of("accuracy"), task.metrics(), task.officialName());
            assertEquals("accuracy", task.mainMetric());
        }
        assertEquals("mcc", GlueTask.COLA.mainMetric());
        assertEquals("spearman", GlueTask.STS_B.mainMetric());
        assertEquals("accuracy", GlueTask.MRPC.mainMetric());
    }

    @Test
    void splitsAndFileLayouts() {
        assertEquals(
                List.of(GlueSplit.DEV_MATCHED, GlueSplit.DEV_MISMATCHED),
                GlueTask.MNLI.devSplits());
        assertEquals(
                List.of(GlueSplit.TEST_MATCHED, GlueSplit.TEST_MISMATCHED, GlueSplit.DIAGNOSTIC),
                GlueTask.MNLI.testSplits());
        assertEquals(List.of(GlueSplit.DEV), GlueTask.RTE.devSplits());
        assertEquals(List.of(GlueSplit.TEST), GlueTask.COLA.testSplits());

        GlueFileFormat mnliDev = GlueTask.MNLI.format(GlueSplit.DEV_MATCHED);
        assertEquals("MNLI/dev_matched.tsv", mnliDev.relativePath());
        assertEquals(16, mnliDev.fieldCount());
        assertEquals(8, mnliDev.textAColumn());
        assertEquals(9, mnliDev.textBColumn());
        assertEquals(15, mnliDev.labelColumn());
        assertEquals(
                "diagnostic/diagnostic.tsv",
                GlueTask.MNLI.format(GlueSplit.DIAGNOSTIC).relativePath());

        GlueFileFormat colaTrain = GlueTask.COLA.format(GlueSplit.TRAIN);
        assertFalse(colaTrain.hasHeader());
        assertFalse(colaTrain.isPair());
        assertTrue(GlueTask.COLA.format(GlueSplit.TEST).hasHeader());
        assertFalse(GlueTask.QQP.format(GlueSplit.TEST).isLabelled());
        assertTrue(GlueTask.MRPC.isPair());
        assertFalse(GlueTask.SST_2.isPair());

        BadInputException error =
                assertThrows(BadInputException.class, () -> GlueTask.MNLI.format(GlueSplit.DEV));
        assertTrue(error.getMessage().contains("dev_matched, dev_mismatched"), error.getMessage());
        assertEquals(GlueSplit.DEV_MISMATCHED, GlueSplit.parse("dev-mismatched"));
        assertThrows(BadInputException.class, () -> GlueSplit.parse("validation"));
    }
}
