package dev.amos.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amos.model.BadInputException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tokenizer.json and vocab.txt load to the same tokenizer; special ids are read, not assumed. */
class CorpusTokenizerTest {

    @TempDir Path temp;

    private static List<String> sampleLines(int count) throws IOException {
        List<String> lines = new ArrayList<>();
        try (BufferedReader reader =
                new BufferedReader(
                        new InputStreamReader(
                                new GZIPInputStream(Files.newInputStream(TestData.wikiSample())),
                                StandardCharsets.UTF_8))) {
            String line;
            while (lines.size() < count && (line = reader.readLine()) != null) {
                if (!line.isBlank()) {
                    lines.add(line.strip());
                }
            }
        }
        return lines;
    }

    @Test
    void vocabTxtTokenizesExactlyLikeTokenizerJsonOnTheSample() throws IOException {
        List<String> lines = sampleLines(400);
        lines.add("Ünïcödé façade — naïve café, 東京 and emoji 🙂 plus [MASK] and ##hash.");
        try (CorpusTokenizer json = CorpusTokenizer.load(TestData.tokenizerJson());
                CorpusTokenizer vocab = CorpusTokenizer.load(TestData.vocabTxt())) {
            String[] batch = lines.toArray(String[]::new);
            long[][] fromJson = json.encode(batch, batch.length);
            long[][] fromVocab = vocab.encode(batch, batch.length);
            long tokens = 0;
            for (int i = 0; i < batch.length; i++) {
                assertArrayEquals(fromJson[i], fromVocab[i], "line " + i + ": " + batch[i]);
                tokens += fromJson[i].length;
            }
            assertTrue(tokens > 20_000, "the sample lines are real text: " + tokens);
            assertEquals(json.specialTokens(), vocab.specialTokens());
            JsonObject shipped = JsonParser.parseString(json.tokenizerJson()).getAsJsonObject();
            JsonObject generated = JsonParser.parseString(vocab.tokenizerJson()).getAsJsonObject();
            assertEquals(
                    shipped.getAsJsonObject("model").get("vocab"),
                    generated.getAsJsonObject("model").get("vocab"));
            assertEquals(shipped.get("normalizer"), generated.get("normalizer"));
            assertEquals(shipped.get("post_processor"), generated.get("post_processor"));
        }
    }

    @Test
    void specialTokensAreReadFromTheTokenizer() {
        try (CorpusTokenizer tokenizer = CorpusTokenizer.load(TestData.tokenizerJson())) {
            SpecialTokens special = tokenizer.specialTokens();
            assertEquals(
                    new SpecialTokens(0, 100, 101, 102, 103, 30522, List.of(0, 100, 101, 102, 103)),
                    special);
            assertArrayEquals(
                    new long[] {7592, 1010, 2088, 999},
                    tokenizer.encode("Hello, world!"),
                    "no [CLS]/[SEP] added");
            assertEquals(64, tokenizer.sha256().length());
        }
    }

    @Test
    void shuffledVocabularyGivesItsOwnIds() throws IOException {
        List<String> vocab =
                new ArrayList<>(
                        List.of(
                                "[UNK]", "[SEP]", "[MASK]", "hello", "[CLS]", "[PAD]", "world",
                                "##s"));
        Path file = Files.write(temp.resolve("vocab.txt"), vocab, StandardCharsets.UTF_8);
        try (CorpusTokenizer tokenizer = CorpusTokenizer.load(file)) {
            assertEquals(
                    new SpecialTokens(5, 0, 4, 1, 2, 8, List.of(0, 1, 2, 4, 5)),
                    tokenizer.specialTokens());
            assertArrayEquals(new long[] {3, 6, 7, 0}, tokenizer.encode("Hello worlds ?"));
        }
    }

    @Test
    void aCasedVocabularyKeepsItsCaseAndAnUncasedOneLowercases() throws IOException {
        List<String> cased =
                List.of(
                        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "Hello", "hello", "world",
                        "Café");
        Path casedFile =
                Files.write(temp.resolve("cased-vocab.txt"), cased, StandardCharsets.UTF_8);
        try (CorpusTokenizer tokenizer = CorpusTokenizer.load(casedFile)) {
            assertArrayEquals(
                    new long[] {5, 7}, tokenizer.encode("Hello world"), "Hello keeps its capital");
            assertArrayEquals(
                    new long[] {6, 8}, tokenizer.encode("hello Café"), "and accents are kept");
        }
        List<String> uncased =
                List.of(
                        "[PAD]",
                        "[UNK]",
                        "[CLS]",
                        "[SEP]",
                        "[MASK]",
                        "[unused0]",
                        "hello",
                        "world",
                        "cafe");
        Path uncasedFile =
                Files.write(temp.resolve("uncased-vocab.txt"), uncased, StandardCharsets.UTF_8);
        try (CorpusTokenizer tokenizer = CorpusTokenizer.load(uncasedFile)) {
            assertArrayEquals(
                    new long[] {6, 7, 8},
                    tokenizer.encode("Hello World Café"),
                    "lower-cased, accents stripped");
        }
        assertTrue(BertVocabTokenizerJson.isCased(cased));
        assertFalse(
                BertVocabTokenizerJson.isCased(uncased), "bracketed specials do not make it cased");
    }

    @Test
    void badTokenizerFilesAreNamed() throws IOException {
        Path missing = temp.resolve("missing.json");
        assertTrue(
                assertThrows(BadInputException.class, () -> CorpusTokenizer.load(missing))
                        .getMessage()
                        .startsWith(missing + ": no such file"));
        Path noCls = Files.write(temp.resolve("small.txt"), List.of("[UNK]", "[SEP]", "a"));
        assertTrue(
                assertThrows(BadInputException.class, () -> CorpusTokenizer.load(noCls))
                        .getMessage()
                        .startsWith(noCls + ": no [CLS] token"));
        Path broken = TestData.write(temp.resolve("tokenizer.json"), "{\"model\": 3");
        assertTrue(
                assertThrows(BadInputException.class, () -> CorpusTokenizer.load(broken))
                        .getMessage()
                        .startsWith(broken + ": "));
    }

    @Test
    void writtenTokenizerJsonLoadsBack() throws IOException {
        try (CorpusTokenizer vocab = CorpusTokenizer.load(TestData.vocabTxt())) {
            Path out = temp.resolve("run/tokenizer.json");
            vocab.writeTokenizerJson(out);
            try (CorpusTokenizer reloaded = CorpusTokenizer.load(out)) {
                assertArrayEquals(
                        vocab.encode("Tokenizers are fun."),
                        reloaded.encode("Tokenizers are fun."));
            }
        }
    }
}
