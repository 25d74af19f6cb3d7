package dev.amos.eval.glue;

import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Sampler;
import java.util.Iterator;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;

/**
 * A reproducible version of DJL's {@link ai.djl.training.dataset.RandomSampler}: every pass
 * (epoch) over the dataset visits each index once in a Fisher-Yates permutation drawn from
 * {@code (seed, epoch)}, so runs with the same seed see the same order, epoch after epoch, without
 * touching DJL's global random generator.
 */
public final class SeededShuffleSampler implements Sampler.SubSampler {

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private final long seed;
    private final AtomicLong epoch = new AtomicLong();

    public SeededShuffleSampler(long seed) {
        this.seed = seed;
    }

    @Override
    public Iterator<Long> sample(RandomAccessDataset dataset) {
        return LongStream.of(permutation(Math.toIntExact(dataset.size()), epoch.getAndIncrement()))
                .iterator();
    }

    /** The visiting order of {@code size} records in pass {@code epoch} (0-based). */
    public long[] permutation(int size, long epochIndex) {
        SplittableRandom random = new SplittableRandom(seed ^ (epochIndex + 1) * GOLDEN_GAMMA);
        long[] order = LongStream.range(0, size).toArray();
        for (int i = size - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            long swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }
}
