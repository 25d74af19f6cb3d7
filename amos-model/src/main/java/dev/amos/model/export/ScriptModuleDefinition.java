package dev.amos.model.export;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One flat TorchScript module class (no submodules): its qualified name, its attributes (tensors
 * and scalars) and the TorchScript source of its methods. The class declaration and the pickled
 * instance are both generated from {@link #attributes()}, so they cannot disagree (a declared but
 * unpickled attribute makes torch fail with "Argument passed to at() was not in the map").
 *
 * <p>Format background: {@code docs/torchscript-format.md} §3.4.
 *
 * @param qualifier module path of the class, {@code __torch__} or {@code __torch__.a.b}
 * @param className bare class name
 * @param attributes instance attributes in declaration order ({@code training} is implicit)
 * @param methods TorchScript source of the methods, {@code def} lines unindented; it is indented
 *     into the class body by the writer
 */
public record ScriptModuleDefinition(
        String qualifier, String className, List<Attribute> attributes, String methods) {

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern QUALIFIER =
            Pattern.compile("__torch__(\\.[A-Za-z_][A-Za-z0-9_]*)*");

    /** How an attribute is registered on the module. */
    public enum Role {
        /** A trainable tensor, listed in {@code __parameters__}. */
        PARAMETER,
        /** A non-trainable tensor, listed in {@code __buffers__}. */
        BUFFER,
        /** A plain {@code int}, {@code float}, {@code bool} or {@code str} attribute. */
        CONSTANT
    }

    /**
     * One module attribute.
     *
     * @param name a Python identifier
     * @param role parameter, buffer or plain constant
     * @param value a {@link ScriptTensor} for parameters and buffers; a {@link Long}, {@link
     *     Integer}, {@link Double}, {@link Boolean} or {@link String} for constants
     */
    public record Attribute(String name, Role role, Object value) {

        public Attribute {
            if (!IDENTIFIER.matcher(name).matches() || name.equals("training")) {
                throw new IllegalArgumentException("not a usable attribute name: '" + name + "'");
            }
            boolean tensor = value instanceof ScriptTensor;
            if (tensor != (role != Role.CONSTANT)) {
                throw new IllegalArgumentException(
                        "attribute " + name + ": " + role + " cannot hold " + describe(value));
            }
            if (!tensor) {
                scriptType(value);
            }
        }

        /** A trainable tensor. */
        public static Attribute parameter(String name, ScriptTensor value) {
            return new Attribute(name, Role.PARAMETER, value);
        }

        /** A non-trainable tensor. */
        public static Attribute buffer(String name, ScriptTensor value) {
            return new Attribute(name, Role.BUFFER, value);
        }

        /** A plain scalar or string attribute. */
        public static Attribute constant(String name, Object value) {
            return new Attribute(name, Role.CONSTANT, value);
        }

        /**
         * The TorchScript type of the attribute: {@code Tensor}, {@code int}, {@code float}, ...
         */
        public String scriptType() {
            return value instanceof ScriptTensor ? "Tensor" : scriptType(value);
        }

        private static String scriptType(Object value) {
            if (value instanceof Long || value instanceof Integer) {
                return "int";
            } else if (value instanceof Double) {
                return "float";
            } else if (value instanceof Boolean) {
                return "bool";
            } else if (value instanceof String) {
                return "str";
            }
            throw new IllegalArgumentException("unsupported attribute value " + describe(value));
        }

        private static String describe(Object value) {
            return value == null ? "null" : value.getClass().getSimpleName();
        }
    }

    public ScriptModuleDefinition {
        if (!QUALIFIER.matcher(qualifier).matches()) {
            throw new IllegalArgumentException(
                    "qualifier must be __torch__ or __torch__.a.b, got " + qualifier);
        }
        if (!IDENTIFIER.matcher(className).matches()) {
            throw new IllegalArgumentException("not a class name: " + className);
        }
        attributes = List.copyOf(attributes);
        Set<String> names = new HashSet<>();
        for (Attribute attribute : attributes) {
            if (!names.add(attribute.name())) {
                throw new IllegalArgumentException("duplicate attribute " + attribute.name());
            }
        }
    }

    /** The record path of the class source inside the archive, e.g. {@code code/__torch__.py}. */
    public String sourceRecord() {
        return "code/" + qualifier.replace('.', '/') + ".py";
    }

    /** The complete TorchScript source file defining the class. */
    public String source() {
        StringBuilder text = new StringBuilder();
        text.append("class ").append(className).append("(Module):\n");
        text.append("  __parameters__ = ").append(nameList(Role.PARAMETER)).append('\n');
        text.append("  __buffers__ = ").append(nameList(Role.BUFFER)).append('\n');
        text.append("  training : bool\n");
        for (Attribute attribute : attributes) {
            text.append("  ")
                    .append(attribute.name())
                    .append(" : ")
                    .append(attribute.scriptType())
                    .append('\n');
        }
        for (String line : methods.split("\n", -1)) {
            text.append(line.isBlank() ? "" : "  " + line).append('\n');
        }
        return text.toString().stripTrailing() + "\n";
    }

    /** The tensors of the module (parameters and buffers), in declaration order. */
    public List<Attribute> tensorAttributes() {
        List<Attribute> tensors = new ArrayList<>();
        for (Attribute attribute : attributes) {
            if (attribute.role() != Role.CONSTANT) {
                tensors.add(attribute);
            }
        }
        return tensors;
    }

    private String nameList(Role role) {
        StringBuilder list = new StringBuilder("[");
        for (Attribute attribute : attributes) {
            if (attribute.role() == role) {
                list.append('"').append(attribute.name()).append("\", ");
            }
        }
        return list.append(']').toString();
    }
}
