package dev.amos.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amos.model.BlockFiles;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Appends one JSON object to {@code metrics.jsonl} every {@code logEvery} steps and at the last
 * step, with the contract's keys ({@code step, lr, loss, mlm_loss, rtd_loss, rtd_accuracy,
 * replaced_fraction, mixture_weights, tokens_per_second, elapsed_seconds}) plus {@code
 * skipped_steps}, {@code grad_norm} and {@code rss_mb} (resident memory after the step's update).
 * These are the only steps whose statistics are read from
 * the device. The last line written is kept for the progress bar.
 */
public final class MetricsLogger extends TrainingListenerAdapter {

    private final Path file;
    private final TrainingState state;
    private final TrainConfig config;
    private BufferedWriter out;
    private long windowStep;
    private double windowSeconds;
    private volatile JsonObject last;

    public MetricsLogger(Path file, TrainingState state, TrainConfig config) {
        this.file = file;
        this.state = state;
        this.config = config;
    }

    /** The most recent metrics line, or null before the first. */
    public JsonObject last() {
        return last;
    }

    @Override
    public void onTrainingBegin(Trainer trainer) {
        try {
            truncateAfter(file, state.startStep);
            out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        windowStep = state.startStep;
        windowSeconds = state.elapsedSeconds();
    }

    @Override
    public void onTrainingBatch(Trainer trainer, TrainingListener.BatchData batchData) {
        boolean validated = !Double.isNaN(state.validMlmLoss);
        if (state.step % config.logEvery() != 0 && state.step != state.totalSteps && !validated) {
            return;
        }
        NDList stats = batchData.getPredictions().values().iterator().next();
        double now = state.elapsedSeconds();
        JsonObject line = new JsonObject();
        line.addProperty("step", state.step);
        line.addProperty("lr", state.learningRate);
        line.addProperty("loss", scalar(stats, "loss"));
        line.add("mlm_loss", array(stats.get("mlm_loss")));
        if (stats.contains("rtd_loss")) {
            line.addProperty("rtd_loss", scalar(stats, "rtd_loss"));
            line.addProperty("rtd_accuracy", scalar(stats, "rtd_accuracy"));
            line.addProperty("replaced_fraction", scalar(stats, "replaced_fraction"));
            if (stats.contains("mixture_weights")) {
                line.add("mixture_weights", array(stats.get("mixture_weights")));
            }
        }
        double seconds = now - windowSeconds;
        line.addProperty("tokens_per_second", seconds > 0 ? (state.step - windowStep) * config.tokensPerStep() / seconds : 0);
        line.addProperty("elapsed_seconds", Math.round(now * 1000) / 1000.0);
        line.addProperty("skipped_steps", state.skippedSteps);
        line.addProperty("grad_norm", scalar(stats, "grad_norm"));
        line.addProperty("rss_mb", Bench.rssMb()); // same point of every logged step: after the update
        if (validated) {
            line.addProperty("valid_mlm_loss", state.validMlmLoss);
            if (!Double.isNaN(state.validRtdLoss)) {
                line.addProperty("valid_rtd_loss", state.validRtdLoss);
            }
        }
        write(line);
        last = line;
        windowStep = state.step;
        windowSeconds = now;
    }

    /** Appends a line (also used for validation lines). */
    public synchronized void write(JsonObject line) {
        try {
            out.write(line.toString());
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void onTrainingEnd(Trainer trainer) {
        try {
            if (out != null) {
                out.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static double scalar(NDList stats, String name) {
        return round(stats.get(name).getFloat());
    }

    private static JsonArray array(NDArray a) {
        JsonArray arr = new JsonArray();
        for (float x : a.toFloatArray()) {
            arr.add(round(x));
        }
        return arr;
    }

    private static double round(float x) {
        return Float.isFinite(x) ? Double.parseDouble(Float.toString(x)) : Double.NaN;
    }

    /**
     * Drops the lines of steps after {@code step} (a resumed run rewrites them) and a partial last
     * line left by a killed process.
     */
    static void truncateAfter(Path file, long step) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        List<String> keep = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            try {
                JsonObject o = JsonParser.parseString(line).getAsJsonObject();
                if (o.get("step").getAsLong() <= step) {
                    keep.add(line);
                }
            } catch (RuntimeException e) {
                break; // a torn line from a killed run: everything after it is dropped
            }
        }
        BlockFiles.writeAtomically(file, os -> {
            for (String l : keep) {
                os.write((l + "\n").getBytes(StandardCharsets.UTF_8));
            }
        });
    }
}
