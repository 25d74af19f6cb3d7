package dev.amos.eval.glue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amos.model.BadInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reader on small hand-written files, each exercising one property of the real GLUE files. */
class GlueReaderTest {

    @TempDir Path glueDir;

    private Path write(String relativePath, String content) throws IOException {
        return write(relativePath, content.getBytes(StandardCharsets.UTF_8));
    }

    private Path write(String relativePath, byte[] content) throws IOException {
        Path file = glueDir.resolve(relativePath);
        Files.createDirectories(file.getParent());
        return Files.write(file, content);
    }

    private String messageOf(GlueTask task, GlueSplit split) {
        return assertThrows(BadInputException.class, () -> GlueReader.read(glueDir, task, split))
                .getMessage();
    }

    @Test
    void colaWithoutHeaderNorFinalNewline() throws IOException {
        write(
                "CoLA/dev.tsv",
                "gj04\t1\t\tThe sailors rode the breeze clear of the rocks.\n"
                        + "gj04\t0\t*\tThe more books I ask to whom he will give.");
        List<GlueExample> examples = GlueReader.read(glueDir, GlueTask.COLA, GlueSplit.DEV);
        assertEquals(2, examples.size());
        assertEquals(
                new GlueExample(
                        "0", "The sailors rode the breeze clear of the rocks.", null, 1, Float.NaN),
                examples.get(0));
        assertEquals("The more books I ask to whom he will give.", examples.get(1).textA());
        assertEquals(0, examples.get(1).label());
        assertEquals("1", examples.get(1).id());
    }

    @Test
    void byteOrderMarkBeforeHeaderIsIgnoredAndQuotesAreText() throws IOException {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        String body =
                "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n"
                        + "1\t702876\t702977\tAmrozi accused his brother , whom he called \" the witness \" , of lying .\t"
                        + "\" Referring to him as only \" the witness , Amrozi accused his brother .\n"
                        + "0\t2108705\t2108831\tYucaipa owned Dominick 's before selling the chain .\tIt has \"\"\" quotes.\n";
        byte[] content = new byte[bom.length + body.getBytes(StandardCharsets.UTF_8).length];
        System.arraycopy(bom, 0, content, 0, 3);
        System.arraycopy(body.getBytes(StandardCharsets.UTF_8), 0, content, 3, content.length - 3);
        write("MRPC/train.tsv", content);
        List<GlueExample> examples = GlueReader.read(glueDir, GlueTask.MRPC, GlueSplit.TRAIN);
        assertEquals(2, examples.size());
        assertEquals(
                "Amrozi accused his brother , whom he called \" the witness \" , of lying .",
                examples.get(0).textA());
        assertEquals(
                "\" Referring to him as only \" the witness , Amrozi accused his brother .",
                examples.get(0).textB());
        assertEquals(1, examples.get(0).label());
        assertEquals("It has \"\"\" quotes.", examples.get(1).textB());
        assertEquals(0, examples.get(1).label());
    }

    @Test
    void byteOrderMarkOnAHeaderlessFileIsIgnoredToo() throws IOException {
        Path file = write("custom/sentences.tsv", "\uFEFFFine.\t1\nAlso fine.\t0\n");
        GlueFileFormat sentenceThenLabel =
                new GlueFileFormat(
                        "custom/sentences.tsv",
                        false,
                        2,
                        GlueFileFormat.NONE,
                        0,
                        GlueFileFormat.NONE,
                        1);
        List<GlueExample> examples = GlueReader.read(file, GlueTask.SST_2, sentenceThenLabel);
        assertEquals(
                List.of("Fine.", "Also fine."), examples.stream().map(GlueExample::textA).toList());
    }

    @Test
    void testSplitsAreUnlabelledWithTheirIndex() throws IOException {
        write("RTE/test.tsv", "index\tsentence1\tsentence2\n7\tA man sleeps.\tSomeone rests.\n");
        GlueExample example = GlueReader.read(glueDir, GlueTask.RTE, GlueSplit.TEST).get(0);
        assertEquals(
                new GlueExample("7", "A man sleeps.", "Someone rests.", -1, Float.NaN), example);
        assertTrue(!example.isLabelled() && example.isPair());
    }

    @Test
    void stsbScoresAreFloats() throws IOException {
        write(
                "STS-B/dev.tsv",
                "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n"
                        + "0\tmain-captions\tMSRvid\t2012test\t0000\tnone\tnone\tA man dances.\tA man is dancing.\t4.750\n");
        GlueExample example = GlueReader.read(glueDir, GlueTask.STS_B, GlueSplit.DEV).get(0);
        assertEquals(4.75f, example.score());
        assertEquals(-1, example.label());
        assertEquals("A man is dancing.", example.textB());
    }

    @Test
    void crlfLineEndsAreStrippedButALoneCrStaysText() throws IOException {
        write("SST-2/dev.tsv", "sentence\tlabel\r\ngood \r movie\t1\r\nbad\t0\r\n");
        List<GlueExample> examples = GlueReader.read(glueDir, GlueTask.SST_2, GlueSplit.DEV);
        assertEquals(
                List.of("good \r movie", "bad"),
                examples.stream().map(GlueExample::textA).toList());
        assertEquals(List.of(1, 0), examples.stream().map(GlueExample::label).toList());
    }

