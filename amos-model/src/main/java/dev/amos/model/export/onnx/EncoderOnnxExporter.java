package dev.amos.model.export.onnx;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.amos.model.Pooling;
import dev.amos.model.RelativePositionBuckets;
import dev.amos.model.export.EncoderExportSpec;
import dev.amos.model.export.EncoderTorchScriptExporter;
import dev.amos.model.export.onnx.OnnxGraph.Attribute;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Exports the BERT-style encoder of amos (post-LayerNorm transformer with T5-style relative
 * position bias, as {@link dev.amos.model.Encoder} computes it) as an ONNX model, opset {@value
 * #OPSET}, for ONNX Runtime and the libraries built on it (LangChain4j's {@code
 * OnnxEmbeddingModel}, Spring AI's Transformers embedding model, Python {@code onnxruntime}).
 *
 * <p>Inputs: int64 {@code input_ids} and {@code attention_mask} of shape [batch, sequence] (both
 * axes dynamic, sequence up to {@code maxPositions}); optionally an int64 {@code token_type_ids}
 * that the model ignores (it has no segment embeddings), for consumers that always send one.
 * Outputs: {@code last_hidden_state} float32 [batch, sequence, hidden] first, then {@code
 * sentence_embedding} [batch, hidden] pooled as the spec says; with a classification head, {@code
 * logits} [batch, labels] alone. The math is {@link EncoderTorchScriptExporter}'s:
 *
 * <pre>
 * x = LN(E[ids] + P[0:S]);  if De != H: x = x W_proj^T + b_proj
 * bias = R[bucket(k - q)] -> (1,heads,S,S) + (mask - 1) * 10000 -> (B,1,1,S)
 * per layer: qkv = x Wqkv^T + b ([q;k;v]); p = softmax(q k^T * (1/sqrt(d)) + bias); ctx = p v
 *            x = LN(x + ctx Wo^T + bo); x = LN(x + gelu_erf(x W1^T + b1) W2^T + b2)
 * pooled: cls = x[:,0]; mean = sum(x * m) / max(sum(m), 1e-9); normalised: v / max(|v|, 1e-12)
 * logits = tanh(x[:,0] Wd^T + bd) Wc^T + bc
 * </pre>
 *
 * The relative distances {@code k - q} are computed in the graph for the actual sequence length;
 * their buckets are read from a table of the {@code 2 maxPositions - 1} signed distances written by
 * {@link RelativePositionBuckets}, so the graph uses exactly the integers of the Java encoder (no
 * float logarithm in the graph that could round a boundary differently). Weights are stored as
 * float32 initializers (linear weights transposed to (in, out) for {@code MatMul}); GELU is the erf
 * form, {@code 0.5 x (1 + erf(x / sqrt 2))}, as torch's default GELU that the encoder runs.
 */
public final class EncoderOnnxExporter {

    /** The opset written: 17, the first with LayerNormalization. */
    public static final long OPSET = 17;

    /** Names of the graph inputs. */
    public static final String INPUT_IDS = "input_ids";

    public static final String ATTENTION_MASK = "attention_mask";
    public static final String TOKEN_TYPE_IDS = "token_type_ids";

    /** Names of the graph outputs. */
    public static final String LAST_HIDDEN_STATE = "last_hidden_state";

    public static final String SENTENCE_EMBEDDING = "sentence_embedding";
    public static final String LOGITS = "logits";

    private static final float MASK_VALUE = 10000f;
    private static final String BATCH = "batch";
    private static final String SEQUENCE = "sequence";

    private EncoderOnnxExporter() {}

    /**
     * Writes the model to {@code out}. The arrays are read during the call only.
     *
     * @param spec the architecture and output head
     * @param weights weight name -> float array, as {@link
     *     EncoderTorchScriptExporter#expectedShapes} names and shapes them (torch layout); other
     *     names are ignored
     * @param tokenTypeIds declare an (ignored) {@code token_type_ids} input
     * @param metadata written as the model's {@code metadata_props}
     * @throws IllegalArgumentException if a weight is missing or has the wrong shape
     */
    public static void write(
            OutputStream out,
            EncoderExportSpec spec,
            Map<String, NDArray> weights,
            boolean tokenTypeIds,
            Map<String, String> metadata)
            throws IOException {
        OnnxGraph graph = graph(spec, weights, tokenTypeIds);
        BufferedOutputStream buffered = new BufferedOutputStream(out, 1 << 16);
        graph.writeModel(buffered, OPSET, "amos", "1", metadata);
        buffered.flush();
    }

