package dev.amos.importer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amos.eval.serve.TextEmbedder;
import dev.amos.importer.HfExporter.Exported;
import dev.amos.importer.HfExporter.Weights;
import dev.amos.model.BadInputException;
import dev.amos.model.BlockFiles;
import dev.amos.model.Encoder;
import dev.amos.model.ModelConfig;
import dev.amos.model.Pooling;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code amos export --format hf} read back by {@code amos import}: the same encoder weights bit
 * for bit (an import's and a pretraining run's), the same tokenizer files, the same vectors; and
 * the folders that have no released layout are refused in one line.
 */
class HfExporterTest {

    static final List<String> TEXTS =
            List.of(
                    "hello world",
                    "a",
                    "",
                    "the quick brown fox jumps over the lazy dog while the cat watches from the window",
                    "AMOS trains an encoder against a mixture of generators.");

    @TempDir Path tmp;

    @ParameterizedTest
    @CsvSource({
        "hf-sample, BIN",
        "hf-sample, SAFETENSORS",
        "amos-hf-tiny, BIN",
        "amos-hf-tiny, SAFETENSORS",
        "cocolm-hf-legacy, BIN"
    })
    void importExportImportKeepsTheWeightsAndTokenizerFilesBitForBit(String name, Weights weights)
            throws Exception {
        Path from = released(name);
        Path first = tmp.resolve("first");
        ReleasedModelImporter.run(from, first, s -> {});
        Path hf = tmp.resolve("hf");
        Exported e = HfExporter.export(first, hf, weights, 0, false);
        JsonObject released = json(from.resolve("config.json"));
        JsonObject exported = json(hf.resolve("config.json"));
        for (String key : released.keySet()) { // every released key, with the released value
            assertTrue(exported.has(key), "config.json lacks " + key);
            if (exported.get(key).isJsonPrimitive()
                    && exported.get(key).getAsJsonPrimitive().isNumber()) {
                assertEquals(
                        released.get(key).getAsDouble(),
                        exported.get(key).getAsDouble(),
                        1e-12,
                        key);
            } else {
                assertEquals(released.get(key), exported.get(key), key);
            }
        }
        assertEquals(name.startsWith("cocolm") ? "cocolm." : "amos.", e.keyPrefix());
        assertArrayEquals(
                Files.readAllBytes(from.resolve("sp.model")),
                Files.readAllBytes(hf.resolve("sp.model")));
        assertArrayEquals(
                Files.readAllBytes(from.resolve("dict.txt")),
                Files.readAllBytes(hf.resolve("dict.txt")));
        try (TorchCheckpoint written = TorchCheckpoint.open(hf.resolve(weights.fileName()));
                TorchCheckpoint original =
                        TorchCheckpoint.open(from.resolve("pytorch_model.bin"))) {
            // the released encoder keys, nothing else (the fixtures have no head keys)
            assertEquals(original.tensors().keySet(), written.tensors().keySet());
        }

        Path second = tmp.resolve("second");
        ReleasedModelImporter.run(hf, second, s -> {});
        for (String file : List.of("encoder.params", "tokenizer.json", "sp.model", "dict.txt")) {
            assertArrayEquals(
                    Files.readAllBytes(first.resolve(file)),
                    Files.readAllBytes(second.resolve(file)),
                    file);
        }
        assertEquals(
                json(first.resolve("config.json")).get("model"),
                json(second.resolve("config.json")).get("model"));
        try (TextEmbedder a = TextEmbedder.load(first, Pooling.MEAN, false);
                TextEmbedder b = TextEmbedder.load(second, Pooling.MEAN, false)) {
            float[][] va = a.embed(TEXTS);
            float[][] vb = b.embed(TEXTS);
            for (int i = 0; i < va.length; i++) {
                assertArrayEquals(va[i], vb[i], 0f, TEXTS.get(i));
            }
        }
    }

