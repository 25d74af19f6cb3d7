package dev.amos.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.amos.model.export.EncoderExportSpec;
import dev.amos.model.export.onnx.EncoderOnnxExporter;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ONNX export of the Java encoder, run by ONNX Runtime, gives the encoder's last hidden states
 * at several batch sizes and lengths: padded batches, a full {@code max_positions} sequence, and
 * distances far beyond {@code max_rel_pos} (all sharing the outermost relative bucket).
 */
class EncoderOnnxExportTest {

    private static final float TOLERANCE = 1e-4f;
    private static final int MAX_POSITIONS = 64;

    @TempDir Path dir;

    /** max_rel_pos 12 with 32 buckets: distances from 12 to 63 share the outermost buckets. */
    private static EncoderConfig config(int embeddingSize, int hidden) {
        return new EncoderConfig(
                200,
                embeddingSize,
                hidden,
                2,
                2,
                48,
                MAX_POSITIONS,
                32,
                12,
                0.1f,
                0.1f,
                1e-5f,
                0.02f);
    }

    private static EncoderExportSpec spec(EncoderConfig c, Pooling pooling, boolean normalize) {
        return new EncoderExportSpec(
                c.vocabSize(),
                c.embeddingSize(),
                c.hiddenSize(),
                c.numLayers(),
                c.numHeads(),
                c.ffnSize(),
                c.maxPositions(),
                c.relPosBuckets(),
                c.maxRelPos(),
                c.layerNormEps(),
                pooling,
                normalize,
                0);
    }

    @Test
    void projectedEncoderMatchesTheJavaEncoderAtSeveralBatchSizesAndLengths() throws Exception {
        EncoderConfig c = config(16, 24); // De 16 != H 24: the embedding projection is in the graph
        try (NDManager m = NDManager.newBaseManager();
                OrtEnvironment env = OrtEnvironment.getEnvironment()) {
            Encoder encoder = randomEncoder(m, c, 5);
            Path file = export(encoder, spec(c, Pooling.MEAN, false), false);
            try (OrtSession session =
                    env.createSession(file.toString(), new OrtSession.SessionOptions())) {
                assertEquals(
                        Set.of(EncoderOnnxExporter.INPUT_IDS, EncoderOnnxExporter.ATTENTION_MASK),
                        session.getInputNames());
                assertEquals(
                        List.of(
                                EncoderOnnxExporter.LAST_HIDDEN_STATE,
                                EncoderOnnxExporter.SENTENCE_EMBEDDING),
                        List.copyOf(session.getOutputNames()));
                int[][] batches = {{MAX_POSITIONS}, {40, 17, 2}, {23, 23, 9, 1, 14}, {5}};
                for (int[] lengths : batches) {
                    int seq = Arrays.stream(lengths).max().orElseThrow();
                    TinyBatch batch = TinyBatch.of(m, c.vocabSize(), seq, seq, lengths);
                    float[][][] expected = javaHidden(m, encoder, batch, seq, c.hiddenSize());
                    float[][][] actual = run(env, session, batch, false);
                    float worst = maxDiffOnRealTokens(expected, actual, lengths);
                    assertTrue(
                            worst <= TOLERANCE,
                            "lengths " + Arrays.toString(lengths) + ": " + worst);
                }
            }
        }
    }

    @Test
    void unprojectedEncoderWithTokenTypeIdsAcceptsThemAndIgnoresThem() throws Exception {
        EncoderConfig c = config(32, 32);
        try (NDManager m = NDManager.newBaseManager();
                OrtEnvironment env = OrtEnvironment.getEnvironment()) {
            Encoder encoder = randomEncoder(m, c, 6);
            Path file = export(encoder, spec(c, Pooling.CLS, true), true);
            try (OrtSession session =
                    env.createSession(file.toString(), new OrtSession.SessionOptions())) {
                assertEquals(
                        Set.of(
                                EncoderOnnxExporter.INPUT_IDS,
                                EncoderOnnxExporter.ATTENTION_MASK,
                                EncoderOnnxExporter.TOKEN_TYPE_IDS),
                        session.getInputNames());
                int[] lengths = {MAX_POSITIONS, 31, 3};
                TinyBatch batch = TinyBatch.of(m, c.vocabSize(), MAX_POSITIONS, 7, lengths);
                float[][][] expected = javaHidden(m, encoder, batch, MAX_POSITIONS, c.hiddenSize());
                float[][][] actual = run(env, session, batch, true);
                assertTrue(maxDiffOnRealTokens(expected, actual, lengths) <= TOLERANCE);
            }
        }
    }

