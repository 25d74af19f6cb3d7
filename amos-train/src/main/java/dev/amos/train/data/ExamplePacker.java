package dev.amos.train.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Packs a tokenized corpus into pretraining examples exactly as ELECTRA's {@code
 * build_pretraining_dataset.py} {@code ExampleBuilder} does (Clark et al., ICLR 2020,
 * https://github.com/google-research/electra), with lines (paragraphs) as its "sentences":
 *
 * <ul>
 *   <li>Whole lines of ONE document are collected until their token count reaches the target
 *       length; the end of a document flushes what was collected, so no example crosses a document
 *       boundary.
 *   <li>The collected lines are split into segment A and segment B: with probability 0.1 A may take
 *       everything (single-segment example), otherwise A aims at {@code (target - 3) / 2} tokens. A
 *       line goes to A if A is empty, or it keeps A under its target, or (with probability 0.5)
 *       when B is still empty and A is under its target; otherwise it goes to B.
 *   <li>A is cut to {@code maxLength - 2} tokens and B to {@code maxLength - |A| - 3}; the example
 *       is {@code [CLS] A [SEP]}, plus {@code B [SEP]} when B is not empty.
 *   <li>After each example the next target is {@code maxLength}, or with probability 0.05 a uniform
 *       length in {@code [5, maxLength]}.
 * </ul>
 *
 * <p>One deviation, so that long paragraphs are not cut away: a line longer than {@code maxLength -
 * 2} tokens is first split into chunks of {@code ceil(maxLength / 2)} tokens, each treated as a
 * line (two chunks fill one example with only the 3 special-token positions lost).
 *
 * <p>Deterministic: the same corpus, length and seed give the same examples.
 */
public final class ExamplePacker {

    private static final double SINGLE_SEGMENT_PROBABILITY = 0.1;
    private static final double RANDOM_LENGTH_PROBABILITY = 0.05;
    private static final int MIN_RANDOM_LENGTH = 5;
    private static final int SINGLE_SEGMENT_TARGET = 100_000;

    private final int maxLength;
    private final SpecialTokens special;

    /**
     * A packer for examples of at most {@code maxLength} ids.
     *
     * @param maxLength the sequence length, {@code [CLS]} and {@code [SEP]}s included (at least 8)
     * @param special the tokenizer's special tokens
     */
    public ExamplePacker(int maxLength, SpecialTokens special) {
        if (maxLength < 8) {
            throw new IllegalArgumentException(
                    "sequence length must be at least 8, not " + maxLength);
        }
        this.maxLength = maxLength;
        this.special = special;
    }

    /**
     * Packs the whole corpus.
     *
     * @param corpus the tokenized corpus
     * @param seed the seed of the random choices
     * @return the examples, in corpus order
     */
    public PackedExamples pack(TokenCorpus corpus, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        PackedExamples examples = new PackedExamples(corpus, maxLength, special);
        List<long[]> current = new ArrayList<>();
        long currentLength = 0;
        int target = maxLength;
        int chunkLength = (maxLength + 1) / 2;
        for (long document = 0; document < corpus.documentCount(); document++) {
            for (long line = corpus.firstLine(document);
                    line < corpus.firstLine(document + 1);
                    line++) {
                long start = corpus.lineStart(line);
                long end = corpus.lineEnd(line);
                int piece = end - start > maxLength - 2 ? chunkLength : Integer.MAX_VALUE;
                for (long from = start; from < end; from += piece) {
                    int length = (int) Math.min(piece, end - from);
                    current.add(new long[] {from, length});
                    currentLength += length;
                    if (currentLength >= target) {
                        target = emit(current, examples, random, target);
                        currentLength = 0;
                    }
                }
            }
            if (currentLength > 0) {
                target = emit(current, examples, random, target);
                currentLength = 0;
            }
        }
        return examples;
    }

    /** Builds one example from the collected lines; returns the next target length. */
    private int emit(
            List<long[]> sentences, PackedExamples examples, SplittableRandom random, int target) {
        int firstTarget =
                random.nextDouble() < SINGLE_SEGMENT_PROBABILITY
                        ? SINGLE_SEGMENT_TARGET
                        : (target - 3) / 2;
        List<long[]> first = new ArrayList<>();
        List<long[]> second = new ArrayList<>();
        long firstLength = 0;
        long secondLength = 0;
        for (long[] sentence : sentences) {
            if (firstLength == 0
                    || firstLength + sentence[1] < firstTarget
                    || (secondLength == 0
                            && firstLength < firstTarget
                            && random.nextDouble() < 0.5)) {
                first.add(sentence);
                firstLength += sentence[1];
            } else {
                second.add(sentence);
                secondLength += sentence[1];
            }
        }
        int firstKept = (int) Math.min(firstLength, maxLength - 2);
        int secondKept = (int) Math.min(secondLength, Math.max(0, maxLength - firstKept - 3));
        examples.beginExample();
        addTruncated(first, firstKept, examples);
        examples.beginSecondSegment();
        addTruncated(second, secondKept, examples);
        examples.endExample();
        sentences.clear();
        return random.nextDouble() < RANDOM_LENGTH_PROBABILITY
                ? MIN_RANDOM_LENGTH + random.nextInt(maxLength - MIN_RANDOM_LENGTH + 1)
                : maxLength;
    }

    private static void addTruncated(List<long[]> spans, int budget, PackedExamples examples) {
        int left = budget;
        for (long[] span : spans) {
            if (left == 0) {
                return;
            }
            int length = (int) Math.min(span[1], left);
            examples.addSpan(span[0], length);
            left -= length;
        }
    }
}
