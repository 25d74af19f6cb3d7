package dev.amos.model.export;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The zip container of PyTorch's serialization ({@code caffe2/serialize/inline_container.cc}),
 * shared by TorchScript archives ({@code torch.jit.save}) and state-dict files ({@code
 * torch.save}): every record under one top-level folder named after the file, STORED, its data
 * 64-byte aligned with a local extra field {@code "FB"} padded with {@code 'Z'}, as torch writes
 * it.
 *
 * <p>{@link #write} writes to a temporary sibling and renames it over the file when complete.
 */
final class TorchZip implements AutoCloseable {

    private static final long DOS_EPOCH_2000 = 946684800000L;
    private static final int ALIGNMENT = 64;
    private static final int LOCAL_HEADER_SIZE = 30;
    private static final int EXTRA_HEADER_SIZE = 4;

    /** Writes the records of one archive. */
    @FunctionalInterface
    interface Records {
        void write(TorchZip zip) throws IOException;
    }

    private final CountingOutputStream counter;
    private final ZipOutputStream zip;
    private final String root;

    private TorchZip(OutputStream file, String root) {
        this.counter = new CountingOutputStream(new BufferedOutputStream(file, 1 << 16));
        this.zip = new ZipOutputStream(counter, StandardCharsets.UTF_8);
        this.root = root;
    }

    /**
     * Writes the archive {@code file} (replacing it atomically) with the records {@code records}
     * puts.
     */
    static void write(Path file, Records records) throws IOException {
        Path absolute = file.toAbsolutePath();
        Path directory = absolute.getParent();
        Files.createDirectories(directory);
        // not Files.createTempFile: its 0600 permissions would make the model unreadable to a
        // server
        Path temporary =
                directory.resolve("." + absolute.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            OutputStream out =
                    Files.newOutputStream(
                            temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            try (TorchZip zip = new TorchZip(out, archiveRoot(absolute))) {
                records.write(zip);
            }
            try {
                Files.move(
                        temporary,
                        absolute,
                        StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** Adds the record {@code root/record}. */
    void put(String record, byte[] data) throws IOException {
        String name = root + "/" + record;
        ZipEntry entry = new ZipEntry(name);
        entry.setMethod(ZipEntry.STORED);
        entry.setTime(DOS_EPOCH_2000);
        entry.setSize(data.length);
        entry.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        entry.setCrc(crc.getValue());
        entry.setExtra(alignmentPadding(name));
        zip.putNextEntry(entry);
        zip.write(data);
        zip.closeEntry();
    }

    /** The single top-level folder: the file name without extension, like torch. */
    private static String archiveRoot(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = (dot > 0 ? name.substring(0, dot) : name).replaceAll("[^A-Za-z0-9_.-]", "_");
        return stem.isEmpty() || stem.startsWith(".") ? "archive" : stem;
    }

    private byte[] alignmentPadding(String name) {
        long dataStart =
                counter.count()
                        + LOCAL_HEADER_SIZE
                        + name.getBytes(StandardCharsets.UTF_8).length
                        + EXTRA_HEADER_SIZE;
        int pad = (int) ((ALIGNMENT - dataStart % ALIGNMENT) % ALIGNMENT);
        byte[] extra = new byte[EXTRA_HEADER_SIZE + pad];
        extra[0] = 'F';
        extra[1] = 'B';
        extra[2] = (byte) (pad & 0xFF);
        extra[3] = (byte) (pad >> 8);
        for (int i = EXTRA_HEADER_SIZE; i < extra.length; i++) {
            extra[i] = 'Z';
        }
        return extra;
    }

    @Override
    public void close() throws IOException {
        zip.close();
    }

    private static final class CountingOutputStream extends FilterOutputStream {

        private long count;

        CountingOutputStream(OutputStream out) {
            super(out);
        }

        long count() {
            return count;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
