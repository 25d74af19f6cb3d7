package dev.amos.importer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amos.model.BadInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The WordPiece vocabulary of a Hugging Face {@code tokenizer.json} (the tokenizer of an amos
 * pretraining run) as the lines of a BERT {@code vocab.txt}: one token per line, line {@code i} is
 * id {@code i}. This is what {@code BertTokenizer(vocab_file)} of transformers reads.
 */
final class WordPieceVocab {

    private WordPieceVocab() {}

    /**
     * The tokens of {@code file}'s WordPiece model in id order.
     *
     * @throws BadInputException naming the file if its model is not a WordPiece vocabulary with the
     *     ids 0..n-1
     */
    static List<String> fromTokenizerJson(Path file) {
        JsonObject model;
        try {
            JsonElement json =
                    JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            model =
                    json.isJsonObject()
                                    && json.getAsJsonObject().get("model") instanceof JsonObject m
                            ? m
                            : null;
        } catch (IOException | RuntimeException e) {
            throw BadInputException.of(
                    file, "cannot read it as a tokenizer.json: " + e.getMessage());
        }
        if (model == null
                || !(model.get("vocab") instanceof JsonObject vocab)
                || (model.has("type") && !"WordPiece".equals(model.get("type").getAsString()))
                || !model.has("continuing_subword_prefix")) {
            throw BadInputException.of(
                    file,
                    "expected a WordPiece tokenizer.json (\"model\" with a \"vocab\" object"
                            + " of token -> id), as amos pretraining runs use; SentencePiece models need sp.model and dict.txt");
        }
        String[] tokens = new String[vocab.size()];
        for (Map.Entry<String, JsonElement> e : vocab.entrySet()) {
            int id = e.getValue().getAsInt();
            if (id < 0 || id >= tokens.length || tokens[id] != null) {
                throw BadInputException.of(
                        file,
                        "WordPiece id "
                                + id
                                + " of \""
                                + e.getKey()
                                + "\" is repeated or"
                                + " outside 0.."
                                + (tokens.length - 1)
                                + " (expected the ids 0..n-1 once each)");
            }
            if (e.getKey().contains("\n") || e.getKey().contains("\r")) {
                throw BadInputException.of(
                        file,
                        "WordPiece token "
                                + id
                                + " contains a line break (cannot be a"
                                + " vocab.txt line)");
            }
            tokens[id] = e.getKey();
        }
        return Arrays.asList(tokens);
    }

    /** The {@code vocab.txt} text of {@code tokens}. */
    static String text(List<String> tokens) {
        StringBuilder b = new StringBuilder();
        for (String t : tokens) {
            b.append(t).append('\n');
        }
        return b.toString();
    }

    /**
     * Refuses a {@code vocab.txt} whose lines are not {@code tokens}, naming the first line that
     * differs.
     */
    static void requireSame(Path vocabFile, List<String> tokens, Path tokenizerFile)
            throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(vocabFile, StandardCharsets.UTF_8));
        for (int i = 0; i < Math.min(lines.size(), tokens.size()); i++) {
            if (!lines.get(i).equals(tokens.get(i))) {
                throw BadInputException.of(
                        vocabFile,
                        i + 1,
                        "\""
                                + lines.get(i)
                                + "\" but "
                                + tokenizerFile.getFileName()
                                + " has \""
                                + tokens.get(i)
                                + "\" as id "
                                + i
                                + " (expected the same vocabulary)");
            }
        }
        if (lines.size() != tokens.size()) {
            throw BadInputException.of(
                    vocabFile,
                    lines.size()
                            + " tokens but "
                            + tokenizerFile.getFileName()
                            + " has "
                            + tokens.size()
                            + " (expected the same vocabulary)");
        }
    }
}
