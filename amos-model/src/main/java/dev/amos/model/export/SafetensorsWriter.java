package dev.amos.model.export;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.amos.model.BlockFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes tensors as a {@code .safetensors} file (the format of Hugging Face's {@code safetensors}
 * package: an 8-byte little-endian header length, a JSON header of key -> {@code {dtype, shape,
 * data_offsets}} plus {@code __metadata__ {"format": "pt"}}, padded with spaces to a multiple of 8,
 * then the raw little-endian data in key order). Written atomically; tensors are read one at a
 * time.
 */
public final class SafetensorsWriter {

    private SafetensorsWriter() {}

    /** Writes {@code tensors} (key -> tensor, in iteration order) to {@code file}. */
    public static void write(Path file, Map<String, ScriptTensor> tensors) throws IOException {
        byte[] header = header(tensors);
        BlockFiles.writeAtomically(
                file,
                out -> {
                    out.write(
                            ByteBuffer.allocate(8)
                                    .order(ByteOrder.LITTLE_ENDIAN)
                                    .putLong(header.length)
                                    .array());
                    out.write(header);
                    for (ScriptTensor t : tensors.values()) {
                        out.write(t.littleEndianBytes());
                    }
                });
    }

    static byte[] header(Map<String, ScriptTensor> tensors) {
        JsonObject json = new JsonObject();
        JsonObject metadata = new JsonObject();
        metadata.addProperty("format", "pt");
        json.add("__metadata__", metadata);
        long offset = 0;
        for (Map.Entry<String, ScriptTensor> e : tensors.entrySet()) {
            ScriptTensor t = e.getValue();
            JsonObject entry = new JsonObject();
            entry.addProperty(
                    "dtype",
                    switch (t.type()) {
                        case FLOAT32 -> "F32";
                        case INT64 -> "I64";
                    });
            JsonArray shape = new JsonArray();
            for (long d : t.shape()) {
                shape.add(d);
            }
            entry.add("shape", shape);
            long end = offset + t.elementCount() * t.type().bytesPerElement();
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offsets.add(end);
            entry.add("data_offsets", offsets);
            json.add(e.getKey(), entry);
            offset = end;
        }
        StringBuilder text = new StringBuilder(json.toString());
        while (text.toString().getBytes(StandardCharsets.UTF_8).length % 8 != 0) {
            text.append(' ');
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }
}
