package dev.amos.spark;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * Streams a partition through a model in batches: pulls up to {@code batchSize} input rows, maps
 * the whole batch at once, then hands out the results one by one. Only one batch of rows is held at
 * a time, so a partition of any size runs in constant memory.
 *
 * @param <I> input row type
 * @param <O> output row type
 */
final class BatchingIterator<I, O> implements Iterator<O> {

    private final Iterator<I> input;
    private final int batchSize;
    private final Function<List<I>, List<O>> mapBatch;
    private Iterator<O> current = List.<O>of().iterator();

    BatchingIterator(Iterator<I> input, int batchSize, Function<List<I>, List<O>> mapBatch) {
        this.input = input;
        this.batchSize = batchSize;
        this.mapBatch = mapBatch;
    }

    @Override
    public boolean hasNext() {
        if (current.hasNext()) {
            return true;
        }
        if (!input.hasNext()) {
            return false;
        }
        List<I> batch = new ArrayList<>(batchSize);
        while (batch.size() < batchSize && input.hasNext()) {
            batch.add(input.next());
        }
        current = mapBatch.apply(batch).iterator();
        return current.hasNext();
    }

    @Override
    public O next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return current.next();
    }
}
