package dev.amos.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import dev.amos.model.PretrainOutput;
import dev.amos.train.data.Masker;
import dev.amos.train.data.PackedExamples;
import java.util.List;

/**
 * Held-out MLM and RTD loss every {@code every} steps (and at the last step), in eval mode, on the
 * same fixed batches and masks each time, so curves compare across steps and objectives. The MLM
 * loss reported is the deepest head's (the only head of electra and mlm); the RTD loss is absent
 * for mlm. The values go into that step's metrics line as {@code valid_mlm_loss} and {@code
 * valid_rtd_loss}; this listener must run before the {@link MetricsLogger}.
 */
public final class Validator extends TrainingListenerAdapter {

    private final PackedExamples examples;
    private final Masker masker;
    private final TrainingState state;
    private final int every;
    private final int batches;
    private final int batchSize;
    private final long seed;

    /**
     * @param examples packed held-out sequences
     * @param masker the run's masker (validation masks use negative step numbers)
     * @param every steps between measurements
     * @param batches number of batches measured (the first {@code batches * batchSize} sequences)
     */
    public Validator(PackedExamples examples, Masker masker, TrainingState state, int every, int batches, int batchSize,
            long seed) {
        this.examples = examples;
        this.masker = masker;
        this.state = state;
        this.every = every;
        this.batches = (int) Math.min(batches, Math.max(1, examples.size() / batchSize));
        this.batchSize = (int) Math.min(batchSize, examples.size());
        this.seed = seed;
    }

    @Override
    public void onTrainingBatch(Trainer trainer, TrainingListener.BatchData batchData) {
        state.validMlmLoss = Double.NaN;
        state.validRtdLoss = Double.NaN;
        if (state.step % every != 0 && state.step != state.totalSteps) {
            return;
        }
        double mlm = 0;
        double rtd = 0;
        Engine.getInstance().setRandomSeed(Pretrainer.engineSeed(seed, -1));
        int seqLen = examples.maxLength();
        try (NDManager m = trainer.getManager().newSubManager()) {
            for (int b = 0; b < batches; b++) {
                long[] ids = new long[batchSize * seqLen];
                long[] att = new long[batchSize * seqLen];
                long[] row = new long[seqLen]; // fill() pads it
                for (int i = 0; i < batchSize; i++) {
                    int len = examples.fill((long) b * batchSize + i, row);
                    System.arraycopy(row, 0, ids, i * seqLen, seqLen);
                    for (int j = 0; j < len; j++) {
                        att[i * seqLen + j] = 1;
                    }
                }
                Shape s = new Shape(batchSize, seqLen);
                try (NDScope scope = new NDScope()) {
                    NDList inputs = masker.mask(m.create(ids, s), m.create(att, s), -1 - b);
                    PretrainOutput out = PretrainOutput.fromList(trainer.evaluate(inputs));
                    List<NDArray> losses = out.mlmLosses();
                    mlm += losses.get(losses.size() - 1).getFloat();
                    NDArray r = out.rtdLoss();
                    rtd += r == null ? Double.NaN : r.getFloat();
                }
            }
        }
        state.validMlmLoss = mlm / batches;
        state.validRtdLoss = rtd / batches;
    }
}
