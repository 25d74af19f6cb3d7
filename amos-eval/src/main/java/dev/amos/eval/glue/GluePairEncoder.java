package dev.amos.eval.glue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.amos.model.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Turns a {@link GlueExample} into encoder input, BERT style: {@code [CLS] a [SEP] b [SEP]} for
 * pairs, {@code [CLS] a [SEP]} for single sentences (the separator between a pair's texts is
 * whatever the tokenizer's pair template puts there: {@code </s></s>} for imported AMOS / COCO-LM),
 * cut to {@code maxLength} tokens with the longest-first rule of the HF tokenizers library (trim
 * the longer sequence; when both must be cut each gets half, the longer, or else the second, one
 * token more). No token type ids are produced: the AMOS encoder has no segment embeddings (Devlin
 * et al. 2019, <a href="https://arxiv.org/abs/1810.04805">arXiv:1810.04805</a>, §3 for the input
 * layout).
 *
 * <p>The WordPiece tokenizer is loaded only from a local {@code tokenizer.json}; the ids of {@code
 * [CLS]}/{@code [SEP]} come from its post-processor template. Instances are thread-safe (the native
 * tokenizer is) and must be closed.
 */
public final class GluePairEncoder implements AutoCloseable {

    /** Texts tokenized per native batch call. */
    private static final int BATCH = 2048;

    private final HuggingFaceTokenizer tokenizer;
    private final int maxLength;
    private final long clsId;
    private final long sepId;

    /**
     * The ids between the two texts of a pair: [SEP] (BERT) or {@code </s></s>} (AMOS / COCO-LM /
     * RoBERTa).
     */
    private final long[] pairSeparator;

    /** The AMOS reference's steps after SentencePiece, for an imported tokenizer; else null. */
    private final AmosPieceRules pieceRules;

    private GluePairEncoder(
            HuggingFaceTokenizer tokenizer, int maxLength, AmosPieceRules pieceRules) {
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
        this.pieceRules = pieceRules;
        long[] specials = tokenizer.encode("", true).getIds();
        if (specials.length != 2) {
            tokenizer.close();
            throw new IllegalStateException(
                    "the tokenizer's template adds "
                            + specials.length
                            + " tokens to a single sentence, expected [CLS] and [SEP]");
        }
        this.clsId = specials[0];
        this.sepId = specials[1];
        long[] pair = tokenizer.encode("", "", true).getIds();
        this.pairSeparator =
                pair.length >= 3
                        ? Arrays.copyOfRange(pair, 1, pair.length - 1)
                        : new long[] {sepId};
    }

    /**
     * Loads the tokenizer from a local {@code tokenizer.json} (never from the hub).
     *
     * @param maxLength the most tokens per encoded example, special tokens included (at least 3)
     * @throws BadInputException if the file is missing or not a tokenizer
     */
    public static GluePairEncoder load(Path tokenizerJson, int maxLength) throws IOException {
        if (maxLength < 3) {
            throw new BadInputException(
                    "max length " + maxLength + " is too small (expected at least 3)");
        }
        if (!Files.isRegularFile(tokenizerJson)) {
            throw BadInputException.of(
                    tokenizerJson, "no such file (expected a HF tokenizer.json)");
        }
        HuggingFaceTokenizer tokenizer;
        try {
            tokenizer =
                    HuggingFaceTokenizer.newInstance(
                            tokenizerJson,
                            Map.of(
                                    "addSpecialTokens",
                                    "false",
                                    "truncation",
                                    "false",
                                    "padding",
                                    "false"));
        } catch (RuntimeException e) {
            throw new BadInputException(
                    tokenizerJson + ": not a HF tokenizer.json (" + e.getMessage() + ")", e);
        }
        return new GluePairEncoder(
                tokenizer, maxLength, AmosPieceRules.of(tokenizerJson).orElse(null));
    }

    /** The most tokens per encoded example, special tokens included. */
    public int maxLength() {
        return maxLength;
    }

    /** The id of {@code [CLS]}. */
    public long clsId() {
        return clsId;
    }

    /** The id of {@code [SEP]}. */
    public long sepId() {
        return sepId;
    }

    /** The input ids of one example. */
    public long[] inputIds(GlueExample example) {
        long[] a = ids(tokenizer.encode(example.textA(), false), example.textA());
        long[] b =
                example.isPair()
                        ? ids(tokenizer.encode(example.textB(), false), example.textB())
                        : null;
        return assemble(a, b);
    }

    private long[] ids(Encoding encoding, String text) {
        return pieceRules == null ? encoding.getIds() : pieceRules.ids(encoding, text);
    }

    /** The input ids and attention mask (all ones, unpadded) of one example. */
    public Encoded encode(GlueExample example) {
        long[] ids = inputIds(example);
        long[] mask = new long[ids.length];
        Arrays.fill(mask, 1L);
        return new Encoded(ids, mask);
    }

    /** The input ids of many examples, in order, tokenized in native batches (much faster). */
    public List<long[]> inputIds(List<GlueExample> examples) {
        List<long[]> result = new ArrayList<>(examples.size());
        for (int from = 0; from < examples.size(); from += BATCH) {
            List<GlueExample> chunk =
                    examples.subList(from, Math.min(examples.size(), from + BATCH));
            Encoding[] encodedA =
                    tokenizer.batchEncode(chunk.stream().map(GlueExample::textA).toList(), false);
            List<String> textsB =
                    chunk.stream().filter(GlueExample::isPair).map(GlueExample::textB).toList();
            Encoding[] encodedB =
                    textsB.isEmpty() ? new Encoding[0] : tokenizer.batchEncode(textsB, false);
            int nextB = 0;
            for (int i = 0; i < chunk.size(); i++) {
                long[] b =
                        chunk.get(i).isPair() ? ids(encodedB[nextB++], chunk.get(i).textB()) : null;
                result.add(assemble(ids(encodedA[i], chunk.get(i).textA()), b));
            }
        }
        return result;
    }

    /**
     * {@code [CLS] a [SEP] (b [SEP])}, with a and b cut longest-first to fit {@link #maxLength()}.
     */
    long[] assemble(long[] a, long[] b) {
        int specials = b == null ? 2 : 2 + pairSeparator.length;
        int[] lengths = longestFirst(a.length, b == null ? 0 : b.length, maxLength - specials);
        long[] ids = new long[lengths[0] + lengths[1] + specials];
        ids[0] = clsId;
        System.arraycopy(a, 0, ids, 1, lengths[0]);
        if (b == null) {
            ids[lengths[0] + 1] = sepId;
        } else {
            System.arraycopy(pairSeparator, 0, ids, lengths[0] + 1, pairSeparator.length);
            System.arraycopy(b, 0, ids, lengths[0] + 1 + pairSeparator.length, lengths[1]);
            ids[ids.length - 1] = sepId;
        }
        return ids;
    }

    /**
     * The lengths to keep of two token sequences so that they fit {@code budget} tokens, as the HF
     * tokenizers library's {@code longest_first} truncation: untouched if they fit; else only the
     * longer one is cut if the shorter fits in half the budget; else both get half, the longer (or,
     * when equally long, the second) getting the odd token.
     */
    public static int[] longestFirst(int lengthA, int lengthB, int budget) {
        if (lengthA + lengthB <= budget) {
            return new int[] {lengthA, lengthB};
        }
        boolean swap = lengthA > lengthB;
        int shorter = Math.min(lengthA, lengthB);
        int longer = shorter > budget ? shorter : Math.max(shorter, budget - shorter);
        if (shorter + longer > budget) {
            shorter = budget / 2;
            longer = shorter + budget % 2;
        }
        int[] kept = swap ? new int[] {longer, shorter} : new int[] {shorter, longer};
        return new int[] {Math.min(kept[0], lengthA), Math.min(kept[1], lengthB)};
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    /**
     * Encoder input of one example (arrays compare by identity).
     *
     * @param inputIds token ids, {@code [CLS]} first
     * @param attentionMask 1 for every token (0 only appears once padded in a batch)
     */
    public record Encoded(long[] inputIds, long[] attentionMask) {}
}
