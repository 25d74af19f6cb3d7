package dev.amos.model.export;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a state dict the way {@code torch.save(model.state_dict(), file)} does (the zip format of
 * PyTorch >= 1.6, readable by {@code torch.load} and by Hugging Face {@code from_pretrained} as
 * {@code pytorch_model.bin}), without torch on the writing side: {@code data.pkl} is a pickled
 * {@code collections.OrderedDict} of key -> {@code torch._utils._rebuild_tensor_v2(...)} (the same
 * tensor pickle as {@link TorchScriptArchiveWriter}), {@code data/<i>} one storage per tensor,
 * {@code version} = {@code 3}, all in the container of {@link TorchZip}.
 *
 * <p>Tensors are read one at a time when the file reaches them ({@link ScriptTensor}'s lazy bytes).
 * The file is written to a temporary sibling and renamed over {@code file} when complete.
 */
public final class TorchStateDictWriter {

    /** The serialization version torch.save writes (torch 1.6 to 2.x). */
    static final int SERIALIZATION_VERSION = 3;

    private TorchStateDictWriter() {}

    /**
     * Writes {@code tensors} (key -> tensor, in iteration order) to {@code file}.
     *
     * @param file the state-dict file, e.g. {@code pytorch_model.bin}
     * @param tensors the state dict; keys as the loading module names its parameters
     */
    public static void write(Path file, Map<String, ScriptTensor> tensors) throws IOException {
        List<ScriptTensor> ordered = new ArrayList<>(tensors.values());
        byte[] pickle = statePickle(tensors);
        TorchZip.write(
                file,
                zip -> {
                    zip.put("data.pkl", pickle);
                    for (int i = 0; i < ordered.size(); i++) {
                        zip.put("data/" + i, ordered.get(i).littleEndianBytes());
                    }
                    zip.put(
                            "version",
                            (SERIALIZATION_VERSION + "\n").getBytes(StandardCharsets.US_ASCII));
                });
    }

    /**
     * {@code data.pkl}: an OrderedDict of key -> tensor rebuilt from storage {@code data/<index>}.
     */
    static byte[] statePickle(Map<String, ScriptTensor> tensors) {
        PickleWriter pickle = new PickleWriter().protocol().emptyOrderedDict();
        if (!tensors.isEmpty()) {
            pickle.mark();
            int storage = 0;
            for (Map.Entry<String, ScriptTensor> e : tensors.entrySet()) {
                ScriptTensor t = e.getValue();
                pickle.string(e.getKey())
                        .tensor(t.type(), Integer.toString(storage++), t.shape(), false);
            }
            pickle.setItems();
        }
        return pickle.stop().toByteArray();
    }
}
