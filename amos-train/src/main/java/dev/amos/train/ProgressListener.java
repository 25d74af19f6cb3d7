package dev.amos.train;

import ai.djl.training.Trainer;
import dev.amos.io.ProgressBar;
import java.io.PrintStream;

/**
 * The console progress bar of a run: step, and at logged steps loss, RTD accuracy and tokens/s,
 * with the ETA. It reads only the step record (and the device only through {@link StepStats#read()}
 * at logged steps, a value any other listener of that step shares).
 */
public final class ProgressListener extends StepListener {

    private final long startStep;
    private final long totalSteps;
    private final PrintStream out;
    private ProgressBar bar;
    private String figures = "";

    /**
     * @param startStep the step the run starts or resumes from
     * @param totalSteps the steps of the run
     * @param out where the bar is drawn
     */
    public ProgressListener(long startStep, long totalSteps, PrintStream out) {
        this.startStep = startStep;
        this.totalSteps = totalSteps;
        this.out = out;
    }

    @Override
    public void onTrainingBegin(Trainer trainer) {
        bar = new ProgressBar("train", totalSteps, out);
        bar.update(startStep);
    }

    @Override
    protected void onStep(Trainer trainer, StepRecord step) {
        if (step.logged()) {
            StepStats.Values v = step.stats().read();
            figures =
                    String.format("loss %.3f", v.loss())
                            + (v.hasRtd() ? String.format(" rtd-acc %.3f", v.rtdAccuracy()) : "")
                            + String.format(" %.0f tok/s", step.tokensPerSecond());
        }
        bar.update(
                step.step(),
                step.skippedSteps() > 0 ? figures + " skipped " + step.skippedSteps() : figures);
    }

    @Override
    public void onTrainingEnd(Trainer trainer) {
        if (bar != null) {
            bar.close();
        }
    }
}
