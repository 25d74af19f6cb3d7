package dev.amos.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amos.io.Sha256;
import dev.amos.model.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The token shard cache: reuse, invalidation, layout, checksums and atomic replacement. */
class ShardCacheTest {

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

    private static String corpusText(int documents) {
        StringBuilder text = new StringBuilder();
        for (int d = 0; d < documents; d++) {
            text.append("Document number ").append(d).append(" starts here.\n");
            text.append("It has a second paragraph with more words in it.\n\n");
        }
        return text.toString();
    }

    @Test
    void rerunReusesShardsAndChangedInputRetokenizes() throws IOException {
        Path corpus = TestData.write(temp.resolve("corpus.txt"), corpusText(20));
        Path cacheFolder = temp.resolve("cache");
        ShardCache cache = new ShardCache(cacheFolder);

        ShardCache.Result first = cache.prepare(List.of(corpus), tokenizer);
        assertFalse(first.reused());
        String created = first.shards().manifest().created();
        FileTime manifestTime = Files.getLastModifiedTime(cacheFolder.resolve("manifest.json"));

        ShardCache.Result second = cache.prepare(List.of(corpus), tokenizer);
        assertTrue(second.reused());
        assertEquals(created, second.shards().manifest().created());
        assertEquals(manifestTime, Files.getLastModifiedTime(cacheFolder.resolve("manifest.json")));
        assertEquals(first.shards().tokenCount(), second.shards().tokenCount());

        TestData.write(corpus, corpusText(21));
        ShardCache.Result third = cache.prepare(List.of(corpus), tokenizer);
        assertFalse(third.reused());
        assertEquals(21, third.shards().documentCount());

        Files.setLastModifiedTime(
                corpus, FileTime.fromMillis(Files.getLastModifiedTime(corpus).toMillis() - 60_000));
        assertFalse(
                cache.prepare(List.of(corpus), tokenizer).reused(),
                "a changed mtime alone re-tokenizes");
        assertTrue(cache.prepare(List.of(corpus), tokenizer).reused());

        try (CorpusTokenizer fromVocab = CorpusTokenizer.load(TestData.vocabTxt())) {
            assertFalse(
                    cache.prepare(List.of(corpus), fromVocab).reused(),
                    "another tokenizer file re-tokenizes");
        }
        try (Stream<Path> siblings = Files.list(temp)) {
            assertEquals(
                    List.of("cache", "corpus.txt"),
                    siblings.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temp or old folders left");
        }
    }

    @Test
    void corruptedShardIsDetectedAndRebuilt() throws IOException {
        Path corpus = TestData.write(temp.resolve("corpus.txt"), corpusText(5));
        ShardCache cache = new ShardCache(temp.resolve("cache"));
        long tokens = cache.prepare(List.of(corpus), tokenizer).shards().tokenCount();
        Path tokenFile = temp.resolve("cache/shard-00000.tokens");
        byte[] bytes = Files.readAllBytes(tokenFile);
        bytes[0] ^= 1;
        Files.write(tokenFile, bytes);
        ShardCache.Result rebuilt = cache.prepare(List.of(corpus), tokenizer);
        assertFalse(rebuilt.reused());
        assertEquals(tokens, rebuilt.shards().tokenCount());
    }

    @Test
    void documentsNeverSpanShardsAndTokensRoundTrip() throws IOException {
        Path corpus = TestData.write(temp.resolve("corpus.txt"), corpusText(30));
        TokenShards shards =
                new ShardCache(temp.resolve("cache"))
                        .tokensPerShard(50)
                        .prepare(List.of(corpus), tokenizer)
                        .shards();
        ShardManifest manifest = shards.manifest();
        assertTrue(manifest.shards().size() > 3, "small budget gives several shards");
        assertEquals(2, manifest.tokenBytes());
        assertEquals(30, manifest.documents());
        assertEquals(
                manifest.tokens(),
                manifest.shards().stream().mapToLong(ShardManifest.Shard::tokens).sum());
        assertEquals(
                30, manifest.shards().stream().mapToLong(ShardManifest.Shard::documents).sum());
        for (ShardManifest.Shard shard : manifest.shards()) {
            for (ShardManifest.ShardFile file : shard.files()) {
                assertEquals(file.sha256(), Sha256.of(shards.folder().resolve(file.name())));
            }
        }
        List<String> lines = new ArrayList<>();
        for (String line : corpusText(30).split("\n")) {
            if (!line.isBlank()) {
                lines.add(line);
            }
        }
        for (int line = 0; line < lines.size(); line++) {
            int length = (int) (shards.lineEnd(line) - shards.lineStart(line));
            long[] ids = new long[length];
            shards.copyTokens(shards.lineStart(line), length, ids, 0);
            assertArrayEquals(tokenizer.encode(lines.get(line)), ids, "line " + line);
        }
        for (long d = 0; d < shards.documentCount(); d++) {
            assertEquals(2 * d, shards.firstLine(d));
        }
    }

    @Test
    void refusesToReplaceAFolderThatIsNotAShardCache() throws IOException {
        Path corpus = TestData.write(temp.resolve("corpus.txt"), corpusText(2));
        Path precious = TestData.write(temp.resolve("home/notes.txt"), "keep me");
        BadInputException e =
                assertThrows(
                        BadInputException.class,
                        () ->
                                new ShardCache(temp.resolve("home"))
                                        .prepare(List.of(corpus), tokenizer));
        assertTrue(
                e.getMessage().startsWith(temp.resolve("home") + ": folder is not empty"),
                e.getMessage());
        assertTrue(Files.exists(precious));
    }

    @Test
    void cacheKeyDependsOnPathsOnly() {
        String key = ShardCache.cacheKey(List.of(Path.of("a.txt")), Path.of("tok.json"));
        assertEquals(16, key.length());
        assertEquals(key, ShardCache.cacheKey(List.of(Path.of("a.txt")), Path.of("tok.json")));
        assertFalse(
                key.equals(ShardCache.cacheKey(List.of(Path.of("b.txt")), Path.of("tok.json"))));
    }

    @Test
    void theUnigramLossIsCountedOnceAndKeptBesideTheManifest() throws IOException {
        Path corpus = TestData.write(temp.resolve("corpus.txt"), corpusText(20));
        Path cacheFolder = temp.resolve("cache");
        ShardCache cache = new ShardCache(cacheFolder);
        TokenShards shards = cache.prepare(List.of(corpus), tokenizer).shards();
        SpecialTokens special = tokenizer.specialTokens();
        Path file = cacheFolder.resolve(ShardCache.UNIGRAM_FILE);
        assertFalse(
                Files.exists(file),
                "a cache as tokenized (or made before the file existed) has none yet");

        // the entropy of the shards' token frequencies, counted here independently of the cache
        long[] ids = new long[(int) shards.tokenCount()];
        shards.copyTokens(0, ids.length, ids, 0);
        java.util.Map<Long, Long> counts = new java.util.HashMap<>();
        for (long id : ids) {
            assertFalse(
                    id == special.cls()
                            || id == special.sep()
                            || id == special.pad()
                            || id == special.mask());
            counts.merge(id, 1L, Long::sum);
        }
        double expected = 0;
        for (long c : counts.values()) {
            expected -= (double) c / ids.length * Math.log((double) c / ids.length);
        }
        double first = cache.unigramLoss(shards, special);
        assertEquals(expected, first, 1e-12);
        assertTrue(Files.isRegularFile(file), "kept beside " + ShardManifest.FILE_NAME);

        String kept = Files.readString(file).replace(String.valueOf(first), "1.5");
        Files.writeString(file, kept);
        assertEquals(
                1.5,
                cache.unigramLoss(cache.prepare(List.of(corpus), tokenizer).shards(), special),
                0,
                "read from the file, not counted again");

        Files.writeString(
                file,
                kept.replace("\"shard_tokens\":" + shards.tokenCount(), "\"shard_tokens\":1"));
        assertEquals(
                expected,
                cache.unigramLoss(shards, special),
                1e-12,
                "a file of other shards is counted again");
        Files.writeString(file, "{\"unigram");
        assertEquals(
                expected,
                cache.unigramLoss(shards, special),
                1e-12,
                "a torn file is counted again");
        assertTrue(Files.readString(file).contains("\"unigram_loss\""), "and rewritten whole");

        TestData.write(corpus, corpusText(3) + "Other words entirely.\n");
        TokenShards retokenized = cache.prepare(List.of(corpus), tokenizer).shards();
        assertFalse(
                Files.exists(file), "new shards replace the folder, the old unigram loss with it");
        assertTrue(Math.abs(cache.unigramLoss(retokenized, special) - expected) > 1e-3);
    }
}
