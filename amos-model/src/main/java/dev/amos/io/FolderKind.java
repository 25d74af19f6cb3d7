package dev.amos.io;

import java.util.Locale;

/**
 * What a folder written by amos is. Every such folder says so in its {@value AmosFolder#MARKER}
 * ({@code {"kind": "...", ...}}), read by {@link AmosFolder#read}; folders written before the
 * marker existed are recognised by their layout. The table of kinds and the writers allowed into
 * each is in docs/reliability.md ("Folder kinds").
 */
public enum FolderKind {

    /**
     * {@code amos train --out}: config, tokenizer, metrics, checkpoints, discriminator/, report.
     */
    RUN("run", "a pretraining run", "amos train --out"),
    /** An encoder (weights, config, tokenizer): a run's {@code discriminator/}. */
    ENCODER("encoder", "an encoder folder", "amos train, as a run's discriminator/"),
    /** {@code amos import --out}: a released AMOS / COCO-LM encoder as an encoder folder. */
    IMPORT("import", "an imported encoder", "amos import --out"),
    /** {@code amos export --out}: an encoder or classifier in a serving format. */
    EXPORT("export", "an export", "amos export --out"),
    /** {@code amos finetune --out}: seeds, results.json and best/. */
    FINETUNE("finetune", "a fine-tune", "amos finetune --out"),
    /** A fine-tuned classifier (encoder + head): a fine-tune's {@code best/}. */
    CLASSIFIER("classifier", "a fine-tuned classifier", "amos finetune, as its best/"),
    /** {@code amos glue --out}: one fine-tune per task and glue.json. */
    GLUE("glue", "a GLUE run", "amos glue --out"),
    /** {@code amos eval --split test --out}: GLUE submission files. */
    SUBMISSION("submission", "GLUE test predictions", "amos eval --out"),
    /** {@code amos spark embed|classify --output}: Spark's part files. */
    SPARK_OUTPUT("spark-output", "a Spark output", "amos spark --output");

    private final String id;
    private final String description;
    private final String writer;

    FolderKind(String id, String description, String writer) {
        this.id = id;
        this.description = description;
        this.writer = writer;
    }

    /** The name written in the marker file, e.g. {@code run}. */
    public String id() {
        return id;
    }

    /** In words, with its article: {@code a pretraining run}. */
    public String description() {
        return description;
    }

    /** The command (and option) that writes this kind. */
    public String writer() {
        return writer;
    }

    /**
     * The kind named {@code id} in a marker file.
     *
     * @throws IllegalArgumentException for an unknown name
     */
    public static FolderKind fromId(String id) {
        for (FolderKind k : values()) {
            if (k.id.equals(id)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown folder kind \"" + id + "\"");
    }

    @Override
    public String toString() {
        return id.toLowerCase(Locale.ROOT);
    }
}
