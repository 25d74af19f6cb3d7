package dev.amos.train;

/**
 * The mutable position of a run, shared by the loop and its listeners: the step just finished,
 * counters and clocks. Listeners read it; only the loop writes it.
 */
public final class TrainingState {

    /** Optimizer steps finished (the step number of the last onTrainingBatch). */
    public long step;
    /** The step the run started or resumed from. */
    public long startStep;
    /** Total steps of the run. */
    public long totalSteps;
    /** Steps whose update was skipped because a loss or gradient was NaN or Inf. */
    public long skippedSteps;
    /** Consecutive skipped steps right now. */
    public int consecutiveSkips;
    /** Whether the last step was skipped. */
    public boolean lastStepSkipped;
    /** The learning rate applied at the last step. */
    public float learningRate;
    /** Held-out losses measured at this step by the Validator, NaN when not measured. */
    public double validMlmLoss = Double.NaN;
    public double validRtdLoss = Double.NaN;
    /** Seconds of training before this process (from the checkpoint) . */
    public double previousSeconds;
    /** System.nanoTime() when this process started training. */
    public long startNanos = System.nanoTime();

    /** Training seconds, including those before a resume. */
    public double elapsedSeconds() {
        return previousSeconds + (System.nanoTime() - startNanos) / 1e9;
    }
}
