package dev.amos.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.pytorch.jni.LibUtils;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;

/** {@code amos info}: engine, PyTorch version and flavor, devices, threads, versions. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Print the engine, PyTorch version and native flavor, devices, threads and versions.")
final class InfoCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        Engine engine = Engine.getEngine("PyTorch");
        Path libtorch = Path.of(LibUtils.getLibtorchPath());
        System.out.println("amos:        " + Versions.get("version"));
        System.out.println("djl:         " + Engine.getDjlVersion());
        System.out.println("engine:      " + engine.getEngineName());
        System.out.println("pytorch:     " + engine.getVersion());
        System.out.println("flavor:      " + flavor(libtorch));
        System.out.println("libtorch:    " + libtorch);
        System.out.println("devices:     " + Arrays.stream(engine.getDevices()).map(Device::toString).collect(Collectors.joining(", ")));
        System.out.println("gpus:        " + engine.getGpuCount());
        System.out.println("threads:     intra-op " + JniUtils.getNumThreads() + ", inter-op " + JniUtils.getNumInteropThreads());
        System.out.println("java:        " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
        System.out.println("offline:     " + Boolean.getBoolean("offline"));
        return 0;
    }

    /** The native flavor from the extracted libtorch folder name, e.g. {@code 2.0.1-cpu-linux-x86_64}. */
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
}
