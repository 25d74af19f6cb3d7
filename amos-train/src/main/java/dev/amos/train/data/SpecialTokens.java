package dev.amos.train.data;

import java.util.List;

/**
 * The ids of a BERT-style WordPiece vocabulary's special tokens, read from the tokenizer (never
 * hard-coded), and the vocabulary size.
 *
 * <p>For the shipped BERT uncased vocabulary: {@code [PAD]=0, [UNK]=100, [CLS]=101, [SEP]=102,
 * [MASK]=103}, 30522 ids.
 *
 * @param pad the padding id, {@code [PAD]}
 * @param unk the unknown-word id, {@code [UNK]}
 * @param cls the sequence-start id, {@code [CLS]}
 * @param sep the segment-end id, {@code [SEP]}
 * @param mask the masking id, {@code [MASK]}
 * @param vocabSize the number of token ids (largest id + 1)
 * @param specialIds every id the tokenizer marks as special (including the five above), sorted
 */
public record SpecialTokens(
        int pad, int unk, int cls, int sep, int mask, int vocabSize, List<Integer> specialIds) {

    /** Validates the ids and freezes {@code specialIds}. */
    public SpecialTokens {
        specialIds = List.copyOf(specialIds.stream().sorted().distinct().toList());
        for (int id : new int[] {pad, unk, cls, sep, mask}) {
            if (id < 0 || id >= vocabSize) {
                throw new IllegalArgumentException(
                        "special token id "
                                + id
                                + " outside the vocabulary [0, "
                                + vocabSize
                                + ")");
            }
        }
    }

    /**
     * Whether {@code id} is one of the tokenizer's special tokens.
     *
     * @param id a token id
     * @return true for {@code [PAD]}, {@code [UNK]}, {@code [CLS]}, {@code [SEP]}, {@code [MASK]}
     *     and any other id the tokenizer marks special
     */
    public boolean isSpecial(long id) {
        return id == pad
                || id == unk
                || id == cls
                || id == sep
                || id == mask
                || (id >= 0 && id <= Integer.MAX_VALUE && specialIds.contains((int) id));
    }
}
