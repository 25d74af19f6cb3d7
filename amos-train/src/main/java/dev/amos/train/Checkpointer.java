package dev.amos.train;

import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import com.google.gson.JsonObject;
import dev.amos.model.Amos;
import dev.amos.model.Objective;
import dev.amos.train.optim.AdamW;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a checkpoint every {@code checkpointEvery} steps and at the last step (after the
 * optimizer update of that step), keeping the newest {@code keepCheckpoints}. A skipped
 * (non-finite) step is never checkpointed, so the last checkpoint is always a good one.
 */
public final class Checkpointer extends TrainingListenerAdapter {

    private final Path runDir;
    private final Amos amos;
    private final AdamW optimizer;
    private final TrainingState state;
    private final TrainConfig config;
    private final Objective objective;
    private long lastSaved = -1;

    public Checkpointer(Path runDir, Amos amos, AdamW optimizer, TrainingState state, TrainConfig config, Objective objective) {
        this.runDir = runDir;
        this.amos = amos;
        this.optimizer = optimizer;
        this.state = state;
        this.config = config;
        this.objective = objective;
    }

    public Path runDir() {
        return runDir;
    }

    @Override
    public void onTrainingBatch(Trainer trainer, TrainingListener.BatchData batchData) {
        boolean due = state.step % config.checkpointEvery() == 0 || state.step == state.totalSteps;
        if (due && !state.lastStepSkipped) {
            save();
        }
    }

    /** Writes the checkpoint of the current step (no-op when it exists already). */
    public void save() {
        if (state.step == lastSaved || state.lastStepSkipped) {
            return;
        }
        try {
            Checkpoints.save(runDir, state.step, config.keepCheckpoints(), dir -> {
                Checkpoints.saveModel(amos, dir);
                optimizer.saveState(dir.resolve(Checkpoints.OPTIMIZER));
                JsonObject s = new JsonObject();
                s.addProperty("step", state.step);
                s.addProperty("skipped_steps", state.skippedSteps);
                s.addProperty("elapsed_seconds", state.elapsedSeconds());
                s.addProperty("objective", objective.label());
                s.addProperty("seed", config.seed());
                Files.writeString(dir.resolve(Checkpoints.STATE), s.toString(), StandardCharsets.UTF_8);
            });
            lastSaved = state.step;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + state.step + " under " + runDir, e);
        }
    }
}
