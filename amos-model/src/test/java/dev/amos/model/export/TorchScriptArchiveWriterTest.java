package dev.amos.model.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorchScriptArchiveWriterTest {

    private static final long BIG = 4_294_967_301L; // 2^32 + 5: needs an 8-byte LONG1

    @TempDir Path dir;

    /** y = (x W^T + b) * scale + (big - 2^32) + (1 if flag) = (x W^T + b) * 0.5 + 6. */
    private static ScriptModuleDefinition affineModule() {
        List<ScriptModuleDefinition.Attribute> attributes =
                List.of(
                        ScriptModuleDefinition.Attribute.parameter(
                                "weight",
                                ScriptTensor.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3)),
                        ScriptModuleDefinition.Attribute.parameter(
                                "bias", ScriptTensor.ofFloats(new float[] {10, 20}, 2)),
                        ScriptModuleDefinition.Attribute.buffer(
                                "unused_steps", ScriptTensor.ofLongs(new long[] {7}, 1)),
                        ScriptModuleDefinition.Attribute.constant("scale", 0.5),
                        ScriptModuleDefinition.Attribute.constant("big", BIG),
                        ScriptModuleDefinition.Attribute.constant("flag", true),
                        ScriptModuleDefinition.Attribute.constant("label", "affine"));
        String methods =
                String.join(
                        "\n",
                        "def forward(self, x: Tensor) -> Tensor:",
                        "  y = torch.linear(x, self.weight, self.bias) * self.scale + (self.big - 4294967296)",
                        "  if self.flag:",
                        "    y = y + 1",
                        "  return y");
        return new ScriptModuleDefinition("__torch__.amos_test", "Affine", attributes, methods);
    }

    @Test
    void archiveHasTheTorchLayoutWithAlignedStoredEntries() throws IOException {
        Path file = dir.resolve("affine.pt");
        TorchScriptArchiveWriter.write(
                file, affineModule(), Map.of("note.txt", "hi".getBytes(StandardCharsets.UTF_8)));

        Map<String, byte[]> entries = readAlignedStoredEntries(Files.readAllBytes(file));
        assertEquals(
                List.of(
                        "affine/data/0",
                        "affine/data/1",
                        "affine/data/2",
                        "affine/data.pkl",
                        "affine/code/__torch__/amos_test.py",
                        "affine/constants.pkl",
                        "affine/extra/note.txt",
                        "affine/.data/version"),
                new ArrayList<>(entries.keySet()));
        assertEquals(
                "10\n", new String(entries.get("affine/.data/version"), StandardCharsets.US_ASCII));
        assertArrayEquals(
                new byte[] {(byte) 0x80, 2, ')', '.'}, entries.get("affine/constants.pkl"));
        ByteBuffer weight =
                ByteBuffer.wrap(entries.get("affine/data/0")).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(6 * 4, weight.remaining());
        assertEquals(6f, weight.getFloat(5 * 4));
        assertEquals(
                7L,
                ByteBuffer.wrap(entries.get("affine/data/2"))
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .getLong());

        String source =
                new String(
                        entries.get("affine/code/__torch__/amos_test.py"), StandardCharsets.UTF_8);
        assertTrue(
                source.startsWith(
                        "class Affine(Module):\n  __parameters__ = [\"weight\", \"bias\", ]\n"
                                + "  __buffers__ = [\"unused_steps\", ]\n  training : bool\n  weight : Tensor\n"),
                source);
        assertTrue(
                source.contains("  big : int\n  flag : bool\n  label : str\n  def forward(self"),
                source);
    }

    @Test
    void djlLoadsTheArchiveAndItComputesTheScriptedFunction() throws Exception {
        Path file = dir.resolve("affine.pt");
        TorchScriptArchiveWriter.write(file, affineModule());
        Criteria<NDList, NDList> criteria =
                Criteria.builder()
                        .setTypes(NDList.class, NDList.class)
                        .optModelPath(file)
                        .optEngine("PyTorch")
                        .build();
        try (ZooModel<NDList, NDList> model = criteria.loadModel();
                Predictor<NDList, NDList> predictor = model.newPredictor();
                NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(new float[] {1, 0, -1, 2, 2, 2}, new Shape(2, 3));
            float[] y = predictor.predict(new NDList(x)).singletonOrThrow().toFloatArray();
            // rows: x W^T + b = [8, 18] and [22, 50]; * 0.5 + 6
            assertArrayEquals(new float[] {10f, 15f, 17f, 31f}, y);
        }
    }

    @Test
    void failedWriteKeepsTheOldFileAndLeavesNoTemporaryFile() throws IOException {
        Path file = dir.resolve("model.pt");
        Files.writeString(file, "previous good archive");
        ScriptTensor broken =
                new ScriptTensor(
                        ScriptTensor.ElementType.FLOAT32,
                        new long[] {2},
                        () -> {
                            throw new IllegalStateException("weights unavailable");
                        });
        ScriptModuleDefinition module =
                new ScriptModuleDefinition(
                        "__torch__",
                        "Broken",
                        List.of(ScriptModuleDefinition.Attribute.parameter("w", broken)),
                        "def forward(self) -> Tensor:\n  return self.w");

        assertThrows(
                IllegalStateException.class, () -> TorchScriptArchiveWriter.write(file, module));
        assertEquals("previous good archive", Files.readString(file));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }

        TorchScriptArchiveWriter.write(file, affineModule());
        assertTrue(Files.size(file) > 100);
    }

    @Test
    void declarationsAndPickleComeFromTheSameAttributes() {
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        ScriptModuleDefinition.Attribute.parameter(
                                "training", ScriptTensor.ofFloats(new float[1], 1)));
        assertThrows(
                IllegalArgumentException.class,
                () -> ScriptModuleDefinition.Attribute.constant("x", 1.5f));
        assertThrows(
                IllegalArgumentException.class,
                () -> new ScriptModuleDefinition("torch", "A", List.of(), ""));
        assertThrows(
                IllegalArgumentException.class, () -> ScriptTensor.ofFloats(new float[5], 2, 3));
    }

    /**
     * Walks the local headers in file order, checks each entry is STORED with its data on a 64-byte
     * boundary and returns name -> data.
     */
    private static Map<String, byte[]> readAlignedStoredEntries(byte[] zip) {
        ByteBuffer buffer = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        Map<String, byte[]> entries = new LinkedHashMap<>();
        int offset = 0;
        while (buffer.getInt(offset) == 0x04034b50) {
            assertEquals(0, buffer.getShort(offset + 8), "compression method (0 = STORED)");
            int size = buffer.getInt(offset + 18);
            int nameLength = Short.toUnsignedInt(buffer.getShort(offset + 26));
            int extraLength = Short.toUnsignedInt(buffer.getShort(offset + 28));
            String name = new String(zip, offset + 30, nameLength, StandardCharsets.UTF_8);
            int dataStart = offset + 30 + nameLength + extraLength;
            assertEquals(0, dataStart % 64, "alignment of " + name);
            byte[] data = new byte[size];
            System.arraycopy(zip, dataStart, data, 0, size);
            entries.put(name, data);
            offset = dataStart + size;
        }
        return entries;
    }
}
