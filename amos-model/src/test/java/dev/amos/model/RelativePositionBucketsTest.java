package dev.amos.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RelativePositionBucketsTest {

    private static final int MAX_POSITIONS = 512;
    private static final int MAX_DISTANCE = 128;

    @Test
    void thirtyTwoBucketsMatchTheReleasedCode() {
        Map<Integer, Long> expected =
                Map.ofEntries(
                        Map.entry(0, 15L),
                        Map.entry(1, 16L),
                        Map.entry(9, 24L),
                        Map.entry(12, 25L),
                        Map.entry(16, 25L),
                        Map.entry(20, 26L),
                        Map.entry(127, 30L),
                        Map.entry(511, 30L),
                        Map.entry(-1, 14L),
                        Map.entry(-9, 6L),
                        Map.entry(-100, 0L));
        expected.forEach(
                (r, bucket) ->
                        assertEquals(
                                bucket,
                                RelativePositionBuckets.bucket(r, MAX_POSITIONS, 32, MAX_DISTANCE),
                                "r=" + r));
    }

    @Test
    void sixtyFourBucketsMatchTheReleasedCode() {
        Map<Integer, Long> expected =
                Map.ofEntries(
                        Map.entry(0, 31L),
                        Map.entry(1, 32L),
                        Map.entry(15, 46L),
                        Map.entry(16, 47L),
                        Map.entry(17, 48L),
                        Map.entry(30, 52L),
                        Map.entry(60, 57L),
                        Map.entry(127, 62L),
                        Map.entry(-1, 30L),
                        Map.entry(-15, 16L),
                        Map.entry(-16, 15L),
                        Map.entry(-17, 14L),
                        Map.entry(-30, 10L),
                        Map.entry(-60, 5L),
                        Map.entry(-127, 0L));
        expected.forEach(
                (r, bucket) ->
                        assertEquals(
                                bucket,
                                RelativePositionBuckets.bucket(r, MAX_POSITIONS, 64, MAX_DISTANCE),
                                "r=" + r));
    }

    @Test
    void matrixHoldsTheBucketOfKeyMinusQueryAndStartsAtZero() {
        int positions = 40;
        long[] matrix = RelativePositionBuckets.bucketMatrix(positions, 32, MAX_DISTANCE);
        assertEquals(positions * positions, matrix.length);
        for (int q = 0; q < positions; q++) {
            for (int k = 0; k < positions; k++) {
                assertEquals(
                        RelativePositionBuckets.bucket(k - q, positions, 32, MAX_DISTANCE),
                        matrix[q * positions + k],
                        "q=" + q + " k=" + k);
            }
        }
        assertEquals(0, Arrays.stream(matrix).min().orElseThrow());
        // with 40 positions the largest distance 39 is signed bucket 13 (of 15 per side): the shift
        // is 13, not 15
        assertEquals(13, matrix[0]);
        assertEquals(26, matrix[positions - 1]);
        assertEquals(0, matrix[(positions - 1) * positions]);
    }

    @Test
    void rejectsUnusableSettings() {
        assertThrows(
                IllegalArgumentException.class,
                () -> RelativePositionBuckets.signedBucket(1, 31, MAX_DISTANCE));
        assertThrows(
                IllegalArgumentException.class,
                () -> RelativePositionBuckets.signedBucket(1, 32, 9));
        assertThrows(
                IllegalArgumentException.class,
                () -> RelativePositionBuckets.bucket(16, 16, 32, MAX_DISTANCE));
    }
}
