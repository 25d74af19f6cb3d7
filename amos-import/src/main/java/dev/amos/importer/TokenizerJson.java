package dev.amos.importer;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.amos.eval.glue.AmosPieceRules;
import dev.amos.importer.SentencePieceModel.Piece;
import dev.amos.model.BadInputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes one Hugging Face {@code tokenizer.json} that reproduces the released AMOS / COCO-LM
 * tokenizer ({@code AMOSTokenizer}: {@code SentencepiecePreTokenizer}, {@code sp.EncodeAsPieces},
 * {@code dict.txt} ids) with HF tokenizers alone, so DJL and DJL Serving run it without amos code:
 *
 * <ol>
 *   <li>normalizer: the reference pre-tokenizer as regex replacements ({@code ``}/{@code ''} to
 *       {@code "}, the quote and dash translation, a space inserted around the leading and trailing
 *       punctuation runs of every word, the {@code 's 'll 're 've 'm 'd 't} rejoining), then the
 *       sp.model's own precompiled character map ({@code Precompiled});
 *   <li>pre-tokenizer: split on whitespace, {@code ▁} before every word (SentencePiece's whitespace
 *       handling: extra spaces removed, dummy prefix);
 *   <li>model: {@code Unigram} with the sp.model's scores or {@code BPE} with merges in the order
 *       of its scores, and ids in {@code dict.txt} order: {@code <s>}=0, {@code <pad>}=1, {@code
 *       </s>}=2, {@code <unk>}=3, the dictionary from 4, {@code <mask>}; rows of vocab_size past
 *       the dictionary are unreachable fillers; pieces of sp.model that dict.txt lacks (the
 *       reference maps them to {@code <unk>}) get ids from vocab_size on, whose embedding rows the
 *       importer copies from {@code <unk>}'s ({@link #unkAliases()});
 *   <li>post-processor: {@code <s> A </s>} and {@code <s> A </s></s> B </s>}.
 * </ol>
 *
 * What tokenizer.json cannot express is documented in docs/import.md (the reference drops a lone
 * {@code ▁} piece before punctuation: {@code skip_space}).
 */
final class TokenizerJson {

    /** Prefix that makes a vocabulary name unmatchable (the charsmap removes U+0000 from text). */
    static final String UNMATCHABLE = "\u0000";

    /** The space marker of SentencePiece. */
    static final String SPACE = "\u2581";

    /** ASCII non-alphanumerics and Unicode punctuation: the reference's {@code _is_punctuation}. */
    static final String PUNCT = "[!-/:-@\\[-`{-~\\p{P}]";

    /** Neither whitespace nor punctuation. */
    static final String WORDCHAR = "[^\\s!-/:-@\\[-`{-~\\p{P}]";

    private final SentencePieceModel sp;
    private final FairseqDictionary dict;
    private final int vocabSize;
    private final List<String> byId = new ArrayList<>();
    private final Map<String, Float> scores = new HashMap<>();
    private final Map<String, Float> spScores = new HashMap<>();
    private final Map<String, Double> aliasScores = new HashMap<>();
    private final Map<String, Integer> index = new HashMap<>();
    private final List<Integer> aliasRows = new ArrayList<>();
    private int unkAliases;

    private TokenizerJson(SentencePieceModel sp, FairseqDictionary dict, int vocabSize) {
        this.sp = sp;
        this.dict = dict;
        this.vocabSize = vocabSize;
    }

    /**
     * The tokenizer of a released checkpoint.
     *
     * @param vocabSize rows of the released word embedding (config.json's vocab_size)
     * @param configFile named in the error when the dictionary does not fit vocab_size
     */
    static TokenizerJson of(
            SentencePieceModel sp, FairseqDictionary dict, int vocabSize, Path configFile) {
        if (dict.size() > vocabSize) {
            throw BadInputException.of(
                    configFile,
                    "\"vocab_size\" is "
                            + vocabSize
                            + " but dict.txt gives "
                            + dict.size()
                            + " ids (with <s> <pad> </s> <unk> and <mask>): the embedding would not hold them");
        }
        TokenizerJson t = new TokenizerJson(sp, dict, vocabSize);
        t.layOut();
        return t;
    }

    /**
     * Sp.model pieces that dict.txt lacks: their ids (from vocab_size on) stand for {@code <unk>}.
     */
    int unkAliases() {
        return unkAliases;
    }

    /** Ids the tokenizer can produce: vocab_size plus the unk aliases. */
    int tokenizerVocabSize() {
        return byId.size();
    }

    private void layOut() {
        float minScore = Float.POSITIVE_INFINITY;
        for (Piece p : sp.pieces()) {
            if (p.isText()) {
                spScores.putIfAbsent(p.text(), p.score());
                minScore = Math.min(minScore, p.score());
            }
        }
        scores.putAll(spScores);
        for (int i = 0; i < dict.size(); i++) {
            String symbol = dict.symbols().get(i);
            boolean special = i < FairseqDictionary.SPECIALS.size() || i == dict.maskId();
            // A symbol that is no sp.model piece must not match text here; the reference still
            // reads an
            // unknown span's text through dict.txt: amos does (AmosPieceRules), tokenizer.json
            // cannot.
            byId.add(special || spScores.containsKey(symbol) ? symbol : unreachable(symbol));
        }
        for (int i = dict.size(); i < vocabSize; i++) {
            byId.add(filler(i));
        }
        index.putAll(dict.index());
        for (Piece p : sp.pieces()) {
            if (p.isText() && !index.containsKey(p.text())) {
                addAlias(p.text(), FairseqDictionary.UNK);
                unkAliases++;
            }
        }
        if (sp.type() == SentencePieceModel.Type.UNIGRAM) {
            addLoneSpaceAliases();
        }
        for (String symbol : byId) {
            scores.putIfAbsent(
                    symbol, minScore); // unreachable names: the score only keeps the model valid
        }
    }

    private void addAlias(String name, int rowSource) {
        byId.add(name);
        index.put(name, byId.size() - 1);
        aliasRows.add(rowSource);
    }

    /**
     * Pieces {@code ▁Y} for every piece Y starting with punctuation ({@code ▁Y} itself no piece):
     * where SentencePiece's best path is the lone {@code ▁} then Y, which the reference's
     * skip_space turns into Y alone, HF now takes {@code ▁Y} (scored as both, plus {@link
     * AmosPieceRules#LONE_SPACE_ALIAS_BONUS}), an id whose embedding row is Y's. Unigram only (BPE
     * gets merges, {@link #bpe()}).
     */
    private void addLoneSpaceAliases() {
        Float space = spScores.get(SPACE);
        if (space == null) {
            return;
        }
        for (Piece p : sp.pieces()) {
            String y = p.text();
            if (loneSpaceAliasApplies(p, y)) {
                addAlias(SPACE + y, canonicalId(y));
                aliasScores.put(
                        SPACE + y,
                        (double) space + p.score() + AmosPieceRules.LONE_SPACE_ALIAS_BONUS);
            }
        }
    }

    private boolean loneSpaceAliasApplies(Piece p, String y) {
        return p.isText()
                && !y.startsWith(SPACE)
                && AmosPieceRules.isPunctuation(y.codePointAt(0))
                && !spScores.containsKey(SPACE + y);
    }

    /** The id the reference gives a piece: its dictionary id, else {@code <unk>}. */
    private int canonicalId(String piece) {
        int id = index.getOrDefault(piece, FairseqDictionary.UNK);
        return id < dict.size() ? id : FairseqDictionary.UNK;
    }

    /** For each id from vocab_size on, the id whose embedding row it copies. */
    List<Integer> aliasRows() {
        return aliasRows;
    }

    /** A name no normalized text contains (control characters are removed by the charsmap). */
    private static String filler(int id) {
        return unreachable("madeupword" + id);
    }

    private static String unreachable(String name) {
        return UNMATCHABLE + name;
    }

    /** The tokenizer.json text. */
    String json() {
        JsonObject root = new JsonObject();
        root.addProperty("version", "1.0");
        root.add("truncation", JsonNull.INSTANCE);
        root.add("padding", JsonNull.INSTANCE);
        root.add("added_tokens", new JsonArray());
        root.add("normalizer", normalizer());
        root.add("pre_tokenizer", preTokenizer());
        root.add("model", sp.type() == SentencePieceModel.Type.UNIGRAM ? unigram() : bpe());
        root.add("post_processor", postProcessor());
        JsonObject decoder = new JsonObject();
        decoder.addProperty("type", "Metaspace");
        decoder.addProperty("replacement", SPACE);
        decoder.addProperty("add_prefix_space", true);
        root.add("decoder", decoder);
        return new GsonBuilder().disableHtmlEscaping().create().toJson(root);
    }

    private JsonObject normalizer() {
        JsonArray steps = new JsonArray();
        steps.add(replaceString("``", "\""));
        steps.add(replaceString("''", "\""));
        String from = "\u2018\u2019\u00b4\u201c\u201d\u2014\u2013";
        String to = "'''\"\"--";
        for (int i = 0; i < from.length(); i++) {
            steps.add(replaceString(from.substring(i, i + 1), to.substring(i, i + 1)));
        }
        // split_pre_and_post_punc: a space after a word's leading punctuation run ...
        steps.add(replaceRegex("(?:^|(?<=\\s))" + PUNCT + "+\\K(?=" + WORDCHAR + ")", " "));
        // ... and before its trailing run.
        steps.add(replaceRegex("(?<=" + WORDCHAR + ")(?=" + PUNCT + "+(?:\\s|$))", " "));
        // handle_single_quote: "' s" -> "'s" (and m d t, ll re ve) when a word boundary follows.
        steps.add(
                replaceRegex(
                        "'\\s+(?=(?:[smdSMDtT]|ll|re|ve|LL|RE|VE)(?:[^\\p{L}\\p{N}_]|$))", "'"));
        if (sp.precompiledCharsmap().length > 0) {
            JsonObject pre = new JsonObject();
            pre.addProperty("type", "Precompiled");
            pre.addProperty(
                    "precompiled_charsmap",
                    Base64.getEncoder().encodeToString(sp.precompiledCharsmap()));
            steps.add(pre);
        }
        JsonObject seq = new JsonObject();
        seq.addProperty("type", "Sequence");
        seq.add("normalizers", steps);
        return seq;
    }

    private static JsonObject replaceString(String pattern, String content) {
        return replace("String", pattern, content);
    }

    private static JsonObject replaceRegex(String pattern, String content) {
        return replace("Regex", pattern, content);
    }

    private static JsonObject replace(String kind, String pattern, String content) {
        JsonObject p = new JsonObject();
        p.addProperty(kind, pattern);
        JsonObject r = new JsonObject();
        r.addProperty("type", "Replace");
        r.add("pattern", p);
        r.addProperty("content", content);
        return r;
    }

    private JsonObject preTokenizer() {
        JsonArray steps = new JsonArray();
        JsonObject ws = new JsonObject();
        ws.addProperty("type", "WhitespaceSplit");
        steps.add(ws);
        JsonObject meta = new JsonObject();
        meta.addProperty("type", "Metaspace");
        meta.addProperty("replacement", SPACE);
        meta.addProperty("add_prefix_space", sp.addDummyPrefix());
        steps.add(meta);
        JsonObject seq = new JsonObject();
        seq.addProperty("type", "Sequence");
        seq.add("pretokenizers", steps);
        return seq;
    }

    private JsonObject unigram() {
        JsonArray vocab = new JsonArray();
        for (int id = 0; id < byId.size(); id++) {
            JsonArray entry = new JsonArray();
            String s = byId.get(id);
            entry.add(s);
            entry.add(
                    id < FairseqDictionary.SPECIALS.size() || id == dict.maskId()
                            ? 0.0
                            : aliasScores.containsKey(s)
                                    ? aliasScores.get(s)
                                    : (double) scores.get(s));
            vocab.add(entry);
        }
        JsonObject m = new JsonObject();
        m.addProperty("type", "Unigram");
        m.addProperty("unk_id", FairseqDictionary.UNK);
        m.add("vocab", vocab);
        m.addProperty("byte_fallback", false);
        return m;
    }

    private JsonObject bpe() {
        JsonObject vocab = new JsonObject();
        Map<String, Integer> ids = new LinkedHashMap<>();
        Set<Integer> knownChars = new HashSet<>();
        scores.keySet().stream()
                .filter(p -> p.codePointCount(0, p.length()) == 1 && !p.startsWith(UNMATCHABLE))
                .forEach(p -> knownChars.add(p.codePointAt(0)));
        for (int id = 0; id < byId.size(); id++) {
            String name = byId.get(id);
            ids.putIfAbsent(name, id);
            vocab.addProperty(name, id);
            // A dictionary character sp.model does not know: BPE emits it under its own id
            // (AmosPieceRules
            // fuses it with neighbouring unknown spans as SentencePiece does); no merge involves
            // it.
            String bare = name.startsWith(UNMATCHABLE) ? name.substring(1) : null;
            if (id < dict.size()
                    && bare != null
                    && bare.codePointCount(0, bare.length()) == 1
                    && !knownChars.contains(bare.codePointAt(0))
                    && !Character.isWhitespace(bare.codePointAt(0))
                    && !bare.equals(SPACE)) {
                vocab.addProperty(bare, id);
            }
        }
        // SentencePiece BPE merges the adjacent pair whose merged piece scores highest; as HF
        // merges: every split of every piece into two pieces, ranked by the merged piece's score.
        List<Piece> ordered = new ArrayList<>();
        for (Piece p : sp.pieces()) {
            if (p.isText() && p.text().codePointCount(0, p.text().length()) > 1) {
                ordered.add(p);
            }
        }
        ordered.sort((a, b) -> Float.compare(b.score(), a.score()));
        JsonArray merges = new JsonArray();
        for (Piece p : ordered) {
            String s = p.text();
            for (int cut = s.offsetByCodePoints(0, 1);
                    cut < s.length();
                    cut = s.offsetByCodePoints(cut, 1)) {
                String left = s.substring(0, cut);
                String right = s.substring(cut);
                if (ids.containsKey(left)
                        && ids.containsKey(right)
                        && scores.containsKey(left)
                        && scores.containsKey(right)) {
                    merges.add(left + " " + right);
                }
            }
        }
        // skip_space: "▁ Y" merged last, into Y's own id, for every piece Y starting with
        // punctuation.
        if (spScores.containsKey(SPACE)) {
            for (Piece p : sp.pieces()) {
                if (loneSpaceAliasApplies(p, p.text()) && ids.containsKey(p.text())) {
                    vocab.addProperty(SPACE + p.text(), ids.get(p.text()));
                    merges.add(SPACE + " " + p.text());
                }
            }
        }
        JsonObject m = new JsonObject();
        m.addProperty("type", "BPE");
        m.add("dropout", JsonNull.INSTANCE);
        m.addProperty("unk_token", "<unk>");
        m.add("continuing_subword_prefix", JsonNull.INSTANCE);
        m.add("end_of_word_suffix", JsonNull.INSTANCE);
        m.addProperty("fuse_unk", true);
        m.addProperty("byte_fallback", false);
        m.add("vocab", vocab);
        m.add("merges", merges);
        return m;
    }

    private JsonObject postProcessor() {
        JsonObject p = new JsonObject();
        p.addProperty("type", "TemplateProcessing");
        p.add("single", template("A"));
        p.add("pair", template("A", "B"));
        JsonObject specials = new JsonObject();
        specials.add("<s>", special("<s>", FairseqDictionary.BOS));
        specials.add("</s>", special("</s>", FairseqDictionary.EOS));
        p.add("special_tokens", specials);
        return p;
    }

    private static JsonArray template(String... sequences) {
        JsonArray t = new JsonArray();
        t.add(piece("SpecialToken", "<s>"));
        for (int i = 0; i < sequences.length; i++) {
            if (i > 0) {
                t.add(piece("SpecialToken", "</s>"));
            }
            t.add(piece("Sequence", sequences[i]));
            t.add(piece("SpecialToken", "</s>"));
        }
        return t;
    }

    private static JsonObject piece(String kind, String id) {
        JsonObject inner = new JsonObject();
        inner.addProperty("id", id);
        inner.addProperty("type_id", 0);
        JsonObject o = new JsonObject();
        o.add(kind, inner);
        return o;
    }

    private static JsonObject special(String token, int id) {
        JsonObject s = new JsonObject();
        s.addProperty("id", token);
        JsonArray ids = new JsonArray();
        ids.add(id);
        s.add("ids", ids);
        JsonArray tokens = new JsonArray();
        tokens.add(token);
        s.add("tokens", tokens);
        return s;
    }
}
