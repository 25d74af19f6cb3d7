package dev.amos.integration.springai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amos.integration.AmosCli;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.ai.transformers.TransformersEmbeddingModel;

/**
 * Spring AI's {@code TransformersEmbeddingModel} (spring-ai-transformers 1.0.0: ONNX Runtime 1.19.2
 * and DJL 0.32, nothing of amos on the class path) loads {@code amos export --format onnx} and
 * gives the vectors of {@code amos embed --pooling mean} (Spring AI mean-pools {@code
 * last_hidden_state} with the attention mask and does not normalise): cosine >= 0.9999 and within
 * 1e-4 per component, on one padded batch.
 */
class TransformersEmbeddingModelTest {

    private static final List<String> TEXTS =
            List.of(
                    "hello world",
                    "The quick brown fox jumps over the lazy dog.",
                    "AMOS pretrains text encoders against a mixture of generators of several depths.",
                    "Embeddings, in-process, on the JVM: ONNX Runtime plus a tokenizer.json!",
                    "a",
                    "Unbelievably, the committee's 1987 report (pages 12-19) was never published.");

    static AmosCli amos;

    @BeforeAll
    static void trainExportAndEmbed() throws Exception {
        amos = AmosCli.inFreshFolder(Path.of("target", "amos"));
        Path run = amos.trainTinyRun();
        Path texts = amos.work("texts.txt");
        Files.write(texts, TEXTS, StandardCharsets.UTF_8);
        amos.run(
                "export",
                "--model",
                run.toString(),
                "--out",
                amos.work("onnx").toString(),
                "--format",
                "onnx",
                "--pooling",
                "mean");
        amos.run(
                "embed",
                "--model",
                run.toString(),
                "--input",
                texts.toString(),
                "--output",
                amos.work("mean.jsonl").toString(),
                "--pooling",
                "mean");
    }

    @Test
    void meanPoolingGivesTheVectorsOfAmosEmbed() throws Exception {
        Path folder = amos.work("onnx");
        TransformersEmbeddingModel model = new TransformersEmbeddingModel();
        model.setModelResource("file:" + folder.resolve("model.onnx").toAbsolutePath());
        model.setTokenizerResource("file:" + folder.resolve("tokenizer.json").toAbsolutePath());
        model.setTokenizerOptions(
                Map.of("padding", "true")); // one batch of texts of different lengths
        model.setDisableCaching(true);
        model.afterPropertiesSet();
        List<float[]> expected = AmosCli.readVectors(amos.work("mean.jsonl"));
        List<float[]> actual = model.embed(TEXTS);
        assertEquals(TEXTS.size(), actual.size());
        double closestOtherText = -1;
        for (int i = 0; i < TEXTS.size(); i++) {
            double cosine = cosine(expected.get(i), actual.get(i));
            assertTrue(cosine >= 0.9999, "text " + i + " '" + TEXTS.get(i) + "': cosine " + cosine);
            float worst = 0;
            for (int j = 0; j < expected.get(i).length; j++) {
                worst = Math.max(worst, Math.abs(expected.get(i)[j] - actual.get(i)[j]));
            }
            assertTrue(worst <= 1e-4f, "text " + i + ": max abs difference " + worst);
            for (int j = 0; j < TEXTS.size(); j++) {
                if (j != i) {
                    closestOtherText =
                            Math.max(closestOtherText, cosine(expected.get(j), actual.get(i)));
                }
            }
        }
        assertTrue(
                closestOtherText < 0.999,
                "different texts too alike to test anything: " + closestOtherText);
    }

    private static double cosine(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
