package dev.amos.model;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.amos.io.AtomicFiles;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

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
        writeAtomically(
                file,
                out ->
                        HostCopies.scoped(
                                HostCopies.parameterArrays(block),
                                () -> {
                                    DataOutputStream data = new DataOutputStream(out);
                                    block.saveParameters(data);
                                    data.flush();
                                }));
    }

    /**
     * Loads parameters saved by {@link #save} into a block of the same structure, after checking
     * that every parameter has the shape the block declares (the one its model config gives). DJL's
     * {@code Parameter.load} takes whatever shape the file holds, so a file of another config (a
     * run's {@code config.json} edited after training, weights of another model) would load
     * silently and be trained or served at the wrong width.
     *
     * @throws BadInputException naming the file, the first parameter whose shape differs and both
     *     shapes; or the file when it is not a {@code .params} file of this block's structure
     */
    public static void load(Block block, NDManager manager, Path file) {
        load(block, manager, file, null);
    }

    /**
     * {@link #load(Block, NDManager, Path)}, naming {@code config} (the config.json the block was
     * built from) in the error of a shape that differs.
     */
    public static void load(Block block, NDManager manager, Path file, Path config) {
        Map<Parameter, String> names = new LinkedHashMap<>();
        Map<Parameter, Shape> declared = new LinkedHashMap<>();
        declaredShapes(block, "", names, declared);
        try (DataInputStream in =
                new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            block.loadParameters(manager, in);
        } catch (IOException | MalformedModelException | RuntimeException e) {
            throw BadInputException.of(
                    file,
                    "cannot load weights (expected a DJL .params file of this model's shape): "
                            + e.getMessage());
        }
        for (Map.Entry<Parameter, Shape> e : declared.entrySet()) {
            Parameter p = e.getKey();
            Shape loaded = p.isInitialized() ? p.getArray().getShape() : null;
            if (loaded != null && !e.getValue().equals(loaded)) {
                throw BadInputException.of(
                        file,
                        "parameter "
                                + names.get(p)
                                + " has shape "
                                + loaded
                                + ", the model config"
                                + (config == null ? "" : " (" + config + ")")
                                + " expects "
                                + e.getValue());
            }
        }
    }

    /**
     * The shape each parameter of {@code block} and its children declares, and its name as a path
     * ({@code discriminator.layer0.attention.qkv.weight}: DJL's child names without their index).
     */
    private static void declaredShapes(
            Block block,
            String prefix,
            Map<Parameter, String> names,
            Map<Parameter, Shape> shapes) {
        for (Pair<String, Parameter> p : block.getDirectParameters()) {
            if (p.getValue().getShape() != null && !shapes.containsKey(p.getValue())) {
                names.put(p.getValue(), prefix + p.getKey());
                shapes.put(p.getValue(), p.getValue().getShape());
            }
        }
        for (Pair<String, Block> child : block.getChildren()) {
            declaredShapes(
                    child.getValue(),
                    prefix + child.getKey().replaceFirst("^\\d{2}", "") + ".",
                    names,
                    shapes);
        }
    }

    /** Something that writes a file's content to a stream. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /**
     * Writes {@code file} via a temporary sibling and an atomic rename ({@link AtomicFiles#write}).
     */
    public static void writeAtomically(Path file, Writer writer) throws IOException {
        AtomicFiles.write(file, writer::write);
    }
}
