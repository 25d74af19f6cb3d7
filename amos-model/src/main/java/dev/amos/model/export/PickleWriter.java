package dev.amos.model.export;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A minimal protocol-2 pickle writer producing exactly the opcode subset that the TorchScript (C++)
 * unpickler accepts: no memo, no frames, strings always as BINUNICODE, longs always as 8-byte
 * LONG1. See {@code docs/torchscript-format.md} §3.3 and the pickle opcode reference in CPython's
 * <a href="https://github.com/python/cpython/blob/main/Lib/pickletools.py">pickletools.py</a>.
 *
 * <p>Low-level methods append one opcode each; {@link #tensor} writes a whole {@code
 * torch._utils._rebuild_tensor_v2(...)} call. Typical use: {@link #protocol()}, the value, {@link
 * #stop()}, then {@link #toByteArray()}.
 */
public final class PickleWriter {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** PROTO 2; must come first. */
    public PickleWriter protocol() {
        out.write(0x80);
        out.write(2);
        return this;
    }

    /** STOP; ends the pickle. */
    public PickleWriter stop() {
        out.write('.');
        return this;
    }

    /** GLOBAL {@code module.name}, e.g. {@code global("collections", "OrderedDict")}. */
    public PickleWriter global(String module, String name) {
        if (module.contains("\n") || name.contains("\n")) {
            throw new IllegalArgumentException(
                    "GLOBAL names cannot contain newlines: " + module + " " + name);
        }
        out.write('c');
        writeAscii(module + "\n" + name + "\n");
        return this;
    }

    /** MARK; starts the items of a {@link #tuple()} or {@link #setItems()}. */
    public PickleWriter mark() {
        out.write('(');
        return this;
    }

    /** TUPLE of everything since the last {@link #mark()}. */
    public PickleWriter tuple() {
        out.write('t');
        return this;
    }

    /** EMPTY_TUPLE. */
    public PickleWriter emptyTuple() {
        out.write(')');
        return this;
    }

    /** EMPTY_DICT. */
    public PickleWriter emptyDict() {
        out.write('}');
        return this;
    }

    /** SETITEMS: the key/value pairs since the last mark go into the dict below it. */
    public PickleWriter setItems() {
        out.write('u');
        return this;
    }

    /** NEWOBJ: {@code cls.__new__(cls, *args)} from the class and args tuple on the stack. */
    public PickleWriter newObject() {
        out.write(0x81);
        return this;
    }

    /** BUILD: applies the state on the stack (an attribute dict) to the object below it. */
    public PickleWriter build() {
        out.write('b');
        return this;
    }

    /** REDUCE: calls the callable below the args tuple on the stack. */
    public PickleWriter reduce() {
        out.write('R');
        return this;
    }

    /** BINPERSID: the value on the stack becomes a persistent id (torch: a storage reference). */
    public PickleWriter persistentId() {
        out.write('Q');
        return this;
    }

    /** NONE. */
    public PickleWriter none() {
        out.write('N');
        return this;
    }

    /** NEWTRUE / NEWFALSE. */
    public PickleWriter bool(boolean value) {
        out.write(value ? 0x88 : 0x89);
        return this;
    }

    /** An int: BININT1, BININT2, BININT (signed 32-bit) or, beyond 32 bits, an 8-byte LONG1. */
    public PickleWriter integer(long value) {
        if (value >= 0 && value <= 0xFF) {
            out.write('K');
            out.write((int) value);
        } else if (value >= 0 && value <= 0xFFFF) {
            out.write('M');
            writeLittleEndian(value, 2);
        } else if (value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE) {
            out.write('J');
            writeLittleEndian(value, 4);
        } else {
            out.write(0x8a);
            out.write(8);
            writeLittleEndian(value, 8);
        }
        return this;
    }

    /** A float: BINFLOAT, a big-endian IEEE double. */
    public PickleWriter floating(double value) {
        out.write('G');
        long bits = Double.doubleToLongBits(value);
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.write((int) (bits >>> shift) & 0xFF);
        }
        return this;
    }

    /** A str: BINUNICODE with a 32-bit little-endian UTF-8 byte length. */
    public PickleWriter string(String value) {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        out.write('X');
        writeLittleEndian(utf8.length, 4);
        out.writeBytes(utf8);
        return this;
    }

    /** A tuple of ints, e.g. a tensor size or stride. */
    public PickleWriter intTuple(long... values) {
        if (values.length == 0) {
            return emptyTuple();
        }
        mark();
        for (long value : values) {
            integer(value);
        }
        return tuple();
    }

    /** {@code collections.OrderedDict()}: an empty ordered dict. */
    public PickleWriter emptyOrderedDict() {
        return global("collections", "OrderedDict").emptyTuple().reduce();
    }

    /**
     * A contiguous CPU tensor backed by the whole storage {@code data/<storageKey>} of the archive:
     * {@code torch._utils._rebuild_tensor_v2(persid(("storage", torch.<Type>Storage, key, "cpu",
     * numel)), 0, size, stride, requiresGrad, OrderedDict())}.
     */
    public PickleWriter tensor(
            ScriptTensor.ElementType type, String storageKey, long[] shape, boolean requiresGrad) {
        global("torch._utils", "_rebuild_tensor_v2");
        mark();
        mark().string("storage")
                .global("torch", type.storageClass())
                .string(storageKey)
                .string("cpu");
        integer(ScriptTensor.elementCount(shape));
        tuple().persistentId();
        integer(0);
        intTuple(shape);
        intTuple(contiguousStrides(shape));
        bool(requiresGrad);
        emptyOrderedDict();
        tuple();
        return reduce();
    }

    /** The pickle bytes written so far. */
    public byte[] toByteArray() {
        return out.toByteArray();
    }

    static long[] contiguousStrides(long[] shape) {
        long[] strides = new long[shape.length];
        long stride = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = stride;
            stride *= shape[i];
        }
        return strides;
    }

    private void writeAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c > 0x7F) {
                throw new IllegalArgumentException("GLOBAL names must be ASCII: " + text.trim());
            }
            out.write(c);
        }
    }

    private void writeLittleEndian(long value, int bytes) {
        for (int i = 0; i < bytes; i++) {
            out.write((int) (value >>> (8 * i)) & 0xFF);
        }
    }
}
