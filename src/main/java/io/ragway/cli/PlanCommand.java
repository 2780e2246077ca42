package io.ragway.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragway.plan.CapacityPlanner;
import io.ragway.plan.Dtype;
import io.ragway.plan.Hardware;
import io.ragway.plan.MeasuredLoad;
import io.ragway.plan.ModelShape;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "plan", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Size a self-hosted model deployment: KV cache per token and per request, concurrent requests per",
        "replica, estimated tokens/s, replicas needed for a load and cost per 1M tokens. A roofline estimate",
        "(decoding bound by memory bandwidth, prefill by compute); the formulas are in docs/capacity.md.",
        "The load comes from --rps and token counts, or is measured from a running ragway (--from-metrics)."})
final class PlanCommand implements Callable<Integer> {

  private static final double GIB = 1L << 30;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--model-params", required = true, paramLabel = "N", description = "Parameters, e.g. 8e9.")
  double params;

  @Option(names = "--layers", required = true, paramLabel = "N", description = "Transformer layers.")
  int layers;

  @Option(names = "--kv-heads", required = true, paramLabel = "N",
      description = "Key/value heads per layer (num_key_value_heads; the attention heads without GQA).")
  int kvHeads;

  @Option(names = "--head-dim", required = true, paramLabel = "N", description = "Dimensions per attention head.")
  int headDim;

  @Option(names = "--dtype", defaultValue = "fp16", paramLabel = "T",
      description = "Weights: fp32, fp16, bf16, fp8, int8 or int4 (default: ${DEFAULT-VALUE}).")
  String dtype;

  @Option(names = "--kv-dtype", paramLabel = "T", description = "KV cache format (default: the weights' for 16/32-bit, else fp16).")
  String kvDtype;

  @Option(names = "--context", required = true, paramLabel = "TOKENS", description = "The longest sequence served.")
  int context;

  @Option(names = "--gpu", defaultValue = "a100-80gb", paramLabel = "NAME",
      description = "Data-sheet preset: a100-80gb, h100-80gb, l4, a10 (default: ${DEFAULT-VALUE}).")
  String gpu;

  @Option(names = "--gpu-mem", paramLabel = "GIB", description = "Memory per GPU in GiB (overrides the preset).")
  Double gpuMem;

  @Option(names = "--bandwidth", paramLabel = "GB/S", description = "Memory bandwidth per GPU (overrides the preset).")
  Double bandwidth;

  @Option(names = "--tflops", paramLabel = "N", description = "Dense 16-bit TFLOPS per GPU (overrides the preset).")
  Double tflops;

  @Option(names = "--gpus", defaultValue = "1", paramLabel = "N", description = "GPUs per replica, tensor parallel (default: 1).")
  int gpus;

  @Option(names = "--gpu-price", defaultValue = "0", paramLabel = "USD/H", description = "Price of one GPU an hour.")
  double gpuPrice;

  @Option(names = "--rps", paramLabel = "N", description = "Requests per second to serve.")
  Double rps;

  @Option(names = "--prompt-tokens", paramLabel = "N", description = "Mean prompt tokens of a request.")
  Double promptTokens;

  @Option(names = "--output-tokens", paramLabel = "N", description = "Mean output tokens of a request.")
  Double outputTokens;

  @Option(names = "--from-metrics", paramLabel = "URL",
      description = "Measure the load instead: a running ragway's /metrics, scraped twice --window apart.")
  URI fromMetrics;

  @Option(names = "--metrics-token", defaultValue = "", paramLabel = "TOKEN", description = "telemetry.metrics_token of that server.")
  String metricsToken;

  @Option(names = "--window", defaultValue = "30", paramLabel = "SECONDS", description = "Between the two scrapes (default: 30).")
  double window;

  @Option(names = "--model", defaultValue = "", paramLabel = "NAME", description = "Only this model's traffic (default: all).")
  String model;

  @Option(names = "--mem-util", defaultValue = "0.9", description = "Share of GPU memory used (default: 0.9).")
  double memUtil;

  @Option(names = "--overhead-gib", defaultValue = "2", description = "Activations and runtime per GPU, GiB (default: 2).")
  double overhead;

  @Option(names = "--bandwidth-efficiency", defaultValue = "0.7", description = "Share of peak bandwidth decoding reaches (default: 0.7).")
  double bandwidthEfficiency;

  @Option(names = "--mfu", defaultValue = "0.5", description = "Share of peak FLOPS prefill reaches (default: 0.5).")
  double mfu;

