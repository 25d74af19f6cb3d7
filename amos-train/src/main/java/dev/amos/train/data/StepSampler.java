package dev.amos.train.data;

import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Sampler;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A DJL batch sampler whose batch for step t is a pure function of (seed, t): epochs are seeded
 * permutations, batch t takes the next {@code batchSize} indices of epoch {@code t /
 * batchesPerEpoch}. A resumed run starts at its step and sees exactly the batches the uninterrupted
 * run would have.
 */
public final class StepSampler implements Sampler {

    private final SeededShuffleSampler permutations;
    private final int batchSize;
    private final long firstBatch;
    private final long lastBatch;

    /**
     * @param seed the run's seed
     * @param batchSize sequences per batch
     * @param firstBatch index of the first batch to produce (0-based)
     * @param lastBatch index after the last batch to produce
     */
    public StepSampler(long seed, int batchSize, long firstBatch, long lastBatch) {
        this.permutations = new SeededShuffleSampler(seed);
        this.batchSize = batchSize;
        this.firstBatch = firstBatch;
        this.lastBatch = lastBatch;
    }

    @Override
    public Iterator<List<Long>> sample(RandomAccessDataset dataset) {
        long size = dataset.size();
        long perEpoch = size / batchSize;
        if (perEpoch == 0) {
            throw new IllegalArgumentException(
                    "the corpus gives "
                            + size
                            + " sequences, fewer than one batch of "
                            + batchSize);
        }
        return new Iterator<>() {
            private long next = firstBatch;
            private long epoch = -1;
            private long[] order;

            @Override
            public boolean hasNext() {
                return next < lastBatch;
            }

            @Override
            public List<Long> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                long e = next / perEpoch;
                if (e != epoch) {
                    order = permutations.permutation(size, e);
                    epoch = e;
                }
                int start = (int) ((next % perEpoch) * batchSize);
                List<Long> batch = new ArrayList<>(batchSize);
                for (int i = 0; i < batchSize; i++) {
                    batch.add(order[start + i]);
                }
                next++;
                return batch;
            }
        };
    }

    /**
     * @return the index of the first batch produced (the mask step of that batch)
     */
    public long firstBatch() {
        return firstBatch;
    }

    @Override
    public int getBatchSize() {
        return batchSize;
    }
}
