package dev.amos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MKL fast path gives the slow path's results: {@link GemmProbe} runs in two child JVMs, one
 * with the launcher's shim preloaded and one without, and every GEMM output and gradient agrees to
 * float32 accumulation error. Runs where the launcher would consider the shim (a non-Intel x86-64
 * CPU with avx2 and fma) and {@code cc} exists; elsewhere there is no second path to compare.
 */
class GemmFastPathTest {

    private static final Path REPO =
            Path.of(System.getProperty("amos.repo.root", "..")).toAbsolutePath().normalize();

    /**
     * Relative to the largest magnitude of each output; summation order may differ between kernels.
     */
    private static final double TOLERANCE = 1e-5;

    @TempDir Path tmp;

    @Test
    void theFastPathMatchesTheGenericPath() throws Exception {
        List<String> cpuinfo = Files.readAllLines(Path.of("/proc/cpuinfo"));
        String flags =
                " "
                        + cpuinfo.stream().filter(l -> l.startsWith("flags")).findFirst().orElse("")
                        + " ";
        assumeTrue(
                GemmPath.of(cpuinfo, List.of(), null).name().equals("mkl-generic")
                        && flags.contains(" avx2 ")
                        && flags.contains(" fma "),
                "not a non-Intel x86-64 CPU with avx2 and fma");
        Path shim = tmp.resolve(GemmPath.SHIM_NAME + "-test.so");
        assumeTrue(
                run(
                                List.of(
                                        "cc",
                                        "-shared",
                                        "-fPIC",
                                        "-O2",
                                        "-o",
                                        shim.toString(),
                                        REPO.resolve("amos-cli/src/main/c/mkl_intel_cpu_true.c")
                                                .toString()),
                                null)
                        == 0,
                "no cc");

        Probe generic = probe(null);
        Probe fast = probe(shim);
        assertEquals("mkl-generic", generic.path());
        assertEquals("mkl-fast", fast.path());
        assertEquals(generic.outputs().size(), fast.outputs().size());
        for (int k = 0; k < generic.outputs().size(); k++) {
            float[] a = generic.outputs().get(k);
            float[] b = fast.outputs().get(k);
            assertEquals(a.length, b.length);
            double scale = 0;
            double diff = 0;
            for (int i = 0; i < a.length; i++) {
                scale = Math.max(scale, Math.abs(a[i]));
                diff = Math.max(diff, Math.abs(a[i] - b[i]));
            }
            assertTrue(scale > 0, "output " + k + " is all zeros");
            assertTrue(
                    diff <= TOLERANCE * scale,
                    "output "
                            + k
                            + ": max |fast - generic| "
                            + diff
                            + " > "
                            + TOLERANCE
                            + " x "
                            + scale);
        }
    }

    private record Probe(String path, List<float[]> outputs) {}

    private Probe probe(Path preload) throws IOException, InterruptedException {
        Path out = tmp.resolve(preload == null ? "generic.bin" : "fast.bin");
        List<String> command =
                List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Doffline=true",
                        "-cp",
                        System.getProperty("java.class.path"),
                        GemmProbe.class.getName(),
                        out.toString());
        assertEquals(0, run(command, preload), "the probe failed, see " + tmp.resolve("probe.log"));
        try (DataInputStream in = new DataInputStream(Files.newInputStream(out))) {
            String path = in.readUTF();
            List<float[]> outputs = new ArrayList<>();
            while (in.available() > 0) {
                float[] v = new float[in.readInt()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = in.readFloat();
                }
                outputs.add(v);
            }
            return new Probe(path, outputs);
        }
    }

    private int run(List<String> command, Path preload) throws IOException, InterruptedException {
        ProcessBuilder pb =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(
                                ProcessBuilder.Redirect.appendTo(
                                        tmp.resolve("probe.log").toFile()));
        pb.environment().remove("LD_PRELOAD");
        if (preload != null) {
            pb.environment().put("LD_PRELOAD", preload.toString());
        }
        try {
            Process p = pb.start();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            return -1; // e.g. no cc on PATH
        }
    }
}