  @Option(names = "--max-batch", defaultValue = "256", description = "Most sequences decoded at once (default: 256).")
  int maxBatch;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Override
  public Integer call() throws IOException, InterruptedException {
    ModelShape shape;
    Hardware hardware;
    CapacityPlanner.Assumptions assumptions;
    CapacityPlanner.Load load;
    String loadSource;
    try {
      Dtype weights = Dtype.parse(dtype);
      Dtype kv = kvDtype != null ? Dtype.parse(kvDtype) : weights.bytes() >= 2 ? weights : Dtype.FP16;
      shape = new ModelShape(params, layers, kvHeads, headDim, weights, kv);
      Hardware h = Hardware.preset(gpu).withGpus(gpus).withPrice(gpuPrice);
      h = gpuMem != null ? h.withMemory(gpuMem) : h;
      h = bandwidth != null ? h.withBandwidth(bandwidth) : h;
      hardware = tflops != null ? h.withTflops(tflops) : h;
      assumptions = new CapacityPlanner.Assumptions(memUtil, overhead, bandwidthEfficiency, mfu, maxBatch);
      if (fromMetrics != null) {
        if (rps != null || promptTokens != null || outputTokens != null) {
          throw new UsageException("give either --from-metrics or --rps/--prompt-tokens/--output-tokens, not both");
        }
        if (!(window > 0)) {
          throw new UsageException("--window must be > 0 seconds");
        }
        load = MeasuredLoad.measure(fromMetrics, metricsToken, Duration.ofMillis((long) (window * 1000)), model);
        loadSource = "measured at " + fromMetrics;
      } else {
        if (rps == null || promptTokens == null || outputTokens == null) {
          throw new UsageException("give --rps, --prompt-tokens and --output-tokens, or --from-metrics URL");
        }
        load = new CapacityPlanner.Load(rps, promptTokens, outputTokens);
        loadSource = "given";
      }
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    CapacityPlanner.Plan p;
    try {
      p = CapacityPlanner.plan(shape, hardware, context, load, assumptions);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    if (json) {
      ObjectNode out = BenchCommand.JSON.createObjectNode();
      out.set("model", BenchCommand.JSON.valueToTree(shape));
      out.set("hardware", BenchCommand.JSON.valueToTree(hardware));
      out.put("context", context);
      out.set("load", BenchCommand.JSON.valueToTree(load));
      out.put("load_source", loadSource);
      out.set("assumptions", BenchCommand.JSON.valueToTree(assumptions));
      out.set("plan", BenchCommand.JSON.valueToTree(p));
      BenchCommand.print(spec, out, true);
      return Main.OK;
    }
    PrintWriter o = spec.commandLine().getOut();
    o.printf("model     %.3g params, %d layers, %d KV heads x %d, weights %s, KV cache %s%n", params, layers, kvHeads,
        headDim, shape.weights().name().toLowerCase(java.util.Locale.ROOT), shape.kv().name().toLowerCase(java.util.Locale.ROOT));
    o.printf("replica   %d x %s: %.0f GiB, %.0f GB/s, %.0f TFLOPS each%n", hardware.gpus(), hardware.name(),
        hardware.memoryGib(), hardware.bandwidthGbPerS(), hardware.tflops());
    o.printf("load      %.2f req/s, %.0f prompt + %.0f output tokens a request (%s)%n%n", load.requestsPerSecond(),
        load.promptTokens(), load.outputTokens(), loadSource);
    o.printf("KV cache per token              %,.0f bytes (%.1f KiB)%n", p.kvBytesPerToken(), p.kvBytesPerToken() / 1024);
    o.printf("KV cache per request            %.3f GiB (%.0f tokens)%n", p.kvBytesPerRequest() / GIB,
        load.promptTokens() + load.outputTokens());
    o.printf("KV cache at full context        %.3f GiB (%d tokens)%n", p.kvBytesAtContext() / GIB, context);
    o.printf("weights per GPU                 %.2f GiB%n", p.weightBytesPerGpu() / GIB);
    o.printf("left for KV cache per replica   %.2f GiB%n", p.kvBudgetBytes() / GIB);
    o.printf("concurrent requests per replica %,d (%,d at full context); batch %d%n", p.concurrentRequests(),
        p.concurrentAtContext(), p.batch());
    o.printf("decode                          %,.0f tokens/s per replica, %.1f tokens/s per request%n",
        p.decodeTokensPerSecond(), p.streamTokensPerSecond());
    o.printf("prefill                         %,.0f tokens/s; time to first token %.0f ms when idle%n",
        p.prefillTokensPerSecond(), p.timeToFirstTokenSeconds() * 1000);
    o.printf("requests/s per replica          %.2f%n", p.requestsPerSecondPerReplica());
    o.printf("replicas for the load           %d (%d GPUs), %.0f%% busy%n", p.replicas(), p.gpus(), p.utilization() * 100);
    if (p.costPerMillionOutputTokens() >= 0) {
      o.printf("cost at the load                $%.3f per 1M output tokens, $%.3f per 1M tokens%n",
          p.costPerMillionOutputTokens(), p.costPerMillionTokens());
    }
    if (p.costPerMillionOutputTokensAtCapacity() >= 0) {
      o.printf("cost of a fully busy replica    $%.3f per 1M output tokens%n", p.costPerMillionOutputTokensAtCapacity());
    } else {
      o.println("cost                            give --gpu-price USD/h");
    }
    o.printf("%nassumptions: %.0f%% of memory, %.1f GiB overhead per GPU, %.0f%% of peak bandwidth, %.0f%% MFU, batch <= %d%n",
        assumptions.memoryUtilization() * 100, assumptions.overheadGibPerGpu(), assumptions.bandwidthEfficiency() * 100,
        assumptions.mfu() * 100, assumptions.maxBatch());
    return Main.OK;
  }
}
