package dev.amos.eval.glue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.BatchSampler;
import ai.djl.training.dataset.DataIterable;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.training.dataset.Sampler;
import ai.djl.translate.TranslateException;
import ai.djl.util.Progress;
import dev.amos.train.data.SeededShuffleSampler;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;

/**
 * GLUE examples as a DJL dataset for fine-tuning and evaluation. Each record's data is {@code
 * NDList(input_ids (S,) int64, attention_mask (S,) int64)} with S the example's own token count
 * ({@link GluePairEncoder}); its label is an int64 scalar label index, or for STS-B a float32
 * scalar score (-1 / NaN for unlabelled test rows). Batches are padded to their longest record by
 * {@link PadToLongestBatchifier}, giving {@code (batch, longest)} arrays and a {@code (batch,)}
 * label, built on the CPU and moved to the device of the manager that iterates them once per batch.
 *
 * <p>All examples are tokenized once when the dataset is built. For training use {@link
 * Builder#setShuffledSampling(int, long)} (reproducible per-epoch shuffle); for evaluation DJL's
 * {@code setSampling(batchSize, false)} keeps file order, so predictions line up with {@link
 * #examples()}.
 */
public final class GlueDataset extends RandomAccessDataset {

    private final GlueTask task;
    private final List<GlueExample> examples;
    private final List<long[]> inputIds;

    private GlueDataset(Builder builder) {
        super(builder);
        this.task = builder.task;
        this.examples = List.copyOf(builder.examples);
        this.inputIds = builder.encoder.inputIds(examples);
    }

    /** A builder; it batches with {@link PadToLongestBatchifier} unless told otherwise. */
    public static Builder builder() {
        return new Builder();
    }

    /** The task of the examples. */
    public GlueTask task() {
        return task;
    }

    /** The examples, in record order. */
    public List<GlueExample> examples() {
        return examples;
    }

    /** The encoded input ids of record {@code index}. */
    public long[] inputIds(int index) {
        return inputIds.get(index).clone();
    }

    /**
     * Builds each batch on the CPU and moves it to {@code manager}'s device once (two or three
     * host-to-device copies per batch). DJL would otherwise build every record on the device
     * ({@code create} of ids and label: uploads) and the batchifier would read them back to pad
     * them: about five host-device syncs per example on a GPU.
     */
    @Override
    public Iterable<Batch> getData(
            NDManager manager, Sampler sampler, ExecutorService executorService)
            throws IOException, TranslateException {
        prepare();
        Device target = device != null ? device : manager.getDevice();
        return new DataIterable(
                this,
                hostManager(manager),
                sampler,
                dataBatchifier,
                labelBatchifier,
                pipeline,
                targetPipeline,
                executorService,
                prefetchNumber,
                Device.cpu().equals(target) ? null : target);
    }

    /** {@code manager} itself on the CPU, else a CPU sub-manager of it (closed with it). */
    static NDManager hostManager(NDManager manager) {
        return Device.cpu().equals(manager.getDevice())
                ? manager
                : manager.newSubManager(Device.cpu());
    }

    @Override
    public Record get(NDManager manager, long index) {
        int row = Math.toIntExact(index);
        long[] ids = inputIds.get(row);
        NDArray idsArray = manager.create(ids);
        idsArray.setName("input_ids");
        NDArray maskArray = manager.ones(new Shape(ids.length), DataType.INT64);
        maskArray.setName("attention_mask");
        GlueExample example = examples.get(row);
        NDArray label =
                task.isRegression()
                        ? manager.create(example.score())
                        : manager.create((long) example.label());
        label.setName(task.isRegression() ? "score" : "label");
        return new Record(new NDList(idsArray, maskArray), new NDList(label));
    }

    @Override
    protected long availableSize() {
        return examples.size();
    }

    /** Nothing to do: the examples are tokenized when the dataset is built. */
    @Override
    public void prepare(Progress progress) {}

    /** Builds a {@link GlueDataset}; task, examples, encoder and sampling are required. */
    public static final class Builder extends RandomAccessDataset.BaseBuilder<Builder> {

        private GlueTask task;
        private List<GlueExample> examples;
        private GluePairEncoder encoder;

        private Builder() {
            dataBatchifier = new PadToLongestBatchifier();
        }

        /** The examples of {@code task} (e.g. from {@link GlueReader}). */
        public Builder setExamples(GlueTask task, List<GlueExample> examples) {
            this.task = task;
            this.examples = examples;
            return this;
        }

        /** The encoder turning examples into token ids (not closed by the dataset). */
        public Builder setEncoder(GluePairEncoder encoder) {
            this.encoder = encoder;
            return this;
        }

        /**
         * Batches of {@code batchSize} in a fresh permutation each epoch, reproducible from {@code
         * seed} ({@link SeededShuffleSampler}); the last batch may be smaller.
         */
        public Builder setShuffledSampling(int batchSize, long seed) {
            return setSampling(new BatchSampler(new SeededShuffleSampler(seed), batchSize, false));
        }

        @Override
        protected Builder self() {
            return this;
        }

        /** Tokenizes all examples and builds the dataset. */
        public GlueDataset build() {
            Objects.requireNonNull(task, "setExamples(task, examples) is required");
            Objects.requireNonNull(encoder, "setEncoder(encoder) is required");
            getSampler();
            return new GlueDataset(this);
        }
    }
}
