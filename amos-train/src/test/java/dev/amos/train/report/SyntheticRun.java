package dev.amos.train.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/** Writes synthetic run folders (config.json + metrics.jsonl) shaped like those of amos train. */
final class SyntheticRun {

    private SyntheticRun() {}

    /** An AMOS run with MLM heads at generator layers 4, 6, 8, validation every 50 steps. */
    static List<String> amosLines(int steps) {
        Random random = new Random(7);
        List<String> lines = new ArrayList<>();
        for (int step = 1; step <= steps; step++) {
            double t = step / (double) steps;
            double[] mlm = {
                7.5 * Math.exp(-3 * t) + 2.6 + noise(random, 0.15),
                7.2 * Math.exp(-3.2 * t) + 2.3 + noise(random, 0.15),
                7.0 * Math.exp(-3.5 * t) + 2.0 + noise(random, 0.15)
            };
            double rtd = 0.45 * Math.exp(-2 * t) + 0.2 + noise(random, 0.02);
            double[] mixture = mixture(t, random);
            double loss = mlm[0] + mlm[1] + mlm[2] + 50 * rtd;
            StringBuilder line =
                    new StringBuilder(
                            String.format(
                                    Locale.ROOT,
                                    "{\"step\": %d, \"lr\": %s, \"loss\": %.5f, \"mlm_loss\": [%.5f, %.5f, %.5f], \"rtd_loss\": %.5f,"
                                            + " \"rtd_accuracy\": %.5f, \"replaced_fraction\": %.5f, \"mixture_weights\": [%.5f, %.5f, %.5f],"
                                            + " \"tokens_per_second\": %.1f, \"elapsed_seconds\": %.3f, \"skipped_steps\": 0, \"grad_norm\": %.4f",
                                    step,
                                    lr(step, steps),
                                    loss,
                                    mlm[0],
                                    mlm[1],
                                    mlm[2],
                                    rtd,
                                    0.80 + 0.15 * t + noise(random, 0.02),
                                    0.35 + 0.2 * t + noise(random, 0.03),
                                    mixture[0],
                                    mixture[1],
                                    mixture[2],
                                    5200 + noise(random, 300),
                                    step * 0.9,
                                    2.5 * Math.exp(-4 * t) + 0.4 + Math.abs(noise(random, 0.1))));
            if (step % 50 == 0) {
                line.append(
                        String.format(
                                Locale.ROOT,
                                ", \"valid_mlm_loss\": [%.5f, %.5f, %.5f], \"valid_rtd_loss\": %.5f",
                                mlm[0] + 0.1,
                                mlm[1] + 0.1,
                                mlm[2] + 0.1,
                                rtd + 0.01));
            }
            lines.add(line.append('}').toString());
        }
        return lines;
    }

    /** A BERT-style MLM run: one MLM loss, no RTD statistics and no mixture weights. */
    static List<String> mlmLines(int steps) {
        Random random = new Random(11);
        List<String> lines = new ArrayList<>();
        for (int step = 1; step <= steps; step++) {
            double t = step / (double) steps;
            double mlm = 8 * Math.exp(-3 * t) + 2.4 + noise(random, 0.2);
            lines.add(
                    String.format(
                            Locale.ROOT,
                            "{\"step\": %d, \"lr\": %s, \"loss\": %.5f, \"mlm_loss\": [%.5f], \"rtd_loss\": null, \"rtd_accuracy\": null,"
                                    + " \"replaced_fraction\": null, \"tokens_per_second\": %.1f, \"elapsed_seconds\": %.2f,"
                                    + " \"skipped_steps\": 0, \"grad_norm\": %.3f}",
                            step,
                            lr(step, steps),
                            mlm,
                            mlm,
                            9000 + noise(random, 500),
                            step * 0.5,
                            1 + Math.abs(noise(random, 0.3))));
        }
        return lines;
    }

    static String amosConfig() {
        return """
                {"model": {"name": "amos-test", "objective": "amos", "hidden_size": 64, "mlm_layers": [4, 6, 8]},
                 "training": {"steps": 300, "lr": 5e-4, "batch_size": 8}}
                """;
    }

    static String mlmConfig() {
        return """
                {"model": {"name": "mlm-test", "objective": "mlm", "hidden_size": 64, "mlm_layers": [4, 6, 8]},
                 "training": {"steps": 120, "lr": 5e-4}}
                """;
    }

    static Path writeRun(Path dir, String config, List<String> lines) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), config, StandardCharsets.UTF_8);
        Files.write(dir.resolve("metrics.jsonl"), lines, StandardCharsets.UTF_8);
        return dir;
    }

    /** Linear warm-up over the first 10% of steps, then linear decay. */
    private static String lr(int step, int steps) {
        double warmup = steps * 0.1;
        double lr = step < warmup ? 5e-4 * step / warmup : 5e-4 * (steps - step) / (steps - warmup);
        return String.format(Locale.ROOT, "%.6e", lr);
    }

    /** Weights drifting from favoring layer 4 to favoring layer 8, summing to one. */
    private static double[] mixture(double t, Random random) {
        double[] logits = {
            1.0 - 2 * t + noise(random, 0.2),
            0.3 + noise(random, 0.2),
            -0.5 + 2 * t + noise(random, 0.2)
        };
        double sum = 0;
        for (int i = 0; i < 3; i++) {
            logits[i] = Math.exp(logits[i]);
            sum += logits[i];
        }
        for (int i = 0; i < 3; i++) {
            logits[i] /= sum;
        }
        return logits;
    }

    private static double noise(Random random, double scale) {
        return random.nextGaussian() * scale;
    }
}
