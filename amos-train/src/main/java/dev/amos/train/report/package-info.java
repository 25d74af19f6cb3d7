/**
 * The training report of a pretraining run folder: {@link dev.amos.train.report.TrainingReport}
 * reads {@code metrics.jsonl} and {@code config.json} and writes {@code report.html} with PNG
 * charts drawn by {@link dev.amos.train.report.LineChart} with XChart (headless).
 */
package dev.amos.train.report;