    /** The graph {@link #write} serialises. */
    static OnnxGraph graph(
            EncoderExportSpec spec, Map<String, NDArray> weights, boolean tokenTypeIds) {
        Map<String, long[]> shapes = EncoderTorchScriptExporter.expectedShapes(spec);
        Map<String, float[]> w = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> expected : shapes.entrySet()) {
            w.put(
                    expected.getKey(),
                    requireWeight(weights, expected.getKey(), expected.getValue()));
        }
        return new Builder(spec, w, shapes).build(tokenTypeIds);
    }

    /** Builds the graph node by node, in the order of the math above. */
    private static final class Builder {
        private final EncoderExportSpec spec;
        private final Map<String, float[]> weights;
        private final Map<String, long[]> shapes;
        private final OnnxGraph g = new OnnxGraph("amos_encoder");

        Builder(EncoderExportSpec spec, Map<String, float[]> weights, Map<String, long[]> shapes) {
            this.spec = spec;
            this.weights = weights;
            this.shapes = shapes;
        }

        OnnxGraph build(boolean tokenTypeIds) {
            String ids = g.input(INPUT_IDS, OnnxGraph.INT64, BATCH, SEQUENCE);
            String mask = g.input(ATTENTION_MASK, OnnxGraph.INT64, BATCH, SEQUENCE);
            if (tokenTypeIds) {
                g.input(TOKEN_TYPE_IDS, OnnxGraph.INT64, BATCH, SEQUENCE);
            }
            g.scope("embeddings");
            String shape = g.op("Shape", ids);
            String seqLen = g.op("Gather", shape, g.scalar(1L)); // int64 scalar S
            String seqLenVector = g.op("Unsqueeze", seqLen, g.vector(0));
            String x = g.op("Gather", param("embeddings.word"), ids);
            String positions =
                    g.op(
                            "Slice",
                            param("embeddings.position"),
                            g.vector(0),
                            seqLenVector,
                            g.vector(0));
            x = layerNorm(g.op("Add", x, positions), "embeddings.ln");
            if (spec.projectsEmbeddings()) {
                x = linear(x, "embeddings.project");
            }
            g.scope("attention_bias");
            String maskFloat =
                    g.op("Cast", List.of(Attribute.integer("to", OnnxGraph.FLOAT)), mask);
            String bias = g.op("Add", relativeBias(seqLen), paddingBias(maskFloat));
            for (int layer = 0; layer < spec.layers(); layer++) {
                g.scope("layers." + layer);
                x = layer(x, bias, "layers." + layer + ".");
            }
            g.scope("output");
            if (spec.hasClassifier()) {
                String first =
                        g.op("Gather", List.of(Attribute.integer("axis", 1)), x, g.scalar(0L));
                String dense = g.op("Tanh", linear(first, "classifier.dense"));
                g.output(
                        linear(dense, "classifier.out"),
                        LOGITS,
                        OnnxGraph.FLOAT,
                        BATCH,
                        spec.numLabels());
                return g;
            }
            g.output(x, LAST_HIDDEN_STATE, OnnxGraph.FLOAT, BATCH, SEQUENCE, spec.hidden());
            g.output(
                    pooled(x, maskFloat),
                    SENTENCE_EMBEDDING,
                    OnnxGraph.FLOAT,
                    BATCH,
                    spec.hidden());
            return g;
        }

        /** R[bucket(k - q)] as (1, heads, S, S). */
        private String relativeBias(String seqLen) {
            int p = spec.maxPositions();
            long[] bySignedDistance = new long[2 * p - 1];
            long[] grid =
                    RelativePositionBuckets.bucketMatrix(p, spec.relBuckets(), spec.maxRelPos());
            for (int r = -(p - 1);
                    r < p;
                    r++) { // row 0 of the grid holds k - 0 >= 0, column 0 holds 0 - q <= 0
                bySignedDistance[r + p - 1] = r >= 0 ? grid[r] : grid[(-r) * p];
            }
            String table =
                    g.longs(
                            "rel_bias.bucket_of_distance",
                            bySignedDistance,
                            bySignedDistance.length);
            String range = g.op("Range", g.scalar(0L), seqLen, g.scalar(1L));
            String query = g.op("Unsqueeze", range, g.vector(1));
            String key = g.op("Unsqueeze", range, g.vector(0));
            String distance = g.op("Add", g.op("Sub", key, query), g.scalar((long) (p - 1)));
            String buckets = g.op("Gather", table, distance); // (S, S)
            String perBucket = g.op("Gather", param("rel_bias.table"), buckets); // (S, S, heads)
            String byHead = g.op("Transpose", List.of(Attribute.ints("perm", 2, 0, 1)), perBucket);
            return g.op("Unsqueeze", byHead, g.vector(0));
        }

        /** (mask - 1) * 10000 as (B, 1, 1, S): -10000 on padded keys. */
        private String paddingBias(String maskFloat) {
            String bias = g.op("Mul", g.op("Sub", maskFloat, g.scalar(1f)), g.scalar(MASK_VALUE));
            return g.op("Unsqueeze", bias, g.vector(1, 2));
        }

        private String layer(String x, String bias, String prefix) {
            int h = spec.hidden();
            String qkv =
                    g.op(
                            "Reshape",
                            linear(x, prefix + "attn.qkv"),
                            g.vector(0, 0, 3, spec.heads(), spec.headSize()));
            qkv =
                    g.op(
                            "Transpose",
                            List.of(Attribute.ints("perm", 2, 0, 3, 1, 4)),
                            qkv); // (3, B, heads, S, d)
            String q = g.op("Gather", qkv, g.scalar(0L));
            String k = g.op("Gather", qkv, g.scalar(1L));
            String v = g.op("Gather", qkv, g.scalar(2L));
            String keysT = g.op("Transpose", List.of(Attribute.ints("perm", 0, 1, 3, 2)), k);
            String scores =
                    g.op(
                            "Mul",
                            g.op("MatMul", q, keysT),
                            g.scalar((float) (1.0 / Math.sqrt(spec.headSize()))));
            String probs =
                    g.op(
                            "Softmax",
                            List.of(Attribute.integer("axis", -1)),
                            g.op("Add", scores, bias));
            String context =
                    g.op(
                            "Transpose",
                            List.of(Attribute.ints("perm", 0, 2, 1, 3)),
                            g.op("MatMul", probs, v));
            context = g.op("Reshape", context, g.vector(0, 0, h));
            x = layerNorm(g.op("Add", x, linear(context, prefix + "attn.out")), prefix + "ln1");
            String inner = gelu(linear(x, prefix + "ffn.in"));
            return layerNorm(g.op("Add", x, linear(inner, prefix + "ffn.out")), prefix + "ln2");
        }

        /** 0.5 x (1 + erf(x / sqrt 2)). */
        private String gelu(String x) {
            String erf = g.op("Erf", g.op("Div", x, g.scalar((float) Math.sqrt(2.0))));
            return g.op("Mul", g.op("Mul", x, g.op("Add", erf, g.scalar(1f))), g.scalar(0.5f));
        }

        private String pooled(String x, String maskFloat) {
            String pooled;
            if (spec.pooling() == Pooling.CLS) {
                pooled = g.op("Gather", List.of(Attribute.integer("axis", 1)), x, g.scalar(0L));
            } else {
                String m = g.op("Unsqueeze", maskFloat, g.vector(2)); // (B, S, 1)
                List<Attribute> dropAxis = List.of(Attribute.integer("keepdims", 0));
                String sum = g.op("ReduceSum", dropAxis, g.op("Mul", x, m), g.vector(1));
                String count = g.op("ReduceSum", dropAxis, m, g.vector(1));
                pooled = g.op("Div", sum, g.op("Max", count, g.scalar(1e-9f)));
            }
            if (spec.normalize()) {
                String norm =
                        g.op(
                                "Sqrt",
                                g.op(
                                        "ReduceSum",
                                        List.of(Attribute.integer("keepdims", 1)),
                                        g.op("Mul", pooled, pooled),
                                        g.vector(1)));
                pooled = g.op("Div", pooled, g.op("Max", norm, g.scalar(1e-12f)));
            }
            return pooled;
        }

        private String layerNorm(String x, String name) {
            return g.op(
                    "LayerNormalization",
                    List.of(
                            Attribute.integer("axis", -1),
                            Attribute.real("epsilon", (float) spec.layerNormEps())),
                    x,
                    param(name + ".weight"),
                    param(name + ".bias"));
        }

        /** x W^T + b with W stored transposed, (in, out). */
        private String linear(String x, String name) {
            long[] shape = shapes.get(name + ".weight");
            float[] transposed =
                    transpose(weights.get(name + ".weight"), (int) shape[0], (int) shape[1]);
            String weight = g.floats(name + ".weight_t", transposed, shape[1], shape[0]);
            return g.op("Add", g.op("MatMul", x, weight), param(name + ".bias"));
        }

        private String param(String name) {
            return g.floats(name, weights.get(name), shapes.get(name));
        }
    }

    private static float[] transpose(float[] matrix, int rows, int cols) {
        float[] out = new float[matrix.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = matrix[r * cols + c];
            }
        }
        return out;
    }

    private static float[] requireWeight(Map<String, NDArray> weights, String name, long[] shape) {
        NDArray array = weights.get(name);
        if (array == null) {
            throw new IllegalArgumentException(
                    "missing weight " + name + " " + Arrays.toString(shape));
        }
        long[] actual = array.getShape().getShape();
        if (!Arrays.equals(actual, shape)) {
            throw new IllegalArgumentException(
                    "weight "
                            + name
                            + " has shape "
                            + Arrays.toString(actual)
                            + ", expected "
                            + Arrays.toString(shape));
        }
        return array.toType(DataType.FLOAT32, false).toFloatArray();
    }
}
