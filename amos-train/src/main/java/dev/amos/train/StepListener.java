package dev.amos.train;

import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;

/**
 * A DJL training listener of {@link Pretrainer}'s steps: {@link #onStep} receives each step's
 * {@link StepRecord}. Listeners read only the record (and their own fields), so their order in
 * the trainer's config does not matter.
 */
public abstract class StepListener extends TrainingListenerAdapter {

    @Override
    public final void onTrainingBatch(Trainer trainer, TrainingListener.BatchData batchData) {
        onStep(trainer, StepRecord.of(batchData));
    }

    /**
     * Called after each optimizer step (or skipped update).
     *
     * @param trainer the trainer
     * @param step what the step did
     */
    protected abstract void onStep(Trainer trainer, StepRecord step);
}
