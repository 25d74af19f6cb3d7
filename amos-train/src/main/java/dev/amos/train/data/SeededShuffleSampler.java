package dev.amos.train.data;

import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Sampler;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * Visits a dataset in a shuffled order that is a pure function of {@code (seed, epoch)}: each call
 * of {@link #sample} starts the next epoch (from {@link #setEpoch}, 0 at first) with a fresh
 * Fisher-Yates permutation. Unlike DJL's {@code RandomSampler} (global, unseeded random), a run
 * resumed at epoch {@code e} sees the same order as the uninterrupted run.
 */
public final class SeededShuffleSampler implements Sampler.SubSampler {

    private final long seed;
    private long epoch;

    /**
     * A sampler.
     *
     * @param seed the run's seed
     */
    public SeededShuffleSampler(long seed) {
        this.seed = seed;
    }

    /**
     * Sets the epoch the next {@link #sample} call will use (for resuming).
     *
     * @param epoch the epoch, 0-based
     */
    public synchronized void setEpoch(long epoch) {
        this.epoch = epoch;
    }

    /** @return the epoch the next {@link #sample} call will use */
    public synchronized long epoch() {
        return epoch;
    }

    /**
     * The visiting order of one epoch.
     *
     * @param size the dataset size
     * @param epoch the epoch
     * @return a permutation of {@code 0 .. size - 1}
     */
    public long[] permutation(long size, long epoch) {
        long[] order = new long[Math.toIntExact(size)];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(Masker.streamSeed(seed ^ 0x5DEECE66DL, epoch));
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            long swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }

    @Override
    public Iterator<Long> sample(RandomAccessDataset dataset) {
        long current;
        synchronized (this) {
            current = epoch++;
        }
        long[] order = permutation(dataset.size(), current);
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < order.length;
            }

            @Override
            public Long next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return order[next++];
            }
        };
    }
}
