package dev.amos.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import dev.amos.model.Encoder;
import dev.amos.train.optim.GradientClipping;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No {@code x.op(Number)} on the training step's path: in DJL 0.25 each such call uploads the
 * number to {@code x}'s device (a host-to-device copy and a stream sync on CUDA). The test reads
 * the constant pools of the compiled classes of the model ({@code dev.amos.model}, its export
 * package and the diagnostics of {@code amos diagnose} aside) and of the loop and optimizer ({@code
 * dev.amos.train}, {@code dev.amos.train.optim}) and fails on any reference to an {@code
 * NDArray}/{@code NDArrays} method that takes a {@code Number}; use {@link
 * dev.amos.model.ScalarConstants} instead.
 */
class NoScalarOpsOnTheStepPathTest {

    private static final List<String> OWNERS =
            List.of(
                    "ai/djl/ndarray/NDArray",
                    "ai/djl/ndarray/NDArrays",
                    "ai/djl/internal/NDArrayEx",
                    "ai/djl/pytorch/engine/PtNDArray");

    @Test
    void theStepPathCallsNoNDArrayMethodTakingANumber() throws IOException, URISyntaxException {
        TreeSet<String> found = new TreeSet<>();
        Map<String, byte[]> all =
                new TreeMap<>(
                        classes(
                                Encoder.class,
                                "dev/amos/model/",
                                "dev/amos/model/export/",
                                "dev/amos/model/GeneratorDiagnostics")); // diagnostics run outside
        // training
        all.putAll(
                classes(
                        GradientClipping.class,
                        "dev/amos/train/",
                        "dev/amos/train/data/",
                        "dev/amos/train/report/",
                        "dev/amos/train/Diagnosis"));
        for (Map.Entry<String, byte[]> c : all.entrySet()) {
            found.addAll(numberOps(c.getKey(), new ByteArrayInputStream(c.getValue())));
        }
        int scanned = all.size();
        assertTrue(scanned > 20, "scanned " + scanned + " classes");
        assertEquals(
                new TreeSet<String>(),
                found,
                "use ScalarConstants.of(x, value) instead of x.op(value)");
    }

    /** The scanner itself: a class that calls x.mul(2f) is reported. */
    @Test
    void theScannerSeesACallOfMulNumber() throws IOException {
        String name = Doubler.class.getName().replace('.', '/') + ".class";
        try (InputStream in = Doubler.class.getClassLoader().getResourceAsStream(name)) {
            List<String> ops = numberOps(name, in);
            assertEquals(1, ops.size(), ops.toString());
            assertTrue(
                    ops.get(0).contains("ai/djl/ndarray/NDArray.mul(Ljava/lang/Number;)"),
                    ops.toString());
        }
    }

    static final class Doubler {
        static NDArray twice(NDArray x) {
            return x.mul(2f);
        }
    }

    /**
     * Class files (name -> bytes) under {@code prefix} of the folder or jar that holds {@code
     * anchor}, except {@code skip}.
     */
    private static Map<String, byte[]> classes(Class<?> anchor, String prefix, String... skip)
            throws IOException, URISyntaxException {
        Path root = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
        Map<String, byte[]> out = new TreeMap<>();
        if (Files.isDirectory(root)) {
            try (Stream<Path> walk = Files.walk(root.resolve(prefix))) {
                for (Path p : walk.filter(f -> f.toString().endsWith(".class")).toList()) {
                    String name = root.relativize(p).toString().replace('\\', '/');
                    if (!skipped(name, skip)) {
                        out.put(name, Files.readAllBytes(p));
                    }
                }
            }
            return out;
        }
        try (JarFile jar = new JarFile(root.toFile())) {
            for (JarEntry e : jar.stream().toList()) {
                String name = e.getName();
                if (name.startsWith(prefix) && name.endsWith(".class") && !skipped(name, skip)) {
                    try (InputStream in = jar.getInputStream(e)) {
                        out.put(name, in.readAllBytes());
                    }
                }
            }
        }
        return out;
    }

    private static boolean skipped(String relative, String... skip) {
        for (String s : skip) {
            if (relative.startsWith(s)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Method references of {@code OWNERS} taking a {@code java.lang.Number}, from a class file's
     * constant pool.
     */
    static List<String> numberOps(String name, InputStream stream) throws IOException {
        try (DataInputStream in = new DataInputStream(stream)) {
            if (in.readInt() != 0xCAFEBABE) {
                throw new IOException(name + ": not a class file");
            }
            in.readUnsignedShort();
            in.readUnsignedShort();
            int count = in.readUnsignedShort();
            String[] utf8 = new String[count];
            int[][] refs = new int[count][];
            int[] tags = new int[count];
            for (int i = 1; i < count; i++) {
                int tag = in.readUnsignedByte();
                tags[i] = tag;
                switch (tag) {
                    case 1 -> utf8[i] = in.readUTF();
                    case 3, 4 -> in.readInt();
                    case 5, 6 -> {
                        in.readLong();
                        i++;
                    }
                    case 7, 8, 16, 19, 20 -> refs[i] = new int[] {in.readUnsignedShort()};
                    case 9, 10, 11, 12, 17, 18 ->
                            refs[i] = new int[] {in.readUnsignedShort(), in.readUnsignedShort()};
                    case 15 -> {
                        in.readUnsignedByte();
                        refs[i] = new int[] {in.readUnsignedShort()};
                    }
                    default -> throw new IOException(name + ": unknown constant pool tag " + tag);
                }
            }
            List<String> out = new ArrayList<>();
            for (int i = 1; i < count; i++) {
                if (tags[i] == 10 || tags[i] == 11) {
                    String owner = utf8[refs[refs[i][0]][0]];
                    int[] nameAndType = refs[refs[i][1]];
                    String method = utf8[nameAndType[0]];
                    String descriptor = utf8[nameAndType[1]];
                    String params = descriptor.substring(0, descriptor.indexOf(')') + 1);
                    if (OWNERS.contains(owner) && params.contains("Ljava/lang/Number;")) {
                        out.add(name + ": " + owner + "." + method + descriptor);
                    }
                }
            }
            return out;
        }
    }
}
