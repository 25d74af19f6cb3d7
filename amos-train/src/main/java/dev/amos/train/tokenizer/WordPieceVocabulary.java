package dev.amos.train.tokenizer;

import dev.amos.train.data.BertVocabTokenizerJson;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * A WordPiece vocabulary (token list, id = position) with its casing, the segmentation the Hugging
 * Face WordPiece model applies to it, and its {@code tokenizer.json}.
 *
 * <p>Segmentation, per word of {@link BertPreTokenizer}: a word of more than {@value
 * #MAX_INPUT_CHARS_PER_WORD} characters is {@code [UNK]}; otherwise the longest vocabulary entry
 * that starts the word is taken, then the longest {@code ##}-prefixed entry that starts the rest,
 * and so on; a word with a rest that no entry starts is one {@code [UNK]} as a whole.
 */
public final class WordPieceVocabulary {

    /** The prefix of a piece that continues a word. */
    public static final String CONTINUATION = "##";

    /** Longer words (in code points) are {@code [UNK]}, as in BERT. */
    public static final int MAX_INPUT_CHARS_PER_WORD = 100;

    private final List<String> tokens;
    private final Map<String, Integer> ids;
    private final boolean lowercase;
    private final int unk;

    /**
     * A vocabulary.
     *
     * @param tokens the tokens; id = position; must hold {@code [UNK]}, no duplicates
     * @param lowercase whether the text is lower-cased and accent-stripped before segmentation
     */
    public WordPieceVocabulary(List<String> tokens, boolean lowercase) {
        this.tokens = List.copyOf(tokens);
        this.ids = new HashMap<>(tokens.size() * 2);
        for (int id = 0; id < tokens.size(); id++) {
            if (ids.put(tokens.get(id), id) != null) {
                throw new IllegalArgumentException("duplicate token " + tokens.get(id));
            }
        }
        Integer unkId = ids.get("[UNK]");
        if (unkId == null) {
            throw new IllegalArgumentException("no [UNK] token");
        }
        this.unk = unkId;
        this.lowercase = lowercase;
    }

    /**
     * @return the tokens, id = position
     */
    public List<String> tokens() {
        return tokens;
    }

    /**
     * @return the number of tokens
     */
    public int size() {
        return tokens.size();
    }

    /**
     * @return whether text is lower-cased and accent-stripped
     */
    public boolean lowercase() {
        return lowercase;
    }

    /**
     * @return the id of {@code token}, or -1
     */
    public int id(String token) {
        Integer id = ids.get(token);
        return id == null ? -1 : id;
    }

    /**
     * @return the id of {@code [UNK]}
     */
    public int unknownId() {
        return unk;
    }

    /**
     * Segments one word (already normalized and pre-tokenized).
     *
     * @param word the word
     * @param ids receives the ids of its pieces
     */
    public void segmentWord(String word, IntConsumer ids) {
        if (word.codePointCount(0, word.length()) > MAX_INPUT_CHARS_PER_WORD) {
            ids.accept(unk);
            return;
        }
        int[] pieces = new int[word.length()];
        int count = 0;
        int start = 0;
        while (start < word.length()) {
            int end = word.length();
            int found = -1;
            while (start < end) {
                String piece =
                        start > 0
                                ? CONTINUATION + word.substring(start, end)
                                : word.substring(start, end);
                Integer id = this.ids.get(piece);
                if (id != null) {
                    found = id;
                    break;
                }
                end = word.offsetByCodePoints(end, -1);
            }
            if (found < 0) {
                ids.accept(unk);
                return;
            }
            pieces[count++] = found;
            start = end;
        }
        for (int i = 0; i < count; i++) {
            ids.accept(pieces[i]);
        }
    }

    /**
     * Tokenizes a text as the loaded {@code tokenizer.json} does (without special tokens).
     *
     * @param text raw text
     * @return the token ids
     */
    public int[] encode(String text) {
        List<Integer> out = new ArrayList<>();
        new BertPreTokenizer(lowercase).forEachWord(text, word -> segmentWord(word, out::add));
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * @return the Hugging Face {@code tokenizer.json} of this vocabulary (BERT pipeline, WordPiece
     *     model)
     */
    public String tokenizerJson() {
        return BertVocabTokenizerJson.fromTokens(tokens, lowercase);
    }
}
