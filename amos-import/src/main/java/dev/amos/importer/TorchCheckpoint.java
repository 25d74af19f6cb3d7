package dev.amos.importer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amos.importer.PickleReader.Call;
import dev.amos.importer.PickleReader.Global;
import dev.amos.importer.PickleReader.PersistentId;
import dev.amos.io.CountingInputStream;
import dev.amos.model.BadInputException;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A weights file as released on the Hugging Face hub, read without Python: PyTorch's zip format
 * ({@code torch.save} since 1.6: {@code ARCHIVE/data.pkl} + {@code ARCHIVE/data/KEY}), the legacy
 * format before it (pickles followed by the raw storages, in key order) and {@code .safetensors} (a
 * JSON header then raw data). The tensor list is read first; {@link #read} then streams the wanted
 * tensors one at a time as float32 (fp16 and bf16 are widened), so the file is never held in memory
 * whole.
 */
final class TorchCheckpoint implements AutoCloseable {

    /** Element types a state dict of these encoders holds. */
    enum DType {
        FLOAT32(4),
        FLOAT16(2),
        BFLOAT16(2),
        FLOAT64(8),
        OTHER(0);

        final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }

        static DType ofStorage(String storageClass) {
            return switch (storageClass) {
                case "FloatStorage" -> FLOAT32;
                case "HalfStorage" -> FLOAT16;
                case "BFloat16Storage" -> BFLOAT16;
                case "DoubleStorage" -> FLOAT64;
                default -> OTHER;
            };
        }
    }

    /**
     * One tensor of the state dict.
     *
     * @param name the state-dict key
     * @param dtype element type
     * @param shape sizes
     * @param storage key of the storage (zip entry name, legacy key) holding it
     * @param offset offset into the storage, in elements
     */
    record TensorInfo(String name, DType dtype, long[] shape, String storage, long offset) {
        long numel() {
            return Arrays.stream(shape).reduce(1L, (a, b) -> a * b);
        }

        String shapeText() {
            return Arrays.toString(shape);
        }
    }

    /** Receives the tensors read by {@link #read}. */
    @FunctionalInterface
    interface TensorSink {
        void accept(TensorInfo tensor, float[] values) throws IOException;
    }

    private static final long LEGACY_MAGIC_LOW =
            0x20f9469cfc6cL; // 0x1950a86a20f9469cfc6c, low 48 bits
    private static final byte[] SAFETENSORS_HINT = "{".getBytes(StandardCharsets.US_ASCII);

    private final Path file;
    private final Format format;
    private final Map<String, TensorInfo> tensors;
    private final ZipFile zip;
    private final String zipPrefix;
    private final long dataStart;
    private final List<String> legacyKeys = new ArrayList<>();

    private enum Format {
        ZIP,
        LEGACY,
        SAFETENSORS
    }

    private TorchCheckpoint(
            Path file,
            Format format,
            Map<String, TensorInfo> tensors,
            ZipFile zip,
            String zipPrefix,
            long dataStart) {
        this.file = file;
        this.format = format;
        this.tensors = tensors;
        this.zip = zip;
        this.zipPrefix = zipPrefix;
        this.dataStart = dataStart;
    }

    /**
     * Opens a weights file and reads its tensor list.
     *
     * @throws BadInputException naming the file when it is not a state dict of float tensors
     */
    static TorchCheckpoint open(Path file) {
        if (!Files.isRegularFile(file)) {
            throw BadInputException.of(
                    file,
                    "no such file (expected the released pytorch_model.bin or model.safetensors)");
        }
        try {
            byte[] head;
            try (InputStream in = Files.newInputStream(file)) {
                head = in.readNBytes(16);
            }
            if (head.length >= 4 && head[0] == 'P' && head[1] == 'K') {
                return openZip(file);
            }
            if (file.getFileName().toString().endsWith(".safetensors")) {
                return openSafetensors(file);
            }
            if (head.length >= 2 && (head[0] & 0xff) == 0x80) {
                return openLegacy(file);
            }
            throw BadInputException.of(
                    file,
                    "not a PyTorch state dict (expected a torch.save zip archive, a legacy "
                            + "torch.save pickle or a .safetensors file)");
        } catch (EOFException e) {
            throw BadInputException.of(
                    file,
                    "truncated: the file ends inside the state dict (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw BadInputException.of(
                    file, "not a readable PyTorch state dict: " + e.getMessage());
        } catch (BadInputException e) {
            throw e;
        } catch (RuntimeException e) {
            throw BadInputException.of(file, "not a state dict of tensors (" + e + ")");
        }
    }

    /** The tensors by state-dict key, in file order. */
    Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** The file. */
    Path file() {
        return file;
    }

    // ------------------------------------------------------------------ zip (torch >= 1.6)

    private static TorchCheckpoint openZip(Path file) throws IOException {
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw BadInputException.of(
                    file,
                    "truncated or corrupt zip archive ("
                            + e.getMessage()
                            + "); download pytorch_model.bin again");
        }
        try {
            String prefix = null;
            boolean torchScript = false;
            for (var entries = zip.entries(); entries.hasMoreElements(); ) {
                String name = entries.nextElement().getName();
                if (name.endsWith("/data.pkl")
                        && name.indexOf('/') == name.length() - "/data.pkl".length()) {
                    prefix = name.substring(0, name.length() - "data.pkl".length());
                }
                torchScript |= name.contains("/code/") || name.endsWith("/constants.pkl");
            }
            if (torchScript) {
                throw BadInputException.of(
                        file,
                        "a TorchScript archive (it has code/ and constants.pkl), not a "
                                + "state dict; give the released pytorch_model.bin");
            }
            if (prefix == null) {
                throw BadInputException.of(
                        file,
                        "a zip archive without ARCHIVE/data.pkl: not a torch.save state dict");
            }
            Object root;
            try (InputStream in =
                    new BufferedInputStream(
                            zip.getInputStream(zip.getEntry(prefix + "data.pkl")))) {
                root = PickleReader.read(in);
            }
            Map<String, TensorInfo> tensors = stateDict(file, root, false);
            return new TorchCheckpoint(file, Format.ZIP, tensors, zip, prefix, 0);
        } catch (IOException | RuntimeException e) {
            zip.close();
            throw e;
        }
    }

    // ------------------------------------------------------------------ legacy (torch < 1.6)

    private static TorchCheckpoint openLegacy(Path file) throws IOException {
        try (CountingInputStream counting =
                new CountingInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            Object magic = PickleReader.read(counting);
            if (!(magic instanceof BigInteger big)
                    || (big.longValue() & 0xffffffffffffL) != LEGACY_MAGIC_LOW) {
                throw BadInputException.of(
                        file, "a pickle, but not a torch.save file (no PyTorch magic number)");
            }
            Object protocol = PickleReader.read(counting);
            if (!(protocol instanceof Long p) || p != 1001L) {
                throw BadInputException.of(
                        file,
                        "unsupported legacy torch.save protocol " + protocol + " (expected 1001)");
            }
            PickleReader.read(counting); // sys_info
            Map<String, TensorInfo> tensors = stateDict(file, PickleReader.read(counting), true);
            Object keys =
                    PickleReader.read(
                            counting); // the storage keys, in the order their data follows
            if (!(keys instanceof List<?> list)) {
                throw BadInputException.of(
                        file,
                        "corrupt legacy torch.save file: no storage key list after the state dict");
            }
            TorchCheckpoint c =
                    new TorchCheckpoint(file, Format.LEGACY, tensors, null, null, counting.count());
            list.forEach(k -> c.legacyKeys.add(String.valueOf(k)));
            return c;
        }
    }

    // ------------------------------------------------------------------ safetensors

    private static TorchCheckpoint openSafetensors(Path file) throws IOException {
        try (DataInputStream in =
                new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            long headerLength = Long.reverseBytes(in.readLong());
            if (headerLength <= 0
                    || headerLength > 100_000_000L
                    || headerLength > Files.size(file) - 8) {
                throw BadInputException.of(
                        file, "not a safetensors file (header length " + headerLength + ")");
            }
            byte[] header = in.readNBytes((int) headerLength);
            JsonObject json;
            try {
                json =
                        JsonParser.parseString(new String(header, StandardCharsets.UTF_8))
                                .getAsJsonObject();
            } catch (RuntimeException e) {
                throw BadInputException.of(
                        file, "not a safetensors file (its header is not a JSON object)");
            }
            Map<String, TensorInfo> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : json.entrySet()) {
                if (e.getKey().equals("__metadata__")) {
                    continue;
                }
                JsonObject t = e.getValue().getAsJsonObject();
                DType dtype =
                        switch (t.get("dtype").getAsString()) {
                            case "F32" -> DType.FLOAT32;
                            case "F16" -> DType.FLOAT16;
                            case "BF16" -> DType.BFLOAT16;
                            case "F64" -> DType.FLOAT64;
                            default -> DType.OTHER;
                        };
                long[] shape = new long[t.getAsJsonArray("shape").size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = t.getAsJsonArray("shape").get(i).getAsLong();
                }
                long begin = t.getAsJsonArray("data_offsets").get(0).getAsLong();
                tensors.put(
                        e.getKey(),
                        new TensorInfo(
                                e.getKey(),
                                dtype,
                                shape,
                                "",
                                dtype.bytes == 0 ? 0 : begin / dtype.bytes));
            }
            return new TorchCheckpoint(
                    file, Format.SAFETENSORS, tensors, null, null, 8 + headerLength);
        }
    }

    // ------------------------------------------------------------------ the pickled state dict

    private static Map<String, TensorInfo> stateDict(Path file, Object root, boolean legacy) {
        if (root instanceof Call c && c.callable().name().startsWith("_")) {
            throw BadInputException.of(
                    file,
                    "the pickle holds "
                            + c.callable().qualified()
                            + "(...), not a state dict of tensors");
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw BadInputException.of(
                    file,
                    "the pickle holds a "
                            + describe(root)
                            + ", not a state dict"
                            + " (expected a dict of tensor name -> tensor)");
        }
        if (map.containsKey("state_dict") || map.containsKey("model")) {
            Object inner = map.containsKey("state_dict") ? map.get("state_dict") : map.get("model");
            if (inner instanceof Map<?, ?>) {
                return stateDict(file, inner, legacy);
            }
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String name = String.valueOf(e.getKey());
            tensors.put(name, tensor(file, name, e.getValue(), legacy));
        }
        return tensors;
    }

    private static TensorInfo tensor(Path file, String name, Object value, boolean legacy) {
        if (value instanceof Call p
                && p.callable().qualified().equals("torch._utils._rebuild_parameter")) {
            value = p.args().get(0);
        }
        if (!(value instanceof Call c)
                || !(c.callable().qualified().equals("torch._utils._rebuild_tensor_v2")
                        || c.callable().qualified().equals("torch._utils._rebuild_tensor"))) {
            throw BadInputException.of(
                    file, "key \"" + name + "\" holds a " + describe(value) + ", not a tensor");
        }
        List<Object> args = c.args();
        if (args.size() < 4
                || !(args.get(0) instanceof PersistentId pid)
                || pid.fields().size() < 5) {
            throw BadInputException.of(file, "key \"" + name + "\": unsupported tensor encoding");
        }
        Object storageType = pid.fields().get(1);
        String storageClass =
                storageType instanceof Global g ? g.name() : String.valueOf(storageType);
        long[] shape = longs(args.get(2));
        long[] stride = longs(args.get(3));
        long[] contiguous = new long[shape.length];
        long s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            contiguous[i] = s;
            s *= shape[i];
        }
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] > 1 && stride[i] != contiguous[i]) {
                throw BadInputException.of(
                        file,
                        "key \""
                                + name
                                + "\": a non-contiguous tensor (stride "
                                + Arrays.toString(stride)
                                + "), which torch.save of a state dict never writes");
            }
        }
        long offset = ((Number) args.get(1)).longValue();
        return new TensorInfo(
                name,
                DType.ofStorage(storageClass),
                shape,
                String.valueOf(pid.fields().get(2)),
                offset);
    }

    private static long[] longs(Object o) {
        List<?> list = (List<?>) o;
        long[] r = new long[list.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = ((Number) list.get(i)).longValue();
        }
        return r;
    }

    private static String describe(Object o) {
        if (o instanceof Call c) {
            return c.callable().qualified() + "(...)";
        }
        return o == null
                ? "null"
                : o instanceof List
                        ? "list"
                        : o instanceof String ? "string" : o.getClass().getSimpleName();
    }

    // ------------------------------------------------------------------ reading values

    /**
     * Streams the tensors named in {@code wanted} to {@code sink}, one at a time, as float32.
     *
     * @throws BadInputException naming the file (and key) when the data is missing or truncated
     */
    void read(Set<String> wanted, TensorSink sink) throws IOException {
        for (String name : wanted) {
            TensorInfo t = tensors.get(name);
            if (t.dtype() == DType.OTHER) {
                throw BadInputException.of(
                        file, "key \"" + name + "\": not a floating-point tensor");
            }
        }
        switch (format) {
            case ZIP -> readZip(wanted, sink);
            case LEGACY -> readLegacy(wanted, sink);
            case SAFETENSORS -> readSafetensors(wanted, sink);
            default -> throw new IllegalStateException();
        }
    }

    private void readZip(Set<String> wanted, TensorSink sink) throws IOException {
        for (String name : wanted) {
            TensorInfo t = tensors.get(name);
            ZipEntry entry = zip.getEntry(zipPrefix + "data/" + t.storage());
            if (entry == null) {
                throw BadInputException.of(
                        file,
                        "key \"" + name + "\": its data entry data/" + t.storage() + " is missing");
            }
            try (InputStream in = new BufferedInputStream(zip.getInputStream(entry))) {
                in.skipNBytes(t.offset() * t.dtype().bytes);
                sink.accept(t, decode(in, t));
            } catch (EOFException | ZipException e) {
                throw BadInputException.of(
                        file, "truncated: the data of key \"" + name + "\" ends early");
            }
        }
    }

    private void readLegacy(Set<String> wanted, TensorSink sink) throws IOException {
        Map<String, List<TensorInfo>> byStorage = new HashMap<>();
        for (String name : wanted) {
            TensorInfo t = tensors.get(name);
            byStorage.computeIfAbsent(t.storage(), k -> new ArrayList<>()).add(t);
        }
        List<String> keys = legacyKeys;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
            in.skipNBytes(dataStart);
            for (String key : keys) {
                long numel = Long.reverseBytes(new DataInputStream(in).readLong());
                int elementBytes = elementBytes(key);
                List<TensorInfo> users = byStorage.getOrDefault(key, List.of());
                if (users.isEmpty()) {
                    in.skipNBytes(numel * elementBytes);
                    continue;
                }
                byte[] storage = in.readNBytes(Math.toIntExact(numel * elementBytes));
                if (storage.length != numel * elementBytes) {
                    throw new EOFException();
                }
                for (TensorInfo t : users) {
                    if ((t.offset() + t.numel()) * elementBytes > storage.length) {
                        throw BadInputException.of(
                                file,
                                "key \""
                                        + t.name()
                                        + "\": shape "
                                        + t.shapeText()
                                        + " exceeds its storage of "
                                        + numel
                                        + " elements");
                    }
                    sink.accept(
                            t,
                            decode(
                                    new ByteArrayInputStream(
                                            storage,
                                            (int) (t.offset() * elementBytes),
                                            storage.length),
                                    t));
                }
            }
        } catch (EOFException e) {
            throw BadInputException.of(file, "truncated: the file ends inside the tensor data");
        }
    }

    private int elementBytes(String storageKey) {
        for (TensorInfo t : tensors.values()) {
            if (t.storage().equals(storageKey)) {
                return t.dtype() == DType.OTHER ? 8 : t.dtype().bytes;
            }
        }
        return 4;
    }

    private void readSafetensors(Set<String> wanted, TensorSink sink) throws IOException {
        for (String name : wanted) {
            TensorInfo t = tensors.get(name);
            try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
                in.skipNBytes(dataStart + t.offset() * t.dtype().bytes);
                sink.accept(t, decode(in, t));
            } catch (EOFException e) {
                throw BadInputException.of(
                        file, "truncated: the data of key \"" + name + "\" ends early");
            }
        }
    }

    /** Reads {@code t.numel()} little-endian elements of {@code t.dtype()} as float32. */
    private static float[] decode(InputStream in, TensorInfo t) throws IOException {
        int n = Math.toIntExact(t.numel());
        float[] out = new float[n];
        byte[] chunk = new byte[1 << 16];
        int done = 0;
        int bytes = t.dtype().bytes;
        while (done < n) {
            int count = Math.min(n - done, chunk.length / bytes);
            int len = in.readNBytes(chunk, 0, count * bytes);
            if (len != count * bytes) {
                throw new EOFException();
            }
            ByteBuffer buf = ByteBuffer.wrap(chunk, 0, len).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < count; i++) {
                out[done + i] =
                        switch (t.dtype()) {
                            case FLOAT32 -> buf.getFloat();
                            case FLOAT16 -> halfToFloat(buf.getShort());
                            case BFLOAT16 -> Float.intBitsToFloat((buf.getShort() & 0xffff) << 16);
                            case FLOAT64 -> (float) buf.getDouble();
                            default -> throw new IllegalStateException();
                        };
            }
            done += count;
        }
        return out;
    }

    /** IEEE 754 binary16 to float32 (exact: every half is a float). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exp == 0) {
            float v = mantissa * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mantissa << 13));
    }

    @Override
    public void close() throws IOException {
        if (zip != null) {
            zip.close();
        }
    }
}
