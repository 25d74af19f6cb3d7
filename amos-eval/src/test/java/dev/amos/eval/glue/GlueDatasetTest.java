package dev.amos.eval.glue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Batch;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GlueDatasetTest {

    private static GluePairEncoder encoder;

    @BeforeAll
    static void load() throws IOException {
        encoder = GluePairEncoder.load(GlueTestPaths.tokenizerJson(), 16);
    }

    @AfterAll
    static void close() {
        encoder.close();
    }

    private static List<GlueExample> rteExamples() {
        return List.of(
                new GlueExample("0", "A man sleeps.", "Someone rests.", 0, Float.NaN),
                new GlueExample(
                        "1",
                        "The cat that the dog chased up the old tree is hungry now.",
                        "A cat is hungry.",
                        1,
                        Float.NaN),
                new GlueExample("2", "Rain.", "Wet.", 1, Float.NaN),
                new GlueExample(
                        "3",
                        "Paris is the capital of France.",
                        "France has a capital.",
                        0,
                        Float.NaN),
                new GlueExample("4", "No.", "Yes.", 1, Float.NaN));
    }

    /**
     * Records and batches are built on the CPU even when the caller's manager is on a GPU (a
     * stand-in manager that reports gpu(0) here), so no example costs a host-device copy; the CPU
     * manager is a sub-manager of the caller's, closed with it.
     */
    @Test
    void batchesOfADeviceManagerAreBuiltOnACpuSubManager() {
        try (NDManager cpu = NDManager.newBaseManager(Device.cpu())) {
            assertSame(cpu, GlueDataset.hostManager(cpu), "on the CPU the caller's manager itself");
            List<Device> asked = new ArrayList<>();
            NDManager gpu =
                    (NDManager)
                            Proxy.newProxyInstance(
                                    NDManager.class.getClassLoader(),
                                    new Class<?>[] {NDManager.class},
                                    (proxy, method, args) ->
                                            switch (method.getName()) {
                                                case "getDevice" -> Device.gpu();
                                                case "newSubManager" -> {
                                                    asked.add((Device) args[0]);
                                                    yield cpu.newSubManager((Device) args[0]);
                                                }
                                                default ->
                                                        throw new UnsupportedOperationException(
                                                                method.getName());
                                            });
            NDManager host = GlueDataset.hostManager(gpu);
            assertEquals(List.of(Device.cpu()), asked);
            assertEquals(Device.cpu(), host.getDevice());
        }
    }

    @Test
    void batchesArePaddedToTheirLongestRecordWithLabels() throws IOException, TranslateException {
        List<GlueExample> examples = rteExamples();
        GlueDataset dataset =
                GlueDataset.builder()
                        .setExamples(GlueTask.RTE, examples)
                        .setEncoder(encoder)
                        .setSampling(2, false)
                        .build();
        assertEquals(5, dataset.size());
        List<Integer> batchSizes = new ArrayList<>();
        int row = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            for (Batch batch : dataset.getData(manager)) {
                NDArray ids = batch.getData().get(0);
                NDArray mask = batch.getData().get(1);
                NDArray labels = batch.getLabels().singletonOrThrow();
                int size = batch.getSize();
                int longest = 0;
                for (int i = 0; i < size; i++) {
                    longest = Math.max(longest, encoder.inputIds(examples.get(row + i)).length);
                }
                assertEquals(new Shape(size, longest), ids.getShape());
                assertEquals(DataType.INT64, ids.getDataType());
                assertEquals(DataType.INT64, mask.getDataType());
                assertEquals("input_ids", ids.getName());
                for (int i = 0; i < size; i++) {
                    long[] expected =
                            Arrays.copyOf(encoder.inputIds(examples.get(row + i)), longest);
                    assertArrayEquals(expected, ids.get(i).toLongArray(), "padded with [PAD] = 0");
                    long tokens = encoder.inputIds(examples.get(row + i)).length;
                    assertArrayEquals(
                            LongStream.range(0, longest).map(k -> k < tokens ? 1 : 0).toArray(),
                            mask.get(i).toLongArray());
                }
                assertEquals(DataType.INT64, labels.getDataType());
                assertArrayEquals(
                        examples.subList(row, row + size).stream()
                                .mapToLong(GlueExample::label)
                                .toArray(),
                        labels.toLongArray());
                batchSizes.add(size);
                row += size;
                batch.close();
            }
        }
        assertEquals(List.of(2, 2, 1), batchSizes);
    }

    @Test
    void stsbLabelsAreFloatScores() throws IOException, TranslateException {
        List<GlueExample> examples =
                List.of(
                        new GlueExample("0", "A plane takes off.", "A jet departs.", -1, 4.5f),
                        new GlueExample("1", "A dog runs.", "A cat sleeps on a mat.", -1, 0.25f));
        GlueDataset dataset =
                GlueDataset.builder()
                        .setExamples(GlueTask.STS_B, examples)
                        .setEncoder(encoder)
                        .setSampling(4, false)
                        .build();
        try (NDManager manager = NDManager.newBaseManager()) {
            Batch batch = dataset.getData(manager).iterator().next();
            NDArray scores = batch.getLabels().singletonOrThrow();
            assertEquals(DataType.FLOAT32, scores.getDataType());
            assertArrayEquals(new float[] {4.5f, 0.25f}, scores.toFloatArray());
            batch.close();
        }
    }

    private static List<Long> epochOrder(GlueDataset dataset, NDManager manager)
            throws IOException, TranslateException {
        List<Long> order = new ArrayList<>();
        for (Batch batch : dataset.getData(manager)) {
            batch.getIndices().forEach(index -> order.add((Long) index));
            batch.close();
        }
        return order;
    }

    @Test
    void seededShuffleIsReproducibleAndChangesPerEpoch() throws IOException, TranslateException {
        List<GlueExample> examples = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            examples.add(
                    new GlueExample(
                            String.valueOf(i),
                            "sentence number " + i,
                            "pair " + i,
                            i % 2,
                            Float.NaN));
        }
        GlueDataset first =
                GlueDataset.builder()
                        .setExamples(GlueTask.RTE, examples)
                        .setEncoder(encoder)
                        .setShuffledSampling(8, 42)
                        .build();
        GlueDataset same =
                GlueDataset.builder()
                        .setExamples(GlueTask.RTE, examples)
                        .setEncoder(encoder)
                        .setShuffledSampling(8, 42)
                        .build();
        GlueDataset other =
                GlueDataset.builder()
                        .setExamples(GlueTask.RTE, examples)
                        .setEncoder(encoder)
                        .setShuffledSampling(8, 43)
                        .build();
        try (NDManager manager = NDManager.newBaseManager()) {
            List<Long> epoch0 = epochOrder(first, manager);
            List<Long> epoch1 = epochOrder(first, manager);
            assertEquals(
                    LongStream.range(0, 40).boxed().toList(),
                    epoch0.stream().sorted().toList(),
                    "a permutation");
            assertNotEquals(LongStream.range(0, 40).boxed().toList(), epoch0, "shuffled");
            assertNotEquals(epoch0, epoch1, "a new order each epoch");
            assertEquals(epoch0, epochOrder(same, manager), "same seed, same first epoch");
            assertEquals(epoch1, epochOrder(same, manager), "same seed, same second epoch");
            assertNotEquals(epoch0, epochOrder(other, manager), "another seed, another order");
        }
    }
}
