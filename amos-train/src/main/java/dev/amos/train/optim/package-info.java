/**
 * Optimization for DJL's Trainer: {@link dev.amos.train.optim.AdamW} (decoupled weight decay with
 * per-parameter exclusion, global step count, saveable moments), {@link
 * dev.amos.train.optim.GradientClipping} (global-norm clipping, NaN/Inf step skipping) and {@link
 * dev.amos.train.optim.LinearWarmupDecay} (linear warmup then linear decay).
 */
package dev.amos.train.optim;
