package dev.amos.model;

import java.util.Locale;

/**
 * How a sentence vector is pooled from an encoder's last hidden states: read by embedding, serving
 * and Spark at run time and recorded in exported models.
 */
public enum Pooling {
    /** The hidden state of the first token: {@code hidden[:, 0]}. */
    CLS,
    /** The attention-mask-weighted mean over the real (non-padding) tokens. */
    MEAN;

    /** Parses {@code cls} or {@code mean} (case-insensitive). */
    public static Pooling fromName(String name) {
        for (Pooling pooling : values()) {
            if (pooling.name().equalsIgnoreCase(name.trim())) {
                return pooling;
            }
        }
        throw new IllegalArgumentException("pooling must be cls or mean, got '" + name + "'");
    }

    /** The lower-case name, {@code cls} or {@code mean}. */
    public String externalName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
