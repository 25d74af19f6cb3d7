package dev.amos.integration.langchain4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.amos.integration.AmosCli;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.OnnxEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A vocabulary trained by {@code amos tokenizer train} on the quickstart sample, used end to end:
 * DJL 0.36's tokenizers (the version LangChain4j brings, not amos's 0.25) load it with the special
 * ids amos expects, a run trained with it exports to ONNX, and LangChain4j gives the vectors of
 * {@code amos embed} on that run.
 */
class TrainedTokenizerTest {

    private static final List<String> TEXTS =
            List.of(
                    "the history of the city",
                    "A river runs through the old town.",
                    "Zymurgy and quixotic xylophones");

    @Test
    void aTrainedVocabularyLoadsInLangChain4jsTokenizersAndEmbedsLikeAmos() throws Exception {
        AmosCli amos = AmosCli.inFreshFolder(Path.of("target", "amos-tokenizer"));
        Path tokenizer = amos.work("tokenizer.json");
        amos.run(
                "tokenizer",
                "train",
                "--corpus",
                amos.sampleCorpus().toString(),
                "--vocab-size",
                "512",
                "--lowercase",
                "--out",
                tokenizer.toString());

        try (HuggingFaceTokenizer djl = HuggingFaceTokenizer.newInstance(tokenizer)) {
            Encoding e = djl.encode("the city");
            long[] ids = e.getIds();
            assertEquals(2L, ids[0], "[CLS] is id 2");
            assertEquals(3L, ids[ids.length - 1], "[SEP] is id 3");
            assertEquals("the", e.getTokens()[1]);
            Encoding rare = djl.encode("zymurgy");
            assertTrue(
                    rare.getTokens().length > 3,
                    "a rare word splits into pieces: " + List.of(rare.getTokens()));
            for (long id : djl.encode(TEXTS.get(1)).getIds()) {
                assertTrue(id >= 0 && id < 512, "ids stay inside the vocabulary: " + id);
            }
            assertArrayEquals(djl.encode("the city").getIds(), ids, "deterministic");
        }

        Path run = amos.trainTinyRun(tokenizer, "run-own-vocabulary");
        Path texts = amos.work("texts.txt");
        Files.write(texts, TEXTS, StandardCharsets.UTF_8);
        Path export = amos.work("onnx-own-vocabulary");
        amos.run(
                "export",
                "--model",
                run.toString(),
                "--out",
                export.toString(),
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
                amos.work("own-vocabulary.jsonl").toString(),
                "--pooling",
                "mean",
                "--normalize");
        List<float[]> expected = AmosCli.readVectors(amos.work("own-vocabulary.jsonl"));
        OnnxEmbeddingModel model =
                new OnnxEmbeddingModel(
                        export.resolve("model.onnx"),
                        export.resolve("tokenizer.json"),
                        PoolingMode.MEAN);
        List<float[]> actual =
                model.embedAll(TEXTS.stream().map(TextSegment::from).toList()).content().stream()
                        .map(v -> v.vector())
                        .toList();
        for (int i = 0; i < TEXTS.size(); i++) {
            double cosine = cosine(expected.get(i), actual.get(i));
            assertTrue(cosine >= 0.9999, "text " + i + ": cosine " + cosine);
        }
    }

    private static double cosine(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
