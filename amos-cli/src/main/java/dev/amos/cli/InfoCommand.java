package dev.amos.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.pytorch.jni.LibUtils;
import com.google.gson.JsonObject;
import dev.amos.model.Amos;
import dev.amos.model.ModelConfig;
import dev.amos.model.Objective;
import dev.amos.model.TensorOps;
import dev.amos.train.GemmPeak;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code amos info}: engine, PyTorch version and flavor, devices, threads, versions. */
@Command(
        name = "info",
        mixinStandardHelpOptions = true,
        description =
                "Print the engine, PyTorch version and native flavor, devices, threads and versions.")
final class InfoCommand implements Callable<Integer> {

    @Option(
            names = "--params",
            description = "Also print the parameter counts of every preset and objective.")
    boolean params;

    @Option(
            names = "--gemm-peak",
            description = {
                "Also measure the CPU GEMM peak amos bench divides by (2048^3 float32, about 2 s), and on a non-Intel",
                "x86 CPU the peak of its other MKL path in a child ./amos (the path is fixed per process), naming the faster."
            })
    boolean gemmPeak;

    /**
     * For the child of {@link OtherGemmPath}: only this process's GEMM path and peak, as one JSON
     * line.
     */
    @Option(names = OtherGemmPath.CHILD_OPTION, hidden = true)
    boolean gemmPeakJson;

    @Override
    public Integer call() {
        if (gemmPeakJson) {
            JsonObject j = new JsonObject();
            j.addProperty("gemm_path", GemmPath.current().name());
            GemmPeak.measure(Device.cpu()).addTo(j);
            System.out.println(j);
            return 0;
        }
        printEngine();
        if (gemmPeak) {
            printGemmPeak();
        }
        if (params) {
            printParameterCounts();
        }
        return 0;
    }

    private static void printGemmPeak() {
        GemmPath path = GemmPath.current();
        GemmPeak peak = GemmPeak.measure(Device.cpu());
        System.out.println("gemm peak:   " + path.name() + " " + peak);
        if (path.otherName().isPresent()) {
            System.out.println(
                    "other path:  " + OtherGemmPath.measure(path).compare(path, peak.flops()));
        }
    }

    private static void printParameterCounts() {
        System.out.println();
        System.out.println(
                "| preset | amos (all networks) | electra | mlm | discriminator | AMOS generator (without E) |");
        System.out.println("|---|---|---|---|---|---|");
        for (String name : ModelConfig.presets(Paths.models())) {
            ModelConfig c = ModelConfig.load(name, Paths.models());
            Amos amos = new Amos(c, Objective.AMOS);
            System.out.printf(
                    "| `%s` | %s | %s | %s | %s | %s |%n",
                    name,
                    millions(amos),
                    millions(new Amos(c, Objective.ELECTRA)),
                    millions(new Amos(c, Objective.MLM)),
                    millions(amos.discriminator()),
                    millions(amos.generator()));
        }
    }

    private static String millions(ai.djl.nn.Block block) {
        return String.format("%.2f M", TensorOps.parameterCount(block) / 1e6);
    }

    private void printEngine() {
        Engine engine = Engine.getEngine("PyTorch");
        Path libtorch = Path.of(LibUtils.getLibtorchPath());
        System.out.println("amos:        " + Versions.get("version"));
        System.out.println("djl:         " + Engine.getDjlVersion());
        System.out.println("engine:      " + engine.getEngineName());
        System.out.println("pytorch:     " + engine.getVersion());
        System.out.println("flavor:      " + flavor(libtorch));
        System.out.println("libtorch:    " + libtorch);
        System.out.println(
                "devices:     "
                        + Arrays.stream(engine.getDevices())
                                .map(Device::toString)
                                .collect(Collectors.joining(", ")));
        System.out.println("gpus:        " + engine.getGpuCount());
        System.out.println(
                "precision:   float32"
                        + (dev.amos.train.Precision.tf32()
                                ? ", TF32 matmuls on CUDA (--tf32)"
                                : ""));
        GemmPath gemm = GemmPath.current();
        System.out.println("gemm (cpu):  " + gemm);
        gemm.otherName()
                .ifPresent(
                        other ->
                                System.out.println(
                                        "             other path "
                                                + other
                                                + " via "
                                                + gemm.otherPathSwitch()
                                                + (gemm.fast() || !gemm.avx512()
                                                        ? ""
                                                        : " (usually about 2x the GEMM FLOP/s on AVX-512)")
                                                + "; fixed per process, './amos info --gemm-peak' measures both"));
        System.out.println("malloc:      " + mallocSettings(System.getenv()));
        System.out.println(
                "threads:     intra-op "
                        + JniUtils.getNumThreads()
                        + ", inter-op "
                        + JniUtils.getNumInteropThreads());
        System.out.println(
                "java:        "
                        + System.getProperty("java.version")
                        + " ("
                        + System.getProperty("java.vm.name")
                        + ")");
        System.out.println("offline:     " + Boolean.getBoolean("offline"));
    }

    /**
     * The native flavor from the extracted libtorch folder name, e.g. {@code
     * 2.0.1-cpu-linux-x86_64}.
     */
    static String flavor(Path libtorch) {
        for (Path p = libtorch; p != null && p.getFileName() != null; p = p.getParent()) {
            String name = p.getFileName().toString();
            String[] parts = name.split("-");
            if (parts.length >= 3 && Character.isDigit(name.charAt(0))) {
                for (String part : parts) {
                    if (part.equals("cpu") || part.startsWith("cu")) {
                        return part;
                    }
                }
            }
        }
        return Versions.get("native").replace("pytorch-native-", "");
    }

    /**
     * glibc malloc's tunables as the process got them: "heap" when no tensor is mmapped (the
     * launcher's default, AMOS_MALLOC=heap), "mmap" otherwise, with the variables that say so.
     */
    static String mallocSettings(java.util.Map<String, String> env) {
        java.util.List<String> set = new java.util.ArrayList<>();
        new java.util.TreeMap<>(env)
                .forEach(
                        (k, v) -> {
                            if (k.startsWith("MALLOC_")
                                    || (k.equals("GLIBC_TUNABLES") && v.contains("malloc"))) {
                                set.add(k + "=" + v);
                            }
                        });
        String mode = "0".equals(env.get("MALLOC_MMAP_MAX_")) ? "heap" : "mmap";
        return mode + " (" + (set.isEmpty() ? "glibc defaults" : String.join(" ", set)) + ")";
    }
}
