package dev.amos.train.tokenizer;

import dev.amos.io.ProgressBar;
import dev.amos.model.BadInputException;
import dev.amos.train.data.BertVocabTokenizerJson;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * Trains a WordPiece vocabulary the way BERT and ELECTRA vocabularies are trained with the Hugging
 * Face tokenizers library ({@code BertWordPieceTokenizer.train}, its {@code WordPieceTrainer}: BPE
 * merges over words with the {@code ##} continuation prefix), streaming the corpus once.
 *
 * <ol>
 *   <li><b>Count words</b>: every line through {@link BertPreTokenizer} (cased, or uncased with
 *       {@link Builder#optLowercase}), into a {@link WordCounts} of at most {@link
 *       Builder#optMaxWords} distinct words (its pruning rule bounds the memory).
 *   <li><b>Alphabet</b>: the {@link Builder#optLimitAlphabet} most frequent characters (ties: lower
 *       code point first). A word with a character outside it, or longer than {@value
 *       WordPieceVocabulary#MAX_INPUT_CHARS_PER_WORD} characters, is left out of training (the
 *       WordPiece model makes it {@code [UNK]} anyway).
 *   <li><b>Initial vocabulary</b>: {@code [PAD] [UNK] [CLS] [SEP] [MASK]} (ids 0 to 4), the
 *       alphabet by code point, then {@code ##c} for every alphabet character that continues a
 *       word, by code point.
 *   <li><b>Merges</b>: each word is its first character followed by {@code ##} characters; the
 *       adjacent pair of symbols with the highest count (summed over word frequencies) is merged
 *       into a new token ({@code a + ##b = ab}, {@code ##a + ##b = ##ab}) everywhere, until the
 *       vocabulary has the target size or the best pair occurs fewer than {@link
 *       Builder#optMinFrequency} times. Ties go to the pair whose left, then right, token sorts
 *       first as a string, so the same corpus and options always give the same vocabulary.
 *   <li><b>Size</b>: the target is {@code vocabSize} rounded up to a multiple of 64 (the embedding
 *       and MLM-head matrices), or exactly {@code vocabSize} with {@link Builder#optExactSize}.
 *       When the merges run out first, the vocabulary is smaller: {@code [unusedN]} tokens (as
 *       BERT's vocabulary has them) fill it up to the next multiple of 64, none with the exact
 *       size.
 * </ol>
 *
 * <p>Unlike the Rust trainer, whose {@code ##} symbols and tie order follow hash-map iteration,
 * every order here is a sort order.
 */
public final class WordPieceTrainer {

    /** The special tokens, ids 0 to 4, in the order {@code amos train} reads them. */
    public static final List<String> SPECIAL_TOKENS = BertVocabTokenizerJson.SPECIAL_TOKENS;

    /** Default {@link Builder#optMinFrequency}, as in {@code BertWordPieceTokenizer.train}. */
    public static final int DEFAULT_MIN_FREQUENCY = 2;

    /** Default {@link Builder#optLimitAlphabet}, as in {@code BertWordPieceTokenizer.train}. */
    public static final int DEFAULT_LIMIT_ALPHABET = 1000;

    /** Default {@link Builder#optMaxWords}. */
    public static final int DEFAULT_MAX_WORDS = 2_000_000;

    private final int vocabSize;
    private final boolean lowercase;
    private final boolean exactSize;
    private final int minFrequency;
    private final int limitAlphabet;
    private final int maxWords;
    private final PrintStream progress;

    private WordPieceTrainer(Builder b) {
        vocabSize = b.vocabSize;
        lowercase = b.lowercase;
        exactSize = b.exactSize;
        minFrequency = b.minFrequency;
        limitAlphabet = b.limitAlphabet;
        maxWords = b.maxWords;
        progress = b.progress;
    }

    /**
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The size a vocabulary is trained to.
     *
     * @param vocabSize the size asked for
     * @param exact whether to keep it as is
     * @return {@code vocabSize} rounded up to a multiple of 64, or itself when {@code exact}
     */
    public static int targetSize(int vocabSize, boolean exact) {
        return exact ? vocabSize : (int) ((vocabSize + 63L) / 64 * 64);
    }

    /**
     * What a training produced.
     *
     * @param vocabulary the trained vocabulary
     * @param counts the word counts it was trained on
     * @param lines text lines read
     * @param alphabet characters kept
     * @param initialSize specials, alphabet and {@code ##} characters
     * @param merges merges made
     * @param unused {@code [unusedN]} tokens added to reach a multiple of 64 after the merges ran
     *     out
     * @param mergesRanOut whether the best pair fell below the minimum frequency before the target
     * @param trainingWords distinct words the merges were learned from
     * @param countSeconds time spent reading and counting
     * @param mergeSeconds time spent merging
     */
    public record Result(
            WordPieceVocabulary vocabulary,
            WordCounts counts,
            long lines,
            int alphabet,
            int initialSize,
            int merges,
            int unused,
            boolean mergesRanOut,
            int trainingWords,
            double countSeconds,
            double mergeSeconds) {

        /**
         * Tokens per word and [UNK] share of the vocabulary on the words it was trained on
         * (weighted by their counts).
         *
         * @return the measurement
         */
        public TokenizerQuality trainingQuality() {
            long[] sums = new long[3];
            counts.forEach(
                    (word, count) -> {
                        int[] pieces = {0, 0};
                        vocabulary.segmentWord(
                                word,
                                id -> {
                                    pieces[0]++;
                                    if (id == vocabulary.unknownId()) {
                                        pieces[1]++;
                                    }
                                });
                        sums[0] += count;
                        sums[1] += count * pieces[0];
                        sums[2] += count * pieces[1];
                    });
            return new TokenizerQuality(sums[0], sums[1], sums[2]);
        }
    }

    /**
     * Reads the corpus and trains the vocabulary.
     *
     * @param corpus text files, {@code .gz} files and folders, as {@code amos train --corpus} takes
     *     them
     * @return the vocabulary and what was done
     * @throws BadInputException for a missing, empty or binary corpus file, a corpus without words,
     *     or a target size below the specials plus the alphabet
     * @throws IOException if reading fails
     */
    public Result train(List<Path> corpus) throws IOException {
        long start = System.nanoTime();
        WordCounts counts = new WordCounts(maxWords);
        BertPreTokenizer pre = new BertPreTokenizer(lowercase);
        long lines =
                CorpusLines.read(
                        corpus,
                        "count words",
                        progress,
                        line -> pre.forEachWord(line, counts::add));
        if (counts.size() == 0) {
            throw new BadInputException("the corpus holds no words (expected text)");
        }
        double countSeconds = (System.nanoTime() - start) / 1e9;
        long mergeStart = System.nanoTime();
        Result r = merge(counts, lines, countSeconds);
        return new Result(
                r.vocabulary(),
                counts,
                lines,
                r.alphabet(),
                r.initialSize(),
                r.merges(),
                r.unused(),
                r.mergesRanOut(),
                r.trainingWords(),
                countSeconds,
                (System.nanoTime() - mergeStart) / 1e9);
    }

    private Result merge(WordCounts counts, long lines, double countSeconds) {
        int target = targetSize(vocabSize, exactSize);
        // words sorted by string: every later order derives from this one
        TreeMap<String, Long> sorted = new TreeMap<>();
        counts.forEach(sorted::put);
        int[] alphabet = alphabet(sorted);
        boolean[] continues = new boolean[alphabet.length];
        List<String> tokens = new ArrayList<>(SPECIAL_TOKENS);
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < tokens.size(); i++) {
            ids.put(tokens.get(i), i);
        }
        List<int[]> wordSymbols = new ArrayList<>();
        List<Long> wordCounts = new ArrayList<>();
        for (Map.Entry<String, Long> e : sorted.entrySet()) {
            int[] chars = e.getKey().codePoints().toArray();
            if (chars.length > WordPieceVocabulary.MAX_INPUT_CHARS_PER_WORD) {
                continue;
            }
            int[] positions = new int[chars.length];
            boolean inAlphabet = true;
            for (int i = 0; i < chars.length && inAlphabet; i++) {
                positions[i] = Arrays.binarySearch(alphabet, chars[i]);
                inAlphabet = positions[i] >= 0;
            }
            if (!inAlphabet) {
                continue;
            }
            for (int i = 1; i < chars.length; i++) {
                continues[positions[i]] = true;
            }
            wordSymbols.add(positions); // alphabet positions for now, token ids below
            wordCounts.add(e.getValue());
        }
        int firstChar = tokens.size();
        for (int c : alphabet) {
            add(tokens, ids, new String(Character.toChars(c)));
        }
        int[] continuationId = new int[alphabet.length];
        for (int i = 0; i < alphabet.length; i++) {
            if (continues[i]) {
                continuationId[i] =
                        add(
                                tokens,
                                ids,
                                WordPieceVocabulary.CONTINUATION
                                        + new String(Character.toChars(alphabet[i])));
            }
        }
        int initialSize = tokens.size();
        if (initialSize > target) {
            throw new BadInputException(
                    "--vocab-size "
                            + vocabSize
                            + " is smaller than the "
                            + SPECIAL_TOKENS.size()
                            + " special tokens plus the corpus's "
                            + alphabet.length
                            + " characters and their "
                            + (initialSize - SPECIAL_TOKENS.size() - alphabet.length)
                            + " ## continuations: expected --vocab-size >= "
                            + initialSize
                            + " (or a smaller --limit-alphabet)");
        }
        int words = wordSymbols.size();
        int[][] symbols = new int[words][];
        long[] freq = new long[words];
        for (int w = 0; w < words; w++) {
            int[] positions = wordSymbols.get(w);
            int[] s = new int[positions.length];
            for (int i = 0; i < s.length; i++) {
                s[i] = i == 0 ? firstChar + positions[i] : continuationId[positions[i]];
            }
            symbols[w] = s;
            freq[w] = wordCounts.get(w);
        }
        wordSymbols = null;
        wordCounts = null;
        Merger merger = new Merger(symbols, freq, tokens, ids, minFrequency);
        int merges = merger.run(target, progress);
        int unused = 0;
        if (tokens.size() < target && !exactSize) {
            int padded = targetSize(tokens.size(), false);
            for (int n = 0; tokens.size() < padded; n++) {
                String name = "[unused" + n + "]";
                if (!ids.containsKey(name)) {
                    add(tokens, ids, name);
                    unused++;
                }
            }
        }
        return new Result(
                new WordPieceVocabulary(tokens, lowercase),
                counts,
                lines,
                alphabet.length,
                initialSize,
                merges,
                unused,
                merger.ranOut,
                words,
                countSeconds,
                0);
    }

    /** The kept characters, sorted by code point. */
    private int[] alphabet(TreeMap<String, Long> words) {
        HashMap<Integer, long[]> charCounts = new HashMap<>();
        words.forEach(
                (word, count) ->
                        word.codePoints()
                                .forEach(
                                        c ->
                                                charCounts
                                                                .computeIfAbsent(
                                                                        c, k -> new long[1])[0] +=
                                                        count));
        List<Map.Entry<Integer, long[]>> entries = new ArrayList<>(charCounts.entrySet());
        entries.sort(
                Comparator.<Map.Entry<Integer, long[]>>comparingLong(e -> -e.getValue()[0])
                        .thenComparingInt(Map.Entry::getKey));
        return entries.stream().limit(limitAlphabet).mapToInt(Map.Entry::getKey).sorted().toArray();
    }

    private static int add(List<String> tokens, Map<String, Integer> ids, String token) {
        Integer existing = ids.putIfAbsent(token, tokens.size());
        if (existing != null) {
            return existing;
        }
        tokens.add(token);
        return tokens.size() - 1;
    }

    /**
     * The merge loop over words held as arrays of token ids. Pair counts live in open-addressing
     * arrays indexed by pair; each pair keeps the list of words it occurs in (entries may be stale:
     * a word is rescanned, never trusted). A priority queue holds candidate (pair, count) entries;
     * an entry whose count is no longer the pair's is re-queued with the current count.
     */
    private static final class Merger {
        private final int[][] symbols;
        private final long[] freq;
        private final List<String> tokens;
        private final Map<String, Integer> ids;
        private final int minFrequency;
        private final PairTable pairs = new PairTable();
        private final PriorityQueue<Candidate> queue;
        boolean ranOut;

        Merger(
                int[][] symbols,
                long[] freq,
                List<String> tokens,
                Map<String, Integer> ids,
                int minFrequency) {
            this.symbols = symbols;
            this.freq = freq;
            this.tokens = tokens;
            this.ids = ids;
            this.minFrequency = minFrequency;
            Comparator<Candidate> order =
                    Comparator.<Candidate>comparingLong(c -> -c.count)
                            .thenComparing(c -> tokens.get(PairTable.left(c.key)))
                            .thenComparing(c -> tokens.get(PairTable.right(c.key)));
            this.queue = new PriorityQueue<>(order);
        }

        int run(int target, PrintStream progress) {
            for (int w = 0; w < symbols.length; w++) {
                int[] s = symbols[w];
                for (int i = 0; i + 1 < s.length; i++) {
                    int p = pairs.index(PairTable.key(s[i], s[i + 1]));
                    pairs.count[p] += freq[w];
                    pairs.addWord(p, w);
                }
            }
            for (int p = 0; p < pairs.size; p++) {
                queue.add(new Candidate(pairs.keys[p], pairs.count[p]));
            }
            int startSize = tokens.size();
            ProgressBar bar =
                    progress == null
                            ? null
                            : new ProgressBar("merge", target - startSize, progress);
            int merges = 0;
            List<Integer> increased = new ArrayList<>();
            boolean[] queued = new boolean[0];
            while (tokens.size() < target) {
                Candidate top = queue.poll();
                if (top == null) {
                    ranOut = true;
                    break;
                }
                int p = pairs.find(top.key);
                long current = pairs.count[p];
                if (current != top.count) {
                    if (current > 0) {
                        queue.add(new Candidate(top.key, current));
                    }
                    continue;
                }
                if (current < minFrequency) {
                    ranOut = true;
                    break;
                }
                int a = PairTable.left(top.key);
                int b = PairTable.right(top.key);
                String right = tokens.get(b);
                String merged =
                        tokens.get(a) + right.substring(WordPieceVocabulary.CONTINUATION.length());
                int n = add(tokens, ids, merged);
                merges++;
                int[] words = pairs.takeWords(p);
                int wordCount = pairs.lastWordCount;
                increased.clear();
                if (queued.length < pairs.size + 1024) {
                    queued = Arrays.copyOf(queued, pairs.size * 2 + 1024);
                }
                for (int i = 0; i < wordCount; i++) {
                    int w = words[i];
                    if (i > 0 && words[i - 1] == w) {
                        continue;
                    }
                    queued = mergeWord(w, a, b, n, increased, queued);
                }
                for (int q : increased) {
                    queued[q] = false;
                    queue.add(new Candidate(pairs.keys[q], pairs.count[q]));
                }
                if (bar != null) {
                    bar.update(tokens.size() - startSize, "merges " + merges);
                }
            }
            if (bar != null) {
                bar.close();
            }
            return merges;
        }

        /** Merges every (a, b) of word w into n and applies the pair-count changes. */
        private boolean[] mergeWord(
                int w, int a, int b, int n, List<Integer> increased, boolean[] queued) {
            int[] s = symbols[w];
            int found = -1;
            for (int i = 0; i + 1 < s.length; i++) {
                if (s[i] == a && s[i + 1] == b) {
                    found = i;
                    break;
                }
            }
            if (found < 0) {
                return queued; // a stale entry
            }
            int[] merged = new int[s.length - 1];
            int length = 0;
            for (int i = 0; i < s.length; i++) {
                if (i + 1 < s.length && s[i] == a && s[i + 1] == b) {
                    merged[length++] = n;
                    i++;
                } else {
                    merged[length++] = s[i];
                }
            }
            merged = Arrays.copyOf(merged, length);
            long[] before = pairKeys(s);
            long[] after = pairKeys(merged);
            symbols[w] = merged;
            // walk both sorted key lists: delta = (occurrences after - before) * freq
            int i = 0;
            int j = 0;
            while (i < before.length || j < after.length) {
                long key =
                        i < before.length && (j >= after.length || before[i] <= after[j])
                                ? before[i]
                                : after[j];
                int was = 0;
                int now = 0;
                while (i < before.length && before[i] == key) {
                    was++;
                    i++;
                }
                while (j < after.length && after[j] == key) {
                    now++;
                    j++;
                }
                if (was == now) {
                    continue;
                }
                int p = pairs.index(key);
                if (queued.length <= p) {
                    queued = Arrays.copyOf(queued, p * 2 + 1024);
                }
                pairs.count[p] += (now - was) * freq[w];
                if (was == 0) {
                    pairs.addWord(p, w);
                }
                if (now > was && !queued[p]) {
                    queued[p] = true;
                    increased.add(p);
                }
            }
            return queued;
        }

        private static long[] pairKeys(int[] s) {
            long[] keys = new long[Math.max(0, s.length - 1)];
            for (int i = 0; i + 1 < s.length; i++) {
                keys[i] = PairTable.key(s[i], s[i + 1]);
            }
            Arrays.sort(keys);
            return keys;
        }
    }

    /** A queued pair and the count it had when queued. */
    private record Candidate(long key, long count) {}

    /** Pairs of token ids: open-addressing index, counts and word lists. */
    private static final class PairTable {
        private long[] table = new long[1 << 16]; // key + 1, 0 = empty
        private int[] slots = new int[1 << 16];
        long[] keys = new long[1024];
        long[] count = new long[1024];
        private int[][] words = new int[1024][];
        private int[] wordCounts = new int[1024];
        int size;
        int lastWordCount;

        static long key(int left, int right) {
            return ((long) left << 32) | (right & 0xFFFFFFFFL);
        }

        static int left(long key) {
            return (int) (key >>> 32);
        }

        static int right(long key) {
            return (int) key;
        }

        /** The index of a pair, added when new. */
        int index(long key) {
            int slot = slot(key);
            if (table[slot] != 0) {
                return slots[slot];
            }
            if (size == keys.length) {
                keys = Arrays.copyOf(keys, size * 2);
                count = Arrays.copyOf(count, size * 2);
                words = Arrays.copyOf(words, size * 2);
                wordCounts = Arrays.copyOf(wordCounts, size * 2);
            }
            keys[size] = key;
            table[slot] = key + 1;
            slots[slot] = size;
            size++;
            if (size * 2 > table.length) {
                rehash();
            }
            return size - 1;
        }

        /** The index of a known pair. */
        int find(long key) {
            int slot = slot(key);
            if (table[slot] == 0) {
                throw new IllegalStateException("unknown pair");
            }
            return slots[slot];
        }

        private int slot(long key) {
            int mask = table.length - 1;
            int slot = (int) (mix(key) & mask);
            while (table[slot] != 0 && table[slot] != key + 1) {
                slot = (slot + 1) & mask;
            }
            return slot;
        }

        private void rehash() {
            long[] oldTable = table;
            int[] oldSlots = slots;
            table = new long[oldTable.length * 2];
            slots = new int[oldTable.length * 2];
            for (int i = 0; i < oldTable.length; i++) {
                if (oldTable[i] != 0) {
                    int slot = slot(oldTable[i] - 1);
                    table[slot] = oldTable[i];
                    slots[slot] = oldSlots[i];
                }
            }
        }

        private static long mix(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            return h ^ (h >>> 29);
        }

        void addWord(int p, int w) {
            int[] list = words[p];
            int n = wordCounts[p];
            if (n > 0 && list[n - 1] == w) {
                return;
            }
            if (list == null) {
                list = new int[4];
            } else if (n == list.length) {
                list = Arrays.copyOf(list, n * 2);
            }
            list[n] = w;
            words[p] = list;
            wordCounts[p] = n + 1;
        }

        /**
         * Removes and returns the word list of a pair (its length in {@link #lastWordCount}),
         * sorted.
         */
        int[] takeWords(int p) {
            int[] list = words[p];
            lastWordCount = wordCounts[p];
            words[p] = null;
            wordCounts[p] = 0;
            if (list == null) {
                return new int[0];
            }
            Arrays.sort(list, 0, lastWordCount);
            return list;
        }
    }

    /** Builds a {@link WordPieceTrainer}. */
    public static final class Builder {
        private int vocabSize;
        private boolean lowercase;
        private boolean exactSize;
        private int minFrequency = DEFAULT_MIN_FREQUENCY;
        private int limitAlphabet = DEFAULT_LIMIT_ALPHABET;
        private int maxWords = DEFAULT_MAX_WORDS;
        private PrintStream progress;

        private Builder() {}

        /**
         * The vocabulary size asked for (rounded up to a multiple of 64 unless {@link
         * #optExactSize}).
         */
        public Builder setVocabSize(int vocabSize) {
            this.vocabSize = vocabSize;
            return this;
        }

        /** Uncased: lower-case and strip accents (default: cased). */
        public Builder optLowercase(boolean lowercase) {
            this.lowercase = lowercase;
            return this;
        }

        /** Keep the size exactly as asked (default: round up to a multiple of 64). */
        public Builder optExactSize(boolean exactSize) {
            this.exactSize = exactSize;
            return this;
        }

        /** The fewest occurrences of a pair that is still merged (default 2). */
        public Builder optMinFrequency(int minFrequency) {
            this.minFrequency = minFrequency;
            return this;
        }

        /** The most characters in the initial alphabet (default 1000). */
        public Builder optLimitAlphabet(int limitAlphabet) {
            this.limitAlphabet = limitAlphabet;
            return this;
        }

        /** The most distinct words counted at once (default 2,000,000; see {@link WordCounts}). */
        public Builder optMaxWords(int maxWords) {
            this.maxWords = maxWords;
            return this;
        }

        /** Where the progress bars go (default: none). */
        public Builder optProgress(PrintStream progress) {
            this.progress = progress;
            return this;
        }

        /**
         * @return the trainer
         */
        public WordPieceTrainer build() {
            if (vocabSize <= SPECIAL_TOKENS.size()) {
                throw new IllegalArgumentException(
                        "vocabSize must exceed the "
                                + SPECIAL_TOKENS.size()
                                + " special tokens, got "
                                + vocabSize);
            }
            if (minFrequency < 1 || limitAlphabet < 1 || maxWords < 2) {
                throw new IllegalArgumentException(
                        "minFrequency and limitAlphabet must be >= 1, maxWords >= 2");
            }
            return new WordPieceTrainer(this);
        }
    }
}
