package dev.amos.train.data;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.BatchSampler;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.util.Progress;
import java.util.Arrays;
import java.util.Objects;

/**
 * Packed pretraining examples as a DJL {@link RandomAccessDataset}, so that DJL's batching,
 * sampling and prefetching apply. Record {@code i} holds data {@code [input ids (S,) int64, padded
 * with [PAD]; attention mask (S,) int64, 1 on real ids]} with {@code S} the sequence length, and
 * no labels (an empty list): the labels come from {@link Masker} at each step.
 *
 * <pre>{@code
 * PackedExamples examples = new ExamplePacker(128, tokenizer.specialTokens()).pack(shards, seed);
 * PretrainingDataset data = PretrainingDataset.builder()
 *         .setExamples(examples).setSampling(32, true).optSeed(seed).build();
 * for (Batch batch : data.getData(manager)) { ... batch.getData() = [ids (B,S), mask (B,S)] ... }
 * }</pre>
 *
 * <p>With {@code setSampling(batchSize, true)} and a seed, the order is a {@link
 * SeededShuffleSampler} (a pure function of seed and epoch); without a seed DJL's unseeded {@code
 * RandomSampler} is used.
 */
public final class PretrainingDataset extends RandomAccessDataset {

    private final PackedExamples examples;
    private final SeededShuffleSampler shuffleSampler;

    private PretrainingDataset(Builder builder) {
        super(builder);
        this.examples = builder.examples;
        this.shuffleSampler = builder.shuffleSampler;
    }

    /** @return a new builder */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Record get(NDManager manager, long index) {
        int length = examples.maxLength();
        long[] ids = new long[length];
        int real = examples.fill(index, ids);
        long[] mask = new long[length];
        Arrays.fill(mask, 0, real, 1L);
        return new Record(new NDList(manager.create(ids), manager.create(mask)), new NDList());
    }

    @Override
    protected long availableSize() {
        return examples.size();
    }

    @Override
    public void prepare(Progress progress) {
        // Examples are packed before the dataset is built.
    }

    /** @return the packed examples */
    public PackedExamples examples() {
        return examples;
    }

    /** @return the sequence length S */
    public int sequenceLength() {
        return examples.maxLength();
    }

    /**
     * The seeded shuffling sampler, to set the epoch when resuming.
     *
     * @return the sampler, or null when not shuffling with a seed
     */
    public SeededShuffleSampler shuffleSampler() {
        return shuffleSampler;
    }

    /** Builds a {@link PretrainingDataset}. */
    public static final class Builder extends BaseBuilder<Builder> {

        private PackedExamples examples;
        private TokenCorpus corpus;
        private int sequenceLength;
        private SpecialTokens special;
        private Long seed;
        private int batchSize;
        private boolean shuffle;
        private boolean dropLast;
        private boolean samplingSet;
        private SeededShuffleSampler shuffleSampler;

        Builder() {}

        @Override
        protected Builder self() {
            return this;
        }

        /**
         * Sets the examples.
         *
         * @param examples packed examples
         * @return this builder
         */
        public Builder setExamples(PackedExamples examples) {
            this.examples = examples;
            this.corpus = null;
            return this;
        }

        /**
         * Packs a corpus with {@link ExamplePacker} when the dataset is built (with the seed of
         * {@link #optSeed}, 0 if none) and uses the result.
         *
         * @param corpus the tokenized corpus
         * @param sequenceLength S, {@code [CLS]} and {@code [SEP]}s included
         * @param special the tokenizer's special tokens
         * @return this builder
         */
        public Builder setCorpus(TokenCorpus corpus, int sequenceLength, SpecialTokens special) {
            this.corpus = corpus;
            this.sequenceLength = sequenceLength;
            this.special = special;
            this.examples = null;
            return this;
        }

        /**
         * Sets the seed of shuffling and of packing with {@link #setCorpus}.
         *
         * @param seed the seed
         * @return this builder
         */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        @Override
        public Builder setSampling(int batchSize, boolean random, boolean dropLast) {
            this.batchSize = batchSize;
            this.shuffle = random;
            this.dropLast = dropLast;
            this.samplingSet = true;
            return super.setSampling(batchSize, random, dropLast);
        }

        /**
         * Builds the dataset.
         *
         * @return the dataset
         */
        public PretrainingDataset build() {
            if (corpus != null) {
                examples = new ExamplePacker(sequenceLength, special).pack(corpus, seed == null ? 0 : seed);
            }
            Objects.requireNonNull(examples, "set the examples (setExamples or setCorpus)");
            if (samplingSet && shuffle && seed != null) {
                shuffleSampler = new SeededShuffleSampler(seed);
                super.setSampling(new BatchSampler(shuffleSampler, batchSize, dropLast));
            }
            return new PretrainingDataset(this);
        }
    }
}
