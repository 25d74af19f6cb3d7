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
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a {@link ScriptModuleDefinition} as a TorchScript archive (the zip format of {@code
 * torch.jit.save}) loadable by {@code torch.jit.load} (torch >= 1.13), libtorch 2.0.1 (DJL engine
 * "PyTorch") and TorchServe, without torch on the writing side. Format: {@code
 * docs/torchscript-format.md}; reader: {@code caffe2/serialize/inline_container.cc} in <a
 * href="https://github.com/pytorch/pytorch">PyTorch</a>.
 *
 * <p>Layout, all under one top-level folder, every entry STORED and its data 64-byte aligned like
 * torch does it: {@code data/0..N-1} (one storage per tensor, in attribute order), {@code
 * data.pkl}, {@code code/__torch__...py}, {@code constants.pkl} (empty tuple), {@code
 * extra/<name>} (optional, shows up in torch's {@code _extra_files}), {@code .data/version} =
 * {@code 10} (what torch 1.13 / 2.0.1 write for graphs using gelu/div; the maximum they read).
 *
 * <p>The file is written to a temporary sibling and renamed over {@code file} only when complete.
 */
public final class TorchScriptArchiveWriter {

    /** File format version: 10 is the highest read by torch 1.13 and libtorch 2.0.1. */
    static final int FILE_FORMAT_VERSION = 10;

    private static final long DOS_EPOCH_2000 = 946684800000L;
    private static final int ALIGNMENT = 64;
    private static final int LOCAL_HEADER_SIZE = 30;
    private static final int EXTRA_HEADER_SIZE = 4;
    private static final byte[] EMPTY_TUPLE_PICKLE = {(byte) 0x80, 2, ')', '.'};

    private TorchScriptArchiveWriter() {}

    /** Writes {@code module} to {@code file} (replacing it atomically), without extra files. */
    public static void write(Path file, ScriptModuleDefinition module) throws IOException {
        write(file, module, Map.of());
    }

    /**
     * Writes {@code module} to {@code file}, replacing it atomically.
     *
     * @param extraFiles name -> content stored as {@code extra/<name>}
     */
    public static void write(Path file, ScriptModuleDefinition module, Map<String, byte[]> extraFiles)
            throws IOException {
        Path absolute = file.toAbsolutePath();
        Path directory = absolute.getParent();
        Files.createDirectories(directory);
        String root = archiveRoot(absolute);
        // not Files.createTempFile: its 0600 permissions would make the model unreadable to a server
        Path temporary = directory.resolve("." + absolute.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            OutputStream out = Files.newOutputStream(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            try (AlignedZip zip = new AlignedZip(out, root)) {
                writeEntries(zip, module, extraFiles);
            }
            moveIntoPlace(temporary, absolute);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** The pickled module instance ({@code data.pkl}); storages are {@code data/<index>}. */
    static byte[] modulePickle(ScriptModuleDefinition module) {
        PickleWriter pickle = new PickleWriter().protocol();
        pickle.global(module.qualifier(), module.className()).emptyTuple().newObject();
        pickle.emptyDict().mark();
        pickle.string("training").bool(false);
        int storageIndex = 0;
        for (ScriptModuleDefinition.Attribute attribute : module.attributes()) {
            pickle.string(attribute.name());
            if (attribute.value() instanceof ScriptTensor tensor) {
                boolean trainable = attribute.role() == ScriptModuleDefinition.Role.PARAMETER;
                pickle.tensor(tensor.type(), Integer.toString(storageIndex++), tensor.shape(), trainable);
            } else {
                writeScalar(pickle, attribute.value());
            }
        }
        return pickle.setItems().build().stop().toByteArray();
    }

    private static void writeEntries(AlignedZip zip, ScriptModuleDefinition module, Map<String, byte[]> extraFiles)
            throws IOException {
        List<ScriptModuleDefinition.Attribute> tensors = module.tensorAttributes();
        for (int i = 0; i < tensors.size(); i++) {
            ScriptTensor tensor = (ScriptTensor) tensors.get(i).value();
            if (tensor.elementCount() > 0) {
                zip.put("data/" + i, tensor.littleEndianBytes());
            }
        }
        zip.put("data.pkl", modulePickle(module));
        zip.put(module.sourceRecord(), module.source().getBytes(StandardCharsets.UTF_8));
        zip.put("constants.pkl", EMPTY_TUPLE_PICKLE);
        for (Map.Entry<String, byte[]> extra : extraFiles.entrySet()) {
            zip.put("extra/" + extra.getKey(), extra.getValue());
        }
        zip.put(".data/version", (FILE_FORMAT_VERSION + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private static void writeScalar(PickleWriter pickle, Object value) {
        if (value instanceof Long || value instanceof Integer) {
            pickle.integer(((Number) value).longValue());
        } else if (value instanceof Double number) {
            pickle.floating(number);
        } else if (value instanceof Boolean flag) {
            pickle.bool(flag);
        } else {
            pickle.string((String) value);
        }
    }

    /** The single top-level folder: the file name without extension, like torch.jit.save. */
    private static String archiveRoot(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = (dot > 0 ? name.substring(0, dot) : name).replaceAll("[^A-Za-z0-9_.-]", "_");
        return stem.isEmpty() || stem.startsWith(".") ? "archive" : stem;
    }

    private static void moveIntoPlace(Path temporary, Path target) throws IOException {
        try {
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * A zip of STORED entries whose data start on 64-byte boundaries, padded like torch with a
     * local extra field {@code "FB"} filled with {@code 'Z'}.
     */
    private static final class AlignedZip implements AutoCloseable {

        private final CountingOutputStream counter;
        private final ZipOutputStream zip;
        private final String root;

        AlignedZip(OutputStream file, String root) {
            this.counter = new CountingOutputStream(new BufferedOutputStream(file, 1 << 16));
            this.zip = new ZipOutputStream(counter, StandardCharsets.UTF_8);
            this.root = root;
        }

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

        private byte[] alignmentPadding(String name) {
            long dataStart = counter.count() + LOCAL_HEADER_SIZE
                    + name.getBytes(StandardCharsets.UTF_8).length + EXTRA_HEADER_SIZE;
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
