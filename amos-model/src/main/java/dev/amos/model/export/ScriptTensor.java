package dev.amos.model.export;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * A tensor to be stored in a TorchScript archive: element type, shape and its C-contiguous
 * little-endian bytes. The bytes are produced lazily, when the archive writer reaches the tensor,
 * so that a large model never needs all its weights as Java arrays at once.
 *
 * @param type element type (selects the {@code torch.*Storage} class)
 * @param shape tensor size; empty for a scalar
 * @param bytes supplies {@code numel * type.bytesPerElement()} little-endian bytes
 */
public record ScriptTensor(ElementType type, long[] shape, Supplier<byte[]> bytes) {

    /** The element types this writer supports, with their torch storage class names. */
    public enum ElementType {
        FLOAT32("FloatStorage", 4),
        INT64("LongStorage", 8);

        private final String storageClass;
        private final int bytesPerElement;

        ElementType(String storageClass, int bytesPerElement) {
            this.storageClass = storageClass;
            this.bytesPerElement = bytesPerElement;
        }

        /** The class name under module {@code torch}, e.g. {@code FloatStorage}. */
        public String storageClass() {
            return storageClass;
        }

        public int bytesPerElement() {
            return bytesPerElement;
        }
    }

    public ScriptTensor {
        shape = shape.clone();
        for (long dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException(
                        "negative dimension in shape " + Arrays.toString(shape));
            }
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements. */
    public long elementCount() {
        return elementCount(shape);
    }

    /** The bytes, checked against the declared shape and type. */
    public byte[] littleEndianBytes() {
        byte[] data = bytes.get();
        long expected = elementCount() * type.bytesPerElement();
        if (data.length != expected) {
            throw new IllegalStateException(
                    "tensor of shape "
                            + Arrays.toString(shape)
                            + " ("
                            + type
                            + ") needs "
                            + expected
                            + " bytes, got "
                            + data.length);
        }
        return data;
    }

    /** A float32 tensor from row-major data. */
    public static ScriptTensor ofFloats(float[] data, long... shape) {
        checkCount(data.length, shape);
        return new ScriptTensor(ElementType.FLOAT32, shape, () -> floatBytes(data));
    }

    /** An int64 tensor from row-major data. */
    public static ScriptTensor ofLongs(long[] data, long... shape) {
        checkCount(data.length, shape);
        return new ScriptTensor(ElementType.INT64, shape, () -> longBytes(data));
    }

    /**
     * A float32 tensor read from {@code array} when the archive is written (any device; other
     * floating types are converted to float32). The array must stay open until then.
     */
    public static ScriptTensor ofNDArray(NDArray array) {
        if (!array.getDataType().isFloating()) {
            throw new IllegalArgumentException(
                    "expected a floating-point array, got " + array.getDataType());
        }
        return new ScriptTensor(
                ElementType.FLOAT32, array.getShape().getShape(), () -> floatBytes(array));
    }

    static long elementCount(long[] shape) {
        long count = 1;
        for (long dim : shape) {
            count = Math.multiplyExact(count, dim);
        }
        return count;
    }

    private static byte[] floatBytes(NDArray array) {
        if (array.getDataType() == DataType.FLOAT32) {
            return floatBytes(array.toFloatArray());
        }
        try (NDArray converted = array.toType(DataType.FLOAT32, true)) {
            return floatBytes(converted.toFloatArray());
        }
    }

    private static byte[] floatBytes(float[] data) {
        ByteBuffer buffer =
                ByteBuffer.allocate(Math.multiplyExact(data.length, 4))
                        .order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(data);
        return buffer.array();
    }

    private static byte[] longBytes(long[] data) {
        ByteBuffer buffer =
                ByteBuffer.allocate(Math.multiplyExact(data.length, 8))
                        .order(ByteOrder.LITTLE_ENDIAN);
        buffer.asLongBuffer().put(data);
        return buffer.array();
    }

    private static void checkCount(int length, long[] shape) {
        if (length != elementCount(shape)) {
            throw new IllegalArgumentException(
                    length + " values do not fill shape " + Arrays.toString(shape));
        }
    }
}
