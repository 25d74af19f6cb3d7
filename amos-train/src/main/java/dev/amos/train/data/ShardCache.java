package dev.amos.train.data;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amos.io.AtomicFiles;
import dev.amos.io.LineReader;
import dev.amos.io.ProgressBar;
import dev.amos.io.Sha256;
import dev.amos.model.BadInputException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Tokenizes a corpus once into token shards and reuses them on later runs.
 *
 * <p>{@link #prepare} compares the folder's {@code manifest.json} with the current inputs (path,
 * size, last-modified time of every file), the tokenizer's sha256 and the format version: if all
 * match and the shard checksums verify, the shards are reused without reading the corpus; otherwise
 * the corpus is tokenized again. New shards are written into a hidden temporary folder beside the
 * cache folder, which then replaces the cache folder by renaming, so an interrupted run never
 * leaves a half-written cache.
 *
 * <p>Input format (that of {@code data/wiki-sample.txt.gz}, see data/README.md): UTF-8 text, one
 * paragraph per line, a blank line between documents; the end of a file also ends a document. Lines
 * are stripped of surrounding whitespace and encoded without special tokens, thousands of lines per
 * native call. A literal {@code [CLS]}, {@code [SEP]}, {@code [PAD]} or {@code [MASK]} in the text
 * is stored as {@code [UNK]}, so that only the packer places structural tokens.
 */
public final class ShardCache {

    /** Default shard budget: 64 Mi tokens (128 MiB at 2 bytes per token). */
    public static final long DEFAULT_TOKENS_PER_SHARD = 64L << 20;

    /** The file beside the manifest that keeps the corpus's unigram loss ({@link #unigramLoss}). */
    public static final String UNIGRAM_FILE = "unigram.json";

    private static final int BATCH_LINES = 4096;
    private static final long BATCH_CHARS = 4L << 20;

    private final Path folder;
    private long tokensPerShard = DEFAULT_TOKENS_PER_SHARD;
    private PrintStream progress;
    private boolean verifyChecksums = true;

    /**
     * A cache in {@code folder} (created when needed; an existing folder must be empty or hold a
     * previous shard cache, since it is replaced as a whole).
     *
     * @param folder the shard folder, e.g. {@code ~/.cache/amos/shards/<key>} (see {@link
     *     #cacheKey})
     */
    public ShardCache(Path folder) {
        this.folder = folder.toAbsolutePath().normalize();
    }

    /**
     * The outcome of {@link #prepare}.
     *
     * @param shards the opened shards
     * @param reused true if the existing shards were reused (no tokenization)
     * @param seconds wall time of {@link #prepare}
     */
    public record Result(TokenShards shards, boolean reused, double seconds) {}

    /**
     * Sets the shard budget.
     *
     * @param tokens a shard is closed at the first document end after this many tokens
     * @return this cache
     */
    public ShardCache tokensPerShard(long tokens) {
        this.tokensPerShard = tokens;
        return this;
    }

    /**
     * Sets where the progress bar and notes go (normally {@code System.err}); null for silence.
     *
     * @param out the stream, or null
     * @return this cache
     */
    public ShardCache progress(PrintStream out) {
        this.progress = out;
        return this;
    }

    /**
     * Whether to check every shard file's sha256 before reusing a cache (default true).
     *
     * @param verify true to verify
     * @return this cache
     */
    public ShardCache verifyChecksums(boolean verify) {
        this.verifyChecksums = verify;
        return this;
    }

    /**
     * A short, stable folder name for a corpus and tokenizer, e.g. for {@code
     * ~/.cache/amos/shards/<key>}. It depends on the paths only; content changes are caught by the
     * manifest.
     *
     * @param corpus the corpus arguments
     * @param tokenizerFile the tokenizer file
     * @return 16 hex characters
     */
    public static String cacheKey(List<Path> corpus, Path tokenizerFile) {
        StringBuilder text = new StringBuilder();
        for (Path path : corpus) {
            text.append(path.toAbsolutePath().normalize()).append('\n');
        }
        text.append(tokenizerFile.toAbsolutePath().normalize());
        return Sha256.of(text.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }

    /**
     * Returns shards for the corpus, reusing the cache when it matches, tokenizing otherwise.
     *
     * @param corpus corpus files and folders
     * @param tokenizer the tokenizer
     * @return the shards and whether they were reused
     * @throws BadInputException for a bad corpus file (missing, empty, binary, corrupt gzip) or a
     *     cache folder that is not a shard cache
     * @throws IOException if reading or writing fails
     */
    public Result prepare(List<Path> corpus, CorpusTokenizer tokenizer) throws IOException {
        long start = System.nanoTime();
        List<InputFile> inputs = CorpusInputs.resolve(corpus);
        ShardManifest existing = ShardManifest.readIfValid(folder.resolve(ShardManifest.FILE_NAME));
        if (existing != null && existing.matches(inputs, tokenizer.sha256())) {
            try {
                TokenShards shards = TokenShards.open(folder, verifyChecksums);
                return new Result(shards, true, (System.nanoTime() - start) / 1e9);
            } catch (IOException e) {
                note("shard cache unusable, tokenizing again: " + e.getMessage());
            }
        }
        checkReplaceable();
        Path parent = folder.getParent();
        Files.createDirectories(parent);
        Path temp = Files.createTempDirectory(parent, "." + folder.getFileName() + ".tmp-");
        try {
            ShardManifest manifest = tokenize(temp, inputs, tokenizer);
            manifest.write(temp.resolve(ShardManifest.FILE_NAME));
            AtomicFiles.replaceFolder(temp, folder);
        } catch (IOException | RuntimeException | Error e) {
            AtomicFiles.deleteTree(temp);
            throw e;
        }
        TokenShards shards = TokenShards.open(folder, false);
        return new Result(shards, false, (System.nanoTime() - start) / 1e9);
    }

    private void checkReplaceable() throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        if (!Files.isDirectory(folder)) {
            throw BadInputException.of(folder, "is a file (expected a shard cache folder)");
        }
        boolean isShardCache = Files.exists(folder.resolve(ShardManifest.FILE_NAME));
        try (Stream<Path> entries = Files.list(folder)) {
            if (!isShardCache && entries.findAny().isPresent()) {
                throw BadInputException.of(
                        folder,
                        "folder is not empty and holds no "
                                + ShardManifest.FILE_NAME
                                + " (expected an empty folder or a shard cache; it would be replaced)");
            }
        }
    }

