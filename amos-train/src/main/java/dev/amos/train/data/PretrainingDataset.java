package dev.amos.train.data;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.training.dataset.Sampler;
import ai.djl.translate.Batchifier;
import ai.djl.util.Progress;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Packed pretraining examples as a DJL {@link RandomAccessDataset} whose batches come masked:
 * {@link #getData} yields batches whose data is the {@link dev.amos.model.Amos} block's input
 * {@code [corrupted ids (B, S), attention mask (B, S), original ids (B, S), masked positions (M,)]}
 * and whose labels are {@code [original ids, masked positions]} (the same arrays; the model gathers
 * its labels from them).
 *
 * <p><b>One pass per batch.</b> A batch is assembled on the host from the packed examples ({@code
 * long[]}) and masked there by {@link Masker} (on the data threads, ahead of the loop), and its
 * four arrays are created once, in a sub-manager of the manager given to {@link #getData} (the
 * trainer's, so on the training device). Nothing is read back. The mask step of the {@code i}-th
 * batch is {@link StepSampler#firstBatch()} {@code + i}: the masks of a run are a pure function of
 * (seed, batch index), so a resumed run draws the same ones.
 *
 * <pre>{@code
 * PretrainingDataset data = PretrainingDataset.builder().setExamples(examples).setMasker(masker)
 *         .setSampling(new StepSampler(seed, 32, 0, steps)).optPrefetchNumber(4).build();
 * for (Batch batch : data.getData(trainer.getManager(), executor)) { ... }
 * }</pre>
 */
public final class PretrainingDataset extends RandomAccessDataset {

    private final PackedExamples examples;
    private final Masker masker;

    private PretrainingDataset(Builder builder) {
        super(builder);
        this.examples = builder.examples;
        this.masker = builder.masker;
    }

    /**
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** One example, unmasked: {@code [ids (S,), attention mask (S,)]} (DJL's per-record view). */
    @Override
    public Record get(NDManager manager, long index) {
        int length = examples.maxLength();
        long[] ids = new long[length];
        long[] mask = new long[length];
        Arrays.fill(mask, 0, examples.fill(index, ids), 1L);
        return new Record(new NDList(manager.create(ids), manager.create(mask)), new NDList());
    }

    /**
     * One masked batch, its arrays created once in a new sub-manager of {@code manager} (closed
     * with the batch).
     *
     * @param manager the parent manager (its device is the batch's)
     * @param indices the examples, in batch order
     * @param maskStep the step whose masks to draw
     * @return the batch; data and labels as in the class comment
     */
    public Batch batch(NDManager manager, List<Long> indices, long maskStep) {
        return toBatch(manager, mask(indices, maskStep), indices, maskStep);
    }

    /** Assembles and masks a batch on the host (no native call: safe on any thread). */
    private MaskedBatch mask(List<Long> indices, long maskStep) {
        int length = examples.maxLength();
        int size = indices.size();
        long[] ids = new long[size * length];
        long[] attention = new long[size * length];
        long[] row = new long[length]; // fill() pads it
        for (int i = 0; i < size; i++) {
            int real = examples.fill(indices.get(i), row);
            System.arraycopy(row, 0, ids, i * length, length);
            Arrays.fill(attention, i * length, i * length + real, 1L);
        }
        return masker.mask(ids, attention, size, length, maskStep);
    }

    /**
     * The batch's only host-to-device copy: its four arrays, created in a sub-manager of {@code
     * manager}.
     */
    private Batch toBatch(
            NDManager manager, MaskedBatch masked, List<Long> indices, long maskStep) {
        NDManager batchManager = manager.newSubManager();
        NDList data = masked.toNDList(batchManager);
        NDList labels = new NDList(data.get(2), data.get(3));
        return new Batch(
                batchManager,
                data,
                labels,
                indices.size(),
                Batchifier.STACK,
                Batchifier.STACK,
                maskStep,
                size(),
                indices);
    }

    /**
     * Masked batches in the sampler's order, prefetched on {@code executor} when given.
     *
     * @param sampler a {@link StepSampler} (its first batch index is the first mask step)
     */
    @Override
    public Iterable<Batch> getData(NDManager manager, Sampler sampler, ExecutorService executor) {
        if (!(sampler instanceof StepSampler steps)) {
            throw new IllegalArgumentException(
                    "PretrainingDataset samples with a StepSampler, got " + sampler);
        }
        return () ->
                new Batches(
                        manager, steps.sample(this), steps.firstBatch(), executor, prefetchNumber);
    }

    @Override
    protected long availableSize() {
        return examples.size();
    }

    @Override
    public void prepare(Progress progress) {
        // Examples are packed before the dataset is built.
    }

    /**
     * @return the packed examples
     */
    public PackedExamples examples() {
        return examples;
    }

    /**
     * @return the masker of the batches
     */
    public Masker masker() {
        return masker;
    }

    /**
     * Batches of successive mask steps. With an executor, the host work of the next batches
     * (assembly and masking, pure Java) runs ahead on its threads; the arrays are created on the
     * consuming thread, so no native call ever runs off the training thread.
     */
    private final class Batches implements Iterator<Batch> {
        private final NDManager manager;
        private final Iterator<List<Long>> indices;
        private final ExecutorService executor;
        private final Queue<Pending> queue = new ArrayDeque<>();
        private long nextStep;

        private record Pending(List<Long> indices, long step, Future<MaskedBatch> masked) {}

        Batches(
                NDManager manager,
                Iterator<List<Long>> indices,
                long firstStep,
                ExecutorService executor,
                int prefetch) {
            this.manager = manager;
            this.indices = indices;
            this.nextStep = firstStep;
            this.executor = executor;
            for (int i = 0; executor != null && i < Math.max(1, prefetch); i++) {
                submit();
            }
        }

        private void submit() {
            if (indices.hasNext()) {
                List<Long> batch = indices.next();
                long step = nextStep++;
                queue.add(new Pending(batch, step, executor.submit(() -> mask(batch, step))));
            }
        }

        @Override
        public boolean hasNext() {
            return executor == null ? indices.hasNext() : !queue.isEmpty();
        }

        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            if (executor == null) {
                return batch(manager, indices.next(), nextStep++);
            }
            submit();
            Pending p = queue.remove();
            try {
                return toBatch(manager, p.masked().get(), p.indices(), p.step());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while loading a batch", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("loading a batch failed", e.getCause());
            }
        }
    }

    /** Builds a {@link PretrainingDataset}. */
    public static final class Builder extends BaseBuilder<Builder> {

        private PackedExamples examples;
        private TokenCorpus corpus;
        private int sequenceLength;
        private SpecialTokens special;
        private long packSeed;
        private Masker masker;

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
         * Packs a corpus with {@link ExamplePacker} when the dataset is built and uses the result.
         *
         * @param corpus the tokenized corpus
         * @param sequenceLength S, {@code [CLS]} and {@code [SEP]}s included
         * @param special the tokenizer's special tokens
         * @param seed the seed of packing
         * @return this builder
         */
        public Builder setCorpus(
                TokenCorpus corpus, int sequenceLength, SpecialTokens special, long seed) {
            this.corpus = corpus;
            this.sequenceLength = sequenceLength;
            this.special = special;
            this.packSeed = seed;
            this.examples = null;
            return this;
        }

        /**
         * Sets the masking of every batch.
         *
         * @param masker the run's masker
         * @return this builder
         */
        public Builder setMasker(Masker masker) {
            this.masker = masker;
            return this;
        }

        /**
         * Builds the dataset.
         *
         * @return the dataset
         */
        public PretrainingDataset build() {
            if (corpus != null) {
                examples = new ExamplePacker(sequenceLength, special).pack(corpus, packSeed);
            }
            Objects.requireNonNull(examples, "set the examples (setExamples or setCorpus)");
            Objects.requireNonNull(masker, "set the masker");
            return new PretrainingDataset(this);
        }
    }
}
