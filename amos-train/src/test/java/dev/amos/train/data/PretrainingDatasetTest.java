package dev.amos.train.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Batch;
import ai.djl.translate.TranslateException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DJL dataset over packed examples, and the whole pipeline on the shipped sample. */
class PretrainingDatasetTest {

    private static final SpecialTokens SPECIAL = new SpecialTokens(0, 100, 101, 102, 103, 30522, List.of());

    @TempDir
    Path temp;

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

    private static List<Long> order(PretrainingDataset dataset, NDManager manager)
            throws IOException, TranslateException {
        List<Long> firstTokens = new ArrayList<>();
        for (Batch batch : dataset.getData(manager)) {
            try (batch) {
                NDList data = batch.getData();
                assertEquals(2, data.size());
                assertEquals(0, batch.getLabels().size());
                NDArray ids = data.get(0);
                NDArray mask = data.get(1);
                assertEquals(DataType.INT64, ids.getDataType());
                assertEquals(DataType.INT64, mask.getDataType());
                assertEquals(64, ids.getShape().get(1));
                long[] idValues = ids.toLongArray();
                long[] maskValues = mask.toLongArray();
                for (int b = 0; b < ids.getShape().get(0); b++) {
                    firstTokens.add(idValues[b * 64 + 1]);
                    for (int s = 0; s < 64; s++) {
                        boolean pad = idValues[b * 64 + s] == SPECIAL.pad();
                        assertEquals(pad ? 0 : 1, maskValues[b * 64 + s], "mask marks exactly the real ids");
                    }
                }
            }
        }
        return firstTokens;
    }

    @Test
    void batchesAreStackedPaddedAndSeededShufflingIsReproducible() throws IOException, TranslateException {
        PackedExamples examples = examples(200, 64);
        try (NDManager manager = NDManager.newBaseManager()) {
            PretrainingDataset seeded = PretrainingDataset.builder().setExamples(examples)
                    .setSampling(16, true).optSeed(9).build();
            List<Long> epoch0 = order(seeded, manager);
            List<Long> epoch1 = order(seeded, manager);
            assertEquals(examples.size(), epoch0.size());
            assertEquals(new HashSet<>(epoch0), Set.copyOf(epoch1), "every example once per epoch");
            assertNotEquals(epoch0, epoch1, "each epoch has its own order");

            PretrainingDataset again = PretrainingDataset.builder().setExamples(examples)
                    .setSampling(16, true).optSeed(9).build();
            assertEquals(epoch0, order(again, manager), "same seed, same order");
            again.shuffleSampler().setEpoch(1);
            assertEquals(epoch1, order(again, manager), "resuming at epoch 1 gives epoch 1's order");

            PretrainingDataset sequential = PretrainingDataset.builder().setExamples(examples)
                    .setSampling(16, false).optLimit(40).build();
            List<Long> first40 = order(sequential, manager);
            assertEquals(40, first40.size());
            for (int i = 1; i < first40.size(); i++) {
                assertTrue(first40.get(i) >= first40.get(i - 1), "corpus order without shuffling");
            }
        }
    }

    @Test
    void sampleCorpusFlowsFromTextToMaskedBatches() throws IOException, TranslateException {
        Path part = temp.resolve("sample-part.txt");
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(TestData.wikiSample())), StandardCharsets.UTF_8))) {
            List<String> lines = new ArrayList<>();
            String line;
            while (lines.size() < 1500 && (line = reader.readLine()) != null) {
                lines.add(line);
            }
            Files.write(part, lines, StandardCharsets.UTF_8);
        }
        try (CorpusTokenizer tokenizer = CorpusTokenizer.load(TestData.tokenizerJson());
                NDManager manager = NDManager.newBaseManager()) {
            TokenShards shards = new ShardCache(temp.resolve("cache")).prepare(List.of(part), tokenizer).shards();
            assertTrue(shards.tokenCount() > 50_000 && shards.documentCount() > 5,
                    shards.tokenCount() + " tokens, " + shards.documentCount() + " documents");
            PretrainingDataset dataset = PretrainingDataset.builder()
                    .setCorpus(shards, 128, tokenizer.specialTokens()).setSampling(8, true).optSeed(1).build();
            assertTrue(dataset.size() > 0.7 * shards.tokenCount() / 128, "examples: " + dataset.size());
            Masker masker = new Masker(MaskingConfig.amos(), tokenizer.specialTokens(), 1);
            int step = 0;
            for (Batch batch : dataset.getData(manager)) {
                try (batch) {
                    NDList masked = masker.mask(batch.getData().get(0), batch.getData().get(1), step);
                    assertEquals(new Shape(8, 128), masked.get(0).getShape());
                    long maskTokens = masked.get(0).eq(tokenizer.specialTokens().mask()).sum().getLong();
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
