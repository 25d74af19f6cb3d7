package dev.amos.model.export.onnx;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ONNX graph being built (inputs, outputs, initializers, nodes in topological order) and its
 * serialisation as an ONNX {@code ModelProto}, written directly in the protobuf wire format of <a
 * href="https://github.com/onnx/onnx/blob/main/onnx/onnx.proto">onnx.proto</a> (the field numbers
 * below are that file's). Only the default ONNX domain is used.
 *
 * <pre>{@code
 * OnnxGraph g = new OnnxGraph("encoder");
 * String ids = g.input("input_ids", OnnxGraph.INT64, "batch", "sequence");
 * String x = g.op("Gather", g.floats("embeddings.word", table, vocab, dim), ids);
 * g.output(x, "last_hidden_state", OnnxGraph.FLOAT, "batch", "sequence", dim);
 * g.writeModel(out, 17, "amos", "0.1.0", Map.of());
 * }</pre>
 */
public final class OnnxGraph {

    /** ONNX {@code TensorProto.DataType} of float32. */
    public static final int FLOAT = 1;

    /** ONNX {@code TensorProto.DataType} of int64. */
    public static final int INT64 = 7;

    /** The IR version written: 8 (ONNX 1.10 and later; opsets up to 17 and beyond). */
    public static final long IR_VERSION = 8;

    private final String name;
    private final List<ProtoMessage> inputs = new ArrayList<>();
    private final List<ProtoMessage> outputs = new ArrayList<>();
    private final List<ProtoMessage> initializers = new ArrayList<>();
    private final List<ProtoMessage> nodes = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private String scope = "";
    private int counter;

    /** An empty graph called {@code name}. */
    public OnnxGraph(String name) {
        this.name = name;
    }

    /** One node attribute ({@code AttributeProto}). */
    public static final class Attribute {
        private final ProtoMessage message;

        private Attribute(ProtoMessage message) {
            this.message = message;
        }

        /** An INT attribute. */
        public static Attribute integer(String name, long value) {
            return new Attribute(new ProtoMessage().string(1, name).varint(3, value).varint(20, 2));
        }

        /** A FLOAT attribute. */
        public static Attribute real(String name, float value) {
            return new Attribute(
                    new ProtoMessage().string(1, name).float32(2, value).varint(20, 1));
        }

        /** An INTS attribute. */
        public static Attribute ints(String name, long... values) {
            ProtoMessage m = new ProtoMessage().string(1, name);
            for (long v : values) {
                m.varint(8, v);
            }
            return new Attribute(m.varint(20, 7));
        }
    }

    /**
     * Prefix of the names {@link #op} gives its outputs from now on (e.g. {@code layers.3}), so
     * that a graph viewer shows where a node belongs.
     */
    public void scope(String prefix) {
        scope = prefix.isEmpty() ? "" : prefix + "/";
    }

    /**
     * Declares a graph input; each dim is a {@link Number} (fixed) or a {@link String} (a named
     * dynamic axis). Returns the name.
     */
    public String input(String inputName, int elementType, Object... dims) {
        claim(inputName);
        inputs.add(valueInfo(inputName, elementType, dims));
        return inputName;
    }

    /**
     * Declares a graph output named {@code outputName}, computed as {@code value} (an Identity is
     * added if named otherwise).
     */
    public void output(String value, String outputName, int elementType, Object... dims) {
        if (!value.equals(outputName)) {
            claim(outputName);
            nodes.add(node("Identity", List.of(value), List.of(outputName), List.of()));
        }
        outputs.add(valueInfo(outputName, elementType, dims));
    }

    /** A float32 initializer of shape {@code dims} (row-major); returns its name. */
    public String floats(String tensorName, float[] values, long... dims) {
        claim(tensorName);
        return addFloats(tensorName, values, dims);
    }

    /**
     * An int64 initializer of shape {@code dims} (row-major; none = a scalar); returns its name.
     */
    public String longs(String tensorName, long[] values, long... dims) {
        claim(tensorName);
        return addLongs(tensorName, values, dims);
    }

    /** A float32 scalar constant (an initializer with a generated name). */
    public String scalar(float value) {
        return addFloats(fresh("const"), new float[] {value});
    }

    /**
     * An int64 1-D constant (an initializer with a generated name), for shapes, axes and starts.
     */
    public String vector(long... values) {
        return addLongs(fresh("const"), values, values.length);
    }

    /** An int64 scalar constant (an initializer with a generated name). */
    public String scalar(long value) {
        return addLongs(fresh("const"), new long[] {value});
    }

    /** Adds a node with one output and no attributes; returns the output's name. */
    public String op(String opType, String... operands) {
        return op(opType, List.of(), operands);
    }

    /** Adds a node with one output; returns the output's name. */
    public String op(String opType, List<Attribute> attributes, String... operands) {
        String out = fresh(opType);
        nodes.add(node(opType, Arrays.asList(operands), List.of(out), attributes));
        return out;
    }

    /**
     * Writes the {@code ModelProto}: IR version {@link #IR_VERSION}, the default domain at {@code
     * opset}, this graph, and {@code metadata} as {@code metadata_props}.
     */
    public void writeModel(
            OutputStream out,
            long opset,
            String producer,
            String producerVersion,
            Map<String, String> metadata)
            throws IOException {
        ProtoMessage graph = new ProtoMessage();
        nodes.forEach(n -> graph.message(1, n));
        graph.string(2, name);
        initializers.forEach(t -> graph.message(5, t));
        inputs.forEach(v -> graph.message(11, v));
        outputs.forEach(v -> graph.message(12, v));
        ProtoMessage model =
                new ProtoMessage()
                        .varint(1, IR_VERSION)
                        .string(2, producer)
                        .string(3, producerVersion)
                        .message(7, graph)
                        .message(8, new ProtoMessage().string(1, "").varint(2, opset));
        for (Map.Entry<String, String> entry : new LinkedHashMap<>(metadata).entrySet()) {
            model.message(
                    14, new ProtoMessage().string(1, entry.getKey()).string(2, entry.getValue()));
        }
        model.writeTo(out);
    }

    private String addFloats(String tensorName, float[] values, long... dims) {
        requireCount(tensorName, values.length, dims);
        initializers.add(tensorHeader(tensorName, FLOAT, dims).littleEndianFloats(9, values));
        return tensorName;
    }

    private String addLongs(String tensorName, long[] values, long... dims) {
        requireCount(tensorName, values.length, dims);
        initializers.add(tensorHeader(tensorName, INT64, dims).littleEndianLongs(9, values));
        return tensorName;
    }

    private static ProtoMessage node(
            String opType, List<String> in, List<String> out, List<Attribute> attributes) {
        ProtoMessage node = new ProtoMessage();
        in.forEach(i -> node.string(1, i));
        out.forEach(o -> node.string(2, o));
        node.string(3, out.get(0)).string(4, opType);
        attributes.forEach(a -> node.message(5, a.message));
        return node;
    }

    private static ProtoMessage tensorHeader(String tensorName, int type, long[] dims) {
        ProtoMessage tensor = new ProtoMessage();
        for (long d : dims) {
            tensor.varint(1, d);
        }
        return tensor.varint(2, type).string(8, tensorName);
    }

    private static ProtoMessage valueInfo(String valueName, int elementType, Object[] dims) {
        ProtoMessage shape = new ProtoMessage();
        for (Object dim : dims) {
            ProtoMessage d = new ProtoMessage();
            if (dim instanceof Number n) {
                d.varint(1, n.longValue());
            } else if (dim instanceof String param) {
                d.string(2, param);
            } else {
                throw new IllegalArgumentException(
                        "dim of " + valueName + " must be a number or a name, got " + dim);
            }
            shape.message(1, d);
        }
        ProtoMessage tensorType = new ProtoMessage().varint(1, elementType).message(2, shape);
        return new ProtoMessage()
                .string(1, valueName)
                .message(2, new ProtoMessage().message(1, tensorType));
    }

    private String fresh(String kind) {
        String candidate;
        do {
            candidate = scope + kind + "_" + counter++;
        } while (names.contains(candidate));
        names.add(candidate);
        return candidate;
    }

    private void claim(String valueName) {
        if (!names.add(valueName)) {
            throw new IllegalArgumentException("duplicate value name " + valueName);
        }
    }

    private static void requireCount(String tensorName, int count, long[] dims) {
        long expected = 1;
        for (long d : dims) {
            expected *= d;
        }
        if (expected != count) {
            throw new IllegalArgumentException(
                    tensorName + ": " + count + " values for shape " + Arrays.toString(dims));
        }
    }
}
