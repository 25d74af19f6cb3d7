package dev.amos.train;

import ai.djl.training.Trainer;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.amos.train.report.MetricsLog;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends one JSON object to {@code metrics.jsonl} for each logged step ({@link
 * StepRecord#logged()}: every {@code logEvery} steps, the last step and validated steps), with the
 * contract's keys ({@code step, lr, loss, mlm_loss, rtd_loss, rtd_accuracy, replaced_fraction,
 * mixture_weights, tokens_per_second, elapsed_seconds}) plus {@code mlm_loss_at_mask} (per head,
 * the MLM loss at the masked positions whose input is {@code [MASK]}), {@code mlm_loss_kept} (per
 * head, at those kept or randomized; only when the masking keeps or randomizes), {@code
 * rtd_loss_constant} (the RTD loss of the best constant prediction for the same batch), {@code
 * skipped_steps}, {@code grad_norm}, {@code rss_mb} (resident memory after the step's update) and,
 * when validated, {@code valid_mlm_loss}, {@code valid_mlm_loss_at_mask}, {@code valid_rtd_loss}
 * and {@code valid_rtd_loss_constant}. It reads only the step record. The file is opened at the
 * first logged step (DJL's trainer calls {@code onTrainingBegin} when it is built, before the run
 * is known to start).
 */
public final class MetricsLogger extends StepListener {

    private final Path file;
    private final long startStep;
    private BufferedWriter out;

    /**
     * @param file the run's metrics.jsonl (lines after {@code startStep} are dropped at the start)
     * @param startStep the step the run starts or resumes from
     */
    public MetricsLogger(Path file, long startStep) {
        this.file = file;
        this.startStep = startStep;
    }

    @Override
    protected void onStep(Trainer trainer, StepRecord step) {
        if (step.logged()) {
            write(line(step));
        }
    }

    /** The metrics line of a logged step. */
    static JsonObject line(StepRecord step) {
        StepStats.Values v = step.stats().read();
        JsonObject line = new JsonObject();
        line.addProperty("step", step.step());
        line.addProperty("lr", step.learningRate());
        line.addProperty("loss", round(v.loss()));
        line.add("mlm_loss", array(v.mlmLoss()));
        if (v.mlmLossAtMask() != null) {
            line.add("mlm_loss_at_mask", array(v.mlmLossAtMask()));
        }
        if (v.mlmLossKept() != null) {
            line.add("mlm_loss_kept", array(v.mlmLossKept()));
        }
        if (v.hasRtd()) {
            line.addProperty("rtd_loss", round(v.rtdLoss()));
            line.addProperty("rtd_loss_constant", round(v.rtdLossConstant()));
            line.addProperty("rtd_accuracy", round(v.rtdAccuracy()));
            line.addProperty("replaced_fraction", round(v.replacedFraction()));
            if (v.mixtureWeights() != null) {
                line.add("mixture_weights", array(v.mixtureWeights()));
            }
        }
        line.addProperty("tokens_per_second", step.tokensPerSecond());
        line.addProperty("elapsed_seconds", Math.round(step.elapsedSeconds() * 1000) / 1000.0);
        line.addProperty("skipped_steps", step.skippedSteps());
        line.addProperty("grad_norm", round(v.gradNorm()));
        line.addProperty(
                "rss_mb", Bench.rssMb()); // same point of every logged step: after the update
        if (step.valid() != null) {
            line.addProperty("valid_mlm_loss", step.valid().mlm());
            line.addProperty("valid_mlm_loss_at_mask", step.valid().mlmAtMask());
            if (!Double.isNaN(step.valid().rtd())) {
                line.addProperty("valid_rtd_loss", step.valid().rtd());
                line.addProperty("valid_rtd_loss_constant", step.valid().rtdConstant());
            }
        }
        return line;
    }

    /**
     * Appends a line; the first one drops the lines after the start step (a resumed run rewrites
     * them).
     */
    private void write(JsonObject line) {
        try {
            if (out == null) {
                MetricsLog.truncateAfter(
                        file, startStep); // checked up front by Pretrainer on resume
                out =
                        Files.newBufferedWriter(
                                file,
                                StandardCharsets.UTF_8,
                                StandardOpenOption.CREATE,
                                StandardOpenOption.APPEND);
            }
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
                out = null;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonArray array(float[] values) {
        JsonArray arr = new JsonArray();
        for (float x : values) {
            arr.add(round(x));
        }
        return arr;
    }

    private static double round(float x) {
        return Float.isFinite(x) ? Double.parseDouble(Float.toString(x)) : Double.NaN;
    }
}
