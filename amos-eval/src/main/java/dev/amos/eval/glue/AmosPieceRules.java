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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
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

    /** The BPE model's name for an unknown span. */
    static final String UNK = "<unk>";

    /**
     * Score added to a Unigram piece {@code ▁Y} the importer makes for a piece Y starting with
     * punctuation (the lone {@code ▁} and Y as one piece, Y's id): small enough not to change a
     * SentencePiece decision, large enough to beat the two-piece path in HF's float64 Viterbi.
     */
    public static final double LONE_SPACE_ALIAS_BONUS = 1e-6;

    /** SentencePiece's penalty of an unknown character below the lowest piece score. */
    static final float UNK_PENALTY = 10f;

    private final Map<String, Long> unknownSpanIds;
    private final long unkId;

    /**
     * Unigram only: the pieces with their float32 scores and ids, for SentencePiece's own Viterbi.
     */
    private final Map<String, Float> scores;

    private final Map<String, Long> pieceIds;
    private final int longestPiece;
    private final float unkScore;

    private AmosPieceRules(
            Map<String, Long> unknownSpanIds,
            long unkId,
            Map<String, Float> scores,
            Map<String, Long> pieceIds) {
        this.unknownSpanIds = unknownSpanIds;
        this.unkId = unkId;
        this.scores = scores;
        this.pieceIds = pieceIds;
        this.longestPiece = scores.keySet().stream().mapToInt(String::length).max().orElse(1);
        this.unkScore =
                (float) scores.values().stream().mapToDouble(Float::doubleValue).min().orElse(0)
                        - UNK_PENALTY;
    }

    /**
     * The rules of {@code tokenizerJson} if amos import wrote it (a Metaspace tokenizer with
     * fairseq ids).
     */
    public static Optional<AmosPieceRules> of(Path tokenizerJson) {
        try {
            JsonObject json =
                    JsonParser.parseString(Files.readString(tokenizerJson)).getAsJsonObject();
            JsonElement pre = json.get("pre_tokenizer");
            JsonObject model = json.getAsJsonObject("model");
            if (pre == null || !pre.toString().contains("\"Metaspace\"") || model == null) {
                return Optional.empty();
            }
            Map<String, Long> spans = new HashMap<>();
            Map<String, Float> scores = new HashMap<>();
            Map<String, Long> ids = new HashMap<>();
            long unk = 3;
            if (model.has("vocab")
                    && model.get("vocab").isJsonArray()) { // Unigram: [piece, score] by id
                JsonArray vocab = model.getAsJsonArray("vocab");
                Map<String, Double> all = new HashMap<>();
                for (int id = 0; id < vocab.size(); id++) {
                    all.putIfAbsent(
                            vocab.get(id).getAsJsonArray().get(0).getAsString(),
                            vocab.get(id).getAsJsonArray().get(1).getAsDouble());
                }
                for (int id = 0; id < vocab.size(); id++) {
                    String name = vocab.get(id).getAsJsonArray().get(0).getAsString();
                    put(spans, name, id);
                    if (id > 3
                            && !name.startsWith(UNMATCHABLE)
                            && !name.equals("<mask>")
                            && !isLoneSpaceAlias(name, all)) {
                        scores.putIfAbsent(
                                name, (float) (double) all.get(name)); // sp.model's pieces
                        ids.putIfAbsent(name, (long) id);
                    }
                }
                unk = model.has("unk_id") ? model.get("unk_id").getAsLong() : unk;
            } else if (model.has("vocab")) { // BPE: piece -> id
                for (Map.Entry<String, JsonElement> e : model.getAsJsonObject("vocab").entrySet()) {
                    put(spans, e.getKey(), e.getValue().getAsLong());
                }
            }
            return Optional.of(new AmosPieceRules(spans, unk, scores, ids));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * A {@code ▁Y} piece the importer added (see {@link #LONE_SPACE_ALIAS_BONUS}), no sp.model
     * piece.
     */
    private static boolean isLoneSpaceAlias(String name, Map<String, Double> scores) {
        if (!name.startsWith(LONE_SPACE) || name.length() == LONE_SPACE.length()) {
            return false;
        }
        String y = name.substring(LONE_SPACE.length());
        Double space = scores.get(LONE_SPACE);
        Double sy = scores.get(y);
        return space != null
                && sy != null
                && isPunctuation(y.codePointAt(0))
                && Math.abs(scores.get(name) - (space + sy + LONE_SPACE_ALIAS_BONUS)) < 1e-9;
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
        if (!scores
                .isEmpty()) { // Unigram: SentencePiece's Viterbi on the normalized text HF produced
            List<String> pieces = viterbi(String.join("", tokens));
            tokens = pieces.toArray(String[]::new);
            ids = new long[tokens.length];
            for (int i = 0; i < tokens.length; i++) {
                ids[i] = pieceIds.getOrDefault(tokens[i], unkId);
            }
            spans = null;
        }
        // 1. unknown spans: consecutive unknown pieces fuse into one text, read through dict.txt
        long[] fusedIds = new long[ids.length];
        String[] surface = new String[ids.length];
        boolean[] unknown = new boolean[ids.length];
        int n = 0;
        for (int i = 0; i < ids.length; i++) {
            String token = tokens[i].startsWith(UNMATCHABLE) ? tokens[i].substring(1) : tokens[i];
            boolean isUnknown =
                    ids[i] == unkId
                            || unknownSpanIds.containsKey(token)
                                    && unknownSpanIds.get(token) == ids[i];
            // Unigram names an unknown span by its normalized text, BPE by "<unk>": then the
            // original text
            String text1 =
                    ids[i] == unkId
                                    && UNK.equals(token)
                                    && spans != null
                                    && i < spans.length
                                    && spans[i] != null
                            ? text.substring(spans[i].getStart(), spans[i].getEnd())
                            : token;
            if (isUnknown && n > 0 && unknown[n - 1]) {
                surface[n - 1] += text1;
                fusedIds[n - 1] = unknownSpanIds.getOrDefault(surface[n - 1], unkId);
                continue;
            }
            surface[n] = text1;
            unknown[n] = isUnknown;
            fusedIds[n] = isUnknown ? unknownSpanIds.getOrDefault(text1, unkId) : ids[i];
            n++;
        }
        // 2. skip_space
        long[] kept = new long[n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            boolean skip =
                    LONE_SPACE.equals(surface[i])
                            && !unknown[i]
                            && (i == n - 1
                                    || !surface[i + 1].isEmpty()
                                            && isPunctuation(surface[i + 1].codePointAt(0)));
            if (!skip) {
                kept[k++] = fusedIds[i];
            }
        }
        return Arrays.copyOf(kept, k);
    }

    /**
     * SentencePiece's unigram segmentation ({@code EncodeOptimized} of sentencepiece 0.1.9x) of a
     * normalized text ({@code ▁} for spaces), with its arithmetic: a piece's candidate score is a
     * double sum compared with and stored as float, an unknown character's a float sum (exact score
     * ties, e.g. "00"+"0" against "0"+"00", are decided by that rounding, so plain float32 or
     * float64, HF's, pick other pieces); unknown characters score the lowest piece score minus 10;
     * consecutive unknown characters fuse into one piece.
     */
    List<String> viterbi(String text) {
        int size = text.length();
        float[] best = new float[size + 1];
        int[] from = new int[size + 1];
        boolean[] isUnk = new boolean[size + 1];
        Arrays.fill(from, -1);
        from[0] = 0;
        for (int start = 0; start < size; start = text.offsetByCodePoints(start, 1)) {
            int charLen = Character.charCount(text.codePointAt(start));
            boolean single = false;
            for (int end = start + 1; end <= Math.min(size, start + longestPiece); end++) {
                Float score = scores.get(text.substring(start, end));
                if (score == null) {
                    continue;
                }
                double candidate =
                        (double) score
                                + best[start]; // sentencepiece: a double sum, stored as float
                if (from[end] == -1 || candidate > best[end]) {
                    best[end] = (float) candidate;
                    from[end] = start;
                    isUnk[end] = false;
                }
                single |= end - start == charLen;
            }
            if (!single) {
                int end = start + charLen;
                float candidate = unkScore + best[start]; // sentencepiece: a float sum here
                if (from[end] == -1 || candidate > best[end]) {
                    best[end] = candidate;
                    from[end] = start;
                    isUnk[end] = true;
                }
            }
        }
        List<String> pieces = new ArrayList<>();
        boolean previousUnk = false;
        for (int end = size; end > 0; end = from[end]) {
            String piece = text.substring(from[end], end);
            if (isUnk[end] && previousUnk) {
                pieces.set(pieces.size() - 1, piece + pieces.get(pieces.size() - 1));
            } else {
                pieces.add(piece);
            }
            previousUnk = isUnk[end];
        }
        Collections.reverse(pieces);
        return pieces;
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
        if (cp >= 33 && cp <= 47
                || cp >= 58 && cp <= 64
                || cp >= 91 && cp <= 96
                || cp >= 123 && cp <= 126) {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION,
                    Character.DASH_PUNCTUATION,
                    Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION,
                    Character.INITIAL_QUOTE_PUNCTUATION,
                    Character.FINAL_QUOTE_PUNCTUATION,
                    Character.OTHER_PUNCTUATION ->
                    true;
            default -> false;
        };
    }
}
