package io.ragway.plan;

import java.util.Objects;

/**
 * Sizes a self-hosted model deployment: how much KV cache one token and one request take, how many
 * requests fit on a replica at once, roughly how fast it runs, how many replicas a load needs and
 * what a million tokens cost. A roofline estimate (docs/capacity.md): decoding is bound by memory
 * bandwidth (each step reads the weights and every running sequence's KV cache), prefill by
 * compute (two FLOPs per parameter per prompt token).
 */
public final class CapacityPlanner {

  private static final double GIB = 1L << 30;

  private CapacityPlanner() {}

  /**
   * The traffic to serve.
   *
   * @param requestsPerSecond arriving requests per second
   * @param promptTokens mean prompt tokens of a request
   * @param outputTokens mean output tokens of a request
   */
  public record Load(double requestsPerSecond, double promptTokens, double outputTokens) {
    public Load {
      if (requestsPerSecond < 0 || !(promptTokens >= 0) || !(outputTokens > 0)) {
        throw new IllegalArgumentException("requests/s and prompt tokens must be >= 0, output tokens > 0");
      }
    }
  }

  /**
   * What the estimate takes for granted.
   *
   * @param memoryUtilization share of GPU memory the server may use (vLLM's
   *     {@code gpu_memory_utilization}, 0.9 by default)
   * @param overheadGibPerGpu memory for activations, CUDA graphs and the runtime, per GPU
   * @param bandwidthEfficiency share of peak memory bandwidth decoding reaches
   * @param mfu share of peak FLOPS prefill reaches (model FLOPs utilisation)
   * @param maxBatch most sequences decoded at once (vLLM's {@code max_num_seqs}, 256)
   */
  public record Assumptions(double memoryUtilization, double overheadGibPerGpu, double bandwidthEfficiency, double mfu,
      int maxBatch) {
    public Assumptions {
      if (!(memoryUtilization > 0 && memoryUtilization <= 1) || overheadGibPerGpu < 0
          || !(bandwidthEfficiency > 0 && bandwidthEfficiency <= 1) || !(mfu > 0 && mfu <= 1) || maxBatch <= 0) {
        throw new IllegalArgumentException("utilisation, efficiency and MFU must be in (0, 1], overhead >= 0, batch > 0");
      }
    }

    public static Assumptions defaults() {
      return new Assumptions(0.9, 2, 0.7, 0.5, 256);
    }
  }

  /**
   * The estimate for one replica and for the load.
   *
   * @param kvBytesPerToken KV cache of one token
   * @param kvBytesPerRequest KV cache of a request of the load's mean length (prompt + output)
   * @param kvBytesAtContext KV cache of one sequence at the full context window
   * @param weightBytesPerGpu the weights' share of one GPU
   * @param kvBudgetBytes memory a replica has left for the KV cache
   * @param concurrentRequests requests of the mean length whose KV cache fits at once
   * @param concurrentAtContext sequences at the full context window that fit at once
   * @param batch sequences decoded together: the concurrent requests, at most the batch limit
   * @param decodeStepSeconds one decoding step of the whole batch
   * @param decodeTokensPerSecond output tokens a replica makes per second at that batch
   * @param streamTokensPerSecond output tokens per second one request sees
   * @param prefillTokensPerSecond prompt tokens a replica reads per second
   * @param timeToFirstTokenSeconds a prompt of the mean length's prefill, on an idle replica
   * @param requestsPerSecondPerReplica the load's requests one replica finishes per second
   * @param replicas replicas the load needs (at least 1)
   * @param gpus GPUs in all
   * @param utilization share of the replicas' capacity the load uses
   * @param costPerMillionOutputTokens USD per 1M output tokens at the load, or -1 without a price
   * @param costPerMillionTokens USD per 1M prompt and output tokens at the load, or -1
   * @param costPerMillionOutputTokensAtCapacity USD per 1M output tokens of a fully busy replica, or -1
   */
  public record Plan(double kvBytesPerToken, double kvBytesPerRequest, double kvBytesAtContext, double weightBytesPerGpu,
      double kvBudgetBytes, long concurrentRequests, long concurrentAtContext, long batch, double decodeStepSeconds,
      double decodeTokensPerSecond, double streamTokensPerSecond, double prefillTokensPerSecond,
      double timeToFirstTokenSeconds, double requestsPerSecondPerReplica, int replicas, int gpus, double utilization,
      double costPerMillionOutputTokens, double costPerMillionTokens, double costPerMillionOutputTokensAtCapacity) {}

