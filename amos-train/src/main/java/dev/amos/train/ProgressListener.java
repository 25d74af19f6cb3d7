package dev.amos.train;

import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import com.google.gson.JsonObject;
import java.io.PrintStream;

/**
 * The console progress bar of a run: step, loss, RTD accuracy, tokens/s and ETA. Values come from
 * the {@link MetricsLogger}'s last line, so the bar never reads the device itself.
 */
public final class ProgressListener extends TrainingListenerAdapter {

    private final TrainingState state;
    private final MetricsLogger metrics;
    private final PrintStream out;
    private ProgressBar bar;

    public ProgressListener(TrainingState state, MetricsLogger metrics, PrintStream out) {
        this.state = state;
        this.metrics = metrics;
        this.out = out;
    }

    @Override
    public void onTrainingBegin(Trainer trainer) {
        bar = new ProgressBar("train", state.totalSteps, out);
        bar.update(state.startStep);
    }

    @Override
    public void onTrainingBatch(Trainer trainer, TrainingListener.BatchData batchData) {
        JsonObject m = metrics.last();
        StringBuilder s = new StringBuilder();
        if (m != null) {
            s.append(String.format("loss %.3f", m.get("loss").getAsDouble()));
            if (m.has("rtd_accuracy")) {
                s.append(String.format(" rtd-acc %.3f", m.get("rtd_accuracy").getAsDouble()));
            }
            s.append(String.format(" %.0f tok/s", m.get("tokens_per_second").getAsDouble()));
        }
        if (state.skippedSteps > 0) {
            s.append(" skipped ").append(state.skippedSteps);
        }
        bar.update(state.step, s.toString());
    }

    @Override
    public void onTrainingEnd(Trainer trainer) {
        if (bar != null) {
            bar.close();
        }
    }
}
