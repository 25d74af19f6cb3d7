#!/usr/bin/env bash
# The ONNX export of a full-size encoder (random weights of a preset's shape, relative-bias table
# scaled up so that wrong buckets would show), run by ONNX Runtime Java against the Java encoder on
# a batch of two max_positions-long rows (one padded): prints the write time, the file size, the
# heap in use and the largest difference. See docs/serving.md, "ONNX".
#
#   scripts/onnx-size-check.sh [PRESET]        (default amos-base; any models/*.json)
set -euo pipefail
preset=${1:-amos-base}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mvn -B -q -o -pl amos-cli -am package -DskipTests >/dev/null
ort=$(find "$HOME/.m2/repository/com/microsoft/onnxruntime/onnxruntime" -name 'onnxruntime-1.20.0.jar' | head -1)
[ -n "$ort" ] || { echo "onnxruntime 1.20.0 not in ~/.m2: run 'mvn -pl amos-model -am test-compile' once online" >&2; exit 2; }
cp="amos-cli/target/amos-cli.jar:$(ls amos-cli/target/lib/*.jar | tr '\n' ':')$ort"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/check.jsh" <<JSH
import ai.djl.ndarray.*;
import ai.djl.ndarray.types.*;
import ai.djl.training.ParameterStore;
import ai.djl.engine.Engine;
import dev.amos.model.*;
import dev.amos.model.export.*;
import dev.amos.model.export.onnx.*;
import ai.onnxruntime.*;
import java.nio.file.*;
import java.util.*;
var c = ModelConfig.load(Path.of("models/$preset.json"));
var m = NDManager.newBaseManager();
Engine.getInstance().setRandomSeed(1);
var enc = Encoder.owning(c.discriminator());
enc.initialize(m, DataType.FLOAT32, new Shape(1, 8));
enc.namedTensors().get("rel_bias.table").muli(50f);
var spec = dev.amos.eval.serve.ModelExporter.spec(c, EncoderExportSpec.Pooling.MEAN, false);
var file = Path.of("$work/model.onnx");
long t0 = System.nanoTime();
try (var out = Files.newOutputStream(file)) { EncoderOnnxExporter.write(out, spec, enc.namedTensors(), false, Map.of()); }
var rt = Runtime.getRuntime();
System.out.printf("$preset: model.onnx %d MB written in %.1f s, heap in use %d MB%n", Files.size(file) >> 20,
    (System.nanoTime() - t0) / 1e9, (rt.totalMemory() - rt.freeMemory()) >> 20);
int b = 2, s = c.maxPositions(), h = c.hiddenSize(), padded = s * 3 / 5;
long[][] ids = new long[b][s], mask = new long[b][s];
var rnd = new Random(3);
for (int i = 0; i < b; i++) for (int t = 0; t < (i == 0 ? s : padded); t++) { ids[i][t] = 1000 + rnd.nextInt(c.vocabSize() - 1000); mask[i][t] = 1; }
float[] java = enc.encode(new ParameterStore(m, false), m.create(ids), m.create(mask), false).toFloatArray();
var env = OrtEnvironment.getEnvironment();
var session = env.createSession(file.toString(), new OrtSession.SessionOptions());
var result = session.run(Map.of("input_ids", OnnxTensor.createTensor(env, ids), "attention_mask", OnnxTensor.createTensor(env, mask)));
float[][][] onnx = (float[][][]) result.get(0).getValue();
float worst = 0;
for (int i = 0; i < b; i++) for (int t = 0; t < (i == 0 ? s : padded); t++) for (int j = 0; j < h; j++) worst = Math.max(worst, Math.abs(onnx[i][t][j] - java[(i * s + t) * h + j]));
System.out.printf("batch 2 x %d (second row padded from %d): max |ONNX Runtime - Java encoder| = %.2e%n", s, padded, worst);
/exit
JSH
jshell -R-Xmx6g --class-path "$cp" -R-Doffline=true -R-Dorg.slf4j.simpleLogger.defaultLogLevel=error "$work/check.jsh"
