package dev.amos.eval.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.inference.Predictor;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amos.model.BadInputException;
import dev.amos.model.Pooling;
import java.io.BufferedReader;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TextEmbedder on a tiny random run: padding invariance, pooling math, threads, the embed core. */
class TextEmbedderTest {

    @TempDir static Path dir;

    static TextEmbedder mean;
    static TextEmbedder clsNormalized;

    @BeforeAll
    static void load() throws Exception {
        TinyRun.create(dir.resolve("run"), 7);
        mean = TextEmbedder.load(dir.resolve("run"), Pooling.MEAN, false);
        clsNormalized = TextEmbedder.load(dir.resolve("run/discriminator"), Pooling.CLS, true);
    }

    @AfterAll
    static void close() {
        mean.close();
        clsNormalized.close();
    }

    @Test
    void paddedBatchGivesTheVectorsOfEachTextAlone() throws Exception {
        for (TextEmbedder embedder : List.of(mean, clsNormalized)) {
            float[][] batched = embedder.embed(TinyRun.TEXTS);
            float[][] alone = new float[TinyRun.TEXTS.size()][];
            try (Predictor<String, float[]> single = embedder.newPredictor()) {
                for (int i = 0; i < alone.length; i++) {
                    alone[i] = single.predict(TinyRun.TEXTS.get(i));
                }
            }
            assertEquals(32, batched[0].length);
            float diff = TinyRun.maxAbsDiff(batched, alone);
            assertTrue(
                    diff <= 1e-5f,
                    embedder.pooling() + ": padded batch vs alone differ by " + diff);
            // texts differ, so the vectors must (a mask bug or a constant output would not)
            float spread =
                    TinyRun.maxAbsDiff(new float[][] {batched[0]}, new float[][] {batched[3]});
            assertTrue(spread > 1e-3f, "vectors of different texts are nearly equal: " + spread);
        }
    }

    @Test
    void normalizedVectorsHaveUnitLengthAndMeanIsNotCls() {
        for (float[] v : clsNormalized.embed(TinyRun.TEXTS)) {
            double norm = 0;
            for (float x : v) {
                norm += x * x;
            }
            assertEquals(1.0, Math.sqrt(norm), 1e-5);
        }
        float[][] m = mean.embed(List.of("hello world"));
        double meanNorm = 0;
        for (float x : m[0]) {
            meanNorm += x * x;
        }
        assertTrue(
                Math.abs(Math.sqrt(meanNorm) - 1) > 1e-3,
                "mean pooling without --normalize must not be unit length");
    }

