package dev.amos.tools.results;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amos.eval.glue.GlueScore;
import dev.amos.eval.glue.GlueSplit;
import dev.amos.eval.glue.GlueTask;
import dev.amos.model.BadInputException;
import dev.amos.train.report.MetricsLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one pretraining variant of {@code scripts/replicate.sh} produced: its pretraining metrics
 * log and run config, and the GLUE fine-tuning results ({@code results.json} of {@code amos
 * finetune}) of each task that finished.
 *
 * @param name the variant's folder name, e.g. {@code amos} or {@code single-layer-4}
 * @param metrics the pretraining {@code metrics.jsonl}
 * @param batchSize sequences per pretraining step (from the run's {@code config.json})
 * @param seqLen tokens per sequence (from the run's {@code config.json})
 * @param tasks the fine-tuning results by task, in the order they were read
 */
public record VariantResults(
        String name,
        MetricsLog metrics,
        int batchSize,
        int seqLen,
        Map<GlueTask, TaskResult> tasks) {

    /**
     * One task's seeds.
     *
     * @param median the median over seeds, as a GLUE score per dev split
     * @param seedScores the main metric (the GLUE table number, in [0, 1] or [-1, 1]) of each seed
     */
    public record TaskResult(List<GlueScore> median, double[] seedScores) {

        /** The median main metric (the GLUE table cell). */
        public double mainScore() {
            return median.get(0).mainScore();
        }

        /** Smallest main metric over the seeds. */
        public double min() {
            return Arrays.stream(seedScores).min().orElse(Double.NaN);
        }

        /** Largest main metric over the seeds. */
        public double max() {
            return Arrays.stream(seedScores).max().orElse(Double.NaN);
        }
    }

    /**
     * A human label in the paper's wording for a variant folder name; {@code amos-3000}, {@code
     * electra-3000}, {@code mlm-3000} name an objective pretrained for another number of steps than
     * the run's (a pretraining folder linked in by hand).
     */
    public String label() {
        return label(name);
    }

    private static String label(String name) {
        if (name.startsWith("single-layer-")) {
            return "AMOS, single MLM layer " + name.substring("single-layer-".length());
        }
        int dash = name.lastIndexOf('-');
        if (dash > 0
                && name.substring(dash + 1).matches("[0-9]+")
                && List.of("amos", "electra", "mlm").contains(name.substring(0, dash))) {
            return label(name.substring(0, dash)) + ", " + name.substring(dash + 1) + " steps";
        }
        return switch (name) {
            case "amos" -> "AMOS";
            case "electra" -> "ELECTRA";
            case "mlm" -> "MLM (BERT-style)";
            case "uniform" -> "AMOS, uniform mixture";
            case "random-layer" -> "AMOS, random layer";
            case "layer-switch" -> "AMOS, layer switch";
            case "full-gradient" -> "AMOS, full gradient";
            case "random" -> "No pretraining (random init)";
            default -> name;
        };
    }

    /** The last logged optimizer step (0 when nothing was logged). */
    public long steps() {
        return metrics.rows().isEmpty() ? 0 : metrics.rows().get(metrics.rows().size() - 1).step();
    }

    /** Tokens the discriminator saw: steps x batch x sequence length. */
    public long tokensSeen() {
        return steps() * batchSize * seqLen;
    }

    /** Training-loop wall time in seconds, from the last logged {@code elapsed_seconds}. */
    public double trainSeconds() {
        return metrics.rows().isEmpty()
                ? Double.NaN
                : metrics.rows().get(metrics.rows().size() - 1).elapsedSeconds();
    }

    /**
     * Reads a variant: {@code pretrainDir/metrics.jsonl} and {@code config.json}, and every {@code
     * glueDir/<task>/results.json} of {@code tasks} that exists.
     */
    public static VariantResults read(
            String name, Path pretrainDir, Path glueDir, List<GlueTask> tasks) throws IOException {
        MetricsLog log = MetricsLog.read(pretrainDir.resolve("metrics.jsonl"));
        JsonObject training =
                readJson(pretrainDir.resolve("config.json")).getAsJsonObject("training");
        Map<GlueTask, TaskResult> results = new LinkedHashMap<>();
        for (GlueTask task : tasks) {
            Path file = glueDir.resolve(task.officialName()).resolve("results.json");
            if (Files.isRegularFile(file)) {
                results.put(task, readTask(task, file));
            }
        }
        return new VariantResults(
                name,
                log,
                training.get("batch_size").getAsInt(),
                training.get("seq_len").getAsInt(),
                results);
    }

    /** Parses the {@code results.json} of {@code amos finetune}. */
    static TaskResult readTask(GlueTask task, Path file) throws IOException {
        JsonObject json = readJson(file);
        if (!json.has("median") || !json.has("seeds")) {
            throw BadInputException.of(
                    file, "expected the results.json of amos finetune (keys median, seeds)");
        }
        List<GlueScore> median = scores(task, json.getAsJsonObject("median"));
        JsonArray seeds = json.getAsJsonArray("seeds");
        double[] seedScores = new double[seeds.size()];
        for (int i = 0; i < seeds.size(); i++) {
            seedScores[i] =
                    scores(task, seeds.get(i).getAsJsonObject().getAsJsonObject("best"))
                            .get(0)
                            .mainScore();
        }
        return new TaskResult(median, seedScores);
    }

    /** Un-flattens {@code metric} or {@code split/metric} keys into one score per dev split. */
    static List<GlueScore> scores(GlueTask task, JsonObject flat) {
        Map<GlueSplit, Map<String, Double>> bySplit = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : flat.entrySet()) {
            int slash = e.getKey().indexOf('/');
            GlueSplit split =
                    slash < 0
                            ? task.devSplits().get(0)
                            : GlueSplit.parse(e.getKey().substring(0, slash));
            bySplit.computeIfAbsent(split, s -> new LinkedHashMap<>())
                    .put(e.getKey().substring(slash + 1), e.getValue().getAsDouble());
        }
        List<GlueScore> out = new ArrayList<>();
        bySplit.forEach((split, metrics) -> out.add(new GlueScore(task, split, metrics)));
        return out;
    }

    private static JsonObject readJson(Path file) throws IOException {
        try {
            return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        } catch (RuntimeException e) {
            throw BadInputException.of(file, "expected a JSON object");
        }
    }
}
