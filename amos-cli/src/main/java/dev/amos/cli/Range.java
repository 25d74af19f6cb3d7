package dev.amos.cli;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The allowed values of a numeric {@code @Option}: every numeric option field of every command
 * carries one (the options generated from a config table by {@link SettingOptions} have their
 * setting's {@link dev.amos.model.ValueRange} instead). {@link OptionChecks#ranges} checks it
 * before a command does any work, and the option's {@code --help} text states it ({@link
 * OptionChecks#describe} form, checked by a test); the hostile-input test generates its
 * out-of-range values from these declarations. Floating-point options also refuse NaN and
 * infinities.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
@interface Range {

    /** Smallest allowed value (or the open lower bound when {@link #minOpen()}). */
    double min() default Double.NEGATIVE_INFINITY;

    /** Largest allowed value (or the open upper bound when {@link #maxOpen()}). */
    double max() default Double.POSITIVE_INFINITY;

    /** True when {@link #min()} itself is not allowed. */
    boolean minOpen() default false;

    /** True when {@link #max()} itself is not allowed. */
    boolean maxOpen() default false;
}
