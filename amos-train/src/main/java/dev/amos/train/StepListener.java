package dev.amos.train;

import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;

/**
 * A DJL training listener of {@link Pretrainer}'s optimizer steps. DJL's {@link Trainer} holds it
 * (in the training config) and drives it: {@code onTrainingBegin} when the trainer is built, {@code
 * onTrainingEnd} when it is closed, and {@link #onStep} through {@link Trainer#notifyListeners}
 * after every step, with the step's {@link StepRecord}.
 *
 * <p>A pretraining step spans {@code accumulate} micro-batches whose losses are reduced on the
 * device, so it has no single {@link TrainingListener.BatchData} (a batch with per-device labels
 * and predictions) to hand DJL's own listeners. The loop therefore never calls {@code
 * onTrainingBatch}: stock DJL listeners in the config see the trainer begin and end and no faked
 * batch, and {@code StepListener}s receive the record instead. Listeners read only the record (and
 * their own fields), so their order in the config does not matter.
 */
public abstract class StepListener extends TrainingListenerAdapter {

    /**
     * Called after each optimizer step (or skipped update).
     *
     * @param trainer the trainer
     * @param step what the step did; valid only during the call
     */
    protected abstract void onStep(Trainer trainer, StepRecord step);

    /**
     * Hands {@code step} to every {@code StepListener} of {@code trainer}'s config, in its order;
     * other listeners are not called.
     *
     * @param trainer the trainer whose listeners to notify
     * @param step the step just done
     */
    static void notifyStep(Trainer trainer, StepRecord step) {
        trainer.notifyListeners(
                listener -> {
                    if (listener instanceof StepListener s) {
                        s.onStep(trainer, step);
                    }
                });
    }
}
