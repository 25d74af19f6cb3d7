package dev.amos.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** Build-time versions (filtered from the POM into {@code amos-version.properties}). */
public final class Versions implements IVersionProvider {

    private static final Properties PROPS = load();

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = Versions.class.getResourceAsStream("amos-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /** The value of {@code key} (version, djl, pytorch, native), or "unknown". */
    public static String get(String key) {
        return PROPS.getProperty(key, "unknown");
    }

    @Override
    public String[] getVersion() {
        return new String[] {
            "amos " + get("version") + " (DJL " + get("djl") + ", PyTorch " + get("pytorch") + ")"
        };
    }
}
