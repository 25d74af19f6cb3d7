package dev.amos.train.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.training.GradientCollector;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GradientClippingTest {

    /** Gradients of A and B; their global norm is sqrt(9 + 16 + 144) = 13. */
    private static final float[] GRAD_A = {3f, 0f, -4f};

    private static final float[] GRAD_B = {12f};
    private static final float NORM = 13f;

    private NDManager manager;
    private Parameter a;
    private Parameter b;

    @BeforeEach
    void createParameters() {
        manager = NDManager.newBaseManager(Device.cpu());
        a = parameter("a", new float[] {1f, 2f, 3f});
        b = parameter("b", new float[] {-1f});
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }

    @Test
    void clipsToMaxNormAndReturnsTheNormBeforeClipping() {
        backward(GRAD_A, GRAD_B);
        float maxNorm = 6.5f;
        try (NDArray norm = GradientClipping.clipGlobalNorm(params(a, b), maxNorm)) {
            assertEquals(0, norm.getShape().dimension());
            assertEquals(NORM, norm.getFloat(), 1e-5f);
        }
        double scale = maxNorm / (NORM + 1e-6);
        assertArrayEquals(scaled(GRAD_A, scale), gradient(a), 1e-6f);
        assertArrayEquals(scaled(GRAD_B, scale), gradient(b), 1e-6f);
        try (NDArray after = normWithoutClipping()) {
            assertEquals(maxNorm, after.getFloat(), 1e-5f);
        }
    }

    @Test
    void leavesGradientsBitIdenticalBelowTheThreshold() {
        backward(GRAD_A, GRAD_B);
        try (NDArray norm = GradientClipping.clipGlobalNorm(params(a, b), 13.5f)) {
            assertEquals(NORM, norm.getFloat(), 1e-5f);
        }
        assertArrayEquals(GRAD_A, gradient(a));
        assertArrayEquals(GRAD_B, gradient(b));
    }

    @Test
    void countsAndScalesASharedParameterOnce() {
        backward(GRAD_A, GRAD_B);
        ParameterList shared = new ParameterList(List.of("a", "b", "tiedA"), List.of(a, b, a));
        try (NDArray norm = GradientClipping.clipGlobalNorm(shared, 6.5f)) {
            assertEquals(NORM, norm.getFloat(), 1e-5f);
        }
        assertArrayEquals(scaled(GRAD_A, 6.5 / (NORM + 1e-6)), gradient(a), 1e-6f);
    }

    @Test
    void nonFiniteGradientsAreFlaggedAndCanBeZeroed() {
        backward(new float[] {1f, Float.NaN, 2f}, GRAD_B);
        try (NDArray norm = GradientClipping.clipGlobalNorm(params(a, b), 1f)) {
            assertFalse(
                    Float.isFinite(norm.getFloat()), "a NaN gradient makes the norm non-finite");
        }
        GradientClipping.zeroGradients(params(a, b));
        assertArrayEquals(new float[3], gradient(a));
        assertArrayEquals(new float[1], gradient(b));

        backward(new float[] {1f, Float.POSITIVE_INFINITY, 2f}, GRAD_B);
        try (NDArray norm = normWithoutClipping()) {
            assertFalse(Float.isFinite(norm.getFloat()), "so does an infinite one");
        }
    }

    @Test
    void finiteGradientsGiveAFiniteNormAndAHugeLimitChangesNothing() {
        backward(GRAD_A, GRAD_B);
        try (NDArray norm = normWithoutClipping()) {
            assertTrue(Float.isFinite(norm.getFloat()));
            assertEquals(NORM, norm.getFloat(), 1e-5f);
        }
        assertArrayEquals(GRAD_A, gradient(a));
    }

    /**
     * The global norm, read through clipGlobalNorm with a limit no norm reaches (scale exactly 1).
     */
    private NDArray normWithoutClipping() {
        return GradientClipping.clipGlobalNorm(params(a, b), Float.MAX_VALUE);
    }

    private Parameter parameter(String name, float[] values) {
        Parameter param =
                Parameter.builder()
                        .setName(name)
                        .setType(Parameter.Type.WEIGHT)
                        .optArray(manager.create(values))
                        .build();
        param.initialize(manager, DataType.FLOAT32);
        return param;
    }

    private static ParameterList params(Parameter... params) {
        ParameterList list = new ParameterList();
        for (Parameter param : params) {
            list.add(param.getName(), param);
        }
        return list;
    }

    /** Makes the gradients of a and b exactly gradA and gradB (after zeroing earlier ones). */
    private void backward(float[] gradA, float[] gradB) {
        GradientClipping.zeroGradients(params(a, b));
        try (NDManager step = manager.newSubManager();
                GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray loss =
                    a.getArray()
                            .mul(step.create(gradA))
                            .sum()
                            .add(b.getArray().mul(step.create(gradB)).sum());
            collector.backward(loss);
        }
    }

    private static float[] gradient(Parameter param) {
        try (NDArray grad = param.getArray().getGradient()) {
            return grad.toFloatArray();
        }
    }

    private static float[] scaled(float[] values, double scale) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) (values[i] * scale);
        }
        return out;
    }
}
