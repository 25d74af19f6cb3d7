package dev.amos.train.data;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.amos.model.BadInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the HuggingFace {@code tokenizer.json} of a BERT WordPiece tokenizer from a {@code
 * vocab.txt} (one token per line, the line number is the id), so that a plain vocabulary tokenizes
 * exactly like the {@code bert-base-uncased} (or {@code -cased}) tokenizer.json.
 *
 * <p><b>Casing</b> is explicit ({@link #fromVocab(Path, boolean)}) or detected ({@link
 * #fromVocab(Path)}): a vocabulary with an ASCII capital ({@code A-Z}) in any token other than the
 * bracketed specials ({@code [CLS]}, {@code [unused0]}, ...) is cased, and its text is not
 * lower-cased; an uncased vocabulary holds none ({@code bert-base-uncased} has no such token, only
 * symbols such as {@code ℝ}), and lower-casing the input is what makes its ids reachable.
 *
 * <p>The pipeline is the one of {@code BertTokenizerFast} (see
 * https://huggingface.co/docs/tokenizers/components): BertNormalizer (clean text, CJK spacing,
 * lowercase and strip accents for an uncased vocabulary), BertPreTokenizer (whitespace and
 * punctuation), WordPiece with the {@code ##} continuation prefix and at most 100 characters per
 * word, and the {@code [CLS] A [SEP] (B [SEP])} template. The special tokens {@code [PAD] [UNK]
 * [CLS] [SEP] [MASK]} are registered as added tokens when the vocabulary has them.
 */
public final class BertVocabTokenizerJson {

    /** The special tokens registered as added tokens, in the order BERT lists them. */
    public static final List<String> SPECIAL_TOKENS =
            List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");

    private BertVocabTokenizerJson() {}

    /**
     * Reads a {@code vocab.txt} and returns the equivalent tokenizer.json text.
     *
     * @param vocabFile the vocabulary, UTF-8, one token per line
     * @return the tokenizer.json content
     * @throws BadInputException if the file is missing, empty, or lacks [UNK], [CLS], [SEP]
     */
    public static String fromVocab(Path vocabFile) {
        return fromVocab(vocabFile, !isCased(readVocab(vocabFile).keySet()));
    }

    /**
     * Whether a vocabulary is cased: an ASCII capital in a token other than a bracketed special.
     *
     * @param tokens the vocabulary's tokens
     * @return true for a cased vocabulary
     */
    static boolean isCased(Iterable<String> tokens) {
        for (String token : tokens) {
            boolean special = token.startsWith("[") && token.endsWith("]");
            if (!special && token.chars().anyMatch(c -> c >= 'A' && c <= 'Z')) {
                return true;
            }
        }
        return false;
    }

    /**
     * Reads a {@code vocab.txt} and returns the equivalent tokenizer.json text.
     *
     * @param vocabFile the vocabulary, UTF-8, one token per line
     * @param lowercase whether input text is lower-cased and accent-stripped (uncased BERT)
     * @return the tokenizer.json content
     * @throws BadInputException if the file is missing, empty, or lacks [UNK], [CLS], [SEP]
     */
    public static String fromVocab(Path vocabFile, boolean lowercase) {
        Map<String, Integer> vocab = readVocab(vocabFile);
        for (String required : List.of("[UNK]", "[CLS]", "[SEP]")) {
            if (!vocab.containsKey(required)) {
                throw BadInputException.of(
                        vocabFile,
                        "no " + required + " token (expected a BERT WordPiece vocab.txt)");
            }
        }
        return toJson(vocab, lowercase);
    }

    /**
     * The tokenizer.json of a token list (id = position), e.g. a trained vocabulary.
     *
     * @param tokens the tokens, holding at least [UNK], [CLS] and [SEP], no duplicates
     * @param lowercase whether input text is lower-cased and accent-stripped (uncased)
     * @return the tokenizer.json content
     */
    public static String fromTokens(List<String> tokens, boolean lowercase) {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (int id = 0; id < tokens.size(); id++) {
            if (vocab.putIfAbsent(tokens.get(id), id) != null) {
                throw new IllegalArgumentException("duplicate token " + tokens.get(id));
            }
        }
        for (String required : List.of("[UNK]", "[CLS]", "[SEP]")) {
            if (!vocab.containsKey(required)) {
                throw new IllegalArgumentException("no " + required + " token");
            }
        }
        return toJson(vocab, lowercase);
    }

    private static String toJson(Map<String, Integer> vocab, boolean lowercase) {
        JsonObject root = new JsonObject();
        root.addProperty("version", "1.0");
        root.add("truncation", JsonNull.INSTANCE);
        root.add("padding", JsonNull.INSTANCE);
        root.add("added_tokens", addedTokens(vocab));
        root.add("normalizer", normalizer(lowercase));
        root.add("pre_tokenizer", type("BertPreTokenizer"));
        root.add("post_processor", postProcessor(vocab));
        JsonObject decoder = type("WordPiece");
        decoder.addProperty("prefix", "##");
        decoder.addProperty("cleanup", true);
        root.add("decoder", decoder);
        root.add("model", model(vocab));
        return new GsonBuilder().serializeNulls().disableHtmlEscaping().create().toJson(root);
    }

    private static Map<String, Integer> readVocab(Path vocabFile) {
        if (!Files.isRegularFile(vocabFile)) {
            throw BadInputException.of(vocabFile, "no such file (expected a vocab.txt)");
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(vocabFile, StandardCharsets.UTF_8);
        } catch (MalformedInputException e) {
            throw BadInputException.of(vocabFile, "not UTF-8 text (expected a vocab.txt)");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (int id = 0; id < lines.size(); id++) {
            String token = lines.get(id).strip();
            if (token.isEmpty()) {
                throw BadInputException.of(
                        vocabFile, id + 1, "empty token (expected one token per line)");
            }
            vocab.put(token, id);
        }
        if (vocab.isEmpty()) {
            throw BadInputException.of(vocabFile, "empty vocabulary (expected one token per line)");
        }
        return vocab;
    }

    private static JsonArray addedTokens(Map<String, Integer> vocab) {
        JsonArray added = new JsonArray();
        for (String token : SPECIAL_TOKENS) {
            Integer id = vocab.get(token);
            if (id == null) {
                continue;
            }
            JsonObject entry = new JsonObject();
            entry.addProperty("id", id);
            entry.addProperty("special", true);
            entry.addProperty("content", token);
            entry.addProperty("single_word", false);
            entry.addProperty("lstrip", false);
            entry.addProperty("rstrip", false);
            entry.addProperty("normalized", false);
            added.add(entry);
        }
        return added;
    }

    private static JsonObject normalizer(boolean lowercase) {
        JsonObject normalizer = type("BertNormalizer");
        normalizer.addProperty("clean_text", true);
        normalizer.addProperty("handle_chinese_chars", true);
        normalizer.add("strip_accents", JsonNull.INSTANCE);
        normalizer.addProperty("lowercase", lowercase);
        return normalizer;
    }

    private static JsonObject postProcessor(Map<String, Integer> vocab) {
        JsonObject processor = type("TemplateProcessing");
        JsonArray single = new JsonArray();
        single.add(specialPiece("[CLS]", 0));
        single.add(sequencePiece("A", 0));
        single.add(specialPiece("[SEP]", 0));
        JsonArray pair = new JsonArray();
        pair.add(specialPiece("[CLS]", 0));
        pair.add(sequencePiece("A", 0));
        pair.add(specialPiece("[SEP]", 0));
        pair.add(sequencePiece("B", 1));
        pair.add(specialPiece("[SEP]", 1));
        processor.add("single", single);
        processor.add("pair", pair);
        JsonObject specials = new JsonObject();
        for (String token : List.of("[CLS]", "[SEP]")) {
            JsonObject entry = new JsonObject();
            entry.addProperty("id", token);
            JsonArray ids = new JsonArray();
            ids.add(vocab.get(token));
            JsonArray tokens = new JsonArray();
            tokens.add(token);
            entry.add("ids", ids);
            entry.add("tokens", tokens);
            specials.add(token, entry);
        }
        processor.add("special_tokens", specials);
        return processor;
    }

    private static JsonObject specialPiece(String token, int typeId) {
        JsonObject inner = new JsonObject();
        inner.addProperty("id", token);
        inner.addProperty("type_id", typeId);
        JsonObject piece = new JsonObject();
        piece.add("SpecialToken", inner);
        return piece;
    }

    private static JsonObject sequencePiece(String id, int typeId) {
        JsonObject inner = new JsonObject();
        inner.addProperty("id", id);
        inner.addProperty("type_id", typeId);
        JsonObject piece = new JsonObject();
        piece.add("Sequence", inner);
        return piece;
    }

    private static JsonObject model(Map<String, Integer> vocab) {
        JsonObject model = type("WordPiece");
        model.addProperty("unk_token", "[UNK]");
        model.addProperty("continuing_subword_prefix", "##");
        model.addProperty("max_input_chars_per_word", 100);
        JsonObject vocabJson = new JsonObject();
        vocab.forEach(vocabJson::addProperty);
        model.add("vocab", vocabJson);
        return model;
    }

    private static JsonObject type(String type) {
        JsonObject object = new JsonObject();
        object.addProperty("type", type);
        return object;
    }
}
