package dev.amos.train.data;

import dev.amos.io.Sha256;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Writes token shards (format in {@link ShardManifest}) into a folder: lines are appended to the
 * current document, and a shard is closed at the first document end after it reached its token
 * budget, so documents never span shards.
 */
final class ShardWriter implements Closeable {

    private final Path folder;
    private final int tokenBytes;
    private final long maxId;
    private final long tokensPerShard;
    private final List<ShardManifest.Shard> shards = new ArrayList<>();

    private ChecksummedFile tokensFile;
    private ChecksummedFile linesFile;
    private ChecksummedFile docsFile;
    private long shardTokens;
    private long shardLines;
    private long shardDocuments;
    private long linesInOpenDocument;
    private long totalTokens;
    private long totalLines;
    private long totalDocuments;

    ShardWriter(Path folder, int tokenBytes, long tokensPerShard) {
        if (tokenBytes != 2 && tokenBytes != 4) {
            throw new IllegalArgumentException(
                    "token width must be 2 or 4 bytes, not " + tokenBytes);
        }
        if (tokensPerShard <= 0 || tokensPerShard * tokenBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "tokens per shard must be in (0, 2 GiB / token width]");
        }
        this.folder = folder;
        this.tokenBytes = tokenBytes;
        this.maxId = tokenBytes == 2 ? 0xFFFFL : 0xFFFFFFFFL;
        this.tokensPerShard = tokensPerShard;
    }

    /** Appends one non-empty line of token ids to the current document. */
    void addLine(long[] ids) throws IOException {
        if (ids.length == 0) {
            return;
        }
        if (tokensFile == null) {
            openShard();
        }
        for (long id : ids) {
            if (id < 0 || id > maxId) {
                throw new IllegalStateException(
                        "token id " + id + " does not fit in " + tokenBytes + " bytes");
            }
            if (tokenBytes == 2) {
                tokensFile.putShort((short) id);
            } else {
                tokensFile.putInt((int) id);
            }
        }
        shardTokens += ids.length;
        totalTokens += ids.length;
        linesFile.putLong(shardTokens);
        shardLines++;
        totalLines++;
        linesInOpenDocument++;
    }

    /** Ends the current document (nothing if it has no lines); may close the shard. */
    void endDocument() throws IOException {
        if (linesInOpenDocument == 0) {
            return;
        }
        docsFile.putLong(shardLines);
        shardDocuments++;
        totalDocuments++;
        linesInOpenDocument = 0;
        if (shardTokens >= tokensPerShard) {
            closeShard();
        }
    }

    /** Ends the last document, closes the last shard and returns all shards. */
    List<ShardManifest.Shard> finish() throws IOException {
        endDocument();
        closeShard();
        return List.copyOf(shards);
    }

    long totalTokens() {
        return totalTokens;
    }

    long totalLines() {
        return totalLines;
    }

    long totalDocuments() {
        return totalDocuments;
    }

    private void openShard() throws IOException {
        String name = String.format("shard-%05d", shards.size());
        tokensFile = new ChecksummedFile(folder.resolve(name + ".tokens"));
        linesFile = new ChecksummedFile(folder.resolve(name + ".lines"));
        docsFile = new ChecksummedFile(folder.resolve(name + ".docs"));
        shardTokens = 0;
        shardLines = 0;
        shardDocuments = 0;
    }

    private void closeShard() throws IOException {
        if (tokensFile == null) {
            return;
        }
        String name = String.format("shard-%05d", shards.size());
        List<ShardManifest.ShardFile> files =
                List.of(tokensFile.finish(), linesFile.finish(), docsFile.finish());
        shards.add(new ShardManifest.Shard(name, shardTokens, shardLines, shardDocuments, files));
        tokensFile = null;
        linesFile = null;
        docsFile = null;
    }

    @Override
    public void close() throws IOException {
        for (ChecksummedFile file : new ChecksummedFile[] {tokensFile, linesFile, docsFile}) {
            if (file != null) {
                file.channel.close();
            }
        }
    }

    /** A little-endian output file that computes its sha256 while writing. */
    private static final class ChecksummedFile {
        private final Path path;
        private final FileChannel channel;
        private final ByteBuffer buffer =
                ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        private final MessageDigest digest;
        private long bytes;

        ChecksummedFile(Path path) throws IOException {
            this.path = path;
            this.channel =
                    FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            this.digest = Sha256.newDigest();
        }

        void putShort(short value) throws IOException {
            ensure(2);
            buffer.putShort(value);
        }

        void putInt(int value) throws IOException {
            ensure(4);
            buffer.putInt(value);
        }

        void putLong(long value) throws IOException {
            ensure(8);
            buffer.putLong(value);
        }

        private void ensure(int size) throws IOException {
            if (buffer.remaining() < size) {
                flush();
            }
        }

        private void flush() throws IOException {
            buffer.flip();
            digest.update(buffer.duplicate());
            while (buffer.hasRemaining()) {
                bytes += channel.write(buffer);
            }
            buffer.clear();
        }

        ShardManifest.ShardFile finish() throws IOException {
            flush();
            channel.force(true);
            channel.close();
            return new ShardManifest.ShardFile(
                    path.getFileName().toString(),
                    bytes,
                    HexFormat.of().formatHex(digest.digest()));
        }
    }
}
