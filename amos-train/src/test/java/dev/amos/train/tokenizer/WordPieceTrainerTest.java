package dev.amos.train.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amos.model.BadInputException;
import dev.amos.train.data.CorpusTokenizer;
import dev.amos.train.data.SpecialTokens;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The WordPiece trainer on corpora with known outcomes, and its tokenizer.json as DJL loads it. */
class WordPieceTrainerTest {

    private static final Path ROOT =
            Path.of(System.getProperty("amos.repo.root", "..")).toAbsolutePath().normalize();

    @TempDir Path tmp;

    /** "lowering" 50 times among a few other words; "lowest" once. */
    private Path tinyCorpus() throws IOException {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            text.append("the lowering tide, lower and lower.\n");
        }
        for (int i = 0; i < 5; i++) {
            text.append("newest widest tallest\n\n");
        }
        text.append("the lowest point\n");
        return Files.writeString(tmp.resolve("tiny.txt"), text.toString());
    }

    private static WordPieceTrainer.Result train(Path corpus, int size) throws IOException {
        return WordPieceTrainer.builder()
                .setVocabSize(size)
                .optExactSize(true)
                .build()
                .train(List.of(corpus));
    }

    private static List<String> pieces(WordPieceVocabulary v, String word) {
        List<String> out = new ArrayList<>();
        v.segmentWord(word, id -> out.add(v.tokens().get(id)));
        return out;
    }

    @Test
    void aFrequentWordBecomesOnePieceAndARareWordSplitsIntoPiecesThatExist() throws IOException {
        WordPieceTrainer.Result r = train(tinyCorpus(), 50);
        WordPieceVocabulary v = r.vocabulary();
        assertEquals(50, v.size());
        assertFalse(r.mergesRanOut());
        assertEquals(List.of("lowering"), pieces(v, "lowering"), v.tokens().toString());
        assertEquals(List.of("the"), pieces(v, "the"));
        // "lowest" (once): never merged whole, but every piece is a vocabulary entry and no [UNK]
        List<String> lowest = pieces(v, "lowest");
        assertTrue(lowest.size() > 1, lowest.toString());
        assertFalse(lowest.contains("[UNK]"), lowest.toString());
        assertEquals("lowest", String.join("", lowest).replace("##", ""));
        assertTrue(lowest.get(0).startsWith("low"), lowest.toString());
        for (int i = 1; i < lowest.size(); i++) {
            assertTrue(lowest.get(i).startsWith("##"), lowest.toString());
        }
        // a word with a character the corpus never had is one [UNK]
        assertEquals(List.of("[UNK]"), pieces(v, "lowerz"));
        assertEquals(0, r.counts().prunings());
        assertEquals(
                List.of(100L, 50L, 1L),
                List.of(
                        r.counts().count("lower"),
                        r.counts().count("lowering"),
                        r.counts().count("lowest")));
    }

    @Test
    void theSpecialTokensHaveTheIdsAmosTrainReads() throws IOException {
        WordPieceVocabulary v = train(tinyCorpus(), 50).vocabulary();
        assertEquals(
                List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"), v.tokens().subList(0, 5));
        Path file = Files.writeString(tmp.resolve("tokenizer.json"), v.tokenizerJson());
        try (CorpusTokenizer loaded = CorpusTokenizer.load(file)) {
            SpecialTokens s = loaded.specialTokens();
            assertEquals(
                    List.of(0, 1, 2, 3, 4, 50),
                    List.of(s.pad(), s.unk(), s.cls(), s.sep(), s.mask(), s.vocabSize()));
            assertEquals(List.of(0, 1, 2, 3, 4), s.specialIds());
        }
    }

    @Test
    void theSameCorpusGivesTheSameVocabularyAndTheSizeIsRoundedUpTo64() throws IOException {
        Path corpus = sampleSlice(1500);
        WordPieceTrainer trainer =
                WordPieceTrainer.builder().setVocabSize(1000).optLowercase(true).build();
        WordPieceTrainer.Result first = trainer.train(List.of(corpus));
        WordPieceTrainer.Result second = trainer.train(List.of(corpus));
        assertEquals(1024, first.vocabulary().size());
        assertEquals(0, first.unused());
        assertEquals(first.vocabulary().tokens(), second.vocabulary().tokens());
        assertEquals(first.vocabulary().tokenizerJson(), second.vocabulary().tokenizerJson());
        assertEquals(1024, WordPieceTrainer.targetSize(1000, false));
        assertEquals(1000, WordPieceTrainer.targetSize(1000, true));
        assertEquals(30528, WordPieceTrainer.targetSize(30522, false));
        assertEquals(1024, WordPieceTrainer.targetSize(1024, false));
    }

    @Test
    void mergesThatRunOutArePaddedWithUnusedTokensToAMultipleOf64() throws IOException {
        WordPieceTrainer.Result r =
                WordPieceTrainer.builder().setVocabSize(1000).build().train(List.of(tinyCorpus()));
        assertTrue(r.mergesRanOut());
        assertEquals(
                64,
                r.vocabulary()
                        .size()); // the tiny corpus runs out of pairs seen twice below 64 tokens
        assertTrue(r.unused() > 0);
        assertEquals("[unused0]", r.vocabulary().tokens().get(64 - r.unused()));
        WordPieceTrainer.Result exact = train(tinyCorpus(), 100);
        assertTrue(exact.vocabulary().size() < 100);
        assertEquals(0, exact.unused());
    }

    /**
     * The tokenizer.json loads in DJL 0.25's Hugging Face tokenizers and gives the ids of the
     * trainer's own segmentation, cased and uncased, on held-out lines and on text that exercises
     * the normalizer (accents, CJK, control characters, non-breaking spaces, unknown characters,
     * overlong words).
     */
    @Test
    void djlEncodesLikeTheTrainersOwnSegmentation() throws IOException {
        Path corpus = sampleSlice(1500);
        List<String> lines = new ArrayList<>(sampleLines(1500, 1800));
        lines.addAll(
                List.of(
                        "Café NAÏVE résumé Ångström",
                        "東京都は日本の首都です。",
                        "tab\there\u00a0nbsp\u200bzero-width",
                        "emoji 🙂 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
                        "x".repeat(101) + " " + "y".repeat(100),
                        "İstanbul ΣΟΦΙΑ Straße",
                        "quotes «like» “these” — dashes – and ‘more’",
                        "ctrl\u0007char\u0000nul"));
        for (boolean lowercase : new boolean[] {false, true}) {
            WordPieceVocabulary v =
                    WordPieceTrainer.builder()
                            .setVocabSize(1200)
                            .optLowercase(lowercase)
                            .build()
                            .train(List.of(corpus))
                            .vocabulary();
            Path file =
                    Files.writeString(
                            tmp.resolve("tokenizer-" + lowercase + ".json"), v.tokenizerJson());
            try (CorpusTokenizer djl = CorpusTokenizer.load(file)) {
                long[][] ids = djl.encode(lines.toArray(String[]::new), lines.size());
                long unknown = 0;
                for (int i = 0; i < lines.size(); i++) {
                    long[] mine = Arrays.stream(v.encode(lines.get(i))).asLongStream().toArray();
                    assertArrayEquals(ids[i], mine, "lowercase " + lowercase + ": " + lines.get(i));
                    unknown += Arrays.stream(mine).filter(id -> id == v.unknownId()).count();
                }
                assertTrue(unknown > 0, "the hard lines hold unknown words");
            }
        }
    }

    @Test
    void aVocabularyBelowTheAlphabetIsRefusedWithTheMinimum() throws IOException {
        BadInputException e = assertThrows(BadInputException.class, () -> train(tinyCorpus(), 10));
        assertTrue(
                e.getMessage().contains("--vocab-size 10")
                        && e.getMessage().contains("expected --vocab-size >= "),
                e.getMessage());
    }

    @Test
    void emptyAndBinaryCorporaAreRefused() throws IOException {
        Path empty = Files.writeString(tmp.resolve("empty.txt"), "\n  \n");
        BadInputException e = assertThrows(BadInputException.class, () -> train(empty, 100));
        assertTrue(
                e.getMessage().contains("empty.txt") && e.getMessage().contains("no text"),
                e.getMessage());
        Path binary = Files.write(tmp.resolve("binary.bin"), new byte[] {'a', 'b', 0, 1, 2, '\n'});
        e = assertThrows(BadInputException.class, () -> train(binary, 100));
        assertTrue(
                e.getMessage().contains("binary.bin") && e.getMessage().contains("NUL"),
                e.getMessage());
    }

    @Test
    void wordCountsBeyondTheCapDropTheRarestDownToHalf() {
        WordCounts counts = new WordCounts(4);
        for (String w : "a a a b b c d".split(" ")) {
            counts.add(w);
        }
        assertEquals(4, counts.size());
        counts.add(
                "e"); // 5th distinct word: keep at most 2, the smallest threshold doing that is 2
        assertEquals(0 + 1, counts.prunings());
        assertEquals(2, counts.highestThreshold());
        assertEquals(3, counts.count("a"));
        assertEquals(2, counts.count("b"));
        assertEquals(0, counts.count("c"));
        assertEquals(1, counts.count("e"));
        assertEquals(3, counts.size());
        assertEquals(8, counts.total());
        assertEquals(2, counts.dropped());
    }

    @Test
    void theBertPipelineSplitsAndNormalizesAsTokenizersDoes() {
        BertPreTokenizer cased = new BertPreTokenizer(false);
        BertPreTokenizer uncased = new BertPreTokenizer(true);
        assertEquals(
                List.of("Hello", ",", "World", "!", "$", "5"), cased.words("Hello, World! $5"));
        assertEquals(List.of("cafe", "naive", "東", "京"), uncased.words("Café\u00a0NAÏVE東京"));
        assertEquals(List.of("Café", "NAÏVE", "東", "京"), cased.words("Café\u00a0NAÏVE東京"));
        assertEquals(
                List.of("ab"),
                cased.words("a\u200bb")); // a format character is dropped, not a space
        assertNotEquals(cased.words("İ"), uncased.words("İ"));
    }

    private Path sampleSlice(int lines) throws IOException {
        return Files.write(
                tmp.resolve("sample-" + lines + ".txt"),
                sampleLines(0, lines),
                StandardCharsets.UTF_8);
    }

    /** Lines [from, to) of the shipped Wikipedia sample (blank lines included). */
    private static List<String> sampleLines(int from, int to) throws IOException {
        List<String> lines = new ArrayList<>();
        try (BufferedReader in =
                new BufferedReader(
                        new InputStreamReader(
                                new GZIPInputStream(
                                        Files.newInputStream(
                                                ROOT.resolve("data/wiki-sample.txt.gz"))),
                                StandardCharsets.UTF_8))) {
            String line;
            for (int i = 0; i < to && (line = in.readLine()) != null; i++) {
                if (i >= from) {
                    lines.add(line);
                }
            }
        }
        return lines;
    }
}
