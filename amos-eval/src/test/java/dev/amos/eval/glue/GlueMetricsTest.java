package dev.amos.eval.glue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Metric values computed by hand (derivations in the comments). */
class GlueMetricsTest {

    private static final double EPS = 1e-12;

    // predictions vs labels: TP at 0 and 3, TN at 1, FP at 2, FN at 4.
    private static final int[] PREDICTED = {1, 0, 1, 1, 0};
    private static final int[] GOLD = {1, 0, 0, 1, 1};

    @Test
    void accuracy() {
        assertEquals(3.0 / 5, GlueMetrics.accuracy(PREDICTED, GOLD), EPS);
    }

    @Test
    void f1OfThePositiveClass() {
        // precision 2/3, recall 2/3 -> F1 = 2TP / (2TP + FP + FN) = 4/6
        assertEquals(2.0 / 3, GlueMetrics.f1(PREDICTED, GOLD), EPS);
        // TP 1, FP 0, FN 2 -> 2 / (2 + 0 + 2)
        assertEquals(0.5, GlueMetrics.f1(new int[] {1, 0, 0}, new int[] {1, 1, 1}), EPS);
        assertEquals(0.0, GlueMetrics.f1(new int[] {0, 0}, new int[] {0, 0}), EPS);
    }

    @Test
    void matthewsCorrelationBinary() {
        // (TP*TN - FP*FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN)) = (2 - 1) / sqrt(3*3*2*2) = 1/6
        assertEquals(1.0 / 6, GlueMetrics.matthewsCorrelation(PREDICTED, GOLD), EPS);
        assertEquals(1.0, GlueMetrics.matthewsCorrelation(GOLD, GOLD), EPS);
        int[] inverted = {0, 1, 1, 0, 0};
        assertEquals(-1.0, GlueMetrics.matthewsCorrelation(inverted, GOLD), EPS);
    }

    @Test
    void matthewsCorrelationIsZeroWhenOneSideHoldsOneClass() {
        assertEquals(0.0, GlueMetrics.matthewsCorrelation(new int[] {1, 1, 1, 1, 1}, GOLD), EPS);
        assertEquals(
                0.0, GlueMetrics.matthewsCorrelation(PREDICTED, new int[] {0, 0, 0, 0, 0}), EPS);
    }

    @Test
    void matthewsCorrelationMultiClass() {
        // correct c = 3 of s = 6; true counts t = (2,2,2); predicted counts p = (3,1,2)
        // (c*s - p.t) / sqrt((s^2 - p.p)(s^2 - t.t)) = (18 - 12) / sqrt((36 - 14)(36 - 12)) = 6 /
        // sqrt(528)
        int[] gold = {0, 1, 2, 0, 1, 2};
        int[] predicted = {0, 2, 1, 0, 0, 2};
        assertEquals(6 / Math.sqrt(528), GlueMetrics.matthewsCorrelation(predicted, gold), EPS);
    }

    @Test
    void pearson() {
        // x - 3 = (-2,-1,0,1,2), y - 4 = (-2,0,1,0,1): sum dx*dy = 6, sum dx^2 = 10, sum dy^2 = 6
        double[] x = {1, 2, 3, 4, 5};
        double[] y = {2, 4, 5, 4, 5};
        assertEquals(6 / Math.sqrt(60), GlueMetrics.pearson(x, y), EPS);
        assertEquals(-1.0, GlueMetrics.pearson(x, new double[] {10, 8, 6, 4, 2}), EPS);
        assertEquals(
                0.0, GlueMetrics.pearson(x, new double[] {3, 3, 3, 3, 3}), EPS, "constant side");
    }