    @Test
    void aMissingOrMisshapenWeightIsRefusedBeforeAnythingIsWritten() throws Exception {
        EncoderConfig c = config(32, 32);
        try (NDManager m = NDManager.newBaseManager()) {
            Encoder encoder = randomEncoder(m, c, 7);
            Map<String, NDArray> weights = new HashMap<>(encoder.namedTensors());
            weights.remove("layers.1.ffn.out.bias");
            IllegalArgumentException missing =
                    assertThrows(
                            IllegalArgumentException.class,
                            () ->
                                    EncoderOnnxExporter.write(
                                            OutputStream.nullOutputStream(),
                                            spec(c, Pooling.MEAN, false),
                                            weights,
                                            false,
                                            Map.of()));
            assertTrue(
                    missing.getMessage().contains("layers.1.ffn.out.bias"), missing.getMessage());
            EncoderExportSpec wider =
                    new EncoderExportSpec(
                            200,
                            32,
                            32,
                            2,
                            2,
                            64,
                            MAX_POSITIONS,
                            32,
                            12,
                            1e-5,
                            Pooling.MEAN,
                            false,
                            0);
            IllegalArgumentException shape =
                    assertThrows(
                            IllegalArgumentException.class,
                            () ->
                                    EncoderOnnxExporter.write(
                                            OutputStream.nullOutputStream(),
                                            wider,
                                            encoder.namedTensors(),
                                            false,
                                            Map.of()));
            assertTrue(shape.getMessage().contains("ffn.in.weight"), shape.getMessage());
        }
    }

    private static Encoder randomEncoder(NDManager m, EncoderConfig c, int seed) {
        Engine.getInstance().setRandomSeed(seed);
        Encoder encoder = Encoder.owning(c);
        encoder.initialize(m, DataType.FLOAT32, new Shape(1, 8));
        // a larger relative-bias table than the init, so that a wrong bucket shows in the outputs
        encoder.namedTensors().get("rel_bias.table").muli(100f);
        return encoder;
    }

    private Path export(Encoder encoder, EncoderExportSpec spec, boolean tokenTypeIds)
            throws Exception {
        Path file = dir.resolve("model-" + System.nanoTime() + ".onnx");
        try (OutputStream out = Files.newOutputStream(file)) {
            EncoderOnnxExporter.write(
                    out, spec, encoder.namedTensors(), tokenTypeIds, Map.of("test", "yes"));
        }
        return file;
    }

    private static float[][][] javaHidden(
            NDManager m, Encoder encoder, TinyBatch batch, int seq, int hidden) {
        float[] flat =
                encoder.encode(
                                new ParameterStore(m, false),
                                batch.originalIds,
                                batch.attentionMask,
                                false)
                        .toFloatArray();
        int b = (int) batch.originalIds.getShape().get(0);
        float[][][] out = new float[b][seq][hidden];
        for (int i = 0; i < b; i++) {
            for (int t = 0; t < seq; t++) {
                System.arraycopy(flat, (i * seq + t) * hidden, out[i][t], 0, hidden);
            }
        }
        return out;
    }

    private static float[][][] run(
            OrtEnvironment env, OrtSession session, TinyBatch batch, boolean tokenTypes)
            throws OrtException {
        long[][] ids = rows(batch.originalIds);
        long[][] mask = rows(batch.attentionMask);
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put(EncoderOnnxExporter.INPUT_IDS, OnnxTensor.createTensor(env, ids));
            inputs.put(EncoderOnnxExporter.ATTENTION_MASK, OnnxTensor.createTensor(env, mask));
            if (tokenTypes) {
                inputs.put(
                        EncoderOnnxExporter.TOKEN_TYPE_IDS,
                        OnnxTensor.createTensor(env, new long[ids.length][ids[0].length]));
            }
            try (OrtSession.Result result = session.run(inputs)) {
                float[][][] hidden = (float[][][]) result.get(0).getValue();
                assertArrayEquals(
                        new long[] {ids.length, ids[0].length, hidden[0][0].length},
                        new long[] {hidden.length, hidden[0].length, hidden[0][0].length});
                return hidden;
            }
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private static long[][] rows(NDArray array) {
        long[] flat = array.toLongArray();
        int b = (int) array.getShape().get(0);
        int s = (int) array.getShape().get(1);
        long[][] out = new long[b][s];
        for (int i = 0; i < b; i++) {
            System.arraycopy(flat, i * s, out[i], 0, s);
        }
        return out;
    }

    private static float maxDiffOnRealTokens(
            float[][][] expected, float[][][] actual, int[] lengths) {
        float worst = 0;
        for (int i = 0; i < lengths.length; i++) {
            for (int t = 0; t < lengths[i]; t++) {
                for (int j = 0; j < expected[i][t].length; j++) {
                    worst = Math.max(worst, Math.abs(expected[i][t][j] - actual[i][t][j]));
                }
            }
        }
        return worst;
    }
}
