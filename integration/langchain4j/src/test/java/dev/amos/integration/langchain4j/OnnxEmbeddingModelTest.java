package dev.amos.integration.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amos.integration.AmosCli;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.OnnxEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * LangChain4j's {@code OnnxEmbeddingModel} (langchain4j-embeddings 1.19.0-beta29: ONNX Runtime
 * 1.20.0 and DJL 0.36 tokenizers, nothing of amos on the class path) loads {@code amos export
 * --format onnx} ({@code model.onnx} + {@code tokenizer.json}) and gives the vectors of {@code amos
 * embed} on the same run: cosine >= 0.9999 for every text, with mean and with cls pooling.
 * LangChain4j always L2-normalises, so amos embeds with {@code --normalize}.
 */
class OnnxEmbeddingModelTest {

    private static final double MIN_COSINE = 0.9999;

    /** Short enough for one LangChain4j partition (510 tokens) and amos-tiny's 128 positions. */
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
        for (String pooling : List.of("mean", "cls")) {
            amos.run(
                    "export",
                    "--model",
                    run.toString(),
                    "--out",
                    amos.work("onnx-" + pooling).toString(),
                    "--format",
                    "onnx",
                    "--pooling",
                    pooling);
            amos.run(
                    "embed",
                    "--model",
                    run.toString(),
                    "--input",
                    texts.toString(),
                    "--output",
                    amos.work(pooling + ".jsonl").toString(),
                    "--pooling",
                    pooling,
                    "--normalize");
        }
    }

    @Test
    void meanPoolingGivesTheVectorsOfAmosEmbed() throws Exception {
        assertSameVectors("mean", PoolingMode.MEAN);
    }

    @Test
    void clsPoolingGivesTheVectorsOfAmosEmbed() throws Exception {
        assertSameVectors("cls", PoolingMode.CLS);
    }

    private static void assertSameVectors(String pooling, PoolingMode mode) throws Exception {
        Path folder = amos.work("onnx-" + pooling);
        String config = Files.readString(folder.resolve("config.json"));
        assertTrue(
                config.contains("\"pooling\": \"" + pooling + "\""),
                "config.json names the pooling: " + config);
        List<float[]> expected = AmosCli.readVectors(amos.work(pooling + ".jsonl"));
        assertEquals(TEXTS.size(), expected.size());
        OnnxEmbeddingModel model =
                new OnnxEmbeddingModel(
                        folder.resolve("model.onnx"), folder.resolve("tokenizer.json"), mode);
        List<Embedding> embeddings =
                model.embedAll(TEXTS.stream().map(TextSegment::from).toList()).content();
        assertEquals(expected.get(0).length, model.dimension());
        double closestOtherText = -1;
        for (int i = 0; i < TEXTS.size(); i++) {
            double cosine = cosine(expected.get(i), embeddings.get(i).vector());
            assertTrue(
                    cosine >= MIN_COSINE,
                    pooling + ", text " + i + " '" + TEXTS.get(i) + "': cosine " + cosine);
            for (int j = 0; j < TEXTS.size(); j++) {
                if (j != i) {
                    closestOtherText =
                            Math.max(
                                    closestOtherText,
                                    cosine(expected.get(j), embeddings.get(i).vector()));
                }
            }
        }
        // the comparison can fail: the vectors of different texts are far from each other
        assertTrue(
                closestOtherText < 0.999,
                pooling + ": different texts too alike to test anything: " + closestOtherText);
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
