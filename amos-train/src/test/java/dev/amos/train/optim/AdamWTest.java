package dev.amos.train.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.GradientCollector;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import dev.amos.model.BadInputException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** AdamW numerics, weight-decay exclusion, global step count and state round trip. */
class AdamWTest {

    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.98f;
    private static final float EPSILON = 1e-6f;
    private static final float WEIGHT_DECAY = 0.01f;

    @Test
    void matchesHandComputedAdamWOverThreeStepsAndZeroesTheGradient() {
        // 1e-5 is of the order of eps: it tells PyTorch's eps placement from DJL's native one.
        float[][] weightGrads = {{0.5f, 1e-5f, -2f}, {0.1f, 0.2f, 0f}, {-1f, 0f, 4f}};
        float[][] biasGrads = {{1f, -1f, 0.25f}, {0f, 3f, -0.5f}, {2f, 2f, 2f}};
        LinearWarmupDecay schedule = LinearWarmupDecay.toZero(0.1f, 2, 4); // 0.05, 0.1, 0.05
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Parameter weight = parameter(manager, "w", Parameter.Type.WEIGHT, 1f, -2f, 3f);
            Parameter bias = parameter(manager, "b", Parameter.Type.BIAS, 0.5f, 0f, -1f);
            ReferenceAdamW weightReference = new ReferenceAdamW(WEIGHT_DECAY, 1f, -2f, 3f);
            ReferenceAdamW biasReference = new ReferenceAdamW(0f, 0.5f, 0f, -1f);
            try (AdamW adamW =
                    AdamW.builder(list(weight, bias))
                            .optLearningRateTracker(schedule)
                            .optBetas(BETA1, BETA2)
                            .optEpsilon(EPSILON)
                            .build()) {
                for (int t = 1; t <= 3; t++) {
                    backward(manager, weight, weightGrads[t - 1], bias, biasGrads[t - 1]);
                    adamW.setStep(t);
                    update(adamW, weight);
                    update(adamW, bias);
                    double learningRate = schedule.getNewValue(t);
                    weightReference.step(t, learningRate, weightGrads[t - 1]);
                    biasReference.step(t, learningRate, biasGrads[t - 1]);
                    assertArrayEquals(weightReference.weights(), values(weight), 2e-6f, "w@" + t);
                    assertArrayEquals(biasReference.weights(), values(bias), 2e-6f, "b@" + t);
                    assertArrayEquals(new float[3], gradient(weight), "grad zeroed @" + t);
                    assertArrayEquals(new float[3], gradient(bias), "grad zeroed @" + t);
                    assertEquals(t, adamW.stepCount());
                }
            }
        }
    }

    @Test
    void theStepTheLoopSetsDrivesTheScheduleAndNoUpdateRunsWithoutOne() {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Parameter[] params = {
                parameter(manager, "p0", Parameter.Type.WEIGHT, 1f),
                parameter(manager, "p1", Parameter.Type.WEIGHT, 2f),
                parameter(manager, "p2", Parameter.Type.WEIGHT, 3f)
            };
            List<Integer> scheduleSteps = new ArrayList<>();
            Tracker recordingSchedule =
                    step -> {
                        scheduleSteps.add(step);
                        return 0.01f;
                    };
            try (AdamW adamW =
                    AdamW.builder(list(params)).optLearningRateTracker(recordingSchedule).build()) {
                assertThrows(
                        IllegalStateException.class, () -> updateAll(adamW, params), "no step set");
                // The first round creates the moments; an enclosing NDScope must not free them.
                try (NDScope scope = new NDScope()) {
                    adamW.setStep(11);
                    updateAll(adamW, params);
                }
                adamW.setStep(12);
                updateAll(adamW, params);
                adamW.setStep(13);
                updateAll(adamW, params);
                assertEquals(13, adamW.stepCount());
                assertEquals(List.of(11, 11, 11, 12, 12, 12, 13, 13, 13), scheduleSteps);
            }
        }
    }

    @Test
    void decaysWeightsButNotBiasesLayerNormOrNamedExclusions() {
        float learningRate = 0.5f;
        float weightDecay = 0.1f;
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            SequentialBlock block =
                    new SequentialBlock()
                            .add(Linear.builder().setUnits(4).build())
                            .add(LayerNorm.builder().axis(1).build())
                            .add(Linear.builder().setUnits(2).build());
            block.setInitializer(new NormalInitializer(1f), param -> true);
            block.initialize(manager, DataType.FLOAT32, new Shape(2, 3));
            ParameterList params = block.getParameters();
            try (AdamW adamW =
                    AdamW.builder(params)
                            .optLearningRateTracker(Tracker.fixed(learningRate))
                            .optWeightDecays(weightDecay)
                            .optExcludeFromWeightDecay(name -> name.equals("03Linear_weight"))
                            .build()) {
                adamW.setStep(1);
                // biases and LayerNorm by type, 03Linear_weight by name: checked by behaviour below
                Set<String> excluded =
                        Set.of(
                                "01Linear_bias",
                                "02LayerNorm_gamma",
                                "02LayerNorm_beta",
                                "03Linear_weight",
                                "03Linear_bias");
                assertTrue(params.keys().containsAll(excluded), params.keys().toString());
                for (Pair<String, Parameter> pair : params) {
                    NDArray array = pair.getValue().getArray();
                    float[] before = array.toFloatArray();
                    try (NDArray zeroGrad = array.zerosLike()) {
                        adamW.update(pair.getValue().getId(), array, zeroGrad);
                    }
                    float[] after = array.toFloatArray();
                    if (excluded.contains(pair.getKey())) {
                        assertArrayEquals(before, after, pair.getKey() + " must not decay");
                    } else {
                        assertArrayEquals(
                                scaled(before, 1 - learningRate * weightDecay),
                                after,
                                1e-6f,
                                pair.getKey() + " must decay");
                        assertNotEquals(before[0], after[0]);
                    }
                }
            }
        }
    }

    @Test
    void rejectsParametersItWasNotBuiltFor() {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Parameter known = parameter(manager, "known", Parameter.Type.WEIGHT, 1f);
            Parameter stranger = parameter(manager, "stranger", Parameter.Type.WEIGHT, 1f);
            try (AdamW adamW = AdamW.builder(list(known)).build();
                    NDArray grad = stranger.getArray().zerosLike()) {
                assertThrows(
                        IllegalStateException.class,
                        () -> adamW.update(stranger.getId(), stranger.getArray(), grad));
            }
            assertThrows(
                    IllegalArgumentException.class,
                    () -> AdamW.builder(list(known)).optClipGrad(1f).build());
        }
    }

    @Test
    void stateRoundTripsByNameAndRejectsAnotherModel() throws IOException {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Parameter original = parameter(manager, "w", Parameter.Type.WEIGHT, 1f, 2f);
            byte[] state;
            try (AdamW adamW = AdamW.builder(list(original)).build()) {
                backward(manager, original, new float[] {0.5f, -0.5f}, null, null);
                adamW.setStep(1);
                update(adamW, original);
                state = save(adamW);
            }
            // Same name, new parameter (new random id): the state must apply to it.
            Parameter copy = parameter(manager, "w", Parameter.Type.WEIGHT, 1f, 2f);
            try (AdamW restored = AdamW.builder(list(copy)).build()) {
                restored.loadState(manager, new DataInputStream(new ByteArrayInputStream(state)));
                assertEquals(1, restored.stepCount());
                assertArrayEquals(state, save(restored));
            }
            Parameter renamed = parameter(manager, "v", Parameter.Type.WEIGHT, 1f, 2f);
            assertLoadFails(
                    manager, state, renamed, "moments for parameter w, which the model lacks");
            Parameter reshaped = parameter(manager, "w", Parameter.Type.WEIGHT, 1f, 2f, 3f);
            assertLoadFails(
                    manager,
                    state,
                    reshaped,
                    "optimizer state for w is (2) float32, the parameter is (3) float32");
        }
    }

    private static void assertLoadFails(
            NDManager manager, byte[] state, Parameter wrong, String expectedMessage) {
        try (AdamW mismatched = AdamW.builder(list(wrong)).build()) {
            BadInputException error =
                    assertThrows(
                            BadInputException.class,
                            () ->
                                    mismatched.loadState(
                                            manager,
                                            new DataInputStream(new ByteArrayInputStream(state))));
            assertTrue(error.getMessage().contains(expectedMessage), error.getMessage());
            assertEquals(0, mismatched.stepCount());
        }
    }

    private static void updateAll(AdamW adamW, Parameter... params) {
        for (Parameter param : params) {
            try (NDArray grad = param.getArray().zerosLike()) {
                adamW.update(param.getId(), param.getArray(), grad);
            }
        }
    }

    static byte[] save(AdamW adamW) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        adamW.saveState(new DataOutputStream(bytes));
        return bytes.toByteArray();
    }

    private static void update(AdamW adamW, Parameter param) {
        try (NDArray grad = param.getArray().getGradient()) {
            adamW.update(param.getId(), param.getArray(), grad);
        }
    }

    private static Parameter parameter(
            NDManager manager, String name, Parameter.Type type, float... values) {
        Parameter param =
                Parameter.builder()
                        .setName(name)
                        .setType(type)
                        .optArray(manager.create(values))
                        .build();
        param.initialize(manager, DataType.FLOAT32);
        return param;
    }

    private static ParameterList list(Parameter... params) {
        ParameterList list = new ParameterList();
        for (Parameter param : params) {
            list.add(param.getName(), param);
        }
        return list;
    }

    /** Sets the gradient of p (and q, if given) to exactly gradP (gradQ). */
    private static void backward(
            NDManager manager, Parameter p, float[] gradP, Parameter q, float[] gradQ) {
        try (NDManager step = manager.newSubManager();
                GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray loss = p.getArray().mul(step.create(gradP)).sum();
            if (q != null) {
                loss = loss.add(q.getArray().mul(step.create(gradQ)).sum());
            }
            loss.attach(step);
            collector.backward(loss);
        }
    }

    private static float[] values(Parameter param) {
        return param.getArray().toFloatArray();
    }

    private static float[] gradient(Parameter param) {
        try (NDArray grad = param.getArray().getGradient()) {
            return grad.toFloatArray();
        }
    }

    private static float[] scaled(float[] values, float factor) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i] * factor;
        }
        return out;
    }

    /** torch.optim.AdamW in double precision, for one parameter. */
    private static final class ReferenceAdamW {
        private final double weightDecay;
        private final double[] weights;
        private final double[] mean;
        private final double[] variance;

        ReferenceAdamW(double weightDecay, float... initial) {
            this.weightDecay = weightDecay;
            weights = new double[initial.length];
            for (int i = 0; i < initial.length; i++) {
                weights[i] = initial[i];
            }
            mean = new double[initial.length];
            variance = new double[initial.length];
        }

        void step(int t, double learningRate, float[] grad) {
            double biasCorrection1 = 1 - Math.pow(BETA1, t);
            double biasCorrection2 = 1 - Math.pow(BETA2, t);
            for (int i = 0; i < weights.length; i++) {
                weights[i] *= 1 - learningRate * weightDecay;
                mean[i] = BETA1 * mean[i] + (1 - BETA1) * grad[i];
                variance[i] = BETA2 * variance[i] + (1 - BETA2) * grad[i] * grad[i];
                double meanHat = mean[i] / biasCorrection1;
                double varianceHat = variance[i] / biasCorrection2;
                weights[i] -= learningRate * meanHat / (Math.sqrt(varianceHat) + EPSILON);
            }
        }

        float[] weights() {
            float[] out = new float[weights.length];
            for (int i = 0; i < weights.length; i++) {
                out[i] = (float) weights[i];
            }
            return out;
        }
    }
}
