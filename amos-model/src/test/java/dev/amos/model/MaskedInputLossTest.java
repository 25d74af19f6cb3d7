package dev.amos.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/**
 * The MLM loss split by what the input holds at a masked position, on logits built by hand: a
 * "copy" model that predicts a kept (or randomized) position's original perfectly and knows nothing
 * at a {@code [MASK]} (uniform over the 8 words). Its loss at {@code [MASK]} is ln 8 and at the
 * other positions 0, whatever their share; the loss over all positions mixes the two.
 */
class MaskedInputLossTest {

    private static final int MASK = 3;
    private static final int FIRST_WORD = 4;
    private static final int WORDS = 8;
    private static final int VOCAB = FIRST_WORD + WORDS;

    /**
     * Logits (M, V): uniform over the words where the input is [MASK], a spike on the original
     * elsewhere.
     */
    private static NDArray copyModel(NDManager m, long[] input, long[] original, long[] positions) {
        float[] logits = new float[positions.length * VOCAB];
        for (int i = 0; i < positions.length; i++) {
            int p = (int) positions[i];
            for (int v = 0; v < VOCAB; v++) {
                boolean word = v >= FIRST_WORD;
                logits[i * VOCAB + v] =
                        input[p] == MASK ? (word ? 0f : -1e4f) : (v == original[p] ? 40f : -1e4f);
            }
        }
        return m.create(logits, new Shape(positions.length, VOCAB));
    }

    private static PretrainOutput.Losses losses(
            NDManager m, NDList batch, long[] input, long[] original, long[] positions) {
        NDArray labels = batch.get(2).flatten().get(batch.get(3));
        PretrainOutput out =
                new PretrainOutput(
                        copyModel(m, input, original, positions),
                        labels,
                        null,
                        null,
                        batch.get(1),
                        null,
                        null);
        return out.losses(50f);
    }

    private static NDList batch(NDManager m, long[] input, long[] original, long[] positions) {
        Shape s = new Shape(2, input.length / 2);
        long[] attention = new long[input.length];
        java.util.Arrays.fill(attention, 1);
        return new NDList(
                m.create(input, s),
                m.create(attention, s),
                m.create(original, s),
                m.create(positions));
    }

    @Test
    void atMaskPositionsTheCopyModelIsAtTheUnigramLossAndElsewhereAtZero() {
        // two sequences of 6: [CLS] w w w w [SEP]; selected: 1, 2, 4 | 7, 9, 10; position 2 kept, 9
        // randomized
        long[] original = {1, 4, 5, 6, 7, 2, 1, 8, 9, 10, 11, 2};
        long[] input = {1, MASK, 5, 6, MASK, 2, 1, MASK, 9, 4, MASK, 2};
        long[] positions = {1, 2, 4, 7, 9, 10};
        try (NDManager m = NDManager.newBaseManager()) {
            NDList batch = batch(m, input, original, positions);
            PretrainOutput.Losses terms = losses(m, batch, input, original, positions);
            NDArray atMask = PretrainOutput.maskedInputIs(batch, MASK);
            assertArrayEquals(new float[] {1, 0, 1, 1, 0, 1}, atMask.toFloatArray());
            double unigram = Math.log(WORDS);
            assertEquals(
                    unigram,
                    terms.mlmWhere(atMask).get(0).getFloat(),
                    1e-5,
                    "at [MASK]: nothing known");
            assertEquals(
                    0,
                    terms.mlmWhere(atMask.onesLike().sub(atMask)).get(0).getFloat(),
                    1e-5,
                    "kept and random: copied");
            assertEquals(
                    4 * unigram / 6,
                    terms.mlm().get(0).getFloat(),
                    1e-5,
                    "all selected: 4 of 6 at the unigram loss");
        }
    }

    @Test
    void whenEverySelectedPositionHoldsMaskTheLossAtMaskIsTheMlmLossExactly() {
        long[] original = {1, 4, 5, 6, 7, 2, 1, 8, 9, 10, 11, 2};
        long[] input = {1, MASK, MASK, 6, MASK, 2, 1, MASK, 9, MASK, MASK, 2};
        long[] positions = {1, 2, 4, 7, 9, 10};
        try (NDManager m = NDManager.newBaseManager()) {
            NDList batch = batch(m, input, original, positions);
            PretrainOutput.Losses terms = losses(m, batch, input, original, positions);
            // logits that do not make every position alike, so a sum over another set would differ
            NDArray noisy = m.randomNormal(new Shape(positions.length, VOCAB));
            PretrainOutput out =
                    new PretrainOutput(
                            noisy,
                            batch.get(2).flatten().get(batch.get(3)),
                            null,
                            null,
                            batch.get(1),
                            null,
                            null);
            PretrainOutput.Losses noisyTerms = out.losses(50f);
            NDArray atMask = PretrainOutput.maskedInputIs(batch, MASK);
            assertEquals(
                    terms.mlm().get(0).getFloat(), terms.mlmWhere(atMask).get(0).getFloat(), 0f);
            assertEquals(
                    noisyTerms.mlm().get(0).getFloat(),
                    noisyTerms.mlmWhere(atMask).get(0).getFloat(),
                    0f);
        }
    }
}
