package dev.amos.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Record;
import ai.djl.translate.TranslateException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DJL dataset over packed examples, and the whole pipeline on the shipped sample. */
class PretrainingDatasetTest {

    private static final SpecialTokens SPECIAL =
            new SpecialTokens(0, 100, 101, 102, 103, 30522, List.of());

    @TempDir Path temp;

    private static PackedExamples examples(int documents, int maxLength) {
        List<List<long[]>> docs = new ArrayList<>();
        for (int d = 0; d < documents; d++) {
            long[] line = new long[10 + d % 50];
            for (int t = 0; t < line.length; t++) {
                line[t] = 1000 + d;
            }
            docs.add(List.of(line));
        }
        return new ExamplePacker(maxLength, SPECIAL).pack(TokenCorpus.of(docs), 0);
    }

    private static PretrainingDataset dataset(
            PackedExamples examples, Masker masker, long firstBatch) {
        return PretrainingDataset.builder()
                .setExamples(examples)
                .setMasker(masker)
                .setSampling(new StepSampler(9, 16, firstBatch, firstBatch + 3))
                .build();
    }

    /**
     * The batches of a dataset as host arrays: [corrupted, attention, original, positions] per
     * batch.
     */
    private static List<long[][]> batches(
            PretrainingDataset dataset, NDManager manager, ExecutorService executor)
            throws IOException, TranslateException {
        List<long[][]> out = new ArrayList<>();
        for (Batch batch :
                executor == null ? dataset.getData(manager) : dataset.getData(manager, executor)) {
            try (batch) {
                NDList data = batch.getData();
                assertEquals(4, data.size());
                assertSame(
                        manager,
                        batch.getManager().getParentManager(),
                        "arrays created in the given manager");
                for (NDArray a : data) {
                    assertEquals(DataType.INT64, a.getDataType());
                    assertSame(
                            batch.getManager(),
                            a.getManager(),
                            "created once, in the batch's manager");
                }
                assertEquals(new Shape(16, 64), data.get(0).getShape());
                assertSame(data.get(2), batch.getLabels().get(0), "labels are the original ids");
                assertSame(data.get(3), batch.getLabels().get(1), "and the masked positions");
                out.add(
                        new long[][] {
                            data.get(0).toLongArray(),
                            data.get(1).toLongArray(),
                            data.get(2).toLongArray(),
                            data.get(3).toLongArray()
                        });
            }
        }
        return out;
    }

    @Test
    void batchesComeMaskedOnTheHostWithTheMasksOfTheirBatchIndex()
            throws IOException, TranslateException {
        PackedExamples examples = examples(200, 64);
        Masker masker = new Masker(MaskingConfig.amos(), SPECIAL, 9);
        ExecutorService executor = Executors.newFixedThreadPool(2);
        try (NDManager manager = NDManager.newBaseManager()) {
            List<long[][]> run = batches(dataset(examples, masker, 0), manager, null);
            assertEquals(3, run.size());
            StepSampler sampler = new StepSampler(9, 16, 0, 3);
            Iterator<List<Long>> indices = sampler.sample(dataset(examples, masker, 0));
            for (int k = 0; k < 3; k++) {
                long[] ids = new long[16 * 64];
                long[] attention = new long[16 * 64];
                List<Long> batch = indices.next();
                long[] row = new long[64];
                for (int i = 0; i < 16; i++) {
                    int real = examples.fill(batch.get(i), row);
                    System.arraycopy(row, 0, ids, i * 64, 64);
                    Arrays.fill(attention, i * 64, i * 64 + real, 1L);
                }
                MaskedBatch expected = masker.mask(ids, attention, 16, 64, k);
                assertArrayEquals(
                        expected.corrupted(),
                        run.get(k)[0],
                        "batch " + k + " has the masks of step " + k);
                assertArrayEquals(attention, run.get(k)[1], "attention marks exactly the real ids");
                assertArrayEquals(ids, run.get(k)[2]);
                assertArrayEquals(expected.positions(), run.get(k)[3]);
            }
            List<long[][]> prefetched = batches(dataset(examples, masker, 0), manager, executor);
            List<long[][]> resumed = batches(dataset(examples, masker, 1), manager, executor);
            for (int k = 0; k < 3; k++) {
                for (int a = 0; a < 4; a++) {
                    assertArrayEquals(
                            run.get(k)[a], prefetched.get(k)[a], "prefetching changes nothing");
                }
            }
            for (int a = 0; a < 4; a++) {
                assertArrayEquals(
                        run.get(1)[a],
                        resumed.get(0)[a],
                        "a resumed run's first batch is batch 1, same masks");
            }
            Record record = dataset(examples, masker, 0).get(manager, 5);
            assertEquals(
                    2,
                    record.getData().size(),
                    "DJL's per-record view: unmasked ids and attention");
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void sampleCorpusFlowsFromTextToMaskedBatches() throws IOException, TranslateException {
        Path part = temp.resolve("sample-part.txt");
        try (BufferedReader reader =
                new BufferedReader(
                        new InputStreamReader(
                                new GZIPInputStream(Files.newInputStream(TestData.wikiSample())),
                                StandardCharsets.UTF_8))) {
            List<String> lines = new ArrayList<>();
            String line;
            while (lines.size() < 1500 && (line = reader.readLine()) != null) {
                lines.add(line);
            }
            Files.write(part, lines, StandardCharsets.UTF_8);
        }
        try (CorpusTokenizer tokenizer = CorpusTokenizer.load(TestData.tokenizerJson());
                NDManager manager = NDManager.newBaseManager()) {
            TokenShards shards =
                    new ShardCache(temp.resolve("cache"))
                            .prepare(List.of(part), tokenizer)
                            .shards();
            assertTrue(
                    shards.tokenCount() > 50_000 && shards.documentCount() > 5,
                    shards.tokenCount() + " tokens, " + shards.documentCount() + " documents");
            Masker masker = new Masker(MaskingConfig.amos(), tokenizer.specialTokens(), 1);
            PretrainingDataset dataset =
                    PretrainingDataset.builder()
                            .setCorpus(shards, 128, tokenizer.specialTokens(), 1)
                            .setMasker(masker)
                            .setSampling(new StepSampler(1, 8, 0, 100))
                            .build();
            assertTrue(
                    dataset.size() > 0.7 * shards.tokenCount() / 128,
                    "examples: " + dataset.size());
            int step = 0;
            for (Batch batch : dataset.getData(manager)) {
                try (batch) {
                    NDList masked = batch.getData();
                    assertEquals(new Shape(8, 128), masked.get(0).getShape());
                    long maskTokens =
                            masked.get(0).eq(tokenizer.specialTokens().mask()).sum().getLong();
                    assertEquals(masked.get(3).size(), maskTokens);
                }
                if (++step == 3) {
                    break;
                }
            }
            String text = tokenizer.decode(dataset.examples().ids(0));
            assertTrue(text.startsWith("[CLS] anarchism is a political philosophy"), text);
        }
    }
}
