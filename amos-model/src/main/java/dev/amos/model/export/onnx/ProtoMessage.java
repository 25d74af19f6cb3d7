package dev.amos.model.export.onnx;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One protobuf message being written, in the <a
 * href="https://protobuf.dev/programming-guides/encoding/">wire format</a>: its fields in order,
 * each a varint, a 32-bit float or a length-delimited payload (bytes, a nested message, or a
 * float/int64 array written little-endian). Sizes are computed before anything is written, so a
 * model with hundreds of megabytes of weights streams to the file without being copied into one
 * buffer per nesting level. Only what the ONNX messages of {@link OnnxGraph} need is here.
 */
final class ProtoMessage {

    private static final int VARINT = 0;
    private static final int FIXED32 = 5;
    private static final int LENGTH_DELIMITED = 2;

    /** One field: its tag and a payload of known size. */
    private interface Field {
        long size();

        void writeTo(OutputStream out) throws IOException;
    }

    private final List<Field> fields = new ArrayList<>();
    private long cachedSize = -1;

    /** An int32/int64/enum/bool field. */
    ProtoMessage varint(int number, long value) {
        byte[] encoded = concat(tag(number, VARINT), varintBytes(value));
        return add(bytesField(encoded));
    }

    /** A {@code float} field (fixed 32 bits). */
    ProtoMessage float32(int number, float value) {
        byte[] bits = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value).array();
        return add(bytesField(concat(tag(number, FIXED32), bits)));
    }

    /** A {@code string} field (UTF-8). */
    ProtoMessage string(int number, String value) {
        return bytes(number, value.getBytes(StandardCharsets.UTF_8));
    }

    /** A {@code bytes} field. */
    ProtoMessage bytes(int number, byte[] value) {
        return add(
                bytesField(
                        concat(tag(number, LENGTH_DELIMITED), varintBytes(value.length), value)));
    }

    /** A nested message field. */
    ProtoMessage message(int number, ProtoMessage value) {
        byte[] tag = tag(number, LENGTH_DELIMITED);
        return add(
                new Field() {
                    @Override
                    public long size() {
                        long inner = value.size();
                        return tag.length + varintBytes(inner).length + inner;
                    }

                    @Override
                    public void writeTo(OutputStream out) throws IOException {
                        out.write(tag);
                        out.write(varintBytes(value.size()));
                        value.writeTo(out);
                    }
                });
    }

    /**
     * A {@code bytes} field holding {@code values} as little-endian float32 (ONNX {@code
     * raw_data}).
     */
    ProtoMessage littleEndianFloats(int number, float[] values) {
        return add(
                rawField(
                        number,
                        4L * values.length,
                        (buffer, from, to) -> buffer.asFloatBuffer().put(values, from, to - from),
                        values.length,
                        4));
    }

    /**
     * A {@code bytes} field holding {@code values} as little-endian int64 (ONNX {@code raw_data}).
     */
    ProtoMessage littleEndianLongs(int number, long[] values) {
        return add(
                rawField(
                        number,
                        8L * values.length,
                        (buffer, from, to) -> buffer.asLongBuffer().put(values, from, to - from),
                        values.length,
                        8));
    }

    /** Bytes of this message on the wire (without its own tag and length). */
    long size() {
        if (cachedSize < 0) {
            long total = 0;
            for (Field field : fields) {
                total += field.size();
            }
            cachedSize = total;
        }
        return cachedSize;
    }

    /** Writes the fields in order. */
    void writeTo(OutputStream out) throws IOException {
        for (Field field : fields) {
            field.writeTo(out);
        }
    }

    private ProtoMessage add(Field field) {
        fields.add(field);
        cachedSize = -1;
        return this;
    }

    private interface Chunk {
        void put(ByteBuffer buffer, int from, int to);
    }

    private static Field rawField(int number, long payload, Chunk chunk, int count, int width) {
        byte[] head = concat(tag(number, LENGTH_DELIMITED), varintBytes(payload));
        return new Field() {
            @Override
            public long size() {
                return head.length + payload;
            }

            @Override
            public void writeTo(OutputStream out) throws IOException {
                out.write(head);
                int perChunk = 1 << 16;
                ByteBuffer buffer =
                        ByteBuffer.allocate(perChunk * width).order(ByteOrder.LITTLE_ENDIAN);
                for (int from = 0; from < count; from += perChunk) {
                    int to = Math.min(count, from + perChunk);
                    buffer.clear();
                    chunk.put(
                            buffer, from,
                            to); // a little-endian view: the buffer's position stays 0
                    out.write(buffer.array(), 0, (to - from) * width);
                }
            }
        };
    }

    private static Field bytesField(byte[] encoded) {
        return new Field() {
            @Override
            public long size() {
                return encoded.length;
            }

            @Override
            public void writeTo(OutputStream out) throws IOException {
                out.write(encoded);
            }
        };
    }

    private static byte[] tag(int number, int wireType) {
        return varintBytes(((long) number << 3) | wireType);
    }

    /** Base-128 varint; negative values take ten bytes (two's complement), as protobuf's int64. */
    static byte[] varintBytes(long value) {
        byte[] buffer = new byte[10];
        int n = 0;
        long v = value;
        while ((v & ~0x7FL) != 0) {
            buffer[n++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buffer[n++] = (byte) v;
        byte[] out = new byte[n];
        System.arraycopy(buffer, 0, out, 0, n);
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] out = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }
}
