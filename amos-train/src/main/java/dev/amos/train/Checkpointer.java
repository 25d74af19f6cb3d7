package dev.amos.train;

import ai.djl.training.Trainer;
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
 * Writes a checkpoint every {@code checkpointEvery} steps and at the last step (after the optimizer
 * update of that step), keeping the newest {@code keepCheckpoints}. A skipped (non-finite) step is
 * never checkpointed, so the last checkpoint is always a good one.
 */
public final class Checkpointer extends StepListener {

    private final Path runDir;
    private final Amos amos;
    private final AdamW optimizer;
    private final TrainConfig config;
    private final Objective objective;
    private long lastSaved = -1;

    public Checkpointer(
            Path runDir, Amos amos, AdamW optimizer, TrainConfig config, Objective objective) {
        this.runDir = runDir;
        this.amos = amos;
        this.optimizer = optimizer;
        this.config = config;
        this.objective = objective;
    }

    public Path runDir() {
        return runDir;
    }

    @Override
    protected void onStep(Trainer trainer, StepRecord step) {
        if (step.step() % config.checkpointEvery() == 0 || step.last()) {
            save(step);
        }
    }

    /**
     * Writes the checkpoint of a step; a no-op when it exists already or the step was skipped.
     *
     * @param step the step just finished
     */
    public void save(StepRecord step) {
        if (step.step() == lastSaved || step.skipped()) {
            return;
        }
        try {
            Checkpoints.save(
                    runDir,
                    step.step(),
                    config.keepCheckpoints(),
                    dir -> {
                        Checkpoints.saveModel(amos, dir);
                        optimizer.saveState(dir.resolve(Checkpoints.OPTIMIZER));
                        JsonObject s = new JsonObject();
                        s.addProperty("step", step.step());
                        s.addProperty("skipped_steps", step.skippedSteps());
                        s.addProperty("elapsed_seconds", step.elapsedSeconds());
                        s.addProperty("objective", objective.label());
                        s.addProperty("seed", config.seed());
                        Files.writeString(
                                dir.resolve(Checkpoints.STATE),
                                s.toString(),
                                StandardCharsets.UTF_8);
                    });
            lastSaved = step.step();
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot write checkpoint " + step.step() + " under " + runDir, e);
        }
    }
}
