package dev.amos.eval.glue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The splits the GLUE samples in testdata/glue lack (QQP, MNLI, QNLI train: too large for the store
 * the samples were cut from), read from small test fixtures written in their exact official layout.
 */
class GlueFixturesTest {

    private final Path glueDir = GlueTestPaths.fixtureGlueDir();

    private List<GlueExample> read(GlueTask task, GlueSplit split) throws IOException {
        return GlueReader.read(glueDir, task, split);
    }

    private static List<Integer> labels(List<GlueExample> examples) {
        return examples.stream().map(GlueExample::label).toList();
    }

    @Test
    void qqpTrainDevAndTest() throws IOException {
        List<GlueExample> train = read(GlueTask.QQP, GlueSplit.TRAIN);
        assertEquals(List.of(0, 1, 0, 1, 1), labels(train));
        assertEquals("133273", train.get(0).id());
        assertEquals("What can one do after MBBS?", train.get(3).textA());
        assertEquals("What do i do after my MBBS ?", train.get(3).textB());
        assertEquals("Where can I find a \"good\" recipe for \"pancakes?", train.get(4).textA());

        assertEquals(List.of(0, 0, 1, 1), labels(read(GlueTask.QQP, GlueSplit.DEV)));

        List<GlueExample> test = read(GlueTask.QQP, GlueSplit.TEST);
        assertEquals(3, test.size());
        assertEquals(
                new GlueExample(
                        "1",
                        "Which one dissolve in water quikly sugar, salt, methane and carbon di oxide?",
                        "Which fish would survive in salt water?",
                        -1,
                        Float.NaN),
                test.get(1));
    }

    @Test
    void mnliTrainTakesSentencesFromColumns9And10AndTheGoldLabel() throws IOException {
        List<GlueExample> train = read(GlueTask.MNLI, GlueSplit.TRAIN);
        assertEquals(6, train.size());
        GlueExample first = train.get(0);
        assertEquals(
                "Conceptually cream skimming has two basic dimensions - product and geography.",
                first.textA());
        assertEquals("Product and geography are what make cream skimming work. ", first.textB());
        assertEquals(GlueTask.MNLI.labelIndex("neutral"), first.label());
        // label1 says entailment, gold_label (the last column) says contradiction
        assertEquals(GlueTask.MNLI.labelIndex("contradiction"), train.get(5).label());
        assertTrue(train.get(5).textA().startsWith("\"My walkman"));
        assertEquals(List.of(2, 1, 1, 1, 2, 0), labels(train));
    }

    @Test
    void mnliDevMatchedAndMismatchedUseTheGoldLabelNotTheFirstAnnotator() throws IOException {
        assertEquals(List.of(2, 0, 1), labels(read(GlueTask.MNLI, GlueSplit.DEV_MATCHED)));
        List<GlueExample> mismatched = read(GlueTask.MNLI, GlueSplit.DEV_MISMATCHED);
        assertEquals(List.of(0, 0, 1, 2), labels(mismatched));
        assertEquals("It was a \"good\" day.", mismatched.get(3).textA());
    }

    @Test
    void mnliTestSplitsAreUnlabelled() throws IOException {
        List<GlueExample> matched = read(GlueTask.MNLI, GlueSplit.TEST_MATCHED);
        List<GlueExample> mismatched = read(GlueTask.MNLI, GlueSplit.TEST_MISMATCHED);
        assertEquals(2, matched.size());
        assertEquals(3, mismatched.size());
        assertEquals(
                new GlueExample("2", "Please join us.", "Nobody is invited.", -1, Float.NaN),
                mismatched.get(2));
        assertEquals("Hierbas is a name worth looking out for.", matched.get(0).textB());
    }

    @Test
    void qnliTrain() throws IOException {
        List<GlueExample> train = read(GlueTask.QNLI, GlueSplit.TRAIN);
        assertEquals(List.of(1, 1, 0, 0), labels(train));
        assertEquals("What is the name of the \"Nazi\" party?", train.get(3).textA());
        assertEquals(
                "The National Socialist German Workers' Party, known as the \"Nazi Party, was founded in 1920.",
                train.get(3).textB());
        assertEquals("3", train.get(3).id());
    }
}
