package dev.amos.train.tokenizer;

import java.util.Locale;

/**
 * How well a vocabulary covers a text: tokens per word and the share of {@code [UNK]}. A word is a
 * word of {@link BertPreTokenizer} (a punctuation character is a word of its own), so the figures
 * of different vocabularies on the same text share one denominator.
 *
 * @param words words of the text
 * @param tokens tokens the vocabulary made of them (special tokens not added)
 * @param unknownTokens of those, {@code [UNK]}
 */
public record TokenizerQuality(long words, long tokens, long unknownTokens) {

    /**
     * @return tokens per word (0 for no words)
     */
    public double tokensPerWord() {
        return words == 0 ? 0 : (double) tokens / words;
    }

    /**
     * @return the share of tokens that are {@code [UNK]} (0 for no tokens)
     */
    public double unknownShare() {
        return tokens == 0 ? 0 : (double) unknownTokens / tokens;
    }

    /**
     * The sum of two measurements.
     *
     * @param other another measurement
     * @return both together
     */
    public TokenizerQuality plus(TokenizerQuality other) {
        return new TokenizerQuality(
                words + other.words, tokens + other.tokens, unknownTokens + other.unknownTokens);
    }

    /**
     * @return e.g. {@code 1.0900 tokens/word, [UNK] 0.0162% of tokens (1946304 words, 2121456
     *     tokens)}
     */
    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "%.4f tokens/word, [UNK] %.4f%% of tokens (%d words, %d tokens)",
                tokensPerWord(),
                100 * unknownShare(),
                words,
                tokens);
    }
}
