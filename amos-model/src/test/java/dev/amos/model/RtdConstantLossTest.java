package dev.amos.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/**
 * {@link PretrainOutput#rtdConstantLoss()} is the loss of the best input-blind discriminator: a
 * discriminator whose logit is the same everywhere reaches it exactly at the batch's log-odds of
 * "original" and stays above it at any other constant; pad tokens count in neither.
 */
class RtdConstantLossTest {

    // two sequences of 5; the last token of the second is pad. Non-pad: 9 tokens, 6 original.
    private static final float[] LABELS = {1, 0, 1, 1, 0, 1, 1, 0, 1, 0};
    private static final long[] ATTENTION = {1, 1, 1, 1, 1, 1, 1, 1, 1, 0};

    private static PretrainOutput withConstantLogit(NDManager m, float logit, float[] labels) {
        Shape s = new Shape(2, 5);
        float[] logits = new float[10];
        java.util.Arrays.fill(logits, logit);
        return new PretrainOutput(
                m.zeros(new Shape(1, 4)),
                m.create(new long[] {0}),
                m.create(logits, s),
                m.create(labels, s),
                m.create(ATTENTION, s),
                null,
                m.create(new long[] {1}));
    }

    private static double entropy(double q) {
        return -(q * Math.log(q) + (1 - q) * Math.log(1 - q));
    }

    @Test
    void theBestConstantLogitReachesItAndNoOtherConstantDoes() {
        double q = 6.0 / 9; // share of non-pad tokens left original
        try (NDManager m = NDManager.newBaseManager()) {
            float best = (float) Math.log(q / (1 - q));
            PretrainOutput atBest = withConstantLogit(m, best, LABELS);
            double constant = atBest.rtdConstantLoss().getFloat();
            assertEquals(
                    entropy(q), constant, 1e-6, "H(6/9); with the pad token it would be H(6/10)");
            assertEquals(constant, atBest.rtdLoss().getFloat(), 1e-6);
            for (float other : new float[] {best - 0.5f, best + 0.5f, 0f, 3f}) {
                double loss = withConstantLogit(m, other, LABELS).rtdLoss().getFloat();
                assertTrue(loss > constant + 1e-4, "logit " + other + ": " + loss);
            }
        }
    }

    @Test
    void aBatchWithNothingReplacedHasNothingToPredict() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] allOriginal = new float[10];
            java.util.Arrays.fill(allOriginal, 1f);
            double constant = withConstantLogit(m, 0f, allOriginal).rtdConstantLoss().getFloat();
            assertEquals(0.0, constant, 1e-7, "0 ln 0 = 0, not NaN");
        }
    }

    @Test
    void mlmHasNone() {
        try (NDManager m = NDManager.newBaseManager()) {
            PretrainOutput mlm =
                    new PretrainOutput(
                            m.zeros(new Shape(1, 4)),
                            m.create(new long[] {0}),
                            null,
                            null,
                            m.create(ATTENTION, new Shape(2, 5)),
                            null,
                            null);
            assertNull(mlm.rtdConstantLoss());
        }
    }
}
