package dev.amos.train;

import static dev.amos.model.ValueRange.above;
import static dev.amos.model.ValueRange.atLeast;
import static dev.amos.model.ValueRange.closed;
import static dev.amos.model.ValueRange.closedOpen;
import static dev.amos.model.ValueRange.open;

import dev.amos.model.Setting;
import dev.amos.model.ValueRange;

/**
 * The training keys of a pretraining run, one entry each, in the order of {@code config.json}'s
 * {@code training} object: the key, the {@code amos train} option that sets it (null: none), its
 * type, default, range, {@code --help} text and what {@code --resume} does with it. {@link
 * TrainConfig} binds, writes and checks its values by this table; {@code amos train} generates its
 * training options and its {@code --resume} comparison from it. Adding a key is one entry here and
 * a typed getter on {@link TrainConfig} (and its {@code optX} builder method) for the code that
 * reads it.
 *
 * <p>Defaults follow COCO-LM/AMOS where they apply (<a href="https://arxiv.org/abs/2204.03243">Meng
 * et al. 2022</a>, appendix; docs/method.md, "Pretraining settings"): AdamW (0.9, 0.98), eps 1e-6,
 * weight decay 0.01, clip 2.0, lambda 50, 15% masking, linear warmup (10% of the steps unless set)
 * then linear decay to 0.
 */
public enum TrainKey implements Setting {
    STEPS(
            "steps",
            "--steps",
            Integer.class,
            300,
            atLeast(1),
            OnResume.APPLIED,
            "Optimizer steps, {range}"),
    BATCH_SIZE(
            "batch_size",
            "--batch-size",
            Integer.class,
            32,
            atLeast(1),
            OnResume.COMPARED,
            "Sequences per micro-batch, {range}, at most the corpus's sequences"),
    ACCUMULATE(
            "accumulate",
            "--accumulate",
            Integer.class,
            1,
            atLeast(1),
            OnResume.COMPARED,
            "Micro-batches per step, {range}"),
    SEQ_LEN(
            "seq_len",
            "--seq-len",
            Integer.class,
            128,
            atLeast(3),
            OnResume.COMPARED,
            "Tokens per sequence, {range}, at most the model's max_positions (default: the preset's seq_len)"),
    LEARNING_RATE(
            "lr",
            "--lr",
            Float.class,
            5e-4f,
            above(0),
            OnResume.COMPARED,
            "Peak learning rate, {range}"),
    /** Default: {@link TrainConfig#DEFAULT_WARMUP_FRACTION} of the steps. */
    WARMUP(
            "warmup",
            "--warmup",
            Integer.class,
            null,
            atLeast(0),
            OnResume.COMPARED,
            "Warmup steps, {range}, at most --steps (default: "
                    + Math.round(TrainConfig.DEFAULT_WARMUP_FRACTION * 100)
                    + "% of --steps)"),
    WEIGHT_DECAY(
            "weight_decay",
            "--weight-decay",
            Float.class,
            0.01f,
            atLeast(0),
            OnResume.COMPARED,
            "Decoupled weight decay, {range}"),
    ADAM_BETA1(
            "adam_beta1",
            null,
            Float.class,
            0.9f,
            closedOpen(0, 1),
            OnResume.COMPARED,
            "Adam's first-moment decay, {range}"),
    ADAM_BETA2(
            "adam_beta2",
            null,
            Float.class,
            0.98f,
            closedOpen(0, 1),
            OnResume.COMPARED,
            "Adam's second-moment decay, {range}"),
    ADAM_EPSILON(
            "adam_epsilon",
            null,
            Float.class,
            1e-6f,
            above(0),
            OnResume.COMPARED,
            "Adam's epsilon, {range}"),
    CLIP_NORM(
            "clip_norm",
            "--clip",
            Float.class,
            2.0f,
            above(0),
            OnResume.COMPARED,
            "Global gradient-norm clip, {range}"),
    RTD_WEIGHT(
            "rtd_weight",
            "--rtd-weight",
            Float.class,
            50f,
            atLeast(0),
            OnResume.COMPARED,
            "Lambda, weight of the RTD loss, {range}"),
    MASK_PROBABILITY(
            "mask_probability",
            "--mask-prob",
            Float.class,
            0.15f,
            open(0, 1),
            OnResume.COMPARED,
            "Share of tokens masked, {range}"),
    /** Default: the objective's ({@link TrainConfig#masking}). */
    MASK_TOKEN_PROBABILITY(
            "mask_token_probability",
            "--mask-token-prob",
            Float.class,
            null,
            closed(0, 1),
            OnResume.COMPARED,
            "Share of the masked tokens that become [MASK], {range} (default: the objective's: amos 1,"
                    + " electra 0.85, mlm 0.8); the others become random tokens"
                    + " (--random-token-prob) or stay as they are"),
    /** Default: the objective's ({@link TrainConfig#masking}). */
    RANDOM_TOKEN_PROBABILITY(
            "random_token_probability",
            "--random-token-prob",
            Float.class,
            null,
            closed(0, 1),
            OnResume.COMPARED,
            "Share of the masked tokens that become a random token, {range} (default: the"
                    + " objective's: mlm 0.1, amos and electra 0)"),
    SEED(
            "seed",
            "--seed",
            Long.class,
            42L,
            ValueRange.ANY,
            OnResume.COMPARED,
            "Seed of everything"),
    LOG_EVERY(
            "log_every",
            "--log-every",
            Integer.class,
            10,
            atLeast(1),
            OnResume.COMPARED,
            "Steps between metrics lines, {range}"),
    CHECKPOINT_EVERY(
            "checkpoint_every",
            "--checkpoint-every",
            Integer.class,
            500,
            atLeast(1),
            OnResume.COMPARED,
            "Steps between checkpoints, {range}"),
    KEEP_CHECKPOINTS(
            "keep_checkpoints",
            "--keep-checkpoints",
            Integer.class,
            3,
            atLeast(1),
            OnResume.COMPARED,
            "Checkpoints kept, {range}"),
    MAX_SKIPPED_STEPS(
            "max_skipped_steps",
            "--max-skipped",
            Integer.class,
            20,
            atLeast(1),
            OnResume.COMPARED,
            "Consecutive NaN/Inf steps before stopping, {range}");

    /** What {@code amos train --resume} does with the option when it is on the command line. */
    public enum OnResume {
        /** Applied to the resumed run ({@code --steps}: extends or re-plans it). */
        APPLIED,
        /**
         * Compared with the run's {@code config.json}; refused when it differs (the run keeps its
         * value).
         */
        COMPARED
    }

    private final Declaration declaration;
    private final OnResume onResume;

    TrainKey(
            String key,
            String option,
            Class<? extends Number> type,
            Number defaultValue,
            ValueRange range,
            OnResume onResume,
            String description) {
        this.declaration = new Declaration(key, option, type, defaultValue, range, description);
        this.onResume = onResume;
    }

    @Override
    public Declaration declaration() {
        return declaration;
    }

    /** What {@code --resume} does with this key's option. */
    public OnResume onResume() {
        return onResume;
    }

    /** The key named {@code key} in {@code config.json}, or null. */
    static TrainKey byKey(String key) {
        for (TrainKey k : values()) {
            if (k.key().equals(key)) {
                return k;
            }
        }
        return null;
    }
}
