package dev.amos.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The sampler alone: exact sampling, straight-through gradient, tau only in the backward pass. */
class GumbelSoftmaxReversalTest {

    private static final float[] LOGITS = {1.5f, 0.5f, -0.5f, -1.5f, 0.9f};

    @Test
    void sampledFrequenciesMatchSoftmaxOverManyDraws() {
        int n = 200_000;
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(42);
            NDArray logits = m.create(LOGITS).expandDims(0).repeat(0, n);
            NDList out = sample(new GumbelSoftmaxReversal(0.3f), logits);
            long[] ids = out.get(1).toLongArray();
            double[] freq = new double[5];
            for (long id : ids) {
                freq[(int) id] += 1.0 / n;
            }
            float[] p = m.create(LOGITS).softmax(0).toFloatArray();
            double chi2 = 0;
            for (int k = 0; k < 5; k++) {
                assertEquals(p[k], freq[k], 0.01, "token " + k);
                chi2 += n * Math.pow(freq[k] - p[k], 2) / p[k];
            }
            assertTrue(
                    chi2 < 18.47, "chi-square " + chi2 + " exceeds the 0.999 quantile for 4 dof");
            // the forward value is exactly the one-hot of the sample
            float[] y = out.get(0).get("0:1000").toFloatArray();
            for (int i = 0; i < 1000; i++) {
                for (int k = 0; k < 5; k++) {
                    assertEquals(k == ids[i] ? 1f : 0f, y[i * 5 + k], 0f);
                }
            }
        }
    }

    @Test
    void tauChangesTheBackwardPassButNotTheSample() {
        try (NDManager m = NDManager.newBaseManager()) {
            Run a = run(m, 0.3f);
            Run b = run(m, 1.0f);
            assertArrayEquals(a.sample, b.sample, "same noise, same sample, whatever tau");
            assertArrayEquals(a.y, b.y, 0f);
            assertFalse(Arrays.equals(a.grad, b.grad), "tau must change the gradient");
            boolean nonZero = false;
            for (float g : a.grad) {
                nonZero |= g != 0f;
            }
            assertTrue(nonZero, "the straight-through gradient reaches the logits");
        }
    }

    @Test
    void reversalNegatesTheGradientExactly() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] reversed = run(m, 0.3f).grad;
            float[] plain = run(m, 0.3f, false).grad;
            for (int i = 0; i < plain.length; i++) {
                assertEquals(-plain[i], reversed[i], 0f);
            }
        }
    }

    @Test
    void temperedLogitsGiveTheSameSampleAndGradient() {
        float tau = 0.3f;
        try (NDManager m = NDManager.newBaseManager()) {
            Run plain = run(m, tau);
            // what Amos does: the sampler gets logits / tau (there, the mixture of gamma / tau)
            NDArray logits = m.create(LOGITS).expandDims(0).repeat(0, 64);
            logits.setRequiresGradient(true);
            NDArray weights = m.arange(5f).expandDims(0).repeat(0, 64).mul(0.37f).sin();
            Engine.getInstance().setRandomSeed(5);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                GumbelSoftmaxReversal sampler = new GumbelSoftmaxReversal(tau);
                NDList s = sampler.sampleStraightThroughTempered(logits.mul(1f / tau));
                NDArray y = s.get(1).oneHot(5, DataType.FLOAT32).add(s.get(0));
                gc.backward(y.mul(weights).sum());
                assertArrayEquals(plain.sample, s.get(1).toLongArray(), "the same draws");
                assertArrayEquals(plain.y, y.toFloatArray(), 0f);
                float[] grad = logits.getGradient().toFloatArray();
                boolean nonZero = false;
                for (int i = 0; i < grad.length; i++) {
                    assertEquals(
                            plain.grad[i], grad[i], 1e-5f * Math.max(1f, Math.abs(plain.grad[i])));
                    nonZero |= grad[i] != 0f;
                }
                assertTrue(nonZero, "the straight-through gradient reaches the logits");
            }
        }
    }

    /**
     * [y = one_hot(sampled) + delta, sampled]: the sample as {@link Amos} reads it ({@code y E =
     * E[sampled] + delta E}).
     */
    private static NDList sample(GumbelSoftmaxReversal sampler, NDArray logits) {
        NDList s = sampler.sampleStraightThrough(logits);
        NDArray hard =
                s.get(1).oneHot((int) logits.getShape().getLastDimension(), DataType.FLOAT32);
        return new NDList(hard.add(s.get(0)), s.get(1));
    }

    private record Run(long[] sample, float[] y, float[] grad) {}

    private static Run run(NDManager m, float tau) {
        return run(m, tau, true);
    }

    private static Run run(NDManager m, float tau, boolean reverse) {
        NDArray logits = m.create(LOGITS).expandDims(0).repeat(0, 64);
        logits.setRequiresGradient(true);
        NDArray weights = m.arange(5f).expandDims(0).repeat(0, 64).mul(0.37f).sin();
        Engine.getInstance().setRandomSeed(5);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDList out = sample(new GumbelSoftmaxReversal(tau).setReverseGradient(reverse), logits);
            gc.backward(out.get(0).mul(weights).sum());
            return new Run(
                    out.get(1).toLongArray(),
                    out.get(0).toFloatArray(),
                    logits.getGradient().toFloatArray());
        }
    }
}
