package dev.amos.eval.glue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.amos.model.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GluePairEncoderTest {

    private static final int MAX_LENGTH = 32;

    private static GluePairEncoder encoder;
    private static Map<String, Integer> vocab;

    @BeforeAll
    static void load() throws IOException {
        encoder = GluePairEncoder.load(GlueTestPaths.tokenizerJson(), MAX_LENGTH);
        vocab = new HashMap<>();
        List<String> lines = Files.readAllLines(GlueTestPaths.vocabTxt());
        for (int id = 0; id < lines.size(); id++) {
            vocab.put(lines.get(id), id);
        }
    }

    @AfterAll
    static void close() {
        encoder.close();
    }

    /**
     * BERT uncased WordPiece for plain ASCII text: lowercase, split punctuation, greedy longest
     * match.
     */
    private static List<Long> wordPieceIds(String text) {
        List<Long> ids = new ArrayList<>();
        String spaced = text.toLowerCase(Locale.ROOT).replaceAll("([\\p{Punct}])", " $1 ");
        for (String word : spaced.trim().split("\\s+")) {
            int start = 0;
            while (start < word.length()) {
                int end = word.length();
                while (!vocab.containsKey((start > 0 ? "##" : "") + word.substring(start, end))) {
                    end--;
                }
                ids.add((long) vocab.get((start > 0 ? "##" : "") + word.substring(start, end)));
                start = end;
            }
        }
        return ids;
    }

    private static long[] concat(List<Long> a, List<Long> b) {
        List<Long> all = new ArrayList<>();
        all.add((long) vocab.get("[CLS]"));
        all.addAll(a);
        all.add((long) vocab.get("[SEP]"));
        if (b != null) {
            all.addAll(b);
            all.add((long) vocab.get("[SEP]"));
        }
        return all.stream().mapToLong(Long::longValue).toArray();
    }

    @Test
    void shortPairIsClsASepBSepWithVocabIds() {
        String a = "The quick brown fox jumps over the lazy dog.";
        String b = "Unaffable hedgehogs don't sleep!";
        long[] expected = concat(wordPieceIds(a), wordPieceIds(b));
        assertEquals(101, expected[0]);
        assertTrue(
                LongStream.of(expected).noneMatch(id -> id == 100), "no [UNK] in the expectation");
        assertTrue(
                expected.length > 16, "the pair holds word pieces: " + expected.length + " tokens");

        GluePairEncoder.Encoded encoded = encoder.encode(new GlueExample("0", a, b, 0, Float.NaN));
        assertArrayEquals(expected, encoded.inputIds());
        assertArrayEquals(
                LongStream.generate(() -> 1).limit(expected.length).toArray(),
                encoded.attentionMask());
        assertEquals(101, encoder.clsId());
        assertEquals(102, encoder.sepId());
    }

    @Test
    void singleSentenceIsClsASep() {
        String a = "it 's a charming and often affecting journey . ";
        long[] expected = concat(wordPieceIds(a), null);
        assertArrayEquals(expected, encoder.inputIds(new GlueExample("0", a, null, 1, Float.NaN)));
    }

    @Test
    void longestFirstLengths() {
        assertArrayEquals(new int[] {3, 3}, GluePairEncoder.longestFirst(3, 3, 10), "fits");
        assertArrayEquals(
                new int[] {8, 5},
                GluePairEncoder.longestFirst(20, 5, 13),
                "only the longer is cut");
        assertArrayEquals(new int[] {5, 8}, GluePairEncoder.longestFirst(5, 20, 13));
        assertArrayEquals(
                new int[] {8, 7},
                GluePairEncoder.longestFirst(12, 10, 15),
                "both cut, longer keeps odd");
        assertArrayEquals(
                new int[] {7, 8},
                GluePairEncoder.longestFirst(10, 10, 15),
                "tie: second keeps odd");
        assertArrayEquals(new int[] {2, 3}, GluePairEncoder.longestFirst(9, 9, 5));
        assertArrayEquals(
                new int[] {126, 0}, GluePairEncoder.longestFirst(600, 0, 126), "single sentence");
    }

    @Test
    void truncationMatchesTheHfTokenizersLongestFirstOnRealPairs() throws IOException {
        List<GlueExample> examples =
                new ArrayList<>(
                        GlueReader.read(GlueTestPaths.sampleGlueDir(), GlueTask.RTE, GlueSplit.DEV)
                                .subList(0, 60));
        examples.add(
                new GlueExample(
                        "tie",
                        "one two three four five six",
                        "seven eight nine ten eleven twelve",
                        0,
                        Float.NaN));
        examples.add(new GlueExample("short-first", "yes .", "word ".repeat(100), 0, Float.NaN));
        Map<String, String> options =
                Map.of(
                        "addSpecialTokens",
                        "true",
                        "truncation",
                        "LONGEST_FIRST",
                        "maxLength",
                        String.valueOf(MAX_LENGTH),
                        "padding",
                        "false");
        int truncated = 0;
        Map<String, String> tieOptions = new HashMap<>(options);
        tieOptions.put("maxLength", "12");
        try (GluePairEncoder tieEncoder = GluePairEncoder.load(GlueTestPaths.tokenizerJson(), 12);
                HuggingFaceTokenizer reference =
                        HuggingFaceTokenizer.newInstance(GlueTestPaths.tokenizerJson(), options);
                HuggingFaceTokenizer tieReference =
                        HuggingFaceTokenizer.newInstance(
                                GlueTestPaths.tokenizerJson(), tieOptions)) {
            for (GlueExample example : examples) {
                long[] ids = encoder.inputIds(example);
                assertTrue(ids.length <= MAX_LENGTH);
                assertArrayEquals(
                        reference.encode(example.textA(), example.textB()).getIds(),
                        ids,
                        example.id());
                truncated += ids.length == MAX_LENGTH ? 1 : 0;
            }
            // 6 + 6 tokens into 12 - 3 = 9: first keeps 4, second 5 ("seven eight nine ten eleven")
            long[] tie = tieEncoder.inputIds(examples.get(60));
            assertArrayEquals(
                    concat(
                            wordPieceIds("one two three four"),
                            wordPieceIds("seven eight nine ten eleven")),
                    tie);
            GlueExample tieExample = examples.get(60);
            assertArrayEquals(
                    tieReference.encode(tieExample.textA(), tieExample.textB()).getIds(), tie);
        }
        assertTrue(truncated > 20, "most RTE pairs exceed 32 tokens: " + truncated);
        long[] shortFirst = encoder.inputIds(examples.get(61));
        assertArrayEquals(
                concat(wordPieceIds("yes ."), wordPieceIds("word ".repeat(MAX_LENGTH - 5))),
                shortFirst,
                "the short first sentence is kept whole");
    }

    @Test
    void batchEncodingEqualsOneByOne() throws IOException {
        List<GlueExample> pairs =
                GlueReader.read(GlueTestPaths.sampleGlueDir(), GlueTask.MRPC, GlueSplit.DEV)
                        .subList(0, 40);
        List<long[]> batch = encoder.inputIds(pairs);
        for (int i = 0; i < pairs.size(); i++) {
            assertArrayEquals(encoder.inputIds(pairs.get(i)), batch.get(i));
        }
        List<GlueExample> singles =
                List.of(
                        new GlueExample("0", "a b", null, 0, Float.NaN),
                        new GlueExample("1", "c", null, 1, Float.NaN));
        assertEquals(4, encoder.inputIds(singles).get(0).length);
        assertFalse(encoder.inputIds(singles).isEmpty());
    }

    @Test
    void missingTokenizerOrTinyMaxLengthIsBadInput() {
        Path missing = GlueTestPaths.repoRoot().resolve("models/no-such-tokenizer.json");
        BadInputException error =
                assertThrows(BadInputException.class, () -> GluePairEncoder.load(missing, 128));
        assertTrue(error.getMessage().startsWith(missing + ": no such file"), error.getMessage());
        assertThrows(
                BadInputException.class,
                () -> GluePairEncoder.load(GlueTestPaths.tokenizerJson(), 2));
    }
}
