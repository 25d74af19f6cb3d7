package dev.amos.train.data;

import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Sampler;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * Visits a dataset in a shuffled order that is a pure function of {@code (seed, epoch)}: each call
 * of {@link #sample} starts the next epoch (0 at first) with a fresh Fisher-Yates permutation.
 * Unlike DJL's {@code RandomSampler} (global, unseeded random), runs with the same seed see the
 * same order. The one seeded shuffle of the project: pretraining batches ({@link StepSampler} takes
 * its permutations) and GLUE fine-tuning epochs ({@code GlueDataset}).
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
        SplittableRandom random = new SplittableRandom(Seeds.shuffle(seed, epoch));
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
