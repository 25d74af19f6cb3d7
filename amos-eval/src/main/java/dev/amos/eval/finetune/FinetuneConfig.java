package dev.amos.eval.finetune;

import ai.djl.Device;
import dev.amos.eval.glue.GlueTask;
import dev.amos.model.BadInputException;
import dev.amos.train.TrainConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What {@link GlueFinetuner} fine-tunes, on what, how and where. This file holds every
 * fine-tuning default ({@code DEFAULT_*}, AMOS's GLUE recipe where it applies: <a
 * href="https://arxiv.org/abs/2204.03243">Meng et al. 2022</a>, appendix); the optimizer's betas and
 * epsilon are the pretraining ones of {@link TrainConfig}. {@code amos finetune} and {@code amos
 * glue} take their defaults from here.
 *
 * <pre>{@code
 * FinetuneConfig c = FinetuneConfig.builder().setPretrained(run).setTask(GlueTask.RTE).setGlueDir(glue)
 *         .setOutDir(out).optSeeds(3).optEpochs(10).build();
 * }</pre>
 */
public final class FinetuneConfig {

    public static final int DEFAULT_SEEDS = 1;
    public static final long DEFAULT_BASE_SEED = 1;
    public static final int DEFAULT_EPOCHS = 3;
    public static final float DEFAULT_LEARNING_RATE = 1e-4f;
    public static final int DEFAULT_BATCH_SIZE = 32;
    public static final int DEFAULT_MAX_LENGTH = 128;
    public static final double DEFAULT_WARMUP_FRACTION = 0.1;
    public static final float DEFAULT_WEIGHT_DECAY = 0.01f;
    /** 0: no clipping. */
    public static final float DEFAULT_CLIP_NORM = 0f;
    public static final int DEFAULT_LOG_EVERY = 10;
    /** 0: every training example. */
    public static final int DEFAULT_TRAIN_LIMIT = 0;

    private final Builder b;

    private FinetuneConfig(Builder b) {
        this.b = b;
    }

    /** @return a builder holding the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder holding this config's values */
    public Builder toBuilder() {
        return b.copy();
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
        return b.seeds;
    }

    public long baseSeed() {
        return b.baseSeed;
    }

    public int epochs() {
        return b.epochs;
    }

    public float learningRate() {
        return b.learningRate;
    }

    public int batchSize() {
        return b.batchSize;
    }

    /** Tokens per example. */
    public int maxLength() {
        return b.maxLength;
    }

    public double warmupFraction() {
        return b.warmupFraction;
    }

    public float weightDecay() {
        return b.weightDecay;
    }

    /** Global gradient-norm clip; 0: none. */
    public float clipNorm() {
        return b.clipNorm;
    }

    public float beta1() {
        return TrainConfig.DEFAULT_BETA1;
    }

    public float beta2() {
        return TrainConfig.DEFAULT_BETA2;
    }

    public float epsilon() {
        return TrainConfig.DEFAULT_EPSILON;
    }

    public int logEvery() {
        return b.logEvery;
    }

    public Device device() {
        return b.device;
    }

    public PrintStream log() {
        return b.log;
    }

    /** Fine-tune on a seeded subsample of this many training examples; 0: all ({@link GlueFinetuner#subsample}). */
    public int trainLimit() {
        return b.trainLimit;
    }

    /** Whether an earlier fine-tune at {@link #outDir()} may be replaced ({@code --overwrite}). */
    public boolean overwrite() {
        return b.overwrite;
    }

    /** Builds a {@link FinetuneConfig}: {@code setX} required, {@code optX} optional (defaults above). */
    public static final class Builder implements Cloneable {
        private Path pretrained;
        private GlueTask task;
        private Path glueDir;
        private Path outDir;
        private int seeds = DEFAULT_SEEDS;
        private long baseSeed = DEFAULT_BASE_SEED;
        private int epochs = DEFAULT_EPOCHS;
        private float learningRate = DEFAULT_LEARNING_RATE;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private int maxLength = DEFAULT_MAX_LENGTH;
        private double warmupFraction = DEFAULT_WARMUP_FRACTION;
        private float weightDecay = DEFAULT_WEIGHT_DECAY;
        private float clipNorm = DEFAULT_CLIP_NORM;
        private int logEvery = DEFAULT_LOG_EVERY;
        private Device device = Device.cpu();
        private PrintStream log = System.err;
        private int trainLimit = DEFAULT_TRAIN_LIMIT;
        private boolean overwrite;

        private Builder() {}

        private Builder copy() {
            try {
                return (Builder) clone();
            } catch (CloneNotSupportedException e) {
                throw new IllegalStateException(e);
            }
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
            this.seeds = seeds;
            return this;
        }

        public Builder optBaseSeed(long baseSeed) {
            this.baseSeed = baseSeed;
            return this;
        }

        public Builder optEpochs(int epochs) {
            this.epochs = epochs;
            return this;
        }

        public Builder optLearningRate(float learningRate) {
            this.learningRate = learningRate;
            return this;
        }

        public Builder optBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        public Builder optMaxLength(int maxLength) {
            this.maxLength = maxLength;
            return this;
        }

        public Builder optWarmupFraction(double warmupFraction) {
            this.warmupFraction = warmupFraction;
            return this;
        }

        public Builder optWeightDecay(float weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        public Builder optClipNorm(float clipNorm) {
            this.clipNorm = clipNorm;
            return this;
        }

        public Builder optLogEvery(int logEvery) {
            this.logEvery = logEvery;
            return this;
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
            this.trainLimit = trainLimit;
            return this;
        }

        /** Replace an earlier fine-tune at the output folder (never a folder of another kind). */
        public Builder optOverwrite(boolean overwrite) {
            this.overwrite = overwrite;
            return this;
        }

        /**
         * @return the config
         * @throws BadInputException when a value is out of range (option names are the CLI's)
         */
        public FinetuneConfig build() {
            Objects.requireNonNull(pretrained, "set the pretrained run");
            Objects.requireNonNull(task, "set the task");
            Objects.requireNonNull(glueDir, "set the GLUE folder");
            Objects.requireNonNull(outDir, "set the output folder");
            check(seeds >= 1, "--seeds must be >= 1, got " + seeds);
            check(epochs >= 1, "--epochs must be >= 1, got " + epochs);
            check(batchSize >= 1, "--batch-size must be >= 1, got " + batchSize);
            check(maxLength >= 3, "--max-len must be >= 3, got " + maxLength);
            check(learningRate > 0 && Float.isFinite(learningRate), "--lr must be > 0, got " + learningRate);
            check(warmupFraction >= 0 && warmupFraction <= 1, "--warmup must be in [0, 1], got " + warmupFraction);
            check(logEvery >= 1, "--log-every must be >= 1, got " + logEvery);
            check(trainLimit >= 0, "--train-limit must be >= 0 (0 = all), got " + trainLimit);
            return new FinetuneConfig(copy());
        }

        private static void check(boolean ok, String message) {
            if (!ok) {
                throw new BadInputException(message);
            }
        }
    }
}
