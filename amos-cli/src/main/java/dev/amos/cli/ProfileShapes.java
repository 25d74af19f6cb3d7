package dev.amos.cli;

/** The help text of {@code --profile-shapes}, one for every command with {@code --profile}. */
final class ProfileShapes {

    /** What the option does and what it costs. */
    static final String DESCRIPTION =
            "With --profile: also record every op's input shapes (for scripts/measure/profile-top.py --by-shape);"
                    + " the records stay on the heap until the end and make the profiled steps slower still.";

    private ProfileShapes() {}
}