    private ShardManifest tokenize(Path target, List<InputFile> inputs, CorpusTokenizer tokenizer)
            throws IOException {
        SpecialTokens special = tokenizer.specialTokens();
        int tokenBytes = special.vocabSize() <= 65536 ? 2 : 4;
        long totalBytes = inputs.stream().mapToLong(InputFile::size).sum();
        long invalidUtf8 = 0;
        long crlfLines = 0;
        List<ShardManifest.Shard> shards;
        ProgressBar bar =
                progress == null ? null : ProgressBar.forBytes("tokenize", totalBytes, progress);
        try (ShardWriter writer = new ShardWriter(target, tokenBytes, tokensPerShard)) {
            LineBatch batch = new LineBatch(tokenizer, writer);
            long bytesBefore = 0;
            for (InputFile input : inputs) {
                Path file = Path.of(input.path());
                long tokensBefore = writer.totalTokens();
                try (LineReader reader = new LineReader(file)) {
                    long textLines = readFile(reader, batch, bar, bytesBefore);
                    if (textLines == 0) {
                        throw BadInputException.of(
                                file,
                                "no text (expected UTF-8 text, one paragraph per line, a blank line between documents)");
                    }
                    if (writer.totalTokens() == tokensBefore) {
                        throw BadInputException.of(
                                file, "no tokens (the tokenizer found no words in this file)");
                    }
                    invalidUtf8 += reader.invalidUtf8();
                    crlfLines += reader.crlfLines();
                    if (reader.invalidUtf8() > 0) {
                        note(
                                file
                                        + ":"
                                        + reader.firstInvalidUtf8Line()
                                        + ": replaced "
                                        + reader.invalidUtf8()
                                        + " invalid UTF-8 sequence(s) in this file by U+FFFD");
                    }
                }
                bytesBefore += input.size();
            }
            shards = writer.finish();
            if (bar != null) {
                bar.update(totalBytes, tokensSuffix(writer.totalTokens()));
                bar.close();
            }
            if (crlfLines > 0) {
                note(crlfLines + " line(s) ended in CRLF; read as LF");
            }
            return new ShardManifest(
                    ShardManifest.FORMAT,
                    ShardManifest.FORMAT_VERSION,
                    tokenizer.source().toAbsolutePath().normalize().toString(),
                    tokenizer.sha256(),
                    special.vocabSize(),
                    tokenBytes,
                    "little-endian",
                    inputs,
                    writer.totalTokens(),
                    writer.totalLines(),
                    writer.totalDocuments(),
                    invalidUtf8,
                    crlfLines,
                    shards,
                    Instant.now().toString());
        }
    }

    private static long readFile(
            LineReader reader, LineBatch batch, ProgressBar bar, long bytesBefore)
            throws IOException {
        long textLines = 0;
        String line;
        while ((line = reader.readLine()) != null) {
            String text = line.strip();
            if (text.isEmpty()) {
                batch.endDocument();
                continue;
            }
            textLines++;
            if (batch.add(text)) {
                batch.flush();
                if (bar != null) {
                    bar.update(
                            bytesBefore + reader.fileBytesRead(),
                            tokensSuffix(batch.writer.totalTokens()));
                }
            }
        }
        batch.endDocument();
        batch.flush();
        return textLines;
    }

    private static String tokensSuffix(long tokens) {
        return String.format(Locale.ROOT, "%.1f M tokens", tokens / 1e6);
    }

    private void note(String message) {
        if (progress != null) {
            progress.println("note: " + message);
        }
    }

    /** Lines waiting to be encoded in one native call, with the document ends between them. */
    private static final class LineBatch {
        private final CorpusTokenizer tokenizer;
        private final ShardWriter writer;
        private final String[] lines = new String[BATCH_LINES];
        private final boolean[] endsDocument = new boolean[BATCH_LINES];
        private int count;
        private long chars;

