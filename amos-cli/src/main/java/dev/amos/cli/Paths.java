package dev.amos.cli;

import java.nio.file.Path;

/** Where the launcher's files are: the repository root ({@code -Damos.home}), models, cache. */
final class Paths {

    private Paths() {}

    /** The amos installation (the repository root the launcher runs from). */
    static Path home() {
        return Path.of(System.getProperty("amos.home", ".")).toAbsolutePath().normalize();
    }

    static Path models() {
        return home().resolve("models");
    }

    /**
     * The user's cache for amos (shards, unpacked natives): $XDG_CACHE_HOME/amos or ~/.cache/amos.
     */
    static Path cache() {
        String prop = System.getProperty("amos.cache");
        if (prop != null) {
            return Path.of(prop);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base =
                xdg != null && !xdg.isBlank()
                        ? Path.of(xdg)
                        : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("amos");
    }
}
