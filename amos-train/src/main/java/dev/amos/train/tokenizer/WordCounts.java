package dev.amos.train.tokenizer;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.ObjLongConsumer;

/**
 * Word frequencies counted in one pass with a bounded number of distinct words.
 *
 * <p><b>The pruning rule.</b> When a new word would make the map hold more than {@code maxWords}
 * distinct words, every word whose count is below a threshold {@code t} is dropped first, {@code t}
 * being the smallest count that leaves at most {@code maxWords / 2} words. A dropped word seen
 * again starts from zero, so a word that is rare early and frequent later is undercounted by at
 * most the count it had when dropped (below {@code t}); the words that survive every pruning are
 * counted exactly. With fewer distinct words than {@code maxWords} nothing is ever dropped and
 * every count is exact. The map then holds at most {@code maxWords} entries (about 120 bytes each
 * on a 64-bit JVM), whatever the corpus size; the input order decides what is dropped, so the same
 * corpus gives the same counts.
 */
public final class WordCounts {

    private final int maxWords;
    private final HashMap<String, long[]> counts = new HashMap<>();
    private long total;
    private int prunings;
    private long dropped;
    private long highestThreshold;

    /**
     * An empty map.
     *
     * @param maxWords the most distinct words held, >= 2
     */
    public WordCounts(int maxWords) {
        if (maxWords < 2) {
            throw new IllegalArgumentException("maxWords must be >= 2, got " + maxWords);
        }
        this.maxWords = maxWords;
    }

    /**
     * Counts one occurrence of {@code word}.
     *
     * @param word the word
     */
    public void add(String word) {
        total++;
        long[] count = counts.get(word);
        if (count != null) {
            count[0]++;
            return;
        }
        if (counts.size() >= maxWords) {
            prune();
        }
        counts.put(word, new long[] {1});
    }

    private void prune() {
        long[] values = new long[counts.size()];
        int i = 0;
        for (long[] count : counts.values()) {
            values[i++] = count[0];
        }
        Arrays.sort(values);
        int keep = maxWords / 2;
        // the smallest t with #(count >= t) <= keep: one above the count at rank size-keep-1
        // (ascending)
        long threshold = values[values.length - keep - 1] + 1;
        for (Iterator<Map.Entry<String, long[]>> it = counts.entrySet().iterator();
                it.hasNext(); ) {
            if (it.next().getValue()[0] < threshold) {
                it.remove();
                dropped++;
            }
        }
        prunings++;
        highestThreshold = Math.max(highestThreshold, threshold);
    }

    /**
     * Hands every word and its count to {@code action} (in no particular order).
     *
     * @param action receives (word, count)
     */
    public void forEach(ObjLongConsumer<String> action) {
        counts.forEach((word, count) -> action.accept(word, count[0]));
    }

    /**
     * @return the count of {@code word}, 0 if not held
     */
    public long count(String word) {
        long[] count = counts.get(word);
        return count == null ? 0 : count[0];
    }

    /**
     * @return distinct words held
     */
    public int size() {
        return counts.size();
    }

    /**
     * @return words counted, dropped ones included
     */
    public long total() {
        return total;
    }

    /**
     * @return how many times the map was pruned
     */
    public int prunings() {
        return prunings;
    }

    /**
     * @return distinct-word entries dropped by pruning, over all prunings
     */
    public long dropped() {
        return dropped;
    }

    /**
     * @return the highest pruning threshold used (0 if never pruned): words below it may be
     *     undercounted
     */
    public long highestThreshold() {
        return highestThreshold;
    }
}
