package dev.amos.eval.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amos.eval.finetune.FineTunedModel;
import dev.amos.eval.glue.GlueExample;
import dev.amos.eval.glue.GluePairEncoder;
import dev.amos.eval.glue.GlueTask;
import dev.amos.model.BadInputException;
import dev.amos.model.Pooling;
import dev.amos.model.export.onnx.EncoderOnnxExporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code amos export --format onnx}: the folder runs in ONNX Runtime (no amos code on the model's
 * path) and gives the vectors of {@code amos embed} ({@link TextEmbedder}) and the logits of {@code
 * amos eval} ({@link FineTunedModel#outputs}) within 1e-4, one text at a time and in padded
 * batches.
 */
class OnnxExporterTest {

    private static final float TOLERANCE = 1e-4f;

    @TempDir static Path dir;

    static Path run;

    @BeforeAll
    static void createRun() throws Exception {
        run = TinyRun.create(dir.resolve("run"), 21);
    }

    @Test
    void meanExportGivesTheVectorsOfAmosEmbedAtSeveralBatchSizes() throws Exception {
        Path out = dir.resolve("onnx-mean");
        OnnxExporter.OnnxFolder folder =
                OnnxExporter.exportEncoder(run, out, Pooling.MEAN, false, 0, false, false);
        for (String file : List.of("model.onnx", "tokenizer.json", "config.json")) {
            assertTrue(Files.isRegularFile(out.resolve(file)), file);
        }
        JsonObject export =
                JsonParser.parseString(Files.readString(out.resolve("config.json")))
                        .getAsJsonObject()
                        .getAsJsonObject("export");
        assertEquals("onnx", export.get("format").getAsString());
        assertEquals("mean", export.get("pooling").getAsString());
        assertEquals(64, export.get("max_length").getAsInt());
        assertEquals(64, folder.maxLength());
        JsonObject marker =
                JsonParser.parseString(Files.readString(out.resolve("amos-folder.json")))
                        .getAsJsonObject();
        assertEquals("onnx", marker.get("format").getAsString());
        assertEquals("encoder", marker.get("content").getAsString());
        // a second export to the same folder needs --overwrite
        assertThrows(
                BadInputException.class,
                () -> OnnxExporter.exportEncoder(run, out, Pooling.MEAN, false, 0, false, false));
        OnnxExporter.exportEncoder(run, out, Pooling.MEAN, false, 0, false, true);
        BadInputException notForEmbed =
                assertThrows(
                        BadInputException.class, () -> TextEmbedder.load(out, Pooling.MEAN, false));
        assertTrue(notForEmbed.getMessage().contains("an ONNX export"), notForEmbed.getMessage());
        float[][] expected;
        try (TextEmbedder embedder = TextEmbedder.load(run, Pooling.MEAN, false)) {
            expected = embedder.embed(TinyRun.TEXTS);
        }
        try (OrtEnvironment env = OrtEnvironment.getEnvironment();
                OrtSession session =
                        env.createSession(
                                folder.modelFile().toString(), new OrtSession.SessionOptions());
                HuggingFaceTokenizer tokenizer =
                        HuggingFaceTokenizer.newInstance(
                                out.resolve("tokenizer.json"),
                                Map.of(
                                        "truncation",
                                        "true",
                                        "maxLength",
                                        "64",
                                        "padding",
                                        "false"))) {
            assertEquals(Set.of("input_ids", "attention_mask"), session.getInputNames());
            List<long[]> ids = new ArrayList<>();
            for (String text : TinyRun.TEXTS) {
                ids.add(tokenizer.encode(text).getIds());
            }
            assertEquals(64, ids.get(5).length, "the longest text is cut at max_positions");
            // the whole list padded to 64, batches of 3 (padded to their own longest), one at a
            // time
            for (int batchSize : new int[] {TinyRun.TEXTS.size(), 3, 1}) {
                float[][] pooled = new float[ids.size()][];
                float[][] meanOfHidden = new float[ids.size()][];
                for (int from = 0; from < ids.size(); from += batchSize) {
                    List<long[]> batch = ids.subList(from, Math.min(ids.size(), from + batchSize));
                    Outputs o = run(env, session, batch, false);
                    for (int i = 0; i < batch.size(); i++) {
                        pooled[from + i] = o.second[i];
                        meanOfHidden[from + i] = mean(o.hidden[i], batch.get(i).length);
                    }
                }
                float diff = TinyRun.maxAbsDiff(expected, pooled);
                assertTrue(
                        diff <= TOLERANCE,
                        "batch " + batchSize + ": sentence_embedding vs amos embed: " + diff);
                diff = TinyRun.maxAbsDiff(expected, meanOfHidden);
                assertTrue(
                        diff <= TOLERANCE,
                        "batch "
                                + batchSize
                                + ": mean of last_hidden_state vs amos embed: "
                                + diff);
            }
        }
    }

    @Test
    void clsNormalizedExportOfTheDiscriminatorWithTokenTypeIds() throws Exception {
        Path out = dir.resolve("onnx-cls");
        OnnxExporter.OnnxFolder folder =
                OnnxExporter.exportEncoder(
                        run.resolve("discriminator"), out, Pooling.CLS, true, 32, true, false);
        assertEquals(32, folder.maxLength());
        assertTrue(
                Files.readString(out.resolve("config.json")).contains("\"max_length\": 32"),
                "--max-len is recorded");
        float[][] expected;
        try (TextEmbedder embedder = TextEmbedder.load(run, Pooling.CLS, true)) {
            expected = embedder.embed(TinyRun.TEXTS);
        }
        try (OrtEnvironment env = OrtEnvironment.getEnvironment();
                OrtSession session =
                        env.createSession(
                                folder.modelFile().toString(), new OrtSession.SessionOptions());
                HuggingFaceTokenizer tokenizer =
                        HuggingFaceTokenizer.newInstance(
                                out.resolve("tokenizer.json"),
                                Map.of(
                                        "truncation",
                                        "true",
                                        "maxLength",
                                        "64",
                                        "padding",
                                        "false"))) {
            assertEquals(
                    Set.of("input_ids", "attention_mask", "token_type_ids"),
                    session.getInputNames());
            List<long[]> ids = new ArrayList<>();
            for (Encoding e : tokenizer.batchEncode(TinyRun.TEXTS.toArray(new String[0]))) {
                ids.add(e.getIds());
            }
            Outputs o = run(env, session, ids, true);
            float diff = TinyRun.maxAbsDiff(expected, o.second);
            assertTrue(diff <= TOLERANCE, "cls + normalize: " + diff);
        }
    }

    @Test
    void pairClassifierExportGivesTheLogitsOfAmosEval() throws Exception {
        Path fineTuned = TinyClassifier.create(dir.resolve("ft-rte"), GlueTask.RTE, 13);
        List<GlueExample> examples =
                List.of(
                        new GlueExample("0", "The cat sat on the mat.", "A cat is sitting.", 0, 0f),
                        new GlueExample(
                                "1",
                                "Paris is the capital of France and its largest city by far, with more "
                                        + "than two million inhabitants living inside its old city walls today.",
                                "Paris is in Germany.",
                                1,
                                0f),
                        new GlueExample("2", "yes", "no", 1, 0f),
                        new GlueExample(
                                "3",
                                "AMOS pretrains text encoders with a mixture of generators of several depths, "
                                        + "which the discriminator learns to tell apart from the original tokens of the text",
                                "The generators are trained adversarially against the discriminator of the model.",
                                0,
                                0f));
        float[][] expected;
        int maxLength;
        try (FineTunedModel model = FineTunedModel.load(fineTuned)) {
            expected = model.outputs(examples, 2);
            maxLength = model.config().maxLength();
        }
        Path out = dir.resolve("onnx-rte");
        OnnxExporter.OnnxFolder folder =
                OnnxExporter.exportClassifier(fineTuned, out, false, false);
        JsonObject config =
                JsonParser.parseString(Files.readString(out.resolve("config.json")))
                        .getAsJsonObject();
        assertEquals("not_entailment", config.getAsJsonObject("id2label").get("1").getAsString());
        List<long[]> ids = new ArrayList<>();
        try (GluePairEncoder encoder =
                GluePairEncoder.load(out.resolve("tokenizer.json"), maxLength)) {
            for (GlueExample example : examples) {
                ids.add(encoder.encode(example).inputIds());
            }
        }
        assertEquals(
                maxLength,
                ids.get(3).length,
                "the longest pair is truncated to the classifier's max length");
        try (OrtEnvironment env = OrtEnvironment.getEnvironment();
                OrtSession session =
                        env.createSession(
                                folder.modelFile().toString(), new OrtSession.SessionOptions())) {
            assertEquals(
                    List.of(EncoderOnnxExporter.LOGITS), List.copyOf(session.getOutputNames()));
            for (int batchSize : new int[] {examples.size(), 1}) {
                float[][] logits = new float[examples.size()][];
                for (int from = 0; from < ids.size(); from += batchSize) {
                    List<long[]> batch = ids.subList(from, Math.min(ids.size(), from + batchSize));
                    float[][] o = run(env, session, batch, false).first2d;
                    System.arraycopy(o, 0, logits, from, o.length);
                }
                float diff = TinyRun.maxAbsDiff(expected, logits);
                assertTrue(
                        diff <= TOLERANCE, "batch " + batchSize + ": logits vs amos eval: " + diff);
            }
        }
    }

    @Test
    void exportingSomethingThatIsNotAModelIsABadInputNamingTheFolder() throws Exception {
        Path notARun = Files.createDirectories(dir.resolve("not-a-run"));
        Path out = dir.resolve("never-written");
        BadInputException e =
                assertThrows(
                        BadInputException.class,
                        () ->
                                OnnxExporter.exportEncoder(
                                        notARun, out, Pooling.MEAN, false, 0, false, false));
        assertTrue(e.getMessage().startsWith(notARun.toString()), e.getMessage());
        assertTrue(!Files.exists(out), "no output folder for a failed export");
    }

    /** Output 0 as [B][S][H] (encoders) or [B][K] (classifiers), and output 1 of encoders. */
    private record Outputs(float[][][] hidden, float[][] first2d, float[][] second) {}

    private static Outputs run(
            OrtEnvironment env, OrtSession session, List<long[]> rows, boolean tokenTypes)
            throws OrtException {
        int seq = rows.stream().mapToInt(r -> r.length).max().orElseThrow();
        long[][] ids = new long[rows.size()][seq];
        long[][] mask = new long[rows.size()][seq];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, ids[i], 0, rows.get(i).length);
            for (int t = 0; t < rows.get(i).length; t++) {
                mask[i][t] = 1;
            }
        }
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put("input_ids", OnnxTensor.createTensor(env, ids));
            inputs.put("attention_mask", OnnxTensor.createTensor(env, mask));
            if (tokenTypes) {
                inputs.put(
                        "token_type_ids", OnnxTensor.createTensor(env, new long[rows.size()][seq]));
            }
            try (OrtSession.Result result = session.run(inputs)) {
                Object first = result.get(0).getValue();
                if (first instanceof float[][] logits) {
                    return new Outputs(null, logits, null);
                }
                return new Outputs((float[][][]) first, null, (float[][]) result.get(1).getValue());
            }
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private static float[] mean(float[][] hidden, int length) {
        float[] sum = new float[hidden[0].length];
        for (int t = 0; t < length; t++) {
            for (int j = 0; j < sum.length; j++) {
                sum[j] += hidden[t][j];
            }
        }
        for (int j = 0; j < sum.length; j++) {
            sum[j] /= length;
        }
        return sum;
    }
}
