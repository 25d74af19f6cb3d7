package dev.amos.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Relative-position buckets as in the released AMOS / COCO-LM code (relative = key - query). */
class RelativePositionBiasTest {

    /** Bucket of relative position r on a 512-position grid after the shift to 0. */
    private static long shifted(int r, int buckets) {
        long[] grid = Encoder.RelativePositionBias.bucketGrid(512, buckets, 128);
        // query 511 - x sees key 511 - x + r: pick a query for which the key is on the grid
        int q = r >= 0 ? 0 : 511;
        return grid[q * 512 + (q + r)];
    }

    @Test
    void thirtyTwoBuckets() {
        int[][] expected = {{0, 15}, {1, 16}, {2, 17}, {7, 22}, {8, 23}, {9, 24}, {12, 25}, {16, 25}, {20, 26},
            {32, 27}, {50, 28}, {64, 29}, {100, 30}, {127, 30}, {511, 30}, {-1, 14}, {-7, 8}, {-8, 7}, {-9, 6},
            {-16, 5}, {-20, 4}, {-32, 3}, {-50, 2}, {-64, 1}, {-100, 0}, {-511, 0}};
        for (int[] e : expected) {
            assertEquals(e[1], shifted(e[0], 32), "relative position " + e[0]);
        }
    }

    @Test
    void sixtyFourBuckets() {
        int[][] expected = {{0, 31}, {1, 32}, {15, 46}, {16, 47}, {17, 48}, {30, 52}, {60, 57}, {127, 62},
            {-1, 30}, {-15, 16}, {-16, 15}, {-17, 14}, {-30, 10}, {-60, 5}, {-127, 0}};
        for (int[] e : expected) {
            assertEquals(e[1], shifted(e[0], 64), "relative position " + e[0]);
        }
    }
}
