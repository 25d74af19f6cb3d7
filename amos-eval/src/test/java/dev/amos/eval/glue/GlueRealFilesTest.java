package dev.amos.eval.glue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Reads every GLUE file present in {@code shared/data/glue} and checks it against the row counts
 * and statistics documented in {@code shared/data/README.md} (the official GLUE sizes).
 */
class GlueRealFilesTest {

    /** Data rows (header excluded) per file, from shared/data/README.md. */
    private static final Map<String, Integer> DOCUMENTED_ROWS = Map.ofEntries(
            Map.entry("CoLA/train.tsv", 8551), Map.entry("CoLA/dev.tsv", 1043), Map.entry("CoLA/test.tsv", 1063),
            Map.entry("SST-2/train.tsv", 67349), Map.entry("SST-2/dev.tsv", 872), Map.entry("SST-2/test.tsv", 1821),
            Map.entry("MRPC/train.tsv", 3668), Map.entry("MRPC/dev.tsv", 408), Map.entry("MRPC/test.tsv", 1725),
            Map.entry("STS-B/train.tsv", 5749), Map.entry("STS-B/dev.tsv", 1500), Map.entry("STS-B/test.tsv", 1379),
            Map.entry("QNLI/dev.tsv", 5463), Map.entry("QNLI/test.tsv", 5463),
            Map.entry("RTE/train.tsv", 2490), Map.entry("RTE/dev.tsv", 277), Map.entry("RTE/test.tsv", 3000),
            Map.entry("WNLI/train.tsv", 635), Map.entry("WNLI/dev.tsv", 71), Map.entry("WNLI/test.tsv", 146),
            Map.entry("diagnostic/diagnostic.tsv", 1104));

    @Test
    void everyPresentFileParsesToItsDocumentedRowCount() throws IOException {
        Path glueDir = GlueTestPaths.sharedGlueDir();
        int filesRead = 0;
        for (GlueTask task : GlueTask.values()) {
            for (GlueSplit split : task.splits()) {
                String relativePath = task.format(split).relativePath();
                if (!Files.exists(glueDir.resolve(relativePath))) {
                    continue;
                }
                Integer documented = DOCUMENTED_ROWS.get(relativePath);
                assertNotNull(documented, relativePath + " is present but has no documented row count");
                List<GlueExample> examples = GlueReader.read(glueDir, task, split);
                assertEquals(documented, examples.size(), relativePath);
                boolean labelled = task.format(split).isLabelled();
                assertTrue(examples.stream().allMatch(e -> e.isLabelled() == labelled), relativePath);
                assertTrue(examples.stream().allMatch(e -> e.isPair() == task.isPair()), relativePath);
                filesRead++;
            }
        }
        assertEquals(DOCUMENTED_ROWS.size(), filesRead, "every documented file was read");
    }

    @Test
    void mrpcTrainLabelsMatchTheDocumentedDistribution() throws IOException {
        List<GlueExample> train = GlueReader.read(GlueTestPaths.sharedGlueDir(), GlueTask.MRPC, GlueSplit.TRAIN);
        assertEquals(2474, train.stream().filter(e -> e.label() == 1).count());
        assertEquals(1194, train.stream().filter(e -> e.label() == 0).count());
        assertTrue(train.get(0).textA().startsWith("Amrozi accused his brother"), "BOM header skipped");
    }

    @Test
    void colaDevLastLineWithoutNewlineIsRead() throws IOException {
        List<GlueExample> dev = GlueReader.read(GlueTestPaths.sharedGlueDir(), GlueTask.COLA, GlueSplit.DEV);
        GlueExample last = dev.get(dev.size() - 1);
        assertEquals("John talked to Bill about himself.", last.textA());
        assertEquals(1, last.label());
        assertEquals("1042", last.id());
    }

    @Test
    void unbalancedQuotesStayInsideTheirRow() throws IOException {
        List<GlueExample> dev = GlueReader.read(GlueTestPaths.sharedGlueDir(), GlueTask.QNLI, GlueSplit.DEV);
        long withQuotes = dev.stream().filter(e -> (e.textA() + e.textB()).contains("\"")).count();
        assertEquals(611, withQuotes, "rows of QNLI/dev.tsv holding a '\"' (grep -c)");
        assertEquals(2702, dev.stream().filter(e -> e.label() == 0).count(), "entailment");
        assertEquals(2761, dev.stream().filter(e -> e.label() == 1).count(), "not_entailment");
    }

    @Test
    void testFilesKeepTheirIndexColumnInOrder() throws IOException {
        Path glueDir = GlueTestPaths.sharedGlueDir();
        for (GlueTask task : List.of(GlueTask.COLA, GlueTask.SST_2, GlueTask.MRPC, GlueTask.STS_B, GlueTask.RTE)) {
            List<GlueExample> test = GlueReader.read(glueDir, task, GlueSplit.TEST);
            assertEquals(IntStream.range(0, test.size()).mapToObj(String::valueOf).toList(),
                    test.stream().map(GlueExample::id).toList(), task.officialName());
        }
    }

    @Test
    void stsbScoresAndSst2Labels() throws IOException {
        Path glueDir = GlueTestPaths.sharedGlueDir();
        List<GlueExample> stsb = GlueReader.read(glueDir, GlueTask.STS_B, GlueSplit.DEV);
        assertEquals(5.0f, stsb.get(0).score());
        assertEquals("A man wearing a hard hat is dancing.", stsb.get(0).textB());
        assertTrue(stsb.stream().allMatch(e -> e.score() >= 0 && e.score() <= 5));
        List<GlueExample> sst2 = GlueReader.read(glueDir, GlueTask.SST_2, GlueSplit.TRAIN);
        assertEquals(37569, sst2.stream().filter(e -> e.label() == 1).count());
        assertEquals("hide new secretions from the parental units ", sst2.get(0).textA());
    }
}
