package dev.amos.model;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Saves and loads block weights in DJL's {@code .params} format, atomically: a file is written
 * under a temporary name and renamed, so a crash never leaves a half-written file over a good one.
 */
public final class BlockFiles {

    private BlockFiles() {}

    /**
     * Writes the parameters of an initialized block to {@code file}; the host copies of device
     * arrays are freed on return (see {@link HostCopies}).
     */
    public static void save(Block block, Path file) throws IOException {
        writeAtomically(file, out -> HostCopies.scoped(HostCopies.parameterArrays(block), () -> {
            DataOutputStream data = new DataOutputStream(out);
            block.saveParameters(data);
            data.flush();
        }));
    }

    /** Loads parameters saved by {@link #save} into a block of the same structure. */
    public static void load(Block block, NDManager manager, Path file) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            block.loadParameters(manager, in);
        } catch (IOException | MalformedModelException | RuntimeException e) {
            throw BadInputException.of(file, "cannot load weights (expected a DJL .params file of this model's shape): "
                    + e.getMessage());
        }
    }

    /** Something that writes a file's content to a stream. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /** Writes {@code file} via a temporary sibling and an atomic rename ({@link dev.amos.io.AtomicFiles#write}). */
    public static void writeAtomically(Path file, Writer writer) throws IOException {
        dev.amos.io.AtomicFiles.write(file, writer::write);
    }
}
