package dev.amos.eval.glue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The two steps of the released AMOS / COCO-LM tokenizer ({@code AMOSTokenizer} in microsoft/AMOS
 * {@code tokenization_amos.py}) that a HF {@code tokenizer.json} cannot express, applied after it
 * to the tokenizer.json written by {@code amos import}:
 *
 * <ol>
 *   <li>{@code skip_space}: a piece that is a lone {@code ▁} is dropped when it is the text's last
 *       piece or the next piece starts with punctuation ({@code _is_punctuation}: ASCII
 *       non-alphanumerics and Unicode category P);
 *   <li>an unknown span (SentencePiece returns its text, consecutive unknown characters fused) is
 *       looked up in {@code dict.txt}, which may list it; the tokenizer.json keeps such symbols
 *       under an unmatchable name ({@code U+0000} + symbol), so alone it gives them {@code <unk>}.
 * </ol>
 */
public final class AmosPieceRules {

    /** SentencePiece's space marker as a piece of its own. */
    public static final String LONE_SPACE = "\u2581";
    /** Prefix of dictionary symbols that no text matches in the importer's tokenizer.json. */
    public static final String UNMATCHABLE = "\u0000";

    private final Map<String, Long> unknownSpanIds;
    private final long unkId;

    private AmosPieceRules(Map<String, Long> unknownSpanIds, long unkId) {
        this.unknownSpanIds = unknownSpanIds;
        this.unkId = unkId;
    }

    /** The rules of {@code tokenizerJson} if amos import wrote it (a Metaspace tokenizer with fairseq ids). */
    public static Optional<AmosPieceRules> of(Path tokenizerJson) {
        try {
            JsonObject json = JsonParser.parseString(Files.readString(tokenizerJson)).getAsJsonObject();
            JsonElement pre = json.get("pre_tokenizer");
            JsonObject model = json.getAsJsonObject("model");
            if (pre == null || !pre.toString().contains("\"Metaspace\"") || model == null) {
                return Optional.empty();
            }
            Map<String, Long> spans = new HashMap<>();
            long unk = 3;
            if (model.has("vocab") && model.get("vocab").isJsonArray()) { // Unigram: [piece, score] by id
                JsonArray vocab = model.getAsJsonArray("vocab");
                for (int id = 0; id < vocab.size(); id++) {
                    put(spans, vocab.get(id).getAsJsonArray().get(0).getAsString(), id);
                }
                unk = model.has("unk_id") ? model.get("unk_id").getAsLong() : unk;
            } else if (model.has("vocab")) { // BPE: piece -> id
                for (Map.Entry<String, JsonElement> e : model.getAsJsonObject("vocab").entrySet()) {
                    put(spans, e.getKey(), e.getValue().getAsLong());
                }
            }
            return Optional.of(new AmosPieceRules(spans, unk));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static void put(Map<String, Long> spans, String name, long id) {
        if (name.startsWith(UNMATCHABLE) && name.length() > 1) {
            spans.putIfAbsent(name.substring(1), id);
        }
    }

    /** The reference's ids of {@code text}, encoded without special tokens as {@code encoding}. */
    public long[] ids(Encoding encoding, String text) {
        long[] ids = encoding.getIds();
        String[] tokens = encoding.getTokens();
        CharSpan[] spans = encoding.getCharTokenSpans();
        String[] surface = new String[ids.length];
        for (int i = 0; i < ids.length; i++) {
            surface[i] = ids[i] == unkId && spans != null && i < spans.length && spans[i] != null
                    ? text.substring(spans[i].getStart(), spans[i].getEnd()) : tokens[i];
        }
        long[] kept = new long[ids.length];
        int n = 0;
        for (int i = 0; i < ids.length; i++) {
            boolean skip = LONE_SPACE.equals(tokens[i])
                    && (i == ids.length - 1 || !surface[i + 1].isEmpty() && isPunctuation(surface[i + 1].codePointAt(0)));
            if (!skip) {
                kept[n++] = ids[i] == unkId ? unknownSpanIds.getOrDefault(surface[i], unkId) : ids[i];
            }
        }
        return n == ids.length ? kept : Arrays.copyOf(kept, n);
    }

    /**
     * {@code <s> text </s>} as the reference's {@code encode_plus(text, max_length)}: the HF
     * tokenizer without special tokens, these rules, then the cut to {@code maxLength - 2}.
     */
    public long[] single(HuggingFaceTokenizer tokenizer, String text, int maxLength) {
        long[] specials = tokenizer.encode("", true).getIds();
        long[] pieces = ids(tokenizer.encode(text, false), text);
        int kept = Math.max(0, Math.min(pieces.length, maxLength - specials.length));
        long[] out = new long[kept + specials.length];
        out[0] = specials[0];
        System.arraycopy(pieces, 0, out, 1, kept);
        System.arraycopy(specials, 1, out, kept + 1, specials.length - 1);
        return out;
    }

    /** The reference's {@code _is_punctuation}. */
    public static boolean isPunctuation(int cp) {
        if (cp >= 33 && cp <= 47 || cp >= 58 && cp <= 64 || cp >= 91 && cp <= 96 || cp >= 123 && cp <= 126) {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                    Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }
}
