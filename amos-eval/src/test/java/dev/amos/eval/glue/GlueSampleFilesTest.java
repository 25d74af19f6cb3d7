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
 * Reads every GLUE sample in {@code testdata/glue} (the first rows of the real files, byte for
 * byte, see {@code testdata/README.md}) and checks the counts and quirks of the real files that the
 * samples keep. The expected numbers were counted with {@code awk} on the sample files.
 */
class GlueSampleFilesTest {

    /** Data rows (header excluded) per sample file. */
    private static final Map<String, Integer> SAMPLE_ROWS =
            Map.ofEntries(
                    Map.entry("CoLA/train.tsv", 64),
                    Map.entry("CoLA/dev.tsv", 64),
                    Map.entry("CoLA/test.tsv", 64),
                    Map.entry("SST-2/train.tsv", 4000),
                    Map.entry("SST-2/dev.tsv", 256),
                    Map.entry("SST-2/test.tsv", 64),
                    Map.entry("MRPC/train.tsv", 64),
                    Map.entry("MRPC/dev.tsv", 64),
                    Map.entry("MRPC/test.tsv", 64),
                    Map.entry("STS-B/train.tsv", 64),
                    Map.entry("STS-B/dev.tsv", 64),
                    Map.entry("STS-B/test.tsv", 64),
                    Map.entry("QNLI/dev.tsv", 80),
                    Map.entry("QNLI/test.tsv", 64),
                    Map.entry("RTE/train.tsv", 64),
                    Map.entry("RTE/dev.tsv", 64),
                    Map.entry("RTE/test.tsv", 64),
                    Map.entry("WNLI/train.tsv", 64),
                    Map.entry("WNLI/dev.tsv", 64),
                    Map.entry("WNLI/test.tsv", 64),
                    Map.entry("diagnostic/diagnostic.tsv", 64));

    @Test
    void everyPresentFileParsesToItsRowCount() throws IOException {
        Path glueDir = GlueTestPaths.sampleGlueDir();
        int filesRead = 0;
        for (GlueTask task : GlueTask.values()) {
            for (GlueSplit split : task.splits()) {
                String relativePath = task.format(split).relativePath();
                if (!Files.exists(glueDir.resolve(relativePath))) {
                    continue;
                }
                Integer rows = SAMPLE_ROWS.get(relativePath);
                assertNotNull(rows, relativePath + " is present but has no row count here");
                List<GlueExample> examples = GlueReader.read(glueDir, task, split);
                assertEquals(rows, examples.size(), relativePath);
                boolean labelled = task.format(split).isLabelled();
                assertTrue(
                        examples.stream().allMatch(e -> e.isLabelled() == labelled), relativePath);
                assertTrue(
                        examples.stream().allMatch(e -> e.isPair() == task.isPair()), relativePath);
                filesRead++;
            }
        }
        assertEquals(SAMPLE_ROWS.size(), filesRead, "every sample file was read");
    }

    @Test
    void mrpcTrainLabelsMatchTheDocumentedDistribution() throws IOException {
        List<GlueExample> train =
                GlueReader.read(GlueTestPaths.sampleGlueDir(), GlueTask.MRPC, GlueSplit.TRAIN);
        assertEquals(39, train.stream().filter(e -> e.label() == 1).count());
        assertEquals(25, train.stream().filter(e -> e.label() == 0).count());
        assertTrue(
                train.get(0).textA().startsWith("Amrozi accused his brother"),
                "BOM header skipped");
    }

    @Test
    void colaDevLastLineWithoutNewlineIsRead() throws IOException {
        List<GlueExample> dev =
                GlueReader.read(GlueTestPaths.sampleGlueDir(), GlueTask.COLA, GlueSplit.DEV);
        GlueExample last = dev.get(dev.size() - 1);
        assertEquals(
                "Fred talked about everything before Rusty did talk about something.",
                last.textA());
        assertEquals(1, last.label());
        assertEquals("63", last.id());
    }

    @Test
    void unbalancedQuotesStayInsideTheirRow() throws IOException {
        List<GlueExample> dev =
                GlueReader.read(GlueTestPaths.sampleGlueDir(), GlueTask.QNLI, GlueSplit.DEV);
        long withQuotes = dev.stream().filter(e -> (e.textA() + e.textB()).contains("\"")).count();
        assertEquals(26, withQuotes, "rows of QNLI/dev.tsv holding a '\"' (grep -c)");
        assertEquals(44, dev.stream().filter(e -> e.label() == 0).count(), "entailment");
        assertEquals(36, dev.stream().filter(e -> e.label() == 1).count(), "not_entailment");
    }

    @Test
    void testFilesKeepTheirIndexColumnInOrder() throws IOException {
        Path glueDir = GlueTestPaths.sampleGlueDir();
        for (GlueTask task :
                List.of(
                        GlueTask.COLA,
                        GlueTask.SST_2,
                        GlueTask.MRPC,
                        GlueTask.STS_B,
                        GlueTask.RTE)) {
            List<GlueExample> test = GlueReader.read(glueDir, task, GlueSplit.TEST);
            assertEquals(
                    IntStream.range(0, test.size()).mapToObj(String::valueOf).toList(),
                    test.stream().map(GlueExample::id).toList(),
                    task.officialName());
        }
    }

    @Test
    void stsbScoresAndSst2Labels() throws IOException {
        Path glueDir = GlueTestPaths.sampleGlueDir();
        List<GlueExample> stsb = GlueReader.read(glueDir, GlueTask.STS_B, GlueSplit.DEV);
        assertEquals(5.0f, stsb.get(0).score());
        assertEquals("A man wearing a hard hat is dancing.", stsb.get(0).textB());
        assertTrue(stsb.stream().allMatch(e -> e.score() >= 0 && e.score() <= 5));
        List<GlueExample> sst2 = GlueReader.read(glueDir, GlueTask.SST_2, GlueSplit.TRAIN);
        assertEquals(2193, sst2.stream().filter(e -> e.label() == 1).count());
        assertEquals("hide new secretions from the parental units ", sst2.get(0).textA());
    }
}
