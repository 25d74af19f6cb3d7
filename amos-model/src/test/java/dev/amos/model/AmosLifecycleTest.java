package dev.amos.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Save/reload, eval determinism, and native memory across steps. */
class AmosLifecycleTest {

    private static float[] forward(Amos amos, NDManager m, boolean training, long seed) {
        TinyBatch b = TinyBatch.of(m, 200, 12, 1, 12, 8, 5);
        Engine.getInstance().setRandomSeed((int) seed);
        PretrainOutput out =
                amos.forward(
                        new ParameterStore(m, false),
                        b.inputIds,
                        b.attentionMask,
                        b.originalIds,
                        b.maskedPositions,
                        training);
        List<Float> all = new ArrayList<>();
        for (float x : out.rtdLogits().toFloatArray()) {
            all.add(x);
        }
        for (float x : out.mlmLogits().toFloatArray()) {
            all.add(x);
        }
        float[] a = new float[all.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = all.get(i);
        }
        return a;
    }

    @Test
    void reloadIntoAFreshInstanceGivesBitIdenticalOutputs(@TempDir Path dir) throws Exception {
        for (Objective objective : new Objective[] {Objective.AMOS, Objective.ELECTRA}) {
            try (NDManager m = NDManager.newBaseManager()) {
                Engine.getInstance().setRandomSeed(3);
                Amos a = new Amos(TinyBatch.config(), objective);
                a.initialize(m, DataType.FLOAT32, new Shape(1, 12));
                Path file = dir.resolve(objective.label() + ".params");
                BlockFiles.save(a, file);
                Engine.getInstance().setRandomSeed(99); // a different init, overwritten by the load
                Amos b = new Amos(TinyBatch.config(), objective);
                b.initialize(m, DataType.FLOAT32, new Shape(1, 12));
                BlockFiles.load(b, m, file);
                assertArrayEquals(forward(a, m, false, 5), forward(b, m, false, 5), 0f);
                assertArrayEquals(
                        forward(a, m, true, 6),
                        forward(b, m, true, 6),
                        0f,
                        "same seed, same dropout");
                // the discriminator alone (what fine-tuning and serving load)
                Path enc = dir.resolve("encoder.params");
                BlockFiles.save(a.discriminator(), enc);
                Encoder e = Encoder.owning(TinyBatch.config().discriminator());
                e.initialize(m, DataType.FLOAT32, new Shape(1, 12));
                BlockFiles.load(e, m, enc);
                TinyBatch t = TinyBatch.of(m, 200, 12, 2, 12, 4);
                ParameterStore ps = new ParameterStore(m, false);
                assertArrayEquals(
                        a.discriminator()
                                .encode(ps, t.originalIds, t.attentionMask, false)
                                .toFloatArray(),
                        e.encode(ps, t.originalIds, t.attentionMask, false).toFloatArray(),
                        0f);
            }
        }
    }

    @Test
    void evalModeIsDeterministicAndTrainingModeUsesDropout() {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(3);
            Encoder e = Encoder.owning(TinyBatch.config().discriminator());
            e.initialize(m, DataType.FLOAT32, new Shape(1, 12));
            TinyBatch t = TinyBatch.of(m, 200, 12, 2, 12, 4);
            ParameterStore ps = new ParameterStore(m, false);
            float[] first = e.encode(ps, t.originalIds, t.attentionMask, false).toFloatArray();
            assertArrayEquals(
                    first, e.encode(ps, t.originalIds, t.attentionMask, false).toFloatArray(), 0f);
            float[] train = e.encode(ps, t.originalIds, t.attentionMask, true).toFloatArray();
            assertTrue(
                    maxAbsDiff(first, train) > 1e-3,
                    "dropout 0.1 must change training-mode outputs");
        }
    }

    @Test
    void paddingDoesNotChangeTheRealTokens() {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(3);
            Encoder e = Encoder.owning(TinyBatch.config().discriminator());
            e.initialize(m, DataType.FLOAT32, new Shape(1, 12));
            ParameterStore ps = new ParameterStore(m, false);
            TinyBatch padded = TinyBatch.of(m, 200, 12, 4, 7);
            NDArray ids7 = padded.originalIds.get(":, :7");
            float[] alone =
                    e.encode(ps, ids7, padded.attentionMask.get(":, :7"), false).toFloatArray();
            float[] withPad =
                    e.encode(ps, padded.originalIds, padded.attentionMask, false)
                            .get(":, :7")
                            .toFloatArray();
            assertTrue(
                    maxAbsDiff(alone, withPad) < 1e-5,
                    "padding leaked into real tokens: " + maxAbsDiff(alone, withPad));
        }
    }

    @Test
    void twentyStepsInsideAnNdScopeKeepTheLiveArrayCountFlat() {
        ModelConfig tiny = TinyBatch.preset("amos-tiny");
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(1);
            Amos amos = new Amos(tiny, Objective.AMOS);
            amos.initialize(m, DataType.FLOAT32, new Shape(4, tiny.seqLen()));
            ParameterStore ps = new ParameterStore(m, false);
            int[] counts = new int[21];
            float firstLoss = 0;
            float lastLoss = 0;
            for (int step = 1; step <= 20; step++) {
                try (NDManager batchManager = m.newSubManager()) {
                    TinyBatch b =
                            TinyBatch.of(
                                    batchManager,
                                    tiny.vocabSize(),
                                    tiny.seqLen(),
                                    1,
                                    64,
                                    64,
                                    40,
                                    17);
                    try (NDScope scope = new NDScope();
                            GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        PretrainOutput out =
                                amos.forward(
                                        ps,
                                        b.inputIds,
                                        b.attentionMask,
                                        b.originalIds,
                                        b.maskedPositions,
                                        true);
                        NDArray loss = out.loss(50f);
                        gc.backward(loss);
                        lastLoss = loss.getFloat();
                        if (step == 1) {
                            firstLoss = lastLoss;
                        }
                    }
                }
                try (NDScope update = new NDScope()) { // plain SGD after the step's scope closed
                    for (Parameter p : amos.getParameters().values()) {
                        NDArray w = p.getArray();
                        NDArray g = w.getGradient();
                        w.subi(g.mul(0.002f));
                        g.muli(0);
                    }
                }
                counts[step] = ((BaseNDManager) m).getManagedArrays().size();
            }
            for (int step = 3; step <= 20; step++) {
                assertEquals(counts[2], counts[step], "live arrays grew at step " + step);
            }
            assertTrue(
                    lastLoss < firstLoss,
                    "20 SGD steps on one batch must lower the loss: "
                            + firstLoss
                            + " -> "
                            + lastLoss);
        }
    }

    private static float maxAbsDiff(float[] a, float[] b) {
        float d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }
}
