package dev.amos.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import dev.amos.model.PretrainOutput;
import dev.amos.train.data.PretrainingDataset;
import dev.amos.train.data.Seeds;
import java.util.List;
import java.util.stream.LongStream;

/**
 * Held-out MLM and RTD loss every {@code every} steps (and at the last step), in eval mode, on the
 * same fixed batches and masks each time, so curves compare across steps and objectives. The
 * batches are the held-out dataset's own ({@link PretrainingDataset#batch}): batch {@code b} holds
 * sequences {@code b * B .. b * B + B - 1} with the masks of step {@code -1 - b}. The MLM loss
 * reported is the deepest head's (the only head of electra and mlm), over every masked position and
 * over those whose input is {@code [MASK]} (the two differ where the masking keeps or randomizes
 * tokens); the RTD loss is NaN for mlm. The loop puts the result in the step's {@link StepRecord}.
 */
final class Validation {

    private final PretrainingDataset examples;
    private final int every;
    private final int batches;
    private final int batchSize;
    private final long seed;

    /**
     * @param examples the held-out dataset (with the run's masker)
     * @param every steps between measurements
     * @param batches number of batches measured (at most as many as the held-out data has)
     * @param batchSize sequences per batch
     * @param seed the run's seed
     */
    Validation(PretrainingDataset examples, int every, int batches, int batchSize, long seed) {
        this.examples = examples;
        this.every = every;
        this.batchSize = (int) Math.min(batchSize, examples.size());
        this.batches = (int) Math.min(batches, Math.max(1, examples.size() / batchSize));
        this.seed = seed;
    }

    /**
     * @return whether {@code step} of {@code totalSteps} is measured
     */
    boolean due(long step, long totalSteps) {
        return step % every == 0 || step == totalSteps;
    }

    /** Measures the held-out losses with the trainer's current weights. */
    StepRecord.ValidLosses measure(Trainer trainer) {
        double mlm = 0;
        double atMask = 0;
        double rtd = 0;
        double rtdConstant = 0;
        long maskId = examples.masker().specialTokens().mask();
        Engine.getInstance().setRandomSeed(Seeds.engine(seed, -1));
        try (NDManager manager = trainer.getManager().newSubManager()) {
            for (int b = 0; b < batches; b++) {
                List<Long> indices =
                        LongStream.range((long) b * batchSize, (long) (b + 1) * batchSize)
                                .boxed()
                                .toList();
                try (Batch batch = examples.batch(manager, indices, -1 - b);
                        NDScope scope = new NDScope()) {
                    PretrainOutput out = PretrainOutput.fromList(trainer.evaluate(batch.getData()));
                    PretrainOutput.Losses terms = out.losses(0f);
                    mlm += terms.mlm().get(terms.mlm().size() - 1).getFloat();
                    List<NDArray> split =
                            terms.mlmWhere(PretrainOutput.maskedInputIs(batch.getData(), maskId));
                    atMask += split.get(split.size() - 1).getFloat();
                    NDArray r = terms.rtd();
                    rtd += r == null ? Double.NaN : r.getFloat();
                    rtdConstant += r == null ? Double.NaN : out.rtdConstantLoss().getFloat();
                }
            }
        }
        return new StepRecord.ValidLosses(
                mlm / batches, atMask / batches, rtd / batches, rtdConstant / batches);
    }
}
