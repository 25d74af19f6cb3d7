package dev.amos.eval.finetune;

import static dev.amos.model.ValueRange.above;
import static dev.amos.model.ValueRange.atLeast;
import static dev.amos.model.ValueRange.closed;

import dev.amos.model.Setting;
import dev.amos.model.ValueRange;

/**
 * The numeric settings of a fine-tune, one entry each: the key, the option of {@code amos finetune}
 * and {@code amos glue} that sets it, its type, default, range and {@code --help} text. {@link
 * FinetuneConfig} stores and checks its values by this table; the CLI generates its options from
 * it. Defaults: AMOS's GLUE recipe where it applies (<a
 * href="https://arxiv.org/abs/2204.03243">Meng et al. 2022</a>, appendix).
 */
public enum FinetuneKey implements Setting {
    SEEDS(
            "seeds",
            "--seeds",
            Integer.class,
            1,
            atLeast(1),
            "Seeds to run, base seed .. base seed + N - 1, {range}"),
    BASE_SEED("seed", "--seed", Long.class, 1L, ValueRange.ANY, "First seed"),
    EPOCHS("epochs", "--epochs", Integer.class, 3, atLeast(1), "Training epochs, {range}"),
    LEARNING_RATE("lr", "--lr", Float.class, 1e-4f, above(0), "Peak learning rate, {range}"),
    BATCH_SIZE(
            "batch_size",
            "--batch-size",
            Integer.class,
            32,
            atLeast(1),
            "Examples per step, {range}"),
    MAX_LENGTH(
            "max_length",
            "--max-len",
            Integer.class,
            128,
            atLeast(3),
            "Tokens per example, {range}, at most the model's max_positions"),
    /** 0: every training example. */
    TRAIN_LIMIT(
            "train_limit",
            "--train-limit",
            Integer.class,
            0,
            atLeast(0),
            "Fine-tune on a fixed seeded subsample of this many training examples, the same for every seed and model,"
                    + " {range} (default: 0 = all)"),
    WARMUP_FRACTION(
            "warmup_fraction",
            "--warmup",
            Double.class,
            0.1,
            closed(0, 1),
            "Warmup fraction of the steps, {range}"),
    WEIGHT_DECAY(
            "weight_decay",
            "--weight-decay",
            Float.class,
            0.01f,
            atLeast(0),
            "Decoupled weight decay, {range}"),
    /** 0: no clipping. */
    CLIP_NORM(
            "clip_norm",
            "--clip",
            Float.class,
            0f,
            atLeast(0),
            "Global gradient-norm clip, 0 = none, {range}"),
    LOG_EVERY(
            "log_every",
            "--log-every",
            Integer.class,
            10,
            atLeast(1),
            "Steps between metrics lines, {range}");

    private final Declaration declaration;

    FinetuneKey(
            String key,
            String option,
            Class<? extends Number> type,
            Number defaultValue,
            ValueRange range,
            String description) {
        this.declaration = new Declaration(key, option, type, defaultValue, range, description);
    }

    @Override
    public Declaration declaration() {
        return declaration;
    }
}
