package dev.amos.train.data;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code manifest.json} of a shard folder: what was tokenized (input files with size and
 * last-modified time, tokenizer sha256), how the shards are stored, totals, and a sha256 for every
 * shard file.
 *
 * <p>Shard {@code shard-NNNNN} is three little-endian files: {@code .tokens} (one unsigned id of
 * {@code token_bytes} bytes per token), {@code .lines} (int64 per line: the shard-local token
 * offset where the line ends) and {@code .docs} (int64 per document: the shard-local line index
 * where the document ends). Documents never span shards; no line or document is empty.
 *
 * @param format always {@value #FORMAT}
 * @param formatVersion {@value #FORMAT_VERSION}; another version is re-tokenized
 * @param tokenizerPath the tokenizer file used (informational)
 * @param tokenizerSha256 sha256 of the tokenizer file; another tokenizer is re-tokenized
 * @param vocabSize the tokenizer's vocabulary size
 * @param tokenBytes bytes per token id in {@code .tokens} files (2 when the vocabulary has at most
 *     65536 ids, else 4)
 * @param byteOrder always {@code little-endian}
 * @param inputs the corpus files in reading order
 * @param tokens total tokens
 * @param lines total non-empty lines (paragraphs)
 * @param documents total documents
 * @param invalidUtf8 invalid UTF-8 sequences replaced by U+FFFD
 * @param crlfLines lines that ended in CRLF
 * @param shards the shards in order
 * @param created when the shards were written (ISO-8601)
 */
public record ShardManifest(
        String format,
        int formatVersion,
        String tokenizerPath,
        String tokenizerSha256,
        int vocabSize,
        int tokenBytes,
        String byteOrder,
        List<InputFile> inputs,
        long tokens,
        long lines,
        long documents,
        long invalidUtf8,
        long crlfLines,
        List<Shard> shards,
        String created) {

    /** The manifest's file name inside a shard folder. */
    public static final String FILE_NAME = "manifest.json";

    /** The format name. */
    public static final String FORMAT = "amos-token-shards";

    /** The current format version. */
    public static final int FORMAT_VERSION = 1;

    private static final Gson GSON =
            new GsonBuilder()
                    .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
                    .setPrettyPrinting()
                    .disableHtmlEscaping()
                    .create();

    /**
     * One shard.
     *
     * @param name the file name prefix, e.g. {@code shard-00000}
     * @param tokens tokens in this shard
     * @param lines lines in this shard
     * @param documents documents in this shard
     * @param files its three files with sizes and checksums
     */
    public record Shard(
            String name, long tokens, long lines, long documents, List<ShardFile> files) {}

    /**
     * One file of a shard.
     *
     * @param name the file name
     * @param bytes its size
     * @param sha256 its sha256 (hex)
     */
    public record ShardFile(String name, long bytes, String sha256) {}

    /**
     * Whether shards with this manifest were made from exactly these inputs and this tokenizer.
     *
     * @param currentInputs the corpus files as they are now
     * @param currentTokenizerSha256 sha256 of the tokenizer file now
     * @return true if the shards can be reused
     */
    public boolean matches(List<InputFile> currentInputs, String currentTokenizerSha256) {
        return FORMAT.equals(format)
                && formatVersion == FORMAT_VERSION
                && currentTokenizerSha256.equals(tokenizerSha256)
                && currentInputs.equals(inputs);
    }

    /**
     * Reads a manifest.
     *
     * @param file the manifest.json
     * @return the manifest, or null if the file is missing or unreadable
     */
    public static ShardManifest readIfValid(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            ShardManifest manifest =
                    GSON.fromJson(
                            Files.readString(file, StandardCharsets.UTF_8), ShardManifest.class);
            return manifest != null && manifest.shards() != null && manifest.inputs() != null
                    ? manifest
                    : null;
        } catch (IOException | JsonParseException e) {
            return null;
        }
    }

    /**
     * Writes this manifest.
     *
     * @param file the manifest.json to write
     * @throws IOException if writing fails
     */
    public void write(Path file) throws IOException {
        Files.writeString(file, GSON.toJson(this) + "\n", StandardCharsets.UTF_8);
    }
}