        LineBatch(CorpusTokenizer tokenizer, ShardWriter writer) {
            this.tokenizer = tokenizer;
            this.writer = writer;
        }

        /** Adds a line; returns true when the batch is full and must be flushed. */
        boolean add(String text) {
            lines[count] = text;
            endsDocument[count] = false;
            count++;
            chars += text.length();
            return count == BATCH_LINES || chars >= BATCH_CHARS;
        }

        /**
         * The HF tokenizer turns a literal "[SEP]" (or [CLS], [PAD], [MASK]) in the text into that
         * special id; in corpus text it is just a word, so it becomes [UNK] rather than a fake
         * separator or mask.
         */
        private void replaceStructuralTokens(long[] ids) {
            SpecialTokens special = tokenizer.specialTokens();
            for (int t = 0; t < ids.length; t++) {
                long id = ids[t];
                if (id == special.cls()
                        || id == special.sep()
                        || id == special.pad()
                        || id == special.mask()) {
                    ids[t] = special.unk();
                }
            }
        }

        void endDocument() throws IOException {
            if (count > 0) {
                endsDocument[count - 1] = true;
            } else {
                writer.endDocument();
            }
        }

        void flush() throws IOException {
            long[][] ids = tokenizer.encode(lines, count);
            for (int i = 0; i < count; i++) {
                replaceStructuralTokens(ids[i]);
                writer.addLine(ids[i]);
                if (endsDocument[i]) {
                    writer.endDocument();
                }
                lines[i] = null;
            }
            count = 0;
            chars = 0;
        }
    }

    /**
     * @return the cache folder
     */
    public Path folder() {
        return folder;
    }

    /**
     * The corpus's unigram loss: the entropy, in nats, of the distribution of the tokens the masker
     * can select (all but {@code [CLS]}, {@code [SEP]}, {@code [PAD]} and {@code [MASK]}, which the
     * shards never hold anyway; {@code [UNK]} is counted). It is the loss of an MLM that ignores
     * its input and predicts the corpus's token frequencies at every masked position: the plateau
     * the loss at {@code [MASK]} stays on until a network uses the context.
     *
     * <p>Computed once per corpus: read from {@value #UNIGRAM_FILE} beside the shard manifest when
     * it belongs to these shards (same token count, tokenizer and creation time as the manifest),
     * else counted from the shards and written there atomically (a cache made before the file
     * existed gets it at its first use). A cache folder that cannot be written is only noted.
     *
     * @param shards the shards of this cache (from {@link #prepare})
     * @param special the tokenizer's special tokens
     * @return the unigram loss in nats
     * @throws IOException if the shards cannot be read
     */
    public double unigramLoss(TokenShards shards, SpecialTokens special) throws IOException {
        ShardManifest manifest = shards.manifest();
        Path file = shards.folder().resolve(UNIGRAM_FILE);
        Double stored = readUnigram(file, manifest);
        if (stored != null) {
            return stored;
        }
        long[] counts = shards.tokenCounts(special.vocabSize());
        for (int id : new int[] {special.cls(), special.sep(), special.pad(), special.mask()}) {
            counts[id] = 0;
        }
        long total = 0;
        long distinct = 0;
        for (long c : counts) {
            total += c;
            distinct += c > 0 ? 1 : 0;
        }
        double loss = entropy(counts, total);
        JsonObject json = new JsonObject();
        json.addProperty("unigram_loss", loss);
        json.addProperty("counted_tokens", total);
        json.addProperty("distinct_tokens", distinct);
        json.addProperty(
                "counted",
                "every token the masker can select: all but [CLS], [SEP], [PAD], [MASK]");
        json.addProperty("shard_tokens", manifest.tokens());
        json.addProperty("tokenizer_sha256", manifest.tokenizerSha256());
        json.addProperty("shards_created", manifest.created());
        try {
            AtomicFiles.write(
                    file, out -> out.write((json + "\n").getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            note("could not keep the unigram loss in " + file + ": " + e.getMessage());
        }
        return loss;
    }

    /** The stored unigram loss when the file is readable and made from these shards; else null. */
    private static Double readUnigram(Path file, ShardManifest manifest) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            JsonObject json =
                    JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8))
                            .getAsJsonObject();
            boolean same =
                    json.get("shard_tokens").getAsLong() == manifest.tokens()
                            && json.get("tokenizer_sha256")
                                    .getAsString()
                                    .equals(manifest.tokenizerSha256())
                            && json.get("shards_created").getAsString().equals(manifest.created());
            double loss = json.get("unigram_loss").getAsDouble();
            return same && Double.isFinite(loss) && loss >= 0 ? loss : null;
        } catch (IOException | RuntimeException e) {
            return null; // unreadable or from an older layout: counted again
        }
    }

    /** Entropy in nats of the distribution {@code counts / total}. */
    static double entropy(long[] counts, long total) {
        double h = 0;
        for (long c : counts) {
            if (c > 0) {
                double p = (double) c / total;
                h -= p * Math.log(p);
            }
        }
        return h;
    }
}
