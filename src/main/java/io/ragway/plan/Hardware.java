package io.ragway.plan;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The accelerators one replica runs on.
 *
 * @param name a preset's name, or {@code custom}
 * @param memoryGib memory per GPU, GiB
 * @param bandwidthGbPerS memory bandwidth per GPU, GB/s (10^9 bytes)
 * @param tflops dense 16-bit tensor throughput per GPU, TFLOPS
 * @param gpus GPUs per replica (tensor parallel)
 * @param pricePerGpuHour what one GPU costs an hour in USD, or 0 when not given
 */
public record Hardware(String name, double memoryGib, double bandwidthGbPerS, double tflops, int gpus,
    double pricePerGpuHour) {

  /** Published data-sheet figures (dense, without sparsity) of common inference GPUs. */
  public static final Map<String, Hardware> PRESETS = presets();

  public Hardware {
    Objects.requireNonNull(name, "name");
    if (!(memoryGib > 0) || !(bandwidthGbPerS > 0) || !(tflops > 0) || gpus <= 0 || pricePerGpuHour < 0) {
      throw new IllegalArgumentException("GPU memory, bandwidth, TFLOPS and count must be > 0 and price >= 0");
    }
  }

  private static Map<String, Hardware> presets() {
    Map<String, Hardware> m = new TreeMap<>();
    m.put("a100-80gb", new Hardware("a100-80gb", 80, 2039, 312, 1, 0));
    m.put("h100-80gb", new Hardware("h100-80gb", 80, 3350, 989, 1, 0));
    m.put("l4", new Hardware("l4", 24, 300, 121, 1, 0));
    m.put("a10", new Hardware("a10", 24, 600, 125, 1, 0));
    return Map.copyOf(m);
  }

  /** The preset called {@code name}. */
  public static Hardware preset(String name) {
    Hardware h = PRESETS.get(name.strip().toLowerCase(Locale.ROOT));
    if (h == null) {
      throw new IllegalArgumentException("unknown GPU '" + name + "'; known: " + new TreeMap<>(PRESETS).keySet());
    }
    return h;
  }

  public Hardware withMemory(double gib) {
    return new Hardware(name, gib, bandwidthGbPerS, tflops, gpus, pricePerGpuHour);
  }

  public Hardware withBandwidth(double gbPerS) {
    return new Hardware(name, memoryGib, gbPerS, tflops, gpus, pricePerGpuHour);
  }

  public Hardware withTflops(double value) {
    return new Hardware(name, memoryGib, bandwidthGbPerS, value, gpus, pricePerGpuHour);
  }

  public Hardware withGpus(int count) {
    return new Hardware(name, memoryGib, bandwidthGbPerS, tflops, count, pricePerGpuHour);
  }

  public Hardware withPrice(double usdPerGpuHour) {
    return new Hardware(name, memoryGib, bandwidthGbPerS, tflops, gpus, usdPerGpuHour);
  }
}
