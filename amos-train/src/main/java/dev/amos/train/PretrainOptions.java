package dev.amos.train;

import ai.djl.Device;
import dev.amos.model.BadInputException;
import dev.amos.model.ModelConfig;
import dev.amos.model.Objective;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.LongPredicate;

/**
 * What {@link Pretrainer#run} trains, on what, and where. A new run needs the model, corpus,
 * tokenizer and output folder; a resumed run ({@link Builder#optResume}) needs only the folder (its
 * {@code config.json} is authoritative).
 *
 * <pre>{@code
 * PretrainOptions o = PretrainOptions.builder().setModel(config, Objective.AMOS).setCorpus(files)
 *         .setTokenizer(tokenizerJson).setOutDir(runDir).setCacheDir(cache).optTraining(tc).build();
 * }</pre>
 */
public final class PretrainOptions {

    private final ModelConfig model;
    private final Objective objective;
    private final TrainConfig training;
    private final List<Path> corpus;
    private final Path tokenizer;
    private final Path outDir;
    private final Path cacheDir;
    private final boolean resume;
    private final boolean overwrite;
    private final Device device;
    private final PrintStream log;
    private final List<Path> validCorpus;
    private final int validEvery;
    private final int validBatches;
    private final InitSource initFrom;
    private final Integer extendTo;
    private final LongPredicate nanLossAt;

    private PretrainOptions(Builder b) {
        model = b.model;
        objective = b.objective;
        training = b.training;
        corpus = b.corpus;
        tokenizer = b.tokenizer;
        outDir = b.outDir;
        cacheDir = b.cacheDir;
        resume = b.resume;
        overwrite = b.overwrite;
        device = b.device;
        log = b.log;
        validCorpus = b.validCorpus;
        validEvery = b.validEvery;
        validBatches = b.validBatches;
        initFrom = b.initFrom;
        extendTo = b.extendTo;
        nanLossAt = b.nanLossAt;
    }

    /**
     * @return a builder: CPU, training defaults, log to stderr, no validation
     */
    public static Builder builder() {
        return new Builder();
    }

    public ModelConfig model() {
        return model;
    }

    public Objective objective() {
        return objective;
    }

    public TrainConfig training() {
        return training;
    }

    public List<Path> corpus() {
        return corpus;
    }

    public Path tokenizer() {
        return tokenizer;
    }

    public Path outDir() {
        return outDir;
    }

    public Path cacheDir() {
        return cacheDir;
    }

    public boolean resume() {
        return resume;
    }

    /** Whether a new run replaces an earlier run in the output folder ({@code --overwrite}). */
    public boolean overwrite() {
        return overwrite;
    }

    public Device device() {
        return device;
    }

    public PrintStream log() {
        return log;
    }

    public List<Path> validCorpus() {
        return validCorpus;
    }

    /**
     * @return steps between validations; 0: every checkpoint
     */
    public int validEvery() {
        return validEvery;
    }

    public int validBatches() {
        return validBatches;
    }

    /**
     * @return the weights a new run starts from, or null (fresh initialization)
     */
    public InitSource initFrom() {
        return initFrom;
    }

    /**
     * @return the new total of steps of a resumed run that is extended, or null (its own steps)
     */
    public Integer extendTo() {
        return extendTo;
    }

    /**
     * @return the steps whose loss is made NaN (fault injection), or null (none)
     */
    LongPredicate nanLossAt() {
        return nanLossAt;
    }

    /**
     * The validation settings against the run ({@link Builder#build()} checks them; {@code amos
     * train} before any work): {@code every} in [0, the steps] and, when above 0, a held-out
     * corpus; a resumed run may validate on its own corpus, every so many steps of its own.
     *
     * @param every steps between validations; 0: every checkpoint
     * @param validCorpus the held-out files
     * @param training the training settings (a new run's steps)
     * @param resume whether the run is resumed
     * @throws BadInputException naming {@code --valid-every} and what was expected
     */
    public static void checkValidation(
            int every, List<Path> validCorpus, TrainConfig training, boolean resume) {
        if (every < 0) {
            throw new BadInputException("--valid-every must be >= 0");
        }
        if (!resume && validCorpus.isEmpty() && every > 0) {
            throw new BadInputException(
                    "--valid-every needs --valid-corpus (the held-out text to validate on)");
        }
        if (!resume && every > training.steps()) {
            throw new BadInputException(
                    "--valid-every "
                            + every
                            + " exceeds --steps "
                            + training.steps()
                            + ": no validation would run; expected --valid-every in [0, "
                            + training.steps()
                            + "] (0 = every checkpoint)");
        }
    }

