package dev.amos.model.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import dev.amos.model.Pooling;
import dev.amos.model.RelativePositionBuckets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Round trip: random weights -> archive -> DJL {@code Criteria} (engine PyTorch, no project code in
 * the loading path) -> compared with an independent NDArray implementation of the math.
 */
class EncoderTorchScriptExporterTest {

    private static final double TOLERANCE = 1e-5;
    private static final int[] LENGTHS = {7, 3, 5};
    private static final int SEQ = 7;

    @TempDir Path dir;

    /** Embedding width 16 != hidden 24, so the embedding projection is exported too. */
    private static EncoderExportSpec tinySpec(Pooling pooling, boolean normalize, int numLabels) {
        return tinySpec(16, pooling, normalize, numLabels);
    }

    private static EncoderExportSpec tinySpec(
            int embeddingSize, Pooling pooling, boolean normalize, int numLabels) {
        return new EncoderExportSpec(
                50, embeddingSize, 24, 2, 2, 48, 16, 32, 128, 1e-5, pooling, normalize, numLabels);
    }

    @Test
    void clsPoolingNormalisedMatchesReferenceAndIgnoresPadding() throws Exception {
        EncoderExportSpec spec = tinySpec(Pooling.CLS, true, 0);
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> weights = randomWeights(manager, spec, 1);
            NDList inputs = paddedBatch(manager, spec);
            NDList expected =
                    new ReferenceEncoder(spec, weights).forward(inputs.get(0), inputs.get(1));
            try (ZooModel<NDList, NDList> model = exportAndLoad(spec, weights);
                    Predictor<NDList, NDList> predictor = model.newPredictor()) {
                NDList actual = predictor.predict(inputs);
                assertMatches(expected, actual, spec.hidden());
                assertNormalised(actual.get(1));

                // the relative bias matters, so matching the reference shows the archive applies it
                NDList withoutBias =
                        new ReferenceEncoder(spec, withZeroRelBias(weights))
                                .forward(inputs.get(0), inputs.get(1));
                assertTrue(maxDiff(withoutBias.get(0), actual.get(0)) > 1e-2);

                // row 1 alone (no padding) gives the same values as in the padded batch
                NDList alone =
                        predictor.predict(
                                new NDList(
                                        inputs.get(0).get("1:2, 0:3"),
                                        inputs.get(1).get("1:2, 0:3")));
                assertTrue(maxDiff(alone.get(0), actual.get(0).get("1:2, 0:3")) <= TOLERANCE);
                assertTrue(maxDiff(alone.get(1), actual.get(1).get("1:2")) <= TOLERANCE);
            }
        }
    }

    @Test
    void meanPoolingWithoutProjectionMatchesReference() throws Exception {
        EncoderExportSpec spec = tinySpec(24, Pooling.MEAN, false, 0);
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> weights = randomWeights(manager, spec, 2);
            NDList inputs = paddedBatch(manager, spec);
            NDList expected =
                    new ReferenceEncoder(spec, weights).forward(inputs.get(0), inputs.get(1));
            try (ZooModel<NDList, NDList> model = exportAndLoad(spec, weights);
                    Predictor<NDList, NDList> predictor = model.newPredictor()) {
                assertMatches(expected, predictor.predict(inputs), spec.hidden());
            }
        }
    }

    @Test
    void classifierHeadReturnsLogitsMatchingReference() throws Exception {
        EncoderExportSpec spec = tinySpec(Pooling.CLS, true, 3);
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> weights = randomWeights(manager, spec, 3);
            NDList inputs = paddedBatch(manager, spec);
            NDList expected =
                    new ReferenceEncoder(spec, weights).forward(inputs.get(0), inputs.get(1));
            try (ZooModel<NDList, NDList> model = exportAndLoad(spec, weights);
                    Predictor<NDList, NDList> predictor = model.newPredictor()) {
                NDList actual =
                        predictor.predict(
                                inputs); // the logits alone, first output for DJL translators
                assertEquals(1, actual.size());
                assertArrayEquals(
                        new long[] {LENGTHS.length, 3}, actual.get(0).getShape().getShape());
                assertTrue(maxDiff(expected.get(1), actual.get(0)) <= TOLERANCE);
            }
        }
    }

    @Test
    void rejectsMissingOrMisshapenWeights() {
        EncoderExportSpec spec = tinySpec(Pooling.CLS, false, 0);
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> weights = randomWeights(manager, spec, 4);
            weights.remove("layers.1.ffn.out.bias");
            IllegalArgumentException missing =
                    assertThrows(
                            IllegalArgumentException.class,
                            () ->
                                    EncoderTorchScriptExporter.export(
                                            dir.resolve("x.pt"), spec, weights));
            assertEquals("missing weight layers.1.ffn.out.bias [24]", missing.getMessage());

            weights.put("layers.1.ffn.out.bias", manager.zeros(new Shape(24)));
            weights.put("embeddings.project.weight", manager.zeros(new Shape(16, 24)));
            IllegalArgumentException misshapen =
                    assertThrows(
                            IllegalArgumentException.class,
                            () ->
                                    EncoderTorchScriptExporter.export(
                                            dir.resolve("x.pt"), spec, weights));
            assertEquals(
                    "weight embeddings.project.weight has shape [16, 24], expected [24, 16]",
                    misshapen.getMessage());
        }
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new EncoderExportSpec(
                                50, 16, 25, 2, 2, 48, 16, 32, 128, 1e-5, Pooling.CLS, false, 0));
    }

    private ZooModel<NDList, NDList> exportAndLoad(
            EncoderExportSpec spec, Map<String, NDArray> weights) throws Exception {
        Path file = dir.resolve("encoder.pt");
        EncoderTorchScriptExporter.export(file, spec, weights);
        return Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(file)
                .optEngine("PyTorch")
                .build()
                .loadModel();
    }

    private static void assertMatches(NDList expected, NDList actual, long secondWidth) {
        assertEquals(2, actual.size());
        assertArrayEquals(
                new long[] {LENGTHS.length, SEQ, expected.get(0).getShape().get(2)},
                actual.get(0).getShape().getShape());
        assertArrayEquals(
                new long[] {LENGTHS.length, secondWidth}, actual.get(1).getShape().getShape());
        for (int row = 0; row < LENGTHS.length; row++) {
            String realTokens = row + ", 0:" + LENGTHS[row];
            double hiddenDiff =
                    maxDiff(expected.get(0).get(realTokens), actual.get(0).get(realTokens));
            assertTrue(
                    hiddenDiff <= TOLERANCE,
                    "hidden states of row " + row + " differ by " + hiddenDiff);
        }
        double secondDiff = maxDiff(expected.get(1), actual.get(1));
        assertTrue(secondDiff <= TOLERANCE, "second output differs by " + secondDiff);
    }

    private static void assertNormalised(NDArray pooled) {
        float[] norms = pooled.square().sum(new int[] {1}).sqrt().toFloatArray();
        for (float norm : norms) {
            assertEquals(1.0, norm, 1e-5);
        }
    }

    private static double maxDiff(NDArray a, NDArray b) {
        return a.sub(b).abs().max().getFloat();
    }

    /** Rows of lengths 7, 3, 5 padded with id 0 to 7 tokens; int64 ids and mask. */
    private static NDList paddedBatch(NDManager manager, EncoderExportSpec spec) {
        Random random = new Random(42);
        long[] ids = new long[LENGTHS.length * SEQ];
        long[] mask = new long[LENGTHS.length * SEQ];
        for (int row = 0; row < LENGTHS.length; row++) {
            for (int t = 0; t < LENGTHS[row]; t++) {
                ids[row * SEQ + t] = 1 + random.nextInt(spec.vocabSize() - 1);
                mask[row * SEQ + t] = 1;
            }
        }
        Shape shape = new Shape(LENGTHS.length, SEQ);
        return new NDList(manager.create(ids, shape), manager.create(mask, shape));
    }

    private static Map<String, NDArray> randomWeights(
            NDManager manager, EncoderExportSpec spec, long seed) {
        Random random = new Random(seed);
        Map<String, NDArray> weights = new HashMap<>();
        EncoderTorchScriptExporter.expectedShapes(spec)
                .forEach(
                        (name, shape) -> {
                            boolean lnGain =
                                    name.endsWith("ln.weight")
                                            || name.endsWith("ln1.weight")
                                            || name.endsWith("ln2.weight");
                            double mean = lnGain ? 1.0 : 0.0;
                            double std =
                                    name.endsWith("bias")
                                            ? 0.1
                                            : lnGain
                                                    ? 0.1
                                                    : name.equals("rel_bias.table") ? 1.0 : 0.3;
                            float[] data = new float[Math.toIntExact(new Shape(shape).size())];
                            for (int i = 0; i < data.length; i++) {
                                data[i] = (float) (mean + std * random.nextGaussian());
                            }
                            weights.put(name, manager.create(data, new Shape(shape)));
                        });
        return weights;
    }

    private static Map<String, NDArray> withZeroRelBias(Map<String, NDArray> weights) {
        Map<String, NDArray> copy = new HashMap<>(weights);
        copy.put("rel_bias.table", weights.get("rel_bias.table").zerosLike());
        return copy;
    }

    /** The encoder math written independently with plain DJL NDArray operations. */
    private static final class ReferenceEncoder {

        private final EncoderExportSpec spec;
        private final Map<String, NDArray> w;

        ReferenceEncoder(EncoderExportSpec spec, Map<String, NDArray> weights) {
            this.spec = spec;
            this.w = weights;
        }

        NDList forward(NDArray ids, NDArray mask) {
            int batch = Math.toIntExact(ids.getShape().get(0));
            int seq = Math.toIntExact(ids.getShape().get(1));
            NDArray x =
                    lookupRows(w.get("embeddings.word"), ids.toLongArray(), batch, seq)
                            .add(w.get("embeddings.position").get(new NDIndex("0:" + seq)));
            x = layerNorm(x, "embeddings.ln");
            if (spec.projectsEmbeddings()) {
                x = linear(x, "embeddings.project");
            }
            NDArray maskBias =
                    mask.toType(DataType.FLOAT32, false)
                            .reshape(batch, 1, 1, seq)
                            .neg()
                            .add(1)
                            .mul(-10000f);
            NDArray attentionBias = relativeBias(seq).add(maskBias);
            for (int layer = 0; layer < spec.layers(); layer++) {
                x = layer(x, attentionBias, "layers." + layer + ".");
            }
            NDArray first = x.get(new NDIndex(":, 0"));
            if (spec.hasClassifier()) {
                NDArray dense = linear(first, "classifier.dense").tanh();
                return new NDList(x, linear(dense, "classifier.out"));
            }
            NDArray pooled = first;
            if (spec.pooling() == Pooling.MEAN) {
                NDArray m = mask.toType(DataType.FLOAT32, false).reshape(batch, seq, 1);
                pooled = x.mul(m).sum(new int[] {1}).div(m.sum(new int[] {1}));
            }
            if (spec.normalize()) {
                pooled = pooled.div(pooled.square().sum(new int[] {1}, true).sqrt());
            }
            return new NDList(x, pooled);
        }

        private NDArray layer(NDArray x, NDArray attentionBias, String prefix) {
            long batch = x.getShape().get(0);
            long seq = x.getShape().get(1);
            int h = spec.hidden();
            int d = spec.headSize();
            NDArray qkv = linear(x, prefix + "attn.qkv");
            NDArray[] heads = new NDArray[3];
            for (int i = 0; i < 3; i++) {
                heads[i] =
                        qkv.get(new NDIndex(":, :, " + i * h + ":" + (i + 1) * h))
                                .reshape(batch, seq, spec.heads(), d)
                                .transpose(0, 2, 1, 3);
            }
            NDArray scores =
                    heads[0].matMul(heads[1].transpose(0, 1, 3, 2))
                            .div((float) Math.sqrt(d))
                            .add(attentionBias);
            NDArray exp = scores.sub(scores.max(new int[] {-1}, true)).exp();
            NDArray probs = exp.div(exp.sum(new int[] {-1}, true));
            NDArray context = probs.matMul(heads[2]).transpose(0, 2, 1, 3).reshape(batch, seq, h);
            x = layerNorm(x.add(linear(context, prefix + "attn.out")), prefix + "ln1");
            NDArray inner = Activation.gelu(linear(x, prefix + "ffn.in"));
            return layerNorm(x.add(linear(inner, prefix + "ffn.out")), prefix + "ln2");
        }

        /** (1, heads, S, S): bias[h][q][k] = table[bucket(k - q)][h], gathered in plain Java. */
        private NDArray relativeBias(int seq) {
            NDArray table = w.get("rel_bias.table");
            float[] values = table.toFloatArray();
            int heads = spec.heads();
            float[] bias = new float[heads * seq * seq];
            for (int head = 0; head < heads; head++) {
                for (int q = 0; q < seq; q++) {
                    for (int k = 0; k < seq; k++) {
                        long bucket =
                                RelativePositionBuckets.bucket(
                                        k - q,
                                        spec.maxPositions(),
                                        spec.relBuckets(),
                                        spec.maxRelPos());
                        bias[(head * seq + q) * seq + k] =
                                values[Math.toIntExact(bucket) * heads + head];
                    }
                }
            }
            return table.getManager().create(bias, new Shape(1, heads, seq, seq));
        }

        private static NDArray lookupRows(NDArray table, long[] ids, int batch, int seq) {
            float[] values = table.toFloatArray();
            int width = Math.toIntExact(table.getShape().get(1));
            float[] rows = new float[ids.length * width];
            for (int i = 0; i < ids.length; i++) {
                System.arraycopy(values, Math.toIntExact(ids[i]) * width, rows, i * width, width);
            }
            return table.getManager().create(rows, new Shape(batch, seq, width));
        }

        private NDArray linear(NDArray x, String name) {
            return x.matMul(w.get(name + ".weight").transpose()).add(w.get(name + ".bias"));
        }

        private NDArray layerNorm(NDArray x, String name) {
            NDArray centred = x.sub(x.mean(new int[] {-1}, true));
            NDArray variance = centred.square().mean(new int[] {-1}, true);
            return centred.div(variance.add((float) spec.layerNormEps()).sqrt())
                    .mul(w.get(name + ".weight"))
                    .add(w.get(name + ".bias"));
        }
    }
}
