package dev.amos.model.export;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link ScriptModuleDefinition} as a TorchScript archive (the zip format of {@code
 * torch.jit.save}) loadable by {@code torch.jit.load} (torch >= 1.13), libtorch 2.0.1 (DJL engine
 * "PyTorch") and TorchServe, without torch on the writing side. Format: {@code
 * docs/torchscript-format.md}; reader: {@code caffe2/serialize/inline_container.cc} in <a
 * href="https://github.com/pytorch/pytorch">PyTorch</a>.
 *
 * <p>Layout, all under one top-level folder, every entry STORED and its data 64-byte aligned like
 * torch does it: {@code data/0..N-1} (one storage per tensor, in attribute order), {@code
 * data.pkl}, {@code code/__torch__...py}, {@code constants.pkl} (empty tuple), {@code extra/<name>}
 * (optional, shows up in torch's {@code _extra_files}), {@code .data/version} = {@code 10} (what
 * torch 1.13 / 2.0.1 write for graphs using gelu/div; the maximum they read).
 *
 * <p>The file is written to a temporary sibling and renamed over {@code file} only when complete.
 */
public final class TorchScriptArchiveWriter {

    /** File format version: 10 is the highest read by torch 1.13 and libtorch 2.0.1. */
    static final int FILE_FORMAT_VERSION = 10;

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
    public static void write(
            Path file, ScriptModuleDefinition module, Map<String, byte[]> extraFiles)
            throws IOException {
        TorchZip.write(file, zip -> writeEntries(zip, module, extraFiles));
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
                pickle.tensor(
                        tensor.type(), Integer.toString(storageIndex++), tensor.shape(), trainable);
            } else {
                writeScalar(pickle, attribute.value());
            }
        }
        return pickle.setItems().build().stop().toByteArray();
    }

    private static void writeEntries(
            TorchZip zip, ScriptModuleDefinition module, Map<String, byte[]> extraFiles)
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
}
