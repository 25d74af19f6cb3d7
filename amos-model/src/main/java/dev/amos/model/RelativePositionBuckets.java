package dev.amos.model;

/**
 * T5-style bucketed relative positions, exactly as in the released COCO-LM / AMOS code ({@code
 * relative_position_bucket} in <a href="https://github.com/microsoft/COCO-LM">COCO-LM</a>, reused
 * by AMOS, Meng et al., ICLR 2022, <a href="https://arxiv.org/abs/2204.03243">arXiv
 * 2204.03243</a>).
 *
 * <p>For a relative position {@code r = keyIndex - queryIndex}: half of the buckets go to each
 * sign; inside one half, distances below {@code maxExact = numBuckets / 4} get their own bucket and
 * larger ones are binned logarithmically up to {@code maxDistance}, beyond which all share the last
 * bucket. The signed value is then shifted by the minimum over the {@code maxPositions x
 * maxPositions} grid so that bucket indices start at 0 (the model does {@code rp_bucket -=
 * rp_bucket.min()}).
 *
 * <p>The logarithm is computed in double precision; the released code uses float32. Both give the
 * same buckets: the ratio is an exact integer only at {@code n = maxExact} (log 1 = 0) and at
 * {@code n = maxDistance - 1}, where the result is clamped to the last bucket anyway.
 */
public final class RelativePositionBuckets {

    private RelativePositionBuckets() {}

    /**
     * The signed bucket of relative position {@code r} (before the shift to 0), in {@code
     * [-(numBuckets/2 - 1), numBuckets/2 - 1]}.
     *
     * @param r key index minus query index
     * @param numBuckets total number of buckets (even, at least 4)
     * @param maxDistance distance from which all positions share the outermost bucket
     */
    public static long signedBucket(long r, int numBuckets, int maxDistance) {
        validate(numBuckets, maxDistance);
        int halfBuckets = numBuckets / 2;
        int maxExact = halfBuckets / 2;
        long n = Math.abs(r);
        long value;
        if (n < maxExact) {
            value = n;
        } else {
            double logRatio =
                    Math.log((double) n / maxExact) / Math.log((maxDistance - 1.0) / maxExact);
            long large = maxExact + (long) Math.ceil(logRatio * (halfBuckets - 1 - maxExact));
            value = Math.min(halfBuckets - 1, large);
        }
        return value * Long.signum(r);
    }

    /**
     * The bucket index (from 0) of relative position {@code r} in a model with {@code maxPositions}
     * positions: {@link #signedBucket} minus its minimum over the grid, which is the bucket of
     * {@code r = -(maxPositions - 1)} since the bucket grows with {@code r}.
     *
     * @param r key index minus query index, with {@code |r| < maxPositions}
     */
    public static long bucket(long r, int maxPositions, int numBuckets, int maxDistance) {
        if (maxPositions < 1) {
            throw new IllegalArgumentException("maxPositions must be >= 1, got " + maxPositions);
        }
        if (Math.abs(r) >= maxPositions) {
            throw new IllegalArgumentException(
                    "relative position "
                            + r
                            + " is outside a grid of "
                            + maxPositions
                            + " positions");
        }
        return signedBucket(r, numBuckets, maxDistance)
                - minimumBucket(maxPositions, numBuckets, maxDistance);
    }

    /**
     * The bucket index matrix {@code Bk[q][k] = bucket(k - q)} of shape (maxPositions,
     * maxPositions), row-major (query index major).
     */
    public static long[] bucketMatrix(int maxPositions, int numBuckets, int maxDistance) {
        if (maxPositions < 1) {
            throw new IllegalArgumentException("maxPositions must be >= 1, got " + maxPositions);
        }
        long offset = minimumBucket(maxPositions, numBuckets, maxDistance);
        long[] bySignedDistance = new long[2 * maxPositions - 1];
        for (int r = -(maxPositions - 1); r < maxPositions; r++) {
            bySignedDistance[r + maxPositions - 1] =
                    signedBucket(r, numBuckets, maxDistance) - offset;
        }
        long[] matrix = new long[maxPositions * maxPositions];
        for (int q = 0; q < maxPositions; q++) {
            for (int k = 0; k < maxPositions; k++) {
                matrix[q * maxPositions + k] = bySignedDistance[k - q + maxPositions - 1];
            }
        }
        return matrix;
    }

    private static long minimumBucket(int maxPositions, int numBuckets, int maxDistance) {
        return signedBucket(-(maxPositions - 1L), numBuckets, maxDistance);
    }

    private static void validate(int numBuckets, int maxDistance) {
        if (numBuckets < 4 || numBuckets % 2 != 0) {
            throw new IllegalArgumentException(
                    "numBuckets must be even and >= 4, got " + numBuckets);
        }
        int maxExact = numBuckets / 4;
        if (maxDistance - 1 <= maxExact) {
            throw new IllegalArgumentException(
                    "maxDistance must exceed numBuckets/4 + 1 = "
                            + (maxExact + 1)
                            + ", got "
                            + maxDistance);
        }
    }
}
