package dev.amos.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The GEMM peak of the other MKL path of this CPU ({@link GemmPath#otherPathSwitch()}), measured by
 * a child {@code ./amos info --gemm-peak-json}. The path is fixed per process: the launcher
 * preloads the shim with {@code LD_PRELOAD}, which the dynamic loader reads once at process start,
 * and MKL keeps the kernels it chose at its first call; so one JVM cannot time both.
 *
 * @param name the other path's name ({@code mkl-fast} or {@code mkl-generic})
 * @param setting the launcher setting that selects it, e.g. {@code AMOS_MKL_FAST=0}
 * @param peak the child's JSON line ({@code peak_flops}, {@code peak_flops_min}, {@code
 *     peak_flops_max}, {@code peak_runs}, {@code gemm_path}), or null when it could not be measured
 * @param failure why it was not measured (and how to measure it by hand), or null
 */
record OtherGemmPath(String name, String setting, JsonObject peak, String failure) {

    /** The hidden option of {@code amos info} the child runs. */
    static final String CHILD_OPTION = "--gemm-peak-json";

    /**
     * Measures the other path of {@code path} in a child {@code ./amos} (JVM start and engine load
     * included: a few seconds); the child's stderr goes to this process's stderr.
     *
     * @throws IllegalArgumentException when {@code path} has no other path
     */
    static OtherGemmPath measure(GemmPath path) {
        String name =
                path.otherName()
                        .orElseThrow(
                                () -> new IllegalArgumentException("no other GEMM path: " + path));
        String setting = path.otherPathSwitch();
        String byHand = setting + " ./amos info --gemm-peak";
        String home = System.getProperty("amos.home");
        Path launcher = home == null ? null : Path.of(home, "amos");
        if (launcher == null || !Files.isExecutable(launcher)) {
            return new OtherGemmPath(
                    name, setting, null, "not started by ./amos; measure it with: " + byHand);
        }
        ProcessBuilder pb =
                new ProcessBuilder(launcher.toString(), "info", CHILD_OPTION)
                        .redirectError(ProcessBuilder.Redirect.INHERIT);
        childEnvironment(pb.environment(), setting);
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                return new OtherGemmPath(
                        name, setting, null, "the child ./amos failed; measure it with: " + byHand);
            }
            List<String> json =
                    out.lines().filter(l -> l.startsWith("{")).collect(Collectors.toList());
            if (json.isEmpty()) {
                return new OtherGemmPath(
                        name,
                        setting,
                        null,
                        "the child ./amos printed no peak; measure it with: " + byHand);
            }
            JsonObject peak = JsonParser.parseString(json.get(json.size() - 1)).getAsJsonObject();
            if (!name.equals(peak.get("gemm_path").getAsString())) {
                return new OtherGemmPath(
                        name,
                        setting,
                        null,
                        "the child ran "
                                + peak.get("gemm_path").getAsString()
                                + ", not "
                                + name
                                + " (e.g. no cc to build the shim)");
            }
            return new OtherGemmPath(name, setting, peak, null);
        } catch (IOException e) {
            return new OtherGemmPath(
                    name, setting, null, "cannot start " + launcher + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new OtherGemmPath(
                    name, setting, null, "interrupted; measure it with: " + byHand);
        }
    }

    /**
     * The child's environment: {@code setting} ({@code AMOS_MKL_FAST=0|1}), and this process's
     * {@code LD_PRELOAD} without the shim (the launcher adds it again where the setting asks for
     * it).
     */
    static void childEnvironment(Map<String, String> env, String setting) {
        int eq = setting.indexOf('=');
        env.put(setting.substring(0, eq), setting.substring(eq + 1));
        String preload = env.get("LD_PRELOAD");
        if (preload != null) {
            String kept =
                    Arrays.stream(preload.split("[: ]"))
                            .filter(f -> !f.isEmpty())
                            .filter(
                                    f ->
                                            !Path.of(f)
                                                    .getFileName()
                                                    .toString()
                                                    .startsWith(GemmPath.SHIM_NAME))
                            .collect(Collectors.joining(":"));
            if (kept.isEmpty()) {
                env.remove("LD_PRELOAD");
            } else {
                env.put("LD_PRELOAD", kept);
            }
        }
    }

    /** The other path's peak in FLOP/s; only when measured. */
    double flops() {
        return peak.get("peak_flops").getAsDouble();
    }

    /**
     * One line comparing this process's path and peak ({@code hereFlops}) with the other, e.g.
     * "faster path available via AMOS_MKL_FAST=1: mkl-fast 363.0 GFLOP/s vs 132.0 on mkl-generic
     * (this process)".
     */
    String compare(GemmPath here, double hereFlops) {
        if (peak == null) {
            return name + " (" + setting + "): not measured, " + failure;
        }
        double ratio = flops() / hereFlops;
        String figures =
                String.format(
                        "%s %.1f GFLOP/s (timed runs %.1f-%.1f, child process) vs %.1f on %s (this process)",
                        name,
                        flops() / 1e9,
                        peak.get("peak_flops_min").getAsDouble() / 1e9,
                        peak.get("peak_flops_max").getAsDouble() / 1e9,
                        hereFlops / 1e9,
                        here.name());
        return ratio > 1
                ? String.format("faster path available via %s: %s, %.2fx", setting, figures, ratio)
                : String.format(
                        "this process's path is the faster one: %s, %.2fx", figures, 1 / ratio);
    }

    /**
     * Adds the other path's name, setting and, when measured, its peak (or why not) to {@code
     * json}.
     */
    void addTo(JsonObject json, double hereFlops, GemmPath here) {
        json.addProperty("other_gemm_path", name);
        json.addProperty("other_gemm_path_setting", setting);
        if (peak == null) {
            json.addProperty("other_gemm_path_note", failure);
            return;
        }
        json.addProperty("other_gemm_path_peak_flops", Math.round(flops()));
        json.addProperty("other_gemm_path_peak_flops_min", peak.get("peak_flops_min").getAsLong());
        json.addProperty("other_gemm_path_peak_flops_max", peak.get("peak_flops_max").getAsLong());
        json.addProperty("best_gemm_path", flops() > hereFlops ? name : here.name());
    }
}
