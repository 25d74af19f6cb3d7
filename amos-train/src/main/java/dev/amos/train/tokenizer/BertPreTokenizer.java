package dev.amos.train.tokenizer;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The text pipeline in front of a BERT WordPiece model, as the Hugging Face tokenizers library runs
 * it for the {@code BertNormalizer} and {@code BertPreTokenizer} of {@code models/tokenizer.json}:
 * the words a vocabulary is trained on are exactly the words the loaded {@code tokenizer.json}
 * later segments.
 *
 * <p><b>Normalization</b>, in this order: clean text (drop NUL, U+FFFD and every character of
 * category Cc, Cf, Cn, Co or Cs except tab, LF and CR; every white-space character becomes a
 * space), a space on both sides of every CJK ideograph, then, for an uncased tokenizer, accents
 * stripped (NFD, non-spacing marks dropped) and lower case (per code point, full Unicode mapping).
 *
 * <p><b>Pre-tokenization</b>: split at white space (removed) and around every punctuation character
 * (kept as a word of its own): ASCII punctuation ({@code !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~}) and the
 * Unicode categories Pc, Pd, Ps, Pe, Pi, Pf, Po.
 */
public final class BertPreTokenizer {

    private final boolean lowercase;

    /**
     * A pipeline.
     *
     * @param lowercase true for an uncased tokenizer (strip accents and lower-case), false for a
     *     cased one
     */
    public BertPreTokenizer(boolean lowercase) {
        this.lowercase = lowercase;
    }

    /**
     * @return whether text is lower-cased and accent-stripped
     */
    public boolean lowercase() {
        return lowercase;
    }

    /**
     * Normalizes a text as {@code BertNormalizer} does.
     *
     * @param text the raw text
     * @return the normalized text
     */
    public String normalize(String text) {
        if (isPlainAscii(text)) { // the common case, without NFD: printable ASCII and spaces
            return lowercase ? asciiLowerCase(text) : text;
        }
        StringBuilder cleaned = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            if (c == 0 || c == 0xFFFD || isControl(c)) {
                continue;
            }
            if (isWhitespace(c)) {
                cleaned.append(' ');
            } else if (isChineseChar(c)) {
                cleaned.append(' ').appendCodePoint(c).append(' ');
            } else {
                cleaned.appendCodePoint(c);
            }
        }
        if (!lowercase) {
            return cleaned.toString();
        }
        String decomposed = Normalizer.normalize(cleaned, Normalizer.Form.NFD);
        StringBuilder out = new StringBuilder(decomposed.length());
        for (int i = 0; i < decomposed.length(); ) {
            int c = decomposed.codePointAt(i);
            i += Character.charCount(c);
            if (Character.getType(c) == Character.NON_SPACING_MARK) {
                continue;
            }
            if (c == 0x130) { // the one code point whose lower case is two (i + combining dot
                // above)
                out.append("i\u0307");
            } else {
                out.appendCodePoint(Character.toLowerCase(c));
            }
        }
        return out.toString();
    }

    /**
     * Normalizes a text and hands each of its words to {@code word}, in order.
     *
     * @param text the raw text
     * @param word receives every word
     */
    public void forEachWord(String text, Consumer<String> word) {
        String normalized = normalize(text);
        int start = -1;
        for (int i = 0; i < normalized.length(); ) {
            int c = normalized.codePointAt(i);
            int next = i + Character.charCount(c);
            if (isWhitespace(c)) {
                if (start >= 0) {
                    word.accept(normalized.substring(start, i));
                    start = -1;
                }
            } else if (isPunctuation(c)) {
                if (start >= 0) {
                    word.accept(normalized.substring(start, i));
                    start = -1;
                }
                word.accept(normalized.substring(i, next));
            } else if (start < 0) {
                start = i;
            }
            i = next;
        }
        if (start >= 0) {
            word.accept(normalized.substring(start));
        }
    }

    /**
     * The words of a text.
     *
     * @param text the raw text
     * @return its words, normalized, in order
     */
    public List<String> words(String text) {
        List<String> words = new ArrayList<>();
        forEachWord(text, words::add);
        return words;
    }

    private static boolean isPlainAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c > 0x7E) {
                return false;
            }
        }
        return true;
    }

    private static String asciiLowerCase(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                char[] chars = text.toCharArray();
                for (int j = i; j < chars.length; j++) {
                    if (chars[j] >= 'A' && chars[j] <= 'Z') {
                        chars[j] = (char) (chars[j] + ('a' - 'A'));
                    }
                }
                return new String(chars);
            }
        }
        return text;
    }

    /** Rust's {@code char::is_whitespace}: the Unicode White_Space property. */
    static boolean isWhitespace(int c) {
        return switch (c) {
            case 0x09,
                    0x0A,
                    0x0B,
                    0x0C,
                    0x0D,
                    0x20,
                    0x85,
                    0xA0,
                    0x1680,
                    0x2028,
                    0x2029,
                    0x202F,
                    0x205F,
                    0x3000 ->
                    true;
            default -> c >= 0x2000 && c <= 0x200A;
        };
    }

    /** Other (C*) categories, tab, LF and CR excepted. */
    static boolean isControl(int c) {
        if (c == '\t' || c == '\n' || c == '\r') {
            return false;
        }
        int type = Character.getType(c);
        return type == Character.CONTROL
                || type == Character.FORMAT
                || type == Character.UNASSIGNED
                || type == Character.PRIVATE_USE
                || type == Character.SURROGATE;
    }

    /** ASCII punctuation or a Unicode punctuation category (P*). */
    static boolean isPunctuation(int c) {
        if (c < 128) {
            return (c >= 33 && c <= 47)
                    || (c >= 58 && c <= 64)
                    || (c >= 91 && c <= 96)
                    || (c >= 123 && c <= 126);
        }
        int type = Character.getType(c);
        return type == Character.CONNECTOR_PUNCTUATION
                || type == Character.DASH_PUNCTUATION
                || type == Character.START_PUNCTUATION
                || type == Character.END_PUNCTUATION
                || type == Character.INITIAL_QUOTE_PUNCTUATION
                || type == Character.FINAL_QUOTE_PUNCTUATION
                || type == Character.OTHER_PUNCTUATION;
    }

    /** The CJK ideograph blocks BERT puts spaces around. */
    static boolean isChineseChar(int c) {
        return (c >= 0x4E00 && c <= 0x9FFF)
                || (c >= 0x3400 && c <= 0x4DBF)
                || (c >= 0x20000 && c <= 0x2A6DF)
                || (c >= 0x2A700 && c <= 0x2B73F)
                || (c >= 0x2B740 && c <= 0x2B81F)
                || (c >= 0x2B920 && c <= 0x2CEAF)
                || (c >= 0xF900 && c <= 0xFAFF)
                || (c >= 0x2F800 && c <= 0x2FA1F);
    }
}