    /** The in-repo sample (resources/hf-sample) or a fixture of testdata/fixtures. */
    static Path released(String name) throws Exception {
        if (name.equals("hf-sample")) {
            return Path.of(HfExporterTest.class.getResource("/hf-sample/config.json").toURI())
                    .getParent();
        }
        return ReferenceFixtures.folder(name);
    }

    @ParameterizedTest
    @EnumSource(Weights.class)
    void runExportImportGivesTheSameWeightsAndVectors(Weights weights) throws Exception {
        Path run = tinyRun(tmp.resolve("run"), 48);
        Path hf = tmp.resolve("hf");
        Exported e = HfExporter.export(run, hf, weights, 40, false);
        assertEquals("wordpiece", e.tokenizer());
        assertEquals(40, e.maxLength());
        JsonObject config = json(hf.resolve("config.json"));
        assertEquals("amos", config.get("model_type").getAsString());
        assertEquals(0, config.get("type_vocab_size").getAsInt());
        assertEquals(16, config.get("rel_pos_bins").getAsInt());
        assertEquals(40, config.getAsJsonObject("amos_export").get("max_length").getAsInt());
        assertEquals(
                40, json(hf.resolve("tokenizer_config.json")).get("model_max_length").getAsInt());
        List<String> vocab = Files.readAllLines(hf.resolve("vocab.txt"), StandardCharsets.UTF_8);
        assertEquals(config.get("vocab_size").getAsInt(), vocab.size());
        assertEquals(
                List.of("[PAD]", "[CLS]", "[SEP]"),
                List.of(vocab.get(0), vocab.get(101), vocab.get(102)));
        assertArrayEquals(
                Files.readAllBytes(run.resolve("discriminator/tokenizer.json")),
                Files.readAllBytes(hf.resolve("tokenizer.json")));

        BadInputException direct =
                assertThrows(
                        BadInputException.class, () -> TextEmbedder.load(hf, Pooling.MEAN, false));
        assertTrue(direct.getMessage().contains("amos import --from"), direct.getMessage());
        Path imported = tmp.resolve("imported");
        ReleasedModelImporter.run(hf, imported, s -> {});
        assertArrayEquals(
                Files.readAllBytes(run.resolve("discriminator/encoder.params")),
                Files.readAllBytes(imported.resolve("encoder.params")));
        assertArrayEquals(
                Files.readAllBytes(run.resolve("discriminator/tokenizer.json")),
                Files.readAllBytes(imported.resolve("tokenizer.json")));
        try (TextEmbedder a = TextEmbedder.load(run, Pooling.MEAN, false);
                TextEmbedder b = TextEmbedder.load(imported, Pooling.MEAN, false)) {
            float[][] va = a.embed(TEXTS);
            float[][] vb = b.embed(TEXTS);
            for (int i = 0; i < va.length; i++) {
                assertArrayEquals(va[i], vb[i], 0f, TEXTS.get(i));
            }
        }
        // the import of the export exports the same weights again
        Path again = tmp.resolve("again");
        HfExporter.export(imported, again, weights, 0, false);
        assertArrayEquals(
                Files.readAllBytes(hf.resolve(weights.fileName())),
                Files.readAllBytes(again.resolve(weights.fileName())));
    }

    @Test
    void modelsWithoutAReleasedLayoutAndBadLengthsAreRefusedBeforeWriting() throws Exception {
        Path run = tinyRun(tmp.resolve("run"), 48);
        BadInputException tooLong =
                assertThrows(
                        BadInputException.class,
                        () -> HfExporter.export(run, tmp.resolve("out"), Weights.BIN, 49, false));
        assertTrue(
                tooLong.getMessage().contains("--max-len")
                        && tooLong.getMessage().contains("3..48"),
                tooLong.getMessage());
        assertThrows(
                BadInputException.class,
                () -> HfExporter.export(run, tmp.resolve("out"), Weights.BIN, 2, false));
        assertThrows(BadInputException.class, () -> TextEmbedder.maxLength(run, 0 - 1));
        assertEquals(48, TextEmbedder.maxLength(run, 0));
        assertEquals(7, TextEmbedder.maxLength(run, 7));

        Path projected = tinyRun(tmp.resolve("projected"), 48, Map.of("embedding_size", "16"));
        BadInputException p =
                assertThrows(
                        BadInputException.class,
                        () ->
                                HfExporter.export(
                                        projected, tmp.resolve("out"), Weights.BIN, 0, false));
        assertTrue(p.getMessage().contains("embedding_size"), p.getMessage());
        assertFalse(Files.exists(tmp.resolve("out")));
    }

