package dev.amos.eval.finetune;

import ai.djl.Device;
import dev.amos.eval.glue.GlueTask;
import dev.amos.model.BadInputException;
import dev.amos.train.TrainKey;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Objects;

/**
 * What {@link GlueFinetuner} fine-tunes, on what, how and where. Every numeric setting, with its
 * default, range and CLI option, is an entry of {@link FinetuneKey} ({@code amos finetune} and
 * {@code amos glue} generate their options from it); the optimizer's betas and epsilon are the
 * pretraining defaults of {@link TrainKey}.
 *
 * <pre>{@code
 * FinetuneConfig c = FinetuneConfig.builder().setPretrained(run).setTask(GlueTask.RTE).setGlueDir(glue)
 *         .setOutDir(out).optSeeds(3).optEpochs(10).build();
 * }</pre>
 */
public final class FinetuneConfig {

    private final Builder b;

    private FinetuneConfig(Builder b) {
        this.b = b;
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
        return b.copy();
    }

    /** The value of {@code key}, as its {@link FinetuneKey#type()}. */
    public Number get(FinetuneKey key) {
        return b.values.get(key);
    }

    /** The pretraining run folder. */
    public Path pretrained() {
        return b.pretrained;
    }

    public GlueTask task() {
        return b.task;
    }

    public Path glueDir() {
        return b.glueDir;
    }

    public Path outDir() {
        return b.outDir;
    }

    /** Seeds run: {@link #baseSeed()} .. {@code baseSeed + seeds - 1}. */
    public int seeds() {
        return b.values.get(FinetuneKey.SEEDS).intValue();
    }

    public long baseSeed() {
        return b.values.get(FinetuneKey.BASE_SEED).longValue();
    }

    public int epochs() {
        return b.values.get(FinetuneKey.EPOCHS).intValue();
    }

    public float learningRate() {
        return b.values.get(FinetuneKey.LEARNING_RATE).floatValue();
    }

    public int batchSize() {
        return b.values.get(FinetuneKey.BATCH_SIZE).intValue();
    }

    /** Tokens per example. */
    public int maxLength() {
        return b.values.get(FinetuneKey.MAX_LENGTH).intValue();
    }

    public double warmupFraction() {
        return b.values.get(FinetuneKey.WARMUP_FRACTION).doubleValue();
    }

    public float weightDecay() {
        return b.values.get(FinetuneKey.WEIGHT_DECAY).floatValue();
    }

    /** Global gradient-norm clip; 0: none. */
    public float clipNorm() {
        return b.values.get(FinetuneKey.CLIP_NORM).floatValue();
    }

    public float beta1() {
        return TrainKey.ADAM_BETA1.defaultValue().floatValue();
    }

    public float beta2() {
        return TrainKey.ADAM_BETA2.defaultValue().floatValue();
    }

    public float epsilon() {
        return TrainKey.ADAM_EPSILON.defaultValue().floatValue();
    }

    public int logEvery() {
        return b.values.get(FinetuneKey.LOG_EVERY).intValue();
    }

    public Device device() {
        return b.device;
    }

    public PrintStream log() {
        return b.log;
    }

    /**
     * Fine-tune on a seeded subsample of this many training examples; 0: all ({@link
     * GlueFinetuner#subsample}).
     */
    public int trainLimit() {
        return b.values.get(FinetuneKey.TRAIN_LIMIT).intValue();
    }

    /** Whether an earlier fine-tune at {@link #outDir()} may be replaced ({@code --overwrite}). */
    public boolean overwrite() {
        return b.overwrite;
    }

    /**
     * Builds a {@link FinetuneConfig}: {@code setX} required, {@code optX} optional (defaults:
     * {@link FinetuneKey}).
     */
    public static final class Builder implements Cloneable {
        private Path pretrained;
        private GlueTask task;
        private Path glueDir;
        private Path outDir;

        /** Every {@link FinetuneKey}'s value, as its type. */
        private EnumMap<FinetuneKey, Number> values = new EnumMap<>(FinetuneKey.class);

        private Device device = Device.cpu();
        private PrintStream log = System.err;
        private boolean overwrite;

        private Builder() {
            for (FinetuneKey key : FinetuneKey.values()) {
                values.put(key, key.defaultValue());
            }
        }

        private Builder copy() {
            try {
                Builder copy = (Builder) clone();
                copy.values = new EnumMap<>(values);
                return copy;
            } catch (CloneNotSupportedException e) {
                throw new IllegalStateException(e);
            }
        }

        /**
         * Sets {@code key}; {@code null} restores its default. The range is checked by {@link
         * #build()}.
         */
        public Builder opt(FinetuneKey key, Number value) {
            values.put(key, value != null ? key.coerce(value) : key.defaultValue());
            return this;
        }

        /** The pretraining run folder ({@code amos train --out}). */
        public Builder setPretrained(Path pretrained) {
            this.pretrained = pretrained;
            return this;
        }

        public Builder setTask(GlueTask task) {
            this.task = task;
            return this;
        }

        /** The GLUE folder (RTE/, MRPC/, ...). */
        public Builder setGlueDir(Path glueDir) {
            this.glueDir = glueDir;
            return this;
        }

        public Builder setOutDir(Path outDir) {
            this.outDir = outDir;
            return this;
        }

        public Builder optSeeds(int seeds) {
            return opt(FinetuneKey.SEEDS, seeds);
        }

        public Builder optBaseSeed(long baseSeed) {
            return opt(FinetuneKey.BASE_SEED, baseSeed);
        }

        public Builder optEpochs(int epochs) {
            return opt(FinetuneKey.EPOCHS, epochs);
        }

        public Builder optLearningRate(float learningRate) {
            return opt(FinetuneKey.LEARNING_RATE, learningRate);
        }

        public Builder optBatchSize(int batchSize) {
            return opt(FinetuneKey.BATCH_SIZE, batchSize);
        }

        public Builder optMaxLength(int maxLength) {
            return opt(FinetuneKey.MAX_LENGTH, maxLength);
        }

        public Builder optWarmupFraction(double warmupFraction) {
            return opt(FinetuneKey.WARMUP_FRACTION, warmupFraction);
        }

        public Builder optWeightDecay(float weightDecay) {
            return opt(FinetuneKey.WEIGHT_DECAY, weightDecay);
        }

        public Builder optClipNorm(float clipNorm) {
            return opt(FinetuneKey.CLIP_NORM, clipNorm);
        }

        public Builder optLogEvery(int logEvery) {
            return opt(FinetuneKey.LOG_EVERY, logEvery);
        }

        public Builder optDevice(Device device) {
            this.device = device;
            return this;
        }

        public Builder optLog(PrintStream log) {
            this.log = log;
            return this;
        }

        public Builder optTrainLimit(int trainLimit) {
            return opt(FinetuneKey.TRAIN_LIMIT, trainLimit);
        }

        /** Replace an earlier fine-tune at the output folder (never a folder of another kind). */
        public Builder optOverwrite(boolean overwrite) {
            this.overwrite = overwrite;
            return this;
        }

        /**
         * @return the config
         * @throws BadInputException when a value is out of its {@link FinetuneKey}'s range (named
         *     by its CLI option)
         */
        public FinetuneConfig build() {
            Objects.requireNonNull(pretrained, "set the pretrained run");
            Objects.requireNonNull(task, "set the task");
            Objects.requireNonNull(glueDir, "set the GLUE folder");
            Objects.requireNonNull(outDir, "set the output folder");
            values.forEach(FinetuneKey::check);
            return new FinetuneConfig(copy());
        }
    }
}
