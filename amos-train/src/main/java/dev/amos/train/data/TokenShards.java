package dev.amos.train.data;

import dev.amos.io.Sha256;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;

/**
 * A shard folder opened for reading (format in {@link ShardManifest}): the token files are
 * memory-mapped (read-only, safe to read from several threads), line and document boundaries are
 * held in memory (8 bytes per line and per document).
 */
public final class TokenShards implements TokenCorpus {

    private final Path folder;
    private final ShardManifest manifest;
    private final ByteBuffer[] tokenBuffers;
    private final long[] shardTokenStarts;
    private final long[] lineEnds;
    private final long[] firstLines;

    private TokenShards(
            Path folder,
            ShardManifest manifest,
            ByteBuffer[] tokenBuffers,
            long[] shardTokenStarts,
            long[] lineEnds,
            long[] firstLines) {
        this.folder = folder;
        this.manifest = manifest;
        this.tokenBuffers = tokenBuffers;
        this.shardTokenStarts = shardTokenStarts;
        this.lineEnds = lineEnds;
        this.firstLines = firstLines;
    }

    /**
     * Opens a shard folder.
     *
     * @param folder the folder holding manifest.json and the shard files
     * @param verifyChecksums true to check every file's sha256 against the manifest
     * @return the opened shards
     * @throws IOException if the folder is incomplete, inconsistent or a checksum differs
     */
    public static TokenShards open(Path folder, boolean verifyChecksums) throws IOException {
        ShardManifest manifest = ShardManifest.readIfValid(folder.resolve(ShardManifest.FILE_NAME));
        if (manifest == null) {
            throw new IOException(folder + ": no readable " + ShardManifest.FILE_NAME);
        }
        int shardCount = manifest.shards().size();
        ByteBuffer[] buffers = new ByteBuffer[shardCount];
        long[] tokenStarts = new long[shardCount + 1];
        long[] lineEnds = new long[Math.toIntExact(manifest.lines())];
        long[] firstLines = new long[Math.toIntExact(manifest.documents()) + 1];
        int line = 0;
        int document = 0;
        for (int s = 0; s < shardCount; s++) {
            ShardManifest.Shard shard = manifest.shards().get(s);
            checkFiles(folder, shard, verifyChecksums);
            if (shard.files().get(0).bytes() != shard.tokens() * manifest.tokenBytes()) {
                throw new IOException(
                        folder + ": " + shard.name() + " token file size does not match its count");
            }
            buffers[s] = map(folder.resolve(shard.files().get(0).name()));
            tokenStarts[s + 1] = tokenStarts[s] + shard.tokens();
            long lineBase = line;
            for (long end : readLongs(folder.resolve(shard.files().get(1).name()), shard.lines())) {
                lineEnds[line++] = tokenStarts[s] + end;
            }
            for (long end :
                    readLongs(folder.resolve(shard.files().get(2).name()), shard.documents())) {
                firstLines[++document] = lineBase + end;
            }
        }
        if (line != lineEnds.length
                || document != firstLines.length - 1
                || tokenStarts[shardCount] != manifest.tokens()) {
            throw new IOException(folder + ": shard counts do not add up to the manifest totals");
        }
        return new TokenShards(folder, manifest, buffers, tokenStarts, lineEnds, firstLines);
    }

    private static void checkFiles(Path folder, ShardManifest.Shard shard, boolean verifyChecksums)
            throws IOException {
        if (shard.files() == null || shard.files().size() != 3) {
            throw new IOException(folder + ": " + shard.name() + " does not list its 3 files");
        }
        for (ShardManifest.ShardFile file : shard.files()) {
            Path path = folder.resolve(file.name());
            if (!Files.isRegularFile(path) || Files.size(path) != file.bytes()) {
                throw new IOException(path + ": missing or of the wrong size");
            }
            if (verifyChecksums && !file.sha256().equals(Sha256.of(path))) {
                throw new IOException(path + ": sha256 differs from the manifest");
            }
        }
    }

    private static ByteBuffer map(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size())
                    .order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    private static long[] readLongs(Path file, long count) throws IOException {
        LongBuffer longs =
                ByteBuffer.wrap(Files.readAllBytes(file))
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .asLongBuffer();
        if (longs.remaining() != count) {
            throw new IOException(
                    file + ": expected " + count + " entries, found " + longs.remaining());
        }
        long[] values = new long[Math.toIntExact(count)];
        longs.get(values);
        return values;
    }

    /**
     * @return the folder these shards were read from
     */
    public Path folder() {
        return folder;
    }

    /**
     * @return the manifest
     */
    public ShardManifest manifest() {
        return manifest;
    }

    @Override
    public long documentCount() {
        return firstLines.length - 1;
    }

    @Override
    public long firstLine(long document) {
        return firstLines[Math.toIntExact(document)];
    }

    @Override
    public long lineStart(long line) {
        return line == 0 ? 0 : lineEnds[Math.toIntExact(line - 1)];
    }

    @Override
    public long lineEnd(long line) {
        return lineEnds[Math.toIntExact(line)];
    }

    @Override
    public long tokenCount() {
        return shardTokenStarts[shardTokenStarts.length - 1];
    }

    @Override
    public void copyTokens(long from, int length, long[] target, int targetOffset) {
        if (from < 0 || length < 0 || from + length > tokenCount()) {
            throw new IndexOutOfBoundsException(
                    "tokens [" + from + ", " + (from + length) + ") of " + tokenCount());
        }
        long position = from;
        int written = 0;
        while (written < length) {
            int shard = shardOf(position);
            ByteBuffer tokens = tokenBuffers[shard];
            int local = (int) (position - shardTokenStarts[shard]);
            int n = (int) Math.min(length - written, shardTokenStarts[shard + 1] - position);
            if (manifest.tokenBytes() == 2) {
                for (int i = 0; i < n; i++) {
                    target[targetOffset + written + i] =
                            Short.toUnsignedLong(tokens.getShort((local + i) * 2));
                }
            } else {
                for (int i = 0; i < n; i++) {
                    target[targetOffset + written + i] =
                            Integer.toUnsignedLong(tokens.getInt((local + i) * 4));
                }
            }
            written += n;
            position += n;
        }
    }

    private int shardOf(long position) {
        int index = Arrays.binarySearch(shardTokenStarts, position);
        int shard = index >= 0 ? index : -index - 2;
        while (shard + 1 < shardTokenStarts.length - 1 && shardTokenStarts[shard + 1] <= position) {
            shard++;
        }
        return shard;
    }

    /**
     * How often each token id occurs in the shards (one pass over the token files).
     *
     * @param vocabSize the length of the result; ids at or above it are not counted
     * @return {@code counts[id]}
     */
    public long[] tokenCounts(int vocabSize) {
        long[] counts = new long[vocabSize];
        for (ByteBuffer buffer : tokenBuffers) {
            ByteBuffer tokens = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            int n = tokens.capacity() / manifest.tokenBytes();
            for (int i = 0; i < n; i++) {
                long id =
                        manifest.tokenBytes() == 2
                                ? Short.toUnsignedLong(tokens.getShort(i * 2))
                                : Integer.toUnsignedLong(tokens.getInt(i * 4));
                if (id < vocabSize) {
                    counts[(int) id]++;
                }
            }
        }
        return counts;
    }

    /**
     * @return the shard names, in order
     */
    public List<String> shardNames() {
        return manifest.shards().stream().map(ShardManifest.Shard::name).toList();
    }
}
