package dev.amos.train.data;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.amos.io.Sha256;
import dev.amos.model.BadInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The HuggingFace WordPiece tokenizer used to turn the corpus into token ids, loaded from a local
 * {@code tokenizer.json} or a BERT uncased {@code vocab.txt} (converted by {@link
 * BertVocabTokenizerJson}; both give identical ids).
 *
 * <p>Encoding never adds special tokens, truncates or pads: the packer adds {@code [CLS]}/{@code
 * [SEP]} itself. {@link #encode(String[], int)} hands a whole batch of lines to the native
 * tokenizer in one call (the Rust library encodes a batch on all cores) and reads back only the
 * ids, which is several times faster than {@link HuggingFaceTokenizer#batchEncode(String[])}: that
 * one also copies every token string, offset and mask into Java objects.
 */
public final class CorpusTokenizer implements AutoCloseable {

    /**
     * The special tokens of the SentencePiece tokenizers {@code amos import} writes (RoBERTa /
     * fairseq names), in the order of {@link BertVocabTokenizerJson#SPECIAL_TOKENS}: pad, unk, cls,
     * sep, mask.
     */
    static final List<String> SENTENCEPIECE_SPECIAL_TOKENS =
            List.of("<pad>", "<unk>", "<s>", "</s>", "<mask>");

    private static final Map<String, String> OPTIONS =
            Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");

    private final Path source;
    private final String tokenizerJson;
    private final String sha256;
    private final SpecialTokens specialTokens;
    private final HuggingFaceTokenizer tokenizer;

    private CorpusTokenizer(
            Path source,
            String tokenizerJson,
            String sha256,
            SpecialTokens specialTokens,
            HuggingFaceTokenizer tokenizer) {
        this.source = source;
        this.tokenizerJson = tokenizerJson;
        this.sha256 = sha256;
        this.specialTokens = specialTokens;
        this.tokenizer = tokenizer;
    }

    /**
     * Loads a tokenizer from a local file: a {@code tokenizer.json}, or a {@code vocab.txt} (any
     * file whose name ends in {@code .txt} or whose content does not start with <code>{</code>).
     *
     * @param file the tokenizer.json or vocab.txt
     * @return the tokenizer; close it when done
     * @throws BadInputException if the file is missing or not a usable BERT-style tokenizer
     */
    public static CorpusTokenizer load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw BadInputException.of(
                    file, "no such file (expected a tokenizer.json or vocab.txt)");
        }
        try {
            byte[] bytes = Files.readAllBytes(file);
            String sha = Sha256.of(bytes);
            boolean isJson = isJson(file, bytes);
            String json =
                    isJson
                            ? new String(bytes, StandardCharsets.UTF_8)
                            : BertVocabTokenizerJson.fromVocab(file);
            SpecialTokens special = readSpecialTokens(file, json);
            return new CorpusTokenizer(
                    file, json, sha, special, newHuggingFaceTokenizer(file, json, isJson));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The sha256 of the tokenizer.json a run started with {@code file} holds (and records in its
     * config.json): of the file itself, or of the tokenizer.json made from a vocab.txt.
     *
     * @param file a tokenizer.json or vocab.txt
     */
    public static String tokenizerJsonSha256(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        String json =
                isJson(file, bytes)
                        ? new String(bytes, StandardCharsets.UTF_8)
                        : BertVocabTokenizerJson.fromVocab(file);
        return Sha256.of(json.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean isJson(Path file, byte[] bytes) {
        return !file.getFileName().toString().endsWith(".txt")
                && new String(bytes, StandardCharsets.UTF_8).stripLeading().startsWith("{");
    }

    private static HuggingFaceTokenizer newHuggingFaceTokenizer(
            Path file, String json, boolean isJson) throws IOException {
        if (isJson) {
            return loadHuggingFace(file, file);
        }
        Path temp = Files.createTempFile("amos-tokenizer-", ".json");
        try {
            Files.writeString(temp, json, StandardCharsets.UTF_8);
            return loadHuggingFace(temp, file);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static HuggingFaceTokenizer loadHuggingFace(Path jsonFile, Path reportedFile)
            throws IOException {
        try {
            return HuggingFaceTokenizer.newInstance(jsonFile, OPTIONS);
        } catch (RuntimeException e) {
            throw BadInputException.of(
                    reportedFile, "not a valid tokenizer.json (" + e.getMessage() + ")");
        }
    }

    /**
     * Encodes lines without special tokens.
     *
     * @param lines the texts; only the first {@code count} are encoded
     * @param count how many of {@code lines} to encode
     * @return one id array per line (empty for a line with no tokens)
     */
    public long[][] encode(String[] lines, int count) {
        String[] batch = lines;
        if (count != lines.length) {
            batch = new String[count];
            System.arraycopy(lines, 0, batch, 0, count);
        }
        long[][] ids = new long[count][];
        if (count == 0) {
            return ids;
        }
        long[] encodings = TokenizersLibrary.LIB.batchEncode(tokenizer.getHandle(), batch, false);
        try {
            for (int i = 0; i < count; i++) {
                ids[i] = TokenizersLibrary.LIB.getTokenIds(encodings[i]);
            }
        } finally {
            for (long encoding : encodings) {
                TokenizersLibrary.LIB.deleteEncoding(encoding);
            }
        }
        return ids;
    }

    /**
     * Encodes one text without special tokens.
     *
     * @param text the text
     * @return its token ids
     */
    public long[] encode(String text) {
        return encode(new String[] {text}, 1)[0];
    }

    /**
     * Decodes ids back to text (for debugging and tests).
     *
     * @param ids token ids
     * @return the text, special tokens included
     */
    public String decode(long[] ids) {
        return tokenizer.decode(ids, false);
    }

    /**
     * @return the special token ids and the vocabulary size
     */
    public SpecialTokens specialTokens() {
        return specialTokens;
    }

    /**
     * @return the file this tokenizer was loaded from
     */
    public Path source() {
        return source;
    }

    /**
     * @return the sha256 (hex) of the file this tokenizer was loaded from
     */
    public String sha256() {
        return sha256;
    }

    /**
     * @return the sha256 (hex) of {@link #tokenizerJson()} in UTF-8: of the tokenizer.json a run
     *     writes
     */
    public String tokenizerJsonSha256() {
        return Sha256.of(tokenizerJson.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @return the tokenizer.json text (generated when loaded from a vocab.txt)
     */
    public String tokenizerJson() {
        return tokenizerJson;
    }

    /**
     * Writes the tokenizer.json (e.g. into a run folder), atomically.
     *
     * @param target the file to write
     * @throws IOException if writing fails
     */
    public void writeTokenizerJson(Path target) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path temp = Files.createTempFile(parent, ".tokenizer-", ".json.tmp");
        try {
            Files.writeString(temp, tokenizerJson, StandardCharsets.UTF_8);
            Files.move(
                    temp,
                    target,
                    StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    private static SpecialTokens readSpecialTokens(Path source, String json) {
        JsonObject root;
        try {
            root = JsonParser.parseString(json).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw BadInputException.of(source, "not valid JSON (expected a tokenizer.json)");
        }
        Map<String, Integer> ids = new HashMap<>();
        int maxId = -1;
        JsonElement model = root.get("model");
        if (model != null
                && model.isJsonObject()
                && model.getAsJsonObject().has("vocab")
                && model.getAsJsonObject().get("vocab").isJsonObject()) {
            for (Map.Entry<String, JsonElement> entry :
                    model.getAsJsonObject().getAsJsonObject("vocab").entrySet()) {
                int id = entry.getValue().getAsInt();
                ids.put(entry.getKey(), id);
                maxId = Math.max(maxId, id);
            }
        } else if (model != null
                && model.isJsonObject()
                && model.getAsJsonObject().has("vocab")
                && model.getAsJsonObject()
                        .get("vocab")
                        .isJsonArray()) { // Unigram: [[piece, score], ...], id = index
            JsonArray pieces = model.getAsJsonObject().getAsJsonArray("vocab");
            for (int id = 0; id < pieces.size(); id++) {
                JsonElement piece = pieces.get(id);
                if (piece.isJsonArray() && !piece.getAsJsonArray().isEmpty()) {
                    ids.putIfAbsent(piece.getAsJsonArray().get(0).getAsString(), id);
                }
            }
            maxId = Math.max(maxId, pieces.size() - 1);
        }
        List<Integer> special = new ArrayList<>();
        if (root.has("added_tokens") && root.get("added_tokens").isJsonArray()) {
            for (JsonElement element : root.getAsJsonArray("added_tokens")) {
                JsonObject token = element.getAsJsonObject();
                int id = token.get("id").getAsInt();
                ids.put(token.get("content").getAsString(), id);
                maxId = Math.max(maxId, id);
                if (token.has("special") && token.get("special").getAsBoolean()) {
                    special.add(id);
                }
            }
        }
        int[] required = new int[BertVocabTokenizerJson.SPECIAL_TOKENS.size()];
        for (int i = 0; i < required.length; i++) {
            String name = BertVocabTokenizerJson.SPECIAL_TOKENS.get(i);
            Integer id = ids.get(name);
            if (id == null) {
                id = ids.get(SENTENCEPIECE_SPECIAL_TOKENS.get(i));
            }
            if (id == null) {
                throw BadInputException.of(
                        source,
                        "no "
                                + name
                                + " token (expected a BERT-style tokenizer with [PAD]"
                                + " [UNK] [CLS] [SEP] [MASK], or one of 'amos import' with <pad> <unk> <s> </s> <mask>)");
            }
            required[i] = id;
            special.add(id);
        }
        return new SpecialTokens(
                required[0],
                required[1],
                required[2],
                required[3],
                required[4],
                maxId + 1,
                special);
    }
}
