package dev.amos.train.tokenizer;

import dev.amos.train.data.CorpusTokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Measures a tokenizer on held-out text ({@link TokenizerQuality}), streaming the corpus in batches
 * of lines. The words are counted by a cased {@link BertPreTokenizer} whatever the tokenizer, so
 * that every tokenizer is measured against the same number of words.
 */
public final class TokenizerEvaluation {

    private static final int BATCH_LINES = 2048;

    /** Turns lines into token ids (without special tokens). */
    public interface LineEncoder {
        /**
         * @return the id of {@code [UNK]}
         */
        long unknownId();

        /**
         * Encodes lines.
         *
         * @param lines the texts; only the first {@code count} are encoded
         * @param count how many
         * @return one id array per line
         */
        long[][] encode(String[] lines, int count);
    }

    private TokenizerEvaluation() {}

    /**
     * The Hugging Face tokenizer of a {@code tokenizer.json} or {@code vocab.txt}, as {@code amos
     * train} loads it.
     *
     * @param tokenizer the loaded tokenizer
     * @return its encoder
     */
    public static LineEncoder of(CorpusTokenizer tokenizer) {
        return new LineEncoder() {
            @Override
            public long unknownId() {
                return tokenizer.specialTokens().unk();
            }

            @Override
            public long[][] encode(String[] lines, int count) {
                return tokenizer.encode(lines, count);
            }
        };
    }

    /**
     * The Java segmentation of a vocabulary (what its {@code tokenizer.json} computes, without the
     * native library).
     *
     * @param vocabulary the vocabulary
     * @return its encoder
     */
    public static LineEncoder of(WordPieceVocabulary vocabulary) {
        return new LineEncoder() {
            @Override
            public long unknownId() {
                return vocabulary.unknownId();
            }

            @Override
            public long[][] encode(String[] lines, int count) {
                long[][] ids = new long[count][];
                for (int i = 0; i < count; i++) {
                    ids[i] = Arrays.stream(vocabulary.encode(lines[i])).asLongStream().toArray();
                }
                return ids;
            }
        };
    }

    /**
     * Measures an encoder on a corpus.
     *
     * @param corpus text files, {@code .gz} files and folders
     * @param encoder the tokenizer
     * @param progress where the progress bar goes; null for none
     * @return words, tokens and [UNK] tokens
     * @throws IOException if reading fails
     */
    public static TokenizerQuality evaluate(
            List<Path> corpus, LineEncoder encoder, PrintStream progress) throws IOException {
        BertPreTokenizer words = new BertPreTokenizer(false);
        String[] batch = new String[BATCH_LINES];
        int[] filled = {0};
        long[] sums = new long[3];
        Runnable flush =
                () -> {
                    long[][] ids = encoder.encode(batch, filled[0]);
                    for (long[] line : ids) {
                        sums[1] += line.length;
                        for (long id : line) {
                            if (id == encoder.unknownId()) {
                                sums[2]++;
                            }
                        }
                    }
                    filled[0] = 0;
                };
        CorpusLines.read(
                corpus,
                "evaluate",
                progress,
                line -> {
                    words.forEachWord(line, word -> sums[0]++);
                    batch[filled[0]++] = line;
                    if (filled[0] == BATCH_LINES) {
                        flush.run();
                    }
                });
        flush.run();
        return new TokenizerQuality(sums[0], sums[1], sums[2]);
    }
}
