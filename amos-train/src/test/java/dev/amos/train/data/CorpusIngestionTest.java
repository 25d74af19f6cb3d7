package dev.amos.train.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amos.model.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Corpus files: what is accepted, what is counted, and which errors name which file and line. */
class CorpusIngestionTest {

    private static CorpusTokenizer tokenizer;

    @TempDir Path temp;

    @BeforeAll
    static void loadTokenizer() {
        tokenizer = CorpusTokenizer.load(TestData.tokenizerJson());
    }

    @AfterAll
    static void closeTokenizer() {
        tokenizer.close();
    }

    private ShardCache.Result prepare(Path... corpus) throws IOException {
        return new ShardCache(temp.resolve("cache")).prepare(List.of(corpus), tokenizer);
    }

    @Test
    void missingPathIsNamed() {
        Path missing = temp.resolve("nope.txt");
        BadInputException e = assertThrows(BadInputException.class, () -> prepare(missing));
        assertTrue(e.getMessage().startsWith(missing + ": no such file"), e.getMessage());
    }

    @Test
    void emptyAndBlankFilesAreNamed() throws IOException {
        Path good = TestData.write(temp.resolve("good.txt"), "Some text.\n");
        Path empty = TestData.write(temp.resolve("empty.txt"), "");
        Path blank = TestData.write(temp.resolve("blank.txt"), "\n  \n\t\n");
        BadInputException e1 = assertThrows(BadInputException.class, () -> prepare(good, empty));
        assertTrue(e1.getMessage().startsWith(empty + ": no text"), e1.getMessage());
        BadInputException e2 = assertThrows(BadInputException.class, () -> prepare(blank));
        assertTrue(e2.getMessage().startsWith(blank + ": no text"), e2.getMessage());
        assertTrue(Files.notExists(temp.resolve("cache")), "no cache folder after a failure");
    }

    @Test
    void folderWithoutTextFilesIsNamed() throws IOException {
        Path folder = Files.createDirectories(temp.resolve("corpus"));
        TestData.write(folder.resolve(".hidden.txt"), "Hidden text.\n");
        TestData.write(folder.resolve(".git/notes.txt"), "Hidden folder.\n");
        BadInputException e = assertThrows(BadInputException.class, () -> prepare(folder));
        assertTrue(e.getMessage().startsWith(folder + ": no text files"), e.getMessage());
    }

    @Test
    void binaryFileIsNamedWithItsLine() throws IOException {
        Path binary = temp.resolve("data.bin");
        Files.write(binary, new byte[] {'o', 'k', '\n', 'a', 'b', '\n', 'x', 0, 1, 2, '\n'});
        BadInputException e = assertThrows(BadInputException.class, () -> prepare(binary));
        assertTrue(e.getMessage().startsWith(binary + ":3: binary data"), e.getMessage());
    }

    @Test
    void truncatedGzipIsNamed() throws IOException {
        Path gz =
                TestData.writeGzip(temp.resolve("corpus.txt.gz"), "Some text here.\n".repeat(5000));
        byte[] whole = Files.readAllBytes(gz);
        Files.write(gz, java.util.Arrays.copyOf(whole, whole.length / 2));
        BadInputException e = assertThrows(BadInputException.class, () -> prepare(gz));
        assertTrue(e.getMessage().startsWith(gz + ":"), e.getMessage());
        assertTrue(e.getMessage().contains("gzip"), e.getMessage());
    }

    @Test
    void invalidUtf8AndCrlfAreCountedNotFatal() throws IOException {
        Path file = temp.resolve("mixed.txt");
        byte[] text =
                ("First paragraph.\r\nSecond \u00e9t\u00e9.\r\n\r\nNext doc ")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] bad = {(byte) 0xC3, ' ', (byte) 0xFF, (byte) 0xFE, '.', '\n'};
        byte[] all = new byte[text.length + bad.length];
        System.arraycopy(text, 0, all, 0, text.length);
        System.arraycopy(bad, 0, all, text.length, bad.length);
        Files.write(file, all);
        ShardManifest manifest = prepare(file).shards().manifest();
        assertEquals(3, manifest.crlfLines());
        assertEquals(3, manifest.invalidUtf8()); // C3 (truncated sequence), FF, FE
        assertEquals(2, manifest.documents());
        assertEquals(3, manifest.lines());
    }

    @Test
    void foldersAreReadRecursivelySortedAndGzipIsDetected() throws IOException {
        Path folder = Files.createDirectories(temp.resolve("corpus"));
        TestData.write(folder.resolve("b/2.txt"), "bravo two\n");
        TestData.write(folder.resolve("a.txt"), "alpha\n");
        TestData.writeGzip(folder.resolve("b/1.gz"), "bravo one\n\nbravo one again\n");
        TestData.write(folder.resolve("b/.skip.txt"), "hidden\n");
        List<InputFile> inputs = CorpusInputs.resolve(List.of(folder));
        assertEquals(
                List.of("a.txt", "b/1.gz", "b/2.txt"),
                inputs.stream()
                        .map(i -> folder.toAbsolutePath().relativize(Path.of(i.path())).toString())
                        .toList());
        TokenShards shards = prepare(folder).shards();
        assertEquals(4, shards.documentCount()); // file ends end documents
        long[] ids = new long[(int) shards.tokenCount()];
        shards.copyTokens(0, ids.length, ids, 0);
        assertEquals("alpha bravo one bravo one again bravo two", tokenizer.decode(ids));
    }

    @Test
    void literalStructuralTokensInTextBecomeUnknown() throws IOException {
        Path file =
                TestData.write(
                        temp.resolve("brackets.txt"), "a [SEP] b [MASK] c [CLS] [PAD] [UNK]\n");
        TokenShards shards = prepare(file).shards();
        long[] ids = new long[(int) shards.tokenCount()];
        shards.copyTokens(0, ids.length, ids, 0);
        SpecialTokens special = tokenizer.specialTokens();
        long unk = special.unk();
        assertEquals(
                List.of(1037L, unk, 1038L, unk, 1039L, unk, unk, unk),
                java.util.Arrays.stream(ids).boxed().toList());
    }
}
