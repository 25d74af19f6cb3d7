package dev.amos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher {@code ./amos} on a copy of the repository's launcher and pom.xml, with a fake
 * {@code nvidia-smi}, {@code mvn} and {@code java} first on PATH: flavor detection (usable GPU,
 * none, too-old driver, hidden GPUs, forced), the dry run, the profile passed both ways, the CUDA
 * library folder check and the CUDA/TF32 environment handed to the JVM.
 */
class LauncherTest {

    private static final Path REPO =
            Path.of(System.getProperty("amos.repo.root", "..")).toAbsolutePath().normalize();

    private record Result(int code, String out, String err) {}

    @TempDir Path tmp;

    /** A copy of the launcher and the parent POM (for the CUDA library list) in a fresh root. */
    private Path root() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("repo"));
        Files.copy(REPO.resolve("amos"), root.resolve("amos"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(
                REPO.resolve("pom.xml"),
                root.resolve("pom.xml"),
                StandardCopyOption.REPLACE_EXISTING);
        Path sh = Files.createDirectories(root.resolve("amos-cli/src/main/sh"));
        Files.copy(
                REPO.resolve("amos-cli/src/main/sh/malloc.sh"),
                sh.resolve("malloc.sh"),
                StandardCopyOption.REPLACE_EXISTING);
        return root;
    }

    private Path bin() throws IOException {
        return Files.createDirectories(tmp.resolve("bin"));
    }

    private void script(String name, String body) throws IOException {
        Path f = bin().resolve(name);
        Files.writeString(f, "#!/bin/bash\n" + body + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** A fake nvidia-smi: {@code -L} lists {@code gpus} GPUs, the query prints {@code driver}. */
    private void nvidiaSmi(int gpus, String driver) throws IOException {
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < gpus; i++) {
            list.append("echo 'GPU ")
                    .append(i)
                    .append(": NVIDIA H100 80GB HBM3 (UUID: GPU-0000000")
                    .append(i)
                    .append(")'\n");
        }
        String noDevices = gpus == 0 ? "echo 'No devices were found'; exit 6\n" : "";
        script(
                "nvidia-smi",
                "case \"$1\" in\n -L) "
                        + noDevices
                        + list
                        + " ;;\n"
                        + " --query-gpu=driver_version) for i in $(seq 1 "
                        + Math.max(gpus, 1)
                        + "); do echo '"
                        + driver
                        + "'; done ;;\n"
                        + " *) exit 1 ;;\nesac");
    }

    private Result launch(Path root, Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", root.resolve("amos").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(tmp.toFile());
        pb.environment()
                .keySet()
                .removeIf(
                        k ->
                                k.startsWith("AMOS_")
                                        || k.equals("CUDA_VISIBLE_DEVICES")
                                        || k.equals("TORCH_ALLOW_TF32_CUBLAS_OVERRIDE")
                                        || k.equals("LD_LIBRARY_PATH")
                                        || k.equals("LD_PRELOAD")
                                        || k.startsWith("MALLOC_"));
        pb.environment().put("PATH", bin() + ":/usr/bin:/bin");
        pb.environment().put("XDG_CACHE_HOME", tmp.resolve("cache").toString());
        pb.environment().putAll(env);
        Path out = tmp.resolve("stdout");
        Path err = tmp.resolve("stderr");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "launcher timed out");
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private Result dryRun(Map<String, String> env) throws IOException, InterruptedException {
        script("mvn", "echo mvn must not run in a dry run >&2; exit 97");
        script("java", "echo java must not run in a dry run >&2; exit 98");
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("AMOS_DRY_RUN", "1");
        return launch(root(), all, "train", "--steps", "1");
    }

    @Test
    void aListedGpuWithARecentDriverIsCu118() throws Exception {
        nvidiaSmi(2, "535.104.05");
        Result r = dryRun(Map.of());
        assertEquals(0, r.code(), r.err());
        assertEquals(
                "amos: flavor cu118 (nvidia-smi -L lists 2 GPU(s), driver 535.104.05 >= 450.80.02)\n",
                r.out());
        assertEquals("", r.err());
    }

    @Test
    void noGpuListedIsCpu() throws Exception {
        nvidiaSmi(0, "535.104.05");
        Result r = dryRun(Map.of());
        assertEquals(0, r.code(), r.err());
        assertTrue(
                r.out()
                        .startsWith(
                                "amos: flavor cpu (nvidia-smi -L failed: No devices were found)"),
                r.out());
        assertEquals(1, r.out().lines().count());
    }

    @Test
    void aDriverOlderThanCuda118NeedsIsCpu() throws Exception {
        nvidiaSmi(1, "418.87.01");
        Result r = dryRun(Map.of());
        assertEquals(0, r.code(), r.err());
        assertEquals(
                "amos: flavor cpu (NVIDIA driver 418.87.01 is older than 450.80.02, the minimum for CUDA 11.8)\n",
                r.out());
        // numeric, not lexicographic: 1000.x is newer than 450.80.02, 450.80.1 older
        nvidiaSmi(1, "1000.1");
        assertTrue(dryRun(Map.of()).out().startsWith("amos: flavor cu118"));
        nvidiaSmi(1, "450.80.1");
        assertTrue(
                dryRun(Map.of())
                        .out()
                        .startsWith("amos: flavor cpu (NVIDIA driver 450.80.1 is older"));
    }

    @Test
    void emptyCudaVisibleDevicesAndAmosCudaZeroAreCpu() throws Exception {
        nvidiaSmi(1, "535.104.05");
        assertEquals(
                "amos: flavor cpu (CUDA_VISIBLE_DEVICES=\"\" hides every GPU)\n",
                dryRun(Map.of("CUDA_VISIBLE_DEVICES", "")).out());
        assertEquals("amos: flavor cpu (AMOS_CUDA=0)\n", dryRun(Map.of("AMOS_CUDA", "0")).out());
        nvidiaSmi(0, "535.104.05");
        assertEquals("amos: flavor cu118 (AMOS_CUDA=1)\n", dryRun(Map.of("AMOS_CUDA", "1")).out());
        Result bad = dryRun(Map.of("AMOS_CUDA", "yes"));
        assertEquals(2, bad.code());
        assertEquals("amos: AMOS_CUDA: expected 0 or 1, got \"yes\"\n", bad.err());
    }

    /**
     * Fake mvn: logs its arguments, makes the jar, and with -Pcuda the library folder when asked.
     */
    private void fakeBuild(boolean unpackCudaLibs) throws IOException {
        String unpack =
                unpackCudaLibs
                        ? "  d=target/cuda-libs-11.8-8.6; mkdir -p $d\n"
                                + "  for n in $(sed -n 's:.*<cuda.redist.libs>\\(.*\\)</cuda.redist.libs>.*:\\1:p' pom.xml | tr ',' ' ') libcudart.so; do touch $d/$n; done\n"
                        : "  :\n";
        script(
                "mvn",
                "echo \"$*\" >> "
                        + tmp.resolve("mvn.log")
                        + "\nmkdir -p amos-cli/target && touch amos-cli/target/amos-cli.jar\n"
                        + "if [[ \" $* \" == *' -Pcuda '* ]]; then\n"
                        + unpack
                        + "fi");
        script(
                "java",
                "{ echo \"args: $*\"; echo \"LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}\";"
                        + " echo \"TF32=${TORCH_ALLOW_TF32_CUBLAS_OVERRIDE:-}\"; } > "
                        + tmp.resolve("java.log"));
    }

    @Test
    void mallocKeepsTensorsOnTheHeapByDefaultMmapOnRequestAndNeverOverridesTheCaller()
            throws Exception {
        fakeBuild(false);
        nvidiaSmi(0, "");
        script("java", "env | grep '^MALLOC_' | sort > " + tmp.resolve("malloc.log") + "; true");
        Path root = root();
        assertEquals(0, launch(root, Map.of(), "info").code());
        assertEquals(
                "MALLOC_ARENA_MAX=1\nMALLOC_MMAP_MAX_=0\nMALLOC_TRIM_THRESHOLD_=17179869184\n",
                Files.readString(tmp.resolve("malloc.log")));
        assertEquals(0, launch(root, Map.of("AMOS_MALLOC", "mmap"), "info").code());
        assertEquals(
                "MALLOC_MMAP_THRESHOLD_=1048576\n", Files.readString(tmp.resolve("malloc.log")));
        assertEquals(0, launch(root, Map.of("MALLOC_ARENA_MAX", "2"), "info").code());
        assertEquals("MALLOC_ARENA_MAX=2\n", Files.readString(tmp.resolve("malloc.log")));
        Result bad = launch(root, Map.of("AMOS_MALLOC", "tcmalloc"), "info");
        assertEquals(2, bad.code());
        assertTrue(
                bad.err()
                        .endsWith("\namos: AMOS_MALLOC: expected heap or mmap, got \"tcmalloc\"\n"),
                bad.err());
        assertEquals("mmap (glibc defaults)", InfoCommand.mallocSettings(Map.of()));
        assertEquals(
                "heap (MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=1)",
                InfoCommand.mallocSettings(
                        Map.of(
                                "MALLOC_TRIM_THRESHOLD_",
                                "1",
                                "MALLOC_MMAP_MAX_",
                                "0",
                                "HOME",
                                "/")));
    }

    @Test
    void theCpuBuildNamesTheProfileTooAndTheJvmGetsNoCudaPaths() throws Exception {
        fakeBuild(false);
        nvidiaSmi(1, "418.87.01");
        Path root = root();
        Result r = launch(root, Map.of(), "info");
        assertEquals(0, r.code(), r.err());
        assertTrue(
                r.err()
                        .contains(
                                "amos: using the cpu flavor: NVIDIA driver 418.87.01 is older than 450.80.02"),
                r.err());
        assertEquals(
                "-q -B -DskipTests -P!cuda package -pl amos-cli -am\n",
                Files.readString(tmp.resolve("mvn.log")));
        assertEquals("cpu\n", Files.readString(root.resolve("amos-cli/target/.flavor")));
        String java = Files.readString(tmp.resolve("java.log"));
        assertTrue(
                java.endsWith(
                        " -jar "
                                + root.resolve("amos-cli/target/amos-cli.jar")
                                + " info\nLD_LIBRARY_PATH=\nTF32=\n"),
                java);
        assertFalse(java.contains("jna.library.path"), java);
    }

    @Test
    void theCudaBuildPutsTheUnpackedLibrariesOnBothSearchPathsAndTf32IsOptIn() throws Exception {
        fakeBuild(true);
        nvidiaSmi(1, "535.104.05");
        Path root = root();
        Result r = launch(root, Map.of(), "train", "--tf32", "--steps", "5");
        assertEquals(0, r.code(), r.err());
        assertEquals(
                "-q -B -DskipTests -Pcuda package -pl amos-cli -am\n",
                Files.readString(tmp.resolve("mvn.log")));
        assertEquals("cu118\n", Files.readString(root.resolve("amos-cli/target/.flavor")));
        String libs = root.resolve("target/cuda-libs-11.8-8.6").toString();
        String java = Files.readString(tmp.resolve("java.log"));
        assertTrue(java.contains(" -Djna.library.path=" + libs + " "), java);
        assertTrue(
                java.contains(
                        " -jar "
                                + root.resolve("amos-cli/target/amos-cli.jar")
                                + " train --steps 5\n"),
                "--tf32 is the launcher's, not passed on: " + java);
        assertTrue(java.contains("\nLD_LIBRARY_PATH=" + libs + "\n"), java);
        assertTrue(java.contains("\nTF32=1\n"), java);
        // the jar is fresh now: no second build; AMOS_TF32=1 is the same switch
        launch(root, Map.of("AMOS_TF32", "1"), "train");
        assertEquals(1, Files.readAllLines(tmp.resolve("mvn.log")).size());
        assertTrue(Files.readString(tmp.resolve("java.log")).contains("\nTF32=1\n"));
        launch(root, Map.of(), "train");
        assertTrue(
                Files.readString(tmp.resolve("java.log")).contains("\nTF32=\n"),
                "fp32 is the default");
    }

    /** Maven keeps an up-to-date jar as it is (only a test changed): one build, not one per run. */
    @Test
    void aJarMavenLeftAloneIsNotRebuiltOnEveryRun() throws Exception {
        script("mvn", "echo \"$*\" >> " + tmp.resolve("mvn.log"));
        script("java", "true");
        nvidiaSmi(0, "535.104.05");
        Path root = root();
        Path jar = Files.createDirectories(root.resolve("amos-cli/target")).resolve("amos-cli.jar");
        Files.writeString(jar, "old");
        Files.setLastModifiedTime(
                jar,
                java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        Files.writeString(
                Files.createDirectories(root.resolve("amos-cli/src/test")).resolve("SomeTest.java"),
                "class SomeTest {}");
        assertEquals(0, launch(root, Map.of(), "info").code());
        assertEquals(0, launch(root, Map.of(), "info").code());
        assertEquals(1, Files.readAllLines(tmp.resolve("mvn.log")).size());
    }

    @Test
    void aCudaBuildMissingALibraryIsRebuiltAndThenReported() throws Exception {
        fakeBuild(false);
        nvidiaSmi(1, "535.104.05");
        Path root = root();
        // a folder a killed unpack left half full: Maven's markers would make it skip the unpack
        Path stale = Files.createDirectories(root.resolve("target/cuda-libs-11.8-8.6/.markers"));
        Files.writeString(stale.getParent().resolve("libcudnn.so.8"), "");
        Result r = launch(root, Map.of(), "info");
        assertFalse(Files.exists(stale), "the incomplete folder is removed before the build");
        assertEquals(1, r.code());
        assertTrue(
                r.err()
                        .endsWith(
                                "amos: the cuda build left no libcudart.so.11.0 in "
                                        + tmp.resolve("repo/target/cuda-libs-11.8-8.6")
                                        + "\n"),
                r.err());
        assertFalse(
                Files.exists(tmp.resolve("java.log")), "java is not started without the libraries");
    }

    /**
     * A fake /proc/cpuinfo, a fake java logging LD_PRELOAD and its arguments, the shim's source in
     * the root.
     */
    private Path gemmRoot(String vendor, String flags) throws IOException {
        Path root = root();
        Path src =
                Files.createDirectories(root.resolve("amos-cli/src/main/c"))
                        .resolve("mkl_intel_cpu_true.c");
        Files.copy(REPO.resolve("amos-cli/src/main/c/mkl_intel_cpu_true.c"), src);
        Files.writeString(
                tmp.resolve("cpuinfo"),
                "processor\t: 0\nvendor_id\t: " + vendor + "\nflags\t\t: " + flags + "\n");
        script(
                "mvn",
                "echo \"MAVEN_OPTS=$MAVEN_OPTS\" >> "
                        + tmp.resolve("mvn.log")
                        + "\nmkdir -p amos-cli/target && touch amos-cli/target/amos-cli.jar");
        script(
                "java",
                "{ echo \"LD_PRELOAD=${LD_PRELOAD:-}\"; printf '%s\\n' \"$@\"; } > "
                        + tmp.resolve("java.log"));
        return root;
    }

    private Map<String, String> cpuinfo(String... more) {
        Map<String, String> env =
                new java.util.HashMap<>(Map.of("AMOS_CPUINFO", tmp.resolve("cpuinfo").toString()));
        for (int i = 0; i < more.length; i += 2) {
            env.put(more[i], more[i + 1]);
        }
        return env;
    }

    @Test
    void amdWithAvx512GetsTheShimBuiltOnceAndPreloaded() throws Exception {
        Path root =
                gemmRoot(
                        "AuthenticAMD",
                        "fpu sse2 avx fma avx2 bmi2 avx512f avx512dq avx512cd avx512bw avx512vl");
        Result r = launch(root, cpuinfo(), "info");
        assertEquals(0, r.code(), r.err());
        assertTrue(
                Files.readString(tmp.resolve("mvn.log")).contains("-Djansi.noreset=true"),
                "no colour resets from Maven");
        assertEquals(
                "amos: building the CLI (cpu, -P!cuda) ...\n",
                r.err(),
                "only amos's own lines on a first build");
        List<String> java = Files.readAllLines(tmp.resolve("java.log"));
        Path dir = tmp.resolve("cache/amos/native");
        try (var files = Files.list(dir)) {
            Path shim =
                    files.filter(f -> f.getFileName().toString().startsWith(GemmPath.SHIM_NAME))
                            .findFirst()
                            .orElseThrow();
            assertEquals("LD_PRELOAD=" + shim, java.get(0));
            Process nm =
                    new ProcessBuilder("nm", "-D", shim.toString())
                            .redirectErrorStream(true)
                            .start();
            assertTrue(
                    new String(nm.getInputStream().readAllBytes())
                            .contains("T mkl_serv_intel_cpu_true"));
        }
        assertTrue(
                java.contains(
                        "-Damos.gemm.reason=AuthenticAMD with AVX-512: MKL's feature-based kernels via the preloaded shim"),
                java.toString());
        // built once: a second run with a cc that fails still preloads the cached shim
        script("cc", "exit 1");
        assertEquals(0, launch(root, cpuinfo(), "info").code());
        assertTrue(
                Files.readAllLines(tmp.resolve("java.log")).get(0).startsWith("LD_PRELOAD=" + dir),
                "cached shim reused");
    }

    @Test
    void intelAvx2OnlyCpusAnOptOutAndAFailingCcGetNoShimButAmosMklFastForcesIt() throws Exception {
        Path root = gemmRoot("GenuineIntel", "fpu avx fma avx2 avx512f");
        launch(root, cpuinfo(), "info");
        List<String> java = Files.readAllLines(tmp.resolve("java.log"));
        assertEquals("LD_PRELOAD=", java.get(0));
        assertTrue(
                java.contains(
                        "-Damos.gemm.reason=GenuineIntel: MKL's own dispatch is already fast"),
                java.toString());
        Files.writeString(
                tmp.resolve("cpuinfo"), "vendor_id\t: AuthenticAMD\nflags\t\t: fpu sse2 avx\n");
        launch(root, cpuinfo(), "info");
        java = Files.readAllLines(tmp.resolve("java.log"));
        assertEquals("LD_PRELOAD=", java.get(0));
        assertTrue(
                java.contains(
                        "-Damos.gemm.reason=AuthenticAMD without avx2 and fma: the generic kernels stay"),
                java.toString());
        Files.writeString(
                tmp.resolve("cpuinfo"),
                "vendor_id\t: AuthenticAMD\nflags\t\t: fpu avx2 fma avx512f\n");
        launch(root, cpuinfo(), "info");
        java = Files.readAllLines(tmp.resolve("java.log"));
        assertEquals(
                "LD_PRELOAD=", java.get(0), "AVX2 only (avx512bw/dq/vl missing): off by default");
        assertTrue(
                java.contains(
                        "-Damos.gemm.reason=AuthenticAMD without AVX-512: the shim does not help here (AMOS_MKL_FAST=1 forces it)"),
                java.toString());
        launch(root, cpuinfo("AMOS_MKL_FAST", "1"), "info");
        java = Files.readAllLines(tmp.resolve("java.log"));
        assertTrue(
                java.get(0)
                        .startsWith(
                                "LD_PRELOAD="
                                        + tmp.resolve("cache/amos/native/" + GemmPath.SHIM_NAME)),
                java.get(0));
        assertTrue(
                java.contains(
                        "-Damos.gemm.reason=AuthenticAMD with avx2 and fma, AMOS_MKL_FAST=1: MKL's feature-based kernels via the preloaded shim"),
                java.toString());
        Files.writeString(
                tmp.resolve("cpuinfo"),
                "vendor_id\t: AuthenticAMD\nflags\t\t: fpu avx2 fma avx512f avx512bw avx512dq avx512vl\n");
        launch(root, cpuinfo("AMOS_MKL_FAST", "0"), "info");
        assertEquals("LD_PRELOAD=", Files.readAllLines(tmp.resolve("java.log")).get(0));
        deleteTree(tmp.resolve("cache/amos/native"));
        script("cc", "exit 1");
        Result r = launch(root, cpuinfo(), "info");
        assertEquals(0, r.code(), r.err());
        java = Files.readAllLines(tmp.resolve("java.log"));
        assertEquals("LD_PRELOAD=", java.get(0));
        assertTrue(
                java.contains("-Damos.gemm.reason=AuthenticAMD: cc failed to build the shim"),
                java.toString());
        Result bad = launch(root, cpuinfo("AMOS_MKL_FAST", "yes"), "info");
        assertEquals(2, bad.code());
        assertEquals("amos: AMOS_MKL_FAST: expected 0 or 1, got \"yes\"\n", bad.err());
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
