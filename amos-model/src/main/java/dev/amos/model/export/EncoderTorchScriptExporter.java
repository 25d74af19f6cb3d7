package dev.amos.model.export;

import ai.djl.ndarray.NDArray;
import com.google.gson.GsonBuilder;
import dev.amos.model.Pooling;
import dev.amos.model.RelativePositionBuckets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Exports the BERT-style encoder (post-LayerNorm transformer with T5-style relative position bias,
 * as in COCO-LM / AMOS, <a href="https://arxiv.org/abs/2204.03243">arXiv 2204.03243</a>) as a
 * self-contained TorchScript archive: one flat scripted module class {@code __torch__.AmosEncoder}
 * whose {@code forward(input_ids: Tensor, attention_mask: Tensor)} (int64 inputs of shape [batch,
 * seq]) returns {@code (last_hidden [B,S,H], pooled [B,H])} (cls or mask-weighted mean, optionally
 * L2-normalised) or, with a classification head, the logits {@code [B,C]} alone (a single tensor,
 * so DJL's text-classification translators read them as the first output). It loads with no project
 * code in DJL ({@code Criteria}, engine PyTorch), {@code torch.jit.load} and TorchServe.
 *
 * <p>Math (float32, eval mode, no dropout):
 *
 * <pre>
 * x = LN(E[ids] + P[0:S]);  if De != H: x = x W_proj^T + b_proj
 * bias = R[Bk[:S,:S]] -> (heads,S,S) + (1 - mask) * -10000 broadcast over heads and queries
 * per layer: qkv = x Wqkv^T + b ([q;k;v]); p = softmax(q k^T / sqrt(d) + bias); ctx = p v
 *            x = LN(x + ctx Wo^T + bo); x = LN(x + gelu_erf(x W1^T + b1) W2^T + b2)
 * pooled: cls = x[:,0]; mean = sum(x * m) / max(sum(m), 1e-9); normalised: v / max(|v|, 1e-12)
 * logits = tanh(x[:,0] Wd^T + bd) Wc^T + bc
 * </pre>
 *
 * Weight names and shapes: {@link #expectedShapes}. Attribute names in the archive are the weight
 * names with {@code .} replaced by {@code _}; the bucket matrix Bk ({@link
 * RelativePositionBuckets#bucketMatrix}) is the int64 buffer {@code rel_bias_buckets}. The spec is
 * also stored as {@code extra/amos_encoder.json}.
 */
public final class EncoderTorchScriptExporter {

    /** Qualified class name of the exported module. */
    public static final String CLASS_QUALIFIER = "__torch__";

    public static final String CLASS_NAME = "AmosEncoder";

    /** Name of the extra file holding the spec as JSON. */
    public static final String SPEC_EXTRA_FILE = "amos_encoder.json";

    private static final String BUCKET_BUFFER = "rel_bias_buckets";
    private static final double MASK_VALUE = -10000.0;
    private static final String[] LAYER_WEIGHTS = {
        "attn.qkv.weight", "attn.qkv.bias", "attn.out.weight", "attn.out.bias", "ln1.weight",
                "ln1.bias",
        "ffn.in.weight", "ffn.in.bias", "ffn.out.weight", "ffn.out.bias", "ln2.weight", "ln2.bias"
    };

    private EncoderTorchScriptExporter() {}

    /**
     * Writes the archive to {@code file} (atomically). The arrays are read during the call only.
     *
     * @param weights weight name -> float array of the shape in {@link #expectedShapes}; other
     *     names are ignored
     * @throws IllegalArgumentException if a weight is missing or has the wrong shape
     */
    public static void export(Path file, EncoderExportSpec spec, Map<String, NDArray> weights)
            throws IOException {
        TorchScriptArchiveWriter.write(
                file, moduleDefinition(spec, weights), Map.of(SPEC_EXTRA_FILE, specJson(spec)));
    }

    /** The scripted module (class source plus attributes) that {@link #export} writes. */
    public static ScriptModuleDefinition moduleDefinition(
            EncoderExportSpec spec, Map<String, NDArray> weights) {
        List<ScriptModuleDefinition.Attribute> attributes = new ArrayList<>();
        for (Map.Entry<String, long[]> expected : expectedShapes(spec).entrySet()) {
            NDArray array = requireWeight(weights, expected.getKey(), expected.getValue());
            attributes.add(
                    ScriptModuleDefinition.Attribute.parameter(
                            attributeName(expected.getKey()), ScriptTensor.ofNDArray(array)));
        }
        long[] buckets =
                RelativePositionBuckets.bucketMatrix(
                        spec.maxPositions(), spec.relBuckets(), spec.maxRelPos());
        attributes.add(
                ScriptModuleDefinition.Attribute.buffer(
                        BUCKET_BUFFER,
                        ScriptTensor.ofLongs(buckets, spec.maxPositions(), spec.maxPositions())));
        return new ScriptModuleDefinition(
                CLASS_QUALIFIER, CLASS_NAME, attributes, methodsSource(spec));
    }

    /** The weights the spec needs, in archive order, with their shapes. */
    public static Map<String, long[]> expectedShapes(EncoderExportSpec spec) {
        int h = spec.hidden();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("embeddings.word", shape(spec.vocabSize(), spec.embeddingSize()));
        shapes.put("embeddings.position", shape(spec.maxPositions(), spec.embeddingSize()));
        shapes.put("embeddings.ln.weight", shape(spec.embeddingSize()));
        shapes.put("embeddings.ln.bias", shape(spec.embeddingSize()));
        if (spec.projectsEmbeddings()) {
            shapes.put("embeddings.project.weight", shape(h, spec.embeddingSize()));
            shapes.put("embeddings.project.bias", shape(h));
        }
        shapes.put("rel_bias.table", shape(spec.relBuckets(), spec.heads()));
        long[][] layerShapes = {
            shape(3L * h, h), shape(3L * h), shape(h, h), shape(h), shape(h), shape(h),
            shape(spec.ffn(), h), shape(spec.ffn()), shape(h, spec.ffn()), shape(h), shape(h),
                    shape(h)
        };
        for (int layer = 0; layer < spec.layers(); layer++) {
            for (int i = 0; i < LAYER_WEIGHTS.length; i++) {
                shapes.put(layerWeight(layer, LAYER_WEIGHTS[i]), layerShapes[i]);
            }
        }
        if (spec.hasClassifier()) {
            shapes.put("classifier.dense.weight", shape(h, h));
            shapes.put("classifier.dense.bias", shape(h));
            shapes.put("classifier.out.weight", shape(spec.numLabels(), h));
            shapes.put("classifier.out.bias", shape(spec.numLabels()));
        }
        return shapes;
    }

    /** The TorchScript source of {@code forward} and its per-layer helper. */
    static String methodsSource(EncoderExportSpec spec) {
        return forwardSource(spec) + "\n" + layerSource(spec);
    }

    private static String forwardSource(EncoderExportSpec spec) {
        String eps = Double.toString(spec.layerNormEps());
        StringBuilder code = new StringBuilder();
        code.append("def forward(self, input_ids: Tensor, attention_mask: Tensor) -> ")
                .append(spec.hasClassifier() ? "Tensor" : "Tuple[Tensor, Tensor]")
                .append(":\n");
        line(code, "seq_len = torch.size(input_ids, 1)");
        line(code, "x = torch.embedding(self.embeddings_word, input_ids)");
        line(code, "x = x + torch.slice(self.embeddings_position, 0, 0, seq_len)");
        line(
                code,
                "x = torch.layer_norm(x, ["
                        + spec.embeddingSize()
                        + "], self.embeddings_ln_weight, "
                        + "self.embeddings_ln_bias, "
                        + eps
                        + ")");
        if (spec.projectsEmbeddings()) {
            line(
                    code,
                    "x = torch.linear(x, self.embeddings_project_weight, self.embeddings_project_bias)");
        }
        line(
                code,
                "buckets = torch.slice(torch.slice(self."
                        + BUCKET_BUFFER
                        + ", 0, 0, seq_len), 1, 0, seq_len)");
        line(
                code,
                "rel_bias = torch.unsqueeze(torch.permute(torch.embedding(self.rel_bias_table, buckets), "
                        + "[2, 0, 1]), 0)");
        line(
                code,
                "mask = torch.to(torch.unsqueeze(torch.unsqueeze(attention_mask, 1), 2), ops.prim.dtype(x))");
        line(code, "attn_bias = rel_bias + (1.0 - mask) * " + MASK_VALUE);
        for (int layer = 0; layer < spec.layers(); layer++) {
            StringBuilder call = new StringBuilder("x = self.encoder_layer(x, attn_bias");
            for (String weight : LAYER_WEIGHTS) {
                call.append(", self.").append(attributeName(layerWeight(layer, weight)));
            }
            line(code, call.append(')').toString());
        }
        if (spec.hasClassifier()) {
            line(code, "first = torch.select(x, 1, 0)");
            line(
                    code,
                    "dense = torch.tanh(torch.linear(first, self.classifier_dense_weight, "
                            + "self.classifier_dense_bias))");
            line(
                    code,
                    "return torch.linear(dense, self.classifier_out_weight, self.classifier_out_bias)");
            return code.toString();
        }
        if (spec.pooling() == Pooling.CLS) {
            line(code, "pooled = torch.select(x, 1, 0)");
        } else {
            line(code, "weights = torch.unsqueeze(torch.to(attention_mask, ops.prim.dtype(x)), 2)");
            line(
                    code,
                    "pooled = torch.sum(x * weights, [1]) / torch.clamp_min(torch.sum(weights, [1]), 1.0e-9)");
        }
        if (spec.normalize()) {
            line(code, "norm = torch.sqrt(torch.sum(pooled * pooled, [1], True))");
            line(code, "pooled = pooled / torch.clamp_min(norm, 1.0e-12)");
        }
        line(code, "return (x, pooled)");
        return code.toString();
    }

    private static String layerSource(EncoderExportSpec spec) {
        int h = spec.hidden();
        String eps = Double.toString(spec.layerNormEps());
        StringBuilder code =
                new StringBuilder("def encoder_layer(self, x: Tensor, attn_bias: Tensor");
        for (String weight : LAYER_WEIGHTS) {
            code.append(", ").append(attributeName(weight)).append(": Tensor");
        }
        code.append(") -> Tensor:\n");
        line(code, "batch = torch.size(x, 0)");
        line(code, "seq_len = torch.size(x, 1)");
        line(code, "qkv = torch.linear(x, attn_qkv_weight, attn_qkv_bias)");
        String[] parts = {"q", "k", "v"};
        for (int i = 0; i < parts.length; i++) {
            line(
                    code,
                    parts[i]
                            + " = torch.permute(torch.reshape(torch.slice(qkv, 2, "
                            + i * h
                            + ", "
                            + (i + 1) * h
                            + "), [batch, seq_len, "
                            + spec.heads()
                            + ", "
                            + spec.headSize()
                            + "]), [0, 2, 1, 3])");
        }
        line(
                code,
                "scores = torch.matmul(q, torch.transpose(k, -1, -2)) / "
                        + Math.sqrt(spec.headSize())
                        + " + attn_bias");
        line(code, "probs = torch.softmax(scores, -1)");
        line(
                code,
                "context = torch.reshape(torch.permute(torch.matmul(probs, v), [0, 2, 1, 3]), "
                        + "[batch, seq_len, "
                        + h
                        + "])");
        line(
                code,
                "x = torch.layer_norm(x + torch.linear(context, attn_out_weight, attn_out_bias), ["
                        + h
                        + "], ln1_weight, ln1_bias, "
                        + eps
                        + ")");
        line(code, "inner = torch.gelu(torch.linear(x, ffn_in_weight, ffn_in_bias))");
        line(
                code,
                "return torch.layer_norm(x + torch.linear(inner, ffn_out_weight, ffn_out_bias), ["
                        + h
                        + "], ln2_weight, ln2_bias, "
                        + eps
                        + ")");
        return code.toString();
    }

    private static NDArray requireWeight(Map<String, NDArray> weights, String name, long[] shape) {
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
        return array;
    }

    private static byte[] specJson(EncoderExportSpec spec) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("format", "amos-encoder-torchscript/1");
        json.put(
                "inputs",
                List.of("input_ids int64 [batch, seq]", "attention_mask int64 [batch, seq]"));
        json.put(
                "outputs",
                spec.hasClassifier()
                        ? List.of("logits float32 [batch, num_labels]")
                        : List.of(
                                "last_hidden float32 [batch, seq, hidden]",
                                "pooled float32 [batch, hidden]"));
        json.put("vocab_size", spec.vocabSize());
        json.put("embedding_size", spec.embeddingSize());
        json.put("hidden_size", spec.hidden());
        json.put("num_layers", spec.layers());
        json.put("num_heads", spec.heads());
        json.put("ffn_size", spec.ffn());
        json.put("max_positions", spec.maxPositions());
        json.put("rel_pos_buckets", spec.relBuckets());
        json.put("max_rel_pos", spec.maxRelPos());
        json.put("layer_norm_eps", spec.layerNormEps());
        json.put("pooling", spec.pooling().externalName());
        json.put("normalize", spec.normalize());
        json.put("num_labels", spec.numLabels());
        return new GsonBuilder()
                .setPrettyPrinting()
                .create()
                .toJson(json)
                .getBytes(StandardCharsets.UTF_8);
    }

    private static void line(StringBuilder code, String statement) {
        code.append("  ").append(statement).append('\n');
    }

    private static String layerWeight(int layer, String weight) {
        return "layers." + layer + "." + weight;
    }

    private static String attributeName(String weightName) {
        return weightName.replace('.', '_');
    }

    private static long[] shape(long... dims) {
        return dims;
    }
}