    @Test
    void missingColumnNamesFileLineAndFieldCount() throws IOException {
        Path file =
                write(
                        "RTE/dev.tsv",
                        "index\tsentence1\tsentence2\tlabel\n"
                                + "0\tA.\tB.\tentailment\n"
                                + "1\tA.\tnot_entailment\n");
        assertEquals(
                file + ":3: expected 4 tab-separated fields, found 3",
                messageOf(GlueTask.RTE, GlueSplit.DEV));
    }

    @Test
    void extraTabIsAnErrorNotAShiftedColumn() throws IOException {
        Path file = write("SST-2/train.tsv", "sentence\tlabel\nfine\t1\nbroken\ttab\t0\n");
        assertEquals(
                file + ":3: expected 2 tab-separated fields, found 3",
                messageOf(GlueTask.SST_2, GlueSplit.TRAIN));
    }

    @Test
    void nonNumericAndOutOfRangeScores() throws IOException {
        String header =
                "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n";
        Path file = write("STS-B/train.tsv", header + "0\tg\tf\ty\t0\tn\tn\tA.\tB.\tfive\n");
        assertEquals(
                file + ":2: expected a number in column 10 (the similarity score), found \"five\"",
                messageOf(GlueTask.STS_B, GlueSplit.TRAIN));
        write("STS-B/train.tsv", header + "0\tg\tf\ty\t0\tn\tn\tA.\tB.\t5.5\n");
        assertTrue(
                messageOf(GlueTask.STS_B, GlueSplit.TRAIN)
                        .endsWith(
                                ":2: expected a similarity score between 0 and 5 in column 10, found 5.5"));
    }

    @Test
    void unknownLabelListsTheTaskLabels() throws IOException {
        Path file =
                write("RTE/train.tsv", "index\tsentence1\tsentence2\tlabel\n0\tA.\tB.\tneutral\n");
        assertEquals(
                file
                        + ":2: expected a RTE label in column 4 (one of: entailment, not_entailment), found \"neutral\"",
                messageOf(GlueTask.RTE, GlueSplit.TRAIN));
    }

    @Test
    void wrongHeaderWidthMeansTheWrongFile() throws IOException {
        Path file = write("QNLI/dev.tsv", "sentence\tlabel\nx\t1\n");
        assertEquals(
                file + ":1: expected a header line with 4 tab-separated fields, found 2",
                messageOf(GlueTask.QNLI, GlueSplit.DEV));
        write("QNLI/dev.tsv", "");
        assertTrue(messageOf(GlueTask.QNLI, GlueSplit.DEV).contains(":1: empty file"));
    }

    @Test
    void missingFileNamesThePath() {
        String message = messageOf(GlueTask.MNLI, GlueSplit.DEV_MISMATCHED);
        assertTrue(
                message.startsWith(glueDir.resolve("MNLI/dev_mismatched.tsv") + ": no such file"),
                message);
        assertTrue(message.contains("GLUE_DIR/MNLI/dev_mismatched.tsv"), message);
    }

    @Test
    void trailingEmptyLinesAreToleratedInnerOnesAreNot() throws IOException {
        write("WNLI/dev.tsv", "index\tsentence1\tsentence2\tlabel\n0\tA.\tB.\t1\n\n\n");
        assertEquals(1, GlueReader.read(glueDir, GlueTask.WNLI, GlueSplit.DEV).size());
        Path file =
                write(
                        "WNLI/dev.tsv",
                        "index\tsentence1\tsentence2\tlabel\n0\tA.\tB.\t1\n\n1\tC.\tD.\t0\n");
        assertEquals(
                file + ":3: expected 4 tab-separated fields, found an empty line",
                messageOf(GlueTask.WNLI, GlueSplit.DEV));
    }

    @Test
    void invalidUtf8IsReportedWithItsLine() throws IOException {
        byte[] content =
                "sentence\tlabel\nok\t1\nbad \u00ff\t0\n".getBytes(StandardCharsets.ISO_8859_1);
        Path file = write("SST-2/dev.tsv", content);
        assertEquals(
                file + ":3: expected UTF-8 text, found an invalid byte sequence",
                messageOf(GlueTask.SST_2, GlueSplit.DEV));
    }

    @Test
    void longLinesSpanningReadBuffersStayWhole() throws IOException {
        String longSentence = "word ".repeat(40_000).strip();
        write("SST-2/train.tsv", "sentence\tlabel\n" + longSentence + "\t1\nshort\t0");
        List<GlueExample> examples = GlueReader.read(glueDir, GlueTask.SST_2, GlueSplit.TRAIN);
        assertEquals(longSentence, examples.get(0).textA());
        assertEquals("short", examples.get(1).textA());
        assertNull(examples.get(1).textB());
    }
}