  /**
   * Plans {@code load} for {@code model} on {@code hardware} with sequences of at most
   * {@code context} tokens.
   *
   * @throws IllegalArgumentException when the request does not fit the context, or the weights or
   *     one full-context sequence do not fit the memory, with what would
   */
  public static Plan plan(ModelShape model, Hardware hardware, int context, Load load, Assumptions a) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(hardware, "hardware");
    Objects.requireNonNull(load, "load");
    Objects.requireNonNull(a, "assumptions");
    if (context <= 0) {
      throw new IllegalArgumentException("the context window must be > 0 tokens");
    }
    double length = load.promptTokens() + load.outputTokens();
    if (length > context) {
      throw new IllegalArgumentException("a request of " + fmt(load.promptTokens()) + " prompt + " + fmt(load.outputTokens())
          + " output tokens does not fit a context of " + context);
    }
    int gpus = hardware.gpus();
    double perToken = model.kvBytesPerToken();
    double weights = model.weightBytes();
    double usable = gpus * (hardware.memoryGib() * a.memoryUtilization() - a.overheadGibPerGpu()) * GIB;
    double budget = usable - weights;
    if (budget <= 0) {
      throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
          "the weights (%.1f GiB) do not fit in %d GPU(s) of %.0f GiB (%.0f%% of each usable, less %.1f GiB overhead): "
              + "add GPUs (--gpus) or serve a smaller dtype", weights / GIB, gpus, hardware.memoryGib(),
          a.memoryUtilization() * 100, a.overheadGibPerGpu()));
    }
    double atContext = perToken * context;
    long fitAtContext = (long) Math.floor(budget / atContext);
    if (fitAtContext < 1) {
      throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
          "one sequence of %d tokens needs %.2f GiB of KV cache; only %.2f GiB is left after the weights", context,
          atContext / GIB, budget / GIB));
    }
    double perRequest = perToken * length;
    long concurrent = (long) Math.floor(budget / perRequest);
    long batch = Math.min(concurrent, a.maxBatch());

    // a decoding step reads all weights once and the KV cache of every sequence in the batch; a
    // sequence holds its prompt and, on average over its decoding, half its output
    double bandwidth = gpus * hardware.bandwidthGbPerS() * 1e9 * a.bandwidthEfficiency();
    double step = (weights + batch * perToken * (load.promptTokens() + load.outputTokens() / 2)) / bandwidth;
    double decode = batch / step;
    double prefill = gpus * hardware.tflops() * 1e12 * a.mfu() / (2 * model.params());
    double secondsPerRequest = load.promptTokens() / prefill + load.outputTokens() / decode;
    double capacity = 1 / secondsPerRequest;
    int replicas = (int) Math.max(1, Math.ceil(load.requestsPerSecond() / capacity - 1e-9));
    double utilization = load.requestsPerSecond() / (replicas * capacity);

    double dollarsPerSecond = replicas * gpus * hardware.pricePerGpuHour() / 3600;
    boolean priced = hardware.pricePerGpuHour() > 0 && load.requestsPerSecond() > 0;
    double outputCost = priced ? dollarsPerSecond / (load.requestsPerSecond() * load.outputTokens()) * 1e6 : -1;
    double allCost = priced ? dollarsPerSecond / (load.requestsPerSecond() * length) * 1e6 : -1;
    double atCapacity = hardware.pricePerGpuHour() > 0
        ? gpus * hardware.pricePerGpuHour() / 3600 / (capacity * load.outputTokens()) * 1e6 : -1;
    return new Plan(perToken, perRequest, atContext, weights / gpus, budget, concurrent, fitAtContext, batch, step, decode,
        1 / step, prefill, load.promptTokens() / prefill, capacity, replicas, replicas * gpus, utilization, outputCost,
        allCost, atCapacity);
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
