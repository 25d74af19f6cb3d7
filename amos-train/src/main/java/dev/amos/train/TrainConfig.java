package dev.amos.train;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.amos.model.BadInputException;
import dev.amos.model.Objective;
import dev.amos.train.data.MaskingConfig;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * The training settings of a pretraining run (the {@code training} part of a run's {@code
 * config.json}), built with {@link #builder()} or bound from JSON by {@link #fromJson}. Every key,
 * with its default, range and CLI option, is an entry of {@link TrainKey}; this class binds, writes
 * and checks values by that table, and checks the relations between keys ({@code warmup <= steps}).
 *
 * <pre>{@code
 * TrainConfig tc = TrainConfig.builder().optSteps(1000).optBatchSize(64).optLearningRate(1e-3f).build();
 * }</pre>
 */
public final class TrainConfig {

    /** Warmup when none is set: this share of the steps. */
    public static final double DEFAULT_WARMUP_FRACTION = 0.1;

    /** Held-out batches per validation (not part of config.json: it does not change training). */
    public static final int DEFAULT_VALID_BATCHES = 16;

    /** Every key's value, as its {@link TrainKey#type()}. */
    private final EnumMap<TrainKey, Number> values;

    private TrainConfig(Builder b) {
        values = new EnumMap<>(b.values);
        int steps = values.get(TrainKey.STEPS).intValue();
        values.computeIfAbsent(TrainKey.WARMUP, k -> (int) (steps * DEFAULT_WARMUP_FRACTION));
        validate();
    }

    /**
     * @return a builder holding the defaults
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * @return a builder holding this config's values
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.values.putAll(values);
        return b;
    }

    /** Checks every key's range ({@link TrainKey}), then the relations between keys. */
    private void validate() {
        values.forEach(TrainKey::check);
        int steps = steps();
        int warmup = warmupSteps();
        if (warmup > steps) {
            throw new BadInputException(
                    "--warmup "
                            + warmup
                            + " exceeds --steps "
                            + steps
                            + ": expected --warmup in [0, "
                            + steps
                            + "]");
        }
    }

    /** The value of {@code key}, as its {@link TrainKey#type()}. */
    public Number get(TrainKey key) {
        return values.get(key);
    }

    /**
     * The masking of a run: the run's selection share ({@code --mask-prob}); what a selected token
     * becomes is the objective's unless the run sets it ({@code --mask-token-prob}, {@code
     * --random-token-prob}).
     *
     * @throws BadInputException naming the options when [MASK] and random shares exceed 1
     */
    public MaskingConfig masking(Objective objective) {
        MaskingConfig base =
                switch (objective.kind()) {
                    case AMOS -> MaskingConfig.amos();
                    case ELECTRA -> MaskingConfig.electra();
                    case MLM -> MaskingConfig.mlm();
                };
        Number maskToken = get(TrainKey.MASK_TOKEN_PROBABILITY);
        Number randomToken = get(TrainKey.RANDOM_TOKEN_PROBABILITY);
        double mask = maskToken != null ? maskToken.doubleValue() : base.maskProbability();
        double random = randomToken != null ? randomToken.doubleValue() : base.randomProbability();
        if (mask + random > 1 + 1e-6) {
            throw new BadInputException(
                    String.format(
                            Locale.ROOT,
                            "--mask-token-prob %s + --random-token-prob %s exceeds 1%s: expected"
                                    + " shares of the masked tokens summing to at most 1 (the rest"
                                    + " stay as they are)",
                            (float) mask,
                            (float) random,
                            maskToken == null || randomToken == null
                                    ? " (unset: the "
                                            + objective.kind().name().toLowerCase(Locale.ROOT)
                                            + " objective's)"
                                    : ""));
        }
        return new MaskingConfig(maskProbability(), mask, random);
    }

    /** Optimizer steps. */
    public int steps() {
        return values.get(TrainKey.STEPS).intValue();
    }

    /** Sequences per micro-batch. */
    public int batchSize() {
        return values.get(TrainKey.BATCH_SIZE).intValue();
    }

    /** Micro-batches per optimizer step (gradient accumulation). */
    public int accumulate() {
        return values.get(TrainKey.ACCUMULATE).intValue();
    }

    /** Tokens per sequence, [CLS] and [SEP] included. */
    public int seqLen() {
        return values.get(TrainKey.SEQ_LEN).intValue();
    }

    /** Peak learning rate. */
    public float learningRate() {
        return values.get(TrainKey.LEARNING_RATE).floatValue();
    }

    /** Linear warmup steps, then linear decay to 0 at {@link #steps()}. */
    public int warmupSteps() {
        return values.get(TrainKey.WARMUP).intValue();
    }

    /** Decoupled weight decay (not on biases and LayerNorm). */
    public float weightDecay() {
        return values.get(TrainKey.WEIGHT_DECAY).floatValue();
    }

    /** Adam's first-moment decay. */
    public float beta1() {
        return values.get(TrainKey.ADAM_BETA1).floatValue();
    }

    /** Adam's second-moment decay. */
    public float beta2() {
        return values.get(TrainKey.ADAM_BETA2).floatValue();
    }

    /** Adam's epsilon. */
    public float epsilon() {
        return values.get(TrainKey.ADAM_EPSILON).floatValue();
    }

    /** Global gradient-norm clip. */
    public float clipNorm() {
        return values.get(TrainKey.CLIP_NORM).floatValue();
    }

    /** Lambda, the weight of the RTD loss. */
    public float rtdWeight() {
        return values.get(TrainKey.RTD_WEIGHT).floatValue();
    }

    /** Share of non-special tokens selected for masking. */
    public float maskProbability() {
        return values.get(TrainKey.MASK_PROBABILITY).floatValue();
    }

    /** Seed of initialization, data order, masks, dropout and sampling. */
    public long seed() {
        return values.get(TrainKey.SEED).longValue();
    }

    /**
     * Steps between metrics lines (these, the last and validated steps are the only ones whose
     * statistics are read from the device).
     */
    public int logEvery() {
        return values.get(TrainKey.LOG_EVERY).intValue();
    }

    /** Steps between checkpoints. */
    public int checkpointEvery() {
        return values.get(TrainKey.CHECKPOINT_EVERY).intValue();
    }

    /** Checkpoints kept. */
    public int keepCheckpoints() {
        return values.get(TrainKey.KEEP_CHECKPOINTS).intValue();
    }

    /** Consecutive non-finite steps after which the run stops. */
    public int maxSkippedSteps() {
        return values.get(TrainKey.MAX_SKIPPED_STEPS).intValue();
    }

    /** Tokens per optimizer step (padding included). */
    public long tokensPerStep() {
        return (long) batchSize() * accumulate() * seqLen();
    }

    /**
     * The config as {@code config.json}'s {@code training} object: every {@link TrainKey}, in its
     * order.
     */
    public JsonObject toJson() {
        JsonObject j = new JsonObject();
        values.forEach((key, value) -> j.add(key.key(), new JsonPrimitive(value)));
        return j;
    }

    /**
     * Binds a {@code training} object (from {@code source}, a file name for messages); keys it
     * lacks take the defaults; an unknown key or a bad value is a {@link BadInputException} naming
     * {@code source}, the key and its option.
     */
    public static TrainConfig fromJson(JsonObject json, String source) {
        Builder b = builder();
        for (Map.Entry<String, JsonElement> e : json.entrySet()) {
            TrainKey key = TrainKey.byKey(e.getKey());
            if (key == null) {
                throw new BadInputException(
                        source
                                + ": unknown training key \""
                                + e.getKey()
                                + "\" (expected one of: "
                                + String.join(
                                        ", ",
                                        Arrays.stream(TrainKey.values())
                                                .map(TrainKey::key)
                                                .toList())
                                + ")");
            }
            String name = source + ": training key \"" + key.key() + "\"";
            Number value;
            try {
                value = key.coerce(e.getValue().getAsJsonPrimitive().getAsNumber());
            } catch (RuntimeException ex) {
                throw new BadInputException(name + ": expected a number, got " + e.getValue());
            }
            key.range()
                    .check(
                            key.option() != null ? name + " (" + key.option() + ")" : name,
                            value,
                            key.integral());
            b.opt(key, value);
        }
        try {
            return b.build();
        } catch (BadInputException e) {
            throw new BadInputException(source + ": " + e.getMessage());
        }
    }

    /**
     * Builds a {@link TrainConfig}; every key starts at its default ({@link
     * TrainKey#defaultValue()}).
     */
    public static final class Builder {
        /** The values set; a key without one (only warmup) is derived at build. */
        private final EnumMap<TrainKey, Number> values = new EnumMap<>(TrainKey.class);

        private Builder() {
            for (TrainKey key : TrainKey.values()) {
                opt(key, null);
            }
        }

        /**
         * Sets {@code key}; {@code null} restores its default (warmup: {@link
         * #DEFAULT_WARMUP_FRACTION} of the steps). The range is checked by {@link #build()}.
         */
        public Builder opt(TrainKey key, Number value) {
            Number v = value != null ? key.coerce(value) : key.defaultValue();
            if (v == null) {
                values.remove(key);
            } else {
                values.put(key, v);
            }
            return this;
        }

        public Builder optSteps(int steps) {
            return opt(TrainKey.STEPS, steps);
        }

        public Builder optBatchSize(int batchSize) {
            return opt(TrainKey.BATCH_SIZE, batchSize);
        }

        public Builder optAccumulate(int accumulate) {
            return opt(TrainKey.ACCUMULATE, accumulate);
        }

        public Builder optSeqLen(int seqLen) {
            return opt(TrainKey.SEQ_LEN, seqLen);
        }

        public Builder optLearningRate(float learningRate) {
            return opt(TrainKey.LEARNING_RATE, learningRate);
        }

        /** Warmup steps; unset (or null): {@link #DEFAULT_WARMUP_FRACTION} of the steps. */
        public Builder optWarmupSteps(Integer warmupSteps) {
            return opt(TrainKey.WARMUP, warmupSteps);
        }

        public Builder optWeightDecay(float weightDecay) {
            return opt(TrainKey.WEIGHT_DECAY, weightDecay);
        }

        public Builder optBetas(float beta1, float beta2) {
            return opt(TrainKey.ADAM_BETA1, beta1).opt(TrainKey.ADAM_BETA2, beta2);
        }

        public Builder optEpsilon(float epsilon) {
            return opt(TrainKey.ADAM_EPSILON, epsilon);
        }

        public Builder optClipNorm(float clipNorm) {
            return opt(TrainKey.CLIP_NORM, clipNorm);
        }

        public Builder optRtdWeight(float rtdWeight) {
            return opt(TrainKey.RTD_WEIGHT, rtdWeight);
        }

        public Builder optMaskProbability(float maskProbability) {
            return opt(TrainKey.MASK_PROBABILITY, maskProbability);
        }

        public Builder optSeed(long seed) {
            return opt(TrainKey.SEED, seed);
        }

        public Builder optLogEvery(int logEvery) {
            return opt(TrainKey.LOG_EVERY, logEvery);
        }

        public Builder optCheckpointEvery(int checkpointEvery) {
            return opt(TrainKey.CHECKPOINT_EVERY, checkpointEvery);
        }

        public Builder optKeepCheckpoints(int keepCheckpoints) {
            return opt(TrainKey.KEEP_CHECKPOINTS, keepCheckpoints);
        }

        public Builder optMaxSkippedSteps(int maxSkippedSteps) {
            return opt(TrainKey.MAX_SKIPPED_STEPS, maxSkippedSteps);
        }

        /**
         * @return the config; a {@link BadInputException} when a value is out of range
         */
        public TrainConfig build() {
            return new TrainConfig(this);
        }
    }
}
