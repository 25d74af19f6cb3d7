package dev.amos.train.data;

import java.util.Arrays;

/**
 * Pretraining examples {@code [CLS] A [SEP]} or {@code [CLS] A [SEP] B [SEP]} of at most {@code
 * maxLength} ids, stored as spans into a {@link TokenCorpus} (a few bytes per example instead of a
 * copy of the tokens). Built by {@link ExamplePacker}.
 */
public final class PackedExamples {

    private final TokenCorpus corpus;
    private final int maxLength;
    private final SpecialTokens special;
    private long[] spanStarts = new long[1024];
    private int[] spanLengths = new int[1024];
    private int spanCount;
    private int[] firstSpan = new int[1025];
    private int[] secondSegmentSpan = new int[1024];
    private int[] lengths = new int[1024];
    private int size;

    PackedExamples(TokenCorpus corpus, int maxLength, SpecialTokens special) {
        this.corpus = corpus;
        this.maxLength = maxLength;
        this.special = special;
    }

    /** Starts a new example; its spans follow with {@link #addSpan}. */
    void beginExample() {
        if (size + 1 >= secondSegmentSpan.length) {
            int capacity = secondSegmentSpan.length * 2;
            firstSpan = Arrays.copyOf(firstSpan, capacity + 1);
            secondSegmentSpan = Arrays.copyOf(secondSegmentSpan, capacity);
            lengths = Arrays.copyOf(lengths, capacity);
        }
        firstSpan[size] = spanCount;
        secondSegmentSpan[size] = -1;
    }

    /** Marks that the following spans belong to segment B. */
    void beginSecondSegment() {
        secondSegmentSpan[size] = spanCount;
    }

    void addSpan(long start, int length) {
        if (length <= 0) {
            return;
        }
        if (spanCount == spanStarts.length) {
            spanStarts = Arrays.copyOf(spanStarts, spanCount * 2);
            spanLengths = Arrays.copyOf(spanLengths, spanCount * 2);
        }
        spanStarts[spanCount] = start;
        spanLengths[spanCount] = length;
        spanCount++;
    }

    /** Ends the example started last. */
    void endExample() {
        int end = spanCount;
        int second =
                secondSegmentSpan[size] < 0 || secondSegmentSpan[size] == end
                        ? end
                        : secondSegmentSpan[size];
        secondSegmentSpan[size] = second;
        int length = 2;
        for (int s = firstSpan[size]; s < end; s++) {
            length += spanLengths[s];
        }
        if (second < end) {
            length++;
        }
        if (length > maxLength) {
            throw new IllegalStateException(
                    "packed example of " + length + " > " + maxLength + " ids");
        }
        lengths[size] = length;
        size++;
        firstSpan[size] = spanCount;
    }

    /**
     * @return the number of examples
     */
    public long size() {
        return size;
    }

    /**
     * @return the longest possible example, {@code [CLS]} and {@code [SEP]}s included
     */
    public int maxLength() {
        return maxLength;
    }

    /**
     * @return the special tokens used for {@code [CLS]}, {@code [SEP]} and {@code [PAD]}
     */
    public SpecialTokens specialTokens() {
        return special;
    }

    /**
     * @return the corpus the examples point into
     */
    public TokenCorpus corpus() {
        return corpus;
    }

    /**
     * The number of ids of an example, {@code [CLS]} and {@code [SEP]}s included.
     *
     * @param index the example
     * @return its length, at most {@link #maxLength()}
     */
    public int length(long index) {
        return lengths[Math.toIntExact(index)];
    }

    /**
     * Writes an example's ids, padded with {@code [PAD]} to {@code ids.length}.
     *
     * @param index the example
     * @param ids the target, at least {@link #length(long)} long
     * @return the number of real (non-padding) ids written
     */
    public int fill(long index, long[] ids) {
        int example = Math.toIntExact(index);
        int end = firstSpan[example + 1];
        int second = secondSegmentSpan[example];
        int position = 0;
        ids[position++] = special.cls();
        for (int s = firstSpan[example]; s < end; s++) {
            if (s == second) {
                ids[position++] = special.sep();
            }
            corpus.copyTokens(spanStarts[s], spanLengths[s], ids, position);
            position += spanLengths[s];
        }
        ids[position++] = special.sep();
        Arrays.fill(ids, position, ids.length, special.pad());
        return position;
    }

    /**
     * An example's ids without padding.
     *
     * @param index the example
     * @return its ids
     */
    public long[] ids(long index) {
        long[] ids = new long[length(index)];
        fill(index, ids);
        return ids;
    }
}
