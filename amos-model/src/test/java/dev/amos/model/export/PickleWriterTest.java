package dev.amos.model.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PickleWriterTest {

    @Test
    void integersUseTheSmallestOpcodeAndEightByteLongs() {
        assertArrayEquals(bytes('K', 0xFF), new PickleWriter().integer(255).toByteArray());
        assertArrayEquals(bytes('M', 0x00, 0x01), new PickleWriter().integer(256).toByteArray());
        assertArrayEquals(
                bytes('J', 0xFF, 0xFF, 0xFF, 0xFF), new PickleWriter().integer(-1).toByteArray());
        assertArrayEquals(
                bytes('J', 0x00, 0x00, 0x01, 0x00),
                new PickleWriter().integer(65536).toByteArray());
        assertArrayEquals(
                bytes(0x8A, 8, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00),
                new PickleWriter().integer(1L << 31).toByteArray());
        assertArrayEquals(
                bytes(0x8A, 8, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF),
                new PickleWriter().integer(-(1L << 31) - 1).toByteArray());
    }

    @Test
    void floatsAreBigEndianDoubles() {
        assertArrayEquals(
                bytes('G', 0x3F, 0xF8, 0, 0, 0, 0, 0, 0),
                new PickleWriter().floating(1.5).toByteArray());
    }

    @Test
    void stringsAreBinUnicodeWithUtf8Length() {
        byte[] utf8 = "aé".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(
                concat(bytes('X', 3, 0, 0, 0), utf8),
                new PickleWriter().string("aé").toByteArray());
    }

    @Test
    void tensorIsRebuildTensorV2OfAPersistentStorage() {
        byte[] actual =
                new PickleWriter()
                        .tensor(ScriptTensor.ElementType.FLOAT32, "7", new long[] {2, 3}, true)
                        .toByteArray();
        byte[] expected =
                concat(
                        ascii("ctorch._utils\n_rebuild_tensor_v2\n(("),
                        bytes('X', 7, 0, 0, 0),
                        ascii("storage"),
                        ascii("ctorch\nFloatStorage\n"),
                        bytes('X', 1, 0, 0, 0),
                        ascii("7"),
                        bytes('X', 3, 0, 0, 0),
                        ascii("cpu"),
                        bytes('K', 6, 't', 'Q', 'K', 0),
                        bytes('(', 'K', 2, 'K', 3, 't'),
                        bytes('(', 'K', 3, 'K', 1, 't'),
                        bytes(0x88),
                        ascii("ccollections\nOrderedDict\n)R"),
                        bytes('t', 'R'));
        assertArrayEquals(expected, actual);
    }

    @Test
    void globalNamesMustBeSingleLines() {
        assertThrows(IllegalArgumentException.class, () -> new PickleWriter().global("a\nb", "c"));
    }

    private static byte[] bytes(int... values) {
        byte[] result = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = (byte) values[i];
        }
        return result;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
