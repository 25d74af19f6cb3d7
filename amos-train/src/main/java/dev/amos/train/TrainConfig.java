package dev.amos.train;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.amos.model.BadInputException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The training settings of a pretraining run (the {@code training} part of a run's {@code
 * config.json}), built with {@link #builder()} or bound from JSON by {@link #fromJson}. This file
 * holds every pretraining default ({@code DEFAULT_*}); the CLI, {@code amos bench} and the tests
 * take them from here. Defaults follow COCO-LM/AMOS where they apply (<a
 * href="https://arxiv.org/abs/2204.03243">Meng et al. 2022</a>, appendix; docs/method.md,
 * "Pretraining settings"): AdamW (0.9, 0.98), eps 1e-6, weight decay 0.01, clip 2.0, lambda 50, 15%
 * masking, linear warmup (10% of the steps unless set) then linear decay to 0.
 *
 * <pre>{@code
 * TrainConfig tc = TrainConfig.builder().optSteps(1000).optBatchSize(64).optLearningRate(1e-3f).build();
 * }</pre>
 */
public final class TrainConfig {

    public static final int DEFAULT_STEPS = 300;
    public static final int DEFAULT_BATCH_SIZE = 32;
    public static final int DEFAULT_ACCUMULATE = 1;
    public static final int DEFAULT_SEQ_LEN = 128;
    public static final float DEFAULT_LEARNING_RATE = 5e-4f;
    /** Warmup when none is set: this share of the steps. */
    public static final double DEFAULT_WARMUP_FRACTION = 0.1;
    public static final float DEFAULT_WEIGHT_DECAY = 0.01f;
    public static final float DEFAULT_BETA1 = 0.9f;
    public static final float DEFAULT_BETA2 = 0.98f;
    public static final float DEFAULT_EPSILON = 1e-6f;
    public static final float DEFAULT_CLIP_NORM = 2.0f;
    public static final float DEFAULT_RTD_WEIGHT = 50f;
    public static final float DEFAULT_MASK_PROBABILITY = 0.15f;
    public static final long DEFAULT_SEED = 42;
    public static final int DEFAULT_LOG_EVERY = 10;
    public static final int DEFAULT_CHECKPOINT_EVERY = 500;
    public static final int DEFAULT_KEEP_CHECKPOINTS = 3;
    public static final int DEFAULT_MAX_SKIPPED_STEPS = 20;
    /** Held-out batches per validation (not part of config.json: it does not change training). */
    public static final int DEFAULT_VALID_BATCHES = 16;

    private final int steps;
    private final int batchSize;
    private final int accumulate;
    private final int seqLen;
    private final float learningRate;
    private final int warmupSteps;
    private final float weightDecay;
    private final float beta1;
    private final float beta2;
    private final float epsilon;
    private final float clipNorm;
    private final float rtdWeight;
    private final float maskProbability;
    private final long seed;
    private final int logEvery;
    private final int checkpointEvery;
    private final int keepCheckpoints;
    private final int maxSkippedSteps;

    private TrainConfig(Builder b) {
        steps = b.steps;
        batchSize = b.batchSize;
        accumulate = b.accumulate;
        seqLen = b.seqLen;
        learningRate = b.learningRate;
        warmupSteps = b.warmupSteps != null ? b.warmupSteps : (int) (b.steps * DEFAULT_WARMUP_FRACTION);
        weightDecay = b.weightDecay;
        beta1 = b.beta1;
        beta2 = b.beta2;
        epsilon = b.epsilon;
        clipNorm = b.clipNorm;
        rtdWeight = b.rtdWeight;
        maskProbability = b.maskProbability;
        seed = b.seed;
        logEvery = b.logEvery;
        checkpointEvery = b.checkpointEvery;
        keepCheckpoints = b.keepCheckpoints;
        maxSkippedSteps = b.maxSkippedSteps;
        validate();
    }

    /** @return a builder holding the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder holding this config's values */
    public Builder toBuilder() {
        Builder b = new Builder();
        KEYS.values().forEach(k -> k.write(b, k.read(this)));
        return b;
    }

    /** Checks ranges; option names in messages are the CLI's. */
    private void validate() {
        check(steps > 0, "--steps must be a positive integer");
        check(batchSize > 0, "--batch-size must be a positive integer");
        check(accumulate > 0, "--accumulate must be a positive integer");
        check(seqLen > 2, "--seq-len must be > 2");
        check(learningRate > 0 && Float.isFinite(learningRate), "--lr must be a positive number");
        check(warmupSteps >= 0, "--warmup must be >= 0");
        check(warmupSteps <= steps, "--warmup " + warmupSteps + " exceeds --steps " + steps + ": expected --warmup in [0, "
                + steps + "]");
        check(weightDecay >= 0, "weight decay must be >= 0");
        check(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "Adam betas must be in [0, 1)");
        check(epsilon > 0, "Adam epsilon must be > 0");
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

    /** Optimizer steps. */
    public int steps() {
        return steps;
    }

    /** Sequences per micro-batch. */
    public int batchSize() {
        return batchSize;
    }

    /** Micro-batches per optimizer step (gradient accumulation). */
    public int accumulate() {
        return accumulate;
    }

    /** Tokens per sequence, [CLS] and [SEP] included. */
    public int seqLen() {
        return seqLen;
    }

    /** Peak learning rate. */
    public float learningRate() {
        return learningRate;
    }

    /** Linear warmup steps, then linear decay to 0 at {@link #steps()}. */
    public int warmupSteps() {
        return warmupSteps;
    }

    /** Decoupled weight decay (not on biases and LayerNorm). */
    public float weightDecay() {
        return weightDecay;
    }

    /** Adam's first-moment decay. */
    public float beta1() {
        return beta1;
    }

    /** Adam's second-moment decay. */
    public float beta2() {
        return beta2;
    }

    public float epsilon() {
        return epsilon;
    }

    /** Global gradient-norm clip. */
    public float clipNorm() {
        return clipNorm;
    }

    /** Lambda, the weight of the RTD loss. */
    public float rtdWeight() {
        return rtdWeight;
    }

    /** Share of non-special tokens selected for masking. */
    public float maskProbability() {
        return maskProbability;
    }

    /** Seed of initialization, data order, masks, dropout and sampling. */
    public long seed() {
        return seed;
    }

    /** Steps between metrics lines (these, the last and validated steps are the only ones whose statistics are read from the device). */
    public int logEvery() {
        return logEvery;
    }

    public int checkpointEvery() {
        return checkpointEvery;
    }

    public int keepCheckpoints() {
        return keepCheckpoints;
    }

    /** Consecutive non-finite steps after which the run stops. */
    public int maxSkippedSteps() {
        return maxSkippedSteps;
    }

    /** Tokens per optimizer step (padding included). */
    public long tokensPerStep() {
        return (long) batchSize * accumulate * seqLen;
    }

    /** The config as {@code config.json}'s {@code training} object (snake_case keys). */
    public JsonObject toJson() {
        JsonObject j = new JsonObject();
        KEYS.forEach((name, key) -> j.add(name, key.read(this)));
        return j;
    }

    /**
     * Binds a {@code training} object (from {@code source}, a file name for messages); keys it
     * lacks take the defaults; an unknown key or a bad value is a {@link BadInputException}.
     */
    public static TrainConfig fromJson(JsonObject json, String source) {
        Builder b = builder();
        for (Map.Entry<String, JsonElement> e : json.entrySet()) {
            Key key = KEYS.get(e.getKey());
            if (key == null) {
                throw new BadInputException(source + ": unknown training key \"" + e.getKey() + "\" (expected one of: "
                        + String.join(", ", KEYS.keySet()) + ")");
            }
            try {
                key.write(b, e.getValue().getAsJsonPrimitive());
            } catch (RuntimeException ex) {
                throw new BadInputException(source + ": training key \"" + e.getKey() + "\": expected a number, got "
                        + e.getValue());
            }
        }
        return b.build();
    }

    /** One JSON key: how to read it from a config and write it into a builder. */
    private record Key(Function<TrainConfig, Number> getter, BiConsumer<Builder, JsonPrimitive> setter) {
        JsonPrimitive read(TrainConfig c) {
            return new JsonPrimitive(getter.apply(c));
        }

        void write(Builder b, JsonPrimitive v) {
            setter.accept(b, v);
        }
    }

    /** The JSON keys, in {@code config.json}'s order. */
    private static final Map<String, Key> KEYS = new LinkedHashMap<>();

    static {
        KEYS.put("steps", new Key(TrainConfig::steps, (b, v) -> b.optSteps(v.getAsInt())));
        KEYS.put("batch_size", new Key(TrainConfig::batchSize, (b, v) -> b.optBatchSize(v.getAsInt())));
        KEYS.put("accumulate", new Key(TrainConfig::accumulate, (b, v) -> b.optAccumulate(v.getAsInt())));
        KEYS.put("seq_len", new Key(TrainConfig::seqLen, (b, v) -> b.optSeqLen(v.getAsInt())));
        KEYS.put("lr", new Key(TrainConfig::learningRate, (b, v) -> b.optLearningRate(v.getAsFloat())));
        KEYS.put("warmup", new Key(TrainConfig::warmupSteps, (b, v) -> b.optWarmupSteps(v.getAsInt())));
        KEYS.put("weight_decay", new Key(TrainConfig::weightDecay, (b, v) -> b.optWeightDecay(v.getAsFloat())));
        KEYS.put("adam_beta1", new Key(TrainConfig::beta1, (b, v) -> b.optBetas(v.getAsFloat(), b.beta2)));
        KEYS.put("adam_beta2", new Key(TrainConfig::beta2, (b, v) -> b.optBetas(b.beta1, v.getAsFloat())));
        KEYS.put("adam_epsilon", new Key(TrainConfig::epsilon, (b, v) -> b.optEpsilon(v.getAsFloat())));
        KEYS.put("clip_norm", new Key(TrainConfig::clipNorm, (b, v) -> b.optClipNorm(v.getAsFloat())));
        KEYS.put("rtd_weight", new Key(TrainConfig::rtdWeight, (b, v) -> b.optRtdWeight(v.getAsFloat())));
        KEYS.put("mask_probability", new Key(TrainConfig::maskProbability, (b, v) -> b.optMaskProbability(v.getAsFloat())));
        KEYS.put("seed", new Key(TrainConfig::seed, (b, v) -> b.optSeed(v.getAsLong())));
        KEYS.put("log_every", new Key(TrainConfig::logEvery, (b, v) -> b.optLogEvery(v.getAsInt())));
        KEYS.put("checkpoint_every", new Key(TrainConfig::checkpointEvery, (b, v) -> b.optCheckpointEvery(v.getAsInt())));
        KEYS.put("keep_checkpoints", new Key(TrainConfig::keepCheckpoints, (b, v) -> b.optKeepCheckpoints(v.getAsInt())));
        KEYS.put("max_skipped_steps", new Key(TrainConfig::maxSkippedSteps, (b, v) -> b.optMaxSkippedSteps(v.getAsInt())));
    }

    /** Builds a {@link TrainConfig}; every field starts at its default. */
    public static final class Builder {
        private int steps = DEFAULT_STEPS;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private int accumulate = DEFAULT_ACCUMULATE;
        private int seqLen = DEFAULT_SEQ_LEN;
        private float learningRate = DEFAULT_LEARNING_RATE;
        private Integer warmupSteps;
        private float weightDecay = DEFAULT_WEIGHT_DECAY;
        private float beta1 = DEFAULT_BETA1;
        private float beta2 = DEFAULT_BETA2;
        private float epsilon = DEFAULT_EPSILON;
        private float clipNorm = DEFAULT_CLIP_NORM;
        private float rtdWeight = DEFAULT_RTD_WEIGHT;
        private float maskProbability = DEFAULT_MASK_PROBABILITY;
        private long seed = DEFAULT_SEED;
        private int logEvery = DEFAULT_LOG_EVERY;
        private int checkpointEvery = DEFAULT_CHECKPOINT_EVERY;
        private int keepCheckpoints = DEFAULT_KEEP_CHECKPOINTS;
        private int maxSkippedSteps = DEFAULT_MAX_SKIPPED_STEPS;

        private Builder() {}

        public Builder optSteps(int steps) {
            this.steps = steps;
            return this;
        }

        public Builder optBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        public Builder optAccumulate(int accumulate) {
            this.accumulate = accumulate;
            return this;
        }

        public Builder optSeqLen(int seqLen) {
            this.seqLen = seqLen;
            return this;
        }

        public Builder optLearningRate(float learningRate) {
            this.learningRate = learningRate;
            return this;
        }

        /** Warmup steps; unset (or null): {@link #DEFAULT_WARMUP_FRACTION} of the steps. */
        public Builder optWarmupSteps(Integer warmupSteps) {
            this.warmupSteps = warmupSteps;
            return this;
        }

        public Builder optWeightDecay(float weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        public Builder optBetas(float beta1, float beta2) {
            this.beta1 = beta1;
            this.beta2 = beta2;
            return this;
        }

        public Builder optEpsilon(float epsilon) {
            this.epsilon = epsilon;
            return this;
        }

        public Builder optClipNorm(float clipNorm) {
            this.clipNorm = clipNorm;
            return this;
        }

        public Builder optRtdWeight(float rtdWeight) {
            this.rtdWeight = rtdWeight;
            return this;
        }

        public Builder optMaskProbability(float maskProbability) {
            this.maskProbability = maskProbability;
            return this;
        }

        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder optLogEvery(int logEvery) {
            this.logEvery = logEvery;
            return this;
        }

        public Builder optCheckpointEvery(int checkpointEvery) {
            this.checkpointEvery = checkpointEvery;
            return this;
        }

        public Builder optKeepCheckpoints(int keepCheckpoints) {
            this.keepCheckpoints = keepCheckpoints;
            return this;
        }

        public Builder optMaxSkippedSteps(int maxSkippedSteps) {
            this.maxSkippedSteps = maxSkippedSteps;
            return this;
        }

        /** @return the config; a {@link BadInputException} when a value is out of range */
        public TrainConfig build() {
            return new TrainConfig(this);
        }
    }
}