    @Test
    void spearmanAveragesTiedRanks() {
        // ranks of y = (2,4,5,4,5): 2 -> 1; the two 4s share (2+3)/2 = 2.5; the two 5s share
        // (4+5)/2 = 4.5
        double[] y = {2, 4, 5, 4, 5};
        assertArrayEquals(new double[] {1, 2.5, 4.5, 2.5, 4.5}, GlueMetrics.averageRanks(y), EPS);
        // rank(x) - 3 = (-2,-1,0,1,2), rank(y) - 3 = (-2,-0.5,1.5,-0.5,1.5):
        // sum of products 4 + 0.5 + 0 - 0.5 + 3 = 7, sums of squares 10 and 9
        double[] x = {1, 2, 3, 4, 5};
        assertEquals(7 / Math.sqrt(90), GlueMetrics.spearman(x, y), EPS);
        // monotone but non-linear: Spearman 1, Pearson below 1
        double[] cubes = {1, 8, 27, 64, 125};
        assertEquals(1.0, GlueMetrics.spearman(x, cubes), EPS);
        assertTrue(GlueMetrics.pearson(x, cubes) < 0.99);
    }

    @Test
    void metricsForEachTaskAndMainScore() {
        Map<String, Double> mrpc = GlueMetrics.metricsFor(GlueTask.MRPC, PREDICTED, GOLD);
        assertEquals(List.of("accuracy", "f1"), List.copyOf(mrpc.keySet()));
        assertEquals(0.6, mrpc.get("accuracy"), EPS);
        assertEquals(2.0 / 3, mrpc.get("f1"), EPS);
        assertEquals(0.6, GlueMetrics.mainScore(GlueTask.MRPC, mrpc), EPS);

        Map<String, Double> cola = GlueMetrics.metricsFor(GlueTask.COLA, PREDICTED, GOLD);
        assertEquals(List.of("mcc"), List.copyOf(cola.keySet()));
        assertEquals(1.0 / 6, GlueMetrics.mainScore(GlueTask.COLA, cola), EPS);

        GlueScore stsb =
                GlueMetrics.score(
                        GlueTask.STS_B,
                        GlueSplit.DEV,
                        new double[] {1, 2, 3, 4, 5},
                        new double[] {2, 4, 5, 4, 5});
        assertEquals(List.of("pearson", "spearman"), List.copyOf(stsb.metrics().keySet()));
        assertEquals(7 / Math.sqrt(90), stsb.mainScore(), EPS, "STS-B reports Spearman");

        GlueScore mnli =
                GlueMetrics.score(
                        GlueTask.MNLI,
                        GlueSplit.DEV_MISMATCHED,
                        new int[] {0, 1, 2, 2},
                        new int[] {0, 1, 2, 1});
        assertEquals(Map.of("accuracy", 0.75), mnli.metrics());
    }

    @Test
    void rejectsMismatchedInputs() {
        assertThrows(
                IllegalArgumentException.class,
                () -> GlueMetrics.accuracy(new int[] {1}, new int[] {1, 0}));
        assertThrows(
                IllegalArgumentException.class, () -> GlueMetrics.accuracy(new int[0], new int[0]));
        assertThrows(
                IllegalArgumentException.class,
                () -> GlueMetrics.metricsFor(GlueTask.RTE, new int[] {0}, new int[] {-1}),
                "unlabelled");
        assertThrows(
                IllegalArgumentException.class,
                () -> GlueMetrics.metricsFor(GlueTask.RTE, new int[] {2}, new int[] {0}),
                "no label 2");
        assertThrows(
                IllegalArgumentException.class,
                () -> GlueMetrics.metricsFor(GlueTask.STS_B, new int[] {0}, new int[] {0}));
        assertThrows(
                IllegalArgumentException.class,
                () -> GlueMetrics.metricsFor(GlueTask.COLA, new double[] {0}, new double[] {0}));
        assertThrows(
                IllegalArgumentException.class,
                () -> GlueMetrics.spearman(new double[] {1, 2}, new double[] {Double.NaN, 1}));
    }

    @Test
    void goldValuesComeFromExamples() {
        List<GlueExample> examples =
                List.of(
                        new GlueExample("0", "a", "b", 2, Float.NaN),
                        new GlueExample("1", "c", "d", 0, Float.NaN));
        assertArrayEquals(new int[] {2, 0}, GlueMetrics.labels(examples));
        List<GlueExample> scored = List.of(new GlueExample("0", "a", "b", -1, 3.5f));
        assertArrayEquals(new double[] {3.5}, GlueMetrics.scores(scored), EPS);
    }
}
