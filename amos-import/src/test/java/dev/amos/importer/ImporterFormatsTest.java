package dev.amos.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amos.importer.ReferenceFixtures.Case;
import dev.amos.importer.ReferenceFixtures.Reference;
import dev.amos.importer.TorchCheckpoint.TensorInfo;
import dev.amos.model.BadInputException;
import dev.amos.model.BlockFiles;
import dev.amos.model.Encoder;
import dev.amos.model.ModelConfig;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The other shapes a released folder can take, made from the amos-hf-tiny fixture: the weights as
 * {@code model.safetensors} in fp32 and fp16, keys without prefix, extra head keys, and the errors
 * for a missing encoder key and for configs the encoder cannot represent.
 */
class ImporterFormatsTest {

    @TempDir Path tmp;

    /** The fixture's tensors, read once through the zip reader. */
    private Map<String, float[]> tensors(Path fixture, Map<String, long[]> shapes)
            throws Exception {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (TorchCheckpoint c = TorchCheckpoint.open(fixture.resolve("pytorch_model.bin"))) {
            c.read(
                    c.tensors().keySet(),
                    (t, v) -> {
                        out.put(t.name(), v);
                        shapes.put(t.name(), t.shape());
                    });
        }
        return out;
    }

    /** A released-layout folder with the given tensors as model.safetensors. */
    private Path safetensorsFolder(
            Path fixture,
            Map<String, float[]> tensors,
            Map<String, long[]> shapes,
            boolean half,
            UnaryOperator<String> config)
            throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("st-" + System.nanoTime()));
        Files.copy(fixture.resolve("sp.model"), dir.resolve("sp.model"));
        Files.copy(fixture.resolve("dict.txt"), dir.resolve("dict.txt"));
        Files.writeString(
                dir.resolve("config.json"),
                config.apply(Files.readString(fixture.resolve("config.json"))));
        JsonObject header = new JsonObject();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (Map.Entry<String, float[]> e : tensors.entrySet()) {
            float[] v = e.getValue();
            ByteBuffer b =
                    ByteBuffer.allocate(v.length * (half ? 2 : 4)).order(ByteOrder.LITTLE_ENDIAN);
            for (float x : v) {
                if (half) {
                    b.putShort(floatToHalf(x));
                } else {
                    b.putFloat(x);
                }
            }
            JsonObject t = new JsonObject();
            t.addProperty("dtype", half ? "F16" : "F32");
            JsonArray shape = new JsonArray();
            for (long s : shapes.get(e.getKey())) {
                shape.add(s);
            }
            t.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(data.size());
            offsets.add(data.size() + b.capacity());
            t.add("data_offsets", offsets);
            header.add(e.getKey(), t);
            data.write(b.array());
        }
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer file =
                ByteBuffer.allocate(8 + h.length + data.size()).order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(h.length).put(h).put(data.toByteArray());
        Files.write(dir.resolve("model.safetensors"), file.array());
        return dir;
    }

    /** float32 to binary16, round to nearest even (no overflow handling: small weights only). */
    static short floatToHalf(float f) {
        int bits = Float.floatToIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = ((bits >>> 23) & 0xff) - 127 + 15;
        int mantissa = bits & 0x7fffff;
        if (exp <= 0) { // subnormal half
            int shift = 14 - exp;
            if (shift > 24) {
                return (short) sign;
            }
            int m = mantissa | 0x800000;
            int halfM = m >>> shift;
            int rest = m & ((1 << shift) - 1);
            int halfway = 1 << (shift - 1);
            if (rest > halfway || rest == halfway && (halfM & 1) == 1) {
                halfM++;
            }
            return (short) (sign | halfM);
        }
        int half = sign | (exp << 10) | (mantissa >>> 13);
        int rest = mantissa & 0x1fff;
        if (rest > 0x1000 || rest == 0x1000 && (half & 1) == 1) {
            half++;
        }
        return (short) half;
    }

    private static float maxHiddenError(Path model, Reference ref) throws Exception {
        ModelConfig cfg =
                ModelConfig.fromJson(
                        JsonParser.parseString(Files.readString(model.resolve("config.json")))
                                .getAsJsonObject()
                                .getAsJsonObject("model"),
                        "config.json");
        float worst = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            Encoder encoder = Encoder.owning(cfg.discriminator());
            encoder.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
            BlockFiles.load(encoder, manager, model.resolve("encoder.params"));
            float[][][] hidden =
                    ReleasedModelImporterTest.encodeBatch(encoder, manager, ref.singles());
            for (int i = 0; i < ref.singles().size(); i++) {
                Case c = ref.singles().get(i);
                for (int j = 0; j < c.hidden().length; j++) {
                    for (int k = 0; k < c.hidden()[j].length; k++) {
                        worst = Math.max(worst, Math.abs(c.hidden()[j][k] - hidden[i][j][k]));
                    }
                }
            }
        }
        return worst;
    }

    @Test
    void safetensorsWithoutPrefixAndWithHeadKeysImportsExactly() throws Exception {
        Path fixture = ReferenceFixtures.folder("amos-hf-tiny");
        Map<String, long[]> shapes = new LinkedHashMap<>();
        Map<String, float[]> plain = new LinkedHashMap<>();
        Map<String, long[]> plainShapes = new LinkedHashMap<>();
        tensors(fixture, shapes)
                .forEach(
                        (k, v) -> {
                            plain.put(k.substring("amos.".length()), v);
                            plainShapes.put(k.substring("amos.".length()), shapes.get(k));
                        });
        plain.put("lm_head.bias", new float[] {0f, 1f});
        plainShapes.put("lm_head.bias", new long[] {2});
        Path dir = safetensorsFolder(fixture, plain, plainShapes, false, s -> s);
        List<String> log = new ArrayList<>();
        ReleasedModelImporter.Result r =
                ReleasedModelImporter.run(dir, tmp.resolve("st-model"), log::add);
        assertEquals("", r.prefix());
        assertEquals(List.of("lm_head.bias"), r.skipped());
        assertTrue(
                log.get(0).startsWith("skipped 1 keys that are not encoder weights: lm_head.bias"),
                log.get(0));
        float err = maxHiddenError(tmp.resolve("st-model"), ReferenceFixtures.reference(fixture));
        assertTrue(err <= 1e-4f, "max error " + err);
    }

    @Test
    void fp16WeightsAreWidenedToFp32() throws Exception {
        Path fixture = ReferenceFixtures.folder("amos-hf-tiny");
        Map<String, long[]> shapes = new LinkedHashMap<>();
        Map<String, float[]> t = tensors(fixture, shapes);
        Path dir = safetensorsFolder(fixture, t, shapes, true, s -> s);
        Path model = tmp.resolve("fp16-model");
        ReleasedModelImporter.run(dir, model, s -> {});
        try (TorchCheckpoint c = TorchCheckpoint.open(dir.resolve("model.safetensors"))) {
            TensorInfo word = c.tensors().get("amos.embeddings.word_embeddings.weight");
            assertEquals(TorchCheckpoint.DType.FLOAT16, word.dtype());
            c.read(
                    java.util.Set.of(word.name()),
                    (info, values) -> {
                        float[] original = t.get(info.name());
                        for (int i = 0; i < values.length; i++) {
                            assertEquals(
                                    TorchCheckpoint.halfToFloat(floatToHalf(original[i])),
                                    values[i],
                                    0f,
                                    "element " + i);
                            assertEquals(
                                    original[i],
                                    values[i],
                                    Math.abs(original[i]) * 1e-3f + 3e-8f,
                                    "element " + i);
                        }
                    });
        }
        float err = maxHiddenError(model, ReferenceFixtures.reference(fixture));
        assertTrue(
                err > 0 && err < 0.05f, "fp16-rounded weights change outputs a little, got " + err);
    }

    @Test
    void aMissingEncoderKeyIsNamed() throws Exception {
        Path fixture = ReferenceFixtures.folder("amos-hf-tiny");
        Map<String, long[]> shapes = new LinkedHashMap<>();
        Map<String, float[]> t = tensors(fixture, shapes);
        t.remove("amos.encoder.layer.1.output.LayerNorm.bias");
        Path dir = safetensorsFolder(fixture, t, shapes, false, s -> s);
        BadInputException e =
                assertThrows(
                        BadInputException.class,
                        () -> ReleasedModelImporter.run(dir, tmp.resolve("never"), s -> {}));
        assertTrue(
                e.getMessage()
                        .contains(
                                "model.safetensors: missing encoder key \"amos.encoder.layer.1.output.LayerNorm.bias\""),
                e.getMessage());
        assertTrue(Files.notExists(tmp.resolve("never")));
    }

    @Test
    void configsTheEncoderCannotRepresentAreRefusedInOneLine() throws Exception {
        Path fixture = ReferenceFixtures.folder("amos-hf-tiny");
        Map<String, long[]> shapes = new LinkedHashMap<>();
        Map<String, float[]> t = tensors(fixture, shapes);
        Map<String, String> cases =
                Map.of(
                        "\"layer_norm_type\": \"post\"", "\"layer_norm_type\": \"pre\"",
                        "\"type_vocab_size\": 0", "\"type_vocab_size\": 2",
                        "\"rel_pos_bins\": 64", "\"rel_pos_bins\": 63",
                        "\"vocab_size\": 1064", "\"vocab_size\": 1000");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Path dir =
                    safetensorsFolder(
                            fixture, t, shapes, false, s -> s.replace(c.getKey(), c.getValue()));
            BadInputException e =
                    assertThrows(
                            BadInputException.class,
                            () -> ReleasedModelImporter.run(dir, tmp.resolve("never"), s -> {}),
                            c.getValue());
            String key = c.getValue().substring(1, c.getValue().indexOf('"', 1));
            assertTrue(e.getMessage().contains("config.json: \"" + key + "\""), e.getMessage());
            assertEquals(1, e.getMessage().lines().count());
        }
    }

    @Test
    void rejectsAnOddNumberOfBucketsButAcceptsEvenNonMultiplesOfFour() {
        JsonObject json =
                JsonParser.parseString(
                                "{\"model_type\":\"amos\",\"vocab_size\":100,\"hidden_size\":8,"
                                        + "\"num_hidden_layers\":1,\"num_attention_heads\":2,\"intermediate_size\":16,"
                                        + "\"max_position_embeddings\":32,\"type_vocab_size\":0,\"rel_pos_bins\":6,\"max_rel_pos\":16}")
                        .getAsJsonObject();
        ReleasedConfig c = ReleasedConfig.fromJson(Path.of("config.json"), json);
        assertEquals(6, c.modelConfig().relPosBuckets());
        assertEquals(1e-12f, c.layerNormEps()); // AMOSConfig's default
    }
}
