package dev.amos.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** ELECTRA-style packing: layout, length, document boundaries, determinism. */
class ExamplePackerTest {

    private static final SpecialTokens SPECIAL =
            new SpecialTokens(0, 100, 101, 102, 103, 30522, List.of());
    private static final int DOC_STRIDE = 1000;

    /**
     * Documents whose tokens say where they come from: document d uses ids d * 1000 + 1000 +
     * (0..999), counting up across its lines, so every id identifies its document and position.
     */
    private static List<List<long[]>> labelledDocuments(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<List<long[]>> documents = new ArrayList<>();
        for (int d = 0; d < count; d++) {
            List<long[]> lines = new ArrayList<>();
            int next = 0;
            int lineCount = 1 + random.nextInt(12);
            for (int l = 0; l < lineCount && next < DOC_STRIDE - 300; l++) {
                int length =
                        random.nextInt(10) == 0
                                ? 150 + random.nextInt(140)
                                : 1 + random.nextInt(60);
                long[] line = new long[length];
                for (int t = 0; t < length; t++) {
                    line[t] = DOC_STRIDE * (d + 1L) + next++;
                }
                lines.add(line);
            }
            documents.add(lines);
        }
        return documents;
    }

    @Test
    void examplesRespectLengthLayoutAndDocumentBoundaries() {
        TokenCorpus corpus = TokenCorpus.of(labelledDocuments(300, 1));
        for (int maxLength : new int[] {16, 64, 128}) {
            PackedExamples examples = new ExamplePacker(maxLength, SPECIAL).pack(corpus, 7);
            assertTrue(examples.size() > 300, "examples: " + examples.size());
            long[] padded = new long[maxLength];
            for (long i = 0; i < examples.size(); i++) {
                int length = examples.fill(i, padded);
                assertEquals(examples.length(i), length);
                assertTrue(length <= maxLength && length >= 3, "length " + length);
                assertEquals(SPECIAL.cls(), padded[0]);
                assertEquals(SPECIAL.sep(), padded[length - 1]);
                long document = -1;
                int separators = 0;
                long previous = -1;
                for (int p = 1; p < length - 1; p++) {
                    long id = padded[p];
                    if (id == SPECIAL.sep()) {
                        separators++;
                        continue;
                    }
                    assertTrue(id >= DOC_STRIDE, "a corpus token, not a special one");
                    if (document < 0) {
                        document = id / DOC_STRIDE;
                    }
                    assertEquals(document, id / DOC_STRIDE, "example " + i + " crosses documents");
                    assertTrue(id != previous, "no token repeated");
                    previous = id;
                }
                assertTrue(separators <= 1, "at most [CLS] A [SEP] B [SEP]");
                assertTrue(
                        padded[1] != SPECIAL.sep() && padded[length - 2] != SPECIAL.sep(),
                        "segments are not empty");
                for (int p = length; p < maxLength; p++) {
                    assertEquals(SPECIAL.pad(), padded[p]);
                }
            }
        }
    }

    @Test
    void packingKeepsMostTokensAndUsesBothShapes() {
        TokenCorpus corpus = TokenCorpus.of(labelledDocuments(400, 2));
        PackedExamples examples = new ExamplePacker(128, SPECIAL).pack(corpus, 3);
        long kept = 0;
        int twoSegments = 0;
        int full = 0;
        for (long i = 0; i < examples.size(); i++) {
            long[] ids = examples.ids(i);
            kept += ids.length - 2 - (hasSecondSegment(ids) ? 1 : 0);
            twoSegments += hasSecondSegment(ids) ? 1 : 0;
            full += ids.length >= 120 ? 1 : 0;
        }
        assertTrue(
                kept > 0.75 * corpus.tokenCount(), "kept " + kept + " of " + corpus.tokenCount());
        assertTrue(twoSegments > examples.size() / 4, "two-segment examples: " + twoSegments);
        assertTrue(full > examples.size() / 4, "near-full examples: " + full);
    }

    private static boolean hasSecondSegment(long[] ids) {
        for (int p = 1; p < ids.length - 1; p++) {
            if (ids[p] == SPECIAL.sep()) {
                return true;
            }
        }
        return false;
    }

    @Test
    void overlongLinesAreSplitIntoChunksInsteadOfDropped() {
        long[] line = new long[1000];
        for (int t = 0; t < line.length; t++) {
            line[t] = DOC_STRIDE + t;
        }
        TokenCorpus corpus = TokenCorpus.of(List.of(List.of(line)));
        PackedExamples examples = new ExamplePacker(128, SPECIAL).pack(corpus, 5);
        long kept = 0;
        for (long i = 0; i < examples.size(); i++) {
            kept += examples.length(i);
        }
        assertTrue(
                kept - 3 * examples.size() > 950, "tokens kept: " + (kept - 3 * examples.size()));
    }

    @Test
    void sameSeedSameExamplesOtherSeedOtherExamples() {
        TokenCorpus corpus = TokenCorpus.of(labelledDocuments(200, 4));
        PackedExamples a = new ExamplePacker(64, SPECIAL).pack(corpus, 11);
        PackedExamples b = new ExamplePacker(64, SPECIAL).pack(corpus, 11);
        PackedExamples c = new ExamplePacker(64, SPECIAL).pack(corpus, 12);
        assertEquals(a.size(), b.size());
        boolean differs = a.size() != c.size();
        for (long i = 0; i < a.size(); i++) {
            assertArrayEquals(a.ids(i), b.ids(i));
            if (!differs && i < c.size()) {
                differs = !java.util.Arrays.equals(a.ids(i), c.ids(i));
            }
        }
        assertTrue(differs, "another seed gives other examples");
    }

    @Test
    void shortDocumentGivesOneSingleSegmentExample() {
        TokenCorpus corpus =
                TokenCorpus.of(
                        List.of(
                                List.of(new long[] {5000, 5001, 5002}),
                                List.of(new long[] {6000})));
        PackedExamples examples = new ExamplePacker(16, SPECIAL).pack(corpus, 0);
        assertEquals(2, examples.size());
        assertArrayEquals(new long[] {101, 5000, 5001, 5002, 102}, examples.ids(0));
        assertArrayEquals(new long[] {101, 6000, 102}, examples.ids(1));
    }
}
