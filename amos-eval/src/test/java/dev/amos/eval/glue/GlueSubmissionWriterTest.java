package dev.amos.eval.glue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GlueSubmissionWriterTest {

    @TempDir Path out;

    private static List<GlueExample> unlabelled(String... ids) {
        return Stream.of(ids)
                .map(id -> new GlueExample(id, "text " + id, "other", -1, Float.NaN))
                .toList();
    }

    @Test
    void leaderboardFileNames() {
        assertEquals("CoLA.tsv", GlueSubmissionWriter.fileName(GlueTask.COLA, GlueSplit.TEST));
        assertEquals("SST-2.tsv", GlueSubmissionWriter.fileName(GlueTask.SST_2, GlueSplit.TEST));
        assertEquals("STS-B.tsv", GlueSubmissionWriter.fileName(GlueTask.STS_B, GlueSplit.TEST));
        assertEquals(
                "MNLI-m.tsv", GlueSubmissionWriter.fileName(GlueTask.MNLI, GlueSplit.TEST_MATCHED));
        assertEquals(
                "MNLI-mm.tsv",
                GlueSubmissionWriter.fileName(GlueTask.MNLI, GlueSplit.TEST_MISMATCHED));
        assertEquals("AX.tsv", GlueSubmissionWriter.fileName(GlueTask.MNLI, GlueSplit.DIAGNOSTIC));
        assertEquals("WNLI.tsv", GlueSubmissionWriter.fileName(GlueTask.WNLI, GlueSplit.TEST));
        assertThrows(
                IllegalArgumentException.class,
                () -> GlueSubmissionWriter.fileName(GlueTask.RTE, GlueSplit.DEV));
        assertThrows(
                IllegalArgumentException.class,
                () -> GlueSubmissionWriter.fileName(GlueTask.RTE, GlueSplit.TEST_MATCHED));
    }

    @Test
    void classificationWritesLabelStringsUnderTheFileIndex() throws IOException {
        Path file =
                GlueSubmissionWriter.write(
                        out.resolve("submission"),
                        GlueTask.MNLI,
                        GlueSplit.TEST_MISMATCHED,
                        unlabelled("0", "1", "7"),
                        new int[] {2, 0, 1});
        assertEquals(out.resolve("submission/MNLI-mm.tsv"), file);
        assertEquals(
                "index\tprediction\n0\tneutral\n1\tcontradiction\n7\tentailment\n",
                Files.readString(file));

        Path cola =
                GlueSubmissionWriter.write(
                        out, GlueTask.COLA, GlueSplit.TEST, unlabelled("0", "1"), new int[] {1, 0});
        assertEquals("index\tprediction\n0\t1\n1\t0\n", Files.readString(cola));
    }

    @Test
    void stsbWritesPlainFloats() throws IOException {
        Path file =
                GlueSubmissionWriter.write(
                        out,
                        GlueTask.STS_B,
                        GlueSplit.TEST,
                        unlabelled("0", "1", "2"),
                        new double[] {3.25, 0.0001, 5.0});
        assertEquals("index\tprediction\n0\t3.25\n1\t0.0001\n2\t5\n", Files.readString(file));
    }

    @Test
    void replacesAtomicallyAndLeavesTheOldFileOnBadInput() throws IOException {
        Path file =
                GlueSubmissionWriter.write(
                        out, GlueTask.RTE, GlueSplit.TEST, unlabelled("0"), new int[] {1});
        GlueSubmissionWriter.write(
                out, GlueTask.RTE, GlueSplit.TEST, unlabelled("0", "1"), new int[] {0, 1});
        assertEquals(
                "index\tprediction\n0\tentailment\n1\tnot_entailment\n", Files.readString(file));

        assertThrows(
                IllegalArgumentException.class,
                () ->
                        GlueSubmissionWriter.write(
                                out,
                                GlueTask.RTE,
                                GlueSplit.TEST,
                                unlabelled("0", "1"),
                                new int[] {0}));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        GlueSubmissionWriter.write(
                                out, GlueTask.RTE, GlueSplit.TEST, unlabelled("0"), new int[] {2}));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        GlueSubmissionWriter.write(
                                out,
                                GlueTask.STS_B,
                                GlueSplit.TEST,
                                unlabelled("0"),
                                new double[] {Double.NaN}));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        GlueSubmissionWriter.write(
                                out,
                                GlueTask.RTE,
                                GlueSplit.TEST,
                                unlabelled("0"),
                                new double[] {0.5}));
        assertEquals(
                "index\tprediction\n0\tentailment\n1\tnot_entailment\n", Files.readString(file));
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(List.of(file), files.toList(), "no temporary file left behind");
        }
    }

    @Test
    void roundTripsTheRealTestIndexOrder() throws IOException {
        Path glueDir = GlueTestPaths.sampleGlueDir();
        List<GlueExample> test = GlueReader.read(glueDir, GlueTask.WNLI, GlueSplit.TEST);
        int[] predictions = test.stream().mapToInt(e -> e.textB().length() % 2).toArray();
        List<String> lines =
                Files.readAllLines(
                        GlueSubmissionWriter.write(
                                out, GlueTask.WNLI, GlueSplit.TEST, test, predictions));
        assertEquals(64, test.size(), "rows of testdata/glue/WNLI/test.tsv");
        assertEquals(test.size() + 1, lines.size());
        assertEquals("63\t" + predictions[63], lines.get(64));
    }
}
