package dev.amos.train;

import com.google.gson.JsonObject;
import dev.amos.model.BadInputException;

/**
 * The training settings of a pretraining run (the {@code training} part of a run's {@code
 * config.json}). Defaults follow COCO-LM/AMOS where they apply (see {@code amos-method.md},
 * "Pretraining settings").
 *
 * @param steps optimizer steps
 * @param batchSize sequences per micro-batch
 * @param accumulate micro-batches per optimizer step (gradient accumulation)
 * @param seqLen tokens per sequence, [CLS] and [SEP] included
 * @param learningRate peak learning rate
 * @param warmupSteps linear warmup steps, then linear decay to 0 at {@code steps}
 * @param weightDecay decoupled weight decay (not on biases and LayerNorm)
 * @param beta1 Adam beta1
 * @param beta2 Adam beta2
 * @param epsilon Adam epsilon
 * @param clipNorm global gradient-norm clip
 * @param rtdWeight lambda, the weight of the RTD loss (50)
 * @param maskProbability share of non-special tokens selected for masking (0.15)
 * @param seed seed of initialization, data order, masks, dropout and sampling
 * @param logEvery steps between metrics lines (and the only steps that read values from the device)
 * @param checkpointEvery steps between checkpoints
 * @param keepCheckpoints how many checkpoints to keep
 * @param maxSkippedSteps consecutive non-finite steps after which the run stops
 */
public record TrainConfig(
        int steps,
        int batchSize,
        int accumulate,
        int seqLen,
        float learningRate,
        int warmupSteps,
        float weightDecay,
        float beta1,
        float beta2,
        float epsilon,
        float clipNorm,
        float rtdWeight,
        float maskProbability,
        long seed,
        int logEvery,
        int checkpointEvery,
        int keepCheckpoints,
        int maxSkippedSteps) {

    /** Checks ranges; option names in messages are the CLI's. */
    public TrainConfig {
        check(steps > 0, "--steps must be a positive integer");
        check(batchSize > 0, "--batch-size must be a positive integer");
        check(accumulate > 0, "--accumulate must be a positive integer");
        check(seqLen > 2, "--seq-len must be > 2");
        check(learningRate > 0 && Float.isFinite(learningRate), "--lr must be a positive number");
        check(warmupSteps >= 0, "--warmup must be >= 0");
        check(weightDecay >= 0, "weight decay must be >= 0");
        check(clipNorm > 0, "the gradient clip must be > 0");
        check(rtdWeight >= 0, "the RTD weight must be >= 0");
        check(maskProbability > 0 && maskProbability < 1, "the mask probability must be in (0, 1)");
        check(logEvery > 0, "--log-every must be a positive integer");
        check(checkpointEvery > 0, "--checkpoint-every must be a positive integer");
        check(keepCheckpoints > 0, "the number of kept checkpoints must be positive");
        check(maxSkippedSteps > 0, "the number of tolerated skipped steps must be positive");
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new BadInputException(message);
        }
    }

    /** Tokens per optimizer step (padding included). */
    public long tokensPerStep() {
        return (long) batchSize * accumulate * seqLen;
    }

    public JsonObject toJson() {
        JsonObject j = new JsonObject();
        j.addProperty("steps", steps);
        j.addProperty("batch_size", batchSize);
        j.addProperty("accumulate", accumulate);
        j.addProperty("seq_len", seqLen);
        j.addProperty("lr", learningRate);
        j.addProperty("warmup", warmupSteps);
        j.addProperty("weight_decay", weightDecay);
        j.addProperty("adam_beta1", beta1);
        j.addProperty("adam_beta2", beta2);
        j.addProperty("adam_epsilon", epsilon);
        j.addProperty("clip_norm", clipNorm);
        j.addProperty("rtd_weight", rtdWeight);
        j.addProperty("mask_probability", maskProbability);
        j.addProperty("seed", seed);
        j.addProperty("log_every", logEvery);
        j.addProperty("checkpoint_every", checkpointEvery);
        j.addProperty("keep_checkpoints", keepCheckpoints);
        j.addProperty("max_skipped_steps", maxSkippedSteps);
        return j;
    }
}
