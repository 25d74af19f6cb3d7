package dev.amos.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The AMOS forward pass checked at the level of gradients. */
class AmosGradientTest {

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private Amos build(Objective objective) {
        Engine.getInstance().setRandomSeed(7);
        Amos amos = new Amos(TinyBatch.config(), objective);
        amos.initialize(manager, DataType.FLOAT32, new Shape(2, 12));
        return amos;
    }

    /**
     * Runs forward + backward of {@code loss} with a fixed seed; returns every parameter's
     * gradient.
     */
    private Map<String, float[]> gradients(Amos amos, Function<PretrainOutput, NDArray> loss) {
        TinyBatch batch = TinyBatch.of(manager, 200, 12, 3, 12, 9);
        ParameterStore ps = new ParameterStore(manager, false);
        Engine.getInstance().setRandomSeed(11);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            PretrainOutput out =
                    amos.forward(
                            ps,
                            batch.inputIds,
                            batch.attentionMask,
                            batch.originalIds,
                            batch.maskedPositions,
                            true);
            gc.backward(loss.apply(out));
        }
        Map<String, float[]> grads = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : amos.getParameters()) {
            NDArray g = p.getValue().getArray().getGradient();
            grads.put(p.getKey(), g.toFloatArray());
            g.muli(0); // the collector accumulates; start the next run from zero
        }
        return grads;
    }

    private static boolean allZero(float[] a) {
        for (float x : a) {
            if (x != 0f) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, float[]> select(Map<String, float[]> g, String... parts) {
        Map<String, float[]> out = new LinkedHashMap<>();
        g.forEach(
                (k, v) -> {
                    for (String p : parts) {
                        if (!k.contains(p)) {
                            return;
                        }
                    }
                    out.put(k, v);
                });
        assertFalse(out.isEmpty(), "no parameter matches " + String.join("+", parts));
        return out;
    }

    @Test
    void deepestMlmLossLeavesShallowerGeneratorBlocksWithExactlyZeroGradient() {
        Map<String, float[]> g = gradients(build(Objective.AMOS), o -> o.mlmLosses().get(2));
        // blocks {embeddings, L1}, {L2}, {L3}: only L3 (layer2) and the head learn from MLM_3
        for (String shallow :
                new String[] {"layer0_", "layer1_", "position_embedding", "embedding_ln"}) {
            select(g, "generator", shallow)
                    .forEach((k, v) -> assertTrue(allZero(v), k + " should get no gradient"));
        }
        select(g, "generator", "layer2_")
                .forEach((k, v) -> assertFalse(allZero(v), k + " should learn"));
        select(g, "mlm_head", "dense").forEach((k, v) -> assertFalse(allZero(v), k));
        select(g, "discriminator", "layer")
                .forEach((k, v) -> assertTrue(allZero(v), k + ": no RTD loss here"));
        // the middle head trains exactly its own block
        Map<String, float[]> mid = gradients(build(Objective.AMOS), o -> o.mlmLosses().get(1));
        select(mid, "generator", "layer1_").forEach((k, v) -> assertFalse(allZero(v), k));
        select(mid, "generator", "layer0_").forEach((k, v) -> assertTrue(allZero(v), k));
        select(mid, "generator", "layer2_").forEach((k, v) -> assertTrue(allZero(v), k));
    }

    @Test
    void fullGradientAblationLetsTheDeepestLossReachEveryBlock() {
        Map<String, float[]> g =
                gradients(
                        build(Objective.parse("amos", "full-gradient")), o -> o.mlmLosses().get(2));
        for (String block : new String[] {"layer0_", "layer1_", "layer2_", "position_embedding"}) {
            select(g, "generator", block)
                    .forEach(
                            (k, v) -> {
                                if (!k.contains("ln") || k.contains("gamma")) {
                                    assertFalse(allZero(v), k + " should learn without the detach");
                                }
                            });
        }
    }

    @Test
    void reversalNegatesTheRtdGradientOnTheMixtureAndNeverReachesTheHead() {
        Amos amos = build(Objective.AMOS);
        Map<String, float[]> reversed = gradients(amos, PretrainOutput::rtdLoss);
        amos.sampler().setReverseGradient(false);
        Map<String, float[]> plain = gradients(amos, PretrainOutput::rtdLoss);
        Map<String, float[]> v = select(reversed, "mixture");
        assertEquals(1, v.size());
        v.forEach(
                (k, r) -> {
                    float[] p = plain.get(k);
                    assertFalse(allZero(r), "the RTD loss must reach v");
                    for (int i = 0; i < r.length; i++) {
                        assertEquals(-p[i], r[i], 0f, k + "[" + i + "]");
                    }
                });
        // the generator hidden states f get the reversed gradient too (within their blocks)
        select(reversed, "generator", "layer2_", "ffn")
                .forEach((k, r) -> assertFalse(allZero(r), k));
        // the logits are detached in the mixture: the shared head gets nothing from RTD
        select(reversed, "mlm_head")
                .forEach((k, r) -> assertTrue(allZero(r), k + " must get no RTD gradient"));
        // E gets its ordinary (not reversed) gradient from the discriminator
        assertFalse(allZero(select(reversed, "token_embedding").values().iterator().next()));
    }

    @Test
    void mixtureWeightsSumToOnePerMaskedTokenAndUniformIsExactlyOneOverK() {
        ParameterStore ps = new ParameterStore(manager, false);
        TinyBatch batch = TinyBatch.of(manager, 200, 12, 5, 12, 7);
        long m = batch.maskedPositions.getShape().get(0);
        PretrainOutput out =
                build(Objective.AMOS)
                        .forward(
                                ps,
                                batch.inputIds,
                                batch.attentionMask,
                                batch.originalIds,
                                batch.maskedPositions,
                                true);
        assertEquals(new Shape(m, 3), out.mixtureWeights().getShape());
        for (float s : out.mixtureWeights().sum(new int[] {1}).toFloatArray()) {
            assertEquals(1f, s, 1e-6f);
        }
        Amos uniform = build(Objective.parse("amos", "uniform"));
        assertTrue(
                uniform.getParameters().keys().stream().noneMatch(k -> k.contains("mixture")),
                "uniform has no v");
        PretrainOutput u =
                uniform.forward(
                        ps,
                        batch.inputIds,
                        batch.attentionMask,
                        batch.originalIds,
                        batch.maskedPositions,
                        true);
        for (float w : u.mixtureWeights().toFloatArray()) {
            assertEquals(1f / 3, w, 0f);
        }
        Amos random = build(Objective.parse("amos", "random-layer"));
        float[] r =
                random.forward(
                                ps,
                                batch.inputIds,
                                batch.attentionMask,
                                batch.originalIds,
                                batch.maskedPositions,
                                true)
                        .mixtureWeights()
                        .toFloatArray();
        for (int i = 0; i < m; i++) {
            float sum = r[3 * i] + r[3 * i + 1] + r[3 * i + 2];
            assertEquals(1f, sum, 0f, "random-layer picks exactly one layer per token");
        }
    }

    @Test
    void generatorHeadAndDiscriminatorInputShareOneEmbeddingListedOnce() {
        Amos amos = build(Objective.AMOS);
        Parameter e = amos.discriminator().tokenEmbedding();
        assertSame(e, amos.generator().tokenEmbedding());
        long listed = amos.getParameters().values().stream().filter(p -> p == e).count();
        assertEquals(1, listed);
        assertEquals(
                1,
                amos.getParameters().keys().stream()
                        .filter(k -> k.contains("token_embedding"))
                        .count());
        // the tied output projection receives gradient from the MLM loss through E
        Map<String, float[]> g = gradients(amos, o -> o.mlmLosses().get(0));
        assertFalse(allZero(select(g, "token_embedding").values().iterator().next()));
    }

    @Test
    void rtdLabelsAndReplacedFractionFollowTheSamples() {
        ParameterStore ps = new ParameterStore(manager, false);
        TinyBatch batch = TinyBatch.of(manager, 200, 12, 9, 12, 6);
        PretrainOutput out =
                build(Objective.AMOS)
                        .forward(
                                ps,
                                batch.inputIds,
                                batch.attentionMask,
                                batch.originalIds,
                                batch.maskedPositions,
                                true);
        long[] pos = batch.maskedPositions.toLongArray();
        long[] sampled = out.sampled().toLongArray();
        long[] orig = batch.originalIds.toLongArray();
        float[] labels = out.rtdLabels().toFloatArray();
        int replaced = 0;
        for (int i = 0; i < pos.length; i++) {
            boolean same = sampled[i] == orig[(int) pos[i]];
            assertEquals(
                    same ? 1f : 0f,
                    labels[(int) pos[i]],
                    "a sample equal to the original is original");
            replaced += same ? 0 : 1;
        }
        assertEquals((float) replaced / pos.length, out.replacedFraction().getFloat(), 1e-6f);
        assertNotNull(out.rtdLoss());
        assertNull(
                build(Objective.MLM)
                        .forward(
                                ps,
                                batch.inputIds,
                                batch.attentionMask,
                                batch.originalIds,
                                batch.maskedPositions,
                                true)
                        .rtdLoss());
        assertArrayEquals(new long[] {2, 12}, out.rtdLogits().getShape().getShape());
    }
}