    /**
     * Builds {@link PretrainOptions}: {@code setX} are required (for a new run), {@code optX}
     * optional.
     */
    public static final class Builder {
        private ModelConfig model;
        private Objective objective;
        private TrainConfig training = TrainConfig.builder().build();
        private List<Path> corpus;
        private Path tokenizer;
        private Path outDir;
        private Path cacheDir;
        private boolean resume;
        private boolean overwrite;
        private Device device = Device.cpu();
        private PrintStream log = System.err;
        private List<Path> validCorpus = List.of();
        private int validEvery;
        private int validBatches = TrainConfig.DEFAULT_VALID_BATCHES;
        private InitSource initFrom;
        private Integer extendTo;
        private LongPredicate nanLossAt;

        private Builder() {}

        /** A new run starts from these weights ({@code amos train --init-from}). */
        public Builder optInitFrom(InitSource initFrom) {
            this.initFrom = initFrom;
            return this;
        }

        /**
         * A resumed run continues to {@code steps} in total ({@code --resume --steps N}); the
         * learning-rate schedule is re-planned as if the run had been started with {@code steps}
         * (the same warmup, linear decay to 0 at the new last step).
         */
        public Builder optExtendTo(Integer steps) {
            this.extendTo = steps;
            return this;
        }

        public Builder setModel(ModelConfig model, Objective objective) {
            this.model = model;
            this.objective = objective;
            return this;
        }

        /** Text files, folders or .gz files. */
        public Builder setCorpus(List<Path> corpus) {
            this.corpus = List.copyOf(corpus);
            return this;
        }

        /** tokenizer.json or vocab.txt. */
        public Builder setTokenizer(Path tokenizer) {
            this.tokenizer = tokenizer;
            return this;
        }

        /** The run folder. */
        public Builder setOutDir(Path outDir) {
            this.outDir = outDir;
            return this;
        }

        /** The token-shard cache. */
        public Builder setCacheDir(Path cacheDir) {
            this.cacheDir = cacheDir;
            return this;
        }

        public Builder optTraining(TrainConfig training) {
            this.training = training;
            return this;
        }

        /** Continue the run in the output folder from its last complete checkpoint. */
        public Builder optResume(boolean resume) {
            this.resume = resume;
            return this;
        }

        /**
         * A new run replaces an earlier run in the output folder (never a folder of another kind).
         */
        public Builder optOverwrite(boolean overwrite) {
            this.overwrite = overwrite;
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

        /**
         * Held-out text whose MLM and RTD loss are logged.
         *
         * @param corpus the held-out files
         * @param every steps between validations; 0: every checkpoint
         * @param batches held-out batches per validation; 0: the default
         * @return this builder
         */
        public Builder optValidation(List<Path> corpus, int every, int batches) {
            this.validCorpus = List.copyOf(corpus);
            this.validEvery = every;
            this.validBatches = batches > 0 ? batches : TrainConfig.DEFAULT_VALID_BATCHES;
            return this;
        }

        /**
         * Fault injection, for the tests of the skip-and-stop logic (package-private, not a user
         * option): the loss of every step that {@code steps} accepts is multiplied by NaN before
         * the backward pass, as a diverging run's would be. Default: none.
         *
         * @param steps the steps whose loss becomes NaN, or null for none
         * @return this builder
         */
        Builder optNanLossAt(LongPredicate steps) {
            this.nanLossAt = steps;
            return this;
        }

        /**
         * @return the options
         * @throws BadInputException when validation settings are out of range or, for a new run,
         *     need a held-out corpus or more steps
         */
        public PretrainOptions build() {
            Objects.requireNonNull(outDir, "set the output folder");
            Objects.requireNonNull(cacheDir, "set the shard cache folder");
            if (!resume) {
                Objects.requireNonNull(model, "set the model (setModel)");
                Objects.requireNonNull(corpus, "set the corpus");
                Objects.requireNonNull(tokenizer, "set the tokenizer");
            }
            if (overwrite && resume) {
                throw new BadInputException(
                        "--overwrite starts the run afresh; --resume continues it: give one of them");
            }
            if (initFrom != null && resume) {
                throw new BadInputException(
                        "--init-from starts a new run; --resume continues one: give one of them");
            }
            if (extendTo != null && !resume) {
                throw new IllegalArgumentException("optExtendTo needs optResume");
            }
            checkValidation(validEvery, validCorpus, training, resume);
            return new PretrainOptions(this);
        }
    }
}