    @Test
    void anImportWithoutItsSentencePieceFilesIsRefused() throws Exception {
        Path from = ReferenceFixtures.folder("amos-hf-tiny");
        Path model = tmp.resolve("model");
        ReleasedModelImporter.run(from, model, s -> {});
        Files.delete(model.resolve("dict.txt"));
        BadInputException e =
                assertThrows(
                        BadInputException.class,
                        () -> HfExporter.export(model, tmp.resolve("out"), Weights.BIN, 0, false));
        assertTrue(
                e.getMessage().contains("dict.txt") && e.getMessage().contains("amos import"),
                e.getMessage());
        assertFalse(Files.exists(tmp.resolve("out")));
    }

    @Test
    void aVocabTxtThatDisagreesWithTokenizerJsonIsRefused() throws Exception {
        Path run = tinyRun(tmp.resolve("run"), 48);
        Path hf = tmp.resolve("hf");
        HfExporter.export(run, hf, Weights.BIN, 0, false);
        List<String> vocab = Files.readAllLines(hf.resolve("vocab.txt"), StandardCharsets.UTF_8);
        vocab.set(5, "changed");
        Files.write(hf.resolve("vocab.txt"), vocab, StandardCharsets.UTF_8);
        BadInputException e =
                assertThrows(
                        BadInputException.class,
                        () -> ReleasedModelImporter.run(hf, tmp.resolve("imported"), s -> {}));
        assertTrue(
                e.getMessage().contains("vocab.txt") && e.getMessage().contains("vocab.txt:6:"),
                e.getMessage());
    }

    static Path tinyRun(Path dir, int positions) throws IOException {
        return tinyRun(dir, positions, Map.of());
    }

    /**
     * A pretraining run's discriminator/ with a random tiny encoder and the repo's BERT tokenizer.
     */
    static Path tinyRun(Path dir, int positions, Map<String, String> overrides) throws IOException {
        Path root = ReferenceFixtures.repoRoot();
        Map<String, String> settings =
                new java.util.HashMap<>(
                        Map.of(
                                "hidden_size",
                                "32",
                                "num_layers",
                                "2",
                                "num_heads",
                                "2",
                                "ffn_size",
                                "64",
                                "max_positions",
                                String.valueOf(positions),
                                "seq_len",
                                "32",
                                "rel_pos_buckets",
                                "16",
                                "max_rel_pos",
                                "32"));
        settings.putAll(overrides);
        ModelConfig config = ModelConfig.load(root.resolve("models/amos-tiny.json")).with(settings);
        Path disc = dir.resolve("discriminator");
        Files.createDirectories(disc);
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(5);
            Encoder encoder = Encoder.owning(config.discriminator());
            encoder.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
            encoder.namedTensors()
                    .forEach(
                            (name, array) -> {
                                if (name.endsWith("ln.weight") || name.endsWith("ln2.weight")) {
                                    array.muli(3f); // vectors of different texts differ clearly
                                }
                            });
            BlockFiles.save(encoder, disc.resolve("encoder.params"));
        }
        JsonObject json = new JsonObject();
        json.add("model", config.toJson());
        json.addProperty("objective", "amos");
        Files.writeString(disc.resolve("config.json"), json.toString(), StandardCharsets.UTF_8);
        Files.copy(root.resolve("models/tokenizer.json"), disc.resolve("tokenizer.json"));
        return dir;
    }

    private static JsonObject json(Path file) throws IOException {
        return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    }
}