    @Test
    void sixteenThreadsAtOnceGiveTheSameVectorsAsOneThread() throws Exception {
        List<List<String>> batches = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            List<String> batch = new ArrayList<>();
            for (int i = 0; i <= t % 4; i++) {
                batch.add(TinyRun.TEXTS.get((t + i) % TinyRun.TEXTS.size()) + " " + t);
            }
            batches.add(batch);
        }
        List<float[][]> sequential = new ArrayList<>();
        for (List<String> batch : batches) {
            sequential.add(mean.embed(batch));
        }
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<float[][]>> futures = new ArrayList<>();
            for (List<String> batch : batches) {
                Callable<float[][]> task =
                        () -> {
                            start.await();
                            return mean.embed(batch);
                        };
                futures.add(pool.submit(task));
            }
            start.countDown();
            for (int t = 0; t < 16; t++) {
                float diff = TinyRun.maxAbsDiff(sequential.get(t), futures.get(t).get());
                assertTrue(diff <= 1e-6f, "thread " + t + " differs by " + diff);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void embedJobWritesOneJsonLinePerInputLine() throws Exception {
        String input = String.join("\n", TinyRun.TEXTS) + "\n";
        StringWriter out = new StringWriter();
        List<Long> progress = new ArrayList<>();
        long n =
                EmbedJob.run(
                        mean, new BufferedReader(new StringReader(input)), out, 3, progress::add);
        assertEquals(TinyRun.TEXTS.size(), n);
        assertEquals(
                List.of(7L),
                progress); // one window (3 x EmbedJob.WINDOW_BATCHES texts) holds all seven
        String[] lines = out.toString().split("\n", -1);
        assertEquals(TinyRun.TEXTS.size() + 1, lines.length);
        assertEquals("", lines[lines.length - 1]);
        float[][] expected = mean.embed(TinyRun.TEXTS);
        for (int i = 0; i < TinyRun.TEXTS.size(); i++) {
            JsonObject row = JsonParser.parseString(lines[i]).getAsJsonObject();
            assertEquals(TinyRun.TEXTS.get(i), row.get("text").getAsString());
            JsonArray embedding = row.getAsJsonArray("embedding");
            assertEquals(32, embedding.size());
            for (int j = 0; j < 32; j++) {
                assertEquals(expected[i][j], embedding.get(j).getAsFloat(), 1e-6f);
            }
        }
    }

    @Test
    void lengthSortedWindowsKeepInputOrderAndEachTextsOwnEmbedding() throws Exception {
        // more than one window of mixed lengths: each line's vector must be its own text's, alone
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 3 * EmbedJob.WINDOW_BATCHES + 5; i++) {
            String base = TinyRun.TEXTS.get(i % TinyRun.TEXTS.size());
            texts.add(i % 3 == 0 ? base : i % 3 == 1 ? base + " " + base : "word " + i);
        }
        StringWriter out = new StringWriter();
        List<Long> progress = new ArrayList<>();
        EmbedJob.run(
                mean,
                new BufferedReader(new StringReader(String.join("\n", texts))),
                out,
                3,
                progress::add);
        assertEquals(List.of(3L * EmbedJob.WINDOW_BATCHES, (long) texts.size()), progress);
        String[] lines = out.toString().split("\n");
        assertEquals(texts.size(), lines.length);
        for (int i = 0; i < texts.size(); i++) {
            JsonObject row = JsonParser.parseString(lines[i]).getAsJsonObject();
            assertEquals(texts.get(i), row.get("text").getAsString(), "line " + i);
            float[] alone = mean.embed(List.of(texts.get(i)))[0];
            JsonArray embedding = row.getAsJsonArray("embedding");
            for (int j = 0; j < alone.length; j++) {
                assertEquals(
                        alone[j], embedding.get(j).getAsFloat(), 1e-5f, "line " + i + ", dim " + j);
            }
        }
        assertEquals(
                List.of(1, 0, 3, 2),
                List.of(
                        EmbedJob.lengthOrder(
                                List.of(
                                        "bb", "ccc", "a",
                                        "dd")))); // longest first, ties in input order
    }

    @Test
    void embeddingManyBatchesLeavesNoArrayBehind() {
        List<String> texts =
                List.of(
                        "the cat sat on the mat .",
                        "a dog",
                        "another short sentence about nothing at all");
        mean.embed(texts); // warm: pools and caches
        ai.djl.ndarray.BaseNDManager models =
                (ai.djl.ndarray.BaseNDManager) mean.model().getNDManager();
        int before = models.getManagedArrays().size();
        for (int i = 0; i < 50; i++) {
            mean.embed(texts);
        }
        assertEquals(
                before,
                models.getManagedArrays().size(),
                "arrays left on the model's manager after 50 batches");
    }

    @Test
    void aFolderThatIsNotARunIsABadInputNamingIt() throws Exception {
        Path notARun = Files.createDirectories(dir.resolve("empty-folder"));
        BadInputException e =
                assertThrows(
                        BadInputException.class,
                        () -> TextEmbedder.load(notARun, Pooling.MEAN, false));
        assertTrue(
                e.getMessage().contains(notARun.toString())
                        && e.getMessage().contains("not a pretraining run"),
                e.getMessage());
    }
}
